//! `ecs-sim run`: one scenario, or every variant and replication of a sweep.

use super::{interrupted, left_as_it_was, limit_work, peak_memory, BudgetArgs, Format, Verbosity};
use crate::engine::{SimDuration, SimTime};
use crate::error::{Error, InputError};
use crate::interrupt::{Signal, Watch};
use crate::output;
use crate::output::folder::Staging;
use crate::placement::Rejection;
use crate::record::RunSummary;
use crate::scenario::Scenario;
use crate::simulation::run_scenario_watched;
use crate::sweep::{self, Loaded, Shard, Sweep, SweepOptions, SweepOutcome};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The scenario file (TOML), e.g. scenarios/quickstart.toml.
    pub(crate) scenario: PathBuf,
    /// Where to write results [default: results/<scenario name>/].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Override the scenario's seed, to replay a run with other random draws.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Sweeps: worker threads [default: all cores]. Outputs do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub(crate) threads: Option<u16>,
    /// Sweeps: replay only the variant with this label (same seeds and run files as in the
    /// full sweep; variants.csv, charts and report.md are left untouched).
    #[arg(long, value_name = "VARIANT", conflicts_with = "shard")]
    pub(crate) only: Option<String>,
    /// Sweeps: run only the runs whose index is INDEX modulo COUNT, into a shard folder that
    /// `ecs-sim merge` combines with the other shards. `auto/COUNT` takes INDEX from
    /// JOB_COMPLETION_INDEX (Kubernetes), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch) or
    /// SLURM_ARRAY_TASK_ID (Slurm).
    #[arg(long, value_name = "INDEX/COUNT")]
    pub(crate) shard: Option<String>,
    /// Sweeps: go on from where a killed sweep into the same `--out` stopped, reusing the runs
    /// it finished (same scenario, data files, seed and version); the outputs equal an
    /// uninterrupted sweep's.
    #[arg(long)]
    pub(crate) resume: bool,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Make bad rows in the workloads' traces fatal (by default they are skipped and counted;
    /// rows of the native format are always fatal).
    #[arg(long)]
    pub(crate) strict: bool,
    #[command(flatten)]
    pub(crate) budget: BudgetArgs,
}

