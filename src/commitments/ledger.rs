//! The usage ledger: what a run used in each clock hour, per usage key, at
//! the rate it is billed without commitments. The simulation adds a span per
//! EC2 instance (launch to end) and per Fargate task (pull to stop); a span
//! is cut at the clock hours it crosses, so the ledger has one line per
//! (hour, key) touched: O(instance-hours + task-hours), never per event.

use crate::engine::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Milliseconds in a clock hour.
pub const HOUR_MS: u64 = 3_600_000;

/// What a ledger line measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Usage {
    /// Instance-hours of one instance type in one zone, in one fleet.
    Instance {
        /// Index of the fleet in the scenario.
        fleet: usize,
        /// Index into [`UsageNames::instance_types`].
        instance_type: usize,
        /// Index into [`UsageNames::zones`].
        zone: usize,
    },
    /// Fargate vCPU-hours.
    FargateVcpu {
        /// The service whose tasks used it (`None`: RunTask workloads).
        service: Option<usize>,
        /// ARM64 (Graviton) rather than x86_64.
        arm: bool,
    },
    /// Fargate GB-hours.
    FargateGb {
        /// The service whose tasks used it (`None`: RunTask workloads).
        service: Option<usize>,
        /// ARM64 (Graviton) rather than x86_64.
        arm: bool,
    },
}

/// One line of the ledger: a usage in one clock hour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// The clock hour, counted from the start of the run.
    pub hour: u32,
    /// What was used.
    pub usage: Usage,
    /// Spot capacity (EC2 Spot or FARGATE_SPOT): never covered by commitments.
    pub spot: bool,
    /// Units used in the hour: instance-hours, vCPU-hours or GB-hours.
    pub quantity: f64,
    /// The rate it is billed at without commitments, USD per unit-hour
    /// (On-Demand, or the Spot price for Spot usage).
    pub rate: f64,
}

impl Line {
    /// What the line costs without commitments, USD.
    pub fn cost_usd(&self) -> f64 {
        self.quantity * self.rate
    }
}

/// The names a ledger's indices refer to, for matching commitments.
#[derive(Debug, Clone, Default)]
pub struct UsageNames {
    /// Instance type names, by index.
    pub instance_types: Vec<String>,
    /// Zone names, by index.
    pub zones: Vec<String>,
}

/// A run's usage, by clock hour and key: one line per (hour, usage, spot),
/// so its size follows the hours and keys touched, not the spans added.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    lines: BTreeMap<(u32, Usage, bool), Line>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Adds `units` of `usage` billed from `from` for `billed_ms`
    /// milliseconds at `rate` USD per unit-hour, cut at clock hours. A key
    /// has one rate (its type's or architecture's price and its fleet's
    /// factor); the first one added is kept.
    pub fn add(&mut self, usage: Usage, spot: bool, from: SimTime, billed_ms: u64, units: f64, rate: f64) {
        let (mut at, end) = (from.0, from.0.saturating_add(billed_ms));
        while at < end {
            let hour = at / HOUR_MS;
            let next = ((hour + 1) * HOUR_MS).min(end);
            let quantity = units * (next - at) as f64 / HOUR_MS as f64;
            let hour = u32::try_from(hour).unwrap_or(u32::MAX);
            self.lines
                .entry((hour, usage, spot))
                .or_insert(Line { hour, usage, spot, quantity: 0.0, rate })
                .quantity += quantity;
            at = next;
        }
    }

    /// The lines in (hour, usage, spot) order; equal keys are summed in the
    /// order they were added.
    pub fn lines(&self) -> Vec<Line> {
        self.lines.values().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VM: Usage = Usage::Instance { fleet: 0, instance_type: 0, zone: 0 };

    #[test]
    fn a_span_is_cut_at_clock_hours() {
        let mut ledger = Ledger::new();
        // 00:30 to 02:15: half an hour, a whole hour, a quarter.
        ledger.add(VM, false, SimTime(HOUR_MS / 2), HOUR_MS * 7 / 4, 1.0, 0.1);
        let lines = ledger.lines();
        let hours: Vec<(u32, f64)> = lines.iter().map(|l| (l.hour, l.quantity)).collect();
        assert_eq!(hours, vec![(0, 0.5), (1, 1.0), (2, 0.25)]);
    }

    #[test]
    fn equal_keys_are_merged_and_spot_kept_apart() {
        let mut ledger = Ledger::new();
        ledger.add(VM, false, SimTime(0), HOUR_MS, 1.0, 0.1);
        ledger.add(VM, true, SimTime(0), HOUR_MS, 1.0, 0.035);
        ledger.add(VM, false, SimTime(0), HOUR_MS / 2, 1.0, 0.1);
        let lines = ledger.lines();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].spot, lines[0].quantity), (false, 1.5));
        assert_eq!((lines[1].spot, lines[1].quantity), (true, 1.0));
    }
}
