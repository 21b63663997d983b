//! Tasks already running when the run starts: the validated form of
//! `[[running_task]]`, as `ecs-sim import` writes it from a live cluster.
//! Each names its owner (a service, or a workload for standalone RunTask
//! tasks), where it runs (a listed instance, or a zone on Fargate) and how
//! many; the simulation adopts them RUNNING at time zero, without placing
//! them again.

use super::fleet_spec::FleetSpec;
use super::raw::RawRunningTask;
use super::service_spec::{ServiceLaunch, ServiceSpec};
use super::taskdef::TaskDef;
use super::validate::{find_task_definition, Validator};
use super::workload_spec::{WorkloadSource, WorkloadSpec};
use crate::engine::SimDuration;
use crate::error::InputError;
use crate::model::{LaunchType, Provider};
use std::collections::BTreeMap;

/// Whose tasks they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunningOwner {
    /// A service's (index), of its first deployment.
    Service(usize),
    /// A workload's (index): standalone tasks someone ran with RunTask.
    Workload(usize),
}

/// Where they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunningPlace {
    /// On a listed instance: its fleet and its place in the fleet's list.
    Instance {
        /// The fleet (index).
        fleet: usize,
        /// The instance's index in the fleet's `instances`.
        listed: usize,
    },
    /// On Fargate, in a zone (index into the cluster's).
    Fargate {
        /// The zone.
        zone: usize,
        /// On FARGATE_SPOT.
        spot: bool,
    },
}

/// A validated `[[running_task]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningTaskSpec {
    /// Whose.
    pub owner: RunningOwner,
    /// Where.
    pub place: RunningPlace,
    /// Their task definition (index).
    pub task_definition: usize,
    /// How many.
    pub count: u32,
    /// How much longer a standalone task runs (None: past the end of the run).
    pub run_for: Option<SimDuration>,
}

/// What a `[[running_task]]` may refer to.
pub(super) struct RunningContext<'a> {
    pub(super) fleets: &'a [FleetSpec],
    pub(super) services: &'a [ServiceSpec],
    pub(super) workloads: &'a [WorkloadSpec],
    pub(super) task_definitions: &'a [TaskDef],
    pub(super) availability_zones: &'a [String],
}

