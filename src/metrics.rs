//! Measurements taken during a run: exact time-weighted reservation, peaks,
//! task counters and wait-time distributions.

use crate::cluster::{InstanceId, Totals};
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

/// One sample of what a service was asked for and what it served (or, with
/// no demand curve, its desired and healthy task counts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Served {
    /// The sample instant.
    pub time: SimTime,
    /// Demand (or desired tasks).
    pub demand: f64,
    /// Served demand (or healthy tasks, at most desired).
    pub served: f64,
}

fn share_pct(demand: f64, served: f64) -> f64 {
    if demand > 0.0 {
        100.0 * served / demand
    } else {
        100.0
    }
}

/// The lowest served share, percent, over every run of consecutive samples
/// spanning `window` (each sample standing for `interval`): the worst five
/// minutes, the worst hour. A series shorter than the window is one window.
/// `None` for an empty series. O(samples), by a sliding sum.
pub(crate) fn worst_window_pct(points: &[Served], interval: SimDuration, window: SimDuration) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    let width = (window.as_millis().div_ceil(interval.as_millis().max(1)) as usize).clamp(1, points.len());
    let (mut demand, mut served) = (0.0, 0.0);
    let mut worst = f64::INFINITY;
    for (i, point) in points.iter().enumerate() {
        demand += point.demand;
        served += point.served;
        if i >= width {
            demand -= points[i - width].demand;
            served -= points[i - width].served;
        }
        if i + 1 >= width {
            worst = worst.min(share_pct(demand, served));
        }
    }
    Some(worst.min(100.0))
}

/// The served share of each calendar window of `width` (hour 0, hour 1, ...
/// from the start of the run) that has samples: (window start, percent).
pub(crate) fn aligned_windows(points: &[Served], width: SimDuration) -> Vec<(SimTime, f64)> {
    let width = width.as_millis().max(1);
    let mut windows: Vec<(SimTime, f64, f64)> = Vec::new();
    for point in points {
        let start = SimTime(point.time.as_millis() / width * width);
        match windows.last_mut() {
            Some(last) if last.0 == start => {
                last.1 += point.demand;
                last.2 += point.served;
            }
            _ => windows.push((start, point.demand, point.served)),
        }
    }
    windows.into_iter().map(|(start, demand, served)| (start, share_pct(demand, served).min(100.0))).collect()
}

/// The share of an SLO's error budget the worst `window` of the series
/// used, percent: unserved over (100 − target) % of demand. Over 100 means
/// the SLO was missed in that window.
pub(crate) fn slo_budget_used_pct(
    points: &[Served],
    interval: SimDuration,
    target_pct: f64,
    window: SimDuration,
) -> Option<f64> {
    let worst = worst_window_pct(points, interval, window)?;
    let budget = 100.0 - target_pct;
    Some(if budget > 0.0 {
        100.0 * (100.0 - worst) / budget
    } else if worst < 100.0 {
        f64::INFINITY
    } else {
        0.0
    })
}

/// How well tasks are packed onto instances, sampled: instances with at
/// least one non-daemon task, and the fewest instances a perfect packer
/// would need for those tasks' reservations.
#[derive(Debug, Clone, Default)]
pub(crate) struct Packing {
    /// Non-daemon tasks placed on each instance, by instance id.
    tasks_on: Vec<u32>,
    busy: u32,
    reserved_cpu: u64,
    reserved_memory: u64,
    /// Σ busy instances × sample interval, instance·ms.
    pub busy_ms: u128,
    /// Σ (registered − busy) instances × sample interval.
    pub idle_ms: u128,
    /// Σ lower bound × sample interval.
    pub bound_ms: u128,
}

impl Packing {
    /// A non-daemon task reserved `cpu` and `memory` on instance `id`.
    pub(crate) fn place(&mut self, id: InstanceId, cpu: u32, memory: u32) {
        let index = id.0 as usize;
        if self.tasks_on.len() <= index {
            self.tasks_on.resize(index + 1, 0);
        }
        self.tasks_on[index] += 1;
        if self.tasks_on[index] == 1 {
            self.busy += 1;
        }
        self.reserved_cpu += u64::from(cpu);
        self.reserved_memory += u64::from(memory);
    }

