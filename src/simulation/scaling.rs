//! Auto scaling inside the event loop, once a minute: service auto scaling
//! (the metrics ECS publishes, fed to [`crate::scaling::target`]) and
//! cluster auto scaling (each capacity provider's CPR, fed to
//! [`crate::scaling::capacity`]), with the Auto Scaling group launching and
//! terminating instances. Every change is a row of `scaling.csv`; the
//! minute's metrics are rows of `metrics.csv`.

use super::{Event, Owner, Purpose, Simulation, TaskStatus};
use crate::cluster::{InstanceId, InstanceStatus};
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::record::{MetricRecord, ScalingRecord, StopCode, TaskOutcome};
use crate::scaling::capacity::{estimate_instances, CapacityProviderScaler, CasObservation, InstanceShape, TaskGroup};
use crate::scaling::scheduled::DEFAULT_EPOCH_UNIX_MS;
use crate::scaling::step::StepScalingPolicy;
use crate::scaling::target::ScalableTarget;
use crate::scaling::target_tracking::TargetTrackingPolicy;
use crate::scaling::Datapoints;
use crate::scheduler::RolloutState;
use std::collections::{BTreeMap, BTreeSet};

/// Metrics are published, and scaling evaluated, once a minute.
pub(super) const SCALING_PERIOD: SimDuration = SimDuration::from_secs(60);

/// One capacity provider's Auto Scaling group.
#[derive(Debug)]
pub(super) struct ProviderState {
    /// The group's desired capacity.
    pub desired: u32,
    /// Instances launched but not yet registered.
    pub pending: u32,
    /// Instances being drained before termination.
    pub terminating: BTreeSet<InstanceId>,
    /// Managed scaling, when enabled.
    pub scaler: Option<CapacityProviderScaler>,
}

/// Builds a service's scalable target from its spec.
pub(super) fn scalable_target(spec: &crate::scenario::service_spec::ServiceSpec) -> Option<ScalableTarget> {
    let auto = spec.auto_scaling.as_ref()?;
    let mut target = ScalableTarget::new(auto.min_capacity, auto.max_capacity, spec.desired_count()).ok()?;
    for (i, config) in auto.target_tracking.iter().enumerate() {
        let name = format!("target-tracking-{}-{i}", config.metric.short_name());
        if let Ok(policy) = TargetTrackingPolicy::new(name, config.clone()) {
            // One policy per metric; validation already rejected the rest.
            let _ = target.add_target_tracking(policy);
        }
    }
    for step in &auto.step_scaling {
        if let Ok(policy) = StepScalingPolicy::new(step.name.clone(), step.metric, step.alarm, step.config.clone()) {
            target.add_step_scaling(policy);
        }
    }
    Some(target)
}

