//! Cost allocation by tag (`costs_by_tag.csv`, src/output/tags.rs): the
//! services' cost split by the tags their tasks carry under `propagateTags`,
//! checked against figures worked by hand.

use std::path::Path;
use std::process::{Command, Output};

/// Three Fargate services of one task definition (1 vCPU, 2 GB: $0.04048 +
/// 2 × $0.004445 = $0.04937 an hour at the us-east-1 prices), billed from
/// t = 0 (no ENI attach time) for the whole hour, and an EC2 service whose
/// one 1024-CPU task holds half of the one m5.large ($0.096) all hour:
/// cost share $0.048.
/// - checkout: 2 tasks, propagateTags SERVICE, team=checkout: $0.09874;
/// - search: 1 task, TASK_DEFINITION: the task definition's team=search and
///   env=prod (the service's own team tag is not propagated): $0.04937;
/// - batch: 1 task, propagateTags left out (NONE): untagged, $0.04937;
/// - web: TASK_DEFINITION, its task definition's team=checkout: $0.048.
const SCENARIO: &str = r#"
[simulation]
duration = "1h"
service_scheduler_delay = "0s"
[timing]
awsvpc_eni_attach = { dist = "fixed", value = "0s" }

[[fleet]]
name = "web"
instance_types = ["m5.large"]
count = 1

[[task_definition]]
family = "api"
networkMode = "awsvpc"
requiresCompatibilities = ["FARGATE"]
cpu = "1024"
memory = "2048"
containerDefinitions = [{ name = "api", image = "example/api" }]
tags = [{ key = "team", value = "search" }, { key = "env", value = "prod" }]

[[task_definition]]
file = "web.json"

[[service]]
serviceName = "checkout"
taskDefinition = "api"
desiredCount = 2
launchType = "FARGATE"
propagateTags = "SERVICE"
tags = [{ key = "team", value = "checkout" }]

[[service]]
serviceName = "search"
taskDefinition = "api"
desiredCount = 1
launchType = "FARGATE"
propagateTags = "TASK_DEFINITION"
tags = [{ key = "team", value = "not-propagated" }]

[[service]]
serviceName = "batch"
taskDefinition = "api"
desiredCount = 1
launchType = "FARGATE"
tags = [{ key = "team", value = "checkout" }]

[[service]]
serviceName = "web"
taskDefinition = "web"
desiredCount = 1
launchType = "EC2"
propagateTags = "TASK_DEFINITION"
"#;

/// describe-task-definition output, whose tags sit beside `taskDefinition`.
const WEB_JSON: &str = r#"{
  "taskDefinition": {
    "family": "web",
    "requiresCompatibilities": ["EC2"],
    "containerDefinitions": [{ "name": "web", "image": "example/web", "cpu": 1024, "memory": 2048 }]
  },
  "tags": [{ "key": "team", "value": "checkout" }]
}"#;

fn ecs_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim")).args(args).output().unwrap()
}

fn run(dir: &Path, scenario: &str) -> Output {
    std::fs::write(dir.join("web.json"), WEB_JSON).unwrap();
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    let out = dir.join("out");
    ecs_sim(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
}

#[test]
fn costs_by_tag_split_the_services_cost_as_their_tasks_are_tagged() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), SCENARIO);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(dir.path().join("out/costs_by_tag.csv")).unwrap();
    let expected = "\
tag_key,tag_value,tagged,services,cost_usd
env,prod,true,1,0.049370
env,,false,3,0.196110
team,checkout,true,2,0.146740
team,search,true,1,0.049370
team,,false,1,0.049370
";
    // env: search $0.04937; untagged checkout + batch + web = 0.09874 +
    // 0.04937 + 0.048. team=checkout: checkout + web = 0.09874 + 0.048.
    assert_eq!(text, expected);
}

#[test]
fn without_tags_no_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let untagged: String = SCENARIO.lines().filter(|l| !l.starts_with("tags = ")).collect::<Vec<_>>().join("\n");
    std::fs::write(dir.path().join("web.json"), WEB_JSON.replace(r#"{ "key": "team", "value": "checkout" }"#, ""))
        .unwrap();
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, untagged).unwrap();
    let out = dir.path().join("out");
    let output = ecs_sim(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(out.join("services.csv").exists());
    assert!(!out.join("costs_by_tag.csv").exists());
}

#[test]
fn with_commitments_the_file_adds_the_net_cost() {
    // A regional RI for the m5.large at $0.06: the web service's share of the
    // EC2 cost, net, is half of $0.06.
    let dir = tempfile::tempdir().unwrap();
    let scenario = format!(
        "{SCENARIO}
[[commitments.reserved_instance]]
instance_type = \"m5.large\"
count = 1
effective_hourly_usd = 0.06
"
    );
    let output = run(dir.path(), &scenario);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(dir.path().join("out/costs_by_tag.csv")).unwrap();
    assert!(text.starts_with("tag_key,tag_value,tagged,services,cost_usd,net_cost_usd\n"), "{text}");
    assert!(text.contains("team,checkout,true,2,0.146740,0.128740\n"), "{text}");
}

#[test]
fn bad_tags_are_input_errors() {
    for (from, to, needle) in [
        ("propagateTags = \"SERVICE\"", "propagateTags = \"TASKS\"", "is not SERVICE, TASK_DEFINITION or NONE"),
        (
            "tags = [{ key = \"team\", value = \"checkout\" }]",
            "tags = [{ key = \"team\", value = \"a\" }, { key = \"team\", value = \"b\" }]",
            "tag key `team` is given twice",
        ),
        (
            "tags = [{ key = \"team\", value = \"search\" }",
            "tags = [{ key = \"\", value = \"search\" }",
            "1 to 128 characters",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        assert!(SCENARIO.contains(from), "{from}");
        let output = run(dir.path(), &SCENARIO.replacen(from, to, 1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle) && stderr.contains("scenario.toml"), "`{needle}` not in: {stderr}");
    }
}
