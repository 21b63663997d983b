//! End-to-end tests of the `ecs-sim` binary: `run`, `validate` (with its
//! golden output), `trace stats` in every format, `check --format json`,
//! `completions`, `-v`/`-q`, `--help`, output files, determinism, seed
//! override and exit codes.

mod common;

use common::read_summary;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The header of summary.csv.
const SUMMARY_HEADER: &str = "metric,value";
/// The header of timeseries.csv (`TIMESERIES_HEADER` in src/output/run_files.rs).
const TIMESERIES_HEADER: &str = "time_s,instances,registered_cpu,reserved_cpu,cpu_reservation_pct,\
registered_memory_mib,reserved_memory_mib,memory_reservation_pct,running_tasks,pending_tasks,fargate_running_tasks";
/// The header of tasks.csv (`TASKS_HEADER` in src/output/run_files.rs).
const TASKS_HEADER: &str = "task,workload,task_definition,group,launch_type,cpu,memory_mib,submitted_s,placed_s,\
started_s,stopped_s,instance_id,instance_type,availability_zone,last_status,outcome,reason,fargate_cost_usd";

/// The header of events.csv (`EVENTS_HEADER` in src/output/run_files.rs).
const EVENTS_HEADER: &str = "time_s,event,service,task,task_definition,instance_id,availability_zone,stop_code,detail";

const OUTPUT_FILES: [&str; 4] = ["summary.csv", "timeseries.csv", "tasks.csv", "events.csv"];

/// Runs `ecs-sim` with `args` from the crate root.
fn ecs_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the ecs-sim binary should start")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts the command exited 0, showing its output otherwise.
fn assert_success(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "expected exit 0\nstdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Runs the quickstart scenario into `out`, with extra arguments.
fn run_quickstart(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().expect("temp paths are UTF-8");
    let mut args = vec!["run", "scenarios/quickstart.toml", "--out", out, "--quiet"];
    args.extend_from_slice(extra);
    let output = ecs_sim(&args);
    assert_success(&output);
    output
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn summary_value(out: &Path, metric: &str) -> String {
    read_summary(out).remove(metric).unwrap_or_else(|| panic!("summary.csv has no `{metric}` row"))
}

/// Every entry of `dir`, sorted.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    all.sort();
    all
}

#[test]
fn run_writes_four_csv_files_with_their_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("quickstart");
    let output = ecs_sim(&["run", "scenarios/quickstart.toml", "--out", out.to_str().unwrap()]);
    assert_success(&output);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("quickstart"), "{stdout}");
    assert!(stdout.contains("results in"), "{stdout}");

    for (file, header) in OUTPUT_FILES.iter().zip([SUMMARY_HEADER, TIMESERIES_HEADER, TASKS_HEADER, EVENTS_HEADER]) {
        let content = read(&out.join(file));
        assert_eq!(content.lines().next(), Some(header), "header of {file}");
        assert!(content.lines().count() > 1, "{file} has no data rows");
        assert!(content.ends_with('\n'), "{file} does not end with a newline");
        let columns = header.split(',').count();
        for (i, line) in content.lines().enumerate() {
            // No quoted commas are expected in these files.
            assert_eq!(line.split(',').count(), columns, "{file} line {}: `{line}`", i + 1);
        }
    }
    let names: Vec<String> =
        entries(&out).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "temporary files left behind: {names:?}");
    let mut expected: Vec<String> = OUTPUT_FILES.iter().map(|s| s.to_string()).collect();
    // The mark of a results folder ecs-sim may replace (docs/scenario.md §18).
    expected.push(ecs_sim::output::folder::RESULTS_MARKER.to_string());
    expected.sort();
    assert_eq!(names, expected);

    let rows = read_summary(&out);
    for metric in ["scenario", "seed", "cost_total_usd", "task_wait_p99_s", "tasks_submitted"] {
        assert!(rows.contains_key(metric), "summary.csv has no `{metric}` row: {rows:?}");
    }
    assert_eq!(summary_value(&out, "scenario"), "quickstart");
    assert_eq!(summary_value(&out, "seed"), "42");
    let cost: f64 = summary_value(&out, "cost_total_usd").parse().expect("cost_total_usd is a number");
    assert!(cost > 0.0, "cost_total_usd = {cost}");
    let p99: f64 = summary_value(&out, "task_wait_p99_s").parse().expect("task_wait_p99_s is a number");
    assert!(p99 >= 0.0, "task_wait_p99_s = {p99}");
}

