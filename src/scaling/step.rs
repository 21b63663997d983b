//! Step scaling policies (`docs/ecs-reference.md`, §4.3; § numbers refer to
//! that file).
//!
//! The user owns the alarm (threshold, comparison, M of N). While it is in
//! ALARM, the policy aggregates the datapoints of the alarm's evaluation
//! window (`MetricAggregationType`: Average, Minimum or Maximum; the guide
//! says "the most recent metric data points"), takes the offset of that value
//! from the threshold, and applies the step adjustment whose bounds contain
//! the offset:
//!
//! - above the threshold the lower bound is inclusive and the upper bound
//!   exclusive, below it the reverse (§4.3); exactly at the threshold (only an
//!   `>=` or `<=` alarm breaches there) the rule of the alarm's side applies;
//! - `None` bounds are ±∞; ranges must not overlap or leave gaps, at most one
//!   step may be unbounded below and one above, no step may be unbounded on
//!   both sides, and a negative lower bound (positive upper bound) requires a
//!   step unbounded below (above) — [`validate_steps`].
//!
//! Adjustment types: `ChangeInCapacity` adds the adjustment, `ExactCapacity`
//! sets it, `PercentChangeInCapacity` adds that percent of the current
//! capacity rounded by [`round_percent_change`] (values above 1 round down,
//! between 0 and 1 become 1, between −1 and 0 become −1, below −1 round toward
//! zero), then raised to `MinAdjustmentMagnitude` if smaller. The current
//! capacity is the running task count (§4.1); the scalable target substitutes
//! the pre-scale-out capacity during a scale-out cooldown (see
//! [`target`](super::target)). `Cooldown` defaults to 300 s.

use super::alarm::{Alarm, AlarmConfig};
use super::{Direction, MetricKind, Proposal};
use crate::engine::SimDuration;
use std::fmt;

/// The default step-scaling cooldown: 300 s (§4.3).
pub(crate) const DEFAULT_COOLDOWN: SimDuration = SimDuration::from_secs(300);

/// `AdjustmentType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // AWS's own names for the adjustment types
pub enum AdjustmentType {
    /// Add the adjustment (negative removes).
    ChangeInCapacity,
    /// Add the adjustment as a percent of the current capacity.
    PercentChangeInCapacity,
    /// Set the capacity to the adjustment.
    ExactCapacity,
}

impl AdjustmentType {
    /// Parses the AWS name.
    pub fn parse(text: &str) -> Result<AdjustmentType, String> {
        match text.trim() {
            "ChangeInCapacity" => Ok(AdjustmentType::ChangeInCapacity),
            "PercentChangeInCapacity" => Ok(AdjustmentType::PercentChangeInCapacity),
            "ExactCapacity" => Ok(AdjustmentType::ExactCapacity),
            _ => Err(format!(
                "`{text}` is not an adjustment type; use ChangeInCapacity, PercentChangeInCapacity or ExactCapacity"
            )),
        }
    }
}

impl fmt::Display for AdjustmentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdjustmentType::ChangeInCapacity => "ChangeInCapacity",
            AdjustmentType::PercentChangeInCapacity => "PercentChangeInCapacity",
            AdjustmentType::ExactCapacity => "ExactCapacity",
        })
    }
}

/// `MetricAggregationType` (absent = Average).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricAggregation {
    /// Mean of the window's datapoints.
    #[default]
    Average,
    /// Smallest datapoint.
    Minimum,
    /// Largest datapoint.
    Maximum,
}

impl MetricAggregation {
    /// Parses the AWS name.
    pub fn parse(text: &str) -> Result<MetricAggregation, String> {
        match text.trim() {
            "Average" => Ok(MetricAggregation::Average),
            "Minimum" => Ok(MetricAggregation::Minimum),
            "Maximum" => Ok(MetricAggregation::Maximum),
            _ => Err(format!("`{text}` is not a metric aggregation; use Average, Minimum or Maximum")),
        }
    }

