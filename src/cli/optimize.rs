//! `ecs-sim optimize`: search for the cheapest configuration that meets the
//! constraints of a scenario's `[optimize]` section.

use super::{interrupted, Format, Verbosity};
use crate::error::{Error, InputError};
use crate::interrupt::Signal;
use crate::optimize::search::Replay;
use crate::optimize::spec::SearchKind;
use crate::optimize::{self, OptimizeOptions, OptimizeOutcome, Problem};
use crate::output::files::fixed;
use crate::sweep::Shard;
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Args)]
pub(crate) struct OptimizeArgs {
    /// The scenario file (TOML) with an [optimize] section, e.g. scenarios/optimize-fleet.toml.
    pub(crate) scenario: PathBuf,
    /// Where to write results and keep the search's runs (cache/) [default: results/<scenario name>/].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Override the scenario's seed, the base every run's seed derives from.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker threads [default: all cores]. Outputs do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub(crate) threads: Option<u16>,
    /// Make only this shard's slice of the search's next round, into the shared `--out`
    /// folder's cache, and stop (`auto/COUNT` as for `run --shard`). Repeat the rounds until
    /// one reports the search complete, then run without `--shard` to write the outputs.
    #[arg(long, value_name = "INDEX/COUNT")]
    pub(crate) shard: Option<String>,
    /// Override the section's `search`: `grid` judges every option at full replications
    /// (the reference the structured search is held to).
    #[arg(long, value_enum)]
    pub(crate) search: Option<SearchArg>,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// `--search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SearchArg {
    /// Bisection, successive halving and paired pruning.
    Structured,
    /// Every option at full replications.
    Grid,
}

/// Runs the search (or one shard's round of it) and prints what it found.
pub(super) fn optimize(args: OptimizeArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let mut problem = optimize::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        problem.set_seed(seed);
    }
    if let Some(search) = args.search {
        problem.set_search(match search {
            SearchArg::Structured => SearchKind::Structured,
            SearchArg::Grid => SearchKind::Grid,
        });
    }
    let out = args.out.unwrap_or_else(|| Path::new("results").join(&problem.base.name));
    let quiet = verbosity == Verbosity::Quiet;
    let options =
        OptimizeOptions { threads: args.threads.map(usize::from), progress: !quiet && std::io::stderr().is_terminal() };
    let started = Instant::now();
    if let Some(text) = args.shard {
        let shard = Shard::parse(&text, |name| std::env::var(name).ok())
            .map_err(|why| InputError::new(&args.scenario, why).at("option `--shard`"))?;
        let round = match optimize::optimize_shard(&problem, shard, &out, &options) {
            Err(Error::Interrupted(signal)) => return Ok(search_interrupted(signal, &out)),
            round => round?,
        };
        let complete = round.round_runs == 0;
        match args.format {
            Format::Json => outln!(
                "{:#}",
                serde_json::json!({
                    "scenario": problem.base.name,
                    "shard": shard.index,
                    "shards": shard.count,
                    "complete": complete,
                    "round_runs": round.round_runs,
                    "made": round.made,
                    "cached": round.cached,
                    "results": out.display().to_string(),
                })
            ),
            Format::Text if quiet => {}
            Format::Text if complete => outln!(
                "{}: the search is complete ({} runs in {}); write its outputs with `ecs-sim optimize {} --out {}`",
                problem.base.name,
                round.cached,
                out.display(),
                args.scenario.display(),
                out.display()
            ),
            Format::Text => outln!(
                "{}: shard {shard} made {} of the round's {} runs in {:.3} s wall; run the next round when every shard is done",
                problem.base.name,
                round.made,
                round.round_runs,
                started.elapsed().as_secs_f64()
            ),
        }
        return Ok(0);
    }
    let outcome = match optimize::optimize(&problem, &out, &options) {
        Err(Error::Interrupted(signal)) => return Ok(search_interrupted(signal, &out)),
        outcome => outcome?,
    };
    let wall = started.elapsed().as_secs_f64();
    match args.format {
        Format::Json => outln!("{:#}", to_json(&problem, &outcome, &out)),
        Format::Text if !quiet => print_text(&problem, &outcome, &out, wall),
        Format::Text => {}
    }
    Ok(0)
}

/// Says what a search stopped by `signal` left in `out`: its outputs as they
/// were, and the runs of its finished rounds in `cache/` to go on from;
/// returns the exit code.
fn search_interrupted(signal: Signal, out: &Path) -> i32 {
    let outputs = if out.join("explored.csv").exists() {
        format!("the outputs in {} are left as they were", out.display())
    } else {
        format!("no outputs written to {}", out.display())
    };
    let cache = out.join("cache");
    let rounds = std::fs::read_dir(&cache).map_or(0, |entries| {
        entries.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "bin")).count()
    });
    if rounds == 0 {
        return interrupted(signal, &format!("{outputs}; no round had finished"));
    }
    interrupted(
        signal,
        &format!(
            "{outputs}; the runs of {rounds} finished round(s) are kept in {}, and the same command goes on from them",
            cache.display()
        ),
    )
}

fn to_json(problem: &Problem, outcome: &OptimizeOutcome, out: &Path) -> serde_json::Value {
    let best = outcome.search.best();
    serde_json::json!({
        "scenario": problem.base.name,
        "options": problem.spec.options(),
        "judged": outcome.search.judged.len(),
        "runs": outcome.runs_made,
        "grid_runs": problem.spec.grid_runs(),
        "budget_runs": problem.spec.budget_runs,
        "budget_exhausted": matches!(outcome.search.replay, Replay::Done { budget_exhausted: true }),
        "best": best.map(|b| problem.label(b.option)),
        "best_cost_usd": best.map(|b| serde_json::json!({ "mean": b.cost.mean, "ci95": b.cost.ci95 })),
        "results": out.display().to_string(),
    })
}

fn print_text(problem: &Problem, outcome: &OptimizeOutcome, out: &Path, wall: f64) {
    let spec = &problem.spec;
    outln!(
        "{}: {} option(s) of {} variable(s), {} judged with {} runs (the full grid is {} runs)",
        problem.base.name,
        spec.options(),
        spec.sweep.settings.len(),
        outcome.search.judged.len(),
        outcome.runs_made,
        spec.grid_runs()
    );
    match outcome.search.best() {
        Some(best) => outln!(
            "  best: {} at ${} ± {} mean cost over {} replication(s)",
            problem.label(best.option),
            fixed(best.cost.mean, 4),
            fixed(best.cost.ci95, 4),
            best.replications
        ),
        None => outln!("  no option meets every constraint under every condition"),
    }
    if matches!(outcome.search.replay, Replay::Done { budget_exhausted: true }) {
        outln!("  the run budget ({} runs) ran out before the search finished", spec.budget_runs);
    }
    outln!("  {} round(s) in {wall:.3} s wall on {} thread(s)", outcome.rounds, outcome.threads);
    outln!("  results in {}", out.display());
}
