//! `ecs-sim run --format json` against the files the same run writes, on every
//! example scenario in `scenarios/`: a single run's JSON against its
//! `summary.csv`, a sweep's JSON against its `variants.csv`. A JSON number
//! agrees with a CSV cell when it prints as that cell at the cell's decimals.

mod common;

use common::read_summary;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `scenarios/*.toml`, sorted, with whether it has a `[sweep]` section.
fn example_scenarios() -> Vec<(PathBuf, bool)> {
    let mut all: Vec<(PathBuf, bool)> = std::fs::read_dir(crate_dir().join("scenarios"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
            let sweep = table.contains_key("sweep");
            (path, sweep)
        })
        .collect();
    all.sort();
    assert!(all.len() >= 8, "expected the example scenarios, found {all:?}");
    all
}

/// Whether the scenario reads the trace samples beside the project, and they are absent.
fn needs_absent_traces(path: &Path) -> bool {
    std::fs::read_to_string(path).unwrap().contains("shared/traces") && !crate_dir().join("../shared/traces").is_dir()
}

/// Runs `ecs-sim run SCENARIO --format json --out OUT` and parses its stdout.
fn run_json(scenario: &Path, out: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .arg("run")
        .arg(scenario)
        .args(["--format", "json", "--out"])
        .arg(out)
        .current_dir(crate_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}: {}", scenario.display(), String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e})", scenario.display()))
}

/// Whether a JSON value says what a CSV cell says: the same text, the same
/// integer, a number that prints as the cell at its decimals, or null for an
/// empty cell.
fn agrees(json: &Value, cell: &str) -> bool {
    match json {
        Value::Null => cell.is_empty(),
        Value::String(s) => s == cell,
        Value::Bool(b) => cell == b.to_string(),
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string() == cell,
        Value::Number(n) => {
            let decimals = cell.split_once('.').map_or(0, |(_, d)| d.len());
            let text = format!("{:.decimals$}", n.as_f64().unwrap());
            let text = if text.trim_start_matches(['-', '0', '.']).is_empty() { text.replace('-', "") } else { text };
            text == cell
        }
        _ => false,
    }
}

/// Every leaf of a JSON document, by its dotted path.
fn leaves(value: &Value, path: String, into: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                leaves(child, path, into);
            }
        }
        other => {
            into.insert(path, other.clone());
        }
    }
}

/// The `summary.csv` metric a leaf of the single-run JSON reports, or `None`
/// for the values that file does not have.
fn summary_metric(path: &str) -> Option<String> {
    let metric = match path.split('.').collect::<Vec<_>>()[..] {
        // JSON only: the output folder and the RunTask share placed
        // (checked against the CSV below).
        ["results"] | ["placed_pct"] => return None,
        ["incidents", field] => field.to_string(),
        ["events"] => "events_processed".to_string(),
        ["tasks", "failed_by_reason", reason] => format!("tasks_failed_{reason}"),
        ["tasks", field] => format!("tasks_{field}"),
        ["trace", field] => format!("trace_{field}"),
        ["cost_usd", "by_fleet", fleet] => format!("cost_fleet_{fleet}_usd"),
        ["cost_usd", part] => format!("cost_{part}_usd"),
        [quantiles @ ("task_wait_s" | "task_start_delay_s"), p] => {
            format!("{}_{p}_s", quantiles.trim_end_matches("_s"))
        }
        ["faults", field] => field.to_string(),
        ["services", service, "availability_pct"] => format!("service_{service}_availability_pct"),
        [field] => field.to_string(),
        _ => panic!("the JSON field `{path}` has no summary.csv row; map it in summary_metric"),
    };
    Some(metric)
}

