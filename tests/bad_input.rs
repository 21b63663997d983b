//! Every kind of bad input gives a clear error that names the file, the line
//! or field, and the fix, through the library and through the binary, and
//! never a panic.

use ecs_sim::error::{Error, InputError};
use ecs_sim::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small valid scenario; tests break one thing in it at a time.
const BASE: &str = r#"name = "base"

[simulation]
duration = "1h"
seed = 3
sample_interval = "1m"

[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]

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
launchType = "EC2"
placementStrategy = [{ type = "binpack", field = "memory" }]
[workload.synthetic]
arrival = { process = "fixed", interval = "1m" }
run_duration = { dist = "uniform", min = "1m", max = "5m" }
"#;

/// A valid scenario whose only workload replays `trace.csv`.
const TRACE_SCENARIO: &str = r#"name = "traced"

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

/// A valid task definition file.
const WEB_JSON: &str = r#"{
  "family": "web",
  "networkMode": "bridge",
  "containerDefinitions": [
    {
      "name": "nginx",
      "image": "nginx",
      "cpu": 256,
      "memory": 512
    }
  ]
}
"#;

/// Writes `text` to `dir/name` and returns its path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// `BASE` with `from` replaced by `to` (which must change it).
fn base_with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no `{from}`");
    BASE.replacen(from, to, 1)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in the text"));
    text[..at].matches('\n').count() + 1
}

/// Loads a scenario through the library, expecting an input error.
fn load_err(path: &Path) -> InputError {
    match Scenario::load(path) {
        Ok(_) => panic!("{} should be rejected", path.display()),
        Err(err) => err,
    }
}

/// Asserts the error names `file` (a file name), a location containing
/// `location`, and each of `fixes` somewhere in its text.
fn check(err: &InputError, file: &str, location: &str, fixes: &[&str]) {
    let shown = err.to_string();
    assert_eq!(err.file.file_name().and_then(|n| n.to_str()), Some(file), "the error should be about {file}:\n{shown}");
    assert!(shown.starts_with(&err.file.display().to_string()), "{shown}");
    let at = err.location.as_deref().unwrap_or_else(|| panic!("no line or field in:\n{shown}"));
    assert!(at.contains(location), "location `{at}` lacks `{location}`:\n{shown}");
    assert!(!err.message.trim().is_empty(), "empty message:\n{shown}");
    for fix in fixes {
        assert!(shown.contains(fix), "the error lacks `{fix}`:\n{shown}");
    }
}

/// Runs the binary from the crate root.
fn ecs_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the ecs-sim binary should start")
}

/// Asserts the binary rejected the input: exit 2, `error:` first, no panic,
/// and `needles` in stderr. Returns stderr.
fn assert_rejected(output: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "expected exit code 2; stderr:\n{stderr}");
    assert!(stderr.starts_with("error:"), "stderr should start with `error:`:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr lacks `{needle}`:\n{stderr}");
    }
    stderr
}

/// `ecs-sim validate <path>` must reject it naming `needles`.
fn validate_rejects(path: &Path, needles: &[&str]) {
    assert_rejected(&ecs_sim(&["validate", path.to_str().expect("UTF-8 path")]), needles);
}

/// `ecs-sim run <path> --out <dir>/out` must reject it naming `needles`,
/// and write no files.
fn run_rejects(path: &Path, needles: &[&str]) -> String {
    let out = path.parent().unwrap().join("out");
    let output = ecs_sim(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let stderr = assert_rejected(&output, needles);
    if out.exists() {
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(left.is_empty(), "files left in {}: {left:?}", out.display());
    }
    stderr
}

/// Runs a scenario through the library, expecting an input error while
/// running (trace rows are read as the run goes).
fn run_err(path: &Path) -> InputError {
    let scenario = Scenario::load(path).unwrap_or_else(|e| panic!("the scenario itself should load: {e}"));
    match ecs_sim::simulation::run_scenario(&scenario) {
        Ok(_) => panic!("running {} should fail", path.display()),
        Err(Error::Input(err)) => err,
        Err(other) => panic!("expected an input error, got: {other}"),
    }
}

#[test]
fn base_scenarios_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.toml", BASE);
    Scenario::load(&base).unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "trace.csv", "submit_time,duration\n0,60\n");
    let traced = write(dir.path(), "traced.toml", TRACE_SCENARIO);
    let scenario = Scenario::load(&traced).unwrap_or_else(|e| panic!("{e}"));
    ecs_sim::simulation::run_scenario(&scenario).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn unknown_top_level_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with("name = \"base\"", "nmae = \"base\"");
    let path = write(dir.path(), "top.toml", &text);
    let err = load_err(&path);
    let line = format!("line {}", line_of(&text, "nmae"));
    check(&err, "top.toml", &line, &["unknown field `nmae`", "did you mean `name`"]);
    validate_rejects(&path, &["top.toml", &line, "did you mean `name`"]);
}

