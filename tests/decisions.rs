//! Comparisons a capacity planner can trust, end to end through the binary:
//! common random numbers, options against conditions, paired differences,
//! incident and packing figures, charts that draw the tables, and output
//! sizes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_ok(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim")).args(args).current_dir(crate_dir()).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(output.status.success(), "ecs-sim {args:?} failed:\n{}{}", text(&output.stdout), text(&output.stderr));
    output
}

fn sweep(scenario: &str, out: &Path) {
    run_ok(&["run", scenario, "--quiet", "--threads", "2", "--out", out.to_str().unwrap()]);
}

/// A CSV file as rows of (column → value).
fn table(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(String::from)).collect()).collect()
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row.get(column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

fn row<'a>(rows: &'a [BTreeMap<String, String>], option: &str, condition: &str) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["variant"] == option && r["condition"] == condition)
        .unwrap_or_else(|| panic!("no row for {option} under {condition}"))
}

/// A copy of a scenario with `edit` applied, in a temporary folder, its
/// relative paths made absolute.
struct Edited {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Edited {
    fn to_str(&self) -> Option<&str> {
        self.path.to_str()
    }
}

fn variant_of(scenario: &str, name: &str, edit: impl Fn(String) -> String) -> Edited {
    let text = std::fs::read_to_string(crate_dir().join(scenario)).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    let scenarios = crate_dir().join("scenarios");
    let edited = ["traces/", "taskdefs/", "services/"]
        .iter()
        .fold(edited, |t, dir| t.replace(&format!("\"{dir}"), &format!("\"{}/{dir}", scenarios.display())));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, edited).unwrap();
    Edited { _dir: dir, path }
}

#[test]
fn identical_options_give_identical_results_and_a_zero_paired_difference() {
    // The outage scenario with two options that set the same value.
    let scenario = variant_of("scenarios/outage-at-peak.toml", "twins", |text| {
        text.replace(
            "labels = [\"n6\", \"n9\", \"n12\"]\nvalues = [6, 9, 12]",
            "labels = [\"n9\", \"twin\"]\nvalues = [9, 9]",
        )
    });
    let dir = tempfile::tempdir().unwrap();
    sweep(scenario.to_str().unwrap(), dir.path());
    for condition in ["normal-day", "zone-outage"] {
        for rep in 0..5 {
            let file = |option: &str| {
                std::fs::read(dir.path().join(format!("runs/{option}/{condition}/rep-{rep}/summary.csv"))).unwrap()
            };
            assert!(file("n9") == file("twin"), "{condition} rep {rep}: the twins' summaries differ");
        }
        let rows = table(&dir.path().join("comparison.csv"));
        let twin = row(&rows, "twin", condition);
        for metric in ["cost_usd", "availability_pct", "worst_5m_availability_pct", "busy_instance_hours"] {
            assert_eq!(number(twin, &format!("{metric}_diff")), 0.0, "{metric} under {condition}");
            assert_eq!(number(twin, &format!("{metric}_diff_ci95")), 0.0, "{metric} under {condition}");
        }
    }
}

#[test]
fn every_option_and_condition_of_a_replication_shares_its_seed() {
    let dir = tempfile::tempdir().unwrap();
    sweep("scenarios/outage-at-peak.toml", dir.path());
    let runs = table(&dir.path().join("runs.csv"));
    assert_eq!(runs.len(), 3 * 2 * 5, "options × conditions × replications");
    let mut seeds: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for run in &runs {
        seeds.entry(run["replication"].clone()).or_default().push(run["seed"].clone());
    }
    for (replication, seeds) in &seeds {
        assert!(seeds.iter().all(|s| s == &seeds[0]), "replication {replication}: {seeds:?}");
    }
    let distinct: std::collections::BTreeSet<&String> = seeds.values().map(|s| &s[0]).collect();
    assert_eq!(distinct.len(), 5, "each replication has its own seed");
}

#[test]
fn pairing_narrows_the_confidence_interval_of_a_placement_difference() {
    // docs and README: the paired CI of the availability difference between
    // two placement strategies is at least 3× narrower than the unpaired one.
    let dir = tempfile::tempdir().unwrap();
    sweep("scenarios/placement-pair.toml", dir.path());
    let rows = table(&dir.path().join("comparison.csv"));
    let spread = row(&rows, "az-binpack", "nominal");
    let paired = number(spread, "availability_pct_diff_ci95");
    let unpaired = number(spread, "availability_pct_diff_unpaired_ci95");
    assert!(paired > 0.0, "the options do differ");
    assert!(unpaired >= 3.0 * paired, "paired ± {paired} against unpaired ± {unpaired}");
}

