//! One run of a scenario: the event loop that submits tasks, places them,
//! walks them through ECS's lifecycle, bills them and measures the cluster.

use crate::billing::{ec2_instance_cost, fargate_task_cost, Costs};
use crate::catalog::fargate::{round_up_fargate_size, FargateSize};
use crate::cluster::{Cluster, GroupId, InstanceId};
use crate::engine::{rng_stream, EventQueue, SimDuration, SimRng, SimTime};
use crate::error::{Error, InputError};
use crate::metrics::{Histogram, Integrals};
use crate::model::{LaunchType, NetworkMode, Provider, MAX_CONSTRAINTS};
use crate::placement::{Constraint, PlacementPlan, Placer, Rejection, TaskNeeds};
use crate::report::{fixed, CsvFile};
use crate::scenario::service_spec::ServiceLaunch;
use crate::scenario::workload_spec::{FailurePolicy, WorkloadSource};
use crate::scenario::Scenario;
use crate::workload::{CsvTrace, Submission, SubmissionSource, Synthetic, TraceSource};
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

mod faults;
mod scaling;
mod services;

use scaling::ProviderState;

use services::ServiceState;

/// ECS task states (the ones a capacity model distinguishes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Submitted; waiting for capacity or attaching its ENI.
    Provisioning,
    /// Placed; pulling its image and starting.
    Pending,
    /// Running.
    Running,
    /// Leaving its load balancer's target group (deregistration delay).
    Deactivating,
    /// Its essential container exited, or it was told to stop; being stopped.
    Stopping,
    /// Stopped.
    Stopped,
}

impl TaskState {
    fn as_str(self) -> &'static str {
        match self {
            TaskState::Provisioning => "PROVISIONING",
            TaskState::Pending => "PENDING",
            TaskState::Running => "RUNNING",
            TaskState::Deactivating => "DEACTIVATING",
            TaskState::Stopping => "STOPPING",
            TaskState::Stopped => "STOPPED",
        }
    }
}

/// Who started a task: a RunTask workload or a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Workload(usize),
    Service(usize),
}

/// A live task. Slots are reused once a task is reported, so memory follows
/// live tasks, not the trace length.
#[derive(Debug, Clone)]
struct Task {
    generation: u32,
    number: u64,
    owner: Owner,
    /// The service deployment it belongs to (services only).
    deployment: u32,
    /// Whether it passed its health checks (counts for minimumHealthyPercent).
    healthy: bool,
    /// Drawn at launch from the task-start model: it stops before RUNNING.
    fails_start: bool,
    /// Drawn at launch: it never passes its health checks.
    fails_health: bool,
    /// Runs on FARGATE_SPOT.
    spot: bool,
    /// The Auto Scaling group capacity provider it was assigned to.
    capacity_provider: Option<usize>,
    /// How it ended (or is ending): outcome and stop code.
    outcome: &'static str,
    stop_code: &'static str,
    task_definition: usize,
    plan: usize,
    cpu: u32,
    memory: u32,
    group: GroupId,
    launch_type: LaunchType,
    fargate: Option<FargateSize>,
    state: TaskState,
    submitted: SimTime,
    placed: Option<SimTime>,
    pending: Option<SimTime>,
    started: Option<SimTime>,
    stopped: Option<SimTime>,
    run_for: SimDuration,
    instance: Option<InstanceId>,
    availability_zone: Option<usize>,
    /// Its DAG node, when it came from a trace with dependencies.
    dag: Option<u64>,
}

impl Task {
    /// A task just asked for: PROVISIONING, not placed, ending as a
    /// completed RunTask task unless told otherwise.
    #[allow(clippy::too_many_arguments)]
    fn provisioning(
        number: u64,
        owner: Owner,
        task_definition: usize,
        plan: usize,
        (cpu, memory): (u32, u32),
        group: GroupId,
        (launch_type, fargate): (LaunchType, Option<FargateSize>),
        now: SimTime,
    ) -> Task {
        Task {
            generation: 0,
            number,
            owner,
            deployment: 0,
            healthy: false,
            fails_start: false,
            fails_health: false,
            spot: false,
            capacity_provider: None,
            outcome: "completed",
            stop_code: "EssentialContainerExited",
            task_definition,
            plan,
            cpu,
            memory,
            group,
            launch_type,
            fargate,
            state: TaskState::Provisioning,
            submitted: now,
            placed: None,
            pending: None,
            started: None,
            stopped: None,
            run_for: SimDuration::ZERO,
            instance: None,
            availability_zone: None,
            dag: None,
        }
    }
}

/// A trace DAG node whose tasks have not all finished.
#[derive(Debug)]
struct DagPending {
    workload: usize,
    job: String,
    name: String,
    remaining: u32,
}

/// A reference to a task slot that is stale once the slot is reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TaskRef {
    slot: u32,
    generation: u32,
}

/// Tasks with the same size, plan and group are interchangeable for
/// placement: (CPU units, MiB, plan, group). Size comes first so that a retry
/// pass can visit only the shapes small enough to fit.
type Shape = (u32, u32, usize, GroupId);

/// Up to this many waiting shapes are gathered by size and sorted by age;
/// beyond it a retry pass scans the shapes in age order instead.
const FEW_SHAPES: usize = 64;

