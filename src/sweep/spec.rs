//! The `[sweep]` section: read raw, validated into a [`SweepSpec`], and
//! expanded into the cartesian product of its settings' values.

use super::patch::{apply_setting, segments};
use super::{Variant, MAX_RUNS, MAX_VARIANTS};
use crate::error::{best_match, InputError};
use crate::scenario::{toml_error, Scenario};
use serde::Deserialize;
use std::path::Path;
/// What the ranking puts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Lowest mean cost; ties by higher availability.
    Cost,
    /// Highest mean availability; ties by lower cost.
    Availability,
    /// Lowest mean p95 task wait; ties by higher availability, then lower cost.
    TaskWait,
}

impl Objective {
    /// The name used in the scenario file.
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::Cost => "cost",
            Objective::Availability => "availability",
            Objective::TaskWait => "task_wait",
        }
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Objective::Cost => "lowest mean cost; ties broken by higher availability",
            Objective::Availability => "highest mean availability; ties broken by lower cost",
            Objective::TaskWait => "lowest mean p95 task wait; ties broken by higher availability, then lower cost",
        }
    }
}

/// The availability figure a sweep's floor is on (`floor_metric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloorMetric {
    /// Availability over the run.
    Availability,
    /// The worst five minutes.
    Worst5m,
    /// The worst hour.
    Worst1h,
    /// The worst calendar day.
    WorstDay,
}

impl FloorMetric {
    /// The names the scenario file accepts, in order.
    pub const NAMES: [&'static str; 4] = ["availability", "worst_5m", "worst_1h", "worst_day"];

    /// The name used in the scenario file.
    pub fn as_str(self) -> &'static str {
        match self {
            FloorMetric::Availability => "availability",
            FloorMetric::Worst5m => "worst_5m",
            FloorMetric::Worst1h => "worst_1h",
            FloorMetric::WorstDay => "worst_day",
        }
    }

    /// Words for the report.
    pub fn describe(self) -> &'static str {
        match self {
            FloorMetric::Availability => "availability",
            FloorMetric::Worst5m => "worst 5-minute availability",
            FloorMetric::Worst1h => "worst 1-hour availability",
            FloorMetric::WorstDay => "worst-day availability",
        }
    }
}

/// How the floor applies across conditions (`floor_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloorRule {
    /// The option's mean must reach the floor under every condition.
    EveryCondition,
    /// The conditions' weighted mean must reach it.
    Weighted,
}

/// A condition every option must face: a named change to the scenario
/// (`[[sweep.condition]]`), with its weight.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Its label (`nominal` for the implicit one).
    pub label: String,
    /// Its weight in weighted means (normalised over the conditions).
    pub weight: f64,
    /// The (path, value) pairs it sets, applied after the option's settings.
    pub set: Vec<(String, toml::Value)>,
}

/// One swept setting: where it goes and its alternative values.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The paths it sets (usually one).
    pub paths: Vec<String>,
    /// A label per value, used in variant labels.
    pub labels: Vec<String>,
    /// The alternative values.
    pub values: Vec<toml::Value>,
}

/// The validated `[sweep]` section.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// Replications of every option under every condition; replication *k*
    /// uses the same seed for all of them (common random numbers).
    pub replications: u32,
    /// How options are ranked.
    pub objective: Objective,
    /// Options below this floor are ranked after the others.
    pub min_availability_pct: Option<f64>,
    /// What the floor is on.
    pub floor_metric: FloorMetric,
    /// How the floor applies across conditions.
    pub floor_rule: FloorRule,
    /// The option paired differences are taken against (by label; the first
    /// option when not named).
    pub baseline: Option<String>,
    /// The conditions, in file order (one implicit `nominal` when none is given).
    pub conditions: Vec<Condition>,
    /// Whether the file declared conditions (run folders then name them).
    pub declares_conditions: bool,
    /// `ecs-sim check`: how much dearer (percent) a variant may get.
    pub cost_tolerance_pct: f64,
    /// `ecs-sim check`: how many points of availability a variant may lose.
    pub availability_tolerance_points: f64,
    /// The settings, in file order.
    pub settings: Vec<Setting>,
    /// What errors call a setting and a condition (`sweep.setting`,
    /// `sweep.condition`; `optimize.variable`, `optimize.condition`).
    pub sections: [&'static str; 2],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSweep {
    replications: Option<i64>,
    objective: Option<String>,
    min_availability_pct: Option<f64>,
    floor_metric: Option<String>,
    floor_rule: Option<String>,
    baseline: Option<String>,
    cost_tolerance_pct: Option<f64>,
    availability_tolerance_points: Option<f64>,
    #[serde(default, rename = "setting")]
    settings: Vec<RawSetting>,
    #[serde(default, rename = "condition")]
    conditions: Vec<RawCondition>,
}

