//! Service definitions in ECS's own JSON shape: the input of
//! `aws ecs create-service --cli-input-json`, the output of `create-service`
//! or `update-service` (the `service` wrapper), or the output of
//! `aws ecs describe-services` (the `services` list).
//!
//! Every field AWS defines on `CreateServiceRequest` and `Service` is
//! accepted; the ones that do not affect scheduling or deployments (ARNs,
//! counters, events, networking, tags, ...) are read and ignored. A field AWS
//! does not define is rejected, with a suggestion, so a typo never silently
//! changes a simulation.
//!
//! Errors name the JSON key at fault in [`FieldError::field`] (the last key
//! of the path, so [`FieldError::line_in`] can find it) and the full path,
//! e.g. `deploymentConfiguration.maximumPercent`, in the message.
//!
//! [`FieldError::field`]: super::taskdef::FieldError::field
//! [`FieldError::line_in`]: super::taskdef::FieldError::line_in
//!
//! [`doc`] holds the JSON shapes; validation into a [`ServiceDef`] is split
//! between the service as a whole and its `deploymentConfiguration`.

mod deployment;
pub mod doc;
mod validate;

use super::raw::{RawPlacementConstraint, RawPlacementStrategy};
use super::taskdef::FieldError;
use crate::engine::SimDuration;
use crate::model::LaunchType;

/// The largest `desiredCount` a service definition may state. ECS's quota
/// of 5,000 tasks per service is checked with the cluster's other quotas
/// (`scenario::budget`), which `[simulation] allow_beyond_quotas` lifts.
pub const MAX_DESIRED_COUNT: u32 = u32::MAX;

/// How the service scheduler places tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulingStrategy {
    /// Keep `desiredCount` tasks running across the cluster.
    Replica,
    /// One task on every container instance that meets the constraints.
    Daemon,
}

/// Who runs the service's deployments (`deploymentController.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentController {
    /// ECS itself (rolling update, or blue/green, linear, canary).
    Ecs,
    /// AWS CodeDeploy blue/green.
    CodeDeploy,
    /// A third-party controller through task sets.
    External,
}

/// `deploymentConfiguration.strategy` (2025+) plus its linear/canary settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeploymentStrategy {
    /// Replace tasks in batches bounded by minimum healthy and maximum percent.
    Rolling,
    /// Start a full new revision, shift all traffic, bake, then stop the old one.
    BlueGreen,
    /// Shift traffic in equal steps, baking after each.
    Linear {
        /// Percent of traffic shifted per step (3.0 to 100.0, default 10.0).
        step_percent: f64,
        /// Wait after each step (default 6 minutes).
        step_bake: SimDuration,
    },
    /// Shift a small share of traffic, bake, then shift the rest.
    Canary {
        /// Percent of traffic in the canary phase (0.1 to 100.0, default 5.0).
        canary_percent: f64,
        /// Wait during the canary phase (default 10 minutes).
        canary_bake: SimDuration,
    },
}

/// How the circuit breaker turns `thresholdConfiguration.value` into a
/// number of failed tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdType {
    /// `value` is the number of failures itself.
    Count,
    /// `value` percent of the desired count, clamped to 10 to 200 (the classic rule at 50 %).
    BoundedPercent,
    /// `value` percent of the desired count, not clamped.
    UnboundedPercent,
}

/// A validated deployment circuit breaker (only present when enabled).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreaker {
    /// Always true: a disabled breaker is represented by `None`.
    pub enable: bool,
    /// Roll back to the last completed deployment when it trips.
    pub rollback: bool,
    /// A task reaching a healthy state resets the failure count (default true).
    pub reset_on_healthy_task: bool,
    /// How `threshold_value` is read (default bounded percent).
    pub threshold_type: ThresholdType,
    /// The threshold value (default 50).
    pub threshold_value: f64,
}

