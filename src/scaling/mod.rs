//! The pure decision logic of ECS auto scaling: service auto scaling through
//! Application Auto Scaling (`docs/ecs-reference.md`, §4) and cluster auto
//! scaling through capacity providers (§5). § numbers here and in the
//! submodules refer to `docs/ecs-reference.md`.
//!
//! Nothing here touches the simulation: every type is a small state machine
//! fed once per simulated minute with that minute's datapoints, and it answers
//! with a decision (a new desired count, a new ASG desired capacity) or
//! nothing. Time is [`SimTime`](crate::engine::SimTime) throughout.
//!
//! - [`alarm`]: a CloudWatch-like M-of-N metric alarm over one-minute datapoints;
//! - [`target_tracking`]: target-tracking policies with their managed alarms (§4.2);
//! - [`step`]: step-scaling policies (§4.3);
//! - [`scheduled`]: `at()`, `rate()` and `cron()` schedules and scheduled actions (§4.4);
//! - [`target`]: the scalable target (a service's desired count) that combines
//!   the policies, cooldowns, suspensions and min/max (§4.1, §4.2);
//! - [`capacity`]: capacity-provider reservation, the scale-out estimate,
//!   managed scale-in, the per-provider scaler and the strategy split (§5).

pub(crate) mod alarm;
pub(crate) mod capacity;
pub(crate) mod scheduled;
pub(crate) mod step;
pub(crate) mod target;
pub(crate) mod target_tracking;

use std::fmt;

/// A predefined ECS service metric a policy can scale on (§4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// `ECSServiceAverageCPUUtilization`: average CPU of the service's tasks, percent.
    Cpu,
    /// `ECSServiceAverageMemoryUtilization`: average memory of the service's tasks, percent.
    Memory,
    /// `ALBRequestCountPerTarget`: requests per target per minute.
    RequestsPerTarget,
}

impl MetricKind {
    /// Every metric kind, in a fixed order.
    pub const ALL: [MetricKind; 3] = [MetricKind::Cpu, MetricKind::Memory, MetricKind::RequestsPerTarget];

    /// The AWS name of the predefined metric, e.g. `ECSServiceAverageCPUUtilization`.
    pub fn aws_name(self) -> &'static str {
        match self {
            MetricKind::Cpu => "ECSServiceAverageCPUUtilization",
            MetricKind::Memory => "ECSServiceAverageMemoryUtilization",
            MetricKind::RequestsPerTarget => "ALBRequestCountPerTarget",
        }
    }

    /// A short name for causes and reports: `cpu`, `memory` or `requests`.
    pub fn short_name(self) -> &'static str {
        match self {
            MetricKind::Cpu => "cpu",
            MetricKind::Memory => "memory",
            MetricKind::RequestsPerTarget => "requests",
        }
    }

    /// Parses either the AWS name or the short name (case-insensitive).
    pub fn parse(text: &str) -> Result<MetricKind, String> {
        let wanted = text.trim();
        MetricKind::ALL
            .into_iter()
            .find(|kind| kind.aws_name().eq_ignore_ascii_case(wanted) || kind.short_name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a scaling metric; use ECSServiceAverageCPUUtilization (cpu), \
                     ECSServiceAverageMemoryUtilization (memory) or ALBRequestCountPerTarget (requests)"
                )
            })
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// One minute's service metrics. `None` is a missing datapoint: ECS
/// publishes nothing for a service with no running tasks, and an ALB with no
/// traffic publishes nothing either.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Datapoints {
    /// Average CPU utilisation of the running tasks, percent of their reservation.
    pub cpu_pct: Option<f64>,
    /// Average memory utilisation of the running tasks, percent of their reservation.
    pub memory_pct: Option<f64>,
    /// Requests per target over the minute.
    pub requests_per_target: Option<f64>,
}

impl Datapoints {
    /// The datapoint for one metric.
    pub(crate) fn get(&self, kind: MetricKind) -> Option<f64> {
        match kind {
            MetricKind::Cpu => self.cpu_pct,
            MetricKind::Memory => self.memory_pct,
            MetricKind::RequestsPerTarget => self.requests_per_target,
        }
    }
}

/// Which way a policy wants to move the capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Add capacity.
    Out,
    /// Remove capacity.
    In,
}

/// What one policy asks for this minute: a direction and the capacity it
/// would set, before the scalable target applies min/max, cooldowns and the
/// rules for combining policies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Proposal {
    /// Scale out or in.
    pub direction: Direction,
    /// The capacity the policy computed.
    pub capacity: u32,
    /// Why, for the activity log, e.g. `TargetTracking cpu AlarmHigh 3/3 datapoints > 50.0 (metric 82.3)`.
    pub cause: String,
}

/// `x` rounded up to an integer capacity, forgiving floating-point noise:
/// a value within 1e-9 of an integer counts as that integer.
pub(crate) fn ceil_capacity(x: f64) -> u32 {
    if !x.is_finite() || x <= 0.0 {
        return 0;
    }
    let nearest = x.round();
    let value = if (x - nearest).abs() < 1e-9 { nearest } else { x.ceil() };
    value.min(u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_round_trip() {
        for kind in MetricKind::ALL {
            assert_eq!(MetricKind::parse(kind.aws_name()), Ok(kind));
            assert_eq!(MetricKind::parse(kind.short_name()), Ok(kind));
        }
        assert!(MetricKind::parse("disk").unwrap_err().contains("not a scaling metric"));
    }

    #[test]
    fn ceil_capacity_forgives_noise() {
        assert_eq!(ceil_capacity(6.0), 6);
        assert_eq!(ceil_capacity(6.000_000_000_01), 6);
        assert_eq!(ceil_capacity(6.01), 7);
        assert_eq!(ceil_capacity(0.0), 0);
        assert_eq!(ceil_capacity(-3.0), 0);
        assert_eq!(ceil_capacity(3.0 * 0.1 / 0.1), 3);
    }
}
