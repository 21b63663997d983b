//! Sweeps: a `[sweep]` section names scenario settings and their alternative
//! values; ecs-sim runs every combination (a *variant*) several times with
//! different seeds (*replications*), in parallel, and compares the variants.
//!
//! ```toml
//! [sweep]
//! replications = 5
//! objective = "cost"            # or "availability", "task_wait"
//! min_availability_pct = 99.0   # variants below are ranked after the rest
//! cost_tolerance_pct = 2.0      # `ecs-sim check` defaults
//! availability_tolerance_points = 0.1
//! [[sweep.setting]]
//! path = "workload.web.run_task.placementStrategy"
//! labels = ["binpack", "random"]
//! values = [[{ type = "binpack", field = "memory" }], [{ type = "random" }]]
//! ```
//!
//! A setting's `path` walks the scenario's TOML: table keys by name, arrays
//! of tables (`[[fleet]]`, `[[workload]]`, `[[task_definition]]`) by the
//! element's `name` (`family` for task definitions) or by index. A key may be
//! quoted (`fleet.web.attributes."team.name"`). `paths = [...]` sets the same
//! value in several places at once. The value replaces what is there (or adds
//! the last key).
//!
//! Run `i = variant × replications + replication` uses the seed
//! `derive_seed(scenario seed, i)`, so every run can be replayed alone
//! (`--only VARIANT`), and outputs do not depend on the number of threads.

use crate::charts::{self, ChartSet, ChartVariant, Sample, WaitData};
use crate::engine::derive_seed;
use crate::error::{best_match, Error, InputError};
use crate::record::RunSummary;
use crate::report::{fixed, AtomicFile, CsvFile};
use crate::scenario::{toml_error, Scenario};
use crate::simulation::run_scenario;
use crate::stats::{estimate, pareto_front, Estimate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Deserialize;
use std::cmp::Ordering;
use std::io::Write;
use std::path::{Path, PathBuf};

/// At most this many variants in one sweep.
pub const MAX_VARIANTS: usize = 10_000;
/// At most this many runs in one sweep.
pub const MAX_RUNS: usize = 100_000;

/// The files a sweep writes beside its `runs/` folder.
pub const SWEEP_FILES: [&str; 3] = ["variants.csv", "runs.csv", "report.md"];

/// Columns of `variants.csv`.
pub const VARIANTS_HEADER: [&str; 14] = [
    "rank",
    "variant",
    "runs",
    "cost_usd_mean",
    "cost_usd_ci95",
    "cpu_reservation_pct_mean",
    "cpu_reservation_pct_ci95",
    "memory_reservation_pct_mean",
    "memory_reservation_pct_ci95",
    "availability_pct_mean",
    "availability_pct_ci95",
    "task_wait_p95_s_mean",
    "task_wait_p95_s_ci95",
    "pareto",
];

const RUNS_HEADER: [&str; 13] = [
    "run",
    "variant",
    "replication",
    "seed",
    "cost_usd",
    "cpu_reservation_pct",
    "memory_reservation_pct",
    "availability_pct",
    "task_wait_p95_s",
    "tasks_submitted",
    "tasks_failed",
    "events",
    "results",
];

/// Decimals of cost figures in the outputs.
const COST_DECIMALS: usize = 4;
/// Decimals of percentages and seconds in the outputs.
const DECIMALS: usize = 3;

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

    fn describe(self) -> &'static str {
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

/// One combination of setting values.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Position in the full sweep (the last setting varies fastest).
    pub index: usize,
    /// Labels of each setting's value joined with `+` (`base` with no settings).
    pub label: String,
    /// The chosen value of each setting.
    pub choices: Vec<usize>,
    /// The validated scenario for this variant.
    pub scenario: Scenario,
}

/// A scenario with a validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The scenario as written, without any sweep value applied.
    pub base: Scenario,
    /// The `[sweep]` section.
    pub spec: SweepSpec,
    /// Every variant, in index order.
    pub variants: Vec<Variant>,
}

