//! Cluster auto scaling with capacity providers (`docs/ecs-reference.md`,
//! §5; § numbers refer to that file): the capacity-provider reservation
//! metric, the scale-out estimate, managed scale-in, the per-provider scaler,
//! and the strategy split of tasks between providers.
//!
//! The scaler's model, fed once a minute by [`CapacityProviderScaler::evaluate`]:
//!
//! - **M** (instances needed): with PROVISIONING tasks that fit the ASG's
//!   smallest instance type, `N + scale_out_step(estimate)`; otherwise the
//!   instances running at least one non-daemon task. If every PROVISIONING
//!   task is too big for the smallest type, CPR is held at 100 (§5.4 step 3:
//!   "cluster auto scaling stops and CPR remains at 100 %").
//! - **CPR** = M / N × 100 ([`capacity_provider_reservation`], §5.3).
//! - **Scale out** when CPR > `targetCapacity` for 1 of 1 minute (§5.3): the
//!   ECS-managed target-tracking policy on the ASG sets
//!   `ceil(max(N, 1) × CPR / targetCapacity)` (zero capacity counts as one, so
//!   an empty ASG with a pending task goes to 2 instances at target 100, as the
//!   guide says), only if above the ASG's desired capacity, and not while any
//!   instance — or the scaler's own last scale-out — is within
//!   `instanceWarmupPeriod` (§5.4 step 6). A scale-out request aborts a scale-in
//!   sequence (§5.5). With M = 0 nothing needs capacity and nothing scales out
//!   (the M = N = 0 → 100 convention would otherwise make an empty ASG with a
//!   target below 100 launch instances for nothing).
//! - **Scale in** when CPR < `targetCapacity` for 15 of 15 minutes (§5.3,
//!   §5.5): each minute while that holds, the desired capacity moves one step
//!   toward the ideal by [`scale_in_next`].
//! - Results are kept within the ASG's min and max, which CAS never changes.

use super::alarm::{Alarm, AlarmConfig, Comparison};
use super::ceil_capacity;
use crate::engine::{SimDuration, SimTime};

/// CAS's high alarm: 1 datapoint of 1 minute above target (§5.3).
pub(crate) const HIGH_ALARM_DATAPOINTS: u32 = 1;
/// CAS's low alarm: 15 datapoints of 15 minutes below target (§5.3, §5.5).
pub(crate) const LOW_ALARM_DATAPOINTS: u32 = 15;

/// CapacityProviderReservation = M / N × 100, with M = N = 0 → 100 and
/// M > 0, N = 0 → 200 (§5.3).
pub(crate) fn capacity_provider_reservation(needed_m: u32, running_n: u32) -> f64 {
    match (needed_m, running_n) {
        (0, 0) => 100.0,
        (_, 0) => 200.0,
        (m, n) => m as f64 / n as f64 * 100.0,
    }
}

/// The number of instances to launch for an estimate (§5.4 step 5):
/// `min_step` if the estimate is below it, else `min(max_step, estimate)`.
pub(crate) fn scale_out_step(estimate: u32, minimum_scaling_step_size: u32, maximum_scaling_step_size: u32) -> u32 {
    if estimate < minimum_scaling_step_size {
        minimum_scaling_step_size
    } else {
        estimate.min(maximum_scaling_step_size)
    }
}

/// PROVISIONING tasks with identical needs (§5.4 step 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskGroup {
    /// CPU units per task.
    pub cpu_units: u32,
    /// MiB of memory per task.
    pub memory_mib: u32,
    /// How many tasks.
    pub count: u32,
}

/// Resources of one instance type in the ASG (as registered with ECS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InstanceShape {
    /// CPU units.
    pub cpu_units: u32,
    /// MiB of memory.
    pub memory_mib: u32,
}

/// The result of [`estimate_instances`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ScaleOutEstimate {
    /// Instances of the largest type the compatible tasks binpack onto.
    pub instances: u32,
    /// Tasks counted in the estimate.
    pub compatible_tasks: u32,
    /// Tasks left out because they do not fit the smallest type.
    pub excluded_tasks: u32,
}

