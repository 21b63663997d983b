//! `ecs-sim trace stats`: look at a workload trace before running it.

use super::{TraceFileFormat, Verbosity};
use crate::engine::SimDuration;
use crate::error::{Error, InputError};
use crate::scenario::column_mapping_from_inline;
use crate::traces::{trace_stats, TraceFormat, TraceReader, UnitMapping};
use crate::workload::native_trace_stats;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// The trace file (`.gz` is read directly).
    pub(crate) file: PathBuf,
    /// Its format.
    #[arg(long, value_enum)]
    pub(crate) format: TraceFileFormat,
    /// With `--format generic`: the column mapping, written as the keys of a
    /// scenario's `[workload.trace_columns]`, e.g. 'time = "start", duration = "run_s"'.
    #[arg(long, value_name = "KEYS")]
    pub(crate) columns: Option<String>,
    /// vCPUs of one trace machine, for traces that give requests as a share of a machine.
    #[arg(long, default_value_t = 96.0)]
    pub(crate) machine_vcpu: f64,
    /// GiB of memory of one trace machine, likewise.
    #[arg(long, default_value_t = 384.0)]
    pub(crate) machine_memory_gib: f64,
    /// Read a trace that is not in time order by sorting it in memory.
    #[arg(long)]
    pub(crate) unsorted: bool,
    /// Stop at the first bad row instead of skipping and counting bad rows.
    #[arg(long)]
    pub(crate) strict: bool,
}

/// Prints the trace's statistics and the rows it skipped.
pub(super) fn stats(args: StatsArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let quiet = verbosity == Verbosity::Quiet;
    let StatsArgs { file, format, columns, machine_vcpu, machine_memory_gib, unsorted, strict } = args;
    let units = UnitMapping::from_machine(machine_vcpu, machine_memory_gib).map_err(|e| {
        let option = if e.starts_with("vcpu") { "--machine-vcpu" } else { "--machine-memory-gib" };
        InputError::new(&file, e.replacen("memory_gib", "--machine-memory-gib", 1).replacen("vcpu", "--machine-vcpu", 1))
            .at(format!("option `{option}`"))
            .help("give the vCPUs and GiB of one machine of the trace's cluster, e.g. --machine-vcpu 96 --machine-memory-gib 384")
    })?;
    if columns.is_some() && format != TraceFileFormat::Generic {
        return Err(InputError::new(&file, "`--columns` describes a generic trace")
            .at("option `--columns`")
            .help("add --format generic, or leave out --columns")
            .into());
    }
    let format = match format {
        TraceFileFormat::Alibaba2018 => TraceFormat::Alibaba2018,
        TraceFileFormat::Alibaba2017 => TraceFormat::Alibaba2017,
        TraceFileFormat::Google2011 => TraceFormat::Google2011,
        TraceFileFormat::AzureVmtable => TraceFormat::AzureVmTable,
        TraceFileFormat::Generic => {
            let Some(columns) = columns else {
                return Err(InputError::new(&file, "a generic trace needs its column mapping")
                    .at("option `--columns`")
                    .help(
                        "name the columns as in [workload.trace_columns], e.g. --columns 'time = \"submit_s\", \
                         duration = \"run_s\"'",
                    )
                    .into());
            };
            TraceFormat::Generic(column_mapping_from_inline(&columns, "--columns")?)
        }
        TraceFileFormat::Native => return native(&file, unsorted, quiet),
    };
    let mut reader = TraceReader::open(&file, format, units, 1.0, strict)?;
    if unsorted {
        reader = reader.with_reorder_window(SimDuration(u64::MAX));
    }
    let stats = trace_stats(&mut reader)?;
    if quiet {
        return Ok(0);
    }
    outln!("{}", file.display());
    outln!("{stats}");
    for (reason, count) in reader.skipped_by_reason().iter().chain(reader.incomplete_by_reason()) {
        outln!("  {reason}: {count}");
    }
    if reader.skipped_by_reason().contains_key(crate::traces::reasons::OUT_OF_ORDER) {
        outln!(
            "hint: the trace is not in time order; add --unsorted (or reorder_window = \"unbounded\" in a scenario)"
        );
    }
    Ok(0)
}

/// `--format native`: every problem is fatal, as in a run, and the file must
/// be in time order.
fn native(file: &Path, unsorted: bool, quiet: bool) -> Result<i32, Error> {
    if unsorted {
        return Err(InputError::new(file, "a native trace is read in file order, so `--unsorted` does not apply")
            .at("option `--unsorted`")
            .help("sort the file by submit_time first, keeping the header, e.g. (head -n 1 t.csv; tail -n +2 t.csv | sort -t, -k1,1n)")
            .into());
    }
    if file.to_string_lossy().to_ascii_lowercase().ends_with(".gz") {
        return Err(InputError::new(file, "native traces are read as plain text only")
            .help("decompress it first (gunzip -k), or give it in a format that reads gzip")
            .into());
    }
    let stats = native_trace_stats(file)?;
    if quiet {
        return Ok(0);
    }
    outln!("{}", file.display());
    outln!("{stats}");
    Ok(0)
}
