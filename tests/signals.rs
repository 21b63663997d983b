//! SIGINT and SIGTERM stop a run and a sweep cleanly: exit 130 or 143, one
//! line on stderr saying what was left, the previous results folder as it
//! was, and nothing beside it but what `--resume` needs (for a sweep).

mod common;

use common::files;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

const SHOOTOUT: &str = "scenarios/strategy-shootout.toml";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ecs_sim(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecs-sim"));
    command.args(args).current_dir(crate_dir());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_ok(args: &[&str]) -> Output {
    let output = ecs_sim(args).output().unwrap();
    assert!(output.status.success(), "ecs-sim {args:?} failed:\n{}{}", text(&output.stdout), text(&output.stderr));
    output
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Waits until `ready` holds or the child has ended; then sends it `signal`
/// (`INT` or `TERM`) and returns its output.
fn signal_when(mut child: Child, ready: impl Fn() -> bool, signal: &str) -> Output {
    while !ready() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let sent = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
    assert!(sent.success(), "kill -{signal} failed");
    child.wait_with_output().unwrap()
}

/// A scenario whose run takes far longer than any test waits for it: 30
/// days of one task a second.
fn long_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("long.toml");
    std::fs::write(
        &path,
        r#"
[simulation]
duration = "30d"

[[fleet]]
name = "general"
instance_types = ["m5.large"]
count = 10

[[task_definition]]
family = "job"
containerDefinitions = [{ name = "job", image = "example/job", cpu = 256, memory = 512 }]

[[workload]]
name = "jobs"
[workload.run_task]
taskDefinition = "job"
[workload.synthetic]
arrival = { process = "poisson", rate_per_minute = 60 }
run_duration = { dist = "fixed", value = "5m" }
"#,
    )
    .unwrap();
    path
}

#[test]
fn a_signal_stops_a_single_run_and_leaves_the_previous_results() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let root = tempfile::tempdir().unwrap();
        let scenario = long_scenario(root.path());
        let results = root.path().join("results");
        std::fs::create_dir(&results).unwrap();
        let out = results.join("long");
        run_ok(&["run", "scenarios/quickstart.toml", "-q", "--out", out.to_str().unwrap()]);
        let before = files(&out);
        let child = ecs_sim(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let staging = results.join(".long.staging");
        let output = signal_when(child, || staging.exists(), signal);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "SIG{signal}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            format!("interrupted by SIG{signal}: {} left as it was", out.display()),
            "one line on stderr"
        );
        assert!(text(&output.stdout).is_empty(), "no summary: {}", text(&output.stdout));
        assert!(files(&out) == before, "SIG{signal}: the previous results changed");
        assert_eq!(listing(&results), ["long"], "SIG{signal}: nothing stray beside the results");
    }
}

#[test]
fn a_signal_stops_a_sweep_keeping_its_finished_runs_for_resume() {
    let root = tempfile::tempdir().unwrap();
    let whole = root.path().join("whole");
    run_ok(&["run", SHOOTOUT, "-q", "--out", whole.to_str().unwrap()]);
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let results = root.path().join(format!("results-{signal}"));
        std::fs::create_dir(&results).unwrap();
        let out = results.join("shootout");
        run_ok(&["run", SHOOTOUT, "-q", "--seed", "7", "--out", out.to_str().unwrap()]);
        let before = files(&out);
        let child = ecs_sim(&["run", SHOOTOUT, "--threads", "1", "--out", out.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let records = results.join(".shootout.staging/.records");
        let saved = || std::fs::read_dir(&records).map_or(0, |d| d.filter_map(Result::ok).count());
        let output = signal_when(child, || saved() >= 2, signal);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "SIG{signal}: {stderr}");
        let finished = saved();
        assert!((2..20).contains(&finished), "{finished} runs saved");
        let runs = if finished == 1 { "run" } else { "runs" };
        assert_eq!(
            stderr.trim_end(),
            format!(
                "interrupted by SIG{signal}: {} left as it was; run the same command with `--resume` to reuse the \
                 {finished} finished {runs} (kept in {})",
                out.display(),
                results.join(".shootout.staging").display()
            ),
            "one line on stderr"
        );
        assert!(files(&out) == before, "SIG{signal}: the previous results changed");
        assert_eq!(listing(&results), [".shootout.staging", "shootout"], "SIG{signal}: only what --resume needs");
        let resumed = run_ok(&["run", SHOOTOUT, "-q", "--resume", "--out", out.to_str().unwrap()]);
        assert!(resumed.stderr.is_empty(), "{}", text(&resumed.stderr));
        assert!(files(&out) == files(&whole), "SIG{signal}: the resumed sweep differs from an uninterrupted one");
        assert_eq!(listing(&results), ["shootout"], "SIG{signal}: nothing left after the resume");
    }
}
