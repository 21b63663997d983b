//! Whole runs: golden outputs, determinism, billing worked examples and
//! invariants over random scenarios.

mod common;

use common::read_summary;
use ecs_sim::scenario::Scenario;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_text(toml: &str, dir: &Path) -> BTreeMap<String, String> {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, toml).unwrap();
    let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("out");
    common::run_to_dir(&scenario, &out).unwrap();
    read_summary(&out)
}

fn number(summary: &BTreeMap<String, String>, key: &str) -> f64 {
    summary.get(key).unwrap_or_else(|| panic!("no {key}")).parse().unwrap()
}

const OUTPUTS: [&str; 4] = ["summary.csv", "timeseries.csv", "tasks.csv", "events.csv"];

/// The quickstart's outputs are compared byte for byte with committed
/// golden files. After an intended change, regenerate them with
/// `BLESS=1 cargo test --test simulation` and review the diff.
#[test]
fn quickstart_matches_golden_files() {
    let scenario = Scenario::load(&crate_dir().join("scenarios/quickstart.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    common::run_to_dir(&scenario, dir.path()).unwrap();
    let golden = crate_dir().join("tests/golden/quickstart");
    let bless = std::env::var_os("BLESS").is_some();
    for name in OUTPUTS {
        let got = std::fs::read_to_string(dir.path().join(name)).unwrap();
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(golden.join(name), &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(golden.join(name))
            .unwrap_or_else(|_| panic!("missing golden {name}; run BLESS=1 cargo test --test simulation"));
        if got != want {
            let line = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{name} differs from the golden file at line {}:\n  got:  {:?}\n  want: {:?}\nIf the change is intended, run BLESS=1 cargo test --test simulation",
                line + 1,
                got.lines().nth(line),
                want.lines().nth(line)
            );
        }
    }
}

#[test]
fn the_same_seed_gives_byte_identical_outputs() {
    let scenario = Scenario::load(&crate_dir().join("scenarios/quickstart.toml")).unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::run_to_dir(&scenario, a.path()).unwrap();
    common::run_to_dir(&scenario, b.path()).unwrap();
    for name in OUTPUTS {
        assert_eq!(std::fs::read(a.path().join(name)).unwrap(), std::fs::read(b.path().join(name)).unwrap(), "{name}");
    }
}

#[test]
fn ten_m5_large_on_demand_for_an_hour_cost_96_cents() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run_text(
        r#"
[simulation]
duration = "1h"
[[fleet]]
name = "web"
instance_types = ["m5.large"]
count = 10
"#,
        dir.path(),
    );
    assert_eq!(summary["cost_total_usd"], "0.960000");
    assert_eq!(summary["instance_hours"], "10.000");
}

#[test]
fn a_30_second_fargate_task_is_billed_as_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run_text(
        r#"
[simulation]
duration = "10m"
[fargate]
launch_latency = { dist = "fixed", value = "0s" }
[timing]
awsvpc_eni_attach = { dist = "fixed", value = "0s" }
task_stop = { dist = "fixed", value = "0s" }
[[task_definition]]
family = "job"
cpu = "1024"
memory = "2048"
networkMode = "awsvpc"
requiresCompatibilities = ["FARGATE"]
containerDefinitions = [{ name = "main", image = "x" }]
[[workload]]
name = "once"
[workload.run_task]
taskDefinition = "job"
launchType = "FARGATE"
[workload.synthetic]
arrival = { process = "fixed", interval = "1m" }
max_tasks = 1
run_duration = { dist = "fixed", value = "30s" }
"#,
        dir.path(),
    );
    let minute = (0.04048 + 2.0 * 0.004445) / 60.0;
    assert_eq!(summary["cost_fargate_usd"], format!("{minute:.6}"));
    assert_eq!(summary["tasks_completed"], "1");
}

/// One m5.large (2048 CPU units) running 1024-unit tasks that wait for
/// capacity up to `max_wait`; returns the summary.
fn one_instance_waiting(trace_rows: &str, max_wait: &str) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.csv");
    std::fs::write(&trace, format!("submit_time,count,duration\n{trace_rows}")).unwrap();
    run_text(
        &format!(
            r#"
[simulation]
duration = "1h"
[timing]
ec2_task_start = {{ dist = "fixed", value = "0s" }}
task_stop = {{ dist = "fixed", value = "0s" }}
[[fleet]]
name = "one"
instance_types = ["m5.large"]
count = 1
[[task_definition]]
family = "job"
cpu = 1024
containerDefinitions = [{{ name = "main", memory = 128 }}]
[[workload]]
name = "batch"
trace = "{}"
on_placement_failure = "wait"
max_wait = "{max_wait}"
[workload.run_task]
taskDefinition = "job"
"#,
            trace.display()
        ),
        dir.path(),
    )
}

#[test]
fn waiting_tasks_start_when_capacity_frees() {
    // Two tasks fill the instance for 10 min; the two submitted at 1 s and 2 s wait until then.
    let summary = one_instance_waiting("0,2,10m\n1,1,1m\n2,1,1m\n", "15m");
    assert_eq!(summary["tasks_completed"], "4");
    assert_eq!(summary["tasks_failed"], "0");
    // Waits: 0, 0, 599 s, 598 s; p99 is the largest, reported as its histogram bucket's floor.
    assert_eq!(summary["task_wait_p99_s"], "598.016");
}