    /// Aggregates `values`; `None` when there are none.
    pub fn aggregate(self, values: impl IntoIterator<Item = f64>) -> Option<f64> {
        let mut count = 0usize;
        let mut acc = match self {
            MetricAggregation::Average => 0.0,
            MetricAggregation::Minimum => f64::INFINITY,
            MetricAggregation::Maximum => f64::NEG_INFINITY,
        };
        for v in values {
            count += 1;
            acc = match self {
                MetricAggregation::Average => acc + v,
                MetricAggregation::Minimum => acc.min(v),
                MetricAggregation::Maximum => acc.max(v),
            };
        }
        match (count, self) {
            (0, _) => None,
            (n, MetricAggregation::Average) => Some(acc / n as f64),
            _ => Some(acc),
        }
    }
}

impl fmt::Display for MetricAggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetricAggregation::Average => "Average",
            MetricAggregation::Minimum => "Minimum",
            MetricAggregation::Maximum => "Maximum",
        })
    }
}

/// One `StepAdjustment`: bounds are offsets from the alarm threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepAdjustment {
    /// `MetricIntervalLowerBound`; `None` = −∞.
    pub lower_bound: Option<f64>,
    /// `MetricIntervalUpperBound`; `None` = +∞.
    pub upper_bound: Option<f64>,
    /// `ScalingAdjustment`: tasks, percent or exact capacity per the adjustment type.
    pub scaling_adjustment: i64,
}

impl StepAdjustment {
    /// A step covering `[lower, upper)` (or `(lower, upper]` below the threshold).
    pub fn new(lower_bound: Option<f64>, upper_bound: Option<f64>, scaling_adjustment: i64) -> Self {
        StepAdjustment { lower_bound, upper_bound, scaling_adjustment }
    }

    /// Whether the offset `delta` from the threshold falls in this step.
    /// `above` selects the above-threshold rule (lower inclusive, upper
    /// exclusive); otherwise lower exclusive, upper inclusive.
    pub fn contains(&self, delta: f64, above: bool) -> bool {
        let lower_ok = self.lower_bound.is_none_or(|lo| if above { delta >= lo } else { delta > lo });
        let upper_ok = self.upper_bound.is_none_or(|hi| if above { delta < hi } else { delta <= hi });
        lower_ok && upper_ok
    }
}

impl fmt::Display for StepAdjustment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |b: Option<f64>, inf: &str| b.map_or_else(|| inf.to_string(), |v| format!("{v}"));
        write!(
            f,
            "[{}, {}) {:+}",
            bound(self.lower_bound, "-inf"),
            bound(self.upper_bound, "+inf"),
            self.scaling_adjustment
        )
    }
}

/// Checks AWS's rules for a set of step adjustments (see the module documentation).
pub(crate) fn validate_steps(steps: &[StepAdjustment]) -> Result<(), String> {
    if steps.is_empty() {
        return Err("a step scaling policy needs at least one step adjustment".to_string());
    }
    for s in steps {
        for b in [s.lower_bound, s.upper_bound].into_iter().flatten() {
            if !b.is_finite() {
                return Err(format!("step bound {b} is not a finite number"));
            }
        }
        match (s.lower_bound, s.upper_bound) {
            (None, None) => return Err("a step adjustment cannot have both bounds unset (null)".to_string()),
            (Some(lo), Some(hi)) if lo >= hi => {
                return Err(format!("step adjustment lower bound {lo} must be below its upper bound {hi}"))
            }
            _ => {}
        }
    }
    if steps.iter().filter(|s| s.lower_bound.is_none()).count() > 1 {
        return Err("only one step adjustment may have no lower bound".to_string());
    }
    if steps.iter().filter(|s| s.upper_bound.is_none()).count() > 1 {
        return Err("only one step adjustment may have no upper bound".to_string());
    }
    let mut sorted: Vec<&StepAdjustment> = steps.iter().collect();
    sorted.sort_by(|a, b| {
        a.lower_bound.unwrap_or(f64::NEG_INFINITY).total_cmp(&b.lower_bound.unwrap_or(f64::NEG_INFINITY))
    });
    for pair in sorted.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        match (prev.upper_bound, next.lower_bound) {
            (Some(hi), Some(lo)) if hi == lo => {}
            (Some(hi), Some(lo)) if hi > lo => {
                return Err(format!("step adjustments {prev} and {next} overlap"));
            }
            _ => return Err(format!("step adjustments {prev} and {next} leave a gap")),
        }
    }
    if let Some(lo) = sorted[0].lower_bound.filter(|lo| *lo < 0.0) {
        return Err(format!("a step starts at the negative lower bound {lo}, so one step must have no lower bound"));
    }
    if let Some(hi) = sorted[sorted.len() - 1].upper_bound.filter(|hi| *hi > 0.0) {
        return Err(format!("a step ends at the positive upper bound {hi}, so one step must have no upper bound"));
    }
    Ok(())
}

