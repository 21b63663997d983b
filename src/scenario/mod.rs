//! Scenarios: a TOML file read once into raw structures ([`raw`]), then
//! validated into the typed [`Scenario`] the simulator runs. All checking
//! happens here, so the rest of the crate can trust its input.
//!
//! Each part of a scenario has a module holding its validated types and the
//! validation that builds them: [`fleet_spec`], [`workload_spec`],
//! [`service_spec`] (services, events, faults), [`scaling_spec`] (capacity
//! providers and service auto scaling), [`taskdef`] and [`service`] (ECS's
//! own JSON shapes). The shared validator and the assembly of a whole
//! scenario are in `validate`.

pub mod budget;
mod commitments_spec;
pub mod dist;
pub mod fleet_spec;
mod placement_spec;
mod prices_spec;
pub mod raw;
pub mod running_spec;
pub mod scaling_spec;
pub mod service;
pub mod service_spec;
pub mod tags;
pub mod taskdef;
mod validate;
pub mod workload_spec;

use crate::catalog::fargate::FargatePricing;
use crate::digest::sha256_hex;
use crate::engine::SimDuration;
use crate::error::{suggest_for_unknown, InputError};
use crate::model::ProviderShare;
use crate::traces::ColumnMapping;
use dist::Dist;
use fleet_spec::FleetSpec;
use raw::RawScenario;
use scaling_spec::CapacityProviderSpec;
use service_spec::{FaultSpec, ServiceSpec, ServiceUpdate, TaskStartModel};
use std::path::{Path, PathBuf};
use taskdef::TaskDef;
use validate::{find_task_definition, Validator};
use workload_spec::{WorkloadSource, WorkloadSpec};

/// Fargate prices and behaviour.
#[derive(Debug, Clone)]
pub struct FargateSpec {
    /// Per vCPU-hour and GB-hour prices.
    pub pricing: FargatePricing,
    /// Image pull and start on Fargate: PENDING to RUNNING (after the ENI
    /// attachment of `[timing]`).
    pub launch_latency: Dist,
    /// FARGATE_SPOT price as a fraction of On-Demand.
    pub spot_price_factor: f64,
}

/// How long each step of an EC2 task's life takes.
#[derive(Debug, Clone)]
pub struct TimingSpec {
    /// Image pull and container start: PENDING to RUNNING.
    pub ec2_task_start: Dist,
    /// ENI attachment for awsvpc tasks (EC2 and Fargate): the PROVISIONING step.
    pub awsvpc_eni_attach: Dist,
    /// STOPPING to STOPPED, after the essential container exits (EC2 and Fargate).
    pub task_stop: Dist,
}

/// An availability objective (`[slo]`): served share at least `target_pct`
/// over every `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// The objective, percent (e.g. 99.9).
    pub target_pct: f64,
    /// The window the error budget is counted over (default: the run).
    pub window: SimDuration,
}

