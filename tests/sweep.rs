//! Sweeps end to end through the binary: determinism across thread counts,
//! replaying one variant, the outputs, and regression checks against the
//! committed baseline.

mod common;

use common::files;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const SHOOTOUT: &str = "scenarios/strategy-shootout.toml";
const BASELINE: &str = "results/strategy-shootout/variants.csv";
const CHARTS: [&str; 4] =
    ["cpu_memory_reservation.png", "instances_tasks.png", "cost_vs_availability.png", "task_wait.png"];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ecs_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim")).args(args).current_dir(crate_dir()).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_ok(args: &[&str]) -> Output {
    let output = ecs_sim(args);
    assert!(output.status.success(), "ecs-sim {args:?} failed:\n{}{}", text(&output.stdout), text(&output.stderr));
    output
}

/// The shootout swept once with 4 threads, shared by the tests below.
fn four_thread_sweep() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        run_ok(&["run", SHOOTOUT, "--threads", "4", "--quiet", "--out", dir.path().to_str().unwrap()]);
        dir
    })
    .path()
}

#[test]
fn one_and_four_threads_give_byte_identical_outputs() {
    let one = tempfile::tempdir().unwrap();
    run_ok(&["run", SHOOTOUT, "--threads", "1", "--quiet", "--out", one.path().to_str().unwrap()]);
    let (a, b) = (files(one.path()), files(four_thread_sweep()));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "different files");
    // A summary.csv per run (`[output] runs` defaults to "summary"), and
    // the sweep's tables, report and charts.
    assert!(a.len() >= 4 * 5 + 9, "only {} files", a.len());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{} differs between 1 and 4 threads", name.display());
    }
}

#[test]
fn only_replays_one_variant_with_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(&[
        "run",
        SHOOTOUT,
        "--only",
        "az-spread",
        "--threads",
        "2",
        "--quiet",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let runs = files(&dir.path().join("runs"));
    let full = files(&four_thread_sweep().join("runs"));
    let expected = full.keys().filter(|name| name.starts_with("az-spread")).count();
    assert!(expected >= 5, "summary.csv for each of 5 replications");
    assert_eq!(runs.len(), expected, "{:?}", runs.keys().collect::<Vec<_>>());
    for (name, bytes) in &runs {
        assert!(name.starts_with("az-spread"), "{}", name.display());
        assert!(bytes == &full[name], "{} differs from the full sweep", name.display());
    }
    for aggregate in ["variants.csv", "comparison.csv", "runs.csv", "report.md", "report.html", "task_wait.png"] {
        assert!(!dir.path().join(aggregate).exists(), "a replay leaves {aggregate} alone");
    }
}

#[test]
fn every_chart_is_written_and_substantial() {
    let dir = four_thread_sweep();
    for chart in CHARTS {
        let size = std::fs::metadata(dir.join(chart)).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "{chart}: {size} bytes");
        assert_eq!(&std::fs::read(dir.join(chart)).unwrap()[1..4], b"PNG", "{chart}");
    }
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for chart in CHARTS {
        assert!(report.contains(&format!("]({chart})")), "report.md does not show {chart}");
    }
    assert!(report.contains("## Recommendation\n\n**"), "{report}");
    assert!(report.contains("the share of the tasks asked for that got placed"), "{report}");
}

