//! The google2011 trace reader: any bytes give tasks or an error, never a panic.
#![no_main]

mod common;

use ecs_sim::traces::TraceFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::drain(data, TraceFormat::Google2011));
