//! A service's tasks counted as they change: by deployment, state, health
//! and whether their instance still takes tasks; by zone and by instance.
//! Every change to a service task's state, health or place goes through
//! [`Simulation::change_task`], and every instance status change through
//! [`Simulation::set_instance_status`], so an evaluation reads the counts
//! instead of looking at every task.

use super::Simulation;
use crate::cluster::{InstanceId, InstanceStatus};
use crate::engine::SimTime;
use crate::model::LaunchType;
use crate::record::{Owner, TaskStatus};
use crate::simulation::task::{Task, TaskRef};
use rustc_hash::FxHashMap;

/// What a task is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::simulation) struct TallyKey {
    pub deployment: u32,
    pub state: TaskStatus,
    pub healthy: bool,
    /// On an instance that takes no new tasks (not ACTIVE): its task must go.
    pub draining: bool,
}

/// The tasks under one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(in crate::simulation) struct Tallied {
    pub tasks: u32,
    /// CPU units the placed EC2 tasks among them reserve.
    pub ec2_cpu: u64,
}

/// The service's tasks on one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::simulation) struct OnInstance {
    /// Those not stopping (PROVISIONING, PENDING, RUNNING).
    pub active: i64,
    /// All of them, in no particular order.
    pub tasks: Vec<TaskRef>,
}

/// One service's task counts, kept as tasks change.
#[derive(Debug, Clone, Default)]
pub(in crate::simulation) struct ServiceTally {
    /// Tasks by key; entries are never removed, so there are few.
    pub by_key: Vec<(TallyKey, Tallied)>,
    /// Tasks not stopping, by zone.
    pub zones: Vec<i64>,
    /// Tasks by instance.
    pub instances: FxHashMap<InstanceId, OnInstance>,
}

/// What one task contributes to its service's tally.
struct Share {
    key: TallyKey,
    ec2_cpu: u64,
    zone: Option<usize>,
    instance: Option<InstanceId>,
    task: TaskRef,
}

/// Whether a task in this state is on its way out (not counted by zone or
/// instance for a scale-in).
pub(super) fn is_stopping(state: TaskStatus) -> bool {
    matches!(state, TaskStatus::Deactivating | TaskStatus::Stopping | TaskStatus::Stopped)
}

impl ServiceTally {
    fn apply(&mut self, share: &Share, sign: i64) {
        let entry = match self.by_key.iter().position(|(k, _)| *k == share.key) {
            Some(i) => &mut self.by_key[i].1,
            None => {
                self.by_key.push((share.key, Tallied::default()));
                &mut self.by_key.last_mut().expect("just pushed").1
            }
        };
        entry.tasks = (i64::from(entry.tasks) + sign) as u32;
        entry.ec2_cpu = (entry.ec2_cpu as i64 + sign * share.ec2_cpu as i64) as u64;
        let active = !is_stopping(share.key.state);
        if let (Some(zone), true) = (share.zone, active) {
            if self.zones.len() <= zone {
                self.zones.resize(zone + 1, 0);
            }
            self.zones[zone] += sign;
        }
        if let Some(id) = share.instance {
            let on = self.instances.entry(id).or_default();
            on.active += if active { sign } else { 0 };
            if sign > 0 {
                on.tasks.push(share.task);
            } else {
                on.tasks.retain(|&t| t != share.task);
                if on.tasks.is_empty() {
                    self.instances.remove(&id);
                }
            }
        }
    }

    /// The tasks under the keys `which` accepts.
    pub(in crate::simulation) fn count(&self, which: impl Fn(&TallyKey) -> bool) -> u32 {
        self.by_key.iter().filter(|(k, _)| which(k)).map(|(_, t)| t.tasks).sum()
    }

    /// Tasks not stopping on `id`.
    pub(super) fn active_on(&self, id: InstanceId) -> i64 {
        self.instances.get(&id).map_or(0, |on| on.active)
    }

    /// Equal counts, whatever the order of entries and lists.
    #[cfg(test)]
    fn same_as(&self, other: &ServiceTally) -> bool {
        let nonzero = |t: &ServiceTally| -> Vec<(TallyKey, Tallied)> {
            t.by_key.iter().copied().filter(|(_, v)| v.tasks > 0 || v.ec2_cpu > 0).collect()
        };
        let (a, b) = (nonzero(self), nonzero(other));
        let zones = |t: &ServiceTally| -> Vec<i64> {
            let mut z = t.zones.clone();
            while z.last() == Some(&0) {
                z.pop();
            }
            z
        };
        let instances = |t: &ServiceTally| -> std::collections::BTreeSet<(InstanceId, i64, Vec<TaskRef>)> {
            t.instances
                .iter()
                .map(|(&id, on)| {
                    let mut tasks = on.tasks.clone();
                    tasks.sort();
                    (id, on.active, tasks)
                })
                .collect()
        };
        a.len() == b.len()
            && a.iter().all(|e| b.contains(e))
            && zones(self) == zones(other)
            && instances(self) == instances(other)
    }
}

