//! Validation of `deploymentConfiguration`: minimum healthy and maximum
//! percent, the circuit breaker, and the rolling, blue/green, linear and
//! canary strategies.

use super::doc::{
    CanaryConfigurationDoc, DeploymentCircuitBreakerDoc, DeploymentConfigurationDoc, LinearConfigurationDoc,
};
use super::{err, in_range, CircuitBreaker, DeploymentConfig, DeploymentController, DeploymentStrategy, ThresholdType};
use crate::engine::SimDuration;
use crate::scenario::taskdef::FieldError;

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

pub(super) fn deployment_config(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::service::test_support::one;

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
    fn stuck_rolling_configuration_is_allowed() {
        // 100/100 leaves a rolling deployment no room to move; ECS accepts it
        // and the simulator shows the stall.
        let def = one(r#"{"serviceName": "s", "taskDefinition": "s", "desiredCount": 2,
            "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 100}}"#)
        .unwrap();
        assert_eq!((def.deployment.minimum_healthy_percent, def.deployment.maximum_percent), (100, 100));
    }
}
