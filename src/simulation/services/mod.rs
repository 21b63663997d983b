//! The service scheduler inside the event loop: keeps each service at its
//! desired count, runs rolling and blue/green deployments with the circuit
//! breaker and launch back-off, tracks health, and measures availability
//! against the service's demand. The arithmetic lives in
//! [`crate::scheduler`]; this file gathers the counts and acts on them.

use super::{Event, Simulation, Task, TaskRef, TaskStatus};
use crate::cluster::{GroupId, InstanceId, InstanceStatus};
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::metrics::{aligned_windows, slo_budget_used_pct, worst_window_pct, Served};
use crate::placement::{BinpackField, Strategy};
use crate::record::{Incidents, ServiceCounts, StopCode, TaskOutcome};
use crate::scenario::service_spec::ServiceSpec;
use crate::scenario::Slo;
use crate::scheduler::{
    minimum_healthy, plan_rolling, BlueGreenPhase, Deployment, DeploymentKind, DeploymentStatus, RollingCounts,
    RolloutState,
};

mod deployments;
mod launch;
mod measure;
mod tally;
mod victims;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use tally::{is_stopping, ServiceTally};
use victims::{choose_victims, Candidate};

/// Tasks a service may launch per minute on EC2 (the 2022 default quota).
const LAUNCHES_PER_MINUTE_EC2: u32 = 250;

/// Tasks a service may launch per minute on Fargate (the 2022 default quota).
const LAUNCHES_PER_MINUTE_FARGATE: u32 = 500;

/// First delay of the launch back-off (ECS does not document it).
const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);

/// How long the ECS-agent health rule waits when a task has neither a load
/// balancer nor a container health check.
const HEALTHY_WITHOUT_CHECKS: SimDuration = SimDuration::from_secs(40);

/// Fargate Spot's warning before the task is stopped.
const SPOT_WARNING: SimDuration = SimDuration::from_secs(120);

/// One service's live state and measurements.
#[derive(Debug)]
pub(super) struct ServiceState {
    pub group: GroupId,
    pub desired: u32,
    pub deployments: Vec<Deployment>,
    /// Live tasks by task number.
    pub tasks: BTreeMap<u64, TaskRef>,
    /// The live tasks counted by deployment, state, health, zone and instance.
    pub tally: ServiceTally,
    pub evaluation_scheduled: bool,
    pub waiting_for_capacity: bool,
    /// Consecutive tasks that stopped before RUNNING (the back-off count).
    pub launch_failures: u32,
    pub next_launch: SimTime,
    /// When the tasks launched in the last minute were launched (the
    /// per-service launch-rate quota).
    pub recent_launches: std::collections::VecDeque<SimTime>,
    /// Task definition of the last COMPLETED deployment (for rollback).
    pub stable_task_definition: usize,
    // Measurements.
    /// Measured from the first steady state (the usual report).
    pub since_steady: Exposure,
    /// Measured from time zero: reported for a service that never reached
    /// a steady state.
    pub since_start: Exposure,
    pub reserved_cpu_ms: f64,
    pub fargate_cost: f64,
    pub counts: ServiceCounts,
    /// Evaluations after which a rolling deployment had more tasks than
    /// maximumPercent allows (an invariant: always 0).
    pub over_maximum: u64,
    /// Whether availability is being measured: from the service's first
    /// steady state on, so a cold start is not counted as an outage.
    pub measuring: bool,
}

impl ServiceState {
    pub(super) fn new(spec: &ServiceSpec, group: GroupId) -> ServiceState {
        ServiceState {
            group,
            desired: spec.desired_count(),
            deployments: Vec::new(),
            tasks: BTreeMap::new(),
            tally: ServiceTally::default(),
            evaluation_scheduled: false,
            waiting_for_capacity: false,
            launch_failures: 0,
            next_launch: SimTime::ZERO,
            recent_launches: std::collections::VecDeque::new(),
            stable_task_definition: spec.task_definition,
            since_steady: Exposure::default(),
            since_start: Exposure::default(),
            reserved_cpu_ms: 0.0,
            fargate_cost: 0.0,
            counts: ServiceCounts::default(),
            over_maximum: 0,
            measuring: false,
        }
    }

    fn primary(&self) -> usize {
        self.deployments.iter().rposition(|d| d.status == DeploymentStatus::Primary).unwrap_or(0)
    }

