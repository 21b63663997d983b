//! Trace replays through the whole simulator: DAG order, unit conversion,
//! oversize requests, bad rows and gzip input on small fixtures written
//! here, and the real samples in ../shared/traces when that folder exists.

mod common;

use common::{read_summary, read_tasks};
use ecs_sim::scenario::Scenario;
use std::io::Write;
use std::path::{Path, PathBuf};

fn scenario(dir: &Path, trace: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "2h"
[timing]
ec2_task_start = {{ dist = "fixed", value = "0s" }}
task_stop = {{ dist = "fixed", value = "0s" }}
[[fleet]]
name = "f"
instance_types = ["m5.xlarge"]
count = 2
[[task_definition]]
family = "batch"
containerDefinitions = [{{ name = "t", cpu = 100, memory = 100 }}]
[[workload]]
name = "trace"
trace = "{trace}"
on_placement_failure = "wait"
{extra}
[workload.run_task]
taskDefinition = "batch"
"#
    );
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Alibaba 2018 rows: job j1 has task 1 (two instances, 60 s), task 2 that
/// waits for 1, and task 3 that waits for 1 and 2. Memory is 50 % of a
/// 16 GiB trace machine = 8192 MiB; one row asks for more than any m5.xlarge
/// registers and is skipped; one row is malformed and skipped.
const ALIBABA_2018: &str = "\
0,j1,M1,60,50,10,2
0,j1,R2_1,30,50,10,1
0,j1,J3_1_2,10,100,50,1
5,j2,task_x,20,100,1000,1
6,j2,bad row
7,j3,task_y,20,50,1,3
";

#[test]
fn dag_order_units_oversize_and_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sample.csv"), ALIBABA_2018).unwrap();
    let s = scenario(
        dir.path(),
        "sample.csv",
        "trace_format = \"alibaba2018\"\ntrace_machine = { vcpu = 96, memory_gib = 16 }",
    );
    let out = dir.path().join("out");
    common::run_to_dir(&s, &out).unwrap();
    let summary = read_summary(&out);
    assert_eq!(summary["tasks_submitted"], "7", "2 + 1 + 1 + 3 instances; the oversize row is not submitted");
    assert_eq!(summary["tasks_skipped_oversize"], "1");
    assert_eq!(summary["trace_rows_skipped"], "1");
    let rows = read_tasks(&out);
    let started =
        |number: &str| -> f64 { rows.iter().find(|r| r["task"] == number).unwrap()["started_s"].parse().unwrap() };
    let memory = |number: &str| rows.iter().find(|r| r["task"] == number).unwrap()["memory_mib"].clone();
    // Tasks are numbered in submission order: 1-2 are node 1, 3-5 job j3, 6 node 2, 7 node 3.
    assert_eq!(memory("1"), "1639", "10 % of 16 GiB, rounded up");
    assert_eq!(started("1"), 0.0);
    assert_eq!(started("6"), 60.0, "node 2 starts when both instances of node 1 finish");
    assert_eq!(started("7"), 90.0, "node 3 waits for node 2 as well");
}

#[test]
fn gzip_traces_replay_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.path().join("sample.csv.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(ALIBABA_2018.as_bytes()).unwrap();
    gz.finish().unwrap();
    std::fs::write(dir.path().join("sample.csv"), ALIBABA_2018).unwrap();
    let machine = "trace_format = \"alibaba2018\"\ntrace_machine = { vcpu = 96, memory_gib = 16 }";
    let (plain, zipped) = (dir.path().join("plain"), dir.path().join("zipped"));
    common::run_to_dir(&scenario(dir.path(), "sample.csv", machine), &plain).unwrap();
    common::run_to_dir(&scenario(dir.path(), "sample.csv.gz", machine), &zipped).unwrap();
    assert_eq!(std::fs::read(plain.join("tasks.csv")).unwrap(), std::fs::read(zipped.join("tasks.csv")).unwrap());
}

