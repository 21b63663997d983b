//! Target-tracking scaling policies (`docs/ecs-reference.md`, §4.2).
//! § numbers refer to that file.
//!
//! Application Auto Scaling manages two alarms per policy on one-minute
//! datapoints:
//!
//! - **AlarmHigh**: 3 of 3 datapoints above the target value → scale out;
//! - **AlarmLow**: 15 of 15 datapoints below `scale_in_ratio` × target → scale
//!   in. The guide only says "usually more than 10 % lower"; the ratio 0.9 is
//!   the commonly observed value (§4.2, unconfirmed), so it is a
//!   setting.
//!
//! The new capacity is proportional to the metric: `running × metric /
//! target`, computed from the **running** task count (§4.1), with the newest
//! datapoint as the metric. It is rounded **up in both directions**. The AAS
//! guide says target tracking "always acts conservatively by rounding up or
//! down when it determines how much capacity to add or remove. This prevents it
//! from adding insufficient capacity or removing too much capacity." Rounding
//! the *amount added* up and the *amount removed* down both give
//! `ceil(running × metric / target)` as the new capacity; rounding the new
//! capacity down on scale-in would remove too much. §4.2's "up when adding,
//! down when removing" is about the change, not the capacity.
//! A consequence the guide also mentions: with small capacities the metric may
//! settle visibly below target (3 tasks at 40 % of a 50 % target stay 3,
//! because ceil(2.4) = 3).
//!
//! Scale from zero (§4.1): with no running task and a present datapoint above
//! zero ("the metric indicates demand"), the policy asks for one task after a
//! single datapoint, without waiting for AlarmHigh; it then scales on the
//! running count as usual.

use super::alarm::{Alarm, AlarmConfig, Comparison};
use super::{ceil_capacity, Direction, MetricKind, Proposal};
use crate::engine::SimDuration;

/// AlarmHigh's datapoints: 3 of 3 one-minute periods (§4.2).
pub(crate) const ALARM_HIGH_DATAPOINTS: u32 = 3;
/// AlarmLow's datapoints: 15 of 15 one-minute periods (§4.2).
pub(crate) const ALARM_LOW_DATAPOINTS: u32 = 15;
/// The default scale-out and scale-in cooldown for ECS services: 300 s (§4.2).
pub(crate) const DEFAULT_COOLDOWN: SimDuration = SimDuration::from_secs(300);
/// The default AlarmLow threshold as a fraction of the target (§4.2, unconfirmed).
pub(crate) const DEFAULT_SCALE_IN_RATIO: f64 = 0.9;

/// The settings of one target-tracking policy.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTrackingConfig {
    /// The predefined metric tracked.
    pub metric: MetricKind,
    /// `TargetValue`: the metric value to hold (percent, or requests per target).
    pub target_value: f64,
    /// `ScaleOutCooldown` (default 300 s).
    pub scale_out_cooldown: SimDuration,
    /// `ScaleInCooldown` (default 300 s).
    pub scale_in_cooldown: SimDuration,
    /// `DisableScaleIn`: the policy never removes capacity (default false).
    pub disable_scale_in: bool,
    /// AlarmLow fires below `scale_in_ratio × target_value` (default 0.9, in (0, 1]).
    pub scale_in_ratio: f64,
}

impl TargetTrackingConfig {
    /// A policy tracking `target_value` of `metric`, with the defaults above.
    pub fn new(metric: MetricKind, target_value: f64) -> Self {
        TargetTrackingConfig {
            metric,
            target_value,
            scale_out_cooldown: DEFAULT_COOLDOWN,
            scale_in_cooldown: DEFAULT_COOLDOWN,
            disable_scale_in: false,
            scale_in_ratio: DEFAULT_SCALE_IN_RATIO,
        }
    }

    /// Checks a positive finite target and a ratio in (0, 1].
    pub fn validate(&self) -> Result<(), String> {
        if !(self.target_value.is_finite() && self.target_value > 0.0) {
            return Err(format!("target value must be a positive number, got {}", self.target_value));
        }
        if !(self.scale_in_ratio > 0.0 && self.scale_in_ratio <= 1.0) {
            return Err(format!("scale-in ratio must be in (0, 1], got {}", self.scale_in_ratio));
        }
        Ok(())
    }