/// A scenario file: one run, or a sweep.
#[derive(Debug)]
pub enum Loaded {
    /// No `[sweep]` section.
    Single(Box<Scenario>),
    /// A `[sweep]` section, validated with all its variants.
    Sweep(Box<Sweep>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
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
struct RawSetting {
    path: Option<String>,
    paths: Option<Vec<String>>,
    labels: Option<Vec<String>>,
    values: Vec<toml::Value>,
}

/// Reads a scenario file and, when it has a `[sweep]` section, validates the
/// sweep and every variant, so that a bad value fails before any run.
pub fn load(path: &Path) -> Result<Loaded, InputError> {
    let text = crate::scenario::read_text(path)?;
    // Parsed twice: into the typed scenario (whose errors carry lines), then
    // as a plain table that sweep values are applied to.
    let base = Scenario::from_toml(&text, path)?;
    let mut root: toml::Table = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    let Some(raw) = root.remove("sweep") else {
        return Ok(Loaded::Single(Box::new(base)));
    };
    let spec = parse_spec(raw, path)?;
    let variants = build_variants(&root, &spec, path)?;
    Ok(Loaded::Sweep(Box::new(Sweep { base, spec, variants })))
}

fn sweep_error(path: &Path, field: &str, message: impl Into<String>) -> InputError {
    InputError::new(path, message).at(format!("field `{field}`"))
}

fn parse_spec(raw: toml::Value, path: &Path) -> Result<SweepSpec, InputError> {
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

/// Splits a setting path at dots outside double quotes.
fn segments(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for c in path.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                if current.is_empty() && !was_quoted {
                    return Err(format!(
                        "`{path}` has an empty step; write keys joined by dots, e.g. `workload.web.max_wait`"
                    ));
                }
                out.push(std::mem::take(&mut current));
                was_quoted = false;
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err(format!("`{path}` has an unclosed quote"));
    }
    if current.is_empty() && !was_quoted {
        return Err(format!("`{path}` has an empty step; write keys joined by dots, e.g. `workload.web.max_wait`"));
    }
    out.push(current);
    Ok(out)
}

/// The element of an array of tables named `name` (or `family`), or at that index.
fn find_element(array: &[toml::Value], segment: &str) -> Option<usize> {
    let named = |v: &toml::Value, key: &str| v.get(key).and_then(|n| n.as_str()) == Some(segment);
    array
        .iter()
        .position(|v| named(v, "name"))
        .or_else(|| array.iter().position(|v| named(v, "family")))
        .or_else(|| array.iter().position(|v| named(v, "serviceName")))
        .or_else(|| segment.parse::<usize>().ok().filter(|&i| i < array.len()))
}

/// What a missing step could have been.
fn available(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(table) => {
            let keys: Vec<String> = table.keys().map(|k| format!("`{k}`")).collect();
            if keys.is_empty() {
                "the table is empty".to_string()
            } else {
                format!("available keys: {}", keys.join(", "))
            }
        }
        toml::Value::Array(array) => {
            let names: Vec<String> = array
                .iter()
                .enumerate()
                .map(|(i, v)| match v.get("name").or_else(|| v.get("family")).and_then(|n| n.as_str()) {
                    Some(name) => format!("`{name}`"),
                    None => format!("`{i}`"),
                })
                .collect();
            format!("available: {} (or an index from 0 to {})", names.join(", "), array.len().saturating_sub(1))
        }
        _ => "it holds a plain value, not a table or an array".to_string(),
    }
}

/// Replaces (or adds) the value at `path` in `root`.
pub fn apply_setting(root: &mut toml::Value, path: &str, value: toml::Value) -> Result<(), InputError> {
    // Errors here are completed with the file and field by the caller.
    let fail = |message: String, help: String| Err(InputError::new("", message).help(help));
    let steps = segments(path).map_err(|e| InputError::new("", e))?;
    if steps.len() == 2 && steps[0] == "simulation" && steps[1] == "seed" {
        return fail(
            "the seed cannot be swept: every run's seed is derived from simulation.seed and its index".to_string(),
            "use `replications` for more seeds, or `--seed` to change the base seed".to_string(),
        );
    }
    let mut here = root;
    let mut walked = String::new();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let place = if walked.is_empty() { "the top level".to_string() } else { format!("`{walked}`") };
        let next: &mut toml::Value = match here {
            toml::Value::Table(table) => {
                if last {
                    table.insert(step.clone(), value);
                    return Ok(());
                }
                if !table.contains_key(step) {
                    return fail(
                        format!("path `{path}`: {place} has no `{step}`"),
                        available(&toml::Value::Table(table.clone())),
                    );
                }
                match table.get_mut(step) {
                    Some(next) => next,
                    None => return fail(format!("path `{path}`: {place} has no `{step}`"), String::new()),
                }
            }
            toml::Value::Array(array) => {
                let Some(index) = find_element(array, step) else {
                    let help = available(&toml::Value::Array(array.clone()));
                    return fail(format!("path `{path}`: {place} has no element named `{step}`"), help);
                };
                if last {
                    array[index] = value;
                    return Ok(());
                }
                &mut array[index]
            }
            _ => {
                return fail(
                    format!("path `{path}`: {place} is {}, so it has no `{step}`", with_article(here.type_str())),
                    "end the path at the value to replace".to_string(),
                );
            }
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(step);
        here = next;
    }
    Ok(())
}

fn build_variants(root: &toml::Table, spec: &SweepSpec, path: &Path) -> Result<Vec<Variant>, InputError> {
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

impl Sweep {
    /// Sets the base seed every run's seed is derived from.
    pub fn set_seed(&mut self, seed: u64) {
        self.base.seed = seed;
    }

    /// Runs in the whole sweep.
    pub fn total_runs(&self) -> usize {
        self.variants.len() * self.spec.replications as usize
    }

    /// The variant labelled `label`, or an error listing the labels.
    pub fn variant(&self, label: &str) -> Result<&Variant, InputError> {
        self.variants.iter().find(|v| v.label == label).ok_or_else(|| {
            let labels: Vec<&str> = self.variants.iter().map(|v| v.label.as_str()).collect();
            let err = InputError::new(&self.base.path, format!("no sweep variant is labelled `{label}`"))
                .at("option `--only`");
            match best_match(label, labels.iter().copied()) {
                Some(best) => err.help(format!("did you mean `{best}`? Variants: {}", labels.join(", "))),
                None => err.help(format!("variants: {}", labels.join(", "))),
            }
        })
    }

    /// The seed of run `index` (`variant × replications + replication`).
    pub fn seed_of(&self, index: u64) -> u64 {
        derive_seed(self.base.seed, index)
    }
}

/// Where a run writes its CSVs: `<out>/runs/<label>/rep-<k>/`.
pub fn run_dir(out: &Path, label: &str, replication: u32) -> PathBuf {
    out.join("runs").join(label).join(format!("rep-{replication}"))
}

/// How to run a sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Replay only the variant with this label: its runs, with their seeds
    /// in the full sweep, and no aggregate files.
    pub only: Option<String>,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// The figures of one run that the sweep compares.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Run index in the full sweep.
    pub run: u64,
    /// Variant index.
    pub variant: usize,
    /// Replication number.
    pub replication: u32,
    /// The run's seed.
    pub seed: u64,
    /// Where its CSVs are.
    pub dir: PathBuf,
    /// The simulator's summary.
    pub summary: RunSummary,
    /// Total cost, USD.
    pub cost_usd: f64,
    /// Share of submitted tasks that did not fail, percent.
    pub availability_pct: f64,
    /// Task wait percentiles p50, p95, p99 in seconds (none when no task was placed).
    pub task_wait_s: [Option<f64>; 3],
    /// Replication 0 only: what the charts draw.
    chart: Option<(Vec<Sample>, WaitData)>,
}

/// Mean and confidence interval of each metric of a variant, and its place.
#[derive(Debug, Clone)]
pub struct VariantStats {
    /// 1 for the best variant under the objective.
    pub rank: usize,
    /// Variant index in the full sweep.
    pub variant: usize,
    /// Variant label.
    pub label: String,
    /// Runs aggregated.
    pub runs: usize,
    /// Cost, USD.
    pub cost_usd: Estimate,
    /// Time-weighted CPU reservation, percent.
    pub cpu_reservation_pct: Estimate,
    /// Time-weighted memory reservation, percent.
    pub memory_reservation_pct: Estimate,
    /// Availability, percent.
    pub availability_pct: Estimate,
    /// p95 task wait, seconds (none when no run placed a task).
    pub task_wait_p95_s: Option<Estimate>,
    /// On the cost-against-availability Pareto front.
    pub pareto: bool,
    /// Meets `min_availability_pct` (true when there is none).
    pub meets_floor: bool,
}

/// What a sweep produced.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// Every run, in run index order.
    pub runs: Vec<RunRecord>,
    /// The variants run, in rank order.
    pub variants: Vec<VariantStats>,
    /// Why the first-ranked variant is recommended (empty for a `--only` replay).
    pub reason: String,
    /// Threads used.
    pub threads: usize,
}