/// What happens in a run.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// The workload's next submission is due.
    Submission(usize),
    /// PROVISIONING/PENDING → RUNNING.
    Running(TaskRef),
    /// The essential container exits: RUNNING → STOPPING.
    Exited(TaskRef),
    /// STOPPING → STOPPED; resources are released.
    Stopped(TaskRef),
    /// A waiting task gives up.
    WaitExpired(TaskRef),
    /// A released DAG submission reaches its own arrival time (its key in
    /// the deferred map).
    Deferred(u64),
    /// Capacity was freed: retry waiting tasks.
    RetryWaiting,
    /// The service scheduler looks at a service.
    ServiceEvaluate(usize),
    /// A service task passes its health checks.
    Healthy(TaskRef),
    /// A service task fails its health checks.
    HealthFailed(TaskRef),
    /// A task's target deregistration finished: DEACTIVATING → STOPPING.
    Deregistered(TaskRef),
    /// A timed UpdateService call (index into the scenario's updates).
    ServiceUpdate(usize),
    /// A blue/green deployment moves traffic (service, deployment id, step).
    TrafficStep(usize, u32, usize),
    /// A blue/green deployment's bake (or termination wait) ends.
    BakeDone(usize, u32),
    /// An EC2 instance fails.
    InstanceFailure(InstanceId),
    /// EC2 sends a Spot interruption notice.
    SpotNotice(InstanceId),
    /// EC2 reclaims a Spot instance.
    SpotReclaim(InstanceId),
    /// Fargate interrupts a FARGATE_SPOT task.
    FargateSpotNotice(TaskRef),
    /// A zone outage begins (index into the scenario's outages).
    ZoneOutage(usize),
    /// A zone outage ends.
    ZoneRecovery(usize),
    /// A launched instance registers (index into the launches).
    InstanceLaunch(usize),
    /// The once-a-minute auto scaling pass.
    ScalingTick,
}

/// An instance on its way: launched by a fleet's Auto Scaling group, not
/// yet registered.
#[derive(Debug, Clone, Copy)]
struct Launch {
    fleet: usize,
    /// Index into the cluster's instance types.
    instance_type: usize,
    zone: usize,
    launched: SimTime,
    /// The capacity provider whose group launched it.
    provider: Option<usize>,
    registered: bool,
}

/// A placement plan's key: owner, task definition, capacity provider.
type PlanKey = (Owner, usize, Option<usize>);

/// The instance attribute naming an instance's fleet, for capacity
/// provider placement.
const FLEET_ATTRIBUTE: &str = "ecs-sim.fleet";

/// A fleet's custom attributes, plus its name when a capacity provider
/// places on it.
fn fleet_attributes(scenario: &Scenario, fleet: usize) -> Vec<(String, String)> {
    let mut attributes: Vec<(String, String)> = scenario.fleets[fleet].attributes.clone().into_iter().collect();
    if scenario.capacity_providers.iter().any(|p| p.fleet == fleet) {
        attributes.push((FLEET_ATTRIBUTE.to_string(), scenario.fleets[fleet].name.clone()));
    }
    attributes
}

/// Headline figures of a run, also written to `summary.csv`.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Events processed (deterministic).
    pub events: u64,
    /// Costs.
    pub costs: Costs,
    /// Tasks submitted.
    pub tasks_submitted: u64,
    /// Tasks that reached RUNNING.
    pub tasks_started: u64,
    /// Tasks that ran to completion and stopped.
    pub tasks_completed: u64,
    /// Tasks that could not be placed, per reason (in [`Rejection::ALL`] order).
    pub tasks_failed: [u64; 7],
    /// Tasks skipped because no instance type (or Fargate size) could ever hold them.
    pub tasks_skipped_oversize: u64,
    /// Trace rows skipped as bad.
    pub trace_rows_skipped: u64,
    /// Trace rows still held at the end, waiting for dependencies.
    pub trace_rows_held_at_end: u64,
    /// Event-trace tasks dropped: never scheduled in the trace (or not within the lookahead).
    pub trace_tasks_dropped: u64,
    /// Event-trace tasks submitted with a run time cut short at the lookahead or end of file.
    pub trace_tasks_cut_short: u64,
    /// Tasks still waiting for capacity when the run ended.
    pub tasks_waiting_at_end: u64,
    /// Average CPU reservation, percent.
    pub cpu_reservation_avg_pct: f64,
    /// Average memory reservation, percent.
    pub memory_reservation_avg_pct: f64,
    /// Of `tasks_submitted`, the tasks services started.
    pub service_tasks: u64,
    /// Tasks stopped because their instance, zone or Spot capacity went away.
    pub tasks_lost_to_faults: u64,
    /// EC2 instances that failed.
    pub instance_failures: u64,
    /// Spot interruptions (EC2 instances and FARGATE_SPOT tasks).
    pub spot_interruptions: u64,
    /// Per service, in scenario order: availability, percent.
    pub service_availability_pct: Vec<f64>,
    /// Per service: evaluations that left a rolling deployment above
    /// maximumPercent (an invariant; always 0).
    pub service_over_maximum: Vec<u64>,
}

/// Outputs of a run beyond the summary.
struct Outputs {
    timeseries: CsvFile,
    tasks: Option<CsvFile>,
    events: Option<CsvFile>,
    deployments: Option<CsvFile>,
    service_timeseries: Option<CsvFile>,
    scaling: Option<CsvFile>,
    metrics: Option<CsvFile>,
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
    /// Fault timing.
    faults: SimRng,
    /// Task-start fates and the scheduler's random choices.
    service_rng: SimRng,
    sources: Vec<Box<dyn SubmissionSource>>,
    /// Submissions released by finished DAG dependencies, to make now.
    released: VecDeque<(usize, Submission)>,
    /// Released submissions whose arrival time is still ahead, by key.
    deferred: BTreeMap<u64, (usize, Submission)>,
    next_deferred: u64,
    /// DAG nodes with tasks still to finish, by id.
    dag_pending: std::collections::HashMap<u64, DagPending>,
    next_dag_id: u64,
    /// Registered (CPU units, MiB) of each instance type in the fleets.
    instance_shapes: Vec<(u32, u32)>,
    pending_submission: Vec<Option<Submission>>,
    tasks: Vec<Task>,
    free_slots: Vec<u32>,
    next_number: u64,
    /// Waiting tasks per shape, each queue in submission order.
    waiting: BTreeMap<Shape, VecDeque<TaskRef>>,
    /// Waiting shapes by the submission number of their oldest task.
    waiting_order: BTreeMap<u64, Shape>,
    waiting_count: u64,
    retry_scheduled: bool,
    /// Instances that may take more tasks than at the last retry pass (kept
    /// only while tasks wait).
    touched: Vec<InstanceId>,
    /// Whether some memberOf depends on tasks (`task:group`,
    /// `runningTasksCount`), so that placing or starting a task can make an
    /// instance eligible, not only stopping one.
    dynamic_constraints: bool,
    lifecycle: SimRng,
    fargate_placement: SimRng,
    /// Fargate tasks per (group, zone), for zone spreading.
    fargate_spread: BTreeMap<(GroupId, usize), u32>,
    running_tasks: u64,
    unstarted_tasks: u64,
    running_fargate: u64,
    integrals: Integrals,
    next_sample: SimTime,
    waits: Histogram,
    start_delays: Histogram,
    summary: RunSummary,
    outputs: Outputs,
}

