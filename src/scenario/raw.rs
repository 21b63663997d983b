//! The scenario exactly as written in TOML, before validation. Simulation
//! settings are snake_case; ECS objects keep ECS's camelCase names. Unknown
//! keys are rejected everywhere.

use super::dist::RawDist;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub simulation: RawSimulation,
    #[serde(default)]
    pub cluster: RawCluster,
    #[serde(default, rename = "fleet")]
    pub fleets: Vec<RawFleet>,
    #[serde(default)]
    pub fargate: RawFargate,
    #[serde(default)]
    pub timing: RawTiming,
    #[serde(default, rename = "task_definition")]
    pub task_definitions: Vec<toml::Table>,
    #[serde(default, rename = "workload")]
    pub workloads: Vec<RawWorkload>,
    #[serde(default, rename = "capacity_provider")]
    pub capacity_providers: Vec<RawCapacityProvider>,
    #[serde(default, rename = "service")]
    pub services: Vec<toml::Table>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default, rename = "running_task")]
    pub running_tasks: Vec<RawRunningTask>,
    #[serde(default)]
    pub faults: RawFaults,
    #[serde(default)]
    pub output: RawOutput,
    pub slo: Option<RawSlo>,
    pub commitments: Option<RawCommitments>,
    /// `[sweep]`: read by [`crate::sweep`]; ignored by validation.
    pub sweep: Option<toml::Value>,
    /// `[optimize]`: read by [`crate::optimize`]; ignored by validation.
    pub optimize: Option<toml::Value>,
}

/// `[simulation]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSimulation {
    pub duration: String,
    pub seed: Option<u64>,
    pub sample_interval: Option<String>,
    pub region: Option<String>,
    pub service_scheduler_delay: Option<String>,
    pub allow_beyond_quotas: Option<bool>,
}

/// `[cluster]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawCluster {
    pub name: Option<String>,
    pub availability_zones: Option<Vec<String>>,
    pub awsvpc_trunking: Option<bool>,
    pub instance_catalog: Option<String>,
    pub prices: Option<RawFiles>,
    pub agent_version: Option<String>,
    pub default_capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
}

/// One file or a list of files.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
#[allow(missing_docs)]
pub enum RawFiles {
    One(String),
    Many(Vec<String>),
}

impl RawFiles {
    /// The files, in the order written.
    pub fn paths(&self) -> &[String] {
        match self {
            RawFiles::One(one) => std::slice::from_ref(one),
            RawFiles::Many(many) => many,
        }
    }
}

/// A capacity provider strategy item, as ECS spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct RawStrategyItem {
    pub capacity_provider: String,
    pub base: Option<u32>,
    pub weight: Option<u32>,
}

/// One `[[capacity_provider]]`: an Auto Scaling group provider over a fleet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawCapacityProvider {
    pub name: String,
    pub fleet: String,
    pub min_size: Option<u32>,
    pub max_size: u32,
    pub instance_launch: Option<RawDist>,
    pub provisioning_timeout: Option<String>,
    #[serde(rename = "managedScaling")]
    pub managed_scaling: Option<RawManagedScaling>,
    #[serde(rename = "managedTerminationProtection")]
    pub managed_termination_protection: Option<String>,
    #[serde(rename = "managedDraining")]
    pub managed_draining: Option<String>,
}

/// `managedScaling`, as ECS spells it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct RawManagedScaling {
    pub status: Option<String>,
    pub target_capacity: Option<u32>,
    pub minimum_scaling_step_size: Option<u32>,
    pub maximum_scaling_step_size: Option<u32>,
    pub instance_warmup_period: Option<u32>,
}

/// `[service.auto_scaling]`: the Application Auto Scaling target and policies.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawAutoScaling {
    pub min_capacity: u32,
    pub max_capacity: u32,
    pub memory_baseline_pct: Option<f64>,
    #[serde(default)]
    pub target_tracking: Vec<RawTargetTracking>,
    #[serde(default)]
    pub step_scaling: Vec<RawStepScaling>,
    #[serde(default)]
    pub scheduled: Vec<RawScheduledAction>,
}

/// One target-tracking policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTargetTracking {
    pub metric: String,
    pub target: f64,
    pub scale_out_cooldown: Option<String>,
    pub scale_in_cooldown: Option<String>,
    pub disable_scale_in: Option<bool>,
    pub scale_in_ratio: Option<f64>,
}

