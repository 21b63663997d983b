//! Validation of a service document into a [`ServiceDef`], with ECS's
//! defaults and limits.

use super::deployment::deployment_config;
use super::doc::{CapacityProviderStrategyItemDoc, LoadBalancerDoc, ServiceDoc};
use super::{
    err, in_range, CapacityProviderItem, DeploymentController, LoadBalancerRef, SchedulingStrategy, ServiceDef,
    MAX_DESIRED_COUNT,
};
use crate::engine::SimDuration;
use crate::model::{LaunchType, MAX_CONSTRAINTS};
use crate::scenario::tags::{validate_tags, PropagateTags};
use crate::scenario::taskdef::{FieldError, MAX_FIELD_ERRORS};

fn is_fargate_provider(name: &str) -> bool {
    name == "FARGATE" || name == "FARGATE_SPOT"
}

impl ServiceDoc {
    /// Validates the document into a [`ServiceDef`], applying ECS's defaults;
    /// the first problem only. Errors are plain sentences naming the field;
    /// the caller adds the file.
    pub fn validate(self) -> Result<ServiceDef, FieldError> {
        self.validate_all().map_err(|mut errors| errors.remove(0))
    }

    /// Validates the document, reporting every problem found (at most
    /// [`MAX_FIELD_ERRORS`]): the service's own keys in the order of the
    /// document, then `deploymentConfiguration` and `propagateTags`.
    pub fn validate_all(self) -> Result<ServiceDef, Vec<FieldError>> {
        let mut errors: Vec<FieldError> = Vec::new();
        // Keeps a value, or notes its problem and goes on with `fallback`.
        fn keep<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>, fallback: T) -> T {
            result.unwrap_or_else(|e| {
                errors.push(e);
                fallback
            })
        }
        let name = keep(
            self.service_name.ok_or_else(|| err("serviceName", "a service needs a `serviceName`")),
            &mut errors,
            String::new(),
        );
        if !errors.iter().any(|e| e.field == "serviceName")
            && (name.is_empty()
                || name.len() > 255
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            errors.push(err(
                "serviceName",
                format!("`serviceName` `{name}` must be 1 to 255 letters, numbers, hyphens and underscores"),
            ));
        }
        let task_definition = keep(task_definition_name(self.task_definition), &mut errors, String::new());

        let scheduling_strategy = match unset_if_empty(self.scheduling_strategy.as_deref()).unwrap_or("REPLICA") {
            "REPLICA" => SchedulingStrategy::Replica,
            "DAEMON" => SchedulingStrategy::Daemon,
            other => {
                errors.push(err(
                    "schedulingStrategy",
                    format!("`schedulingStrategy` `{other}` is not REPLICA or DAEMON"),
                ));
                SchedulingStrategy::Replica
            }
        };
        let daemon = scheduling_strategy == SchedulingStrategy::Daemon;
        let controller = match self
            .deployment_controller
            .as_ref()
            .and_then(|c| unset_if_empty(Some(c.kind.as_str())))
            .unwrap_or("ECS")
        {
            "ECS" => DeploymentController::Ecs,
            "CODE_DEPLOY" => DeploymentController::CodeDeploy,
            "EXTERNAL" => DeploymentController::External,
            other => {
                errors.push(err(
                    "deploymentController",
                    format!("`deploymentController.type` `{other}` is not one of ECS, CODE_DEPLOY, EXTERNAL"),
                ));
                DeploymentController::Ecs
            }
        };
        if daemon && controller != DeploymentController::Ecs {
            errors.push(err(
                "schedulingStrategy",
                "DAEMON services need the ECS deployment controller; remove `deploymentController` or use REPLICA",
            ));
        }

        // ECS ignores desiredCount for DAEMON services (describe output
        // reports one per instance), so it is dropped rather than rejected.
        let desired_count = if daemon {
            None
        } else {
            match self.desired_count {
                None => {
                    errors.push(err(
                        "desiredCount",
                        "REPLICA services need a `desiredCount` (0 or more); set it or use schedulingStrategy DAEMON",
                    ));
                    Some(0)
                }
                Some(count) => {
                    Some(keep(in_range(count, 0, MAX_DESIRED_COUNT, "desiredCount", "desiredCount"), &mut errors, 0))
                }
            }
        };

