//! A service task's life as the service scheduler sees it: launching on
//! the service's launch type or capacity providers, health checks,
//! deregistration, stopping, and counting what stopped.

use super::{BACKOFF_INITIAL, HEALTHY_WITHOUT_CHECKS, SPOT_WARNING};
use crate::cluster::InstanceId;
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::model::{LaunchType, Provider};
use crate::record::{Owner, StopCode, TaskOutcome, TaskStatus};
use crate::scaling::capacity::{pick_provider, StrategyItem};
use crate::scenario::service_spec::ServiceLaunch;
use crate::scheduler::launch_backoff;
use crate::simulation::event::Event;
use crate::simulation::task::{Task, TaskRef};
use crate::simulation::{Purpose, Simulation};
use rand::Rng;

impl Simulation<'_> {
    /// Creates a task of the service's primary deployment; false (no task
    /// created, as ECS creates none) when it cannot be placed.
    pub(super) fn launch_service_task(&mut self, service: usize, now: SimTime) -> Result<bool, Error> {
        self.launch_task_of(service, None, now)
    }

    pub(super) fn launch_daemon_task(
        &mut self,
        service: usize,
        instance: InstanceId,
        now: SimTime,
    ) -> Result<bool, Error> {
        self.launch_task_of(service, Some(instance), now)
    }

    pub(super) fn launch_task_of(
        &mut self,
        service: usize,
        target: Option<InstanceId>,
        now: SimTime,
    ) -> Result<bool, Error> {
        let spec = &self.scenario.services[service];
        let state = &self.services[service];
        let p = state.primary();
        let deployment = &state.deployments[p];
        let task_definition = deployment.task_definition;
        let (launch_type, spot, capacity_provider) = match &spec.launch {
            ServiceLaunch::LaunchType(launch_type) => (*launch_type, false, None),
            ServiceLaunch::Providers(shares) => {
                // Base first, then by weight, over the service's tasks (docs/ecs-reference.md §5.1).
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
        let owner = Owner::Service(service);
        let draw_key = self.draws.next_task(self.scenario, owner);
        let mut fate = self.draws.rng(Purpose::TaskHealth, draw_key);
        let fails_start = model.start_failure_probability > 0.0 && fate.gen::<f64>() < model.start_failure_probability;
        let fails_health = !fails_start
            && model.health_check_failure_probability > 0.0
            && fate.gen::<f64>() < model.health_check_failure_probability;
        let task = Task {
            deployment: deployment.id,
            fails_start,
            fails_health,
            spot,
            capacity_provider,
            outcome: TaskOutcome::Stopped,
            stop_code: StopCode::ServiceSchedulerInitiated,
            ..Task::provisioning(
                (self.next_number, draw_key),
                owner,
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
            self.queue.schedule_in(timeout, Event::WaitExpired(task_ref));
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
                state.counts.placement_failures += 1;
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
        self.draws.count_task(owner);
        self.next_number += 1;
        self.summary.tasks_submitted += 1;
        self.summary.service_tasks += 1;
        let number = self.tasks[task_ref.slot as usize].number;
        let state = &mut self.services[service];
        state.tasks.insert(number, task_ref);
        state.counts.tasks_started += 1;
        state.deployments[p].tasks_started += 1;
        self.tally_add(service, task_ref);
        Ok(true)
    }

    /// Counts a task already running when the run starts as one of the
    /// service's primary deployment.
    pub(in crate::simulation) fn adopt_service_task(&mut self, service: usize, task_ref: TaskRef) {
        let state = &self.services[service];
        let deployment = state.deployments[state.primary()].id;
        self.tasks[task_ref.slot as usize].deployment = deployment;
        let number = self.tasks[task_ref.slot as usize].number;
        self.services[service].tasks.insert(number, task_ref);
        self.tally_add(service, task_ref);
    }

    /// The task reached RUNNING: reset the back-off, schedule its health
    /// verdict, its crash and its Spot interruption.
    pub(in crate::simulation) fn service_task_running(&mut self, service: usize, task_ref: TaskRef) {
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
            self.queue.schedule_in(after, Event::HealthFailed(task_ref));
        } else {
            self.queue.schedule_in(healthy_after, Event::Healthy(task_ref));
        }
        let key = self.tasks[task_ref.slot as usize].draw_key;
        let crash_rate = self.scenario.faults.task_crash_rate;
        if crash_rate > 0.0 {
            let after = self.exponential_hours(crash_rate, Purpose::TaskCrash, key);
            self.queue.schedule_in(after, Event::Exited(task_ref));
        }
        let spot_rate = self.scenario.faults.fargate_spot_interruption_rate;
        if self.tasks[task_ref.slot as usize].spot && spot_rate > 0.0 {
            let after = self.exponential_hours(spot_rate, Purpose::FargateSpotNotice, key);
            self.queue.schedule_in(after, Event::FargateSpotNotice(task_ref));
        }
    }

    pub(in crate::simulation) fn on_healthy(&mut self, task_ref: TaskRef) -> Result<(), Error> {
        let Some(task) = self.task(task_ref) else { return Ok(()) };
        if task.state != TaskStatus::Running {
            return Ok(());
        }
        let Owner::Service(service) = task.owner else { return Ok(()) };
        let deployment = task.deployment;
        self.change_task(task_ref, |task| task.healthy = true);
        let state = &mut self.services[service];
        if let Some(d) = state.deployments.iter_mut().find(|d| d.id == deployment) {
            // The breaker counts failures until the deployment's first healthy task.
            d.breaker_armed = false;
            d.failed_tasks = 0;
        }
        self.request_evaluation(service);
        Ok(())
    }

    pub(in crate::simulation) fn on_health_failed(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        let Some(task) = self.task(task_ref) else { return Ok(()) };
        if task.state != TaskStatus::Running {
            return Ok(());
        }
        let Owner::Service(service) = task.owner else { return Ok(()) };
        let deployment = task.deployment;
        self.services[service].counts.tasks_failed_health += 1;
        self.stop_service_task(task_ref, TaskOutcome::FailedHealthCheck, StopCode::ServiceSchedulerInitiated, now);
        self.count_failure(service, deployment, now)
    }

    /// The target left the load balancer: DEACTIVATING → STOPPING.
    pub(in crate::simulation) fn on_deregistered(&mut self, task_ref: TaskRef) {
        if self.task(task_ref).is_some_and(|t| t.state == TaskStatus::Deactivating) {
            self.change_task(task_ref, |task| task.state = TaskStatus::Stopping);
            let stop = self.stop_delay(task_ref);
            self.queue.schedule_in(stop, Event::Stopped(task_ref));
        }
    }

    /// Stops a task the way the scheduler does: a running task behind a
    /// load balancer deregisters first; one not yet running stops at once.
    pub(in crate::simulation) fn stop_service_task(
        &mut self,
        task_ref: TaskRef,
        outcome: TaskOutcome,
        code: StopCode,
        now: SimTime,
    ) {
        let task = &mut self.tasks[task_ref.slot as usize];
        let state = task.state;
        if matches!(state, TaskStatus::Deactivating | TaskStatus::Stopping | TaskStatus::Stopped) {
            return;
        }
        task.outcome = outcome;
        task.stop_code = code;
        let owner = task.owner;
        self.change_task(task_ref, |task| task.healthy = false);
        let spot_interruption = code == StopCode::SpotInterruption;
        let deregistration = match owner {
            Owner::Service(s) => self.scenario.services[s].target_group.map(|tg| tg.deregistration_delay),
            Owner::Workload(_) => None,
        };
        match state {
            TaskStatus::Provisioning | TaskStatus::Pending => {
                if self.tasks[task_ref.slot as usize].placed.is_none() {
                    self.dequeue_waiting(task_ref);
                }
                self.unstarted_tasks -= 1;
                let _ = self.stop_now(task_ref, now);
            }
            TaskStatus::Running => {
                self.leave_running(task_ref);
                match deregistration {
                    Some(delay) => {
                        self.change_task(task_ref, |task| task.state = TaskStatus::Deactivating);
                        // Fargate Spot gives two minutes, whatever the target group says.
                        let delay = if spot_interruption { delay.min(SPOT_WARNING) } else { delay };
                        self.queue.schedule_in(delay, Event::Deregistered(task_ref));
                    }
                    None => {
                        self.change_task(task_ref, |task| task.state = TaskStatus::Stopping);
                        let stop = self.stop_delay(task_ref);
                        self.queue.schedule_in(stop, Event::Stopped(task_ref));
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
    pub(in crate::simulation) fn service_task_stopped(
        &mut self,
        service: usize,
        task_ref: TaskRef,
        now: SimTime,
    ) -> Result<(), Error> {
        let task = &self.tasks[task_ref.slot as usize];
        let (number, outcome, deployment) = (task.number, task.outcome, task.deployment);
        self.tally_remove(service, task_ref);
        let state = &mut self.services[service];
        state.tasks.remove(&number);
        match outcome {
            TaskOutcome::FailedToStart => {
                state.counts.tasks_failed_to_start += 1;
                state.launch_failures += 1;
                state.next_launch = now + launch_backoff(state.launch_failures, BACKOFF_INITIAL);
                self.count_failure(service, deployment, now)?;
            }
            TaskOutcome::Crashed => state.counts.tasks_crashed += 1,
            TaskOutcome::Lost => state.counts.tasks_lost += 1,
            TaskOutcome::Interrupted => state.counts.tasks_spot_interrupted += 1,
            _ => {}
        }
        self.request_evaluation(service);
        Ok(())
    }
}
