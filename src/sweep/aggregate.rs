//! Aggregating runs: per option and condition, the mean and 95 % confidence
//! interval of every metric and its paired difference against the baseline
//! option; per option, the weighted figures across conditions, the floor,
//! the ranking, and the recommendation sentence.

use super::run::RunRecord;
use super::spec::{FloorMetric, FloorRule, Objective};
use super::{Sweep, Variant};
use crate::output::files::{as_written, fixed};
use crate::stats::{estimate, pareto_front, t_critical_95, Estimate};
use std::cmp::Ordering;

/// Decimals of percentages and seconds in the outputs.
pub(super) const DECIMALS: usize = 3;

/// Decimals of cost figures in the outputs.
pub(super) const COST_DECIMALS: usize = 4;

/// A figure of a run that the sweep compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Total cost, USD.
    Cost,
    /// Availability over the run, percent.
    Availability,
    /// Worst five minutes of any service, percent.
    Worst5m,
    /// Worst hour of any service, percent.
    Worst1h,
    /// Worst calendar day of any service, percent.
    WorstDay,
    /// Minutes any service had fewer healthy tasks than desired.
    BelowDesired,
    /// Minutes any service's demand exceeded what it could serve.
    Overloaded,
    /// Minutes any service's tasks ran above 80 % CPU.
    CpuOver80,
    /// Minutes any service's tasks ran above 90 % CPU.
    CpuOver90,
    /// Share of the SLO's error budget used, percent.
    SloBudget,
    /// Instance-hours with a non-daemon task.
    BusyInstanceHours,
    /// Instance-hours without one.
    IdleInstanceHours,
    /// The packing bound over busy instance-hours, percent.
    PackingEfficiency,
    /// Time-weighted CPU reservation, percent.
    CpuReservation,
    /// Time-weighted memory reservation, percent.
    MemoryReservation,
    /// p95 task wait, seconds.
    TaskWaitP95,
}

/// Every metric, in the order of the tables' columns.
pub const METRICS: [Metric; 16] = [
    Metric::Cost,
    Metric::Availability,
    Metric::Worst5m,
    Metric::Worst1h,
    Metric::WorstDay,
    Metric::BelowDesired,
    Metric::Overloaded,
    Metric::CpuOver80,
    Metric::CpuOver90,
    Metric::SloBudget,
    Metric::BusyInstanceHours,
    Metric::IdleInstanceHours,
    Metric::PackingEfficiency,
    Metric::CpuReservation,
    Metric::MemoryReservation,
    Metric::TaskWaitP95,
];