        let launch_type = match unset_if_empty(self.launch_type.as_deref()) {
            None => None,
            Some("EC2") => Some(LaunchType::Ec2),
            Some("FARGATE") => Some(LaunchType::Fargate),
            Some(other @ ("EXTERNAL" | "MANAGED_INSTANCES")) => {
                errors.push(err("launchType", format!("`launchType` {other} is not modelled; use EC2 or FARGATE")));
                None
            }
            Some(other) => {
                errors.push(err("launchType", format!("`launchType` `{other}` is not one of EC2, FARGATE")));
                None
            }
        };
        let capacity_provider_strategy =
            keep(capacity_providers(self.capacity_provider_strategy.unwrap_or_default()), &mut errors, Vec::new());
        if launch_type.is_some() && !capacity_provider_strategy.is_empty() {
            errors.push(err(
                "capacityProviderStrategy",
                "`launchType` and `capacityProviderStrategy` are mutually exclusive; remove one",
            ));
        }
        if daemon {
            if launch_type == Some(LaunchType::Fargate) {
                errors.push(err("launchType", "Fargate does not support DAEMON services; use EC2 or REPLICA"));
            }
            if capacity_provider_strategy.iter().any(|item| is_fargate_provider(&item.provider)) {
                errors.push(err(
                    "capacityProviderStrategy",
                    "Fargate capacity providers do not support DAEMON services; use EC2 capacity or REPLICA",
                ));
            }
        }

        let placement_strategy = self.placement_strategy.unwrap_or_default();
        if placement_strategy.len() > 5 {
            errors.push(err(
                "placementStrategy",
                format!("`placementStrategy` has {} items; ECS allows at most 5", placement_strategy.len()),
            ));
        }
        if daemon && !placement_strategy.is_empty() {
            errors.push(err(
                "placementStrategy",
                "DAEMON services place one task per instance and take no `placementStrategy`; remove it",
            ));
        }
        let placement_constraints = self.placement_constraints.unwrap_or_default();
        if placement_constraints.len() > MAX_CONSTRAINTS {
            errors.push(err(
                "placementConstraints",
                format!(
                    "`placementConstraints` has {} items; ECS allows at most {}",
                    placement_constraints.len(),
                    MAX_CONSTRAINTS
                ),
            ));
        }

        let deployment = deployment_config(self.deployment_configuration, daemon, controller);
        let health_check_grace_period = match self.health_check_grace_period_seconds {
            None => SimDuration::ZERO,
            Some(secs) => SimDuration::from_secs(u64::from(keep(
                in_range(secs, 0, i32::MAX as u32, "healthCheckGracePeriodSeconds", "healthCheckGracePeriodSeconds"),
                &mut errors,
                0,
            ))),
        };

        let load_balancers = keep(
            self.load_balancers.unwrap_or_default().into_iter().map(load_balancer).collect::<Result<Vec<_>, _>>(),
            &mut errors,
            Vec::new(),
        );
        if load_balancers.len() > 5 {
            errors.push(err(
                "loadBalancers",
                format!("`loadBalancers` has {} items; ECS allows at most 5 per service", load_balancers.len()),
            ));
        }
        if controller == DeploymentController::CodeDeploy && load_balancers.is_empty() {
            errors.push(err(
                "deploymentController",
                "the CODE_DEPLOY controller needs a load balancer; add `loadBalancers` with a target group",
            ));
        }

        let availability_zone_rebalancing = match unset_if_empty(self.availability_zone_rebalancing.as_deref()) {
            None | Some("ENABLED") => true,
            Some("DISABLED") => false,
            Some(other) => {
                errors.push(err(
                    "availabilityZoneRebalancing",
                    format!("`availabilityZoneRebalancing` `{other}` is not ENABLED or DISABLED"),
                ));
                true
            }
        };

        let tags = keep(validate_tags(self.tags).map_err(|e| err("tags", e)), &mut errors, Vec::new());
        let propagate_tags = PropagateTags::parse(self.propagate_tags.as_deref()).map_err(|e| err("propagateTags", e));
        let (deployment, propagate_tags) = match (deployment, propagate_tags) {
            (Ok(deployment), Ok(propagate_tags)) if errors.is_empty() => (deployment, propagate_tags),
            (deployment, propagate_tags) => {
                errors.extend(deployment.err());
                errors.extend(propagate_tags.err());
                errors.truncate(MAX_FIELD_ERRORS);
                return Err(errors);
            }
        };
        Ok(ServiceDef {
            tags,
            propagate_tags,
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

/// An enum as ECS reads it: the empty string that ecspresso files and
/// describe outputs leave (`"launchType": ""`) means unset.
fn unset_if_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::service::test_support::{field_error, one};
    use crate::scenario::service::DeploymentStrategy;

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
                "{\"serviceName\": \"s\", \"taskDefinition\": \"s\",\n \"desiredCount\": -1}",
                "desiredCount",
                2,
                "between 0 and 4294967295",
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
}
