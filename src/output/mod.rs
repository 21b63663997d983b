//! Outputs: the files a run or a sweep leaves behind, written from results
//! held in memory. Nothing here runs a simulation, and nothing downstream
//! reads these files back.

mod run_files;

pub use run_files::{write_run, RUN_FILES};
