//! Aggregating runs into per-variant estimates, ranking them, and the
//! recommendation sentence.

use super::run::RunRecord;
use super::spec::Objective;
use super::{Sweep, Variant};
use crate::output::files::{as_written, fixed};
use crate::stats::{estimate, pareto_front, Estimate};
use std::cmp::Ordering;
/// Decimals of percentages and seconds in the outputs.
pub(super) const DECIMALS: usize = 3;

/// Decimals of cost figures in the outputs.
pub(super) const COST_DECIMALS: usize = 4;

/// Mean and confidence interval of each metric of a variant, and its place.
#[derive(Debug, Clone)]
pub struct VariantStats {
    /// 1 for the best variant under the objective.
    pub rank: usize,
    /// Variant index in the full sweep.
    pub variant: usize,
    /// Variant label.
    pub label: String,
    /// Runs aggregated.
    pub runs: usize,
    /// Cost, USD.
    pub cost_usd: Estimate,
    /// Time-weighted CPU reservation, percent.
    pub cpu_reservation_pct: Estimate,
    /// Time-weighted memory reservation, percent.
    pub memory_reservation_pct: Estimate,
    /// Availability, percent.
    pub availability_pct: Estimate,
    /// p95 task wait, seconds (none when no run placed a task).
    pub task_wait_p95_s: Option<Estimate>,
    /// On the cost-against-availability Pareto front.
    pub pareto: bool,
    /// Meets `min_availability_pct` (true when there is none).
    pub meets_floor: bool,
}

pub(super) fn rounded_estimate(e: Estimate, decimals: usize) -> Estimate {
    Estimate { mean: as_written(e.mean, decimals), ci95: as_written(e.ci95, decimals), samples: e.samples }
}

pub(super) fn aggregate(sweep: &Sweep, selected: &[&Variant], runs: &[RunRecord]) -> Vec<VariantStats> {
    let mut stats: Vec<VariantStats> = selected
        .iter()
        .map(|variant| {
            let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.variant == variant.index).collect();
            let of = |f: &dyn Fn(&RunRecord) -> f64, decimals| {
                rounded_estimate(estimate(&mine.iter().map(|r| f(r)).collect::<Vec<_>>()).unwrap_or_default(), decimals)
            };
            let waits: Vec<f64> = mine.iter().filter_map(|r| r.task_wait_s[1]).collect();
            let availability_pct = of(&|r| r.availability_pct, DECIMALS);
            VariantStats {
                rank: 0,
                variant: variant.index,
                label: variant.label.clone(),
                runs: mine.len(),
                cost_usd: of(&|r| r.cost_usd, COST_DECIMALS),
                cpu_reservation_pct: of(&|r| r.summary.cpu_reservation_avg_pct, DECIMALS),
                memory_reservation_pct: of(&|r| r.summary.memory_reservation_avg_pct, DECIMALS),
                task_wait_p95_s: estimate(&waits).map(|e| rounded_estimate(e, DECIMALS)),
                meets_floor: sweep.spec.min_availability_pct.is_none_or(|floor| availability_pct.mean >= floor),
                availability_pct,
                pareto: false,
            }
        })
        .collect();
    let points: Vec<(f64, f64)> = stats.iter().map(|s| (s.cost_usd.mean, s.availability_pct.mean)).collect();
    for (s, on_front) in stats.iter_mut().zip(pareto_front(&points)) {
        s.pareto = on_front;
    }
    let objective = sweep.spec.objective;
    stats.sort_by(|a, b| compare_variants(objective, a, b));
    for (i, s) in stats.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    stats
}

/// Orders variants best first: those meeting the availability floor, then
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

/// A sentence or three on why the first-ranked variant is recommended.
pub(super) fn recommendation(sweep: &Sweep, ranked: &[VariantStats]) -> String {
    let Some(best) = ranked.first() else { return String::new() };
    let objective = sweep.spec.objective;
    let name = match objective {
        Objective::Cost => "mean cost",
        Objective::Availability => "mean availability",
        Objective::TaskWait => "mean p95 task wait",
    };
    let superlative = match objective {
        Objective::Availability => "highest",
        _ => "lowest",
    };
    let mut text = match (sweep.spec.min_availability_pct, best.meets_floor) {
        (Some(floor), true) => {
            let meeting = ranked.iter().filter(|s| s.meets_floor).count();
            format!(
                "`{}` has the {superlative} {name} of the {meeting} variant(s) whose mean availability is at least {} %",
                best.label,
                fixed(floor, 1)
            )
        }
        (Some(floor), false) => format!(
            "no variant reaches the availability floor of {} %; `{}` has the {superlative} {name} of all {}",
            fixed(floor, 1),
            best.label,
            ranked.len()
        ),
        (None, _) => format!("`{}` has the {superlative} {name} of the {} variant(s)", best.label, ranked.len()),
    };
    if let Some(value) = objective_value(objective, best) {
        text += &format!(" ({})", show(objective, value));
    }
    text += ".";
    if let Some(second) = ranked.get(1).filter(|s| s.meets_floor == best.meets_floor) {
        match (objective_value(objective, best), objective_value(objective, second)) {
            (Some(a), Some(b)) if a.mean == b.mean => {
                let tie = match objective {
                    Objective::Cost => {
                        let (a, b) = (best.availability_pct, second.availability_pct);
                        let mut tie = format!(
                            " It ties with `{}` on {name}, and wins the tie-break on availability ({} % ± {} against {} % ± {})",
                            second.label,
                            fixed(a.mean, DECIMALS),
                            fixed(a.ci95, DECIMALS),
                            fixed(b.mean, DECIMALS),
                            fixed(b.ci95, DECIMALS)
                        );
                        if (a.mean - b.mean).abs() <= a.ci95 + b.ci95 {
                            tie += ", though by less than the confidence intervals: more replications would tell them apart";
                        }
                        tie + "."
                    }
                    _ => format!(" It ties with `{}` on {name} and wins the tie-break.", second.label),
                };
                text += &tie;
            }
            (Some(a), Some(b)) if (a.mean - b.mean).abs() <= a.ci95 + b.ci95 => {
                text += &format!(
                    " Its lead over `{}` ({}) is within the 95 % confidence intervals: more replications would tell them apart.",
                    second.label,
                    show(objective, b)
                );
            }
            _ => {}
        }
    }
    text += if best.pareto {
        " It is on the cost-against-availability Pareto front."
    } else {
        " It is not on the cost-against-availability Pareto front: another variant is at least as cheap and more available, or cheaper and as available."
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
            rank: 0,
            variant,
            label: format!("v{variant}"),
            runs: 1,
            cost_usd: Estimate { mean: cost, ci95: 0.0, samples: 1 },
            cpu_reservation_pct: Estimate::default(),
            memory_reservation_pct: Estimate::default(),
            availability_pct: Estimate { mean: availability, ci95: 0.0, samples: 1 },
            task_wait_p95_s: None,
            pareto: false,
            meets_floor: floor,
        };
        let mut v = [stats(0, 5.0, 90.0, false), stats(1, 9.0, 99.5, true), stats(2, 9.0, 99.9, true)];
        v.sort_by(|a, b| compare_variants(Objective::Cost, a, b));
        assert_eq!(v.map(|s| s.variant), [2, 1, 0]);
    }
}