#[test]
fn unknown_nested_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with("duration = \"1h\"", "durration = \"1h\"");
    let path = write(dir.path(), "nested.toml", &text);
    let err = load_err(&path);
    let line = format!("line {}", line_of(&text, "durration"));
    check(&err, "nested.toml", &line, &["unknown field `durration`", "did you mean `duration`"]);
    validate_rejects(&path, &["nested.toml", &line, "did you mean `duration`"]);
}

#[test]
fn unknown_key_in_run_task_is_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with("launchType = \"EC2\"", "lauchType = \"EC2\"");
    let path = write(dir.path(), "runtask.toml", &text);
    let line = format!("line {}", line_of(&text, "lauchType"));
    check(&load_err(&path), "runtask.toml", &line, &["did you mean `launchType`"]);
}

#[test]
fn unknown_field_in_task_definition_file() {
    let dir = tempfile::tempdir().unwrap();
    let json = WEB_JSON.replace("\"memory\": 512", "\"memroy\": 512");
    write(dir.path(), "web.json", &json);
    let text = base_with(
        "family = \"app\"\ncontainerDefinitions = [{ name = \"app\", cpu = 256, memory = 512 }]",
        "file = \"web.json\"",
    )
    .replace("taskDefinition = \"app\"", "taskDefinition = \"web\"");
    let path = write(dir.path(), "file-td.toml", &text);
    let err = load_err(&path);
    let line = format!("line {}", line_of(&json, "memroy"));
    check(&err, "web.json", &line, &["unknown field `memroy`", "did you mean `memory`"]);
    validate_rejects(&path, &["web.json", &line, "did you mean `memory`"]);
}

#[test]
fn unknown_field_in_inline_task_definition() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with("cpu = 256, memory = 512", "cpu = 256, memroy = 512");
    let path = write(dir.path(), "inline.toml", &text);
    let err = load_err(&path);
    check(&err, "inline.toml", "task_definition[0]", &["unknown field `memroy`", "did you mean `memory`"]);
    validate_rejects(&path, &["inline.toml", "task_definition[0]", "did you mean `memory`"]);
}

#[test]
fn missing_task_definition_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with(
        "family = \"app\"\ncontainerDefinitions = [{ name = \"app\", cpu = 256, memory = 512 }]",
        "file = \"taskdefs/missing.json\"",
    );
    let path = write(dir.path(), "no-td.toml", &text);
    let err = load_err(&path);
    check(&err, "no-td.toml", "task_definition[0].file", &["missing.json", "paths are relative to the scenario file"]);
    validate_rejects(&path, &["no-td.toml", "task_definition[0].file", "missing.json", "help:"]);
}

#[test]
fn missing_trace_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "no-trace.toml", &TRACE_SCENARIO.replace("trace.csv", "traces/gone.csv"));
    let err = load_err(&path);
    check(&err, "no-trace.toml", "workload[0].trace", &["gone.csv", "does not exist", "paths are relative"]);
    validate_rejects(&path, &["no-trace.toml", "workload[0].trace", "gone.csv"]);
}

const BAD_FARGATE_INLINE: &str = r#"family = "app"
cpu = "256"
memory = "4096"
networkMode = "awsvpc"
requiresCompatibilities = ["FARGATE"]
containerDefinitions = [{ name = "app" }]"#;

#[test]
fn invalid_fargate_size_inline() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with(
        "family = \"app\"\ncontainerDefinitions = [{ name = \"app\", cpu = 256, memory = 512 }]",
        BAD_FARGATE_INLINE,
    );
    let path = write(dir.path(), "fargate.toml", &text);
    let err = load_err(&path);
    check(&err, "fargate.toml", "task_definition[0]", &["invalid Fargate size", "4096", "512, 1024, 2048"]);
    validate_rejects(&path, &["fargate.toml", "task_definition[0]", "512, 1024, 2048"]);
}

