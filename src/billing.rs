//! AWS billing rules: EC2 per second with a 60-second minimum per launch,
//! Fargate per second with a 1-minute minimum on vCPU and GB, Spot by a price
//! factor or a price history. Costs are broken down by fleet and by launch type.

use crate::catalog::fargate::{FargatePricing, FargateSize};
use crate::catalog::Architecture;
use crate::commitments::ledger::{Ledger, Usage};
use crate::engine::SimTime;
use crate::prices::spot_history::SpotCurve;
use serde::{Deserialize, Serialize};

/// Seconds billed for a usage span: whole seconds rounded up, at least 60.
pub(crate) fn billed_seconds(from: SimTime, to: SimTime) -> u64 {
    to.since(from).whole_secs_rounded_up().max(60)
}

/// The cost of one EC2 instance from launch to termination (or run end).
pub(crate) fn ec2_instance_cost(price_per_hour: f64, price_factor: f64, launched: SimTime, ended: SimTime) -> f64 {
    price_per_hour * price_factor * billed_seconds(launched, ended) as f64 / 3600.0
}

/// The cost of one Spot instance billed at a price history: the curve
/// integrated over the billed span (from launch, whole seconds, at least 60).
pub(crate) fn ec2_spot_history_cost(curve: &SpotCurve, launched: SimTime, ended: SimTime) -> f64 {
    let billed = crate::engine::SimDuration::from_secs(billed_seconds(launched, ended));
    curve.cost(launched, launched + billed)
}

/// The cost of one Fargate task from the start of its image pull until it
/// stops (or the run ends).
pub(crate) fn fargate_task_cost(
    pricing: &FargatePricing,
    size: FargateSize,
    architecture: Architecture,
    price_factor: f64,
    pull_started: SimTime,
    ended: SimTime,
) -> f64 {
    pricing.hourly_price(size, architecture) * price_factor * billed_seconds(pull_started, ended) as f64 / 3600.0
}

/// Enters one Fargate task's billed span in the usage ledger: its vCPU-hours
/// and GB-hours at the rates [`fargate_task_cost`] bills them at.
#[allow(clippy::too_many_arguments)] // the same facts fargate_task_cost takes, plus who and which market
pub(crate) fn fargate_usage(
    ledger: &mut Ledger,
    pricing: &FargatePricing,
    size: FargateSize,
    architecture: Architecture,
    price_factor: f64,
    (service, spot): (Option<usize>, bool),
    pull_started: SimTime,
    ended: SimTime,
) {
    let arm = architecture == Architecture::Arm64;
    let (vcpu_hour, gb_hour) =
        if arm { (pricing.arm_vcpu_hour, pricing.arm_gb_hour) } else { (pricing.x86_vcpu_hour, pricing.x86_gb_hour) };
    let billed_ms = billed_seconds(pull_started, ended) * 1000;
    let (vcpu, gb) = (f64::from(size.cpu) / 1024.0, f64::from(size.memory_mib) / 1024.0);
    ledger.add(Usage::FargateVcpu { service, arm }, spot, pull_started, billed_ms, vcpu, vcpu_hour * price_factor);
    ledger.add(Usage::FargateGb { service, arm }, spot, pull_started, billed_ms, gb, gb_hour * price_factor);
}

/// Costs of a run, in USD.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    /// EC2 cost per fleet, in scenario order.
    pub by_fleet: Vec<f64>,
    /// Fargate (On-Demand) tasks.
    pub fargate: f64,
}

impl Costs {
    /// All EC2 fleets.
    pub fn ec2(&self) -> f64 {
        // Folded from +0.0: an empty sum of f64 is -0.0.
        self.by_fleet.iter().fold(0.0, |total, cost| total + cost)
    }

    /// Everything.
    pub fn total(&self) -> f64 {
        self.ec2() + self.fargate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    #[test]
    fn ten_m5_large_for_an_hour_cost_96_cents() {
        let hour = SimTime::ZERO + SimDuration::from_mins(60);
        let total: f64 = (0..10).map(|_| ec2_instance_cost(0.096, 1.0, SimTime::ZERO, hour)).sum();
        assert!((total - 0.96).abs() < 1e-9, "{total}");
    }

    #[test]
    fn short_usage_is_billed_as_a_minute() {
        assert_eq!(billed_seconds(SimTime(0), SimTime(30_000)), 60);
        assert_eq!(billed_seconds(SimTime(0), SimTime(60_001)), 61);
        let pricing = FargatePricing::default();
        let size = FargateSize { cpu: 1024, memory_mib: 2048 };
        let thirty_s = fargate_task_cost(&pricing, size, Architecture::X86_64, 1.0, SimTime(0), SimTime(30_000));
        let sixty_s = (0.04048 + 2.0 * 0.004445) / 60.0;
        assert!((thirty_s - sixty_s).abs() < 1e-12, "{thirty_s} vs {sixty_s}");
    }

    #[test]
    fn spot_is_billed_by_its_factor() {
        let hour = SimTime(3_600_000);
        assert!((ec2_instance_cost(0.1, 0.35, SimTime(0), hour) - 0.035).abs() < 1e-12);
    }
}
