//! The scalable target: a service's desired count under Application Auto
//! Scaling (`docs/ecs-reference.md`, §4.1; § numbers refer to that file),
//! combining its target-tracking and step policies (§4.2, §4.3) and applying
//! scheduled actions (§4.4).
//!
//! Once per simulated minute the caller passes the minute's datapoints, the
//! service's **running** task count and whether a deployment is in progress to
//! [`ScalableTarget::evaluate`]; it answers with at most one scaling activity.
//! The rules, in order:
//!
//! 1. Every policy's alarms take the datapoint of their metric (alarms keep
//!    evaluating while scaling is suspended).
//! 2. **Scale out** if any policy asks to (and `DynamicScalingOutSuspended` is
//!    off). The largest capacity asked for wins, clamped to [min, max], and is
//!    applied only if it exceeds the current desired count: a scale-out never
//!    lowers the desired count, and during a scale-out cooldown a further
//!    scale-out must be larger than the one in progress, whose added capacity
//!    counts toward the next computation (§4.2). Target tracking computes from
//!    the running count (its proportional estimate is absolute); step scaling,
//!    whose adjustments are relative, computes from the capacity before the
//!    scale-out that started the cooldown (or the running count, if smaller),
//!    as in the guide's example (+2 then +3 during the cooldown adds 1). A
//!    scale-out starts the scale-out cooldown of the winning policy and ends
//!    any scale-in cooldown (§4.2). Capacity below min is raised to min by a
//!    scale-out alarm (§4.1).
//! 3. Otherwise **scale in** unless `DynamicScalingInSuspended`, a deployment
//!    is in progress (§3.3, §4.1), or a scale-in cooldown is running. Target
//!    tracking scales in only if every target-tracking policy with scale-in
//!    enabled asks to (and at least one exists); step policies scale in on
//!    their own. The largest capacity among those asking wins, clamped to
//!    [min, max], and is applied only if it is below the current desired count
//!    (so capacity above max is lowered to max by a scale-in alarm, §4.1). A
//!    scale-in starts the winning policy's scale-in cooldown. A scale-out
//!    cooldown does not block scale-in: the guide ties scale-in only to the
//!    scale-in cooldown.
//!
//! Any policy asking to scale out, even when it cannot, rules out scale-in
//! that minute. Scheduled actions ([`ScalableTarget::apply_scheduled`]) change
//! min/max and are never blocked by cooldowns, nor do they start one.

use super::scheduled::ScheduledAction;
use super::step::StepScalingPolicy;
use super::target_tracking::TargetTrackingPolicy;
use super::{Datapoints, Direction, Proposal};
use crate::engine::{SimDuration, SimTime};

/// `SuspendedState` of a scalable target (§4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SuspendedState {
    /// `DynamicScalingInSuspended`: policies never remove capacity.
    pub dynamic_scaling_in: bool,
    /// `DynamicScalingOutSuspended`: policies never add capacity.
    pub dynamic_scaling_out: bool,
    /// `ScheduledScalingSuspended`: scheduled actions are ignored.
    pub scheduled_scaling: bool,
}

/// One change of the desired count, with why it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScalingActivity {
    /// The desired count before.
    pub from: u32,
    /// The desired count after.
    pub to: u32,
    /// Why, e.g. `TargetTracking cpu AlarmHigh 3/3 datapoints > 50.0 (metric 82.3)`.
    pub cause: String,
    /// The policy or scheduled action that caused it.
    pub policy: String,
}

/// A proposal with the policy that made it and the cooldown it would start.
struct Candidate {
    proposal: Proposal,
    policy: String,
    cooldown: SimDuration,
}