/// A `[[sweep.condition]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    label: Option<String>,
    weight: Option<f64>,
    #[serde(default)]
    set: toml::Table,
}

/// A `[[sweep.setting]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSetting {
    pub(crate) path: Option<String>,
    pub(crate) paths: Option<Vec<String>>,
    pub(crate) labels: Option<Vec<String>>,
    pub(crate) values: Vec<toml::Value>,
}

pub(super) fn sweep_error(path: &Path, field: &str, message: impl Into<String>) -> InputError {
    InputError::new(path, message).at(format!("field `{field}`"))
}

pub(super) fn parse_spec(raw: toml::Value, path: &Path) -> Result<SweepSpec, InputError> {
    if !raw.is_table() {
        return Err(sweep_error(path, "sweep", "`sweep` must be a table").help("write a [sweep] section"));
    }
    let raw: RawSweep = raw.try_into().map_err(|e| toml_error(path, "", &e).at("field `sweep`"))?;
    let replications = raw.replications.unwrap_or(1);
    if !(1..=1000).contains(&replications) {
        return Err(sweep_error(path, "sweep.replications", "replications must be between 1 and 1000"));
    }
    let objective = match raw.objective.as_deref().unwrap_or("cost") {
        "cost" => Objective::Cost,
        "availability" => Objective::Availability,
        "task_wait" => Objective::TaskWait,
        other => {
            let names = ["cost", "availability", "task_wait"];
            let err = sweep_error(path, "sweep.objective", format!("unknown objective `{other}`"));
            return Err(match best_match(other, names.into_iter()) {
                Some(best) => err.help(format!("did you mean `{best}`? Objectives: cost, availability, task_wait")),
                None => err.help("objectives: cost, availability, task_wait"),
            });
        }
    };
    let number = |field: &str, value: Option<f64>, default: f64, max: f64| -> Result<f64, InputError> {
        let value = value.unwrap_or(default);
        if value.is_finite() && (0.0..=max).contains(&value) {
            Ok(value)
        } else {
            Err(sweep_error(path, field, format!("must be a number from 0 to {max}")))
        }
    };
    let min_availability_pct = match raw.min_availability_pct {
        Some(value) => Some(number("sweep.min_availability_pct", Some(value), 0.0, 100.0)?),
        None => None,
    };
    let floor_metric = match raw.floor_metric.as_deref().unwrap_or("availability") {
        "availability" => FloorMetric::Availability,
        "worst_5m" => FloorMetric::Worst5m,
        "worst_1h" => FloorMetric::Worst1h,
        "worst_day" => FloorMetric::WorstDay,
        other => {
            let err = sweep_error(path, "sweep.floor_metric", format!("unknown floor metric `{other}`"));
            let all = FloorMetric::NAMES.join(", ");
            return Err(match best_match(other, FloorMetric::NAMES.into_iter()) {
                Some(best) => err.help(format!("did you mean `{best}`? Floor metrics: {all}")),
                None => err.help(format!("floor metrics: {all}")),
            });
        }
    };
    let floor_rule = match raw.floor_rule.as_deref().unwrap_or("every_condition") {
        "every_condition" => FloorRule::EveryCondition,
        "weighted" => FloorRule::Weighted,
        other => {
            return Err(sweep_error(path, "sweep.floor_rule", format!("unknown floor rule `{other}`"))
                .help("use \"every_condition\" (the default) or \"weighted\""));
        }
    };
    let conditions = parse_conditions(raw.conditions, "sweep.condition", path)?;
    let cost_tolerance_pct = number("sweep.cost_tolerance_pct", raw.cost_tolerance_pct, 2.0, 1000.0)?;
    let availability_tolerance_points =
        number("sweep.availability_tolerance_points", raw.availability_tolerance_points, 0.1, 100.0)?;
    let settings = raw
        .settings
        .into_iter()
        .enumerate()
        .map(|(i, setting)| parse_setting(setting, &format!("sweep.setting[{i}]"), path))
        .collect::<Result<Vec<_>, _>>()?;
    let variants = settings.iter().try_fold(1usize, |n, s| n.checked_mul(s.values.len()));
    let cells = variants.and_then(|n| n.checked_mul(conditions.len().max(1)));
    match (variants, cells) {
        (Some(n), Some(cells)) if n <= MAX_VARIANTS && cells * replications as usize <= MAX_RUNS => {}
        _ => {
            return Err(sweep_error(
                path,
                "sweep.setting",
                format!(
                    "too many runs: at most {MAX_VARIANTS} options and {MAX_RUNS} runs (options × conditions × \
                     replications) in one sweep"
                ),
            ));
        }
    }
    if let Some(baseline) = &raw.baseline {
        if baseline.is_empty() {
            return Err(sweep_error(path, "sweep.baseline", "name an option label, e.g. baseline = \"binpack\""));
        }
    }
    let declares_conditions = !conditions.is_empty();
    let conditions = if conditions.is_empty() {
        vec![Condition { label: "nominal".to_string(), weight: 1.0, set: Vec::new() }]
    } else {
        conditions
    };
    Ok(SweepSpec {
        replications: replications as u32,
        objective,
        min_availability_pct,
        floor_metric,
        floor_rule,
        baseline: raw.baseline,
        conditions,
        declares_conditions,
        cost_tolerance_pct,
        availability_tolerance_points,
        settings,
        sections: ["sweep.setting", "sweep.condition"],
    })
}

