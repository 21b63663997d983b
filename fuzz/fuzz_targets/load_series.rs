//! Load series (services' demand curves): the value column `cpu`, and with
//! bit 0 of the first byte the time column `time` (bit 1: a step of 1 s
//! instead of 300 s). Any bytes give a series or an input error, never a
//! panic.
#![no_main]

use ecs_sim::engine::SimDuration;
use ecs_sim::traces::read_load_series_from;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&first, csv)) = data.split_first() else { return };
    let time_column = (first & 1 != 0).then_some("time");
    let step = SimDuration::from_secs(if first & 2 != 0 { 1 } else { 300 });
    let input = std::io::Cursor::new(csv.to_vec());
    let _ = read_load_series_from(Path::new("fuzz-input.csv"), input, "cpu", step, 1.0, time_column, 0.5);
});
