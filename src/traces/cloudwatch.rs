//! CloudWatch metrics as a demand curve: the JSON of `aws cloudwatch
//! get-metric-data` (`MetricDataResults[]` with `Id`, `Timestamps`,
//! `Values`) or `get-metric-statistics` (`Datapoints[]` with `Timestamp` and
//! `Average`, `Sum`, `Maximum`, `Minimum` or `SampleCount`), plain or in a
//! recorded boto3 response (`{"status_code": 200, "data": {...}}`).
//!
//! # Reading
//!
//! * **Which series**: get-metric-data's result named by `metric_id`, or the
//!   only result; get-metric-statistics' `statistic`, or the only statistic
//!   the datapoints carry. Several without a choice is an error listing them.
//! * **Time**: points are sorted by time (CloudWatch returns them newest
//!   first or unordered); the earliest is simulated time 0. Two points at
//!   one time are an error.
//! * **Period**: `step` when given, else the smallest gap between points
//!   (the metric's period; one point needs no period: its value holds
//!   throughout). The points are put on that grid as [`super::load`] does
//!   with a time column: grid point *k* takes the value of the last point at
//!   or before `k × step`, so a period CloudWatch left out (no data) holds
//!   the previous value. Times are then multiplied by `time_scale`.
//! * **Value**: the demand is the metric's value × `scale`, in the service's
//!   demand units (the same reading as a CSV load series). Values must be
//!   finite and 0 or more.

use super::load::LoadSeries;
use crate::aws_json::{timestamp_ms, unwrap_response};
use crate::engine::SimDuration;
use crate::error::{not_a_file, InputError};
use serde_json::Value;
use std::path::Path;

/// The statistics get-metric-statistics can return, in the order listed in errors.
const STATISTICS: [&str; 5] = ["Average", "Sum", "Maximum", "Minimum", "SampleCount"];

/// Which series of the file to read, and how.
#[derive(Debug, Clone, Copy)]
pub struct CloudWatchSettings<'a> {
    /// get-metric-statistics: the statistic.
    pub statistic: Option<&'a str>,
    /// get-metric-data: the result's `Id`.
    pub metric_id: Option<&'a str>,
    /// The grid, in the file's time; `None` for the data's period.
    pub step: Option<SimDuration>,
    /// Multiplies every value (above 0).
    pub scale: f64,
    /// Multiplies every time (above 0).
    pub time_scale: f64,
}