fn output_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::Output { path: path.to_path_buf(), source: std::io::Error::other(err.to_string()) }
}

/// Rounds as the outputs print, so ranks and checks see what the files say.
fn rounded(value: f64, decimals: usize) -> f64 {
    fixed(value, decimals).parse().unwrap_or(value)
}

fn rounded_estimate(e: Estimate, decimals: usize) -> Estimate {
    Estimate { mean: rounded(e.mean, decimals), ci95: rounded(e.ci95, decimals), samples: e.samples }
}

/// Runs the sweep and writes `runs/`, `runs.csv`, `variants.csv`, the charts
/// and `report.md` into `out`. With [`SweepOptions::only`] it runs that one
/// variant, with the seeds it has in the full sweep, and writes only its
/// `runs/<label>/` files.
pub fn run_sweep(sweep: &Sweep, out: &Path, options: &SweepOptions) -> Result<SweepOutcome, Error> {
    let selected: Vec<&Variant> = match &options.only {
        Some(label) => vec![sweep.variant(label)?],
        None => sweep.variants.iter().collect(),
    };
    let replications = sweep.spec.replications;
    let jobs: Vec<(&Variant, u32)> = selected.iter().flat_map(|&v| (0..replications).map(move |r| (v, r))).collect();
    std::fs::create_dir_all(out).map_err(|source| Error::Output { path: out.to_path_buf(), source })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| output_error(out, format!("cannot start worker threads: {e}")))?;
    let progress = if options.progress {
        let bar = ProgressBar::with_draw_target(Some(jobs.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} runs, about {eta} left")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let results: Vec<Result<RunRecord, Error>> = pool.install(|| {
        jobs.par_iter()
            .map(|&(variant, replication)| {
                let record = execute_run(sweep, variant, replication, out);
                progress.inc(1);
                record
            })
            .collect()
    });
    progress.finish_and_clear();
    let runs = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let variants = aggregate(sweep, &selected, &runs);
    if options.only.is_some() {
        // A replay: per-run files only, so the full sweep's tables, charts
        // and report are left as they were.
        return Ok(SweepOutcome { runs, variants, reason: String::new(), threads: pool.current_num_threads() });
    }
    let reason = recommendation(sweep, &variants);
    let outcome = SweepOutcome { runs, variants, reason, threads: pool.current_num_threads() };
    pool.install(|| write_outputs(sweep, &outcome, out))?;
    Ok(outcome)
}