    /// Served demand over demand, time-weighted, percent (healthy tasks
    /// over desired without a demand curve).
    pub(super) fn availability_pct(&self) -> f64 {
        let exposure = self.exposure();
        if exposure.demand > 0.0 {
            100.0 * exposure.served / exposure.demand
        } else {
            100.0
        }
    }

    /// The measurements to report: from the first steady state, or from
    /// time zero when the service never got there.
    pub(super) fn exposure(&self) -> &Exposure {
        if self.measuring {
            &self.since_steady
        } else {
            &self.since_start
        }
    }
}

/// What a service delivered over a span of samples.
#[derive(Debug, Default)]
pub(super) struct Exposure {
    /// Demand × ms.
    pub demand: f64,
    /// Served demand × ms.
    pub served: f64,
    /// Time in each kind of trouble.
    pub trouble: Trouble,
    /// Running ÷ desired at each sample.
    pub ratios: Vec<f64>,
    /// Demand and served demand at each sample, for the worst windows.
    pub points: Vec<Served>,
}

/// Time spent in each kind of trouble.
#[derive(Debug, Default, Clone, Copy)]
pub(in crate::simulation) struct Trouble {
    pub below_desired: SimDuration,
    pub overloaded: SimDuration,
    pub cpu_over_80: SimDuration,
    pub cpu_over_90: SimDuration,
}

impl Trouble {
    /// Adds `dt` to each kind of trouble the sample shows.
    pub(in crate::simulation) fn add(&mut self, dt: SimDuration, sample: &SampleFacts) {
        let count = |on: bool, total: &mut SimDuration| {
            if on {
                *total = *total + dt;
            }
        };
        let cpu = sample.cpu_pct.unwrap_or(0.0);
        count(sample.below_desired, &mut self.below_desired);
        count(sample.overloaded, &mut self.overloaded);
        count(cpu > 80.0, &mut self.cpu_over_80);
        count(cpu > 90.0, &mut self.cpu_over_90);
    }
}

/// What one sample found of a service.
#[derive(Debug, Clone, Copy)]
pub(in crate::simulation) struct SampleFacts {
    pub served: Served,
    pub below_desired: bool,
    pub overloaded: bool,
    /// The tasks' CPU utilisation (services with a demand curve).
    pub cpu_pct: Option<f64>,
    /// Running ÷ desired.
    pub ratio: f64,
}

impl Exposure {
    fn add(&mut self, dt: SimDuration, sample: &SampleFacts) {
        self.demand += sample.served.demand * dt.0 as f64;
        self.served += sample.served.served * dt.0 as f64;
        self.trouble.add(dt, sample);
        self.ratios.push(sample.ratio);
        self.points.push(sample.served);
    }

    /// The worst windows and time in trouble of this span of samples.
    pub(super) fn incidents(&self, interval: SimDuration, slo: Option<Slo>) -> Incidents {
        const HOUR: SimDuration = SimDuration::from_secs(3600);
        Incidents {
            worst_5m_pct: worst_window_pct(&self.points, interval, SimDuration::from_secs(300)),
            worst_1h_pct: worst_window_pct(&self.points, interval, HOUR),
            hourly_pct: aligned_windows(&self.points, HOUR),
            daily_pct: aligned_windows(&self.points, SimDuration::from_secs(86_400)),
            below_desired: self.trouble.below_desired,
            overloaded: self.trouble.overloaded,
            cpu_over_80: self.trouble.cpu_over_80,
            cpu_over_90: self.trouble.cpu_over_90,
            slo_budget_used_pct: slo
                .and_then(|slo| slo_budget_used_pct(&self.points, interval, slo.target_pct, slo.window)),
        }
    }
}

/// A service's tasks counted for one evaluation (from its tally).
#[derive(Debug, Default)]
struct ServiceView {
    /// New-deployment tasks that stay, not stopping.
    new_active: u32,
    new_healthy: u32,
    /// Tasks that must go (older deployment or draining instance), by health.
    old_healthy: u32,
    old_unhealthy: u32,
    /// Tasks counted against maximumPercent.
    counted: u32,
    healthy: u32,
    /// Something will change without the scheduler acting (a task starting,
    /// becoming healthy or stopping).
    in_flight: bool,
    /// Tasks of older deployments still alive (stopping included).
    old_alive: u32,
    running: u32,
}

