//! Applying commitments to a ledger, one clock hour at a time, in AWS's
//! order (docs/aws-data.md, "Savings Plans and Reserved Instances"):
//! 1. Reserved Instances: zonal ones to their type in their zone, then
//!    regional ones to their type in any zone, each up to one instance-hour
//!    per reserved instance per clock hour;
//! 2. EC2 Instance Savings Plans, then Compute Savings Plans: each to the
//!    usage left with the highest savings percentage first (ties: the lower
//!    Savings Plans rate first), at its Savings Plans rate, until the hour's
//!    commitment is spent.
//!
//! Spot usage is never covered. What an hour's commitment does not use is lost.

use super::ledger::{Ledger, Line, Usage, UsageNames, HOUR_MS};
use super::{family, Commitments, PlanKind, PlanRates, SavingsPlan};
use crate::engine::SimTime;
use serde::{Deserialize, Serialize};

/// What one part of a run's usage cost under its commitments, USD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The On-Demand cost of the usage commitments covered.
    pub covered_usd: f64,
    /// On-Demand usage no commitment covered, at On-Demand rates.
    pub uncovered_usd: f64,
    /// What the covered usage cost at the commitments' rates (the part of
    /// the commitment fees it used).
    pub commitment_usd: f64,
    /// Spot usage, at its Spot price (commitments never cover it).
    pub spot_usd: f64,
}

impl Share {
    /// What this usage costs with commitments: uncovered On-Demand, its
    /// use of the commitments and Spot. Unused commitment is not in it.
    pub fn net_usd(&self) -> f64 {
        self.uncovered_usd + self.commitment_usd + self.spot_usd
    }

    /// The usage at its price without commitments (On-Demand and Spot).
    pub fn without_commitments_usd(&self) -> f64 {
        self.covered_usd + self.uncovered_usd + self.spot_usd
    }

    fn add(&mut self, other: &Share) {
        self.covered_usd += other.covered_usd;
        self.uncovered_usd += other.uncovered_usd;
        self.commitment_usd += other.commitment_usd;
        self.spot_usd += other.spot_usd;
    }
}

/// One commitment over the run: what it cost and what of it was used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommitmentUse {
    /// The plan's name, or `ri:TYPE@ZONE` (`@region` for a regional RI).
    pub name: String,
    /// Its fees over the run, USD: the hourly commitment (or RI rate × count)
    /// for every hour of the run.
    pub fees_usd: f64,
    /// The part of the fees covered usage used, USD.
    pub used_usd: f64,
}

impl CommitmentUse {
    /// Fees no usage used, USD: lost.
    pub fn unused_usd(&self) -> f64 {
        (self.fees_usd - self.used_usd).max(0.0)
    }
}

/// A run's bill under its commitments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bill {
    /// EC2 usage per fleet, in scenario order.
    pub by_fleet: Vec<Share>,
    /// Fargate usage per service, in scenario order.
    pub fargate_by_service: Vec<Share>,
    /// Fargate usage of RunTask workloads.
    pub fargate_workloads: Share,
    /// Reserved Instances, in scenario order.
    pub reserved_instances: Vec<CommitmentUse>,
    /// Savings Plans, in scenario order.
    pub savings_plans: Vec<CommitmentUse>,
}

impl Bill {
    /// All EC2 usage.
    pub fn ec2(&self) -> Share {
        sum(&self.by_fleet)
    }

    /// All Fargate usage.
    pub fn fargate(&self) -> Share {
        let mut total = sum(&self.fargate_by_service);
        total.add(&self.fargate_workloads);
        total
    }

    /// All usage.
    pub fn usage(&self) -> Share {
        let mut total = self.ec2();
        total.add(&self.fargate());
        total
    }

    fn commitments(&self) -> impl Iterator<Item = &CommitmentUse> {
        self.reserved_instances.iter().chain(&self.savings_plans)
    }

