//! A one-pass summary of a trace in bounded memory.

use super::{TraceReader, TraceTask};
use crate::engine::{SimDuration, SimTime};
use crate::error::InputError;
use std::fmt;

/// What a trace holds, for a quick look before simulating it.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceStats {
    /// Rows read (each one task with `count` instances).
    pub tasks: u64,
    /// Instances (ECS tasks) over all rows.
    pub instances: u64,
    /// The earliest submit time.
    pub first_submit: SimTime,
    /// The latest submit time.
    pub last_submit: SimTime,
    /// Rows per minute between the first and the last submit; 0 when they
    /// all arrive in the same millisecond.
    pub arrival_rate_per_min: f64,
    /// CPU units per instance at p0, p50, p90, p99 and p100, over instances
    /// that give a CPU request (a row of 9 instances counts 9 times); all 0 when none does.
    pub cpu_quantiles: [u32; 5],
    /// MiB per instance at p0, p50, p90, p99 and p100, as for CPU.
    pub memory_quantiles: [u32; 5],
    /// Σ CPU units / 1024 × duration in hours × count: the vCPU-hours the
    /// trace asks for (rows without a CPU request add nothing).
    pub total_cpu_hours: f64,
    /// Σ MiB / 1024 × duration in hours × count.
    pub total_memory_gib_hours: f64,
    /// Bad rows the reader skipped.
    pub skipped: u64,
}

/// Reads the rest of the trace and summarises it. Quantiles come from a
/// fixed-size log-linear histogram: exact below 2048, within 0.1 % above, with
/// exact minimum and maximum; so memory does not grow with the trace.
pub fn trace_stats(reader: &mut TraceReader) -> Result<TraceStats, InputError> {
    let mut stats = TraceStatsBuilder::default();
    while let Some(task) = reader.next_task()? {
        let TraceTask { submit, duration, count, cpu, memory, .. } = task;
        stats.add(submit, duration, count, cpu, memory);
    }
    Ok(stats.finish(reader.skipped()))
}

/// Builds [`TraceStats`] one row at a time, in bounded memory, for sources
/// other than a [`TraceReader`] (the native trace format).
pub struct TraceStatsBuilder {
    tasks: u64,
    instances: u64,
    first: Option<SimTime>,
    last: SimTime,
    cpu: Histogram,
    memory: Histogram,
    cpu_hours: f64,
    memory_gib_hours: f64,
}

impl Default for TraceStatsBuilder {
    fn default() -> TraceStatsBuilder {
        TraceStatsBuilder {
            tasks: 0,
            instances: 0,
            first: None,
            last: SimTime::ZERO,
            cpu: Histogram::new(),
            memory: Histogram::new(),
            cpu_hours: 0.0,
            memory_gib_hours: 0.0,
        }
    }
}

impl TraceStatsBuilder {
    /// Counts one row: `count` instances submitted at `submit`, each running
    /// for `duration` with these CPU units and MiB (`None`: not given).
    pub fn add(&mut self, submit: SimTime, duration: SimDuration, count: u32, cpu: Option<u32>, memory: Option<u32>) {
        self.tasks += 1;
        self.instances += u64::from(count);
        self.first = Some(self.first.map_or(submit, |f| f.min(submit)));
        self.last = self.last.max(submit);
        let instance_hours = duration.as_secs_f64() / 3600.0 * f64::from(count);
        if let Some(units) = cpu {
            self.cpu.record(units, u64::from(count));
            self.cpu_hours += f64::from(units) / 1024.0 * instance_hours;
        }
        if let Some(mib) = memory {
            self.memory.record(mib, u64::from(count));
            self.memory_gib_hours += f64::from(mib) / 1024.0 * instance_hours;
        }
    }

    /// The statistics of the rows added, with `skipped` bad rows.
    pub fn finish(self, skipped: u64) -> TraceStats {
        let first = self.first.unwrap_or(SimTime::ZERO);
        let span_min = self.last.since(first).as_secs_f64() / 60.0;
        TraceStats {
            tasks: self.tasks,
            instances: self.instances,
            first_submit: first,
            last_submit: self.last,
            arrival_rate_per_min: if span_min > 0.0 { self.tasks as f64 / span_min } else { 0.0 },
            cpu_quantiles: self.cpu.quantiles(),
            memory_quantiles: self.memory.quantiles(),
            total_cpu_hours: self.cpu_hours,
            total_memory_gib_hours: self.memory_gib_hours,
            skipped,
        }
    }
}

