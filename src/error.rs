//! Errors a user can act on. Every input error names the file, the place in it
//! (line, column or field path) and how to fix it; nothing the user writes can
//! make the simulator panic.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with something the user wrote: a scenario, a task definition, a
/// trace or a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file the problem is in.
    pub file: PathBuf,
    /// Where in the file: `line 4`, `field workload[0].run_task.count`, ...
    pub location: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is more to say than the message.
    pub help: Option<String>,
}

impl InputError {
    /// A new error in `file`.
    pub fn new(file: impl AsRef<Path>, message: impl Into<String>) -> InputError {
        InputError { file: file.as_ref().to_path_buf(), location: None, message: message.into(), help: None }
    }

    /// Sets where in the file the problem is.
    pub fn at(mut self, location: impl Into<String>) -> InputError {
        self.location = Some(location.into());
        self
    }

    /// Adds advice on fixing it.
    pub fn help(mut self, help: impl Into<String>) -> InputError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(location) = &self.location {
            write!(f, ", {location}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Any failure of a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input is invalid (exit code 2).
    #[error("{0}")]
    Input(#[from] InputError),
    /// Writing results failed.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The file being written.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// The simulation broke one of its own rules (a bug, exit code 1).
    #[error("internal error: {0}")]
    Engine(#[from] crate::engine::ScheduleError),
}

/// Adds "did you mean" advice to serde's "unknown field `x`, expected one of
/// `a`, `b`" and "unknown variant" messages.
pub fn suggest_for_unknown(message: &str) -> Option<String> {
    let kind = ["unknown field `", "unknown variant `"].into_iter().find(|k| message.contains(k))?;
    let start = message.find(kind)? + kind.len();
    let unknown = &message[start..start + message[start..].find('`')?];
    let expected_at = message.find("expected")?;
    let candidates: Vec<&str> = message[expected_at..].split('`').skip(1).step_by(2).collect();
    best_match(unknown, candidates.iter().copied()).map(|best| format!("did you mean `{best}`?"))
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub fn best_match<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|candidate| (strsim::jaro_winkler(&word.to_lowercase(), &candidate.to_lowercase()), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_get_a_suggestion() {
        let msg = "unknown field `durration`, expected one of `duration`, `seed`, `sample_interval`";
        assert_eq!(suggest_for_unknown(msg).as_deref(), Some("did you mean `duration`?"));
        let msg = "unknown variant `binpak`, expected one of `random`, `spread`, `binpack`";
        assert_eq!(suggest_for_unknown(msg).as_deref(), Some("did you mean `binpack`?"));
        assert_eq!(suggest_for_unknown("unknown field `zzz`, expected `duration`"), None);
    }

    #[test]
    fn display_names_file_place_and_fix() {
        let err = InputError::new("s.toml", "bad").at("line 3").help("do this");
        assert_eq!(err.to_string(), "s.toml, line 3: bad\n  help: do this");
    }
}
