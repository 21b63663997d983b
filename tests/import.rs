//! `ecs-sim import`: a scenario that starts in a live cluster's state.
//!
//! The project's own dump is `scenarios/from-live-cluster/dump/` (written
//! for this project: an EC2 service on an Auto Scaling group capacity
//! provider, a Fargate service in the middle of a deployment, a standalone
//! task on an instance outside the group, and a stopped task). The real AWS
//! samples in `../shared/aws-samples/ecs-describe/` are read where present.

mod common;

use common::{rows, run_to_dir};
use ecs_sim::scenario::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ecs_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim")).args(args).current_dir(root()).output().unwrap()
}

fn import_into(dump: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", dump.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    ecs_sim(&args)
}

fn copy_dump(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(root().join("scenarios/from-live-cluster/dump")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The dump's running tasks: (task definition, instance or zone) → count.
fn dump_tasks(dump: &Path) -> BTreeMap<(String, String), usize> {
    let tasks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dump.join("tasks.json")).unwrap()).unwrap();
    let instances: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dump.join("container-instances.json")).unwrap()).unwrap();
    let id_of = |arn: &str| {
        instances["containerInstances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["containerInstanceArn"] == arn)
            .map(|i| i["ec2InstanceId"].as_str().unwrap().to_string())
            .unwrap()
    };
    let mut counts = BTreeMap::new();
    for task in tasks["tasks"].as_array().unwrap() {
        if task["lastStatus"] != "RUNNING" {
            continue;
        }
        let definition = task["taskDefinitionArn"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let place = match task["containerInstanceArn"].as_str() {
            Some(arn) => id_of(arn),
            None => task["availabilityZone"].as_str().unwrap().to_string(),
        };
        *counts.entry((definition, place)).or_default() += 1;
    }
    counts
}

/// What a run's tasks.csv shows of the tasks there from the start:
/// (task definition, instance or zone) → count.
fn adopted_tasks(out: &Path) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for task in rows(out, "tasks.csv").into_iter().filter(|t| t["submitted_s"] == "0.000") {
        let place = if task["instance_id"].is_empty() { &task["availability_zone"] } else { &task["instance_id"] };
        *counts.entry((task["task_definition"].clone(), place.clone())).or_default() += 1;
    }
    counts
}

#[test]
fn the_example_dump_imports_to_the_committed_scenario_byte_for_byte() {
    // Rerun with BLESS=1 to rewrite scenarios/from-live-cluster/scenario on purpose.
    let committed = root().join("scenarios/from-live-cluster/scenario");
    let bless = std::env::var_os("BLESS").is_some();
    let work = tempfile::tempdir().unwrap();
    let out = if bless { committed.clone() } else { work.path().join("scenario") };
    // The same command as the README's, so the header matches.
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["import", "scenarios/from-live-cluster/dump", "--out"])
        .arg(if bless { PathBuf::from("scenarios/from-live-cluster/scenario") } else { out.clone() })
        .current_dir(root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("imported cluster shop: 4 instances, 8 running tasks, 2 services, 1 capacity providers"),
        "{stdout}"
    );
    for file in [
        "scenario.toml",
        "services.json",
        "taskdefs/web-7.json",
        "taskdefs/api-12.json",
        "taskdefs/api-13.json",
        "taskdefs/nightly-report-3.json",
    ] {
        let got = std::fs::read_to_string(out.join(file)).unwrap();
        let want = std::fs::read_to_string(committed.join(file))
            .unwrap_or_else(|_| panic!("missing {file}; run BLESS=1 cargo test --release --test import"));
        let got = got.replace(&out.display().to_string(), "scenarios/from-live-cluster/scenario");
        assert_eq!(got, want, "{file} differs; if intended, run BLESS=1 cargo test --release --test import");
    }
}

