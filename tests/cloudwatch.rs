//! CloudWatch `get-metric-data` and `get-metric-statistics` JSON as a
//! service's demand curve: end to end through a run, and the shared samples.

mod common;

use common::{rows, run_text_in};
use ecs_sim::engine::SimDuration;
use ecs_sim::scenario::Scenario;
use ecs_sim::traces::cloudwatch::{read_cloudwatch_series, CloudWatchSettings};
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    crate_dir().join("tests/fixtures/cloudwatch").join(name)
}

fn scenario(demand: &str) -> String {
    format!(
        r#"
[simulation]
duration = "30m"
seed = 3
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 3
[[task_definition]]
family = "web"
containerDefinitions = [{{ name = "web", image = "web:1", cpu = 256, memory = 512 }}]
[[service]]
serviceName = "web"
taskDefinition = "web:1"
desiredCount = 2
capacity_per_task = 1000
demand = {{ {demand} }}
"#
    )
}

/// The service's demand in service_timeseries.csv at each sample time (s).
fn demand_by_time(dir: &Path) -> Vec<(u64, f64)> {
    rows(dir, "service_timeseries.csv")
        .iter()
        .map(|r| (r["time_s"].parse::<f64>().unwrap() as u64, r["demand"].parse::<f64>().unwrap()))
        .collect()
}

#[test]
fn a_get_metric_data_file_drives_the_service_demand() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("requests-gmd.json"), dir.path().join("requests.json")).unwrap();
    run_text_in(&scenario("file = \"requests.json\", metric_id = \"requests\""), dir.path());
    let demand = demand_by_time(dir.path());
    assert!(demand.len() >= 30, "{} samples", demand.len());
    // Newest first in the file; points at 00:00, 00:10 and 00:15, so a
    // 5-minute period with the 00:05 period (no data) holding 30.
    for (t, value) in demand {
        let expected = match t {
            0..600 => 30.0,
            600..900 => 60.0,
            _ => 90.0,
        };
        assert_eq!(value, expected, "demand at {t} s");
    }
}

#[test]
fn a_get_metric_statistics_recording_drives_the_service_demand() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("cpu-gms-placebo.json"), dir.path().join("cpu.json")).unwrap();
    run_text_in(&scenario("file = \"cpu.json\", statistic = \"Maximum\", scale = 2.0, time_scale = 2.0"), dir.path());
    // Unordered datapoints at 00:00, 00:05, 00:10 (35, 50, 70), doubled,
    // played at half speed: 10 minutes per point.
    let demand = demand_by_time(dir.path());
    assert!(demand.len() >= 30, "{} samples", demand.len());
    assert!(demand.iter().any(|&(t, _)| t >= 1200), "the run reaches the third point");
    for (t, value) in demand {
        let expected = match t {
            0..600 => 70.0,
            600..1200 => 100.0,
            _ => 140.0,
        };
        assert_eq!(value, expected, "demand at {t} s");
    }
}

#[test]
fn an_ambiguous_or_mistaken_cloudwatch_demand_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("requests-gmd.json"), dir.path().join("requests.json")).unwrap();
    std::fs::copy(fixture("cpu-gms-placebo.json"), dir.path().join("cpu.json")).unwrap();
    let path = dir.path().join("scenario.toml");
    let error = |demand: &str| Scenario::from_toml(&scenario(demand), &path).expect_err(demand).to_string();
    let err = error("file = \"requests.json\"");
    assert!(err.contains("2 results") && err.contains("requests, errors"), "{err}");
    let err = error("file = \"cpu.json\"");
    assert!(err.contains("Average, Maximum") && err.contains("statistic"), "{err}");
    let err = error("file = \"cpu.json\", statistic = \"p99\"");
    assert!(err.contains("`p99` is not a CloudWatch statistic"), "{err}");
    let err = error("file = \"cpu.json\", column = \"x\"");
    assert!(err.contains("service[0].demand.column"), "{err}");
    let err = error("file = \"requests.json\", metric_id = \"latency\"");
    assert!(err.contains("no result with Id `latency`"), "{err}");
}

#[test]
fn the_shared_cloudwatch_samples_parse() {
    let base = crate_dir().join("../shared/aws-samples/cloudwatch");
    if !base.is_dir() {
        println!("skipped: {} is absent (the shared AWS samples are not here)", base.display());
        return;
    }
    let settings = CloudWatchSettings { statistic: None, metric_id: None, step: None, scale: 1.0, time_scale: 1.0 };
    let read =
        |name: &str| read_cloudwatch_series(&base.join(name), settings).unwrap_or_else(|e| panic!("{name}: {e}"));
    // One point: its value holds throughout.
    assert_eq!(read("01-gms-ecs-service-memory-c7n.json").values.len(), 1);
    assert_eq!(read("02-gms-elb-requestcount-c7n.json").values, [13417.0]);
    let days = read("03-gms-ec2-cpu-3-days-c7n.json");
    assert_eq!(days.step, SimDuration::from_secs(86_400));
    assert_eq!(days.values, [0.394728034997871, 0.3825404878776848, 0.3891556955496724]);
    let hours = read("05-gms-ec2-cpu-24h-awscli.json");
    assert_eq!(hours.step, SimDuration::from_secs(3600));
    assert!(hours.values.len() >= 23, "{}", hours.values.len());
    assert!(hours.values.iter().all(|v| (40.0..=80.0).contains(v)), "{:?}", hours.values);
    assert_eq!(read("04-gmd-bedrock-tokens-c7n.json").values, [15.0]);
    assert_eq!(read("06-gmd-ebs-iops-math-awscli.json").values.len(), 1);
    assert_eq!(read("07-gmd-billing-awscli.json").values.len(), 1);
}
