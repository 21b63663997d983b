//! The service scheduler's rules: how many tasks a deployment may start and
//! stop (`docs/ecs-reference.md`, §3.3), the circuit breaker (§3.4), the
//! launch back-off (§3.2) and blue/green traffic shifting (§3.8, §3.9), plus
//! the state of each service and deployment that the event loop keeps. The §
//! numbers in this module refer to `docs/ecs-reference.md`.
//!
//! Everything here is pure arithmetic over counts, so the worked examples of
//! the ECS documentation are unit tests. The event loop
//! ([`crate::simulation`]) gathers the counts, asks these functions, and
//! carries out the answer.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::service::{CircuitBreaker, DeploymentStrategy, ThresholdType};
use crate::scenario::service_spec::TrafficShift;

/// `maximumPercent` as a task count: `floor(desired × max / 100)`.
pub(crate) fn maximum_tasks(desired: u32, maximum_percent: u32) -> u32 {
    (u64::from(desired) * u64::from(maximum_percent) / 100) as u32
}

/// `minimumHealthyPercent` as a task count: `ceil(desired × min / 100)`.
pub(crate) fn minimum_healthy(desired: u32, minimum_healthy_percent: u32) -> u32 {
    (u64::from(desired) * u64::from(minimum_healthy_percent)).div_ceil(100) as u32
}

/// Failed tasks that trip the circuit breaker. The classic rule is
/// `clamp(ceil(0.5 × desired), 10, 200)`, which is `BOUNDED_PERCENT` with
/// value 50; `COUNT` is the value itself; `UNBOUNDED_PERCENT` is the percent
/// of desired with no clamp (at least 1).
pub(crate) fn circuit_breaker_threshold(desired: u32, breaker: &CircuitBreaker) -> u32 {
    let percent = || (f64::from(desired) * breaker.threshold_value / 100.0).ceil() as u32;
    match breaker.threshold_type {
        ThresholdType::Count => (breaker.threshold_value.round() as u32).max(1),
        ThresholdType::BoundedPercent => percent().clamp(10, 200),
        ThresholdType::UnboundedPercent => percent().max(1),
    }
}

/// The longest launch back-off (§3.2).
pub(crate) const MAX_LAUNCH_BACKOFF: SimDuration = SimDuration::from_mins(15);

/// Delay before the next launch after `failures` consecutive tasks stopped
/// without reaching RUNNING. ECS documents only that the delay grows to at
/// most 15 minutes; the simulator doubles from `initial` (the first failure
/// waits `initial`).
pub(crate) fn launch_backoff(failures: u32, initial: SimDuration) -> SimDuration {
    if failures == 0 {
        return SimDuration::ZERO;
    }
    let factor = 1_u64 << (failures - 1).min(20);
    SimDuration(initial.0.saturating_mul(factor).min(MAX_LAUNCH_BACKOFF.0))
}

/// Counts one evaluation of a rolling deployment (or of a steady service
/// replacing lost tasks) works from. "Old" tasks are those that must go: of
/// older deployments, or on a DRAINING instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RollingCounts {
    /// The service's desired count.
    pub desired: u32,
    /// `minimumHealthyPercent`.
    pub minimum_healthy_percent: u32,
    /// `maximumPercent`.
    pub maximum_percent: u32,
    /// Tasks that count against the maximum: PROVISIONING, PENDING,
    /// RUNNING and STOPPING, of every deployment.
    pub counted_against_maximum: u32,
    /// New-deployment tasks that stay (not stopping, not on a draining instance).
    pub new_tasks: u32,
    /// Healthy tasks of every deployment, not stopping.
    pub healthy: u32,
    /// Old tasks that are healthy.
    pub old_healthy: u32,
    /// Old tasks that are not (yet) healthy: stopping them costs no health.
    pub old_unhealthy: u32,
    /// Whether the new deployment may launch tasks (not FAILED, not in back-off).
    pub may_launch: bool,
}

/// What one evaluation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RollingStep {
    /// New tasks to start.
    pub start: u32,
    /// Old, not-yet-healthy tasks to stop.
    pub stop_unhealthy: u32,
    /// Old healthy tasks to stop.
    pub stop_healthy: u32,
}

impl RollingStep {
    /// True when the step neither starts nor stops anything.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.start == 0 && self.stop_unhealthy == 0 && self.stop_healthy == 0
    }
}

/// The inferred step model of §3.3: start up to
/// `floor(desired × max) − counted` new tasks (no more than are missing),
/// and stop old tasks while `healthy − stops ≥ ceil(desired × min)`.
/// Old tasks that are not healthy are stopped first and freely.
pub(crate) fn plan_rolling(counts: &RollingCounts) -> RollingStep {
    let ceiling = maximum_tasks(counts.desired, counts.maximum_percent);
    let missing = counts.desired.saturating_sub(counts.new_tasks);
    let start = if counts.may_launch { missing.min(ceiling.saturating_sub(counts.counted_against_maximum)) } else { 0 };
    let floor = minimum_healthy(counts.desired, counts.minimum_healthy_percent);
    // Healthy old tasks may go while the healthy count stays at the floor.
    let stop_healthy = counts.old_healthy.min(counts.healthy.saturating_sub(floor));
    RollingStep { start, stop_unhealthy: counts.old_unhealthy, stop_healthy }
}

