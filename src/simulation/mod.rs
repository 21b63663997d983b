//! One run of a scenario: the event loop that submits tasks, places them,
//! walks them through ECS's lifecycle, bills them and measures the cluster.

use crate::cluster::{Cluster, GroupId, InstanceId};
use crate::engine::{EventQueue, SimDuration, SimRng, SimTime};
use crate::error::{Error, InputError};
use crate::interrupt::{Signals, Watch, CHECK_EVERY};
use crate::metrics::{Histogram, Integrals, Packing};
use crate::placement::{PlacementPlan, Placer};
use crate::record::{ClusterSample, Owner, Recorder, RunResult, RunSummary, TaskStatus};
use crate::scenario::Scenario;
use crate::workload::{Submission, SubmissionSource};
use std::collections::{BTreeMap, VecDeque};

mod adopt;
mod age_order;
mod dag;
mod draws;
mod event;
mod faults;
mod finish;
mod lifecycle;
mod placing;
mod run_task;
mod scaling;
mod services;
mod setup;
mod task;
mod waiting;

use dag::DagPending;
use draws::{Draws, Purpose};
use event::Event;
use placing::PlanKey;
use task::{Task, TaskRef};
use waiting::Shape;

use scaling::ProviderState;

use services::{ServiceState, Trouble};

/// An instance on its way: launched by a fleet's Auto Scaling group, not
/// yet registered.
#[derive(Debug, Clone, Copy)]
struct Launch {
    fleet: usize,
    /// Its key for keyed draws (fleet and launch ordinal).
    key: u64,
    /// Index into the cluster's instance types.
    instance_type: usize,
    zone: usize,
    launched: SimTime,
    /// The capacity provider whose group launched it.
    provider: Option<usize>,
    registered: bool,
}

/// Everything one run holds.
pub struct Simulation<'s> {
    scenario: &'s Scenario,
    queue: EventQueue<Event>,
    cluster: Cluster,
    placer: Placer,
    /// Plans per (owner, task definition).
    plans: Vec<PlacementPlan>,
    plan_index: BTreeMap<PlanKey, usize>,
    /// Services, in scenario order.
    services: Vec<ServiceState>,
    /// Services that could not place a task and wait for capacity.
    services_waiting: u32,
    /// Outages in progress per zone.
    zone_down: Vec<u32>,
    /// Registered CPU units × ms, summed over samples (for cost shares).
    registered_cpu_ms: f64,
    /// Instances launched, in order (registered or not).
    launches: Vec<Launch>,
    /// Capacity providers' Auto Scaling groups.
    providers: Vec<ProviderState>,
    /// Service auto scaling targets, by service.
    targets: Vec<Option<crate::scaling::target::ScalableTarget>>,
    last_scaling_tick: SimTime,
    /// Keyed draws: fault times, launch and start delays, task fates.
    draws: Draws,
    /// The service scheduler's choices among equally good tasks.
    service_rng: SimRng,
    sources: Vec<Box<dyn SubmissionSource>>,
    /// Submissions released by finished DAG dependencies, to make now.
    released: VecDeque<(usize, Submission)>,
    /// Released submissions whose arrival time is still ahead, by key.
    deferred: BTreeMap<u64, (usize, Submission)>,
    next_deferred: u64,
    /// DAG nodes with tasks still to finish, by id.
    dag_pending: rustc_hash::FxHashMap<u64, DagPending>,
    next_dag_id: u64,
    /// Tasks every RunTask call so far asked for, against the work budget.
    tasks_asked: u64,
    /// Registered (CPU units, MiB) of each instance type in the fleets.
    instance_shapes: Vec<(u32, u32)>,
    pending_submission: Vec<Option<Submission>>,
    tasks: Vec<Task>,
    tasks_by_instance: task::TasksByInstance,
    free_slots: Vec<u32>,
    next_number: u64,
    /// Waiting tasks per shape, each queue in submission order.
    waiting: BTreeMap<Shape, VecDeque<TaskRef>>,
    /// Waiting shapes by the submission number of their oldest task.
    waiting_order: age_order::AgeOrder,
    /// Whether any waiting shape is small enough (CPU and memory) for an instance.
    dominance: waiting::Dominance,
    waiting_count: u64,
    retry_scheduled: bool,
    /// Instances that may take more tasks than at the last retry pass (kept
    /// only while tasks wait).
    touched: Vec<InstanceId>,
    /// Which instances are among `touched` in the retry pass under way.
    touched_marks: waiting::TouchedMarks,
    /// Whether some memberOf depends on tasks (`task:group`,
    /// `runningTasksCount`), so that placing or starting a task can make an
    /// instance eligible, not only stopping one.
    dynamic_constraints: bool,
    fargate_placement: SimRng,
    /// Fargate tasks per (group, zone), for zone spreading.
    fargate_spread: BTreeMap<(GroupId, usize), u32>,
    running_tasks: u64,
    unstarted_tasks: u64,
    running_fargate: u64,
    integrals: Integrals,
    /// Time any measured service was in trouble, by kind.
    trouble: Trouble,
    /// Busy instances and the packing bound, sampled.
    packing: Packing,
    next_sample: SimTime,
    waits: Histogram,
    start_delays: Histogram,
    summary: RunSummary,
    recorder: Recorder,
}

impl<'s> Simulation<'s> {
    /// Runs to the scenario's end and returns what it recorded; a SIGINT
    /// or SIGTERM stops it ([`crate::interrupt`]).
    pub fn run(self) -> Result<RunResult, Error> {
        self.run_watched(&mut Signals)
    }

