//! A sweep's outputs: `runs.csv`, `variants.csv`, the charts, `report.md`,
//! and the JSON and text summaries `ecs-sim run` prints.

use super::aggregate::{VariantStats, COST_DECIMALS, DECIMALS};
use super::{Sweep, SweepOutcome};
use crate::error::Error;
use crate::output::charts::{self, ChartSet, ChartVariant, WaitData};
use crate::output::files::{fixed, AtomicFile, CsvFile};
use crate::stats::Estimate;
use std::io::Write;
use std::path::Path;
/// The files a sweep writes beside its `runs/` folder.
pub const SWEEP_FILES: [&str; 3] = ["variants.csv", "runs.csv", "report.md"];

/// Columns of `variants.csv`.
pub const VARIANTS_HEADER: [&str; 14] = [
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
];

pub(super) const RUNS_HEADER: [&str; 13] = [
    "run",
    "variant",
    "replication",
    "seed",
    "cost_usd",
    "cpu_reservation_pct",
    "memory_reservation_pct",
    "availability_pct",
    "task_wait_p95_s",
    "tasks_submitted",
    "tasks_failed",
    "events",
    "results",
];

pub(super) fn write_outputs(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let chart_set = chart_set(sweep, outcome);
    let (charts, tables) = rayon::join(
        || charts::write_all(&chart_set, out),
        || -> Result<(), Error> {
            write_runs_csv(sweep, outcome, out)?;
            write_variants_csv(outcome, out)?;
            write_report(sweep, outcome, out)
        },
    );
    charts?;
    tables
}

pub(super) fn write_runs_csv(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let mut csv = CsvFile::create(&out.join("runs.csv"), &RUNS_HEADER)?;
    for r in &outcome.runs {
        let dir = r.dir.strip_prefix(out).unwrap_or(&r.dir).to_string_lossy().replace('\\', "/");
        csv.row(&[
            r.run.to_string(),
            sweep.variants[r.variant].label.clone(),
            r.replication.to_string(),
            r.seed.to_string(),
            fixed(r.cost_usd, 6),
            fixed(r.summary.cpu_reservation_avg_pct, DECIMALS),
            fixed(r.summary.memory_reservation_avg_pct, DECIMALS),
            fixed(r.availability_pct, DECIMALS),
            r.task_wait_s[1].map_or(String::new(), |w| fixed(w, DECIMALS)),
            r.summary.tasks_submitted.to_string(),
            r.summary.tasks_failed.iter().sum::<u64>().to_string(),
            r.summary.events.to_string(),
            dir,
        ])?;
    }
    csv.commit()
}

pub(super) fn write_variants_csv(outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let mut csv = CsvFile::create(&out.join("variants.csv"), &VARIANTS_HEADER)?;
    for s in &outcome.variants {
        let pair = |e: Estimate, d| [fixed(e.mean, d), fixed(e.ci95, d)];
        let [cost, cost_ci] = pair(s.cost_usd, COST_DECIMALS);
        let [cpu, cpu_ci] = pair(s.cpu_reservation_pct, DECIMALS);
        let [memory, memory_ci] = pair(s.memory_reservation_pct, DECIMALS);
        let [availability, availability_ci] = pair(s.availability_pct, DECIMALS);
        let [wait, wait_ci] = s.task_wait_p95_s.map_or([String::new(), String::new()], |e| pair(e, DECIMALS));
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
        ])?;
    }
    csv.commit()
}

pub(super) fn chart_set(sweep: &Sweep, outcome: &SweepOutcome) -> ChartSet {
    // Variants in index order, so colours do not move with the ranking.
    let mut by_index: Vec<&VariantStats> = outcome.variants.iter().collect();
    by_index.sort_by_key(|s| s.variant);
    let variants = by_index
        .into_iter()
        .map(|s| {
            let (samples, waits) = outcome
                .runs
                .iter()
                .find(|r| r.variant == s.variant && r.replication == 0)
                .and_then(|r| r.chart.clone())
                .unwrap_or((Vec::new(), WaitData::Quantiles([None; 3])));
            ChartVariant {
                label: s.label.clone(),
                cost: s.cost_usd,
                availability: s.availability_pct,
                pareto: s.pareto,
                samples,
                waits,
            }
        })
        .collect();
    ChartSet { scenario: sweep.base.name.clone(), variants }
}