fn execute_run(sweep: &Sweep, variant: &Variant, replication: u32, out: &Path) -> Result<RunRecord, Error> {
    let run = (variant.index as u64) * u64::from(sweep.spec.replications) + u64::from(replication);
    let seed = sweep.seed_of(run);
    let mut scenario = variant.scenario.clone();
    scenario.seed = seed;
    let dir = run_dir(out, &variant.label, replication);
    let result = run_scenario(&scenario)?;
    crate::output::write_run(&scenario, &result, &dir)?;
    let availability_pct = result.summary.availability_pct();
    let task_wait_s = result.summary.task_wait.map(|q| q.map(|d| d.as_secs_f64()));
    let chart = if replication == 0 {
        let samples = result.samples.iter().map(Sample::from).collect();
        let waits = match result.sorted_waits() {
            Some(waits) => WaitData::Samples(waits),
            None => WaitData::Quantiles(task_wait_s),
        };
        Some((samples, waits))
    } else {
        None
    };
    let summary = result.summary;
    Ok(RunRecord {
        run,
        variant: variant.index,
        replication,
        seed,
        dir,
        cost_usd: summary.costs.total(),
        availability_pct,
        task_wait_s,
        summary,
        chart,
    })
}

fn aggregate(sweep: &Sweep, selected: &[&Variant], runs: &[RunRecord]) -> Vec<VariantStats> {
    let mut stats: Vec<VariantStats> = selected
        .iter()
        .map(|variant| {
            let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.variant == variant.index).collect();
            let of = |f: &dyn Fn(&RunRecord) -> f64, decimals| {
                rounded_estimate(estimate(&mine.iter().map(|r| f(r)).collect::<Vec<_>>()).unwrap_or_default(), decimals)
            };
            let waits: Vec<f64> = mine.iter().filter_map(|r| r.task_wait_s[1]).collect();
            let availability_pct = of(&|r| r.availability_pct, DECIMALS);
            VariantStats {
                rank: 0,
                variant: variant.index,
                label: variant.label.clone(),
                runs: mine.len(),
                cost_usd: of(&|r| r.cost_usd, COST_DECIMALS),
                cpu_reservation_pct: of(&|r| r.summary.cpu_reservation_avg_pct, DECIMALS),
                memory_reservation_pct: of(&|r| r.summary.memory_reservation_avg_pct, DECIMALS),
                task_wait_p95_s: estimate(&waits).map(|e| rounded_estimate(e, DECIMALS)),
                meets_floor: sweep.spec.min_availability_pct.is_none_or(|floor| availability_pct.mean >= floor),
                availability_pct,
                pareto: false,
            }
        })
        .collect();
    let points: Vec<(f64, f64)> = stats.iter().map(|s| (s.cost_usd.mean, s.availability_pct.mean)).collect();
    for (s, on_front) in stats.iter_mut().zip(pareto_front(&points)) {
        s.pareto = on_front;
    }
    let objective = sweep.spec.objective;
    stats.sort_by(|a, b| compare_variants(objective, a, b));
    for (i, s) in stats.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    stats
}

