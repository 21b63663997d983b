//! Outputs: the files a run or a sweep leaves behind, written from results
//! held in memory. Nothing here runs a simulation, and nothing downstream
//! reads these files back.
//!
//! - [`files`]: atomic files and CSV writing, and the fixed-decimal format;
//! - [`folder`]: complete-or-nothing results folders (staged, then swapped in);
//! - `run_files`: the CSV files of one run;
//! - `tags`: the services' cost split by their tasks' tags (`costs_by_tag.csv`);
//! - [`charts`]: PNG charts of a sweep and of a run's services;
//! - [`report`]: a report rendered to Markdown and to self-contained HTML.

pub mod charts;
pub mod files;
pub mod folder;
pub mod report;
mod run_files;
mod tags;

pub use run_files::{write_run, write_run_files};
