//! The scenario loader: any text is a scenario (or sweep) and its work
//! estimate, or an input error, never a panic. The path is in a folder that
//! does not exist, so every file the scenario names fails to open.
#![no_main]

use ecs_sim::scenario::budget;
use ecs_sim::sweep::{self, Loaded};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("/nonexistent-ecs-sim-fuzz/scenario.toml");
    match sweep::from_toml(text, path) {
        Ok(Loaded::Single(scenario)) => {
            let _ = budget::check(&scenario, &budget::Budget::default());
        }
        Ok(Loaded::Sweep(sweep)) => {
            for scenario in sweep.variants.iter().flat_map(|v| &v.scenarios) {
                let _ = budget::check(scenario, &budget::Budget::default());
            }
        }
        Err(_) => {}
    }
});
