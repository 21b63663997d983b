//! Faults inside the event loop: instance failures (MTBF), EC2 Spot
//! interruptions with their two-minute notice, FARGATE_SPOT interruptions,
//! scheduled zone outages, and the replacement instances the fleet's Auto
//! Scaling group launches. Every task a fault takes is stopped with a stop
//! code and counted; services replace theirs.

use super::{Event, Owner, Purpose, Simulation, TaskRef, TaskStatus};
use crate::cluster::{InstanceId, InstanceStatus};
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::model::{LaunchType, Market};
use crate::record::{EventRecord, EventSubject, StopCode, TaskOutcome};
use rand_distr::{Distribution, Exp1};

/// EC2's Spot interruption notice.
const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);

impl Simulation<'_> {
    /// An exponential delay with the given rate per hour, drawn for
    /// `purpose` by the entity with `key`.
    pub(super) fn exponential_hours(&self, rate_per_hour: f64, purpose: Purpose, key: u64) -> SimDuration {
        let draw: f64 = Exp1.sample(&mut self.draws.rng(purpose, key));
        SimDuration((draw / rate_per_hour * 3_600_000.0).round().min(1e15) as u64)
    }

    /// Schedules a new instance's failure and Spot interruption, if the
    /// scenario has them.
    pub(super) fn arm_instance_faults(&mut self, id: InstanceId) {
        let key = self.draws.instance_key(id);
        if let Some(mtbf) = self.scenario.faults.instance_mtbf {
            let rate = 3_600_000.0 / mtbf.0 as f64;
            let after = self.exponential_hours(rate, Purpose::InstanceFailure, key);
            self.queue.schedule_in(after, Event::InstanceFailure(id));
        }
        let fleet = &self.scenario.fleets[self.cluster.instances[id.0 as usize].fleet];
        let rate = self.scenario.faults.spot_interruption_rate;
        if fleet.market == Market::Spot && rate > 0.0 {
            let after = self.exponential_hours(rate, Purpose::SpotNotice, key);
            self.queue.schedule_in(after, Event::SpotNotice(id));
        }
    }

    pub(super) fn on_instance_failure(&mut self, id: InstanceId, now: SimTime) -> Result<(), Error> {
        if self.cluster.instances[id.0 as usize].status == InstanceStatus::Deregistered {
            return Ok(());
        }
        self.summary.instance_failures += 1;
        self.log_instance(now, "INSTANCE_FAILED", id, "EC2 instance failure (MTBF)");
        self.terminate_instance(id, StopCode::InfrastructureHealth, now)
    }

    pub(super) fn on_spot_notice(&mut self, id: InstanceId, now: SimTime) -> Result<(), Error> {
        let status = self.cluster.instances[id.0 as usize].status;
        if status == InstanceStatus::Deregistered {
            return Ok(());
        }
        self.summary.spot_interruptions += 1;
        self.log_instance(now, "SPOT_INTERRUPTION_NOTICE", id, "reclaimed in two minutes");
        if self.scenario.faults.spot_draining && status == InstanceStatus::Active {
            self.set_instance_status(id, InstanceStatus::Draining, now);
            self.log_instance(now, "INSTANCE_DRAINING", id, "ECS_ENABLE_SPOT_INSTANCE_DRAINING");
            self.stop_pending_service_tasks_on(id, now);
            self.request_all_evaluations();
        }
        self.queue.schedule_in(SPOT_NOTICE, Event::SpotReclaim(id));
        Ok(())
    }

    pub(super) fn on_spot_reclaim(&mut self, id: InstanceId, now: SimTime) -> Result<(), Error> {
        if self.cluster.instances[id.0 as usize].status == InstanceStatus::Deregistered {
            return Ok(());
        }
        self.log_instance(now, "SPOT_RECLAIMED", id, "");
        self.terminate_instance(id, StopCode::TerminationNotice, now)
    }

    /// FARGATE_SPOT: SIGTERM now, stopped within the two-minute warning.
    pub(super) fn on_fargate_spot_notice(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        if !self.task(task_ref).is_some_and(|t| t.state == TaskStatus::Running) {
            return Ok(());
        }
        self.summary.spot_interruptions += 1;
        self.log_task(
            now,
            "FARGATE_SPOT_INTERRUPTION",
            task_ref,
            Some(StopCode::SpotInterruption),
            "Your Spot Task was interrupted.",
        );
        self.stop_service_task(task_ref, TaskOutcome::Interrupted, StopCode::SpotInterruption, now);
        Ok(())
    }

    pub(super) fn on_zone_outage(&mut self, index: usize, now: SimTime) -> Result<(), Error> {
        let zone = self.scenario.faults.az_outages[index].zone;
        self.zone_down[zone] += 1;
        self.log_zone(now, "AZ_OUTAGE_STARTED", zone);
        let ids: Vec<InstanceId> = self
            .cluster
            .instances
            .iter()
            .filter(|i| {
                i.availability_zone == zone && matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining)
            })
            .map(|i| i.id)
            .collect();
        for id in ids {
            self.set_instance_status(id, InstanceStatus::Unreachable, now);
            self.log_instance(now, "INSTANCE_UNREACHABLE", id, "zone outage");
            let lost = self.tasks_on(id, |_, task| task.number);
            self.stop_tasks_now(lost, TaskOutcome::Lost, StopCode::InfrastructureHealth, now)?;
        }
        // Fargate tasks are on no instance: one look through the task table per outage.
        let mut lost: Vec<(u64, TaskRef)> = self
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.stopped.is_none()
                    && t.placed.is_some()
                    && t.state != TaskStatus::Stopped
                    && t.launch_type == LaunchType::Fargate
                    && t.availability_zone == Some(zone)
            })
            .map(|(slot, t)| (t.number, TaskRef { slot: slot as u32, generation: t.generation }))
            .collect();
        lost.sort_unstable();
        let lost = lost.into_iter().map(|(_, t)| t).collect();
        self.stop_tasks_now(lost, TaskOutcome::Lost, StopCode::InfrastructureHealth, now)?;
        self.request_all_evaluations();
        Ok(())
    }

    pub(super) fn on_zone_recovery(&mut self, index: usize, now: SimTime) -> Result<(), Error> {
        let zone = self.scenario.faults.az_outages[index].zone;
        self.zone_down[zone] -= 1;
        if self.zone_down[zone] > 0 {
            return Ok(());
        }
        self.log_zone(now, "AZ_OUTAGE_ENDED", zone);
        let ids: Vec<InstanceId> = self
            .cluster
            .instances
            .iter()
            .filter(|i| i.availability_zone == zone && i.status == InstanceStatus::Unreachable)
            .map(|i| i.id)
            .collect();
        for id in ids {
            self.set_instance_status(id, InstanceStatus::Active, now);
            self.log_instance(now, "INSTANCE_REACHABLE", id, "zone recovered");
            self.instance_ready(id, now)?;
        }
        self.request_all_evaluations();
        Ok(())
    }

    /// A replacement instance registers with the cluster.
    pub(super) fn on_instance_launch(&mut self, index: usize, now: SimTime) -> Result<(), Error> {
        let launch = self.launches[index];
        self.launches[index].registered = true;
        if let Some(provider) = launch.provider {
            self.providers[provider].pending -= 1;
        }
        let instance_type = self.cluster.instance_types[launch.instance_type].clone();
        let attributes = super::setup::fleet_attributes(self.scenario, launch.fleet);
        let (fleet, zone) = (launch.fleet, launch.zone);
        let id = self.cluster.add_instance(fleet, &instance_type, zone, now, &attributes);
        self.draws.set_instance_key(id, launch.key);
        self.cluster.instances[id.0 as usize].launched_at = launch.launched;
        let why = if launch.provider.is_some() { "launched by the Auto Scaling group" } else { "replacement" };
        self.log_instance(now, "INSTANCE_REGISTERED", id, why);
        self.arm_instance_faults(id);
        if self.zone_down[zone] > 0 {
            self.set_instance_status(id, InstanceStatus::Unreachable, now);
            return Ok(());
        }
        self.instance_ready(id, now)
    }

    /// An instance can take tasks again: daemon tasks go first, then
    /// waiting tasks and services are retried.
    fn instance_ready(&mut self, id: InstanceId, now: SimTime) -> Result<(), Error> {
        for s in 0..self.services.len() {
            if self.scenario.services[s].is_daemon() {
                self.evaluate_service(s, now)?;
            }
        }
        self.touched.push(id);
        if !self.retry_scheduled && (self.waiting_count > 0 || self.services_waiting > 0) {
            self.retry_scheduled = true;
            self.queue.schedule_in(SimDuration::ZERO, Event::RetryWaiting);
        }
        self.request_all_evaluations();
        Ok(())
    }

    /// The instance is gone: its tasks are lost, and the fleet launches a
    /// replacement when the scenario says so.
    fn terminate_instance(&mut self, id: InstanceId, code: StopCode, now: SimTime) -> Result<(), Error> {
        let lost = self.tasks_on(id, |_, task| task.number);
        self.stop_tasks_now(lost, TaskOutcome::Lost, code, now)?;
        self.set_instance_status(id, InstanceStatus::Deregistered, now);
        self.log_instance(now, "INSTANCE_DEREGISTERED", id, code.as_str());
        let instance = &self.cluster.instances[id.0 as usize];
        let managed = self.scenario.capacity_providers.iter().any(|p| p.fleet == instance.fleet);
        // A capacity provider's group restores its desired capacity itself.
        if self.scenario.faults.replace_failed_instances && !managed {
            let failed = self.draws.instance_key(id);
            let fleet = instance.fleet;
            self.launches.push(super::Launch {
                fleet,
                key: self.draws.next_launch(self.scenario, fleet),
                instance_type: instance.instance_type,
                zone: instance.availability_zone,
                launched: now,
                provider: None,
                registered: false,
            });
            let mut rng = self.draws.rng(Purpose::Replacement, failed);
            let delay = self.scenario.faults.instance_replacement_delay.sample_duration(&mut rng);
            self.queue.schedule_in(delay, Event::InstanceLaunch(self.launches.len() - 1));
        }
        self.request_all_evaluations();
        Ok(())
    }

    /// The Auto Scaling group terminates an instance on scale-in; tasks still
    /// on it are lost.
    pub(super) fn retire_instance(&mut self, id: InstanceId, why: &str, now: SimTime) -> Result<(), Error> {
        let on_it = self.tasks_on(id, |_, task| task.number);
        self.stop_tasks_now(on_it, TaskOutcome::ScaledIn, StopCode::TerminationNotice, now)?;
        self.set_instance_status(id, InstanceStatus::Deregistered, now);
        self.log_instance(now, "INSTANCE_TERMINATED", id, why);
        self.request_all_evaluations();
        Ok(())
    }

    /// Stops these placed tasks at once, in this order, with the given
    /// outcome and stop code.
    fn stop_tasks_now(
        &mut self,
        victims: Vec<TaskRef>,
        outcome: TaskOutcome,
        code: StopCode,
        now: SimTime,
    ) -> Result<(), Error> {
        for task_ref in victims {
            let task = &mut self.tasks[task_ref.slot as usize];
            task.outcome = outcome;
            task.stop_code = code;
            if matches!(task.state, TaskStatus::Provisioning | TaskStatus::Pending) {
                self.unstarted_tasks -= 1;
            }
            self.stop_now(task_ref, now)?;
        }
        Ok(())
    }

    /// DRAINING stops a service's PENDING tasks on the instance at once.
    fn stop_pending_service_tasks_on(&mut self, id: InstanceId, now: SimTime) {
        let mut pending = self.tasks_on(id, |task_ref, _| task_ref.slot);
        pending.retain(|t| {
            let task = &self.tasks[t.slot as usize];
            task.state == TaskStatus::Pending && matches!(task.owner, Owner::Service(_))
        });
        for task_ref in pending {
            self.stop_service_task(task_ref, TaskOutcome::Replaced, StopCode::ServiceSchedulerInitiated, now);
        }
    }

    /// Records an instance's row of the event log.
    pub(super) fn log_instance(&mut self, now: SimTime, event: &'static str, id: InstanceId, detail: &str) {
        if self.recorder.keeps_events() {
            let subject = EventSubject::Instance(id, self.cluster.instances[id.0 as usize].availability_zone);
            self.recorder.event(EventRecord { time: now, event, subject, stop_code: None, detail: detail.to_string() });
        }
    }

    fn log_zone(&mut self, now: SimTime, event: &'static str, zone: usize) {
        if self.recorder.keeps_events() {
            let subject = EventSubject::Zone(zone);
            self.recorder.event(EventRecord { time: now, event, subject, stop_code: None, detail: String::new() });
        }
    }
}