#[test]
fn two_runs_give_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_quickstart(&a, &[]);
    run_quickstart(&b, &[]);
    for file in OUTPUT_FILES {
        let (left, right) = (read_bytes(&a.join(file)), read_bytes(&b.join(file)));
        assert!(!left.is_empty(), "{file} is empty");
        assert!(left == right, "{file} differs between two runs of the same scenario");
    }
}

#[test]
fn seed_flag_overrides_the_scenario_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let (default, seven) = (tmp.path().join("default"), tmp.path().join("seven"));
    run_quickstart(&default, &[]);
    run_quickstart(&seven, &["--seed", "7"]);
    assert_eq!(summary_value(&default, "seed"), "42");
    assert_eq!(summary_value(&seven, "seed"), "7");
    let (a, b) = (read(&default.join("tasks.csv")), read(&seven.join("tasks.csv")));
    assert_eq!(a.lines().next(), b.lines().next(), "same header");
    assert_ne!(a, b, "--seed 7 should change the random draws and so tasks.csv");
}

#[test]
fn validate_prints_fleets_and_workloads() {
    let output = ecs_sim(&["validate", "scenarios/quickstart.toml"]);
    assert_success(&output);
    let stdout = text(&output.stdout);
    for needle in [
        "scenario `quickstart` is valid",
        "seed 42",
        "fleet `general`",
        "fleet `spot-compute`",
        "m5.large",
        "c5.xlarge",
        "task definition `web:1`",
        "task definition `report:3`",
        "task definition `batch:1`",
        "workload `web`",
        "workload `batch`",
        "workload `reports`",
        "quickstart-batch.csv",
    ] {
        assert!(stdout.contains(needle), "validate output lacks `{needle}`:\n{stdout}");
    }
    assert!(output.stderr.is_empty(), "stderr: {}", text(&output.stderr));
}

#[test]
fn help_mentions_the_scenario() {
    for args in [&["--help"][..], &["run", "--help"][..], &["validate", "--help"][..]] {
        let output = ecs_sim(args);
        assert_success(&output);
        let stdout = text(&output.stdout);
        assert!(stdout.contains("scenario"), "`ecs-sim {}` does not mention scenario:\n{stdout}", args.join(" "));
    }
    let top = text(&ecs_sim(&["--help"]).stdout);
    assert!(top.contains("run") && top.contains("validate"), "{top}");
    let run = text(&ecs_sim(&["run", "--help"]).stdout);
    assert!(run.contains("--out") && run.contains("--seed"), "{run}");
}

/// Asserts exit code 2 with an `error:` line naming `needles`, and no panic.
fn assert_input_error(output: &Output, needles: &[&str]) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "expected exit 2, stderr:\n{stderr}");
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr lacks `{needle}`:\n{stderr}");
    }
}

/// Asserts `out` was not written: absent, or an empty directory.
fn assert_nothing_written(out: &Path) {
    if out.exists() {
        let left = entries(out);
        assert!(left.is_empty(), "files written to {}: {left:?}", out.display());
    }
}

#[test]
fn invalid_scenario_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("bad.toml");
    std::fs::write(&scenario, "[simulation]\ndurration = \"1h\"\n").unwrap();
    let out = tmp.path().join("out");
    let output = ecs_sim(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_input_error(&output, &["bad.toml", "line 2", "did you mean `duration`"]);
    assert!(!out.exists(), "an invalid scenario created {}", out.display());
    assert!(output.stdout.is_empty(), "stdout: {}", text(&output.stdout));

    let output = ecs_sim(&["validate", scenario.to_str().unwrap()]);
    assert_input_error(&output, &["bad.toml", "line 2", "did you mean `duration`"]);
}

