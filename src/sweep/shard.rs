//! Sharding a sweep across machines. `ecs-sim run --shard INDEX/COUNT` runs
//! the runs whose index is INDEX modulo COUNT into a *shard folder*: their
//! run files under `runs/`, the figures the sweep compares
//! ([`RECORDS_FILE`]) and a manifest ([`SHARD_MANIFEST`]) naming the sweep's
//! digest and the runs it holds. [`merge`] checks that a set of shard folders
//! holds every run of one sweep exactly once and writes what a one-machine
//! run writes, byte for byte: it copies the run files and compares the
//! records as [`run_sweep`](super::run_sweep) would.
//!
//! Runs are dealt out in turn (run `i` to shard `i mod COUNT`) rather than in
//! blocks, so that every shard gets a share of every option, and the dear
//! options do not all land on one machine.

use super::run::{output_error, RunRecord};
use super::{finish, load, Loaded, Sweep, SweepOutcome};
use crate::error::{Error, InputError};
use crate::output::files::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The manifest of a shard folder.
pub const SHARD_MANIFEST: &str = "shard.json";

/// The records of a shard's runs (postcard, one [`RunRecord`] list).
const RECORDS_FILE: &str = "records.bin";

/// The layout of [`SHARD_MANIFEST`] and [`RECORDS_FILE`]; a merge refuses
/// shards of another layout.
const SHARD_FORMAT: u32 = 1;

/// Where the shard index comes from with `--shard auto/COUNT`, in the order
/// they are tried: Kubernetes Indexed Jobs, AWS Batch array jobs, Slurm job
/// arrays.
pub const SHARD_INDEX_VARIABLES: [&str; 3] =
    ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID"];

/// One slice of a sweep: the runs whose index is `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// How many shards the sweep is split into.
    pub count: u32,
}

impl Shard {
    /// Reads `INDEX/COUNT`, or `auto/COUNT` with the index taken from the
    /// first of [`SHARD_INDEX_VARIABLES`] that is set and not empty (`env`
    /// looks one up).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let usage = "write `--shard INDEX/COUNT` with 0 <= INDEX < COUNT, e.g. `--shard 0/4`, or `--shard auto/4` \
                     to take INDEX from JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or SLURM_ARRAY_TASK_ID";
        let Some((index, count)) = text.split_once('/') else {
            return Err(format!("`{text}` is not INDEX/COUNT; {usage}"));
        };
        let count: u32 = match count.trim().parse() {
            Ok(count) if count >= 1 => count,
            _ => return Err(format!("the shard count `{count}` is not a whole number of at least 1; {usage}")),
        };
        let (index, from) = if index.trim() == "auto" {
            let Some((name, value)) = SHARD_INDEX_VARIABLES
                .iter()
                .find_map(|&name| env(name).filter(|v| !v.trim().is_empty()).map(|value| (name, value)))
            else {
                return Err(format!(
                    "`--shard auto/{count}` needs the shard index in one of {}, and none is set; {usage}",
                    SHARD_INDEX_VARIABLES.join(", ")
                ));
            };
            (value, format!(" (from {name})"))
        } else {
            (index.to_string(), String::new())
        };
        match index.trim().parse::<u32>() {
            Ok(index) if index < count => Ok(Shard { index, count }),
            _ => Err(format!("the shard index `{index}`{from} is not a whole number below the count {count}; {usage}")),
        }
    }

    /// Whether run `run` of the sweep belongs to this shard.
    pub fn holds(self, run: u64) -> bool {
        run % u64::from(self.count) == u64::from(self.index)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a shard folder says about itself.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    /// [`SHARD_FORMAT`].
    format: u32,
    /// The sweep's [`Sweep::digest`].
    digest: String,
    /// The scenario file, as an absolute path where it could be resolved.
    scenario: PathBuf,
    /// The seed the runs' seeds derive from (after `--seed`).
    seed: u64,
    /// Whether bad trace rows were fatal.
    strict: bool,
    /// This shard's index.
    shard: u32,
    /// The number of shards.
    shards: u32,
    /// Runs in the whole sweep.
    total_runs: u64,
    /// The run indices this shard holds, ascending.
    runs: Vec<u64>,
}

