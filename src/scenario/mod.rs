//! Scenarios: a TOML file read once into raw structures ([`raw`]), then
//! validated into the typed [`Scenario`] the simulator runs. All checking
//! happens here, so the rest of the crate can trust its input.

pub mod dist;
pub mod raw;
pub mod scaling_spec;
pub mod service;
pub mod service_spec;
pub mod taskdef;

use crate::catalog::{Catalog, FargatePricing, InstanceType};
use crate::engine::{parse_duration, SimDuration};
use crate::error::{best_match, suggest_for_unknown, InputError};
use crate::model::{LaunchType, Market, ProviderShare, MAX_CONSTRAINTS};
use crate::placement::query::Expression;
use crate::placement::{BinpackField, Constraint, Strategy};
use crate::traces::{ColumnMapping, TimeUnit, TraceFormat, UnitMapping, DEFAULT_REORDER_WINDOW};
use dist::{Dist, RawDist, Unit};
use raw::{RawPlacementConstraint, RawPlacementStrategy, RawScenario, RawSynthetic, RawWorkload};
use scaling_spec::CapacityProviderSpec;
use service_spec::{FaultSpec, ServiceSpec, ServiceUpdate, TaskStartModel};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use taskdef::TaskDef;

/// A validated EC2 instance group.
#[derive(Debug, Clone)]
pub struct FleetSpec {
    /// Its name, used in reports.
    pub name: String,
    /// The instance types, assigned in turn.
    pub instance_types: Vec<InstanceType>,
    /// How many instances.
    pub count: u32,
    /// Availability zones; instances are spread evenly over them.
    pub availability_zones: Vec<String>,
    /// Purchase option.
    pub market: Market,
    /// Multiplier on the On-Demand price (1 for On-Demand).
    pub price_factor: f64,
    /// Custom attributes every instance of the group carries.
    pub attributes: BTreeMap<String, String>,
}

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

/// What happens to a RunTask call that no instance can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// The call fails at once with ECS's reason (what RunTask does).
    Fail,
    /// The task waits and is retried whenever capacity frees, as a client
    /// retry loop or batch queue would; it fails after `max_wait`, if set.
    Wait {
        /// Give up after this long.
        max_wait: Option<SimDuration>,
    },
}

/// How submissions arrive in a synthetic workload.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrivalProcess {
    /// Exponential gaps with the given mean.
    Poisson {
        /// Mean gap.
        mean_gap_ms: f64,
    },
    /// A fixed gap.
    Fixed {
        /// The gap.
        interval: SimDuration,
    },
}

/// A validated synthetic workload generator.
#[derive(Debug, Clone)]
pub struct SyntheticSpec {
    /// Arrival process.
    pub arrival: ArrivalProcess,
    /// Tasks per submission (RunTask `count`).
    pub tasks_per_arrival: u32,
    /// First arrival no earlier than this.
    pub start: SimDuration,
    /// No arrival after this.
    pub stop: Option<SimDuration>,
    /// Stop after this many tasks.
    pub max_tasks: Option<u64>,
    /// How long each task runs once RUNNING.
    pub run_duration: Dist,
    /// CPU units per task, overriding the task definition.
    pub cpu: Option<Dist>,
    /// MiB per task, overriding the task definition.
    pub memory: Option<Dist>,
}

/// How to read a public or custom trace format.
#[derive(Debug, Clone)]
pub struct TraceSpec {
    /// The file (`.gz` is read directly).
    pub path: PathBuf,
    /// Its format.
    pub format: TraceFormat,
    /// What a whole trace machine is, for normalised requests.
    pub units: UnitMapping,
    /// Multiplier on every time and duration (0.5 replays twice as fast).
    pub time_scale: f64,
    /// Bad rows are fatal (otherwise skipped and counted).
    pub strict: bool,
    /// How far back in time a row may be and still be reordered.
    pub reorder_window: SimDuration,
}

/// Where a workload's submissions come from.
#[derive(Debug, Clone)]
pub enum WorkloadSource {
    /// A native ecs-sim CSV trace.
    Trace(PathBuf),
    /// A public or custom trace format, read through [`crate::traces`].
    ExternalTrace(TraceSpec),
    /// Generated in the run.
    Synthetic(SyntheticSpec),
}