/// Which files each run of a sweep writes under `runs/` (`[output] runs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunFiles {
    /// None: the sweep's tables only.
    None,
    /// `summary.csv` and `services.csv` (the default).
    #[default]
    Summary,
    /// Everything a single run writes.
    Full,
}

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name (default: the file's stem).
    pub name: String,
    /// Free text.
    pub description: String,
    /// The scenario file.
    pub path: PathBuf,
    /// Simulated time span.
    pub duration: SimDuration,
    /// Run seed.
    pub seed: u64,
    /// Time-series sampling interval.
    pub sample_interval: SimDuration,
    /// How long after a change the service scheduler looks at a service
    /// (undocumented in ECS; changes within it are handled together).
    pub service_scheduler_delay: SimDuration,
    /// AWS region (prices are us-east-1 unless the catalog is overridden).
    pub region: String,
    /// Cluster name.
    pub cluster_name: String,
    /// The cluster's availability zones.
    pub availability_zones: Vec<String>,
    /// Whether the awsvpcTrunking account setting is on.
    pub awsvpc_trunking: bool,
    /// Agent version instances report.
    pub agent_version: String,
    /// EC2 groups.
    pub fleets: Vec<FleetSpec>,
    /// Fargate settings.
    pub fargate: FargateSpec,
    /// Task timings.
    pub timing: TimingSpec,
    /// Task definitions; workloads refer to them by index.
    pub task_definitions: Vec<TaskDef>,
    /// Workloads.
    pub workloads: Vec<WorkloadSpec>,
    /// The task-start model of each task definition (same indices).
    pub task_start: Vec<TaskStartModel>,
    /// Auto Scaling group capacity providers.
    pub capacity_providers: Vec<CapacityProviderSpec>,
    /// The cluster's default capacity provider strategy.
    pub default_capacity_provider_strategy: Vec<ProviderShare>,
    /// Services.
    pub services: Vec<ServiceSpec>,
    /// Timed service updates, in time order.
    pub service_updates: Vec<ServiceUpdate>,
    /// Tasks already running when the run starts (`[[running_task]]`).
    pub running_tasks: Vec<running_spec::RunningTaskSpec>,
    /// Injected faults.
    pub faults: FaultSpec,
    /// The availability objective, if the scenario states one.
    pub slo: Option<Slo>,
    /// Savings Plans and Reserved Instances (`[commitments]`), if any.
    pub commitments: Option<crate::commitments::Commitments>,
    /// Which per-run files a sweep writes.
    pub run_files: RunFiles,
    /// Whether to write `tasks.csv`.
    pub write_tasks_csv: bool,
    /// Whether to write `events.csv`.
    pub write_events_csv: bool,
    /// Whether ECS's default quotas may be exceeded (`[simulation]
    /// allow_beyond_quotas`, see [`budget`]).
    pub allow_beyond_quotas: bool,
    /// The most events a run may take (`--max-events`, default
    /// [`budget::DEFAULT_MAX_EVENTS`]): the run stops with an input error
    /// beyond it, and [`budget::check`] refuses a larger estimate.
    pub max_events: u64,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, InputError> {
        Scenario::from_toml(&read_text(path)?, path)
    }

    /// Validates scenario text; `path` names it in errors and anchors relative paths.
    pub fn from_toml(text: &str, path: &Path) -> Result<Scenario, InputError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        Validator { path, base: path.parent().unwrap_or(Path::new(".")), text }.scenario(raw)
    }

    /// Validates a scenario already parsed into a TOML value (a sweep variant);
    /// `path` names it in errors and anchors relative paths.
    pub fn from_toml_value(value: toml::Value, path: &Path) -> Result<Scenario, InputError> {
        // A value has no text, so the error carries no line.
        let raw: RawScenario = value.try_into().map_err(|e| toml_error(path, "", &e))?;
        Validator { path, base: path.parent().unwrap_or(Path::new(".")), text: "" }.scenario(raw)
    }

    /// Makes bad rows fatal in every trace read through [`crate::traces`]
    /// (the `--strict` flag).
    pub fn make_traces_strict(&mut self) {
        for workload in &mut self.workloads {
            if let WorkloadSource::ExternalTrace(spec) = &mut workload.source {
                spec.strict = true;
            }
        }
    }

    /// Looks up a task definition by `family` (latest revision) or `family:revision`.
    pub fn task_definition_index(&self, name: &str) -> Option<usize> {
        find_task_definition(&self.task_definitions, name)
    }
}

/// A generic trace's column mapping written on the command line: the keys of
/// `[workload.trace_columns]` as the inside of a TOML inline table, e.g.
/// `time = "start", duration = "run_s", cpu = "cores", cpu_scale = 1024`.
/// `option` (the flag, `--columns`) names it in errors.
pub fn column_mapping_from_inline(text: &str, option: &str) -> Result<ColumnMapping, InputError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inline {
        trace_columns: raw::RawTraceColumns,
    }
    let example = "e.g. --columns 'time = \"submit_s\", duration = \"run_s\", cpu = \"cores\", cpu_scale = 1024'";
    let prefix = "trace_columns = { ";
    let inline: Inline = toml::from_str(&format!("{prefix}{text} }}")).map_err(|e| {
        let mut err = toml_error(Path::new(option), "", &e);
        err.location = e.span().map(|span| format!("character {}", span.start.saturating_sub(prefix.len()) + 1));
        if err.help.is_none() {
            err = err.help(format!("write the keys of [workload.trace_columns] (docs/traces.md), {example}"));
        }
        err
    })?;
    Validator { path: Path::new(option), base: Path::new("."), text: "" }
        .columns("trace_columns", &inline.trace_columns)
}

/// Reads a scenario file's text.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    if let Some(why) = crate::error::not_a_file(path) {
        return Err(InputError::new(path, format!("cannot read the scenario: {why}"))
            .help("check the path; scenarios are TOML files such as scenarios/quickstart.toml"));
    }
    std::fs::read_to_string(path).map_err(|e| {
        InputError::new(path, format!("cannot read the scenario: {e}"))
            .help("check the path; scenarios are TOML files such as scenarios/quickstart.toml")
    })
}

