//! What a run records: typed rows the simulation appends while it runs and
//! the [`RunResult`] it hands back at the end. The simulation knows nothing
//! of files; the writers in [`crate::output`] turn a result into CSVs, and
//! sweeps, charts and checks read the same result in memory.
//!
//! Records hold indices (into the scenario's workloads, services, task
//! definitions and zones, and into [`RunResult::instances`] and
//! [`RunResult::groups`]) rather than names, so a row costs a few words.

use crate::billing::Costs;
use crate::cluster::{GroupId, InstanceId};
use crate::commitments::apply::{Bill, Share};
use crate::commitments::ledger::Ledger;
use crate::engine::{SimDuration, SimTime};
use crate::model::LaunchType;
use crate::placement::Rejection;
use serde::{Deserialize, Serialize};

/// How a task ended (the `outcome` column of `tasks.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    /// Its essential container exited after its run time.
    Completed,
    /// RunTask could not place it.
    Failed,
    /// It stopped before reaching RUNNING.
    FailedToStart,
    /// It failed its health checks.
    FailedHealthCheck,
    /// Its essential container crashed.
    Crashed,
    /// Its instance or zone went away.
    Lost,
    /// Spot capacity was reclaimed.
    Interrupted,
    /// A PROVISIONING service task waited too long for capacity.
    ProvisioningTimeout,
    /// The service scheduler replaced it (deployment, draining, rollback).
    Replaced,
    /// The service scheduler stopped it (scale-in, deletion).
    Stopped,
    /// Its instance was terminated by a scale-in.
    ScaledIn,
    /// Still alive when the run ended.
    Unfinished,
}

impl TaskOutcome {
    /// The name written to `tasks.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskOutcome::Completed => "completed",
            TaskOutcome::Failed => "failed",
            TaskOutcome::FailedToStart => "failed_to_start",
            TaskOutcome::FailedHealthCheck => "failed_health_check",
            TaskOutcome::Crashed => "crashed",
            TaskOutcome::Lost => "lost",
            TaskOutcome::Interrupted => "interrupted",
            TaskOutcome::ProvisioningTimeout => "provisioning_timeout",
            TaskOutcome::Replaced => "replaced",
            TaskOutcome::Stopped => "stopped",
            TaskOutcome::ScaledIn => "scaled_in",
            TaskOutcome::Unfinished => "unfinished",
        }
    }
}

/// ECS's `stopCode` of a stopped task (docs/model.md, "Stop codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCode {
    /// The essential container exited (or crashed).
    EssentialContainerExited,
    /// The task never reached RUNNING.
    TaskFailedToStart,
    /// The service scheduler stopped it.
    ServiceSchedulerInitiated,
    /// Its instance failed or became unreachable.
    InfrastructureHealth,
    /// Its instance was told to terminate (Spot notice, scale-in).
    TerminationNotice,
    /// FARGATE_SPOT capacity was reclaimed.
    SpotInterruption,
}

impl StopCode {
    /// ECS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StopCode::EssentialContainerExited => "EssentialContainerExited",
            StopCode::TaskFailedToStart => "TaskFailedToStart",
            StopCode::ServiceSchedulerInitiated => "ServiceSchedulerInitiated",
            StopCode::InfrastructureHealth => "InfrastructureHealth",
            StopCode::TerminationNotice => "TerminationNotice",
            StopCode::SpotInterruption => "SpotInterruption",
        }
    }
}

/// Why a task ended, as the `reason` column says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Still alive at the end: no reason.
    None,
    /// Stopped, with ECS's stop code.
    Stopped(StopCode),
    /// Not placed, with ECS's placement failure reason.
    Rejected(Rejection),
}

impl EndReason {
    /// The text written to `tasks.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::None => "",
            EndReason::Stopped(code) => code.as_str(),
            EndReason::Rejected(rejection) => rejection.reason(),
        }
    }
}

/// Who started a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// A RunTask workload (index into the scenario's workloads).
    Workload(usize),
    /// A service (index into the scenario's services).
    Service(usize),
}