/// A validated workload: a RunTask template and a source of submissions.
#[derive(Debug, Clone)]
pub struct WorkloadSpec {
    /// Its name, used in reports.
    pub name: String,
    /// Submissions.
    pub source: WorkloadSource,
    /// EC2 or Fargate.
    pub launch_type: LaunchType,
    /// Task definition used when a submission names none (index into
    /// [`Scenario::task_definitions`]).
    pub task_definition: Option<usize>,
    /// Placement strategy chain (RunTask default: random).
    pub strategy: Vec<Strategy>,
    /// Run-time placement constraints.
    pub constraints: Vec<Constraint>,
    /// Task group; default `family:<family>`.
    pub group: Option<String>,
    /// RunTask `count` per trace row when the row gives none.
    pub default_count: u32,
    /// What happens when a task cannot be placed.
    pub on_failure: FailurePolicy,
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
    /// Injected faults.
    pub faults: FaultSpec,
    /// Whether to write `tasks.csv`.
    pub write_tasks_csv: bool,
    /// Whether to write `events.csv`.
    pub write_events_csv: bool,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, InputError> {
        Scenario::from_toml(&read_text(path)?, path)
    }

    /// Validates scenario text; `path` names it in errors and anchors relative paths.
    pub fn from_toml(text: &str, path: &Path) -> Result<Scenario, InputError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        Validator { path, base: path.parent().unwrap_or(Path::new(".")) }.scenario(raw)
    }

    /// Validates a scenario already parsed into a TOML value (a sweep variant);
    /// `path` names it in errors and anchors relative paths.
    pub fn from_toml_value(value: toml::Value, path: &Path) -> Result<Scenario, InputError> {
        // A value has no text, so the error carries no line.
        let raw: RawScenario = value.try_into().map_err(|e| toml_error(path, "", &e))?;
        Validator { path, base: path.parent().unwrap_or(Path::new(".")) }.scenario(raw)
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

fn find_task_definition(defs: &[TaskDef], name: &str) -> Option<usize> {
    let name = name.rsplit('/').next().unwrap_or(name); // accept ARNs
    defs.iter()
        .enumerate()
        .filter(|(_, d)| d.name() == name || d.family == name)
        .max_by_key(|(_, d)| (d.name() == name, d.revision))
        .map(|(i, _)| i)
}

/// Reads a scenario file's text.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| {
        InputError::new(path, format!("cannot read the scenario: {e}"))
            .help("check the path; scenarios are TOML files such as scenarios/quickstart.toml")
    })
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
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        out = out.at(format!("line {line}, column {column}"));
    }
    if let Some(suggestion) = suggest_for_unknown(err.message()) {
        out = out.help(suggestion);
    }
    out
}

struct Validator<'a> {
    path: &'a Path,
    base: &'a Path,
}