/// Reads one `[[sweep.setting]]` (or another section of the same shape,
/// named by `field`, e.g. `optimize.variable[2]`).
pub(crate) fn parse_setting(setting: RawSetting, field: &str, path: &Path) -> Result<Setting, InputError> {
    let field = |name: &str| format!("{field}.{name}");
    let paths = match (setting.path, setting.paths) {
        (Some(one), None) => vec![one],
        (None, Some(many)) if !many.is_empty() => many,
        (Some(_), Some(_)) => {
            return Err(sweep_error(path, &field("path"), "give `path` or `paths`, not both"));
        }
        _ => {
            return Err(sweep_error(path, &field("path"), "the setting names no path")
                .help("e.g. path = \"workload.web.run_task.placementStrategy\""));
        }
    };
    for p in &paths {
        segments(p).map_err(|e| sweep_error(path, &field("path"), e))?;
    }
    if setting.values.is_empty() {
        return Err(sweep_error(path, &field("values"), "list at least one value"));
    }
    let labels = match setting.labels {
        Some(labels) if labels.len() != setting.values.len() => {
            return Err(sweep_error(
                path,
                &field("labels"),
                format!("{} labels for {} values; give one label per value", labels.len(), setting.values.len()),
            ));
        }
        Some(labels) => labels,
        None => (0..setting.values.len()).map(|v| format!("v{v}")).collect(),
    };
    for (j, label) in labels.iter().enumerate() {
        check_label(path, &field("labels"), label)?;
        if labels[..j].contains(label) {
            return Err(sweep_error(path, &field("labels"), format!("two values are labelled `{label}`")));
        }
    }
    Ok(Setting { paths, labels, values: setting.values })
}

/// Label rules shared by setting values and conditions: they name folders.
fn check_label(path: &Path, field: &str, label: &str) -> Result<(), InputError> {
    let safe = !label.is_empty()
        && label.len() <= 64
        && label != "."
        && label != ".."
        && label.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if safe {
        Ok(())
    } else {
        Err(sweep_error(path, field, format!("label `{label}` cannot name a folder"))
            .help("use 1 to 64 letters, digits, `-`, `_` or `.`"))
    }
}

/// Reads the conditions of a section (`section` names them in errors, e.g.
/// `sweep.condition`).
pub(crate) fn parse_conditions(
    raw: Vec<RawCondition>,
    section: &str,
    path: &Path,
) -> Result<Vec<Condition>, InputError> {
    let mut conditions: Vec<Condition> = Vec::new();
    for (i, condition) in raw.into_iter().enumerate() {
        let field = |name: &str| format!("{section}[{i}].{name}");
        let label = condition.label.ok_or_else(|| {
            sweep_error(path, &field("label"), "the condition has no label")
                .help("e.g. label = \"zone-outage\"; every option runs under every condition")
        })?;
        check_label(path, &field("label"), &label)?;
        if conditions.iter().any(|c| c.label == label) {
            return Err(sweep_error(path, &field("label"), format!("two conditions are labelled `{label}`")));
        }
        let weight = condition.weight.unwrap_or(1.0);
        if !(weight.is_finite() && weight > 0.0) {
            return Err(sweep_error(path, &field("weight"), format!("{weight} is not a weight"))
                .help("use a number above 0; weights are normalised over the conditions"));
        }
        let mut set = Vec::new();
        for (key, value) in condition.set {
            segments(&key).map_err(|e| sweep_error(path, &field("set"), e))?;
            let first = segments(&key).ok().and_then(|s| s.first().cloned());
            if matches!(first.as_deref(), Some("sweep" | "optimize")) {
                return Err(sweep_error(path, &field("set"), "a condition cannot set the sweep or the search itself"));
            }
            set.push((key, value));
        }
        conditions.push(Condition { label, weight, set });
    }
    Ok(conditions)
}

