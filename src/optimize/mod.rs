//! `ecs-sim optimize`: the cheapest configuration that meets the SLO.
//!
//! An `[optimize]` section names decision variables (places in the scenario
//! and their candidate values, as `[[sweep.setting]]` does, or a numeric
//! `range`), constraints on the sweep's metrics that must hold under every
//! condition, and a run budget:
//!
//! ```toml
//! [optimize]
//! replications = 4          # of an option judged in full
//! min_replications = 2      # the first rung of successive halving
//! budget_runs = 200
//! [[optimize.variable]]
//! path = "fleet.web.instance_types"
//! labels = ["m5", "c5"]
//! values = [["m5.large"], ["c5.large"]]
//! [[optimize.variable]]
//! path = "fleet.web.count"
//! range = { min = 2, max = 24, step = 2 }
//! monotone = true           # more instances: dearer, and easier to meet the constraints
//! [[optimize.constraint]]
//! metric = "availability_pct"
//! min = 99.5
//! [[optimize.condition]]    # as [[sweep.condition]]
//! label = "zone-outage"
//! set = { "faults.zone_outages" = [{ zone = "us-east-1a", at = "1h", duration = "30m" }] }
//! ```
//!
//! The search ([`search`]) is a pure function of the runs made so far; the
//! driver here makes the runs each round asks for, on this machine
//! ([`optimize`]) or one shard's slice of them ([`optimize_shard`]), and
//! keeps them in `cache/` under the output folder, so an interrupted search
//! resumes where it stopped. Replication *k* of every option and condition
//! has one seed, derived from the base seed and *k*, as in a sweep: options
//! are compared on common random numbers.

mod render;
pub mod search;
pub mod spec;

use crate::digest::sha256_hex;
use crate::engine::derive_seed;
use crate::error::{Error, InputError};
use crate::scenario::budget::Budget;
use crate::scenario::{toml_error, Scenario};
use crate::simulation::run_scenario;
use crate::sweep::{build_variant, worker_pool, RunRecord, Shard, Variant};
use rayon::prelude::*;
use search::{Cache, Replay, RunKey, Search};
use serde::{Deserialize, Serialize};
use spec::{OptimizeSpec, SearchKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use render::OPTIMIZE_FILES;

/// A scenario with a validated `[optimize]` section.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The scenario as written (its `[optimize]` section aside).
    pub base: Scenario,
    /// The scenario's TOML without `[optimize]`, that options are patched from.
    root: toml::Table,
    /// The `[optimize]` section.
    pub spec: OptimizeSpec,
    /// SHA-256 of the scenario file's text and of the files it names, in hex.
    inputs_sha256: String,
}

/// Reads a scenario with an `[optimize]` section.
pub fn load(path: &Path) -> Result<Problem, InputError> {
    let text = crate::scenario::read_text(path)?;
    let base = Scenario::from_toml(&text, path)?;
    let mut root: toml::Table = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    if root.contains_key("sweep") {
        return Err(InputError::new(path, "the scenario has both [sweep] and [optimize]")
            .help("a sweep compares the options you list, a search finds one: keep one of the two sections"));
    }
    let Some(raw) = root.remove("optimize") else {
        return Err(InputError::new(path, "the scenario has no [optimize] section")
            .help("add one (docs/scenario.md, \"[optimize]\"), or run the scenario with `ecs-sim run`"));
    };
    let spec = spec::parse_spec(raw, path)?;
    let files = crate::scenario::data_files(&root, path.parent().unwrap_or(Path::new(".")));
    let inputs_sha256 = sha256_hex(
        format!("{}\n{}", sha256_hex(text.as_bytes()), crate::scenario::data_files_sha256(&files)).as_bytes(),
    );
    let problem = Problem { base, root, spec, inputs_sha256 };
    // Every option sets the same paths: the first and the last show a bad
    // path or a bad value type before any run.
    problem.variant(0)?;
    problem.variant(problem.spec.options() - 1)?;
    Ok(problem)
}

