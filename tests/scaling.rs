//! Auto scaling end to end: target tracking against a step load, managed
//! scaling from an empty group, termination protection, FARGATE_SPOT mixes
//! and determinism. The arithmetic (CPR, step sizes, cooldowns, base and
//! weight) is unit-tested in `src/scaling`.

mod common;

use common::{rows, run_text_in};
use ecs_sim::scenario::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A service whose demand steps from 200 to 600 at 30 min and back at 90
/// min, with target tracking on CPU at 50 %, on a static fleet.
fn step_load(dir: &Path) {
    let mut demand = String::from("time_s,value\n");
    for minute in 0..180 {
        let value = if (30..90).contains(&minute) { 600 } else { 200 };
        demand += &format!("{},{value}\n", minute * 60);
    }
    std::fs::write(dir.join("demand.csv"), demand).unwrap();
    run_text_in(
        r#"
[simulation]
duration = "3h"
seed = 1
[[fleet]]
name = "f"
instance_types = ["m5.xlarge"]
count = 12
[[task_definition]]
family = "app"
containerDefinitions = [{ name = "app", image = "app", cpu = 256, memory = 512 }]
[[service]]
serviceName = "app"
taskDefinition = "app"
desiredCount = 4
capacity_per_task = 100
demand = { file = "demand.csv", column = "value", time_column = "time_s", step = "60s" }
[service.auto_scaling]
min_capacity = 2
max_capacity = 40
[[service.auto_scaling.target_tracking]]
metric = "ECSServiceAverageCPUUtilization"
target = 50
"#,
        dir,
    );
}

#[test]
fn a_step_load_scales_out_after_3_minutes_and_in_after_15() {
    let dir = tempfile::tempdir().unwrap();
    step_load(dir.path());
    let activities = rows(dir.path(), "scaling.csv");
    let time = |r: &BTreeMap<String, String>| r["time_s"].parse::<u64>().unwrap();
    let out = activities.iter().find(|r| r["cause"].contains("AlarmHigh")).expect("a scale-out");
    // The step is at 1800 s; datapoints at 1860, 1920 and 1980 s breach.
    assert_eq!(time(out), 1800 + 180, "{out:?}");
    // 4 tasks at 600/400 → 100 % CPU (capped) against 50 %: ceil(4 × 100 / 50) = 8.
    assert_eq!((out["from"].as_str(), out["to"].as_str()), ("4", "8"));
    let scale_in = activities.iter().find(|r| r["cause"].contains("AlarmLow")).expect("a scale-in");
    // The load drops at 5400 s; 15 datapoints below 45 % are needed.
    assert!(time(scale_in) >= 5400 + 900, "scale-in at {} s", time(scale_in));
    assert!(time(scale_in) < 5400 + 900 + 300, "scale-in at {} s", time(scale_in));
    assert!(!activities.iter().any(|r| r["cause"].contains("AlarmLow") && time(r) < 5400 + 900));
}

#[test]
fn managed_scaling_launches_into_an_empty_group_and_tasks_wait_provisioning() {
    let dir = tempfile::tempdir().unwrap();
    run_text_in(
        r#"
[simulation]
duration = "1h"
seed = 2
[cluster]
default_capacity_provider_strategy = [{ capacityProvider = "asg", weight = 1 }]
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 0
[[capacity_provider]]
name = "asg"
fleet = "f"
max_size = 10
instance_launch = { dist = "fixed", value = "2m" }
managedScaling = { status = "ENABLED" }
managedTerminationProtection = "ENABLED"
[[task_definition]]
family = "app"
containerDefinitions = [{ name = "app", image = "app", cpu = 1024, memory = 1024 }]
[[service]]
serviceName = "app"
taskDefinition = "app"
desiredCount = 6
"#,
        dir.path(),
    );
    let activities = rows(dir.path(), "scaling.csv");
    let first = activities.iter().find(|r| r["target"] == "capacity-provider:asg").expect("a scale-out");
    // M > 0 and N = 0: CPR 200, so the first step is 2 instances.
    assert!(first["cause"].starts_with("CPR 200.0"), "{first:?}");
    assert_eq!((first["from"].as_str(), first["to"].as_str()), ("0", "2"));
    let metrics = rows(dir.path(), "metrics.csv");
    let provisioning = metrics.iter().find(|r| r["kind"] == "capacity_provider").unwrap();
    assert_eq!(provisioning["provisioning_tasks"], "6", "tasks wait in PROVISIONING");
    let services = &rows(dir.path(), "services.csv")[0];
    assert_eq!(services["running_end"], "6", "{services:?}");
    // Two 1-vCPU tasks fit an m5.large: 3 instances in the end.
    let last = metrics.iter().rev().find(|r| r["kind"] == "capacity_provider").unwrap();
    assert_eq!(last["instances"], "3");
}