/// Option `index` of the settings' cartesian product (the last setting
/// varying fastest), validated under every condition.
pub(crate) fn build_variant(
    root: &toml::Table,
    spec: &SweepSpec,
    index: usize,
    path: &Path,
) -> Result<Variant, InputError> {
    // Mixed radix: the last setting varies fastest.
    let mut choices = vec![0; spec.settings.len()];
    let mut rest = index;
    for (s, setting) in spec.settings.iter().enumerate().rev() {
        choices[s] = rest % setting.values.len();
        rest /= setting.values.len();
    }
    let mut value = toml::Value::Table(root.clone());
    let mut labels = Vec::new();
    for (s, (setting, &choice)) in spec.settings.iter().zip(&choices).enumerate() {
        for (p, setting_path) in setting.paths.iter().enumerate() {
            apply_setting(&mut value, setting_path, setting.values[choice].clone()).map_err(|e| {
                let section = spec.sections[0];
                let field = if setting.paths.len() == 1 {
                    format!("{section}[{s}].path")
                } else {
                    format!("{section}[{s}].paths[{p}]")
                };
                InputError { file: path.to_path_buf(), location: Some(format!("field `{field}`")), ..e }
            })?;
        }
        labels.push(setting.labels[choice].clone());
    }
    let label = if labels.is_empty() { "base".to_string() } else { labels.join("+") };
    let mut what: Vec<String> = spec
        .settings
        .iter()
        .zip(&choices)
        .map(|(setting, &c)| format!("{} = {}", setting.paths.join(", "), setting.values[c]))
        .collect();
    let mut scenarios = Vec::with_capacity(spec.conditions.len());
    for (c, condition) in spec.conditions.iter().enumerate() {
        let mut value = value.clone();
        for (key, set) in &condition.set {
            apply_setting(&mut value, key, set.clone()).map_err(|e| InputError {
                file: path.to_path_buf(),
                location: Some(format!("field `{}[{c}].set`", spec.sections[1])),
                ..e
            })?;
        }
        let under =
            if spec.declares_conditions { format!(" under condition `{}`", condition.label) } else { String::new() };
        let kind = if spec.sections[0].starts_with("optimize") { "search option" } else { "sweep option" };
        let scenario = Scenario::from_toml_value(value, path).map_err(|e| {
            what.extend(condition.set.iter().map(|(key, v)| format!("{key} = {v}")));
            InputError {
                message: format!("{kind} `{label}`{under}: {}", e.message),
                help: Some(match e.help {
                    Some(help) => format!("{help}\n  the run sets {}", what.join("; ")),
                    None => format!("the run sets {}", what.join("; ")),
                }),
                ..e
            }
        })?;
        scenarios.push(scenario);
    }
    Ok(Variant { index, label, choices, scenarios })
}

pub(super) fn build_variants(root: &toml::Table, spec: &SweepSpec, path: &Path) -> Result<Vec<Variant>, InputError> {
    let count: usize = spec.settings.iter().map(|s| s.values.len()).product();
    let variants = (0..count).map(|index| build_variant(root, spec, index, path)).collect::<Result<Vec<_>, _>>()?;
    if let Some(baseline) = &spec.baseline {
        if !variants.iter().any(|v| &v.label == baseline) {
            let labels: Vec<&str> = variants.iter().map(|v| v.label.as_str()).collect();
            let err = sweep_error(path, "sweep.baseline", format!("no option is labelled `{baseline}`"));
            return Err(match best_match(baseline, labels.iter().copied()) {
                Some(best) => err.help(format!("did you mean `{best}`? Options: {}", labels.join(", "))),
                None => err.help(format!("options: {}", labels.join(", "))),
            });
        }
    }
    Ok(variants)
}