#[test]
fn an_import_reproduces_the_instances_their_types_zones_and_tasks() {
    let dump = root().join("scenarios/from-live-cluster/dump");
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("scenario");
    let output = import_into(&dump, &out, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let scenario = Scenario::load(&out.join("scenario.toml")).unwrap();
    let listed: Vec<(String, String, String)> = scenario
        .fleets
        .iter()
        .flat_map(|f| &f.listed)
        .map(|i| (i.id.clone(), i.instance_type.name.clone(), scenario.availability_zones[i.availability_zone].clone()))
        .collect();
    assert_eq!(
        listed,
        [
            ("i-0a1b2c3d4e5f60004", "c5.xlarge", "us-east-1b"),
            ("i-0a1b2c3d4e5f60001", "m5.large", "us-east-1a"),
            ("i-0a1b2c3d4e5f60002", "m5.large", "us-east-1b"),
            ("i-0a1b2c3d4e5f60003", "m5.large", "us-east-1a"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    let total: u32 = scenario.fleets.iter().map(|f| f.count).sum();
    assert_eq!(total, 4, "no instance beyond the dump's");
    let group = scenario.fleets.iter().find(|f| f.name == "shop-asg-web").unwrap();
    assert_eq!(group.listed[0].registered, (2048, 7680), "registered resources as the agent reported them");
    let provider = &scenario.capacity_providers[0];
    assert_eq!((provider.name.as_str(), provider.min_size, provider.max_size), ("shop-asg", 2, 10));
    let scaling = provider.managed_scaling.unwrap();
    assert_eq!((scaling.target_capacity, scaling.maximum_scaling_step_size), (90, 10));
    assert_eq!(scenario.services.len(), 2);

    let run = work.path().join("run");
    run_to_dir(&scenario, &run).unwrap();
    assert_eq!(adopted_tasks(&run), dump_tasks(&dump), "every running task of the dump, where the dump has it");
}

#[test]
fn an_imported_cluster_run_unchanged_keeps_every_task_where_it_is_for_the_whole_run() {
    // The example dump with its Fargate deployment finished: nothing is left
    // for ECS to change.
    let work = tempfile::tempdir().unwrap();
    let dump = work.path().join("dump");
    copy_dump(&dump);
    let services = std::fs::read_to_string(dump.join("services.json")).unwrap();
    std::fs::write(
        dump.join("services.json"),
        services.replace("task-definition/api:13\"", "task-definition/api:12\""),
    )
    .unwrap();
    let out = work.path().join("scenario");
    let output = import_into(&dump, &out, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(!text.contains("[[events]]"), "no deployment to go on:\n{text}");
    let scenario = Scenario::load(&out.join("scenario.toml")).unwrap();
    let run = work.path().join("run");
    run_to_dir(&scenario, &run).unwrap();
    let tasks = rows(&run, "tasks.csv");
    assert_eq!(tasks.len(), 8, "no task started beyond the dump's");
    for task in &tasks {
        assert_eq!(task["submitted_s"], "0.000");
        assert_eq!(task["started_s"], "0.000", "running from the start: {task:?}");
        assert_eq!(task["stopped_s"], "", "still running at the end: {task:?}");
        assert_eq!(task["last_status"], "RUNNING");
    }
    assert_eq!(adopted_tasks(&run), dump_tasks(&dump));
    let events = rows(&run, "events.csv");
    assert!(!events.iter().any(|e| e["event"] == "TASK_PLACED" || e["event"] == "TASK_STOPPED"), "nothing moved");
    let services = rows(&run, "services.csv");
    for service in services {
        assert_eq!(service["availability_pct"], "100.0000", "{service:?}");
    }
}

#[test]
fn a_deployment_in_progress_in_the_dump_goes_on_from_time_zero() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("scenario");
    let output = import_into(&root().join("scenarios/from-live-cluster/dump"), &out, &[]);
    assert!(output.status.success());
    let scenario = Scenario::load(&out.join("scenario.toml")).unwrap();
    let run = work.path().join("run");
    run_to_dir(&scenario, &run).unwrap();
    let deployments = rows(&run, "deployments.csv");
    let api: Vec<_> = deployments.iter().filter(|d| d["service"] == "api").collect();
    assert!(api.iter().any(|d| d["task_definition"] == "api:13" && d["event"] == "COMPLETED"), "{api:?}");
    let tasks = rows(&run, "tasks.csv");
    let old: Vec<_> = tasks.iter().filter(|t| t["task_definition"] == "api:12").collect();
    assert_eq!(old.len(), 2);
    assert!(old.iter().all(|t| t["outcome"] == "replaced"), "{old:?}");
    let web: Vec<_> = tasks.iter().filter(|t| t["task_definition"] == "web:7").collect();
    assert!(web.iter().all(|t| t["stopped_s"].is_empty() && t["submitted_s"] == "0.000"), "web is untouched");
}

/// An hour on one fleet of one listed instance, `i-0123`.
const ONE_LISTED_INSTANCE: &str = r#"
[simulation]
duration = "1h"
[[fleet]]
name = "f"
instance_types = ["m5.large"]
count = 1
[[fleet.instances]]
id = "i-0123"
instance_type = "m5.large"
availability_zone = "us-east-1a"
"#;

#[test]
fn a_task_that_does_not_fit_its_instance_is_an_input_error() {
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("s.toml");
    std::fs::write(
        &path,
        ONE_LISTED_INSTANCE.to_string()
            + r#"[[task_definition]]
family = "big"
containerDefinitions = [{ name = "c", image = "x", cpu = 1024, memory = 4096 }]
[[workload]]
name = "w"
run_task = { taskDefinition = "big" }
[[running_task]]
workload = "w"
instance = "i-0123"
count = 2
"#,
    )
    .unwrap();
    let out = work.path().join("out");
    let output = ecs_sim(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("running_task[0]") && stderr.contains("does not fit on i-0123"), "{stderr}");
    assert!(!out.exists(), "no partial results folder");
}

#[test]
fn running_tasks_are_checked_against_what_they_name() {
    let base = &(ONE_LISTED_INSTANCE.to_string()
        + r#"[[task_definition]]
family = "web"
containerDefinitions = [{ name = "c", image = "x", cpu = 256, memory = 512 }]
[[service]]
serviceName = "web"
taskDefinition = "web"
desiredCount = 1
launchType = "EC2"
"#);
    let cases = [
        (
            "[[running_task]]\nservice = \"web\"\ninstance = \"i-9999\"\n",
            "running_task[0].instance",
            "no listed instance `i-9999`",
        ),
        ("[[running_task]]\nservice = \"api\"\ninstance = \"i-0123\"\n", "running_task[0].service", "no service `api`"),
        ("[[running_task]]\ninstance = \"i-0123\"\n", "running_task[0]", "name exactly one owner"),
        ("[[running_task]]\nservice = \"web\"\n", "running_task[0]", "say where the tasks run"),
        (
            "[[running_task]]\nservice = \"web\"\navailability_zone = \"us-east-1a\"\n",
            "running_task[0].availability_zone",
            "the tasks run on EC2",
        ),
        (
            "[[running_task]]\nservice = \"web\"\ninstance = \"i-0123\"\nrun_for = \"1h\"\n",
            "running_task[0].run_for",
            "run until it stops them",
        ),
        (
            "[[running_task]]\nservice = \"web\"\ninstance = \"i-0123\"\ncount = 0\n",
            "running_task[0].count",
            "at least one",
        ),
    ];
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("s.toml");
    for (extra, field, message) in cases {
        let text = format!("{base}{extra}");
        let err = Scenario::from_toml(&text, &path).expect_err(extra).to_string();
        assert!(err.contains(field) && err.contains(message), "{extra}: {err}");
    }
    let listed_twice = base.replace("[[task_definition]]", "[[fleet.instances]]\nid = \"i-0123\"\ninstance_type = \"m5.large\"\navailability_zone = \"us-east-1b\"\n[[task_definition]]");
    let err = Scenario::from_toml(&listed_twice, &path).unwrap_err().to_string();
    assert!(err.contains("listed twice") || err.contains("lists 2 instances but counts 1"), "{err}");
}

#[test]
fn bad_dumps_are_refused_with_the_file_and_the_fix() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("scenario");
    let empty = work.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let cases: [(&str, &str, &str); 4] = [
        ("", "no .json file", "save each command's output"),
        ("{\"tasks\": [\n  {\"taskArn\": \"a\",}\n]}", "not JSON", "line 2"),
        ("{\"Reservations\": []}", "not an output this import reads", "expected one of"),
        (
            "{\"clusters\": [{\"clusterName\": \"a\"}, {\"clusterName\": \"b\"}]}",
            "describes 2 clusters (a, b)",
            "--cluster NAME",
        ),
    ];
    for (k, (contents, message, help)) in cases.into_iter().enumerate() {
        let dump = work.path().join(format!("dump{k}"));
        std::fs::create_dir_all(&dump).unwrap();
        if !contents.is_empty() {
            std::fs::write(dump.join("out.json"), contents).unwrap();
        }
        let output = import_into(&dump, &out, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(message) && stderr.contains(help), "case {k}: {stderr}");
        assert!(!out.exists(), "nothing written on a bad dump");
    }
    let output = import_into(&root().join("scenarios/from-live-cluster/dump"), &out, &["--cluster", "other"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no cluster `other` (it has shop)"));
}

/// `../shared/aws-samples/ecs-describe`, or None with the reason printed.
fn samples() -> Option<PathBuf> {
    let dir = root().join("../shared/aws-samples/ecs-describe");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent (the shared AWS samples)", dir.display());
        None
    }
}

fn dump_of(samples: &Path, files: &[&str], into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    for file in files {
        std::fs::copy(samples.join(file), into.join(file)).unwrap();
    }
}

#[test]
fn real_describe_outputs_import_with_their_instances_types_and_zones() {
    let Some(samples) = samples() else { return };
    let work = tempfile::tempdir().unwrap();
    // (files, flags, listed instances as id, type, zone)
    type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [(&'a str, &'a str, &'a str)]);
    let cases: [Case; 3] = [
        // cloud-custodian recordings: describe-clusters (two clusters) and one t2.micro.
        (
            &["01-container-instances-c7n-t2micro.json", "10-clusters-c7n-two-ec2-clusters.json"],
            &["--cluster", "c7n-success"],
            &[("i-017dc2df46511d9b8", "t2.micro", "us-east-1c")],
        ),
        // The AWS CLI's c5.large in us-west-2, DRAINING with two tasks that the page does not describe.
        (
            &["04-container-instances-awscli-update-state-c5large.json"],
            &["--prices", "PRICES"],
            &[("i-013d87ffbb4d513bf", "c5.large", "us-west-2c")],
        ),
        // The same call after the instance was set to DRAINING (placebo, 2018).
        (&["02-container-instances-c7n-draining.json"], &[], &[("i-0e172d4548d312ee0", "t2.micro", "us-east-1d")]),
    ];
    // A price file for us-west-2 (the c5.large's figure is illustrative).
    let prices = work.path().join("us-west-2.csv");
    std::fs::write(&prices, "region,kind,name,usd_per_hour,vcpu,memory_mib\nus-west-2,ec2,c5.large,0.0912,2,4096\n")
        .unwrap();
    for (k, (files, extra, want)) in cases.into_iter().enumerate() {
        let dump = work.path().join(format!("dump{k}"));
        dump_of(&samples, files, &dump);
        let out = work.path().join(format!("scenario{k}"));
        let extra: Vec<&str> =
            extra.iter().map(|a| if *a == "PRICES" { prices.to_str().unwrap() } else { a }).collect();
        if extra.contains(&"--prices") {
            let refused = import_into(&dump, &out, &[]);
            let stderr = String::from_utf8_lossy(&refused.stderr);
            assert_eq!(refused.status.code(), Some(2), "{stderr}");
            assert!(
                stderr.contains("the cluster is in us-west-2") && stderr.contains("ecs-sim prices import"),
                "{stderr}"
            );
            assert!(!out.exists());
        }
        let output = import_into(&dump, &out, &extra);
        assert!(output.status.success(), "{files:?}: {}", String::from_utf8_lossy(&output.stderr));
        let scenario = Scenario::load(&out.join("scenario.toml")).unwrap();
        let listed: Vec<(String, String, String)> = scenario
            .fleets
            .iter()
            .flat_map(|f| &f.listed)
            .map(|i| {
                (i.id.clone(), i.instance_type.name.clone(), scenario.availability_zones[i.availability_zone].clone())
            })
            .collect();
        let want: Vec<(String, String, String)> =
            want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
        assert_eq!(listed, want, "{files:?}");
        if extra.contains(&"--prices") {
            assert_eq!(
                scenario.fleets[0].listed[0].instance_type.price_per_hour, 0.0912,
                "billed at the region's price"
            );
        }
    }
}

#[test]
fn real_fargate_tasks_and_services_import_and_run_where_they_are() {
    let Some(samples) = samples() else { return };
    let work = tempfile::tempdir().unwrap();
    let dump = work.path().join("dump");
    dump_of(
        &samples,
        &["33-tasks-c7n-fargate-four.json", "40-services-c7n-two-fargate-events.json", "34-list-tasks-c7n.json"],
        &dump,
    );
    let out = work.path().join("scenario");
    let output = import_into(&dump, &out, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let scenario = Scenario::load(&out.join("scenario.toml")).unwrap();
    assert_eq!(scenario.services.len(), 2, "both services of the recording");
    let adopted: u32 = scenario.running_tasks.iter().map(|r| r.count).sum();
    assert_eq!(adopted, 4, "the four RUNNING tasks");
    let run = work.path().join("run");
    run_to_dir(&scenario, &run).unwrap();
    let from_start = rows(&run, "tasks.csv").into_iter().filter(|t| t["submitted_s"] == "0.000").count();
    assert_eq!(from_start, 4);
}
