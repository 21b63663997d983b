//! `ecs-sim import`: write a scenario that starts in a live cluster's state.

use super::Verbosity;
use crate::error::Error;
use crate::import::import;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The folder of JSON files the AWS CLI printed (describe-clusters,
    /// describe-container-instances, describe-tasks, describe-services,
    /// describe-task-definition, describe-capacity-providers,
    /// autoscaling describe-auto-scaling-groups).
    pub(crate) dump: PathBuf,
    /// The scenario folder to write (scenario.toml and the files it names).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// The cluster to import when the dump describes several.
    #[arg(long)]
    pub(crate) cluster: Option<String>,
}

/// Imports the dump and says what it made and assumed.
pub(super) fn run(args: ImportArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let mut command = format!("ecs-sim import {} --out {}", args.dump.display(), args.out.display());
    if let Some(cluster) = &args.cluster {
        command.push_str(&format!(" --cluster {cluster}"));
    }
    let summary = import(&args.dump, &args.out, args.cluster.as_deref(), &command)?;
    if verbosity != Verbosity::Quiet {
        outln!(
            "imported cluster {}: {} instances, {} running tasks, {} services, {} capacity providers",
            summary.cluster,
            summary.instances,
            summary.tasks,
            summary.services,
            summary.capacity_providers
        );
        if !summary.notes.is_empty() {
            outln!("  assumed or left out ({}, also in scenario.toml):", summary.notes.len());
            for note in &summary.notes {
                outln!("  - {note}");
            }
        }
        outln!("  scenario: {}", args.out.join("scenario.toml").display());
    }
    Ok(0)
}