/// A service's `ecs:service:DesiredCount` registered with Application Auto Scaling.
#[derive(Debug, Clone)]
pub(crate) struct ScalableTarget {
    min: u32,
    max: u32,
    desired: u32,
    suspended: SuspendedState,
    target_tracking: Vec<TargetTrackingPolicy>,
    step_scaling: Vec<StepScalingPolicy>,
    scale_out_cooldown_until: Option<SimTime>,
    /// The desired count before the scale-out that started the current scale-out cooldown.
    scale_out_origin: u32,
    scale_in_cooldown_until: Option<SimTime>,
}

impl ScalableTarget {
    /// A target with `MinCapacity` ≤ `MaxCapacity` and the service's current
    /// desired count (not clamped: §4.1's rules bring it into range).
    pub(crate) fn new(min: u32, max: u32, desired: u32) -> Result<ScalableTarget, String> {
        if min > max {
            return Err(format!("min capacity {min} is above max capacity {max}"));
        }
        Ok(ScalableTarget {
            min,
            max,
            desired,
            suspended: SuspendedState::default(),
            target_tracking: Vec::new(),
            step_scaling: Vec::new(),
            scale_out_cooldown_until: None,
            scale_out_origin: desired,
            scale_in_cooldown_until: None,
        })
    }

    /// Adds a target-tracking policy; its metric must differ from the other
    /// target-tracking policies' (AAS allows one policy per metric).
    pub(crate) fn add_target_tracking(&mut self, policy: TargetTrackingPolicy) -> Result<(), String> {
        let metric = policy.config().metric;
        if self.target_tracking.iter().any(|p| p.config().metric == metric) {
            return Err(format!("a target-tracking policy on {} already exists", metric.aws_name()));
        }
        self.target_tracking.push(policy);
        Ok(())
    }

    /// Adds a step scaling policy.
    pub(crate) fn add_step_scaling(&mut self, policy: StepScalingPolicy) {
        self.step_scaling.push(policy);
    }

    /// `MinCapacity`.
    #[cfg(test)]
    pub(crate) fn min(&self) -> u32 {
        self.min
    }

    /// `MaxCapacity`.
    #[cfg(test)]
    pub(crate) fn max(&self) -> u32 {
        self.max
    }

    /// The desired count as auto scaling last set or was told.
    pub(crate) fn desired(&self) -> u32 {
        self.desired
    }

    /// Records a desired count set outside auto scaling (e.g. UpdateService).
    pub(crate) fn set_desired(&mut self, desired: u32) {
        self.desired = desired;
    }

    /// Replaces the suspend flags.
    #[cfg(test)]
    pub(crate) fn set_suspended(&mut self, suspended: SuspendedState) {
        self.suspended = suspended;
    }

    /// Whether a scale-out cooldown is running at `now`.
    pub(crate) fn in_scale_out_cooldown(&self, now: SimTime) -> bool {
        self.scale_out_cooldown_until.is_some_and(|until| now < until)
    }

    /// Whether a scale-in cooldown is running at `now`.
    pub(crate) fn in_scale_in_cooldown(&self, now: SimTime) -> bool {
        self.scale_in_cooldown_until.is_some_and(|until| now < until)
    }

