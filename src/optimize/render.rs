//! A search's outputs: `explored.csv`, `frontier.csv`, `runs.csv`,
//! `best.toml`, and the report (`report.md`, `report.html`).

use super::search::{Cache, Judged, Replay, Verdict};
use super::spec::Bound;
use super::{OptimizeOutcome, Problem};
use crate::error::Error;
use crate::output::files::{fixed, write_atomic, CsvFile};
use crate::output::report::{Block, Report};
use crate::stats::{estimate, pareto_front, Estimate};
use crate::sweep::METRICS;
use std::path::Path;

/// The files a search writes (beside its `cache/` folder).
pub const OPTIMIZE_FILES: [&str; 6] =
    ["explored.csv", "frontier.csv", "runs.csv", "best.toml", "report.md", "report.html"];

const COST_DECIMALS: usize = 4;
const DECIMALS: usize = 3;

pub(super) fn write_outputs(
    problem: &Problem,
    outcome: &OptimizeOutcome,
    cache: &Cache,
    out: &Path,
) -> Result<(), Error> {
    std::fs::create_dir_all(out).map_err(|source| Error::Output { path: out.to_path_buf(), source })?;
    write_explored(problem, outcome, out)?;
    write_frontier(problem, outcome, out)?;
    write_runs(problem, cache, out)?;
    let best_toml = out.join("best.toml");
    match outcome.search.best() {
        Some(best) => {
            let header = format!(
                "# The cheapest option `ecs-sim optimize` found for {}: {}.\n\
                 # Mean cost ${} over {} replication(s); it meets {}.\n\
                 # Run it as any scenario: ecs-sim run best.toml\n\n",
                problem.base.path.display(),
                problem.label(best.option),
                fixed(best.cost.mean, COST_DECIMALS),
                best.replications,
                constraints_text(problem),
            );
            write_atomic(&best_toml, (header + &problem.scenario_toml(best.option)?).as_bytes())?;
        }
        None => {
            // No stale best from an earlier search may stay behind.
            if best_toml.exists() {
                std::fs::remove_file(&best_toml).map_err(|source| Error::Output { path: best_toml, source })?;
            }
        }
    }
    report(problem, outcome).write(out)
}

fn constraints_text(problem: &Problem) -> String {
    let list: Vec<String> = problem.spec.constraints.iter().map(|c| format!("`{}`", c.describe())).collect();
    let under = match problem.spec.sweep.conditions.len() {
        1 => String::new(),
        n => format!(" under each of {n} conditions"),
    };
    if list.is_empty() {
        "no constraint".to_string()
    } else {
        format!("{}{under}", list.join(" and "))
    }
}

/// The worst condition's mean of each constraint (none where a condition
/// had no figure).
fn worst(problem: &Problem, judged: &Judged) -> Vec<Option<f64>> {
    problem
        .spec
        .constraints
        .iter()
        .zip(&judged.constraint_means)
        .map(|(k, means)| {
            means
                .iter()
                .try_fold(None, |acc: Option<f64>, m| m.map(|e| Some(acc.map_or(e.mean, |a| k.worse(a, e.mean)))))?
        })
        .collect()
}

fn variable_names(problem: &Problem) -> Vec<String> {
    problem.spec.sweep.settings.iter().map(|s| s.paths[0].clone()).collect()
}

fn write_explored(problem: &Problem, outcome: &OptimizeOutcome, out: &Path) -> Result<(), Error> {
    let mut header: Vec<String> = vec!["step".into(), "option".into()];
    header.extend(variable_names(problem));
    header.extend(["replications", "cost_usd_mean", "cost_usd_ci95"].map(String::from));
    header.extend(problem.spec.constraints.iter().map(|k| format!("{}_worst_condition", k.metric.name())));
    header.push("verdict".into());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut csv = CsvFile::create(&out.join("explored.csv"), &header)?;
    let mut judged: Vec<&Judged> = outcome.search.judged.values().collect();
    judged.sort_by_key(|j| j.step);
    for j in judged {
        let mut row = vec![j.step.to_string(), problem.label(j.option)];
        row.extend(
            problem.choices(j.option).iter().zip(&problem.spec.sweep.settings).map(|(&c, s)| s.labels[c].clone()),
        );
        row.extend([j.replications.to_string(), fixed(j.cost.mean, COST_DECIMALS), fixed(j.cost.ci95, COST_DECIMALS)]);
        row.extend(worst(problem, j).iter().map(|w| w.map_or(String::new(), |v| fixed(v, DECIMALS))));
        row.push(j.verdict.as_str().to_string());
        csv.row(&row)?;
    }
    csv.commit()
}