impl Metric {
    /// The column stem, e.g. `cost_usd`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cost => "cost_usd",
            Metric::Availability => "availability_pct",
            Metric::Worst5m => "worst_5m_availability_pct",
            Metric::Worst1h => "worst_1h_availability_pct",
            Metric::WorstDay => "worst_day_availability_pct",
            Metric::BelowDesired => "minutes_below_desired",
            Metric::Overloaded => "minutes_overloaded",
            Metric::CpuOver80 => "minutes_cpu_over_80",
            Metric::CpuOver90 => "minutes_cpu_over_90",
            Metric::SloBudget => "slo_budget_used_pct",
            Metric::BusyInstanceHours => "busy_instance_hours",
            Metric::IdleInstanceHours => "idle_instance_hours",
            Metric::PackingEfficiency => "packing_efficiency_pct",
            Metric::CpuReservation => "cpu_reservation_pct",
            Metric::MemoryReservation => "memory_reservation_pct",
            Metric::TaskWaitP95 => "task_wait_p95_s",
        }
    }

    /// Words for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Metric::Cost => "cost (USD)",
            Metric::Availability => "availability (%)",
            Metric::Worst5m => "worst 5 minutes (%)",
            Metric::Worst1h => "worst hour (%)",
            Metric::WorstDay => "worst day (%)",
            Metric::BelowDesired => "minutes below desired",
            Metric::Overloaded => "minutes overloaded",
            Metric::CpuOver80 => "minutes above 80 % CPU",
            Metric::CpuOver90 => "minutes above 90 % CPU",
            Metric::SloBudget => "SLO error budget used (%)",
            Metric::BusyInstanceHours => "busy instance-hours",
            Metric::IdleInstanceHours => "idle instance-hours",
            Metric::PackingEfficiency => "packing efficiency (%)",
            Metric::CpuReservation => "CPU reserved (%)",
            Metric::MemoryReservation => "memory reserved (%)",
            Metric::TaskWaitP95 => "task wait p95 (s)",
        }
    }

    /// Decimals in the tables.
    pub fn decimals(self) -> usize {
        if self == Metric::Cost {
            COST_DECIMALS
        } else {
            DECIMALS
        }
    }

    /// The run's value, as `runs.csv` writes it (none where the run has no
    /// such figure: no service, no placed task, no SLO).
    pub fn value(self, run: &RunRecord) -> Option<f64> {
        let s = &run.summary;
        let minutes = |d: crate::engine::SimDuration| d.as_secs_f64() / 60.0;
        let value = match self {
            Metric::Cost => Some(run.cost_usd),
            Metric::Availability => Some(run.availability_pct),
            Metric::Worst5m => s.incidents.worst_5m_pct,
            Metric::Worst1h => s.incidents.worst_1h_pct,
            Metric::WorstDay => s.incidents.worst_day_pct(),
            Metric::BelowDesired => Some(minutes(s.incidents.below_desired)),
            Metric::Overloaded => Some(minutes(s.incidents.overloaded)),
            Metric::CpuOver80 => Some(minutes(s.incidents.cpu_over_80)),
            Metric::CpuOver90 => Some(minutes(s.incidents.cpu_over_90)),
            Metric::SloBudget => s.incidents.slo_budget_used_pct,
            Metric::BusyInstanceHours => Some(s.busy_instance_hours),
            Metric::IdleInstanceHours => Some(s.idle_instance_hours),
            Metric::PackingEfficiency => s.packing_efficiency_pct,
            Metric::CpuReservation => Some(s.cpu_reservation_avg_pct),
            Metric::MemoryReservation => Some(s.memory_reservation_avg_pct),
            Metric::TaskWaitP95 => run.task_wait_s[1],
        };
        value.map(|v| as_written(v, self.run_decimals()))
    }

    /// Decimals in `runs.csv` (cost to the micro-dollar).
    pub fn run_decimals(self) -> usize {
        if self == Metric::Cost {
            6
        } else {
            DECIMALS
        }
    }

    /// The floor's metric.
    fn of_floor(floor: FloorMetric) -> Metric {
        match floor {
            FloorMetric::Availability => Metric::Availability,
            FloorMetric::Worst5m => Metric::Worst5m,
            FloorMetric::Worst1h => Metric::Worst1h,
            FloorMetric::WorstDay => Metric::WorstDay,
        }
    }
}

/// One metric of one option under one condition.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricStats {
    /// Mean and 95 % CI over the replications (none when no run has the figure).
    pub estimate: Option<Estimate>,
    /// This option minus the baseline option, replication by replication
    /// (same seed): mean and paired 95 % CI.
    pub paired: Option<Estimate>,
    /// The 95 % CI half-width the same difference would have if the two
    /// options had run on independent seeds (Welch), for comparison.
    pub unpaired_ci95: Option<f64>,
}

/// An option under one condition.
#[derive(Debug, Clone)]
pub struct CellStats {
    /// Condition index.
    pub condition: usize,
    /// Runs aggregated.
    pub runs: usize,
    /// Every metric, in [`METRICS`] order.
    pub metrics: Vec<MetricStats>,
}

impl CellStats {
    /// One metric's figures.
    pub fn metric(&self, metric: Metric) -> MetricStats {
        self.metrics[METRICS.iter().position(|&m| m == metric).unwrap_or(0)]
    }
}

