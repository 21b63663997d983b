//! The `[optimize]` section: read raw, validated into an [`OptimizeSpec`].
//! Variables have the shape of `[[sweep.setting]]` (or a numeric `range`),
//! conditions that of `[[sweep.condition]]`, so the search's options are
//! built exactly as a sweep's are.

use crate::error::{best_match, InputError};
use crate::scenario::toml_error;
use crate::sweep::spec::{parse_conditions, parse_setting, RawCondition, RawSetting};
use crate::sweep::{Condition, FloorMetric, FloorRule, Metric, Objective, SweepSpec, MAX_VARIANTS, METRICS};
use serde::Deserialize;
use std::path::Path;

/// How the search explores the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// Bisection on monotone variables, successive halving of replications,
    /// pruning by paired cost against the best so far.
    Structured,
    /// Every option at full replications: the reference the structured search
    /// is held to.
    Grid,
}

/// Which side of its bound a constraint's metric must stay on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// At least this much (availability, worst windows).
    Min(f64),
    /// At most this much (waits, minutes in trouble).
    Max(f64),
}

/// A constraint every condition's mean must meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constraint {
    /// The metric, as the sweep measures it.
    pub metric: Metric,
    /// Its bound.
    pub bound: Bound,
}

impl Constraint {
    /// Whether `value` meets the bound.
    pub fn holds(&self, value: f64) -> bool {
        match self.bound {
            Bound::Min(min) => value >= min,
            Bound::Max(max) => value <= max,
        }
    }

    /// Whether a mean with this 95 % half-width is clearly on the wrong side.
    pub fn clearly_broken(&self, mean: f64, ci95: f64) -> bool {
        match self.bound {
            Bound::Min(min) => mean + ci95 < min,
            Bound::Max(max) => mean - ci95 > max,
        }
    }

    /// The worse of two values (the lower for a minimum).
    pub fn worse(&self, a: f64, b: f64) -> f64 {
        match self.bound {
            Bound::Min(_) => a.min(b),
            Bound::Max(_) => a.max(b),
        }
    }

    /// `availability_pct >= 99.9`, for reports.
    pub fn describe(&self) -> String {
        match self.bound {
            Bound::Min(min) => format!("{} >= {min}", self.metric.name()),
            Bound::Max(max) => format!("{} <= {max}", self.metric.name()),
        }
    }
}

/// The validated `[optimize]` section.
#[derive(Debug, Clone)]
pub struct OptimizeSpec {
    /// Search kind.
    pub search: SearchKind,
    /// Replications of a fully evaluated option.
    pub replications: u32,
    /// Replications of the first rung of successive halving.
    pub min_replications: u32,
    /// At most this many runs in all.
    pub budget_runs: u64,
    /// Per variable (in file order, as `sweep.settings`): whether later
    /// values cost more and make the constraints easier to meet.
    pub monotone: Vec<bool>,
    /// The constraints, in file order.
    pub constraints: Vec<Constraint>,
    /// The options as a sweep would build them: the variables as settings,
    /// the conditions, `replications`.
    pub sweep: SweepSpec,
}

impl OptimizeSpec {
    /// Options in the whole space.
    pub fn options(&self) -> usize {
        self.sweep.settings.iter().map(|s| s.values.len()).product()
    }