/// A deployment's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeploymentStatus {
    /// The newest.
    Primary,
    /// Older, still with tasks.
    Active,
    /// Done with.
    Inactive,
}

/// A deployment's `rolloutState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RolloutState {
    /// Under way.
    InProgress,
    /// Reached steady state.
    Completed,
    /// Tripped the circuit breaker (or was rolled back).
    Failed,
}

impl RolloutState {}

/// Where a blue/green deployment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlueGreenPhase {
    /// Starting the green tasks.
    ScalingUp,
    /// Moving production traffic, step by step.
    Shifting,
    /// All traffic on green; blue kept for the bake or termination wait.
    Baking,
    /// Stopping the blue tasks.
    CleaningUp,
}

/// How a deployment replaces tasks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeploymentKind {
    /// Rolling update under min/max percent.
    Rolling,
    /// Blue/green: green scaled up in full, then traffic shifted.
    BlueGreen {
        /// Production traffic steps: (time after the shift starts, green percent).
        steps: Vec<(SimDuration, f64)>,
        /// Wait after the last step before blue is stopped.
        bake: SimDuration,
        /// Phase.
        phase: BlueGreenPhase,
        /// Green's share of traffic now, percent.
        green_percent: f64,
    },
}

/// How a deployment ended, once it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeploymentOutcome {
    /// It reached a steady state.
    Completed,
    /// The circuit breaker stopped it.
    Failed,
    /// The circuit breaker stopped it and ECS rolled back.
    RolledBack,
    /// A newer deployment replaced it before it finished.
    Superseded,
}

/// One deployment of a service.
#[derive(Debug, Clone)]
pub(crate) struct Deployment {
    /// Its number within the service, from 1.
    pub id: u32,
    /// Task definition (scenario index).
    pub task_definition: usize,
    /// `status`.
    pub status: DeploymentStatus,
    /// `rolloutState`.
    pub rollout: RolloutState,
    /// Rolling or blue/green.
    pub kind: DeploymentKind,
    /// When it began.
    pub started: SimTime,
    /// When it completed or failed.
    pub ended: Option<SimTime>,
    /// Consecutive failed tasks (the circuit breaker's count).
    pub failed_tasks: u32,
    /// Whether the breaker still counts (it stops at the first healthy task).
    pub breaker_armed: bool,
    /// Whether a stuck deployment has been reported.
    pub reported_stuck: bool,
    /// Why it ended, for the report.
    pub outcome: Option<DeploymentOutcome>,
    /// Tasks started and failed, for the report.
    pub tasks_started: u32,
    /// Tasks that failed to start or failed health checks.
    pub tasks_failed: u32,
}

impl Deployment {
    /// A new deployment, with the circuit breaker armed.
    pub(crate) fn new(id: u32, task_definition: usize, kind: DeploymentKind, started: SimTime) -> Deployment {
        Deployment {
            id,
            task_definition,
            status: DeploymentStatus::Primary,
            rollout: RolloutState::InProgress,
            kind,
            started,
            ended: None,
            failed_tasks: 0,
            breaker_armed: true,
            reported_stuck: false,
            outcome: None,
            tasks_started: 0,
            tasks_failed: 0,
        }
    }

    /// Green's share of production traffic, percent (100 for rolling).
    pub(crate) fn traffic_percent(&self) -> f64 {
        match &self.kind {
            DeploymentKind::Rolling => 100.0,
            DeploymentKind::BlueGreen { green_percent, .. } => *green_percent,
        }
    }
}

/// The deployment kind for a service's configuration: rolling unless the
/// controller is CODE_DEPLOY (with its traffic shift) or the ECS strategy is
/// BLUE_GREEN, LINEAR or CANARY.
pub(crate) fn deployment_kind(
    code_deploy: bool,
    traffic_shift: TrafficShift,
    strategy: &DeploymentStrategy,
    bake_time: SimDuration,
    termination_wait: SimDuration,
) -> DeploymentKind {
    let steps = if code_deploy {
        match traffic_shift {
            TrafficShift::AllAtOnce => vec![(SimDuration::ZERO, 100.0)],
            TrafficShift::Linear { percent, interval } => linear_steps(percent, interval),
            TrafficShift::Canary { percent, interval } => {
                vec![(SimDuration::ZERO, percent), (interval, 100.0)]
            }
        }
    } else {
        match strategy {
            DeploymentStrategy::Rolling => return DeploymentKind::Rolling,
            DeploymentStrategy::BlueGreen => vec![(SimDuration::ZERO, 100.0)],
            DeploymentStrategy::Linear { step_percent, step_bake } => linear_steps(*step_percent, *step_bake),
            DeploymentStrategy::Canary { canary_percent, canary_bake } => {
                vec![(SimDuration::ZERO, *canary_percent), (*canary_bake, 100.0)]
            }
        }
    };
    let bake = if code_deploy { termination_wait } else { bake_time };
    DeploymentKind::BlueGreen { steps, bake, phase: BlueGreenPhase::ScalingUp, green_percent: 0.0 }
}

