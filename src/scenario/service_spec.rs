//! Services, timed service updates, faults and the task-start model: the
//! validated forms of `[[service]]`, `[[events]]`, `[faults]` and the
//! simulator's own keys of `[[task_definition]]`.

use super::dist::{Dist, RawDist, Unit};
use super::raw::{RawEvent, RawFaults, RawServiceExtras, RawTaskStart};
use super::scaling_spec::{AutoScalingSpec, CapacityProviderSpec};
use super::service::doc as service_doc;
use super::service::{DeploymentController, SchedulingStrategy, ServiceDef};
use super::validate::{
    field_errors_in_file, find_task_definition, json_file_error, read_json_file, unknown_key, Validator,
};
use crate::engine::SimDuration;
use crate::error::{best_match, not_a_file, suggest_for_unknown, InputError};
use crate::model::{LaunchType, Provider, ProviderShare};
use crate::placement::{Constraint, Strategy};
use crate::scenario::taskdef::TaskDef;
use crate::traces::cloudwatch::{read_cloudwatch_series, CloudWatchSettings};
use crate::traces::load::{read_load_series, LoadSeries};

/// How a task definition's tasks start, beyond the cluster-wide timings.
#[derive(Debug, Clone, Default)]
pub struct TaskStartModel {
    /// Image pull time (replaces the launch type's start time when set,
    /// together with `container_start`).
    pub image_pull: Option<Dist>,
    /// Container start time after the pull.
    pub container_start: Option<Dist>,
    /// Chance that a task stops before reaching RUNNING (a bad image, a
    /// crashing entry point): `TaskFailedToStart`.
    pub start_failure_probability: f64,
    /// Chance that a task reaches RUNNING but never passes its health checks.
    pub health_check_failure_probability: f64,
}

/// Where a service's tasks run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceLaunch {
    /// A launch type.
    LaunchType(LaunchType),
    /// A capacity provider strategy (all Fargate, or all Auto Scaling group
    /// providers).
    Providers(Vec<ProviderShare>),
}

impl ServiceLaunch {
    /// True when the service's tasks run on Fargate (a strategy holds only
    /// Fargate providers or only Auto Scaling group providers).
    pub fn is_fargate(&self) -> bool {
        match self {
            ServiceLaunch::LaunchType(launch_type) => *launch_type == LaunchType::Fargate,
            ServiceLaunch::Providers(shares) => !matches!(shares[0].provider, Provider::Asg(_)),
        }
    }
}

/// The ELB target group in front of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetGroup {
    /// `deregistration_delay.timeout_seconds` (default 300 s).
    pub deregistration_delay: SimDuration,
    /// Health check interval (default 30 s).
    pub health_check_interval: SimDuration,
    /// Consecutive passes to become healthy (default 5).
    pub healthy_threshold: u32,
    /// Consecutive failures to become unhealthy (default 2).
    pub unhealthy_threshold: u32,
}

/// A service's demand curve, in the same unit as its per-task capacity.
#[derive(Debug, Clone, PartialEq)]
pub enum Demand {
    /// The same demand throughout.
    Constant(f64),
    /// A curve read from a CSV column.
    Series(LoadSeries),
}

impl Demand {
    /// Demand at simulated time `t`.
    pub fn at(&self, t: crate::engine::SimTime) -> f64 {
        match self {
            Demand::Constant(value) => *value,
            Demand::Series(series) => series.value_at(t),
        }
    }
}

/// How CodeDeploy shifts production traffic to the green task set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrafficShift {
    /// `CodeDeployDefault.ECSAllAtOnce`.
    AllAtOnce,
    /// `TimeBasedLinear`: `percent` more every `interval`.
    Linear {
        /// Percent per step.
        percent: f64,
        /// Time between steps.
        interval: SimDuration,
    },
    /// `TimeBasedCanary`: `percent` first, the rest after `interval`.
    Canary {
        /// The canary's share.
        percent: f64,
        /// Time before the rest.
        interval: SimDuration,
    },
}