/// The report's embedded chart data (the JSON the charts were drawn from).
fn chart_data(html: &str) -> serde_json::Value {
    let start = html.find("<script type=\"application/json\" id=\"chart-data\">").expect("chart data in report.html");
    let rest = &html[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(&json.replace("<\\/", "</")).unwrap()
}

#[test]
fn the_outage_report_names_an_option_and_each_options_worst_five_minutes() {
    let dir = tempfile::tempdir().unwrap();
    sweep("scenarios/outage-at-peak.toml", dir.path());
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    let variants = table(&dir.path().join("variants.csv"));
    let recommended = &variants[0]["variant"];
    assert!(["n6", "n9", "n12"].contains(&recommended.as_str()), "an option, never a condition: {recommended}");
    assert_eq!(recommended, "n9", "the cheapest option whose worst 5 minutes stay above 95 % under the outage");
    assert!(html.contains(&format!("<strong>{recommended}</strong>:")), "report.html names the option");
    assert!(md.contains(&format!("**{recommended}**:")), "report.md names the same option");
    let rows = table(&dir.path().join("comparison.csv"));
    for option in ["n6", "n9", "n12"] {
        let cell = row(&rows, option, "zone-outage");
        let shown = format!("{} ± {}", cell["worst_5m_availability_pct_mean"], cell["worst_5m_availability_pct_ci95"]);
        assert!(html.contains(&shown), "report.html lacks {option}'s worst 5 minutes under the outage ({shown})");
        assert!(md.contains(&shown), "report.md lacks {option}'s worst 5 minutes under the outage ({shown})");
    }
    // The outage costs the lean option its worst five minutes; a mean hides it.
    let lean = row(&rows, "n6", "zone-outage");
    assert!(number(lean, "worst_5m_availability_pct_mean") < 95.0);
    assert!(number(lean, "availability_pct_mean") > 99.0);
    // Images are embedded; nothing is fetched from the network.
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "no network resources");
    assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), md.matches("](").count());
}

#[test]
fn every_plotted_point_is_the_table_s_figure() {
    let dir = tempfile::tempdir().unwrap();
    sweep("scenarios/outage-at-peak.toml", dir.path());
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let data = chart_data(&html);
    let rows = table(&dir.path().join("comparison.csv"));
    let options: Vec<String> = serde_json::from_value(data["options"].clone()).unwrap();
    let conditions: Vec<String> = serde_json::from_value(data["conditions"].clone()).unwrap();
    let cells = data["cells"].as_array().unwrap();
    assert_eq!(cells.len(), options.len() * conditions.len());
    for cell in cells {
        let option = &options[cell["option"].as_u64().unwrap() as usize];
        let condition = &conditions[cell["condition"].as_u64().unwrap() as usize];
        let table_row = row(&rows, option, condition);
        for (plotted, column) in
            [("cost", "cost_usd"), ("availability", "availability_pct"), ("task_wait_p95", "task_wait_p95_s")]
        {
            if cell[plotted].is_null() {
                assert_eq!(table_row[&format!("{column}_mean")], "", "{option}/{condition}: {column}");
                continue;
            }
            for (part, suffix) in [("mean", "mean"), ("ci95", "ci95")] {
                let drawn = cell[plotted][part].as_f64().unwrap();
                assert_eq!(
                    drawn,
                    number(table_row, &format!("{column}_{suffix}")),
                    "{option}/{condition}: {column}_{suffix}"
                );
            }
        }
        // Availability is never drawn above 100 %, and the hourly series
        // stays within its domain.
        for point in cell["hourly_pct"].as_array().unwrap() {
            let pct = point[1].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&pct), "{pct}");
        }
        // The envelope never leaves the samples' range: min ≤ mean ≤ max.
        for point in cell["instances"]["points"].as_array().unwrap() {
            let (min, mean, max) =
                (point["min"].as_f64().unwrap(), point["mean"].as_f64().unwrap(), point["max"].as_f64().unwrap());
            assert!(min <= mean && mean <= max, "{point}");
        }
    }
}