#[test]
fn invalid_fargate_size_in_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "fargate.json",
        r#"{
  "family": "small",
  "cpu": "256",
  "memory": "4096",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "containerDefinitions": [{ "name": "app", "image": "x" }]
}
"#,
    );
    let text = base_with(
        "family = \"app\"\ncontainerDefinitions = [{ name = \"app\", cpu = 256, memory = 512 }]",
        "file = \"fargate.json\"",
    );
    let path = write(dir.path(), "fargate-file.toml", &text);
    let err = load_err(&path);
    // The file and the valid sizes are named, but no line or field is.
    assert!(err.to_string().contains("512, 1024, 2048"), "{err}");
    check(&err, "fargate.json", "memory", &["512, 1024, 2048"]);
}

#[test]
fn unparseable_member_of_expression() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with(
        "placementStrategy = [{ type = \"binpack\", field = \"memory\" }]",
        "placementConstraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type =! t2.*\" }]",
    );
    let path = write(dir.path(), "memberof.toml", &text);
    let err = load_err(&path);
    let field = "workload[0].run_task.placementConstraints[0].expression";
    check(&err, "memberof.toml", field, &["column "]);
    assert!(err.message.starts_with("column "), "{err}");
    assert!(err.message.contains("hint:") || err.help.is_some(), "no fix in:\n{err}");
    validate_rejects(&path, &["memberof.toml", field, "column "]);
}

/// A traced scenario in a fresh temp dir with `trace` as trace.csv.
fn traced(trace: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trace.csv", trace);
    let path = write(dir.path(), "traced.toml", TRACE_SCENARIO);
    (dir, path)
}

#[test]
fn trace_row_with_non_numeric_duration() {
    let (_dir, path) = traced("submit_time,count,duration\n0,1,60\n10,1,abc\n");
    let err = run_err(&path);
    check(&err, "trace.csv", "line 3", &["duration", "`abc` is not a duration", "help:"]);
    run_rejects(&path, &["trace.csv", "line 3", "duration"]);
}

#[test]
fn trace_rows_out_of_order() {
    let (_dir, path) = traced("submit_time,duration\n0,60\n50,60\n20,60\n");
    let err = run_err(&path);
    check(&err, "trace.csv", "line 4", &["earlier than the row before", "sort the trace by submit_time"]);
    run_rejects(&path, &["trace.csv", "line 4", "sort the trace"]);
}

#[test]
fn trace_with_unknown_column() {
    let (_dir, path) = traced("submit_time,durration\n0,60\n");
    let err = run_err(&path);
    check(&err, "trace.csv", "line 1", &["unknown column `durration`", "did you mean `duration`"]);
    run_rejects(&path, &["trace.csv", "line 1", "did you mean `duration`"]);
}

#[test]
fn trace_naming_an_unknown_task_definition() {
    let (_dir, path) = traced("submit_time,task_definition,duration\n0,app,60\n30,ghost,60\n");
    let err = run_err(&path);
    check(&err, "trace.csv", "line 3", &["unknown task definition `ghost`", "[[task_definition]]"]);
    run_rejects(&path, &["trace.csv", "line 3", "ghost"]);
}

#[test]
fn unknown_instance_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "itype.toml", &base_with("\"m5.large\"", "\"m5.larg\""));
    let err = load_err(&path);
    check(&err, "itype.toml", "fleet[0].instance_types", &["`m5.larg`", "did you mean `m5.large`"]);
    validate_rejects(&path, &["itype.toml", "fleet[0].instance_types", "did you mean `m5.large`"]);
}

#[test]
fn invalid_duration_string() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "dur.toml", &base_with("duration = \"1h\"", "duration = \"5 minutes\""));
    let err = load_err(&path);
    check(&err, "dur.toml", "simulation.duration", &["`5 minutes` is not a duration", "e.g. \"90s\""]);
    validate_rejects(&path, &["dur.toml", "simulation.duration", "5 minutes"]);
}

#[test]
fn more_than_five_placement_strategies() {
    let dir = tempfile::tempdir().unwrap();
    let six = ["{ type = \"random\" }"; 6].join(", ");
    let text = base_with(
        "placementStrategy = [{ type = \"binpack\", field = \"memory\" }]",
        &format!("placementStrategy = [{six}]"),
    );
    let path = write(dir.path(), "six.toml", &text);
    let err = load_err(&path);
    check(&err, "six.toml", "workload[0].run_task.placementStrategy", &["6 strategies", "at most 5"]);
    validate_rejects(&path, &["six.toml", "placementStrategy", "at most 5"]);
}