/// Writes a shard's manifest and records into its folder, after its runs.
pub(super) fn write_shard(sweep: &Sweep, shard: Shard, runs: &[RunRecord], out: &Path) -> Result<(), Error> {
    let records: Vec<RunRecord> = runs
        .iter()
        .map(|r| {
            let mut r = r.clone();
            // Relative to the shard folder, so the merge can find them wherever it is.
            r.dir = r.dir.map(|d| d.strip_prefix(out).map(Path::to_path_buf).unwrap_or(d));
            r
        })
        .collect();
    let bytes = postcard::to_stdvec(&records).map_err(|e| output_error(&out.join(RECORDS_FILE), e))?;
    write_atomic(&out.join(RECORDS_FILE), &bytes)?;
    let scenario = std::path::absolute(&sweep.base.path).unwrap_or_else(|_| sweep.base.path.clone());
    let manifest = Manifest {
        format: SHARD_FORMAT,
        digest: sweep.digest(),
        scenario,
        seed: sweep.base.seed,
        strict: sweep.strict,
        shard: shard.index,
        shards: shard.count,
        total_runs: sweep.total_runs() as u64,
        runs: runs.iter().map(|r| r.run).collect(),
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| output_error(&out.join(SHARD_MANIFEST), e))?;
    write_atomic(&out.join(SHARD_MANIFEST), format!("{json}\n").as_bytes())
}

/// One shard folder, read and checked on its own.
struct ShardDir {
    dir: PathBuf,
    manifest: Manifest,
}

fn read_manifest(dir: &Path) -> Result<ShardDir, InputError> {
    let path = dir.join(SHARD_MANIFEST);
    let not_a_shard = || {
        InputError::new(dir, format!("this is not a shard folder: it has no {SHARD_MANIFEST}"))
            .help("give the folders that `ecs-sim run SCENARIO --shard INDEX/COUNT --out FOLDER` wrote")
    };
    if !dir.is_dir() {
        return Err(if dir.exists() {
            InputError::new(dir, "this is a file; `merge` takes the shard folders")
        } else {
            InputError::new(dir, "no such shard folder").help("check the path")
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|_| not_a_shard())?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        InputError::new(&path, format!("the shard manifest cannot be read: {e}"))
            .help("the folder may be damaged or written by another version; run this shard again")
    })?;
    if manifest.format != SHARD_FORMAT {
        return Err(InputError::new(&path, format!("the shard is of layout {}, not {SHARD_FORMAT}", manifest.format))
            .help("it was written by another version of ecs-sim; run every shard with the same version"));
    }
    Ok(ShardDir { dir: dir.to_path_buf(), manifest })
}

