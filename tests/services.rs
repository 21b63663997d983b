//! The service scheduler end to end: the worked examples of
//! `docs/ecs-reference.md` (§3), blue/green traffic shifting, the circuit breaker's
//! rollback, faults, determinism, and invariants over random scenarios.

mod common;

use common::{read_summary, rows, run_text_in};
use ecs_sim::scenario::Scenario;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// deployments.csv rows of one deployment.
fn deployment_rows(out: &Path, deployment: &str) -> Vec<BTreeMap<String, String>> {
    rows(out, "deployments.csv").into_iter().filter(|r| r["deployment"] == deployment).collect()
}

/// A scenario with one REPLICA service of `desired` tasks on six m5.large
/// over three zones, and an UpdateService to revision 2 at 10 minutes.
fn rolling(desired: u32, min: u32, max: u32, extra_v2: &str, service_extra: &str) -> String {
    format!(
        r#"
[simulation]
duration = "2h"
seed = 3
[cluster]
availability_zones = ["z-a", "z-b", "z-c"]
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 6
[[task_definition]]
family = "app"
containerDefinitions = [{{ name = "app", image = "app:1", cpu = 256, memory = 512 }}]
[[task_definition]]
family = "app"
revision = 2
containerDefinitions = [{{ name = "app", image = "app:2", cpu = 256, memory = 512 }}]
{extra_v2}
[[service]]
serviceName = "app"
taskDefinition = "app:1"
desiredCount = {desired}
deploymentConfiguration = {{ minimumHealthyPercent = {min}, maximumPercent = {max} {service_extra} }}
[[events]]
at = "10m"
service = "app"
task_definition = "app:2"
"#
    )
}

/// The first step the scheduler takes for the deployment to revision 2.
fn first_step(desired: u32, min: u32, max: u32) -> String {
    let dir = tempfile::tempdir().unwrap();
    run_text_in(&rolling(desired, min, max, "", ""), dir.path());
    let steps = deployment_rows(dir.path(), "2");
    assert_eq!(steps[0]["event"], "CREATED");
    assert_eq!(steps[1]["event"], "TASKS_CHANGED");
    steps[1]["detail"].clone()
}

#[test]
fn desired_4_with_min_50_may_stop_two_old_tasks_first() {
    assert_eq!(first_step(4, 50, 100), "started 0, stopped 2");
}

#[test]
fn desired_2_with_min_75_stops_nothing_before_new_tasks_are_healthy() {
    // ceil(2 × 0.75) = 2: both old tasks stay until new ones are healthy.
    assert_eq!(first_step(2, 75, 200), "started 2, stopped 0");
    let dir = tempfile::tempdir().unwrap();
    run_text_in(&rolling(2, 75, 200, "", ""), dir.path());
    for row in deployment_rows(dir.path(), "2") {
        let (old, healthy): (u32, u32) = (row["old_running"].parse().unwrap(), row["new_healthy"].parse().unwrap());
        assert!(old + healthy >= 2, "fewer than 2 healthy tasks at {row:?}");
    }
}

#[test]
fn desired_4_with_max_200_starts_four_new_tasks_first() {
    assert_eq!(first_step(4, 100, 200), "started 4, stopped 0");
}

#[test]
fn desired_3_with_max_125_and_min_100_is_reported_stuck() {
    let dir = tempfile::tempdir().unwrap();
    run_text_in(&rolling(3, 100, 125, "", ""), dir.path());
    let steps = deployment_rows(dir.path(), "2");
    assert_eq!(steps[1]["event"], "STUCK", "{steps:?}");
    assert!(!steps.iter().any(|r| r["event"] == "COMPLETED"));
    let services = rows(dir.path(), "services.csv");
    assert_eq!(services[0]["deployments_stuck"], "1");
    assert_eq!(services[0]["deployments_completed"], "0");
    // Nothing extra started: floor(3 × 1.25) = 3.
    assert_eq!(services[0]["tasks_started"], "3");
}