impl fmt::Display for TraceStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = |v: &[u32; 5]| format!("p0 {}  p50 {}  p90 {}  p99 {}  max {}", v[0], v[1], v[2], v[3], v[4]);
        writeln!(f, "tasks:        {} rows, {} instances", self.tasks, self.instances)?;
        writeln!(
            f,
            "submits:      {:.1} s to {:.1} s (span {}), {:.1} rows/min",
            self.first_submit.as_secs_f64(),
            self.last_submit.as_secs_f64(),
            self.last_submit.since(self.first_submit),
            self.arrival_rate_per_min
        )?;
        writeln!(f, "cpu units:    {}", q(&self.cpu_quantiles))?;
        writeln!(f, "memory MiB:   {}", q(&self.memory_quantiles))?;
        writeln!(
            f,
            "requested:    {:.1} vCPU-hours, {:.1} GiB-hours",
            self.total_cpu_hours, self.total_memory_gib_hours
        )?;
        write!(f, "skipped rows: {}", self.skipped)
    }
}

/// Values below this are counted exactly.
const EXACT: u32 = 2048;
/// Mantissa bits kept above `EXACT` (1024 sub-buckets per power of two).
const MANTISSA_BITS: u32 = 10;
/// Buckets: the exact ones, then 1024 per power of two from 2^11 to 2^31.
const BUCKETS: usize = EXACT as usize + (32 - 11) * (1 << MANTISSA_BITS);

/// A weighted histogram of u32 values in fixed memory.
struct Histogram {
    counts: Vec<u64>,
    total: u64,
    min: u32,
    max: u32,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram { counts: vec![0; BUCKETS], total: 0, min: u32::MAX, max: 0 }
    }

    fn bucket(value: u32) -> usize {
        if value < EXACT {
            return value as usize;
        }
        let exponent = 31 - value.leading_zeros(); // 11..=31
        let mantissa = (value >> (exponent - MANTISSA_BITS)) - (1 << MANTISSA_BITS);
        EXACT as usize + ((exponent - 11) << MANTISSA_BITS) as usize + mantissa as usize
    }

    /// The smallest value in a bucket.
    fn lower_bound(bucket: usize) -> u32 {
        if bucket < EXACT as usize {
            return bucket as u32;
        }
        let above = (bucket - EXACT as usize) as u32;
        let exponent = 11 + (above >> MANTISSA_BITS);
        let mantissa = (1 << MANTISSA_BITS) + (above & ((1 << MANTISSA_BITS) - 1));
        mantissa << (exponent - MANTISSA_BITS)
    }

    fn record(&mut self, value: u32, weight: u64) {
        self.counts[Histogram::bucket(value)] += weight;
        self.total += weight;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// p0, p50, p90, p99, p100 (nearest rank), clamped to the exact extremes.
    fn quantiles(&self) -> [u32; 5] {
        if self.total == 0 {
            return [0; 5];
        }
        let at = |p: f64| {
            let rank = ((p * self.total as f64).ceil() as u64).clamp(1, self.total);
            let mut seen = 0;
            for (bucket, count) in self.counts.iter().enumerate() {
                seen += count;
                if seen >= rank {
                    return Histogram::lower_bound(bucket).clamp(self.min, self.max);
                }
            }
            self.max
        };
        [self.min, at(0.5), at(0.9), at(0.99), self.max]
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn buckets_round_trip_and_stay_close() {
        for value in [0, 1, 2047, 2048, 2049, 4095, 4096, 65_536, 1_000_000, u32::MAX] {
            let bucket = Histogram::bucket(value);
            assert!(bucket < super::BUCKETS, "{value}");
            let low = Histogram::lower_bound(bucket);
            assert!(low <= value && f64::from(value - low) <= f64::from(value) / 1000.0, "{value} -> {low}");
        }
    }

    #[test]
    fn quantiles_are_weighted_nearest_rank() {
        let mut h = Histogram::new();
        for v in 1..=100 {
            h.record(v, 1);
        }
        assert_eq!(h.quantiles(), [1, 50, 90, 99, 100]);
        let mut h = Histogram::new();
        h.record(10, 99);
        h.record(5000, 1);
        assert_eq!(h.quantiles(), [10, 10, 10, 10, 5000]);
    }
}
