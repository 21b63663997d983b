//! `ecs-sim import`: a scenario that starts in a live cluster's state, from
//! the JSON the AWS CLI prints (`describe-clusters`,
//! `describe-container-instances`, `describe-tasks`, `describe-services`,
//! `describe-task-definition`, `describe-capacity-providers`,
//! `autoscaling describe-auto-scaling-groups`).
//!
//! The flow is one way: [`dump`] reads and sorts the files, `build` turns
//! them into the cluster they describe and notes what it had to assume,
//! `render` writes that as a scenario folder. The folder is written
//! complete or not at all, and only once the scenario it holds loads.

mod build;
mod dump;
mod render;

use crate::error::{Error, InputError};
use crate::output::folder::Staging;
use crate::scenario::Scenario;
use std::path::Path;

/// What an import made, for the command's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The cluster's name.
    pub cluster: String,
    /// Instances listed.
    pub instances: usize,
    /// Running tasks adopted.
    pub tasks: u64,
    /// Services.
    pub services: usize,
    /// Capacity providers (Auto Scaling groups).
    pub capacity_providers: usize,
    /// What the dump did not say, and what was assumed or left out.
    pub notes: Vec<String>,
}

/// Imports the dump in `dump_folder` into the scenario folder `out`
/// (`out/scenario.toml` and the files it names). `cluster` picks one
/// cluster of a dump describing several; `command` is recorded in the
/// scenario's header.
pub fn import(dump_folder: &Path, out: &Path, cluster: Option<&str>, command: &str) -> Result<ImportSummary, Error> {
    let dump = dump::Dump::read(dump_folder)?;
    let imported = build::build(&dump, cluster).map_err(|message| {
        InputError::new(dump_folder, message).help("see docs/aws-data.md for the files an import reads")
    })?;
    let files = render::render(&imported, command, &dump.files);
    let (staging, _) = Staging::begin(out, false, false)?;
    for file in &files {
        let path = staging.path().join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Output { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, &file.contents).map_err(|source| Error::Output { path: path.clone(), source })?;
    }
    // The folder is only put in place once its scenario loads.
    if let Err(err) = Scenario::load(&staging.path().join("scenario.toml")) {
        let message = format!("the imported scenario does not load: {err}");
        drop(staging);
        return Err(InputError::new(dump_folder, message)
            .help("a file of the dump may contradict another; the message names the field")
            .into());
    }
    staging.commit()?;
    Ok(ImportSummary {
        cluster: imported.cluster_name,
        instances: imported.fleets.iter().map(|f| f.instances.len()).sum(),
        tasks: imported.running.iter().map(|r| r.count).sum(),
        services: imported.services.len(),
        capacity_providers: imported.providers.len(),
        notes: imported.notes,
    })
}