/// An option: its figures across conditions (weighted), its place and its
/// figures under each condition.
#[derive(Debug, Clone, Default)]
pub struct VariantStats {
    /// 1 for the recommended option.
    pub rank: usize,
    /// Option index in the full sweep.
    pub variant: usize,
    /// Option label.
    pub label: String,
    /// Runs aggregated (over every condition).
    pub runs: usize,
    /// Cost, USD: the conditions' weighted mean, replication by replication.
    pub cost_usd: Estimate,
    /// Time-weighted CPU reservation, percent (weighted over conditions).
    pub cpu_reservation_pct: Estimate,
    /// Time-weighted memory reservation, percent (weighted over conditions).
    pub memory_reservation_pct: Estimate,
    /// Availability, percent (weighted over conditions).
    pub availability_pct: Estimate,
    /// p95 task wait, seconds (none when no run placed a task).
    pub task_wait_p95_s: Option<Estimate>,
    /// On the cost-against-availability Pareto front.
    pub pareto: bool,
    /// Meets the floor under the sweep's rule (true when there is none).
    pub meets_floor: bool,
    /// The figure the floor is judged on: the lowest condition mean, or the
    /// weighted mean (none when no run has the floor's metric).
    pub floor_value: Option<f64>,
    /// The condition where `floor_value` was found (every-condition rule).
    pub floor_condition: Option<usize>,
    /// Per condition, in condition order.
    pub cells: Vec<CellStats>,
}

pub(super) fn rounded_estimate(e: Estimate, decimals: usize) -> Estimate {
    Estimate { mean: as_written(e.mean, decimals), ci95: as_written(e.ci95, decimals), samples: e.samples }
}

/// The runs by (option, condition, replication), for lookups in O(1).
pub(super) struct Grid<'a> {
    sweep: &'a Sweep,
    runs: Vec<Option<&'a RunRecord>>,
}

impl<'a> Grid<'a> {
    pub(super) fn new(sweep: &'a Sweep, runs: &'a [RunRecord]) -> Grid<'a> {
        let mut grid = vec![None; sweep.total_runs()];
        for run in runs {
            grid[run.run as usize] = Some(run);
        }
        Grid { sweep, runs: grid }
    }

    fn get(&self, variant: usize, condition: usize, replication: u32) -> Option<&'a RunRecord> {
        self.runs[self.sweep.run_index(variant, condition, replication) as usize]
    }

    fn has(&self, variant: usize) -> bool {
        (0..self.sweep.spec.conditions.len()).any(|c| self.get(variant, c, 0).is_some())
    }

    /// One metric of (option, condition), by replication.
    fn values(&self, metric: Metric, variant: usize, condition: usize) -> Vec<Option<f64>> {
        (0..self.sweep.spec.replications)
            .map(|r| self.get(variant, condition, r).and_then(|x| metric.value(x)))
            .collect()
    }

    /// One metric of an option, each replication's weighted mean over the
    /// conditions (a replication missing one is left out).
    fn weighted(&self, metric: Metric, variant: usize) -> Vec<Option<f64>> {
        let conditions = &self.sweep.spec.conditions;
        let total: f64 = conditions.iter().map(|c| c.weight).sum();
        (0..self.sweep.spec.replications)
            .map(|r| {
                let mut sum = 0.0;
                for (c, condition) in conditions.iter().enumerate() {
                    sum += condition.weight * metric.value(self.get(variant, c, r)?)?;
                }
                Some(sum / total)
            })
            .collect()
    }
}

/// Welch's 95 % half-width for the difference of two independent means.
fn unpaired_ci95(a: &[f64], b: &[f64]) -> Option<f64> {
    let (ea, eb) = (estimate(a)?, estimate(b)?);
    if a.len() < 2 || b.len() < 2 {
        return Some(0.0);
    }
    let variance = |xs: &[f64], mean: f64| xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
    let (va, vb) = (variance(a, ea.mean) / a.len() as f64, variance(b, eb.mean) / b.len() as f64);
    let se2 = va + vb;
    if se2 == 0.0 {
        return Some(0.0);
    }
    let df = se2 * se2 / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
    Some(t_critical_95(df.floor().max(1.0) as usize) * se2.sqrt())
}

