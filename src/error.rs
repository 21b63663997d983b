//! Errors a user can act on. Every input error names the file, the place in it
//! (line, column or field path) and how to fix it; nothing the user writes can
//! make the simulator panic.

use crate::interrupt::Signal;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// How many characters of a value an error quotes: a longer value is cut
/// there and ends in `…`, so a 10 MB field never becomes 10 MB of stderr.
pub const QUOTE_LIMIT: usize = 100;

/// The most characters an error's message, location or help keeps, after
/// [`QUOTE_LIMIT`] has cut its quoted values (a backstop for values quoted
/// without backticks or double quotes).
const TEXT_LIMIT: usize = 4_000;

/// `value` as an error quotes it: whole up to [`QUOTE_LIMIT`] characters,
/// otherwise its first [`QUOTE_LIMIT`] and `…`.
pub fn quoted(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &value[..cut])),
        None => Cow::Borrowed(value),
    }
}

/// Cuts every span between backticks or double quotes longer than
/// [`QUOTE_LIMIT`] characters (see [`quoted`]), then the whole text at
/// [`TEXT_LIMIT`] characters.
fn bounded(text: String) -> String {
    if text.len() <= QUOTE_LIMIT {
        return text;
    }
    let mut out = String::with_capacity(text.len().min(TEXT_LIMIT + 8));
    let mut rest = text.as_str();
    while let Some(open) = rest.find(['`', '"']) {
        let delimiter = &rest[open..open + 1];
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let Some(close) = rest.find(delimiter) else { break };
        out.push_str(&quoted(&rest[..close]));
        out.push_str(delimiter);
        rest = &rest[close + 1..];
        if out.len() > TEXT_LIMIT {
            break;
        }
    }
    out.push_str(rest);
    match out.char_indices().nth(TEXT_LIMIT) {
        Some((cut, _)) => format!("{}…", &out[..cut]),
        None => out,
    }
}

/// Why `path` cannot be opened as a file, when it is a directory or does
/// not exist, as an error says it; `None` otherwise (a file, or a failure
/// the reader will report).
pub fn not_a_file(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            Some(format!("`{}` is a directory, not a file", quoted(&path.display().to_string())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Some(format!("`{}` does not exist", quoted(&path.display().to_string())))
        }
        _ => None,
    }
}

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
        InputError { file: file.as_ref().to_path_buf(), location: None, message: bounded(message.into()), help: None }
    }

    /// Sets where in the file the problem is.
    pub fn at(mut self, location: impl Into<String>) -> InputError {
        self.location = Some(bounded(location.into()));
        self
    }

    /// Adds advice on fixing it.
    pub fn help(mut self, help: impl Into<String>) -> InputError {
        self.help = Some(bounded(help.into()));
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The fields are public: bound them again in case one was set directly.
        write!(f, "{}", quoted(&self.file.display().to_string()))?;
        if let Some(location) = &self.location {
            write!(f, ", {}", bounded(location.clone()))?;
        }
        write!(f, ": {}", bounded(self.message.clone()))?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", bounded(help.clone()))?;
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
    /// A SIGINT or SIGTERM stopped the work (exit code 130 or 143).
    #[error("interrupted by {}", .0.name())]
    Interrupted(Signal),
}

impl From<Signal> for Error {
    fn from(signal: Signal) -> Error {
        Error::Interrupted(signal)
    }
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
    // No typo is this long, and the similarity costs length × length.
    if word.len() > QUOTE_LIMIT * 2 {
        return None;
    }
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
    fn long_values_are_quoted_in_part() {
        let long = "x".repeat(10_000_000);
        let err = InputError::new("s.toml", format!("`{long}` is not a duration")).help(format!("not \"{long}\""));
        let shown = err.to_string();
        assert!(shown.len() < 400, "{} characters", shown.len());
        assert!(shown.contains(&format!("`{}…` is not a duration", "x".repeat(QUOTE_LIMIT))), "{shown}");
        assert!(shown.contains(&format!("not \"{}…\"", "x".repeat(QUOTE_LIMIT))), "{shown}");
        let unquoted = InputError::new("s.toml", long.clone());
        assert!(unquoted.message.chars().count() <= TEXT_LIMIT + 1);
        assert_eq!(quoted("short"), "short");
        assert_eq!(quoted(&"é".repeat(150)), format!("{}…", "é".repeat(100)));
    }

    #[test]
    fn display_names_file_place_and_fix() {
        let err = InputError::new("s.toml", "bad").at("line 3").help("do this");
        assert_eq!(err.to_string(), "s.toml, line 3: bad\n  help: do this");
    }
}
