//! The command line: the parser, one module per subcommand (`run`,
//! `merge`, `optimize`, `check`, `validate`, `trace stats`; `completions` and `schema` are a few
//! lines here), the global `-v`/`-q` flags, and the exit codes.

use crate::error::{Error, InputError};
use crate::interrupt::{self, Signal};
use crate::scenario::budget::{
    self, Budget, WorkEstimate, DEFAULT_MAX_EVENTS, DEFAULT_MAX_MEMORY_GIB, DEFAULT_MAX_OUTPUT_GIB,
};
use crate::schema::scenario_schema;
use crate::sweep::Loaded;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::Path;

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

// The subcommands come after the macros, which they use.
mod check;
mod import;
mod merge;
mod optimize;
mod run;
mod trace;
mod validate;

use check::CheckArgs;
use merge::MergeArgs;
use optimize::OptimizeArgs;
use run::RunArgs;
use trace::StatsArgs;
use validate::ValidateArgs;

/// Writes to stdout; exits with status 0 if the reader has gone away.
pub(crate) fn write_stdout(text: std::fmt::Arguments<'_>) {
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
pub(crate) struct Cli {
    /// Print more: the whole summary of a run, one line per run of a sweep.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub(crate) verbose: bool,
    /// Print nothing but errors (and what was asked for: `--format json`,
    /// `schema`, `completions`; `check` still lists its regressions).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// How much a command prints besides its errors (`-q`, default, `-v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// Errors, and output asked for by name.
    Quiet,
    /// The usual report.
    Normal,
    /// The usual report with more detail.
    Verbose,
}

/// How `run` and `check` print their results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum Format {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a scenario and write summary.csv, timeseries.csv and, unless
    /// [output] turns them off, tasks.csv and events.csv (with services, also
    /// their CSVs and services.png); a
    /// scenario with a [sweep] section runs every variant and replication and
    /// also writes variants.csv, runs.csv, charts and report.md.
    Run(RunArgs),
    /// Search for the cheapest configuration that meets the constraints of
    /// the scenario's [optimize] section; writes explored.csv, frontier.csv,
    /// runs.csv, best.toml and the report.
    Optimize(OptimizeArgs),
    /// Combine the shard folders of a sweep run with `run --shard` into the
    /// outputs a one-machine run writes, byte for byte.
    Merge(MergeArgs),
    /// Rerun a sweep and compare it with a baseline variants.csv; exit 1 if a
    /// variant got dearer or less available than the tolerances allow.
    Check(CheckArgs),
    /// Check a scenario and everything it refers to, and print what would run.
    Validate(ValidateArgs),
    /// Write a scenario that starts in a live cluster's state, from the JSON
    /// the AWS CLI's describe commands printed.
    Import(import::ImportArgs),
    /// Look at a workload trace before running it.
    Trace {
        /// What to do with the trace.
        #[command(subcommand)]
        command: TraceCommand,
    },
    /// Print a shell completion script, e.g. `ecs-sim completions bash > ~/.local/share/bash-completion/completions/ecs-sim`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a JSON Schema (draft-07) of the scenario TOML format, for editor
    /// completion and checking (e.g. Taplo / Even Better TOML).
    Schema,
}

/// `ecs-sim trace` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum TraceCommand {
    /// Print a trace's size, time span, arrival rate, resource requests and total demand.
    Stats(StatsArgs),
}

/// Trace formats `ecs-sim trace stats` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TraceFileFormat {
    /// Alibaba cluster-trace-v2018 batch tasks.
    Alibaba2018,
    /// Alibaba cluster-trace-v2017 batch tasks.
    Alibaba2017,
    /// Google cluster-data 2011 task_events.
    Google2011,
    /// Azure Public Dataset V1 vmtable (also spelt `azure_vmtable`, as in a scenario).
    #[value(name = "azure-vmtable", alias = "azure_vmtable")]
    AzureVmtable,
    /// Any CSV, its columns named by `--columns`.
    Generic,
    /// ecs-sim's own trace CSV (docs/scenario.md §15).
    Native,
}

