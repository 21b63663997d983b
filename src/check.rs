//! Regression checks: rerun a sweep and compare each variant's mean cost and
//! availability with a committed `variants.csv`, under tolerances.

use crate::error::InputError;
use crate::output::files::fixed;
use crate::sweep::VariantStats;
use std::path::Path;

/// How much worse a variant may get before the check fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tolerances {
    /// Mean cost may rise by this many percent.
    pub cost_pct: f64,
    /// Mean availability may fall by this many percentage points.
    pub availability_points: f64,
}

/// One variant of a baseline `variants.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BaselineRow {
    /// Variant label.
    pub variant: String,
    /// Mean cost, USD.
    pub cost_usd_mean: f64,
    /// Mean availability, percent.
    pub availability_pct_mean: f64,
}

/// Reads the columns a check needs from a `variants.csv`.
pub(crate) fn read_baseline(path: &Path) -> Result<Vec<BaselineRow>, InputError> {
    let mut reader = csv::ReaderBuilder::new().from_path(path).map_err(|e| {
        InputError::new(path, format!("cannot read the baseline: {e}"))
            .help("give the variants.csv of an earlier run, e.g. results/strategy-shootout/variants.csv")
    })?;
    let header = reader.headers().map_err(|e| InputError::new(path, format!("cannot read the header: {e}")))?.clone();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            InputError::new(path, format!("the baseline has no `{name}` column"))
                .at("line 1")
                .help("a baseline is the variants.csv a sweep writes")
        })
    };
    let (variant, cost, availability) =
        (column("variant")?, column("cost_usd_mean")?, column("availability_pct_mean")?);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = format!("line {}", i + 2);
        let record = record.map_err(|e| InputError::new(path, e.to_string()).at(line.clone()))?;
        let number = |index: usize, name: &str| -> Result<f64, InputError> {
            let text = record.get(index).unwrap_or("");
            text.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                InputError::new(path, format!("`{text}` is not a number")).at(format!("{line}, column `{name}`"))
            })
        };
        rows.push(BaselineRow {
            variant: record.get(variant).unwrap_or("").to_string(),
            cost_usd_mean: number(cost, "cost_usd_mean")?,
            availability_pct_mean: number(availability, "availability_pct_mean")?,
        });
    }
    if rows.is_empty() {
        return Err(InputError::new(path, "the baseline lists no variant"));
    }
    Ok(rows)
}

/// How a metric of a variant compares with its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Within the tolerance.
    Ok,
    /// Better than the baseline beyond the tolerance.
    Better,
    /// Worse than the baseline beyond the tolerance: a regression.
    Worse,
    /// In the baseline but not produced now: a regression.
    Missing,
    /// Produced now but not in the baseline (not a failure).
    New,
}

impl Verdict {
    /// Upper-case word for the table.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Better => "better",
            Verdict::Worse => "WORSE",
            Verdict::Missing => "MISSING",
            Verdict::New => "new",
        }
    }

    /// Whether this fails the check.
    pub(crate) fn is_regression(self) -> bool {
        matches!(self, Verdict::Worse | Verdict::Missing)
    }
}

/// One row of the comparison table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    /// Variant label.
    pub variant: String,
    /// `cost_usd_mean`, `availability_pct_mean` or `variant`.
    pub metric: &'static str,
    /// Baseline value.
    pub baseline: Option<f64>,
    /// Value now.
    pub now: Option<f64>,
    /// The change, e.g. `+2.10 %` or `-0.250 points`.
    pub change: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// Compares the current variants with the baseline, baseline order first,
