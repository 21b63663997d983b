//! A task's lifecycle: PENDING → RUNNING → STOPPING → STOPPED, releasing
//! its resources, billing it and reporting it when it stops.

use super::event::Event;
use super::task::{last_status, TaskRef};
use super::{Purpose, Simulation};
use crate::billing::{fargate_task_cost, fargate_usage};
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::model::LaunchType;
use crate::record::{EndReason, Owner, StopCode, TaskOutcome, TaskRecord, TaskStatus};

impl Simulation<'_> {
    pub(super) fn on_running(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        let Some(task) = self.tasks.get_mut(task_ref.slot as usize).filter(|t| t.generation == task_ref.generation)
        else {
            return Ok(());
        };
        if task.state != TaskStatus::Pending {
            return Ok(());
        }
        if task.fails_start {
            // PENDING → STOPPED without ever running (a bad image, a crashing entry point).
            task.outcome = TaskOutcome::FailedToStart;
            task.stop_code = StopCode::TaskFailedToStart;
            self.unstarted_tasks -= 1;
            return self.stop_now(task_ref, now);
        }
        let submitted = task.submitted;
        self.change_task(task_ref, |task| {
            task.state = TaskStatus::Running;
            task.started = Some(now);
        });
        self.start_delays.record(now.since(submitted));
        self.summary.tasks_started += 1;
        self.unstarted_tasks -= 1;
        self.running_tasks += 1;
        let task = &self.tasks[task_ref.slot as usize];
        if task.launch_type == LaunchType::Fargate {
            self.running_fargate += 1;
        }
        let (run_for, owner, instance) = (task.run_for, task.owner, task.instance);
        if let Some(id) = instance {
            self.cluster.set_running(id, true);
            if self.dynamic_constraints {
                self.note_change(id); // changes runningTasksCount
            }
        }
        match owner {
            Owner::Workload(_) => {
                self.queue.schedule_in(run_for, Event::Exited(task_ref));
            }
            Owner::Service(service) => self.service_task_running(service, task_ref),
        }
        Ok(())
    }

    /// A RUNNING task leaves RUNNING: counters and the instance's
    /// `runningTasksCount`.
    pub(super) fn leave_running(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        self.running_tasks -= 1;
        if task.launch_type == LaunchType::Fargate {
            self.running_fargate -= 1;
        }
        if let Some(id) = task.instance {
            self.cluster.set_running(id, false);
            if self.dynamic_constraints {
                self.note_change(id); // changes runningTasksCount
            }
        }
    }

    /// How long the task takes from STOPPING to STOPPED.
    pub(super) fn stop_delay(&self, task_ref: TaskRef) -> SimDuration {
        let key = self.tasks[task_ref.slot as usize].draw_key;
        self.scenario.timing.task_stop.sample_duration(&mut self.draws.rng(Purpose::TaskStop, key))
    }

    pub(super) fn on_exited(&mut self, task_ref: TaskRef) {
        let Some(task) = self.task(task_ref) else { return };
        if task.state != TaskStatus::Running {
            return;
        }
        if let Owner::Service(_) = task.owner {
            let task = &mut self.tasks[task_ref.slot as usize];
            task.outcome = TaskOutcome::Crashed;
            task.stop_code = StopCode::EssentialContainerExited;
        }
        self.leave_running(task_ref);
        self.change_task(task_ref, |task| task.state = TaskStatus::Stopping);
        let stop = self.stop_delay(task_ref);
        self.queue.schedule_in(stop, Event::Stopped(task_ref));
        if let Owner::Service(service) = self.tasks[task_ref.slot as usize].owner {
            self.request_evaluation(service);
        }
    }

    pub(super) fn on_stopped(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        match self.task(task_ref) {
            Some(task) if task.state == TaskStatus::Stopping => self.stop_now(task_ref, now),
            _ => Ok(()),
        }
    }

    /// The task is STOPPED now: resources return, it is counted, reported,
    /// and its service (if any) looks again.
    pub(super) fn stop_now(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        if self.tasks[task_ref.slot as usize].state == TaskStatus::Running {
            self.leave_running(task_ref);
        }
        self.release(task_ref);
        self.change_task(task_ref, |task| {
            task.state = TaskStatus::Stopped;
            task.stopped = Some(now);
        });
        let task = &self.tasks[task_ref.slot as usize];
        let (owner, outcome, code, instance) = (task.owner, task.outcome, task.stop_code, task.instance);
        if outcome == TaskOutcome::Completed {
            self.summary.tasks_completed += 1;
        }
        if matches!(outcome, TaskOutcome::Lost | TaskOutcome::Interrupted) {
            self.summary.tasks_lost_to_faults += 1;
        }
        if self.recorder.keeps_events() {
            self.log_task(now, "TASK_STOPPED", task_ref, Some(code), "");
        }
        self.finished_for_dag(task_ref);
        if let Owner::Service(service) = owner {
            self.service_task_stopped(service, task_ref, now)?;
        }
        if let Some(id) = instance {
            if self.cluster.instances[id.0 as usize].status == crate::cluster::InstanceStatus::Draining {
                self.request_daemon_evaluations(); // daemon tasks stop last on a draining instance
            }
        }
        self.report(task_ref, now, outcome, EndReason::Stopped(code));
        Ok(())
    }

    pub(super) fn release(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        if task.placed.is_none() {
            return;
        }
        match (task.launch_type, task.instance) {
            (LaunchType::Ec2, Some(id)) => {
                let needs = task.needs(self.scenario, &self.plans);
                self.cluster.release(id, &needs.reservation());
                let (cpu, memory) = (needs.cpu, needs.memory);
                if !self.is_daemon_task(task_ref) {
                    self.packing.release(id, cpu, memory);
                }
                self.note_change(id);
                self.detach_from_instance(task_ref, id);
            }
            (LaunchType::Fargate, _) => {
                if let Some(count) = task.availability_zone.and_then(|z| self.fargate_spread.get_mut(&(task.group, z)))
                {
                    *count -= 1;
                }
            }
            _ => {}
        }
    }

    /// Records the task's row (if kept), bills Fargate and frees its slot.
    pub(super) fn report(&mut self, task_ref: TaskRef, end: SimTime, outcome: TaskOutcome, reason: EndReason) {
        let task = &self.tasks[task_ref.slot as usize];
        let def = &self.scenario.task_definitions[task.task_definition];
        // Fargate bills from the start of the image pull; a task whose pull
        // had not begun by the end of the run costs nothing.
        let ended = task.stopped.unwrap_or(end);
        let fargate_cost = match (task.fargate, task.pending) {
            (Some(size), Some(pull_started)) if pull_started < ended => {
                let factor = if task.spot { self.scenario.fargate.spot_price_factor } else { 1.0 };
                let cost = fargate_task_cost(
                    &self.scenario.fargate.pricing,
                    size,
                    def.architecture,
                    factor,
                    pull_started,
                    ended,
                );
                self.summary.costs.fargate += cost;
                if let Owner::Service(service) = task.owner {
                    self.services[service].fargate_cost += cost;
                }
                if let Some(ledger) = self.recorder.usage() {
                    let service = if let Owner::Service(s) = task.owner { Some(s) } else { None };
                    let pricing = &self.scenario.fargate.pricing;
                    let who = (service, task.spot);
                    fargate_usage(ledger, pricing, size, def.architecture, factor, who, pull_started, ended);
                }
                Some(cost)
            }
            _ => None,
        };
        if self.recorder.keeps_tasks() {
            self.recorder.task(TaskRecord {
                number: task.number,
                owner: task.owner,
                task_definition: task.task_definition,
                group: task.group,
                launch_type: task.launch_type,
                cpu: task.cpu,
                memory: task.memory,
                submitted: task.submitted,
                placed: task.placed,
                started: task.started,
                stopped: task.stopped,
                instance: task.instance,
                availability_zone: task.availability_zone,
                last_status: last_status(task, end),
                outcome,
                reason,
                fargate_cost,
            });
        }
        self.free_slots.push(task_ref.slot);
    }
}
