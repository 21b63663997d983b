//! What the trace targets share: the reader's settings taken from the
//! input's first byte, and a reader drained to its end. Each target uses
//! the part it needs.
#![allow(dead_code)]

use ecs_sim::engine::SimDuration;
use ecs_sim::traces::{trace_stats, TraceFormat, TraceReader, UnitMapping};
use std::path::Path;

/// The name the inputs have in errors.
pub const NAME: &str = "fuzz-input.csv";

/// A machine of 96 vCPUs and 384 GiB, for the formats that give shares.
pub fn units() -> UnitMapping {
    UnitMapping { machine_cpu_units: 96 * 1024, machine_memory_mib: 384 * 1024 }
}

/// How a reader is set up, from the first byte of the input: bit 0 strict,
/// bits 1–2 the reorder window (none, the default, one hour, unbounded),
/// bit 3 a time scale of 0.5 instead of 1.
pub struct Settings {
    pub strict: bool,
    pub window: SimDuration,
    pub time_scale: f64,
}

/// The settings and the rest of the input (the trace's bytes).
pub fn split(data: &[u8]) -> Option<(Settings, &[u8])> {
    let (&first, rest) = data.split_first()?;
    let window = match (first >> 1) & 3 {
        0 => SimDuration::ZERO,
        1 => ecs_sim::traces::DEFAULT_REORDER_WINDOW,
        2 => SimDuration::from_secs(3600),
        _ => SimDuration(u64::MAX),
    };
    let time_scale = if first & 8 != 0 { 0.5 } else { 1.0 };
    Some((Settings { strict: first & 1 != 0, window, time_scale }, rest))
}

/// Opens a reader of `format` over `trace` with `settings`; errors are fine.
pub fn reader(trace: &[u8], format: TraceFormat, settings: &Settings) -> Option<TraceReader> {
    let input = std::io::Cursor::new(trace.to_vec());
    TraceReader::from_reader(Path::new(NAME), input, format, units(), settings.time_scale, settings.strict)
        .ok()
        .map(|reader| reader.with_reorder_window(settings.window))
}

/// Reads every row of `trace` as `format` and summarises them: it must end,
/// with tasks or an error, and never panic.
pub fn drain(data: &[u8], format: TraceFormat) {
    let Some((settings, trace)) = split(data) else { return };
    if let Some(mut reader) = reader(trace, format, &settings) {
        let _ = trace_stats(&mut reader);
    }
}