#[test]
fn missing_scenario_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = ecs_sim(&["run", "scenarios/no-such-scenario.toml", "--out", out.to_str().unwrap()]);
    assert_input_error(&output, &["no-such-scenario.toml", "cannot read the scenario", "help:"]);
    assert!(!out.exists());
}

#[test]
fn bad_trace_row_exits_2_and_leaves_no_partial_files() {
    let tmp = tempfile::tempdir().unwrap();
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let scenario = read(&quickstart.join("quickstart.toml"))
        .replace("taskdefs/", &format!("{}/taskdefs/", quickstart.display()))
        .replace("traces/quickstart-batch.csv", "bad-trace.csv");
    std::fs::write(tmp.path().join("bad-trace.toml"), scenario).unwrap();
    std::fs::write(
        tmp.path().join("bad-trace.csv"),
        "submit_time,task_definition,count,duration\n0,batch,1,5m\n60,batch,1,soon\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let scenario_path = tmp.path().join("bad-trace.toml");
    let output = ecs_sim(&["run", scenario_path.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_input_error(&output, &["bad-trace.csv", "line 3", "duration"]);
    assert_nothing_written(&out);
}

#[test]
fn unknown_subcommand_and_bad_seed_are_usage_errors() {
    let output = ecs_sim(&["simulate", "scenarios/quickstart.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("error:"));
    let output = ecs_sim(&["run", "scenarios/quickstart.toml", "--seed", "seven"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(!text(&output.stderr).contains("panicked"));
}

#[test]
fn trace_stats_summarises_a_trace_and_explains_skipped_rows() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("sample.csv");
    std::fs::write(&trace, "0,j1,M1,60,50,1,2\n10,j1,R2_1,30,100,2,1\n5,j2,task_x,20,100,1,1\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["trace", "stats"])
        .arg(&trace)
        .args(["--format", "alibaba2018"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("tasks:        2 rows, 3 instances"), "{text}");
    assert!(text.contains("time out of order: 1") && text.contains("--unsorted"), "{text}");
    let sorted = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["trace", "stats"])
        .arg(&trace)
        .args(["--format", "alibaba2018", "--unsorted"])
        .output()
        .unwrap();
    assert!(String::from_utf8(sorted.stdout).unwrap().contains("3 rows, 4 instances"));
}

#[test]
fn a_closed_stdout_pipe_ends_quietly_without_a_panic() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", "scenarios/quickstart.toml"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is written
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "{status:?} {stderr}");
    drop(dir);
}

#[test]
fn strict_flag_makes_bad_trace_rows_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sample.csv"), "0,j1,M1,60,50,1,1\n5,j2,bad row\n9,j3,task_y,20,50,1,1\n").unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        r#"
[simulation]
duration = "1h"
[[fleet]]
name = "f"
instance_types = ["m5.xlarge"]
count = 1
[[task_definition]]
family = "batch"
containerDefinitions = [{ name = "t", cpu = 100, memory = 100 }]
[[workload]]
name = "trace"
trace = "sample.csv"
trace_format = "alibaba2018"
trace_machine = { vcpu = 96, memory_gib = 16 }
[workload.run_task]
taskDefinition = "batch"
"#,
    )
    .unwrap();
    let run = |strict: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecs-sim"));
        command.arg("run").arg(dir.path().join("s.toml")).arg("--out").arg(dir.path().join("out")).arg("--quiet");
        if strict {
            command.arg("--strict");
        }
        command.output().unwrap()
    };
    let lenient = run(false);
    assert!(lenient.status.success(), "{}", String::from_utf8_lossy(&lenient.stderr));
    let summary = std::fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    assert!(summary.contains("trace_rows_skipped,1"), "{summary}");
    let strict = run(true);
    assert_eq!(strict.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(stderr.contains("sample.csv") && stderr.contains("line 2"), "{stderr}");
}

#[test]
fn a_run_with_services_writes_their_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    let output = ecs_sim(&["run", "scenarios/web-service.toml", "--out", out.to_str().unwrap(), "--quiet"]);
    assert_success(&output);
    for file in ["services.csv", "deployments.csv", "service_timeseries.csv", "events.csv"] {
        assert!(out.join(file).exists(), "{file} missing");
    }
    let png = std::fs::read(out.join("services.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "services.png is not a PNG");
}

/// `validate` prints what a person reads: no Rust debug text, no negative
/// zero, prices at a sensible precision. The output of a few example
/// scenarios is compared with `tests/golden/validate/NAME.txt`; after an
/// intended change, regenerate them with `BLESS=1 cargo test --release --test cli`
/// and review the diff.
#[test]
fn validate_output_matches_golden_files() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/validate");
    let bless = std::env::var_os("BLESS").is_some();
    for name in ["quickstart", "web-service", "spot-heavy", "strategy-shootout", "fargate-spot"] {
        let output = ecs_sim(&["validate", &format!("scenarios/{name}.toml")]);
        assert_success(&output);
        let got = text(&output.stdout);
        for debug in ["Some(", "None", "OnDemand", "Binpack(", "Spread", "[", "-0.0", "$-"] {
            assert!(!got.contains(debug), "{name}: validate prints `{debug}`:\n{got}");
        }
        let path = golden.join(format!("{name}.txt"));
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing {}; run BLESS=1 cargo test --release --test cli", path.display()));
        assert!(
            got == want,
            "validate {name} differs from {}; if intended, run BLESS=1 cargo test --release --test cli\n got:\n{got}\nwant:\n{want}",
            path.display()
        );
    }
}

#[test]
fn validate_prints_a_fleet_of_nothing_at_zero_dollars() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("empty.toml");
    std::fs::write(
        &scenario,
        "[simulation]\nduration = \"1h\"\n[[fleet]]\nname = \"none\"\ninstance_types = [\"m5.large\"]\ncount = 0\n",
    )
    .unwrap();
    let output = ecs_sim(&["validate", scenario.to_str().unwrap()]);
    assert_success(&output);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("fleet `none`: 0 x m5.large (On-Demand)"), "{stdout}");
    assert!(stdout.contains(", $0.000/h"), "{stdout}");
    assert!(!stdout.contains("-0"), "{stdout}");
}

/// Runs `ecs-sim trace stats FILE ARGS...`.
fn trace_stats(file: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim")).args(["trace", "stats"]).arg(file).args(args).output().unwrap()
}

#[test]
fn trace_stats_reads_azure_vmtable_in_both_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("vmtable.csv");
    // vmid, subscription, deployment, created, deleted, maxcpu, avgcpu, p95maxcpu, category, cores, memory GB
    std::fs::write(&trace, "v1,s,d,0,3600,50,20,40,Delay-insensitive,2,4\nv2,s,d,600,4200,50,20,40,Interactive,4,8\n")
        .unwrap();
    for spelling in ["azure-vmtable", "azure_vmtable"] {
        let output = trace_stats(&trace, &["--format", spelling]);
        assert_success(&output);
        let stdout = text(&output.stdout);
        assert!(stdout.contains("tasks:        2 rows, 2 instances"), "{spelling}: {stdout}");
        assert!(stdout.contains("cpu units:    p0 2048"), "{spelling}: {stdout}");
    }
    let help = text(&ecs_sim(&["trace", "stats", "--help"]).stdout);
    assert!(help.contains("azure-vmtable") && help.contains("generic") && help.contains("native"), "{help}");
}

