//! Running a sweep: every (variant, replication) in parallel on rayon,
//! collected in run order, each run's result kept in memory.

use super::{Sweep, Variant};
use crate::error::Error;
use crate::output::charts::{Sample, WaitData};
use crate::record::RunSummary;
use crate::simulation::run_scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Where a run writes its CSVs: `<out>/runs/<label>/rep-<k>/`.
pub fn run_dir(out: &Path, label: &str, replication: u32) -> PathBuf {
    out.join("runs").join(label).join(format!("rep-{replication}"))
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

pub(super) fn output_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::Output { path: path.to_path_buf(), source: std::io::Error::other(err.to_string()) }
}

/// The worker threads of a sweep (`None`: one per core).
pub(super) fn worker_pool(threads: Option<usize>, out: &Path) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| output_error(out, format!("cannot start worker threads: {e}")))
}

/// Runs every replication of the selected variants on `pool`, writing each
/// run's files under `out`, and returns the records in run order.
pub(super) fn run_all(
    pool: &rayon::ThreadPool,
    sweep: &Sweep,
    selected: &[&Variant],
    out: &Path,
    show_progress: bool,
) -> Result<Vec<RunRecord>, Error> {
    let replications = sweep.spec.replications;
    let jobs: Vec<(&Variant, u32)> = selected.iter().flat_map(|&v| (0..replications).map(move |r| (v, r))).collect();
    let progress = if show_progress {
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
    results.into_iter().collect()
}

fn execute_run(sweep: &Sweep, variant: &Variant, replication: u32, out: &Path) -> Result<RunRecord, Error> {
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
