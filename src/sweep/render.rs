//! A sweep's outputs: `runs.csv`, `variants.csv`, `comparison.csv`, the
//! charts, `report.md` and `report.html`, and the JSON and text summaries
//! `ecs-sim run` prints.

use super::aggregate::{Metric, MetricStats, VariantStats, COST_DECIMALS, DECIMALS, METRICS};
use super::spec::FloorRule;
use super::{Sweep, SweepOutcome};
use crate::error::Error;
use crate::output::charts::{self, ChartCell, ChartSet, RunSeries};
use crate::output::files::{fixed, CsvFile};
use crate::output::report::{Block, Report};
use crate::stats::Estimate;
use std::path::Path;

/// The files a sweep writes beside its `runs/` folder (and its charts).
pub const SWEEP_FILES: [&str; 5] = ["variants.csv", "comparison.csv", "runs.csv", "report.md", "report.html"];

/// Columns of `variants.csv`: one row per option, in rank order.
pub const VARIANTS_HEADER: [&str; 16] = [
    "rank",
    "variant",
    "runs",
    "cost_usd_mean",
    "cost_usd_ci95",
    "cpu_reservation_pct_mean",
    "cpu_reservation_pct_ci95",
    "memory_reservation_pct_mean",
    "memory_reservation_pct_ci95",
    "availability_pct_mean",
    "availability_pct_ci95",
    "task_wait_p95_s_mean",
    "task_wait_p95_s_ci95",
    "pareto",
    "meets_floor",
    "floor_value",
];

fn runs_header() -> Vec<String> {
    let mut header: Vec<String> =
        ["run", "variant", "condition", "replication", "seed"].iter().map(|s| s.to_string()).collect();
    header.extend(METRICS.iter().map(|m| m.name().to_string()));
    header.extend(["tasks_submitted", "tasks_failed", "events", "results"].iter().map(|s| s.to_string()));
    header
}

/// Columns of `comparison.csv`: option, condition, then per metric its mean,
/// CI, paired difference against the baseline option and its CI, and the CI
/// the difference would have without pairing.
pub fn comparison_header() -> Vec<String> {
    let mut header: Vec<String> = ["variant", "condition", "weight", "runs"].iter().map(|s| s.to_string()).collect();
    for m in METRICS {
        for suffix in ["mean", "ci95", "diff", "diff_ci95", "diff_unpaired_ci95"] {
            header.push(format!("{}_{suffix}", m.name()));
        }
    }
    header
}

pub(super) fn write_outputs(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let chart_set = chart_set(sweep, outcome);
    let (charts, tables) = rayon::join(
        || charts::write_all(&chart_set, out),
        || -> Result<(), Error> {
            write_runs_csv(sweep, outcome, out)?;
            write_variants_csv(outcome, out)?;
            write_comparison_csv(sweep, outcome, out)
        },
    );
    charts?;
    tables?;
    // The HTML embeds the charts, so it comes after them.
    report(sweep, outcome, &chart_set).write(out)
}

fn write_runs_csv(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let header = runs_header();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut csv = CsvFile::create(&out.join("runs.csv"), &header)?;
    for r in &outcome.runs {
        let dir = r
            .dir
            .as_ref()
            .map_or(String::new(), |d| d.strip_prefix(out).unwrap_or(d).to_string_lossy().replace('\\', "/"));
        let mut row = vec![
            r.run.to_string(),
            sweep.variants[r.variant].label.clone(),
            sweep.spec.conditions[r.condition].label.clone(),
            r.replication.to_string(),
            r.seed.to_string(),
        ];
        row.extend(METRICS.iter().map(|m| m.value(r).map_or(String::new(), |v| fixed(v, m.run_decimals()))));
        row.extend([
            r.summary.tasks_submitted.to_string(),
            r.summary.tasks_failed.iter().sum::<u64>().to_string(),
            r.summary.events.to_string(),
            dir,
        ]);
        csv.row(&row)?;
    }
    csv.commit()
}

fn pair(e: Option<Estimate>, decimals: usize) -> [String; 2] {
    e.map_or([String::new(), String::new()], |e| [fixed(e.mean, decimals), fixed(e.ci95, decimals)])
}

