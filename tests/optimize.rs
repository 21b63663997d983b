//! `ecs-sim optimize` through the binary: on an example small enough to grid
//! exhaustively, the structured search finds the grid's cheapest feasible
//! option (within 2 %) with at most a quarter of its runs; `best.toml` runs
//! as a plain scenario; outputs do not depend on threads or shards; bad
//! sections are invalid input.

mod common;

use common::files;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLE: &str = "scenarios/optimize-fleet.toml";
const OUTPUTS: [&str; 6] = ecs_sim::optimize::OPTIMIZE_FILES;

fn ecs_sim(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecs-sim"));
    for var in ecs_sim::sweep::SHARD_INDEX_VARIABLES {
        command.env_remove(var);
    }
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_ok(args: &[&str]) -> Output {
    let output = ecs_sim(args);
    assert!(output.status.success(), "ecs-sim {args:?} failed:\n{}{}", text(&output.stdout), text(&output.stderr));
    output
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&run_ok(args).stdout).unwrap()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The files a search writes, by name, without its cache.
fn outputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir).into_iter().filter(|(p, _)| !p.starts_with("cache")).collect()
}

#[test]
fn the_search_matches_the_grid_s_cheapest_feasible_option_with_a_quarter_of_its_runs() {
    let root = tempfile::tempdir().unwrap();
    let structured = root.path().join("structured");
    let grid = root.path().join("grid");
    let found = json(&["optimize", EXAMPLE, "--format", "json", "--out", arg(&structured)]);
    let reference = json(&["optimize", EXAMPLE, "--search", "grid", "--format", "json", "--out", arg(&grid)]);
    assert_eq!(reference["runs"], reference["grid_runs"], "the grid makes every run");
    let (runs, grid_runs) = (found["runs"].as_u64().unwrap(), found["grid_runs"].as_u64().unwrap());
    assert!(runs * 4 <= grid_runs, "{runs} runs of a {grid_runs}-run grid");
    let cost = |v: &serde_json::Value| v["best_cost_usd"]["mean"].as_f64().unwrap();
    let (found_cost, grid_cost) = (cost(&found), cost(&reference));
    assert!(found_cost <= grid_cost * 1.02, "found ${found_cost}, the grid's cheapest feasible is ${grid_cost}");
    // The grid's verdicts back the choice: the option found is feasible there.
    let explored = std::fs::read_to_string(grid.join("explored.csv")).unwrap();
    let best = found["best"].as_str().unwrap();
    let row = explored.lines().find(|l| l.split(',').nth(1) == Some(best)).unwrap();
    assert!(row.ends_with(",feasible"), "{row}");
}

#[test]
fn best_toml_runs_as_a_plain_scenario_from_anywhere() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("search");
    let found = json(&["optimize", EXAMPLE, "--format", "json", "--out", arg(&out)]);
    let best = std::fs::read_to_string(out.join("best.toml")).unwrap();
    assert!(!best.contains("[optimize"), "best.toml is a plain scenario");
    let label = found["best"].as_str().unwrap();
    let count = label.rsplit('+').next().unwrap();
    assert!(best.contains(&format!("desiredCount = {count}")), "{label}:\n{best}");
    // From another folder: its demand curve is found by an absolute path.
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["run", "best.toml", "--quiet", "--out", "again"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(out.join("again/summary.csv").is_file());
}

#[test]
fn outputs_are_byte_identical_across_thread_counts() {
    let root = tempfile::tempdir().unwrap();
    let (one, three) = (root.path().join("one"), root.path().join("three"));
    run_ok(&["optimize", EXAMPLE, "--quiet", "--threads", "1", "--out", arg(&one)]);
    run_ok(&["optimize", EXAMPLE, "--quiet", "--threads", "3", "--out", arg(&three)]);
    assert_eq!(files(&one), files(&three), "outputs and cache alike");
    for name in OUTPUTS {
        assert!(one.join(name).is_file(), "{name} is written");
    }
}

#[test]
fn a_search_sharded_round_by_round_writes_the_one_machine_outputs() {
    let root = tempfile::tempdir().unwrap();
    let single = root.path().join("single");
    run_ok(&["optimize", EXAMPLE, "--quiet", "--out", arg(&single)]);
    let shared = root.path().join("shared");
    let mut rounds = 0;
    loop {
        let reports: Vec<serde_json::Value> = (0..3)
            .map(|i| {
                let shard = format!("{i}/3");
                json(&["optimize", EXAMPLE, "--shard", &shard, "--format", "json", "--out", arg(&shared)])
            })
            .collect();
        // Every shard of a round sees the same round.
        assert!(reports.windows(2).all(|w| w[0]["round_runs"] == w[1]["round_runs"]), "{reports:?}");
        if reports[0]["complete"].as_bool().unwrap() {
            break;
        }
        rounds += 1;
        assert!(rounds < 100, "the search never completes");
    }
    assert!(rounds > 1, "the example takes several rounds");
    run_ok(&["optimize", EXAMPLE, "--quiet", "--out", arg(&shared)]);
    assert_eq!(outputs(&single), outputs(&shared));
}

