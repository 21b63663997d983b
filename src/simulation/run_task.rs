//! RunTask workloads: submissions from a workload's source become tasks,
//! placed at once or failed, or left waiting, as the workload's
//! `on_placement_failure` says.

use super::dag::DagPending;
use super::event::Event;
use super::task::{Task, TaskRef};
use super::Simulation;
use crate::catalog::fargate::round_up_fargate_size;
use crate::engine::SimTime;
use crate::error::{Error, InputError};
use crate::model::{LaunchType, MAX_CONSTRAINTS};
use crate::placement::Rejection;
use crate::record::{EndReason, Owner, TaskOutcome, TaskStatus};
use crate::scenario::budget::EVENTS_PER_TASK;
use crate::scenario::workload_spec::FailurePolicy;
use crate::workload::Submission;

impl Simulation<'_> {
    pub(super) fn load_next_submission(&mut self, workload: usize) -> Result<(), Error> {
        let next = self.sources[workload].next_submission()?;
        if let Some(submission) = &next {
            self.queue.at(submission.time, Event::Submission(workload))?;
        }
        self.pending_submission[workload] = next;
        Ok(())
    }

    /// A RunTask call: create `count` tasks and try to place each.
    pub(super) fn submit(&mut self, workload_index: usize, now: SimTime) -> Result<(), Error> {
        let Some(submission) = self.pending_submission[workload_index].take() else { return Ok(()) };
        self.run_task(workload_index, submission, now)?;
        self.load_next_submission(workload_index)?;
        Ok(())
    }

    /// One RunTask call: create the tasks and try to place each.
    pub(super) fn run_task(
        &mut self,
        workload_index: usize,
        submission: Submission,
        now: SimTime,
    ) -> Result<(), Error> {
        let workload = &self.scenario.workloads[workload_index];
        let task_definition = match &submission.task_definition {
            Some(name) => self.scenario.task_definition_index(name).ok_or_else(|| {
                let (file, line) = submission.origin.clone().unwrap_or_default();
                InputError::new(file, format!("unknown task definition `{name}`"))
                    .at(format!("line {line}"))
                    .help("define it in a [[task_definition]] of the scenario")
            })?,
            None => workload.task_definition.ok_or_else(|| {
                let (file, line) = submission.origin.clone().unwrap_or_default();
                InputError::new(file, "the row names no task definition and the workload sets no default")
                    .at(format!("line {line}"))
                    .help("fill the task_definition column or set run_task.taskDefinition")
            })?,
        };
        let def = &self.scenario.task_definitions[task_definition];
        let launch_type = workload.launch_type;
        let plan = self.plan_index[&(Owner::Workload(workload_index), task_definition, None)];
        let row_error = |message: String, help: &str| {
            let (file, line) = submission.origin.clone().unwrap_or_default();
            InputError::new(file, message).at(format!("line {line}")).help(help.to_string())
        };
        if !def.allows(launch_type.as_str()) || (launch_type == LaunchType::Fargate && def.fargate_size.is_none()) {
            return Err(row_error(
                format!("task definition `{}` cannot run with launch type {}", def.name(), launch_type.as_str()),
                "add the launch type to its requiresCompatibilities (Fargate also needs task-level cpu and memory)",
            )
            .into());
        }
        if self.plans[plan].constraints.len() > MAX_CONSTRAINTS {
            return Err(row_error(
                format!("with `{}` the task has more than {MAX_CONSTRAINTS} placement constraints", def.name()),
                "ECS allows 10 per task, task definition and RunTask together",
            )
            .into());
        }
        let cpu = submission.cpu.unwrap_or(def.cpu);
        let memory = submission.memory.unwrap_or(def.memory_mib);
        let count = submission.count.unwrap_or(workload.default_count);
        self.tasks_asked = self.tasks_asked.saturating_add(u64::from(count));
        if self.tasks_asked.saturating_mul(EVENTS_PER_TASK) > self.scenario.max_events {
            let budget = self.scenario.max_events;
            let message = format!(
                "RunTask calls ask for {} tasks up to here ({count} in this one), more than the budget of {budget} \
                 events allows at {EVENTS_PER_TASK} events per task",
                self.tasks_asked
            );
            let help = "raise the budget with --max-events N if the run is meant to be this large";
            return Err(match &submission.origin {
                Some(_) => row_error(message, &format!("lower the row's `count`, or {help}")),
                None => InputError::new(&self.scenario.path, message)
                    .at(format!("field `workload[{workload_index}]`"))
                    .help(format!("lower the workload's arrivals, or {help}")),
            }
            .into());
        }
        let fargate = match launch_type {
            LaunchType::Ec2 => None,
            LaunchType::Fargate => match (submission.cpu, submission.memory) {
                (None, None) => def.fargate_size,
                // Sizes from a trace are rounded up to the smallest valid Fargate size.
                _ => round_up_fargate_size(cpu, memory),
            },
        };
        // A request no instance type of the fleet (or no Fargate size) could
        // ever hold is skipped and counted, not queued forever.
        let oversize = match launch_type {
            LaunchType::Ec2 => !self.instance_shapes.iter().any(|&(c, m)| c >= cpu && m >= memory),
            LaunchType::Fargate => fargate.is_none(),
        };
        if oversize {
            self.summary.tasks_skipped_oversize += u64::from(count);
            if let Some((job, name)) = &submission.dag {
                let released = self.sources[workload_index].completed(job, name);
                self.released.extend(released.into_iter().map(|s| (workload_index, s)));
            }
            return Ok(());
        }
        let dag = submission.dag.clone().map(|(job, name)| {
            self.next_dag_id += 1;
            self.dag_pending
                .insert(self.next_dag_id, DagPending { workload: workload_index, job, name, remaining: count });
            self.next_dag_id
        });
        let group_name = submission
            .group
            .clone()
            .or_else(|| workload.group.clone())
            .unwrap_or_else(|| format!("family:{}", def.family));
        let group = self.cluster.group_id(&group_name);
        for _ in 0..count {
            let owner = Owner::Workload(workload_index);
            let draw_key = self.draws.next_task(self.scenario, owner);
            self.draws.count_task(owner);
            let task = Task {
                run_for: submission.run_duration,
                dag,
                ..Task::provisioning(
                    (self.next_number, draw_key),
                    owner,
                    task_definition,
                    plan,
                    (fargate.map_or(cpu, |s| s.cpu), fargate.map_or(memory, |s| s.memory_mib)),
                    group,
                    (launch_type, fargate),
                    now,
                )
            };
            self.next_number += 1;
            self.summary.tasks_submitted += 1;
            self.unstarted_tasks += 1;
            let task_ref = self.store(task);
            if !self.try_place(task_ref, now) {
                match self.scenario.workloads[workload_index].on_failure {
                    FailurePolicy::Fail => {
                        let reason = self.rejection_now(task_ref);
                        self.fail(task_ref, reason, now)?;
                    }
                    FailurePolicy::Wait { max_wait } => {
                        self.enqueue_waiting(task_ref);
                        if let Some(wait) = max_wait {
                            self.queue.schedule_in(wait, Event::WaitExpired(task_ref));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn fail(&mut self, task_ref: TaskRef, reason: Rejection, now: SimTime) -> Result<(), Error> {
        let task = &mut self.tasks[task_ref.slot as usize];
        task.state = TaskStatus::Stopped;
        task.stopped = Some(now);
        self.unstarted_tasks -= 1;
        let slot = Rejection::ALL.iter().position(|r| *r == reason).unwrap_or(0);
        self.summary.tasks_failed[slot] += 1;
        self.finished_for_dag(task_ref);
        self.report(task_ref, now, TaskOutcome::Failed, EndReason::Rejected(reason));
        Ok(())
    }
}