const TIMESERIES_HEADER: [&str; 11] = [
    "time_s",
    "instances",
    "registered_cpu",
    "reserved_cpu",
    "cpu_reservation_pct",
    "registered_memory_mib",
    "reserved_memory_mib",
    "memory_reservation_pct",
    "running_tasks",
    "pending_tasks",
    "fargate_running_tasks",
];

const TASKS_HEADER: [&str; 18] = [
    "task",
    "workload",
    "task_definition",
    "group",
    "launch_type",
    "cpu",
    "memory_mib",
    "submitted_s",
    "placed_s",
    "started_s",
    "stopped_s",
    "instance_id",
    "instance_type",
    "availability_zone",
    "last_status",
    "outcome",
    "reason",
    "fargate_cost_usd",
];

/// Formats an optional instant as seconds.
fn seconds(time: Option<SimTime>) -> String {
    time.map_or(String::new(), |t| fixed(t.as_secs_f64(), 3))
}

impl<'s> Simulation<'s> {
    /// Sets up a run writing its streamed outputs into `out`.
    pub fn new(scenario: &'s Scenario, out: &Path) -> Result<Simulation<'s>, Error> {
        let seed = scenario.seed;
        let mut cluster =
            Cluster::new(scenario.availability_zones.clone(), scenario.awsvpc_trunking, scenario.agent_version.clone());
        let mut placer = Placer::new(rng_stream(seed, "placement"));
        // Compile every (workload, task definition) plan before launching
        // instances, so that spread counters and partitions exist from the start.
        let mut plans = Vec::new();
        let mut plan_index = BTreeMap::new();
        let owners = scenario
            .workloads
            .iter()
            .enumerate()
            .map(|(w, workload)| (Owner::Workload(w), &workload.strategy, &workload.constraints))
            .chain(
                scenario
                    .services
                    .iter()
                    .enumerate()
                    .map(|(s, service)| (Owner::Service(s), &service.strategy, &service.constraints)),
            );
        for (owner, strategy, owner_constraints) in owners {
            // Service tasks of an Auto Scaling group provider go only to its fleet.
            let mut providers: Vec<Option<usize>> = vec![None];
            if let Owner::Service(s) = owner {
                if let ServiceLaunch::Providers(shares) = &scenario.services[s].launch {
                    providers.extend(shares.iter().filter_map(|share| match share.provider {
                        Provider::Asg(p) => Some(Some(p)),
                        _ => None,
                    }));
                }
            }
            for provider in providers {
                for (d, def) in scenario.task_definitions.iter().enumerate() {
                    let mut constraints = owner_constraints.clone();
                    constraints.extend(def.member_of.iter().cloned().map(Constraint::MemberOf));
                    if let Some(p) = provider {
                        let fleet = &scenario.fleets[scenario.capacity_providers[p].fleet].name;
                        let expression = format!("attribute:{FLEET_ATTRIBUTE} == \"{fleet}\"");
                        let parsed = crate::placement::query::Expression::parse(&expression)
                            .map_err(|e| InputError::new(&scenario.path, format!("fleet name `{fleet}`: {e}")))?;
                        constraints.push(Constraint::MemberOf(parsed));
                    }
                    plan_index.insert((owner, d, provider), plans.len());
                    plans.push(placer.compile(&mut cluster, strategy, &constraints));
                }
            }
        }
        for (f, fleet) in scenario.fleets.iter().enumerate() {
            let attributes = fleet_attributes(scenario, f);
            let zones = fleet.availability_zones.len() as u32;
            let provider = scenario.capacity_providers.iter().find(|p| p.fleet == f);
            let count = provider.map_or(fleet.count, |p| fleet.count.clamp(p.min_size, p.max_size));
            for i in 0..count {
                let instance_type = &fleet.instance_types[((i / zones) as usize) % fleet.instance_types.len()];
                let zone_name = &fleet.availability_zones[(i % zones) as usize];
                let zone = scenario.availability_zones.iter().position(|z| z == zone_name).unwrap_or(0);
                cluster.add_instance(f, instance_type, zone, SimTime::ZERO, &attributes);
            }
        }
        let instance_shapes: Vec<(u32, u32)> = scenario
            .fleets
            .iter()
            .flat_map(|f| &f.instance_types)
            .map(|t| (t.registered_cpu_units(), t.registered_memory_mib))
            .collect();
        let mut sources: Vec<Box<dyn SubmissionSource>> = Vec::new();
        for workload in &scenario.workloads {
            sources.push(match &workload.source {
                WorkloadSource::Trace(path) => Box::new(CsvTrace::open(path)?),
                WorkloadSource::Synthetic(spec) => Box::new(Synthetic::new(spec.clone(), seed, &workload.name)),
                WorkloadSource::ExternalTrace(spec) => Box::new(TraceSource::open(spec)?),
            });
        }
        let scaling_on =
            !scenario.capacity_providers.is_empty() || scenario.services.iter().any(|s| s.auto_scaling.is_some());
        let outputs = Outputs {
            timeseries: CsvFile::create(&out.join("timeseries.csv"), &TIMESERIES_HEADER)?,
            tasks: if scenario.write_tasks_csv {
                Some(CsvFile::create(&out.join("tasks.csv"), &TASKS_HEADER)?)
            } else {
                None
            },
            events: if scenario.write_events_csv {
                Some(CsvFile::create(&out.join("events.csv"), &services::EVENTS_HEADER)?)
            } else {
                None
            },
            deployments: if scenario.services.is_empty() {
                None
            } else {
                Some(CsvFile::create(&out.join("deployments.csv"), &services::DEPLOYMENTS_HEADER)?)
            },
            service_timeseries: if scenario.services.is_empty() {
                None
            } else {
                Some(CsvFile::create(&out.join("service_timeseries.csv"), &services::SERVICE_TIMESERIES_HEADER)?)
            },
            scaling: if scaling_on {
                Some(CsvFile::create(&out.join("scaling.csv"), &scaling::SCALING_HEADER)?)
            } else {
                None
            },
            metrics: if scaling_on {
                Some(CsvFile::create(&out.join("metrics.csv"), &scaling::METRICS_HEADER)?)
            } else {
                None
            },
        };
        let providers = scenario
            .capacity_providers
            .iter()
            .map(|p| ProviderState {
                desired: scenario.fleets[p.fleet].count.clamp(p.min_size, p.max_size),
                pending: 0,
                terminating: Default::default(),
                scaler: p.managed_scaling.and_then(|m| crate::scaling::capacity::CapacityProviderScaler::new(m).ok()),
            })
            .collect();
        let targets: Vec<_> = scenario.services.iter().map(scaling::scalable_target).collect();
        let services = scenario
            .services
            .iter()
            .map(|spec| ServiceState::new(spec, cluster.group_id(&format!("service:{}", spec.def.name))))
            .collect();
        let dynamic_constraints = placer.has_dynamic_expressions();
        let mut sim = Simulation {
            scenario,
            queue: EventQueue::default(),
            cluster,
            placer,
            plans,
            plan_index,
            services,
            services_waiting: 0,
            zone_down: vec![0; scenario.availability_zones.len()],
            registered_cpu_ms: 0.0,
            launches: Vec::new(),
            providers,
            targets,
            last_scaling_tick: SimTime::ZERO,
            faults: rng_stream(seed, "faults"),
            service_rng: rng_stream(seed, "services"),
            pending_submission: vec![None; sources.len()],
            sources,
            released: VecDeque::new(),
            deferred: BTreeMap::new(),
            next_deferred: 0,
            dag_pending: std::collections::HashMap::new(),
            next_dag_id: 0,
            instance_shapes,
            tasks: Vec::new(),
            free_slots: Vec::new(),
            next_number: 1,
            waiting: BTreeMap::new(),
            waiting_order: BTreeMap::new(),
            waiting_count: 0,
            retry_scheduled: false,
            touched: Vec::new(),
            dynamic_constraints,
            lifecycle: rng_stream(seed, "lifecycle"),
            fargate_placement: rng_stream(seed, "fargate-placement"),
            fargate_spread: BTreeMap::new(),
            running_tasks: 0,
            unstarted_tasks: 0,
            running_fargate: 0,
            integrals: Integrals::default(),
            next_sample: SimTime::ZERO,
            waits: Histogram::default(),
            start_delays: Histogram::default(),
            summary: RunSummary {
                costs: Costs { by_fleet: vec![0.0; scenario.fleets.len()], fargate: 0.0 },
                ..RunSummary::default()
            },
            outputs,
        };
        sim.integrals.advance(SimTime::ZERO, sim.cluster.totals());
        for id in 0..sim.cluster.instances.len() {
            sim.arm_instance_faults(InstanceId(id as u32), SimTime::ZERO);
        }
        sim.start_services_and_faults()?;
        if scaling_on {
            sim.queue.schedule(SimTime::ZERO + scaling::SCALING_PERIOD, Event::ScalingTick);
        }
        for w in 0..sim.sources.len() {
            sim.load_next_submission(w)?;
        }
        Ok(sim)
    }

    /// Runs to the scenario's end and writes every output into `out`.
    pub fn run(mut self, out: &Path) -> Result<RunSummary, Error> {
        let end = SimTime::ZERO + self.scenario.duration;
        while let Some(time) = self.queue.peek_time() {
            if time > end {
                break;
            }
            self.sample_until(time)?;
            let Some((now, event)) = self.queue.pop() else { break };
            self.handle(now, event)?;
            self.integrals.advance(now, self.cluster.totals());
        }
        self.sample_until(end + SimDuration(1))?;
        self.integrals.advance(end, self.cluster.totals());
        self.finish(end, out)
    }

    fn sample_until(&mut self, time: SimTime) -> Result<(), Error> {
        let end = SimTime::ZERO + self.scenario.duration;
        while self.next_sample < time && self.next_sample <= end {
            let totals = self.cluster.totals();
            let pct = |part: u64, whole: u64| if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 };
            self.outputs.timeseries.row(&[
                fixed(self.next_sample.as_secs_f64(), 0),
                totals.instances.to_string(),
                totals.registered_cpu.to_string(),
                totals.reserved_cpu.to_string(),
                fixed(pct(totals.reserved_cpu, totals.registered_cpu), 2),
                totals.registered_memory.to_string(),
                totals.reserved_memory.to_string(),
                fixed(pct(totals.reserved_memory, totals.registered_memory), 2),
                self.running_tasks.to_string(),
                self.unstarted_tasks.to_string(),
                self.running_fargate.to_string(),
            ])?;
            self.sample_services(self.next_sample, totals.registered_cpu)?;
            self.next_sample = self.next_sample + self.scenario.sample_interval;
        }
        Ok(())
    }