/// Where a task stands in an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Stopping, stopped, or a blue task held until the traffic moves.
    Left,
    /// Of the new deployment, on an ACTIVE instance, not stopping.
    NewActive,
    /// Must go, healthy.
    OldHealthy,
    /// Must go, not healthy.
    OldUnhealthy,
}

/// The tasks of the view's three lists, in task-number order.
#[derive(Debug, Default)]
struct ViewLists {
    new_active: Vec<TaskRef>,
    old_healthy: Vec<TaskRef>,
    old_unhealthy: Vec<TaskRef>,
}

impl Simulation<'_> {
    /// Creates each service's first deployment and schedules the first
    /// evaluations (DAEMON services first, as ECS places daemons first), the
    /// timed updates and the zone outages.
    pub(super) fn start_services_and_faults(&mut self) -> Result<(), Error> {
        let mut order: Vec<usize> = (0..self.services.len()).collect();
        order.sort_by_key(|&s| !self.scenario.services[s].is_daemon());
        for s in order {
            let task_definition = self.scenario.services[s].task_definition;
            self.services[s].deployments.push(Deployment::new(
                1,
                task_definition,
                DeploymentKind::Rolling,
                SimTime::ZERO,
            ));
            self.log_deployment(s, 0, SimTime::ZERO, "CREATED", "service created");
            self.request_evaluation(s);
        }
        for (i, update) in self.scenario.service_updates.iter().enumerate() {
            self.queue.at(SimTime::ZERO + update.at, Event::ServiceUpdate(i))?;
        }
        for (i, outage) in self.scenario.faults.az_outages.iter().enumerate() {
            self.queue.at(SimTime::ZERO + outage.start, Event::ZoneOutage(i))?;
            self.queue.at(SimTime::ZERO + outage.end, Event::ZoneRecovery(i))?;
        }
        Ok(())
    }

    /// Asks the scheduler to look at a service once, after the current event.
    pub(super) fn request_evaluation(&mut self, service: usize) {
        if !self.services[service].evaluation_scheduled {
            self.services[service].evaluation_scheduled = true;
            // The scheduler reacts after `service_scheduler_delay`, so that
            // changes close together are handled in one evaluation.
            self.queue.schedule_in(self.scenario.service_scheduler_delay, Event::ServiceEvaluate(service));
        }
    }

    /// Asks every service to look again (an instance or zone changed).
    pub(super) fn request_all_evaluations(&mut self) {
        for s in 0..self.services.len() {
            self.request_evaluation(s);
        }
    }

    /// Asks the DAEMON services to look again.
    pub(super) fn request_daemon_evaluations(&mut self) {
        for s in 0..self.services.len() {
            if self.scenario.services[s].is_daemon() {
                self.request_evaluation(s);
            }
        }
    }

    /// Capacity freed: services that could not place a task look again.
    pub(super) fn wake_services_waiting_for_capacity(&mut self) {
        for s in 0..self.services.len() {
            if self.services[s].waiting_for_capacity {
                self.request_evaluation(s);
            }
        }
    }

    fn on_draining_instance(&self, task: &Task) -> bool {
        task.instance.is_some_and(|id| self.cluster.instances[id.0 as usize].status != InstanceStatus::Active)
    }

    /// Whether the primary deployment is blue/green and still holds blue.
    fn holding_blue(&self, service: usize) -> bool {
        let state = &self.services[service];
        let primary = &state.deployments[state.primary()];
        matches!(
            &primary.kind,
            DeploymentKind::BlueGreen { phase, .. } if *phase != BlueGreenPhase::CleaningUp
        ) && primary.rollout == RolloutState::InProgress
    }

    /// The counts of one evaluation, read from the service's tally.
    fn view(&self, service: usize) -> ServiceView {
        #[cfg(test)]
        self.check_tally(service);
        let state = &self.services[service];
        let primary = state.deployments[state.primary()].id;
        let holding_blue = self.holding_blue(service);
        let mut view = ServiceView::default();
        for &(key, tallied) in &state.tally.by_key {
            let n = tallied.tasks;
            if n == 0 {
                continue;
            }
            let old_deployment = key.deployment != primary;
            if old_deployment {
                view.old_alive += n;
            }
            match standing(key.state, key.healthy, old_deployment, key.draining, holding_blue) {
                Standing::NewActive => {
                    view.new_active += n;
                    view.new_healthy += if key.healthy { n } else { 0 };
                }
                Standing::OldHealthy => view.old_healthy += n,
                Standing::OldUnhealthy => view.old_unhealthy += n,
                Standing::Left => {}
            }
            match key.state {
                TaskStatus::Deactivating | TaskStatus::Stopping => {
                    view.counted += n;
                    view.in_flight = true;
                    continue;
                }
                TaskStatus::Stopped => continue,
                TaskStatus::Provisioning | TaskStatus::Pending => view.in_flight = true,
                TaskStatus::Running => {
                    view.running += n;
                    if !key.healthy {
                        view.in_flight = true;
                    }
                }
            }
            view.counted += n;
            if key.healthy {
                view.healthy += n;
            }
        }
        view
    }

    /// The tasks behind the view's lists, gathered only when the scheduler acts on them.
    fn view_lists(&self, service: usize) -> ViewLists {
        let state = &self.services[service];
        let primary = state.deployments[state.primary()].id;
        let holding_blue = self.holding_blue(service);
        let mut lists = ViewLists::default();
        for &task_ref in state.tasks.values() {
            let task = &self.tasks[task_ref.slot as usize];
            let old_deployment = task.deployment != primary;
            let draining = self.on_draining_instance(task);
            match standing(task.state, task.healthy, old_deployment, draining, holding_blue) {
                Standing::NewActive => lists.new_active.push(task_ref),
                Standing::OldHealthy => lists.old_healthy.push(task_ref),
                Standing::OldUnhealthy => lists.old_unhealthy.push(task_ref),
                Standing::Left => {}
            }
        }
        lists
    }

    /// One scheduler evaluation of a service.
    pub(super) fn evaluate_service(&mut self, service: usize, now: SimTime) -> Result<(), Error> {
        let state = &mut self.services[service];
        state.evaluation_scheduled = false;
        if state.waiting_for_capacity {
            state.waiting_for_capacity = false;
            self.services_waiting -= 1;
        }
        if self.scenario.services[service].is_daemon() {
            return self.evaluate_daemon(service, now);
        }
        let spec = &self.scenario.services[service];
        let state = &self.services[service];
        let p = state.primary();
        let primary = &state.deployments[p];
        let view = self.view(service);
        let desired = state.desired;
        let blue_green =
            matches!(primary.kind, DeploymentKind::BlueGreen { .. }) && primary.rollout == RolloutState::InProgress;
        let cleaning_up = matches!(&primary.kind, DeploymentKind::BlueGreen { phase: BlueGreenPhase::CleaningUp, .. });
        let in_backoff = now < state.next_launch;
        let may_launch = primary.rollout != RolloutState::Failed && !in_backoff;
        let config = &spec.def.deployment;
        let counts = RollingCounts {
            desired,
            minimum_healthy_percent: config.minimum_healthy_percent,
            // A blue/green deployment scales green up in full beside blue.
            maximum_percent: if blue_green { config.maximum_percent.max(200) + 100 } else { config.maximum_percent },
            counted_against_maximum: view.counted,
            new_tasks: view.new_active,
            healthy: view.healthy,
            old_healthy: view.old_healthy,
            old_unhealthy: view.old_unhealthy,
            may_launch,
        };
        let mut step = plan_rolling(&counts);
        if cleaning_up {
            step.stop_healthy = counts.old_healthy; // green carries the traffic now
        }
        if primary.rollout == RolloutState::Failed {
            step.stop_healthy = 0; // a failed deployment without rollback just stops
        }
        // Scale-in of the current deployment.
        let excess = view.new_active.saturating_sub(desired);
        let mut stopped = 0;
        let acts = excess > 0 || view.old_unhealthy > 0 || (step.stop_healthy > 0 && view.old_healthy > 0);
        let lists = if acts { self.view_lists(service) } else { ViewLists::default() };
        if excess > 0 {
            let (unhealthy, healthy): (Vec<TaskRef>, Vec<TaskRef>) =
                lists.new_active.iter().partition(|t| !self.tasks[t.slot as usize].healthy);
            let mut victims = self.pick_victims(service, unhealthy, excess);
            let more = excess - victims.len() as u32;
            victims.extend(self.pick_victims(service, healthy, more));
            for task in victims {
                self.stop_service_task(task, TaskOutcome::Stopped, StopCode::ServiceSchedulerInitiated, now);
                stopped += 1;
            }
        }
        for task in lists.old_unhealthy.iter().copied() {
            self.stop_service_task(task, TaskOutcome::Replaced, StopCode::ServiceSchedulerInitiated, now);
            stopped += 1;
        }
        let victims = self.pick_victims(service, lists.old_healthy, step.stop_healthy);
        for task in victims {
            self.stop_service_task(task, TaskOutcome::Replaced, StopCode::ServiceSchedulerInitiated, now);
            stopped += 1;
        }
        // ECS launches at most so many tasks a minute per service (docs/ecs-reference.md §3.2).
        let quota = if spec.launch.is_fargate() { LAUNCHES_PER_MINUTE_FARGATE } else { LAUNCHES_PER_MINUTE_EC2 };
        let recent = &mut self.services[service].recent_launches;
        while recent.front().is_some_and(|&t| now.since(t) >= SimDuration::from_secs(60)) {
            recent.pop_front();
        }
        let room = quota.saturating_sub(recent.len() as u32);
        if step.start > room {
            if let Some(&oldest) = recent.front() {
                self.queue.at(oldest + SimDuration::from_secs(60), Event::ServiceEvaluate(service))?;
            }
        }
        let mut started = 0;
        for _ in 0..step.start.min(room) {
            if !self.launch_service_task(service, now)? {
                break;
            }
            self.services[service].recent_launches.push_back(now);
            started += 1;
        }
        if in_backoff && counts.new_tasks < desired {
            let at = self.services[service].next_launch;
            self.queue.at(at, Event::ServiceEvaluate(service))?;
        }
        if started > 0 || stopped > 0 {
            let detail = format!("started {started}, stopped {stopped}");
            self.log_deployment(service, p, now, "TASKS_CHANGED", &detail);
        }
        let idle = started + stopped == 0 && !view.in_flight && !in_backoff;
        // Nothing changed: the view still holds.
        let view = if started + stopped == 0 { view } else { self.view(service) };
        if started > 0
            && !blue_green
            && view.counted > crate::scheduler::maximum_tasks(desired, config.maximum_percent).max(desired)
        {
            self.services[service].over_maximum += 1;
        }
        self.check_rollout(service, now, view, idle)
    }

    /// DAEMON: one task on each ACTIVE instance that qualifies; on a
    /// draining instance the daemon task stops once it is alone.
    fn evaluate_daemon(&mut self, service: usize, now: SimTime) -> Result<(), Error> {
        let state = &self.services[service];
        let p = state.primary();
        let primary_id = state.deployments[p].id;
        let failed = state.deployments[p].rollout == RolloutState::Failed;
        let mut by_instance: BTreeMap<InstanceId, Vec<TaskRef>> = BTreeMap::new();
        let mut old_healthy = Vec::new();
        let mut healthy = 0;
        for &task_ref in state.tasks.values() {
            let task = &self.tasks[task_ref.slot as usize];
            if matches!(task.state, TaskStatus::Deactivating | TaskStatus::Stopping | TaskStatus::Stopped) {
                continue;
            }
            if let Some(id) = task.instance {
                by_instance.entry(id).or_default().push(task_ref);
            }
            healthy += u32::from(task.healthy);
            if task.deployment != primary_id && task.healthy {
                old_healthy.push(task_ref);
            }
        }
        // Daemon tasks on draining instances stop last: once alone there.
        let mut stops = Vec::new();
        for (&id, tasks) in &by_instance {
            let instance = &self.cluster.instances[id.0 as usize];
            if instance.status == InstanceStatus::Draining && instance.placed_tasks as usize == tasks.len() {
                stops.extend(tasks.iter().copied());
            }
        }
        let active: Vec<InstanceId> =
            self.cluster.instances.iter().filter(|i| i.is_placeable()).map(|i| i.id).collect();
        let floor = minimum_healthy(
            active.len() as u32,
            self.scenario.services[service].def.deployment.minimum_healthy_percent,
        );
        let can_stop = healthy.saturating_sub(floor) as usize;
        let extra: Vec<TaskRef> = old_healthy.into_iter().filter(|t| !stops.contains(t)).take(can_stop).collect();
        stops.extend(extra);
        for task in &stops {
            self.stop_service_task(*task, TaskOutcome::Replaced, StopCode::ServiceSchedulerInitiated, now);
        }
        let mut started = 0;
        let mut qualifying = 0;
        if !failed && now >= self.services[service].next_launch {
            for id in active {
                if by_instance.contains_key(&id) {
                    qualifying += 1;
                    continue;
                }
                if self.launch_daemon_task(service, id, now)? {
                    qualifying += 1;
                    started += 1;
                }
            }
        }
        if !failed && now >= self.services[service].next_launch {
            self.services[service].desired = qualifying;
        }
        if started > 0 || !stops.is_empty() {
            self.log_deployment(
                service,
                p,
                now,
                "TASKS_CHANGED",
                &format!("started {started}, stopped {}", stops.len()),
            );
        }
        let view = self.view(service);
        let state = &mut self.services[service];
        let primary = &mut state.deployments[p];
        if primary.rollout == RolloutState::InProgress
            && view.old_alive == 0
            && view.new_healthy == state.desired
            && state.desired > 0
        {
            return self.complete_deployment(service, p, now);
        }
        Ok(())
    }

    /// Picks `count` tasks to stop among `candidates`, as ECS scales in: with
    /// binpack, from the instance that keeps the most of the field free;
    /// with random, at random; otherwise (spread, the default) from the zone
    /// with the most of the service's tasks, then the instance with the most,
    /// at random among equals.
    ///
    /// The zone and instance counts come from the service's tally; each
    /// candidate's zone, instance and binpack value are looked up once
    /// ([`choose_victims`]).
    fn pick_victims(&mut self, service: usize, candidates: Vec<TaskRef>, count: u32) -> Vec<TaskRef> {
        if count == 0 || candidates.is_empty() {
            return Vec::new();
        }
        let levels: Vec<Strategy> = self.scenario.services[service].strategy.iter().take(2).cloned().collect();
        let tally = &self.services[service].tally;
        let mut zone_counts = tally.zones.clone();
        // The candidates' instances, to dense indexes.
        let mut instances: FxHashMap<InstanceId, usize> = FxHashMap::default();
        let mut instance_counts: Vec<i64> = Vec::new();
        let cluster = &self.cluster;
        let flat: Vec<Candidate> = candidates
            .iter()
            .map(|t| {
                let task = &self.tasks[t.slot as usize];
                let zone = task.availability_zone.inspect(|&z| {
                    if zone_counts.len() <= z {
                        zone_counts.resize(z + 1, 0);
                    }
                });
                let binpack = |field: &BinpackField| {
                    task.instance.map_or(0, |id| {
                        let instance = &cluster.instances[id.0 as usize];
                        match field {
                            BinpackField::Cpu => i64::from(instance.free_cpu + task.cpu),
                            BinpackField::Memory => i64::from(instance.free_memory + task.memory),
                        }
                    })
                };
                let fixed = |level: Option<&Strategy>| match level {
                    Some(Strategy::Binpack(field)) => binpack(field),
                    _ => 0,
                };
                let instance = task.instance.map(|id| {
                    *instances.entry(id).or_insert_with(|| {
                        instance_counts.push(tally.active_on(id));
                        instance_counts.len() - 1
                    })
                });
                Candidate { task: *t, zone, instance, fixed: [fixed(levels.first()), fixed(levels.get(1))] }
            })
            .collect();
        choose_victims(flat, zone_counts, instance_counts, &levels, count, &mut self.service_rng)
    }
}

/// Where a task stands in an evaluation, from its state, health, deployment
/// and instance.
fn standing(state: TaskStatus, healthy: bool, old_deployment: bool, draining: bool, holding_blue: bool) -> Standing {
    if is_stopping(state) {
        Standing::Left
    } else if !old_deployment && !draining {
        Standing::NewActive
    } else if holding_blue && !draining {
        // Blue tasks stay until the traffic has moved.
        Standing::Left
    } else if healthy {
        Standing::OldHealthy
    } else {
        Standing::OldUnhealthy
    }
}