#[test]
fn trace_stats_reads_a_generic_trace_through_its_column_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("jobs.tsv");
    std::fs::write(&trace, "start_ms\tend_ms\tcores\tn\n0\t3600000\t2\t3\n60000\t1860000\t0.5\t\n").unwrap();
    let columns = "time = \"start_ms\", end_time = \"end_ms\", time_unit = \"ms\", cpu = \"cores\", cpu_scale = 1024, \
                   count = \"n\", delimiter = \"tab\"";
    let output = trace_stats(&trace, &["--format", "generic", "--columns", columns]);
    assert_success(&output);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("tasks:        2 rows, 4 instances"), "{stdout}");
    assert!(stdout.contains("submits:      0.0 s to 60.0 s"), "{stdout}");
    assert!(stdout.contains("cpu units:    p0 512  p50 2048"), "{stdout}");
    // 3 × 2 vCPU × 1 h + 1 × 0.5 vCPU × 0.5 h
    assert!(stdout.contains("requested:    6.2 vCPU-hours, 0.0 GiB-hours"), "{stdout}");

    let typo = trace_stats(&trace, &["--format", "generic", "--columns", "time = \"start_ms\", durration = \"x\""]);
    assert_input_error(&typo, &["--columns", "unknown field `durration`", "did you mean `duration`"]);
    let missing = trace_stats(&trace, &["--format", "generic"]);
    assert_input_error(&missing, &["jobs.tsv", "--columns", "column mapping"]);
    let wrong_column = trace_stats(
        &trace,
        &["--format", "generic", "--columns", "time = \"start\", end_time = \"end_ms\", delimiter = \"tab\""],
    );
    assert_input_error(
        &wrong_column,
        &["jobs.tsv", "line 1", "`start` is not in the header", "did you mean `start_ms`"],
    );
    let stray = trace_stats(&trace, &["--format", "alibaba2018", "--columns", "time = \"start_ms\""]);
    assert_input_error(&stray, &["--columns", "--format generic"]);
}