#[test]
fn a_failing_image_trips_the_breaker_and_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let text = rolling(
        4,
        100,
        200,
        "start_failure_probability = 1.0",
        ", deploymentCircuitBreaker = { enable = true, rollback = true }",
    );
    run_text_in(&text, dir.path());
    let steps = deployment_rows(dir.path(), "2");
    let tripped = steps.iter().find(|r| r["event"] == "CIRCUIT_BREAKER_TRIPPED").expect("the breaker trips");
    // desired 4: clamp(ceil(0.5 × 4), 10, 200) = 10 failed tasks.
    assert_eq!(tripped["detail"], "10 failed tasks reached the threshold 10");
    let rollback = deployment_rows(dir.path(), "3");
    assert_eq!(rollback[0]["event"], "ROLLBACK");
    assert_eq!(rollback[0]["task_definition"], "app:1");
    assert_eq!(rollback.last().unwrap()["event"], "COMPLETED");
    let services = &rows(dir.path(), "services.csv")[0];
    assert_eq!(services["deployments_failed"], "1");
    assert_eq!(services["deployments_rolled_back"], "1");
    assert_eq!(services["tasks_failed_to_start"], "10");
    // The old tasks served throughout (min 100 %).
    assert_eq!(services["minutes_below_desired"], "0.00");
    // The failed tasks stopped with TaskFailedToStart.
    let failed = rows(dir.path(), "tasks.csv").into_iter().filter(|r| r["reason"] == "TaskFailedToStart").count();
    assert_eq!(failed, 10);
}

#[test]
fn the_breaker_is_not_armed_without_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let text = rolling(2, 100, 200, "start_failure_probability = 1.0", "");
    let end = run_text_in(&text, dir.path());
    assert!(!rows(dir.path(), "deployments.csv").iter().any(|r| r["event"] == "CIRCUIT_BREAKER_TRIPPED"));
    // Back-off: failures space out to at most 15 minutes, so in 110 minutes
    // far fewer than one attempt a minute are made.
    let failed = rows(dir.path(), "services.csv")[0]["tasks_failed_to_start"].parse::<u32>().unwrap();
    assert!((8..40).contains(&failed), "{failed} failed starts");
    assert_eq!(end.service_over_maximum, vec![0]);
}

