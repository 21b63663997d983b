//! Reading one field of a trace row: numbers, counts and text, each failure
//! a [`RowError`] naming the column.

use super::{reasons, RowError};

/// A required numeric field: present, non-empty and a finite number.
pub(super) fn number(record: &csv::StringRecord, index: usize, column: &str) -> Result<f64, RowError> {
    optional_number(record, index, column)?.ok_or_else(|| {
        RowError::new(reasons::MISSING, format!("`{column}` is empty"), format!("give `{column}` a value"))
    })
}

/// An optional numeric field: `None` when empty.
pub(super) fn optional_number(record: &csv::StringRecord, index: usize, column: &str) -> Result<Option<f64>, RowError> {
    let text = record.get(index).unwrap_or("");
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Some(value)),
        _ => Err(RowError::new(
            reasons::NOT_A_NUMBER,
            format!("`{column}` is `{text}`, which is not a number"),
            format!("write `{column}` as a plain number such as 12 or 0.5"),
        )),
    }
}

/// An instance count: a whole number of at least 1 (`3` or `3.0`); `None` when empty.
pub(super) fn optional_count(record: &csv::StringRecord, index: usize, column: &str) -> Result<Option<u32>, RowError> {
    let text = record.get(index).unwrap_or("");
    if text.is_empty() {
        return Ok(None);
    }
    let value = text.parse::<u32>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(u32::MAX))
            .map(|v| v as u32)
    });
    match value {
        Some(count) if count >= 1 => Ok(Some(count)),
        _ => Err(RowError::new(
            reasons::BAD_COUNT,
            format!("`{column}` is `{text}`, but it must be a whole number of instances, at least 1"),
            format!("write `{column}` as a whole number such as 1 or 12"),
        )),
    }
}

/// A required instance count.
pub(super) fn count(record: &csv::StringRecord, index: usize, column: &str) -> Result<u32, RowError> {
    optional_count(record, index, column)?.ok_or_else(|| {
        RowError::new(reasons::MISSING, format!("`{column}` is empty"), format!("give `{column}` a value"))
    })
}

/// A text field, `None` when empty.
pub(super) fn text(record: &csv::StringRecord, index: usize) -> Option<String> {
    record.get(index).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Checks a row has exactly `expected` fields.
pub(super) fn expect_fields(record: &csv::StringRecord, expected: usize, layout: &str) -> Result<(), RowError> {
    if record.len() == expected {
        return Ok(());
    }
    Err(RowError::new(
        reasons::FIELD_COUNT,
        format!("the row has {} fields, but {expected} are expected", record.len()),
        format!("each row must be {layout}"),
    ))
}