/// Runs the scenario (or its sweep), writes its results and prints a summary.
pub(super) fn run(args: RunArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let RunArgs { scenario: path, out, seed, threads, only, shard, resume, format, strict, budget } = args;
    let quiet = verbosity == Verbosity::Quiet;
    let mut loaded = sweep::load(&path)?;
    limit_work(&mut loaded, budget)?;
    match loaded {
        Loaded::Single(mut scenario) => {
            if strict {
                scenario.make_traces_strict();
            }
            if only.is_some() {
                return Err(InputError::new(
                    &path,
                    "`--only` picks a sweep variant, but the scenario has no [sweep] section",
                )
                .at("option `--only`")
                .into());
            }
            if shard.is_some() {
                return Err(InputError::new(
                    &path,
                    "`--shard` splits a sweep's runs, but the scenario has no [sweep] section: it is one run",
                )
                .at("option `--shard`")
                .help("run it without `--shard`, or add a [sweep] section (docs/scenario.md)")
                .into());
            }
            if let Some(seed) = seed {
                scenario.seed = seed;
            }
            let out = out.unwrap_or_else(|| Path::new("results").join(&scenario.name));
            let staging = begin_results(&out, false, false, quiet)?;
            let made = (|| -> Result<_, Error> {
                let started = Instant::now();
                let mut progress = Progress::new(&scenario, !quiet && std::io::stderr().is_terminal());
                let result = run_scenario_watched(&scenario, &mut progress)?;
                drop(progress);
                let wall = started.elapsed().as_secs_f64();
                output::write_run(&scenario, &result, staging.path())?;
                if !scenario.services.is_empty() {
                    output::charts::write_service_chart(&scenario, &result, staging.path())?;
                }
                crate::interrupt::check()?;
                Ok((result, wall))
            })();
            let (result, wall) = match made {
                Ok(made) => made,
                Err(Error::Interrupted(signal)) => {
                    drop(staging);
                    return Ok(interrupted(signal, &left_as_it_was(&out)));
                }
                Err(err) => return Err(err),
            };
            staging.commit()?;
            let summary = result.summary;
            match format {
                Format::Json => outln!("{:#}", single_json(&scenario, &summary, &out)),
                Format::Text if !quiet => print_single(&scenario, &summary, &out, wall, verbosity),
                Format::Text => {}
            }
            Ok(0)
        }
        Loaded::Sweep(mut sweep) => {
            if let Some(seed) = seed {
                sweep.set_seed(seed);
            }
            if strict {
                sweep.make_strict();
            }
            let shard = shard
                .map(|text| {
                    Shard::parse(&text, |name| std::env::var(name).ok())
                        .map_err(|why| InputError::new(&path, why).at("option `--shard`"))
                })
                .transpose()?;
            let out = out.unwrap_or_else(|| match shard {
                // Beside the merged results, never inside them: a merge
                // replaces its folder whole.
                Some(shard) => Path::new("results")
                    .join(format!("{}-shards", sweep.base.name))
                    .join(format!("shard-{}", shard.index)),
                None => Path::new("results").join(&sweep.base.name),
            });
            let options = SweepOptions {
                threads: threads.map(usize::from),
                only,
                shard,
                resume,
                progress: !quiet && std::io::stderr().is_terminal(),
            };
            let staging = begin_results(&out, options.only.is_some(), resume, quiet)?;
            let started = Instant::now();
            let ran = sweep::run_sweep(&sweep, staging.path(), &options).and_then(|outcome| {
                crate::interrupt::check()?;
                Ok(outcome)
            });
            let outcome = match ran {
                Ok(outcome) => outcome,
                Err(Error::Interrupted(signal)) => {
                    return Ok(sweep_interrupted(signal, &sweep, staging, &out, options.only.is_none()))
                }
                Err(err) => return Err(err),
            };
            staging.commit()?;
            let wall = started.elapsed().as_secs_f64();
            if let Some(shard) = shard {
                print_shard(&sweep, shard, &outcome, &out, wall, format, quiet);
                return Ok(0);
            }
            print_sweep(&sweep, &outcome, &out, wall, format, verbosity);
            Ok(0)
        }
    }
}

/// Starts a complete-or-nothing results folder ([`Staging`]) for `out`,
/// its parent created, and says on stderr what it cleaned up from a run
/// that was killed.
pub(super) fn begin_results(out: &Path, keep: bool, resume: bool, quiet: bool) -> Result<Staging, Error> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Output { path: parent.to_path_buf(), source })?;
    }
    let (staging, cleaned) = Staging::begin(out, keep, resume)?;
    if !quiet {
        for line in cleaned {
            eprintln!("note: {line}");
        }
    }
    Ok(staging)
}

/// Says what a sweep stopped by `signal` left: `out` as it was, and the
/// staging folder with the finished runs for `--resume` when there are any
/// and the sweep is `resumable` (not an `--only` replay); returns the exit
/// code.
fn sweep_interrupted(signal: Signal, sweep: &Sweep, staging: Staging, out: &Path, resumable: bool) -> i32 {
    let finished = sweep::finished_runs(sweep, staging.path());
    let left = left_as_it_was(out);
    if !resumable || finished == 0 {
        drop(staging);
        return interrupted(signal, &format!("{left}; no finished run was kept"));
    }
    let kept = staging.keep_for_resume();
    let runs = if finished == 1 { "run" } else { "runs" };
    interrupted(
        signal,
        &format!(
            "{left}; run the same command with `--resume` to reuse the {finished} finished {runs} (kept in {})",
            kept.display()
        ),
    )
}

