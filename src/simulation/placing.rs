//! Placing one task: on EC2 through the placement plans, on Fargate in a
//! zone of its own choosing.

use super::event::Event;
use super::task::TaskRef;
use super::{Purpose, Simulation};
use crate::cluster::{GroupId, InstanceId};
use crate::engine::{SimDuration, SimTime};
use crate::model::LaunchType;
use crate::placement::Rejection;
use crate::record::{Owner, TaskStatus};

/// A placement plan's key: owner, task definition, capacity provider.
pub(super) type PlanKey = (Owner, usize, Option<usize>);

impl Simulation<'_> {
    pub(super) fn rejection_now(&mut self, task_ref: TaskRef) -> Rejection {
        let needs = self.tasks[task_ref.slot as usize].needs(self.scenario, &self.plans);
        self.placer.closest_rejection(&self.cluster, &needs)
    }

    /// Places a task now, on `target` when given (a daemon task) or where
    /// placement picks; false when it cannot be placed.
    pub(super) fn try_place_on(&mut self, task_ref: TaskRef, target: Option<InstanceId>, now: SimTime) -> bool {
        let (launch_type, group) =
            (self.tasks[task_ref.slot as usize].launch_type, self.tasks[task_ref.slot as usize].group);
        let fargate_zone = match launch_type {
            LaunchType::Fargate => match self.fargate_zone(group) {
                Some(zone) => Some(zone),
                None => return false, // every zone is out
            },
            LaunchType::Ec2 => None,
        };
        let task = &self.tasks[task_ref.slot as usize];
        let needs = task.needs(self.scenario, &self.plans);
        let awsvpc = needs.awsvpc;
        let (instance, zone) = match fargate_zone {
            Some(zone) => (None, zone),
            None => {
                let chosen = match target {
                    Some(id) => {
                        let instance = &self.cluster.instances[id.0 as usize];
                        (instance.is_placeable() && self.placer.check(&self.cluster, instance, &needs).is_ok())
                            .then_some(id)
                    }
                    None => self.placer.select(&mut self.cluster, &needs),
                };
                let Some(id) = chosen else { return false };
                self.cluster.reserve(id, &needs.reservation());
                if !self.is_daemon_task(task_ref) {
                    self.packing.place(id, needs.cpu, needs.memory);
                }
                (Some(id), self.cluster.instances[id.0 as usize].availability_zone)
            }
        };
        if let (Some(id), true) = (instance, self.dynamic_constraints) {
            self.note_change(id); // may satisfy a task:group affinity
        }
        // PROVISIONING (ENI attachment for awsvpc) → PENDING (pull, start) → RUNNING.
        let task = &self.tasks[task_ref.slot as usize];
        let mut rng = self.draws.rng(Purpose::TaskStart, task.draw_key);
        let provisioning =
            if awsvpc { self.scenario.timing.awsvpc_eni_attach.sample_duration(&mut rng) } else { SimDuration::ZERO };
        let model = &self.scenario.task_start[task.task_definition];
        let starting = match (&model.image_pull, &model.container_start, task.launch_type) {
            (None, None, LaunchType::Fargate) => self.scenario.fargate.launch_latency.sample_duration(&mut rng),
            (None, None, LaunchType::Ec2) => self.scenario.timing.ec2_task_start.sample_duration(&mut rng),
            (pull, start, _) => {
                let pull = pull.as_ref().map_or(SimDuration::ZERO, |d| d.sample_duration(&mut rng));
                pull + start.as_ref().map_or(SimDuration::ZERO, |d| d.sample_duration(&mut rng))
            }
        };
        self.change_task(task_ref, |task| {
            task.instance = instance;
            task.availability_zone = Some(zone);
            task.placed = Some(now);
            task.pending = Some(now + provisioning);
            task.state = TaskStatus::Pending;
        });
        let task = &self.tasks[task_ref.slot as usize];
        self.waits.record(now.since(task.submitted));
        if task.launch_type == LaunchType::Fargate {
            *self.fargate_spread.entry((task.group, zone)).or_insert(0) += 1;
        }
        if let Some(id) = instance {
            self.attach_to_instance(task_ref, id);
        }
        self.queue.schedule_in(provisioning + starting, Event::Running(task_ref));
        if self.recorder.keeps_events() {
            self.log_task(now, "TASK_PLACED", task_ref, None, "");
        }
        true
    }

    /// Whether the task belongs to a DAEMON service (left out of packing).
    pub(super) fn is_daemon_task(&self, task_ref: TaskRef) -> bool {
        match self.tasks[task_ref.slot as usize].owner {
            Owner::Service(s) => self.scenario.services[s].is_daemon(),
            Owner::Workload(_) => false,
        }
    }

    /// Places a task where placement picks; false when no instance can take it.
    pub(super) fn try_place(&mut self, task_ref: TaskRef, now: SimTime) -> bool {
        self.try_place_on(task_ref, None, now)
    }

    /// Fargate spreads a group's tasks over the zones that are up: the zone
    /// with fewest, random among equals. None when every zone is out.
    pub(super) fn fargate_zone(&mut self, group: GroupId) -> Option<usize> {
        let zones = self.scenario.availability_zones.len();
        let count = |z: usize| self.fargate_spread.get(&(group, z)).copied().unwrap_or(0);
        let up: Vec<usize> = (0..zones).filter(|&z| self.zone_down[z] == 0).collect();
        let fewest = up.iter().map(|&z| count(z)).min()?;
        let candidates: Vec<usize> = up.into_iter().filter(|&z| count(z) == fewest).collect();
        use rand::Rng;
        Some(candidates[self.fargate_placement.gen_range(0..candidates.len())])
    }
}
