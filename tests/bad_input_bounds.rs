//! Issue 15, "nothing lost, nothing runaway": sizes beyond ECS's quotas or
//! the work budget, numbers that are not finite or out of their domain,
//! unknown keys in nested tables, directories where files belong, and
//! values too long to echo. Each is rejected through the binary with exit
//! code 2, the field (or option, or line) named in stderr, and no output
//! folder left behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small valid scenario; tests change one thing in it at a time.
const BASE: &str = r#"name = "base"

[simulation]
duration = "1h"
seed = 3

[[fleet]]
name = "main"
instance_types = ["m5.large"]
count = 2

[[task_definition]]
family = "app"
containerDefinitions = [{ name = "app", cpu = 256, memory = 512 }]

[[workload]]
name = "steady"
[workload.run_task]
taskDefinition = "app"
[workload.synthetic]
arrival = { process = "fixed", interval = "1m" }
run_duration = { dist = "uniform", min = "1m", max = "5m" }
"#;

/// A valid scenario whose only workload replays `trace.csv` (native format).
const TRACED: &str = r#"name = "traced"

[simulation]
duration = "1h"

[[fleet]]
name = "main"
instance_types = ["m5.large"]
count = 2

[[task_definition]]
family = "app"
containerDefinitions = [{ name = "app", cpu = 256, memory = 512 }]

[[workload]]
name = "replay"
trace = "trace.csv"
[workload.run_task]
taskDefinition = "app"
"#;

/// `BASE` with a service behind a target group, with auto scaling.
const SERVICE: &str = r#"
[[service]]
serviceName = "web"
taskDefinition = "app"
desiredCount = 2
loadBalancers = [{ targetGroupArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1", containerName = "app", containerPort = 80 }]
capacity_per_task = 10
demand = { constant = 15 }
[service.target_group]
deregistration_delay = "30s"
[service.auto_scaling]
min_capacity = 1
max_capacity = 4
[[service.auto_scaling.target_tracking]]
metric = "cpu"
target = 50
"#;

/// An Alibaba 2018 workload over `batch.csv`, to append to `BASE`.
const ALIBABA: &str = r#"
[[workload]]
name = "batch"
trace = "batch.csv"
trace_format = "alibaba2018"
trace_machine = { vcpu = 96, memory_gib = 384 }
[workload.run_task]
taskDefinition = "app"
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// `text` with `from` replaced by `to` (which must be in it).
fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the scenario has no `{from}`");
    text.replacen(from, to, 1)
}

fn base_with(from: &str, to: &str) -> String {
    with(BASE, from, to)
}

fn ecs_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the ecs-sim binary should start")
}

/// Exit 2, `error:` first, no panic, every needle in stderr, and a bounded
/// stderr. Returns stderr.
fn assert_rejected(output: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "expected exit code 2; stderr:\n{stderr}");
    assert!(stderr.starts_with("error:"), "stderr should start with `error:`:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.len() < 5_000, "stderr is {} bytes long", stderr.len());
    for needle in needles {
        assert!(stderr.contains(needle), "stderr lacks `{needle}`:\n{stderr}");
    }
    stderr
}

/// `ecs-sim run <path> --out <dir>/out` (plus `extra` flags) must be
/// rejected naming `needles`, and leave no output folder.
fn run_rejects(path: &Path, extra: &[&str], needles: &[&str]) -> String {
    let out = path.parent().unwrap().join("out");
    let mut args = vec!["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"];
    args.extend(extra);
    let stderr = assert_rejected(&ecs_sim(&args), needles);
    assert!(!out.exists(), "{} was left behind", out.display());
    stderr
}

/// Both `validate` and `run` reject the scenario text naming `needles`.
fn rejects(text: &str, needles: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.toml", text);
    assert_rejected(&ecs_sim(&["validate", path.to_str().unwrap()]), needles);
    run_rejects(&path, &[], needles)
}

/// `run` rejects a scenario that validates: the problem is found as the run
/// reads its trace (`trace` is written to `trace_name`).
fn run_time_rejects(text: &str, trace_name: &str, trace: &str, extra: &[&str], needles: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), trace_name, trace);
    let path = write(dir.path(), "s.toml", text);
    run_rejects(&path, extra, needles)
}

