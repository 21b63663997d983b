//! The JSON shapes of a service as AWS spells it, and reading them from the
//! outputs of `create-service`, `update-service` and `describe-services`.

use crate::scenario::raw::{RawPlacementConstraint, RawPlacementStrategy};
use crate::scenario::tags::TagDoc;
use serde::de::IgnoredAny;
use serde::Deserialize;

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
    pub tags: Option<Vec<TagDoc>>,
    pub propagate_tags: Option<String>,
    // CreateServiceRequest fields accepted and ignored: they do not change
    // scheduling or deployments.
    pub cluster: Option<IgnoredAny>,
    pub client_token: Option<IgnoredAny>,
    pub network_configuration: Option<IgnoredAny>,
    pub platform_version: Option<IgnoredAny>,
    pub role: Option<IgnoredAny>,
    pub service_connect_configuration: Option<IgnoredAny>,
    pub service_registries: Option<IgnoredAny>,
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
    use crate::engine::SimDuration;
    use crate::error::suggest_for_unknown;
    use crate::model::LaunchType;
    use crate::scenario::service::test_support::one;
    use crate::scenario::service::{
        CapacityProviderItem, DeploymentController, DeploymentStrategy, SchedulingStrategy, ServiceDef,
    };

    #[test]
    fn create_service_input() {
        let text = include_str!("../../../scenarios/services/web-create-service.json");
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

        let file = include_str!("../../../scenarios/services/describe-services.json");
        let defs = parse_json(file).unwrap();
        assert_eq!(defs.len(), 1);
        defs.into_iter().next().unwrap().validate().unwrap();

        let empty = parse_json(r#"{"services": [], "failures": [{"reason": "MISSING"}]}"#).unwrap_err();
        assert!(empty.to_string().contains("no services"), "{empty}");
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
}