/// Whether the scenario file has an `[optimize]` section (read as TOML only).
pub fn declares_search(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
        .is_some_and(|table| table.contains_key("optimize"))
}

impl Problem {
    /// Sets the base seed every run's seed is derived from.
    pub fn set_seed(&mut self, seed: u64) {
        self.base.seed = seed;
    }

    /// Sets how the search explores (`--search`).
    pub fn set_search(&mut self, search: SearchKind) {
        self.spec.search = search;
    }

    /// What identifies this search's runs: the scenario text, the seed, the
    /// search kind and the ecs-sim version.
    pub fn digest(&self) -> String {
        let identity = format!(
            "ecs-sim {} optimize\nscenario and files sha256 {}\nseed {}\nsearch {:?}\n",
            env!("CARGO_PKG_VERSION"),
            self.inputs_sha256,
            self.base.seed,
            self.spec.search
        );
        sha256_hex(identity.as_bytes())
    }

    /// The label of an option: its variables' value labels joined with `+`.
    pub fn label(&self, option: usize) -> String {
        self.choices(option)
            .iter()
            .zip(&self.spec.sweep.settings)
            .map(|(&c, s)| s.labels[c].as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// Each variable's value index in `option` (the last varies fastest).
    pub fn choices(&self, option: usize) -> Vec<usize> {
        let mut choices = vec![0; self.spec.sweep.settings.len()];
        let mut rest = option;
        for (v, setting) in self.spec.sweep.settings.iter().enumerate().rev() {
            choices[v] = rest % setting.values.len();
            rest /= setting.values.len();
        }
        choices
    }

    /// Option `option` under every condition, validated and within the
    /// work budget every run has ([`crate::scenario::budget`]).
    fn variant(&self, option: usize) -> Result<Variant, InputError> {
        let variant = build_variant(&self.root, &self.spec.sweep, option, &self.base.path)?;
        for scenario in &variant.scenarios {
            crate::scenario::budget::check(scenario, &Budget::with_events(scenario.max_events)).map_err(|e| {
                InputError { message: format!("search option `{}`: {}", variant.label, e.message), ..e }
            })?;
        }
        Ok(variant)
    }

    /// The scenario of `option` as TOML, without `[optimize]`, its file
    /// references made absolute so that it runs from any folder.
    pub fn scenario_toml(&self, option: usize) -> Result<String, Error> {
        let mut value = toml::Value::Table(self.root.clone());
        for (setting, &choice) in self.spec.sweep.settings.iter().zip(&self.choices(option)) {
            for path in &setting.paths {
                crate::sweep::apply_setting(&mut value, path, setting.values[choice].clone())?;
            }
        }
        if let toml::Value::Table(table) = &mut value {
            let base = self.base.path.parent().unwrap_or(Path::new("."));
            crate::scenario::anchor_file_references(table, &std::path::absolute(base).unwrap_or(base.to_path_buf()));
        }
        toml::to_string(&value).map_err(|e| Error::Output {
            path: self.base.path.clone(),
            source: std::io::Error::other(format!("cannot write the option as TOML: {e}")),
        })
    }
}

/// How to run a search.
#[derive(Debug, Clone, Default)]
pub struct OptimizeOptions {
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Show a progress line per round on stderr.
    pub progress: bool,
}

/// What a finished search found.
#[derive(Debug)]
pub struct OptimizeOutcome {
    /// The search's final state.
    pub search: Search,
    /// Runs made (and kept in `cache/`).
    pub runs_made: usize,
    /// Rounds of runs the search asked for.
    pub rounds: usize,
    /// Threads used.
    pub threads: usize,
}

/// What one shard did in a round.
#[derive(Debug)]
pub struct ShardRound {
    /// Runs the round needs in all (0: the search is complete).
    pub round_runs: usize,
    /// Of those, the runs this shard made.
    pub made: usize,
    /// Runs in the cache before the round.
    pub cached: usize,
}

/// Runs the search to the end on this machine, then writes its outputs into
/// `out`.
pub fn optimize(problem: &Problem, out: &Path, options: &OptimizeOptions) -> Result<OptimizeOutcome, Error> {
    let pool = worker_pool(options.threads, out)?;
    let mut cache = read_cache(problem, out)?;
    let mut rounds = 0;
    let search = loop {
        let search = search::replay(&problem.spec, &cache);
        let Replay::Needs(needs) = &search.replay else { break search };
        rounds += 1;
        if options.progress {
            eprintln!("round {rounds}: {} runs ({} made so far)", needs.len(), cache.len());
        }
        let made = pool.install(|| make_runs(problem, needs))?;
        write_cache_file(problem, out, &format!("round-{}", round_name(needs)), &made)?;
        cache.extend(made.into_iter().map(|r| (key_of(&r), r)));
    };
    crate::interrupt::check()?;
    let outcome = OptimizeOutcome { search, runs_made: cache.len(), rounds, threads: pool.current_num_threads() };
    render::write_outputs(problem, &outcome, &cache, out)?;
    Ok(outcome)
}

/// Makes this shard's slice of the next round the search needs, given the
/// runs in `out/cache/` (which every shard shares), and adds them there.
/// Run it for every shard, round after round, until a round needs nothing;
/// then [`optimize`] writes the outputs from the cache.
pub fn optimize_shard(
    problem: &Problem,
    shard: Shard,
    out: &Path,
    options: &OptimizeOptions,
) -> Result<ShardRound, Error> {
    let cache = read_cache(problem, out)?;
    let search = search::replay(&problem.spec, &cache);
    let Replay::Needs(needs) = &search.replay else {
        return Ok(ShardRound { round_runs: 0, made: 0, cached: cache.len() });
    };
    let mine: Vec<RunKey> =
        needs.iter().enumerate().filter(|&(i, _)| shard.holds(i as u64)).map(|(_, &key)| key).collect();
    let name = format!("round-{}-shard-{}-of-{}", round_name(needs), shard.index, shard.count);
    // A shard run again (its job retried) finds its slice already made.
    if !cache_dir(out).join(format!("{name}.bin")).is_file() {
        let pool = worker_pool(options.threads, out)?;
        let made = pool.install(|| make_runs(problem, &mine))?;
        write_cache_file(problem, out, &name, &made)?;
    }
    Ok(ShardRound { round_runs: needs.len(), made: mine.len(), cached: cache.len() })
}

/// A round's name: a digest of the runs it asks for.
fn round_name(needs: &[RunKey]) -> String {
    let text: String = needs.iter().map(|(o, c, r)| format!("{o},{c},{r};")).collect();
    sha256_hex(text.as_bytes())[..16].to_string()
}

fn key_of(record: &RunRecord) -> RunKey {
    (record.variant, record.condition, record.replication)
}

/// Makes the runs `keys`, in parallel, collected in key order.
fn make_runs(problem: &Problem, keys: &[RunKey]) -> Result<Vec<RunRecord>, Error> {
    let options: Vec<usize> = {
        let mut options: Vec<usize> = keys.iter().map(|k| k.0).collect();
        options.sort_unstable();
        options.dedup();
        options
    };
    // Every option is validated (under every condition) before any run.
    let variants: BTreeMap<usize, Variant> =
        options.into_iter().map(|o| problem.variant(o).map(|v| (o, v))).collect::<Result<_, _>>()?;
    let conditions = problem.spec.sweep.conditions.len() as u64;
    let replications = u64::from(problem.spec.replications);
    keys.par_iter()
        .map(|&(option, condition, replication)| {
            // After a signal the runs not yet started are not made.
            crate::interrupt::check()?;
            let mut scenario = variants[&option].scenarios[condition].clone();
            scenario.seed = derive_seed(problem.base.seed, u64::from(replication));
            // Per-run files are not written: the search keeps figures only.
            scenario.write_tasks_csv = false;
            scenario.write_events_csv = false;
            let result = run_scenario(&scenario)?;
            let run = (option as u64 * conditions + condition as u64) * replications + u64::from(replication);
            Ok(RunRecord::of(run, (option, condition, replication), scenario.seed, None, result))
        })
        .collect()
}

/// The layout of the files in `cache/`.
const CACHE_FORMAT: u32 = 1;

/// One file of `cache/`: the runs one round (or one shard of it) made.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    digest: String,
    records: Vec<RunRecord>,
}

fn cache_dir(out: &Path) -> PathBuf {
    out.join("cache")
}

fn write_cache_file(problem: &Problem, out: &Path, name: &str, records: &[RunRecord]) -> Result<(), Error> {
    let dir = cache_dir(out);
    std::fs::create_dir_all(&dir).map_err(|source| Error::Output { path: dir.clone(), source })?;
    let path = dir.join(format!("{name}.bin"));
    let file = CacheFile { format: CACHE_FORMAT, digest: problem.digest(), records: records.to_vec() };
    let bytes = postcard::to_stdvec(&file)
        .map_err(|e| Error::Output { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
    crate::output::files::write_atomic(&path, &bytes)
}

/// A file name in `cache/`: `round-NAME.bin` (a whole round, made on one
/// machine) or `round-NAME-shard-I-of-N.bin` (one shard's slice of it).
fn parse_cache_name(file: &str) -> Option<(String, Option<Shard>)> {
    let stem = file.strip_prefix("round-")?.strip_suffix(".bin")?;
    match stem.split_once("-shard-") {
        None => Some((stem.to_string(), None)),
        Some((round, shard)) => {
            let (index, count) = shard.split_once("-of-")?;
            let shard = Shard { index: index.parse().ok()?, count: count.parse().ok()? };
            (shard.index < shard.count).then(|| (round.to_string(), Some(shard)))
        }
    }
}

/// Every run of the complete rounds in `out/cache/` (none when there is no
/// cache yet). A round made by shards counts once every shard of it is there:
/// until then every shard, and this machine, sees the round before it, so
/// all of them agree on what the round is. A file of another scenario, seed
/// or version is an error: the folder is another search's.
fn read_cache(problem: &Problem, out: &Path) -> Result<Cache, Error> {
    let dir = cache_dir(out);
    let mut cache = Cache::new();
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(cache) };
    let mut files: Vec<(PathBuf, String, Option<Shard>)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let (round, shard) = parse_cache_name(&e.file_name().to_string_lossy())?;
            Some((e.path(), round, shard))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    // The shards present per (round, count).
    let mut present: BTreeMap<(&str, u32), usize> = BTreeMap::new();
    for (_, round, shard) in &files {
        if let Some(shard) = shard {
            *present.entry((round.as_str(), shard.count)).or_default() += 1;
        }
    }
    let complete = |round: &str, shard: &Option<Shard>| {
        shard.is_none_or(|s| present.get(&(round, s.count)).is_some_and(|&n| n == s.count as usize))
    };
    let digest = problem.digest();
    for (path, round, shard) in &files {
        if !complete(round, shard) {
            continue;
        }
        let bytes = std::fs::read(path).map_err(|source| Error::Output { path: path.clone(), source })?;
        let file: CacheFile = postcard::from_bytes(&bytes).map_err(|e| {
            InputError::new(path, format!("this search cache file cannot be read: {e}"))
                .help("delete it; the search makes its runs again")
        })?;
        if file.format != CACHE_FORMAT || file.digest != digest {
            return Err(InputError::new(path, "the output folder holds the runs of another search")
                .help("the scenario, its seed or the ecs-sim version changed: give another `--out`, or delete its cache/ folder")
                .into());
        }
        cache.extend(file.records.into_iter().map(|r| (key_of(&r), r)));
    }
    Ok(cache)
}