/// ECS's `lastStatus` of a task when it was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// Waiting for capacity or attaching its ENI.
    Provisioning,
    /// Pulling its image and starting.
    Pending,
    /// Running.
    Running,
    /// Leaving its target group.
    Deactivating,
    /// Being stopped.
    Stopping,
    /// Stopped.
    Stopped,
}

impl TaskStatus {
    /// ECS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Provisioning => "PROVISIONING",
            TaskStatus::Pending => "PENDING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Deactivating => "DEACTIVATING",
            TaskStatus::Stopping => "STOPPING",
            TaskStatus::Stopped => "STOPPED",
        }
    }
}

/// One task, reported once when it stops (or at the end of the run).
#[derive(Debug, Clone)]
pub struct TaskRecord {
    /// Task number, in submission order from 1.
    pub number: u64,
    /// Who started it.
    pub owner: Owner,
    /// Index into the scenario's task definitions.
    pub task_definition: usize,
    /// Its task group.
    pub group: GroupId,
    /// EC2 or FARGATE.
    pub launch_type: LaunchType,
    /// CPU units reserved.
    pub cpu: u32,
    /// MiB reserved.
    pub memory: u32,
    /// When it was asked for.
    pub submitted: SimTime,
    /// When it was placed.
    pub placed: Option<SimTime>,
    /// When it reached RUNNING.
    pub started: Option<SimTime>,
    /// When it stopped.
    pub stopped: Option<SimTime>,
    /// Its instance (EC2 only).
    pub instance: Option<InstanceId>,
    /// Index into the scenario's zones.
    pub availability_zone: Option<usize>,
    /// Its status when reported.
    pub last_status: TaskStatus,
    /// How it ended.
    pub outcome: TaskOutcome,
    /// Why.
    pub reason: EndReason,
    /// What Fargate billed for it, USD (Fargate tasks whose pull began).
    pub fargate_cost: Option<f64>,
}

impl TaskRecord {
    /// Submission to placement, seconds (placed tasks only).
    pub fn wait_s(&self) -> Option<f64> {
        self.placed.map(|placed| (placed.as_secs_f64() - self.submitted.as_secs_f64()).max(0.0))
    }
}

/// What an [`EventRecord`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSubject {
    /// A task (its number, owner and task definition index), where it runs.
    Task {
        /// Task number.
        number: u64,
        /// The service that started it, if one did.
        service: Option<usize>,
        /// Index into the scenario's task definitions.
        task_definition: usize,
        /// Its instance.
        instance: Option<InstanceId>,
        /// Index into the scenario's zones.
        zone: Option<usize>,
    },
    /// A service (index into the scenario's services).
    Service(usize),
    /// A container instance and its zone.
    Instance(InstanceId, usize),
    /// An Availability Zone (index into the scenario's zones).
    Zone(usize),
}

/// One row of the event log (`events.csv`).
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// When.
    pub time: SimTime,
    /// ECS-style event name, e.g. `TASK_PLACED`.
    pub event: &'static str,
    /// What it is about.
    pub subject: EventSubject,
    /// A stop code, for stopped tasks.
    pub stop_code: Option<StopCode>,
    /// Free text.
    pub detail: String,
}

/// The cluster at one sample instant (`timeseries.csv`).
#[derive(Debug, Clone, Copy)]
pub struct ClusterSample {
    /// The instant.
    pub time: SimTime,
    /// ACTIVE and DRAINING instances.
    pub instances: u32,
    /// Registered CPU units.
    pub registered_cpu: u64,
    /// Reserved CPU units.
    pub reserved_cpu: u64,
    /// Registered MiB.
    pub registered_memory: u64,
    /// Reserved MiB.
    pub reserved_memory: u64,
    /// RUNNING tasks.
    pub running_tasks: u64,
    /// Tasks not yet RUNNING.
    pub pending_tasks: u64,
    /// RUNNING Fargate tasks.
    pub fargate_running_tasks: u64,
}

