//! A CloudWatch-like metric alarm over one-minute datapoints: a threshold, a
//! comparison, and "M out of N" (`datapoints_to_alarm` of
//! `evaluation_periods`).
//!
//! The simulator's model of CloudWatch's evaluation, fed one datapoint per
//! minute with [`Alarm::push`]:
//!
//! - the window is the last N pushed minutes;
//! - **ALARM** when at least M datapoints in the window breach the threshold;
//! - **INSUFFICIENT_DATA** when the newest datapoint is missing, whatever the
//!   rest of the window holds (so a missing datapoint never triggers scaling,
//!   `docs/ecs-reference.md` §4.2: without data there is no scaling);
//! - **OK** otherwise. Missing datapoints inside the window count as not
//!   breaching, so a 15-of-15 alarm needs 15 present, breaching minutes.
//!
//! CloudWatch's `TreatMissingData` options and its look-back over missing
//! periods are not modelled.

use std::collections::VecDeque;
use std::fmt;

/// How a datapoint is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `GreaterThanThreshold`.
    GreaterThan,
    /// `GreaterThanOrEqualToThreshold`.
    GreaterThanOrEqual,
    /// `LessThanThreshold`.
    LessThan,
    /// `LessThanOrEqualToThreshold`.
    LessThanOrEqual,
}

impl Comparison {
    /// Whether `value` breaches `threshold` under this comparison.
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThan => value > threshold,
            Comparison::GreaterThanOrEqual => value >= threshold,
            Comparison::LessThan => value < threshold,
            Comparison::LessThanOrEqual => value <= threshold,
        }
    }

    /// Whether breaching means "above the threshold".
    pub fn is_upper(self) -> bool {
        matches!(self, Comparison::GreaterThan | Comparison::GreaterThanOrEqual)
    }

    /// The operator as written in causes: `>`, `>=`, `<` or `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::GreaterThan => ">",
            Comparison::GreaterThanOrEqual => ">=",
            Comparison::LessThan => "<",
            Comparison::LessThanOrEqual => "<=",
        }
    }

    /// Parses `>`, `>=`, `<`, `<=` or the CloudWatch names
    /// (`GreaterThanThreshold`, `GreaterThanOrEqualToThreshold`,
    /// `LessThanThreshold`, `LessThanOrEqualToThreshold`).
    pub fn parse(text: &str) -> Result<Comparison, String> {
        match text.trim() {
            ">" | "GreaterThanThreshold" => Ok(Comparison::GreaterThan),
            ">=" | "GreaterThanOrEqualToThreshold" => Ok(Comparison::GreaterThanOrEqual),
            "<" | "LessThanThreshold" => Ok(Comparison::LessThan),
            "<=" | "LessThanOrEqualToThreshold" => Ok(Comparison::LessThanOrEqual),
            _ => Err(format!("`{text}` is not an alarm comparison; use >, >=, < or <=")),
        }
    }
}

/// The state of an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlarmState {
    /// Enough data, not breaching.
    Ok,
    /// At least M of the last N datapoints breach.
    Alarm,
    /// The newest datapoint is missing (or nothing has been pushed yet).
    InsufficientData,
}

impl fmt::Display for AlarmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        })
    }
}

/// An alarm's settings. The period is always one minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlarmConfig {
    /// The threshold datapoints are compared with.
    pub threshold: f64,
    /// How they are compared.
    pub comparison: Comparison,
    /// N: how many of the latest one-minute periods are evaluated.
    pub evaluation_periods: u32,
    /// M: how many of them must breach for ALARM (1 ≤ M ≤ N).
    pub datapoints_to_alarm: u32,
}

impl AlarmConfig {
    /// An "M out of N" alarm.
    pub fn new(threshold: f64, comparison: Comparison, datapoints_to_alarm: u32, evaluation_periods: u32) -> Self {
        AlarmConfig { threshold, comparison, evaluation_periods, datapoints_to_alarm }
    }

    /// Checks 1 ≤ M ≤ N and a finite threshold.
    pub fn validate(&self) -> Result<(), String> {
        if !self.threshold.is_finite() {
            return Err(format!("alarm threshold {} is not a finite number", self.threshold));
        }
        if self.evaluation_periods == 0 {
            return Err("alarm evaluation periods must be at least 1".to_string());
        }
        if self.datapoints_to_alarm == 0 || self.datapoints_to_alarm > self.evaluation_periods {
            return Err(format!(
                "alarm datapoints to alarm must be between 1 and the evaluation periods ({}), got {}",
                self.evaluation_periods, self.datapoints_to_alarm
            ));
        }
        Ok(())
    }

    /// `M/N datapoints > threshold`, for causes.
    pub fn describe(&self) -> String {
        format!(
            "{}/{} datapoints {} {:.1}",
            self.datapoints_to_alarm,
            self.evaluation_periods,
            self.comparison.symbol(),
            self.threshold
        )
    }
}

/// A metric alarm fed one datapoint per minute.
#[derive(Debug, Clone)]
pub(crate) struct Alarm {
    config: AlarmConfig,
    window: VecDeque<Option<f64>>,
    state: AlarmState,
}