/// Estimates the instances PROVISIONING tasks need (§5.4 steps 3–4). Only CPU
/// and memory are modelled (not ENIs, ports or GPUs).
///
/// The smallest and largest "types" are taken per dimension: the smallest CPU
/// and the smallest memory of any type, the largest likewise. A group that
/// does not fit the smallest (more CPU or more memory than it) is excluded.
/// The rest are binpacked first-fit onto instances of the largest size,
/// biggest tasks first (by CPU, then memory; ties in input order).
pub(crate) fn estimate_instances(groups: &[TaskGroup], types: &[InstanceShape]) -> ScaleOutEstimate {
    let mut estimate = ScaleOutEstimate::default();
    let Some(smallest_cpu) = types.iter().map(|t| t.cpu_units).min() else {
        estimate.excluded_tasks = groups.iter().map(|g| g.count).sum();
        return estimate;
    };
    let smallest_memory = types.iter().map(|t| t.memory_mib).min().unwrap_or(0);
    let largest = InstanceShape {
        cpu_units: types.iter().map(|t| t.cpu_units).max().unwrap_or(0),
        memory_mib: types.iter().map(|t| t.memory_mib).max().unwrap_or(0),
    };
    let mut compatible: Vec<TaskGroup> = Vec::new();
    for g in groups.iter().filter(|g| g.count > 0) {
        if g.cpu_units > smallest_cpu || g.memory_mib > smallest_memory {
            estimate.excluded_tasks += g.count;
        } else {
            estimate.compatible_tasks += g.count;
            compatible.push(*g);
        }
    }
    compatible.sort_by_key(|g| std::cmp::Reverse((g.cpu_units, g.memory_mib)));
    // Free (cpu, memory) per open instance.
    let mut bins: Vec<(u32, u32)> = Vec::new();
    let fits = |free: (u32, u32), g: &TaskGroup| -> u32 {
        let by = |free: u32, need: u32| free.checked_div(need).unwrap_or(u32::MAX);
        by(free.0, g.cpu_units).min(by(free.1, g.memory_mib))
    };
    for g in &compatible {
        let mut left = g.count;
        for bin in bins.iter_mut() {
            if left == 0 {
                break;
            }
            let k = fits(*bin, g).min(left);
            bin.0 -= k * g.cpu_units;
            bin.1 -= k * g.memory_mib;
            left -= k;
        }
        if left > 0 {
            let per_bin = fits((largest.cpu_units, largest.memory_mib), g).max(1);
            while left > 0 {
                let k = per_bin.min(left);
                bins.push((largest.cpu_units - k * g.cpu_units, largest.memory_mib - k * g.memory_mib));
                left -= k;
            }
        }
    }
    estimate.instances = bins.len() as u32;
    estimate
}

/// The next ASG desired capacity of a managed scale-in step (§5.5).
///
/// The guide says the desired capacity shrinks by "more than one instance and
/// less than 50 %" a minute. The rule implemented: the ideal size is
/// `ceil((current − empty) × 100 / target_capacity)` (what target tracking
/// would ask for); each minute at most `max(1, (current − 1) / 2)` instances
/// go — strictly under half whenever `current ≥ 3`, at least one so that 2 → 1
/// → 0 is reachable — and never past the ideal. Since the ideal keeps every
/// non-empty instance, only empty instances are ever removed.
/// Example, 10 instances all empty: 10 → 6 → 4 → 3 → 2 → 1 → 0.
pub(crate) fn scale_in_next(current: u32, empty: u32, target_capacity: u32) -> u32 {
    let busy = current.saturating_sub(empty);
    let ideal = ceil_capacity(busy as f64 * 100.0 / target_capacity.max(1) as f64);
    if ideal >= current {
        return current;
    }
    let max_step = ((current - 1) / 2).max(1);
    current - (current - ideal).min(max_step)
}

/// `ManagedScaling` settings of a capacity provider (§5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedScaling {
    /// `targetCapacity`, 1–100 (default 100).
    pub target_capacity: u32,
    /// `minimumScalingStepSize`, 1–10000 (default 1).
    pub minimum_scaling_step_size: u32,
    /// `maximumScalingStepSize`, 1–10000 (default 10000).
    pub maximum_scaling_step_size: u32,
    /// `instanceWarmupPeriod`, 0–10000 s (default 300 s).
    pub instance_warmup_period: SimDuration,
}