impl ClusterSample {
    /// CPU reservation, percent.
    pub fn cpu_reservation_pct(&self) -> f64 {
        percent(self.reserved_cpu, self.registered_cpu)
    }

    /// Memory reservation, percent.
    pub fn memory_reservation_pct(&self) -> f64 {
        percent(self.reserved_memory, self.registered_memory)
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// A service at one sample instant (`service_timeseries.csv`).
#[derive(Debug, Clone, Copy)]
pub struct ServiceSample {
    /// The instant.
    pub time: SimTime,
    /// Index into the scenario's services.
    pub service: usize,
    /// Desired count.
    pub desired: u32,
    /// RUNNING tasks.
    pub running: u32,
    /// Healthy tasks.
    pub healthy: u32,
    /// Demand, when the service has a demand curve.
    pub demand: Option<f64>,
    /// What the healthy tasks can serve.
    pub capacity: f64,
    /// Served demand, when the service has a demand curve.
    pub served: Option<f64>,
    /// Served over demand (or healthy over desired), percent.
    pub availability_pct: f64,
    /// A deployment was in progress.
    pub deployment_in_progress: bool,
}

/// One step of a deployment (`deployments.csv`).
#[derive(Debug, Clone)]
pub struct DeploymentRecord {
    /// When.
    pub time: SimTime,
    /// Index into the scenario's services.
    pub service: usize,
    /// The deployment's id within its service.
    pub deployment: u32,
    /// Index into the scenario's task definitions.
    pub task_definition: usize,
    /// What happened, e.g. `CREATED`, `COMPLETED`.
    pub event: &'static str,
    /// The service's desired count.
    pub desired: u32,
    /// RUNNING tasks of this deployment.
    pub new_running: u32,
    /// Healthy RUNNING tasks of this deployment.
    pub new_healthy: u32,
    /// RUNNING tasks of other deployments.
    pub old_running: u32,
    /// Its share of the traffic, percent.
    pub traffic_percent: f64,
    /// Free text.
    pub detail: String,
}

/// One scaling activity (`scaling.csv`).
#[derive(Debug, Clone)]
pub struct ScalingRecord {
    /// When.
    pub time: SimTime,
    /// `service:NAME` or `capacity-provider:NAME`.
    pub target: String,
    /// The policy that acted.
    pub policy: String,
    /// Capacity before.
    pub from: u32,
    /// Capacity after.
    pub to: u32,
    /// Why.
    pub cause: String,
}

/// One published metric datapoint (`metrics.csv`).
#[derive(Debug, Clone, Copy)]
pub enum MetricRecord {
    /// A service's CloudWatch metrics.
    Service {
        /// When.
        time: SimTime,
        /// Index into the scenario's services.
        service: usize,
        /// Desired count.
        desired: u32,
        /// RUNNING tasks.
        running: u32,
        /// CPUUtilization, percent.
        cpu_pct: Option<f64>,
        /// MemoryUtilization, percent.
        memory_pct: Option<f64>,
        /// ALBRequestCountPerTarget, per minute.
        requests_per_target: Option<f64>,
    },
    /// A capacity provider's CapacityProviderReservation.
    Provider {
        /// When.
        time: SimTime,
        /// Index into the scenario's capacity providers.
        provider: usize,
        /// The group's desired capacity.
        desired: u32,
        /// CapacityProviderReservation, percent.
        cpr: Option<f64>,
        /// Its instances.
        instances: u32,
        /// PROVISIONING tasks waiting for it.
        provisioning: u32,
    },
}

/// What happened to a service's tasks over a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceCounts {
    /// Tasks created.
    pub tasks_started: u64,
    /// Tasks that stopped before RUNNING.
    pub tasks_failed_to_start: u64,
    /// Tasks that failed their health checks.
    pub tasks_failed_health: u64,
    /// Tasks that crashed.
    pub tasks_crashed: u64,
    /// Tasks lost to faults.
    pub tasks_lost: u64,
    /// Tasks stopped by Spot interruptions.
    pub tasks_spot_interrupted: u64,
    /// Evaluations that could not place a task.
    pub placement_failures: u64,
}

/// What an average hides: the worst windows of a served-share series and the
/// time spent in trouble. For a service, measured from its first steady
/// state (docs/scenario.md, "Incident metrics"); for a run, the worst service
/// per window and the time any service was in trouble.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incidents {
    /// Lowest served share over any five consecutive minutes, percent.
    pub worst_5m_pct: Option<f64>,
    /// Lowest served share over any hour, percent.
    pub worst_1h_pct: Option<f64>,
    /// Served share of each hour of the run: (hour start, percent).
    pub hourly_pct: Vec<(SimTime, f64)>,
    /// Served share of each day of the run: (day start, percent).
    pub daily_pct: Vec<(SimTime, f64)>,
    /// Time with fewer healthy tasks than desired.
    pub below_desired: SimDuration,
    /// Time with demand above what the healthy tasks can serve.
    pub overloaded: SimDuration,
    /// Time with the tasks' CPU utilisation above 80 %.
    pub cpu_over_80: SimDuration,
    /// Time with the tasks' CPU utilisation above 90 %.
    pub cpu_over_90: SimDuration,
    /// Share of the SLO's error budget the worst SLO window used, percent
    /// (none without an `[slo]`).
    pub slo_budget_used_pct: Option<f64>,
}