#[test]
fn binpack_without_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with("{ type = \"binpack\", field = \"memory\" }", "{ type = \"binpack\" }");
    let path = write(dir.path(), "binpack.toml", &text);
    let err = load_err(&path);
    check(&err, "binpack.toml", "workload[0].run_task.placementStrategy[0].field", &["field = \"cpu\" or \"memory\""]);
    validate_rejects(&path, &["binpack.toml", "placementStrategy[0].field", "\"memory\""]);
}

#[test]
fn unknown_strategy_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "binpak.toml", &base_with("type = \"binpack\"", "type = \"binpak\""));
    let err = load_err(&path);
    check(
        &err,
        "binpak.toml",
        "workload[0].run_task.placementStrategy[0].type",
        &["`binpak`", "did you mean `binpack`"],
    );
    validate_rejects(&path, &["binpak.toml", "placementStrategy[0].type", "did you mean `binpack`"]);
}

#[test]
fn toml_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = base_with("[cluster]", "[cluster");
    let path = write(dir.path(), "syntax.toml", &text);
    let err = load_err(&path);
    let line = format!("line {}", line_of(&text, "[cluster"));
    check(&err, "syntax.toml", &line, &["column "]);
    assert!(err.message.contains("expected") || err.message.contains("invalid"), "no hint of the fix:\n{err}");
    validate_rejects(&path, &["syntax.toml", &line]);
}

#[test]
fn missing_required_key_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nodur.toml", &base_with("duration = \"1h\"\n", ""));
    let err = load_err(&path);
    check(&err, "nodur.toml", "line", &["missing field `duration`"]);
}

#[test]
fn value_cut_off_at_end_of_file_has_a_message() {
    let dir = tempfile::tempdir().unwrap();
    // No newline after `=`: the file ends where the value should start.
    let path = write(dir.path(), "cut.toml", "[simulation]\nduration = \"1h\"\nseed = ");
    let err = load_err(&path);
    check(&err, "cut.toml", "line 3", &[]);
    assert!(!err.message.trim().is_empty(), "no message, so no hint of the fix:\n{err}");
    validate_rejects(&path, &["cut.toml", "line 3", "ends in the middle of a value"]);
}

/// A deterministic linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

/// One random edit: delete a line, duplicate a line, or truncate.
fn mutate(text: &str, rng: &mut Lcg) -> String {
    let lines: Vec<&str> = text.lines().collect();
    match rng.below(3) {
        0 => {
            let drop = rng.below(lines.len());
            lines.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, l)| format!("{l}\n")).collect()
        }
        1 => {
            let copy = rng.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.insert(copy, lines[copy]);
            out.iter().map(|l| format!("{l}\n")).collect()
        }
        _ => {
            let mut cut = rng.below(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
    }
}

#[test]
fn mutated_scenarios_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let quickstart_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let quickstart = std::fs::read_to_string(&quickstart_path).unwrap();
    let base_path = dir.path().join("base.toml");
    let mut rng = Lcg(0x5eed);
    let (mut valid, mut invalid) = (0, 0);
    for i in 0..200 {
        let (original, path) = if i % 2 == 0 { (BASE, base_path.as_path()) } else { (&*quickstart, &*quickstart_path) };
        let mut text = mutate(original, &mut rng);
        if i % 5 == 4 {
            text = mutate(&text, &mut rng); // sometimes two edits
        }
        let result = std::panic::catch_unwind(|| Scenario::from_toml(&text, path).map(|_| ()));
        match result {
            Err(_) => panic!("from_toml panicked on variant {i}:\n{text}"),
            Ok(Ok(())) => valid += 1,
            Ok(Err(err)) => {
                invalid += 1;
                let shown = err.to_string();
                // An empty *message* is a known gap, pinned by
                // `value_cut_off_at_end_of_file_has_a_message`.
                assert!(!shown.trim().is_empty(), "variant {i}: empty error\n{text}");
                assert!(shown.starts_with(&err.file.display().to_string()), "variant {i}: `{shown}`");
            }
        }
    }
    assert!(invalid > 20 && valid > 0, "{valid} valid, {invalid} invalid: the mutations are not exercising much");
}