    /// One minute of dynamic scaling (see the module documentation).
    pub(crate) fn evaluate(
        &mut self,
        now: SimTime,
        datapoints: &Datapoints,
        running: u32,
        deployment_in_progress: bool,
    ) -> Option<ScalingActivity> {
        for p in &mut self.target_tracking {
            p.observe(datapoints.get(p.config().metric));
        }
        for p in &mut self.step_scaling {
            p.observe(datapoints.get(p.metric()));
        }

        let in_out_cooldown = self.in_scale_out_cooldown(now);
        let step_base = if in_out_cooldown { running.min(self.scale_out_origin) } else { running };
        let mut outs = Vec::new();
        let mut ins = Vec::new();
        let mut tt_ins = Vec::new();
        let mut tt_scale_in_enabled = 0;
        for p in &self.target_tracking {
            let config = p.config();
            tt_scale_in_enabled += usize::from(!config.disable_scale_in);
            match p.propose(running) {
                Some(proposal) if proposal.direction == Direction::Out => {
                    outs.push(Candidate { proposal, policy: p.name().to_string(), cooldown: config.scale_out_cooldown })
                }
                Some(proposal) => tt_ins.push(Candidate {
                    proposal,
                    policy: p.name().to_string(),
                    cooldown: config.scale_in_cooldown,
                }),
                None => {}
            }
        }
        for p in &self.step_scaling {
            if let Some(proposal) = p.propose(step_base) {
                let candidate = Candidate { proposal, policy: p.name().to_string(), cooldown: p.config().cooldown };
                match candidate.proposal.direction {
                    Direction::Out => outs.push(candidate),
                    Direction::In => ins.push(candidate),
                }
            }
        }

        if !outs.is_empty() {
            if self.suspended.dynamic_scaling_out {
                return None;
            }
            let winner = largest(outs);
            let to = winner.proposal.capacity.clamp(self.min, self.max);
            if to <= self.desired {
                return None;
            }
            if !in_out_cooldown {
                self.scale_out_origin = self.desired;
            }
            self.scale_out_cooldown_until = Some(now + winner.cooldown);
            self.scale_in_cooldown_until = None;
            return Some(self.change_to(to, winner));
        }

        if self.suspended.dynamic_scaling_in || deployment_in_progress || self.in_scale_in_cooldown(now) {
            return None;
        }
        if tt_scale_in_enabled > 0 && tt_ins.len() == tt_scale_in_enabled {
            ins.push(largest(tt_ins));
        }
        if ins.is_empty() {
            return None;
        }
        let winner = largest(ins);
        let to = winner.proposal.capacity.clamp(self.min, self.max);
        if to >= self.desired {
            return None;
        }
        self.scale_in_cooldown_until = Some(now + winner.cooldown);
        Some(self.change_to(to, winner))
    }

    /// Applies a scheduled action (§4.4): sets the new min and/or max and
    /// moves the desired count into range. If only one bound is given and it
    /// crosses the other, the other follows it (a new min above the max raises
    /// the max too). Returns the activity if the desired count changed;
    /// nothing happens while `ScheduledScalingSuspended`.
    pub(crate) fn apply_scheduled(&mut self, action: &ScheduledAction) -> Option<ScalingActivity> {
        if self.suspended.scheduled_scaling {
            return None;
        }
        let mut min = action.min_capacity.unwrap_or(self.min);
        let mut max = action.max_capacity.unwrap_or(self.max);
        if min > max {
            if action.min_capacity.is_some() {
                max = min;
            } else {
                min = max;
            }
        }
        self.min = min;
        self.max = max;
        let to = self.desired.clamp(min, max);
        if to == self.desired {
            return None;
        }
        let activity = ScalingActivity {
            from: self.desired,
            to,
            cause: format!("Scheduled {} ({}): capacity range now [{min}, {max}]", action.name, action.schedule),
            policy: action.name.clone(),
        };
        self.desired = to;
        Some(activity)
    }

    fn change_to(&mut self, to: u32, winner: Candidate) -> ScalingActivity {
        let mut cause = winner.proposal.cause;
        if to != winner.proposal.capacity {
            cause.push_str(&format!("; {} clamped to [{}, {}]", winner.proposal.capacity, self.min, self.max));
        }
        let activity = ScalingActivity { from: self.desired, to, cause, policy: winner.policy };
        self.desired = to;
        activity
    }
}