impl Incidents {
    /// The lowest served share of any calendar day, percent.
    pub fn worst_day_pct(&self) -> Option<f64> {
        self.daily_pct.iter().map(|&(_, pct)| pct).reduce(f64::min)
    }

    /// The lowest served share of any calendar hour, percent.
    pub fn worst_hour_pct(&self) -> Option<f64> {
        self.hourly_pct.iter().map(|&(_, pct)| pct).reduce(f64::min)
    }
}

/// A service's figures over the whole run (`services.csv`).
#[derive(Debug, Clone)]
pub struct ServiceReport {
    /// Index into the scenario's services.
    pub service: usize,
    /// Desired count at the end.
    pub desired_end: u32,
    /// RUNNING tasks at the end.
    pub running_end: u32,
    /// Availability, percent.
    pub availability_pct: f64,
    /// Its worst windows and time in trouble.
    pub incidents: Incidents,
    /// p01 and p99 of running ÷ desired (none without samples).
    pub running_to_desired: Option<(f64, f64)>,
    /// What happened to its tasks.
    pub counts: ServiceCounts,
    /// Deployments after the first.
    pub deployments: u64,
    /// Deployments that completed.
    pub deployments_completed: u64,
    /// Failed deployments, not counting superseded ones.
    pub deployments_failed: u64,
    /// Rolled-back deployments.
    pub deployments_rolled_back: u64,
    /// Deployments reported stuck.
    pub deployments_stuck: u64,
    /// Mean and longest deployment duration, seconds.
    pub deployment_seconds: Option<(f64, f64)>,
    /// Its share of EC2 cost plus its Fargate cost, USD.
    pub cost_usd: f64,
    /// Its Fargate cost, USD.
    pub fargate_cost_usd: f64,
    /// Under the scenario's commitments (none without them): its Fargate
    /// usage plus its share of the EC2 usage, split as `cost_usd` splits EC2 cost.
    pub commitments: Option<Share>,
}

impl ServiceReport {
    /// Its cost: net of commitments where the scenario has them, else `cost_usd`.
    pub fn net_cost_usd(&self) -> f64 {
        self.commitments.map_or(self.cost_usd, |share| share.net_usd())
    }
}

