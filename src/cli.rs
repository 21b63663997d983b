//! The command line: `ecs-sim run`, `ecs-sim check` and `ecs-sim validate`.

use crate::check::{compare, read_baseline, table, Tolerances};
use crate::engine::SimDuration;
use crate::error::{Error, InputError};
use crate::model::LaunchType;
use crate::placement::Rejection;
use crate::record::RunSummary;
use crate::scenario::service_spec::ServiceLaunch;
use crate::scenario::workload_spec::{FailurePolicy, WorkloadSource};
use crate::scenario::Scenario;
use crate::simulation::run_scenario;
use crate::sweep::{self, Loaded, Sweep, SweepOptions};
use crate::traces::{trace_stats, TraceFormat, TraceReader, UnitMapping};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Writes a line to stdout. When stdout is a closed pipe (`ecs-sim ... | head`)
/// the program ends quietly instead of panicking as `println!` would.
macro_rules! outln {
    ($($arg:tt)*) => {
        crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to stdout without a newline; see [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {
        crate::cli::write_stdout(format_args!($($arg)*))
    };
}

/// Writes to stdout; exits with status 0 if the reader has gone away.
pub fn write_stdout(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(err) = std::io::stdout().write_fmt(text) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {err}");
        std::process::exit(1);
    }
}

/// Simulate an Amazon ECS cluster to compare cost, utilisation and task
/// waits across fleets, placement strategies and workloads before you
/// change anything real.
#[derive(Debug, Parser)]
#[command(name = "ecs-sim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How `run` prints its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write summary.csv, timeseries.csv and tasks.csv; a
    /// scenario with a [sweep] section runs every variant and replication and
    /// also writes variants.csv, runs.csv, charts and report.md.
    Run {
        /// The scenario file (TOML), e.g. scenarios/quickstart.toml.
        scenario: PathBuf,
        /// Where to write results [default: results/<scenario name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed, to replay a run with other random draws.
        #[arg(long)]
        seed: Option<u64>,
        /// Sweeps: worker threads [default: all cores]. Outputs do not depend on it.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// Sweeps: replay only the variant with this label (same seeds and run files as in the
        /// full sweep; variants.csv, charts and report.md are left untouched).
        #[arg(long, value_name = "VARIANT")]
        only: Option<String>,
        /// How to print the summary.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Make bad rows in the workloads' traces fatal (by default they are skipped and counted;
        /// rows of the native format are always fatal).
        #[arg(long)]
        strict: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Rerun a sweep and compare it with a baseline variants.csv; exit 1 if a
    /// variant got dearer or less available than the tolerances allow.
    Check {
        /// The scenario file (TOML) with a [sweep] section.
        scenario: PathBuf,
        /// The variants.csv to compare with, e.g. results/strategy-shootout/variants.csv.
        #[arg(long)]
        baseline: PathBuf,
        /// Allowed rise in mean cost, percent [default: the sweep's cost_tolerance_pct, else 2].
        #[arg(long, value_name = "PCT")]
        cost_tolerance_pct: Option<f64>,
        /// Allowed fall in mean availability, percentage points [default: the
        /// sweep's availability_tolerance_points, else 0.1].
        #[arg(long, value_name = "POINTS")]
        availability_tolerance_points: Option<f64>,
        /// Worker threads [default: all cores].
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// Keep the rerun's outputs here [default: a temporary folder, removed afterwards].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print only the regressions and errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario and everything it refers to, and print what would run.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Look at a workload trace before running it.
    Trace {
        /// What to do with the trace.
        #[command(subcommand)]
        command: TraceCommand,
    },
}

/// `ecs-sim trace` subcommands.
#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// Print a trace's size, time span, arrival rate, resource requests and total demand.
    Stats {
        /// The trace file (`.gz` is read directly).
        file: PathBuf,
        /// Its format.
        #[arg(long, value_enum)]
        format: TraceFileFormat,
        /// vCPUs of one trace machine, for traces that give requests as a share of a machine.
        #[arg(long, default_value_t = 96.0)]
        machine_vcpu: f64,
        /// GiB of memory of one trace machine, likewise.
        #[arg(long, default_value_t = 384.0)]
        machine_memory_gib: f64,
        /// Read a trace that is not in time order by sorting it in memory.
        #[arg(long)]
        unsorted: bool,
        /// Stop at the first bad row instead of skipping and counting bad rows.
        #[arg(long)]
        strict: bool,
    },
}

/// Trace formats `ecs-sim trace stats` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFileFormat {
    /// Alibaba cluster-trace-v2018 batch tasks.
    Alibaba2018,
    /// Alibaba cluster-trace-v2017 batch tasks.
    Alibaba2017,
    /// Google cluster-data 2011 task_events.
    Google2011,
    /// Azure Public Dataset V1 vmtable.
    #[value(name = "azure_vmtable")]
    AzureVmtable,
}