fn validates(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.toml", text);
    let output = ecs_sim(&["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

// Runaway sizes: ECS's quotas and the work budget.

#[test]
fn the_base_scenarios_are_valid() {
    validates(BASE);
    validates(&format!("{BASE}{SERVICE}"));
}

#[test]
fn a_fleet_count_of_4e9_is_refused() {
    rejects(&base_with("count = 2", "count = 4e9"), &["line 10", "key `count`", "4000000000"]);
}

#[test]
fn a_fleet_of_4_billion_instances_is_beyond_the_quota() {
    rejects(
        &base_with("count = 2", "count = 4000000000"),
        &["field `fleet[0].count`", "quota of 5000", "allow_beyond_quotas"],
    );
}

#[test]
fn five_thousand_and_one_instances_are_beyond_the_quota_unless_allowed() {
    let text = base_with("count = 2", "count = 5001");
    rejects(&text, &["fleet[0].count", "5001 container instances", "allow_beyond_quotas = true"]);
    validates(&with(&text, "seed = 3", "seed = 3\nallow_beyond_quotas = true"));
}

#[test]
fn instances_beyond_the_quota_count_across_fleets() {
    let second = "\n[[fleet]]\nname = \"more\"\ninstance_types = [\"m5.large\"]\ncount = 4000\n";
    let text = base_with("count = 2", "count = 1001")
        .replace("[[task_definition]]", &format!("{second}\n[[task_definition]]"));
    rejects(&text, &["fleet[1].count", "5001 container instances"]);
}

#[test]
fn allowed_beyond_quotas_a_huge_fleet_is_beyond_the_work_budget() {
    let text = base_with("count = 2", "count = 1000000000").replace("seed = 3", "seed = 3\nallow_beyond_quotas = true");
    rejects(&text, &["field `fleet[0].count`", "--max-events", "budget of 2000000000"]);
}

#[test]
fn a_capacity_provider_beyond_the_quota() {
    let provider = "\n[[capacity_provider]]\nname = \"asg\"\nfleet = \"main\"\nmax_size = 6000\n";
    rejects(&format!("{BASE}{provider}"), &["capacity_provider[0].max_size", "6000 container instances"]);
}

#[test]
fn a_desired_count_beyond_the_quota() {
    let text = format!("{BASE}{}", with(SERVICE, "desiredCount = 2", "desiredCount = 5001"));
    rejects(&text, &["service[0].desiredCount", "5000 tasks per service"]);
}

#[test]
fn an_auto_scaling_maximum_beyond_the_quota() {
    let text = format!("{BASE}{}", with(SERVICE, "max_capacity = 4", "max_capacity = 20000"));
    rejects(&text, &["service[0].auto_scaling.max_capacity", "20000 tasks"]);
}

#[test]
fn an_update_service_event_beyond_the_quota() {
    let event = "\n[[events]]\nat = \"30m\"\nservice = \"web\"\ndesired_count = 9000\n";
    rejects(&format!("{BASE}{SERVICE}{event}"), &["events[0].desired_count", "9000"]);
}

#[test]
fn more_services_than_the_quota() {
    let mut text = BASE.to_string();
    for i in 0..5001 {
        text += &format!("\n[[service]]\nserviceName = \"s{i}\"\ntaskDefinition = \"app\"\ndesiredCount = 0\n");
    }
    rejects(&text, &["field `service[5000]`", "5001 services", "5000 services per cluster"]);
}

#[test]
fn a_duration_of_ten_million_days_is_beyond_the_work_budget() {
    rejects(&base_with("duration = \"1h\"", "duration = \"10000000d\""), &["simulation.duration", "--max-events"]);
}

#[test]
fn samples_alone_can_exceed_the_budget() {
    let text = base_with("duration = \"1h\"", "duration = \"100000d\"\nsample_interval = \"1s\"")
        .replace("interval = \"1m\"", "interval = \"1000d\"");
    rejects(&text, &["field `simulation.duration`", "samples, one every 1s", "--max-events"]);
}

#[test]
fn a_rate_of_1e12_per_minute_is_beyond_the_work_budget() {
    let text = base_with("process = \"fixed\", interval = \"1m\"", "process = \"poisson\", rate_per_minute = 1e12");
    rejects(&text, &["field `workload[0].synthetic.arrival.rate_per_minute`", "--max-events N"]);
}

#[test]
fn a_small_budget_flag_refuses_the_base_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.toml", BASE);
    assert_rejected(&ecs_sim(&["validate", path.to_str().unwrap(), "--max-events", "50"]), &["budget of 50"]);
    run_rejects(&path, &["--max-events", "50"], &["workload[0].synthetic.arrival.interval", "--max-events"]);
}

#[test]
fn spot_interruptions_beyond_the_work_budget() {
    let text = base_with("count = 2", "count = 2\nmarket = \"spot\"") + "\n[faults]\nspot_interruption_rate = 1e12\n";
    rejects(&text, &["faults.spot_interruption_rate"]);
}

#[test]
fn task_crashes_beyond_the_work_budget() {
    let text = format!("{BASE}{SERVICE}\n[faults]\ntask_crash_rate = 1e12\n");
    rejects(&text, &["faults.task_crash_rate", "--max-events"]);
}

#[test]
fn an_instance_mtbf_of_1ms_without_replacement_delay_is_refused() {
    let faults =
        "\n[faults]\ninstance_mtbf = \"1ms\"\ninstance_replacement_delay = { dist = \"fixed\", value = \"0s\" }\n";
    rejects(&format!("{BASE}{faults}"), &["field `faults.instance_mtbf`", "at least 1m", "without end"]);
}

#[test]
fn a_trace_row_with_a_count_of_4e9_stops_the_run() {
    let trace = "submit_time,count,duration\n0,1,60\n10,4000000000,60\n";
    run_time_rejects(TRACED, "trace.csv", trace, &[], &["trace.csv", "line 3", "`count`", "--max-events"]);
}

#[test]
fn an_alibaba_row_with_4e9_instances_stops_the_run() {
    let text = format!("{BASE}{ALIBABA}");
    let trace = "0,j_1,M1,10,50,0.5,1\n5,j_2,M1,10,50,0.5,4e9\n";
    run_time_rejects(&text, "batch.csv", trace, &[], &["batch.csv", "line 2", "`count`", "--max-events"]);
}

#[test]
fn trace_tasks_beyond_a_small_budget_stop_the_run() {
    let trace: String =
        std::iter::once("submit_time,duration\n".to_string()).chain((0..100).map(|i| format!("{i},60\n"))).collect();
    run_time_rejects(TRACED, "trace.csv", &trace, &["--max-events", "200"], &["trace.csv", "line ", "budget of 200"]);
}

// Numbers that are not finite or outside their domain.

#[test]
fn a_nan_rate_per_minute() {
    let text = base_with("process = \"fixed\", interval = \"1m\"", "process = \"poisson\", rate_per_minute = nan");
    rejects(&text, &["workload[0].synthetic.arrival.rate_per_minute"]);
}

#[test]
fn a_negative_rate_per_minute() {
    let text = base_with("process = \"fixed\", interval = \"1m\"", "process = \"poisson\", rate_per_minute = -3");
    rejects(&text, &["workload[0].synthetic.arrival.rate_per_minute"]);
}

#[test]
fn a_negative_fargate_price() {
    rejects(&format!("{BASE}\n[fargate]\nx86_vcpu_hour = -0.04\n"), &["field `fargate.x86_vcpu_hour`", "not a price"]);
}

#[test]
fn an_infinite_fargate_price() {
    rejects(&format!("{BASE}\n[fargate]\narm_gb_hour = inf\n"), &["field `fargate.arm_gb_hour`", "inf is not a price"]);
}

#[test]
fn a_nan_fargate_spot_factor() {
    rejects(&format!("{BASE}\n[fargate]\nspot_price_factor = nan\n"), &["field `fargate.spot_price_factor`"]);
}

#[test]
fn a_spot_factor_above_one() {
    let text = base_with("count = 2", "count = 2\nmarket = \"spot\"\nspot_price_factor = 1.5");
    rejects(&text, &["field `fleet[0].spot_price_factor`", "(0, 1]"]);
}

#[test]
fn an_infinite_trace_machine() {
    let text = format!("{BASE}{}", with(ALIBABA, "memory_gib = 384", "memory_gib = inf"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "batch.csv", "0,j_1,M1,10,50,0.5,1\n");
    let path = write(dir.path(), "s.toml", &text);
    assert_rejected(
        &ecs_sim(&["validate", path.to_str().unwrap()]),
        &["workload[1].trace_machine", "memory_gib is inf"],
    );
    run_rejects(&path, &[], &["workload[1].trace_machine"]);
}

#[test]
fn a_negative_trace_machine() {
    let text = format!("{BASE}{}", with(ALIBABA, "vcpu = 96", "vcpu = -96"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "batch.csv", "0,j_1,M1,10,50,0.5,1\n");
    let path = write(dir.path(), "s.toml", &text);
    run_rejects(&path, &[], &["workload[1].trace_machine", "vcpu is -96"]);
}

#[test]
fn trace_stats_refuses_an_infinite_machine_memory() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write(dir.path(), "batch.csv", "0,j_1,M1,10,50,0.5,1\n");
    let output =
        ecs_sim(&["trace", "stats", trace.to_str().unwrap(), "--format", "alibaba2018", "--machine-memory-gib", "inf"]);
    assert_rejected(&output, &["option `--machine-memory-gib`", "inf"]);
    assert!(output.stdout.is_empty());
}

#[test]
fn trace_stats_refuses_a_nan_machine_vcpu() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write(dir.path(), "batch.csv", "0,j_1,M1,10,50,0.5,1\n");
    let output =
        ecs_sim(&["trace", "stats", trace.to_str().unwrap(), "--format", "alibaba2018", "--machine-vcpu", "NaN"]);
    assert_rejected(&output, &["option `--machine-vcpu`", "NaN"]);
}

#[test]
fn a_negative_task_crash_rate() {
    rejects(&format!("{BASE}\n[faults]\ntask_crash_rate = -1\n"), &["field `faults.task_crash_rate`", "not a rate"]);
}

#[test]
fn an_infinite_spot_interruption_rate() {
    rejects(&format!("{BASE}\n[faults]\nspot_interruption_rate = inf\n"), &["field `faults.spot_interruption_rate`"]);
}

#[test]
fn a_start_failure_probability_above_one() {
    let text = base_with("memory = 512 }]", "memory = 512 }]\nstart_failure_probability = 1.5");
    rejects(&text, &["task_definition[0].start_failure_probability", "not a probability"]);
}

#[test]
fn a_nan_health_check_failure_probability() {
    let text = base_with("memory = 512 }]", "memory = 512 }]\nhealth_check_failure_probability = nan");
    rejects(&text, &["task_definition[0].health_check_failure_probability"]);
}

#[test]
fn an_infinite_time_scale() {
    let text = format!("{BASE}{}", with(ALIBABA, "trace_format", "time_scale = inf\ntrace_format"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "batch.csv", "0,j_1,M1,10,50,0.5,1\n");
    let path = write(dir.path(), "s.toml", &text);
    run_rejects(&path, &[], &["workload[1].time_scale"]);
}

#[test]
fn an_infinite_cpu_distribution() {
    let text = base_with("max = \"5m\" }", "max = \"5m\" }\ncpu = { dist = \"fixed\", value = inf }");
    rejects(&text, &["workload[0].synthetic.cpu", "zero or more"]);
}

#[test]
fn a_nan_slo_target() {
    rejects(&format!("{BASE}\n[slo]\ntarget_pct = nan\n"), &["field `slo.target_pct`"]);
}

#[test]
fn an_infinite_scaling_target() {
    let text = format!("{BASE}{}", with(SERVICE, "target = 50", "target = inf"));
    rejects(&text, &["service[0].auto_scaling.target_tracking[0]", "inf"]);
}

#[test]
fn a_negative_demand_constant() {
    let text = format!("{BASE}{}", with(SERVICE, "constant = 15", "constant = -15"));
    rejects(&text, &["service[0].demand.constant"]);
}

#[test]
fn a_memory_baseline_above_100_percent() {
    let text = format!("{BASE}{}", with(SERVICE, "max_capacity = 4", "max_capacity = 4\nmemory_baseline_pct = 150"));
    rejects(&text, &["service[0].auto_scaling.memory_baseline_pct"]);
}

// Unknown keys inside nested tables.

#[test]
fn an_unknown_key_in_a_target_group_names_its_line() {
    let text = format!("{BASE}{}", with(SERVICE, "deregistration_delay", "deregistration_delai"));
    let line = text.lines().position(|l| l.starts_with("deregistration_delai")).unwrap() + 1;
    rejects(&text, &[&format!("line {line}"), "service[0]", "did you mean `deregistration_delay`"]);
}

#[test]
fn an_unknown_key_in_auto_scaling_names_its_line() {
    let text = format!("{BASE}{}", with(SERVICE, "min_capacity = 1", "min_capacty = 1"));
    let line = text.lines().position(|l| l.starts_with("min_capacty")).unwrap() + 1;
    rejects(&text, &[&format!("line {line}"), "did you mean `min_capacity`"]);
}

#[test]
fn an_unknown_key_in_an_inline_deployment_configuration_names_its_line() {
    let text = format!(
        "{BASE}{}",
        with(SERVICE, "desiredCount = 2", "desiredCount = 2\ndeploymentConfiguration = { maximumPercnt = 200 }")
    );
    let line = text.lines().position(|l| l.contains("maximumPercnt")).unwrap() + 1;
    rejects(&text, &[&format!("line {line}"), "did you mean `maximumPercent`"]);
}

#[test]
fn an_unknown_key_in_an_inline_task_definition_names_its_line() {
    let text = base_with("family = \"app\"", "family = \"app\"\nnetworkMod = \"bridge\"");
    let line = text.lines().position(|l| l.starts_with("networkMod ")).unwrap() + 1;
    rejects(&text, &[&format!("line {line}"), "task_definition[0]", "did you mean `networkMode`"]);
}

#[test]
fn a_misspelt_simulator_key_beside_a_service_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web.json", r#"{ "serviceName": "web", "taskDefinition": "app", "desiredCount": 1 }"#);
    let text = format!("{BASE}\n[[service]]\nfile = \"web.json\"\ncapacity_per_tsk = 10\n");
    let line = text.lines().position(|l| l.starts_with("capacity_per_tsk")).unwrap() + 1;
    let path = write(dir.path(), "s.toml", &text);
    run_rejects(&path, &[], &[&format!("line {line}"), "did you mean `capacity_per_task`"]);
}

#[test]
fn an_unknown_key_in_a_synthetic_table_names_its_line() {
    let text = base_with("run_duration =", "run_duraton =");
    let line = text.lines().position(|l| l.starts_with("run_duraton")).unwrap() + 1;
    rejects(&text, &[&format!("line {line}"), "did you mean `run_duration`"]);
}

#[test]
fn an_unknown_key_in_an_az_outage_names_its_line() {
    let outage = "\n[faults]\n[[faults.az_outage]]\nzone = \"us-east-1a\"\nstart = \"10m\"\nendd = \"20m\"\n";
    let text = format!("{BASE}{outage}");
    let line = text.lines().position(|l| l.starts_with("endd")).unwrap() + 1;
    rejects(&text, &[&format!("line {line}"), "did you mean `end`"]);
}

// Directories where files belong.

#[test]
fn a_trace_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("trace.csv")).unwrap();
    let path = write(dir.path(), "s.toml", TRACED);
    let stderr = run_rejects(&path, &[], &["workload[0].trace", "is a directory"]);
    assert!(!stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn an_alibaba_trace_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("batch.csv")).unwrap();
    let path = write(dir.path(), "s.toml", &format!("{BASE}{ALIBABA}"));
    run_rejects(&path, &[], &["workload[1].trace", "is a directory"]);
}