pub(super) fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub(super) fn write_report(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let base = &sweep.base;
    let spec = &sweep.spec;
    let file_name = base.path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let mut md = format!("# Sweep report: {}\n\n", base.name);
    if !base.description.is_empty() {
        md += &format!("{}\n\n", base.description);
    }
    let run_count = outcome.runs.len();
    md += &format!("- Scenario file: `{file_name}`\n");
    md += &format!("- Each run simulates {}, sampled every {}.\n", base.duration, base.sample_interval);
    md += &format!(
        "- {} variant(s) × {} replication(s) = {run_count} runs. Run *i* = variant index × {} + replication uses the seed \
         derived from the base seed {} and *i* (listed in `runs.csv`), so any variant can be replayed alone with `--only`.\n",
        outcome.variants.len(),
        spec.replications,
        spec.replications,
        base.seed
    );
    md += &format!("- Objective: {}.\n", spec.objective.describe());
    if let Some(floor) = spec.min_availability_pct {
        md += &format!(
            "- Availability floor: variants below {} % are ranked after those that reach it.\n",
            fixed(floor, 1)
        );
    }
    md += "\n## Recommendation\n\n";
    if let Some(best) = outcome.variants.first() {
        md += &format!("**{}**: {}\n\n", best.label, outcome.reason);
    }
    if !spec.settings.is_empty() {
        md += "## Settings swept\n\n| setting | label | value |\n| --- | --- | --- |\n";
        for setting in &spec.settings {
            let paths: Vec<String> = setting.paths.iter().map(|p| format!("`{p}`")).collect();
            for (label, value) in setting.labels.iter().zip(&setting.values) {
                md += &format!(
                    "| {} | {} | `{}` |\n",
                    markdown_cell(&paths.join(", ")),
                    markdown_cell(label),
                    markdown_cell(&value.to_string())
                );
            }
        }
        md += "\n";
    }
    md +=
        "## Variants\n\nMeans over the replications ± the half-width of their 95 % confidence interval (Student's t), \
           best first.\n\n";
    md += "| rank | variant | runs | cost (USD) | availability (%) | CPU reserved (%) | memory reserved (%) | task wait p95 (s) | Pareto front |\n";
    md += "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n";
    for s in &outcome.variants {
        let pm = |e: Estimate, d| format!("{} ± {}", fixed(e.mean, d), fixed(e.ci95, d));
        md += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.rank,
            markdown_cell(&s.label),
            s.runs,
            pm(s.cost_usd, COST_DECIMALS),
            pm(s.availability_pct, DECIMALS),
            pm(s.cpu_reservation_pct, DECIMALS),
            pm(s.memory_reservation_pct, DECIMALS),
            s.task_wait_p95_s.map_or("–".to_string(), |e| pm(e, DECIMALS)),
            if s.pareto { "yes" } else { "" }
        );
    }
    md += "\n### What the columns mean\n\n\
        - **Cost**: EC2 instances (per second, 60 s minimum) and Fargate tasks over the simulated span.\n\
        - **Availability**: the lowest of each service's availability (served demand over demand, from its first \
          steady state) and, for RunTask workloads, the share of the tasks asked for that got placed (failed, \
          still waiting at the end and too large for any instance type count against it).\n\
        - **CPU / memory reserved**: the time-weighted average of reserved over registered capacity. \
          The model tracks reservations, not the CPU and memory tasks actually use.\n\
        - **Task wait p95**: each run's 95th percentile of the time from submission to placement, averaged over the runs.\n\
        - **Pareto front**: no other variant is at least as cheap and as available, and better in one of the two.\n";
    md += "\n## Charts\n\nTime series and wait distributions show replication 0 of each variant.\n\n";
    for (file, title) in charts::CHARTS {
        md += &format!("### {title}\n\n![{title}]({file})\n\n");
    }
    md += "Deployment and scaling timelines are not drawn: this version of ecs-sim simulates neither deployments nor \
           scaling.\n\n";
    md += "## Files\n\n\
        - `variants.csv`: one row per variant, in rank order.\n\
        - `runs.csv`: one row per run with its seed.\n\
        - `runs/<variant>/rep-<k>/`: each run's `summary.csv`, `timeseries.csv` and, when enabled, `tasks.csv`.\n";
    let path = out.join("report.md");
    let mut file = AtomicFile::create(&path)?;
    file.writer().write_all(md.as_bytes()).map_err(|source| Error::Output { path: path.clone(), source })?;
    file.commit()
}

/// The variants table as JSON (for `--format json`).
pub fn to_json(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> serde_json::Value {
    let pair = |e: Estimate| serde_json::json!({ "mean": e.mean, "ci95": e.ci95 });
    let variants: Vec<serde_json::Value> = outcome
        .variants
        .iter()
        .map(|s| {
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
            })
        })
        .collect();
    serde_json::json!({
        "scenario": sweep.base.name,
        "seed": sweep.base.seed,
        "replications": sweep.spec.replications,
        "objective": sweep.spec.objective.as_str(),
        "runs": outcome.runs.len(),
        "recommended": outcome.variants.first().filter(|_| !outcome.reason.is_empty()).map(|s| s.label.clone()),
        "reason": outcome.reason,
        "variants": variants,
        "results": out.display().to_string(),
    })
}

/// The variants table as text (for the terminal).
pub fn to_text(outcome: &SweepOutcome) -> String {
    let width = outcome.variants.iter().map(|s| s.label.len()).max().unwrap_or(7).max(7);
    let mut text = format!(
        "  {:>4}  {:<width$}  {:>20}  {:>20}  {:>8}  {:>8}  {:>10}  pareto\n",
        "rank", "variant", "cost USD ±95%", "availability % ±95%", "CPU %", "memory %", "wait p95 s"
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
