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

use super::raw::{RawPlacementConstraint, RawPlacementStrategy};
use super::taskdef::FieldError;
use crate::engine::SimDuration;
use crate::model::{LaunchType, MAX_CONSTRAINTS};
use serde::de::IgnoredAny;
use serde::Deserialize;

/// ECS's quota on tasks per service.
pub const MAX_DESIRED_COUNT: u32 = 5000;

/// The `service` member of `create-service` or `update-service` output.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceOutput {
    /// The service.
    pub service: ServiceDoc,
}

/// The output of `describe-services`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DescribeServicesOutput {
    /// The services described.
    pub services: Vec<ServiceDoc>,
    /// Services ECS could not describe; ignored.
    pub failures: Option<IgnoredAny>,
}

/// A service as AWS spells it: the union of `CreateServiceRequest` and the
/// `Service` shape `describe-services` returns.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ServiceDoc {
    pub service_name: Option<String>,
    pub task_definition: Option<String>,
    pub desired_count: Option<i64>,
    pub launch_type: Option<String>,
    pub capacity_provider_strategy: Option<Vec<CapacityProviderStrategyItemDoc>>,
    pub placement_strategy: Option<Vec<RawPlacementStrategy>>,
    pub placement_constraints: Option<Vec<RawPlacementConstraint>>,
    pub scheduling_strategy: Option<String>,
    pub deployment_configuration: Option<DeploymentConfigurationDoc>,
    pub deployment_controller: Option<DeploymentControllerDoc>,
    pub health_check_grace_period_seconds: Option<i64>,
    pub load_balancers: Option<Vec<LoadBalancerDoc>>,
    pub availability_zone_rebalancing: Option<String>,
    // CreateServiceRequest fields accepted and ignored: they do not change
    // scheduling or deployments.
    pub cluster: Option<IgnoredAny>,
    pub client_token: Option<IgnoredAny>,
    pub network_configuration: Option<IgnoredAny>,
    pub platform_version: Option<IgnoredAny>,
    pub propagate_tags: Option<IgnoredAny>,
    pub role: Option<IgnoredAny>,
    pub service_connect_configuration: Option<IgnoredAny>,
    pub service_registries: Option<IgnoredAny>,
    pub tags: Option<IgnoredAny>,
    #[serde(rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: Option<IgnoredAny>,
    pub enable_execute_command: Option<IgnoredAny>,
    pub volume_configurations: Option<IgnoredAny>,
    pub vpc_lattice_configurations: Option<IgnoredAny>,
    // Read-only fields of the Service shape (describe output), ignored.
    pub service_arn: Option<IgnoredAny>,
    pub cluster_arn: Option<IgnoredAny>,
    pub status: Option<IgnoredAny>,
    pub running_count: Option<IgnoredAny>,
    pub pending_count: Option<IgnoredAny>,
    pub platform_family: Option<IgnoredAny>,
    pub task_sets: Option<IgnoredAny>,
    pub deployments: Option<IgnoredAny>,
    pub role_arn: Option<IgnoredAny>,
    pub events: Option<IgnoredAny>,
    pub created_at: Option<IgnoredAny>,
    pub created_by: Option<IgnoredAny>,
    pub current_service_deployment: Option<IgnoredAny>,
    pub current_service_revisions: Option<IgnoredAny>,
    pub resource_management_type: Option<IgnoredAny>,
}

/// One `capacityProviderStrategy` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CapacityProviderStrategyItemDoc {
    pub capacity_provider: String,
    pub base: Option<i64>,
    pub weight: Option<i64>,
}

/// `deploymentConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct DeploymentConfigurationDoc {
    pub deployment_circuit_breaker: Option<DeploymentCircuitBreakerDoc>,
    pub maximum_percent: Option<i64>,
    pub minimum_healthy_percent: Option<i64>,
    pub strategy: Option<String>,
    pub bake_time_in_minutes: Option<i64>,
    pub linear_configuration: Option<LinearConfigurationDoc>,
    pub canary_configuration: Option<CanaryConfigurationDoc>,
    // CloudWatch alarms that roll a deployment back: the simulator has no
    // metrics to alarm on, so they are accepted and ignored.
    pub alarms: Option<IgnoredAny>,
    // Lambda hooks run at deployment stages: accepted and ignored.
    pub lifecycle_hooks: Option<IgnoredAny>,
}

/// `deploymentConfiguration.deploymentCircuitBreaker`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct DeploymentCircuitBreakerDoc {
    pub enable: bool,
    pub rollback: bool,
    pub reset_on_healthy_task: Option<bool>,
    pub threshold_configuration: Option<ThresholdConfigurationDoc>,
}

/// `deploymentCircuitBreaker.thresholdConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ThresholdConfigurationDoc {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: Option<i64>,
}

/// `deploymentConfiguration.linearConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct LinearConfigurationDoc {
    pub step_percent: Option<f64>,
    pub step_bake_time_in_minutes: Option<i64>,
}