    /// Every commitment's fees over the run, USD.
    pub fn fees_usd(&self) -> f64 {
        self.commitments().fold(0.0, |total, c| total + c.fees_usd)
    }

    /// Commitment fees no usage used, USD.
    pub fn unused_usd(&self) -> f64 {
        self.commitments().fold(0.0, |total, c| total + c.unused_usd())
    }

    /// The run's cost with commitments: every fee (used or not), uncovered
    /// On-Demand usage and Spot usage, USD.
    pub fn net_usd(&self) -> f64 {
        let usage = self.usage();
        self.fees_usd() + usage.uncovered_usd + usage.spot_usd
    }
}

fn sum(shares: &[Share]) -> Share {
    let mut total = Share::default();
    for share in shares {
        total.add(share);
    }
    total
}

/// The share of an hour inside the run: 1, except for a last partial hour.
fn hour_weight(hour: u64, end: SimTime) -> f64 {
    let start = hour * HOUR_MS;
    (end.0.saturating_sub(start).min(HOUR_MS)) as f64 / HOUR_MS as f64
}

/// A plan's Savings Plans rate for a line's usage, USD per unit-hour, if
/// the plan covers it.
fn plan_rate(plan: &SavingsPlan, line: &Line, names: &UsageNames) -> Option<f64> {
    let rates: &PlanRates = &plan.rates;
    let discounted = |discount: Option<f64>| discount.map(|d| line.rate * (1.0 - d));
    match line.usage {
        Usage::Instance { instance_type, .. } => {
            let name = names.instance_types.get(instance_type)?;
            let family_name = family(name);
            if let PlanKind::Ec2Instance { family: covered } = &plan.kind {
                if covered != family_name {
                    return None;
                }
            }
            rates
                .instance_rates
                .get(name)
                .copied()
                .or_else(|| discounted(rates.family_discounts.get(family_name).copied().or(rates.discount)))
        }
        Usage::FargateVcpu { .. } | Usage::FargateGb { .. } if plan.kind != PlanKind::Compute => None,
        Usage::FargateVcpu { .. } => discounted(rates.fargate_vcpu_discount.or(rates.discount)),
        Usage::FargateGb { .. } => discounted(rates.fargate_gb_discount.or(rates.discount)),
    }
}

/// The state of one line while an hour is billed.
struct Open {
    /// Units not yet covered.
    left: f64,
    share: Share,
}

impl Open {
    /// Covers up to `units` at `rate` (the commitment's rate per unit);
    /// returns the units covered.
    fn cover(&mut self, line: &Line, units: f64, rate: f64) -> f64 {
        let units = units.min(self.left);
        self.left -= units;
        self.share.covered_usd += units * line.rate;
        self.share.commitment_usd += units * rate;
        units
    }
}

