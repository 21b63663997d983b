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
    /// Runs per variant, each with its own seed.
    pub replications: u32,
    /// How variants are ranked.
    pub objective: Objective,
    /// Variants with a lower mean availability are ranked after the others.
    pub min_availability_pct: Option<f64>,
    /// `ecs-sim check`: how much dearer (percent) a variant may get.
    pub cost_tolerance_pct: f64,
    /// `ecs-sim check`: how many points of availability a variant may lose.
    pub availability_tolerance_points: f64,
    /// The settings, in file order.
    pub settings: Vec<Setting>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSweep {
    replications: Option<i64>,
    objective: Option<String>,
    min_availability_pct: Option<f64>,
    cost_tolerance_pct: Option<f64>,
    availability_tolerance_points: Option<f64>,
    #[serde(default, rename = "setting")]
    settings: Vec<RawSetting>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSetting {
    path: Option<String>,
    paths: Option<Vec<String>>,
    labels: Option<Vec<String>>,
    values: Vec<toml::Value>,
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
    let cost_tolerance_pct = number("sweep.cost_tolerance_pct", raw.cost_tolerance_pct, 2.0, 1000.0)?;
    let availability_tolerance_points =
        number("sweep.availability_tolerance_points", raw.availability_tolerance_points, 0.1, 100.0)?;
    let mut settings = Vec::new();
    for (i, setting) in raw.settings.into_iter().enumerate() {
        let field = |name: &str| format!("sweep.setting[{i}].{name}");
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
            let safe = !label.is_empty()
                && label.len() <= 64
                && label != "."
                && label != ".."
                && label.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !safe {
                return Err(sweep_error(path, &field("labels"), format!("label `{label}` cannot name a folder"))
                    .help("use 1 to 64 letters, digits, `-`, `_` or `.`"));
            }
            if labels[..j].contains(label) {
                return Err(sweep_error(path, &field("labels"), format!("two values are labelled `{label}`")));
            }
        }
        settings.push(Setting { paths, labels, values: setting.values });
    }
    let variants = settings.iter().try_fold(1usize, |n, s| n.checked_mul(s.values.len()));
    match variants {
        Some(n) if n <= MAX_VARIANTS && n * replications as usize <= MAX_RUNS => {}
        _ => {
            return Err(sweep_error(
                path,
                "sweep.setting",
                format!("too many runs: at most {MAX_VARIANTS} variants and {MAX_RUNS} runs in one sweep"),
            ));
        }
    }
    Ok(SweepSpec {
        replications: replications as u32,
        objective,
        min_availability_pct,
        cost_tolerance_pct,
        availability_tolerance_points,
        settings,
    })
}

pub(super) fn build_variants(root: &toml::Table, spec: &SweepSpec, path: &Path) -> Result<Vec<Variant>, InputError> {
    let count: usize = spec.settings.iter().map(|s| s.values.len()).product();
    let mut variants = Vec::with_capacity(count);
    for index in 0..count {
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
                    let field = if setting.paths.len() == 1 {
                        format!("sweep.setting[{s}].path")
                    } else {
                        format!("sweep.setting[{s}].paths[{p}]")
                    };
                    InputError { file: path.to_path_buf(), location: Some(format!("field `{field}`")), ..e }
                })?;
            }
            labels.push(setting.labels[choice].clone());
        }
        let label = if labels.is_empty() { "base".to_string() } else { labels.join("+") };
        let scenario = Scenario::from_toml_value(value, path).map_err(|e| {
            let what: Vec<String> = spec
                .settings
                .iter()
                .zip(&choices)
                .map(|(setting, &c)| format!("{} = {}", setting.paths.join(", "), setting.values[c]))
                .collect();
            InputError {
                message: format!("sweep variant `{label}`: {}", e.message),
                help: Some(match e.help {
                    Some(help) => format!("{help}\n  the variant sets {}", what.join("; ")),
                    None => format!("the variant sets {}", what.join("; ")),
                }),
                ..e
            }
        })?;
        variants.push(Variant { index, label, choices, scenario });
    }
    Ok(variants)
}