/// The file references of a scenario's TOML, as written:
/// `cluster.instance_catalog` and `cluster.prices`, each `task_definition`
/// and `service` `file`, each service's `demand.file`, each workload's
/// `trace`, each fleet's `spot_price_history`.
fn file_references(scenario: &mut toml::Table) -> Vec<&mut String> {
    let mut found = Vec::new();
    for (section, value) in scenario.iter_mut() {
        match (section.as_str(), value) {
            ("cluster", toml::Value::Table(cluster)) => {
                for (key, value) in cluster.iter_mut() {
                    match (key.as_str(), value) {
                        ("instance_catalog" | "prices", toml::Value::String(path)) => found.push(path),
                        ("prices", toml::Value::Array(paths)) => {
                            found.extend(paths.iter_mut().filter_map(|p| match p {
                                toml::Value::String(path) => Some(path),
                                _ => None,
                            }))
                        }
                        _ => {}
                    }
                }
            }
            ("fleet", toml::Value::Array(fleets)) => {
                for fleet in fleets.iter_mut().filter_map(toml::Value::as_table_mut) {
                    if let Some(toml::Value::String(path)) = fleet.get_mut("spot_price_history") {
                        found.push(path);
                    }
                }
            }
            (array @ ("task_definition" | "service" | "workload"), toml::Value::Array(items)) => {
                let file_key = if array == "workload" { "trace" } else { "file" };
                for item in items.iter_mut().filter_map(toml::Value::as_table_mut) {
                    for (key, value) in item.iter_mut() {
                        match (key.as_str(), value) {
                            (key, toml::Value::String(path)) if key == file_key => found.push(path),
                            ("demand", toml::Value::Table(demand)) if array == "service" => {
                                if let Some(toml::Value::String(path)) = demand.get_mut("file") {
                                    found.push(path);
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Makes the relative file references of a scenario's TOML absolute, from
/// `base` (the folder they were relative to), so the scenario can be written
/// and run elsewhere.
pub fn anchor_file_references(scenario: &mut toml::Table, base: &Path) {
    for path in file_references(scenario) {
        if Path::new(path.as_str()).is_relative() {
            *path = base.join(path.as_str()).to_string_lossy().into_owned();
        }
    }
}

/// The files a scenario's TOML names, each as written and as read (from
/// `base`, its folder, where relative), sorted and without repeats.
pub fn data_files(scenario: &toml::Table, base: &Path) -> Vec<(String, PathBuf)> {
    let mut scenario = scenario.clone();
    let mut names: Vec<String> = file_references(&mut scenario).into_iter().map(|p| p.clone()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let path = base.join(&name);
            (name, path)
        })
        .collect()
}

/// SHA-256 over `files` (from [`data_files`]): each name with the digest of
/// its contents, so that two copies of a scenario whose traces differ tell
/// apart. A file that cannot be read counts by its name alone.
pub fn data_files_sha256(files: &[(String, PathBuf)]) -> String {
    let mut listing = String::new();
    for (name, path) in files {
        let digest = std::fs::read(path).map(|bytes| sha256_hex(&bytes));
        listing.push_str(&format!("{name} {}\n", digest.unwrap_or_else(|_| "unreadable".into())));
    }
    sha256_hex(listing.as_bytes())
}

/// Turns a TOML syntax or shape error into an [`InputError`], with its line
/// when `text` (the parsed text) is given, and a suggestion for unknown keys.
pub fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> InputError {
    let message = match err.message().trim() {
        "" => "the file ends in the middle of a value; complete it, e.g. `key = \"value\"`".to_string(),
        text => text.to_string(),
    };
    let mut out = InputError::new(path, message);
    if let Some(span) = err.span() {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.len() - line_start + 1;
        // A bad value (not a bad key): name the key it is given to, `count = 4e9`.
        let key = before[line_start..]
            .rsplit_once('=')
            .map(|(key, _)| key.rsplit(['{', ',']).next().unwrap_or(key).trim())
            .filter(|key| !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "_-.\"".contains(c)));
        out = out.at(match key {
            Some(key) => format!("line {line}, column {column}, key `{key}`"),
            None => format!("line {line}, column {column}"),
        });
    }
    if let Some(suggestion) = suggest_for_unknown(err.message()) {
        out = out.help(suggestion);
    }
    out
}