#[test]
fn a_task_definition_file_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app.json")).unwrap();
    let text = base_with(
        "family = \"app\"\ncontainerDefinitions = [{ name = \"app\", cpu = 256, memory = 512 }]",
        "file = \"app.json\"",
    );
    let path = write(dir.path(), "s.toml", &text);
    run_rejects(&path, &[], &["task_definition[0].file", "is a directory"]);
}

#[test]
fn a_service_file_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("web.json")).unwrap();
    let path = write(dir.path(), "s.toml", &format!("{BASE}\n[[service]]\nfile = \"web.json\"\n"));
    run_rejects(&path, &[], &["service[0].file", "is a directory"]);
}

#[test]
fn a_demand_file_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("demand.csv")).unwrap();
    let service = with(SERVICE, "demand = { constant = 15 }", "demand = { file = \"demand.csv\", column = \"rps\" }");
    let path = write(dir.path(), "s.toml", &format!("{BASE}{service}"));
    run_rejects(&path, &[], &["demand.csv", "is a directory"]);
}

#[test]
fn an_instance_catalog_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("types.csv")).unwrap();
    let text = base_with("[[fleet]]", "[cluster]\ninstance_catalog = \"types.csv\"\n\n[[fleet]]");
    let path = write(dir.path(), "s.toml", &text);
    run_rejects(&path, &[], &["types.csv", "is a directory"]);
}

