//! The service scheduler inside the event loop: keeps each service at its
//! desired count, runs rolling and blue/green deployments with the circuit
//! breaker and launch back-off, tracks health, and measures availability
//! against the service's demand. The arithmetic lives in
//! [`crate::scheduler`]; this file gathers the counts and acts on them.

use super::{Event, Owner, Simulation, Task, TaskRef, TaskStatus};
use crate::cluster::{GroupId, InstanceId, InstanceStatus};
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::model::{LaunchType, Provider};
use crate::placement::{BinpackField, Strategy};
use crate::record::{DeploymentRecord, EventRecord, EventSubject, ServiceReport, ServiceSample, StopCode, TaskOutcome};
use crate::scaling::capacity::{pick_provider, StrategyItem};
use crate::scenario::service::DeploymentController;
use crate::scenario::service_spec::{ServiceLaunch, ServiceSpec};
use crate::scheduler::{
    circuit_breaker_threshold, deployment_kind, launch_backoff, minimum_healthy, plan_rolling, BlueGreenPhase,
    Deployment, DeploymentKind, DeploymentStatus, RollingCounts, RolloutState,
};
use rand::Rng;
use std::collections::BTreeMap;

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
    pub tasks_started: u64,
    pub tasks_failed_to_start: u64,
    pub tasks_failed_health: u64,
    pub tasks_crashed: u64,
    pub tasks_lost: u64,
    pub tasks_spot_interrupted: u64,
    pub placement_failures: u64,
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
            tasks_started: 0,
            tasks_failed_to_start: 0,
            tasks_failed_health: 0,
            tasks_crashed: 0,
            tasks_lost: 0,
            tasks_spot_interrupted: 0,
            placement_failures: 0,
            over_maximum: 0,
            measuring: false,
        }
    }

    fn primary(&self) -> usize {
        self.deployments.iter().rposition(|d| d.status == DeploymentStatus::Primary).unwrap_or(0)
    }

    /// Served demand over demand, time-weighted, percent (healthy tasks
    /// over desired without a demand curve).
    pub fn availability_pct(&self) -> f64 {
        let exposure = self.exposure();
        if exposure.demand > 0.0 {
            100.0 * exposure.served / exposure.demand
        } else {
            100.0
        }
    }

    /// The measurements to report: from the first steady state, or from
    /// time zero when the service never got there.
    pub fn exposure(&self) -> &Exposure {
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
    pub below_desired: SimDuration,
    pub overloaded: SimDuration,
    /// Running ÷ desired at each sample.
    pub ratios: Vec<f64>,
}

impl Exposure {
    fn add(&mut self, dt: SimDuration, demand: f64, served: f64, below: bool, overloaded: bool, ratio: f64) {
        self.demand += demand * dt.0 as f64;
        self.served += served * dt.0 as f64;
        if below {
            self.below_desired = self.below_desired + dt;
        }
        if overloaded {
            self.overloaded = self.overloaded + dt;
        }
        self.ratios.push(ratio);
    }
}