fn write_variants_csv(outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let mut csv = CsvFile::create(&out.join("variants.csv"), &VARIANTS_HEADER)?;
    for s in &outcome.variants {
        let [cost, cost_ci] = pair(Some(s.cost_usd), COST_DECIMALS);
        let [cpu, cpu_ci] = pair(Some(s.cpu_reservation_pct), DECIMALS);
        let [memory, memory_ci] = pair(Some(s.memory_reservation_pct), DECIMALS);
        let [availability, availability_ci] = pair(Some(s.availability_pct), DECIMALS);
        let [wait, wait_ci] = pair(s.task_wait_p95_s, DECIMALS);
        csv.row(&[
            s.rank.to_string(),
            s.label.clone(),
            s.runs.to_string(),
            cost,
            cost_ci,
            cpu,
            cpu_ci,
            memory,
            memory_ci,
            availability,
            availability_ci,
            wait,
            wait_ci,
            s.pareto.to_string(),
            s.meets_floor.to_string(),
            s.floor_value.map_or(String::new(), |v| fixed(v, DECIMALS)),
        ])?;
    }
    csv.commit()
}

/// The options in index order (rows and colours do not move with the ranking).
fn by_index(outcome: &SweepOutcome) -> Vec<&VariantStats> {
    let mut options: Vec<&VariantStats> = outcome.variants.iter().collect();
    options.sort_by_key(|s| s.variant);
    options
}

fn metric_cells(stats: MetricStats, decimals: usize) -> [String; 5] {
    let [mean, ci] = pair(stats.estimate, decimals);
    let [diff, diff_ci] = pair(stats.paired, decimals);
    [mean, ci, diff, diff_ci, stats.unpaired_ci95.map_or(String::new(), |ci| fixed(ci, decimals))]
}

fn write_comparison_csv(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let header = comparison_header();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut csv = CsvFile::create(&out.join("comparison.csv"), &header)?;
    let total: f64 = sweep.spec.conditions.iter().map(|c| c.weight).sum();
    for option in by_index(outcome) {
        for cell in &option.cells {
            let condition = &sweep.spec.conditions[cell.condition];
            let mut row = vec![
                option.label.clone(),
                condition.label.clone(),
                fixed(condition.weight / total, 4),
                cell.runs.to_string(),
            ];
            for (m, stats) in METRICS.iter().zip(&cell.metrics) {
                row.extend(metric_cells(*stats, m.decimals()));
            }
            csv.row(&row)?;
        }
    }
    csv.commit()
}

pub(super) fn chart_set(sweep: &Sweep, outcome: &SweepOutcome) -> ChartSet {
    let conditions = sweep.spec.conditions.len();
    let mut cells = Vec::new();
    let options = by_index(outcome);
    for (position, option) in options.iter().enumerate() {
        for cell in &option.cells {
            let runs: Vec<&RunSeries> = outcome
                .runs
                .iter()
                .filter(|r| r.variant == option.variant && r.condition == cell.condition)
                .map(|r| &r.series)
                .collect();
            cells.push(ChartCell {
                option: position,
                condition: cell.condition,
                cost: cell.metric(Metric::Cost).estimate.unwrap_or_default(),
                availability: cell.metric(Metric::Availability).estimate.unwrap_or_default(),
                task_wait_p95: cell.metric(Metric::TaskWaitP95).estimate,
                pareto: option.pareto,
                series: RunSeries::across(&runs),
            });
        }
    }
    debug_assert_eq!(cells.len(), options.len() * conditions);
    ChartSet {
        scenario: sweep.base.name.clone(),
        options: options.iter().map(|o| o.label.clone()).collect(),
        conditions: sweep.spec.conditions.iter().map(|c| c.label.clone()).collect(),
        cells,
    }
}

fn pm(e: Option<Estimate>, decimals: usize) -> String {
    e.map_or("–".to_string(), |e| format!("{} ± {}", fixed(e.mean, decimals), fixed(e.ci95, decimals)))
}

fn signed(e: Option<Estimate>, decimals: usize) -> String {
    e.map_or("–".to_string(), |e| {
        let sign = if e.mean > 0.0 { "+" } else { "" };
        format!("{sign}{} ± {}", fixed(e.mean, decimals), fixed(e.ci95, decimals))
    })
}