fn check_single(scenario: &Path, json: &Value, out: &Path) {
    let name = scenario.display();
    let summary = read_summary(out);
    let mut fields = BTreeMap::new();
    leaves(json, String::new(), &mut fields);
    let mut matched = Vec::new();
    for (path, value) in &fields {
        let Some(metric) = summary_metric(path) else { continue };
        let cell = summary.get(&metric).unwrap_or_else(|| panic!("{name}: JSON `{path}` has no `{metric}` row"));
        assert!(agrees(value, cell), "{name}: JSON `{path}` = {value}, but summary.csv `{metric}` = `{cell}`");
        matched.push(metric);
    }
    for metric in summary.keys() {
        assert!(matched.contains(metric), "{name}: summary.csv row `{metric}` is missing from the JSON");
    }
    // The overall availability: the lowest of the services' and the RunTask share placed.
    let number = |path: &str| fields[path].as_f64().unwrap_or_else(|| panic!("{name}: `{path}` is not a number"));
    let placed = number("placed_pct");
    let services: Vec<f64> =
        fields.iter().filter(|(p, _)| p.starts_with("services.")).map(|(_, v)| v.as_f64().unwrap()).collect();
    let lowest = services.iter().copied().fold(placed, f64::min);
    assert_eq!(
        number("availability_pct"),
        lowest,
        "{name}: availability_pct is not the lowest of {placed} and {services:?}"
    );
    if services.is_empty() {
        // Without services every submitted task is a RunTask task, so the
        // placed share follows from summary.csv alone.
        let count = |metric: &str| summary[metric].parse::<f64>().unwrap();
        let asked = count("tasks_submitted") + count("tasks_skipped_oversize");
        let unplaced = count("tasks_failed") + count("tasks_waiting_at_end") + count("tasks_skipped_oversize");
        let expected = if asked == 0.0 { 100.0 } else { 100.0 * (1.0 - unplaced / asked) };
        assert!((placed - expected).abs() < 1e-9, "{name}: placed_pct {placed}, summary.csv gives {expected}");
    }
    assert_eq!(fields["results"], Value::String(out.display().to_string()), "{name}");
}

/// The rows of a CSV file, each by column name.
fn read_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect()
}

fn check_sweep(scenario: &Path, json: &Value, out: &Path) {
    let name = scenario.display();
    let rows = read_rows(&out.join("variants.csv"));
    let variants = json["variants"].as_array().unwrap_or_else(|| panic!("{name}: no `variants` array"));
    assert_eq!(variants.len(), rows.len(), "{name}: variants in the JSON and in variants.csv");
    for (variant, row) in variants.iter().zip(&rows) {
        let label = variant["variant"].as_str().unwrap();
        assert_eq!(row["variant"], label, "{name}: variants in a different order");
        let mut compared = 0;
        for (key, value) in variant.as_object().unwrap() {
            // `{ mean, ci95 }` pairs are the `<key>_mean` and `<key>_ci95` columns;
            // the rest have a column of their own name.
            let cells: Vec<(String, &Value)> = match value {
                Value::Object(pair) => pair.iter().map(|(part, v)| (format!("{key}_{part}"), v)).collect(),
                Value::Null => vec![(format!("{key}_mean"), value), (format!("{key}_ci95"), value)],
                other => vec![(key.clone(), other)],
            };
            for (column, value) in cells {
                let Some(cell) = row.get(&column) else { continue };
                assert!(agrees(value, cell), "{name} `{label}`: JSON `{column}` = {value}, variants.csv `{cell}`");
                compared += 1;
            }
        }
        for column in ["rank", "cost_usd_mean", "cost_usd_ci95", "availability_pct_mean", "availability_pct_ci95"] {
            assert!(row.contains_key(column), "{name}: variants.csv has no `{column}`");
        }
        assert!(compared >= 10, "{name} `{label}`: only {compared} JSON fields matched a variants.csv column");
    }
}

#[test]
fn run_format_json_agrees_with_the_files_on_every_example_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (scenario, sweep) in example_scenarios() {
        if needs_absent_traces(&scenario) {
            eprintln!("skipping {}: ../shared/traces is absent", scenario.display());
            continue;
        }
        let out = tmp.path().join(scenario.file_stem().unwrap());
        let json = run_json(&scenario, &out);
        if sweep {
            check_sweep(&scenario, &json, &out);
        } else {
            check_single(&scenario, &json, &out);
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} scenarios were checked");
}

/// The web service of issue 11: its availability is the service's, not 100 %.
#[test]
fn a_service_scenario_reports_the_services_availability() {
    let tmp = tempfile::tempdir().unwrap();
    let json = run_json(&crate_dir().join("scenarios/web-service.toml"), tmp.path());
    let service = json["services"].as_object().unwrap().values().next().unwrap()["availability_pct"].as_f64().unwrap();
    assert!(service < 100.0, "the zone outage should cost the service some availability: {service}");
    assert_eq!(json["availability_pct"].as_f64(), Some(service));
}