    fn task(&self, task: TaskRef) -> Option<&Task> {
        self.tasks.get(task.slot as usize).filter(|t| t.generation == task.generation)
    }

    fn handle(&mut self, now: SimTime, event: Event) -> Result<(), Error> {
        match event {
            Event::Submission(workload) => self.submit(workload, now)?,
            Event::Running(task) => self.on_running(task, now)?,
            Event::Exited(task) => self.on_exited(task, now),
            Event::Stopped(task) => self.on_stopped(task, now)?,
            Event::WaitExpired(task) => {
                let waiting = self.task(task).filter(|t| t.state == TaskState::Provisioning && t.placed.is_none());
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
            Event::Deregistered(task) => self.on_deregistered(task, now),
            Event::ServiceUpdate(index) => self.update_service(index, now)?,
            Event::TrafficStep(service, deployment, step) => self.shift_traffic(service, deployment, step, now)?,
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

    fn load_next_submission(&mut self, workload: usize) -> Result<(), InputError> {
        let next = self.sources[workload].next_submission()?;
        if let Some(submission) = &next {
            self.queue.schedule(submission.time, Event::Submission(workload));
        }
        self.pending_submission[workload] = next;
        Ok(())
    }

    /// A RunTask call: create `count` tasks and try to place each.
    fn submit(&mut self, workload_index: usize, now: SimTime) -> Result<(), Error> {
        let Some(submission) = self.pending_submission[workload_index].take() else { return Ok(()) };
        self.run_task(workload_index, submission, now)?;
        self.load_next_submission(workload_index)?;
        Ok(())
    }

    /// Makes the submissions that finished DAG dependencies released, and
    /// any they release in turn.
    fn submit_released(&mut self, now: SimTime) -> Result<(), Error> {
        while let Some((workload, submission)) = self.released.pop_front() {
            if submission.time > now {
                // Read ahead of the clock: submit it at its own arrival time.
                self.next_deferred += 1;
                self.queue.schedule(submission.time, Event::Deferred(self.next_deferred));
                self.deferred.insert(self.next_deferred, (workload, submission));
            } else {
                self.run_task(workload, submission, now)?;
            }
        }
        Ok(())
    }

    /// One RunTask call: create the tasks and try to place each.
    fn run_task(&mut self, workload_index: usize, submission: Submission, now: SimTime) -> Result<(), Error> {
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
            let task = Task {
                run_for: submission.run_duration,
                dag,
                ..Task::provisioning(
                    self.next_number,
                    Owner::Workload(workload_index),
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
                            self.queue.schedule(now + wait, Event::WaitExpired(task_ref));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A task stopped or failed: when it was the last of a DAG node, tell the
    /// source, which may release dependent submissions.
    fn finished_for_dag(&mut self, task_ref: TaskRef) {
        let Some(id) = self.tasks[task_ref.slot as usize].dag else { return };
        let Some(pending) = self.dag_pending.get_mut(&id) else { return };
        pending.remaining -= 1;
        if pending.remaining == 0 {
            if let Some(done) = self.dag_pending.remove(&id) {
                let released = self.sources[done.workload].completed(&done.job, &done.name);
                self.released.extend(released.into_iter().map(|s| (done.workload, s)));
            }
        }
    }

    fn store(&mut self, mut task: Task) -> TaskRef {
        match self.free_slots.pop() {
            Some(slot) => {
                task.generation = self.tasks[slot as usize].generation.wrapping_add(1);
                self.tasks[slot as usize] = task;
                TaskRef { slot, generation: self.tasks[slot as usize].generation }
            }
            None => {
                self.tasks.push(task);
                TaskRef { slot: (self.tasks.len() - 1) as u32, generation: 0 }
            }
        }
    }

    fn rejection_now(&mut self, task_ref: TaskRef) -> Rejection {
        let needs = task_needs(self.scenario, &self.plans, &self.tasks[task_ref.slot as usize]);
        self.placer.closest_rejection(&self.cluster, &needs)
    }

    /// Places a task now, on `target` when given (a daemon task) or where
    /// placement picks; false when it cannot be placed.
    fn try_place_on(&mut self, task_ref: TaskRef, target: Option<InstanceId>, now: SimTime) -> bool {
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
        let needs = task_needs(self.scenario, &self.plans, task);
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
                    None => self.placer.select(&self.cluster, &needs),
                };
                let Some(id) = chosen else { return false };
                self.cluster.reserve(id, &needs.reservation());
                (Some(id), self.cluster.instances[id.0 as usize].availability_zone)
            }
        };
        if let (Some(id), true) = (instance, self.dynamic_constraints) {
            self.note_change(id); // may satisfy a task:group affinity
        }
        // PROVISIONING (ENI attachment for awsvpc) → PENDING (pull, start) → RUNNING.
        let provisioning = if awsvpc {
            self.scenario.timing.awsvpc_eni_attach.sample_duration(&mut self.lifecycle)
        } else {
            SimDuration::ZERO
        };
        let task = &self.tasks[task_ref.slot as usize];
        let model = &self.scenario.task_start[task.task_definition];
        let starting = match (&model.image_pull, &model.container_start, task.launch_type) {
            (None, None, LaunchType::Fargate) => {
                self.scenario.fargate.launch_latency.sample_duration(&mut self.lifecycle)
            }
            (None, None, LaunchType::Ec2) => self.scenario.timing.ec2_task_start.sample_duration(&mut self.lifecycle),
            (pull, start, _) => {
                let pull = pull.as_ref().map_or(SimDuration::ZERO, |d| d.sample_duration(&mut self.lifecycle));
                pull + start.as_ref().map_or(SimDuration::ZERO, |d| d.sample_duration(&mut self.lifecycle))
            }
        };
        let task = &mut self.tasks[task_ref.slot as usize];
        task.instance = instance;
        task.availability_zone = Some(zone);
        task.placed = Some(now);
        task.pending = Some(now + provisioning);
        task.state = TaskState::Pending;
        self.waits.record(now.since(task.submitted));
        if task.launch_type == LaunchType::Fargate {
            *self.fargate_spread.entry((task.group, zone)).or_insert(0) += 1;
        }
        self.queue.schedule(now + provisioning + starting, Event::Running(task_ref));
        if self.outputs.events.is_some() {
            let _ = self.log_task(now, "TASK_PLACED", task_ref, "", "");
        }
        true
    }

    /// Places a task where placement picks; false when no instance can take it.
    fn try_place(&mut self, task_ref: TaskRef, now: SimTime) -> bool {
        self.try_place_on(task_ref, None, now)
    }

    /// Fargate spreads a group's tasks over the zones that are up: the zone
    /// with fewest, random among equals. None when every zone is out.
    fn fargate_zone(&mut self, group: GroupId) -> Option<usize> {
        let zones = self.scenario.availability_zones.len();
        let count = |z: usize| self.fargate_spread.get(&(group, z)).copied().unwrap_or(0);
        let up: Vec<usize> = (0..zones).filter(|&z| self.zone_down[z] == 0).collect();
        let fewest = up.iter().map(|&z| count(z)).min()?;
        let candidates: Vec<usize> = up.into_iter().filter(|&z| count(z) == fewest).collect();
        use rand::Rng;
        Some(candidates[self.fargate_placement.gen_range(0..candidates.len())])
    }

    fn on_running(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        let Some(task) = self.tasks.get_mut(task_ref.slot as usize).filter(|t| t.generation == task_ref.generation)
        else {
            return Ok(());
        };
        if task.state != TaskState::Pending {
            return Ok(());
        }
        if task.fails_start {
            // PENDING → STOPPED without ever running (a bad image, a crashing entry point).
            task.outcome = "failed_to_start";
            task.stop_code = "TaskFailedToStart";
            self.unstarted_tasks -= 1;
            return self.stop_now(task_ref, now);
        }
        task.state = TaskState::Running;
        task.started = Some(now);
        self.start_delays.record(now.since(task.submitted));
        self.summary.tasks_started += 1;
        self.unstarted_tasks -= 1;
        self.running_tasks += 1;
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
            Owner::Workload(_) => self.queue.schedule(now + run_for, Event::Exited(task_ref)),
            Owner::Service(service) => self.service_task_running(service, task_ref, now),
        }
        Ok(())
    }

    /// A RUNNING task leaves RUNNING: counters and the instance's
    /// `runningTasksCount`.
    fn leave_running(&mut self, task_ref: TaskRef) {
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

    fn on_exited(&mut self, task_ref: TaskRef, now: SimTime) {
        let Some(task) = self.task(task_ref) else { return };
        if task.state != TaskState::Running {
            return;
        }
        if let Owner::Service(_) = task.owner {
            let task = &mut self.tasks[task_ref.slot as usize];
            task.outcome = "crashed";
            task.stop_code = "EssentialContainerExited";
        }
        self.leave_running(task_ref);
        self.tasks[task_ref.slot as usize].state = TaskState::Stopping;
        let stop = self.scenario.timing.task_stop.sample_duration(&mut self.lifecycle);
        self.queue.schedule(now + stop, Event::Stopped(task_ref));
        if let Owner::Service(service) = self.tasks[task_ref.slot as usize].owner {
            self.request_evaluation(service);
        }
    }

    fn on_stopped(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        match self.task(task_ref) {
            Some(task) if task.state == TaskState::Stopping => self.stop_now(task_ref, now),
            _ => Ok(()),
        }
    }

    /// The task is STOPPED now: resources return, it is counted, reported,
    /// and its service (if any) looks again.
    fn stop_now(&mut self, task_ref: TaskRef, now: SimTime) -> Result<(), Error> {
        if self.tasks[task_ref.slot as usize].state == TaskState::Running {
            self.leave_running(task_ref);
        }
        self.release(task_ref);
        let task = &mut self.tasks[task_ref.slot as usize];
        task.state = TaskState::Stopped;
        task.stopped = Some(now);
        let (owner, outcome, code, instance) = (task.owner, task.outcome, task.stop_code, task.instance);
        if outcome == "completed" {
            self.summary.tasks_completed += 1;
        }
        if outcome == "lost" || outcome == "interrupted" {
            self.summary.tasks_lost_to_faults += 1;
        }
        if self.outputs.events.is_some() {
            self.log_task(now, "TASK_STOPPED", task_ref, code, "")?;
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
        self.report(task_ref, now, outcome, code)
    }

    fn release(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        if task.placed.is_none() {
            return;
        }
        match (task.launch_type, task.instance) {
            (LaunchType::Ec2, Some(id)) => {
                let needs = task_needs(self.scenario, &self.plans, task);
                self.cluster.release(id, &needs.reservation());
                self.note_change(id);
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

    fn fail(&mut self, task_ref: TaskRef, reason: Rejection, now: SimTime) -> Result<(), Error> {
        let task = &mut self.tasks[task_ref.slot as usize];
        task.state = TaskState::Stopped;
        task.stopped = Some(now);
        self.unstarted_tasks -= 1;
        let slot = Rejection::ALL.iter().position(|r| *r == reason).unwrap_or(0);
        self.summary.tasks_failed[slot] += 1;
        self.finished_for_dag(task_ref);
        self.report(task_ref, now, "failed", reason.reason())
    }

    /// Retries waiting tasks, oldest shape first; within a shape, stops at the
    /// first task that still does not fit (the rest are identical). Every
    /// instance was checked when a task started waiting, so a shape is only
    /// retried when an instance that changed since the last pass can take it.
    fn retry_waiting(&mut self, now: SimTime) -> Result<(), Error> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        touched.retain(|id| self.cluster.instances[id.0 as usize].is_placeable());
        let most_free = |cluster: &Cluster, touched: &[InstanceId]| {
            touched.iter().fold((0, 0), |(cpu, memory), id| {
                let instance = &cluster.instances[id.0 as usize];
                (cpu.max(instance.free_cpu), memory.max(instance.free_memory))
            })
        };
        let (mut most_cpu, mut most_memory) = most_free(&self.cluster, &touched);
        // Shapes small enough for a changed instance, oldest first; only these
        // get the full check. When few shapes fit by CPU (the usual case in a
        // busy cluster) they come from the size-ordered map; otherwise from a
        // scan in age order.
        let by_cpu = self.waiting.range(..=(most_cpu, u32::MAX, usize::MAX, GroupId(u32::MAX)));
        let candidates: Vec<Shape> = if by_cpu.clone().nth(FEW_SHAPES).is_none() {
            let mut aged: Vec<(u64, Shape)> = by_cpu
                .filter(|(shape, _)| shape.1 <= most_memory)
                .filter_map(|(shape, queue)| queue.front().map(|head| (self.tasks[head.slot as usize].number, *shape)))
                .collect();
            aged.sort_unstable();
            aged.into_iter().map(|(_, shape)| shape).collect()
        } else {
            self.waiting_order.values().filter(|shape| shape.0 <= most_cpu && shape.1 <= most_memory).copied().collect()
        };
        for shape in candidates {
            if shape.0 > most_cpu || shape.1 > most_memory {
                continue;
            }
            let Some(&head) = self.waiting.get(&shape).and_then(|q| q.front()) else { continue };
            let needs = task_needs(self.scenario, &self.plans, &self.tasks[head.slot as usize]);
            let (cluster, placer) = (&self.cluster, &mut self.placer);
            let fits_a_changed_instance =
                touched.iter().any(|&id| placer.check(cluster, &cluster.instances[id.0 as usize], &needs).is_ok());
            if !fits_a_changed_instance {
                continue;
            }
            while let Some(&head) = self.waiting.get(&shape).and_then(|q| q.front()) {
                if !self.try_place(head, now) {
                    break;
                }
                self.dequeue_waiting(head);
            }
            (most_cpu, most_memory) = most_free(&self.cluster, &touched);
        }
        Ok(())
    }

    /// Records that an instance may now take a task it could not before, and
    /// schedules a retry pass. Only matters while tasks wait: a task that
    /// starts waiting has just been checked against every instance.
    fn note_change(&mut self, id: InstanceId) {
        if self.waiting_count > 0 || self.services_waiting > 0 {
            self.touched.push(id);
            if !self.retry_scheduled {
                self.retry_scheduled = true;
                self.queue.schedule_in(SimDuration::ZERO, Event::RetryWaiting);
            }
        }
    }

    /// Adds a task to the back of its shape's waiting queue.
    fn enqueue_waiting(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        let shape = (task.cpu, task.memory, task.plan, task.group);
        let queue = self.waiting.entry(shape).or_default();
        if queue.is_empty() {
            self.waiting_order.insert(task.number, shape);
        }
        queue.push_back(task_ref);
        self.waiting_count += 1;
    }

    /// Removes a task from its shape's waiting queue (placed or given up).
    fn dequeue_waiting(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        let shape = (task.cpu, task.memory, task.plan, task.group);
        let Some(queue) = self.waiting.get_mut(&shape) else { return };
        if queue.front() == Some(&task_ref) {
            self.waiting_order.remove(&task.number);
            queue.pop_front();
            match queue.front() {
                Some(next) => {
                    self.waiting_order.insert(self.tasks[next.slot as usize].number, shape);
                }
                None => {
                    self.waiting.remove(&shape);
                }
            }
        } else {
            queue.retain(|waiting| *waiting != task_ref);
        }
        self.waiting_count -= 1;
    }

    /// Writes the task's row (if enabled), bills Fargate and frees its slot.
    fn report(&mut self, task_ref: TaskRef, end: SimTime, outcome: &str, reason: &str) -> Result<(), Error> {
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
                Some(cost)
            }
            _ => None,
        };
        if let Some(tasks_csv) = &mut self.outputs.tasks {
            let instance = task.instance.map(|id| &self.cluster.instances[id.0 as usize]);
            tasks_csv.row(&[
                task.number.to_string(),
                match task.owner {
                    Owner::Workload(w) => self.scenario.workloads[w].name.clone(),
                    Owner::Service(s) => format!("service:{}", self.scenario.services[s].def.name),
                },
                def.name(),
                self.cluster.group_name(task.group).to_string(),
                task.launch_type.as_str().to_string(),
                task.cpu.to_string(),
                task.memory.to_string(),
                seconds(Some(task.submitted)),
                seconds(task.placed),
                seconds(task.started),
                seconds(task.stopped),
                instance.map_or(String::new(), |i| i.ec2_instance_id.clone()),
                instance.map_or(String::new(), |i| self.cluster.instance_types[i.instance_type].name.clone()),
                task.availability_zone.map_or(String::new(), |z| self.scenario.availability_zones[z].clone()),
                last_status(task, end).as_str().to_string(),
                outcome.to_string(),
                reason.to_string(),
                fargate_cost.map_or(String::new(), |c| fixed(c, 6)),
            ])?;
        }
        self.free_slots.push(task_ref.slot);
        Ok(())
    }

    fn finish(mut self, end: SimTime, out: &Path) -> Result<RunSummary, Error> {
        // Tasks still alive at the end, in submission order. (A reported
        // task's slot may be free for reuse, but it always has `stopped` set.)
        let mut live: Vec<(u64, u32)> = self
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.stopped.is_none())
            .map(|(slot, t)| (t.number, slot as u32))
            .collect();
        live.sort_unstable();
        let mut running_at_end = 0;
        let mut starting_at_end = 0;
        let mut waiting_at_end = 0;
        for (_, slot) in live {
            let task_ref = TaskRef { slot, generation: self.tasks[slot as usize].generation };
            match self.tasks[slot as usize].state {
                TaskState::Provisioning => waiting_at_end += 1,
                TaskState::Pending => starting_at_end += 1,
                TaskState::Running | TaskState::Deactivating | TaskState::Stopping | TaskState::Stopped => {
                    running_at_end += 1
                }
            }
            self.report(task_ref, end, "unfinished", "")?;
        }
        for instance in &self.cluster.instances {
            let fleet = &self.scenario.fleets[instance.fleet];
            let price = self.cluster.instance_types[instance.instance_type].price_per_hour;
            let ended = instance.terminated_at.unwrap_or(end);
            self.summary.costs.by_fleet[instance.fleet] +=
                ec2_instance_cost(price, fleet.price_factor, instance.launched_at, ended);
        }
        self.summary.events = self.queue.processed();
        self.summary.trace_rows_skipped = self.sources.iter().map(|s| s.skipped_rows()).sum();
        self.summary.trace_rows_held_at_end = self.sources.iter().map(|s| s.held_rows()).sum();
        self.summary.trace_tasks_dropped = self.sources.iter().map(|s| s.trace_tasks_dropped()).sum();
        self.summary.trace_tasks_cut_short = self.sources.iter().map(|s| s.trace_tasks_cut_short()).sum();
        self.summary.tasks_waiting_at_end = waiting_at_end;
        self.summary.cpu_reservation_avg_pct = self.integrals.average_cpu_pct();
        self.summary.memory_reservation_avg_pct = self.integrals.average_memory_pct();
        self.summary.service_availability_pct = self.services.iter().map(|s| s.availability_pct()).collect();
        self.summary.service_over_maximum = self.services.iter().map(|s| s.over_maximum).collect();
        let summary = self.summary.clone();

        let mut rows: Vec<(String, String)> = Vec::new();
        let mut put = |name: &str, value: String| rows.push((name.to_string(), value));
        put("scenario", self.scenario.name.clone());
        put("seed", self.scenario.seed.to_string());
        put("simulated_hours", fixed(self.scenario.duration.as_secs_f64() / 3600.0, 3));
        put("cost_total_usd", fixed(summary.costs.total(), 6));
        put("cost_ec2_usd", fixed(summary.costs.ec2(), 6));
        put("cost_fargate_usd", fixed(summary.costs.fargate, 6));
        for (fleet, cost) in self.scenario.fleets.iter().zip(&summary.costs.by_fleet) {
            put(&format!("cost_fleet_{}_usd", fleet.name), fixed(*cost, 6));
        }
        put("instance_hours", fixed(self.integrals.instance_hours(), 3));
        put("cpu_reservation_avg_pct", fixed(summary.cpu_reservation_avg_pct, 3));
        put("cpu_reservation_peak_pct", fixed(self.integrals.peak_cpu_pct, 3));
        put("memory_reservation_avg_pct", fixed(summary.memory_reservation_avg_pct, 3));
        put("memory_reservation_peak_pct", fixed(self.integrals.peak_memory_pct, 3));
        put("tasks_submitted", summary.tasks_submitted.to_string());
        put("tasks_started", summary.tasks_started.to_string());
        put("tasks_completed", summary.tasks_completed.to_string());
        put("tasks_failed", summary.tasks_failed.iter().sum::<u64>().to_string());
        for (reason, count) in Rejection::ALL.iter().zip(summary.tasks_failed) {
            put(&format!("tasks_failed_{}", reason.reason()), count.to_string());
        }
        put("tasks_skipped_oversize", summary.tasks_skipped_oversize.to_string());
        put("trace_rows_skipped", summary.trace_rows_skipped.to_string());
        put("trace_rows_held_at_end", summary.trace_rows_held_at_end.to_string());
        put("trace_tasks_dropped", summary.trace_tasks_dropped.to_string());
        put("trace_tasks_cut_short", summary.trace_tasks_cut_short.to_string());
        put("tasks_running_at_end", running_at_end.to_string());
        put("tasks_starting_at_end", starting_at_end.to_string());
        put("tasks_waiting_at_end", waiting_at_end.to_string());
        for (name, histogram) in [("task_wait", &self.waits), ("task_start_delay", &self.start_delays)] {
            for (label, q) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
                let value = histogram.quantile(q).map_or(String::new(), |d| fixed(d.as_secs_f64(), 3));
                put(&format!("{name}_{label}_s"), value);
            }
        }
        put("tasks_lost_to_faults", summary.tasks_lost_to_faults.to_string());
        put("instance_failures", summary.instance_failures.to_string());
        put("spot_interruptions", summary.spot_interruptions.to_string());
        for (spec, state) in self.scenario.services.iter().zip(&self.services) {
            put(&format!("service_{}_availability_pct", spec.def.name), fixed(state.availability_pct(), 4));
        }
        put("events_processed", summary.events.to_string());
        let mut summary_csv = CsvFile::create(&out.join("summary.csv"), &["metric", "value"])?;
        for (name, value) in &rows {
            summary_csv.row(&[name, value])?;
        }
        self.write_services_csv(end, out)?;
        self.outputs.timeseries.commit()?;
        for file in [
            self.outputs.tasks,
            self.outputs.events,
            self.outputs.deployments,
            self.outputs.service_timeseries,
            self.outputs.scaling,
            self.outputs.metrics,
        ]
        .into_iter()
        .flatten()
        {
            file.commit()?;
        }
        summary_csv.commit()?;
        Ok(summary)
    }
}

/// The status ECS would show at `now`: a placed task is still PROVISIONING
/// while its ENI attaches.
fn last_status(task: &Task, now: SimTime) -> TaskState {
    match (task.state, task.pending) {
        (TaskState::Pending, Some(pending)) if pending > now => TaskState::Provisioning,
        (state, _) => state,
    }
}

/// What placement needs to know about a task.
fn task_needs<'a>(scenario: &'a Scenario, plans: &'a [PlacementPlan], task: &Task) -> TaskNeeds<'a> {
    let def = &scenario.task_definitions[task.task_definition];
    TaskNeeds {
        cpu: task.cpu,
        memory: task.memory,
        host_ports: &def.host_ports,
        awsvpc: def.network_mode == NetworkMode::Awsvpc,
        group: task.group,
        plan: &plans[task.plan],
    }
}

/// Runs a scenario, writing `summary.csv`, `timeseries.csv` and `tasks.csv` into `out`.
pub fn run_scenario(scenario: &Scenario, out: &Path) -> Result<RunSummary, Error> {
    std::fs::create_dir_all(out).map_err(|source| Error::Output { path: out.to_path_buf(), source })?;
    Simulation::new(scenario, out)?.run(out)
}