/// The report: question, recommendation, options and conditions, the paired
/// table per condition, incidents, packing, per-service cost, charts.
fn report(sweep: &Sweep, outcome: &SweepOutcome, chart_set: &ChartSet) -> Report {
    let base = &sweep.base;
    let spec = &sweep.spec;
    let mut r = Report { title: format!("Sweep report: {}", base.name), blocks: Vec::new() };
    if !base.description.is_empty() {
        r.push(Block::Paragraph(base.description.clone()));
    }
    let options = by_index(outcome);
    let baseline = &sweep.variants[sweep.baseline()].label;
    // The question.
    r.push(Block::Heading(1, "The question".into()));
    let objective = match spec.objective {
        super::Objective::Cost => "the lowest mean cost",
        super::Objective::Availability => "the highest mean availability",
        super::Objective::TaskWait => "the lowest mean p95 task wait",
    };
    let mut question = format!("Which of the {} option(s) has {objective}", options.len());
    if let Some(floor) = spec.min_availability_pct {
        question += &match (spec.floor_rule, spec.conditions.len() > 1) {
            (FloorRule::EveryCondition, true) => format!(
                " while keeping its mean {} at or above {} % under every condition",
                spec.floor_metric.describe(),
                fixed(floor, 3)
            ),
            (FloorRule::Weighted, true) => format!(
                " while keeping its weighted mean {} at or above {} %",
                spec.floor_metric.describe(),
                fixed(floor, 3)
            ),
            _ => format!(" while keeping its mean {} at or above {} %", spec.floor_metric.describe(), fixed(floor, 3)),
        };
    }
    if spec.conditions.len() > 1 {
        let labels: Vec<String> = spec.conditions.iter().map(|c| format!("`{}`", c.label)).collect();
        question += &format!(", facing {}", labels.join(", "));
    }
    question += "?";
    r.push(Block::Paragraph(question));
    r.push(Block::List(vec![
        format!("Each run simulates {}, sampled every {}.", base.duration, base.sample_interval),
        format!(
            "{} option(s) × {} condition(s) × {} replication(s) = {} runs.",
            options.len(),
            spec.conditions.len(),
            spec.replications,
            outcome.runs.len()
        ),
        format!(
            "Common random numbers: replication k uses the same seed (derived from the base seed {} and k, listed \
             in `runs.csv`) for every option and condition, and each random draw is keyed by its purpose and the \
             instance or task that makes it. Differences against the baseline option `{baseline}` are therefore \
             paired replication by replication.",
            base.seed
        ),
        format!("Ranking: {}.", spec.objective.describe()),
    ]));
    if let Some(commitments) = &base.commitments {
        r.push(Block::Paragraph(format!(
            "Costs are net of the scenario's commitments ({} Savings Plan(s), {} Reserved Instance purchase(s)): \
             every commitment fee, used or not, plus the On-Demand usage they did not cover and Spot usage \
             (docs/aws-data.md). Each run's `summary.csv` has the covered, uncovered and unused amounts.",
            commitments.savings_plans.len(),
            commitments.reserved_instances.len()
        )));
    }
    // The recommendation.
    r.push(Block::Heading(1, "Recommendation".into()));
    if let Some(best) = outcome.variants.first() {
        r.push(Block::Paragraph(format!("**{}**: {}", best.label, outcome.reason)));
    }
    // Options and conditions.
    r.push(Block::Heading(1, "Options and conditions".into()));
    if !spec.settings.is_empty() {
        let mut rows = Vec::new();
        for setting in &spec.settings {
            let paths: Vec<String> = setting.paths.iter().map(|p| format!("`{p}`")).collect();
            for (label, value) in setting.labels.iter().zip(&setting.values) {
                rows.push(vec![paths.join(", "), label.clone(), format!("`{value}`")]);
            }
        }
        r.push(Block::Paragraph("Options are every combination of these settings' values:".into()));
        r.push(Block::Table {
            header: vec!["setting".into(), "label".into(), "value".into()],
            numeric: vec![false; 3],
            rows,
        });
    }
    let total: f64 = spec.conditions.iter().map(|c| c.weight).sum();
    let rows = spec
        .conditions
        .iter()
        .map(|c| {
            let sets: Vec<String> = c.set.iter().map(|(k, v)| format!("`{k} = {v}`")).collect();
            let sets = if sets.is_empty() { "the scenario as written".to_string() } else { sets.join("; ") };
            vec![c.label.clone(), fixed(c.weight / total, 3), sets]
        })
        .collect();
    r.push(Block::Paragraph("Every option runs under every condition:".into()));
    r.push(Block::Table {
        header: vec!["condition".into(), "weight".into(), "sets".into()],
        numeric: vec![false, true, false],
        rows,
    });
    // The ranking.
    r.push(Block::Heading(1, "Ranking".into()));
    let floor_header = format!("floor: {}", spec.floor_metric.describe());
    let rows = outcome
        .variants
        .iter()
        .map(|s| {
            vec![
                s.rank.to_string(),
                s.label.clone(),
                pm(Some(s.cost_usd), COST_DECIMALS),
                pm(Some(s.availability_pct), DECIMALS),
                s.floor_value.map_or("–".into(), |v| fixed(v, DECIMALS)),
                if spec.min_availability_pct.is_none() {
                    "–".into()
                } else if s.meets_floor {
                    "yes".into()
                } else {
                    "no".into()
                },
                if s.pareto { "yes".into() } else { String::new() },
            ]
        })
        .collect();
    let weighted = if spec.conditions.len() > 1 { " (weighted over conditions)" } else { "" };
    r.push(Block::Paragraph(format!(
        "Means over the replications ± the half-width of their 95 % confidence interval (Student's t){weighted}, best first."
    )));
    r.push(Block::Table {
        header: vec![
            "rank".into(),
            "option".into(),
            "cost (USD)".into(),
            "availability (%)".into(),
            floor_header,
            "meets floor".into(),
            "Pareto front".into(),
        ],
        numeric: vec![true, false, true, true, true, false, false],
        rows,
    });
    // The paired comparison, condition by condition.
    r.push(Block::Heading(1, "Paired comparison".into()));
    r.push(Block::Paragraph(format!(
        "Under each condition: each option's mean ± 95 % CI, and its difference from `{baseline}` paired replication \
         by replication (Δ, ± its paired 95 % CI). The unpaired CI is what the same difference would carry had the \
         options run on independent seeds."
    )));
    for (c, condition) in spec.conditions.iter().enumerate() {
        if spec.conditions.len() > 1 {
            r.push(Block::Heading(2, format!("Under `{}`", condition.label)));
        }
        let rows = options
            .iter()
            .map(|o| {
                let cell = &o.cells[c];
                let cost = cell.metric(Metric::Cost);
                let availability = cell.metric(Metric::Availability);
                vec![
                    o.label.clone(),
                    pm(cost.estimate, COST_DECIMALS),
                    signed(cost.paired, COST_DECIMALS),
                    cost.unpaired_ci95.map_or("–".into(), |ci| format!("± {}", fixed(ci, COST_DECIMALS))),
                    pm(availability.estimate, DECIMALS),
                    signed(availability.paired, DECIMALS),
                    pm(cell.metric(Metric::Worst5m).estimate, DECIMALS),
                    pm(cell.metric(Metric::BusyInstanceHours).estimate, DECIMALS),
                ]
            })
            .collect();
        r.push(Block::Table {
            header: vec![
                "option".into(),
                "cost (USD)".into(),
                "Δ cost, paired".into(),
                "Δ cost, unpaired CI".into(),
                "availability (%)".into(),
                "Δ availability, paired".into(),
                "worst 5 minutes (%)".into(),
                "busy instance-hours".into(),
            ],
            numeric: vec![false, true, true, true, true, true, true, true],
            rows,
        });
    }
    // Incidents.
    let has_services =
        !base.services.is_empty() || outcome.runs.iter().any(|r| !r.summary.incidents.hourly_pct.is_empty());
    if has_services {
        r.push(Block::Heading(1, "Incidents".into()));
        r.push(Block::Paragraph(
            "What a mean over the run hides: the worst windows of the least available service, and the minutes any \
             service spent in trouble (means ± 95 % CI over the replications)."
                .into(),
        ));
        let metrics = [
            Metric::Worst5m,
            Metric::Worst1h,
            Metric::WorstDay,
            Metric::BelowDesired,
            Metric::Overloaded,
            Metric::CpuOver80,
            Metric::CpuOver90,
            Metric::SloBudget,
        ];
        let mut rows = Vec::new();
        for o in &options {
            for cell in &o.cells {
                let mut row = vec![o.label.clone(), spec.conditions[cell.condition].label.clone()];
                row.extend(metrics.iter().map(|&m| pm(cell.metric(m).estimate, m.decimals())));
                rows.push(row);
            }
        }
        let mut header = vec!["option".to_string(), "condition".to_string()];
        header.extend(metrics.iter().map(|m| m.describe().to_string()));
        r.push(Block::Table { header, numeric: [vec![false, false], vec![true; metrics.len()]].concat(), rows });
    }
    // Packing.
    r.push(Block::Heading(1, "Capacity cost of packing".into()));
    r.push(Block::Paragraph(
        "Busy instance-hours have at least one non-daemon task; idle ones have none. Packing efficiency is the \
         instance-hours a perfect packer would need (at each sample, the fractional bin-packing bound: reserved CPU \
         and memory over the largest instance type) over the busy instance-hours."
            .into(),
    ));
    let metrics = [Metric::BusyInstanceHours, Metric::IdleInstanceHours, Metric::PackingEfficiency];
    let mut rows = Vec::new();
    for o in &options {
        for cell in &o.cells {
            let mut row = vec![o.label.clone(), spec.conditions[cell.condition].label.clone()];
            for m in metrics {
                row.push(pm(cell.metric(m).estimate, m.decimals()));
                row.push(signed(cell.metric(m).paired, m.decimals()));
            }
            rows.push(row);
        }
    }
    r.push(Block::Table {
        header: vec![
            "option".into(),
            "condition".into(),
            "busy instance-hours".into(),
            "Δ busy, paired".into(),
            "idle instance-hours".into(),
            "Δ idle, paired".into(),
            "packing efficiency (%)".into(),
            "Δ efficiency, paired".into(),
        ],
        numeric: vec![false, false, true, true, true, true, true, true],
        rows,
    });
    // Per-service cost.
    if !base.services.is_empty() {
        r.push(Block::Heading(1, "Cost per service".into()));
        r.push(Block::Paragraph(
            if base.commitments.is_some() {
                "Each service's share of EC2 cost (by reserved CPU) plus its Fargate cost, net of commitments (unused \
                 commitment is not shared out), mean over the replications (USD)."
            } else {
                "Each service's share of EC2 cost (by reserved CPU) plus its Fargate cost, mean over the replications (USD)."
            }
            .into(),
        ));
        let mut rows = Vec::new();
        for o in &options {
            for (c, condition) in spec.conditions.iter().enumerate() {
                let runs: Vec<&super::RunRecord> =
                    outcome.runs.iter().filter(|x| x.variant == o.variant && x.condition == c).collect();
                let mut row = vec![o.label.clone(), condition.label.clone()];
                for s in 0..base.services.len() {
                    let values: Vec<f64> = runs.iter().filter_map(|x| x.service_costs.get(s).copied()).collect();
                    row.push(pm(crate::stats::estimate(&values), COST_DECIMALS));
                }
                rows.push(row);
            }
        }
        let mut header = vec!["option".to_string(), "condition".to_string()];
        header.extend(base.services.iter().map(|s| s.def.name.clone()));
        r.push(Block::Table { header, numeric: [vec![false, false], vec![true; base.services.len()]].concat(), rows });
    }
    // Charts.
    r.push(Block::Heading(1, "Charts".into()));
    r.push(Block::Paragraph(
        "Charts draw the tables' figures: means with 95 % confidence intervals, and time series averaged over the \
         replications with the band between their lowest and highest values."
            .into(),
    ));
    for (file, title) in chart_set.charts() {
        r.push(Block::Heading(2, title.to_string()));
        r.push(Block::Image(file.to_string(), title.to_string()));
    }
    r.push(Block::Data("chart-data".into(), serde_json::to_string(chart_set).unwrap_or_default()));
    // Columns and files.
    r.push(Block::Heading(1, "What the figures mean".into()));
    r.push(Block::List(vec![
        "**Cost**: EC2 instances (per second, 60 s minimum) and Fargate tasks over the simulated span.".into(),
        "**Availability**: the lowest of each service's availability (served demand over demand, from its first \
         steady state) and, for RunTask workloads, the share of the tasks asked for that got placed."
            .into(),
        "**Worst 5 minutes / hour / day**: the lowest served share of the least available service over any five \
         consecutive minutes, any hour, any calendar day."
            .into(),
        "**SLO error budget used**: unserved demand in the worst SLO window over the budget `[slo]` allows; above \
         100 % the objective was missed."
            .into(),
        "**CPU / memory reserved**: the time-weighted average of reserved over registered capacity.".into(),
    ]));
    r.push(Block::List(vec![
        "`variants.csv`: one row per option, in rank order.".into(),
        "`comparison.csv`: one row per option and condition: every metric's mean, CI and paired difference.".into(),
        "`runs.csv`: one row per run with its seed and figures.".into(),
        "`runs/`: each run's files, as `[output] runs` asks (`summary` by default: `summary.csv` and `services.csv`)."
            .into(),
    ]));
    r
}

