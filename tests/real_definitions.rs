//! Task and service definitions as people have them: the conventions ECS
//! accepts that its API text does not spell out, and messages that say what
//! to fix. Every fixture is written here, for this project.

use ecs_sim::scenario::service_spec::ServiceLaunch;
use ecs_sim::scenario::Scenario;

/// A scenario with one fleet and the given sections, with `files` written
/// beside it; returns the load result as text on error.
fn load(sections: &str, files: &[(&str, &[u8])]) -> Result<Scenario, String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    let text = format!(
        "[simulation]\nduration = \"1h\"\n[[fleet]]\nname = \"f\"\ninstance_types = [\"m5.large\"]\ncount = 1\n{sections}"
    );
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    Scenario::load(&path).map_err(|e| e.to_string())
}

fn taskdef_file(json: &str) -> Result<Scenario, String> {
    load("[[task_definition]]\nfile = \"td.json\"\n", &[("td.json", json.as_bytes())])
}

#[test]
fn memory_equal_to_memory_reservation_is_valid_as_ecs_registers_it() {
    let scenario = taskdef_file(
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 512, "memoryReservation": 512}]}"#,
    )
    .unwrap();
    assert_eq!(scenario.task_definitions[0].memory_mib, 512);
    let err = taskdef_file(
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 256, "memoryReservation": 512}]}"#,
    )
    .unwrap_err();
    assert!(err.contains("`memory` (256) must be at least `memoryReservation` (512)"), "{err}");
}

#[test]
fn awsvpc_host_ports_must_match_their_container_ports() {
    let def = |mapping: &str| {
        format!(
            r#"{{"family": "api", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
                "containerDefinitions": [{{"name": "api", "image": "x", "portMappings": [{mapping}]}}]}}"#
        )
    };
    let err = taskdef_file(&def(r#"{"containerPort": 3000, "hostPort": 8080}"#)).unwrap_err();
    assert!(
        err.contains("When networkMode=awsvpc, the host ports and container ports in port mappings must match"),
        "ECS's own message: {err}"
    );
    assert!(err.contains("line 2, field `hostPort`"), "{err}");
    for same in [
        r#"{"containerPort": 3000, "hostPort": 3000}"#,
        r#"{"containerPort": 3000, "hostPort": 0}"#,
        r#"{"containerPort": 3000}"#,
    ] {
        taskdef_file(&def(same)).unwrap_or_else(|e| panic!("{same}: {e}"));
    }
}

#[test]
fn empty_strings_for_enums_mean_unset() {
    let scenario = load(
        "[[task_definition]]\nfile = \"td.json\"\n[[service]]\nfile = \"svc.json\"\n",
        &[
            (
                "td.json",
                br#"{"family": "web", "networkMode": "", "requiresCompatibilities": [""],
                     "runtimePlatform": {"cpuArchitecture": "", "operatingSystemFamily": ""},
                     "containerDefinitions": [{"name": "web", "image": "x", "memory": 256,
                                               "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": ""}]}]}"#,
            ),
            (
                "svc.json",
                br#"{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1, "launchType": "",
                     "schedulingStrategy": "", "availabilityZoneRebalancing": ""}"#,
            ),
        ],
    )
    .unwrap();
    let def = &scenario.task_definitions[0];
    assert_eq!(format!("{:?}", def.network_mode), "Bridge", "\"\" is the default, bridge");
    assert_eq!(def.host_ports.len(), 1);
    assert!(!scenario.services[0].is_daemon());
    assert!(matches!(scenario.services[0].launch, ServiceLaunch::LaunchType(_)), "\"\" launchType is the default");
}

#[test]
fn a_service_fragment_is_completed_by_the_keys_beside_its_file() {
    // An ecspresso-style file: no serviceName, no taskDefinition.
    let fragment: &[u8] = br#"{"desiredCount": 2, "launchType": "EC2",
        "deploymentConfiguration": {"maximumPercent": 150, "minimumHealthyPercent": 50}}"#;
    let taskdef: &[u8] =
        br#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "x", "memory": 256}]}"#;
    let scenario = load(
        "[[task_definition]]\nfile = \"td.json\"\n[[service]]\nfile = \"svc.json\"\nserviceName = \"web\"\ntaskDefinition = \"web\"\ndesiredCount = 4\ncapacity_per_task = 10\n",
        &[("td.json", taskdef), ("svc.json", fragment)],
    )
    .unwrap();
    let service = &scenario.services[0];
    assert_eq!(service.def.name, "web", "filled in");
    assert_eq!(service.def.desired_count, Some(4), "the scenario's key replaces the file's");
    assert_eq!(service.def.deployment.maximum_percent, 150, "the file's other keys stay");
    assert_eq!(service.capacity_per_task, 10.0, "the simulator's keys still sit beside");
    let err = load(
        "[[task_definition]]\nfile = \"td.json\"\n[[service]]\nfile = \"svc.json\"\n",
        &[("td.json", taskdef), ("svc.json", fragment)],
    )
    .unwrap_err();
    assert!(err.contains("serviceName"), "without the keys it is still incomplete: {err}");
}

