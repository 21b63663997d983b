//! Running a sweep: every (option, condition, replication) in parallel on
//! rayon, collected in run order, each run's figures kept in memory.

use super::resume::RunLog;
use super::{Shard, Sweep, Variant};
use crate::error::Error;
use crate::output::charts::RunSeries;
use crate::record::{RunResult, RunSummary};
use crate::scenario::RunFiles;
use crate::simulation::run_scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where a run writes its CSVs: `<out>/runs/<option>/rep-<k>/`, or
/// `<out>/runs/<option>/<condition>/rep-<k>/` in a sweep with conditions.
pub fn run_dir(out: &Path, label: &str, condition: Option<&str>, replication: u32) -> PathBuf {
    let option = out.join("runs").join(label);
    match condition {
        Some(condition) => option.join(condition),
        None => option,
    }
    .join(format!("rep-{replication}"))
}

/// The figures of one run that the sweep compares.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Run index in the full sweep.
    pub run: u64,
    /// Option index.
    pub variant: usize,
    /// Condition index.
    pub condition: usize,
    /// Replication number.
    pub replication: u32,
    /// The run's seed.
    pub seed: u64,
    /// Where its CSVs are (none with `[output] runs = "none"`).
    pub dir: Option<PathBuf>,
    /// The simulator's summary.
    pub summary: RunSummary,
    /// Total cost, USD.
    pub cost_usd: f64,
    /// The run's availability (`RunSummary::availability_pct`), percent.
    pub availability_pct: f64,
    /// Task wait percentiles p50, p95, p99 in seconds (none when no task was placed).
    pub task_wait_s: [Option<f64>; 3],
    /// Each service's cost, USD, in scenario order.
    pub service_costs: Vec<f64>,
    /// What the charts draw of it.
    pub(super) series: RunSeries,
}

pub(super) fn output_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::Output { path: path.to_path_buf(), source: std::io::Error::other(err.to_string()) }
}

/// The worker threads of a sweep or a search (`None`: one per core).
pub(crate) fn worker_pool(threads: Option<usize>, out: &Path) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| output_error(out, format!("cannot start worker threads: {e}")))
}

/// One run to do: an option, a condition index and a replication.
pub(super) type Job<'a> = (&'a Variant, usize, u32);

/// Every run of the selected variants, under every condition, in run index
/// order; with a shard, only the runs whose index falls in it.
pub(super) fn jobs<'a>(sweep: &Sweep, selected: &[&'a Variant], shard: Option<Shard>) -> Vec<Job<'a>> {
    let replications = sweep.spec.replications;
    let conditions = sweep.spec.conditions.len();
    selected
        .iter()
        .flat_map(|&v| (0..conditions).flat_map(move |c| (0..replications).map(move |r| (v, c, r))))
        .filter(|&(v, c, r)| shard.is_none_or(|s| s.holds(sweep.run_index(v.index, c, r))))
        .collect()
}

/// Runs the jobs on `pool`, writing each run's files under `out`, and
/// returns the records in job order.
pub(super) fn run_all(
    pool: &rayon::ThreadPool,
    sweep: &Sweep,
    jobs: &[Job<'_>],
    out: &Path,
    log: &RunLog,
    show_progress: bool,
) -> Result<Vec<RunRecord>, Error> {
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
            .map(|&(variant, condition, replication)| {
                // After a signal the runs not yet started are not made.
                crate::interrupt::check()?;
                let record = execute_run(sweep, variant, condition, replication, out)?;
                log.save(&record, out)?;
                progress.inc(1);
                Ok(record)
            })
            .collect()
    });
    progress.finish_and_clear();
    results.into_iter().collect()
}

fn execute_run(
    sweep: &Sweep,
    variant: &Variant,
    condition: usize,
    replication: u32,
    out: &Path,
) -> Result<RunRecord, Error> {
    let run = sweep.run_index(variant.index, condition, replication);
    // Every option and condition of a replication shares its seed.
    let seed = sweep.seed_of(replication);
    let mut scenario = variant.scenarios[condition].clone();
    scenario.seed = seed;
    let spec = &sweep.spec;
    let named = spec.declares_conditions.then(|| spec.conditions[condition].label.as_str());
    let dir = (scenario.run_files != RunFiles::None).then(|| run_dir(out, &variant.label, named, replication));
    let result = run_scenario(&scenario)?;
    if let Some(dir) = &dir {
        crate::output::write_run_files(&scenario, &result, dir, scenario.run_files)?;
    }
    Ok(RunRecord::of(run, (variant.index, condition, replication), seed, dir, result))
}

impl RunRecord {
    /// What the comparison keeps of a finished run: run index `run` of
    /// `(option, condition, replication)`, with its seed and files' folder.
    pub(crate) fn of(
        run: u64,
        (variant, condition, replication): (usize, usize, u32),
        seed: u64,
        dir: Option<PathBuf>,
        result: RunResult,
    ) -> RunRecord {
        let availability_pct = result.summary.availability_pct();
        let task_wait_s = result.summary.task_wait.map(|q| q.map(|d| d.as_secs_f64()));
        let series = RunSeries::of(&result);
        let service_costs = result.services.iter().map(|s| s.net_cost_usd()).collect();
        let summary = result.summary;
        RunRecord {
            run,
            variant,
            condition,
            replication,
            seed,
            dir,
            cost_usd: summary.cost_usd(),
            availability_pct,
            task_wait_s,
            summary,
            service_costs,
            series,
        }
    }
}