    /// AlarmHigh: 3 of 3 datapoints above the target.
    pub fn alarm_high(&self) -> AlarmConfig {
        AlarmConfig::new(self.target_value, Comparison::GreaterThan, ALARM_HIGH_DATAPOINTS, ALARM_HIGH_DATAPOINTS)
    }

    /// AlarmLow: 15 of 15 datapoints below `scale_in_ratio × target`.
    pub fn alarm_low(&self) -> AlarmConfig {
        AlarmConfig::new(
            self.scale_in_ratio * self.target_value,
            Comparison::LessThan,
            ALARM_LOW_DATAPOINTS,
            ALARM_LOW_DATAPOINTS,
        )
    }
}

/// The capacity target tracking asks for: `ceil(running × metric / target)`,
/// rounded up in both directions (see the module documentation).
pub(crate) fn proportional_capacity(running: u32, metric: f64, target: f64) -> u32 {
    ceil_capacity(running as f64 * metric / target)
}

/// A target-tracking policy with its two managed alarms.
#[derive(Debug, Clone)]
pub(crate) struct TargetTrackingPolicy {
    name: String,
    config: TargetTrackingConfig,
    high: Alarm,
    low: Alarm,
}

impl TargetTrackingPolicy {
    /// A policy named `name` (used in activities) with fresh alarms.
    pub(crate) fn new(name: impl Into<String>, config: TargetTrackingConfig) -> Result<Self, String> {
        config.validate()?;
        let high = Alarm::new(config.alarm_high())?;
        let low = Alarm::new(config.alarm_low())?;
        Ok(TargetTrackingPolicy { name: name.into(), config, high, low })
    }

    /// The policy's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The policy's settings.
    pub(crate) fn config(&self) -> &TargetTrackingConfig {
        &self.config
    }

    /// AlarmLow.
    #[cfg(test)]
    pub(crate) fn alarm_low(&self) -> &Alarm {
        &self.low
    }

    /// Feeds this minute's datapoint of the policy's metric to both alarms.
    pub(crate) fn observe(&mut self, datapoint: Option<f64>) {
        self.high.push(datapoint);
        self.low.push(datapoint);
    }

    /// Whether AlarmLow is in ALARM and scale-in is enabled: the policy is
    /// "ready to scale in" in the sense of §4.2's multi-policy rule.
    pub(crate) fn wants_scale_in(&self) -> bool {
        !self.config.disable_scale_in && self.low.is_alarm()
    }