/// The change in tasks for `percent` % of `current`, rounded per §4.3:
/// above 1 down, (0, 1) to 1, (−1, 0) to −1, below −1 toward zero.
pub(crate) fn round_percent_change(current: u32, percent: i64) -> i64 {
    let hundredths = current as i64 * percent;
    match hundredths {
        p if p >= 100 || p <= -100 => p / 100, // `/` truncates toward zero: down above 1, up below −1
        p if p > 0 => 1,
        p if p < 0 => -1,
        _ => 0,
    }
}

/// The settings of a step scaling policy (`StepScalingPolicyConfiguration`).
#[derive(Debug, Clone, PartialEq)]
pub struct StepScalingConfig {
    /// `AdjustmentType`.
    pub adjustment_type: AdjustmentType,
    /// `StepAdjustments`.
    pub step_adjustments: Vec<StepAdjustment>,
    /// `MinAdjustmentMagnitude` (PercentChangeInCapacity only).
    pub min_adjustment_magnitude: Option<u32>,
    /// `Cooldown` (default 300 s), for both directions.
    pub cooldown: SimDuration,
    /// `MetricAggregationType` (default Average).
    pub aggregation: MetricAggregation,
}

impl StepScalingConfig {
    /// A configuration with the default cooldown and aggregation.
    pub fn new(adjustment_type: AdjustmentType, step_adjustments: Vec<StepAdjustment>) -> Self {
        StepScalingConfig {
            adjustment_type,
            step_adjustments,
            min_adjustment_magnitude: None,
            cooldown: DEFAULT_COOLDOWN,
            aggregation: MetricAggregation::Average,
        }
    }

    /// Checks the steps, non-negative exact capacities, and that
    /// `MinAdjustmentMagnitude` is only used with PercentChangeInCapacity.
    pub fn validate(&self) -> Result<(), String> {
        validate_steps(&self.step_adjustments)?;
        if self.adjustment_type == AdjustmentType::ExactCapacity {
            if let Some(s) = self.step_adjustments.iter().find(|s| s.scaling_adjustment < 0) {
                return Err(format!("ExactCapacity step {s} sets a negative capacity"));
            }
        }
        if self.min_adjustment_magnitude.is_some() && self.adjustment_type != AdjustmentType::PercentChangeInCapacity {
            return Err("MinAdjustmentMagnitude only applies to PercentChangeInCapacity".to_string());
        }
        Ok(())
    }

    /// The step whose bounds hold `delta` (metric minus threshold). `above`
    /// picks the bound rule at exactly zero (true for `>`/`>=` alarms).
    pub fn select(&self, delta: f64, above_at_zero: bool) -> Option<&StepAdjustment> {
        let above = if delta == 0.0 { above_at_zero } else { delta > 0.0 };
        self.step_adjustments.iter().find(|s| s.contains(delta, above))
    }