/// Reads the CloudWatch JSON at `path` as a [`LoadSeries`] (module docs).
pub fn read_cloudwatch_series(path: &Path, settings: CloudWatchSettings<'_>) -> Result<LoadSeries, InputError> {
    if let Some(why) = not_a_file(path) {
        return Err(InputError::new(path, format!("cannot open the CloudWatch file: {why}")));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read the CloudWatch file: {e}")))?;
    parse_cloudwatch_series(path, &text, settings)
}

/// Reads CloudWatch JSON `text` as [`read_cloudwatch_series`] reads a file;
/// `path` names it in errors.
pub fn parse_cloudwatch_series(
    path: &Path,
    text: &str,
    settings: CloudWatchSettings<'_>,
) -> Result<LoadSeries, InputError> {
    if !(settings.scale.is_finite() && settings.scale > 0.0) {
        return Err(InputError::new(path, format!("scale {} must be a number above 0", settings.scale)));
    }
    if !(settings.time_scale.is_finite() && settings.time_scale > 0.0) {
        return Err(InputError::new(path, format!("time_scale {} must be a number above 0", settings.time_scale)));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| InputError::new(path, format!("not JSON: {e}")).at(format!("line {}", e.line())))?;
    let response = unwrap_response(value);
    let mut points = if let Some(results) = response.get("MetricDataResults") {
        if settings.statistic.is_some() {
            return Err(InputError::new(
                path,
                "`statistic` is for get-metric-statistics output; this is get-metric-data",
            )
            .help("pick the result with metric_id instead"));
        }
        metric_data_points(path, results, settings.metric_id)?
    } else if let Some(datapoints) = response.get("Datapoints") {
        if settings.metric_id.is_some() {
            return Err(InputError::new(
                path,
                "`metric_id` is for get-metric-data output; this is get-metric-statistics",
            )
            .help("pick the statistic with statistic instead"));
        }
        statistics_points(path, datapoints, settings.statistic)?
    } else {
        return Err(InputError::new(path, "neither `MetricDataResults` nor `Datapoints` is in the file")
            .help("give the JSON `aws cloudwatch get-metric-data` or `get-metric-statistics` prints"));
    };
    points.sort_by_key(|&(t, _)| t);
    if let Some(pair) = points.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(InputError::new(path, format!("two values at one time ({} ms since 1970)", pair[0].0))
            .help("give one series: one statistic, one metric, one page of results each"));
    }
    let Some(&(first, _)) = points.first() else {
        return Err(InputError::new(path, "the series has no values"));
    };
    let period_ms = match settings.step {
        Some(step) => step.0,
        None => points.windows(2).map(|w| (w[1].0 - w[0].0) as u64).min().unwrap_or(60_000),
    };
    if period_ms == 0 {
        return Err(InputError::new(path, "the step must be longer than zero"));
    }
    let last = points.last().map_or(0, |p| (p.0 - first) as u64);
    let count = last / period_ms + 1;
    if count > 100_000_000 {
        return Err(
            InputError::new(path, format!("{count} steps of {period_ms} ms are too many")).help("give a longer step")
        );
    }
    let mut values = Vec::with_capacity(count as usize);
    let mut next = 0;
    for k in 0..count {
        let at = k * period_ms;
        while next + 1 < points.len() && ((points[next + 1].0 - first) as u64) <= at {
            next += 1;
        }
        values.push(points[next].1 * settings.scale);
    }
    let step = SimDuration(((period_ms as f64 * settings.time_scale).round() as u64).max(1));
    Ok(LoadSeries { step, values })
}

/// A value: finite, 0 or more.
fn demand_value(path: &Path, value: Option<f64>, at: &str) -> Result<f64, InputError> {
    match value {
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Some(v) => Err(InputError::new(path, format!("{v} is not a demand (a number, 0 or more)")).at(at.to_string())),
        None => Err(InputError::new(path, "the value is not a number").at(at.to_string())),
    }
}

/// `(epoch ms, value)` of the chosen get-metric-data result.
fn metric_data_points(path: &Path, results: &Value, metric_id: Option<&str>) -> Result<Vec<(i64, f64)>, InputError> {
    let results = results.as_array().ok_or_else(|| InputError::new(path, "`MetricDataResults` is not a list"))?;
    let ids: Vec<&str> = results.iter().map(|r| r.get("Id").and_then(Value::as_str).unwrap_or("")).collect();
    let index = match metric_id {
        Some(id) => ids.iter().position(|i| *i == id).ok_or_else(|| {
            InputError::new(path, format!("no result with Id `{id}`")).help(format!("the file has {}", ids.join(", ")))
        })?,
        None if results.len() == 1 => 0,
        None => {
            return Err(InputError::new(path, format!("the file has {} results", results.len()))
                .help(format!("pick one with metric_id: {}", ids.join(", "))))
        }
    };
    let result = &results[index];
    let at = format!("MetricDataResults[{index}]");
    let list = |name: &str| {
        result
            .get(name)
            .and_then(Value::as_array)
            .ok_or_else(|| InputError::new(path, format!("the result has no `{name}` list")).at(at.clone()))
    };
    let (timestamps, values) = (list("Timestamps")?, list("Values")?);
    if timestamps.len() != values.len() {
        return Err(
            InputError::new(path, format!("{} timestamps but {} values", timestamps.len(), values.len())).at(at)
        );
    }
    timestamps
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (t, v))| {
            let here = format!("{at}.Timestamps[{i}]");
            let time = timestamp_ms(t).map_err(|e| InputError::new(path, e).at(here.clone()))?;
            Ok((time, demand_value(path, v.as_f64(), &format!("{at}.Values[{i}]"))?))
        })
        .collect()
}