impl Simulation<'_> {
    fn share(&self, task_ref: TaskRef) -> Share {
        let task = &self.tasks[task_ref.slot as usize];
        let draining =
            task.instance.is_some_and(|id| self.cluster.instances[id.0 as usize].status != InstanceStatus::Active);
        let placed_ec2 = task.launch_type == LaunchType::Ec2 && task.placed.is_some();
        Share {
            key: TallyKey { deployment: task.deployment, state: task.state, healthy: task.healthy, draining },
            ec2_cpu: if placed_ec2 { u64::from(task.cpu) } else { 0 },
            zone: task.availability_zone,
            instance: task.instance,
            task: task_ref,
        }
    }

    /// The service whose tally counts the task: the task's service, once
    /// the task is among its live tasks.
    fn tallied_by(&self, task_ref: TaskRef) -> Option<usize> {
        let task = &self.tasks[task_ref.slot as usize];
        match task.owner {
            Owner::Service(s) if self.services[s].tasks.get(&task.number) == Some(&task_ref) => Some(s),
            _ => None,
        }
    }

    /// Counts a task its service has just taken on.
    pub(super) fn tally_add(&mut self, service: usize, task_ref: TaskRef) {
        let share = self.share(task_ref);
        self.services[service].tally.apply(&share, 1);
    }

    /// Stops counting a task its service is letting go.
    pub(super) fn tally_remove(&mut self, service: usize, task_ref: TaskRef) {
        let share = self.share(task_ref);
        self.services[service].tally.apply(&share, -1);
    }

    /// Changes a task's state, health or place, keeping its service's
    /// tally right: the one way to change what a service task is counted under.
    pub(in crate::simulation) fn change_task(&mut self, task_ref: TaskRef, change: impl FnOnce(&mut Task)) {
        let service = self.tallied_by(task_ref);
        if let Some(s) = service {
            self.tally_remove(s, task_ref);
        }
        change(&mut self.tasks[task_ref.slot as usize]);
        if let Some(s) = service {
            self.tally_add(s, task_ref);
        }
    }

    /// Changes an instance's status, moving the service tasks on it to
    /// their new keys (a task on an instance that is not ACTIVE must go).
    pub(in crate::simulation) fn set_instance_status(&mut self, id: InstanceId, status: InstanceStatus, now: SimTime) {
        let on: Vec<(usize, Vec<TaskRef>)> = (0..self.services.len())
            .filter_map(|s| self.services[s].tally.instances.get(&id).map(|on| (s, on.tasks.clone())))
            .collect();
        for (s, tasks) in &on {
            for &task in tasks {
                self.tally_remove(*s, task);
            }
        }
        self.cluster.set_status(id, status, now);
        for (s, tasks) in &on {
            for &task in tasks {
                self.tally_add(*s, task);
            }
        }
    }

    /// Panics unless every service's tally equals a recount of its tasks.
    #[cfg(test)]
    pub(super) fn check_tally(&self, service: usize) {
        let mut recount = ServiceTally::default();
        for &task in self.services[service].tasks.values() {
            recount.apply(&self.share(task), 1);
        }
        let tally = &self.services[service].tally;
        assert!(tally.same_as(&recount), "service {service}: tally {tally:?}, recount {recount:?}");
        // The reserved CPU the samples read is the one the task records give.
        let reserved: u64 = self.services[service]
            .tasks
            .values()
            .map(|t| &self.tasks[t.slot as usize])
            .filter(|t| t.launch_type == LaunchType::Ec2 && t.placed.is_some() && t.state != TaskStatus::Stopped)
            .map(|t| u64::from(t.cpu))
            .sum();
        let tallied: u64 =
            tally.by_key.iter().filter(|(k, _)| k.state != TaskStatus::Stopped).map(|(_, v)| v.ec2_cpu).sum();
        assert_eq!(reserved, tallied, "service {service}: reserved CPU");
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::Scenario;
    use std::path::Path;

    /// Runs scenarios with services, deployments, draining and failures;
    /// every evaluation checks the tally against a recount.
    #[test]
    fn tallies_match_recounts() {
        for name in ["web-service", "outage-at-peak", "fargate-spot", "quickstart", "spot-heavy"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
            let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            crate::simulation::run_scenario(&scenario).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