#[test]
fn waiting_tasks_give_up_after_max_wait_with_the_reason() {
    // The instance is full for 10 min; the task submitted at 1 s gives up after 5 min.
    let summary = one_instance_waiting("0,2,10m\n1,1,1m\n", "5m");
    assert_eq!(summary["tasks_failed_RESOURCE:CPU"], "1");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// No task is lost: every submitted task is completed, failed, or still
    /// alive at the end, with one tasks.csv row each; and EC2 cost follows
    /// the billing rule for a static fleet.
    #[test]
    fn no_task_is_lost_and_ec2_cost_follows_the_billing_rule(
        count in 1_u32..12,
        instance_type in prop_oneof![Just(("m5.large", 0.096)), Just(("c5.xlarge", 0.17)), Just(("t3.medium", 0.0416))],
        spot in any::<bool>(),
        rate in 1_u32..40,
        mean_minutes in 1_u32..30,
        wait in any::<bool>(),
        strategy in prop_oneof![
            Just("[{ type = \"random\" }]"),
            Just("[{ type = \"binpack\", field = \"memory\" }]"),
            Just("[{ type = \"spread\", field = \"attribute:ecs.availability-zone\" }, { type = \"spread\", field = \"instanceId\" }]"),
        ],
        seed in 0_u64..1000,
        minutes in 5_u64..90,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let market = if spot { "market = \"spot\"\nspot_price_factor = 0.4" } else { "" };
        let policy = if wait { "on_placement_failure = \"wait\"\nmax_wait = \"10m\"" } else { "" };
        let summary = run_text(&format!(r#"
[simulation]
duration = "{minutes}m"
seed = {seed}
[[fleet]]
name = "f"
instance_types = ["{}"]
count = {count}
{market}
[[task_definition]]
family = "job"
networkMode = "awsvpc"
containerDefinitions = [{{ name = "a", cpu = 512, memory = 1024, memoryReservation = 700 }}]
[[workload]]
name = "w"
{policy}
[workload.run_task]
taskDefinition = "job"
placementStrategy = {strategy}
[workload.synthetic]
arrival = {{ process = "poisson", rate_per_minute = {rate} }}
run_duration = {{ dist = "exponential", mean = "{mean_minutes}m" }}
"#, instance_type.0), dir.path());
        let submitted = number(&summary, "tasks_submitted");
        let accounted = number(&summary, "tasks_completed") + number(&summary, "tasks_failed")
            + number(&summary, "tasks_running_at_end") + number(&summary, "tasks_starting_at_end")
            + number(&summary, "tasks_waiting_at_end");
        prop_assert_eq!(submitted, accounted);
        let rows = std::fs::read_to_string(dir.path().join("out/tasks.csv")).unwrap().lines().count() - 1;
        prop_assert_eq!(rows as f64, submitted);
        let factor = if spot { 0.4 } else { 1.0 };
        let expected = f64::from(count) * instance_type.1 * factor * (minutes * 60).max(60) as f64 / 3600.0;
        prop_assert!((number(&summary, "cost_ec2_usd") - expected).abs() < 1e-5, "{} vs {}", summary["cost_ec2_usd"], expected);
        prop_assert!(number(&summary, "cpu_reservation_peak_pct") <= 100.0);
        prop_assert!(number(&summary, "memory_reservation_peak_pct") <= 100.0);
    }
}

#[test]
fn a_request_no_single_instance_type_can_hold_is_skipped() {
    // r5.large has the memory but not the CPU; c5.xlarge the CPU but not the memory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "submit_time,count,duration,cpu,memory\n0,1,60,4096,15000\n0,1,60,1024,1024\n",
    )
    .unwrap();
    let summary = run_text(
        &format!(
            r#"
[simulation]
duration = "1h"
[[fleet]]
name = "mixed"
instance_types = ["r5.large", "c5.xlarge"]
count = 2
[[task_definition]]
family = "job"
containerDefinitions = [{{ name = "main", cpu = 256, memory = 256 }}]
[[workload]]
name = "w"
trace = "{}"
on_placement_failure = "wait"
[workload.run_task]
taskDefinition = "job"
"#,
            dir.path().join("t.csv").display()
        ),
        dir.path(),
    );
    assert_eq!(summary["tasks_skipped_oversize"], "1");
    assert_eq!(summary["tasks_completed"], "1");
    assert_eq!(summary["tasks_waiting_at_end"], "0");
}

#[test]
fn a_waiting_task_with_group_affinity_starts_when_its_partner_is_placed() {
    // `app` may only run beside a `db` task; it waits until db is placed at 60 s.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.csv"), "submit_time,duration\n0,10m\n").unwrap();
    std::fs::write(dir.path().join("db.csv"), "submit_time,duration\n60,30m\n").unwrap();
    run_text(
        &format!(
            r#"
[simulation]
duration = "1h"
[timing]
ec2_task_start = {{ dist = "fixed", value = "0s" }}
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 3
[[task_definition]]
family = "app"
containerDefinitions = [{{ name = "main", cpu = 256, memory = 256 }}]
[[task_definition]]
family = "db"
containerDefinitions = [{{ name = "main", cpu = 256, memory = 256 }}]
[[workload]]
name = "app"
trace = "{}"
on_placement_failure = "wait"
[workload.run_task]
taskDefinition = "app"
placementConstraints = [{{ type = "memberOf", expression = "task:group == family:db" }}]
[[workload]]
name = "db"
trace = "{}"
[workload.run_task]
taskDefinition = "db"
"#,
            dir.path().join("app.csv").display(),
            dir.path().join("db.csv").display()
        ),
        dir.path(),
    );
    let tasks = std::fs::read_to_string(dir.path().join("out/tasks.csv")).unwrap();
    let app = tasks.lines().find(|l| l.contains(",app,")).unwrap();
    let fields: Vec<&str> = app.split(',').collect();
    assert_eq!(fields[8], "60.000", "placed when the db task lands: {app}");
    let db = tasks.lines().find(|l| l.contains(",db,")).unwrap();
    assert_eq!(fields[11], db.split(',').nth(11).unwrap(), "on the db task's instance");
}
