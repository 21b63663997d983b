//! Helpers shared by the integration tests: reading a run's CSV outputs and
//! draining trace readers. Each test crate uses a subset.
#![allow(dead_code)]

use ecs_sim::error::Error;
use ecs_sim::error::InputError;
use ecs_sim::record::RunSummary;
use ecs_sim::scenario::Scenario;
use ecs_sim::simulation::run_scenario;
use ecs_sim::traces::{TraceReader, TraceTask};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `metric,value` rows of `out/summary.csv`, by metric.
pub(crate) fn read_summary(out: &Path) -> BTreeMap<String, String> {
    let path = out.join("summary.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|line| {
            let (metric, value) = line.split_once(',').unwrap_or_else(|| panic!("bad summary row `{line}`"));
            (metric.to_string(), value.to_string())
        })
        .collect()
}

/// The rows of `out/tasks.csv`, each by column name.
pub(crate) fn read_tasks(out: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(out.join("tasks.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect()
}

/// Runs a scenario and writes its files into `out`, as `ecs-sim run` does.
pub(crate) fn run_to_dir(scenario: &Scenario, out: &Path) -> Result<RunSummary, Error> {
    let result = run_scenario(scenario)?;
    ecs_sim::output::write_run(scenario, &result, out)?;
    Ok(result.summary)
}

/// Every task of a trace; panics on an error.
pub(crate) fn read_all(reader: &mut TraceReader) -> Vec<TraceTask> {
    let mut tasks = Vec::new();
    while let Some(task) = reader.next_task().unwrap() {
        tasks.push(task);
    }
    tasks
}

/// Reads until the reader fails and returns the error; panics if it never does.
pub(crate) fn read_until_error(mut reader: TraceReader) -> InputError {
    loop {
        match reader.next_task() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("expected an error"),
            Err(err) => return err,
        }
    }
}

/// Rows of a CSV output as maps from column to value.
pub(crate) fn rows(out: &Path, file: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(out.join(file)).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

/// Runs a scenario given as TOML text from `dir` (relative paths resolve
/// there), writing its outputs into `dir`.
pub(crate) fn run_text_in(text: &str, dir: &Path) -> RunSummary {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    let scenario = Scenario::from_toml(text, &path).unwrap_or_else(|e| panic!("{e}"));
    run_to_dir(&scenario, dir).unwrap()
}

/// Every file under `dir`, by path relative to it, with its bytes.
pub(crate) fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