/// A service's tasks sorted for one evaluation.
#[derive(Debug, Default)]
struct ServiceView {
    /// New-deployment tasks that stay, not stopping.
    new_active: Vec<TaskRef>,
    new_healthy: u32,
    /// Tasks that must go (older deployment or draining instance), by health.
    old_healthy: Vec<TaskRef>,
    old_unhealthy: Vec<TaskRef>,
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
            self.queue.schedule(SimTime::ZERO + update.at, Event::ServiceUpdate(i));
        }
        for (i, outage) in self.scenario.faults.az_outages.iter().enumerate() {
            self.queue.schedule(SimTime::ZERO + outage.start, Event::ZoneOutage(i));
            self.queue.schedule(SimTime::ZERO + outage.end, Event::ZoneRecovery(i));
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

    fn view(&self, service: usize) -> ServiceView {
        let state = &self.services[service];
        let primary = &state.deployments[state.primary()];
        let holding_blue = matches!(
            &primary.kind,
            DeploymentKind::BlueGreen { phase, .. } if *phase != BlueGreenPhase::CleaningUp
        ) && primary.rollout == RolloutState::InProgress;
        let mut view = ServiceView::default();
        for &task_ref in state.tasks.values() {
            let task = &self.tasks[task_ref.slot as usize];
            let old_deployment = task.deployment != primary.id;
            if old_deployment {
                view.old_alive += 1;
            }
            match task.state {
                TaskStatus::Deactivating | TaskStatus::Stopping => {
                    view.counted += 1;
                    view.in_flight = true;
                    continue;
                }
                TaskStatus::Stopped => continue,
                TaskStatus::Provisioning | TaskStatus::Pending => view.in_flight = true,
                TaskStatus::Running => {
                    view.running += 1;
                    if !task.healthy {
                        view.in_flight = true;
                    }
                }
            }
            view.counted += 1;
            if task.healthy {
                view.healthy += 1;
            }
            let draining = self.on_draining_instance(task);
            if !old_deployment && !draining {
                view.new_active.push(task_ref);
                view.new_healthy += u32::from(task.healthy);
            } else if holding_blue && !draining {
                // Blue tasks stay until the traffic has moved.
            } else if task.healthy {
                view.old_healthy.push(task_ref);
            } else {
                view.old_unhealthy.push(task_ref);
            }
        }
        view
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
            new_tasks: view.new_active.len() as u32,
            healthy: view.healthy,
            old_healthy: view.old_healthy.len() as u32,
            old_unhealthy: view.old_unhealthy.len() as u32,
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
        let excess = (view.new_active.len() as u32).saturating_sub(desired);
        let mut stopped = 0;
        if excess > 0 {
            let (unhealthy, healthy): (Vec<TaskRef>, Vec<TaskRef>) =
                view.new_active.iter().partition(|t| !self.tasks[t.slot as usize].healthy);
            let mut victims = self.pick_victims(service, unhealthy, excess);
            let more = excess - victims.len() as u32;
            victims.extend(self.pick_victims(service, healthy, more));
            for task in victims {
                self.stop_service_task(task, TaskOutcome::Stopped, StopCode::ServiceSchedulerInitiated, now);
                stopped += 1;
            }
        }
        for task in view.old_unhealthy.iter().copied() {
            self.stop_service_task(task, TaskOutcome::Replaced, StopCode::ServiceSchedulerInitiated, now);
            stopped += 1;
        }
        let victims = self.pick_victims(service, view.old_healthy.clone(), step.stop_healthy);
        for task in victims {
            self.stop_service_task(task, TaskOutcome::Replaced, StopCode::ServiceSchedulerInitiated, now);
            stopped += 1;
        }
        // ECS launches at most so many tasks a minute per service (§3.2).
        let quota = if spec.launch.is_fargate() { LAUNCHES_PER_MINUTE_FARGATE } else { LAUNCHES_PER_MINUTE_EC2 };
        let recent = &mut self.services[service].recent_launches;
        while recent.front().is_some_and(|&t| now.since(t) >= SimDuration::from_secs(60)) {
            recent.pop_front();
        }
        let room = quota.saturating_sub(recent.len() as u32);
        if step.start > room {
            if let Some(&oldest) = recent.front() {
                self.queue.schedule(oldest + SimDuration::from_secs(60), Event::ServiceEvaluate(service));
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
            self.queue.schedule(at, Event::ServiceEvaluate(service));
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

    /// Marks the primary deployment COMPLETED when the service reached steady
    /// state, or reports it stuck when nothing can move.
    fn check_rollout(&mut self, service: usize, now: SimTime, view: ServiceView, idle: bool) -> Result<(), Error> {
        let state = &self.services[service];
        let p = state.primary();
        let primary = &state.deployments[p];
        if primary.rollout != RolloutState::InProgress {
            return Ok(());
        }
        let phase_done = match &primary.kind {
            DeploymentKind::Rolling => true,
            DeploymentKind::BlueGreen { phase, .. } => *phase == BlueGreenPhase::CleaningUp,
        };
        let steady = phase_done
            && view.old_alive == 0
            && view.old_healthy.is_empty()
            && view.old_unhealthy.is_empty()
            && view.new_active.len() as u32 == state.desired
            && view.new_healthy == state.desired;
        if steady {
            return self.complete_deployment(service, p, now);
        }
        // Blue/green: green fully healthy starts the traffic shift.
        if let DeploymentKind::BlueGreen { phase: BlueGreenPhase::ScalingUp, .. } = &primary.kind {
            if view.new_healthy >= state.desired && view.new_active.len() as u32 >= state.desired {
                let id = primary.id;
                if let DeploymentKind::BlueGreen { phase, .. } = &mut self.services[service].deployments[p].kind {
                    *phase = BlueGreenPhase::Shifting;
                }
                self.log_deployment(service, p, now, "GREEN_READY", "all green tasks healthy");
                self.shift_traffic(service, id, 0, now)?;
            }
            return Ok(());
        }
        let stuck = idle && !state.waiting_for_capacity && !view.old_healthy.is_empty();
        if stuck && !primary.reported_stuck {
            self.services[service].deployments[p].reported_stuck = true;
            self.log_deployment(
                service,
                p,
                now,
                "STUCK",
                "minimumHealthyPercent and maximumPercent allow neither a start nor a stop",
            );
        }
        Ok(())
    }

    /// The service reached a steady state on deployment `p`: it is
    /// COMPLETED, the older ones INACTIVE, and availability is measured from now.
    fn complete_deployment(&mut self, service: usize, p: usize, now: SimTime) -> Result<(), Error> {
        let state = &mut self.services[service];
        let primary = &mut state.deployments[p];
        primary.rollout = RolloutState::Completed;
        primary.ended = Some(now);
        primary.outcome = "COMPLETED".into();
        let detail = format!("steady state; {} tasks started, {} failed", primary.tasks_started, primary.tasks_failed);
        state.stable_task_definition = primary.task_definition;
        state.measuring = true;
        for (i, deployment) in state.deployments.iter_mut().enumerate() {
            if i != p {
                deployment.status = DeploymentStatus::Inactive;
            }
        }
        self.log_deployment(service, p, now, "COMPLETED", &detail);
        Ok(())
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

    /// Creates a task of the service's primary deployment; false (no task
    /// created, as ECS creates none) when it cannot be placed.
    fn launch_service_task(&mut self, service: usize, now: SimTime) -> Result<bool, Error> {
        self.launch_task_of(service, None, now)
    }

    fn launch_daemon_task(&mut self, service: usize, instance: InstanceId, now: SimTime) -> Result<bool, Error> {
        self.launch_task_of(service, Some(instance), now)
    }

    fn launch_task_of(&mut self, service: usize, target: Option<InstanceId>, now: SimTime) -> Result<bool, Error> {
        let spec = &self.scenario.services[service];
        let state = &self.services[service];
        let p = state.primary();
        let deployment = &state.deployments[p];
        let task_definition = deployment.task_definition;
        let (launch_type, spot, capacity_provider) = match &spec.launch {
            ServiceLaunch::LaunchType(launch_type) => (*launch_type, false, None),
            ServiceLaunch::Providers(shares) => {
                // Base first, then by weight, over the service's tasks (§5.1).
                let mut counts = vec![0_u32; shares.len()];
                for task_ref in state.tasks.values() {
                    let task = &self.tasks[task_ref.slot as usize];
                    if !matches!(task.state, TaskStatus::Deactivating | TaskStatus::Stopping) {
                        let provider = match task.capacity_provider {
                            Some(p) => Provider::Asg(p),
                            None if task.spot => Provider::FargateSpot,
                            None => Provider::Fargate,
                        };
                        if let Some(i) = shares.iter().position(|s| s.provider == provider) {
                            counts[i] += 1;
                        }
                    }
                }
                let items: Vec<StrategyItem> =
                    shares.iter().map(|s| StrategyItem { base: s.base, weight: s.weight }).collect();
                match shares[pick_provider(&items, &counts)].provider {
                    Provider::Fargate => (LaunchType::Fargate, false, None),
                    Provider::FargateSpot => (LaunchType::Fargate, true, None),
                    Provider::Asg(p) => (LaunchType::Ec2, false, Some(p)),
                }
            }
        };
        let def = &self.scenario.task_definitions[task_definition];
        let model = &self.scenario.task_start[task_definition];
        let fargate = if launch_type == LaunchType::Fargate { def.fargate_size } else { None };
        let fails_start =
            model.start_failure_probability > 0.0 && self.service_rng.gen::<f64>() < model.start_failure_probability;
        let fails_health = !fails_start
            && model.health_check_failure_probability > 0.0
            && self.service_rng.gen::<f64>() < model.health_check_failure_probability;
        let task = Task {
            deployment: deployment.id,
            fails_start,
            fails_health,
            spot,
            capacity_provider,
            outcome: TaskOutcome::Stopped,
            stop_code: StopCode::ServiceSchedulerInitiated,
            ..Task::provisioning(
                self.next_number,
                Owner::Service(service),
                task_definition,
                self.plan_index[&(Owner::Service(service), task_definition, capacity_provider)],
                (fargate.map_or(def.cpu, |s| s.cpu), fargate.map_or(def.memory_mib, |s| s.memory_mib)),
                state.group,
                (launch_type, fargate),
                now,
            )
        };
        let task_ref = self.store(task);
        self.unstarted_tasks += 1;
        let placed = self.try_place_on(task_ref, target, now);
        if !placed && capacity_provider.is_some() {
            // A capacity provider's task waits in PROVISIONING for capacity
            // (cluster auto scaling counts it), until the timeout.
            let timeout = self.scenario.capacity_providers[capacity_provider.unwrap_or(0)].provisioning_timeout;
            self.enqueue_waiting(task_ref);
            self.queue.schedule(now + timeout, Event::WaitExpired(task_ref));
        } else if !placed {
            self.unstarted_tasks -= 1;
            let reason = if target.is_none() { self.rejection_now(task_ref).reason() } else { "" };
            // ECS creates no task it cannot place: the slot is simply freed.
            let task = &mut self.tasks[task_ref.slot as usize];
            task.state = TaskStatus::Stopped;
            task.stopped = Some(now);
            self.free_slots.push(task_ref.slot);
            if target.is_none() {
                let state = &mut self.services[service];
                state.placement_failures += 1;
                if !state.waiting_for_capacity {
                    state.waiting_for_capacity = true;
                    self.services_waiting += 1;
                    self.log_service(
                        now,
                        "SERVICE_UNABLE_TO_PLACE",
                        service,
                        &format!("no container instance met all of the task's requirements ({reason})"),
                    );
                }
            }
            return Ok(false);
        }
        self.next_number += 1;
        self.summary.tasks_submitted += 1;
        self.summary.service_tasks += 1;
        let number = self.tasks[task_ref.slot as usize].number;
        let state = &mut self.services[service];
        state.tasks.insert(number, task_ref);
        state.tasks_started += 1;
        state.deployments[p].tasks_started += 1;
        Ok(true)
    }

    /// The task reached RUNNING: reset the back-off, schedule its health
    /// verdict, its crash and its Spot interruption.
    pub(super) fn service_task_running(&mut self, service: usize, task_ref: TaskRef, now: SimTime) {
        let spec = &self.scenario.services[service];
        self.services[service].launch_failures = 0;
        let task = &self.tasks[task_ref.slot as usize];
        let check = self.scenario.task_definitions[task.task_definition].health_check;
        let fails_health = task.fails_health;
        let target_group = spec.target_group;
        let secs = |s: u32| SimDuration::from_secs(u64::from(s));
        let healthy_after = match (target_group, check) {
            (None, None) => HEALTHY_WITHOUT_CHECKS,
            (Some(tg), None) => SimDuration(tg.health_check_interval.0 * u64::from(tg.healthy_threshold)),
            (None, Some(c)) => secs(c.interval_s),
            (Some(tg), Some(c)) => {
                SimDuration((tg.health_check_interval.0 * u64::from(tg.healthy_threshold)).max(secs(c.interval_s).0))
            }
        };
        if fails_health {
            let unhealthy_after = match (target_group, check) {
                (Some(tg), _) => SimDuration(tg.health_check_interval.0 * u64::from(tg.unhealthy_threshold)),
                (None, Some(c)) => secs(c.start_period_s + c.interval_s * c.retries),
                (None, None) => HEALTHY_WITHOUT_CHECKS,
            };
            let after = unhealthy_after.max(spec.def.health_check_grace_period);
            self.queue.schedule(now + after, Event::HealthFailed(task_ref));
        } else {
            self.queue.schedule(now + healthy_after, Event::Healthy(task_ref));
        }
        let crash_rate = self.scenario.faults.task_crash_rate;
        if crash_rate > 0.0 {
            let after = self.exponential_hours(crash_rate);
            self.queue.schedule(now + after, Event::Exited(task_ref));
        }
        let spot_rate = self.scenario.faults.fargate_spot_interruption_rate;
        if self.tasks[task_ref.slot as usize].spot && spot_rate > 0.0 {
            let after = self.exponential_hours(spot_rate);
            self.queue.schedule(now + after, Event::FargateSpotNotice(task_ref));
        }
    }

    pub(super) fn on_healthy(&mut self, task_ref: TaskRef) -> Result<(), Error> {
        let Some(task) = self.task(task_ref) else { return Ok(()) };
        if task.state != TaskStatus::Running {
            return Ok(());
        }
        let Owner::Service(service) = task.owner else { return Ok(()) };
        let deployment = task.deployment;
        self.tasks[task_ref.slot as usize].healthy = true;
        let state = &mut self.services[service];
        if let Some(d) = state.deployments.iter_mut().find(|d| d.id == deployment) {
            // The breaker counts failures until the deployment's first healthy task.
            d.breaker_armed = false;
            d.failed_tasks = 0;
        }
        self.request_evaluation(service);
        Ok(())
    }

    pub(super) fn on_health_failed(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        let Some(task) = self.task(task_ref) else { return Ok(()) };
        if task.state != TaskStatus::Running {
            return Ok(());
        }
        let Owner::Service(service) = task.owner else { return Ok(()) };
        let deployment = task.deployment;
        self.services[service].tasks_failed_health += 1;
        self.stop_service_task(task_ref, TaskOutcome::FailedHealthCheck, StopCode::ServiceSchedulerInitiated, now);
        self.count_failure(service, deployment, now)
    }

    /// The target left the load balancer: DEACTIVATING → STOPPING.
    pub(super) fn on_deregistered(&mut self, task_ref: TaskRef, now: SimTime) {
        if self.task(task_ref).is_some_and(|t| t.state == TaskStatus::Deactivating) {
            self.tasks[task_ref.slot as usize].state = TaskStatus::Stopping;
            let stop = self.scenario.timing.task_stop.sample_duration(&mut self.lifecycle);
            self.queue.schedule(now + stop, Event::Stopped(task_ref));
        }
    }

    /// Stops a task the way the scheduler does: a running task behind a
    /// load balancer deregisters first; one not yet running stops at once.
    pub(super) fn stop_service_task(&mut self, task_ref: TaskRef, outcome: TaskOutcome, code: StopCode, now: SimTime) {
        let task = &mut self.tasks[task_ref.slot as usize];
        let state = task.state;
        if matches!(state, TaskStatus::Deactivating | TaskStatus::Stopping | TaskStatus::Stopped) {
            return;
        }
        task.outcome = outcome;
        task.stop_code = code;
        task.healthy = false;
        let spot_interruption = code == StopCode::SpotInterruption;
        let deregistration = match task.owner {
            Owner::Service(s) => self.scenario.services[s].target_group.map(|tg| tg.deregistration_delay),
            Owner::Workload(_) => None,
        };
        match state {
            TaskStatus::Provisioning | TaskStatus::Pending => {
                if task.placed.is_none() {
                    self.dequeue_waiting(task_ref);
                }
                self.unstarted_tasks -= 1;
                let _ = self.stop_now(task_ref, now);
            }
            TaskStatus::Running => {
                self.leave_running(task_ref);
                match deregistration {
                    Some(delay) => {
                        self.tasks[task_ref.slot as usize].state = TaskStatus::Deactivating;
                        // Fargate Spot gives two minutes, whatever the target group says.
                        let delay = if spot_interruption { delay.min(SPOT_WARNING) } else { delay };
                        self.queue.schedule(now + delay, Event::Deregistered(task_ref));
                    }
                    None => {
                        self.tasks[task_ref.slot as usize].state = TaskStatus::Stopping;
                        let stop = self.scenario.timing.task_stop.sample_duration(&mut self.lifecycle);
                        self.queue.schedule(now + stop, Event::Stopped(task_ref));
                    }
                }
            }
            _ => {}
        }
        if let Owner::Service(service) = self.tasks[task_ref.slot as usize].owner {
            self.request_evaluation(service);
        }
    }

    /// A service task is STOPPED: count it, apply the back-off and the
    /// circuit breaker, and let the scheduler replace it.
    pub(super) fn service_task_stopped(
        &mut self,
        service: usize,
        task_ref: TaskRef,
        now: SimTime,
    ) -> Result<(), Error> {
        let task = &self.tasks[task_ref.slot as usize];
        let (number, outcome, deployment) = (task.number, task.outcome, task.deployment);
        let state = &mut self.services[service];
        state.tasks.remove(&number);
        match outcome {
            TaskOutcome::FailedToStart => {
                state.tasks_failed_to_start += 1;
                state.launch_failures += 1;
                state.next_launch = now + launch_backoff(state.launch_failures, BACKOFF_INITIAL);
                self.count_failure(service, deployment, now)?;
            }
            TaskOutcome::Crashed => state.tasks_crashed += 1,
            TaskOutcome::Lost => state.tasks_lost += 1,
            TaskOutcome::Interrupted => state.tasks_spot_interrupted += 1,
            _ => {}
        }
        self.request_evaluation(service);
        Ok(())
    }

    /// A task of `deployment` failed to start or failed its health checks:
    /// the circuit breaker counts it, and may fail the deployment and roll back.
    fn count_failure(&mut self, service: usize, deployment: u32, now: SimTime) -> Result<(), Error> {
        let spec = &self.scenario.services[service];
        let state = &mut self.services[service];
        let p = state.primary();
        let Some(index) = state.deployments.iter().position(|d| d.id == deployment) else { return Ok(()) };
        state.deployments[index].tasks_failed += 1;
        let Some(breaker) = spec.def.deployment.circuit_breaker.as_ref().filter(|b| b.enable) else { return Ok(()) };
        if spec.def.controller != DeploymentController::Ecs {
            return Ok(());
        }
        let d = &mut state.deployments[index];
        if index != p || d.rollout != RolloutState::InProgress || !d.breaker_armed {
            return Ok(());
        }
        d.failed_tasks += 1;
        let threshold = circuit_breaker_threshold(state.desired, breaker);
        if d.failed_tasks < threshold {
            return Ok(());
        }
        d.rollout = RolloutState::Failed;
        d.ended = Some(now);
        d.outcome = "FAILED".into();
        let detail = format!("{} failed tasks reached the threshold {threshold}", d.failed_tasks);
        let blue_green = matches!(d.kind, DeploymentKind::BlueGreen { .. });
        self.log_deployment(service, p, now, "CIRCUIT_BREAKER_TRIPPED", &detail);
        if !breaker.rollback {
            return Ok(());
        }
        let state = &mut self.services[service];
        state.deployments[p].status = DeploymentStatus::Active;
        state.deployments[p].outcome = "ROLLED_BACK".into();
        state.launch_failures = 0;
        state.next_launch = now;
        if blue_green {
            // Traffic never left blue: blue becomes primary again, green goes.
            if let Some(blue) = state.deployments[..p].iter().rposition(|d| d.status != DeploymentStatus::Inactive) {
                state.deployments[blue].status = DeploymentStatus::Primary;
                self.log_deployment(service, blue, now, "ROLLBACK", "blue keeps the traffic; green is removed");
            }
        } else {
            let id = state.deployments.len() as u32 + 1;
            let rollback = Deployment::new(id, state.stable_task_definition, DeploymentKind::Rolling, now);
            state.deployments.push(rollback);
            let index = state.deployments.len() - 1;
            self.log_deployment(service, index, now, "ROLLBACK", "redeploying the last completed deployment");
        }
        self.request_evaluation(service);
        Ok(())
    }

    /// A timed UpdateService call.
    pub(super) fn update_service(&mut self, index: usize, now: SimTime) -> Result<(), Error> {
        let update = self.scenario.service_updates[index].clone();
        let service = update.service;
        let spec = &self.scenario.services[service];
        if let Some(desired) = update.desired_count {
            self.services[service].desired = desired;
            let p = self.services[service].primary();
            self.log_deployment(service, p, now, "DESIRED_COUNT_CHANGED", &format!("desiredCount {desired}"));
        }
        if let Some(task_definition) = update.task_definition {
            let kind = deployment_kind(
                spec.def.controller == DeploymentController::CodeDeploy,
                spec.traffic_shift,
                &spec.def.deployment.strategy,
                spec.def.deployment.bake_time,
                spec.termination_wait,
            );
            let state = &mut self.services[service];
            for deployment in &mut state.deployments {
                if deployment.status == DeploymentStatus::Primary {
                    deployment.status = DeploymentStatus::Active;
                    if deployment.rollout == RolloutState::InProgress {
                        deployment.rollout = RolloutState::Failed;
                        deployment.ended = Some(now);
                        deployment.outcome = "SUPERSEDED".into();
                    }
                }
            }
            let id = state.deployments.len() as u32 + 1;
            state.deployments.push(Deployment::new(id, task_definition, kind, now));
            // A new task definition resets the launch back-off.
            state.launch_failures = 0;
            state.next_launch = now;
            let index = state.deployments.len() - 1;
            let name = self.scenario.task_definitions[task_definition].name();
            self.log_deployment(service, index, now, "CREATED", &format!("UpdateService to {name}"));
        }
        self.request_evaluation(service);
        Ok(())
    }

    /// Moves a blue/green deployment's traffic to its next step.
    pub(super) fn shift_traffic(
        &mut self,
        service: usize,
        deployment: u32,
        step: usize,
        now: SimTime,
    ) -> Result<(), Error> {
        let state = &mut self.services[service];
        let p = state.primary();
        let d = &mut state.deployments[p];
        if d.id != deployment || d.rollout != RolloutState::InProgress {
            return Ok(());
        }
        let DeploymentKind::BlueGreen { steps, bake, phase, green_percent } = &mut d.kind else { return Ok(()) };
        let Some(&(_, percent)) = steps.get(step) else { return Ok(()) };
        *green_percent = percent;
        let last = step + 1 == steps.len();
        let (bake, next) = (*bake, steps.get(step + 1).map(|s| s.0 .0.saturating_sub(steps[step].0 .0)));
        if last {
            *phase = BlueGreenPhase::Baking;
        }
        self.log_deployment(
            service,
            p,
            now,
            "TRAFFIC_SHIFTED",
            &format!("{percent:.1}% of production traffic on green"),
        );
        if last {
            self.queue.schedule(now + bake, Event::BakeDone(service, deployment));
        } else if let Some(gap) = next {
            self.queue.schedule(now + SimDuration(gap), Event::TrafficStep(service, deployment, step + 1));
        }
        Ok(())
    }

    /// The bake (or CodeDeploy's termination wait) ended: blue goes.
    pub(super) fn bake_done(&mut self, service: usize, deployment: u32, now: SimTime) -> Result<(), Error> {
        let state = &mut self.services[service];
        let p = state.primary();
        let d = &mut state.deployments[p];
        if d.id != deployment || d.rollout != RolloutState::InProgress {
            return Ok(());
        }
        if let DeploymentKind::BlueGreen { phase, .. } = &mut d.kind {
            *phase = BlueGreenPhase::CleaningUp;
        }
        self.log_deployment(service, p, now, "BLUE_TERMINATING", "bake time over");
        self.request_evaluation(service);
        Ok(())
    }

    /// Picks `count` tasks to stop among `candidates`, as ECS scales in: with
    /// binpack, from the instance that keeps the most of the field free;
    /// with random, at random; otherwise (spread, the default) from the zone
    /// with the most of the service's tasks, then the instance with the most,
    /// at random among equals.
    fn pick_victims(&mut self, service: usize, mut candidates: Vec<TaskRef>, count: u32) -> Vec<TaskRef> {
        let mut victims = Vec::new();
        if count == 0 || candidates.is_empty() {
            return victims;
        }
        let mut zone_counts: BTreeMap<usize, i64> = BTreeMap::new();
        let mut instance_counts: BTreeMap<InstanceId, i64> = BTreeMap::new();
        for task_ref in self.services[service].tasks.values() {
            let task = &self.tasks[task_ref.slot as usize];
            if matches!(task.state, TaskStatus::Deactivating | TaskStatus::Stopping | TaskStatus::Stopped) {
                continue;
            }
            if let Some(zone) = task.availability_zone {
                *zone_counts.entry(zone).or_insert(0) += 1;
            }
            if let Some(id) = task.instance {
                *instance_counts.entry(id).or_insert(0) += 1;
            }
        }
        // The chain's first two levels, reversed for scale-in.
        let levels: Vec<Strategy> = self.scenario.services[service].strategy.iter().take(2).cloned().collect();
        while (victims.len() as u32) < count && !candidates.is_empty() {
            let key = |task: &Task| -> (i64, i64) {
                let level = |strategy: Option<&Strategy>| -> i64 {
                    match strategy {
                        Some(Strategy::Binpack(field)) => task.instance.map_or(0, |id| {
                            let instance = &self.cluster.instances[id.0 as usize];
                            match field {
                                BinpackField::Cpu => i64::from(instance.free_cpu + task.cpu),
                                BinpackField::Memory => i64::from(instance.free_memory + task.memory),
                            }
                        }),
                        Some(Strategy::SpreadInstance) => {
                            task.instance.map_or(0, |id| instance_counts.get(&id).copied().unwrap_or(0))
                        }
                        // Spreading over an attribute: the zone is the one ECS documents.
                        Some(Strategy::SpreadAttribute(_)) => {
                            task.availability_zone.map_or(0, |z| zone_counts.get(&z).copied().unwrap_or(0))
                        }
                        Some(Strategy::Random) | None => 0,
                    }
                };
                (level(levels.first()), level(levels.get(1)))
            };
            let keys: Vec<(i64, i64)> = candidates.iter().map(|t| key(&self.tasks[t.slot as usize])).collect();
            let best = keys.iter().copied().max().unwrap_or((0, 0));
            let ties: Vec<usize> = (0..candidates.len()).filter(|&i| keys[i] == best).collect();
            let chosen = ties[self.service_rng.gen_range(0..ties.len())];
            let victim = candidates.swap_remove(chosen);
            let task = &self.tasks[victim.slot as usize];
            if let Some(zone) = task.availability_zone {
                *zone_counts.entry(zone).or_insert(0) -= 1;
            }
            if let Some(id) = task.instance {
                *instance_counts.entry(id).or_insert(0) -= 1;
            }
            victims.push(victim);
        }
        victims
    }

    /// One sample of every service: demand, what the healthy tasks serve,
    /// and the counts behind availability.
    pub(super) fn sample_services(&mut self, time: SimTime, registered_cpu: u64) {
        let dt = self.scenario.sample_interval;
        self.registered_cpu_ms += registered_cpu as f64 * dt.0 as f64;
        for service in 0..self.services.len() {
            let spec = &self.scenario.services[service];
            let state = &self.services[service];
            let primary = &state.deployments[state.primary()];
            let green_share = primary.traffic_percent() / 100.0;
            let blue_green =
                matches!(primary.kind, DeploymentKind::BlueGreen { .. }) && primary.rollout == RolloutState::InProgress;
            let (mut running, mut healthy, mut green, mut blue) = (0_u32, 0_u32, 0_u32, 0_u32);
            let mut reserved_cpu = 0_u64;
            for task_ref in state.tasks.values() {
                let task = &self.tasks[task_ref.slot as usize];
                if task.launch_type == LaunchType::Ec2 && task.placed.is_some() && task.state != TaskStatus::Stopped {
                    reserved_cpu += u64::from(task.cpu);
                }
                if task.state == TaskStatus::Running {
                    running += 1;
                    if task.healthy {
                        healthy += 1;
                        if task.deployment == primary.id {
                            green += 1;
                        } else {
                            blue += 1;
                        }
                    }
                }
            }
            let capacity_per_task = spec.capacity_per_task;
            let capacity = f64::from(healthy) * capacity_per_task;
            let desired = state.desired;
            let demand = spec.demand.as_ref().map(|d| d.at(time));
            let served = match demand {
                None => None,
                Some(d) if blue_green => Some(
                    (d * (1.0 - green_share)).min(f64::from(blue) * capacity_per_task)
                        + (d * green_share).min(f64::from(green) * capacity_per_task),
                ),
                Some(d) => Some(d.min(capacity)),
            };
            let state = &mut self.services[service];
            state.reserved_cpu_ms += reserved_cpu as f64 * dt.0 as f64;
            let measuring = state.measuring;
            // Without a demand curve, availability is healthy tasks over desired.
            let (d, s) = match (demand, served) {
                (Some(d), Some(s)) => (d, s),
                _ => (f64::from(desired), f64::from(healthy.min(desired))),
            };
            let ratio = if desired == 0 { 1.0 } else { f64::from(running) / f64::from(desired) };
            let overloaded = demand.is_some_and(|d| d > capacity + 1e-9);
            state.since_start.add(dt, d, s, healthy < desired, overloaded, ratio);
            if measuring {
                state.since_steady.add(dt, d, s, healthy < desired, overloaded, ratio);
            }
            let in_progress = state.deployments.iter().any(|d| d.rollout == RolloutState::InProgress);
            self.recorder.service_sample(ServiceSample {
                time,
                service,
                desired,
                running,
                healthy,
                demand,
                capacity,
                served,
                availability_pct: if d > 0.0 { 100.0 * s / d } else { 100.0 },
                deployment_in_progress: in_progress,
            });
        }
    }

    /// Each service's figures over the run, in scenario order.
    pub(super) fn service_reports(&self, end: SimTime) -> Vec<ServiceReport> {
        let ec2_cost = self.summary.costs.ec2();
        self.services
            .iter()
            .enumerate()
            .map(|(service, state)| {
                let running_end =
                    state.tasks.values().filter(|t| self.tasks[t.slot as usize].state == TaskStatus::Running).count();
                let exposure = state.exposure();
                let mut ratios = exposure.ratios.clone();
                ratios.sort_by(f64::total_cmp);
                let quantile = |q: f64| {
                    let rank = ((q * ratios.len() as f64).ceil() as usize).clamp(1, ratios.len());
                    ratios[rank - 1]
                };
                let updates = &state.deployments[1..];
                let count = |f: &dyn Fn(&Deployment) -> bool| updates.iter().filter(|d| f(d)).count() as u64;
                let durations: Vec<f64> =
                    updates.iter().map(|d| d.ended.unwrap_or(end).since(d.started).as_secs_f64()).collect();
                let deployment_seconds = (!durations.is_empty()).then(|| {
                    let mean = durations.iter().sum::<f64>() / durations.len() as f64;
                    (mean, durations.iter().copied().fold(f64::MIN, f64::max))
                });
                let share = if self.registered_cpu_ms > 0.0 {
                    ec2_cost * state.reserved_cpu_ms / self.registered_cpu_ms
                } else {
                    0.0
                };
                ServiceReport {
                    service,
                    desired_end: state.desired,
                    running_end: running_end as u32,
                    availability_pct: state.availability_pct(),
                    below_desired: exposure.below_desired,
                    overloaded: exposure.overloaded,
                    running_to_desired: (!ratios.is_empty()).then(|| (quantile(0.01), quantile(0.99))),
                    tasks_started: state.tasks_started,
                    tasks_failed_to_start: state.tasks_failed_to_start,
                    tasks_failed_health: state.tasks_failed_health,
                    tasks_crashed: state.tasks_crashed,
                    tasks_lost: state.tasks_lost,
                    tasks_spot_interrupted: state.tasks_spot_interrupted,
                    placement_failures: state.placement_failures,
                    deployments: updates.len() as u64,
                    deployments_completed: count(&|d| d.rollout == RolloutState::Completed),
                    deployments_failed: count(&|d| d.rollout == RolloutState::Failed && d.outcome != "SUPERSEDED"),
                    deployments_rolled_back: count(&|d| d.outcome == "ROLLED_BACK"),
                    deployments_stuck: count(&|d| d.reported_stuck),
                    deployment_seconds,
                    cost_usd: share + state.fargate_cost,
                    fargate_cost_usd: state.fargate_cost,
                }
            })
            .collect()
    }

    /// Records a deployment step.
    pub(super) fn log_deployment(
        &mut self,
        service: usize,
        deployment: usize,
        now: SimTime,
        event: &'static str,
        detail: &str,
    ) {
        if !self.recorder.keeps_deployments() {
            return;
        }
        let state = &self.services[service];
        let d = &state.deployments[deployment];
        let (mut new_running, mut new_healthy, mut old_running) = (0, 0, 0);
        for task_ref in state.tasks.values() {
            let task = &self.tasks[task_ref.slot as usize];
            if task.state != TaskStatus::Running {
                continue;
            }
            if task.deployment == d.id {
                new_running += 1;
                new_healthy += u32::from(task.healthy);
            } else {
                old_running += 1;
            }
        }
        let record = DeploymentRecord {
            time: now,
            service,
            deployment: d.id,
            task_definition: d.task_definition,
            event,
            desired: state.desired,
            new_running,
            new_healthy,
            old_running,
            traffic_percent: d.traffic_percent(),
            detail: detail.to_string(),
        };
        self.recorder.deployment(record);
    }

    /// Records a task's row of the event log.
    pub(super) fn log_task(
        &mut self,
        now: SimTime,
        event: &'static str,
        task_ref: TaskRef,
        code: Option<StopCode>,
        detail: &str,
    ) {
        if !self.recorder.keeps_events() {
            return;
        }
        let task = &self.tasks[task_ref.slot as usize];
        let subject = EventSubject::Task {
            number: task.number,
            service: match task.owner {
                Owner::Service(s) => Some(s),
                Owner::Workload(_) => None,
            },
            task_definition: task.task_definition,
            instance: task.instance,
            zone: task.availability_zone,
        };
        self.recorder.event(EventRecord { time: now, event, subject, stop_code: code, detail: detail.to_string() });
    }

    /// Records a service's row of the event log.
    pub(super) fn log_service(&mut self, now: SimTime, event: &'static str, service: usize, detail: &str) {
        if self.recorder.keeps_events() {
            let subject = EventSubject::Service(service);
            self.recorder.event(EventRecord { time: now, event, subject, stop_code: None, detail: detail.to_string() });
        }
    }
}
