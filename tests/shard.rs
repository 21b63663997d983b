//! Sharded sweeps through the binary: `run --shard` on each slice, then
//! `merge`, gives the one-machine run's outputs byte for byte; `merge`
//! refuses a missing, duplicated or foreign shard, and a changed scenario.

mod common;

use common::files;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A sweep with options, conditions and replications, and its run files.
const OUTAGE: &str = "scenarios/outage-at-peak.toml";

fn ecs_sim(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecs-sim"));
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for var in ecs_sim::sweep::SHARD_INDEX_VARIABLES {
        command.env_remove(var);
    }
    command.envs(env.iter().copied()).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_ok(args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = ecs_sim(args, env);
    assert!(output.status.success(), "ecs-sim {args:?} failed:\n{}{}", text(&output.stdout), text(&output.stderr));
    output
}

/// Fails with exit 2; returns stderr.
fn invalid(args: &[&str]) -> String {
    let output = ecs_sim(args, &[]);
    assert_eq!(output.status.code(), Some(2), "ecs-sim {args:?}:\n{}{}", text(&output.stdout), text(&output.stderr));
    text(&output.stderr)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs shard `index` of `count` of `scenario` into `root/shard-<index>`.
fn shard(scenario: &str, index: u32, count: u32, root: &Path, extra: &[&str]) -> PathBuf {
    let dir = root.join(format!("shard-{index}"));
    let spec = format!("{index}/{count}");
    let mut args = vec!["run", scenario, "--quiet", "--threads", "1", "--shard", &spec, "--out", arg(&dir)];
    args.extend_from_slice(extra);
    run_ok(&args, &[]);
    dir
}

#[test]
fn four_shards_merged_equal_the_one_machine_run_byte_for_byte() {
    let root = tempfile::tempdir().unwrap();
    let single = root.path().join("single");
    run_ok(&["run", OUTAGE, "--quiet", "--out", arg(&single)], &[]);
    let shards: Vec<PathBuf> = (0..4).map(|i| shard(OUTAGE, i, 4, root.path(), &[])).collect();
    let merged = root.path().join("merged");
    // Given in any order, on any thread count.
    let mut args = vec!["merge", "--quiet", "--threads", "3", "--out", arg(&merged)];
    args.extend(shards.iter().rev().map(|s| arg(s)));
    run_ok(&args, &[]);
    let (single, merged) = (files(&single), files(&merged));
    assert!(single.keys().any(|p| p.starts_with("runs")), "the sweep writes run files");
    assert_eq!(single.keys().collect::<Vec<_>>(), merged.keys().collect::<Vec<_>>());
    for (path, bytes) in &single {
        assert!(&merged[path] == bytes, "{} differs after the merge", path.display());
    }
}

#[test]
fn each_shard_holds_every_count_th_run_and_names_its_sweep() {
    let root = tempfile::tempdir().unwrap();
    let dir = shard(OUTAGE, 1, 4, root.path(), &[]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("shard.json")).unwrap()).unwrap();
    let total = manifest["total_runs"].as_u64().unwrap();
    let runs: Vec<u64> = manifest["runs"].as_array().unwrap().iter().map(|r| r.as_u64().unwrap()).collect();
    assert_eq!(runs, (1..total).step_by(4).collect::<Vec<_>>());
    assert_eq!(manifest["digest"].as_str().unwrap().len(), 64);
    assert!(!dir.join("variants.csv").exists(), "a shard alone compares nothing");
}

#[test]
fn auto_takes_the_index_from_each_engine_s_variable() {
    for var in ecs_sim::sweep::SHARD_INDEX_VARIABLES {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("shard");
        let output =
            run_ok(&["run", OUTAGE, "--shard", "auto/3", "--format", "json", "--out", arg(&out)], &[(var, "2")]);
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!((json["shard"].as_u64(), json["shards"].as_u64()), (Some(2), Some(3)), "from {var}");
    }
    assert!(invalid(&["run", OUTAGE, "--shard", "auto/3", "--out", "/nonexistent/x"]).contains("SLURM_ARRAY_TASK_ID"));
}

#[test]
fn bad_shard_specifications_are_invalid_input() {
    for (spec, says) in
        [("4/4", "below the count 4"), ("1-4", "is not INDEX/COUNT"), ("0/0", "at least 1"), ("x/2", "`x`")]
    {
        let err = invalid(&["run", OUTAGE, "--shard", spec, "--out", "/nonexistent/x"]);
        assert!(err.contains("option `--shard`") && err.contains(says), "--shard {spec}: {err}");
    }
    let err = invalid(&["run", "scenarios/quickstart.toml", "--shard", "0/2", "--out", "/nonexistent/x"]);
    assert!(err.contains("no [sweep] section"), "{err}");
}

#[test]
fn merge_rejects_a_missing_a_duplicated_and_a_foreign_shard() {
    let root = tempfile::tempdir().unwrap();
    let shards: Vec<PathBuf> = (0..3).map(|i| shard(OUTAGE, i, 3, root.path(), &[])).collect();
    let out = root.path().join("merged");
    let merge = |dirs: &[&Path]| {
        let mut args = vec!["merge", "--out", arg(&out)];
        args.extend(dirs.iter().map(|d| arg(d)));
        invalid(&args)
    };
    let err = merge(&[&shards[0], &shards[2]]);
    assert!(err.contains("shard 1/3 is missing"), "{err}");
    let err = merge(&[&shards[0], &shards[1], &shards[1], &shards[2]]);
    assert!(err.contains("shard 1/3 is given twice"), "{err}");
    let foreign_root = root.path().join("other-seed");
    let foreign = shard(OUTAGE, 2, 3, &foreign_root, &["--seed", "99"]);
    let err = merge(&[&shards[0], &shards[1], &foreign]);
    assert!(err.contains(arg(&foreign)) && err.contains("another sweep"), "{err}");
    let err = merge(&[&shards[0], &shards[1], &root.path().join("nowhere")]);
    assert!(err.contains("no such shard folder"), "{err}");
    assert!(!out.exists(), "a refused merge writes nothing");
}

#[test]
fn merge_refuses_a_scenario_changed_since_the_shards_ran() {
    let root = tempfile::tempdir().unwrap();
    let scenario = root.path().join("outage.toml");
    let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(OUTAGE)).unwrap();
    // The example's demand curve, found from the copy's folder.
    let traces = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces/");
    let original = original.replace("file = \"traces/", &format!("file = \"{}", traces.display()));
    std::fs::write(&scenario, &original).unwrap();
    let scenario_arg = scenario.to_str().unwrap().to_string();
    let shards: Vec<PathBuf> = (0..2).map(|i| shard(&scenario_arg, i, 2, root.path(), &[])).collect();
    std::fs::write(&scenario, format!("{original}\n# edited\n")).unwrap();
    let out = root.path().join("merged");
    let err = invalid(&["merge", arg(&shards[0]), arg(&shards[1]), "--out", arg(&out)]);
    assert!(err.contains("not the one the shards ran"), "{err}");
}

#[test]
fn merge_refuses_shards_that_read_different_data_files() {
    let root = tempfile::tempdir().unwrap();
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    std::fs::create_dir(root.path().join("traces")).unwrap();
    let trace = root.path().join("traces/web-diurnal.csv");
    std::fs::copy(scenarios.join("traces/web-diurnal.csv"), &trace).unwrap();
    let scenario = root.path().join("outage.toml");
    std::fs::copy(scenarios.join("outage-at-peak.toml"), &scenario).unwrap();
    let scenario_arg = scenario.to_str().unwrap().to_string();
    let first = shard(&scenario_arg, 0, 2, root.path(), &[]);
    // One machine had another copy of the demand curve.
    let curve = std::fs::read_to_string(&trace).unwrap();
    std::fs::write(&trace, format!("{curve}\n")).unwrap();
    let second = shard(&scenario_arg, 1, 2, root.path(), &[]);
    let err = invalid(&["merge", arg(&first), arg(&second), "--out", arg(&root.path().join("merged"))]);
    assert!(err.contains("another sweep"), "{err}");
}
