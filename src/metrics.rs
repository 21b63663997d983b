//! Measurements taken during a run: exact time-weighted reservation, peaks,
//! task counters and wait-time distributions.

use crate::cluster::Totals;
use crate::engine::{SimDuration, SimTime};

/// Time integrals of cluster totals, advanced before every state change, so
/// averages are exact rather than sampled.
#[derive(Debug, Default, Clone)]
pub(crate) struct Integrals {
    last: SimTime,
    totals: Totals,
    /// ∫ registered CPU units dt (unit·ms).
    pub registered_cpu: u128,
    /// ∫ reserved CPU units dt.
    pub reserved_cpu: u128,
    /// ∫ registered MiB dt.
    pub registered_memory: u128,
    /// ∫ reserved MiB dt.
    pub reserved_memory: u128,
    /// ∫ registered instances dt (instance·ms).
    pub instances: u128,
    /// Highest instantaneous CPU reservation, percent.
    pub peak_cpu_pct: f64,
    /// Highest instantaneous memory reservation, percent.
    pub peak_memory_pct: f64,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn ratio_pct(part: u128, whole: u128) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

impl Integrals {
    /// Accumulates the totals in force since the last call, then records the
    /// new totals (in force from `now`).
    pub(crate) fn advance(&mut self, now: SimTime, totals: Totals) {
        let dt = u128::from(now.since(self.last).as_millis());
        if dt > 0 {
            self.registered_cpu += u128::from(self.totals.registered_cpu) * dt;
            self.reserved_cpu += u128::from(self.totals.reserved_cpu) * dt;
            self.registered_memory += u128::from(self.totals.registered_memory) * dt;
            self.reserved_memory += u128::from(self.totals.reserved_memory) * dt;
            self.instances += u128::from(self.totals.instances) * dt;
            self.last = now;
        }
        if totals != self.totals {
            self.totals = totals;
            self.peak_cpu_pct = self.peak_cpu_pct.max(pct(totals.reserved_cpu, totals.registered_cpu));
            self.peak_memory_pct = self.peak_memory_pct.max(pct(totals.reserved_memory, totals.registered_memory));
        }
    }

    /// Reserved CPU-hours as a percentage of registered CPU-hours.
    pub(crate) fn average_cpu_pct(&self) -> f64 {
        ratio_pct(self.reserved_cpu, self.registered_cpu)
    }

    /// Reserved memory-hours as a percentage of registered memory-hours.
    pub(crate) fn average_memory_pct(&self) -> f64 {
        ratio_pct(self.reserved_memory, self.registered_memory)
    }

    /// Instance-hours.
    pub(crate) fn instance_hours(&self) -> f64 {
        self.instances as f64 / 3_600_000.0
    }
}

/// A log-linear histogram of durations: exact below 256 ms, then buckets
/// 1/128 of a power of two wide (under 0.8 % relative error). Memory is a
/// few kilobytes however many values are recorded.
#[derive(Debug, Clone)]
pub(crate) struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

const SUB_BITS: u32 = 7;
const SUB_COUNT: u64 = 1 << SUB_BITS;

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; ((64 - SUB_BITS as usize) + 1) * SUB_COUNT as usize * 2], total: 0 }
    }
}

impl Histogram {
    fn bucket(value: u64) -> usize {
        if value < 2 * SUB_COUNT {
            return value as usize;
        }
        let exponent = 63 - value.leading_zeros() - SUB_BITS; // ≥ 1
        let mantissa = value >> exponent; // in [SUB_COUNT, 2·SUB_COUNT)
        (u64::from(exponent) * SUB_COUNT + mantissa) as usize
    }

    /// The smallest value of a bucket.
    fn lowest(bucket: usize) -> u64 {
        let bucket = bucket as u64;
        if bucket < 2 * SUB_COUNT {
            return bucket;
        }
        let exponent = bucket / SUB_COUNT - 1;
        let mantissa = bucket - exponent * SUB_COUNT;
        mantissa << exponent
    }

    /// Records one duration.
    pub(crate) fn record(&mut self, value: SimDuration) {
        self.counts[Self::bucket(value.as_millis())] += 1;
        self.total += 1;
    }

    /// The nearest-rank quantile `q` in [0, 1] (the lowest value of the
    /// bucket holding it), or `None` when empty.
    pub(crate) fn quantile(&self, q: f64) -> Option<SimDuration> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(SimDuration(Self::lowest(bucket)));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_exact_for_small_values_and_close_for_large() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.record(SimDuration(v));
        }
        assert_eq!(h.quantile(0.5), Some(SimDuration(50)));
        assert_eq!(h.quantile(0.99), Some(SimDuration(99)));
        assert_eq!(h.quantile(1.0), Some(SimDuration(100)));
        for v in [300_u64, 12_345, 3_600_000, 987_654_321] {
            let mut h = Histogram::default();
            h.record(SimDuration(v));
            let got = h.quantile(0.5).unwrap().as_millis();
            assert!(got <= v && (v - got) as f64 / v as f64 <= 1.0 / 128.0, "{v} -> {got}");
        }
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn integrals_weight_by_time() {
        let mut i = Integrals::default();
        let full = Totals {
            instances: 1,
            registered_cpu: 100,
            registered_memory: 100,
            reserved_cpu: 100,
            reserved_memory: 50,
        };
        let idle = Totals { reserved_cpu: 0, reserved_memory: 0, ..full };
        i.advance(SimTime(0), idle);
        i.advance(SimTime(1000), full);
        i.advance(SimTime(4000), idle);
        i.advance(SimTime(4000), idle);
        assert!((i.average_cpu_pct() - 75.0).abs() < 1e-9);
        assert!((i.average_memory_pct() - 37.5).abs() < 1e-9);
        assert_eq!(i.peak_cpu_pct, 100.0);
    }
}