/// Checks that `shards` are every shard of one sweep exactly once.
fn check_complete(shards: &[ShardDir]) -> Result<(), InputError> {
    let first = &shards[0];
    for other in &shards[1..] {
        let (a, b) = (&first.manifest, &other.manifest);
        if a.digest != b.digest || a.shards != b.shards || a.total_runs != b.total_runs {
            return Err(InputError::new(
                &other.dir,
                format!(
                    "this shard belongs to another sweep than {} (digest {} of {} shards, not {} of {})",
                    first.dir.display(),
                    short(&b.digest),
                    b.shards,
                    short(&a.digest),
                    a.shards
                ),
            )
            .help("merge only the shards of one `ecs-sim run --shard` sweep: same scenario, seed and version"));
        }
    }
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for s in shards {
        if let Some(earlier) = by_index.insert(s.manifest.shard, &s.dir) {
            return Err(InputError::new(
                &s.dir,
                format!(
                    "shard {}/{} is given twice, also as {}",
                    s.manifest.shard,
                    s.manifest.shards,
                    earlier.display()
                ),
            )
            .help("give each shard folder once"));
        }
    }
    let count = first.manifest.shards;
    let missing: Vec<String> =
        (0..count).filter(|i| !by_index.contains_key(i)).map(|i| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(InputError::new(
            &first.dir,
            format!(
                "the sweep has {count} shards, and shard{} {} {} missing",
                plural(missing.len()),
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" }
            ),
        )
        .help("run the missing shards with `ecs-sim run SCENARIO --shard INDEX/COUNT`, then give every shard folder"));
    }
    for s in shards {
        let shard = Shard { index: s.manifest.shard, count };
        let expected: Vec<u64> = (0..s.manifest.total_runs).filter(|&r| shard.holds(r)).collect();
        if s.manifest.runs != expected {
            return Err(InputError::new(
                s.dir.join(SHARD_MANIFEST),
                format!(
                    "shard {shard} holds {} runs, not the {} that are its share",
                    s.manifest.runs.len(),
                    expected.len()
                ),
            )
            .help("the shard was interrupted or altered; run it again"));
        }
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

/// Reads a shard's records, checked against its manifest.
fn read_records(shard: &ShardDir) -> Result<Vec<RunRecord>, InputError> {
    let path = shard.dir.join(RECORDS_FILE);
    let damaged = |why: String| {
        InputError::new(&path, format!("the shard's records {why}")).help("the folder is damaged; run this shard again")
    };
    let bytes = std::fs::read(&path).map_err(|e| damaged(format!("cannot be read: {e}")))?;
    let records: Vec<RunRecord> =
        postcard::from_bytes(&bytes).map_err(|e| damaged(format!("cannot be decoded: {e}")))?;
    if records.iter().map(|r| r.run).ne(shard.manifest.runs.iter().copied()) {
        return Err(damaged("do not match its manifest".into()));
    }
    let outside = |dir: &Path| dir.components().any(|c| !matches!(c, Component::Normal(_)));
    if records.iter().filter_map(|r| r.dir.as_deref()).any(outside) {
        return Err(damaged("name a run folder outside the shard folder".into()));
    }
    Ok(records)
}

/// Copies every file under `from` to the same place under `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<(), Error> {
    fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
        move |source| Error::Output { path: path.to_path_buf(), source }
    }
    std::fs::create_dir_all(to).map_err(io(to))?;
    let mut entries: Vec<_> =
        std::fs::read_dir(from).map_err(io(from))?.collect::<Result<Vec<_>, _>>().map_err(io(from))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let source = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(io(&source))?.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target).map_err(io(&target))?;
        }
    }
    Ok(())
}

/// Checks the shard folders `dirs`, then writes into `out` what a one-machine
/// run of their sweep writes. The scenario is read from where the shards say
/// it was, or from `scenario` when given; it must be the one they ran.
pub fn merge(
    dirs: &[PathBuf],
    scenario: Option<&Path>,
    out: &Path,
    threads: Option<usize>,
) -> Result<(Sweep, SweepOutcome), Error> {
    let shards = dirs.iter().map(|d| read_manifest(d)).collect::<Result<Vec<_>, _>>()?;
    let Some(first) = shards.first() else {
        return Err(InputError::new(out, "no shard folders given")
            .help("write `ecs-sim merge SHARD_DIR... --out DIR`")
            .into());
    };
    check_complete(&shards)?;
    let manifest = &first.manifest;
    let path = scenario.unwrap_or(&manifest.scenario);
    let Loaded::Sweep(mut sweep) = load(path)? else {
        return Err(InputError::new(path, "the scenario has no [sweep] section, so it has no shards").into());
    };
    sweep.set_seed(manifest.seed);
    if manifest.strict {
        sweep.make_strict();
    }
    if sweep.digest() != manifest.digest {
        return Err(InputError::new(
            path,
            "the scenario is not the one the shards ran: its text (or the ecs-sim version) changed since",
        )
        .help("merge with the scenario file the shards ran (`--scenario PATH`), or run the shards again")
        .into());
    }
    let mut runs = Vec::with_capacity(manifest.total_runs as usize);
    for shard in &shards {
        crate::interrupt::check()?;
        for mut record in read_records(shard)? {
            // Each run's own folder only: whatever else lies in a reused
            // shard folder is not part of the sweep.
            if let Some(dir) = record.dir.take() {
                copy_tree(&shard.dir.join(&dir), &out.join(&dir))?;
                record.dir = Some(out.join(dir));
            }
            runs.push(record);
        }
    }
    runs.sort_by_key(|r| r.run);
    std::fs::create_dir_all(out).map_err(|source| Error::Output { path: out.to_path_buf(), source })?;
    let pool = super::worker_pool(threads, out)?;
    let outcome = finish(&sweep, runs, out, &pool)?;
    Ok((*sweep, outcome))
}
