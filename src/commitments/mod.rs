//! Savings Plans and Reserved Instances, billed hour by hour after a run.
//!
//! The simulation records what it used ([`ledger::Ledger`]: per clock hour,
//! per instance type, zone, fleet and market, and Fargate vCPU and GB by
//! service and architecture). [`apply::bill`] then applies the scenario's
//! commitments to each hour in AWS's documented order: Reserved Instances
//! first (zonal, then regional), then EC2 Instance Savings Plans, then Compute
//! Savings Plans, each to the usage with the highest savings percentage first
//! (ties: the lower Savings Plans rate first). An hour's unused commitment is
//! lost; Spot usage is never covered. Sources and readings: docs/aws-data.md,
//! "Savings Plans and Reserved Instances".

pub mod apply;
pub mod ledger;

use std::collections::BTreeMap;

/// The commitments a scenario states (`[commitments]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commitments {
    /// Reserved Instances, in scenario order.
    pub reserved_instances: Vec<ReservedInstance>,
    /// Savings Plans, in scenario order.
    pub savings_plans: Vec<SavingsPlan>,
}

/// A Reserved Instance purchase: `count` instances of one type.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservedInstance {
    /// The instance type, e.g. `m5.large`.
    pub instance_type: String,
    /// The zone of a zonal RI; `None` for a regional RI (any zone, same type).
    pub zone: Option<String>,
    /// How many instances it reserves.
    pub count: u32,
    /// Its effective hourly rate per instance (upfront amortised plus
    /// recurring), USD, paid every hour whether used or not.
    pub hourly_usd: f64,
}

/// Which usage a Savings Plan can cover.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanKind {
    /// EC2 in any family, and Fargate.
    Compute,
    /// EC2 in one instance family (e.g. `m5`) of the scenario's region.
    Ec2Instance {
        /// The family.
        family: String,
    },
}

/// A Savings Plan: an hourly commitment and its rates.
#[derive(Debug, Clone, PartialEq)]
pub struct SavingsPlan {
    /// Its name in reports.
    pub name: String,
    /// Compute or EC2 Instance.
    pub kind: PlanKind,
    /// USD per hour, paid every hour whether used or not.
    pub commitment_per_hour: f64,
    /// Its rates.
    pub rates: PlanRates,
}

/// A plan's rates, as explicit Savings Plans rates or as discounts off
/// On-Demand. A usage the plan has no rate for is not covered by it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanRates {
    /// Savings Plans rate per instance type, USD per instance-hour.
    pub instance_rates: BTreeMap<String, f64>,
    /// Discount per instance family, as a fraction of On-Demand (0.3 = 30 %).
    pub family_discounts: BTreeMap<String, f64>,
    /// Discount for EC2 (and Fargate, for a Compute plan) usage without a rate above.
    pub discount: Option<f64>,
    /// Discount on Fargate vCPU-hours (Compute plans).
    pub fargate_vcpu_discount: Option<f64>,
    /// Discount on Fargate GB-hours (Compute plans).
    pub fargate_gb_discount: Option<f64>,
}

/// The family of an instance type: the part before the first dot (`m5` of `m5.large`).
pub fn family(instance_type: &str) -> &str {
    instance_type.split('.').next().unwrap_or(instance_type)
}