/// `(epoch ms, value)` of the chosen get-metric-statistics statistic.
fn statistics_points(path: &Path, datapoints: &Value, statistic: Option<&str>) -> Result<Vec<(i64, f64)>, InputError> {
    let datapoints = datapoints.as_array().ok_or_else(|| InputError::new(path, "`Datapoints` is not a list"))?;
    let present: Vec<&str> =
        STATISTICS.iter().copied().filter(|s| datapoints.iter().any(|d| d.get(*s).is_some())).collect();
    let statistic = match statistic {
        Some(s) if !STATISTICS.contains(&s) => {
            return Err(InputError::new(path, format!("`{s}` is not a CloudWatch statistic"))
                .help(format!("use one of {}", STATISTICS.join(", "))))
        }
        Some(s) => s,
        None => match present.as_slice() {
            [only] => only,
            [] => return Err(InputError::new(path, "the datapoints carry no statistic")),
            several => {
                return Err(InputError::new(path, format!("the datapoints carry {}", several.join(", ")))
                    .help("pick one with statistic = \"...\""))
            }
        },
    };
    datapoints
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let at = format!("Datapoints[{i}]");
            let time = d
                .get("Timestamp")
                .ok_or_else(|| InputError::new(path, "the datapoint has no `Timestamp`").at(at.clone()))
                .and_then(|t| timestamp_ms(t).map_err(|e| InputError::new(path, e).at(at.clone())))?;
            let value = d
                .get(statistic)
                .ok_or_else(|| InputError::new(path, format!("the datapoint has no `{statistic}`")).at(at.clone()))?;
            Ok((time, demand_value(path, value.as_f64(), &at)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CloudWatchSettings<'static> {
        CloudWatchSettings { statistic: None, metric_id: None, step: None, scale: 1.0, time_scale: 1.0 }
    }

    #[test]
    fn metric_data_newest_first_with_a_gap() {
        let text = r#"{"MetricDataResults": [{"Id": "m1", "Timestamps": ["2024-01-01T00:15:00Z",
            "2024-01-01T00:05:00Z", "2024-01-01T00:00:00Z"], "Values": [30, 20, 10], "StatusCode": "Complete"}]}"#;
        let series = parse_cloudwatch_series(Path::new("m.json"), text, settings()).expect("reads");
        assert_eq!(series.step, SimDuration(300_000));
        assert_eq!(series.values, [10.0, 20.0, 20.0, 30.0]);
    }

    #[test]
    fn statistics_need_a_choice_when_several() {
        let text = r#"{"Label": "CPU", "Datapoints": [
            {"Timestamp": "2024-01-01T01:00:00Z", "Average": 4.0, "Maximum": 9.0},
            {"Timestamp": "2024-01-01T00:00:00Z", "Average": 2.0, "Maximum": 5.0}]}"#;
        let err = parse_cloudwatch_series(Path::new("s.json"), text, settings()).expect_err("ambiguous");
        assert!(err.to_string().contains("Average, Maximum"), "{err}");
        let pick = CloudWatchSettings { statistic: Some("Maximum"), scale: 2.0, ..settings() };
        let series = parse_cloudwatch_series(Path::new("s.json"), text, pick).expect("reads");
        assert_eq!(series.step, SimDuration(3_600_000));
        assert_eq!(series.values, [10.0, 18.0]);
    }

    #[test]
    fn bad_values_are_named() {
        let text = r#"{"MetricDataResults": [{"Id": "a", "Timestamps": ["2024-01-01T00:00:00Z"], "Values": [-1]}]}"#;
        let err = parse_cloudwatch_series(Path::new("m.json"), text, settings()).expect_err("negative");
        assert!(err.to_string().contains("MetricDataResults[0].Values[0]"), "{err}");
        let err = parse_cloudwatch_series(Path::new("m.json"), r#"{"x": 1}"#, settings()).expect_err("shape");
        assert!(err.to_string().contains("MetricDataResults"), "{err}");
    }
}