fn blue_green(controller: &str, extra: &str) -> String {
    format!(
        r#"
[simulation]
duration = "1h"
seed = 5
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 6
[[task_definition]]
family = "app"
containerDefinitions = [{{ name = "app", image = "app:1", cpu = 256, memory = 512, portMappings = [{{ containerPort = 80, hostPort = 0 }}] }}]
[[task_definition]]
family = "app"
revision = 2
containerDefinitions = [{{ name = "app", image = "app:2", cpu = 256, memory = 512, portMappings = [{{ containerPort = 80, hostPort = 0 }}] }}]
[[service]]
serviceName = "app"
taskDefinition = "app:1"
desiredCount = 4
deploymentController = {{ type = "{controller}" }}
loadBalancers = [{{ targetGroupArn = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/app/1", containerName = "app", containerPort = 80 }}]
{extra}
capacity_per_task = 10
demand = {{ constant = 30 }}
[[events]]
at = "5m"
service = "app"
task_definition = "app:2"
"#
    )
}

#[test]
fn a_linear_codedeploy_deployment_shifts_traffic_in_ten_steps() {
    let dir = tempfile::tempdir().unwrap();
    run_text_in(
        &blue_green("CODE_DEPLOY", "code_deploy_config = \"CodeDeployDefault.ECSLinear10PercentEvery1Minutes\""),
        dir.path(),
    );
    let steps = deployment_rows(dir.path(), "2");
    let shifts: Vec<&BTreeMap<String, String>> = steps.iter().filter(|r| r["event"] == "TRAFFIC_SHIFTED").collect();
    assert_eq!(shifts.len(), 10);
    for (i, row) in shifts.iter().enumerate() {
        assert_eq!(row["traffic_percent"], format!("{}.0", 10 * (i + 1)));
        let gap = row["time_s"].parse::<f64>().unwrap() - shifts[0]["time_s"].parse::<f64>().unwrap();
        assert!((gap - 60.0 * i as f64).abs() < 1e-6, "step {i} at +{gap} s");
    }
    // Green was fully healthy before any traffic moved, and blue went after.
    let ready = steps.iter().position(|r| r["event"] == "GREEN_READY").unwrap();
    let first_shift = steps.iter().position(|r| r["event"] == "TRAFFIC_SHIFTED").unwrap();
    assert!(ready < first_shift);
    assert_eq!(steps[ready]["new_healthy"], "4");
    assert_eq!(steps.last().unwrap()["event"], "COMPLETED");
    // Blue kept serving: availability never dropped.
    assert_eq!(rows(dir.path(), "services.csv")[0]["availability_pct"], "100.0000");
}

#[test]
fn native_canary_and_blue_green_strategies_follow_their_steps() {
    let dir = tempfile::tempdir().unwrap();
    let canary = "deploymentConfiguration = { strategy = \"CANARY\", canaryConfiguration = { canaryPercent = 5.0, canaryBakeTimeInMinutes = 10 }, bakeTimeInMinutes = 5 }";
    run_text_in(&blue_green("ECS", canary), dir.path());
    let steps = deployment_rows(dir.path(), "2");
    let shifts: Vec<(f64, String)> = steps
        .iter()
        .filter(|r| r["event"] == "TRAFFIC_SHIFTED")
        .map(|r| (r["time_s"].parse().unwrap(), r["traffic_percent"].clone()))
        .collect();
    assert_eq!(shifts.len(), 2);
    assert_eq!(shifts[0].1, "5.0");
    assert_eq!(shifts[1].1, "100.0");
    assert!((shifts[1].0 - shifts[0].0 - 600.0).abs() < 1e-6);
    let terminating = steps.iter().find(|r| r["event"] == "BLUE_TERMINATING").unwrap();
    let baked = terminating["time_s"].parse::<f64>().unwrap() - shifts[1].0;
    assert!((baked - 300.0).abs() < 1e-6, "bake {baked} s");
}

#[test]
fn the_web_example_shows_the_outage_drop_and_the_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Scenario::load(&crate_dir().join("scenarios/web-service.toml")).unwrap();
    common::run_to_dir(&scenario, dir.path()).unwrap();
    let series = rows(dir.path(), "service_timeseries.csv");
    let at = |t: u32| series.iter().find(|r| r["time_s"] == t.to_string()).unwrap();
    let served = |t: u32| at(t)["served"].parse::<f64>().unwrap();
    let demand = |t: u32| at(t)["demand"].parse::<f64>().unwrap();
    // The outage starts at 3h50 (13,800 s), at the daily peak.
    assert_eq!(at(13740)["healthy"], "6");
    assert_eq!(served(13740), demand(13740));
    assert!(at(13800)["healthy"].parse::<u32>().unwrap() < 6, "the zone's tasks are lost");
    assert!(served(13800) < demand(13800), "four tasks cannot serve the peak");
    assert_eq!(at(14040)["healthy"], "6", "replaced in the other zones");
    assert_eq!(served(14040), demand(14040));
    let lost: u32 = rows(dir.path(), "services.csv")[0]["tasks_lost_to_faults"].parse().unwrap();
    assert!(lost >= 1);
    let events = rows(dir.path(), "events.csv");
    assert!(events.iter().any(|r| r["event"] == "AZ_OUTAGE_STARTED"));
    assert!(events.iter().any(|r| r["event"] == "TASK_STOPPED" && r["stop_code"] == "InfrastructureHealth"));
    assert_eq!(deployment_rows(dir.path(), "2").last().unwrap()["event"], "COMPLETED");
}

#[test]
fn the_spot_example_shows_interruptions_and_replacements() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Scenario::load(&crate_dir().join("scenarios/spot-heavy.toml")).unwrap();
    let summary = common::run_to_dir(&scenario, dir.path()).unwrap();
    assert!(summary.spot_interruptions > 0);
    let services = rows(dir.path(), "services.csv");
    let worker = services.iter().find(|r| r["service"] == "worker").unwrap();
    assert!(worker["tasks_spot_interrupted"].parse::<u32>().unwrap() > 0);
    assert!(worker["availability_pct"].parse::<f64>().unwrap() < 100.0);
    assert_eq!(worker["desired_count_end"], worker["running_end"], "interrupted tasks were replaced");
    // The daemon runs on every registered instance.
    let daemon = services.iter().find(|r| r["service"] == "log-agent").unwrap();
    let instances = rows(dir.path(), "timeseries.csv").last().unwrap()["instances"].clone();
    assert_eq!(daemon["desired_count_end"], instances);
}

#[test]
fn the_same_seed_gives_byte_identical_service_outputs() {
    let scenario = Scenario::load(&crate_dir().join("scenarios/spot-heavy.toml")).unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::run_to_dir(&scenario, a.path()).unwrap();
    common::run_to_dir(&scenario, b.path()).unwrap();
    for file in [
        "summary.csv",
        "timeseries.csv",
        "tasks.csv",
        "events.csv",
        "services.csv",
        "deployments.csv",
        "service_timeseries.csv",
    ] {
        assert_eq!(std::fs::read(a.path().join(file)).unwrap(), std::fs::read(b.path().join(file)).unwrap(), "{file}");
    }
}

#[test]
fn a_misspelt_service_field_is_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let text = rolling(2, 100, 200, "", "").replace("desiredCount", "desiredCont");
    let path = dir.path().join("s.toml");
    let err = Scenario::from_toml(&text, &path).unwrap_err().to_string();
    assert!(err.contains("service[0]") && err.contains("desiredCont"), "{err}");
    assert!(err.contains("desiredCount"), "no suggestion in: {err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20, ..ProptestConfig::default() })]

    /// Over random services, deployments and faults: a rolling deployment
    /// never has more tasks than maximumPercent allows, every task that
    /// stopped has a recorded stop (a stop code, one TASK_STOPPED event),
    /// and every task a service started is accounted for.
    #[test]
    fn no_task_is_lost_unrecorded_and_maximum_percent_holds(
        desired in 1_u32..9,
        min in prop_oneof![Just(0_u32), Just(50), Just(100)],
        max in prop_oneof![Just(100_u32), Just(125), Just(150), Just(200)],
        instances in 2_u32..7,
        failure in prop_oneof![Just(0.0), Just(0.3), Just(1.0)],
        mtbf_hours in prop_oneof![Just(0_u32), Just(2), Just(10)],
        crash_rate in prop_oneof![Just(0.0), Just(0.5)],
        outage in any::<bool>(),
        lb in any::<bool>(),
        seed in 0_u64..1000,
    ) {
        let min = if max == 100 && min == 100 { 50 } else { min };
        let mtbf = if mtbf_hours == 0 { String::new() } else { format!("instance_mtbf = \"{mtbf_hours}h\"") };
        let outage = if outage { "[[faults.az_outage]]\nzone = \"z-b\"\nstart = \"40m\"\nend = \"70m\"" } else { "" };
        let (lb, ports) = if lb {
            ("loadBalancers = [{ targetGroupArn = \"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a/1\", containerName = \"app\", containerPort = 80 }]",
             ", portMappings = [{ containerPort = 80, hostPort = 0 }]")
        } else { ("", "") };
        let text = format!(r#"
[simulation]
duration = "2h"
seed = {seed}
[cluster]
availability_zones = ["z-a", "z-b", "z-c"]
[[fleet]]
name = "f"
instance_types = ["t3.medium"]
count = {instances}
[[task_definition]]
family = "app"
containerDefinitions = [{{ name = "app", image = "app:1", cpu = 512, memory = 1024{ports} }}]
[[task_definition]]
family = "app"
revision = 2
containerDefinitions = [{{ name = "app", image = "app:2", cpu = 512, memory = 1024{ports} }}]
start_failure_probability = {failure}
[[service]]
serviceName = "app"
taskDefinition = "app:1"
desiredCount = {desired}
{lb}
deploymentConfiguration = {{ minimumHealthyPercent = {min}, maximumPercent = {max}, deploymentCircuitBreaker = {{ enable = true, rollback = true }} }}
[[events]]
at = "30m"
service = "app"
task_definition = "app:2"
[faults]
task_crash_rate = {crash_rate}
{mtbf}
{outage}
"#);
        let dir = tempfile::tempdir().unwrap();
        let summary = run_text_in(&text, dir.path());
        prop_assert_eq!(&summary.service_over_maximum, &vec![0]);
        let tasks = rows(dir.path(), "tasks.csv");
        let events = rows(dir.path(), "events.csv");
        let stops = events.iter().filter(|r| r["event"] == "TASK_STOPPED").count();
        let placed = events.iter().filter(|r| r["event"] == "TASK_PLACED").count();
        let ended: Vec<_> = tasks.iter().filter(|r| r["outcome"] != "unfinished").collect();
        prop_assert_eq!(stops, ended.len());
        prop_assert_eq!(placed, tasks.len());
        for row in &ended {
            prop_assert!(!row["stopped_s"].is_empty() && !row["reason"].is_empty(), "no recorded stop: {:?}", row);
        }
        let service = &rows(dir.path(), "services.csv")[0];
        prop_assert_eq!(service["tasks_started"].parse::<usize>().unwrap(), tasks.len());
        let lost = tasks.iter().filter(|r| r["outcome"] == "lost").count() as u64;
        prop_assert_eq!(lost, summary.tasks_lost_to_faults);
        let summary_rows = read_summary(dir.path());
        prop_assert!(summary_rows.contains_key("service_app_availability_pct"));
    }
}

#[test]
fn a_service_launches_at_most_250_tasks_a_minute_on_ec2() {
    let dir = tempfile::tempdir().unwrap();
    run_text_in(
        r#"
[simulation]
duration = "10m"
[[fleet]]
name = "f"
instance_types = ["m5.4xlarge"]
count = 60
[[task_definition]]
family = "app"
containerDefinitions = [{ name = "app", image = "app", cpu = 128, memory = 256 }]
[[service]]
serviceName = "app"
taskDefinition = "app"
desiredCount = 600
"#,
        dir.path(),
    );
    let starts: Vec<(f64, String)> = deployment_rows(dir.path(), "1")
        .into_iter()
        .filter(|r| r["event"] == "TASKS_CHANGED")
        .map(|r| (r["time_s"].parse().unwrap(), r["detail"].clone()))
        .collect();
    assert_eq!(starts[0].1, "started 250, stopped 0");
    assert_eq!(starts[1].1, "started 250, stopped 0");
    assert_eq!(starts[2].1, "started 100, stopped 0");
    assert!((starts[1].0 - starts[0].0 - 60.0).abs() < 1e-6, "{starts:?}");
}

#[test]
fn a_service_that_never_reaches_steady_state_reports_its_outage() {
    // Each task needs 1.5 vCPU but a t3.medium registers 2: one task per
    // instance, and there are 2 instances for 4 tasks.
    let dir = tempfile::tempdir().unwrap();
    let summary = run_text_in(
        r#"
[simulation]
duration = "1h"
[[fleet]]
name = "f"
instance_types = ["t3.medium"]
count = 2
[[task_definition]]
family = "app"
containerDefinitions = [{ name = "app", image = "app", cpu = 1536, memory = 512 }]
[[service]]
serviceName = "app"
taskDefinition = "app"
desiredCount = 4
"#,
        dir.path(),
    );
    let availability = summary.service_availability_pct[0];
    assert!(availability < 51.0 && availability > 40.0, "{availability}");
    let services = &rows(dir.path(), "services.csv")[0];
    assert!(services["placement_failures"].parse::<u32>().unwrap() > 0);
    assert_eq!(services["running_end"], "2");
}

#[test]
fn service_settings_ecs_rejects_are_rejected_with_the_field() {
    let base = rolling(2, 100, 200, "", "");
    let cases = [
        (
            base.replace("desiredCount = 2", "desiredCount = 2\ndeploymentController = { type = \"EXTERNAL\" }"),
            "deploymentController",
        ),
        (base.replace("desiredCount = 2", "desiredCount = 2\ntermination_wait = \"5m\""), "termination_wait"),
        (
            base.replace(
                "[[events]]\nat = \"10m\"\nservice = \"app\"\ntask_definition = \"app:2\"",
                "[[events]]\nat = \"10m\"\nservice = \"nope\"\ndesired_count = 3",
            ),
            "events[0].service",
        ),
    ];
    for (text, field) in cases {
        let dir = tempfile::tempdir().unwrap();
        let err = Scenario::from_toml(&text, &dir.path().join("s.toml")).unwrap_err().to_string();
        assert!(err.contains(field), "`{field}` not named in: {err}");
    }
    // An update to a definition the service's launch type cannot run.
    let fargate = r#"
[simulation]
duration = "1h"
[[task_definition]]
family = "app"
networkMode = "awsvpc"
requiresCompatibilities = ["FARGATE"]
cpu = "256"
memory = "512"
containerDefinitions = [{ name = "app", image = "app" }]
[[task_definition]]
family = "ec2only"
containerDefinitions = [{ name = "app", image = "app", cpu = 256, memory = 512 }]
[[service]]
serviceName = "app"
taskDefinition = "app"
desiredCount = 1
launchType = "FARGATE"
[[events]]
at = "5m"
service = "app"
task_definition = "ec2only"
"#;
    let dir = tempfile::tempdir().unwrap();
    let err = Scenario::from_toml(fargate, &dir.path().join("s.toml")).unwrap_err().to_string();
    assert!(err.contains("events[0].task_definition") && err.contains("FARGATE"), "{err}");
    let placed = fargate
        .replace("launchType = \"FARGATE\"", "launchType = \"FARGATE\"\nplacementStrategy = [{ type = \"random\" }]");
    let err = Scenario::from_toml(&placed, &dir.path().join("s.toml")).unwrap_err().to_string();
    assert!(err.contains("placementStrategy"), "{err}");
}
