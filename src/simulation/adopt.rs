//! Tasks already running when the run starts (`[[running_task]]`, a live
//! cluster's tasks): adopted where they are, RUNNING and healthy at time
//! zero, without placement, start latency or start failures. A task that
//! does not fit on its instance is an input error, since the cluster it
//! came from held it.

use super::event::Event;
use super::task::Task;
use super::Simulation;
use crate::cluster::InstanceId;
use crate::engine::{SimDuration, SimTime};
use crate::error::{Error, InputError};
use crate::model::{LaunchType, Provider};
use crate::record::{Owner, StopCode, TaskOutcome, TaskStatus};
use crate::scenario::running_spec::{RunningOwner, RunningPlace, RunningTaskSpec};
use crate::scenario::service_spec::ServiceLaunch;

impl Simulation<'_> {
    /// Adopts every `[[running_task]]`; `listed` holds each fleet's listed
    /// instances in order.
    pub(super) fn adopt_running_tasks(&mut self, listed: &[Vec<InstanceId>]) -> Result<(), Error> {
        for (index, spec) in self.scenario.running_tasks.iter().enumerate() {
            let instance = match spec.place {
                RunningPlace::Instance { fleet, listed: k } => Some(listed[fleet][k]),
                RunningPlace::Fargate { .. } => None,
            };
            for _ in 0..spec.count {
                self.adopt(index, spec, instance)?;
            }
        }
        Ok(())
    }

    fn adopt(&mut self, index: usize, spec: &RunningTaskSpec, instance: Option<InstanceId>) -> Result<(), Error> {
        let now = SimTime::ZERO;
        let scenario = self.scenario;
        let def = &scenario.task_definitions[spec.task_definition];
        let (owner, group) = match spec.owner {
            RunningOwner::Service(s) => (Owner::Service(s), self.services[s].group),
            RunningOwner::Workload(w) => {
                let name = scenario.workloads[w].group.clone().unwrap_or_else(|| format!("family:{}", def.family));
                (Owner::Workload(w), self.cluster.group_id(&name))
            }
        };
        let (launch_type, fargate, zone, spot) = match spec.place {
            RunningPlace::Instance { .. } => (LaunchType::Ec2, None, None, false),
            RunningPlace::Fargate { zone, spot } => (LaunchType::Fargate, def.fargate_size, Some(zone), spot),
        };
        // A service on an Auto Scaling group provider counts the task under
        // the provider of the instance's fleet.
        let capacity_provider = match (spec.owner, instance) {
            (RunningOwner::Service(s), Some(id)) => match &scenario.services[s].launch {
                ServiceLaunch::Providers(shares) => {
                    let fleet = self.cluster.instances[id.0 as usize].fleet;
                    let provider = scenario.capacity_providers.iter().position(|p| p.fleet == fleet);
                    let used = provider.filter(|&p| shares.iter().any(|share| share.provider == Provider::Asg(p)));
                    if used.is_none() {
                        return Err(self.adoption_error(
                            index,
                            "its instance is in no capacity provider of the service's strategy",
                        ));
                    }
                    used
                }
                ServiceLaunch::LaunchType(_) => None,
            },
            _ => None,
        };
        let plan = self.plan_index[&(owner, spec.task_definition, capacity_provider)];
        let draw_key = self.draws.next_task(scenario, owner);
        self.draws.count_task(owner);
        let (cpu, memory) = (fargate.map_or(def.cpu, |s| s.cpu), fargate.map_or(def.memory_mib, |s| s.memory_mib));
        let mut task = Task {
            spot,
            capacity_provider,
            healthy: true,
            state: TaskStatus::Pending,
            placed: Some(now),
            pending: Some(now),
            instance,
            availability_zone: zone,
            run_for: spec.run_for.unwrap_or(scenario.duration + SimDuration(1)),
            ..Task::provisioning(
                (self.next_number, draw_key),
                owner,
                spec.task_definition,
                plan,
                (cpu, memory),
                group,
                (launch_type, fargate),
                now,
            )
        };
        if let RunningOwner::Service(_) = spec.owner {
            task.outcome = TaskOutcome::Stopped;
            task.stop_code = StopCode::ServiceSchedulerInitiated;
        }
        let task_ref = self.store(task);
        if let Some(id) = instance {
            let needs = self.tasks[task_ref.slot as usize].needs(scenario, &self.plans);
            let fits = self.placer.check(&self.cluster, &self.cluster.instances[id.0 as usize], &needs);
            if let Err(reason) = fits {
                let ec2_id = self.cluster.instances[id.0 as usize].ec2_instance_id.clone();
                let why = format!(
                    "the task does not fit on {ec2_id} beside the tasks adopted before it ({})",
                    reason.reason()
                );
                return Err(self.adoption_error(index, &why));
            }
            self.cluster.reserve(id, &needs.reservation());
            if !self.is_daemon_task(task_ref) {
                self.packing.place(id, needs.cpu, needs.memory);
            }
            self.tasks[task_ref.slot as usize].availability_zone =
                Some(self.cluster.instances[id.0 as usize].availability_zone);
            self.attach_to_instance(task_ref, id);
        } else if let Some(zone) = zone {
            *self.fargate_spread.entry((group, zone)).or_insert(0) += 1;
        }
        self.next_number += 1;
        self.summary.tasks_submitted += 1;
        self.unstarted_tasks += 1;
        if let RunningOwner::Service(s) = spec.owner {
            self.summary.service_tasks += 1;
            self.adopt_service_task(s, task_ref);
        }
        self.queue.schedule_in(SimDuration::ZERO, Event::Running(task_ref));
        if self.recorder.keeps_events() {
            self.log_task(now, "TASK_ADOPTED", task_ref, None, "running when the run starts");
        }
        Ok(())
    }

    fn adoption_error(&self, index: usize, why: &str) -> Error {
        InputError::new(&self.scenario.path, why.to_string())
            .at(format!("field `running_task[{index}]`"))
            .help("lower its `count`, or give the instance's registered_cpu and registered_memory_mib as the agent reports them")
            .into()
    }
}