fn metric_stats(mine: &[Option<f64>], base: &[Option<f64>], decimals: usize) -> MetricStats {
    let present: Vec<f64> = mine.iter().flatten().copied().collect();
    let pairs: Vec<f64> = mine.iter().zip(base).filter_map(|(&a, &b)| Some(a? - b?)).collect();
    let base_present: Vec<f64> = base.iter().flatten().copied().collect();
    MetricStats {
        estimate: estimate(&present).map(|e| rounded_estimate(e, decimals)),
        paired: estimate(&pairs).map(|e| rounded_estimate(e, decimals)),
        unpaired_ci95: unpaired_ci95(&present, &base_present).map(|ci| as_written(ci, decimals)),
    }
}

pub(super) fn aggregate(sweep: &Sweep, selected: &[&Variant], runs: &[RunRecord]) -> Vec<VariantStats> {
    let spec = &sweep.spec;
    let grid = Grid::new(sweep, runs);
    let baseline = sweep.baseline();
    // A replay of one option has no baseline to pair with.
    let paired = grid.has(baseline);
    let mut stats: Vec<VariantStats> = selected
        .iter()
        .map(|variant| {
            let cells: Vec<CellStats> = (0..spec.conditions.len())
                .map(|condition| {
                    let metrics = METRICS
                        .iter()
                        .map(|&m| {
                            let mine = grid.values(m, variant.index, condition);
                            let stats = metric_stats(&mine, &grid.values(m, baseline, condition), m.decimals());
                            if paired {
                                stats
                            } else {
                                MetricStats { paired: None, unpaired_ci95: None, ..stats }
                            }
                        })
                        .collect();
                    let runs =
                        (0..spec.replications).filter(|&r| grid.get(variant.index, condition, r).is_some()).count();
                    CellStats { condition, runs, metrics }
                })
                .collect();
            // Across conditions: each replication's weighted mean, then its estimate.
            let weighted = |metric: Metric| -> Option<Estimate> {
                let per_rep: Vec<f64> = grid.weighted(metric, variant.index).into_iter().flatten().collect();
                estimate(&per_rep).map(|e| rounded_estimate(e, metric.decimals()))
            };
            let floor_metric = Metric::of_floor(spec.floor_metric);
            let (floor_value, floor_condition) = match spec.floor_rule {
                FloorRule::Weighted => (weighted(floor_metric).map(|e| e.mean), None),
                FloorRule::EveryCondition => cells
                    .iter()
                    .filter_map(|cell| cell.metric(floor_metric).estimate.map(|e| (e.mean, cell.condition)))
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                    .map_or((None, None), |(value, c)| (Some(value), Some(c))),
            };
            let meets_floor = match spec.min_availability_pct {
                None => true,
                // Without the floor's figure (no service for a worst window),
                // fall back to availability over the run.
                Some(floor) => {
                    floor_value.or_else(|| weighted(Metric::Availability).map(|e| e.mean)).is_some_and(|v| v >= floor)
                }
            };
            VariantStats {
                rank: 0,
                variant: variant.index,
                label: variant.label.clone(),
                runs: cells.iter().map(|c| c.runs).sum(),
                cost_usd: weighted(Metric::Cost).unwrap_or_default(),
                cpu_reservation_pct: weighted(Metric::CpuReservation).unwrap_or_default(),
                memory_reservation_pct: weighted(Metric::MemoryReservation).unwrap_or_default(),
                availability_pct: weighted(Metric::Availability).unwrap_or_default(),
                task_wait_p95_s: weighted(Metric::TaskWaitP95),
                pareto: false,
                meets_floor,
                floor_value,
                floor_condition,
                cells,
            }
        })
        .collect();
    let points: Vec<(f64, f64)> = stats.iter().map(|s| (s.cost_usd.mean, s.availability_pct.mean)).collect();
    for (s, on_front) in stats.iter_mut().zip(pareto_front(&points)) {
        s.pareto = on_front;
    }
    let objective = spec.objective;
    stats.sort_by(|a, b| compare_variants(objective, a, b));
    for (i, s) in stats.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    stats
}