#[test]
fn a_scenario_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::create_dir(&scenario).unwrap();
    run_rejects(&scenario, &[], &["s.toml", "is a directory"]);
}

#[test]
fn trace_stats_on_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = ecs_sim(&["trace", "stats", dir.path().to_str().unwrap(), "--format", "alibaba2018"]);
    assert_rejected(&output, &["is a directory"]);
    let output = ecs_sim(&["trace", "stats", dir.path().to_str().unwrap(), "--format", "native"]);
    assert_rejected(&output, &["is a directory"]);
}

// Values too long to echo.

const LONG: usize = 10_000_000;

#[test]
fn a_ten_megabyte_duration_is_quoted_in_part() {
    let long = "9".repeat(LONG);
    let stderr =
        rejects(&base_with("duration = \"1h\"", &format!("duration = \"{long}\"")), &["simulation.duration", "…"]);
    assert!(stderr.contains(&format!("`{}…`", "9".repeat(100))), "{stderr}");
}

#[test]
fn a_ten_megabyte_instance_type_is_quoted_in_part() {
    let long = "m".repeat(LONG);
    rejects(&base_with("\"m5.large\"", &format!("\"{long}\"")), &["fleet[0].instance_types", "…"]);
}

#[test]
fn a_ten_megabyte_strategy_type_is_quoted_in_part() {
    let text =
        base_with("taskDefinition = \"app\"", "taskDefinition = \"app\"\nplacementStrategy = [{ type = \"LONG\" }]")
            .replace("LONG", &"b".repeat(LONG));
    rejects(&text, &["placementStrategy[0].type", "…"]);
}