/// One step-scaling policy with its alarm.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawStepScaling {
    pub name: Option<String>,
    pub metric: String,
    pub comparison: String,
    pub threshold: f64,
    pub evaluation_periods: Option<u32>,
    pub datapoints_to_alarm: Option<u32>,
    pub adjustment_type: String,
    pub steps: Vec<RawStep>,
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown: Option<String>,
    pub aggregation: Option<String>,
}

/// One step adjustment: bounds relative to the alarm threshold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawStep {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: i64,
}

/// One scheduled action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawScheduledAction {
    pub name: Option<String>,
    pub schedule: String,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

/// One `[[fleet]]`: a group of EC2 instances.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawFleet {
    pub name: String,
    pub instance_types: Vec<String>,
    pub count: u32,
    pub availability_zones: Option<Vec<String>>,
    pub market: Option<String>,
    pub spot_price_factor: Option<f64>,
    pub spot_price_history: Option<String>,
    pub spot_price_start: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub instances: Vec<RawListedInstance>,
    pub warm_at_start: Option<bool>,
}

/// `[[fleet.instances]]`: one of the fleet's first instances, as a live
/// cluster has it (written by `ecs-sim import`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawListedInstance {
    pub id: String,
    pub instance_type: String,
    pub availability_zone: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub registered_cpu: Option<u32>,
    pub registered_memory_mib: Option<u32>,
}

/// `[[running_task]]`: tasks already running when the run starts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawRunningTask {
    pub service: Option<String>,
    pub workload: Option<String>,
    pub instance: Option<String>,
    pub availability_zone: Option<String>,
    pub capacity_provider: Option<String>,
    pub task_definition: Option<String>,
    pub count: Option<u32>,
    pub run_for: Option<String>,
}

/// `[fargate]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawFargate {
    pub launch_latency: Option<RawDist>,
    pub x86_vcpu_hour: Option<f64>,
    pub x86_gb_hour: Option<f64>,
    pub arm_vcpu_hour: Option<f64>,
    pub arm_gb_hour: Option<f64>,
    pub spot_price_factor: Option<f64>,
}

/// `[timing]`: how long the steps of a task's life take.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTiming {
    pub ec2_task_start: Option<RawDist>,
    pub awsvpc_eni_attach: Option<RawDist>,
    pub task_stop: Option<RawDist>,
}

/// One `[[workload]]`: a stream of RunTask calls.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawWorkload {
    pub name: String,
    pub trace: Option<String>,
    pub trace_format: Option<String>,
    pub trace_machine: Option<RawTraceMachine>,
    pub trace_columns: Option<RawTraceColumns>,
    pub time_scale: Option<f64>,
    pub strict: Option<bool>,
    pub reorder_window: Option<String>,
    pub synthetic: Option<RawSynthetic>,
    pub on_placement_failure: Option<String>,
    pub max_wait: Option<String>,
    #[serde(default)]
    pub run_task: RawRunTask,
}

/// `[workload.trace_machine]`: what 100 % of a trace machine is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTraceMachine {
    pub vcpu: f64,
    pub memory_gib: f64,
}

/// `[workload.trace_columns]`: the column mapping of a generic trace.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTraceColumns {
    pub time: String,
    pub time_unit: Option<String>,
    pub duration: Option<String>,
    pub end_time: Option<String>,
    pub cpu: Option<String>,
    pub cpu_scale: Option<f64>,
    pub memory: Option<String>,
    pub memory_scale: Option<f64>,
    pub count: Option<String>,
    pub task_definition: Option<String>,
    pub group: Option<String>,
    pub delimiter: Option<String>,
    pub has_header: Option<bool>,
}

/// `[workload.synthetic]`: a generated stream of submissions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSynthetic {
    pub arrival: RawArrival,
    pub tasks_per_arrival: Option<u32>,
    pub start: Option<String>,
    pub stop: Option<String>,
    pub max_tasks: Option<u64>,
    pub run_duration: RawDist,
    pub cpu: Option<RawDist>,
    pub memory: Option<RawDist>,
}

/// How synthetic submissions arrive.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawArrival {
    pub process: String,
    pub rate_per_minute: Option<f64>,
    pub interval: Option<String>,
}