#[test]
fn strict_mode_makes_a_bad_row_fatal_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sample.csv"), ALIBABA_2018).unwrap();
    let s = scenario(
        dir.path(),
        "sample.csv",
        "trace_format = \"alibaba2018\"\ntrace_machine = { vcpu = 96, memory_gib = 16 }\nstrict = true",
    );
    let err = common::run_to_dir(&s, &dir.path().join("out")).unwrap_err().to_string();
    assert!(err.contains("sample.csv") && err.contains("line 5"), "{err}");
}

#[test]
fn generic_csv_with_column_mapping() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.csv"), "start_ms,end_ms,cores,gb\n0,30000,0.5,1\n1000,61000,1,2\n").unwrap();
    let s = scenario(
        dir.path(),
        "mine.csv",
        "trace_format = \"generic\"\n[workload.trace_columns]\ntime = \"start_ms\"\ntime_unit = \"ms\"\nend_time = \"end_ms\"\ncpu = \"cores\"\ncpu_scale = 1024\nmemory = \"gb\"\nmemory_scale = 1024",
    );
    let out = dir.path().join("out");
    common::run_to_dir(&s, &out).unwrap();
    let rows = read_tasks(&out);
    assert_eq!((rows[0]["cpu"].as_str(), rows[0]["memory_mib"].as_str()), ("512", "1024"));
    assert_eq!(rows[1]["stopped_s"], "61.000");
}

fn shared_traces() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/traces");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

#[test]
fn real_alibaba_2018_sample_first_ten_minutes() {
    let Some(traces) = shared_traces() else { return };
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"
[simulation]
duration = "10m"
[[fleet]]
name = "batch"
instance_types = ["m5.24xlarge"]
count = 600
[[task_definition]]
family = "alibaba-batch"
containerDefinitions = [{{ name = "task", cpu = 100, memory = 256 }}]
[[workload]]
name = "alibaba"
trace = "{}"
trace_format = "alibaba2018"
trace_machine = {{ vcpu = 96, memory_gib = 384 }}
on_placement_failure = "wait"
[workload.run_task]
taskDefinition = "alibaba-batch"
placementStrategy = [{{ type = "binpack", field = "memory" }}]
[output]
tasks_csv = false
"#,
        traces.join("alibaba2018-batch/sample_tasks.csv").display()
    );
    let path = dir.path().join("ali.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    common::run_to_dir(&Scenario::load(&path).unwrap(), &out).unwrap();
    let summary = read_summary(&out);
    let submitted: u64 = summary["tasks_submitted"].parse().unwrap();
    assert!(submitted > 100_000, "{submitted}");
    assert_eq!(summary["trace_rows_skipped"], "0");
    let held: u64 = summary["trace_rows_held_at_end"].parse().unwrap();
    assert!(held > 0, "some dependent tasks are still waiting at 10 minutes");
}

#[test]
fn real_alibaba_2017_sample_needs_and_gets_reordering() {
    let Some(traces) = shared_traces() else { return };
    let dir = tempfile::tempdir().unwrap();
    let trace = traces.join("alibaba2017-batch/jobs.csv");
    let base = format!(
        "trace_format = \"alibaba2017\"\ntrace_machine = {{ vcpu = 64, memory_gib = 256 }}\ntrace = \"{}\"",
        trace.display()
    );
    let text = |extra: &str| {
        format!(
            r#"
[simulation]
duration = "17h"
[[fleet]]
name = "f"
instance_types = ["m5.24xlarge"]
count = 50
[[task_definition]]
family = "b"
containerDefinitions = [{{ name = "t", cpu = 100, memory = 100 }}]
[[workload]]
name = "w"
{base}
{extra}
[workload.run_task]
taskDefinition = "b"
[output]
tasks_csv = false
"#
        )
    };
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text("reorder_window = \"unbounded\"")).unwrap();
    let out = dir.path().join("out");
    common::run_to_dir(&Scenario::load(&path).unwrap(), &out).unwrap();
    let sorted = read_summary(&out);
    assert_eq!(sorted["trace_rows_skipped"], "0");
    let accounted: u64 =
        ["tasks_submitted", "tasks_skipped_oversize"].iter().map(|k| sorted[*k].parse::<u64>().unwrap()).sum();
    assert_eq!(accounted, 2_551_075, "every instance of the sample is submitted or counted as oversize");
    // Without reordering the rows that go back in time are skipped and counted, never silently dropped.
    std::fs::write(&path, text("")).unwrap();
    common::run_to_dir(&Scenario::load(&path).unwrap(), &out).unwrap();
    let skipped: u64 = read_summary(&out)["trace_rows_skipped"].parse().unwrap();
    assert!(skipped > 0);
}

