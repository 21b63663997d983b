//! Workloads: the validated form of `[[workload]]`, a RunTask template and a
//! source of submissions (a native CSV trace, a public or custom trace
//! format, or a synthetic generator).

use super::dist::{Dist, Unit};
use super::raw::{self, RawSynthetic, RawWorkload};
use super::taskdef::TaskDef;
use super::validate::{find_task_definition, Validator};
use crate::engine::SimDuration;
use crate::error::{best_match, not_a_file, InputError};
use crate::model::{LaunchType, MAX_CONSTRAINTS};
use crate::placement::{Constraint, Strategy};
use crate::traces::{ColumnMapping, TimeUnit, TraceFormat, UnitMapping, DEFAULT_REORDER_WINDOW};
use std::path::PathBuf;

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
    /// None: the workload only owns tasks already running when the run
    /// starts (`[[running_task]]`), standalone tasks of a live cluster.
    StartedBefore,
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
    /// [`Scenario::task_definitions`](super::Scenario::task_definitions)).
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

impl Validator<'_> {
    pub(super) fn workload(
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
                    if let Some(why) = not_a_file(&path) {
                        return Err(self.error(field("trace"), why).help("paths are relative to the scenario file"));
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
                (None, None) => WorkloadSource::StartedBefore,
                (Some(_), Some(_)) => {
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
            Some(machine) => UnitMapping::from_machine(machine.vcpu, machine.memory_gib)
                .map_err(|e| self.error(field("trace_machine"), e))?,
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

    pub(super) fn columns(&self, field: &str, raw: &raw::RawTraceColumns) -> Result<ColumnMapping, InputError> {
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
}
