//! Writing results. Every file is written to a temporary name beside its
//! destination and renamed into place only when complete, so an interrupted
//! run never leaves a half-written report behind.

use crate::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written; it appears under its real name on [`commit`](AtomicFile::commit).
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    writer: BufWriter<File>,
}

impl AtomicFile {
    /// Starts writing `path` (through `path.tmp`).
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        let temp = temp_path(path);
        let file = File::create(&temp).map_err(|source| Error::Output { path: temp.clone(), source })?;
        Ok(AtomicFile { path: path.to_path_buf(), temp, writer: BufWriter::new(file) })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let output = |source| Error::Output { path: self.path.clone(), source };
        self.writer.flush().map_err(output)?;
        self.writer.get_ref().sync_all().map_err(output)?;
        std::fs::rename(&self.temp, &self.path).map_err(output)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed: remove the partial file (ignored if already renamed).
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Writes `bytes` to `path` atomically (through an [`AtomicFile`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(bytes).map_err(|source| Error::Output { path: path.to_path_buf(), source })?;
    file.commit()
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// A CSV file written atomically.
pub struct CsvFile {
    file: AtomicFile,
}

impl CsvFile {
    /// Starts a CSV with a header row.
    pub fn create(path: &Path, header: &[&str]) -> Result<CsvFile, Error> {
        let mut csv = CsvFile { file: AtomicFile::create(path)? };
        csv.row(header)?;
        Ok(csv)
    }

    /// Writes one row, quoting fields as needed.
    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), Error> {
        let path = self.file.path.clone();
        let writer = self.file.writer();
        for (i, field) in fields.iter().enumerate() {
            let field = field.as_ref();
            let result = if i > 0 { writer.write_all(b",") } else { Ok(()) }.and_then(|_| {
                if field.contains([',', '"', '\n', '\r']) {
                    write!(writer, "\"{}\"", field.replace('"', "\"\""))
                } else {
                    writer.write_all(field.as_bytes())
                }
            });
            result.map_err(|source| Error::Output { path: path.clone(), source })?;
        }
        writer.write_all(b"\n").map_err(|source| Error::Output { path, source })
    }

    /// Renames the file into place.
    pub fn commit(self) -> Result<(), Error> {
        self.file.commit()
    }
}

/// Formats a number for CSV with fixed decimals (stable across platforms).
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text.trim_start_matches(['-', '0', '.']).is_empty() {
        text[1..].to_string() // no "-0.000"
    } else {
        text
    }
}

/// A number as the CSV files write it with `decimals` decimals, read back
/// as a number: what ranks, checks and charts see, so they agree with the files.
pub fn as_written(value: f64, decimals: usize) -> f64 {
    fixed(value, decimals).parse().unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let mut csv = CsvFile::create(&path, &["x", "y"]).unwrap();
        csv.row(&["1", "a,b"]).unwrap();
        assert!(!path.exists());
        csv.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x,y\n1,\"a,b\"\n");
        let abandoned = CsvFile::create(&dir.path().join("b.csv"), &["x"]).unwrap();
        drop(abandoned);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn fixed_never_prints_negative_zero() {
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(fixed(1.005, 1), "1.0");
    }
}