/// Orders variants best first: those meeting the availability floor, then
/// by the objective and its tie-breaks, then by index.
fn compare_variants(objective: Objective, a: &VariantStats, b: &VariantStats) -> Ordering {
    let cost = a.cost_usd.mean.total_cmp(&b.cost_usd.mean);
    let availability = b.availability_pct.mean.total_cmp(&a.availability_pct.mean);
    let wait = |s: &VariantStats| s.task_wait_p95_s.map_or(f64::INFINITY, |e| e.mean);
    let by_objective = match objective {
        Objective::Cost => cost.then(availability),
        Objective::Availability => availability.then(cost),
        Objective::TaskWait => wait(a).total_cmp(&wait(b)).then(availability).then(cost),
    };
    b.meets_floor.cmp(&a.meets_floor).then(by_objective).then(a.variant.cmp(&b.variant))
}

fn objective_value(objective: Objective, s: &VariantStats) -> Option<Estimate> {
    match objective {
        Objective::Cost => Some(s.cost_usd),
        Objective::Availability => Some(s.availability_pct),
        Objective::TaskWait => s.task_wait_p95_s,
    }
}

fn show(objective: Objective, e: Estimate) -> String {
    match objective {
        Objective::Cost => format!("${} ± {}", fixed(e.mean, COST_DECIMALS), fixed(e.ci95, COST_DECIMALS)),
        Objective::Availability => format!("{} % ± {}", fixed(e.mean, DECIMALS), fixed(e.ci95, DECIMALS)),
        Objective::TaskWait => format!("{} s ± {}", fixed(e.mean, DECIMALS), fixed(e.ci95, DECIMALS)),
    }
}

/// A sentence or three on why the first-ranked variant is recommended.
fn recommendation(sweep: &Sweep, ranked: &[VariantStats]) -> String {
    let Some(best) = ranked.first() else { return String::new() };
    let objective = sweep.spec.objective;
    let name = match objective {
        Objective::Cost => "mean cost",
        Objective::Availability => "mean availability",
        Objective::TaskWait => "mean p95 task wait",
    };
    let superlative = match objective {
        Objective::Availability => "highest",
        _ => "lowest",
    };
    let mut text = match (sweep.spec.min_availability_pct, best.meets_floor) {
        (Some(floor), true) => {
            let meeting = ranked.iter().filter(|s| s.meets_floor).count();
            format!(
                "`{}` has the {superlative} {name} of the {meeting} variant(s) whose mean availability is at least {} %",
                best.label,
                fixed(floor, 1)
            )
        }
        (Some(floor), false) => format!(
            "no variant reaches the availability floor of {} %; `{}` has the {superlative} {name} of all {}",
            fixed(floor, 1),
            best.label,
            ranked.len()
        ),
        (None, _) => format!("`{}` has the {superlative} {name} of the {} variant(s)", best.label, ranked.len()),
    };
    if let Some(value) = objective_value(objective, best) {
        text += &format!(" ({})", show(objective, value));
    }
    text += ".";
    if let Some(second) = ranked.get(1).filter(|s| s.meets_floor == best.meets_floor) {
        match (objective_value(objective, best), objective_value(objective, second)) {
            (Some(a), Some(b)) if a.mean == b.mean => {
                let tie = match objective {
                    Objective::Cost => {
                        let (a, b) = (best.availability_pct, second.availability_pct);
                        let mut tie = format!(
                            " It ties with `{}` on {name}, and wins the tie-break on availability ({} % ± {} against {} % ± {})",
                            second.label,
                            fixed(a.mean, DECIMALS),
                            fixed(a.ci95, DECIMALS),
                            fixed(b.mean, DECIMALS),
                            fixed(b.ci95, DECIMALS)
                        );
                        if (a.mean - b.mean).abs() <= a.ci95 + b.ci95 {
                            tie += ", though by less than the confidence intervals: more replications would tell them apart";
                        }
                        tie + "."
                    }
                    _ => format!(" It ties with `{}` on {name} and wins the tie-break.", second.label),
                };
                text += &tie;
            }
            (Some(a), Some(b)) if (a.mean - b.mean).abs() <= a.ci95 + b.ci95 => {
                text += &format!(
                    " Its lead over `{}` ({}) is within the 95 % confidence intervals: more replications would tell them apart.",
                    second.label,
                    show(objective, b)
                );
            }
            _ => {}
        }
    }
    text += if best.pareto {
        " It is on the cost-against-availability Pareto front."
    } else {
        " It is not on the cost-against-availability Pareto front: another variant is at least as cheap and more available, or cheaper and as available."
    };
    text
}