/// `deploymentConfiguration.canaryConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CanaryConfigurationDoc {
    pub canary_percent: Option<f64>,
    pub canary_bake_time_in_minutes: Option<i64>,
}

/// `deploymentController`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DeploymentControllerDoc {
    #[serde(rename = "type")]
    pub kind: String,
}

/// One `loadBalancers` item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct LoadBalancerDoc {
    pub target_group_arn: Option<String>,
    pub load_balancer_name: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<i64>,
    // Blue/green listener rules and alternate target group: ignored.
    pub advanced_configuration: Option<IgnoredAny>,
}

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
}

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

/// A percentage in `min..=max` that is a multiple of 0.1.
fn tenth_percent(value: f64, min: f64, max: f64, field: &str, path: &str) -> Result<f64, FieldError> {
    let tenths = value * 10.0;
    if !(min..=max).contains(&value) || (tenths - tenths.round()).abs() > 1e-6 {
        return Err(err(field, format!("`{path}` is {value}; it must be a multiple of 0.1 from {min:.1} to {max:.1}")));
    }
    Ok(value)
}

fn minutes(value: Option<i64>, default: u32, field: &str, path: &str) -> Result<SimDuration, FieldError> {
    let mins = value.map(|v| in_range(v, 0, 1440, field, path)).transpose()?.unwrap_or(default);
    Ok(SimDuration::from_mins(u64::from(mins)))
}

fn is_fargate_provider(name: &str) -> bool {
    name == "FARGATE" || name == "FARGATE_SPOT"
}

impl ServiceDoc {
    /// Validates the document into a [`ServiceDef`], applying ECS's defaults.
    /// Errors are plain sentences naming the field; the caller adds the file.
    pub fn validate(self) -> Result<ServiceDef, FieldError> {
        let name = self.service_name.ok_or_else(|| err("serviceName", "a service needs a `serviceName`"))?;
        if name.is_empty()
            || name.len() > 255
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(
                "serviceName",
                format!("`serviceName` `{name}` must be 1 to 255 letters, numbers, hyphens and underscores"),
            ));
        }
        let task_definition = task_definition_name(self.task_definition)?;

        let scheduling_strategy = match self.scheduling_strategy.as_deref().unwrap_or("REPLICA") {
            "REPLICA" => SchedulingStrategy::Replica,
            "DAEMON" => SchedulingStrategy::Daemon,
            other => {
                return Err(err(
                    "schedulingStrategy",
                    format!("`schedulingStrategy` `{other}` is not REPLICA or DAEMON"),
                ))
            }
        };
        let daemon = scheduling_strategy == SchedulingStrategy::Daemon;
        let controller = match self.deployment_controller.as_ref().map_or("ECS", |c| c.kind.as_str()) {
            "ECS" => DeploymentController::Ecs,
            "CODE_DEPLOY" => DeploymentController::CodeDeploy,
            "EXTERNAL" => DeploymentController::External,
            other => {
                return Err(err(
                    "deploymentController",
                    format!("`deploymentController.type` `{other}` is not one of ECS, CODE_DEPLOY, EXTERNAL"),
                ))
            }
        };
        if daemon && controller != DeploymentController::Ecs {
            return Err(err(
                "schedulingStrategy",
                "DAEMON services need the ECS deployment controller; remove `deploymentController` or use REPLICA",
            ));
        }

        // ECS ignores desiredCount for DAEMON services (describe output
        // reports one per instance), so it is dropped rather than rejected.
        let desired_count = if daemon {
            None
        } else {
            let count = self.desired_count.ok_or_else(|| {
                err(
                    "desiredCount",
                    "REPLICA services need a `desiredCount` (0 to 5000); set it or use schedulingStrategy DAEMON",
                )
            })?;
            Some(in_range(count, 0, MAX_DESIRED_COUNT, "desiredCount", "desiredCount")?)
        };

        let launch_type = match self.launch_type.as_deref() {
            None => None,
            Some("EC2") => Some(LaunchType::Ec2),
            Some("FARGATE") => Some(LaunchType::Fargate),
            Some(other @ ("EXTERNAL" | "MANAGED_INSTANCES")) => {
                return Err(err("launchType", format!("`launchType` {other} is not modelled; use EC2 or FARGATE")))
            }
            Some(other) => return Err(err("launchType", format!("`launchType` `{other}` is not one of EC2, FARGATE"))),
        };
        let capacity_provider_strategy = capacity_providers(self.capacity_provider_strategy.unwrap_or_default())?;
        if launch_type.is_some() && !capacity_provider_strategy.is_empty() {
            return Err(err(
                "capacityProviderStrategy",
                "`launchType` and `capacityProviderStrategy` are mutually exclusive; remove one",
            ));
        }
        if daemon {
            if launch_type == Some(LaunchType::Fargate) {
                return Err(err("launchType", "Fargate does not support DAEMON services; use EC2 or REPLICA"));
            }
            if capacity_provider_strategy.iter().any(|item| is_fargate_provider(&item.provider)) {
                return Err(err(
                    "capacityProviderStrategy",
                    "Fargate capacity providers do not support DAEMON services; use EC2 capacity or REPLICA",
                ));
            }
        }

        let placement_strategy = self.placement_strategy.unwrap_or_default();
        if placement_strategy.len() > 5 {
            return Err(err(
                "placementStrategy",
                format!("`placementStrategy` has {} items; ECS allows at most 5", placement_strategy.len()),
            ));
        }
        if daemon && !placement_strategy.is_empty() {
            return Err(err(
                "placementStrategy",
                "DAEMON services place one task per instance and take no `placementStrategy`; remove it",
            ));
        }
        let placement_constraints = self.placement_constraints.unwrap_or_default();
        if placement_constraints.len() > MAX_CONSTRAINTS {
            return Err(err(
                "placementConstraints",
                format!(
                    "`placementConstraints` has {} items; ECS allows at most {}",
                    placement_constraints.len(),
                    MAX_CONSTRAINTS
                ),
            ));
        }

        let deployment = deployment_config(self.deployment_configuration, daemon, controller)?;

        let health_check_grace_period = match self.health_check_grace_period_seconds {
            None => SimDuration::ZERO,
            Some(secs) => SimDuration::from_secs(u64::from(in_range(
                secs,
                0,
                i32::MAX as u32,
                "healthCheckGracePeriodSeconds",
                "healthCheckGracePeriodSeconds",
            )?)),
        };

        let load_balancers =
            self.load_balancers.unwrap_or_default().into_iter().map(load_balancer).collect::<Result<Vec<_>, _>>()?;
        if load_balancers.len() > 5 {
            return Err(err(
                "loadBalancers",
                format!("`loadBalancers` has {} items; ECS allows at most 5 per service", load_balancers.len()),
            ));
        }
        if controller == DeploymentController::CodeDeploy && load_balancers.is_empty() {
            return Err(err(
                "deploymentController",
                "the CODE_DEPLOY controller needs a load balancer; add `loadBalancers` with a target group",
            ));
        }

        let availability_zone_rebalancing = match self.availability_zone_rebalancing.as_deref() {
            None | Some("ENABLED") => true,
            Some("DISABLED") => false,
            Some(other) => {
                return Err(err(
                    "availabilityZoneRebalancing",
                    format!("`availabilityZoneRebalancing` `{other}` is not ENABLED or DISABLED"),
                ))
            }
        };

        Ok(ServiceDef {
            name,
            task_definition,
            desired_count,
            launch_type,
            capacity_provider_strategy,
            placement_strategy,
            placement_constraints,
            scheduling_strategy,
            deployment,
            controller,
            health_check_grace_period,
            load_balancers,
            availability_zone_rebalancing,
        })
    }
}

