//! The command line: `ecs-sim run` and `ecs-sim validate`.

use crate::error::Error;
use crate::scenario::{FailurePolicy, LaunchType, Scenario, WorkloadSource};
use crate::simulation::run_scenario;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Instant;

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

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write summary.csv, timeseries.csv and tasks.csv.
    Run {
        /// The scenario file (TOML), e.g. scenarios/quickstart.toml.
        scenario: PathBuf,
        /// Where to write results [default: results/<scenario name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed, to replay a run with other random draws.
        #[arg(long)]
        seed: Option<u64>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario and everything it refers to, and print what would run.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
}

/// Runs the command line; returns the process exit code (0 success, 1
/// failure while running or writing, 2 invalid input).
pub fn main() -> i32 {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(()) => 0,
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

fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Run { scenario, out, seed, quiet } => {
            let mut scenario = Scenario::load(&scenario)?;
            if let Some(seed) = seed {
                scenario.seed = seed;
            }
            let out = out.unwrap_or_else(|| Path::new("results").join(&scenario.name));
            let started = Instant::now();
            let summary = run_scenario(&scenario, &out)?;
            let wall = started.elapsed().as_secs_f64();
            if !quiet {
                println!("{}: {} simulated, seed {}", scenario.name, scenario.duration, scenario.seed);
                println!(
                    "  tasks: {} submitted, {} started, {} completed, {} failed",
                    summary.tasks_submitted,
                    summary.tasks_started,
                    summary.tasks_completed,
                    summary.tasks_failed.iter().sum::<u64>()
                );
                println!(
                    "  cost: ${:.2} (EC2 ${:.2}, Fargate ${:.2})",
                    summary.costs.total(),
                    summary.costs.ec2(),
                    summary.costs.fargate
                );
                println!(
                    "  reservation: CPU {:.1} %, memory {:.1} % (time-weighted)",
                    summary.cpu_reservation_avg_pct, summary.memory_reservation_avg_pct
                );
                println!(
                    "  {} events in {:.3} s wall ({:.0} events/s), peak memory {}",
                    summary.events,
                    wall,
                    summary.events as f64 / wall.max(1e-9),
                    peak_memory().unwrap_or_else(|| "unknown".into())
                );
                println!("  results in {}", out.display());
            }
            Ok(())
        }
        Command::Validate { scenario } => {
            let scenario = Scenario::load(&scenario)?;
            print!("{}", describe(&scenario));
            Ok(())
        }
    }
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
    text
}

/// Peak resident memory of this process (Linux), e.g. "23.4 MiB".
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}