    /// What the policy asks for given the running task count, from the alarm
    /// states after the latest [`observe`](Self::observe):
    /// scale out on AlarmHigh, scale in on AlarmLow (unless scale-in is
    /// disabled), one task from zero on any positive datapoint, else nothing.
    /// The capacity is not clamped to min/max: the scalable target does that.
    pub(crate) fn propose(&self, running: u32) -> Option<Proposal> {
        let metric = self.config.metric;
        let target = self.config.target_value;
        if running == 0 {
            let value = self.high.latest().filter(|v| *v > 0.0)?;
            return Some(Proposal {
                direction: Direction::Out,
                capacity: 1,
                cause: format!("TargetTracking {metric} scale from zero: 1 datapoint > 0 (metric {value:.1})"),
            });
        }
        if self.high.is_alarm() {
            let value = self.high.latest()?;
            return Some(Proposal {
                direction: Direction::Out,
                capacity: proportional_capacity(running, value, target),
                cause: format!(
                    "TargetTracking {metric} AlarmHigh {} (metric {value:.1})",
                    self.high.config().describe()
                ),
            });
        }
        if self.wants_scale_in() {
            let value = self.low.latest()?;
            return Some(Proposal {
                direction: Direction::In,
                capacity: proportional_capacity(running, value, target),
                cause: format!("TargetTracking {metric} AlarmLow {} (metric {value:.1})", self.low.config().describe()),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu_policy(target: f64) -> TargetTrackingPolicy {
        TargetTrackingPolicy::new("cpu50", TargetTrackingConfig::new(MetricKind::Cpu, target)).unwrap()
    }

    #[test]
    fn step_load_scales_out_after_three_minutes_not_two() {
        let mut p = cpu_policy(50.0);
        p.observe(Some(80.0));
        assert_eq!(p.propose(4), None, "minute 1");
        p.observe(Some(80.0));
        assert_eq!(p.propose(4), None, "minute 2: not yet");
        p.observe(Some(80.0));
        let out = p.propose(4).expect("minute 3: AlarmHigh");
        assert_eq!(out.direction, Direction::Out);
        assert_eq!(out.capacity, 7, "ceil(4 × 80 / 50) = ceil(6.4)");
        assert_eq!(out.cause, "TargetTracking cpu AlarmHigh 3/3 datapoints > 50.0 (metric 80.0)");
    }

    #[test]
    fn scale_in_needs_fifteen_minutes_below_ratio_times_target() {
        let mut p = cpu_policy(50.0);
        // 44 < 45 = 0.9 × 50: breaching AlarmLow.
        for minute in 1..=14 {
            p.observe(Some(20.0));
            assert_eq!(p.propose(10), None, "minute {minute}");
        }
        p.observe(Some(20.0));
        let proposal = p.propose(10).expect("minute 15: AlarmLow");
        assert_eq!(proposal.direction, Direction::In);
        assert_eq!(proposal.capacity, 4, "ceil(10 × 20 / 50)");
        assert!(proposal.cause.starts_with("TargetTracking cpu AlarmLow 15/15 datapoints < 45.0"));
    }

    #[test]
    fn metric_between_ratio_and_target_does_nothing() {
        let mut p = cpu_policy(50.0);
        for _ in 0..30 {
            p.observe(Some(46.0));
        }
        assert_eq!(p.propose(10), None, "46 is below target but not below 45");
        let mut q = TargetTrackingPolicy::new(
            "cpu50",
            TargetTrackingConfig { scale_in_ratio: 0.95, ..TargetTrackingConfig::new(MetricKind::Cpu, 50.0) },
        )
        .unwrap();
        for _ in 0..15 {
            q.observe(Some(46.0));
        }
        assert_eq!(q.propose(10).map(|p| p.direction), Some(Direction::In), "ratio 0.95 → threshold 47.5");
    }

    #[test]
    fn scale_in_rounds_capacity_up_removing_fewer_tasks() {
        assert_eq!(proportional_capacity(10, 33.0, 50.0), 7, "6.6 → 7: remove 3, not 4");
        assert_eq!(proportional_capacity(3, 40.0, 50.0), 3, "2.4 → 3: nothing removed");
        assert_eq!(proportional_capacity(4, 75.0, 50.0), 6, "exactly 6");
        assert_eq!(proportional_capacity(4, 75.1, 50.0), 7);
    }

    #[test]
    fn disable_scale_in_keeps_the_policy_scaling_out_only() {
        let config =
            TargetTrackingConfig { disable_scale_in: true, ..TargetTrackingConfig::new(MetricKind::Cpu, 50.0) };
        let mut p = TargetTrackingPolicy::new("out-only", config).unwrap();
        for _ in 0..20 {
            p.observe(Some(5.0));
        }
        assert!(p.alarm_low().is_alarm());
        assert!(!p.wants_scale_in());
        assert_eq!(p.propose(10), None);
        for _ in 0..3 {
            p.observe(Some(90.0));
        }
        assert_eq!(p.propose(10).map(|p| p.direction), Some(Direction::Out));
    }

    #[test]
    fn missing_data_means_no_scaling() {
        let mut p = cpu_policy(50.0);
        for _ in 0..15 {
            p.observe(Some(5.0));
        }
        assert!(p.propose(10).is_some());
        p.observe(None);
        assert_eq!(p.propose(10), None);
    }

    #[test]
    fn scale_from_zero_waits_for_one_datapoint_and_asks_for_one_task() {
        let mut p =
            TargetTrackingPolicy::new("req", TargetTrackingConfig::new(MetricKind::RequestsPerTarget, 1000.0)).unwrap();
        p.observe(None);
        assert_eq!(p.propose(0), None);
        p.observe(Some(0.0));
        assert_eq!(p.propose(0), None, "no demand");
        p.observe(Some(12.0));
        let out = p.propose(0).unwrap();
        assert_eq!((out.direction, out.capacity), (Direction::Out, 1));
    }

    #[test]
    fn invalid_settings_are_rejected() {
        assert!(TargetTrackingPolicy::new("x", TargetTrackingConfig::new(MetricKind::Cpu, 0.0)).is_err());
        let bad_ratio =
            TargetTrackingConfig { scale_in_ratio: 1.5, ..TargetTrackingConfig::new(MetricKind::Cpu, 50.0) };
        assert!(TargetTrackingPolicy::new("x", bad_ratio).is_err());
    }
}
