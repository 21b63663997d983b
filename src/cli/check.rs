//! `ecs-sim check`: rerun a sweep and compare it with a committed baseline.

use super::run::run_lines;
use super::{limit_work, BudgetArgs, Format, Verbosity};
use crate::check::{compare, read_baseline, table, to_json, Tolerances};
use crate::error::{Error, InputError};
use crate::sweep::{self, Loaded, SweepOptions};
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The scenario file (TOML) with a [sweep] section.
    pub(crate) scenario: PathBuf,
    /// The variants.csv to compare with, e.g. results/strategy-shootout/variants.csv.
    #[arg(long)]
    pub(crate) baseline: PathBuf,
    /// Allowed rise in mean cost, percent [default: the sweep's cost_tolerance_pct, else 2].
    #[arg(long, value_name = "PCT")]
    pub(crate) cost_tolerance_pct: Option<f64>,
    /// Allowed fall in mean availability, percentage points [default: the
    /// sweep's availability_tolerance_points, else 0.1].
    #[arg(long, value_name = "POINTS")]
    pub(crate) availability_tolerance_points: Option<f64>,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub(crate) threads: Option<u16>,
    /// Keep the rerun's outputs here [default: a temporary folder, removed afterwards].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// How to print the verdict.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) budget: BudgetArgs,
}

/// Reruns the sweep and prints its comparison with the baseline; 1 on a regression.
pub(super) fn check(args: CheckArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let CheckArgs {
        scenario: path,
        baseline,
        cost_tolerance_pct,
        availability_tolerance_points,
        threads,
        out,
        format,
        budget,
    } = args;
    let quiet = verbosity == Verbosity::Quiet;
    let mut loaded = sweep::load(&path)?;
    limit_work(&mut loaded, budget)?;
    let Loaded::Sweep(sweep) = loaded else {
        return Err(InputError::new(&path, "`check` compares sweep variants, but the scenario has no [sweep] section")
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
        shard: None,
        resume: false,
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
    if format == Format::Json {
        let mut json = to_json(&comparisons, tolerances);
        json["scenario"] = sweep.base.name.clone().into();
        json["baseline"] = baseline.display().to_string().into();
        json["runs"] = outcome.runs.len().into();
        outln!("{json:#}");
    } else if !quiet || regressions > 0 {
        outln!(
            "check {} against {}: {} runs in {:.3} s on {} thread(s)",
            sweep.base.name,
            baseline.display(),
            outcome.runs.len(),
            started.elapsed().as_secs_f64(),
            outcome.threads
        );
        if verbosity == Verbosity::Verbose {
            out!("{}", run_lines(&sweep, &outcome));
        }
        // --quiet shows only the rows that got worse.
        let shown: Vec<_> = comparisons.into_iter().filter(|c| !quiet || c.verdict.is_regression()).collect();
        out!("{}", table(&shown, tolerances));
    }
    Ok(if regressions > 0 { 1 } else { 0 })
}