impl Validator<'_> {
    fn error(&self, field: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError::new(self.path, message).at(format!("field `{}`", field.into()))
    }

    fn resolve(&self, relative: &str) -> PathBuf {
        self.base.join(relative)
    }

    fn duration(&self, field: &str, text: &str) -> Result<SimDuration, InputError> {
        parse_duration(text).map_err(|e| self.error(field, e))
    }

    fn dist(&self, field: &str, raw: Option<&RawDist>, unit: Unit, default: Dist) -> Result<Dist, InputError> {
        match raw {
            Some(raw) => raw.validate(unit).map_err(|e| self.error(field, e)),
            None => Ok(default),
        }
    }

    fn scenario(&self, raw: RawScenario) -> Result<Scenario, InputError> {
        let sim = &raw.simulation;
        let duration = self.duration("simulation.duration", &sim.duration)?;
        if duration == SimDuration::ZERO {
            return Err(self.error("simulation.duration", "the duration must be longer than zero"));
        }
        let sample_interval =
            self.duration("simulation.sample_interval", sim.sample_interval.as_deref().unwrap_or("1m"))?;
        if sample_interval < SimDuration(1000) {
            return Err(self.error("simulation.sample_interval", "the sample interval must be at least 1s"));
        }
        let region = sim.region.clone().unwrap_or_else(|| "us-east-1".into());
        let availability_zones = raw
            .cluster
            .availability_zones
            .clone()
            .unwrap_or_else(|| ["a", "b", "c"].iter().map(|s| format!("{region}{s}")).collect());
        if availability_zones.is_empty() {
            return Err(self.error("cluster.availability_zones", "list at least one availability zone"));
        }
        let mut catalog = Catalog::builtin();
        if let Some(file) = &raw.cluster.instance_catalog {
            catalog.extend_from_csv(&self.resolve(file)).map_err(|e| {
                let err = InputError::new(self.resolve(file), e.message);
                match e.line {
                    Some(line) => err.at(format!("line {line}")),
                    None => err,
                }
            })?;
        }
        let fleets = raw
            .fleets
            .iter()
            .enumerate()
            .map(|(i, fleet)| self.fleet(i, fleet, &catalog, &availability_zones))
            .collect::<Result<Vec<_>, _>>()?;
        let mut names = std::collections::BTreeSet::new();
        for fleet in &fleets {
            if !names.insert(fleet.name.as_str()) {
                return Err(self.error("fleet.name", format!("two fleets are named `{}`", fleet.name)));
            }
        }

        let defaults = FargatePricing::default();
        let fargate = FargateSpec {
            pricing: FargatePricing {
                x86_vcpu_hour: raw.fargate.x86_vcpu_hour.unwrap_or(defaults.x86_vcpu_hour),
                x86_gb_hour: raw.fargate.x86_gb_hour.unwrap_or(defaults.x86_gb_hour),
                arm_vcpu_hour: raw.fargate.arm_vcpu_hour.unwrap_or(defaults.arm_vcpu_hour),
                arm_gb_hour: raw.fargate.arm_gb_hour.unwrap_or(defaults.arm_gb_hour),
            },
            launch_latency: self.dist(
                "fargate.launch_latency",
                raw.fargate.launch_latency.as_ref(),
                Unit::Duration,
                Dist::Uniform { min: 30_000.0, max: 90_000.0 },
            )?,
            spot_price_factor: self.factor("fargate.spot_price_factor", raw.fargate.spot_price_factor, 0.3)?,
        };
        let timing = TimingSpec {
            ec2_task_start: self.dist(
                "timing.ec2_task_start",
                raw.timing.ec2_task_start.as_ref(),
                Unit::Duration,
                Dist::Uniform { min: 2_000.0, max: 10_000.0 },
            )?,
            awsvpc_eni_attach: self.dist(
                "timing.awsvpc_eni_attach",
                raw.timing.awsvpc_eni_attach.as_ref(),
                Unit::Duration,
                Dist::Fixed(5_000.0),
            )?,
            task_stop: self.dist(
                "timing.task_stop",
                raw.timing.task_stop.as_ref(),
                Unit::Duration,
                Dist::Fixed(1_000.0),
            )?,
        };

        let mut task_definitions = Vec::new();
        let mut task_start = Vec::new();
        for (i, table) in raw.task_definitions.iter().enumerate() {
            let (model, ecs_table) = self.task_start(i, table)?;
            task_definitions.push(self.task_definition(i, &ecs_table)?);
            task_start.push(model);
        }
        for (i, def) in task_definitions.iter().enumerate() {
            if task_definitions[..i].iter().any(|d| d.name() == def.name()) {
                return Err(self.error(format!("task_definition[{i}]"), format!("`{}` is defined twice", def.name())));
            }
        }
        let workloads = raw
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| self.workload(i, w, &task_definitions, !fleets.is_empty()))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, w) in workloads.iter().enumerate() {
            if workloads[..i].iter().any(|o| o.name == w.name) {
                return Err(self.error(format!("workload[{i}].name"), format!("two workloads are named `{}`", w.name)));
            }
        }
        let capacity_providers = raw
            .capacity_providers
            .iter()
            .enumerate()
            .map(|(i, p)| self.capacity_provider(i, p, &fleets))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, p) in capacity_providers.iter().enumerate() {
            if capacity_providers[..i].iter().any(|o| o.name == p.name || o.fleet == p.fleet) {
                return Err(
                    self.error(format!("capacity_provider[{i}]"), "two capacity providers share a name or a fleet")
                );
            }
        }
        let default_capacity_provider_strategy =
            self.default_strategy(raw.cluster.default_capacity_provider_strategy.as_ref(), &capacity_providers)?;
        let services = raw
            .services
            .iter()
            .enumerate()
            .map(|(i, table)| {
                self.service(
                    i,
                    table,
                    &task_definitions,
                    !fleets.is_empty(),
                    &capacity_providers,
                    &default_capacity_provider_strategy,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, s) in services.iter().enumerate() {
            if services[..i].iter().any(|o| o.def.name == s.def.name) {
                return Err(self.error(format!("service[{i}]"), format!("two services are named `{}`", s.def.name)));
            }
        }
        let service_updates = self.events(&raw.events, &services, &task_definitions)?;
        let faults = self.faults(&raw.faults, &availability_zones)?;
        let name = raw
            .name
            .clone()
            .unwrap_or_else(|| self.path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned()));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(self.error("name", "use letters, digits, `-`, `_` and `.` only: it names the results folder"));
        }
        Ok(Scenario {
            name,
            description: raw.description.unwrap_or_default(),
            path: self.path.to_path_buf(),
            duration,
            seed: sim.seed.unwrap_or(1),
            sample_interval,
            service_scheduler_delay: self.duration(
                "simulation.service_scheduler_delay",
                sim.service_scheduler_delay.as_deref().unwrap_or("1s"),
            )?,
            region,
            cluster_name: raw.cluster.name.clone().unwrap_or_else(|| "default".into()),
            availability_zones,
            awsvpc_trunking: raw.cluster.awsvpc_trunking.unwrap_or(false),
            agent_version: raw.cluster.agent_version.clone().unwrap_or_else(|| "1.89.0".into()),
            fleets,
            fargate,
            timing,
            task_definitions,
            workloads,
            task_start,
            capacity_providers,
            default_capacity_provider_strategy,
            services,
            service_updates,
            faults,
            write_tasks_csv: raw.output.tasks_csv.unwrap_or(true),
            // Per-task events are as voluminous as tasks.csv: off with it unless asked for.
            write_events_csv: raw.output.events_csv.unwrap_or(raw.output.tasks_csv.unwrap_or(true)),
        })
    }

    fn factor(&self, field: &str, value: Option<f64>, default: f64) -> Result<f64, InputError> {
        let value = value.unwrap_or(default);
        if !(value > 0.0 && value <= 1.0) {
            return Err(self.error(field, format!("{value} is not a price factor; use a number in (0, 1], e.g. 0.3")));
        }
        Ok(value)
    }

    fn fleet(
        &self,
        index: usize,
        raw: &raw::RawFleet,
        catalog: &Catalog,
        cluster_azs: &[String],
    ) -> Result<FleetSpec, InputError> {
        let field = |name: &str| format!("fleet[{index}].{name}");
        if raw.instance_types.is_empty() {
            return Err(self.error(field("instance_types"), "list at least one instance type, e.g. [\"m5.large\"]"));
        }
        let instance_types = raw
            .instance_types
            .iter()
            .map(|name| {
                catalog.get(name).cloned().ok_or_else(|| {
                    let mut err = self.error(field("instance_types"), format!("unknown instance type `{name}`"));
                    err = match catalog.suggest(name) {
                        Some(s) => err.help(format!("did you mean `{s}`? Add new types with cluster.instance_catalog")),
                        None => err.help("add it with a CSV named in cluster.instance_catalog (see docs/scenario.md)"),
                    };
                    err
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let availability_zones = raw.availability_zones.clone().unwrap_or_else(|| cluster_azs.to_vec());
        for az in &availability_zones {
            if !cluster_azs.contains(az) {
                return Err(self
                    .error(field("availability_zones"), format!("`{az}` is not one of the cluster's zones"))
                    .help(format!("the cluster's zones are {}", cluster_azs.join(", "))));
            }
        }
        if availability_zones.is_empty() {
            return Err(self.error(field("availability_zones"), "list at least one zone"));
        }
        let (market, price_factor) = match raw.market.as_deref().unwrap_or("on-demand") {
            "on-demand" => {
                if raw.spot_price_factor.is_some() {
                    return Err(self.error(field("spot_price_factor"), "applies only with market = \"spot\""));
                }
                (Market::OnDemand, 1.0)
            }
            "spot" => (Market::Spot, self.factor(&field("spot_price_factor"), raw.spot_price_factor, 0.35)?),
            other => return Err(self.error(field("market"), format!("`{other}` is not \"on-demand\" or \"spot\""))),
        };
        for (key, value) in &raw.attributes {
            let name_ok = !key.is_empty()
                && key.len() <= 128
                && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_/\\.".contains(c));
            if !name_ok || key.starts_with("ecs.") {
                return Err(self.error(
                    field("attributes"),
                    format!("attribute name `{key}` must be 1-128 letters, digits, -, _, /, \\ or . and not start with `ecs.`"),
                ));
            }
            if value.is_empty() || value.len() > 128 || value.trim() != value {
                return Err(self.error(
                    field("attributes"),
                    format!("attribute `{key}` needs a 1-128 character value without surrounding spaces"),
                ));
            }
        }
        Ok(FleetSpec {
            name: raw.name.clone(),
            instance_types,
            count: raw.count,
            availability_zones,
            market,
            price_factor,
            attributes: raw.attributes.clone(),
        })
    }

    fn task_definition(&self, index: usize, table: &toml::Table) -> Result<TaskDef, InputError> {
        let field = format!("task_definition[{index}]");
        if let Some(file) = table.get("file") {
            if table.len() > 1 {
                return Err(self.error(&field, "give either `file` or the definition inline, not both"));
            }
            let file = file.as_str().ok_or_else(|| self.error(format!("{field}.file"), "must be a path string"))?;
            let path = self.resolve(file);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                self.error(format!("{field}.file"), format!("cannot read `{}`: {e}", path.display()))
                    .help("paths are relative to the scenario file")
            })?;
            let doc = taskdef::parse_json(&text).map_err(|e| {
                let mut err = InputError::new(&path, strip_serde_position(&e.to_string()));
                if e.line() > 0 {
                    err = err.at(format!("line {}, column {}", e.line(), e.column()));
                }
                match suggest_for_unknown(&e.to_string()) {
                    Some(s) => err.help(s),
                    None => err,
                }
            })?;
            return doc.validate().map_err(|e| {
                let location = match e.line_in(&text) {
                    Some(line) => format!("line {line}, field `{}`", e.field),
                    None => format!("field `{}`", e.field),
                };
                InputError::new(&path, e.message).at(location)
            });
        }
        let json = serde_json::to_value(table).map_err(|e| self.error(&field, e.to_string()))?;
        let doc: taskdef::TaskDefinitionDoc = serde_json::from_value(json).map_err(|e| {
            let err = self.error(&field, e.to_string());
            match suggest_for_unknown(&e.to_string()) {
                Some(s) => err.help(s),
                None => {
                    err.help("an inline task definition uses ECS's JSON keys, e.g. family and containerDefinitions")
                }
            }
        })?;
        doc.validate().map_err(|e| self.error(format!("{field}.{}", e.field), e.message))
    }

    fn workload(
        &self,
        index: usize,
        raw: &RawWorkload,
        defs: &[TaskDef],
        has_fleets: bool,
    ) -> Result<WorkloadSpec, InputError> {
        let field = |name: &str| format!("workload[{index}].{name}");
        let run = &raw.run_task;
        if run.capacity_provider_strategy.is_some() {
            return Err(self
                .error(field("run_task.capacityProviderStrategy"), "capacity providers are not modelled yet")
                .help("use launchType = \"EC2\" or \"FARGATE\""));
        }
        let launch_type = match run.launch_type.as_deref().unwrap_or("EC2") {
            "EC2" => LaunchType::Ec2,
            "FARGATE" => LaunchType::Fargate,
            other => {
                return Err(self.error(field("run_task.launchType"), format!("`{other}` is not \"EC2\" or \"FARGATE\"")))
            }
        };
        if launch_type == LaunchType::Ec2 && !has_fleets {
            return Err(self
                .error(
                    field("run_task.launchType"),
                    "EC2 tasks need container instances, but the scenario has no [[fleet]]",
                )
                .help("add a [[fleet]] or set launchType = \"FARGATE\""));
        }
        let task_definition = match &run.task_definition {
            Some(name) => Some(find_task_definition(defs, name).ok_or_else(|| {
                let known: Vec<String> = defs.iter().map(|d| d.family.clone()).collect();
                let err = self.error(field("run_task.taskDefinition"), format!("no task definition named `{name}`"));
                match best_match(name, known.iter().map(String::as_str)) {
                    Some(s) => err.help(format!("did you mean `{s}`?")),
                    None => err.help(format!("defined families: {}", known.join(", "))),
                }
            })?),
            None => None,
        };
        let check_def = |def: &TaskDef| -> Result<(), InputError> {
            if !def.allows(launch_type.as_str()) {
                return Err(self
                    .error(
                        field("run_task.launchType"),
                        format!("task definition `{}` is not compatible with {}", def.name(), launch_type.as_str()),
                    )
                    .help(format!("add \"{}\" to its requiresCompatibilities", launch_type.as_str())));
            }
            if launch_type == LaunchType::Fargate && def.fargate_size.is_none() {
                return Err(self.error(field("run_task.launchType"), format!("`{}` has no Fargate size", def.name())));
            }
            Ok(())
        };
        if let Some(i) = task_definition {
            check_def(&defs[i])?;
        }
        let strategy = match &run.placement_strategy {
            Some(items) => self.strategies(&field("run_task.placementStrategy"), items)?,
            None => vec![Strategy::Random],
        };
        let constraints = self.constraints(
            &field("run_task.placementConstraints"),
            run.placement_constraints.as_deref().unwrap_or(&[]),
        )?;
        if launch_type == LaunchType::Fargate && (run.placement_strategy.is_some() || !constraints.is_empty()) {
            return Err(self.error(field("run_task"), "placement strategies and constraints are not supported on Fargate")
                .help("Fargate spreads tasks over availability zones itself; remove placementStrategy and placementConstraints"));
        }
        if let Some(def) = task_definition.map(|i| &defs[i]) {
            if constraints.len() + def.member_of.len() > MAX_CONSTRAINTS {
                return Err(self.error(
                    field("run_task.placementConstraints"),
                    format!(
                        "with `{}` the task has more than {MAX_CONSTRAINTS} placement constraints, ECS's limit",
                        def.name()
                    ),
                ));
            }
        }
        if let Some(group) = &run.group {
            if group.is_empty() || group.len() > 255 {
                return Err(self.error(field("run_task.group"), "a task group is 1 to 255 characters"));
            }
        }
        let default_count = run.count.unwrap_or(1);
        if !(1..=10).contains(&default_count) {
            return Err(self.error(field("run_task.count"), "RunTask `count` is 1 to 10"));
        }
        let on_failure = match raw.on_placement_failure.as_deref().unwrap_or("fail") {
            "fail" => {
                if raw.max_wait.is_some() {
                    return Err(self.error(field("max_wait"), "applies only with on_placement_failure = \"wait\""));
                }
                FailurePolicy::Fail
            }
            "wait" => FailurePolicy::Wait {
                max_wait: raw.max_wait.as_deref().map(|t| self.duration(&field("max_wait"), t)).transpose()?,
            },
            other => {
                return Err(self.error(field("on_placement_failure"), format!("`{other}` is not \"fail\" or \"wait\"")))
            }
        };
        let source =
            match (&raw.trace, &raw.synthetic) {
                (Some(trace), None) => {
                    let path = self.resolve(trace);
                    if !path.is_file() {
                        return Err(self
                            .error(field("trace"), format!("`{}` does not exist", path.display()))
                            .help("paths are relative to the scenario file"));
                    }
                    self.trace_source(index, raw, path)?
                }
                (None, Some(synthetic)) => {
                    let trace_keys = [
                        ("trace_format", raw.trace_format.is_some()),
                        ("trace_machine", raw.trace_machine.is_some()),
                        ("trace_columns", raw.trace_columns.is_some()),
                        ("time_scale", raw.time_scale.is_some()),
                        ("strict", raw.strict.is_some()),
                        ("reorder_window", raw.reorder_window.is_some()),
                    ];
                    if let Some((key, _)) = trace_keys.iter().find(|(_, set)| *set) {
                        return Err(self.error(field(key), "applies to a `trace`, not to a synthetic workload"));
                    }
                    if task_definition.is_none() {
                        return Err(self
                            .error(field("run_task.taskDefinition"), "a synthetic workload needs a task definition"));
                    }
                    WorkloadSource::Synthetic(self.synthetic(&field("synthetic"), synthetic)?)
                }
                _ => {
                    return Err(self
                        .error(field("trace"), "give exactly one of `trace` (a CSV file) or `[workload.synthetic]`"))
                }
            };
        if raw.name.is_empty() {
            return Err(self.error(field("name"), "a workload needs a name"));
        }
        Ok(WorkloadSpec {
            name: raw.name.clone(),
            source,
            launch_type,
            task_definition,
            strategy,
            constraints,
            group: run.group.clone(),
            default_count,
            on_failure,
        })
    }

    fn trace_source(&self, index: usize, raw: &RawWorkload, path: PathBuf) -> Result<WorkloadSource, InputError> {
        let field = |name: &str| format!("workload[{index}].{name}");
        let format_name = raw.trace_format.as_deref().unwrap_or("native");
        let format = match format_name {
            "native" => {
                let extras = [
                    ("trace_machine", raw.trace_machine.is_some()),
                    ("trace_columns", raw.trace_columns.is_some()),
                    ("time_scale", raw.time_scale.is_some()),
                    ("strict", raw.strict.is_some()),
                    ("reorder_window", raw.reorder_window.is_some()),
                ];
                if let Some((key, _)) = extras.iter().find(|(_, set)| *set) {
                    return Err(self.error(
                        field(key),
                        "applies to the other trace formats (alibaba2018, alibaba2017, google2011, azure_vmtable, generic), not the native one",
                    ));
                }
                return Ok(WorkloadSource::Trace(path));
            }
            "alibaba2018" => TraceFormat::Alibaba2018,
            "alibaba2017" => TraceFormat::Alibaba2017,
            "google2011" => TraceFormat::Google2011,
            "azure_vmtable" => TraceFormat::AzureVmTable,
            "generic" => {
                let columns = raw.trace_columns.as_ref().ok_or_else(|| {
                    self.error(
                        field("trace_columns"),
                        "a generic trace needs [workload.trace_columns] naming `time` and `duration` or `end_time`",
                    )
                })?;
                TraceFormat::Generic(self.columns(&field("trace_columns"), columns)?)
            }
            other => {
                let known = ["native", "alibaba2018", "alibaba2017", "google2011", "azure_vmtable", "generic"];
                let err = self.error(field("trace_format"), format!("unknown trace format `{other}`"));
                return Err(match best_match(other, known.into_iter()) {
                    Some(s) => err.help(format!("did you mean `{s}`? Formats: {}", known.join(", "))),
                    None => err.help(format!("formats: {}", known.join(", "))),
                });
            }
        };
        if format_name != "generic" && raw.trace_columns.is_some() {
            return Err(self.error(field("trace_columns"), "applies only to trace_format = \"generic\""));
        }
        if matches!(format_name, "generic" | "azure_vmtable") && raw.trace_machine.is_some() {
            return Err(self
                .error(
                    field("trace_machine"),
                    format!("a {format_name} trace states its sizes itself; trace_machine does not apply"),
                )
                .help("remove trace_machine (a generic trace sets trace_columns.cpu_scale and memory_scale)"));
        }
        let units = match &raw.trace_machine {
            Some(machine) if machine.vcpu > 0.0 && machine.memory_gib > 0.0 => UnitMapping {
                machine_cpu_units: (machine.vcpu * 1024.0).round() as u32,
                machine_memory_mib: (machine.memory_gib * 1024.0).round() as u32,
            },
            Some(_) => return Err(self.error(field("trace_machine"), "vcpu and memory_gib must be positive")),
            // Neither states requests as a share of a machine.
            None if matches!(format_name, "generic" | "azure_vmtable") => {
                UnitMapping { machine_cpu_units: 1024, machine_memory_mib: 1024 }
            }
            None => {
                return Err(self
                    .error(
                        field("trace_machine"),
                        "this trace gives memory as a share of a machine; say what one machine is",
                    )
                    .help("e.g. trace_machine = { vcpu = 96, memory_gib = 512 }"))
            }
        };
        let time_scale = raw.time_scale.unwrap_or(1.0);
        if !(time_scale > 0.0 && time_scale.is_finite()) {
            return Err(self.error(field("time_scale"), "must be a positive number, e.g. 0.5 to replay twice as fast"));
        }
        let reorder_window = match raw.reorder_window.as_deref() {
            None => DEFAULT_REORDER_WINDOW,
            Some("unbounded") => SimDuration(u64::MAX),
            Some(text) => self.duration(&field("reorder_window"), text)?,
        };
        Ok(WorkloadSource::ExternalTrace(TraceSpec {
            path,
            format,
            units,
            time_scale,
            strict: raw.strict.unwrap_or(false),
            reorder_window,
        }))
    }

    fn columns(&self, field: &str, raw: &raw::RawTraceColumns) -> Result<ColumnMapping, InputError> {
        let mut mapping = ColumnMapping::new(raw.time.clone());
        mapping.time_unit = match raw.time_unit.as_deref().unwrap_or("s") {
            "ms" => TimeUnit::Milliseconds,
            "s" => TimeUnit::Seconds,
            "us" => TimeUnit::Microseconds,
            "min" => TimeUnit::Minutes,
            other => {
                return Err(self.error(format!("{field}.time_unit"), format!("`{other}` is not one of ms, s, us, min")))
            }
        };
        if raw.duration.is_some() == raw.end_time.is_some() {
            return Err(self.error(field, "give exactly one of `duration` or `end_time`"));
        }
        mapping.duration = raw.duration.clone();
        mapping.end_time = raw.end_time.clone();
        mapping.cpu = raw.cpu.clone();
        mapping.cpu_scale = raw.cpu_scale.unwrap_or(1.0);
        mapping.memory = raw.memory.clone();
        mapping.memory_scale = raw.memory_scale.unwrap_or(1.0);
        for (key, scale) in [("cpu_scale", mapping.cpu_scale), ("memory_scale", mapping.memory_scale)] {
            if !(scale > 0.0 && scale.is_finite()) {
                return Err(self.error(format!("{field}.{key}"), "must be a positive number"));
            }
        }
        mapping.count = raw.count.clone();
        mapping.task_definition = raw.task_definition.clone();
        mapping.group = raw.group.clone();
        mapping.delimiter = match raw.delimiter.as_deref().unwrap_or(",") {
            "," => b',',
            "tab" => b'\t',
            ";" => b';',
            "|" => b'|',
            other => {
                return Err(self.error(
                    format!("{field}.delimiter"),
                    format!("`{other}` is not one of \",\", \"tab\", \";\" or \"|\""),
                ))
            }
        };
        mapping.has_header = raw.has_header.unwrap_or(true);
        Ok(mapping)
    }

    fn synthetic(&self, field: &str, raw: &RawSynthetic) -> Result<SyntheticSpec, InputError> {
        let arrival = match raw.arrival.process.as_str() {
            "poisson" => {
                let rate = raw.arrival.rate_per_minute.filter(|r| *r > 0.0 && r.is_finite()).ok_or_else(|| {
                    self.error(
                        format!("{field}.arrival.rate_per_minute"),
                        "a poisson process needs a positive rate_per_minute",
                    )
                })?;
                if raw.arrival.interval.is_some() {
                    return Err(
                        self.error(format!("{field}.arrival.interval"), "applies to process = \"fixed\", not poisson")
                    );
                }
                ArrivalProcess::Poisson { mean_gap_ms: 60_000.0 / rate }
            }
            "fixed" => {
                let text = raw.arrival.interval.as_deref().ok_or_else(|| {
                    self.error(format!("{field}.arrival.interval"), "a fixed process needs an interval, e.g. \"2s\"")
                })?;
                let interval = self.duration(&format!("{field}.arrival.interval"), text)?;
                if interval == SimDuration::ZERO || raw.arrival.rate_per_minute.is_some() {
                    return Err(self.error(
                        format!("{field}.arrival"),
                        "a fixed process takes one positive `interval` and no rate",
                    ));
                }
                ArrivalProcess::Fixed { interval }
            }
            other => {
                return Err(self
                    .error(format!("{field}.arrival.process"), format!("`{other}` is not \"poisson\" or \"fixed\"")))
            }
        };
        let tasks_per_arrival = raw.tasks_per_arrival.unwrap_or(1);
        if !(1..=10).contains(&tasks_per_arrival) {
            return Err(self.error(format!("{field}.tasks_per_arrival"), "RunTask places 1 to 10 tasks per call"));
        }
        Ok(SyntheticSpec {
            arrival,
            tasks_per_arrival,
            start: raw
                .start
                .as_deref()
                .map(|t| self.duration(&format!("{field}.start"), t))
                .transpose()?
                .unwrap_or_default(),
            stop: raw.stop.as_deref().map(|t| self.duration(&format!("{field}.stop"), t)).transpose()?,
            max_tasks: raw.max_tasks,
            run_duration: self.dist(
                &format!("{field}.run_duration"),
                Some(&raw.run_duration),
                Unit::Duration,
                Dist::Fixed(0.0),
            )?,
            cpu: raw
                .cpu
                .as_ref()
                .map(|d| d.validate(Unit::Number).map_err(|e| self.error(format!("{field}.cpu"), e)))
                .transpose()?,
            memory: raw
                .memory
                .as_ref()
                .map(|d| d.validate(Unit::Number).map_err(|e| self.error(format!("{field}.memory"), e)))
                .transpose()?,
        })
    }

    fn strategies(&self, field: &str, items: &[RawPlacementStrategy]) -> Result<Vec<Strategy>, InputError> {
        if items.len() > 5 {
            return Err(self.error(field, format!("{} strategies given; ECS allows at most 5", items.len())));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = format!("{field}[{i}]");
                let field_value = item.field.as_deref();
                match item.kind.as_str() {
                    "random" => Ok(Strategy::Random),
                    "binpack" => match field_value {
                        Some("cpu" | "CPU") => Ok(Strategy::Binpack(BinpackField::Cpu)),
                        Some("memory" | "MEMORY") => Ok(Strategy::Binpack(BinpackField::Memory)),
                        _ => Err(self.error(format!("{at}.field"), "binpack needs field = \"cpu\" or \"memory\"")),
                    },
                    "spread" => match field_value {
                        Some("instanceId" | "host") => Ok(Strategy::SpreadInstance),
                        Some(attr) if attr.starts_with("attribute:") && attr.len() > "attribute:".len() => {
                            Ok(Strategy::SpreadAttribute(attr["attribute:".len()..].to_string()))
                        }
                        _ => Err(self.error(format!("{at}.field"), "spread needs field = \"instanceId\" or \"attribute:<name>\", e.g. \"attribute:ecs.availability-zone\"")),
                    },
                    other => {
                        let err = self.error(format!("{at}.type"), format!("unknown strategy type `{other}`; use random, spread or binpack"));
                        match best_match(other, ["random", "spread", "binpack"].into_iter()) {
                            Some(s) => Err(err.help(format!("did you mean `{s}`?"))),
                            None => Err(err),
                        }
                    }
                }
            })
            .collect()
    }

    fn constraints(&self, field: &str, items: &[RawPlacementConstraint]) -> Result<Vec<Constraint>, InputError> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = format!("{field}[{i}]");
                match (item.kind.as_str(), &item.expression) {
                    ("distinctInstance", None) => Ok(Constraint::DistinctInstance),
                    ("distinctInstance", Some(_)) => {
                        Err(self.error(format!("{at}.expression"), "distinctInstance takes no expression"))
                    }
                    ("memberOf", Some(expression)) => Expression::parse(expression)
                        .map(Constraint::MemberOf)
                        .map_err(|e| self.error(format!("{at}.expression"), e.to_string())),
                    ("memberOf", None) => Err(self.error(at, "memberOf needs an `expression`")),
                    (other, _) => Err(self.error(
                        format!("{at}.type"),
                        format!("unknown constraint type `{other}`; use distinctInstance or memberOf"),
                    )),
                }
            })
            .collect()
    }
}

/// serde_json appends "at line X column Y"; the caller reports the position itself.
fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
