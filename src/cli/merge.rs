//! `ecs-sim merge`: the shard folders of a sweep into its outputs.

use super::run::print_sweep;
use super::{interrupted, left_as_it_was, Format, Verbosity};
use crate::error::Error;
use crate::sweep;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The shard folders, each written by `ecs-sim run SCENARIO --shard INDEX/COUNT --out FOLDER`.
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub(crate) shards: Vec<PathBuf>,
    /// Where to write the sweep's outputs.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// The scenario file the shards ran [default: the path their manifests record].
    #[arg(long)]
    pub(crate) scenario: Option<PathBuf>,
    /// Worker threads for the charts [default: all cores]. Outputs do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub(crate) threads: Option<u16>,
    /// How to print the comparison.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// Checks the shards, writes the sweep's outputs and prints its comparison.
pub(super) fn merge(args: MergeArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let started = Instant::now();
    let threads = args.threads.map(usize::from);
    let staging = super::run::begin_results(&args.out, false, false, verbosity == Verbosity::Quiet)?;
    let merged = sweep::merge(&args.shards, args.scenario.as_deref(), staging.path(), threads).and_then(|merged| {
        crate::interrupt::check()?;
        Ok(merged)
    });
    let (sweep, outcome) = match merged {
        Ok(merged) => merged,
        Err(Error::Interrupted(signal)) => {
            drop(staging);
            return Ok(interrupted(signal, &left_as_it_was(&args.out)));
        }
        Err(err) => return Err(err),
    };
    staging.commit()?;
    let wall = started.elapsed().as_secs_f64();
    print_sweep(&sweep, &outcome, &args.out, wall, args.format, verbosity);
    Ok(0)
}
