//! Spot price history: `aws ec2 describe-spot-price-history` output as a
//! step price curve per instance type and availability zone.
//!
//! The file is the CLI's JSON (`{"SpotPriceHistory": [...]}`), a recorded
//! boto3 response (`{"status_code": 200, "data": {...}}`) or a bare list of
//! records. Each record has `InstanceType`, `AvailabilityZone`,
//! `ProductDescription`, `SpotPrice` (a string, USD per hour) and
//! `Timestamp`. Only Linux records are read: `Linux/UNIX`, or where a type
//! and zone has none, the older `Linux/UNIX (Amazon VPC)`.
//!
//! # Time and price rules
//!
//! * Simulated time 0 is `start` (epoch ms) when given, else the earliest
//!   timestamp of the Linux records in the file.
//! * The price in effect at a time is that of the latest record at or before
//!   it (a Spot price holds until it changes), so after the last record its
//!   price holds. Before a curve's first record its first price applies.
//! * [`SpotCurve::cost`] integrates the curve over a billed span, to the
//!   millisecond.

use crate::aws_json::{timestamp_ms, unwrap_response};
use crate::engine::SimTime;
use crate::error::{not_a_file, InputError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The newer and the older Linux product descriptions, in preference order.
const LINUX: [&str; 2] = ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"];

/// Price points, `(epoch or simulated ms, USD per hour)`.
type Points = Vec<(i64, f64)>;

/// A whole file: the Linux records per (instance type, zone), in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotPriceHistory {
    /// `(type, zone)` → `(epoch ms, USD per hour)`, ascending, one per time.
    curves: BTreeMap<(String, String), Vec<(i64, f64)>>,
    /// The earliest timestamp of them all.
    earliest_ms: i64,
}

/// One type and zone's price steps, in simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotCurve {
    /// `(simulated ms, USD per hour)`, ascending; may start before 0.
    points: Vec<(i64, f64)>,
}

impl SpotPriceHistory {
    /// Reads the file at `path`.
    pub fn read(path: &Path) -> Result<SpotPriceHistory, InputError> {
        if let Some(why) = not_a_file(path) {
            return Err(InputError::new(path, format!("cannot open the spot price history: {why}")));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(path, format!("cannot read the spot price history: {e}")))?;
        SpotPriceHistory::parse(path, &text)
    }

    /// Reads the JSON `text`; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<SpotPriceHistory, InputError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| InputError::new(path, format!("not JSON: {e}")).at(format!("line {}", e.line())))?;
        let records = match unwrap_response(value) {
            Value::Array(records) => records,
            Value::Object(mut map) => match map.remove("SpotPriceHistory") {
                Some(Value::Array(records)) => records,
                _ => {
                    return Err(InputError::new(path, "no `SpotPriceHistory` list")
                        .help("give the JSON `aws ec2 describe-spot-price-history` prints"))
                }
            },
            _ => return Err(InputError::new(path, "expected an object with `SpotPriceHistory`")),
        };
        // (type, zone) → description rank → points.
        let mut by_rank: BTreeMap<(String, String), BTreeMap<usize, Points>> = BTreeMap::new();
        for (i, record) in records.iter().enumerate() {
            let at = format!("SpotPriceHistory[{i}]");
            let text_field = |name: &str| -> Result<&str, InputError> {
                record
                    .get(name)
                    .and_then(Value::as_str)
                    .ok_or_else(|| InputError::new(path, format!("the record has no `{name}` string")).at(at.clone()))
            };
            let description = text_field("ProductDescription")?;
            let Some(rank) = LINUX.iter().position(|d| *d == description) else { continue };
            let price_text = text_field("SpotPrice")?;
            let price: f64 =
                price_text.trim().parse().ok().filter(|p: &f64| p.is_finite() && *p >= 0.0).ok_or_else(|| {
                    InputError::new(path, format!("SpotPrice `{price_text}` is not a price")).at(at.clone())
                })?;
            let time = record
                .get("Timestamp")
                .ok_or_else(|| InputError::new(path, "the record has no `Timestamp`").at(at.clone()))
                .and_then(|t| timestamp_ms(t).map_err(|e| InputError::new(path, e).at(at.clone())))?;
            let key = (text_field("InstanceType")?.to_string(), text_field("AvailabilityZone")?.to_string());
            by_rank.entry(key).or_default().entry(rank).or_default().push((time, price));
        }
        let mut curves = BTreeMap::new();
        for (key, ranks) in by_rank {
            let Some((_, mut points)) = ranks.into_iter().next() else { continue };
            // Stable: of two records at one time, the later in the file wins.
            points.sort_by_key(|&(t, _)| t);
            let mut steps: Vec<(i64, f64)> = Vec::with_capacity(points.len());
            for (t, price) in points {
                match steps.last_mut() {
                    Some(last) if last.0 == t => last.1 = price,
                    _ => steps.push((t, price)),
                }
            }
            curves.insert(key, steps);
        }
        let Some(earliest_ms) = curves.values().filter_map(|c| c.first().map(|p| p.0)).min() else {
            return Err(InputError::new(path, "the file has no Linux/UNIX spot prices")
                .help("describe-spot-price-history --product-descriptions Linux/UNIX gives them"));
        };
        Ok(SpotPriceHistory { curves, earliest_ms })
    }

    /// The earliest timestamp, in epoch ms: simulated time 0 by default.
    pub fn earliest_ms(&self) -> i64 {
        self.earliest_ms
    }

    /// The curve of a type and zone, with simulated time 0 at `start_ms`.
    pub fn curve(&self, instance_type: &str, zone: &str, start_ms: i64) -> Option<SpotCurve> {
        let points = self.curves.get(&(instance_type.to_string(), zone.to_string()))?;
        Some(SpotCurve { points: points.iter().map(|&(t, p)| (t - start_ms, p)).collect() })
    }

    /// Every `type in zone` the file has, for error messages.
    pub fn listing(&self) -> Vec<String> {
        self.curves.keys().map(|(t, z)| format!("{t} in {z}")).collect()
    }
}