#[test]
fn trace_stats_reads_a_native_trace() {
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces/quickstart-batch.csv");
    let output = trace_stats(&quickstart, &["--format", "native"]);
    assert_success(&output);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("tasks:        15 rows, 134 instances"), "{stdout}");
    assert!(stdout.contains("skipped rows: 0"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("native.csv");
    std::fs::write(&trace, "submit_time,count,duration,cpu,memory\n0,2,1h,1024,2048\n30,,36m,512,\n").unwrap();
    let output = trace_stats(&trace, &["--format", "native"]);
    assert_success(&output);
    let stdout = text(&output.stdout);
    // A row without a count is one instance; a row without memory gives no memory request.
    assert!(stdout.contains("tasks:        2 rows, 3 instances"), "{stdout}");
    assert!(stdout.contains("memory MiB:   p0 2048"), "{stdout}");
    // 2 × 1 vCPU × 1 h + 1 × 0.5 vCPU × 0.6 h; 2 × 2 GiB × 1 h
    assert!(stdout.contains("requested:    2.3 vCPU-hours, 4.0 GiB-hours"), "{stdout}");

    std::fs::write(&trace, "submit_time,duration\n5,10\n4,10\n").unwrap();
    assert_input_error(&trace_stats(&trace, &["--format", "native"]), &["native.csv", "line 3", "sort the trace"]);
    assert_input_error(&trace_stats(&trace, &["--format", "native", "--unsorted"]), &["native.csv", "--unsorted"]);
}

#[test]
fn completions_are_printed_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = ecs_sim(&["completions", shell]);
        assert_success(&output);
        let script = text(&output.stdout);
        for word in ["ecs-sim", "validate", "completions", "schema", "format", "baseline"] {
            assert!(script.contains(word), "{shell} completions lack `{word}`");
        }
        // These three also complete values, such as the trace formats.
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(script.contains("azure-vmtable"), "{shell} completions lack the trace formats");
        }
    }
    let output = ecs_sim(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2), "an unknown shell is a usage error");
    assert!(text(&output.stderr).contains("bash"), "the error lists the shells: {}", text(&output.stderr));
}

