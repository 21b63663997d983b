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

use crate::digest::sha256_hex;
use crate::engine::derive_seed;
use crate::error::{best_match, Error, InputError};
use crate::scenario::{toml_error, Scenario};
use std::path::{Path, PathBuf};

mod aggregate;
mod patch;
mod render;
mod resume;
mod run;
mod shard;
pub(crate) mod spec;

pub use aggregate::{CellStats, Metric, MetricStats, VariantStats, METRICS};
pub use patch::apply_setting;
pub use render::{comparison_header, to_json, to_text, SWEEP_FILES, VARIANTS_HEADER};
pub(crate) use run::worker_pool;
pub use run::{run_dir, RunRecord};
pub use shard::{merge, Shard, SHARD_INDEX_VARIABLES, SHARD_MANIFEST};
pub(crate) use spec::build_variant;
use spec::{build_variants, parse_spec};
pub use spec::{Condition, FloorMetric, FloorRule, Objective, Setting, SweepSpec};

/// At most this many variants in one sweep.
pub const MAX_VARIANTS: usize = 10_000;
/// At most this many runs in one sweep.
pub const MAX_RUNS: usize = 100_000;

/// One option: a combination of setting values.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Position in the full sweep (the last setting varies fastest).
    pub index: usize,
    /// Labels of each setting's value joined with `+` (`base` with no settings).
    pub label: String,
    /// The chosen value of each setting.
    pub choices: Vec<usize>,
    /// The validated scenario of this option under each condition, in
    /// condition order.
    pub scenarios: Vec<Scenario>,
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
    /// SHA-256 of the scenario file's text, in hex.
    pub text_sha256: String,
    /// The files the scenario names (traces, demand curves, task and
    /// service definitions, the instance catalog), as written and as read.
    pub data_files: Vec<(String, PathBuf)>,
    /// Whether bad trace rows are fatal (`--strict`).
    pub strict: bool,
}

/// A scenario file: one run, or a sweep.
#[derive(Debug)]
pub enum Loaded {
    /// No `[sweep]` section.
    Single(Box<Scenario>),
    /// A `[sweep]` section, validated with all its variants.
    Sweep(Box<Sweep>),
}

/// Reads a scenario file and, when it has a `[sweep]` section, validates the
/// sweep and every variant, so that a bad value fails before any run.
pub fn load(path: &Path) -> Result<Loaded, InputError> {
    from_toml(&crate::scenario::read_text(path)?, path)
}

/// Validates scenario text as [`load`] validates a file (the entry the fuzz
/// targets use); `path` names it in errors and anchors relative paths.
pub fn from_toml(text: &str, path: &Path) -> Result<Loaded, InputError> {
    // Parsed twice: into the typed scenario (whose errors carry lines), then
    // as a plain table that sweep values are applied to.
    let base = Scenario::from_toml(text, path)?;
    let mut root: toml::Table = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let Some(raw) = root.remove("sweep") else {
        return Ok(Loaded::Single(Box::new(base)));
    };
    let spec = parse_spec(raw, path)?;
    let variants = build_variants(&root, &spec, path)?;
    let text_sha256 = sha256_hex(text.as_bytes());
    let data_files = crate::scenario::data_files(&root, path.parent().unwrap_or(Path::new(".")));
    Ok(Loaded::Sweep(Box::new(Sweep { base, spec, variants, text_sha256, data_files, strict: false })))
}

impl Sweep {
    /// Sets the base seed every run's seed is derived from.
    pub fn set_seed(&mut self, seed: u64) {
        self.base.seed = seed;
    }

    /// Makes bad rows in every variant's traces fatal (`--strict`).
    pub fn make_strict(&mut self) {
        self.strict = true;
        self.variants.iter_mut().flat_map(|v| &mut v.scenarios).for_each(Scenario::make_traces_strict);
    }

    /// What identifies the runs of this sweep: the scenario text and the
    /// files it names, the seed, `--strict` and the ecs-sim version. Shards
    /// of one sweep share it. It reads every data file, so it is computed
    /// only when asked for.
    pub fn digest(&self) -> String {
        let identity = format!(
            "ecs-sim {}\nscenario sha256 {}\nfiles sha256 {}\nseed {}\nstrict {}\n",
            env!("CARGO_PKG_VERSION"),
            self.text_sha256,
            crate::scenario::data_files_sha256(&self.data_files),
            self.base.seed,
            self.strict
        );
        sha256_hex(identity.as_bytes())
    }

    /// Runs in the whole sweep.
    pub fn total_runs(&self) -> usize {
        self.variants.len() * self.spec.conditions.len() * self.spec.replications as usize
    }

