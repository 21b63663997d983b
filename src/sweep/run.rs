//! Running a sweep: every (variant, replication) in parallel on rayon,
//! collected in run order, each run's result kept in memory.

use super::aggregate::{aggregate, recommendation, VariantStats};
use super::render::write_outputs;
use super::{Sweep, Variant};
use crate::charts::{Sample, WaitData};
use crate::error::Error;
use crate::record::RunSummary;
use crate::simulation::run_scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Where a run writes its CSVs: `<out>/runs/<label>/rep-<k>/`.
pub fn run_dir(out: &Path, label: &str, replication: u32) -> PathBuf {
    out.join("runs").join(label).join(format!("rep-{replication}"))
}

/// How to run a sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Replay only the variant with this label: its runs, with their seeds
    /// in the full sweep, and no aggregate files.
    pub only: Option<String>,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// The figures of one run that the sweep compares.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Run index in the full sweep.
    pub run: u64,
    /// Variant index.
    pub variant: usize,
    /// Replication number.
    pub replication: u32,
    /// The run's seed.
    pub seed: u64,
    /// Where its CSVs are.
    pub dir: PathBuf,
    /// The simulator's summary.
    pub summary: RunSummary,
    /// Total cost, USD.
    pub cost_usd: f64,
    /// Share of submitted tasks that did not fail, percent.
    pub availability_pct: f64,
    /// Task wait percentiles p50, p95, p99 in seconds (none when no task was placed).
    pub task_wait_s: [Option<f64>; 3],
    /// Replication 0 only: what the charts draw.
    pub(super) chart: Option<(Vec<Sample>, WaitData)>,
}

/// What a sweep produced.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// Every run, in run index order.
    pub runs: Vec<RunRecord>,
    /// The variants run, in rank order.
    pub variants: Vec<VariantStats>,
    /// Why the first-ranked variant is recommended (empty for a `--only` replay).
    pub reason: String,
    /// Threads used.
    pub threads: usize,
}

pub(super) fn output_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::Output { path: path.to_path_buf(), source: std::io::Error::other(err.to_string()) }
}

/// Runs the sweep and writes `runs/`, `runs.csv`, `variants.csv`, the charts
/// and `report.md` into `out`. With [`SweepOptions::only`] it runs that one
/// variant, with the seeds it has in the full sweep, and writes only its
/// `runs/<label>/` files.
pub fn run_sweep(sweep: &Sweep, out: &Path, options: &SweepOptions) -> Result<SweepOutcome, Error> {
    let selected: Vec<&Variant> = match &options.only {
        Some(label) => vec![sweep.variant(label)?],
        None => sweep.variants.iter().collect(),
    };
    let replications = sweep.spec.replications;
    let jobs: Vec<(&Variant, u32)> = selected.iter().flat_map(|&v| (0..replications).map(move |r| (v, r))).collect();
    std::fs::create_dir_all(out).map_err(|source| Error::Output { path: out.to_path_buf(), source })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| output_error(out, format!("cannot start worker threads: {e}")))?;
    let progress = if options.progress {
        let bar = ProgressBar::with_draw_target(Some(jobs.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} runs, about {eta} left")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let results: Vec<Result<RunRecord, Error>> = pool.install(|| {
        jobs.par_iter()
            .map(|&(variant, replication)| {
                let record = execute_run(sweep, variant, replication, out);
                progress.inc(1);
                record
            })
            .collect()
    });
    progress.finish_and_clear();
    let runs = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let variants = aggregate(sweep, &selected, &runs);
    if options.only.is_some() {
        // A replay: per-run files only, so the full sweep's tables, charts
        // and report are left as they were.
        return Ok(SweepOutcome { runs, variants, reason: String::new(), threads: pool.current_num_threads() });
    }
    let reason = recommendation(sweep, &variants);
    let outcome = SweepOutcome { runs, variants, reason, threads: pool.current_num_threads() };
    pool.install(|| write_outputs(sweep, &outcome, out))?;
    Ok(outcome)
}

pub(super) fn execute_run(sweep: &Sweep, variant: &Variant, replication: u32, out: &Path) -> Result<RunRecord, Error> {
    let run = (variant.index as u64) * u64::from(sweep.spec.replications) + u64::from(replication);
    let seed = sweep.seed_of(run);
    let mut scenario = variant.scenario.clone();
    scenario.seed = seed;
    let dir = run_dir(out, &variant.label, replication);
    let result = run_scenario(&scenario)?;
    crate::output::write_run(&scenario, &result, &dir)?;
    let availability_pct = result.summary.availability_pct();
    let task_wait_s = result.summary.task_wait.map(|q| q.map(|d| d.as_secs_f64()));
    let chart = if replication == 0 {
        let samples = result.samples.iter().map(Sample::from).collect();
        let waits = match result.sorted_waits() {
            Some(waits) => WaitData::Samples(waits),
            None => WaitData::Quantiles(task_wait_s),
        };
        Some((samples, waits))
    } else {
        None
    };
    let summary = result.summary;
    Ok(RunRecord {
        run,
        variant: variant.index,
        replication,
        seed,
        dir,
        cost_usd: summary.costs.total(),
        availability_pct,
        task_wait_s,
        summary,
        chart,
    })
}