    /// Runs an exhaustive grid at full replications would make.
    pub fn grid_runs(&self) -> u64 {
        (self.options() * self.sweep.conditions.len()) as u64 * u64::from(self.replications)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptimize {
    search: Option<String>,
    objective: Option<String>,
    replications: Option<i64>,
    min_replications: Option<i64>,
    budget_runs: Option<i64>,
    #[serde(default, rename = "variable")]
    variables: Vec<RawVariable>,
    #[serde(default, rename = "constraint")]
    constraints: Vec<RawConstraint>,
    #[serde(default, rename = "condition")]
    conditions: Vec<RawCondition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    path: Option<String>,
    paths: Option<Vec<String>>,
    labels: Option<Vec<String>>,
    values: Option<Vec<toml::Value>>,
    range: Option<RawRange>,
    #[serde(default)]
    monotone: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    min: toml::Value,
    max: toml::Value,
    step: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    metric: String,
    min: Option<f64>,
    max: Option<f64>,
}

fn error(path: &Path, field: &str, message: impl Into<String>) -> InputError {
    InputError::new(path, message).at(format!("field `{field}`"))
}

/// At most this many values in one `range`.
const MAX_RANGE_VALUES: usize = 1000;

/// The values and labels of a numeric range: integers when min, max and
/// step are integers, otherwise numbers.
fn range_values(range: RawRange, field: &str, path: &Path) -> Result<(Vec<toml::Value>, Vec<String>), InputError> {
    use toml::Value;
    let bad = || {
        error(path, field, "a range takes numbers: min, max and an optional step above 0")
            .help("e.g. range = { min = 2, max = 24, step = 2 }")
    };
    let step = range.step.unwrap_or(Value::Integer(1));
    match (&range.min, &range.max, &step) {
        (Value::Integer(min), Value::Integer(max), Value::Integer(step)) => {
            if *step <= 0 || max < min {
                return Err(bad());
            }
            let count = ((max - min) / step + 1) as usize;
            if count > MAX_RANGE_VALUES {
                return Err(error(path, field, format!("the range has {count} values; at most {MAX_RANGE_VALUES}")));
            }
            let values: Vec<i64> = (0..count as i64).map(|i| min + i * step).collect();
            Ok((values.iter().map(|&v| Value::Integer(v)).collect(), values.iter().map(i64::to_string).collect()))
        }
        _ => {
            let number = |v: &Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
            let (Some(min), Some(max), Some(step)) = (number(&range.min), number(&range.max), number(&step)) else {
                return Err(bad());
            };
            if !(min.is_finite() && max.is_finite() && step.is_finite() && step > 0.0 && max >= min) {
                return Err(bad());
            }
            let count = ((max - min) / step + 1e-9).floor() as usize + 1;
            if count > MAX_RANGE_VALUES {
                return Err(error(path, field, format!("the range has {count} values; at most {MAX_RANGE_VALUES}")));
            }
            let values: Vec<f64> = (0..count).map(|i| min + i as f64 * step).collect();
            Ok((values.iter().map(|&v| Value::Float(v)).collect(), values.iter().map(|v| format!("{v}")).collect()))
        }
    }
}

/// Reads the `[optimize]` section of `path`.
pub(super) fn parse_spec(raw: toml::Value, path: &Path) -> Result<OptimizeSpec, InputError> {
    if !raw.is_table() {
        return Err(error(path, "optimize", "`optimize` must be a table").help("write an [optimize] section"));
    }
    let raw: RawOptimize = raw.try_into().map_err(|e| toml_error(path, "", &e).at("field `optimize`"))?;
    let search = match raw.search.as_deref().unwrap_or("structured") {
        "structured" => SearchKind::Structured,
        "grid" => SearchKind::Grid,
        other => {
            return Err(error(path, "optimize.search", format!("unknown search `{other}`"))
                .help("use \"structured\" (the default) or \"grid\" (every option, as a reference)"))
        }
    };
    if let Some(objective) = raw.objective.as_deref() {
        if objective != "cost" {
            return Err(error(path, "optimize.objective", format!("unknown objective `{objective}`"))
                .help("the search minimises \"cost\"; put other figures in [[optimize.constraint]]"));
        }
    }
    let replications = raw.replications.unwrap_or(4);
    if !(1..=1000).contains(&replications) {
        return Err(error(path, "optimize.replications", "replications must be between 1 and 1000"));
    }
    let min_replications = raw.min_replications.unwrap_or(2.min(replications));
    if !(1..=replications).contains(&min_replications) {
        return Err(error(path, "optimize.min_replications", "must be between 1 and `replications`"));
    }
    if raw.variables.is_empty() {
        return Err(error(path, "optimize.variable", "the search has no decision variable").help(
            "add [[optimize.variable]] sections, e.g. path = \"fleet.web.count\", range = { min = 2, max = 20 }",
        ));
    }
    let mut settings = Vec::new();
    let mut monotone = Vec::new();
    for (i, variable) in raw.variables.into_iter().enumerate() {
        let field = format!("optimize.variable[{i}]");
        let (values, labels) = match (variable.values, variable.range) {
            (Some(values), None) => (values, variable.labels),
            (None, Some(range)) => {
                if variable.labels.is_some() {
                    return Err(error(path, &format!("{field}.labels"), "a range labels its values itself"));
                }
                let (values, labels) = range_values(range, &format!("{field}.range"), path)?;
                (values, Some(labels))
            }
            _ => {
                return Err(error(path, &field, "give the variable `values` or a `range`, one of the two")
                    .help("e.g. values = [\"m5.large\", \"m6i.large\"], or range = { min = 2, max = 20 }"))
            }
        };
        let setting = RawSetting { path: variable.path, paths: variable.paths, labels, values };
        settings.push(parse_setting(setting, &field, path)?);
        monotone.push(variable.monotone);
    }
    let mut constraints = Vec::new();
    for (i, constraint) in raw.constraints.into_iter().enumerate() {
        let field = format!("optimize.constraint[{i}]");
        let names = || METRICS.iter().map(|m| m.name());
        let Some(&metric) = METRICS.iter().find(|m| m.name() == constraint.metric) else {
            let err = error(path, &format!("{field}.metric"), format!("unknown metric `{}`", constraint.metric));
            let all = names().collect::<Vec<_>>().join(", ");
            return Err(match best_match(&constraint.metric, names()) {
                Some(best) => err.help(format!("did you mean `{best}`? Metrics: {all}")),
                None => err.help(format!("metrics: {all}")),
            });
        };
        if metric == Metric::Cost {
            return Err(error(path, &format!("{field}.metric"), "cost is what the search minimises")
                .help("constrain availability, worst windows, waits or minutes in trouble"));
        }
        let bound = match (constraint.min, constraint.max) {
            (Some(min), None) if min.is_finite() => Bound::Min(min),
            (None, Some(max)) if max.is_finite() => Bound::Max(max),
            _ => {
                return Err(error(path, &field, "give the constraint one finite bound, `min` or `max`")
                    .help("e.g. metric = \"availability_pct\", min = 99.9"))
            }
        };
        constraints.push(Constraint { metric, bound });
    }
    let conditions = parse_conditions(raw.conditions, "optimize.condition", path)?;
    let declares_conditions = !conditions.is_empty();
    let conditions = if conditions.is_empty() {
        vec![Condition { label: "nominal".to_string(), weight: 1.0, set: Vec::new() }]
    } else {
        conditions
    };
    let options = settings.iter().try_fold(1usize, |n, s| n.checked_mul(s.values.len()));
    if options.is_none_or(|n| n > MAX_VARIANTS * 100) {
        return Err(error(
            path,
            "optimize.variable",
            format!("too many options: at most {} in one search", MAX_VARIANTS * 100),
        ));
    }
    let sweep = SweepSpec {
        replications: replications as u32,
        objective: Objective::Cost,
        min_availability_pct: None,
        floor_metric: FloorMetric::Availability,
        floor_rule: FloorRule::EveryCondition,
        baseline: None,
        conditions,
        declares_conditions,
        cost_tolerance_pct: 0.0,
        availability_tolerance_points: 0.0,
        settings,
        sections: ["optimize.variable", "optimize.condition"],
    };
    let mut spec = OptimizeSpec {
        search,
        replications: replications as u32,
        min_replications: min_replications as u32,
        budget_runs: 0,
        monotone,
        constraints,
        sweep,
    };
    spec.budget_runs = match raw.budget_runs {
        None => spec.grid_runs(),
        Some(n) if n >= 1 => n as u64,
        Some(_) => return Err(error(path, "optimize.budget_runs", "the budget must be at least 1 run")),
    };
    Ok(spec)
}