impl Simulation<'_> {
    /// Instances of a fleet that have not been terminated, by id.
    fn fleet_instances(&self, fleet: usize) -> Vec<InstanceId> {
        self.cluster.fleet_instances(fleet).to_vec()
    }

    /// Daemon tasks holding resources, per instance (one pass over the
    /// daemon services' tasks).
    fn daemon_tasks_by_instance(&self) -> BTreeMap<InstanceId, u32> {
        let mut daemons = BTreeMap::new();
        for (s, state) in self.services.iter().enumerate() {
            if !self.scenario.services[s].is_daemon() {
                continue;
            }
            for t in state.tasks.values() {
                let task = &self.tasks[t.slot as usize];
                if let (Some(id), Some(_), false) = (task.instance, task.placed, task.state == TaskStatus::Stopped) {
                    *daemons.entry(id).or_insert(0) += 1;
                }
            }
        }
        daemons
    }

    /// CPU units and MiB one task of each DAEMON service reserves, summed:
    /// what a new instance loses to daemons before any other task.
    fn daemon_reservation(&self) -> (u32, u32) {
        let scenario = self.scenario;
        scenario.services.iter().filter(|s| s.is_daemon()).fold((0, 0), |(cpu, memory), service| {
            let def = &scenario.task_definitions[service.task_definition];
            (cpu.saturating_add(def.cpu), memory.saturating_add(def.memory_mib))
        })
    }

    /// Tasks on an instance that are not daemon tasks.
    fn non_daemon_tasks(&self, id: InstanceId, daemons: &BTreeMap<InstanceId, u32>) -> u32 {
        let daemon_count = daemons.get(&id).copied().unwrap_or(0);
        self.cluster.instances[id.0 as usize].placed_tasks.saturating_sub(daemon_count)
    }

    /// The once-a-minute scaling pass.
    pub(super) fn on_scaling_tick(&mut self, now: SimTime) -> Result<(), Error> {
        let previous = self.last_scaling_tick;
        self.last_scaling_tick = now;
        for service in 0..self.services.len() {
            if self.targets[service].is_some() {
                self.scale_service(service, previous, now)?;
            }
        }
        for provider in 0..self.providers.len() {
            self.scale_provider(provider, now)?;
        }
        Ok(())
    }

    /// Publishes a service's metrics and lets Application Auto Scaling act.
    fn scale_service(&mut self, service: usize, previous: SimTime, now: SimTime) -> Result<(), Error> {
        let spec = &self.scenario.services[service];
        let auto = spec.auto_scaling.as_ref().expect("targets exist only for auto scaling services");
        let state = &self.services[service];
        let running = state.tally.count(|k| k.state == TaskStatus::Running);
        let healthy = state.tally.count(|k| k.healthy);
        // The datapoint covers the minute that just ended.
        let minute_ago = SimTime(now.0.saturating_sub(1));
        let demand = spec.demand.as_ref().map_or(0.0, |d| d.at(minute_ago));
        // Each running task carries an equal share of the demand; its CPU
        // use is that share of what one task can serve.
        let load =
            if running == 0 { None } else { Some((demand / (f64::from(running) * spec.capacity_per_task)).min(1.0)) };
        let datapoints = Datapoints {
            cpu_pct: load.map(|l| 100.0 * l),
            memory_pct: load.map(|l| auto.memory_baseline_pct + (100.0 - auto.memory_baseline_pct) * l),
            // Demand is per second; ALB counts requests per target per minute.
            requests_per_target: (spec.demand.is_some()).then(|| demand * 60.0 / f64::from(healthy.max(1))),
        };
        let in_progress = state.deployments.iter().any(|d| d.rollout == RolloutState::InProgress);
        let desired_before = state.desired;
        let target = self.targets[service].as_mut().expect("checked by the caller");
        target.set_desired(desired_before);
        let mut activities = Vec::new();
        for action in &auto.scheduled {
            if action.schedule.fires_in(previous, now, DEFAULT_EPOCH_UNIX_MS) {
                activities.extend(target.apply_scheduled(action));
            }
        }
        activities.extend(target.evaluate(now, &datapoints, running, in_progress));
        let desired = target.desired();
        let name = format!("service:{}", spec.def.name);
        for activity in activities {
            self.log_scaling(now, &name, &activity.policy, activity.from, activity.to, &activity.cause);
        }
        if desired != desired_before {
            self.services[service].desired = desired;
            self.request_evaluation(service);
        }
        self.recorder.metric(MetricRecord::Service {
            time: now,
            service,
            desired,
            running,
            cpu_pct: datapoints.cpu_pct,
            memory_pct: datapoints.memory_pct,
            requests_per_target: datapoints.requests_per_target,
        });
        Ok(())
    }

    /// Publishes a capacity provider's CPR, lets managed scaling act, and
    /// brings the Auto Scaling group to its desired capacity.
    fn scale_provider(&mut self, provider: usize, now: SimTime) -> Result<(), Error> {
        let spec = &self.scenario.capacity_providers[provider];
        let fleet = &self.scenario.fleets[spec.fleet];
        let instances = self.fleet_instances(spec.fleet);
        let daemons = self.daemon_tasks_by_instance();
        let non_empty = instances.iter().filter(|&&id| self.non_daemon_tasks(id, &daemons) > 0).count() as u32;
        // PROVISIONING tasks of this provider, grouped by size.
        let mut groups: BTreeMap<(u32, u32), u32> = BTreeMap::new();
        for queue in self.waiting.values() {
            for task_ref in queue {
                let task = &self.tasks[task_ref.slot as usize];
                if task.capacity_provider == Some(provider) {
                    *groups.entry((task.cpu, task.memory)).or_insert(0) += 1;
                }
            }
        }
        let provisioning: u32 = groups.values().sum();
        let groups: Vec<TaskGroup> = groups
            .into_iter()
            .map(|((cpu_units, memory_mib), count)| TaskGroup { cpu_units, memory_mib, count })
            .collect();
        // A new instance's room: what it registers less what the DAEMON
        // services will reserve on it (every daemon, whatever its constraints).
        let (daemon_cpu, daemon_memory) = self.daemon_reservation();
        let shapes: Vec<InstanceShape> = fleet
            .instance_types
            .iter()
            .map(|t| InstanceShape {
                cpu_units: t.registered_cpu_units().saturating_sub(daemon_cpu),
                memory_mib: t.registered_memory_mib.saturating_sub(daemon_memory),
            })
            .collect();
        let estimate = estimate_instances(&groups, &shapes);
        // A warm fleet's starting instances were running before the run.
        let warm = self.scenario.fleets[spec.fleet].warm_at_start;
        let newest_launch = instances
            .iter()
            .map(|id| self.cluster.instances[id.0 as usize].launched_at)
            .filter(|&launched| !(warm && launched == SimTime::ZERO))
            .chain(self.launches.iter().filter(|l| l.fleet == spec.fleet && !l.registered).map(|l| l.launched))
            .max();
        let state = &self.providers[provider];
        let observation = CasObservation {
            instances: instances.len() as u32,
            non_empty_instances: non_empty,
            provisioning_estimate: estimate.instances,
            excluded_provisioning_tasks: estimate.excluded_tasks,
            newest_launch,
            asg_desired: state.desired,
            asg_min: spec.min_size,
            asg_max: spec.max_size,
        };
        let mut cpr = None;
        if let Some(scaler) = self.providers[provider].scaler.as_mut() {
            let decision = scaler.evaluate(now, &observation);
            cpr = scaler.last_cpr();
            if let Some(decision) = decision {
                self.providers[provider].desired = decision.to;
                let name = format!("capacity-provider:{}", spec.name);
                self.log_scaling(now, &name, "managed-scaling", decision.from, decision.to, &decision.cause);
            }
        }
        self.reconcile_group(provider, &daemons, now)?;
        self.recorder.metric(MetricRecord::Provider {
            time: now,
            provider,
            desired: self.providers[provider].desired,
            cpr,
            instances: instances.len() as u32,
            provisioning,
        });
        Ok(())
    }

    /// Launches or terminates instances until the group matches its desired
    /// capacity, and finishes drained terminations.
    fn reconcile_group(
        &mut self,
        provider: usize,
        daemons: &BTreeMap<InstanceId, u32>,
        now: SimTime,
    ) -> Result<(), Error> {
        let spec = &self.scenario.capacity_providers[provider];
        let fleet_index = spec.fleet;
        // Drained instances whose tasks are gone (daemons stop with them).
        let finished: Vec<InstanceId> = self.providers[provider]
            .terminating
            .iter()
            .copied()
            .filter(|&id| self.non_daemon_tasks(id, daemons) == 0)
            .collect();
        for id in finished {
            self.providers[provider].terminating.remove(&id);
            self.retire_instance(id, "scale-in (drained)", now)?;
        }
        let live: Vec<InstanceId> = self
            .fleet_instances(fleet_index)
            .into_iter()
            .filter(|id| !self.providers[provider].terminating.contains(id))
            .collect();
        let actual = live.len() as u32 + self.providers[provider].pending;
        let desired = self.providers[provider].desired;
        if desired > actual {
            for _ in 0..desired - actual {
                self.launch_instance(provider, now);
            }
        } else if desired < actual {
            let mut candidates: Vec<InstanceId> = live
                .into_iter()
                .filter(|&id| self.cluster.instances[id.0 as usize].status != InstanceStatus::Draining)
                .filter(|&id| !spec.termination_protection || self.non_daemon_tasks(id, daemons) == 0)
                .collect();
            for _ in 0..(actual - desired) {
                // The Auto Scaling group's default: the zone with the most
                // instances, then the oldest instance there.
                let mut per_zone: BTreeMap<usize, u32> = BTreeMap::new();
                for id in self.fleet_instances(fleet_index) {
                    *per_zone.entry(self.cluster.instances[id.0 as usize].availability_zone).or_insert(0) += 1;
                }
                let Some(position) = (0..candidates.len()).max_by_key(|&i| {
                    let instance = &self.cluster.instances[candidates[i].0 as usize];
                    (per_zone.get(&instance.availability_zone).copied().unwrap_or(0), std::cmp::Reverse(instance.id))
                }) else {
                    break; // the rest are protected
                };
                let victim = candidates.remove(position);
                if spec.managed_draining && self.non_daemon_tasks(victim, daemons) > 0 {
                    self.set_instance_status(victim, InstanceStatus::Draining, now);
                    self.log_instance(now, "INSTANCE_DRAINING", victim, "managed draining before scale-in");
                    self.providers[provider].terminating.insert(victim);
                    self.request_all_evaluations();
                } else {
                    self.retire_instance(victim, "scale-in", now)?;
                }
            }
        }
        Ok(())
    }

    /// The Auto Scaling group launches one instance: in the fleet's zone with
    /// the fewest, its types in turn.
    fn launch_instance(&mut self, provider: usize, now: SimTime) {
        let spec = &self.scenario.capacity_providers[provider];
        let fleet = &self.scenario.fleets[spec.fleet];
        let mut per_zone: BTreeMap<usize, u32> = BTreeMap::new();
        for zone_name in &fleet.availability_zones {
            let zone = self.scenario.availability_zones.iter().position(|z| z == zone_name).unwrap_or(0);
            per_zone.insert(zone, 0);
        }
        for id in self.fleet_instances(spec.fleet) {
            *per_zone.entry(self.cluster.instances[id.0 as usize].availability_zone).or_insert(0) += 1;
        }
        for launch in self.launches.iter().filter(|l| l.fleet == spec.fleet && !l.registered) {
            *per_zone.entry(launch.zone).or_insert(0) += 1;
        }
        let zone = per_zone.iter().min_by_key(|(zone, count)| (**count, **zone)).map_or(0, |(zone, _)| *zone);
        let launched_so_far = self.cluster.instances.iter().filter(|i| i.fleet == spec.fleet).count()
            + self.providers[provider].pending as usize;
        let instance_type = fleet.instance_types[launched_so_far % fleet.instance_types.len()].clone();
        let type_index = self.cluster.intern_type(&instance_type);
        let key = self.draws.next_launch(self.scenario, spec.fleet);
        let delay = spec.instance_launch.sample_duration(&mut self.draws.rng(Purpose::InstanceLaunch, key));
        self.launches.push(super::Launch {
            fleet: spec.fleet,
            key,
            instance_type: type_index,
            zone,
            launched: now,
            provider: Some(provider),
            registered: false,
        });
        self.providers[provider].pending += 1;
        self.queue.schedule_in(delay, Event::InstanceLaunch(self.launches.len() - 1));
    }

    /// A PROVISIONING service task waited too long for capacity.
    pub(super) fn provisioning_timed_out(&mut self, task_ref: super::TaskRef, now: SimTime) -> Result<(), Error> {
        self.dequeue_waiting(task_ref);
        self.unstarted_tasks -= 1;
        let task = &mut self.tasks[task_ref.slot as usize];
        task.outcome = TaskOutcome::ProvisioningTimeout;
        task.stop_code = StopCode::TaskFailedToStart;
        debug_assert!(matches!(task.owner, Owner::Service(_)));
        self.stop_now(task_ref, now)
    }

    fn log_scaling(&mut self, now: SimTime, target: &str, policy: &str, from: u32, to: u32, cause: &str) {
        self.recorder.scaling(ScalingRecord {
            time: now,
            target: target.to_string(),
            policy: policy.to_string(),
            from,
            to,
            cause: cause.to_string(),
        });
    }
}