/// then variants the baseline does not have.
pub(crate) fn compare(baseline: &[BaselineRow], now: &[VariantStats], tolerances: Tolerances) -> Vec<Comparison> {
    let mut rows = Vec::new();
    for base in baseline {
        let Some(current) = now.iter().find(|s| s.label == base.variant) else {
            rows.push(Comparison {
                variant: base.variant.clone(),
                metric: "variant",
                baseline: None,
                now: None,
                change: "not produced".to_string(),
                verdict: Verdict::Missing,
            });
            continue;
        };
        let (b, n) = (base.cost_usd_mean, current.cost_usd.mean);
        let limit = b * (1.0 + tolerances.cost_pct / 100.0);
        let floor = b * (1.0 - tolerances.cost_pct / 100.0);
        rows.push(Comparison {
            variant: base.variant.clone(),
            metric: "cost_usd_mean",
            baseline: Some(b),
            now: Some(n),
            change: if b == 0.0 { format!("{:+.4} USD", n - b) } else { format!("{:+.2} %", 100.0 * (n - b) / b) },
            verdict: if n > limit + 1e-9 {
                Verdict::Worse
            } else if n < floor - 1e-9 {
                Verdict::Better
            } else {
                Verdict::Ok
            },
        });
        let (b, n) = (base.availability_pct_mean, current.availability_pct.mean);
        let points = tolerances.availability_points;
        rows.push(Comparison {
            variant: base.variant.clone(),
            metric: "availability_pct_mean",
            baseline: Some(b),
            now: Some(n),
            change: format!("{:+.3} points", n - b),
            verdict: if n < b - points - 1e-9 {
                Verdict::Worse
            } else if n > b + points + 1e-9 {
                Verdict::Better
            } else {
                Verdict::Ok
            },
        });
    }
    for current in now {
        if !baseline.iter().any(|b| b.variant == current.label) {
            rows.push(Comparison {
                variant: current.label.clone(),
                metric: "variant",
                baseline: None,
                now: None,
                change: "not in the baseline".to_string(),
                verdict: Verdict::New,
            });
        }
    }
    rows
}