impl Default for ManagedScaling {
    fn default() -> Self {
        ManagedScaling {
            target_capacity: 100,
            minimum_scaling_step_size: 1,
            maximum_scaling_step_size: 10_000,
            instance_warmup_period: SimDuration::from_secs(300),
        }
    }
}

impl ManagedScaling {
    /// Checks the API's ranges and min step ≤ max step.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.target_capacity) {
            return Err(format!("targetCapacity must be 1-100, got {}", self.target_capacity));
        }
        for (name, v) in [
            ("minimumScalingStepSize", self.minimum_scaling_step_size),
            ("maximumScalingStepSize", self.maximum_scaling_step_size),
        ] {
            if !(1..=10_000).contains(&v) {
                return Err(format!("{name} must be 1-10000, got {v}"));
            }
        }
        if self.minimum_scaling_step_size > self.maximum_scaling_step_size {
            return Err(format!(
                "minimumScalingStepSize {} is above maximumScalingStepSize {}",
                self.minimum_scaling_step_size, self.maximum_scaling_step_size
            ));
        }
        if self.instance_warmup_period > SimDuration::from_secs(10_000) {
            return Err(format!("instanceWarmupPeriod must be 0-10000 s, got {}", self.instance_warmup_period));
        }
        Ok(())
    }
}

/// One minute's view of a capacity provider's ASG.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CasObservation {
    /// N: instances running and registered in the cluster.
    pub instances: u32,
    /// Instances running at least one non-daemon task.
    pub non_empty_instances: u32,
    /// [`ScaleOutEstimate::instances`] for this provider's PROVISIONING tasks (0 if none).
    pub provisioning_estimate: u32,
    /// PROVISIONING tasks too big for the smallest instance type ([`ScaleOutEstimate::excluded_tasks`]).
    pub excluded_provisioning_tasks: u32,
    /// Launch time of the newest instance, if any (for the warm-up rule).
    pub newest_launch: Option<SimTime>,
    /// The ASG's desired capacity now.
    pub asg_desired: u32,
    /// The ASG's min size.
    pub asg_min: u32,
    /// The ASG's max size.
    pub asg_max: u32,
}

/// A new ASG desired capacity and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CasDecision {
    /// Desired capacity before.
    pub from: u32,
    /// Desired capacity after.
    pub to: u32,
    /// The CPR that drove it.
    pub cpr: f64,
    /// Why, e.g. `CPR 200.0 > target 100 (M 1, N 0)`.
    pub cause: String,
}

/// M and CPR for an observation (see the module documentation).
pub(crate) fn reservation(settings: &ManagedScaling, obs: &CasObservation) -> (u32, f64) {
    let n = obs.instances;
    let m = if obs.provisioning_estimate > 0 {
        n + scale_out_step(
            obs.provisioning_estimate,
            settings.minimum_scaling_step_size,
            settings.maximum_scaling_step_size,
        )
    } else if obs.excluded_provisioning_tasks > 0 {
        n // hold CPR at 100
    } else {
        obs.non_empty_instances
    };
    (m, capacity_provider_reservation(m, n))
}

/// The ECS-managed scaling of one ASG capacity provider.
#[derive(Debug, Clone)]
pub(crate) struct CapacityProviderScaler {
    settings: ManagedScaling,
    high: Alarm,
    low: Alarm,
    last_scale_out: Option<SimTime>,
    last_cpr: Option<f64>,
}

impl CapacityProviderScaler {
    /// A scaler with fresh alarms.
    pub(crate) fn new(settings: ManagedScaling) -> Result<CapacityProviderScaler, String> {
        settings.validate()?;
        let target = settings.target_capacity as f64;
        let high = Alarm::new(AlarmConfig::new(
            target,
            Comparison::GreaterThan,
            HIGH_ALARM_DATAPOINTS,
            HIGH_ALARM_DATAPOINTS,
        ))?;
        let low =
            Alarm::new(AlarmConfig::new(target, Comparison::LessThan, LOW_ALARM_DATAPOINTS, LOW_ALARM_DATAPOINTS))?;
        Ok(CapacityProviderScaler { settings, high, low, last_scale_out: None, last_cpr: None })
    }

