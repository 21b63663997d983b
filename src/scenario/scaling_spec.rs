//! Auto scaling in a scenario: `[[capacity_provider]]` (an Auto Scaling
//! group over a fleet, with managed scaling), the cluster's default capacity
//! provider strategy, and a service's `[service.auto_scaling]`, validated
//! into the types of `crate::scaling`.

use super::dist::{Dist, Unit};
use super::fleet_spec::FleetSpec;
use super::raw::{RawAutoScaling, RawCapacityProvider, RawStrategyItem};
use super::validate::Validator;
use crate::engine::SimDuration;
use crate::error::InputError;
use crate::model::{NamedProvider, Provider, ProviderShare};
use crate::scaling::alarm::{AlarmConfig, Comparison};
use crate::scaling::capacity::ManagedScaling;
use crate::scaling::scheduled::{Schedule, ScheduledAction};
use crate::scaling::step::{AdjustmentType, MetricAggregation, StepAdjustment, StepScalingConfig};
use crate::scaling::target_tracking::TargetTrackingConfig;
use crate::scaling::MetricKind;

/// A validated Auto Scaling group capacity provider.
#[derive(Debug, Clone)]
pub struct CapacityProviderSpec {
    /// Its name, as strategies refer to it.
    pub name: String,
    /// The fleet that is its Auto Scaling group (index).
    pub fleet: usize,
    /// The group's min size.
    pub min_size: u32,
    /// The group's max size.
    pub max_size: u32,
    /// Managed scaling, when ENABLED.
    pub managed_scaling: Option<ManagedScaling>,
    /// Managed termination protection: only instances without non-daemon
    /// tasks are removed.
    pub termination_protection: bool,
    /// Managed draining: instances the group removes are drained first.
    pub managed_draining: bool,
    /// From the group's launch to the agent registering.
    pub instance_launch: Dist,
    /// How long a PROVISIONING task waits for capacity before it stops.
    pub provisioning_timeout: SimDuration,
}

impl NamedProvider for CapacityProviderSpec {
    fn provider_name(&self) -> &str {
        &self.name
    }
}

/// A step-scaling policy, ready for `StepScalingPolicy::new` (crate::scaling::step).
#[derive(Debug, Clone)]
pub struct StepPolicySpec {
    /// Name.
    pub name: String,
    /// The metric its alarm watches.
    pub metric: MetricKind,
    /// The alarm.
    pub alarm: AlarmConfig,
    /// The steps.
    pub config: StepScalingConfig,
}

/// A service's scalable target and policies.
#[derive(Debug, Clone)]
pub struct AutoScalingSpec {
    /// `MinCapacity`.
    pub min_capacity: u32,
    /// `MaxCapacity`.
    pub max_capacity: u32,
    /// Memory utilisation of an idle task, percent; it rises linearly to
    /// 100 % at full load.
    pub memory_baseline_pct: f64,
    /// Target-tracking policies.
    pub target_tracking: Vec<TargetTrackingConfig>,
    /// Step-scaling policies.
    pub step_scaling: Vec<StepPolicySpec>,
    /// Scheduled actions.
    pub scheduled: Vec<ScheduledAction>,
}

fn enabled(validator: &Validator<'_>, field: &str, value: Option<&str>, default: bool) -> Result<bool, InputError> {
    match value {
        None => Ok(default),
        Some("ENABLED") => Ok(true),
        Some("DISABLED") => Ok(false),
        Some(other) => Err(validator.error(field, format!("`{other}` is not ENABLED or DISABLED"))),
    }
}