impl Validator<'_> {
    /// Validates every `[[running_task]]`, and that each workload without a
    /// source has some.
    pub(super) fn running_tasks(
        &self,
        raws: &[RawRunningTask],
        context: &RunningContext<'_>,
    ) -> Result<Vec<RunningTaskSpec>, InputError> {
        let mut instances = BTreeMap::new();
        for (f, fleet) in context.fleets.iter().enumerate() {
            for (k, listed) in fleet.listed.iter().enumerate() {
                if instances.insert(listed.id.as_str(), (f, k)).is_some() {
                    return Err(self.error(
                        format!("fleet[{f}].instances[{k}].id"),
                        format!("instance `{}` is listed twice", listed.id),
                    ));
                }
            }
        }
        let specs = raws
            .iter()
            .enumerate()
            .map(|(i, raw)| self.running_task(&format!("running_task[{i}]"), raw, context, &instances))
            .collect::<Result<Vec<_>, _>>()?;
        for (w, workload) in context.workloads.iter().enumerate() {
            let adopted = specs.iter().any(|s| s.owner == RunningOwner::Workload(w));
            if matches!(workload.source, WorkloadSource::StartedBefore) && !adopted {
                return Err(self.error(
                    format!("workload[{w}].trace"),
                    "give exactly one of `trace` (a CSV file) or `[workload.synthetic]`, or name the workload in a \
                     [[running_task]]",
                ));
            }
        }
        Ok(specs)
    }

    fn running_task(
        &self,
        field: &str,
        raw: &RawRunningTask,
        context: &RunningContext<'_>,
        instances: &BTreeMap<&str, (usize, usize)>,
    ) -> Result<RunningTaskSpec, InputError> {
        let (owner, default_definition, launch_type) = match (&raw.service, &raw.workload) {
            (Some(name), None) => {
                let s = context.services.iter().position(|s| s.def.name == *name).ok_or_else(|| {
                    self.error(format!("{field}.service"), format!("no service `{name}`"))
                        .help("name a [[service]] of the scenario")
                })?;
                let service = &context.services[s];
                if service.is_daemon() {
                    return Err(self
                        .error(format!("{field}.service"), "a DAEMON service's tasks follow its instances")
                        .help("leave them out: the daemon starts one on each instance at once"));
                }
                if raw.run_for.is_some() {
                    return Err(self.error(format!("{field}.run_for"), "a service's tasks run until it stops them"));
                }
                let launch_type = match &service.launch {
                    ServiceLaunch::LaunchType(launch_type) => Some(*launch_type),
                    ServiceLaunch::Providers(_) => None,
                };
                (RunningOwner::Service(s), Some(service.task_definition), launch_type)
            }
            (None, Some(name)) => {
                let w = context.workloads.iter().position(|w| w.name == *name).ok_or_else(|| {
                    self.error(format!("{field}.workload"), format!("no workload `{name}`"))
                        .help("name a [[workload]] of the scenario")
                })?;
                let workload = &context.workloads[w];
                (RunningOwner::Workload(w), workload.task_definition, Some(workload.launch_type))
            }
            _ => {
                return Err(self
                    .error(field, "name exactly one owner: `service` or `workload`")
                    .help("standalone tasks belong to a [[workload]]; a service's to its [[service]]"))
            }
        };
        let task_definition = match &raw.task_definition {
            None => default_definition.ok_or_else(|| {
                self.error(format!("{field}.task_definition"), "name the tasks' task definition")
                    .help("or set the workload's run_task.taskDefinition")
            })?,
            Some(name) => find_task_definition(context.task_definitions, name).ok_or_else(|| {
                self.error(format!("{field}.task_definition"), format!("unknown task definition `{name}`"))
                    .help("define it in a [[task_definition]] of the scenario")
            })?,
        };
        let place = match (&raw.instance, &raw.availability_zone) {
            (Some(id), None) => {
                let &(fleet, listed) = instances.get(id.as_str()).ok_or_else(|| {
                    self.error(format!("{field}.instance"), format!("no listed instance `{id}`"))
                        .help("list it in a fleet's [[fleet.instances]]")
                })?;
                if launch_type == Some(LaunchType::Fargate) || raw.capacity_provider.is_some() {
                    return Err(self.error(
                        format!("{field}.instance"),
                        "the tasks run on Fargate: give `availability_zone`, not `instance`",
                    ));
                }
                RunningPlace::Instance { fleet, listed }
            }
            (None, Some(zone_name)) => {
                let zone = context.availability_zones.iter().position(|z| z == zone_name).ok_or_else(|| {
                    self.error(format!("{field}.availability_zone"), format!("`{zone_name}` is not a cluster zone"))
                        .help(format!("the cluster's zones are {}", context.availability_zones.join(", ")))
                })?;
                let spot = match raw.capacity_provider.as_deref() {
                    None | Some("FARGATE") => false,
                    Some("FARGATE_SPOT") => true,
                    Some(other) => {
                        return Err(self
                            .error(format!("{field}.capacity_provider"), format!("`{other}` is not a Fargate provider"))
                            .help("FARGATE or FARGATE_SPOT; tasks on an Auto Scaling group name their `instance`"))
                    }
                };
                if launch_type == Some(LaunchType::Ec2) {
                    return Err(self.error(
                        format!("{field}.availability_zone"),
                        "the tasks run on EC2: give the `instance` they run on",
                    ));
                }
                if let RunningOwner::Service(s) = owner {
                    if let ServiceLaunch::Providers(shares) = &context.services[s].launch {
                        let provider = if spot { Provider::FargateSpot } else { Provider::Fargate };
                        if !shares.iter().any(|share| share.provider == provider) {
                            return Err(self.error(
                                format!("{field}.capacity_provider"),
                                "the service's capacity provider strategy does not use this Fargate provider",
                            ));
                        }
                    }
                }
                RunningPlace::Fargate { zone, spot }
            }
            _ => {
                return Err(self
                    .error(field, "say where the tasks run: `instance` (EC2) or `availability_zone` (Fargate)")
                    .help("`ecs-sim import` writes one of them from describe-tasks"))
            }
        };
        if let RunningOwner::Service(s) = owner {
            let own = context.services[s].task_definition;
            if task_definition != own {
                return Err(self
                    .error(
                        format!("{field}.task_definition"),
                        format!("the service's tasks run `{}`", context.task_definitions[own].name()),
                    )
                    .help(
                        "to continue a deployment, give the old task definition to the service and the new one in \
                         an [[events]] entry at \"0s\"",
                    ));
            }
        }
        let def = &context.task_definitions[task_definition];
        let on = match place {
            RunningPlace::Instance { .. } => "EC2",
            RunningPlace::Fargate { .. } => "FARGATE",
        };
        if !def.allows(on) || (on == "FARGATE" && def.fargate_size.is_none()) {
            return Err(self.error(
                format!("{field}.task_definition"),
                format!("task definition `{}` cannot run on {on}", def.name()),
            ));
        }
        let count = raw.count.unwrap_or(1);
        if count == 0 {
            return Err(self.error(format!("{field}.count"), "count at least one task"));
        }
        let run_for =
            raw.run_for.as_deref().map(|text| self.duration(&format!("{field}.run_for"), text)).transpose()?;
        Ok(RunningTaskSpec { owner, place, task_definition, count, run_for })
    }
}