    /// The capacity after applying `step` to `current`, never negative.
    pub fn apply(&self, step: &StepAdjustment, current: u32) -> u32 {
        let adjustment = step.scaling_adjustment;
        let change = match self.adjustment_type {
            AdjustmentType::ExactCapacity => return adjustment.clamp(0, u32::MAX as i64) as u32,
            AdjustmentType::ChangeInCapacity => adjustment,
            AdjustmentType::PercentChangeInCapacity => {
                let change = round_percent_change(current, adjustment);
                match self.min_adjustment_magnitude {
                    Some(min) if adjustment != 0 && change.abs() < min as i64 => adjustment.signum() * min as i64,
                    _ => change,
                }
            }
        };
        (current as i64 + change).clamp(0, u32::MAX as i64) as u32
    }
}

/// A step scaling policy with the alarm that drives it.
#[derive(Debug, Clone)]
pub(crate) struct StepScalingPolicy {
    name: String,
    metric: MetricKind,
    alarm: Alarm,
    config: StepScalingConfig,
}

impl StepScalingPolicy {
    /// A policy named `name` on `metric`, driven by an alarm with `alarm` settings.
    pub(crate) fn new(
        name: impl Into<String>,
        metric: MetricKind,
        alarm: AlarmConfig,
        config: StepScalingConfig,
    ) -> Result<Self, String> {
        config.validate()?;
        let alarm = Alarm::new(alarm)?;
        Ok(StepScalingPolicy { name: name.into(), metric, alarm, config })
    }

    /// The policy's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The metric its alarm watches.
    pub(crate) fn metric(&self) -> MetricKind {
        self.metric
    }

    /// The settings.
    pub(crate) fn config(&self) -> &StepScalingConfig {
        &self.config
    }

    /// Feeds this minute's datapoint to the alarm.
    pub(crate) fn observe(&mut self, datapoint: Option<f64>) {
        self.alarm.push(datapoint);
    }