/// Headline figures of a run (`summary.csv`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunSummary {
    /// Events processed (deterministic).
    pub events: u64,
    /// Costs.
    pub costs: Costs,
    /// Instance-hours billed.
    pub instance_hours: f64,
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
    /// Tasks RUNNING (or stopping) when the run ended.
    pub tasks_running_at_end: u64,
    /// Tasks placed but not yet RUNNING when the run ended.
    pub tasks_starting_at_end: u64,
    /// Tasks still waiting for capacity when the run ended.
    pub tasks_waiting_at_end: u64,
    /// Average CPU reservation, percent.
    pub cpu_reservation_avg_pct: f64,
    /// Peak CPU reservation, percent.
    pub cpu_reservation_peak_pct: f64,
    /// Average memory reservation, percent.
    pub memory_reservation_avg_pct: f64,
    /// Peak memory reservation, percent.
    pub memory_reservation_peak_pct: f64,
    /// Task wait (submission to placement) p50, p95, p99.
    pub task_wait: [Option<SimDuration>; 3],
    /// Task start delay (submission to RUNNING) p50, p95, p99.
    pub task_start_delay: [Option<SimDuration>; 3],
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
    /// The run's worst windows over its services (empty without services).
    pub incidents: Incidents,
    /// Instance-hours with at least one non-daemon task (sampled).
    pub busy_instance_hours: f64,
    /// Instance-hours registered with no non-daemon task (sampled).
    pub idle_instance_hours: f64,
    /// Instance-hours a perfect packer would need for the same tasks: the
    /// fractional bin-packing bound at each sample.
    pub packing_bound_instance_hours: f64,
    /// The bound over busy instance-hours, percent (none when no instance
    /// was ever busy).
    pub packing_efficiency_pct: Option<f64>,
    /// Per service: evaluations that left a rolling deployment above
    /// maximumPercent (an invariant; always 0).
    pub service_over_maximum: Vec<u64>,
    /// The bill under the scenario's commitments (none without them).
    pub commitments: Option<Bill>,
}

impl RunSummary {
    /// What the run cost: net of commitments (their fees included) where
    /// the scenario has them, else On-Demand and Spot. Comparisons rank on it.
    pub fn cost_usd(&self) -> f64 {
        self.commitments.as_ref().map_or_else(|| self.costs.total(), Bill::net_usd)
    }

    /// The share of the RunTask tasks asked for that got placed, percent:
    /// failed, still waiting at the end, and too large for any instance type
    /// all count against it.
    pub fn placed_pct(&self) -> f64 {
        let requested = self.tasks_submitted - self.service_tasks + self.tasks_skipped_oversize;
        let unplaced = self.tasks_failed.iter().sum::<u64>() + self.tasks_waiting_at_end + self.tasks_skipped_oversize;
        if requested == 0 {
            100.0
        } else {
            100.0 * (1.0 - unplaced as f64 / requested as f64)
        }
    }

    /// Availability of the run: the placed share of RunTask tasks, or the
    /// least available service where that is lower.
    pub fn availability_pct(&self) -> f64 {
        self.service_availability_pct.iter().copied().fold(self.placed_pct(), f64::min)
    }
}

/// A container instance's names, for the rows that mention it.
#[derive(Debug, Clone)]
pub struct InstanceNames {
    /// The EC2 instance id, e.g. `i-00000000000000001`.
    pub ec2_instance_id: String,
    /// Its instance type, e.g. `m5.large`.
    pub instance_type: String,
}

/// Everything one run produced, in memory.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// Headline figures.
    pub summary: RunSummary,
    /// The cluster at each sample instant.
    pub samples: Vec<ClusterSample>,
    /// Each service at each sample instant, services in scenario order within an instant.
    pub service_samples: Vec<ServiceSample>,
    /// Per service, in scenario order.
    pub services: Vec<ServiceReport>,
    /// Deployment steps, in time order.
    pub deployments: Vec<DeploymentRecord>,
    /// Per-task rows in the order tasks were reported, when recorded.
    pub tasks: Option<Vec<TaskRecord>>,
    /// The event log, when recorded.
    pub events: Option<Vec<EventRecord>>,
    /// Scaling activities, when the scenario scales.
    pub scaling: Option<Vec<ScalingRecord>>,
    /// Published metrics, when the scenario scales.
    pub metrics: Option<Vec<MetricRecord>>,
    /// Every instance the run launched, by [`InstanceId`].
    pub instances: Vec<InstanceNames>,
    /// Task group names, by [`GroupId`].
    pub groups: Vec<String>,
}