/// A validated service.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    /// The service definition as ECS reads it.
    pub def: ServiceDef,
    /// Its initial task definition (index into the scenario's).
    pub task_definition: usize,
    /// Placement strategy chain (default: spread over zones, then instances).
    pub strategy: Vec<Strategy>,
    /// Placement constraints of the service.
    pub constraints: Vec<Constraint>,
    /// Launch type or capacity provider strategy.
    pub launch: ServiceLaunch,
    /// Demand curve, if the service carries one.
    pub demand: Option<Demand>,
    /// Demand one healthy task serves.
    pub capacity_per_task: f64,
    /// The target group, when the service has a load balancer.
    pub target_group: Option<TargetGroup>,
    /// CodeDeploy traffic shifting (CODE_DEPLOY controller).
    pub traffic_shift: TrafficShift,
    /// CodeDeploy `terminationWaitTimeInMinutes`: blue tasks stay this long
    /// after all traffic moved.
    pub termination_wait: SimDuration,
    /// Service auto scaling, if configured.
    pub auto_scaling: Option<AutoScalingSpec>,
}

impl ServiceSpec {
    /// The desired count ECS starts from (0 for DAEMON, which follows instances).
    pub fn desired_count(&self) -> u32 {
        self.def.desired_count.unwrap_or(0)
    }

    /// True for DAEMON services.
    pub fn is_daemon(&self) -> bool {
        self.def.scheduling_strategy == SchedulingStrategy::Daemon
    }
}

/// A timed UpdateService call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUpdate {
    /// When.
    pub at: SimDuration,
    /// Which service (index).
    pub service: usize,
    /// A new task definition: starts a deployment.
    pub task_definition: Option<usize>,
    /// A new desired count.
    pub desired_count: Option<u32>,
}

/// A scheduled availability-zone outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AzOutage {
    /// The zone (index into the cluster's zones).
    pub zone: usize,
    /// Start.
    pub start: SimDuration,
    /// End.
    pub end: SimDuration,
}

/// Faults injected into a run.
#[derive(Debug, Clone)]
pub struct FaultSpec {
    /// Mean time between failures of one EC2 instance (exponential).
    pub instance_mtbf: Option<SimDuration>,
    /// Crashes per running service task per hour.
    pub task_crash_rate: f64,
    /// Interruptions per Spot instance per hour.
    pub spot_interruption_rate: f64,
    /// `ECS_ENABLE_SPOT_INSTANCE_DRAINING`: drain a Spot instance at its notice.
    pub spot_draining: bool,
    /// Interruptions per FARGATE_SPOT task per hour.
    pub fargate_spot_interruption_rate: f64,
    /// Whether the fleet (its Auto Scaling group) replaces lost instances.
    pub replace_failed_instances: bool,
    /// From losing an instance to its replacement registering.
    pub instance_replacement_delay: Dist,
    /// Scheduled zone outages.
    pub az_outages: Vec<AzOutage>,
}

impl Default for FaultSpec {
    fn default() -> FaultSpec {
        FaultSpec {
            instance_mtbf: None,
            task_crash_rate: 0.0,
            spot_interruption_rate: 0.0,
            spot_draining: false,
            fargate_spot_interruption_rate: 0.0,
            replace_failed_instances: true,
            instance_replacement_delay: Dist::Fixed(180_000.0),
            az_outages: Vec::new(),
        }
    }
}

/// The shortest mean time between instance failures a scenario may give.
pub const MIN_INSTANCE_MTBF: SimDuration = SimDuration::from_secs(60);

/// Keys of `[[task_definition]]` that belong to the simulator, not to ECS.
const TASK_START_KEYS: [&str; 4] =
    ["image_pull", "container_start", "start_failure_probability", "health_check_failure_probability"];

/// Keys of `[[service]]` that belong to the simulator, not to ECS.
const SERVICE_KEYS: [&str; 8] = [
    "file",
    "select",
    "demand",
    "capacity_per_task",
    "target_group",
    "code_deploy_config",
    "termination_wait",
    "auto_scaling",
];

/// Splits a table into the simulator's keys and ECS's.
fn split_table(table: &toml::Table, ours: &[&str]) -> (toml::Table, toml::Table) {
    let (mut sim, mut ecs) = (toml::Table::new(), toml::Table::new());
    for (key, value) in table {
        let target = if ours.contains(&key.as_str()) { &mut sim } else { &mut ecs };
        target.insert(key.clone(), value.clone());
    }
    (sim, ecs)
}

/// A probability in [0, 1].
fn probability(validator: &Validator<'_>, field: &str, value: Option<f64>) -> Result<f64, InputError> {
    let value = value.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&value) {
        return Err(validator.error(field, format!("{value} is not a probability; use a number from 0 to 1")));
    }
    Ok(value)
}