/// The options table as JSON (for `--format json`).
pub fn to_json(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> serde_json::Value {
    let pair = |e: Estimate| serde_json::json!({ "mean": e.mean, "ci95": e.ci95 });
    let variants: Vec<serde_json::Value> = outcome
        .variants
        .iter()
        .map(|s| {
            let conditions: Vec<serde_json::Value> = s
                .cells
                .iter()
                .map(|cell| {
                    let mut metrics = serde_json::Map::new();
                    for (m, stats) in METRICS.iter().zip(&cell.metrics) {
                        metrics.insert(
                            m.name().to_string(),
                            serde_json::json!({
                                "estimate": stats.estimate.map(pair),
                                "paired_difference": stats.paired.map(pair),
                            }),
                        );
                    }
                    serde_json::json!({
                        "condition": sweep.spec.conditions[cell.condition].label,
                        "runs": cell.runs,
                        "metrics": metrics,
                    })
                })
                .collect();
            serde_json::json!({
                "rank": s.rank,
                "variant": s.label,
                "runs": s.runs,
                "cost_usd": pair(s.cost_usd),
                "cpu_reservation_pct": pair(s.cpu_reservation_pct),
                "memory_reservation_pct": pair(s.memory_reservation_pct),
                "availability_pct": pair(s.availability_pct),
                "task_wait_p95_s": s.task_wait_p95_s.map(pair),
                "pareto": s.pareto,
                "meets_availability_floor": s.meets_floor,
                "floor_value": s.floor_value,
                "conditions": conditions,
            })
        })
        .collect();
    serde_json::json!({
        "scenario": sweep.base.name,
        "seed": sweep.base.seed,
        "replications": sweep.spec.replications,
        "conditions": sweep.spec.conditions.iter().map(|c| c.label.clone()).collect::<Vec<_>>(),
        "baseline": sweep.variants[sweep.baseline()].label,
        "objective": sweep.spec.objective.as_str(),
        "runs": outcome.runs.len(),
        "recommended": outcome.variants.first().filter(|_| !outcome.reason.is_empty()).map(|s| s.label.clone()),
        "reason": outcome.reason,
        "variants": variants,
        "results": out.display().to_string(),
    })
}

/// The options table as text (for the terminal).
pub fn to_text(outcome: &SweepOutcome) -> String {
    let width = outcome.variants.iter().map(|s| s.label.len()).max().unwrap_or(7).max(7);
    let mut text = format!(
        "  {:>4}  {:<width$}  {:>20}  {:>20}  {:>8}  {:>8}  {:>10}  pareto\n",
        "rank", "option", "cost USD ±95%", "availability % ±95%", "CPU %", "memory %", "wait p95 s"
    );
    for s in &outcome.variants {
        text += &format!(
            "  {:>4}  {:<width$}  {:>20}  {:>20}  {:>8}  {:>8}  {:>10}  {}\n",
            s.rank,
            s.label,
            format!("{} ±{}", fixed(s.cost_usd.mean, COST_DECIMALS), fixed(s.cost_usd.ci95, COST_DECIMALS)),
            format!("{} ±{}", fixed(s.availability_pct.mean, DECIMALS), fixed(s.availability_pct.ci95, DECIMALS)),
            fixed(s.cpu_reservation_pct.mean, 1),
            fixed(s.memory_reservation_pct.mean, 1),
            s.task_wait_p95_s.map_or("–".to_string(), |e| fixed(e.mean, 1)),
            if s.pareto { "yes" } else { "" }
        );
    }
    match outcome.variants.first() {
        Some(best) if !outcome.reason.is_empty() => {
            text += &format!("  recommended: {}: {}\n", best.label, outcome.reason);
        }
        _ => {}
    }
    text
}