/// A validated `deploymentConfiguration`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeploymentConfig {
    /// Lower bound on running tasks during a deployment, percent of desired
    /// (default 100 for REPLICA, 0 for DAEMON).
    pub minimum_healthy_percent: u32,
    /// Upper bound on running plus pending tasks, percent of desired
    /// (default 200 for REPLICA; always 100 for DAEMON).
    pub maximum_percent: u32,
    /// The circuit breaker; `None` when absent or disabled.
    pub circuit_breaker: Option<CircuitBreaker>,
    /// The deployment strategy (default rolling).
    pub strategy: DeploymentStrategy,
    /// `bakeTimeInMinutes`: how long both revisions are kept after traffic
    /// has shifted (default 0).
    pub bake_time: SimDuration,
}

/// A validated `capacityProviderStrategy` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProviderItem {
    /// The capacity provider's name.
    pub provider: String,
    /// Tasks placed on this provider before weights apply (0 to 100000).
    pub base: u32,
    /// Relative share of the remaining tasks (0 to 1000).
    pub weight: u32,
}

/// A load balancer the service registers its tasks with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancerRef {
    /// `targetGroupArn` (ALB/NLB) or `loadBalancerName` (Classic LB).
    pub target_group: String,
    /// The container registered.
    pub container_name: Option<String>,
    /// Its port.
    pub container_port: Option<u16>,
}

/// A validated service definition: what scheduling and deployments need.
#[derive(Debug, Clone)]
pub struct ServiceDef {
    /// `serviceName`.
    pub name: String,
    /// The task definition as written (`family`, `family:3`), or the part
    /// after `task-definition/` of an ARN.
    pub task_definition: String,
    /// `desiredCount`: set for REPLICA, `None` for DAEMON (where ECS ignores it).
    pub desired_count: Option<u32>,
    /// `launchType`, when given.
    pub launch_type: Option<LaunchType>,
    /// `capacityProviderStrategy` (empty when not given).
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    /// `placementStrategy`, passed through for the caller to validate.
    pub placement_strategy: Vec<RawPlacementStrategy>,
    /// `placementConstraints`, passed through for the caller to validate.
    pub placement_constraints: Vec<RawPlacementConstraint>,
    /// `schedulingStrategy` (default REPLICA).
    pub scheduling_strategy: SchedulingStrategy,
    /// `deploymentConfiguration` with defaults applied.
    pub deployment: DeploymentConfig,
    /// `deploymentController.type` (default ECS).
    pub controller: DeploymentController,
    /// `healthCheckGracePeriodSeconds` (default 0).
    pub health_check_grace_period: SimDuration,
    /// `loadBalancers`.
    pub load_balancers: Vec<LoadBalancerRef>,
    /// `availabilityZoneRebalancing` (default true, as ECS sets on create).
    pub availability_zone_rebalancing: bool,
    /// `tags`, sorted by key.
    pub tags: Vec<(String, String)>,
    /// `propagateTags` (default NONE).
    pub propagate_tags: crate::scenario::tags::PropagateTags,
}

/// An error naming `field`.
fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.to_string(), message: message.into() }
}

/// `value` as a whole number in `min..=max`, or an error naming `path`.
fn in_range(value: i64, min: u32, max: u32, field: &str, path: &str) -> Result<u32, FieldError> {
    u32::try_from(value)
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| err(field, format!("`{path}` is {value}; it must be between {min} and {max}")))
}

/// Helpers shared by the tests of the submodules.
#[cfg(test)]
mod test_support {
    use super::doc::parse_json;
    use super::ServiceDef;
    use crate::scenario::taskdef::FieldError;

    pub(super) fn one(json: &str) -> Result<ServiceDef, String> {
        let mut docs = parse_json(json).map_err(|e| e.to_string())?;
        assert_eq!(docs.len(), 1);
        docs.remove(0).validate().map_err(|e| e.message)
    }

    /// The error for `json`, with the line `line_in` finds for its field.
    pub(super) fn field_error(json: &str) -> (FieldError, Option<usize>) {
        let doc = parse_json(json).unwrap().remove(0);
        let e = doc.validate().unwrap_err();
        let line = e.line_in(json);
        (e, line)
    }
}