#[test]
fn quiet_prints_only_errors_and_verbose_prints_more() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("q");
    let out = out.to_str().unwrap();
    for args in [
        &["-q", "run", "scenarios/quickstart.toml", "--out", out][..],
        &["run", "scenarios/quickstart.toml", "--out", out, "--quiet"][..],
        &["validate", "scenarios/quickstart.toml", "-q"][..],
        &["trace", "stats", "scenarios/traces/quickstart-batch.csv", "--format", "native", "-q"][..],
    ] {
        let output = ecs_sim(args);
        assert_success(&output);
        assert!(output.stdout.is_empty(), "`ecs-sim {}` printed:\n{}", args.join(" "), text(&output.stdout));
    }
    // Quiet still reports errors, and still prints what was asked for.
    assert_input_error(&ecs_sim(&["-q", "validate", "scenarios/no-such.toml"]), &["no-such.toml"]);
    let json = ecs_sim(&["-q", "run", "scenarios/quickstart.toml", "--out", out, "--format", "json"]);
    assert_success(&json);
    assert!(serde_json::from_slice::<serde_json::Value>(&json.stdout).is_ok());

    let normal = text(&ecs_sim(&["run", "scenarios/quickstart.toml", "--out", out]).stdout);
    let verbose = text(&ecs_sim(&["-v", "run", "scenarios/quickstart.toml", "--out", out]).stdout);
    // The verbose lines give the summary's own figures.
    let summary = std::fs::read_to_string(Path::new(out).join("summary.csv")).unwrap();
    let value = |metric: &str| {
        summary
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{metric},")))
            .unwrap_or_else(|| panic!("{metric}"))
            .to_string()
    };
    let reasons = format!(
        "failed by reason: RESOURCE:CPU {}, RESOURCE:MEMORY {}",
        value("tasks_failed_RESOURCE:CPU"),
        value("tasks_failed_RESOURCE:MEMORY")
    );
    let availability = format!("availability: {} %", value("availability_pct"));
    for line in ["task wait: p50", reasons.as_str(), availability.as_str()] {
        assert!(verbose.contains(line), "-v lacks `{line}`:\n{verbose}");
        assert!(!normal.contains(line), "without -v: `{line}`:\n{normal}");
    }
    let both = ecs_sim(&["-v", "-q", "validate", "scenarios/quickstart.toml"]);
    assert_eq!(both.status.code(), Some(2), "-v with -q is a usage error");
}

/// The shootout's committed baseline, with the `binpack` variant's mean cost lowered by 10 %.
fn doctored_baseline(dir: &Path) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/strategy-shootout/variants.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let cost = header.iter().position(|h| h == "cost_usd_mean").unwrap();
    let baseline = dir.join("variants.csv");
    let mut writer = csv::Writer::from_path(&baseline).unwrap();
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut row: Vec<String> = record.unwrap().iter().map(String::from).collect();
        if row[1] == "binpack" {
            row[cost] = format!("{:.4}", row[cost].parse::<f64>().unwrap() * 0.9);
        }
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    baseline
}

#[test]
fn check_format_json_gives_the_verdict_per_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = doctored_baseline(tmp.path());
    let output = ecs_sim(&[
        "check",
        "scenarios/strategy-shootout.toml",
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "a regression exits 1: {}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("check --format json prints JSON");
    assert_eq!(json["scenario"], "strategy-shootout");
    assert_eq!(json["passed"], false);
    assert_eq!(json["regressions"], 1);
    assert_eq!(json["runs"], 20);
    assert_eq!(json["tolerances"]["cost_pct"], 2.0);
    let variants = json["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 4);
    for variant in variants {
        let binpack = variant["variant"] == "binpack";
        assert_eq!(variant["passed"], !binpack, "{variant}");
        let cost = &variant["cost_usd_mean"];
        assert_eq!(cost["verdict"], if binpack { "worse" } else { "ok" }, "{variant}");
        assert_eq!(variant["availability_pct_mean"]["verdict"], "ok", "{variant}");
        let (base, now) = (cost["baseline"].as_f64().unwrap(), cost["now"].as_f64().unwrap());
        assert!((cost["limit"].as_f64().unwrap() - base * 1.02).abs() < 1e-9, "{variant}");
        assert!((cost["change_pct"].as_f64().unwrap() - 100.0 * (now - base) / base).abs() < 1e-9, "{variant}");
    }
}

#[test]
fn a_verbose_sweep_prints_one_line_per_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shootout");
    let output = ecs_sim(&["run", "scenarios/strategy-shootout.toml", "--out", out.to_str().unwrap(), "-v"]);
    assert_success(&output);
    let stdout = text(&output.stdout);
    let runs: Vec<&str> = stdout.lines().filter(|l| l.trim_start().starts_with("run ")).collect();
    assert_eq!(runs.len(), 20, "{stdout}");
    assert!(runs[0].contains("`binpack` replication 0"), "{}", runs[0]);
    assert!(runs[19].contains("`random` replication 4"), "{}", runs[19]);
}