/// `family`, `family:revision`, or the same taken from a task definition ARN.
fn task_definition_name(text: Option<String>) -> Result<String, FieldError> {
    let text = text.ok_or_else(|| {
        err("taskDefinition", "a service needs a `taskDefinition` (`family`, `family:revision` or an ARN)")
    })?;
    let name = if text.starts_with("arn:") {
        match text.split_once(":task-definition/") {
            Some((_, name)) => name.to_string(),
            None => {
                return Err(err(
                    "taskDefinition",
                    format!("`taskDefinition` `{text}` is an ARN but not of a task definition (`...:task-definition/family:revision`)"),
                ))
            }
        }
    } else {
        text
    };
    let family = name.split(':').next().unwrap_or("");
    let revision_ok = match name.split_once(':') {
        None => true,
        Some((_, revision)) => revision.parse::<u32>().is_ok_and(|r| r > 0),
    };
    if family.is_empty() || !revision_ok {
        return Err(err(
            "taskDefinition",
            format!("`taskDefinition` `{name}` is not `family` or `family:revision` (revision a positive number)"),
        ));
    }
    Ok(name)
}

fn capacity_providers(items: Vec<CapacityProviderStrategyItemDoc>) -> Result<Vec<CapacityProviderItem>, FieldError> {
    const FIELD: &str = "capacityProviderStrategy";
    if items.len() > 20 {
        return Err(err(FIELD, format!("`{FIELD}` has {} items; ECS allows at most 20", items.len())));
    }
    let mut out: Vec<CapacityProviderItem> = Vec::with_capacity(items.len());
    for item in items {
        let provider = item.capacity_provider;
        if provider.is_empty() {
            return Err(err("capacityProvider", "a `capacityProviderStrategy` item needs a `capacityProvider` name"));
        }
        let path = |key: &str| format!("{FIELD}[{provider}].{key}");
        let base = item.base.map(|b| in_range(b, 0, 100_000, "base", &path("base"))).transpose()?.unwrap_or(0);
        let weight = item.weight.map(|w| in_range(w, 0, 1000, "weight", &path("weight"))).transpose()?.unwrap_or(0);
        if out.iter().any(|seen| seen.provider == provider) {
            return Err(err(
                FIELD,
                format!("capacity provider `{provider}` appears twice in `{FIELD}`; list each once"),
            ));
        }
        out.push(CapacityProviderItem { provider, base, weight });
    }
    if out.iter().filter(|item| item.base > 0).count() > 1 {
        return Err(err("base", format!("only one item of `{FIELD}` may have a non-zero `base`")));
    }
    if !out.is_empty() && out.iter().all(|item| item.weight == 0) {
        return Err(err("weight", format!("at least one item of `{FIELD}` needs a `weight` above 0")));
    }
    let fargate = out.iter().filter(|item| is_fargate_provider(&item.provider)).count();
    if fargate > 0 && fargate < out.len() {
        return Err(err(
            FIELD,
            format!("`{FIELD}` mixes FARGATE/FARGATE_SPOT with Auto Scaling group providers; ECS does not allow that"),
        ));
    }
    Ok(out)
}

