//! Generic CSV traces, their columns described by a [`ColumnMapping`].
//!
//! Each row is one task: a submit time, a duration (or an end time, giving
//! `end - start`), optional CPU and memory requests multiplied by their scales
//! to get CPU units and MiB, an optional instance count (1 when absent), task
//! definition and task group. Times are plain numbers in the mapping's
//! [`TimeUnit`](super::TimeUnit); they are used as they are, so a trace whose
//! clock does not start near 0 (e.g. Unix time) should be rebased first.

use super::fields::{number, optional_count, optional_number, text};
use super::{ColumnMapping, RawRow, RowError};
use crate::error::{best_match, InputError};
use std::path::Path;

/// Checks a mapping makes sense before the file is opened.
pub(super) fn check_mapping(path: &Path, mapping: &ColumnMapping) -> Result<(), InputError> {
    let bad = |message: &str, help: &str| Err(InputError::new(path, message).help(help));
    if mapping.time.trim().is_empty() {
        return bad("the column mapping has no submit time column", "set `time` to the column holding submit times");
    }
    match (&mapping.duration, &mapping.end_time) {
        (None, None) => {
            return bad(
                "the column mapping has neither a duration nor an end time column",
                "set `duration` to the column of run times, or `end_time` to the column of end times",
            )
        }
        (Some(_), Some(_)) => {
            return bad(
                "the column mapping has both a duration and an end time column",
                "set only one of `duration` and `end_time`",
            )
        }
        _ => {}
    }
    for (column, scale, name) in
        [(&mapping.cpu, mapping.cpu_scale, "cpu_scale"), (&mapping.memory, mapping.memory_scale, "memory_scale")]
    {
        if column.is_some() && !(scale.is_finite() && scale > 0.0) {
            return Err(InputError::new(path, format!("{name} is {scale}, but it must be a number above 0"))
                .help("the scale turns the column's values into CPU units or MiB, e.g. 1024 for cores or 1 for MiB"));
        }
    }
    if matches!(mapping.delimiter, b'"' | b'\n' | b'\r') {
        return bad("the delimiter cannot be a quote or a line break", "use b',' for CSV or b'\\t' for TSV");
    }
    Ok(())
}

/// One resolved column: where it is and what to call it in messages.
#[derive(Clone)]
struct Column {
    index: usize,
    label: String,
}

/// A mapping resolved against a file's header.
pub(super) struct Columns {
    time: Column,
    duration: Option<Column>,
    end_time: Option<Column>,
    cpu: Option<Column>,
    memory: Option<Column>,
    count: Option<Column>,
    task_definition: Option<Column>,
    group: Option<Column>,
    unit_ms: f64,
    cpu_scale: f64,
    memory_scale: f64,
    /// The header's width, which every row must match, when there is a header.
    header_fields: Option<usize>,
    /// Fields a row needs to hold every mapped column.
    needed: usize,
}

impl Columns {
    /// Finds the mapped columns: by name in the header, or by 0-based index
    /// when the file has none.
    pub(super) fn resolve(
        path: &Path,
        mapping: &ColumnMapping,
        header: Option<&csv::StringRecord>,
    ) -> Result<Columns, InputError> {
        let find = |role: &str, spec: &str| -> Result<Column, InputError> {
            let spec = spec.trim();
            match header {
                Some(header) => match header.iter().position(|name| name == spec) {
                    Some(index) => Ok(Column { index, label: spec.to_string() }),
                    None => {
                        let err = InputError::new(path, format!("the {role} column `{spec}` is not in the header"))
                            .at("line 1");
                        let names = header.iter().collect::<Vec<_>>().join(", ");
                        Err(match best_match(spec, header.iter()) {
                            Some(near) => err.help(format!("did you mean `{near}`? The columns are: {names}")),
                            None => err.help(format!("the columns are: {names}")),
                        })
                    }
                },
                None => match spec.parse::<usize>() {
                    Ok(index) => Ok(Column { index, label: format!("column {index}") }),
                    Err(_) => Err(InputError::new(path, format!("the {role} column `{spec}` is not a column number"))
                        .help(
                        "the mapping says the file has no header, so name columns by 0-based index: \"0\", \"1\", ...",
                    )),
                },
            }
        };
        let optional = |role: &str, spec: &Option<String>| spec.as_deref().map(|s| find(role, s)).transpose();
        let columns = Columns {
            time: find("time", &mapping.time)?,
            duration: optional("duration", &mapping.duration)?,
            end_time: optional("end_time", &mapping.end_time)?,
            cpu: optional("cpu", &mapping.cpu)?,
            memory: optional("memory", &mapping.memory)?,
            count: optional("count", &mapping.count)?,
            task_definition: optional("task_definition", &mapping.task_definition)?,
            group: optional("group", &mapping.group)?,
            unit_ms: mapping.time_unit.millis(),
            cpu_scale: mapping.cpu_scale,
            memory_scale: mapping.memory_scale,
            header_fields: header.map(csv::StringRecord::len),
            needed: 0,
        };
        let needed = [
            Some(&columns.time),
            columns.duration.as_ref(),
            columns.end_time.as_ref(),
            columns.cpu.as_ref(),
            columns.memory.as_ref(),
            columns.count.as_ref(),
            columns.task_definition.as_ref(),
            columns.group.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|c| c.index + 1)
        .max()
        .unwrap_or(1);
        Ok(Columns { needed, ..columns })
    }

    /// Reads one row.
    pub(super) fn parse(&self, record: &csv::StringRecord) -> Result<RawRow, RowError> {
        match self.header_fields {
            Some(fields) => super::fields::expect_fields(record, fields, "as wide as the header")?,
            None if record.len() < self.needed => {
                return Err(RowError::new(
                    super::reasons::FIELD_COUNT,
                    format!("the row has {} fields, but the column mapping needs {}", record.len(), self.needed),
                    "fill in the missing fields, or check the delimiter and column numbers",
                ))
            }
            None => {}
        }
        let start = number(record, self.time.index, &self.time.label)?;
        let duration = match (&self.duration, &self.end_time) {
            (Some(column), _) => number(record, column.index, &column.label)?,
            (None, Some(column)) => {
                let end = number(record, column.index, &column.label)?;
                if end < start {
                    return Err(RowError::new(
                        super::reasons::NEGATIVE_DURATION,
                        format!("`{}` ({end}) is before `{}` ({start})", column.label, self.time.label),
                        "a task must end at or after its submit time",
                    ));
                }
                end - start
            }
            (None, None) => 0.0,
        };
        let resource = |column: &Option<Column>, scale: f64| -> Result<Option<f64>, RowError> {
            match column {
                Some(column) => Ok(optional_number(record, column.index, &column.label)?.map(|v| v * scale)),
                None => Ok(None),
            }
        };
        let count = match &self.count {
            Some(column) => optional_count(record, column.index, &column.label)?.unwrap_or(1),
            None => 1,
        };
        Ok(RawRow {
            submit_ms: start * self.unit_ms,
            duration_ms: duration * self.unit_ms,
            cpu: resource(&self.cpu, self.cpu_scale)?,
            memory: resource(&self.memory, self.memory_scale)?,
            count,
            job: None,
            name: None,
            depends_on: Vec::new(),
            task_definition: self.task_definition.as_ref().and_then(|c| text(record, c.index)),
            group: self.group.as_ref().and_then(|c| text(record, c.index)),
        })
    }
}