/// `percent` more traffic every `interval`, up to 100 % (no wait after the
/// last step).
fn linear_steps(percent: f64, interval: SimDuration) -> Vec<(SimDuration, f64)> {
    let count = (100.0 / percent).ceil().max(1.0) as u64;
    (0..count).map(|i| (SimDuration(interval.0 * i), (percent * (i + 1) as f64).min(100.0))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(kind: ThresholdType, value: f64) -> CircuitBreaker {
        CircuitBreaker {
            enable: true,
            rollback: true,
            reset_on_healthy_task: true,
            threshold_type: kind,
            threshold_value: value,
        }
    }

    #[test]
    fn rounding_rules() {
        assert_eq!(minimum_healthy(4, 50), 2);
        assert_eq!(minimum_healthy(2, 75), 2); // ceil(1.5)
        assert_eq!(maximum_tasks(4, 200), 8);
        assert_eq!(maximum_tasks(3, 125), 3); // floor(3.75)
    }

    #[test]
    fn classic_breaker_thresholds() {
        let classic = breaker(ThresholdType::BoundedPercent, 50.0);
        assert_eq!(circuit_breaker_threshold(1, &classic), 10);
        assert_eq!(circuit_breaker_threshold(25, &classic), 13);
        assert_eq!(circuit_breaker_threshold(400, &classic), 200);
        assert_eq!(circuit_breaker_threshold(800, &classic), 200);
        assert_eq!(circuit_breaker_threshold(400, &breaker(ThresholdType::Count, 3.0)), 3);
        assert_eq!(circuit_breaker_threshold(400, &breaker(ThresholdType::UnboundedPercent, 75.0)), 300);
    }

    fn steady(desired: u32, min: u32, max: u32) -> RollingCounts {
        // A deployment just began: `desired` healthy old tasks, nothing new.
        RollingCounts {
            desired,
            minimum_healthy_percent: min,
            maximum_percent: max,
            counted_against_maximum: desired,
            new_tasks: 0,
            healthy: desired,
            old_healthy: desired,
            old_unhealthy: 0,
            may_launch: true,
        }
    }

    #[test]
    fn worked_examples_of_the_developer_guide() {
        // desired 4, min 50: two old tasks may stop before any new one is healthy.
        assert_eq!(plan_rolling(&steady(4, 50, 100)), RollingStep { start: 0, stop_unhealthy: 0, stop_healthy: 2 });
        // desired 2, min 75: ceil(1.5) = 2, nothing may stop.
        assert_eq!(plan_rolling(&steady(2, 75, 100)).stop_healthy, 0);
        // desired 4, max 200: four new tasks start first.
        assert_eq!(plan_rolling(&steady(4, 100, 200)), RollingStep { start: 4, stop_unhealthy: 0, stop_healthy: 0 });
        // desired 3, max 125: floor(3.75) = 3, nothing extra starts; with min
        // 100 nothing may stop either, so the step is empty (stuck).
        assert!(plan_rolling(&steady(3, 100, 125)).is_empty());
    }

    #[test]
    fn a_failed_deployment_launches_nothing() {
        let counts = RollingCounts { may_launch: false, ..steady(4, 100, 200) };
        assert_eq!(plan_rolling(&counts).start, 0);
    }

    #[test]
    fn backoff_doubles_to_fifteen_minutes() {
        let initial = SimDuration::from_secs(10);
        assert_eq!(launch_backoff(0, initial), SimDuration::ZERO);
        assert_eq!(launch_backoff(1, initial), SimDuration::from_secs(10));
        assert_eq!(launch_backoff(3, initial), SimDuration::from_secs(40));
        assert_eq!(launch_backoff(30, initial), MAX_LAUNCH_BACKOFF);
    }

    #[test]
    fn linear_ten_percent_is_ten_steps() {
        let kind = deployment_kind(
            true,
            TrafficShift::Linear { percent: 10.0, interval: SimDuration::from_mins(1) },
            &DeploymentStrategy::Rolling,
            SimDuration::ZERO,
            SimDuration::ZERO,
        );
        let DeploymentKind::BlueGreen { steps, .. } = kind else { panic!("blue/green expected") };
        assert_eq!(steps.len(), 10);
        assert_eq!(steps[0], (SimDuration::ZERO, 10.0));
        assert_eq!(steps[9], (SimDuration::from_mins(9), 100.0));
    }
}