fn deployment_config(
    doc: Option<DeploymentConfigurationDoc>,
    daemon: bool,
    controller: DeploymentController,
) -> Result<DeploymentConfig, FieldError> {
    const DC: &str = "deploymentConfiguration";
    let doc = doc.unwrap_or(DeploymentConfigurationDoc {
        deployment_circuit_breaker: None,
        maximum_percent: None,
        minimum_healthy_percent: None,
        strategy: None,
        bake_time_in_minutes: None,
        linear_configuration: None,
        canary_configuration: None,
        alarms: None,
        lifecycle_hooks: None,
    });
    let minimum_healthy_percent = match doc.minimum_healthy_percent {
        Some(v) => in_range(v, 0, 100, "minimumHealthyPercent", &format!("{DC}.minimumHealthyPercent"))?,
        None if daemon => 0,
        None => 100,
    };
    let maximum_percent = match doc.maximum_percent {
        Some(v) => u32::try_from(v).map_err(|_| {
            err("maximumPercent", format!("`{DC}.maximumPercent` is {v}; it must be a whole percentage"))
        })?,
        None if daemon => 100,
        None => 200,
    };
    if daemon && maximum_percent != 100 {
        return Err(err(
            "maximumPercent",
            format!("`{DC}.maximumPercent` is {maximum_percent}; DAEMON services need 100 (or leave it out)"),
        ));
    }
    if !daemon && controller == DeploymentController::Ecs && maximum_percent < 100 {
        return Err(err(
            "maximumPercent",
            format!("`{DC}.maximumPercent` is {maximum_percent}; with the ECS controller it must be at least 100"),
        ));
    }
    if maximum_percent < minimum_healthy_percent {
        return Err(err(
            "maximumPercent",
            format!(
                "`{DC}.maximumPercent` ({maximum_percent}) is below `{DC}.minimumHealthyPercent` ({minimum_healthy_percent}); raise it"
            ),
        ));
    }

    let circuit_breaker = match doc.deployment_circuit_breaker {
        Some(cb) if cb.enable => {
            if controller != DeploymentController::Ecs {
                return Err(err(
                    "deploymentCircuitBreaker",
                    format!(
                        "`{DC}.deploymentCircuitBreaker` works only with the ECS deployment controller; disable it"
                    ),
                ));
            }
            Some(circuit_breaker(cb)?)
        }
        _ => None,
    };

    let strategy_name = doc.strategy.as_deref().unwrap_or("ROLLING");
    if strategy_name != "LINEAR" && doc.linear_configuration.is_some() {
        return Err(err(
            "linearConfiguration",
            format!(
                "`{DC}.linearConfiguration` is set but `strategy` is {strategy_name}; set strategy LINEAR or remove it"
            ),
        ));
    }
    if strategy_name != "CANARY" && doc.canary_configuration.is_some() {
        return Err(err(
            "canaryConfiguration",
            format!(
                "`{DC}.canaryConfiguration` is set but `strategy` is {strategy_name}; set strategy CANARY or remove it"
            ),
        ));
    }
    let strategy = match strategy_name {
        "ROLLING" => DeploymentStrategy::Rolling,
        "BLUE_GREEN" => DeploymentStrategy::BlueGreen,
        "LINEAR" => {
            let linear = doc
                .linear_configuration
                .unwrap_or(LinearConfigurationDoc { step_percent: None, step_bake_time_in_minutes: None });
            let path = format!("{DC}.linearConfiguration");
            DeploymentStrategy::Linear {
                step_percent: linear
                    .step_percent
                    .map(|p| tenth_percent(p, 3.0, 100.0, "stepPercent", &format!("{path}.stepPercent")))
                    .transpose()?
                    .unwrap_or(10.0),
                step_bake: minutes(
                    linear.step_bake_time_in_minutes,
                    6,
                    "stepBakeTimeInMinutes",
                    &format!("{path}.stepBakeTimeInMinutes"),
                )?,
            }
        }
        "CANARY" => {
            let canary = doc
                .canary_configuration
                .unwrap_or(CanaryConfigurationDoc { canary_percent: None, canary_bake_time_in_minutes: None });
            let path = format!("{DC}.canaryConfiguration");
            DeploymentStrategy::Canary {
                canary_percent: canary
                    .canary_percent
                    .map(|p| tenth_percent(p, 0.1, 100.0, "canaryPercent", &format!("{path}.canaryPercent")))
                    .transpose()?
                    .unwrap_or(5.0),
                canary_bake: minutes(
                    canary.canary_bake_time_in_minutes,
                    10,
                    "canaryBakeTimeInMinutes",
                    &format!("{path}.canaryBakeTimeInMinutes"),
                )?,
            }
        }
        other => {
            return Err(err(
                "strategy",
                format!("`{DC}.strategy` `{other}` is not one of ROLLING, BLUE_GREEN, LINEAR, CANARY"),
            ))
        }
    };
    if strategy != DeploymentStrategy::Rolling && controller != DeploymentController::Ecs {
        return Err(err(
            "strategy",
            format!("`{DC}.strategy` {strategy_name} works only with the ECS deployment controller"),
        ));
    }
    let bake_time = minutes(doc.bake_time_in_minutes, 0, "bakeTimeInMinutes", &format!("{DC}.bakeTimeInMinutes"))?;

    Ok(DeploymentConfig { minimum_healthy_percent, maximum_percent, circuit_breaker, strategy, bake_time })
}