/// Bills `ledger` under `commitments` for a run that ended at `end`, with
/// `fleets` fleets and `services` services.
pub fn bill(
    ledger: &Ledger,
    commitments: &Commitments,
    names: &UsageNames,
    end: SimTime,
    fleets: usize,
    services: usize,
) -> Bill {
    let mut result = Bill {
        by_fleet: vec![Share::default(); fleets],
        fargate_by_service: vec![Share::default(); services],
        reserved_instances: commitments
            .reserved_instances
            .iter()
            .map(|ri| CommitmentUse {
                name: format!("ri:{}@{}", ri.instance_type, ri.zone.as_deref().unwrap_or("region")),
                ..CommitmentUse::default()
            })
            .collect(),
        savings_plans: commitments
            .savings_plans
            .iter()
            .map(|plan| CommitmentUse { name: plan.name.clone(), ..CommitmentUse::default() })
            .collect(),
        ..Bill::default()
    };
    // Zonal RIs first, then regional ones; EC2 Instance plans, then Compute plans.
    let ri_order: Vec<usize> = (0..commitments.reserved_instances.len())
        .filter(|&i| commitments.reserved_instances[i].zone.is_some())
        .chain((0..commitments.reserved_instances.len()).filter(|&i| commitments.reserved_instances[i].zone.is_none()))
        .collect();
    let plan_order: Vec<usize> = (0..commitments.savings_plans.len())
        .filter(|&i| commitments.savings_plans[i].kind != PlanKind::Compute)
        .chain((0..commitments.savings_plans.len()).filter(|&i| commitments.savings_plans[i].kind == PlanKind::Compute))
        .collect();
    let lines = ledger.lines();
    let run_hours = end.0.div_ceil(HOUR_MS);
    let last_hour = lines.last().map_or(0, |l| u64::from(l.hour) + 1).max(run_hours);
    let mut at = 0;
    for hour in 0..last_hour {
        let first = at;
        while at < lines.len() && u64::from(lines[at].hour) == hour {
            at += 1;
        }
        let hour_lines = &lines[first..at];
        let weight = hour_weight(hour, end);
        let mut open: Vec<Open> = hour_lines
            .iter()
            .map(|line| {
                let mut share = Share::default();
                if line.spot {
                    share.spot_usd = line.cost_usd();
                }
                Open { left: if line.spot || line.rate <= 0.0 { 0.0 } else { line.quantity }, share }
            })
            .collect();
        for &r in &ri_order {
            let ri = &commitments.reserved_instances[r];
            let fee = f64::from(ri.count) * ri.hourly_usd * weight;
            let mut capacity = f64::from(ri.count) * weight;
            for (line, state) in hour_lines.iter().zip(open.iter_mut()) {
                let Usage::Instance { instance_type, zone, .. } = line.usage else { continue };
                let type_matches = names.instance_types.get(instance_type) == Some(&ri.instance_type);
                let zone_matches = ri.zone.as_ref().is_none_or(|z| names.zones.get(zone) == Some(z));
                if capacity > 0.0 && state.left > 0.0 && type_matches && zone_matches {
                    capacity -= state.cover(line, capacity, ri.hourly_usd);
                }
            }
            let used = (f64::from(ri.count) * weight - capacity) * ri.hourly_usd;
            result.reserved_instances[r].fees_usd += fee;
            result.reserved_instances[r].used_usd += used.min(fee);
        }
        for &p in &plan_order {
            let plan = &commitments.savings_plans[p];
            let mut budget = plan.commitment_per_hour * weight;
            result.savings_plans[p].fees_usd += budget;
            // (savings percentage, Savings Plans rate, line) of the usage it can cover.
            let mut candidates: Vec<(f64, f64, usize)> = hour_lines
                .iter()
                .enumerate()
                .filter(|&(i, _)| open[i].left > 0.0)
                .filter_map(|(i, line)| plan_rate(plan, line, names).map(|rate| (1.0 - rate / line.rate, rate, i)))
                .collect();
            candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
            for (_, rate, i) in candidates {
                if budget <= 0.0 {
                    break;
                }
                let units = if rate > 0.0 { budget / rate } else { f64::INFINITY };
                let covered = open[i].cover(&hour_lines[i], units, rate);
                budget = (budget - covered * rate).max(0.0);
            }
            result.savings_plans[p].used_usd += plan.commitment_per_hour * weight - budget;
        }
        for (line, state) in hour_lines.iter().zip(open) {
            let mut share = state.share;
            share.uncovered_usd += state.left * line.rate;
            let target = match line.usage {
                Usage::Instance { fleet, .. } => &mut result.by_fleet[fleet],
                Usage::FargateVcpu { service: Some(s), .. } | Usage::FargateGb { service: Some(s), .. } => {
                    &mut result.fargate_by_service[s]
                }
                Usage::FargateVcpu { service: None, .. } | Usage::FargateGb { service: None, .. } => {
                    &mut result.fargate_workloads
                }
            };
            target.add(&share);
        }
    }
    result
}