/// The options judged at full replications, and which of them are on the
/// front of cost against the first constraint (none without constraints).
fn frontier(problem: &Problem, outcome: &OptimizeOutcome) -> Vec<(usize, f64, f64, bool)> {
    let Some(first) = problem.spec.constraints.first() else { return Vec::new() };
    let full: Vec<&Judged> = outcome
        .search
        .judged
        .values()
        .filter(|j| j.replications == problem.spec.replications && j.verdict != Verdict::Dearer)
        .collect();
    let points: Vec<(usize, f64, Option<f64>)> =
        full.iter().map(|j| (j.option, j.cost.mean, worst(problem, j)[0])).collect();
    let measured: Vec<(usize, f64, f64)> = points.iter().filter_map(|&(o, c, w)| w.map(|w| (o, c, w))).collect();
    // Higher is better on the front: a maximum is turned around.
    let sign = if matches!(first.bound, Bound::Max(_)) { -1.0 } else { 1.0 };
    let front = pareto_front(&measured.iter().map(|&(_, c, w)| (c, sign * w)).collect::<Vec<_>>());
    measured.into_iter().zip(front).map(|((o, c, w), f)| (o, c, w, f)).collect()
}

fn write_frontier(problem: &Problem, outcome: &OptimizeOutcome, out: &Path) -> Result<(), Error> {
    let metric_name = problem.spec.constraints.first().map_or("constraint", |k| k.metric.name());
    let worst_column = format!("{metric_name}_worst_condition");
    let mut csv = CsvFile::create(
        &out.join("frontier.csv"),
        &["option", "cost_usd_mean", &worst_column, "feasible", "on_front"],
    )?;
    let mut points = frontier(problem, outcome);
    points.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    for (option, cost, value, on_front) in points {
        let feasible = outcome.search.judged[&option].verdict == Verdict::Feasible;
        csv.row(&[
            problem.label(option),
            fixed(cost, COST_DECIMALS),
            fixed(value, DECIMALS),
            feasible.to_string(),
            on_front.to_string(),
        ])?;
    }
    csv.commit()
}