/// Orders options best first: those meeting the availability floor, then
/// by the objective and its tie-breaks, then by index.
pub(super) fn compare_variants(objective: Objective, a: &VariantStats, b: &VariantStats) -> Ordering {
    let cost = a.cost_usd.mean.total_cmp(&b.cost_usd.mean);
    let availability = b.availability_pct.mean.total_cmp(&a.availability_pct.mean);
    let wait = |s: &VariantStats| s.task_wait_p95_s.map_or(f64::INFINITY, |e| e.mean);
    let by_objective = match objective {
        Objective::Cost => cost.then(availability),
        Objective::Availability => availability.then(cost),
        Objective::TaskWait => wait(a).total_cmp(&wait(b)).then(availability).then(cost),
    };
    b.meets_floor.cmp(&a.meets_floor).then(by_objective).then(a.variant.cmp(&b.variant))
}

pub(super) fn objective_value(objective: Objective, s: &VariantStats) -> Option<Estimate> {
    match objective {
        Objective::Cost => Some(s.cost_usd),
        Objective::Availability => Some(s.availability_pct),
        Objective::TaskWait => s.task_wait_p95_s,
    }
}

pub(super) fn show(objective: Objective, e: Estimate) -> String {
    match objective {
        Objective::Cost => format!("${} ± {}", fixed(e.mean, COST_DECIMALS), fixed(e.ci95, COST_DECIMALS)),
        Objective::Availability => format!("{} % ± {}", fixed(e.mean, DECIMALS), fixed(e.ci95, DECIMALS)),
        Objective::TaskWait => format!("{} s ± {}", fixed(e.mean, DECIMALS), fixed(e.ci95, DECIMALS)),
    }
}

fn objective_metric(objective: Objective) -> Metric {
    match objective {
        Objective::Cost => Metric::Cost,
        Objective::Availability => Metric::Availability,
        Objective::TaskWait => Metric::TaskWaitP95,
    }
}

/// The paired difference of `metric` between two options under each
/// condition, replication by replication: `a − b`.
pub(super) fn paired_between(grid: &Grid<'_>, metric: Metric, a: usize, b: usize) -> Option<Estimate> {
    let diffs: Vec<f64> =
        grid.weighted(metric, a).into_iter().zip(grid.weighted(metric, b)).filter_map(|(x, y)| Some(x? - y?)).collect();
    estimate(&diffs).map(|e| rounded_estimate(e, metric.decimals()))
}