    /// The option paired differences are taken against.
    pub fn baseline(&self) -> usize {
        self.spec.baseline.as_ref().and_then(|b| self.variants.iter().position(|v| &v.label == b)).unwrap_or(0)
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

    /// The seed of every run of replication `replication`, whatever its
    /// option and condition: common random numbers.
    pub fn seed_of(&self, replication: u32) -> u64 {
        derive_seed(self.base.seed, u64::from(replication))
    }

    /// The index of a run in the full sweep.
    pub fn run_index(&self, variant: usize, condition: usize, replication: u32) -> u64 {
        let per_variant = self.spec.conditions.len() as u64;
        (variant as u64 * per_variant + condition as u64) * u64::from(self.spec.replications) + u64::from(replication)
    }
}

/// How to run a sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Replay only the variant with this label: its runs, with their seeds
    /// in the full sweep, and no aggregate files.
    pub only: Option<String>,
    /// Run only this shard's slice of the runs, into a shard folder that
    /// [`merge`] combines with the others.
    pub shard: Option<Shard>,
    /// Reuse the runs a killed sweep saved in `out` (`--resume`).
    pub resume: bool,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// What a sweep produced.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// Every run, in run index order.
    pub runs: Vec<RunRecord>,
    /// The variants run, in rank order (none for a shard).
    pub variants: Vec<VariantStats>,
    /// Why the first-ranked variant is recommended (empty for a `--only`
    /// replay and for a shard).
    pub reason: String,
    /// Threads used.
    pub threads: usize,
}

/// The runs of `sweep` that finished and were saved in `out` (the folder a
/// sweep stopped on the way was writing), which `run --resume` reuses.
pub fn finished_runs(sweep: &Sweep, out: &Path) -> usize {
    resume::RunLog::new(sweep, out).map_or(0, |log| log.saved(sweep, out).len())
}

/// Runs the sweep and writes `runs/`, `runs.csv`, `variants.csv`, the charts
/// and `report.md` into `out`. With [`SweepOptions::only`] it runs that one
/// variant, with the seeds it has in the full sweep, and writes only its
/// `runs/<label>/` files. With [`SweepOptions::shard`] it runs that shard's
/// runs and writes their files and the shard's manifest and records.
pub fn run_sweep(sweep: &Sweep, out: &Path, options: &SweepOptions) -> Result<SweepOutcome, Error> {
    let selected: Vec<&Variant> = match &options.only {
        Some(label) => vec![sweep.variant(label)?],
        None => sweep.variants.iter().collect(),
    };
    std::fs::create_dir_all(out).map_err(|source| Error::Output { path: out.to_path_buf(), source })?;
    let pool = worker_pool(options.threads, out)?;
    let log = resume::RunLog::new(sweep, out)?;
    let saved = if options.resume { log.saved(sweep, out) } else { Default::default() };
    let jobs: Vec<_> = run::jobs(sweep, &selected, options.shard)
        .into_iter()
        .filter(|&(v, c, r)| !saved.contains_key(&sweep.run_index(v.index, c, r)))
        .collect();
    let mut runs = run::run_all(&pool, sweep, &jobs, out, &log, options.progress)?;
    runs.extend(saved.into_values().filter(|r| {
        options.only.as_ref().is_none_or(|label| &sweep.variants[r.variant].label == label)
            && options.shard.is_none_or(|s| s.holds(r.run))
    }));
    runs.sort_by_key(|r| r.run);
    log.finish()?;
    let threads = pool.current_num_threads();
    if let Some(shard) = options.shard {
        shard::write_shard(sweep, shard, &runs, out)?;
        return Ok(SweepOutcome { runs, variants: Vec::new(), reason: String::new(), threads });
    }
    if options.only.is_some() {
        // A replay: per-run files only, so the full sweep's tables, charts
        // and report are left as they were.
        let variants = aggregate::aggregate(sweep, &selected, &runs);
        return Ok(SweepOutcome { runs, variants, reason: String::new(), threads });
    }
    finish(sweep, runs, out, &pool)
}

/// Compares the runs of the whole sweep and writes the sweep's tables,
/// charts and report beside their `runs/` folder.
fn finish(sweep: &Sweep, runs: Vec<RunRecord>, out: &Path, pool: &rayon::ThreadPool) -> Result<SweepOutcome, Error> {
    let all: Vec<&Variant> = sweep.variants.iter().collect();
    let variants = aggregate::aggregate(sweep, &all, &runs);
    let reason = aggregate::recommendation(sweep, &runs, &variants);
    let outcome = SweepOutcome { runs, variants, reason, threads: pool.current_num_threads() };
    pool.install(|| render::write_outputs(sweep, &outcome, out))?;
    Ok(outcome)
}