impl SpotCurve {
    /// The price in effect at `t`, USD per hour.
    pub fn price_at(&self, t: SimTime) -> f64 {
        let t = i64::try_from(t.0).unwrap_or(i64::MAX);
        let after = self.points.partition_point(|&(time, _)| time <= t);
        self.points[after.saturating_sub(1)].1
    }

    /// USD for `[from, to)` at the prices in effect.
    pub fn cost(&self, from: SimTime, to: SimTime) -> f64 {
        let start = i64::try_from(from.0).unwrap_or(i64::MAX);
        let end = i64::try_from(to.0).unwrap_or(i64::MAX);
        let mut total = 0.0;
        let mut at = start;
        let mut index = self.points.partition_point(|&(time, _)| time <= start).saturating_sub(1);
        while at < end {
            let next = self.points.get(index + 1).map_or(end, |&(time, _)| time.clamp(at, end));
            total += self.points[index].1 * (next - at) as f64 / 3_600_000.0;
            at = next;
            index += 1;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"SpotPriceHistory": [
        {"AvailabilityZone": "z1", "InstanceType": "m5.large", "ProductDescription": "Linux/UNIX",
         "SpotPrice": "0.030000", "Timestamp": "2021-01-01T01:00:00+00:00"},
        {"AvailabilityZone": "z1", "InstanceType": "m5.large", "ProductDescription": "Windows",
         "SpotPrice": "9.0", "Timestamp": "2020-01-01T00:00:00Z"},
        {"AvailabilityZone": "z1", "InstanceType": "m5.large", "ProductDescription": "Linux/UNIX",
         "SpotPrice": "0.020000", "Timestamp": "2021-01-01T00:00:00Z"}
    ]}"#;

    #[test]
    fn steps_and_cost() {
        let history = SpotPriceHistory::parse(Path::new("h.json"), FILE).expect("parses");
        assert_eq!(history.earliest_ms(), 1_609_459_200_000);
        let curve = history.curve("m5.large", "z1", history.earliest_ms()).expect("curve");
        assert_eq!(curve.price_at(SimTime(0)), 0.02);
        assert_eq!(curve.price_at(SimTime(3_600_000)), 0.03);
        // Half an hour at 0.02 and an hour at 0.03.
        let cost = curve.cost(SimTime(1_800_000), SimTime(7_200_000));
        assert!((cost - (0.01 + 0.03)).abs() < 1e-12, "{cost}");
        // Starting the clock an hour earlier: the first price holds before the first record.
        let early = history.curve("m5.large", "z1", history.earliest_ms() - 3_600_000).expect("curve");
        assert!((early.cost(SimTime(0), SimTime(3_600_000)) - 0.02).abs() < 1e-12);
        assert!(history.curve("m5.large", "z2", 0).is_none());
        assert_eq!(history.listing(), ["m5.large in z1"]);
    }

    #[test]
    fn bad_records_are_named() {
        let err = SpotPriceHistory::parse(
            Path::new("h.json"),
            r#"{"SpotPriceHistory": [{"ProductDescription": "Linux/UNIX", "SpotPrice": "x"}]}"#,
        )
        .expect_err("bad price");
        assert!(err.to_string().contains("SpotPriceHistory[0]"), "{err}");
        let err = SpotPriceHistory::parse(Path::new("h.json"), r#"{"Other": []}"#).expect_err("no list");
        assert!(err.to_string().contains("SpotPriceHistory"), "{err}");
    }
}
