//! `ecs-sim trace stats`: look at a workload trace before running it.

use super::TraceFileFormat;
use crate::engine::SimDuration;
use crate::error::{Error, InputError};
use crate::traces::{trace_stats, TraceFormat, TraceReader, UnitMapping};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// The trace file (`.gz` is read directly).
    pub(crate) file: PathBuf,
    /// Its format.
    #[arg(long, value_enum)]
    pub(crate) format: TraceFileFormat,
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
pub(super) fn stats(args: StatsArgs) -> Result<i32, Error> {
    let StatsArgs { file, format, machine_vcpu, machine_memory_gib, unsorted, strict } = args;
    if !(machine_vcpu > 0.0 && machine_memory_gib > 0.0) {
        return Err(InputError::new(&file, "the trace machine needs a positive size")
            .at("options `--machine-vcpu` and `--machine-memory-gib`")
            .into());
    }
    let format = match format {
        TraceFileFormat::Alibaba2018 => TraceFormat::Alibaba2018,
        TraceFileFormat::Alibaba2017 => TraceFormat::Alibaba2017,
        TraceFileFormat::Google2011 => TraceFormat::Google2011,
        TraceFileFormat::AzureVmtable => TraceFormat::AzureVmTable,
    };
    let units = UnitMapping {
        machine_cpu_units: (machine_vcpu * 1024.0).round() as u32,
        machine_memory_mib: (machine_memory_gib * 1024.0).round() as u32,
    };
    let mut reader = TraceReader::open(&file, format, units, 1.0, strict)?;
    if unsorted {
        reader = reader.with_reorder_window(SimDuration(u64::MAX));
    }
    let stats = trace_stats(&mut reader)?;
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
