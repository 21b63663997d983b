//! What charts draw of runs over time: series downsampled into buckets that
//! keep each bucket's mean, lowest and highest value (an envelope), so a
//! long run's spikes and dips survive and no artefact is added, and their
//! combination across replications.

use crate::output::files::as_written;
use crate::record::{ClusterSample, RunResult};
use serde::{Deserialize, Serialize};

/// At most this many buckets per series.
pub const MAX_POINTS: usize = 600;

/// One bucket of consecutive samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EnvelopePoint {
    /// Simulated time of the bucket's first sample, hours.
    pub hours: f64,
    /// Mean of the bucket's samples.
    pub mean: f64,
    /// Lowest sample.
    pub min: f64,
    /// Highest sample.
    pub max: f64,
}

/// A series as buckets of consecutive samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The buckets, in time order.
    pub points: Vec<EnvelopePoint>,
}

impl Envelope {
    /// Buckets `(hours, value)` samples into at most [`MAX_POINTS`] buckets
    /// of equal sample counts.
    pub fn of(samples: &[(f64, f64)]) -> Envelope {
        let width = samples.len().div_ceil(MAX_POINTS).max(1);
        let points = samples
            .chunks(width)
            .map(|chunk| {
                let values = chunk.iter().map(|&(_, v)| v);
                EnvelopePoint {
                    hours: chunk[0].0,
                    mean: values.clone().sum::<f64>() / chunk.len() as f64,
                    min: values.clone().fold(f64::INFINITY, f64::min),
                    max: values.fold(f64::NEG_INFINITY, f64::max),
                }
            })
            .collect();
        Envelope { points }
    }

    /// Replications of one series, bucket by bucket: the mean of their
    /// means, the lowest of their lows and the highest of their highs.
    pub fn across(runs: &[&Envelope]) -> Envelope {
        let length = runs.iter().map(|e| e.points.len()).min().unwrap_or(0);
        let points = (0..length)
            .map(|i| {
                let at = runs.iter().map(|e| e.points[i]);
                EnvelopePoint {
                    hours: runs[0].points[i].hours,
                    mean: at.clone().map(|p| p.mean).sum::<f64>() / runs.len() as f64,
                    min: at.clone().map(|p| p.min).fold(f64::INFINITY, f64::min),
                    max: at.map(|p| p.max).fold(f64::NEG_INFINITY, f64::max),
                }
            })
            .collect();
        Envelope { points }
    }

    /// The last bucket's time, hours.
    pub fn end_hours(&self) -> f64 {
        self.points.last().map_or(0.0, |p| p.hours)
    }
}

/// What the sweep's charts keep of one run, or of the replications of one
/// option under one condition ([`RunSeries::across`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSeries {
    /// Registered container instances.
    pub instances: Envelope,
    /// RUNNING tasks.
    pub running_tasks: Envelope,
    /// Reserved CPU, percent of registered.
    pub cpu_pct: Envelope,
    /// Reserved memory, percent of registered.
    pub memory_pct: Envelope,
    /// Whether the run had EC2 capacity at some sample (reservation is
    /// meaningless without).
    pub ec2: bool,
    /// The run's served share of each hour: (hour start in hours, percent).
    pub hourly_pct: Vec<(f64, f64)>,
}

impl RunSeries {
    /// Replications of one option under one condition: envelopes combined
    /// bucket by bucket ([`Envelope::across`]), EC2 capacity if any run had
    /// it, and each hour's mean served share (rounded as written).
    pub fn across(runs: &[&RunSeries]) -> RunSeries {
        let envelope =
            |f: fn(&RunSeries) -> &Envelope| Envelope::across(&runs.iter().map(|r| f(r)).collect::<Vec<_>>());
        let hours = runs.first().map_or(&[][..], |first| &first.hourly_pct[..]);
        let hourly_pct = hours
            .iter()
            .enumerate()
            .map(|(i, &(hour, _))| {
                let values: Vec<f64> = runs.iter().filter_map(|r| r.hourly_pct.get(i).map(|p| p.1)).collect();
                (hour, as_written(values.iter().sum::<f64>() / values.len() as f64, 4))
            })
            .collect();
        RunSeries {
            instances: envelope(|r| &r.instances),
            running_tasks: envelope(|r| &r.running_tasks),
            cpu_pct: envelope(|r| &r.cpu_pct),
            memory_pct: envelope(|r| &r.memory_pct),
            ec2: runs.iter().any(|r| r.ec2),
            hourly_pct,
        }
    }

    /// The series of a run, with values as `timeseries.csv` writes them.
    pub fn of(result: &RunResult) -> RunSeries {
        let pick = |value: fn(&ClusterSample) -> f64| -> Envelope {
            let samples: Vec<(f64, f64)> =
                result.samples.iter().map(|s| (as_written(s.time.as_secs_f64(), 0) / 3600.0, value(s))).collect();
            Envelope::of(&samples)
        };
        RunSeries {
            instances: pick(|s| f64::from(s.instances)),
            running_tasks: pick(|s| s.running_tasks as f64),
            cpu_pct: pick(|s| as_written(s.cpu_reservation_pct(), 2)),
            memory_pct: pick(|s| as_written(s.memory_reservation_pct(), 2)),
            ec2: result.samples.iter().any(|s| s.registered_cpu > 0),
            hourly_pct: result
                .summary
                .incidents
                .hourly_pct
                .iter()
                .map(|&(start, pct)| (start.as_secs_f64() / 3600.0, as_written(pct, 4)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_spikes_and_dips() {
        // 1,200 samples of 10 with one spike to 50 and one dip to 0.
        let mut samples: Vec<(f64, f64)> = (0..1200).map(|i| (f64::from(i) / 60.0, 10.0)).collect();
        samples[301].1 = 50.0;
        samples[900].1 = 0.0;
        let envelope = Envelope::of(&samples);
        assert_eq!(envelope.points.len(), MAX_POINTS);
        assert_eq!(envelope.points.iter().map(|p| p.max).fold(0.0, f64::max), 50.0);
        assert_eq!(envelope.points.iter().map(|p| p.min).fold(f64::INFINITY, f64::min), 0.0);
        // Nothing that is not in the data: every bucket lies within the samples' range.
        assert!(envelope.points.iter().all(|p| p.min >= 0.0 && p.max <= 50.0 && p.min <= p.mean && p.mean <= p.max));
    }

    #[test]
    fn a_cell_averages_its_replications_hours() {
        let run =
            |pct: f64, ec2: bool| RunSeries { ec2, hourly_pct: vec![(0.0, 100.0), (1.0, pct)], ..RunSeries::default() };
        let (a, b) = (run(90.0, false), run(95.0, true));
        let both = RunSeries::across(&[&a, &b]);
        assert_eq!(both.hourly_pct, vec![(0.0, 100.0), (1.0, 92.5)]);
        assert!(both.ec2, "EC2 capacity if any run had it");
    }

    #[test]
    fn replications_combine_bucket_by_bucket() {
        let a = Envelope::of(&[(0.0, 1.0), (1.0, 3.0)]);
        let b = Envelope::of(&[(0.0, 3.0), (1.0, 5.0)]);
        let both = Envelope::across(&[&a, &b]);
        assert_eq!(both.points[0], EnvelopePoint { hours: 0.0, mean: 2.0, min: 1.0, max: 3.0 });
        assert_eq!(both.points[1], EnvelopePoint { hours: 1.0, mean: 4.0, min: 3.0, max: 5.0 });
    }
}