    /// The CPR published at the last evaluation.
    pub(crate) fn last_cpr(&self) -> Option<f64> {
        self.last_cpr
    }

    /// Whether an instance (or the scaler's own last scale-out) is still within the warm-up period.
    pub(crate) fn warming_up(&self, now: SimTime, obs: &CasObservation) -> bool {
        let warmup = self.settings.instance_warmup_period;
        [obs.newest_launch, self.last_scale_out].into_iter().flatten().any(|t| now < t + warmup)
    }

    /// One minute of cluster auto scaling: publishes CPR to the alarms and
    /// returns a new ASG desired capacity, if any.
    pub(crate) fn evaluate(&mut self, now: SimTime, obs: &CasObservation) -> Option<CasDecision> {
        let (m, cpr) = reservation(&self.settings, obs);
        self.last_cpr = Some(cpr);
        self.high.push(Some(cpr));
        self.low.push(Some(cpr));
        let target = self.settings.target_capacity;
        let n = obs.instances;
        if self.high.is_alarm() {
            self.low.reset(); // a scale-out request aborts the scale-in sequence (§5.5)
            if m == 0 || self.warming_up(now, obs) {
                return None;
            }
            let wanted = ceil_capacity(n.max(1) as f64 * cpr / target as f64);
            let to = wanted.min(obs.asg_max).max(obs.asg_min);
            if to <= obs.asg_desired {
                return None;
            }
            self.last_scale_out = Some(now);
            return Some(CasDecision {
                from: obs.asg_desired,
                to,
                cpr,
                cause: format!("CPR {cpr:.1} > target {target} (M {m}, N {n})"),
            });
        }
        if self.low.is_alarm() {
            let current = obs.asg_desired;
            let empty = current.saturating_sub(obs.non_empty_instances);
            let to = scale_in_next(current, empty, target).max(obs.asg_min);
            if to >= current {
                return None;
            }
            return Some(CasDecision {
                from: current,
                to,
                cpr,
                cause: format!("CPR {cpr:.1} < target {target} for {LOW_ALARM_DATAPOINTS} minutes (M {m}, N {n})"),
            });
        }
        None
    }
}

/// One item of a capacity provider strategy (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrategyItem {
    /// `base`: tasks that go to this provider first (0–100,000; one provider at most).
    pub base: u32,
    /// `weight`: share of the tasks beyond the base (0–1000).
    pub weight: u32,
}

/// The provider for the next task, given the service's tasks per provider
/// (`counts`, same order as `items`; the strategy is assumed valid).
///
/// The base provider takes tasks until it holds `base`. After that
/// (§5.1, INFERRED), each task goes to the provider with weight > 0 whose
/// share of the tasks beyond the base is furthest below `weight / Σweight`
/// once this task is counted: the largest `weight × (T + 1) / Σweight − c`,
/// where `c` is its count beyond its base and `T` the sum of those counts.
/// Ties go to the lowest index. Weight-0 providers get nothing beyond their base.
pub(crate) fn pick_provider(items: &[StrategyItem], counts: &[u32]) -> usize {
    if let Some(b) = items.iter().position(|i| i.base > 0) {
        if counts.get(b).copied().unwrap_or(0) < items[b].base {
            return b;
        }
    }
    let beyond = |i: usize| counts.get(i).copied().unwrap_or(0).saturating_sub(items[i].base) as i128;
    let weighted: Vec<usize> = (0..items.len()).filter(|&i| items[i].weight > 0).collect();
    let total_weight: i128 = weighted.iter().map(|&i| items[i].weight as i128).sum();
    let next_total: i128 = weighted.iter().map(|&i| beyond(i)).sum::<i128>() + 1;
    let mut best = weighted[0];
    let mut best_deficit = i128::MIN;
    for &i in &weighted {
        // deficit × Σweight, in integers.
        let deficit = items[i].weight as i128 * next_total - beyond(i) * total_weight;
        if deficit > best_deficit {
            best = i;
            best_deficit = deficit;
        }
    }
    best
}

