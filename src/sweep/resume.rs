//! Resumable sweeps. As each run of a sweep finishes, its record is saved in
//! the results' staging folder (`.records/run-<index>.bin`, with the sweep's
//! digest). A sweep that was killed leaves that folder behind; `run
//! --resume` keeps it, reuses every saved run whose digest, index and seed
//! match, and makes only the rest. The saved records are removed before the
//! folder is swapped in, so the outputs equal an uninterrupted sweep's.

use super::run::{output_error, RunRecord};
use super::Sweep;
use crate::error::Error;
use crate::output::files::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folder of saved records inside a sweep's (staging) output folder.
const RECORDS_DIR: &str = ".records";

#[derive(Serialize, Deserialize)]
struct Saved {
    digest: String,
    record: RunRecord,
}

/// Saves finished runs of one sweep into `out`.
pub(super) struct RunLog {
    dir: PathBuf,
    digest: String,
}

impl RunLog {
    /// A log for `sweep`'s runs in `out`.
    pub(super) fn new(sweep: &Sweep, out: &Path) -> Result<RunLog, Error> {
        let dir = out.join(RECORDS_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Output { path: dir.clone(), source })?;
        Ok(RunLog { dir, digest: sweep.digest() })
    }

    /// Saves one finished run (its folder relative to `out`).
    pub(super) fn save(&self, record: &RunRecord, out: &Path) -> Result<(), Error> {
        let mut record = record.clone();
        record.dir = record.dir.map(|d| d.strip_prefix(out).map(Path::to_path_buf).unwrap_or(d));
        let path = self.dir.join(format!("run-{}.bin", record.run));
        let bytes =
            postcard::to_stdvec(&Saved { digest: self.digest.clone(), record }).map_err(|e| output_error(&path, e))?;
        write_atomic(&path, &bytes)
    }

    /// The saved runs of this sweep, by run index, their folders under
    /// `out`. Files of another sweep, of another seed or that cannot be
    /// read are left out: those runs are made again.
    pub(super) fn saved(&self, sweep: &Sweep, out: &Path) -> BTreeMap<u64, RunRecord> {
        let mut saved = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return saved };
        for entry in entries.filter_map(Result::ok) {
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            let Ok(Saved { digest, mut record }) = postcard::from_bytes::<Saved>(&bytes) else { continue };
            let seed = sweep.seed_of(record.replication);
            let index = sweep.run_index(record.variant, record.condition, record.replication);
            if digest != self.digest || record.seed != seed || record.run != index {
                continue;
            }
            let files_there = record.dir.as_ref().is_none_or(|d| out.join(d).is_dir());
            if files_there {
                record.dir = record.dir.map(|d| out.join(d));
                saved.insert(record.run, record);
            }
        }
        saved
    }

    /// Removes the saved runs: the sweep is complete.
    pub(super) fn finish(self) -> Result<(), Error> {
        std::fs::remove_dir_all(&self.dir).map_err(|source| Error::Output { path: self.dir, source })
    }
}