/// Runs the command line; returns the process exit code (0 success, 1
/// failure while running or writing, or a regression found by `check`, 2
/// invalid input).
pub fn main() -> i32 {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(code) => code,
        Err(Error::Input(err)) => {
            eprintln!("error: {err}");
            2
        }
        Err(err) => {
            eprintln!("error: {err}");
            1
        }
    }
}

fn execute(command: Command) -> Result<i32, Error> {
    match command {
        Command::Run { scenario: path, out, seed, threads, only, format, strict, quiet } => match sweep::load(&path)? {
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
                if let Some(seed) = seed {
                    scenario.seed = seed;
                }
                let out = out.unwrap_or_else(|| Path::new("results").join(&scenario.name));
                let started = Instant::now();
                let result = run_scenario(&scenario)?;
                let wall = started.elapsed().as_secs_f64();
                crate::output::write_run(&scenario, &result, &out)?;
                if !scenario.services.is_empty() {
                    crate::output::charts::write_service_chart(&scenario, &result, &out)?;
                }
                let summary = result.summary;
                match format {
                    Format::Json => outln!("{:#}", single_json(&scenario, &summary, &out)),
                    Format::Text if !quiet => print_single(&scenario, &summary, &out, wall),
                    Format::Text => {}
                }
                Ok(0)
            }
            Loaded::Sweep(mut sweep) => {
                if let Some(seed) = seed {
                    sweep.set_seed(seed);
                }
                if strict {
                    sweep.variants.iter_mut().for_each(|v| v.scenario.make_traces_strict());
                }
                let out = out.unwrap_or_else(|| Path::new("results").join(&sweep.base.name));
                let options = SweepOptions {
                    threads: threads.map(usize::from),
                    only,
                    progress: !quiet && std::io::stderr().is_terminal(),
                };
                let started = Instant::now();
                let outcome = sweep::run_sweep(&sweep, &out, &options)?;
                let wall = started.elapsed().as_secs_f64();
                match format {
                    Format::Json => outln!("{:#}", sweep::to_json(&sweep, &outcome, &out)),
                    Format::Text if !quiet => {
                        outln!("{}", sweep_heading(&sweep, outcome.runs.len()));
                        out!("{}", sweep::to_text(&outcome));
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
                Ok(0)
            }
        },
        Command::Check {
            scenario: path,
            baseline,
            cost_tolerance_pct,
            availability_tolerance_points,
            threads,
            out,
            quiet,
        } => {
            let Loaded::Sweep(sweep) = sweep::load(&path)? else {
                return Err(InputError::new(
                    &path,
                    "`check` compares sweep variants, but the scenario has no [sweep] section",
                )
                .help("add a [sweep] section, e.g. `[sweep]` with `replications = 3`")
                .into());
            };
            let rows = read_baseline(&baseline)?;
            let tolerance = |flag: &str, value: Option<f64>, default: f64| -> Result<f64, InputError> {
                match value {
                    Some(v) if !(v.is_finite() && v >= 0.0) => {
                        Err(InputError::new(&path, format!("`{v}` is not a tolerance; give a number of 0 or more"))
                            .at(format!("option `{flag}`")))
                    }
                    Some(v) => Ok(v),
                    None => Ok(default),
                }
            };
            let tolerances = Tolerances {
                cost_pct: tolerance("--cost-tolerance-pct", cost_tolerance_pct, sweep.spec.cost_tolerance_pct)?,
                availability_points: tolerance(
                    "--availability-tolerance-points",
                    availability_tolerance_points,
                    sweep.spec.availability_tolerance_points,
                )?,
            };
            let keep = out.is_some();
            let out = out.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("ecs-sim-check-{}-{}", sweep.base.name, std::process::id()))
            });
            let options = SweepOptions {
                threads: threads.map(usize::from),
                only: None,
                progress: !quiet && std::io::stderr().is_terminal(),
            };
            let started = Instant::now();
            let result = sweep::run_sweep(&sweep, &out, &options);
            if !keep {
                let _ = std::fs::remove_dir_all(&out);
            }
            let outcome = result?;
            let comparisons = compare(&rows, &outcome.variants, tolerances);
            let regressions = comparisons.iter().filter(|c| c.verdict.is_regression()).count();
            if !quiet || regressions > 0 {
                outln!(
                    "check {} against {}: {} runs in {:.3} s on {} thread(s)",
                    sweep.base.name,
                    baseline.display(),
                    outcome.runs.len(),
                    started.elapsed().as_secs_f64(),
                    outcome.threads
                );
                // --quiet shows only the rows that got worse.
                let shown: Vec<_> = comparisons.into_iter().filter(|c| !quiet || c.verdict.is_regression()).collect();
                out!("{}", table(&shown, tolerances));
            }
            Ok(if regressions > 0 { 1 } else { 0 })
        }
        Command::Trace {
            command: TraceCommand::Stats { file, format, machine_vcpu, machine_memory_gib, unsorted, strict },
        } => {
            if !(machine_vcpu > 0.0 && machine_memory_gib > 0.0) {
                return Err(InputError::new(&file, "the trace machine needs a positive size")
                    .at("options `--machine-vcpu` and `--machine-memory-gib`")
                    .into());
            }
            let format = match format {
                TraceFileFormat::Alibaba2018 => TraceFormat::Alibaba2018,
                TraceFileFormat::Alibaba2017 => TraceFormat::Alibaba2017,
                TraceFileFormat::Google2011 => TraceFormat::Google2011,
                TraceFileFormat::AzureVmtable => TraceFormat::AzureVmTable,
            };
            let units = UnitMapping {
                machine_cpu_units: (machine_vcpu * 1024.0).round() as u32,
                machine_memory_mib: (machine_memory_gib * 1024.0).round() as u32,
            };
            let mut reader = TraceReader::open(&file, format, units, 1.0, strict)?;
            if unsorted {
                reader = reader.with_reorder_window(SimDuration(u64::MAX));
            }
            let stats = trace_stats(&mut reader)?;
            outln!("{}", file.display());
            outln!("{stats}");
            for (reason, count) in reader.skipped_by_reason().iter().chain(reader.incomplete_by_reason()) {
                outln!("  {reason}: {count}");
            }
            if reader.skipped_by_reason().contains_key(crate::traces::reasons::OUT_OF_ORDER) {
                outln!("hint: the trace is not in time order; add --unsorted (or reorder_window = \"unbounded\" in a scenario)");
            }
            Ok(0)
        }
        Command::Validate { scenario } => {
            match sweep::load(&scenario)? {
                Loaded::Single(scenario) => out!("{}", describe(&scenario)),
                Loaded::Sweep(sweep) => {
                    out!("{}", describe(&sweep.base));
                    outln!("  {}", sweep_heading(&sweep, sweep.total_runs()));
                    for variant in &sweep.variants {
                        outln!("    variant `{}`", variant.label);
                    }
                }
            }
            Ok(0)
        }
    }
}