/// The comparison as an aligned text table, with a closing verdict line.
pub(crate) fn table(rows: &[Comparison], tolerances: Tolerances) -> String {
    let show = |value: Option<f64>, metric: &str| match value {
        Some(v) if metric == "cost_usd_mean" => fixed(v, 4),
        Some(v) => fixed(v, 3),
        None => "–".to_string(),
    };
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.variant.clone(),
                r.metric.to_string(),
                show(r.baseline, r.metric),
                show(r.now, r.metric),
                r.change.clone(),
                r.verdict.as_str().to_string(),
            ]
        })
        .collect();
    let header = ["variant", "metric", "baseline", "now", "change", "verdict"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |row: &[String; 6]| {
        let mut text = String::from(" ");
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            let pad = w - cell.chars().count();
            if (2..=4).contains(&i) {
                text += &format!(" {}{cell} ", " ".repeat(pad));
            } else {
                text += &format!(" {cell}{} ", " ".repeat(pad));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut text = line(&header);
    text += &line(&widths.map(|w| "-".repeat(w)));
    for row in &cells {
        text += &line(row);
    }
    let worse: Vec<&Comparison> = rows.iter().filter(|r| r.verdict.is_regression()).collect();
    let limits = format!(
        "tolerances: cost +{} %, availability -{} points",
        fixed(tolerances.cost_pct, 2),
        fixed(tolerances.availability_points, 3)
    );
    if worse.is_empty() {
        text += &format!("\nno regression ({limits})\n");
    } else {
        text += &format!("\n{} regression(s) ({limits}):\n", worse.len());
        for r in worse {
            text += &match r.verdict {
                Verdict::Missing => format!("  - variant `{}` is in the baseline but was not produced\n", r.variant),
                _ => format!(
                    "  - `{}` {}: {} -> {} ({})\n",
                    r.variant,
                    r.metric,
                    show(r.baseline, r.metric),
                    show(r.now, r.metric),
                    r.change
                ),
            };
        }
    }
    text
}

/// The comparison as JSON (`check --format json`): the tolerances, whether
/// the check passed, and per variant, in table order, each metric's baseline
/// and current values, the limit it may reach (the highest cost, the lowest
/// availability), its change and verdict. A variant only in the baseline has
/// `status` `missing`, one only in the rerun `new`.
pub(crate) fn to_json(rows: &[Comparison], tolerances: Tolerances) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut variants: Vec<Map<String, Value>> = Vec::new();
    for row in rows {
        if variants.last().and_then(|v| v.get("variant")).and_then(Value::as_str) != Some(row.variant.as_str()) {
            let mut variant = Map::new();
            variant.insert("variant".into(), row.variant.clone().into());
            variant.insert("status".into(), "compared".into());
            variant.insert("passed".into(), true.into());
            variants.push(variant);
        }
        let Some(variant) = variants.last_mut() else { continue };
        let verdict = row.verdict.as_str().to_lowercase();
        if row.verdict.is_regression() {
            variant.insert("passed".into(), false.into());
        }
        let (Some(baseline), Some(now)) = (row.baseline, row.now) else {
            variant.insert("status".into(), verdict.into());
            continue;
        };
        let metric = if row.metric == "cost_usd_mean" {
            json!({
                "baseline": baseline,
                "now": now,
                "limit": baseline * (1.0 + tolerances.cost_pct / 100.0),
                "change_pct": if baseline == 0.0 { Value::Null } else { (100.0 * (now - baseline) / baseline).into() },
                "verdict": verdict,
            })
        } else {
            json!({
                "baseline": baseline,
                "now": now,
                "limit": baseline - tolerances.availability_points,
                "change_points": now - baseline,
                "verdict": verdict,
            })
        };
        variant.insert(row.metric.into(), metric);
    }
    let regressions = rows.iter().filter(|r| r.verdict.is_regression()).count();
    json!({
        "tolerances": { "cost_pct": tolerances.cost_pct, "availability_points": tolerances.availability_points },
        "passed": regressions == 0,
        "regressions": regressions,
        "variants": variants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Estimate;

    fn stats(label: &str, cost: f64, availability: f64) -> VariantStats {
        let e = |mean| Estimate { mean, ci95: 0.0, samples: 1 };
        VariantStats {
            rank: 1,
            label: label.to_string(),
            runs: 1,
            cost_usd: e(cost),
            availability_pct: e(availability),
            pareto: true,
            meets_floor: true,
            ..VariantStats::default()
        }
    }

    #[test]
    fn tolerances_decide_the_verdicts() {
        let base = |v: &str, c, a| BaselineRow { variant: v.into(), cost_usd_mean: c, availability_pct_mean: a };
        let baseline = [base("a", 100.0, 99.0), base("b", 100.0, 99.0), base("gone", 1.0, 1.0)];
        let now = [stats("a", 102.0, 98.9), stats("b", 102.5, 98.8), stats("fresh", 1.0, 1.0)];
        let tol = Tolerances { cost_pct: 2.0, availability_points: 0.1 };
        let rows = compare(&baseline, &now, tol);
        let verdicts: Vec<(&str, &str, Verdict)> =
            rows.iter().map(|r| (r.variant.as_str(), r.metric, r.verdict)).collect();
        assert_eq!(
            verdicts,
            [
                ("a", "cost_usd_mean", Verdict::Ok),
                ("a", "availability_pct_mean", Verdict::Ok),
                ("b", "cost_usd_mean", Verdict::Worse),
                ("b", "availability_pct_mean", Verdict::Worse),
                ("gone", "variant", Verdict::Missing),
                ("fresh", "variant", Verdict::New),
            ]
        );
        let text = table(&rows, tol);
        assert!(text.contains("3 regression(s)"), "{text}");
        assert!(text.contains("+2.50 %"), "{text}");
    }

    #[test]
    fn the_json_verdict_gives_values_limits_and_verdicts_per_variant() {
        let base = |v: &str, c, a| BaselineRow { variant: v.into(), cost_usd_mean: c, availability_pct_mean: a };
        let baseline = [base("a", 100.0, 99.0), base("gone", 1.0, 1.0)];
        let now = [stats("a", 102.5, 99.5), stats("fresh", 1.0, 1.0)];
        let tol = Tolerances { cost_pct: 2.0, availability_points: 0.1 };
        let json = to_json(&compare(&baseline, &now, tol), tol);
        assert_eq!(json["passed"], false);
        assert_eq!(json["regressions"], 2);
        assert_eq!(json["tolerances"]["cost_pct"], 2.0);
        let variants = json["variants"].as_array().unwrap();
        assert_eq!(variants.len(), 3);
        let a = &variants[0];
        assert_eq!(
            (a["variant"].as_str(), a["status"].as_str(), a["passed"].as_bool()),
            (Some("a"), Some("compared"), Some(false))
        );
        assert_eq!(a["cost_usd_mean"]["baseline"], 100.0);
        assert_eq!(a["cost_usd_mean"]["now"], 102.5);
        assert_eq!(a["cost_usd_mean"]["limit"], 102.0);
        assert!((a["cost_usd_mean"]["change_pct"].as_f64().unwrap() - 2.5).abs() < 1e-9);
        assert_eq!(a["cost_usd_mean"]["verdict"], "worse");
        assert_eq!(a["availability_pct_mean"]["limit"], 98.9);
        assert_eq!(a["availability_pct_mean"]["verdict"], "better");
        assert_eq!((variants[1]["status"].as_str(), variants[1]["passed"].as_bool()), (Some("missing"), Some(false)));
        assert_eq!((variants[2]["status"].as_str(), variants[2]["passed"].as_bool()), (Some("new"), Some(true)));
    }
}