/// Runs the command line; returns the process exit code (0 success, 1
/// failure while running or writing, or a regression found by `check`, 2
/// invalid input).
pub fn main() -> i32 {
    let cli = Cli::parse();
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    };
    // The commands that poll for a signal stop cleanly on one; the others
    // keep the default action, which ends them at once.
    if matches!(cli.command, Command::Run(_) | Command::Merge(_) | Command::Optimize(_) | Command::Check(_)) {
        if let Err(err) = interrupt::install() {
            eprintln!("warning: cannot catch SIGINT and SIGTERM ({err}); a signal will end the run at once");
        }
    }
    let result = match cli.command {
        Command::Run(args) => run::run(args, verbosity),
        Command::Merge(args) => merge::merge(args, verbosity),
        Command::Optimize(args) => optimize::optimize(args, verbosity),
        Command::Check(args) => check::check(args, verbosity),
        Command::Validate(args) => validate::validate(args, verbosity),
        Command::Import(args) => import::run(args, verbosity),
        Command::Trace { command: TraceCommand::Stats(args) } => trace::stats(args, verbosity),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ecs-sim", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            Ok(0)
        }
        Command::Schema => {
            outln!("{:#}", scenario_schema());
            Ok(0)
        }
    };
    match result {
        Ok(code) => code,
        Err(Error::Interrupted(signal)) => interrupted(signal, "stopped before it finished"),
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

/// Says on stderr, in one line, that `signal` stopped the command and what
/// it `left`; returns the signal's exit code (130 or 143).
pub(crate) fn interrupted(signal: Signal, left: &str) -> i32 {
    eprintln!("interrupted by {}: {left}", signal.name());
    signal.exit_code()
}

/// What a command stopped by a signal left of its results folder `out`.
pub(crate) fn left_as_it_was(out: &Path) -> String {
    if out.exists() {
        format!("{} left as it was", out.display())
    } else {
        format!("nothing written ({} not created)", out.display())
    }
}

/// `--max-events`, `--max-output-gib`, `--max-memory-gib`: the work budget
/// of one run (`run`, `validate`, `check`).
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct BudgetArgs {
    /// The most events one run may take: a scenario whose estimate is larger
    /// is refused before it runs, and a run that gets there stops (exit 2).
    /// Raise it for a run that is meant to be this large.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_events: u64,
    /// The most output one run may write, GiB: a scenario whose estimate is
    /// larger is refused before it runs (exit 2).
    #[arg(long, value_name = "GIB", default_value_t = DEFAULT_MAX_OUTPUT_GIB, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_output_gib: u64,
    /// The most memory one run may need, GiB: a scenario whose estimate is
    /// larger is refused before it runs (exit 2).
    #[arg(long, value_name = "GIB", default_value_t = DEFAULT_MAX_MEMORY_GIB, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_memory_gib: u64,
}

impl BudgetArgs {
    /// The budget the flags give.
    pub(crate) fn budget(self) -> Budget {
        Budget { events: self.max_events, output_gib: self.max_output_gib, memory_gib: self.max_memory_gib }
    }
}

/// Sets the budget on every scenario that will run and refuses one whose
/// estimated work exceeds it; returns the estimate of the base scenario.
pub(crate) fn limit_work(loaded: &mut Loaded, args: BudgetArgs) -> Result<WorkEstimate, InputError> {
    let budget = args.budget();
    match loaded {
        Loaded::Single(scenario) => {
            scenario.max_events = args.max_events;
            budget::check(scenario, &budget)
        }
        Loaded::Sweep(sweep) => {
            sweep.base.max_events = args.max_events;
            for scenario in sweep.variants.iter_mut().flat_map(|v| &mut v.scenarios) {
                scenario.max_events = args.max_events;
                budget::check(scenario, &budget)?;
            }
            budget::check(&sweep.base, &budget)
        }
    }
}

/// Peak resident memory of this process (Linux), e.g. "23.4 MiB".
pub(super) fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}
