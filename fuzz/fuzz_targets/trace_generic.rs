//! A generic CSV trace: the input's first line is the column mapping, as
//! `trace stats --columns` takes it (the keys of `[workload.trace_columns]`),
//! the rest the trace. Any bytes give tasks or an error, never a panic.
#![no_main]

mod common;

use ecs_sim::scenario::column_mapping_from_inline;
use ecs_sim::traces::{trace_stats, TraceFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((settings, rest)) = common::split(data) else { return };
    let (mapping, trace) = match rest.iter().position(|&b| b == b'\n') {
        Some(end) => (&rest[..end], &rest[end + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(mapping) = std::str::from_utf8(mapping) else { return };
    let Ok(mapping) = column_mapping_from_inline(mapping, "--columns") else { return };
    if let Some(mut reader) = common::reader(trace, TraceFormat::Generic(mapping), &settings) {
        let _ = trace_stats(&mut reader);
    }
});