#[test]
fn containers_asking_more_cpu_than_the_task_are_rejected() {
    let err = taskdef_file(
        r#"{"family": "web", "cpu": "512", "memory": "1024", "containerDefinitions": [
            {"name": "a", "image": "x", "cpu": 256}, {"name": "b", "image": "x", "cpu": 512}]}"#,
    )
    .unwrap_err();
    assert!(err.contains("containers reserve 768 CPU units, more than the task-level `cpu` of 512"), "{err}");
}

#[test]
fn a_file_reports_all_its_problems_in_one_run() {
    let err = taskdef_file(
        "{\"family\": \"web\",\n\"networkMode\": \"bridges\",\n\"cpu\": \"256\",\n\"containerDefinitions\": [\n\
         {\"name\": \"a\", \"image\": \"x\", \"cpu\": 512, \"memory\": 100, \"memoryReservation\": 200,\n\
         \"healthCheck\": {\"command\": [\"CMD\"], \"interval\": 1}}],\n\
         \"placementConstraints\": [{\"type\": \"distinctInstance\"}]}",
    )
    .unwrap_err();
    for part in [
        "5 problems",
        "line 2, field `networkMode`",
        "`memory` (100) must be at least `memoryReservation` (200)",
        "interval` 1 must be 5 to 300",
        "containers reserve 512 CPU units",
        "type `distinctInstance` is not allowed",
    ] {
        assert!(err.contains(part), "missing `{part}` in:\n{err}");
    }
}

#[test]
fn json_errors_say_what_to_fix() {
    let comment = taskdef_file("{\n  // the web tier\n  \"family\": \"web\"\n}").unwrap_err();
    assert!(comment.contains("line 2, column 3: JSON does not allow comments"), "{comment}");

    let typed = taskdef_file(
        "{\"family\": \"web\", \"containerDefinitions\": [{\"name\": \"a\", \"memory\": 128,\n \"portMappings\": [{\"containerPort\": \"3000\"}]}]}",
    )
    .unwrap_err();
    assert!(typed.contains("`containerPort` must be an integer, found the string \"3000\""), "{typed}");
    assert!(typed.contains("line 2"), "{typed}");

    let unknown = taskdef_file(
        "{\"family\": \"web\", \"containerDefinitions\": [{\"name\": \"a\", \"memory\": 128,\n \"portMapping\": []}]}",
    )
    .unwrap_err();
    assert!(
        unknown.contains("unknown field `portMapping`") && unknown.contains("did you mean `portMappings`?"),
        "{unknown}"
    );
    assert!(unknown.contains("docs/scenario.md"), "points to the docs: {unknown}");
    assert!(!unknown.contains("firelensConfiguration"), "no list of every key: {unknown}");

    let bytes: &[u8] = b"{\"family\": \"web\",\n\"containerDefinitions\": [{\"name\": \"caf\xe9\", \"memory\": 128}]}";
    let latin1 = load("[[task_definition]]\nfile = \"td.json\"\n", &[("td.json", bytes)]).unwrap_err();
    assert!(latin1.contains("line 2: byte 0xe9 is not UTF-8"), "{latin1}");
}

#[test]
fn a_service_file_reports_all_its_problems_in_one_run() {
    let taskdef: &[u8] =
        br#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "x", "memory": 256}]}"#;
    let service: &[u8] = b"{\"serviceName\": \"web\",\n\"taskDefinition\": \"web\",\n\"launchType\": \"EC3\",\n\
        \"schedulingStrategy\": \"REPLICAS\",\n\"placementStrategy\": [{\"type\": \"spread\"}, {\"type\": \"spread\"}, \
        {\"type\": \"spread\"}, {\"type\": \"spread\"}, {\"type\": \"spread\"}, {\"type\": \"spread\"}],\n\
        \"deploymentConfiguration\": {\"maximumPercent\": 50}}";
    let err = load(
        "[[task_definition]]\nfile = \"td.json\"\n[[service]]\nfile = \"svc.json\"\n",
        &[("td.json", taskdef), ("svc.json", service)],
    )
    .unwrap_err();
    for part in [
        "problems",
        "line 3, field `launchType`",
        "line 4, field `schedulingStrategy`",
        "has 6 items; ECS allows at most 5",
        "desiredCount",
        "maximumPercent",
    ] {
        assert!(err.contains(part), "missing `{part}` in:\n{err}");
    }
}
