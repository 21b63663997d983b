//! Complete-or-nothing result folders. A run, a sweep or a merge writes its
//! files into a hidden staging folder beside its target (`.NAME.staging`)
//! and only then puts it in the target's place: the target is renamed to
//! `.NAME.previous`, the staging folder to the target, and the previous
//! folder is removed. A reader of the target sees the old complete results
//! or the new complete results, never a mixture.
//!
//! A run killed on the way leaves a staging folder, or (killed between the
//! two renames) a previous folder with no target, or (killed after the
//! second rename) the previous folder beside the complete new target. The
//! next [`Staging::begin`] on that target puts a lone previous folder back,
//! removes one beside a target, and removes the stale staging folder, and
//! says what it did.

use crate::error::{Error, InputError};
use std::path::{Path, PathBuf};

/// The file that marks a folder as ecs-sim's results, so that replacing it
/// can never delete a folder of something else.
pub const RESULTS_MARKER: &str = ".ecs-sim-results";

/// Files an earlier version's results folder holds, recognised as results too.
const RESULT_FILES: [&str; 4] = ["summary.csv", "variants.csv", "shard.json", "runs.csv"];

/// A results folder being written.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    staging: PathBuf,
    previous: PathBuf,
    /// Committed, or kept for a resume: the drop leaves the folders alone.
    settled: bool,
}

fn sibling(target: &Path, suffix: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "results".into());
    target.with_file_name(format!(".{name}.{suffix}"))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Output { path: path.to_path_buf(), source }
}

/// Links (or, where links fail, copies) every file under `from` into `to`.
fn link_tree(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().map_err(io(&source))?.is_dir() {
            link_tree(&source, &target)?;
        } else if std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target).map_err(io(&target))?;
        }
    }
    Ok(())
}

impl Staging {
    /// Starts new contents for `target`. With `keep`, the staging folder
    /// starts as a copy of the target (hard links), for a replay that
    /// rewrites only part of it (`--only`). With `resume`, a staging folder
    /// a killed run left is kept as it is, for the sweep to go on in it.
    /// Returns the staging folder and what was cleaned up or kept from an
    /// earlier, killed run.
    pub fn begin(target: &Path, keep: bool, resume: bool) -> Result<(Staging, Vec<String>), Error> {
        let staging = sibling(target, "staging");
        let previous = sibling(target, "previous");
        let mut cleaned = Vec::new();
        if previous.exists() {
            if target.exists() {
                std::fs::remove_dir_all(&previous).map_err(io(&previous))?;
                cleaned.push(format!(
                    "removed {}, the results a run killed after replacing them left beside {}",
                    previous.display(),
                    target.display()
                ));
            } else {
                std::fs::rename(&previous, target).map_err(io(target))?;
                cleaned.push(format!(
                    "a run was killed while replacing {}; its previous results are back",
                    target.display()
                ));
            }
        }
        let resuming = resume && staging.is_dir();
        if resuming {
            cleaned.push(format!("resuming in {}, left by a run that did not finish", staging.display()));
        } else if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
            cleaned.push(format!(
                "removed {}, left by a run that did not finish (`--resume` would have gone on from it)",
                staging.display()
            ));
        }
        if target.exists() {
            let is_results = target.is_dir()
                && (std::fs::read_dir(target).map_err(io(target))?.next().is_none()
                    || target.join(RESULTS_MARKER).exists()
                    || RESULT_FILES.iter().any(|f| target.join(f).exists()));
            if !is_results {
                return Err(InputError::new(
                    target,
                    "this is not an ecs-sim results folder, and writing results replaces it",
                )
                .at("option `--out`")
                .help("give a new or empty folder, or one that ecs-sim wrote")
                .into());
            }
        }
        if resuming {
            // Already there, with the runs the killed sweep finished.
        } else if keep && target.is_dir() {
            link_tree(target, &staging)?;
        } else {
            std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        }
        std::fs::write(staging.join(RESULTS_MARKER), concat!("ecs-sim ", env!("CARGO_PKG_VERSION"), "\n"))
            .map_err(io(&staging))?;
        Ok((Staging { target: target.to_path_buf(), staging, previous, settled: false }, cleaned))
    }

    /// Where to write the new contents.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Puts the new contents in the target's place.
    pub fn commit(mut self) -> Result<(), Error> {
        if self.target.exists() {
            std::fs::rename(&self.target, &self.previous).map_err(io(&self.target))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
        self.settled = true;
        if self.previous.exists() {
            std::fs::remove_dir_all(&self.previous).map_err(io(&self.previous))?;
        }
        Ok(())
    }

    /// Leaves the staging folder as it is, the target untouched, for a
    /// later `begin` with `resume` to go on in (a sweep stopped by a
    /// signal); returns the staging folder.
    pub fn keep_for_resume(mut self) -> PathBuf {
        self.settled = true;
        self.staging.clone()
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Neither committed nor kept (an error on the way): the target stays as it was.
        if !self.settled {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_replaced_whole_and_a_killed_replacement_is_undone() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("summary.csv"), "old").unwrap();
        std::fs::write(target.join("stale.csv"), "old").unwrap();
        let (staging, cleaned) = Staging::begin(&target, false, false).unwrap();
        assert!(cleaned.is_empty());
        std::fs::write(staging.path().join("summary.csv"), "new").unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("summary.csv")).unwrap(),
            "old",
            "nothing shows before the commit"
        );
        staging.commit().unwrap();
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "new");
        assert!(!target.join("stale.csv").exists());
        // Killed between the two renames: only the previous folder is left.
        std::fs::rename(&target, sibling(&target, "previous")).unwrap();
        std::fs::create_dir(sibling(&target, "staging")).unwrap();
        let (staging, cleaned) = Staging::begin(&target, true, false).unwrap();
        assert_eq!(cleaned.len(), 2, "{cleaned:?}");
        assert_eq!(std::fs::read_to_string(staging.path().join("summary.csv")).unwrap(), "new", "kept");
        drop(staging);
        assert!(!sibling(&target, "staging").exists(), "an abandoned staging folder is removed");
        assert_eq!(std::fs::read_to_string(target.join("summary.csv")).unwrap(), "new");
    }

    #[test]
    fn a_folder_of_something_else_is_never_replaced() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let err = Staging::begin(root.path(), false, false).unwrap_err();
        assert!(err.to_string().contains("not an ecs-sim results folder"), "{err}");
        assert!(root.path().join("notes.txt").exists());
    }
}