fn write_runs(problem: &Problem, cache: &Cache, out: &Path) -> Result<(), Error> {
    let mut header: Vec<String> =
        ["option", "condition", "replication", "seed"].iter().map(|s| s.to_string()).collect();
    header.extend(METRICS.iter().map(|m| m.name().to_string()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut csv = CsvFile::create(&out.join("runs.csv"), &header)?;
    for (&(option, condition, replication), record) in cache {
        let mut row = vec![
            problem.label(option),
            problem.spec.sweep.conditions[condition].label.clone(),
            replication.to_string(),
            record.seed.to_string(),
        ];
        row.extend(METRICS.iter().map(|m| m.value(record).map_or(String::new(), |v| fixed(v, m.run_decimals()))));
        csv.row(&row)?;
    }
    csv.commit()
}

fn estimate_text(e: Estimate, decimals: usize) -> String {
    format!("{} ± {}", fixed(e.mean, decimals), fixed(e.ci95, decimals))
}

fn report(problem: &Problem, outcome: &OptimizeOutcome) -> Report {
    let spec = &problem.spec;
    let search = &outcome.search;
    let mut report = Report {
        title: format!("{}: the cheapest configuration that meets the SLO", problem.base.name),
        blocks: Vec::new(),
    };
    let conditions: Vec<String> = spec.sweep.conditions.iter().map(|c| format!("`{}`", c.label)).collect();
    report.push(Block::Heading(2, "The question".into()));
    report.push(Block::Paragraph(format!(
        "Lowest mean cost (conditions weighted) over {} option(s) of {} variable(s), subject to {}. Conditions: {}. \
         An option judged in full has {} replication(s) per condition; replication *k* has one seed for every option \
         and condition (common random numbers).",
        spec.options(),
        spec.sweep.settings.len(),
        constraints_text(problem),
        conditions.join(", "),
        spec.replications
    )));
    let budget_exhausted = matches!(search.replay, Replay::Done { budget_exhausted: true });
    report.push(Block::Heading(2, "The choice".into()));
    match search.best() {
        Some(best) => {
            let mut text = format!(
                "**{}** costs {} USD (mean ± 95 % interval) and meets every constraint under every condition in the \
                 mean of {} replications: {}.",
                problem.label(best.option),
                estimate_text(best.cost, COST_DECIMALS),
                best.replications,
                margins(problem, best).join("; ")
            );
            if budget_exhausted {
                text.push_str(" The run budget ran out before the search finished: a cheaper option may remain.");
            }
            text.push_str(" `best.toml` is this option as a scenario of its own.");
            report.push(Block::Paragraph(text));
        }
        None => report.push(Block::Paragraph(if budget_exhausted {
            "The run budget ran out before any option was shown to meet every constraint.".into()
        } else {
            "No option meets every constraint under every condition. The explored options are in `explored.csv`.".into()
        })),
    }
    report.push(Block::Heading(2, "How close the runners-up came".into()));
    let mut feasible: Vec<&Judged> = search.judged.values().filter(|j| j.verdict == Verdict::Feasible).collect();
    feasible.sort_by(|a, b| a.cost.mean.total_cmp(&b.cost.mean).then(a.option.cmp(&b.option)));
    if let Some(best) = feasible.first() {
        let mut rows = Vec::new();
        for j in feasible.iter().take(6) {
            let differences: Vec<f64> = j.costs.iter().zip(&best.costs).map(|(a, b)| a - b).collect();
            let paired = estimate(&differences).map_or(String::new(), |d| estimate_text(d, COST_DECIMALS));
            rows.push(vec![
                problem.label(j.option),
                estimate_text(j.cost, COST_DECIMALS),
                paired,
                margins(problem, j).join("; "),
            ]);
        }
        report.push(Block::Table {
            header: ["option", "cost USD", "paired difference to the choice", "constraints (worst condition)"]
                .map(String::from)
                .to_vec(),
            numeric: vec![false, true, true, false],
            rows,
        });
    } else {
        report.push(Block::Paragraph("No option was judged feasible.".into()));
    }
    let counts = |v: Verdict| search.judged.values().filter(|j| j.verdict == v).count();
    report.push(Block::Heading(2, "The search".into()));
    report.push(Block::List(vec![
        format!(
            "{} search: {} of {} option(s) judged ({} feasible, {} breaking a constraint, {} pruned as clearly dearer \
             than the best so far).",
            match spec.search {
                super::spec::SearchKind::Structured => "Structured",
                super::spec::SearchKind::Grid => "Grid",
            },
            search.judged.len(),
            spec.options(),
            counts(Verdict::Feasible),
            counts(Verdict::Infeasible),
            counts(Verdict::Dearer)
        ),
        format!(
            "{} runs made, of a budget of {}; the exhaustive grid at full replications is {} runs.",
            outcome.runs_made,
            spec.budget_runs,
            spec.grid_runs()
        ),
        "Monotone variables are bisected for their lowest value that meets the constraints; options are judged on \
         2, 4, … replications and dropped once a constraint is broken, or the paired cost difference to the best so \
         far is above zero, beyond 95 % confidence (docs/model.md, \"Optimisation\")."
            .into(),
    ]));
    report
}

/// Each constraint's worst condition mean, against its bound.
fn margins(problem: &Problem, judged: &Judged) -> Vec<String> {
    problem
        .spec
        .constraints
        .iter()
        .zip(worst(problem, judged))
        .map(|(k, w)| match w {
            Some(w) => format!("{} {} ({})", k.metric.name(), fixed(w, DECIMALS), k.describe()),
            None => format!("{} not measured", k.metric.name()),
        })
        .collect()
}