fn circuit_breaker(doc: DeploymentCircuitBreakerDoc) -> Result<CircuitBreaker, FieldError> {
    let path = "deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration";
    let (kind, value) = doc.threshold_configuration.map_or((None, None), |t| (t.kind, t.value));
    let threshold_type = match kind.as_deref().unwrap_or("BOUNDED_PERCENT") {
        "COUNT" => ThresholdType::Count,
        "BOUNDED_PERCENT" => ThresholdType::BoundedPercent,
        "UNBOUNDED_PERCENT" => ThresholdType::UnboundedPercent,
        other => {
            return Err(err(
                "thresholdConfiguration",
                format!("`{path}.type` `{other}` is not one of COUNT, BOUNDED_PERCENT, UNBOUNDED_PERCENT"),
            ))
        }
    };
    let threshold_value = match value {
        None => 50.0,
        Some(v) if v >= 0 => v as f64,
        Some(v) => {
            return Err(err("thresholdConfiguration", format!("`{path}.value` is {v}; it must not be negative")))
        }
    };
    Ok(CircuitBreaker {
        enable: true,
        rollback: doc.rollback,
        reset_on_healthy_task: doc.reset_on_healthy_task.unwrap_or(true),
        threshold_type,
        threshold_value,
    })
}

fn load_balancer(doc: LoadBalancerDoc) -> Result<LoadBalancerRef, FieldError> {
    let target_group = match (doc.target_group_arn, doc.load_balancer_name) {
        (Some(arn), None) => arn,
        (None, Some(name)) => name,
        (Some(_), Some(_)) => {
            return Err(err(
                "loadBalancerName",
                "a `loadBalancers` item gives `targetGroupArn` (ALB/NLB) or `loadBalancerName` (Classic), not both",
            ))
        }
        (None, None) => {
            return Err(err(
                "loadBalancers",
                "a `loadBalancers` item needs `targetGroupArn` (ALB/NLB) or `loadBalancerName` (Classic)",
            ))
        }
    };
    let container_port =
        doc.container_port
            .map(|p| {
                u16::try_from(p).ok().filter(|p| *p > 0).ok_or_else(|| {
                    err("containerPort", format!("`loadBalancers[].containerPort` {p} is outside 1-65535"))
                })
            })
            .transpose()?;
    Ok(LoadBalancerRef { target_group, container_name: doc.container_name, container_port })
}