    /// The task placed with [`Packing::place`] released its reservation.
    pub(crate) fn release(&mut self, id: InstanceId, cpu: u32, memory: u32) {
        let count = &mut self.tasks_on[id.0 as usize];
        *count -= 1;
        if *count == 0 {
            self.busy -= 1;
        }
        self.reserved_cpu -= u64::from(cpu);
        self.reserved_memory -= u64::from(memory);
    }

    /// One sample: `instances` registered, for `interval`; `largest` is the
    /// most CPU units and the most MiB any instance type registers. The
    /// bound is the fractional bin-packing bound: no instance holds more than
    /// the largest, so at least ⌈reserved ÷ largest⌉ instances are needed
    /// for each resource.
    pub(crate) fn sample(&mut self, instances: u32, largest: (u32, u32), interval: SimDuration) {
        let dt = u128::from(interval.as_millis());
        let need = |reserved: u64, largest: u32| if largest == 0 { 0 } else { reserved.div_ceil(u64::from(largest)) };
        let bound = need(self.reserved_cpu, largest.0).max(need(self.reserved_memory, largest.1));
        self.busy_ms += u128::from(self.busy) * dt;
        self.idle_ms += u128::from(instances.saturating_sub(self.busy)) * dt;
        self.bound_ms += u128::from(bound) * dt;
    }

    /// Lower-bound instance-hours over busy instance-hours, percent (`None`
    /// when no instance was ever busy).
    pub(crate) fn efficiency_pct(&self) -> Option<f64> {
        (self.busy_ms > 0).then(|| 100.0 * self.bound_ms as f64 / self.busy_ms as f64)
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

    fn series(values: &[(f64, f64)]) -> Vec<Served> {
        values
            .iter()
            .enumerate()
            .map(|(i, &(demand, served))| Served { time: SimTime(i as u64 * 60_000), demand, served })
            .collect()
    }

    #[test]
    fn worst_window_finds_the_dip_a_mean_hides() {
        // Ten minutes at full service but for two minutes at half.
        let mut values = vec![(100.0, 100.0); 10];
        values[4] = (100.0, 50.0);
        values[5] = (100.0, 50.0);
        let points = series(&values);
        let minute = SimDuration::from_secs(60);
        // Five minutes holding both bad ones: 400 + 100 of 500.
        assert_eq!(worst_window_pct(&points, minute, SimDuration::from_secs(300)), Some(80.0));
        assert_eq!(worst_window_pct(&points, minute, minute), Some(50.0));
        // A window longer than the series is the whole series: 900 of 1000.
        assert_eq!(worst_window_pct(&points, minute, SimDuration::from_secs(86_400)), Some(90.0));
        assert_eq!(worst_window_pct(&[], minute, minute), None);
        // An SLO of 99 % allows 1 % unserved; 10 % unserved uses it ten times.
        let used = slo_budget_used_pct(&points, minute, 99.0, SimDuration::from_secs(86_400)).unwrap();
        assert!((used - 1000.0).abs() < 1e-6, "{used}");
    }

    #[test]
    fn aligned_windows_split_at_the_boundaries() {
        let points = series(&[(10.0, 10.0), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)]);
        let windows = aligned_windows(&points, SimDuration::from_secs(120));
        assert_eq!(windows, vec![(SimTime(0), 50.0), (SimTime(120_000), 100.0)]);
    }

    #[test]
    fn packing_bound_and_busy_instances() {
        let mut packing = Packing::default();
        // Two half-full instances of 1024 CPU units: a perfect packer needs one.
        packing.place(InstanceId(0), 512, 100);
        packing.place(InstanceId(1), 512, 100);
        packing.sample(3, (1024, 4096), SimDuration(1000));
        assert_eq!((packing.busy_ms, packing.idle_ms, packing.bound_ms), (2000, 1000, 1000));
        assert_eq!(packing.efficiency_pct(), Some(50.0));
        packing.release(InstanceId(1), 512, 100);
        packing.sample(3, (1024, 4096), SimDuration(1000));
        assert_eq!(packing.efficiency_pct(), Some(200.0 / 3.0));
        assert_eq!(Packing::default().efficiency_pct(), None);
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