fn sweep_heading(sweep: &Sweep, runs: usize) -> String {
    format!(
        "{}: sweep of {} variant(s) x {} replication(s), {} runs of {} each, base seed {}",
        sweep.base.name,
        sweep.variants.len(),
        sweep.spec.replications,
        runs,
        sweep.base.duration,
        sweep.base.seed
    )
}

fn print_single(scenario: &Scenario, summary: &RunSummary, out: &Path, wall: f64) {
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
    outln!(
        "  reservation: CPU {:.1} %, memory {:.1} % (time-weighted)",
        summary.cpu_reservation_avg_pct,
        summary.memory_reservation_avg_pct
    );
    outln!(
        "  {} events in {:.3} s wall ({:.0} events/s), peak memory {}",
        summary.events,
        wall,
        summary.events as f64 / wall.max(1e-9),
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    outln!("  results in {}", out.display());
}

/// The summary of a single run as JSON (for `--format json`).
pub fn single_json(scenario: &Scenario, summary: &RunSummary, out: &Path) -> serde_json::Value {
    let failed: u64 = summary.tasks_failed.iter().sum();
    let by_reason: serde_json::Map<String, serde_json::Value> =
        Rejection::ALL.iter().zip(summary.tasks_failed).map(|(r, n)| (r.reason().to_string(), n.into())).collect();
    let by_fleet: serde_json::Map<String, serde_json::Value> =
        scenario.fleets.iter().zip(&summary.costs.by_fleet).map(|(f, c)| (f.name.clone(), (*c).into())).collect();
    let availability = if summary.tasks_submitted == 0 {
        100.0
    } else {
        100.0 * (1.0 - failed as f64 / summary.tasks_submitted as f64)
    };
    serde_json::json!({
        "scenario": scenario.name,
        "seed": scenario.seed,
        "simulated_hours": scenario.duration.as_secs_f64() / 3600.0,
        "events": summary.events,
        "tasks": {
            "submitted": summary.tasks_submitted,
            "started": summary.tasks_started,
            "completed": summary.tasks_completed,
            "failed": failed,
            "failed_by_reason": by_reason,
        },
        "cost_usd": {
            "total": summary.costs.total(),
            "ec2": summary.costs.ec2(),
            "fargate": summary.costs.fargate,
            "by_fleet": by_fleet,
        },
        "cpu_reservation_avg_pct": summary.cpu_reservation_avg_pct,
        "memory_reservation_avg_pct": summary.memory_reservation_avg_pct,
        "availability_pct": availability,
        "results": out.display().to_string(),
    })
}

/// A plain-language account of what a scenario would run.
pub fn describe(scenario: &Scenario) -> String {
    let mut text = format!(
        "scenario `{}` is valid\n  simulate {} from seed {}, sampling every {}, region {}\n  cluster `{}` in {}\n",
        scenario.name,
        scenario.duration,
        scenario.seed,
        scenario.sample_interval,
        scenario.region,
        scenario.cluster_name,
        scenario.availability_zones.join(", ")
    );
    for fleet in &scenario.fleets {
        let types: Vec<&str> = fleet.instance_types.iter().map(|t| t.name.as_str()).collect();
        let per_hour: f64 = (0..fleet.count as usize)
            .map(|i| {
                fleet.instance_types[(i / fleet.availability_zones.len()) % fleet.instance_types.len()].price_per_hour
            })
            .sum::<f64>()
            * fleet.price_factor;
        text += &format!(
            "  fleet `{}`: {} x {} ({:?}) over {}, ${:.4}/h\n",
            fleet.name,
            fleet.count,
            types.join("/"),
            fleet.market,
            fleet.availability_zones.join(", "),
            per_hour
        );
    }
    for def in &scenario.task_definitions {
        text += &format!(
            "  task definition `{}`: {} CPU units, {} MiB reserved, {} network{}\n",
            def.name(),
            def.cpu,
            def.memory_mib,
            def.network_mode.as_str(),
            def.fargate_size.map_or(String::new(), |s| format!(", Fargate {}/{}", s.cpu, s.memory_mib))
        );
    }
    for workload in &scenario.workloads {
        let source = match &workload.source {
            WorkloadSource::Trace(path) => format!("trace {}", path.display()),
            WorkloadSource::ExternalTrace(spec) => format!("{} trace {}", spec.format.name(), spec.path.display()),
            WorkloadSource::Synthetic(_) => "synthetic arrivals".to_string(),
        };
        let policy = match workload.on_failure {
            FailurePolicy::Fail => "fail at once".to_string(),
            FailurePolicy::Wait { max_wait: Some(w) } => format!("wait up to {w}"),
            FailurePolicy::Wait { max_wait: None } => "wait".to_string(),
        };
        let strategy = if workload.launch_type == LaunchType::Fargate {
            "Fargate zone spread".to_string()
        } else {
            format!("{:?}", workload.strategy)
        };
        text += &format!(
            "  workload `{}`: {} on {}, placement {}, {} constraint(s), unplaceable tasks {}\n",
            workload.name,
            source,
            workload.launch_type.as_str(),
            strategy,
            workload.constraints.len(),
            policy
        );
    }
    for provider in &scenario.capacity_providers {
        text += &format!(
            "  capacity provider `{}`: fleet `{}`, {} to {} instances, managed scaling {}, termination protection {}\n",
            provider.name,
            scenario.fleets[provider.fleet].name,
            provider.min_size,
            provider.max_size,
            provider.managed_scaling.map_or("off".to_string(), |m| format!("target {}", m.target_capacity)),
            if provider.termination_protection { "on" } else { "off" }
        );
    }
    for service in &scenario.services {
        let launch = match &service.launch {
            ServiceLaunch::LaunchType(launch_type) => launch_type.as_str().to_string(),
            ServiceLaunch::Providers(shares) => shares
                .iter()
                .map(|s| {
                    format!("{} (base {}, weight {})", s.provider.name(&scenario.capacity_providers), s.base, s.weight)
                })
                .collect::<Vec<_>>()
                .join(" + "),
        };
        let count =
            if service.is_daemon() { "DAEMON".to_string() } else { format!("{} tasks", service.desired_count()) };
        text += &format!(
            "  service `{}`: {} of `{}` on {}, {}{}\n",
            service.def.name,
            count,
            scenario.task_definitions[service.task_definition].name(),
            launch,
            if service.demand.is_some() { "with a demand curve" } else { "no demand curve" },
            if service.auto_scaling.is_some() { ", auto scaling" } else { "" }
        );
    }
    let updates = scenario.service_updates.len();
    let faults = &scenario.faults;
    if updates > 0 {
        text += &format!("  {updates} timed service update(s)\n");
    }
    if faults.instance_mtbf.is_some()
        || faults.task_crash_rate > 0.0
        || faults.spot_interruption_rate > 0.0
        || faults.fargate_spot_interruption_rate > 0.0
        || !faults.az_outages.is_empty()
    {
        text += &format!(
            "  faults: instance MTBF {}, task crashes {}/h, Spot {}/instance-h (draining {}), FARGATE_SPOT {}/task-h, {} zone outage(s)\n",
            faults.instance_mtbf.map_or("none".to_string(), |m| m.to_string()),
            faults.task_crash_rate,
            faults.spot_interruption_rate,
            if faults.spot_draining { "on" } else { "off" },
            faults.fargate_spot_interruption_rate,
            faults.az_outages.len()
        );
    }
    text
}

/// Peak resident memory of this process (Linux), e.g. "23.4 MiB".
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}