    /// [`run`](Self::run), calling `watch` every [`CHECK_EVERY`] events;
    /// its error stops the run.
    pub fn run_watched(mut self, watch: &mut dyn Watch) -> Result<RunResult, Error> {
        let end = SimTime::ZERO + self.scenario.duration;
        while let Some(time) = self.queue.peek_time() {
            if time > end {
                break;
            }
            self.sample_until(time)?;
            let Some((now, event)) = self.queue.pop() else { break };
            if self.queue.processed() > self.scenario.max_events {
                return Err(self.over_budget(now).into());
            }
            if self.queue.processed().is_multiple_of(CHECK_EVERY) {
                watch.reached(now)?;
            }
            self.handle(now, event)?;
            self.integrals.advance(now, self.cluster.totals());
        }
        self.sample_until(end + SimDuration(1))?;
        self.integrals.advance(end, self.cluster.totals());
        self.finish(end)
    }

    /// The run has processed more events than its budget: an input error,
    /// as the estimate before the run would have given had it seen this.
    fn over_budget(&self, now: SimTime) -> InputError {
        InputError::new(&self.scenario.path, format!(
            "the run passed the budget of {} events at {} of simulated time",
            self.scenario.max_events,
            now - SimTime::ZERO
        ))
        .at("option `--max-events`")
        .help("shorten simulation.duration or lower the scenario's rates and counts, or raise the budget with --max-events N")
    }

    fn sample_until(&mut self, time: SimTime) -> Result<(), Error> {
        let end = SimTime::ZERO + self.scenario.duration;
        while self.next_sample < time && self.next_sample <= end {
            let totals = self.cluster.totals();
            self.recorder.sample(ClusterSample {
                time: self.next_sample,
                instances: totals.instances,
                registered_cpu: totals.registered_cpu,
                reserved_cpu: totals.reserved_cpu,
                registered_memory: totals.registered_memory,
                reserved_memory: totals.reserved_memory,
                running_tasks: self.running_tasks,
                pending_tasks: self.unstarted_tasks,
                fargate_running_tasks: self.running_fargate,
            });
            self.sample_services(self.next_sample, totals.registered_cpu);
            let largest = self.instance_shapes.iter().fold((0, 0), |(c, m), &(cpu, mem)| (c.max(cpu), m.max(mem)));
            self.packing.sample(totals.instances, largest, self.scenario.sample_interval);
            self.next_sample = self.next_sample + self.scenario.sample_interval;
        }
        Ok(())
    }

    fn handle(&mut self, now: SimTime, event: Event) -> Result<(), Error> {
        match event {
            Event::Submission(workload) => self.submit(workload, now)?,
            Event::Running(task) => self.on_running(task, now)?,
            Event::Exited(task) => self.on_exited(task),
            Event::Stopped(task) => self.on_stopped(task, now)?,
            Event::WaitExpired(task) => {
                let waiting = self.task(task).filter(|t| t.state == TaskStatus::Provisioning && t.placed.is_none());
                if waiting.is_some_and(|t| matches!(t.owner, Owner::Service(_))) {
                    self.provisioning_timed_out(task, now)?;
                } else if waiting.is_some() {
                    self.dequeue_waiting(task);
                    let reason = self.rejection_now(task);
                    self.fail(task, reason, now)?;
                }
            }
            Event::RetryWaiting => {
                self.retry_scheduled = false;
                self.retry_waiting(now)?;
                self.wake_services_waiting_for_capacity();
            }
            Event::Deferred(key) => {
                if let Some((workload, submission)) = self.deferred.remove(&key) {
                    self.run_task(workload, submission, now)?;
                }
            }
            Event::ServiceEvaluate(service) => self.evaluate_service(service, now)?,
            Event::Healthy(task) => self.on_healthy(task)?,
            Event::HealthFailed(task) => self.on_health_failed(task, now)?,
            Event::Deregistered(task) => self.on_deregistered(task),
            Event::ServiceUpdate(index) => self.update_service(index, now)?,
            Event::TrafficStep(service, deployment, step) => {
                self.shift_traffic(service as usize, deployment, step as usize, now)?
            }
            Event::BakeDone(service, deployment) => self.bake_done(service, deployment, now)?,
            Event::InstanceFailure(id) => self.on_instance_failure(id, now)?,
            Event::SpotNotice(id) => self.on_spot_notice(id, now)?,
            Event::SpotReclaim(id) => self.on_spot_reclaim(id, now)?,
            Event::FargateSpotNotice(task) => self.on_fargate_spot_notice(task, now)?,
            Event::ZoneOutage(index) => self.on_zone_outage(index, now)?,
            Event::ZoneRecovery(index) => self.on_zone_recovery(index, now)?,
            Event::InstanceLaunch(index) => self.on_instance_launch(index, now)?,
            Event::ScalingTick => self.on_scaling_tick(now)?,
        }
        // Tasks that finished may have released dependent trace tasks.
        self.submit_released(now)
    }
}

/// Runs a scenario and returns what it recorded; a SIGINT or SIGTERM stops it.
pub fn run_scenario(scenario: &Scenario) -> Result<RunResult, Error> {
    Simulation::new(scenario)?.run()
}

/// [`run_scenario`], calling `watch` every [`CHECK_EVERY`] events (to show
/// progress, say); its error stops the run.
pub fn run_scenario_watched(scenario: &Scenario, watch: &mut dyn Watch) -> Result<RunResult, Error> {
    Simulation::new(scenario)?.run_watched(watch)
}