/// `[workload.run_task]`: the RunTask request, in ECS's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct RawRunTask {
    pub task_definition: Option<String>,
    pub launch_type: Option<String>,
    pub placement_strategy: Option<Vec<RawPlacementStrategy>>,
    pub placement_constraints: Option<Vec<RawPlacementConstraint>>,
    pub group: Option<String>,
    pub count: Option<u32>,
    pub capacity_provider_strategy: Option<IgnoredAny>,
    // Accepted and ignored: they do not change scheduling.
    pub cluster: Option<IgnoredAny>,
    pub platform_version: Option<IgnoredAny>,
    pub network_configuration: Option<IgnoredAny>,
    pub overrides: Option<IgnoredAny>,
    pub propagate_tags: Option<IgnoredAny>,
    pub reference_id: Option<IgnoredAny>,
    pub started_by: Option<IgnoredAny>,
    pub tags: Option<IgnoredAny>,
    #[serde(rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: Option<IgnoredAny>,
    pub enable_execute_command: Option<IgnoredAny>,
    pub client_token: Option<IgnoredAny>,
    pub volume_configurations: Option<IgnoredAny>,
}

/// A placement strategy item, as ECS spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawPlacementStrategy {
    #[serde(rename = "type")]
    pub kind: String,
    pub field: Option<String>,
}

/// A placement constraint, as ECS spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawPlacementConstraint {
    #[serde(rename = "type")]
    pub kind: String,
    pub expression: Option<String>,
}

/// `[output]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawOutput {
    pub tasks_csv: Option<bool>,
    pub events_csv: Option<bool>,
    pub runs: Option<String>,
}

/// `[slo]`: an availability objective whose error budget runs are measured against.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSlo {
    pub target_pct: f64,
    pub window: Option<String>,
}

/// One `[[events]]`: a timed UpdateService call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawEvent {
    pub at: String,
    pub service: String,
    pub task_definition: Option<String>,
    pub desired_count: Option<u32>,
}

/// `[faults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawFaults {
    pub instance_mtbf: Option<String>,
    pub task_crash_rate: Option<f64>,
    pub spot_interruption_rate: Option<f64>,
    pub spot_draining: Option<bool>,
    pub fargate_spot_interruption_rate: Option<f64>,
    pub replace_failed_instances: Option<bool>,
    pub instance_replacement_delay: Option<RawDist>,
    #[serde(default)]
    pub az_outage: Vec<RawAzOutage>,
}

/// One `[[faults.az_outage]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawAzOutage {
    pub zone: String,
    pub start: String,
    pub end: String,
}

/// The simulator's own keys of a `[[service]]` table (the rest is ECS's
/// service definition).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawServiceExtras {
    pub file: Option<String>,
    pub select: Option<String>,
    pub demand: Option<RawDemand>,
    pub capacity_per_task: Option<f64>,
    pub target_group: Option<RawTargetGroup>,
    pub code_deploy_config: Option<String>,
    pub termination_wait: Option<String>,
    pub auto_scaling: Option<RawAutoScaling>,
}

/// `[service.demand]`: a demand curve.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawDemand {
    pub file: Option<String>,
    pub column: Option<String>,
    pub step: Option<String>,
    pub scale: Option<f64>,
    pub time_column: Option<String>,
    pub time_scale: Option<f64>,
    pub constant: Option<f64>,
    pub statistic: Option<String>,
    pub metric_id: Option<String>,
}

/// `[service.target_group]`: the ELB target group's settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTargetGroup {
    pub deregistration_delay: Option<String>,
    pub health_check_interval: Option<String>,
    pub healthy_threshold: Option<u32>,
    pub unhealthy_threshold: Option<u32>,
}

/// The simulator's own keys of a `[[task_definition]]` table: the task-start model.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTaskStart {
    pub image_pull: Option<RawDist>,
    pub container_start: Option<RawDist>,
    pub start_failure_probability: Option<f64>,
    pub health_check_failure_probability: Option<f64>,
}

/// `[commitments]`: Savings Plans and Reserved Instances.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawCommitments {
    #[serde(default)]
    pub savings_plan: Vec<RawSavingsPlan>,
    #[serde(default)]
    pub reserved_instance: Vec<RawReservedInstance>,
}

/// One `[[commitments.savings_plan]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSavingsPlan {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub commitment_usd_per_hour: f64,
    pub instance_family: Option<String>,
    pub discount_pct: Option<f64>,
    #[serde(default)]
    pub family_discount_pct: BTreeMap<String, f64>,
    #[serde(default)]
    pub instance_rates: BTreeMap<String, f64>,
    pub fargate_vcpu_hour: Option<f64>,
    pub fargate_gb_hour: Option<f64>,
    pub fargate_discount_pct: Option<f64>,
}

/// One `[[commitments.reserved_instance]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawReservedInstance {
    pub instance_type: String,
    pub availability_zone: Option<String>,
    pub count: u32,
    pub effective_hourly_usd: f64,
}