impl Validator<'_> {
    /// Validates one `[[capacity_provider]]`.
    pub(super) fn capacity_provider(
        &self,
        index: usize,
        raw: &RawCapacityProvider,
        fleets: &[FleetSpec],
    ) -> Result<CapacityProviderSpec, InputError> {
        let field = format!("capacity_provider[{index}]");
        if ["FARGATE", "FARGATE_SPOT"].contains(&raw.name.as_str()) || raw.name.is_empty() {
            return Err(
                self.error(format!("{field}.name"), format!("`{}` is reserved or empty; name the provider", raw.name))
            );
        }
        let fleet = fleets.iter().position(|f| f.name == raw.fleet).ok_or_else(|| {
            let names: Vec<&str> = fleets.iter().map(|f| f.name.as_str()).collect();
            self.error(format!("{field}.fleet"), format!("no fleet `{}`", raw.fleet))
                .help(format!("fleets: {}", names.join(", ")))
        })?;
        let min_size = raw.min_size.unwrap_or(0);
        if min_size > raw.max_size {
            return Err(self.error(format!("{field}.min_size"), "min_size must not exceed max_size"));
        }
        let managed_scaling = match &raw.managed_scaling {
            None => None,
            Some(m) => {
                let on = enabled(self, &format!("{field}.managedScaling.status"), m.status.as_deref(), true)?;
                let defaults = ManagedScaling::default();
                let settings = ManagedScaling {
                    target_capacity: m.target_capacity.unwrap_or(defaults.target_capacity),
                    minimum_scaling_step_size: m
                        .minimum_scaling_step_size
                        .unwrap_or(defaults.minimum_scaling_step_size),
                    maximum_scaling_step_size: m
                        .maximum_scaling_step_size
                        .unwrap_or(defaults.maximum_scaling_step_size),
                    instance_warmup_period: m
                        .instance_warmup_period
                        .map_or(defaults.instance_warmup_period, |s| SimDuration::from_secs(u64::from(s))),
                };
                settings.validate().map_err(|e| self.error(format!("{field}.managedScaling"), e))?;
                on.then_some(settings)
            }
        };
        let termination_protection = enabled(
            self,
            &format!("{field}.managedTerminationProtection"),
            raw.managed_termination_protection.as_deref(),
            false,
        )?;
        if termination_protection && managed_scaling.is_none() {
            return Err(self
                .error(
                    format!("{field}.managedTerminationProtection"),
                    "managed termination protection needs managed scaling",
                )
                .help("enable managedScaling, or set managedTerminationProtection = \"DISABLED\""));
        }
        let managed_draining =
            enabled(self, &format!("{field}.managedDraining"), raw.managed_draining.as_deref(), true)?;
        Ok(CapacityProviderSpec {
            name: raw.name.clone(),
            fleet,
            min_size,
            max_size: raw.max_size,
            managed_scaling,
            termination_protection,
            managed_draining,
            instance_launch: self.dist(
                &format!("{field}.instance_launch"),
                raw.instance_launch.as_ref(),
                Unit::Duration,
                Dist::Uniform { min: 60_000.0, max: 180_000.0 },
            )?,
            provisioning_timeout: self.duration(
                &format!("{field}.provisioning_timeout"),
                raw.provisioning_timeout.as_deref().unwrap_or("30m"),
            )?,
        })
    }

    /// Validates a capacity provider strategy against the providers.
    pub(super) fn provider_strategy(
        &self,
        field: &str,
        items: &[(String, u32, u32)],
        providers: &[CapacityProviderSpec],
    ) -> Result<Vec<ProviderShare>, InputError> {
        let shares = items
            .iter()
            .map(|(name, base, weight)| {
                let provider = match name.as_str() {
                    "FARGATE" => Provider::Fargate,
                    "FARGATE_SPOT" => Provider::FargateSpot,
                    other => Provider::Asg(providers.iter().position(|p| p.name == other).ok_or_else(|| {
                        let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
                        self.error(field, format!("no capacity provider `{other}`")).help(format!(
                            "define it in a [[capacity_provider]]; there are: FARGATE, FARGATE_SPOT, {}",
                            names.join(", ")
                        ))
                    })?),
                };
                Ok(ProviderShare { provider, base: *base, weight: *weight })
            })
            .collect::<Result<Vec<_>, InputError>>()?;
        let fargate = shares.iter().filter(|s| !matches!(s.provider, Provider::Asg(_))).count();
        if fargate != 0 && fargate != shares.len() {
            return Err(self
                .error(field, "a strategy mixes Fargate and Auto Scaling group providers; ECS allows only one kind"));
        }
        if shares.iter().filter(|s| s.base > 0).count() > 1 {
            return Err(self.error(field, "only one provider of a strategy may have a base"));
        }
        if !shares.is_empty() && shares.iter().all(|s| s.weight == 0) {
            return Err(self.error(field, "every weight is 0, so no task could be placed; give a provider a weight"));
        }
        Ok(shares)
    }

    /// `[cluster] default_capacity_provider_strategy`.
    pub(super) fn default_strategy(
        &self,
        raw: Option<&Vec<RawStrategyItem>>,
        providers: &[CapacityProviderSpec],
    ) -> Result<Vec<ProviderShare>, InputError> {
        let items: Vec<(String, u32, u32)> = raw
            .into_iter()
            .flatten()
            .map(|i| (i.capacity_provider.clone(), i.base.unwrap_or(0), i.weight.unwrap_or(0)))
            .collect();
        self.provider_strategy("cluster.default_capacity_provider_strategy", &items, providers)
    }

    /// Validates `[service.auto_scaling]`.
    pub(super) fn auto_scaling(&self, field: &str, raw: &RawAutoScaling) -> Result<AutoScalingSpec, InputError> {
        if raw.min_capacity > raw.max_capacity {
            return Err(self.error(format!("{field}.min_capacity"), "min_capacity must not exceed max_capacity"));
        }
        let metric = |at: &str, text: &str| MetricKind::parse(text).map_err(|e| self.error(at, e));
        let cooldown = |at: &str, text: Option<&String>| -> Result<SimDuration, InputError> {
            text.map_or(Ok(crate::scaling::target_tracking::DEFAULT_COOLDOWN), |t| self.duration(at, t))
        };
        let mut target_tracking = Vec::new();
        for (i, policy) in raw.target_tracking.iter().enumerate() {
            let at = format!("{field}.target_tracking[{i}]");
            let mut config = TargetTrackingConfig::new(metric(&format!("{at}.metric"), &policy.metric)?, policy.target);
            config.scale_out_cooldown =
                cooldown(&format!("{at}.scale_out_cooldown"), policy.scale_out_cooldown.as_ref())?;
            config.scale_in_cooldown = cooldown(&format!("{at}.scale_in_cooldown"), policy.scale_in_cooldown.as_ref())?;
            config.disable_scale_in = policy.disable_scale_in.unwrap_or(false);
            if let Some(ratio) = policy.scale_in_ratio {
                config.scale_in_ratio = ratio;
            }
            config.validate().map_err(|e| self.error(&at, e))?;
            if target_tracking.iter().any(|c: &TargetTrackingConfig| c.metric == config.metric) {
                return Err(self
                    .error(format!("{at}.metric"), "two target-tracking policies track the same metric")
                    .help("Application Auto Scaling allows one target-tracking policy per metric"));
            }
            target_tracking.push(config);
        }
        let mut step_scaling = Vec::new();
        for (i, policy) in raw.step_scaling.iter().enumerate() {
            let at = format!("{field}.step_scaling[{i}]");
            let comparison =
                Comparison::parse(&policy.comparison).map_err(|e| self.error(format!("{at}.comparison"), e))?;
            let periods = policy.evaluation_periods.unwrap_or(1);
            let alarm =
                AlarmConfig::new(policy.threshold, comparison, policy.datapoints_to_alarm.unwrap_or(periods), periods);
            alarm.validate().map_err(|e| self.error(&at, e))?;
            let adjustment_type = AdjustmentType::parse(&policy.adjustment_type)
                .map_err(|e| self.error(format!("{at}.adjustment_type"), e))?;
            let steps = policy.steps.iter().map(|s| StepAdjustment::new(s.lower, s.upper, s.adjustment)).collect();
            let mut config = StepScalingConfig::new(adjustment_type, steps);
            config.min_adjustment_magnitude = policy.min_adjustment_magnitude;
            config.cooldown = cooldown(&format!("{at}.cooldown"), policy.cooldown.as_ref())?;
            if let Some(aggregation) = &policy.aggregation {
                config.aggregation =
                    MetricAggregation::parse(aggregation).map_err(|e| self.error(format!("{at}.aggregation"), e))?;
            }
            config.validate().map_err(|e| self.error(format!("{at}.steps"), e))?;
            step_scaling.push(StepPolicySpec {
                name: policy.name.clone().unwrap_or_else(|| format!("step-{i}")),
                metric: metric(&format!("{at}.metric"), &policy.metric)?,
                alarm,
                config,
            });
        }
        let mut scheduled = Vec::new();
        for (i, action) in raw.scheduled.iter().enumerate() {
            let at = format!("{field}.scheduled[{i}]");
            let schedule = Schedule::parse(&action.schedule).map_err(|e| self.error(format!("{at}.schedule"), e))?;
            let name = action.name.clone().unwrap_or_else(|| format!("scheduled-{i}"));
            scheduled.push(
                ScheduledAction::new(name, schedule, action.min_capacity, action.max_capacity)
                    .map_err(|e| self.error(&at, e))?,
            );
        }
        let memory_baseline_pct = raw.memory_baseline_pct.unwrap_or(25.0);
        if !(0.0..=100.0).contains(&memory_baseline_pct) {
            return Err(self.error(format!("{field}.memory_baseline_pct"), "must be a percent from 0 to 100"));
        }
        Ok(AutoScalingSpec {
            min_capacity: raw.min_capacity,
            max_capacity: raw.max_capacity,
            memory_baseline_pct,
            target_tracking,
            step_scaling,
            scheduled,
        })
    }
}