fn write_outputs(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let chart_set = chart_set(sweep, outcome);
    let (charts, tables) = rayon::join(
        || charts::write_all(&chart_set, out),
        || -> Result<(), Error> {
            write_runs_csv(sweep, outcome, out)?;
            write_variants_csv(outcome, out)?;
            write_report(sweep, outcome, out)
        },
    );
    charts?;
    tables
}

fn write_runs_csv(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let mut csv = CsvFile::create(&out.join("runs.csv"), &RUNS_HEADER)?;
    for r in &outcome.runs {
        let dir = r.dir.strip_prefix(out).unwrap_or(&r.dir).to_string_lossy().replace('\\', "/");
        csv.row(&[
            r.run.to_string(),
            sweep.variants[r.variant].label.clone(),
            r.replication.to_string(),
            r.seed.to_string(),
            fixed(r.cost_usd, 6),
            fixed(r.summary.cpu_reservation_avg_pct, DECIMALS),
            fixed(r.summary.memory_reservation_avg_pct, DECIMALS),
            fixed(r.availability_pct, DECIMALS),
            r.task_wait_s[1].map_or(String::new(), |w| fixed(w, DECIMALS)),
            r.summary.tasks_submitted.to_string(),
            r.summary.tasks_failed.iter().sum::<u64>().to_string(),
            r.summary.events.to_string(),
            dir,
        ])?;
    }
    csv.commit()
}

fn write_variants_csv(outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let mut csv = CsvFile::create(&out.join("variants.csv"), &VARIANTS_HEADER)?;
    for s in &outcome.variants {
        let pair = |e: Estimate, d| [fixed(e.mean, d), fixed(e.ci95, d)];
        let [cost, cost_ci] = pair(s.cost_usd, COST_DECIMALS);
        let [cpu, cpu_ci] = pair(s.cpu_reservation_pct, DECIMALS);
        let [memory, memory_ci] = pair(s.memory_reservation_pct, DECIMALS);
        let [availability, availability_ci] = pair(s.availability_pct, DECIMALS);
        let [wait, wait_ci] = s.task_wait_p95_s.map_or([String::new(), String::new()], |e| pair(e, DECIMALS));
        csv.row(&[
            s.rank.to_string(),
            s.label.clone(),
            s.runs.to_string(),
            cost,
            cost_ci,
            cpu,
            cpu_ci,
            memory,
            memory_ci,
            availability,
            availability_ci,
            wait,
            wait_ci,
            s.pareto.to_string(),
        ])?;
    }
    csv.commit()
}

fn chart_set(sweep: &Sweep, outcome: &SweepOutcome) -> ChartSet {
    // Variants in index order, so colours do not move with the ranking.
    let mut by_index: Vec<&VariantStats> = outcome.variants.iter().collect();
    by_index.sort_by_key(|s| s.variant);
    let variants = by_index
        .into_iter()
        .map(|s| {
            let (samples, waits) = outcome
                .runs
                .iter()
                .find(|r| r.variant == s.variant && r.replication == 0)
                .and_then(|r| r.chart.clone())
                .unwrap_or((Vec::new(), WaitData::Quantiles([None; 3])));
            ChartVariant {
                label: s.label.clone(),
                cost: s.cost_usd,
                availability: s.availability_pct,
                pareto: s.pareto,
                samples,
                waits,
            }
        })
        .collect();
    ChartSet { scenario: sweep.base.name.clone(), variants }
}

fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn write_report(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> Result<(), Error> {
    let base = &sweep.base;
    let spec = &sweep.spec;
    let file_name = base.path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let mut md = format!("# Sweep report: {}\n\n", base.name);
    if !base.description.is_empty() {
        md += &format!("{}\n\n", base.description);
    }
    let run_count = outcome.runs.len();
    md += &format!("- Scenario file: `{file_name}`\n");
    md += &format!("- Each run simulates {}, sampled every {}.\n", base.duration, base.sample_interval);
    md += &format!(
        "- {} variant(s) × {} replication(s) = {run_count} runs. Run *i* = variant index × {} + replication uses the seed \
         derived from the base seed {} and *i* (listed in `runs.csv`), so any variant can be replayed alone with `--only`.\n",
        outcome.variants.len(),
        spec.replications,
        spec.replications,
        base.seed
    );
    md += &format!("- Objective: {}.\n", spec.objective.describe());
    if let Some(floor) = spec.min_availability_pct {
        md += &format!(
            "- Availability floor: variants below {} % are ranked after those that reach it.\n",
            fixed(floor, 1)
        );
    }
    md += "\n## Recommendation\n\n";
    if let Some(best) = outcome.variants.first() {
        md += &format!("**{}**: {}\n\n", best.label, outcome.reason);
    }
    if !spec.settings.is_empty() {
        md += "## Settings swept\n\n| setting | label | value |\n| --- | --- | --- |\n";
        for setting in &spec.settings {
            let paths: Vec<String> = setting.paths.iter().map(|p| format!("`{p}`")).collect();
            for (label, value) in setting.labels.iter().zip(&setting.values) {
                md += &format!(
                    "| {} | {} | `{}` |\n",
                    markdown_cell(&paths.join(", ")),
                    markdown_cell(label),
                    markdown_cell(&value.to_string())
                );
            }
        }
        md += "\n";
    }
    md +=
        "## Variants\n\nMeans over the replications ± the half-width of their 95 % confidence interval (Student's t), \
           best first.\n\n";
    md += "| rank | variant | runs | cost (USD) | availability (%) | CPU reserved (%) | memory reserved (%) | task wait p95 (s) | Pareto front |\n";
    md += "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n";
    for s in &outcome.variants {
        let pm = |e: Estimate, d| format!("{} ± {}", fixed(e.mean, d), fixed(e.ci95, d));
        md += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.rank,
            markdown_cell(&s.label),
            s.runs,
            pm(s.cost_usd, COST_DECIMALS),
            pm(s.availability_pct, DECIMALS),
            pm(s.cpu_reservation_pct, DECIMALS),
            pm(s.memory_reservation_pct, DECIMALS),
            s.task_wait_p95_s.map_or("–".to_string(), |e| pm(e, DECIMALS)),
            if s.pareto { "yes" } else { "" }
        );
    }
    md += "\n### What the columns mean\n\n\
        - **Cost**: EC2 instances (per second, 60 s minimum) and Fargate tasks over the simulated span.\n\
        - **Availability**: the lowest of each service's availability (served demand over demand, from its first \
          steady state) and, for RunTask workloads, the share of the tasks asked for that got placed (failed, \
          still waiting at the end and too large for any instance type count against it).\n\
        - **CPU / memory reserved**: the time-weighted average of reserved over registered capacity. \
          The model tracks reservations, not the CPU and memory tasks actually use.\n\
        - **Task wait p95**: each run's 95th percentile of the time from submission to placement, averaged over the runs.\n\
        - **Pareto front**: no other variant is at least as cheap and as available, and better in one of the two.\n";
    md += "\n## Charts\n\nTime series and wait distributions show replication 0 of each variant.\n\n";
    for (file, title) in charts::CHARTS {
        md += &format!("### {title}\n\n![{title}]({file})\n\n");
    }
    md += "Deployment and scaling timelines are not drawn: this version of ecs-sim simulates neither deployments nor \
           scaling.\n\n";
    md += "## Files\n\n\
        - `variants.csv`: one row per variant, in rank order.\n\
        - `runs.csv`: one row per run with its seed.\n\
        - `runs/<variant>/rep-<k>/`: each run's `summary.csv`, `timeseries.csv` and, when enabled, `tasks.csv`.\n";
    let path = out.join("report.md");
    let mut file = AtomicFile::create(&path)?;
    file.writer().write_all(md.as_bytes()).map_err(|source| Error::Output { path: path.clone(), source })?;
    file.commit()
}

/// The variants table as JSON (for `--format json`).
pub fn to_json(sweep: &Sweep, outcome: &SweepOutcome, out: &Path) -> serde_json::Value {
    let pair = |e: Estimate| serde_json::json!({ "mean": e.mean, "ci95": e.ci95 });
    let variants: Vec<serde_json::Value> = outcome
        .variants
        .iter()
        .map(|s| {
            serde_json::json!({
                "rank": s.rank,
                "variant": s.label,
                "runs": s.runs,
                "cost_usd": pair(s.cost_usd),
                "cpu_reservation_pct": pair(s.cpu_reservation_pct),
                "memory_reservation_pct": pair(s.memory_reservation_pct),
                "availability_pct": pair(s.availability_pct),
                "task_wait_p95_s": s.task_wait_p95_s.map(pair),
                "pareto": s.pareto,
                "meets_availability_floor": s.meets_floor,
            })
        })
        .collect();
    serde_json::json!({
        "scenario": sweep.base.name,
        "seed": sweep.base.seed,
        "replications": sweep.spec.replications,
        "objective": sweep.spec.objective.as_str(),
        "runs": outcome.runs.len(),
        "recommended": outcome.variants.first().filter(|_| !outcome.reason.is_empty()).map(|s| s.label.clone()),
        "reason": outcome.reason,
        "variants": variants,
        "results": out.display().to_string(),
    })
}