/// Parses service definitions from JSON text: a `create-service` input, a
/// `create-service`/`update-service` output (`{"service": ...}`), or a
/// `describe-services` output (`{"services": [...]}`, possibly several).
pub fn parse_json(text: &str) -> Result<Vec<ServiceDoc>, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    // Re-parse from text so errors keep line numbers.
    if value.get("services").is_some() {
        let output: DescribeServicesOutput = serde_json::from_str(text)?;
        if output.services.is_empty() {
            return Err(serde::de::Error::custom(
                "the describe-services output holds no services (see its `failures`)",
            ));
        }
        Ok(output.services)
    } else if value.get("service").is_some() {
        Ok(vec![serde_json::from_str::<ServiceOutput>(text)?.service])
    } else {
        Ok(vec![serde_json::from_str(text)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::suggest_for_unknown;

    fn one(json: &str) -> Result<ServiceDef, String> {
        let mut docs = parse_json(json).map_err(|e| e.to_string())?;
        assert_eq!(docs.len(), 1);
        docs.remove(0).validate().map_err(|e| e.message)
    }

    /// The error for `json`, with the line `line_in` finds for its field.
    fn field_error(json: &str) -> (FieldError, Option<usize>) {
        let doc = parse_json(json).unwrap().remove(0);
        let e = doc.validate().unwrap_err();
        let line = e.line_in(json);
        (e, line)
    }

    #[test]
    fn create_service_input() {
        let text = include_str!("../../scenarios/services/web-create-service.json");
        let def = one(text).unwrap();
        assert_eq!(def.name, "web");
        assert_eq!(def.task_definition, "web:1");
        assert_eq!(def.desired_count, Some(6));
        assert_eq!(def.launch_type, Some(LaunchType::Ec2));
        assert!(def.placement_strategy.is_empty() && def.placement_constraints.is_empty());
        assert_eq!(def.deployment.minimum_healthy_percent, 50);
        assert_eq!(def.deployment.maximum_percent, 200);
        let cb = def.deployment.circuit_breaker.unwrap();
        assert!(cb.enable && cb.rollback);
        assert_eq!(def.health_check_grace_period, SimDuration::from_secs(30));
        assert_eq!(def.load_balancers.len(), 1);
        assert!(def.load_balancers[0].target_group.contains(":targetgroup/web/"));
        assert_eq!(def.load_balancers[0].container_port, Some(80));
        assert_eq!(def.controller, DeploymentController::Ecs);
    }

    #[test]
    fn create_service_output_wrapper() {
        let def = one(r#"{"service": {"serviceArn": "arn:aws:ecs:us-east-1:1:service/c/api",
            "serviceName": "api", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/c",
            "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/api:7",
            "desiredCount": 2, "runningCount": 0, "pendingCount": 0, "status": "ACTIVE",
            "launchType": "FARGATE", "platformVersion": "LATEST", "platformFamily": "Linux",
            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY"}], "events": [],
            "createdAt": "2025-01-01T00:00:00Z", "createdBy": "arn:aws:iam::1:role/x",
            "enableECSManagedTags": false, "propagateTags": "NONE", "enableExecuteCommand": false,
            "availabilityZoneRebalancing": "DISABLED", "schedulingStrategy": "REPLICA",
            "deploymentController": {"type": "ECS"}}}"#)
        .unwrap();
        assert_eq!((def.name.as_str(), def.task_definition.as_str()), ("api", "api:7"));
        assert_eq!(def.launch_type, Some(LaunchType::Fargate));
        assert!(!def.availability_zone_rebalancing);
    }

    #[test]
    fn describe_services_with_two_services() {
        let text = r#"{"services": [
            {"serviceName": "a", "taskDefinition": "a:1", "desiredCount": 3, "runningCount": 3,
             "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1},
                                          {"capacityProvider": "FARGATE_SPOT", "weight": 4}]},
            {"serviceName": "agent", "taskDefinition": "agent", "desiredCount": 4,
             "schedulingStrategy": "DAEMON", "launchType": "EC2", "placementStrategy": [],
             "deploymentConfiguration": {"maximumPercent": 100, "minimumHealthyPercent": 0,
               "deploymentCircuitBreaker": {"enable": false, "rollback": false}}}
        ], "failures": []}"#;
        let docs = parse_json(text).unwrap();
        let defs: Vec<ServiceDef> = docs.into_iter().map(|d| d.validate().unwrap()).collect();
        assert_eq!(defs.len(), 2);
        assert_eq!(
            defs[0].capacity_provider_strategy[1],
            CapacityProviderItem { provider: "FARGATE_SPOT".into(), base: 0, weight: 4 }
        );
        assert_eq!(defs[1].scheduling_strategy, SchedulingStrategy::Daemon);
        assert_eq!(defs[1].desired_count, None);
        assert!(defs[1].deployment.circuit_breaker.is_none());

        let file = include_str!("../../scenarios/services/describe-services.json");
        let defs = parse_json(file).unwrap();
        assert_eq!(defs.len(), 1);
        defs.into_iter().next().unwrap().validate().unwrap();

        let empty = parse_json(r#"{"services": [], "failures": [{"reason": "MISSING"}]}"#).unwrap_err();
        assert!(empty.to_string().contains("no services"), "{empty}");
    }

    #[test]
    fn defaults_for_replica_and_daemon() {
        let replica = one(r#"{"serviceName": "r", "taskDefinition": "r", "desiredCount": 1}"#).unwrap();
        assert_eq!(replica.scheduling_strategy, SchedulingStrategy::Replica);
        let d = replica.deployment;
        assert_eq!((d.minimum_healthy_percent, d.maximum_percent), (100, 200));
        assert_eq!(d.strategy, DeploymentStrategy::Rolling);
        assert_eq!(d.bake_time, SimDuration::ZERO);
        assert!(d.circuit_breaker.is_none());
        assert_eq!(replica.controller, DeploymentController::Ecs);
        assert_eq!(replica.health_check_grace_period, SimDuration::ZERO);
        assert!(replica.availability_zone_rebalancing);
        assert!(replica.launch_type.is_none() && replica.capacity_provider_strategy.is_empty());

        let daemon = one(r#"{"serviceName": "d", "taskDefinition": "d", "schedulingStrategy": "DAEMON"}"#).unwrap();
        assert_eq!(daemon.desired_count, None);
        assert_eq!((daemon.deployment.minimum_healthy_percent, daemon.deployment.maximum_percent), (0, 100));
    }

    #[test]
    fn linear_and_canary_defaults() {
        let linear = one(r#"{"serviceName": "l", "taskDefinition": "l", "desiredCount": 1,
            "deploymentConfiguration": {"strategy": "LINEAR"}}"#)
        .unwrap();
        assert_eq!(
            linear.deployment.strategy,
            DeploymentStrategy::Linear { step_percent: 10.0, step_bake: SimDuration::from_mins(6) }
        );
        let canary = one(r#"{"serviceName": "c", "taskDefinition": "c", "desiredCount": 1,
            "deploymentConfiguration": {"strategy": "CANARY", "bakeTimeInMinutes": 15,
              "canaryConfiguration": {"canaryPercent": 20.5}}}"#)
        .unwrap();
        assert_eq!(
            canary.deployment.strategy,
            DeploymentStrategy::Canary { canary_percent: 20.5, canary_bake: SimDuration::from_mins(10) }
        );
        assert_eq!(canary.deployment.bake_time, SimDuration::from_mins(15));
        let blue_green = one(r#"{"serviceName": "b", "taskDefinition": "b", "desiredCount": 1,
            "deploymentConfiguration": {"strategy": "BLUE_GREEN"}}"#)
        .unwrap();
        assert_eq!(blue_green.deployment.strategy, DeploymentStrategy::BlueGreen);
    }

    #[test]
    fn circuit_breaker_defaults() {
        let def = one(r#"{"serviceName": "s", "taskDefinition": "s", "desiredCount": 1,
            "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": false}}}"#)
        .unwrap();
        assert_eq!(
            def.deployment.circuit_breaker,
            Some(CircuitBreaker {
                enable: true,
                rollback: false,
                reset_on_healthy_task: true,
                threshold_type: ThresholdType::BoundedPercent,
                threshold_value: 50.0,
            })
        );
        let set = one(r#"{"serviceName": "s", "taskDefinition": "s", "desiredCount": 1,
            "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true,
              "resetOnHealthyTask": false, "thresholdConfiguration": {"type": "COUNT", "value": 4}}}}"#)
        .unwrap();
        let cb = set.deployment.circuit_breaker.unwrap();
        assert_eq!(
            (cb.reset_on_healthy_task, cb.threshold_type, cb.threshold_value),
            (false, ThresholdType::Count, 4.0)
        );
    }

    #[test]
    fn inline_toml_table() {
        let table: toml::Table = toml::from_str(
            r#"
            serviceName = "web"
            taskDefinition = "web:2"
            desiredCount = 4
            capacityProviderStrategy = [{ capacityProvider = "asg", weight = 1 }]
            placementStrategy = [{ type = "spread", field = "attribute:ecs.availability-zone" }]
            deploymentConfiguration = { strategy = "LINEAR", linearConfiguration = { stepPercent = 25 } }
            "#,
        )
        .unwrap();
        let doc: ServiceDoc = serde_json::from_value(serde_json::to_value(table).unwrap()).unwrap();
        let def = doc.validate().unwrap();
        assert_eq!(def.placement_strategy[0].kind, "spread");
        assert_eq!(
            def.deployment.strategy,
            DeploymentStrategy::Linear { step_percent: 25.0, step_bake: SimDuration::from_mins(6) }
        );
    }

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let e = parse_json("{\"serviceName\": \"s\",\n \"desiredCont\": 1}").unwrap_err();
        assert!(e.to_string().contains("unknown field `desiredCont`"), "{e}");
        assert_eq!(e.line(), 2);
        assert_eq!(suggest_for_unknown(&e.to_string()).as_deref(), Some("did you mean `desiredCount`?"));
        let nested = parse_json(
            r#"{"services": [{"serviceName": "s",
            "deploymentConfiguration": {"maximumPercnt": 150}}]}"#,
        )
        .unwrap_err();
        assert_eq!(suggest_for_unknown(&nested.to_string()).as_deref(), Some("did you mean `maximumPercent`?"));
    }

    /// Each invalid document, the field its error names, the line that field
    /// is on, and a phrase of the message.
    #[test]
    fn each_error_names_its_field_and_line() {
        let cases: &[(&str, &str, usize, &str)] = &[
            (
                "{\"serviceName\": \"s\",\n \"taskDefinition\": \"s\"}",
                "desiredCount",
                0,
                "need a `desiredCount`",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\",\n \"desiredCount\": 5001}",
                "desiredCount",
                2,
                "between 0 and 5000",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"launchType\": \"EXTERNAL\"}",
                "launchType",
                2,
                "not modelled",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1, \"launchType\": \"EC2\",\n \"capacityProviderStrategy\": [{\"capacityProvider\": \"asg\", \"weight\": 1}]}",
                "capacityProviderStrategy",
                2,
                "mutually exclusive",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"capacityProviderStrategy\": [\n{\"capacityProvider\": \"a\", \"weight\": 1, \"base\": 1},\n{\"capacityProvider\": \"b\", \"weight\": 1, \"base\": 2}]}",
                "base",
                3,
                "non-zero `base`",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"capacityProviderStrategy\": [{\"capacityProvider\": \"a\",\n \"weight\": 0}]}",
                "weight",
                3,
                "`weight` above 0",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"capacityProviderStrategy\": [{\"capacityProvider\": \"a\", \"weight\": 1}, {\"capacityProvider\": \"a\", \"weight\": 2}]}",
                "capacityProviderStrategy",
                2,
                "appears twice",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"capacityProviderStrategy\": [{\"capacityProvider\": \"FARGATE\", \"weight\": 1}, {\"capacityProvider\": \"asg\", \"weight\": 2}]}",
                "capacityProviderStrategy",
                2,
                "mixes FARGATE",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"placementStrategy\": [{\"type\": \"random\"}, {\"type\": \"random\"}, {\"type\": \"random\"}, {\"type\": \"random\"}, {\"type\": \"random\"}, {\"type\": \"random\"}]}",
                "placementStrategy",
                2,
                "at most 5",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"schedulingStrategy\": \"DAEMON\",\n \"deploymentConfiguration\": {\n \"maximumPercent\": 200}}",
                "maximumPercent",
                3,
                "DAEMON services need 100",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"schedulingStrategy\": \"DAEMON\",\n \"launchType\": \"FARGATE\"}",
                "launchType",
                2,
                "DAEMON",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\",\n \"schedulingStrategy\": \"DAEMON\", \"deploymentController\": {\"type\": \"EXTERNAL\"}}",
                "schedulingStrategy",
                2,
                "ECS deployment controller",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"schedulingStrategy\": \"DAEMON\",\n \"placementStrategy\": [{\"type\": \"random\"}]}",
                "placementStrategy",
                2,
                "no `placementStrategy`",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"deploymentConfiguration\": {\"minimumHealthyPercent\": 50,\n \"maximumPercent\": 90}}",
                "maximumPercent",
                3,
                "at least 100",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"deploymentConfiguration\": {\n \"minimumHealthyPercent\": 101}}",
                "minimumHealthyPercent",
                3,
                "between 0 and 100",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1, \"loadBalancers\": [{\"targetGroupArn\": \"tg\"}],\n \"deploymentController\": {\"type\": \"CODE_DEPLOY\"},\n \"deploymentConfiguration\": {\n \"deploymentCircuitBreaker\": {\"enable\": true, \"rollback\": true}}}",
                "deploymentCircuitBreaker",
                4,
                "only with the ECS deployment controller",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1, \"loadBalancers\": [{\"targetGroupArn\": \"tg\"}],\n \"deploymentController\": {\"type\": \"CODE_DEPLOY\"},\n \"deploymentConfiguration\": {\n \"strategy\": \"LINEAR\"}}",
                "strategy",
                4,
                "only with the ECS deployment controller",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"deploymentController\": {\"type\": \"CODE_DEPLOY\"}}",
                "deploymentController",
                2,
                "needs a load balancer",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\",\n \"bakeTimeInMinutes\": 1441}}",
                "bakeTimeInMinutes",
                3,
                "between 0 and 1440",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", \"linearConfiguration\": {\n \"stepPercent\": 2.0}}}",
                "stepPercent",
                3,
                "from 3.0 to 100.0",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"deploymentConfiguration\": {\n \"canaryConfiguration\": {\"canaryPercent\": 5}}}",
                "canaryConfiguration",
                3,
                "set strategy CANARY",
            ),
            (
                "{\"serviceName\": \"s\",\n \"taskDefinition\": \"arn:aws:ecs:us-east-1:1:service/x\", \"desiredCount\": 1}",
                "taskDefinition",
                2,
                "not of a task definition",
            ),
            (
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\", \"desiredCount\": 1,\n \"healthCheckGracePeriodSeconds\": -1}",
                "healthCheckGracePeriodSeconds",
                2,
                "between 0 and 2147483647",
            ),
        ];
        for (json, field, line, phrase) in cases {
            let (e, found) = field_error(json);
            assert_eq!(e.field, *field, "{json}: {}", e.message);
            assert!(e.message.contains(phrase), "{json}: {}", e.message);
            let expected = if *line == 0 { None } else { Some(*line) };
            assert_eq!(found, expected, "{json}: {}", e.message);
        }
    }

    #[test]
    fn error_messages_name_the_full_path() {
        let (e, _) = field_error(
            r#"{"serviceName": "s", "taskDefinition": "s", "desiredCount": 1,
            "deploymentConfiguration": {"maximumPercent": 80}}"#,
        );
        assert!(e.message.contains("`deploymentConfiguration.maximumPercent`"), "{}", e.message);
    }

    #[test]
    fn stuck_rolling_configuration_is_allowed() {
        // 100/100 leaves a rolling deployment no room to move; ECS accepts it
        // and the simulator shows the stall.
        let def = one(r#"{"serviceName": "s", "taskDefinition": "s", "desiredCount": 2,
            "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 100}}"#)
        .unwrap();
        assert_eq!((def.deployment.minimum_healthy_percent, def.deployment.maximum_percent), (100, 100));
    }
}