#[test]
fn every_plotted_series_is_the_runs_tables() {
    // With every per-run file kept, the timeline and the instances envelope
    // can be recomputed from the runs' own tables.
    let full = variant_of("scenarios/outage-at-peak.toml", "runs-full", |t| {
        t.replace("runs = \"summary\"", "runs = \"full\"")
    });
    let dir = tempfile::tempdir().unwrap();
    sweep(full.to_str().unwrap(), dir.path());
    let data = chart_data(&std::fs::read_to_string(dir.path().join("report.html")).unwrap());
    let options: Vec<String> = serde_json::from_value(data["options"].clone()).unwrap();
    let conditions: Vec<String> = serde_json::from_value(data["conditions"].clone()).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
    for cell in data["cells"].as_array().unwrap() {
        let option = &options[cell["option"].as_u64().unwrap() as usize];
        let condition = &conditions[cell["condition"].as_u64().unwrap() as usize];
        let reps: Vec<PathBuf> =
            (0..5).map(|k| dir.path().join(format!("runs/{option}/{condition}/rep-{k}"))).collect();
        // The hourly timeline: the mean over the replications of each run's `all` hour.
        let hourly: Vec<Vec<f64>> = reps
            .iter()
            .map(|rep| {
                table(&rep.join("availability_windows.csv"))
                    .iter()
                    .filter(|r| r["window"] == "hour" && r["service"] == "all")
                    .map(|r| number(r, "availability_pct"))
                    .collect()
            })
            .collect();
        let plotted = cell["hourly_pct"].as_array().unwrap();
        assert_eq!(plotted.len(), hourly[0].len(), "{option}/{condition}: hours");
        for (i, point) in plotted.iter().enumerate() {
            let mean = hourly.iter().map(|h| h[i]).sum::<f64>() / hourly.len() as f64;
            let drawn = point[1].as_f64().unwrap();
            assert!((drawn - mean).abs() < 1e-4, "{option}/{condition} hour {i}: drew {drawn}, the runs say {mean}");
        }
        // The instances envelope: buckets of the runs' timeseries.csv.
        let series: Vec<Vec<f64>> = reps
            .iter()
            .map(|rep| table(&rep.join("timeseries.csv")).iter().map(|r| number(r, "instances")).collect())
            .collect();
        let width = series[0].len().div_ceil(600).max(1);
        let points = cell["instances"]["points"].as_array().unwrap();
        assert_eq!(points.len(), series[0].len().div_ceil(width), "{option}/{condition}: buckets");
        for (b, point) in points.iter().enumerate() {
            let chunks: Vec<&[f64]> = series.iter().map(|s| &s[b * width..((b + 1) * width).min(s.len())]).collect();
            let min = chunks.iter().flat_map(|c| c.iter()).copied().fold(f64::INFINITY, f64::min);
            let max = chunks.iter().flat_map(|c| c.iter()).copied().fold(f64::NEG_INFINITY, f64::max);
            let mean = chunks.iter().map(|c| c.iter().sum::<f64>() / c.len() as f64).sum::<f64>() / chunks.len() as f64;
            for (part, want) in [("min", min), ("max", max), ("mean", mean)] {
                let got = point[part].as_f64().unwrap();
                assert!(close(got, want), "{option}/{condition} bucket {b} {part}: drew {got}, the runs say {want}");
            }
        }
    }
}

#[test]
fn binpack_shows_the_instance_hours_it_saves_on_a_fixed_fleet() {
    let dir = tempfile::tempdir().unwrap();
    sweep("scenarios/strategy-shootout.toml", dir.path());
    let rows = table(&dir.path().join("comparison.csv"));
    let binpack = row(&rows, "binpack", "nominal");
    let random = row(&rows, "random", "nominal");
    // Same fleet, same cost; binpack leaves more instances idle.
    assert_eq!(number(binpack, "cost_usd_mean"), number(random, "cost_usd_mean"));
    assert!(number(random, "busy_instance_hours_mean") > number(binpack, "busy_instance_hours_mean"));
    assert!(number(binpack, "packing_efficiency_pct_mean") > number(random, "packing_efficiency_pct_mean"));
    // Paired against binpack, random's extra busy hours are beyond doubt.
    let extra = number(random, "busy_instance_hours_diff");
    assert!(extra > number(random, "busy_instance_hours_diff_ci95"), "{extra}");
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("## Capacity cost of packing"), "{md}");
}

#[test]
fn run_files_are_opt_in_in_sweeps() {
    let none = variant_of("scenarios/outage-at-peak.toml", "runs-none", |t| {
        t.replace("runs = \"summary\"", "runs = \"none\"")
    });
    let dir = tempfile::tempdir().unwrap();
    sweep(none.to_str().unwrap(), dir.path());
    assert!(!dir.path().join("runs").exists(), "runs = \"none\" writes no per-run files");
    assert!(table(&dir.path().join("runs.csv")).iter().all(|r| r["results"].is_empty()));
    let summary = tempfile::tempdir().unwrap();
    sweep("scenarios/outage-at-peak.toml", summary.path());
    let rep = summary.path().join("runs/n9/zone-outage/rep-0");
    let mut files: Vec<String> =
        std::fs::read_dir(&rep).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["services.csv", "summary.csv"]);
}

#[test]
fn conditions_are_checked_like_settings() {
    let bad = variant_of("scenarios/outage-at-peak.toml", "bad-condition", |t| {
        t.replace("\"faults.az_outage\" = [{ zone = \"us-east-1a\"", "\"faults.az_outage\" = [{ zone = \"us-east-9z\"")
    });
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["run", bad.to_str().unwrap(), "--out", "/nonexistent/never"])
        .current_dir(crate_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("under condition `zone-outage`"), "{stderr}");
    assert!(stderr.contains("us-east-9z"), "{stderr}");
    let unnamed = variant_of("scenarios/outage-at-peak.toml", "bad-baseline", |t| {
        t.replace("baseline = \"n9\"", "baseline = \"n10\"")
    });
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["validate", unnamed.to_str().unwrap()])
        .current_dir(crate_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sweep.baseline") && stderr.contains("did you mean"), "{stderr}");
}