/// Splits `new_tasks` between the providers of a strategy, one task at a time
/// by [`pick_provider`], given the service's tasks already on each provider:
/// how the tests drive the worked examples. Returns the new tasks per provider.
#[cfg(test)]
fn split_tasks(items: &[StrategyItem], already_running: &[u32], new_tasks: u32) -> Result<Vec<u32>, String> {
    if already_running.len() != items.len() {
        return Err(format!("{} running counts for a strategy of {} providers", already_running.len(), items.len()));
    }
    let mut counts = already_running.to_vec();
    let mut split = vec![0u32; items.len()];
    for _ in 0..new_tasks {
        let i = pick_provider(items, &counts);
        counts[i] += 1;
        split[i] += 1;
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    fn minute(m: u64) -> SimTime {
        SimTime(m * MIN)
    }

    #[test]
    fn reservation_values() {
        assert_eq!(capacity_provider_reservation(6, 4), 150.0, "4 running, 2 more needed");
        assert_eq!(capacity_provider_reservation(0, 0), 100.0);
        assert_eq!(capacity_provider_reservation(3, 0), 200.0);
        assert_eq!(capacity_provider_reservation(4, 4), 100.0);
        assert_eq!(capacity_provider_reservation(3, 4), 75.0);
    }

    #[test]
    fn scale_out_step_is_clamped_by_min_and_max_step() {
        assert_eq!(scale_out_step(1, 2, 10), 2, "below the min step");
        assert_eq!(scale_out_step(5, 2, 10), 5);
        assert_eq!(scale_out_step(50, 2, 10), 10, "above the max step");
        assert_eq!(scale_out_step(2, 2, 2), 2);
    }

    #[test]
    fn estimate_excludes_groups_too_big_for_the_smallest_type_and_binpacks_the_rest() {
        let types =
            [InstanceShape { cpu_units: 2048, memory_mib: 8192 }, InstanceShape { cpu_units: 4096, memory_mib: 4096 }];
        // Per dimension: smallest 2048 CPU / 4096 MiB, largest 4096 CPU / 8192 MiB.
        let groups = [
            TaskGroup { cpu_units: 1024, memory_mib: 2048, count: 7 }, // 4 per largest instance
            TaskGroup { cpu_units: 4096, memory_mib: 1024, count: 3 }, // more CPU than the smallest: excluded
            TaskGroup { cpu_units: 512, memory_mib: 512, count: 2 },   // fills the gap left by the first group
        ];
        let e = estimate_instances(&groups, &types);
        assert_eq!(e.excluded_tasks, 3);
        assert_eq!(e.compatible_tasks, 9);
        assert_eq!(e.instances, 2, "7 × (1024, 2048) take 2 instances, 2 × (512, 512) fit in the second");
        let all_excluded = estimate_instances(&groups[1..2], &types);
        assert_eq!((all_excluded.instances, all_excluded.excluded_tasks), (0, 3));
        assert_eq!(estimate_instances(&groups, &[]).excluded_tasks, 12);
        assert_eq!(estimate_instances(&[], &types), ScaleOutEstimate::default());
    }

    #[test]
    fn scale_in_steps_are_gradual() {
        let mut sizes = vec![10];
        while *sizes.last().unwrap() > 0 {
            let current = *sizes.last().unwrap();
            sizes.push(scale_in_next(current, current, 100));
        }
        assert_eq!(sizes, [10, 6, 4, 3, 2, 1, 0]);
        assert_eq!(scale_in_next(10, 2, 100), 8, "only the empty instances go");
        assert_eq!(scale_in_next(10, 0, 100), 10);
        assert_eq!(scale_in_next(10, 5, 90), 6, "keeps ceil(5 / 0.9) = 6 for 10 % spare");
        assert_eq!(scale_in_next(100, 100, 100), 51, "under 50 % a minute");
    }

    fn obs(instances: u32, non_empty: u32, estimate: u32, desired: u32) -> CasObservation {
        CasObservation {
            instances,
            non_empty_instances: non_empty,
            provisioning_estimate: estimate,
            excluded_provisioning_tasks: 0,
            newest_launch: None,
            asg_desired: desired,
            asg_min: 0,
            asg_max: 100,
        }
    }

    #[test]
    fn scaler_scales_out_on_one_datapoint_and_waits_for_warmup() {
        let mut s = CapacityProviderScaler::new(ManagedScaling::default()).unwrap();
        let d = s.evaluate(minute(0), &obs(0, 0, 3, 0)).unwrap();
        assert_eq!((d.from, d.to, d.cpr), (0, 2, 200.0), "zero capacity counts as one: 2 instances");
        assert_eq!(d.cause, "CPR 200.0 > target 100 (M 3, N 0)");
        // Instances launching: no further scale-out for 300 s.
        let mut o = obs(2, 2, 3, 2);
        o.newest_launch = Some(minute(1));
        for m in 1..6 {
            assert_eq!(s.evaluate(minute(m), &o), None, "minute {m}");
        }
        let d = s.evaluate(minute(6), &o).unwrap();
        assert_eq!((d.from, d.to), (2, 5), "M = 2 + 3, CPR 250");
    }

    #[test]
    fn scaler_scale_out_uses_the_step_sizes() {
        let settings =
            ManagedScaling { minimum_scaling_step_size: 2, maximum_scaling_step_size: 4, ..ManagedScaling::default() };
        let mut s = CapacityProviderScaler::new(settings).unwrap();
        assert_eq!(s.evaluate(minute(0), &obs(4, 4, 1, 4)).map(|d| d.to), Some(6), "estimate 1 → min step 2");
        let mut s = CapacityProviderScaler::new(settings).unwrap();
        assert_eq!(s.evaluate(minute(0), &obs(4, 4, 9, 4)).map(|d| d.to), Some(8), "estimate 9 → max step 4");
        // The ASG max caps it; CAS does not change min/max.
        let mut s = CapacityProviderScaler::new(settings).unwrap();
        let capped = CasObservation { asg_max: 5, ..obs(4, 4, 9, 4) };
        assert_eq!(s.evaluate(minute(0), &capped).map(|d| d.to), Some(5));
        let mut s = CapacityProviderScaler::new(settings).unwrap();
        let full = CasObservation { asg_max: 4, ..obs(4, 4, 9, 4) };
        assert_eq!(s.evaluate(minute(0), &full), None);
    }

    #[test]
    fn target_capacity_below_100_keeps_spare_instances() {
        let settings = ManagedScaling { target_capacity: 80, ..ManagedScaling::default() };
        let mut s = CapacityProviderScaler::new(settings).unwrap();
        // 8 busy of 8: CPR 100 > 80 → ceil(8 × 100 / 80) = 10.
        assert_eq!(s.evaluate(minute(0), &obs(8, 8, 0, 8)).map(|d| d.to), Some(10));
        // An empty ASG with nothing to run does not scale out.
        let mut s = CapacityProviderScaler::new(settings).unwrap();
        assert_eq!(s.evaluate(minute(0), &obs(0, 0, 0, 0)), None);
    }

    #[test]
    fn scaler_scales_in_after_fifteen_minutes_gradually() {
        let mut s = CapacityProviderScaler::new(ManagedScaling::default()).unwrap();
        let idle = obs(10, 2, 0, 10); // CPR 20
        for m in 0..14 {
            assert_eq!(s.evaluate(minute(m), &idle), None, "minute {m}");
        }
        let d = s.evaluate(minute(14), &idle).unwrap();
        assert_eq!((d.from, d.to), (10, 6), "the 15th minute: 4 of 10, under half");
        let d = s.evaluate(minute(15), &obs(6, 2, 0, 6)).unwrap();
        assert_eq!((d.from, d.to), (6, 4));
        assert_eq!(s.evaluate(minute(16), &obs(4, 2, 0, 4)).map(|d| d.to), Some(3), "one at a time from 4");
        assert_eq!(s.evaluate(minute(17), &obs(3, 2, 0, 3)).map(|d| d.to), Some(2));
        assert_eq!(s.evaluate(minute(18), &obs(2, 2, 0, 2)), None, "CPR 100: only the busy 2 are left");
        // A scale-out request aborts the sequence: 15 more minutes are needed.
        let mut s = CapacityProviderScaler::new(ManagedScaling::default()).unwrap();
        for m in 0..10 {
            s.evaluate(minute(m), &idle);
        }
        s.evaluate(minute(10), &obs(10, 10, 1, 11));
        for m in 11..25 {
            assert_eq!(s.evaluate(minute(m), &idle), None, "minute {m}");
        }
        assert!(s.evaluate(minute(25), &idle).is_some());
        // The ASG min is respected.
        let mut s = CapacityProviderScaler::new(ManagedScaling::default()).unwrap();
        let mut floor = CasObservation { asg_min: 9, ..idle };
        let mut decisions = Vec::new();
        for m in 0..20 {
            if let Some(d) = s.evaluate(minute(m), &floor) {
                decisions.push(d.to);
                (floor.asg_desired, floor.instances) = (d.to, d.to);
            }
        }
        assert_eq!(decisions, [9]);
    }

    #[test]
    fn oversized_provisioning_tasks_hold_cpr_at_100() {
        let mut s = CapacityProviderScaler::new(ManagedScaling::default()).unwrap();
        let stuck = CasObservation { excluded_provisioning_tasks: 5, ..obs(3, 1, 0, 3) };
        for m in 0..30 {
            assert_eq!(s.evaluate(minute(m), &stuck), None);
        }
        assert_eq!(s.last_cpr(), Some(100.0));
    }

    #[test]
    fn settings_validation() {
        assert!(ManagedScaling::default().validate().is_ok());
        assert!(ManagedScaling { target_capacity: 0, ..ManagedScaling::default() }.validate().is_err());
        assert!(ManagedScaling {
            minimum_scaling_step_size: 5,
            maximum_scaling_step_size: 2,
            ..ManagedScaling::default()
        }
        .validate()
        .is_err());
        assert!(
            CapacityProviderScaler::new(ManagedScaling { target_capacity: 101, ..ManagedScaling::default() }).is_err()
        );
    }

    #[test]
    fn base_then_weights() {
        // Provider A: base 2, weight 1. Provider B: weight 3. 10 tasks:
        // A takes the base 2, the other 8 split 1:3 → A 2 more, B 6. A = 2 + 2 = 4, B = 6.
        let items = [StrategyItem { base: 2, weight: 1 }, StrategyItem { base: 0, weight: 3 }];
        assert_eq!(split_tasks(&items, &[0, 0], 10), Ok(vec![4, 6]));
        // Counts already running are honoured: the base is filled, the ratio kept.
        // A holds its base and B 3: 4 more make 2 : 5 beyond the base, the closest to 1 : 3 (1.75 : 5.25).
        assert_eq!(split_tasks(&items, &[2, 3], 4), Ok(vec![2, 2]));
        assert_eq!(split_tasks(&items, &[1, 0], 1), Ok(vec![1, 0]), "the base comes first");
        // Deterministic order and ties to the lowest index.
        let even = [StrategyItem { base: 0, weight: 1 }, StrategyItem { base: 0, weight: 1 }];
        let order: Vec<usize> = (0..4)
            .scan(vec![0u32, 0], |counts, _| {
                let i = pick_provider(&even, counts);
                counts[i] += 1;
                Some(i)
            })
            .collect();
        assert_eq!(order, [0, 1, 0, 1]);
    }

    #[test]
    fn weight_zero_gets_only_its_base() {
        let items = [StrategyItem { base: 3, weight: 0 }, StrategyItem { base: 0, weight: 1 }];
        assert_eq!(split_tasks(&items, &[0, 0], 10), Ok(vec![3, 7]));
        let items = [
            StrategyItem { base: 0, weight: 1 },
            StrategyItem { base: 0, weight: 0 },
            StrategyItem { base: 0, weight: 4 },
        ];
        assert_eq!(split_tasks(&items, &[0, 0, 0], 10), Ok(vec![2, 0, 8]));
    }

    #[test]
    fn split_checks_the_running_counts() {
        let ok = [StrategyItem { base: 0, weight: 1 }];
        assert!(split_tasks(&ok, &[0, 0], 1).is_err(), "length mismatch");
    }
}