/// A few sentences on why the first-ranked option is recommended: the rule,
/// its figures, and how far ahead of the runner-up it is, paired.
pub(super) fn recommendation(sweep: &Sweep, runs: &[RunRecord], ranked: &[VariantStats]) -> String {
    let grid = Grid::new(sweep, runs);
    let Some(best) = ranked.first() else { return String::new() };
    let spec = &sweep.spec;
    let objective = spec.objective;
    let conditions = spec.conditions.len();
    let over = if conditions > 1 {
        match spec.conditions.iter().all(|c| c.weight == spec.conditions[0].weight) {
            true => format!(" averaged over the {conditions} conditions"),
            false => format!(" weighted over the {conditions} conditions"),
        }
    } else {
        String::new()
    };
    let name = match objective {
        Objective::Cost => "mean cost",
        Objective::Availability => "mean availability",
        Objective::TaskWait => "mean p95 task wait",
    };
    let superlative = match objective {
        Objective::Availability => "highest",
        _ => "lowest",
    };
    let floor_words = |floor: f64| {
        let what = spec.floor_metric.describe();
        match (spec.floor_rule, conditions > 1) {
            (FloorRule::EveryCondition, true) => {
                format!("whose mean {what} is at least {} % under every condition", fixed(floor, 3))
            }
            (FloorRule::Weighted, true) => format!("whose weighted mean {what} is at least {} %", fixed(floor, 3)),
            _ => format!("whose mean {what} is at least {} %", fixed(floor, 3)),
        }
    };
    let mut text = match (spec.min_availability_pct, best.meets_floor) {
        (Some(floor), true) => {
            let meeting = ranked.iter().filter(|s| s.meets_floor).count();
            format!(
                "`{}` has the {superlative} {name}{over} of the {meeting} option(s) {}",
                best.label,
                floor_words(floor)
            )
        }
        (Some(floor), false) => format!(
            "no option reaches the floor (options {}); `{}` has the {superlative} {name}{over} of all {}",
            floor_words(floor),
            best.label,
            ranked.len()
        ),
        (None, _) => format!("`{}` has the {superlative} {name}{over} of the {} option(s)", best.label, ranked.len()),
    };
    if let Some(value) = objective_value(objective, best) {
        text += &format!(" ({})", show(objective, value));
    }
    if let (Some(value), Some(c), true) = (best.floor_value, best.floor_condition, conditions > 1) {
        text += &format!(
            "; its lowest {} is {} % under `{}`",
            spec.floor_metric.describe(),
            fixed(value, 3),
            spec.conditions[c].label
        );
    }
    text += ".";
    if let Some(second) = ranked.get(1).filter(|s| s.meets_floor == best.meets_floor) {
        let metric = objective_metric(objective);
        match paired_between(&grid, metric, best.variant, second.variant) {
            Some(diff) if diff.mean == 0.0 && diff.ci95 == 0.0 => {
                text += &format!(
                    " It ties with `{}` on {name} in every replication and wins the tie-break (then availability, then \
                     option order).",
                    second.label
                );
            }
            Some(diff) => {
                let (amount, unit) = match objective {
                    Objective::Cost => (format!("${}", fixed(diff.mean.abs(), COST_DECIMALS)), String::new()),
                    _ => (
                        fixed(diff.mean.abs(), DECIMALS),
                        if objective == Objective::TaskWait { " s".into() } else { " points".into() },
                    ),
                };
                let ci = fixed(diff.ci95, metric.decimals());
                let direction =
                    if (diff.mean < 0.0) == (objective != Objective::Availability) { "ahead of" } else { "behind" };
                text += &format!(
                    " Paired on the same random numbers, it is {amount}{unit} ± {ci} {direction} the runner-up `{}`",
                    second.label
                );
                text += if diff.mean.abs() <= diff.ci95 {
                    ": within the 95 % confidence interval, so more replications would be needed to tell them apart."
                } else {
                    ", a difference the 95 % confidence interval excludes."
                };
            }
            None => {}
        }
    }
    text += if best.pareto {
        " It is on the cost-against-availability Pareto front."
    } else {
        " It is not on the cost-against-availability Pareto front: another option is at least as cheap and more available, or cheaper and as available."
    };
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Estimate;

    #[test]
    fn ranking_puts_the_floor_first_then_the_objective() {
        let stats = |variant: usize, cost: f64, availability: f64, floor: bool| VariantStats {
            variant,
            label: format!("v{variant}"),
            runs: 1,
            cost_usd: Estimate { mean: cost, ci95: 0.0, samples: 1 },
            availability_pct: Estimate { mean: availability, ci95: 0.0, samples: 1 },
            meets_floor: floor,
            ..VariantStats::default()
        };
        let mut v = [stats(0, 5.0, 90.0, false), stats(1, 9.0, 99.5, true), stats(2, 9.0, 99.9, true)];
        v.sort_by(|a, b| compare_variants(Objective::Cost, a, b));
        assert_eq!(v.map(|s| s.variant), [2, 1, 0]);
    }

    #[test]
    fn pairing_removes_the_noise_both_options_share() {
        // Two options whose values move together across replications: the
        // paired interval is zero, the unpaired one is wide.
        let mine = [Some(10.0), Some(20.0), Some(30.0)];
        let base = [Some(9.0), Some(19.0), Some(29.0)];
        let stats = metric_stats(&mine, &base, 3);
        assert_eq!(stats.paired, Some(Estimate { mean: 1.0, ci95: 0.0, samples: 3 }));
        assert!(stats.unpaired_ci95.unwrap() > 20.0, "{stats:?}");
        // Identical options: exactly zero, with a zero interval.
        let same = metric_stats(&mine, &mine, 3);
        assert_eq!(same.paired, Some(Estimate { mean: 0.0, ci95: 0.0, samples: 3 }));
    }
}