#[test]
fn a_released_dag_task_still_waits_for_its_own_arrival_time() {
    let dir = tempfile::tempdir().unwrap();
    // Node 2 depends on node 1, which finishes at 10 s; node 2 arrives at 100 s.
    std::fs::write(dir.path().join("late.csv"), "0,j1,M1,10,50,1,1\n100,j1,R2_1,10,50,1,1\n200,j2,task_z,5,50,1,1\n")
        .unwrap();
    let s = scenario(
        dir.path(),
        "late.csv",
        "trace_format = \"alibaba2018\"\ntrace_machine = { vcpu = 96, memory_gib = 16 }",
    );
    let out = dir.path().join("out");
    common::run_to_dir(&s, &out).unwrap();
    let rows = read_tasks(&out);
    let node2 = rows.iter().find(|r| r["task"] == "2").unwrap();
    assert_eq!(node2["submitted_s"], "100.000", "released at 10 s but not submitted before it arrives");
}

#[test]
fn google_2011_task_events_replay_with_normalised_units() {
    let dir = tempfile::tempdir().unwrap();
    // Timestamps in µs from 600 s; job 7 task 0 runs 60 s from SCHEDULE to FINISH;
    // task 1 is killed before it is ever scheduled (dropped and counted).
    let events = "\
600000000,,7,0,,0,u,0,9,0.125,0.0625,0,0
600000000,,7,1,,0,u,0,9,0.25,0.125,0,0
605000000,,7,0,m1,1,u,0,9,0.125,0.0625,0,0
610000000,,7,1,,5,u,0,9,0.25,0.125,0,0
665000000,,7,0,m1,4,u,0,9,0.125,0.0625,0,0
";
    std::fs::write(dir.path().join("task_events.csv"), events).unwrap();
    let s = scenario(
        dir.path(),
        "task_events.csv",
        "trace_format = \"google2011\"\ntrace_machine = { vcpu = 4, memory_gib = 16 }",
    );
    let out = dir.path().join("out");
    common::run_to_dir(&s, &out).unwrap();
    let summary = read_summary(&out);
    assert_eq!(summary["tasks_submitted"], "1");
    assert_eq!(summary["trace_tasks_dropped"], "1");
    assert_eq!(summary["trace_tasks_cut_short"], "0");
    let rows = read_tasks(&out);
    assert_eq!(
        (rows[0]["cpu"].as_str(), rows[0]["memory_mib"].as_str()),
        ("512", "1024"),
        "1/8 of 4 vCPU, 1/16 of 16 GiB"
    );
    assert_eq!(rows[0]["submitted_s"], "0.000", "the trace's first event is time zero");
    assert_eq!(rows[0]["stopped_s"], "60.000", "runs SCHEDULE to FINISH");
}

#[test]
fn azure_vmtable_rows_become_tasks_in_creation_order() {
    let dir = tempfile::tempdir().unwrap();
    let vms = "\
vm-b,sub1,dep1,300,900,80.0,20.0,60.0,Interactive,2,4
vm-a,sub1,dep1,0,600,50.0,10.0,40.0,Delay-insensitive,1,2
";
    std::fs::write(dir.path().join("vmtable.csv"), vms).unwrap();
    let s = scenario(dir.path(), "vmtable.csv", "trace_format = \"azure_vmtable\"\nreorder_window = \"unbounded\"");
    let out = dir.path().join("out");
    common::run_to_dir(&s, &out).unwrap();
    let rows = read_tasks(&out);
    let first = rows.iter().find(|r| r["task"] == "1").unwrap();
    assert_eq!((first["cpu"].as_str(), first["memory_mib"].as_str()), ("1024", "2048"), "vm-a, created first");
    assert_eq!(first["group"], "Delay-insensitive");
    assert_eq!(read_summary(&out)["tasks_completed"], "2");
}