/// The variants table as text (for the terminal).
pub fn to_text(outcome: &SweepOutcome) -> String {
    let width = outcome.variants.iter().map(|s| s.label.len()).max().unwrap_or(7).max(7);
    let mut text = format!(
        "  {:>4}  {:<width$}  {:>20}  {:>20}  {:>8}  {:>8}  {:>10}  pareto\n",
        "rank", "variant", "cost USD ±95%", "availability % ±95%", "CPU %", "memory %", "wait p95 s"
    );
    for s in &outcome.variants {
        text += &format!(
            "  {:>4}  {:<width$}  {:>20}  {:>20}  {:>8}  {:>8}  {:>10}  {}\n",
            s.rank,
            s.label,
            format!("{} ±{}", fixed(s.cost_usd.mean, COST_DECIMALS), fixed(s.cost_usd.ci95, COST_DECIMALS)),
            format!("{} ±{}", fixed(s.availability_pct.mean, DECIMALS), fixed(s.availability_pct.ci95, DECIMALS)),
            fixed(s.cpu_reservation_pct.mean, 1),
            fixed(s.memory_reservation_pct.mean, 1),
            s.task_wait_p95_s.map_or("–".to_string(), |e| fixed(e.mean, 1)),
            if s.pareto { "yes" } else { "" }
        );
    }
    match outcome.variants.first() {
        Some(best) if !outcome.reason.is_empty() => {
            text += &format!("  recommended: {}: {}\n", best.label, outcome.reason);
        }
        _ => {}
    }
    text
}

/// "an integer", "a table": the type name with its article.
fn with_article(name: &str) -> String {
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> toml::Value {
        toml::Value::Table(toml::from_str(text).unwrap())
    }

    #[test]
    fn paths_split_at_unquoted_dots() {
        assert_eq!(segments("a.b.c").unwrap(), ["a", "b", "c"]);
        assert_eq!(segments("fleet.x.attributes.\"team.name\"").unwrap(), ["fleet", "x", "attributes", "team.name"]);
        assert!(segments("a..b").is_err());
        assert!(segments("a.\"b").is_err());
        assert!(segments("").is_err());
    }

    #[test]
    fn settings_address_tables_and_named_array_elements() {
        let mut root = doc("[[workload]]\nname = \"web\"\n[workload.run_task]\ncount = 1\n\
             [[workload]]\nname = \"batch\"\n[[task_definition]]\nfamily = \"api\"\ncpu = 1\n");
        apply_setting(&mut root, "workload.batch.max_wait", toml::Value::from("5m")).unwrap();
        apply_setting(&mut root, "workload.0.run_task.count", toml::Value::from(3)).unwrap();
        apply_setting(&mut root, "task_definition.api.cpu", toml::Value::from(2)).unwrap();
        assert_eq!(root["workload"][1]["max_wait"].as_str(), Some("5m"));
        assert_eq!(root["workload"][0]["run_task"]["count"].as_integer(), Some(3));
        assert_eq!(root["task_definition"][0]["cpu"].as_integer(), Some(2));
        let err = apply_setting(&mut root, "workload.webz.run_task.count", toml::Value::from(1)).unwrap_err();
        assert!(err.message.contains("`workload.webz.run_task.count`"), "{}", err.message);
        assert!(err.help.as_deref().unwrap_or("").contains("`web`, `batch`"), "{err:?}");
        let err = apply_setting(&mut root, "simulation.duration", toml::Value::from("1h")).unwrap_err();
        assert!(err.help.as_deref().unwrap_or("").contains("`workload`"), "{err:?}");
    }

    #[test]
    fn ranking_puts_the_floor_first_then_the_objective() {
        let stats = |variant: usize, cost: f64, availability: f64, floor: bool| VariantStats {
            rank: 0,
            variant,
            label: format!("v{variant}"),
            runs: 1,
            cost_usd: Estimate { mean: cost, ci95: 0.0, samples: 1 },
            cpu_reservation_pct: Estimate::default(),
            memory_reservation_pct: Estimate::default(),
            availability_pct: Estimate { mean: availability, ci95: 0.0, samples: 1 },
            task_wait_p95_s: None,
            pareto: false,
            meets_floor: floor,
        };
        let mut v = [stats(0, 5.0, 90.0, false), stats(1, 9.0, 99.5, true), stats(2, 9.0, 99.9, true)];
        v.sort_by(|a, b| compare_variants(Objective::Cost, a, b));
        assert_eq!(v.map(|s| s.variant), [2, 1, 0]);
    }
}
