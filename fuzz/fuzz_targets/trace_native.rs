//! ecs-sim's native trace CSV: any bytes give a summary or an input error,
//! never a panic.
#![no_main]

use ecs_sim::workload::native_trace_stats_from;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = native_trace_stats_from(Path::new("fuzz-input.csv"), std::io::Cursor::new(data.to_vec()));
});
