//! The Azure Public Dataset V1 VM table (`vmtable.csv`).
//!
//! # Layout
//!
//! No header; 11 columns per row, in this order: `vmid, subscriptionid,
//! deploymentid, vmcreated, vmdeleted, maxcpu, avgcpu, p95maxcpu, vmcategory,
//! vmcorecount, vmmemory`. `vmcreated` and `vmdeleted` are seconds from the
//! start of the trace; the utilisation columns are ignored (but the row must
//! have all 11 fields).
//!
//! # Rows to tasks
//!
//! Each VM is one task, count 1: submit = `vmcreated`, duration = `vmdeleted
//! − vmcreated` (a deletion before the creation is a bad row), `job` =
//! `deploymentid`, `name` = `vmid`, `group` = `vmcategory` (`Delay-insensitive`,
//! `Interactive`, `Unknown`).
//!
//! **Buckets.** The dataset gives core counts and memory in buckets: cores
//! `2`, `4`, `8`, `24`, `>24` and memory (GB) `2`, `4`, `8`, `32`, `64`,
//! `>64`. A plain number is used as it is; the open-ended buckets become
//! [`CORES_ABOVE_24`] cores and [`GB_ABOVE_64`] GB, a little above their bound.
//! Any other `>N` is a bad row (`not a number`). CPU units = cores × 1024 and
//! MiB = GB × 1024.
//!
//! **Order.** The real file is not sorted by creation time, so read it with
//! `reorder_window = "unbounded"` (`SimDuration(u64::MAX)`), which sorts it in
//! memory; with a bounded window, rows further back than the window are bad
//! rows.

use super::fields::{expect_fields, number, text};
use super::{reasons, RawRow, RowError};

/// The columns, in file order.
pub const COLUMNS: [&str; 11] = [
    "vmid",
    "subscriptionid",
    "deploymentid",
    "vmcreated",
    "vmdeleted",
    "maxcpu",
    "avgcpu",
    "p95maxcpu",
    "vmcategory",
    "vmcorecount",
    "vmmemory",
];

/// Cores for the open-ended `>24` bucket.
pub const CORES_ABOVE_24: f64 = 30.0;

/// GB for the open-ended `>64` bucket.
pub const GB_ABOVE_64: f64 = 70.0;

const LAYOUT: &str = "vmid,subscriptionid,deploymentid,vmcreated,vmdeleted,maxcpu,avgcpu,p95maxcpu,vmcategory,\
                      vmcorecount,vmmemory with no header line";

/// Reads a bucketed count: a plain non-negative number or the one open-ended
/// bucket `open` (`">24"`), which stands for `open_value`.
fn bucket(record: &csv::StringRecord, index: usize, open: &str, open_value: f64) -> Result<f64, RowError> {
    let column = COLUMNS[index];
    let value = record.get(index).unwrap_or("");
    if value == open {
        return Ok(open_value);
    }
    if value.starts_with('>') {
        return Err(RowError::new(
            reasons::NOT_A_NUMBER,
            format!("`{column}` is `{value}`, which is neither a number nor the `{open}` bucket"),
            format!("write `{column}` as a number such as 8, or `{open}`"),
        ));
    }
    let number = number(record, index, column)?;
    if number < 0.0 {
        return Err(RowError::new(
            reasons::NEGATIVE_RESOURCE,
            format!("`{column}` is negative ({number})"),
            format!("`{column}` must be zero or more"),
        ));
    }
    Ok(number)
}

/// Reads one row.
pub(super) fn parse(record: &csv::StringRecord) -> Result<RawRow, RowError> {
    expect_fields(record, COLUMNS.len(), LAYOUT)?;
    let created = number(record, 3, COLUMNS[3])?;
    let deleted = number(record, 4, COLUMNS[4])?;
    if deleted < created {
        return Err(RowError::new(
            reasons::NEGATIVE_DURATION,
            format!("`vmdeleted` ({deleted}) is before `vmcreated` ({created})"),
            "a VM must be deleted at or after its creation",
        ));
    }
    let missing = |index: usize| {
        RowError::new(
            reasons::MISSING,
            format!("`{}` is empty", COLUMNS[index]),
            format!("give `{}` a value", COLUMNS[index]),
        )
    };
    let vmid = text(record, 0).ok_or_else(|| missing(0))?;
    let cores = bucket(record, 9, ">24", CORES_ABOVE_24)?;
    let gb = bucket(record, 10, ">64", GB_ABOVE_64)?;
    Ok(RawRow {
        submit_ms: created * 1000.0,
        duration_ms: (deleted - created) * 1000.0,
        cpu: Some(cores * 1024.0),
        memory: Some(gb * 1024.0),
        count: 1,
        job: text(record, 2),
        name: Some(vmid),
        depends_on: Vec::new(),
        task_definition: None,
        group: text(record, 8),
    })
}