/// A single run's progress on a terminal: simulated time done of the whole
/// and the wall time left at the pace so far, from a few seconds in, redrawn at most four times
/// a second and erased when the run ends. It reads the clock only to draw,
/// so the run's outputs do not depend on it.
struct Progress {
    /// Drawn at all (stderr is a terminal, not `--quiet`).
    enabled: bool,
    started: Instant,
    duration: SimDuration,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// How long a run goes before its bar shows.
    const DELAY: Duration = Duration::from_secs(2);

    fn new(scenario: &Scenario, enabled: bool) -> Progress {
        Progress { enabled, started: Instant::now(), duration: scenario.duration, bar: None }
    }
}

impl Watch for Progress {
    fn reached(&mut self, now: SimTime) -> Result<(), Signal> {
        crate::interrupt::check()?;
        if !self.enabled || (self.bar.is_none() && self.started.elapsed() < Progress::DELAY) {
            return Ok(());
        }
        let (duration, started) = (self.duration, self.started);
        let done = now.since(SimTime::ZERO);
        let bar = self.bar.get_or_insert_with(|| {
            let bar =
                ProgressBar::with_draw_target(Some(duration.as_millis().max(1)), ProgressDrawTarget::stderr_with_hz(4))
                    .with_elapsed(started.elapsed());
            if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {msg}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        bar.set_position(done.as_millis());
        // Wall time left at the pace of the run so far.
        let spent = started.elapsed().as_secs_f64();
        let left =
            spent * (duration.as_millis().saturating_sub(done.as_millis())) as f64 / done.as_millis().max(1) as f64;
        bar.set_message(format!("{}, about {} left", simulated(done, duration), wall(left)));
        Ok(())
    }
}

/// Seconds of wall time as a person reads them: `42 s`, `7 min`, `2.5 h`.
fn wall(seconds: f64) -> String {
    match seconds {
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// `done` of `total` simulated time, in the largest unit of which `total` has two or more: `3.2 of 30 d simulated`.
fn simulated(done: SimDuration, total: SimDuration) -> String {
    let (size, unit) = [(86_400_000.0, "d"), (3_600_000.0, "h"), (60_000.0, "min")]
        .into_iter()
        .find(|(size, _)| total.as_millis() as f64 >= 2.0 * size)
        .unwrap_or((1000.0, "s"));
    let (done, total) = (done.as_millis() as f64 / size, total.as_millis() as f64 / size);
    format!("{done:.1} of {total:.1} {unit} simulated")
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Prints what a shard ran, and how to merge it.
fn print_shard(
    sweep: &Sweep,
    shard: Shard,
    outcome: &SweepOutcome,
    out: &Path,
    wall: f64,
    format: Format,
    quiet: bool,
) {
    match format {
        Format::Json => outln!(
            "{:#}",
            serde_json::json!({
                "scenario": sweep.base.name,
                "shard": shard.index,
                "shards": shard.count,
                "runs": outcome.runs.len(),
                "total_runs": sweep.total_runs(),
                "digest": sweep.digest(),
                "results": out.display().to_string(),
            })
        ),
        Format::Text if !quiet => {
            outln!(
                "{}: shard {shard}, {} of {} runs in {wall:.3} s wall on {} thread(s)",
                sweep.base.name,
                outcome.runs.len(),
                sweep.total_runs(),
                outcome.threads
            );
            outln!("  results in {}", out.display());
            outln!("  when every shard has run: ecs-sim merge SHARD_DIR... --out DIR");
        }
        Format::Text => {}
    }
}

/// Prints a sweep's comparison (after a run or a merge).
pub(super) fn print_sweep(
    sweep: &Sweep,
    outcome: &SweepOutcome,
    out: &Path,
    wall: f64,
    format: Format,
    verbosity: Verbosity,
) {
    let quiet = verbosity == Verbosity::Quiet;
    match format {
        Format::Json => outln!("{:#}", sweep::to_json(sweep, outcome, out)),
        Format::Text if !quiet => {
            outln!("{}", sweep_heading(sweep, outcome.runs.len()));
            if verbosity == Verbosity::Verbose {
                out!("{}", run_lines(sweep, outcome));
            }
            out!("{}", sweep::to_text(outcome));
            outln!(
                "  {} runs in {:.3} s wall on {} thread(s), peak memory {}",
                outcome.runs.len(),
                wall,
                outcome.threads,
                peak_memory().unwrap_or_else(|| "unknown".into())
            );
            outln!("  results in {}", out.display());
        }
        Format::Text => {}
    }
}

pub(super) fn sweep_heading(sweep: &Sweep, runs: usize) -> String {
    format!(
        "{}: sweep of {} option(s) x {} condition(s) x {} replication(s), {} runs of {} each, base seed {}",
        sweep.base.name,
        sweep.variants.len(),
        sweep.spec.conditions.len(),
        sweep.spec.replications,
        runs,
        sweep.base.duration,
        sweep.base.seed
    )
}

/// One line per run of a sweep (`-v`), in run order.
pub(super) fn run_lines(sweep: &Sweep, outcome: &SweepOutcome) -> String {
    let mut text = String::new();
    for run in &outcome.runs {
        text += &format!(
            "  run {:>4}: `{}` replication {}, seed {}: ${:.4}, availability {:.3} %, wait p95 {}\n",
            run.run,
            sweep.variants[run.variant].label,
            run.replication,
            run.seed,
            run.cost_usd,
            run.availability_pct,
            run.task_wait_s[1].map_or("–".to_string(), |s| format!("{s:.1} s"))
        );
    }
    text
}

fn print_single(scenario: &Scenario, summary: &RunSummary, out: &Path, wall: f64, verbosity: Verbosity) {
    outln!("{}: {} simulated, seed {}", scenario.name, scenario.duration, scenario.seed);
    outln!(
        "  tasks: {} submitted, {} started, {} completed, {} failed",
        summary.tasks_submitted,
        summary.tasks_started,
        summary.tasks_completed,
        summary.tasks_failed.iter().sum::<u64>()
    );
    outln!(
        "  cost: ${:.2} (EC2 ${:.2}, Fargate ${:.2})",
        summary.costs.total(),
        summary.costs.ec2(),
        summary.costs.fargate
    );
    if let Some(bill) = &summary.commitments {
        outln!(
            "  with commitments: ${:.2} (fees ${:.2}, of them unused ${:.2}; covered usage ${:.2}, uncovered ${:.2})",
            bill.net_usd(),
            bill.fees_usd(),
            bill.unused_usd(),
            bill.usage().covered_usd,
            bill.usage().uncovered_usd
        );
    }
    outln!(
        "  reservation: CPU {:.1} %, memory {:.1} % (time-weighted)",
        summary.cpu_reservation_avg_pct,
        summary.memory_reservation_avg_pct
    );
    if verbosity == Verbosity::Verbose {
        print_details(scenario, summary);
    }
    outln!(
        "  {} events in {:.3} s wall ({:.0} events/s), peak memory {}",
        summary.events,
        wall,
        summary.events as f64 / wall.max(1e-9),
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    outln!("  results in {}", out.display());
}

/// The rest of a run's summary, for `-v`.
fn print_details(scenario: &Scenario, summary: &RunSummary) {
    outln!(
        "  peak reservation: CPU {:.1} %, memory {:.1} %; {:.1} instance-hours",
        summary.cpu_reservation_peak_pct,
        summary.memory_reservation_peak_pct,
        summary.instance_hours
    );
    let seconds = |q: &[Option<SimDuration>; 3]| {
        let one = |d: Option<SimDuration>| d.map_or("–".to_string(), |d| format!("{:.1}", d.as_secs_f64()));
        format!("p50 {} s, p95 {} s, p99 {} s", one(q[0]), one(q[1]), one(q[2]))
    };
    outln!("  task wait: {}; start delay: {}", seconds(&summary.task_wait), seconds(&summary.task_start_delay));
    let reasons: Vec<String> = Rejection::ALL
        .iter()
        .zip(summary.tasks_failed)
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| format!("{} {n}", r.reason()))
        .collect();
    if !reasons.is_empty() {
        outln!("  failed by reason: {}", reasons.join(", "));
    }
    outln!(
        "  at the end: {} running, {} starting, {} waiting; {} skipped as too large for any instance",
        summary.tasks_running_at_end,
        summary.tasks_starting_at_end,
        summary.tasks_waiting_at_end,
        summary.tasks_skipped_oversize
    );
    for (service, availability) in scenario.services.iter().zip(&summary.service_availability_pct) {
        outln!("  service `{}`: availability {:.4} %", service.def.name, availability);
    }
    outln!(
        "  availability: {:.4} % (placed share of RunTask tasks {:.4} %)",
        summary.availability_pct(),
        summary.placed_pct()
    );
    if summary.trace_rows_skipped > 0 || summary.trace_rows_held_at_end > 0 {
        outln!(
            "  trace rows: {} skipped as bad, {} held at the end behind dependencies",
            summary.trace_rows_skipped,
            summary.trace_rows_held_at_end
        );
    }
    if summary.tasks_lost_to_faults > 0 || summary.instance_failures > 0 || summary.spot_interruptions > 0 {
        outln!(
            "  faults: {} tasks lost, {} instance failures, {} Spot interruptions",
            summary.tasks_lost_to_faults,
            summary.instance_failures,
            summary.spot_interruptions
        );
    }
}

/// The summary of a single run as JSON (for `--format json`): every row of
/// `summary.csv`, grouped, with numbers unrounded, plus the RunTask
/// `placed_pct` and `results`.
fn single_json(scenario: &Scenario, summary: &RunSummary, out: &Path) -> serde_json::Value {
    use crate::commitments::apply::Share;
    use serde_json::{json, Map, Value};
    // `+ 0.0` turns a negative zero (the sum of no fleets) into 0.
    let number = |v: f64| Value::from(v + 0.0);
    let by_reason: Map<String, Value> =
        Rejection::ALL.iter().zip(summary.tasks_failed).map(|(r, n)| (r.reason().to_string(), n.into())).collect();
    let by_fleet: Map<String, Value> =
        scenario.fleets.iter().zip(&summary.costs.by_fleet).map(|(f, c)| (f.name.clone(), number(*c))).collect();
    let services: Map<String, Value> = scenario
        .services
        .iter()
        .zip(&summary.service_availability_pct)
        .map(|(s, a)| (s.def.name.clone(), json!({ "availability_pct": number(*a) })))
        .collect();
    // The run's worst windows and time in trouble (summary.csv has them with services).
    let incidents = if scenario.services.is_empty() {
        Value::Object(Map::new())
    } else {
        let i = &summary.incidents;
        let optional = |v: Option<f64>| v.map_or(Value::Null, number);
        let minutes = |d: SimDuration| number(d.as_secs_f64() / 60.0);
        json!({
            "worst_5m_availability_pct": optional(i.worst_5m_pct),
            "worst_1h_availability_pct": optional(i.worst_1h_pct),
            "worst_hour_availability_pct": optional(i.worst_hour_pct()),
            "worst_day_availability_pct": optional(i.worst_day_pct()),
            "minutes_below_desired": minutes(i.below_desired),
            "minutes_overloaded": minutes(i.overloaded),
            "minutes_cpu_over_80": minutes(i.cpu_over_80),
            "minutes_cpu_over_90": minutes(i.cpu_over_90),
            "slo_budget_used_pct": optional(i.slo_budget_used_pct),
        })
    };
    let quantiles = |q: &[Option<SimDuration>; 3]| {
        let seconds = |i: usize| q[i].map_or(Value::Null, |d| number(d.as_secs_f64()));
        json!({ "p50": seconds(0), "p95": seconds(1), "p99": seconds(2) })
    };
    let mut value = json!({
        "scenario": scenario.name,
        "seed": scenario.seed,
        "simulated_hours": number(scenario.duration.as_secs_f64() / 3600.0),
        "events": summary.events,
        "tasks": {
            "submitted": summary.tasks_submitted,
            "started": summary.tasks_started,
            "completed": summary.tasks_completed,
            "failed": summary.tasks_failed.iter().sum::<u64>(),
            "failed_by_reason": by_reason,
            "skipped_oversize": summary.tasks_skipped_oversize,
            "running_at_end": summary.tasks_running_at_end,
            "starting_at_end": summary.tasks_starting_at_end,
            "waiting_at_end": summary.tasks_waiting_at_end,
            "lost_to_faults": summary.tasks_lost_to_faults,
        },
        "trace": {
            "rows_skipped": summary.trace_rows_skipped,
            "rows_held_at_end": summary.trace_rows_held_at_end,
            "tasks_dropped": summary.trace_tasks_dropped,
            "tasks_cut_short": summary.trace_tasks_cut_short,
        },
        "cost_usd": {
            "total": number(summary.costs.total()),
            "ec2": number(summary.costs.ec2()),
            "fargate": number(summary.costs.fargate),
            "by_fleet": by_fleet,
        },
        "instance_hours": number(summary.instance_hours),
        "cpu_reservation_avg_pct": number(summary.cpu_reservation_avg_pct),
        "cpu_reservation_peak_pct": number(summary.cpu_reservation_peak_pct),
        "memory_reservation_avg_pct": number(summary.memory_reservation_avg_pct),
        "memory_reservation_peak_pct": number(summary.memory_reservation_peak_pct),
        "task_wait_s": quantiles(&summary.task_wait),
        "task_start_delay_s": quantiles(&summary.task_start_delay),
        "faults": {
            "instance_failures": summary.instance_failures,
            "spot_interruptions": summary.spot_interruptions,
        },
        "services": services,
        "busy_instance_hours": number(summary.busy_instance_hours),
        "idle_instance_hours": number(summary.idle_instance_hours),
        "packing_bound_instance_hours": number(summary.packing_bound_instance_hours),
        "packing_efficiency_pct": summary.packing_efficiency_pct.map_or(Value::Null, number),
        "incidents": incidents,
        "placed_pct": number(summary.placed_pct()),
        "availability_pct": number(summary.availability_pct()),
        "results": out.display().to_string(),
    });
    if let Some(bill) = &summary.commitments {
        let usage = bill.usage();
        let share = |s: &Share| {
            json!({
                "covered": number(s.covered_usd),
                "uncovered": number(s.uncovered_usd),
                "net": number(s.net_usd()),
            })
        };
        let by_fleet: Map<String, Value> =
            scenario.fleets.iter().zip(&bill.by_fleet).map(|(f, s)| (f.name.clone(), share(s))).collect();
        let commitments: Map<String, Value> = bill
            .reserved_instances
            .iter()
            .chain(&bill.savings_plans)
            .map(|c| (c.name.clone(), json!({ "fees": number(c.fees_usd), "unused": number(c.unused_usd()) })))
            .collect();
        value["commitments_usd"] = json!({
            "net": number(bill.net_usd()),
            "fees": number(bill.fees_usd()),
            "used": number(usage.commitment_usd),
            "unused": number(bill.unused_usd()),
            "covered_usage": number(usage.covered_usd),
            "uncovered_usage": number(usage.uncovered_usd),
            "spot_usage": number(usage.spot_usd),
            "by_fleet": by_fleet,
            "fargate": share(&bill.fargate()),
            "by_commitment": commitments,
        });
    }
    value
}