#[test]
fn variants_are_ranked_and_the_pareto_front_is_marked() {
    let csv = std::fs::read_to_string(four_thread_sweep().join("variants.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.first(), Some(&"rank"));
    for column in [
        "cost_usd_mean",
        "cost_usd_ci95",
        "availability_pct_mean",
        "availability_pct_ci95",
        "task_wait_p95_s_mean",
        "pareto",
        "meets_floor",
    ] {
        assert!(header.contains(&column), "no {column}");
    }
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let ranks: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(ranks, ["1", "2", "3", "4"]);
    let mut labels: Vec<&str> = rows.iter().map(|r| r[1]).collect();
    labels.sort();
    assert_eq!(labels, ["az-binpack", "az-spread", "binpack", "random"]);
    assert!(rows.iter().all(|r| r[2] == "5"), "5 runs per variant");
    let pareto = header.iter().position(|h| *h == "pareto").unwrap();
    assert!(rows.iter().all(|r| matches!(r[pareto], "true" | "false")));
    assert!(rows.iter().any(|r| r[pareto] == "true"), "someone is on the front");
    let runs = std::fs::read_to_string(four_thread_sweep().join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 21);
}

#[test]
fn check_passes_against_the_committed_baseline() {
    let output = ecs_sim(&["check", SHOOTOUT, "--baseline", BASELINE, "--threads", "2"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("no regression"), "{stdout}");
}

#[test]
fn check_fails_with_a_readable_table_when_the_baseline_was_cheaper() {
    // A baseline claiming every variant cost half as much: now is +100 %.
    let csv = std::fs::read_to_string(crate_dir().join(BASELINE)).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let cost = header.split(',').position(|h| h == "cost_usd_mean").unwrap();
    let mut tampered = format!("{header}\n");
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        cells[cost] = format!("{:.4}", cells[cost].parse::<f64>().unwrap() / 2.0);
        tampered += &(cells.join(",") + "\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("variants.csv");
    std::fs::write(&baseline, tampered).unwrap();
    let output = ecs_sim(&["check", SHOOTOUT, "--baseline", baseline.to_str().unwrap(), "--threads", "2"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", text(&output.stderr));
    let header_line = stdout.lines().find(|l| l.contains("variant") && l.contains("verdict")).unwrap_or("");
    for column in ["metric", "baseline", "now", "change"] {
        assert!(header_line.contains(column), "{stdout}");
    }
    assert!(stdout.contains("4 regression(s)"), "{stdout}");
    assert!(stdout.contains("+100.00 %") && stdout.contains("WORSE"), "{stdout}");
    // Tolerances from flags: a 150 % allowance lets it pass.
    let output = ecs_sim(&[
        "check",
        SHOOTOUT,
        "--baseline",
        baseline.to_str().unwrap(),
        "--cost-tolerance-pct",
        "150",
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
}

#[test]
fn a_bad_sweep_path_is_invalid_input_naming_the_path() {
    let text_in = std::fs::read_to_string(crate_dir().join(SHOOTOUT)).unwrap();
    let bad =
        text_in.replace("\"workload.etl.run_task.placementStrategy\"", "\"workload.etll.run_task.placementStrategy\"");
    assert_ne!(bad, text_in);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let output = ecs_sim(&["run", path.to_str().unwrap(), "--out", dir.path().join("out").to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("workload.etll.run_task.placementStrategy"), "{stderr}");
    assert!(stderr.contains("sweep.setting[0].paths[1]"), "{stderr}");
    assert!(stderr.contains("`api`, `etl`"), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing runs before every variant is valid");
}

#[test]
fn a_bad_sweep_value_fails_before_any_run() {
    let text_in = std::fs::read_to_string(crate_dir().join(SHOOTOUT)).unwrap();
    let bad = text_in.replace("[{ type = \"random\" }]", "[{ type = \"randomm\" }]");
    assert_ne!(bad, text_in);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let output = ecs_sim(&["run", path.to_str().unwrap(), "--out", dir.path().join("out").to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sweep option `random`"), "{stderr}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn unknown_variants_and_missing_sweeps_are_invalid_input() {
    let output = ecs_sim(&["run", SHOOTOUT, "--only", "binpak", "--out", "/nonexistent/never"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("did you mean `binpack`?"), "{}", text(&output.stderr));
    let output = ecs_sim(&["check", "scenarios/quickstart.toml", "--baseline", BASELINE]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no [sweep] section"), "{}", text(&output.stderr));
    let output = ecs_sim(&["check", SHOOTOUT, "--baseline", "no/such/variants.csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no/such/variants.csv"), "{}", text(&output.stderr));
}

#[test]
fn json_summaries_parse() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("single");
    let output = run_ok(&["run", "scenarios/quickstart.toml", "--format", "json", "--out", out.to_str().unwrap()]);
    let single: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(single["scenario"], "quickstart");
    assert!(single["cost_usd"]["total"].as_f64().unwrap() > 0.0);
    assert!(single["tasks"]["submitted"].as_u64().unwrap() > 0);
    let out = dir.path().join("sweep");
    let output = run_ok(&["run", SHOOTOUT, "--only", "random", "--format", "json", "--out", out.to_str().unwrap()]);
    let sweep: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sweep["variants"].as_array().unwrap().len(), 1);
    assert_eq!(sweep["variants"][0]["variant"], "random");
    assert_eq!(sweep["variants"][0]["runs"], 5);
    assert!(sweep["variants"][0]["availability_pct"]["ci95"].as_f64().is_some());
}

#[test]
fn full_run_files_are_written_when_asked_for() {
    // The quickstart with a two-value sweep over the general fleet's size,
    // asking for every per-run file.
    let scenarios = crate_dir().join("scenarios");
    let text_in = std::fs::read_to_string(scenarios.join("quickstart.toml")).unwrap();
    let text_in = text_in
        .replace("\"taskdefs/", &format!("\"{}/taskdefs/", scenarios.display()))
        .replace("\"traces/", &format!("\"{}/traces/", scenarios.display()))
        + "\n[output]\nruns = \"full\"\n[sweep]\nreplications = 2\n[[sweep.setting]]\npath = \"fleet.general.count\"\nlabels = [\"six\", \"nine\"]\nvalues = [6, 9]\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quick-sweep.toml");
    std::fs::write(&path, text_in).unwrap();
    let out = dir.path().join("out");
    run_ok(&["run", path.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()]);
    for file in ["tasks.csv", "timeseries.csv", "summary.csv"] {
        assert!(out.join("runs/nine/rep-1").join(file).exists(), "{file}");
    }
    for chart in CHARTS {
        let size = std::fs::metadata(out.join(chart)).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "{chart}: {size} bytes");
    }
    let variants = std::fs::read_to_string(out.join("variants.csv")).unwrap();
    let nine = variants.lines().find(|l| l.contains(",nine,")).unwrap();
    let six = variants.lines().find(|l| l.contains(",six,")).unwrap();
    let cost = |line: &str| line.split(',').nth(3).unwrap().parse::<f64>().unwrap();
    assert!(cost(nine) > cost(six), "more instances cost more:\n{variants}");
}

#[test]
fn a_sweep_killed_halfway_and_resumed_gives_the_uninterrupted_outputs() {
    use std::os::unix::process::ExitStatusExt;
    let root = tempfile::tempdir().unwrap();
    let whole = root.path().join("whole");
    run_ok(&["run", SHOOTOUT, "--quiet", "--out", whole.to_str().unwrap()]);
    let resumed = root.path().join("resumed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["run", SHOOTOUT, "--quiet", "--threads", "1", "--out", resumed.to_str().unwrap()])
        .current_dir(crate_dir())
        .spawn()
        .unwrap();
    // Killed once a few of its 20 runs are saved.
    let records = root.path().join(".resumed.staging/.records");
    let saved = || std::fs::read_dir(&records).map_or(0, |d| d.filter_map(Result::ok).count());
    while saved() < 5 && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "the sweep was killed before it finished");
    let done = saved();
    assert!((5..20).contains(&done), "{done} runs saved");
    assert!(!resumed.exists(), "a killed sweep leaves no results folder");
    let output = run_ok(&["run", SHOOTOUT, "--resume", "--out", resumed.to_str().unwrap()]);
    assert!(text(&output.stderr).contains("resuming in"), "{}", text(&output.stderr));
    assert_eq!(files(&whole), files(&resumed), "resumed after {done} runs");
    assert!(!root.path().join(".resumed.staging").exists());
}