#[test]
fn an_interrupted_search_resumes_from_its_cache() {
    let root = tempfile::tempdir().unwrap();
    let (whole, resumed) = (root.path().join("whole"), root.path().join("resumed"));
    run_ok(&["optimize", EXAMPLE, "--quiet", "--out", arg(&whole)]);
    // Two rounds made by shards, as if a search had stopped there.
    for _ in 0..2 {
        run_ok(&["optimize", EXAMPLE, "--quiet", "--shard", "0/1", "--out", arg(&resumed)]);
    }
    run_ok(&["optimize", EXAMPLE, "--quiet", "--out", arg(&resumed)]);
    assert_eq!(outputs(&whole), outputs(&resumed));
    // A cache made with another seed belongs to another search.
    let output = ecs_sim(&["optimize", EXAMPLE, "--seed", "7", "--out", arg(&resumed)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("another search"), "{}", text(&output.stderr));
}

/// The example with its `[optimize]` section replaced by `section`.
fn with_section(dir: &Path, section: &str) -> PathBuf {
    let example = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE)).unwrap();
    let traces = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces/");
    let example = example.replace("file = \"traces/", &format!("file = \"{}", traces.display()));
    let head = &example[..example.find("[optimize]").unwrap()];
    let path = dir.join("search.toml");
    std::fs::write(&path, format!("{head}{section}")).unwrap();
    path
}

#[test]
fn bad_sections_are_invalid_input_naming_the_field() {
    let root = tempfile::tempdir().unwrap();
    let variable = "[[optimize.variable]]\npath = \"service.web.desiredCount\"\nrange = { min = 4, max = 8 }\n";
    let cases = [
        (format!("[optimize]\n{variable}[[optimize.constraint]]\nmetric = \"availabilty_pct\"\nmin = 99\n"), "did you mean `availability_pct`"),
        (format!("[optimize]\n{variable}[[optimize.constraint]]\nmetric = \"availability_pct\"\nmin = 99\nmax = 100\n"), "optimize.constraint[0]"),
        (format!("[optimize]\n{variable}[[optimize.constraint]]\nmetric = \"cost_usd\"\nmax = 3\n"), "what the search minimises"),
        ("[optimize]\nreplications = 2\n".to_string(), "no decision variable"),
        (format!("[optimize]\nmin_replications = 9\n{variable}"), "optimize.min_replications"),
        ("[optimize]\n[[optimize.variable]]\npath = \"service.web.desiredCount\"\nrange = { min = 8, max = 4 }\n".to_string(), "optimize.variable[0].range"),
        ("[optimize]\n[[optimize.variable]]\npath = \"service.web.desiredCount\"\nvalues = [4]\nrange = { min = 4, max = 8 }\n".to_string(), "`values` or a `range`"),
        (format!("[optimize]\nsearch = \"random\"\n{variable}"), "optimize.search"),
        (format!("[optimize]\nbudget_runs = 0\n{variable}"), "optimize.budget_runs"),
        (format!("[sweep]\nreplications = 2\n[optimize]\n{variable}"), "both [sweep] and [optimize]"),
        ("[optimize]\n[[optimize.variable]]\npath = \"service.webb.desiredCount\"\nvalues = [4, 6]\n".to_string(), "optimize.variable[0].path"),
        ("[optimize]\n[[optimize.variable]]\npath = \"service.web.desiredCount\"\nvalues = [\"four\"]\n".to_string(), "search option `v0`"),
    ];
    for (section, says) in cases {
        let path = with_section(root.path(), &section);
        let output = ecs_sim(&["optimize", arg(&path), "--out", arg(&root.path().join("out"))]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{section}\n{stderr}");
        assert!(stderr.contains(says), "{section}: expected `{says}` in\n{stderr}");
        assert!(!root.path().join("out").exists(), "nothing is written for {section}");
    }
    let output = ecs_sim(&["optimize", "scenarios/quickstart.toml", "--out", arg(&root.path().join("out"))]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no [optimize] section"));
}