#[test]
fn a_ten_megabyte_trace_field_is_quoted_in_part() {
    let trace = format!("submit_time,duration\n0,60\n10,{}\n", "x".repeat(LONG));
    run_time_rejects(TRACED, "trace.csv", &trace, &[], &["trace.csv", "line 3", "duration", "…"]);
}

#[test]
fn a_ten_megabyte_unknown_key_is_quoted_in_part() {
    let text = base_with("seed = 3", &format!("{} = 3", "k".repeat(LONG)));
    rejects(&text, &["unknown field", "…"]);
}

/// `BASE` with a task every second for 100 days (8.64 million), their rows
/// in tasks.csv or not.
fn every_second_for_100_days(tasks_csv: bool) -> String {
    let text = base_with("duration = \"1h\"", "duration = \"100d\"").replace("interval = \"1m\"", "interval = \"1s\"");
    format!("{text}\n[output]\ntasks_csv = {tasks_csv}\nevents_csv = false\n")
}

#[test]
fn output_beyond_its_budget_is_refused_naming_the_file_and_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.toml", &every_second_for_100_days(true));
    let needles = [
        "field `output.tasks_csv`",
        "write about",
        "budget of 1 GiB",
        "set output.tasks_csv = false",
        "--max-output-gib N",
    ];
    assert_rejected(&ecs_sim(&["validate", path.to_str().unwrap(), "--max-output-gib", "1"]), &needles);
    run_rejects(&path, &["--max-output-gib", "1"], &needles);
}