    /// What the policy asks for from capacity `current` while its alarm is in
    /// ALARM: `Out` or `In` by the sign of the change (by comparison with
    /// `current` for ExactCapacity), nothing for a zero change or when no step
    /// holds the aggregated metric. Not clamped to min/max.
    pub(crate) fn propose(&self, current: u32) -> Option<Proposal> {
        if !self.alarm.is_alarm() {
            return None;
        }
        let alarm = self.alarm.config();
        let value = self.config.aggregation.aggregate(self.alarm.values())?;
        let step = self.config.select(value - alarm.threshold, alarm.comparison.is_upper())?;
        let capacity = self.config.apply(step, current);
        let direction = match capacity.cmp(&current) {
            std::cmp::Ordering::Greater => Direction::Out,
            std::cmp::Ordering::Less => Direction::In,
            std::cmp::Ordering::Equal => return None,
        };
        Some(Proposal {
            direction,
            capacity,
            cause: format!(
                "StepScaling {} alarm {} ({} {value:.1}, step {step} {})",
                self.metric,
                alarm.describe(),
                self.config.aggregation,
                self.config.adjustment_type
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::alarm::Comparison;

    fn guide_out_steps() -> Vec<StepAdjustment> {
        vec![
            StepAdjustment::new(Some(0.0), Some(10.0), 0),
            StepAdjustment::new(Some(10.0), Some(20.0), 10),
            StepAdjustment::new(Some(20.0), None, 30),
        ]
    }

    fn guide_in_steps() -> Vec<StepAdjustment> {
        vec![
            StepAdjustment::new(Some(-10.0), Some(0.0), 0),
            StepAdjustment::new(Some(-20.0), Some(-10.0), -10),
            StepAdjustment::new(None, Some(-20.0), -30),
        ]
    }

    #[test]
    fn percent_rounding_rule() {
        assert_eq!(round_percent_change(10, 127), 12, "12.7 → 12");
        assert_eq!(round_percent_change(3, 22), 1, "0.66 → 1");
        assert_eq!(round_percent_change(2, -29), -1, "-0.58 → -1");
        assert_eq!(round_percent_change(10, -67), -6, "-6.7 → -6");
        assert_eq!(round_percent_change(10, 10), 1, "exactly 1");
        assert_eq!(round_percent_change(10, -10), -1, "exactly -1");
        assert_eq!(round_percent_change(0, 50), 0);
    }

    #[test]
    fn the_guides_worked_example() {
        // Threshold 50 %, capacity 10 → 11 at 60 %, → 14 at 70 %, → 13 at 40 %, → 10 at 30 %.
        let out = StepScalingConfig::new(AdjustmentType::PercentChangeInCapacity, guide_out_steps());
        let inn = StepScalingConfig::new(AdjustmentType::PercentChangeInCapacity, guide_in_steps());
        out.validate().unwrap();
        inn.validate().unwrap();
        let step = |c: &StepScalingConfig, metric: f64, above: bool| *c.select(metric - 50.0, above).unwrap();
        assert_eq!(out.apply(&step(&out, 55.0, true), 10), 10, "[0, 10) adds 0");
        assert_eq!(out.apply(&step(&out, 60.0, true), 10), 11, "60 is in [10, 20): +10 % of 10");
        assert_eq!(out.apply(&step(&out, 70.0, true), 11), 14, "+30 % of 11 = 3.3 → 3");
        assert_eq!(inn.apply(&step(&inn, 40.0, false), 14), 13, "40 is in (-20, -10]: -10 % of 14 = -1.4 → -1");
        assert_eq!(inn.apply(&step(&inn, 30.0, false), 13), 10, "30 is in (-inf, -20]: -30 % of 13 = -3.9 → -3");
    }

    #[test]
    fn bounds_are_inclusive_on_the_threshold_side() {
        let steps = guide_out_steps();
        let c = StepScalingConfig::new(AdjustmentType::ChangeInCapacity, steps);
        assert_eq!(c.select(10.0, true).unwrap().scaling_adjustment, 10, "above: lower bound inclusive");
        assert_eq!(c.select(9.999, true).unwrap().scaling_adjustment, 0);
        assert_eq!(c.select(0.0, true).unwrap().scaling_adjustment, 0);
        assert_eq!(c.select(-0.5, true), None);
        let c = StepScalingConfig::new(AdjustmentType::ChangeInCapacity, guide_in_steps());
        assert_eq!(c.select(-10.0, false).unwrap().scaling_adjustment, -10, "below: upper bound inclusive");
        assert_eq!(c.select(-20.0, false).unwrap().scaling_adjustment, -30);
        assert_eq!(c.select(-9.0, false).unwrap().scaling_adjustment, 0);
        assert_eq!(c.select(0.0, false).unwrap().scaling_adjustment, 0, "at the threshold of a <= alarm");
    }

    #[test]
    fn step_validation() {
        let gap = vec![StepAdjustment::new(Some(0.0), Some(10.0), 1), StepAdjustment::new(Some(20.0), None, 2)];
        assert!(validate_steps(&gap).unwrap_err().contains("gap"));
        let overlap = vec![StepAdjustment::new(Some(0.0), Some(15.0), 1), StepAdjustment::new(Some(10.0), None, 2)];
        assert!(validate_steps(&overlap).unwrap_err().contains("overlap"));
        let open_top = vec![StepAdjustment::new(Some(0.0), Some(10.0), 1)];
        assert!(validate_steps(&open_top).unwrap_err().contains("no upper bound"));
        let negative = vec![StepAdjustment::new(Some(-5.0), Some(0.0), -1)];
        assert!(validate_steps(&negative).unwrap_err().contains("no lower bound"));
        assert!(validate_steps(&[StepAdjustment::new(None, None, 1)]).is_err());
        assert!(validate_steps(&[]).is_err());
        let two_open = vec![StepAdjustment::new(Some(0.0), None, 1), StepAdjustment::new(Some(10.0), None, 2)];
        assert!(validate_steps(&two_open).is_err());
        assert!(validate_steps(&[StepAdjustment::new(Some(5.0), Some(1.0), 1)]).is_err());
        assert!(validate_steps(&[StepAdjustment::new(Some(0.0), None, 1)]).is_ok());
        let exact_negative =
            StepScalingConfig::new(AdjustmentType::ExactCapacity, vec![StepAdjustment::new(Some(0.0), None, -1)]);
        assert!(exact_negative.validate().is_err());
        let mut mag =
            StepScalingConfig::new(AdjustmentType::ChangeInCapacity, vec![StepAdjustment::new(Some(0.0), None, 1)]);
        mag.min_adjustment_magnitude = Some(2);
        assert!(mag.validate().is_err());
    }

    #[test]
    fn min_adjustment_magnitude_raises_small_percent_changes() {
        let mut c = StepScalingConfig::new(
            AdjustmentType::PercentChangeInCapacity,
            vec![StepAdjustment::new(Some(0.0), None, 25)],
        );
        c.min_adjustment_magnitude = Some(2);
        let step = c.step_adjustments[0];
        assert_eq!(c.apply(&step, 4), 6, "25 % of 4 is 1, raised to 2 (the guide's example)");
        assert_eq!(c.apply(&step, 20), 25, "25 % of 20 is 5 ≥ 2");
        assert_eq!(c.apply(&step, 0), 2, "from zero");
        let mut down = StepScalingConfig::new(
            AdjustmentType::PercentChangeInCapacity,
            vec![StepAdjustment::new(None, Some(0.0), -10)],
        );
        down.min_adjustment_magnitude = Some(3);
        assert_eq!(down.apply(&down.step_adjustments[0], 10), 7);
        assert_eq!(down.apply(&down.step_adjustments[0], 2), 0, "never negative");
    }

    #[test]
    fn exact_and_change_in_capacity() {
        let exact =
            StepScalingConfig::new(AdjustmentType::ExactCapacity, vec![StepAdjustment::new(Some(0.0), None, 5)]);
        assert_eq!(exact.apply(&exact.step_adjustments[0], 3), 5);
        assert_eq!(exact.apply(&exact.step_adjustments[0], 9), 5);
        let change =
            StepScalingConfig::new(AdjustmentType::ChangeInCapacity, vec![StepAdjustment::new(Some(0.0), None, 5)]);
        assert_eq!(change.apply(&change.step_adjustments[0], 3), 8);
    }

    #[test]
    fn policy_proposes_while_its_alarm_is_in_alarm() {
        let alarm = AlarmConfig::new(50.0, Comparison::GreaterThanOrEqual, 2, 3);
        let mut p = StepScalingPolicy::new(
            "cpu-steps",
            MetricKind::Cpu,
            alarm,
            StepScalingConfig::new(AdjustmentType::ChangeInCapacity, guide_out_steps()),
        )
        .unwrap();
        p.observe(Some(65.0));
        assert_eq!(p.propose(4), None, "1 of 3");
        p.observe(Some(65.0));
        let out = p.propose(4).unwrap();
        assert_eq!((out.direction, out.capacity), (Direction::Out, 14));
        assert_eq!(
            out.cause,
            "StepScaling cpu alarm 2/3 datapoints >= 50.0 (Average 65.0, step [10, 20) +10 ChangeInCapacity)"
        );
        p.observe(Some(52.0));
        // Average of 65, 65, 52 = 60.67: still the +10 step.
        assert_eq!(p.propose(4).unwrap().capacity, 14);
        let mut max = p.clone();
        max.config.aggregation = MetricAggregation::Minimum;
        assert_eq!(max.propose(4), None, "minimum 52 → [0, 10) → +0 → no proposal");
    }

    #[test]
    fn aggregation() {
        let v = [1.0, 5.0, 3.0];
        assert_eq!(MetricAggregation::Average.aggregate(v), Some(3.0));
        assert_eq!(MetricAggregation::Minimum.aggregate(v), Some(1.0));
        assert_eq!(MetricAggregation::Maximum.aggregate(v), Some(5.0));
        assert_eq!(MetricAggregation::Average.aggregate([]), None);
    }
}