#[test]
fn termination_protection_never_removes_an_instance_with_a_task() {
    if !google_series_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = Scenario::load(&crate_dir().join("scenarios/autoscaling-google.toml"))
        .unwrap_or_else(|e| panic!("{e} (the scenario needs ../shared/traces)"));
    let summary = common::run_to_dir(&scenario, dir.path()).unwrap();
    let events = rows(dir.path(), "events.csv");
    let terminated = events.iter().filter(|r| r["event"] == "INSTANCE_TERMINATED").count();
    assert!(terminated > 0, "the group never scaled in");
    assert!(!events.iter().any(|r| r["stop_code"] == "TerminationNotice"), "a task was on a terminated instance");
    assert_eq!(summary.tasks_lost_to_faults, 0);
    assert!(rows(dir.path(), "scaling.csv").iter().any(|r| r["cause"].contains("< target 100 for 15 minutes")));
}

#[test]
fn without_termination_protection_scale_in_can_hit_busy_instances() {
    if !google_series_present() {
        return;
    }
    // The same scenario with protection and draining off: the group's own
    // policy picks victims, tasks and all.
    let text = std::fs::read_to_string(crate_dir().join("scenarios/autoscaling-google.toml")).unwrap();
    let text = text
        .replace("managedTerminationProtection = \"ENABLED\"", "managedTerminationProtection = \"DISABLED\"")
        .replace("managedDraining = \"ENABLED\"", "managedDraining = \"DISABLED\"")
        .replace("duration = \"7d\"", "duration = \"3d\"");
    let dir = tempfile::tempdir().unwrap();
    let path = crate_dir().join("scenarios/unprotected.toml");
    let scenario = Scenario::from_toml(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    common::run_to_dir(&scenario, dir.path()).unwrap();
    let events = rows(dir.path(), "events.csv");
    assert!(events.iter().any(|r| r["event"] == "INSTANCE_TERMINATED"));
    assert!(events.iter().any(|r| r["stop_code"] == "TerminationNotice"), "no busy instance was removed");
}

/// The Google load series lives beside the project; tests that need it skip
/// with a printed reason when it is absent.
fn google_series_present() -> bool {
    let present = crate_dir().join("../shared/traces/load-series/google2019_cluster_usage_300s.csv").exists();
    if !present {
        eprintln!("skipping: ../shared/traces/load-series is absent");
    }
    present
}

#[test]
fn fargate_spot_saves_cost_and_suffers_interruptions() {
    let scenario = Scenario::load(&crate_dir().join("scenarios/fargate-spot.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mixed = common::run_to_dir(&scenario, dir.path()).unwrap();
    assert!(mixed.spot_interruptions > 0);
    assert!(mixed.service_availability_pct[0] < 100.0);
    let services = &rows(dir.path(), "services.csv")[0];
    assert!(services["tasks_spot_interrupted"].parse::<u32>().unwrap() > 0);
    // All on FARGATE: no interruptions, full availability, higher cost.
    let text = std::fs::read_to_string(crate_dir().join("scenarios/fargate-spot.toml")).unwrap();
    let start = text.find("capacityProviderStrategy = [").unwrap();
    let end = start + text[start..].find("]\n").unwrap() + 2;
    let text = format!(
        "{}capacityProviderStrategy = [{{ capacityProvider = \"FARGATE\", weight = 1 }}]\n{}",
        &text[..start],
        &text[end..]
    );
    let dir2 = tempfile::tempdir().unwrap();
    let path = crate_dir().join("scenarios/all-fargate.toml");
    let on_demand =
        common::run_to_dir(&Scenario::from_toml(&text, &path).unwrap_or_else(|e| panic!("{e}")), dir2.path()).unwrap();
    assert_eq!(on_demand.spot_interruptions, 0);
    assert_eq!(on_demand.service_availability_pct[0], 100.0);
    assert!(
        mixed.costs.fargate < 0.75 * on_demand.costs.fargate,
        "FARGATE_SPOT saves: {} against {}",
        mixed.costs.fargate,
        on_demand.costs.fargate
    );
}

#[test]
fn the_same_seed_gives_byte_identical_scaling_outputs() {
    if !google_series_present() {
        return;
    }
    let scenario = Scenario::load(&crate_dir().join("scenarios/autoscaling-google.toml")).unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::run_to_dir(&scenario, a.path()).unwrap();
    common::run_to_dir(&scenario, b.path()).unwrap();
    for file in ["summary.csv", "scaling.csv", "metrics.csv", "events.csv", "services.csv", "service_timeseries.csv"] {
        assert_eq!(std::fs::read(a.path().join(file)).unwrap(), std::fs::read(b.path().join(file)).unwrap(), "{file}");
    }
}

#[test]
fn a_warm_starting_fleet_lets_managed_scaling_scale_out_before_the_warm_up_ends() {
    // One instance at time 0 and more tasks than it holds: managed scaling
    // waits out instanceWarmupPeriod (300 s) after a fresh launch, but not
    // after instances that were running before the run.
    let first_scale_out = |warm: bool| {
        let dir = tempfile::tempdir().unwrap();
        run_text_in(
            &format!(
                r#"
[simulation]
duration = "30m"
[cluster]
default_capacity_provider_strategy = [{{ capacityProvider = "asg", weight = 1 }}]
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 1
warm_at_start = {warm}
[[capacity_provider]]
name = "asg"
fleet = "f"
min_size = 1
max_size = 10
managedScaling = {{ status = "ENABLED" }}
[[task_definition]]
family = "app"
containerDefinitions = [{{ name = "app", image = "app", cpu = 1024, memory = 1024 }}]
[[service]]
serviceName = "app"
taskDefinition = "app"
desiredCount = 6
"#
            ),
            dir.path(),
        );
        let activities = rows(dir.path(), "scaling.csv");
        let first = activities.iter().find(|r| r["target"] == "capacity-provider:asg").expect("a scale-out");
        first["time_s"].parse::<f64>().unwrap()
    };
    let (cold, warm) = (first_scale_out(false), first_scale_out(true));
    assert!(cold >= 300.0, "a fresh launch at 0 holds scaling for its warm-up: {cold}");
    assert!(warm < 300.0, "warm instances do not: {warm}");
}

#[test]
fn the_scale_out_estimate_leaves_room_for_the_daemons_on_each_new_instance() {
    // An m5.large registers 2,048 CPU units; the daemon takes 1,024 of them
    // on every instance, so each new instance holds one 1,024-unit task, not two.
    let dir = tempfile::tempdir().unwrap();
    run_text_in(
        r#"
[simulation]
duration = "20m"
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 1
warm_at_start = true
[[capacity_provider]]
name = "asg"
fleet = "f"
min_size = 1
max_size = 20
managedScaling = { status = "ENABLED" }
[[task_definition]]
family = "agent"
containerDefinitions = [{ name = "agent", image = "agent", cpu = 1024, memory = 256 }]
[[task_definition]]
family = "app"
containerDefinitions = [{ name = "app", image = "app", cpu = 1024, memory = 1024 }]
[[service]]
serviceName = "agent"
taskDefinition = "agent"
schedulingStrategy = "DAEMON"
launchType = "EC2"
[[service]]
serviceName = "app"
taskDefinition = "app"
desiredCount = 6
capacityProviderStrategy = [{ capacityProvider = "asg", weight = 1 }]
"#,
        dir.path(),
    );
    let activities = rows(dir.path(), "scaling.csv");
    let first = activities.iter().find(|r| r["target"] == "capacity-provider:asg").expect("a scale-out");
    // One instance holds the daemon and one app task; five app tasks wait:
    // five more instances (M 6, N 1), where ignoring the daemon would say three.
    assert_eq!((first["from"].as_str(), first["to"].as_str()), ("1", "6"), "{first:?}");
}