impl RunResult {
    /// The names of an instance.
    pub fn instance(&self, id: InstanceId) -> &InstanceNames {
        &self.instances[id.0 as usize]
    }
}

/// What a run keeps beyond its summary and samples.
#[derive(Debug, Clone, Copy)]
pub struct RecordOptions {
    /// Per-task rows.
    pub tasks: bool,
    /// The event log.
    pub events: bool,
    /// Deployment steps and per-service samples.
    pub services: bool,
    /// Scaling activities and published metrics.
    pub scaling: bool,
    /// The usage ledger commitments are billed from (Fargate spans; EC2
    /// instances are added at the end).
    pub usage: bool,
}

/// Collects a run's records as the simulation produces them.
#[derive(Debug)]
pub struct Recorder {
    options: RecordOptions,
    result: RunResult,
    usage: Option<Ledger>,
}

impl Recorder {
    /// A recorder keeping what `options` asks for.
    pub fn new(options: RecordOptions) -> Recorder {
        let result = RunResult {
            tasks: options.tasks.then(Vec::new),
            events: options.events.then(Vec::new),
            scaling: options.scaling.then(Vec::new),
            metrics: options.scaling.then(Vec::new),
            ..RunResult::default()
        };
        Recorder { options, result, usage: options.usage.then(Ledger::new) }
    }

    /// The usage ledger, when the run keeps one (so callers can skip building spans).
    pub fn usage(&mut self) -> Option<&mut Ledger> {
        self.usage.as_mut()
    }

    /// Takes the usage ledger, to bill it at the end of the run.
    pub fn take_usage(&mut self) -> Option<Ledger> {
        self.usage.take()
    }

    /// Whether per-task rows are kept (so callers can skip building them).
    pub fn keeps_tasks(&self) -> bool {
        self.options.tasks
    }

    /// Whether event-log rows are kept (so callers can skip building them).
    pub fn keeps_events(&self) -> bool {
        self.options.events
    }

    /// Whether deployment steps are kept.
    pub fn keeps_deployments(&self) -> bool {
        self.options.services
    }

    /// A task was reported.
    pub fn task(&mut self, record: TaskRecord) {
        if let Some(tasks) = &mut self.result.tasks {
            tasks.push(record);
        }
    }

    /// An event-log row.
    pub fn event(&mut self, record: EventRecord) {
        if let Some(events) = &mut self.result.events {
            events.push(record);
        }
    }

    /// A cluster sample.
    pub fn sample(&mut self, sample: ClusterSample) {
        self.result.samples.push(sample);
    }

    /// A service sample.
    pub fn service_sample(&mut self, sample: ServiceSample) {
        if self.options.services {
            self.result.service_samples.push(sample);
        }
    }

    /// A deployment step.
    pub fn deployment(&mut self, record: DeploymentRecord) {
        if self.options.services {
            self.result.deployments.push(record);
        }
    }

    /// A scaling activity.
    pub fn scaling(&mut self, record: ScalingRecord) {
        if let Some(scaling) = &mut self.result.scaling {
            scaling.push(record);
        }
    }

    /// A published metric.
    pub fn metric(&mut self, record: MetricRecord) {
        if let Some(metrics) = &mut self.result.metrics {
            metrics.push(record);
        }
    }

    /// The run's result, completed with what is only known at the end.
    pub fn finish(
        self,
        summary: RunSummary,
        services: Vec<ServiceReport>,
        instances: Vec<InstanceNames>,
        groups: Vec<String>,
    ) -> RunResult {
        RunResult { summary, services, instances, groups, ..self.result }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_row_costs_what_the_docs_say() {
        // docs/scenario.md (`[output] tasks_csv`) quotes this size.
        assert!(size_of::<TaskRecord>() <= 160, "{}", size_of::<TaskRecord>());
    }
}