/// A rate per hour, at least 0.
fn rate(validator: &Validator<'_>, field: &str, value: Option<f64>) -> Result<f64, InputError> {
    let value = value.unwrap_or(0.0);
    if !(value.is_finite() && value >= 0.0) {
        return Err(validator.error(field, format!("{value} is not a rate; use events per hour, 0 or more")));
    }
    Ok(value)
}

impl Validator<'_> {
    /// Separates the task-start keys from a `[[task_definition]]` table.
    pub(super) fn task_start(
        &self,
        index: usize,
        table: &toml::Table,
    ) -> Result<(TaskStartModel, toml::Table), InputError> {
        let field = format!("task_definition[{index}]");
        let (sim, ecs) = split_table(table, &TASK_START_KEYS);
        let raw: RawTaskStart = toml::Value::Table(sim)
            .try_into()
            .map_err(|e: toml::de::Error| self.table_error("task_definition", index, &field, e.message()))?;
        let dist = |key: &str, raw: &Option<RawDist>| -> Result<Option<Dist>, InputError> {
            raw.as_ref()
                .map(|d| d.validate(Unit::Duration).map_err(|e| self.error(format!("{field}.{key}"), e)))
                .transpose()
        };
        let model = TaskStartModel {
            image_pull: dist("image_pull", &raw.image_pull)?,
            container_start: dist("container_start", &raw.container_start)?,
            start_failure_probability: probability(
                self,
                &format!("{field}.start_failure_probability"),
                raw.start_failure_probability,
            )?,
            health_check_failure_probability: probability(
                self,
                &format!("{field}.health_check_failure_probability"),
                raw.health_check_failure_probability,
            )?,
        };
        Ok((model, ecs))
    }

    /// Validates one `[[service]]`.
    pub(super) fn service(
        &self,
        index: usize,
        table: &toml::Table,
        defs: &[TaskDef],
        has_fleets: bool,
        providers: &[CapacityProviderSpec],
        default_strategy: &[ProviderShare],
    ) -> Result<ServiceSpec, InputError> {
        let field = format!("service[{index}]");
        let (sim, ecs) = split_table(table, &SERVICE_KEYS);
        let extras: RawServiceExtras = toml::Value::Table(sim)
            .try_into()
            .map_err(|e: toml::de::Error| self.table_error("service", index, &field, e.message()))?;
        let def = match &extras.file {
            Some(file) => self.service_file((index, &field), file, extras.select.as_deref(), &ecs)?,
            None => {
                if extras.select.is_some() {
                    return Err(
                        self.error(format!("{field}.select"), "`select` picks a service from a `file`; there is none")
                    );
                }
                let json = serde_json::to_value(&ecs).map_err(|e| self.error(&field, e.to_string()))?;
                let doc: service_doc::ServiceDoc = serde_json::from_value(json).map_err(|e| {
                    let err = self.table_error("service", index, &field, &e.to_string());
                    match err.help {
                        Some(_) => err,
                        None => err.help("an inline service uses ECS's create-service keys, e.g. serviceName, taskDefinition, desiredCount"),
                    }
                })?;
                doc.validate().map_err(|e| self.error(format!("{field}.{}", e.field), e.message))?
            }
        };
        let task_definition = find_task_definition(defs, &def.task_definition).ok_or_else(|| {
            self.error(
                format!("{field}.taskDefinition"),
                format!("no task definition `{}` in the scenario", def.task_definition),
            )
            .help("define it in a [[task_definition]] (by family, or family:revision)")
        })?;
        let launch = if !def.capacity_provider_strategy.is_empty() {
            let items: Vec<(String, u32, u32)> =
                def.capacity_provider_strategy.iter().map(|i| (i.provider.clone(), i.base, i.weight)).collect();
            ServiceLaunch::Providers(self.provider_strategy(
                &format!("{field}.capacityProviderStrategy"),
                &items,
                providers,
            )?)
        } else if let Some(launch_type) = def.launch_type {
            ServiceLaunch::LaunchType(launch_type)
        } else if !default_strategy.is_empty() && def.scheduling_strategy == SchedulingStrategy::Replica {
            // Neither a launch type nor a strategy: the cluster's default strategy.
            ServiceLaunch::Providers(default_strategy.to_vec())
        } else {
            ServiceLaunch::LaunchType(if has_fleets { LaunchType::Ec2 } else { LaunchType::Fargate })
        };
        let on_fargate = launch.is_fargate();
        let task_def = &defs[task_definition];
        let needed = if on_fargate { "FARGATE" } else { "EC2" };
        if !task_def.allows(needed) || (on_fargate && task_def.fargate_size.is_none()) {
            return Err(self
                .error(
                    format!("{field}.taskDefinition"),
                    format!("task definition `{}` cannot run on {needed}", task_def.name()),
                )
                .help(
                    "add it to the definition's requiresCompatibilities (Fargate also needs task-level cpu and memory)",
                ));
        }
        if !on_fargate && !has_fleets {
            return Err(self.error(&field, "the service runs on EC2 but the scenario has no [[fleet]]"));
        }
        if on_fargate && !(def.placement_strategy.is_empty() && def.placement_constraints.is_empty()) {
            return Err(self
                .error(
                    format!("{field}.placementStrategy"),
                    "placement strategies and constraints are not supported on Fargate",
                )
                .help(
                    "Fargate spreads a service's tasks over zones; remove placementStrategy and placementConstraints",
                ));
        }
        let mut strategy = self.strategies(&format!("{field}.placementStrategy"), &def.placement_strategy)?;
        if strategy.is_empty() && def.scheduling_strategy == SchedulingStrategy::Replica {
            // ECS's default for services: balance zones, then instances, counting this service's tasks.
            strategy = vec![Strategy::SpreadAttribute("ecs.availability-zone".into()), Strategy::SpreadInstance];
        }
        let constraints = self.constraints(&format!("{field}.placementConstraints"), &def.placement_constraints)?;
        let demand = match &extras.demand {
            None => None,
            Some(raw) => Some(self.demand(&format!("{field}.demand"), raw)?),
        };
        let capacity_per_task = extras.capacity_per_task.unwrap_or(1.0);
        if !(capacity_per_task.is_finite() && capacity_per_task > 0.0) {
            return Err(self.error(
                format!("{field}.capacity_per_task"),
                "must be a number above 0 (demand one healthy task serves)",
            ));
        }
        let target_group = if def.load_balancers.is_empty() {
            if extras.target_group.is_some() {
                return Err(self
                    .error(format!("{field}.target_group"), "the service has no loadBalancers, so no target group")
                    .help("add a loadBalancers entry to the service definition"));
            }
            None
        } else {
            let raw = extras.target_group.as_ref();
            let duration = |key: &str, value: Option<&String>, default: &str| {
                self.duration(&format!("{field}.target_group.{key}"), value.map_or(default, String::as_str))
            };
            let group = TargetGroup {
                deregistration_delay: duration(
                    "deregistration_delay",
                    raw.and_then(|t| t.deregistration_delay.as_ref()),
                    "300s",
                )?,
                health_check_interval: duration(
                    "health_check_interval",
                    raw.and_then(|t| t.health_check_interval.as_ref()),
                    "30s",
                )?,
                healthy_threshold: raw.and_then(|t| t.healthy_threshold).unwrap_or(5),
                unhealthy_threshold: raw.and_then(|t| t.unhealthy_threshold).unwrap_or(2),
            };
            if group.deregistration_delay > SimDuration::from_secs(3600) {
                return Err(
                    self.error(format!("{field}.target_group.deregistration_delay"), "ELB allows 0 to 3600 seconds")
                );
            }
            if !(2..=10).contains(&group.healthy_threshold) || !(2..=10).contains(&group.unhealthy_threshold) {
                return Err(self.error(format!("{field}.target_group"), "ELB thresholds must be 2 to 10"));
            }
            Some(group)
        };
        let traffic_shift = match extras.code_deploy_config.as_deref() {
            None => TrafficShift::AllAtOnce,
            Some(name) => {
                if def.controller != DeploymentController::CodeDeploy {
                    return Err(self.error(
                        format!("{field}.code_deploy_config"),
                        "only a CODE_DEPLOY service has a CodeDeploy configuration",
                    ));
                }
                code_deploy_config(name).ok_or_else(|| {
                    self.error(format!("{field}.code_deploy_config"), format!("unknown deployment configuration `{name}`")).help(
                        "use CodeDeployDefault.ECSAllAtOnce, ECSLinear10PercentEvery1Minutes, ECSLinear10PercentEvery3Minutes, ECSCanary10Percent5Minutes or ECSCanary10Percent15Minutes",
                    )
                })?
            }
        };
        if def.controller == DeploymentController::External {
            return Err(self
                .error(
                    format!("{field}.deploymentController"),
                    "the EXTERNAL controller (task sets driven from outside) is not modelled",
                )
                .help("use ECS (rolling, BLUE_GREEN, LINEAR, CANARY) or CODE_DEPLOY"));
        }
        if extras.termination_wait.is_some() && def.controller != DeploymentController::CodeDeploy {
            return Err(self
                .error(format!("{field}.termination_wait"), "only a CODE_DEPLOY service has a termination wait")
                .help("for ECS blue/green, set deploymentConfiguration.bakeTimeInMinutes"));
        }
        let termination_wait = match &extras.termination_wait {
            Some(text) => self.duration(&format!("{field}.termination_wait"), text)?,
            None => SimDuration::ZERO,
        };
        if termination_wait > SimDuration::from_secs(2880 * 60) {
            return Err(
                self.error(format!("{field}.termination_wait"), "CodeDeploy allows at most 2880 minutes (2 days)")
            );
        }
        let auto_scaling = match &extras.auto_scaling {
            None => None,
            Some(raw) => {
                if def.scheduling_strategy == SchedulingStrategy::Daemon {
                    return Err(
                        self.error(format!("{field}.auto_scaling"), "a DAEMON service cannot use service auto scaling")
                    );
                }
                Some(self.auto_scaling(&format!("{field}.auto_scaling"), raw)?)
            }
        };
        Ok(ServiceSpec {
            auto_scaling,
            def,
            task_definition,
            strategy,
            constraints,
            launch,
            demand,
            capacity_per_task,
            target_group,
            traffic_shift,
            termination_wait,
        })
    }

    /// Reads a service definition file (create-service input or output, or
    /// describe-services output), picking `select` when it holds several.
    /// ECS keys given beside `file` (`overrides`) fill in or replace the
    /// file's, so a fragment without `serviceName` or `taskDefinition` (an
    /// ecspresso file, a CLI skeleton) can be completed in the scenario.
    fn service_file(
        &self,
        (index, service_field): (usize, &str),
        file: &str,
        select: Option<&str>,
        overrides: &toml::Table,
    ) -> Result<ServiceDef, InputError> {
        let field = &format!("{service_field}.file");
        let path = self.resolve(file);
        if let Some(why) = not_a_file(&path) {
            return Err(self.error(field, why).help("paths are relative to the scenario file"));
        }
        let text = read_json_file(&path)?;
        let docs = service_doc::parse_json(&text).map_err(|e| json_file_error(&path, &text, &e))?;
        let names: Vec<String> = docs.iter().map(|d| d.service_name.clone().unwrap_or_default()).collect();
        let position = match select {
            Some(name) => names.iter().position(|n| n == name).ok_or_else(|| {
                InputError::new(&path, format!("no service `{name}` in the file"))
                    .help(format!("it holds: {}", names.join(", ")))
            })?,
            None if docs.len() == 1 => 0,
            None => {
                return Err(InputError::new(&path, format!("the file holds {} services", docs.len()))
                    .help(format!("pick one with `select = \"...\"` beside `file`: {}", names.join(", "))))
            }
        };
        if !overrides.is_empty() {
            let mut value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| json_file_error(&path, &text, &e))?;
            let wrapper = ["services", "service"].into_iter().find(|key| value.get(key).is_some());
            let object = match wrapper {
                Some("services") => value.get_mut("services").and_then(|items| items.get_mut(position)),
                Some(key) => value.get_mut(key),
                None => Some(&mut value),
            };
            let Some(serde_json::Value::Object(object)) = object else {
                return Err(InputError::new(&path, "the service is not a JSON object"));
            };
            let given = serde_json::to_value(overrides).map_err(|e| self.error(service_field, e.to_string()))?;
            if let serde_json::Value::Object(given) = given {
                object.extend(given);
            }
            let completed = serde_json::Value::Object(std::mem::take(object));
            let doc: service_doc::ServiceDoc = serde_json::from_value(completed).map_err(|e| {
                let message = e.to_string();
                // The whole list of ECS keys says less than the nearest one.
                let short = message.split(", expected one of").next().unwrap_or(&message);
                let err = self.table_error("service", index, service_field, short);
                let simulator = unknown_key(&message).and_then(|key| best_match(key, SERVICE_KEYS.into_iter()));
                let near = simulator.map(|s| format!("did you mean `{s}`?")).or_else(|| suggest_for_unknown(&message));
                let rule = "ECS keys beside `file` fill in or replace the file's (docs/scenario.md §21)";
                match near {
                    Some(s) => err.help(format!("{s} {rule}")),
                    None => err.help(rule),
                }
            })?;
            return doc.validate().map_err(|e| self.error(format!("{service_field}.{}", e.field), e.message));
        }
        let doc = docs.into_iter().nth(position).expect("position is in range");
        doc.validate_all().map_err(|errors| field_errors_in_file(&path, &text, errors))
    }

    fn demand(&self, field: &str, raw: &super::raw::RawDemand) -> Result<Demand, InputError> {
        match (&raw.file, raw.constant) {
            (Some(_), Some(_)) => Err(self.error(field, "give either `file` or `constant`, not both")),
            (None, Some(value)) => {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(self.error(format!("{field}.constant"), "must be a number, 0 or more"));
                }
                Ok(Demand::Constant(value))
            }
            (None, None) => Err(self.error(field, "a demand needs a `file` (with `column`) or a `constant`")),
            (Some(file), None) if file.to_ascii_lowercase().ends_with(".json") => {
                for (key, given) in [("column", raw.column.is_some()), ("time_column", raw.time_column.is_some())] {
                    if given {
                        return Err(self.error(
                            format!("{field}.{key}"),
                            "is for a CSV load series; this file is CloudWatch JSON",
                        ));
                    }
                }
                let step = raw.step.as_deref().map(|s| self.duration(&format!("{field}.step"), s)).transpose()?;
                let settings = CloudWatchSettings {
                    statistic: raw.statistic.as_deref(),
                    metric_id: raw.metric_id.as_deref(),
                    step,
                    scale: raw.scale.unwrap_or(1.0),
                    time_scale: raw.time_scale.unwrap_or(1.0),
                };
                let series = read_cloudwatch_series(&self.resolve(file), settings)?;
                Ok(Demand::Series(series))
            }
            (Some(file), None) => {
                for (key, given) in [("statistic", raw.statistic.is_some()), ("metric_id", raw.metric_id.is_some())] {
                    if given {
                        return Err(self.error(
                            format!("{field}.{key}"),
                            "is for CloudWatch JSON (a `.json` file); this is a CSV load series",
                        ));
                    }
                }
                let column = raw.column.as_deref().ok_or_else(|| {
                    self.error(format!("{field}.column"), "name the CSV column that holds the demand")
                })?;
                let step = self.duration(&format!("{field}.step"), raw.step.as_deref().unwrap_or("300s"))?;
                let series = read_load_series(
                    &self.resolve(file),
                    column,
                    step,
                    raw.scale.unwrap_or(1.0),
                    raw.time_column.as_deref(),
                    raw.time_scale.unwrap_or(1.0),
                )?;
                Ok(Demand::Series(series))
            }
        }
    }

    /// Validates `[[events]]` against the services.
    pub(super) fn events(
        &self,
        raw: &[RawEvent],
        services: &[ServiceSpec],
        defs: &[TaskDef],
    ) -> Result<Vec<ServiceUpdate>, InputError> {
        let mut updates = Vec::new();
        for (i, event) in raw.iter().enumerate() {
            let field = format!("events[{i}]");
            let at = self.duration(&format!("{field}.at"), &event.at)?;
            let service = services.iter().position(|s| s.def.name == event.service).ok_or_else(|| {
                let names: Vec<&str> = services.iter().map(|s| s.def.name.as_str()).collect();
                self.error(format!("{field}.service"), format!("no service `{}`", event.service))
                    .help(format!("services: {}", names.join(", ")))
            })?;
            let task_definition = event
                .task_definition
                .as_deref()
                .map(|name| {
                    find_task_definition(defs, name).ok_or_else(|| {
                        self.error(format!("{field}.task_definition"), format!("no task definition `{name}`"))
                    })
                })
                .transpose()?;
            if let Some(d) = task_definition {
                let on_fargate = services[service].launch.is_fargate();
                let needed = if on_fargate { "FARGATE" } else { "EC2" };
                if !defs[d].allows(needed) || (on_fargate && defs[d].fargate_size.is_none()) {
                    return Err(self
                        .error(format!("{field}.task_definition"), format!("`{}` cannot run on {needed}, where `{}` runs", defs[d].name(), event.service))
                        .help("add it to the definition's requiresCompatibilities (Fargate also needs task-level cpu and memory)"));
                }
            }
            if task_definition.is_none() && event.desired_count.is_none() {
                return Err(self.error(&field, "an event changes `task_definition`, `desired_count` or both"));
            }
            if event.desired_count.is_some() && services[service].is_daemon() {
                return Err(self.error(format!("{field}.desired_count"), "a DAEMON service has no desired count"));
            }
            // ECS's 5,000 tasks per service is checked with the other quotas (budget::check_quotas).
            updates.push(ServiceUpdate { at, service, task_definition, desired_count: event.desired_count });
        }
        updates.sort_by_key(|u| u.at);
        Ok(updates)
    }

    /// Validates `[faults]`.
    pub(super) fn faults(&self, raw: &RawFaults, zones: &[String]) -> Result<FaultSpec, InputError> {
        let defaults = FaultSpec::default();
        let instance_mtbf =
            raw.instance_mtbf.as_deref().map(|t| self.duration("faults.instance_mtbf", t)).transpose()?;
        if instance_mtbf.is_some_and(|m| m < MIN_INSTANCE_MTBF) {
            return Err(self
                .error("faults.instance_mtbf", format!("must be at least {MIN_INSTANCE_MTBF}"))
                .help("an instance takes minutes to launch and register; a shorter mean time between failures would replace instances without end, e.g. instance_mtbf = \"30d\""));
        }
        let mut az_outages = Vec::new();
        for (i, outage) in raw.az_outage.iter().enumerate() {
            let field = format!("faults.az_outage[{i}]");
            let zone = zones.iter().position(|z| *z == outage.zone).ok_or_else(|| {
                self.error(format!("{field}.zone"), format!("`{}` is not a zone of the cluster", outage.zone))
                    .help(format!("zones: {}", zones.join(", ")))
            })?;
            let start = self.duration(&format!("{field}.start"), &outage.start)?;
            let end = self.duration(&format!("{field}.end"), &outage.end)?;
            if end <= start {
                return Err(self.error(format!("{field}.end"), "the outage must end after it starts"));
            }
            az_outages.push(AzOutage { zone, start, end });
        }
        Ok(FaultSpec {
            instance_mtbf,
            task_crash_rate: rate(self, "faults.task_crash_rate", raw.task_crash_rate)?,
            spot_interruption_rate: rate(self, "faults.spot_interruption_rate", raw.spot_interruption_rate)?,
            spot_draining: raw.spot_draining.unwrap_or(false),
            fargate_spot_interruption_rate: rate(
                self,
                "faults.fargate_spot_interruption_rate",
                raw.fargate_spot_interruption_rate,
            )?,
            replace_failed_instances: raw.replace_failed_instances.unwrap_or(defaults.replace_failed_instances),
            instance_replacement_delay: self.dist(
                "faults.instance_replacement_delay",
                raw.instance_replacement_delay.as_ref(),
                Unit::Duration,
                defaults.instance_replacement_delay,
            )?,
            az_outages,
        })
    }
}

/// CodeDeploy's predefined ECS deployment configurations.
pub fn code_deploy_config(name: &str) -> Option<TrafficShift> {
    let name = name.strip_prefix("CodeDeployDefault.").unwrap_or(name);
    let minutes = |m: u64| SimDuration::from_secs(m * 60);
    Some(match name {
        "ECSAllAtOnce" => TrafficShift::AllAtOnce,
        "ECSLinear10PercentEvery1Minutes" => TrafficShift::Linear { percent: 10.0, interval: minutes(1) },
        "ECSLinear10PercentEvery3Minutes" => TrafficShift::Linear { percent: 10.0, interval: minutes(3) },
        "ECSCanary10Percent5Minutes" => TrafficShift::Canary { percent: 10.0, interval: minutes(5) },
        "ECSCanary10Percent15Minutes" => TrafficShift::Canary { percent: 10.0, interval: minutes(15) },
        _ => return None,
    })
}