impl Alarm {
    /// A new alarm in INSUFFICIENT_DATA with an empty window.
    pub(crate) fn new(config: AlarmConfig) -> Result<Alarm, String> {
        config.validate()?;
        Ok(Alarm {
            config,
            window: VecDeque::with_capacity(config.evaluation_periods as usize),
            state: AlarmState::InsufficientData,
        })
    }

    /// Feeds the next minute's datapoint (`None` = missing) and returns the new state.
    pub(crate) fn push(&mut self, datapoint: Option<f64>) -> AlarmState {
        let datapoint = datapoint.filter(|v| v.is_finite());
        if self.window.len() == self.config.evaluation_periods as usize {
            self.window.pop_front();
        }
        self.window.push_back(datapoint);
        self.state = if datapoint.is_none() {
            AlarmState::InsufficientData
        } else if self.breaching() >= self.config.datapoints_to_alarm as usize {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        };
        self.state
    }

    /// Forgets every datapoint; the alarm goes back to INSUFFICIENT_DATA.
    pub(crate) fn reset(&mut self) {
        self.window.clear();
        self.state = AlarmState::InsufficientData;
    }

    /// The current state.
    #[cfg(test)]
    pub(crate) fn state(&self) -> AlarmState {
        self.state
    }

    /// Whether the alarm is in ALARM.
    pub(crate) fn is_alarm(&self) -> bool {
        self.state == AlarmState::Alarm
    }

    /// The settings.
    pub(crate) fn config(&self) -> &AlarmConfig {
        &self.config
    }

    /// How many datapoints in the window breach the threshold.
    pub(crate) fn breaching(&self) -> usize {
        self.window.iter().flatten().filter(|v| self.config.comparison.breaches(**v, self.config.threshold)).count()
    }

    /// The newest datapoint, if it is present.
    pub(crate) fn latest(&self) -> Option<f64> {
        self.window.back().copied().flatten()
    }

    /// The present datapoints in the window, oldest first.
    pub(crate) fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.window.iter().flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(m: u32, n: u32) -> Alarm {
        Alarm::new(AlarmConfig::new(50.0, Comparison::GreaterThan, m, n)).unwrap()
    }

    #[test]
    fn three_of_three_needs_three_breaching_minutes() {
        let mut a = alarm(3, 3);
        assert_eq!(a.state(), AlarmState::InsufficientData);
        assert_eq!(a.push(Some(80.0)), AlarmState::Ok);
        assert_eq!(a.push(Some(80.0)), AlarmState::Ok);
        assert_eq!(a.push(Some(80.0)), AlarmState::Alarm);
        assert_eq!(a.push(Some(80.0)), AlarmState::Alarm);
        assert_eq!(a.push(Some(40.0)), AlarmState::Ok);
    }

    #[test]
    fn m_of_n_tolerates_non_breaching_minutes() {
        let mut a = alarm(2, 3);
        a.push(Some(80.0));
        a.push(Some(10.0));
        assert_eq!(a.push(Some(80.0)), AlarmState::Alarm);
        assert_eq!(a.push(Some(10.0)), AlarmState::Ok, "window is now 10, 80, 10");
    }

    #[test]
    fn missing_newest_datapoint_is_insufficient_data() {
        let mut a = alarm(1, 1);
        assert_eq!(a.push(Some(80.0)), AlarmState::Alarm);
        assert_eq!(a.push(None), AlarmState::InsufficientData);
        assert_eq!(a.push(Some(f64::NAN)), AlarmState::InsufficientData);
        let mut b = alarm(3, 3);
        b.push(Some(80.0));
        b.push(None);
        assert_eq!(b.push(Some(80.0)), AlarmState::Ok, "a missing datapoint in the window does not breach");
    }

    #[test]
    fn comparisons_and_boundaries() {
        assert!(Comparison::GreaterThanOrEqual.breaches(50.0, 50.0));
        assert!(!Comparison::GreaterThan.breaches(50.0, 50.0));
        assert!(Comparison::LessThanOrEqual.breaches(50.0, 50.0));
        assert!(!Comparison::LessThan.breaches(50.0, 50.0));
        assert_eq!(Comparison::parse(">="), Ok(Comparison::GreaterThanOrEqual));
        assert_eq!(Comparison::parse("LessThanThreshold"), Ok(Comparison::LessThan));
        assert!(Comparison::parse("=>").is_err());
    }

    #[test]
    fn invalid_configs_are_rejected() {
        assert!(Alarm::new(AlarmConfig::new(1.0, Comparison::LessThan, 0, 3)).is_err());
        assert!(Alarm::new(AlarmConfig::new(1.0, Comparison::LessThan, 4, 3)).is_err());
        assert!(Alarm::new(AlarmConfig::new(f64::NAN, Comparison::LessThan, 1, 1)).is_err());
        assert_eq!(AlarmConfig::new(50.0, Comparison::GreaterThan, 3, 3).describe(), "3/3 datapoints > 50.0");
    }

    #[test]
    fn reset_clears_the_window() {
        let mut a = alarm(2, 2);
        a.push(Some(80.0));
        a.reset();
        assert_eq!(a.push(Some(80.0)), AlarmState::Ok);
        assert_eq!(a.latest(), Some(80.0));
        assert_eq!(a.values().count(), 1);
    }
}