/// The candidate with the largest capacity; the first one among equals.
fn largest(candidates: Vec<Candidate>) -> Candidate {
    let mut best: Option<Candidate> = None;
    for c in candidates {
        if best.as_ref().is_none_or(|b| c.proposal.capacity > b.proposal.capacity) {
            best = Some(c);
        }
    }
    best.expect("at least one candidate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::alarm::{AlarmConfig, Comparison};
    use crate::scaling::scheduled::Schedule;
    use crate::scaling::step::{AdjustmentType, StepAdjustment, StepScalingConfig};
    use crate::scaling::target_tracking::TargetTrackingConfig;
    use crate::scaling::MetricKind;

    const MIN: u64 = 60_000;

    fn minute(m: u64) -> SimTime {
        SimTime(m * MIN)
    }

    fn cpu(v: f64) -> Datapoints {
        Datapoints { cpu_pct: Some(v), ..Datapoints::default() }
    }

    fn cpu_mem(c: f64, m: f64) -> Datapoints {
        Datapoints { cpu_pct: Some(c), memory_pct: Some(m), ..Datapoints::default() }
    }

    fn tt(metric: MetricKind, target: f64) -> TargetTrackingPolicy {
        TargetTrackingPolicy::new(format!("{metric}-{target}"), TargetTrackingConfig::new(metric, target)).unwrap()
    }

    fn cpu_target(min: u32, max: u32, desired: u32) -> ScalableTarget {
        let mut t = ScalableTarget::new(min, max, desired).unwrap();
        t.add_target_tracking(tt(MetricKind::Cpu, 50.0)).unwrap();
        t
    }

    /// Feeds `dp` for minutes `from..to` with running = desired, returning the activities with their minute.
    fn run(t: &mut ScalableTarget, from: u64, to: u64, dp: Datapoints) -> Vec<(u64, ScalingActivity)> {
        (from..to)
            .filter_map(|m| {
                let running = t.desired();
                t.evaluate(minute(m), &dp, running, false).map(|a| (m, a))
            })
            .collect()
    }

    #[test]
    fn step_load_scales_out_at_minute_three_and_in_at_minute_fifteen() {
        let mut t = cpu_target(1, 20, 4);
        let out = run(&mut t, 1, 4, cpu(80.0));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, 3, "three datapoints, not two");
        assert_eq!((out[0].1.from, out[0].1.to), (4, 7));
        assert_eq!(out[0].1.cause, "TargetTracking cpu AlarmHigh 3/3 datapoints > 50.0 (metric 80.0)");
        assert_eq!(out[0].1.policy, "cpu-50");
        // Load drops: 20 % of 7 tasks. 14 minutes below 45 do nothing; the 15th scales in.
        assert!(run(&mut t, 4, 18, cpu(20.0)).is_empty(), "14 minutes below the threshold");
        let inn = run(&mut t, 18, 19, cpu(20.0));
        assert_eq!(inn.len(), 1, "the 15th minute");
        assert_eq!((inn[0].1.from, inn[0].1.to), (7, 3), "ceil(7 × 20 / 50) = ceil(2.8)");
    }

    #[test]
    fn scaling_starts_from_running_not_desired() {
        let mut t = cpu_target(1, 20, 10);
        // Only 4 of 10 run (no capacity): 100 % CPU on 4 asks for 8 < 10: nothing.
        for m in 1..=5 {
            assert_eq!(t.evaluate(minute(m), &cpu(100.0), 4, false), None);
        }
        // 6 running at 100 % asks for 12.
        let a = t.evaluate(minute(6), &cpu(100.0), 6, false).unwrap();
        assert_eq!((a.from, a.to), (10, 12));
    }

    #[test]
    fn target_tracking_cooldowns() {
        let mut t = cpu_target(1, 50, 4);
        run(&mut t, 0, 2, cpu(80.0));
        let a = t.evaluate(minute(2), &cpu(100.0), 4, false).unwrap();
        assert_eq!((a.from, a.to), (4, 8));
        assert!(t.in_scale_out_cooldown(minute(3)));
        // The new tasks are not running yet: the same load asks for 8 again → blocked (equal).
        assert_eq!(t.evaluate(minute(3), &cpu(100.0), 4, false), None);
        // Smaller: 90 % on 4 asks for 8 → blocked.
        assert_eq!(t.evaluate(minute(4), &cpu(90.0), 4, false), None);
        // Larger: 8 running at 75 % asks for 12 → goes through inside the cooldown.
        let b = t.evaluate(minute(5), &cpu(75.0), 8, false).unwrap();
        assert_eq!((b.from, b.to), (8, 12));
    }

    #[test]
    fn scale_in_cooldown_blocks_scale_in_but_not_scale_out() {
        let mut t = cpu_target(1, 50, 20);
        let acts = run(&mut t, 0, 15, cpu(10.0));
        assert_eq!(acts.len(), 1);
        assert_eq!((acts[0].1.from, acts[0].1.to), (20, 4), "ceil(20 × 10 / 50)");
        assert!(t.in_scale_in_cooldown(minute(15)));
        // Still low, 4 running at 5 %: would ask for 1, blocked for 300 s.
        for m in 15..19 {
            assert_eq!(t.evaluate(minute(m), &cpu(5.0), 4, false), None, "minute {m}");
        }
        let c = t.evaluate(minute(19), &cpu(5.0), 4, false).unwrap();
        assert_eq!((c.from, c.to), (4, 1), "cooldown over at 14 + 5 minutes");
        // A scale-out during the scale-in cooldown happens at once and ends the cooldown.
        let mut u = cpu_target(1, 50, 20);
        run(&mut u, 0, 15, cpu(10.0));
        run(&mut u, 15, 17, cpu(90.0));
        let d = u.evaluate(minute(17), &cpu(90.0), 4, false).unwrap();
        assert_eq!((d.from, d.to), (4, 8));
        assert!(!u.in_scale_in_cooldown(minute(18)));
    }

    #[test]
    fn step_scaling_cooldown_counts_capacity_in_progress() {
        // The guide's example: +2, then a more aggressive +3 in the cooldown only adds 1.
        let steps = vec![StepAdjustment::new(Some(0.0), Some(10.0), 2), StepAdjustment::new(Some(10.0), None, 3)];
        let policy = StepScalingPolicy::new(
            "steps",
            MetricKind::Cpu,
            AlarmConfig::new(50.0, Comparison::GreaterThan, 1, 1),
            StepScalingConfig::new(AdjustmentType::ChangeInCapacity, steps),
        )
        .unwrap();
        let mut t = ScalableTarget::new(1, 50, 10).unwrap();
        t.add_step_scaling(policy);
        let a = t.evaluate(minute(0), &cpu(55.0), 10, false).unwrap();
        assert_eq!((a.from, a.to), (10, 12));
        assert_eq!(t.evaluate(minute(1), &cpu(55.0), 12, false), None, "same step again: equal, blocked");
        let b = t.evaluate(minute(2), &cpu(65.0), 12, false).unwrap();
        assert_eq!((b.from, b.to), (12, 13), "+3 from 10, only 1 added");
        // The cooldown restarted at minute 2 and ends at minute 7: then the base is the running count.
        assert_eq!(t.evaluate(minute(6), &cpu(55.0), 13, false), None);
        let c = t.evaluate(minute(7), &cpu(55.0), 13, false).unwrap();
        assert_eq!((c.from, c.to), (13, 15));
    }

    #[test]
    fn disable_scale_in_leaves_scale_in_to_a_step_policy() {
        let mut t = ScalableTarget::new(1, 20, 10).unwrap();
        let config =
            TargetTrackingConfig { disable_scale_in: true, ..TargetTrackingConfig::new(MetricKind::Cpu, 50.0) };
        t.add_target_tracking(TargetTrackingPolicy::new("cpu-out", config).unwrap()).unwrap();
        assert!(run(&mut t, 0, 30, cpu(10.0)).is_empty(), "target tracking never scales in");
        let steps = vec![StepAdjustment::new(None, Some(0.0), -1)];
        t.add_step_scaling(
            StepScalingPolicy::new(
                "cpu-in",
                MetricKind::Cpu,
                AlarmConfig::new(20.0, Comparison::LessThan, 5, 5),
                StepScalingConfig::new(AdjustmentType::ChangeInCapacity, steps),
            )
            .unwrap(),
        );
        let acts = run(&mut t, 30, 35, cpu(10.0));
        assert_eq!(acts.len(), 1);
        assert_eq!((acts[0].1.to, acts[0].1.policy.as_str()), (9, "cpu-in"));
    }

    #[test]
    fn several_target_tracking_policies() {
        let make = || {
            let mut t = cpu_target(1, 40, 10);
            t.add_target_tracking(tt(MetricKind::Memory, 60.0)).unwrap();
            t
        };
        // CPU low, memory high: scale out wins.
        let mut t = make();
        let acts = run(&mut t, 0, 20, cpu_mem(10.0, 90.0));
        assert_eq!((acts[0].0, acts[0].1.to, acts[0].1.policy.as_str()), (2, 15, "memory-60"));
        // CPU low, memory on target: no scale-in (not all policies agree).
        let mut t = make();
        assert!(run(&mut t, 0, 30, cpu_mem(10.0, 58.0)).is_empty());
        // Both low: the larger capacity wins (memory 30 % of 60 → 5 vs cpu 10 % of 50 → 2).
        let mut t = make();
        let acts = run(&mut t, 0, 15, cpu_mem(10.0, 30.0));
        assert_eq!((acts[0].0, acts[0].1.to, acts[0].1.policy.as_str()), (14, 5, "memory-60"));
        // Both high: the larger capacity wins.
        let mut t = make();
        let acts = run(&mut t, 0, 3, cpu_mem(100.0, 90.0));
        assert_eq!((acts[0].1.to, acts[0].1.policy.as_str()), (20, "cpu-50"));
        // A policy with missing data blocks scale-in.
        let mut t = make();
        let dp = Datapoints { cpu_pct: Some(10.0), memory_pct: None, requests_per_target: None };
        assert!(run(&mut t, 0, 30, dp).is_empty());
        assert!(t.add_target_tracking(tt(MetricKind::Cpu, 70.0)).is_err(), "one policy per metric");
    }

    #[test]
    fn no_scale_in_during_a_deployment() {
        let mut t = cpu_target(1, 20, 10);
        for m in 0..30 {
            assert_eq!(t.evaluate(minute(m), &cpu(10.0), 10, true), None);
        }
        let a = t.evaluate(minute(30), &cpu(10.0), 10, false).unwrap();
        assert_eq!(a.to, 2, "right after the deployment ends");
        // Scale-out continues during a deployment.
        let mut u = cpu_target(1, 20, 4);
        let out: Vec<_> = (0..3).filter_map(|m| u.evaluate(minute(m), &cpu(100.0), 4, true)).collect();
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn min_and_max_clamps() {
        // Out above max → max.
        let mut t = cpu_target(1, 6, 4);
        let a = run(&mut t, 0, 3, cpu(100.0));
        assert_eq!(a[0].1.to, 6);
        assert!(a[0].1.cause.ends_with("; 8 clamped to [1, 6]"));
        // In below min → min.
        let mut t = cpu_target(5, 20, 10);
        assert_eq!(run(&mut t, 0, 15, cpu(5.0))[0].1.to, 5);
        // Desired below min: a scale-out alarm raises it to at least min…
        let mut t = cpu_target(5, 20, 2);
        let a = run(&mut t, 0, 3, cpu(60.0));
        assert_eq!((a[0].1.from, a[0].1.to), (2, 5), "ceil(2 × 60 / 50) = 3, raised to min 5");
        // …a scale-in alarm leaves it.
        let mut t = cpu_target(5, 20, 2);
        assert!(run(&mut t, 0, 30, cpu(5.0)).is_empty());
        // Desired above max: a scale-in alarm lowers it to max (or below)…
        let mut t = cpu_target(1, 8, 12);
        let acts = run(&mut t, 0, 15, cpu(40.0));
        assert_eq!((acts[0].1.from, acts[0].1.to), (12, 8), "ceil(12 × 40 / 50) = 10, lowered to max 8");
        // …a scale-out alarm leaves it.
        let mut t = cpu_target(1, 8, 12);
        assert!(run(&mut t, 0, 10, cpu(90.0)).is_empty());
    }

    #[test]
    fn scheduled_actions_move_the_bounds() {
        let at = Schedule::parse("at(1h)").unwrap();
        let mut t = cpu_target(1, 10, 3);
        // Even inside a scale-in cooldown.
        t.scale_in_cooldown_until = Some(minute(100));
        let raise = ScheduledAction::new("morning", at.clone(), Some(6), None).unwrap();
        let a = t.apply_scheduled(&raise).unwrap();
        assert_eq!((a.from, a.to, a.policy.as_str()), (3, 6, "morning"));
        assert_eq!(a.cause, "Scheduled morning (at(1h)): capacity range now [6, 10]");
        assert_eq!((t.min(), t.max(), t.desired()), (6, 10, 6));
        let lower = ScheduledAction::new("night", at.clone(), Some(0), Some(2)).unwrap();
        assert_eq!(t.apply_scheduled(&lower).map(|a| a.to), Some(2));
        let widen = ScheduledAction::new("widen", at.clone(), None, Some(30)).unwrap();
        assert_eq!(t.apply_scheduled(&widen), None, "desired already in range");
        assert_eq!(t.max(), 30);
        let high_min = ScheduledAction::new("surge", at.clone(), Some(40), None).unwrap();
        assert_eq!(t.apply_scheduled(&high_min).map(|a| a.to), Some(40));
        assert_eq!((t.min(), t.max()), (40, 40), "max follows a min above it");
        t.set_suspended(SuspendedState { scheduled_scaling: true, ..SuspendedState::default() });
        assert_eq!(t.apply_scheduled(&lower), None);
        assert_eq!((t.min(), t.max()), (40, 40));
    }

    #[test]
    fn suspended_dynamic_scaling() {
        let mut t = cpu_target(1, 20, 4);
        t.set_suspended(SuspendedState { dynamic_scaling_out: true, ..SuspendedState::default() });
        assert!(run(&mut t, 0, 5, cpu(100.0)).is_empty());
        t.set_suspended(SuspendedState::default());
        assert_eq!(run(&mut t, 5, 6, cpu(100.0)).len(), 1, "alarms kept evaluating while suspended");
        let mut u = cpu_target(1, 20, 10);
        u.set_suspended(SuspendedState { dynamic_scaling_in: true, ..SuspendedState::default() });
        assert!(run(&mut u, 0, 30, cpu(5.0)).is_empty());
    }

    #[test]
    fn scale_from_zero() {
        let mut t = ScalableTarget::new(0, 10, 0).unwrap();
        t.add_target_tracking(tt(MetricKind::RequestsPerTarget, 1000.0)).unwrap();
        let none = Datapoints::default();
        assert_eq!(t.evaluate(minute(0), &none, 0, false), None);
        let demand = Datapoints { requests_per_target: Some(300.0), ..Datapoints::default() };
        let a = t.evaluate(minute(1), &demand, 0, false).unwrap();
        assert_eq!((a.from, a.to), (0, 1), "one datapoint, the minimum amount");
        // The task is not running yet: no second scale-out.
        assert_eq!(t.evaluate(minute(2), &demand, 0, false), None);
        // No traffic for 15 minutes scales back in to zero (min 0).
        let idle = Datapoints { requests_per_target: Some(0.0), ..Datapoints::default() };
        let acts = run(&mut t, 3, 30, idle);
        assert_eq!(acts.last().map(|(_, a)| a.to), Some(0));
    }

    #[test]
    fn invalid_range_is_rejected() {
        assert!(ScalableTarget::new(5, 2, 3).is_err());
    }
}