#[test]
fn memory_beyond_its_budget_is_refused_naming_the_field_and_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.toml", &every_second_for_100_days(true));
    let needles = ["field `output.tasks_csv`", "need about", "task records kept", "--max-memory-gib N"];
    assert_rejected(&ecs_sim(&["validate", path.to_str().unwrap(), "--max-memory-gib", "1"]), &needles);
    run_rejects(&path, &["--max-memory-gib", "1"], &needles);
    // Without tasks.csv the run keeps no task rows and fits both budgets.
    let lean = write(dir.path(), "lean.toml", &every_second_for_100_days(false));
    let output = ecs_sim(&["validate", lean.to_str().unwrap(), "--max-memory-gib", "1", "--max-output-gib", "1"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("peak memory: about") && stdout.contains("(--max-memory-gib)"), "{stdout}");
}

#[test]
fn the_memory_estimate_covers_the_records_a_run_keeps() {
    use ecs_sim::record::{ClusterSample, EventRecord, ServiceSample, TaskRecord};
    use ecs_sim::scenario::budget::{EVENT_RECORD_MEMORY, SAMPLE_MEMORY, TASK_RECORD_MEMORY};
    // Each record with half again for the slack of a growing vector.
    let kept = |bytes: usize| bytes as f64 * 1.5;
    assert!(kept(size_of::<TaskRecord>()) <= TASK_RECORD_MEMORY, "{}", size_of::<TaskRecord>());
    assert!(kept(size_of::<EventRecord>()) <= EVENT_RECORD_MEMORY, "{}", size_of::<EventRecord>());
    assert!(kept(size_of::<ClusterSample>().max(size_of::<ServiceSample>())) <= SAMPLE_MEMORY);
}
