//! Trace readers: each format parses, units convert, bad rows are reported by
//! line (strict) or skipped and counted (lenient), gzip is read directly, the
//! DAG gate holds tasks until their dependencies complete, and the real
//! samples in `../shared/traces` read in full (those tests skip, saying why,
//! when the folder is absent).

mod common;

use common::{read_all, read_until_error};
use ecs_sim::engine::{SimDuration, SimTime};
use ecs_sim::traces::{
    trace_stats, ColumnMapping, DagGate, TimeUnit, TraceFormat, TraceReader, TraceTask, UnitMapping,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

const UNITS: UnitMapping = UnitMapping { machine_cpu_units: 96 * 1024, machine_memory_mib: 65_536 };

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn open(path: &Path, format: TraceFormat, strict: bool) -> TraceReader {
    TraceReader::open(path, format, UNITS, 1.0, strict).unwrap()
}

/// The shared samples folder, or `None` (after saying so) when it is absent.
fn samples(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/traces").join(file);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

const ALIBABA_2018: &str = "\
0,j_1,M3,10,50.0,50,2
0,j_1,M4,20,100,0.39,1
0,j_1,J5_3_4,30,33,0,3
1,j_2,task_LTENNjUx==,5,700,1.5,1
";

#[test]
fn alibaba_2018_rows_convert_to_ecs_units() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "batch.csv", ALIBABA_2018);
    let tasks = read_all(&mut open(&path, TraceFormat::Alibaba2018, true));
    assert_eq!(tasks.len(), 4);
    let first = &tasks[0];
    assert_eq!((first.line, first.submit, first.duration), (1, SimTime(0), SimDuration::from_secs(10)));
    // plan_cpu 50 is half a core; plan_mem 50 is half of a 65536 MiB machine.
    assert_eq!((first.cpu, first.memory, first.count), (Some(512), Some(32_768), 2));
    assert_eq!((first.job.as_deref(), first.name.as_deref()), (Some("j_1"), Some("3")));
    assert!(first.depends_on.is_empty());
    // 0.39 % of 65536 MiB = 255.59 → 256; 33 % of a core = 337.92 → 338; 0 → minimum 1.
    assert_eq!((tasks[1].cpu, tasks[1].memory), (Some(1024), Some(256)));
    assert_eq!((tasks[2].cpu, tasks[2].memory, tasks[2].count), (Some(338), Some(1), 3));
    assert_eq!(tasks[2].name.as_deref(), Some("5"));
    assert_eq!(tasks[2].depends_on, ["3", "4"]);
    assert_eq!(tasks[3].name.as_deref(), Some("task_LTENNjUx=="));
    assert!(tasks[3].depends_on.is_empty());
    assert_eq!((tasks[3].submit, tasks[3].cpu, tasks[3].memory), (SimTime(1000), Some(7168), Some(984)));
}

#[test]
fn alibaba_2017_rows_convert_to_ecs_units() {
    let dir = tempfile::tempdir().unwrap();
    let csv = ",submit_time,duration,cpu,memory,job_id,task_id,instances_num,disk\n\
               0,539,116.38162544169612,1.0,0.25,1,1,283,0\n\
               1,7448.5,73.5,0.5,0.0078,9,23,67,0\n";
    let path = write(dir.path(), "jobs.csv", csv);
    let tasks = read_all(&mut open(&path, TraceFormat::Alibaba2017, true));
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].line, 2);
    assert_eq!((tasks[0].submit, tasks[0].duration), (SimTime(539_000), SimDuration(116_382)));
    assert_eq!((tasks[0].cpu, tasks[0].memory, tasks[0].count), (Some(1024), Some(16_384), 283));
    assert_eq!((tasks[0].job.as_deref(), tasks[0].name.as_deref()), (Some("1"), Some("1")));
    assert_eq!((tasks[1].submit, tasks[1].duration), (SimTime(7_448_500), SimDuration(73_500)));
    // 0.0078 × 65536 = 511.18 → 512.
    assert_eq!((tasks[1].cpu, tasks[1].memory), (Some(512), Some(512)));
}

#[test]
fn alibaba_2017_header_typos_get_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "jobs.csv", ",submit_tme,duration,cpu,memory,job_id,task_id,instances_num,disk\n");
    let err = TraceReader::open(&path, TraceFormat::Alibaba2017, UNITS, 1.0, true).unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 1"));
    assert!(err.message.contains("`submit_time`"), "{err}");
    assert!(err.help.as_deref().unwrap_or("").contains("submit_tme"), "{err}");
}

#[test]
fn generic_csv_with_header_and_end_times() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "start_ms,end_ms,cores,gib,n,family,team\n\
               1500,61500,0.25,2,3,web:4,blue\n\
               2000,2000,,0.5,,batch,\n";
    let path = write(dir.path(), "jobs.csv", csv);
    let mapping = ColumnMapping {
        time_unit: TimeUnit::Milliseconds,
        end_time: Some("end_ms".into()),
        cpu: Some("cores".into()),
        cpu_scale: 1024.0,
        memory: Some("gib".into()),
        memory_scale: 1024.0,
        count: Some("n".into()),
        task_definition: Some("family".into()),
        group: Some("team".into()),
        ..ColumnMapping::new("start_ms")
    };
    let tasks = read_all(&mut open(&path, TraceFormat::Generic(mapping), true));
    assert_eq!(tasks.len(), 2);
    let t = &tasks[0];
    assert_eq!(
        (t.line, t.submit, t.duration, t.cpu, t.memory, t.count),
        (2, SimTime(1500), SimDuration(60_000), Some(256), Some(2048), 3)
    );
    assert_eq!((t.task_definition.as_deref(), t.group.as_deref()), (Some("web:4"), Some("blue")));
    let t = &tasks[1];
    assert_eq!(
        (t.duration, t.cpu, t.memory, t.count, t.group.as_deref()),
        (SimDuration::ZERO, None, Some(512), 1, None)
    );
}

#[test]
fn generic_tsv_without_header_uses_column_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "trace.tsv", "0.5\tx\t2\t512\n1\ty\t0.5\t100\textra\n");
    let mapping = ColumnMapping {
        time_unit: TimeUnit::Minutes,
        duration: Some("2".into()),
        memory: Some("3".into()),
        task_definition: Some("1".into()),
        delimiter: b'\t',
        has_header: false,
        ..ColumnMapping::new("0")
    };
    let tasks = read_all(&mut TraceReader::open(&path, TraceFormat::Generic(mapping), UNITS, 0.5, true).unwrap());
    // Minutes, then compressed 2× by the time scale.
    assert_eq!(
        (tasks[0].submit, tasks[0].duration, tasks[0].memory),
        (SimTime(15_000), SimDuration(60_000), Some(512))
    );
    assert_eq!(
        (tasks[1].submit, tasks[1].duration, tasks[1].task_definition.as_deref()),
        (SimTime(30_000), SimDuration(15_000), Some("y"))
    );
}

#[test]
fn generic_mapping_errors_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "jobs.csv", "submit,runtime\n1,2\n");
    let mapping = ColumnMapping { duration: Some("run_time".into()), ..ColumnMapping::new("submit") };
    let err = TraceReader::open(&path, TraceFormat::Generic(mapping), UNITS, 1.0, true).unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 1"));
    assert!(err.help.as_deref().unwrap_or("").contains("did you mean `runtime`"), "{err}");

    let neither = ColumnMapping::new("submit");
    let err = TraceReader::open(&path, TraceFormat::Generic(neither), UNITS, 1.0, true).unwrap_err();
    assert!(err.message.contains("neither a duration nor an end time"), "{err}");

    let mapping = ColumnMapping { duration: Some("runtime".into()), ..ColumnMapping::new("submit") };
    let err = TraceReader::open(&path, TraceFormat::Generic(mapping.clone()), UNITS, 0.0, true).unwrap_err();
    assert!(err.message.contains("time scale"), "{err}");
    let no_header = ColumnMapping { has_header: false, ..mapping };
    let err = TraceReader::open(&path, TraceFormat::Generic(no_header), UNITS, 1.0, true).unwrap_err();
    assert!(err.message.contains("not a column number"), "{err}");

    let zero_memory = UnitMapping { machine_cpu_units: 1024, machine_memory_mib: 0 };
    let err = TraceReader::open(&path, TraceFormat::Alibaba2018, zero_memory, 1.0, true).unwrap_err();
    assert!(err.help.as_deref().unwrap_or("").contains("trace_machine = { vcpu"), "{err}");

    let err =
        TraceReader::open(&dir.path().join("missing.csv"), TraceFormat::Alibaba2018, UNITS, 1.0, true).unwrap_err();
    assert!(err.message.contains("cannot open"), "{err}");
}

/// Good rows around one bad row of each kind.
const MALFORMED: &str = "\
0,j_1,M1,10,50,1,1
0,j_1,M2_1,10,5O,1,1
1,j_2,M1,10,50,1
2,j_3,M1,-4,50,1,1
3,j_4,M1,10,50,1,0
4,j_5,M1,10,50,1,1
0,j_6,M1,10,50,1,1
5,j_7,M1,10,-50,1,1
6,j_8,M1,10,50,1,1
";

#[test]
fn a_malformed_row_is_an_error_naming_its_line_when_strict() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", MALFORMED);
    let mut reader = open(&path, TraceFormat::Alibaba2018, true);
    assert_eq!(reader.next_task().unwrap().map(|t| t.line), Some(1));
    let err = reader.next_task().unwrap_err();
    assert_eq!(err.file, path);
    assert_eq!(err.location.as_deref(), Some("line 2"));
    assert!(err.message.contains("`plan_cpu` is `5O`"), "{err}");
    assert!(err.help.is_some());
    assert!(err.to_string().contains("bad.csv, line 2: "), "{err}");
}

#[test]
fn malformed_rows_are_skipped_and_counted_when_lenient() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", MALFORMED);
    let mut reader = open(&path, TraceFormat::Alibaba2018, false);
    let lines: Vec<u64> = read_all(&mut reader).iter().map(|t| t.line).collect();
    assert_eq!(lines, [1, 6, 9]);
    assert_eq!(reader.skipped(), 6);
    let expected: BTreeMap<String, u64> = [
        ("not a number", 1),
        ("wrong field count", 1),
        ("negative duration", 1),
        ("bad instance count", 1),
        ("time out of order", 1),
        ("negative resource", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(reader.skipped_by_reason(), &expected);
}

#[test]
fn each_kind_of_bad_row_names_its_line_when_strict() {
    let dir = tempfile::tempdir().unwrap();
    for (row, expect) in [
        ("1,j_2,M1,10,50,1", "has 6 fields, but 7"),
        ("2,j_3,M1,-4,50,1,1", "duration is negative"),
        ("3,j_4,M1,10,50,1,0", "at least 1"),
        ("3,j_4,M1,10,50,1,2.5", "whole number"),
        ("-3,j_4,M1,10,50,1,1", "submit time is negative"),
        ("3,j_4,M1,,50,1,1", "`duration_s` is empty"),
        ("3,j_4,M1,1e300,50,1,1", "too large"),
        ("0,j_6,M1,10,50,1,1", "earlier than line 2"),
    ] {
        let path = write(dir.path(), "bad.csv", &format!("0,j_0,M1,10,50,1,1\n2,j_1,M1,1,1,1,1\n{row}\n"));
        let err = read_until_error(open(&path, TraceFormat::Alibaba2018, true));
        assert_eq!(err.location.as_deref(), Some("line 3"), "{err}");
        assert!(err.message.contains(expect), "{row}: {err}");
        assert!(err.help.is_some(), "{err}");
    }
}

#[test]
fn rows_slightly_out_of_order_are_put_in_order_within_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        write(dir.path(), "jitter.csv", "0,a,M1,1,50,1,1\n2.0,b,M1,1,50,1,1\n1.5,c,M1,1,50,1,1\n9,d,M1,1,50,1,1\n");
    let jobs: Vec<String> =
        read_all(&mut open(&path, TraceFormat::Alibaba2018, true)).into_iter().filter_map(|t| t.job).collect();
    assert_eq!(jobs, ["a", "c", "b", "d"]);
    let mut exact = open(&path, TraceFormat::Alibaba2018, true).with_reorder_window(SimDuration::ZERO);
    exact.next_task().unwrap();
    exact.next_task().unwrap();
    let err = exact.next_task().unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 3"));
}

#[test]
fn gzip_traces_are_read_directly() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.csv.gz");
    // Two gzip members back to back, as `cat a.gz b.gz` makes.
    let mut bytes = Vec::new();
    for part in [&ALIBABA_2018[..40], &ALIBABA_2018[40..]] {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(part.as_bytes()).unwrap();
        bytes.extend(encoder.finish().unwrap());
    }
    std::fs::write(&path, bytes).unwrap();
    let tasks = read_all(&mut open(&path, TraceFormat::Alibaba2018, true));
    let plain = write(dir.path(), "batch.csv", ALIBABA_2018);
    assert_eq!(tasks, read_all(&mut open(&plain, TraceFormat::Alibaba2018, true)));
    assert_eq!(tasks.len(), 4);

    let broken = write(dir.path(), "broken.csv.gz", ALIBABA_2018);
    let err = open(&broken, TraceFormat::Alibaba2018, false).next_task().unwrap_err();
    assert!(err.help.as_deref().unwrap_or("").contains("gzip"), "{err}");
}

#[test]
fn dag_task_waits_until_its_dependencies_complete() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "batch.csv", ALIBABA_2018);
    let mut gate = DagGate::new();
    let mut ready = Vec::new();
    for task in read_all(&mut open(&path, TraceFormat::Alibaba2018, true)) {
        ready.extend(gate.seal_before(task.submit));
        ready.extend(gate.offer(task));
    }
    ready.extend(gate.seal_all());
    let names = |tasks: &[TraceTask]| tasks.iter().map(|t| t.name.clone().unwrap()).collect::<Vec<_>>();
    assert_eq!(names(&ready), ["3", "4", "task_LTENNjUx=="]);
    assert_eq!(gate.held(), 1);
    assert!(gate.completed("j_1", "3").is_empty(), "5 still waits for 4");
    let released = gate.completed("j_1", "4");
    assert_eq!(names(&released), ["5"]);
    assert_eq!(gate.held(), 0);
    assert_eq!(gate.completed("j_2", "task_LTENNjUx=="), []);
    assert_eq!(gate.live_jobs(), 1, "j_2 is over; j_1 still runs 5");
    assert!(gate.completed("j_1", "5").is_empty());
    assert_eq!(gate.live_jobs(), 0);
}

fn task(job: &str, name: &str, deps: &[&str], submit: u64) -> TraceTask {
    TraceTask {
        line: 0,
        submit: SimTime(submit),
        duration: SimDuration::ZERO,
        cpu: None,
        memory: None,
        count: 1,
        job: Some(job.into()),
        name: Some(name.into()),
        depends_on: deps.iter().map(|d| d.to_string()).collect(),
        task_definition: None,
        group: None,
    }
}

#[test]
fn dependencies_absent_from_a_job_are_satisfied_once_it_is_sealed() {
    let mut gate = DagGate::new();
    // Node 2 arrives after node 3, which waits for it: held until 2 completes, not released early.
    assert!(gate.offer(task("j", "3", &["2", "9"], 0)).is_none());
    assert!(gate.offer(task("j", "2", &[], 0)).is_some());
    assert!(gate.seal_before(SimTime(0)).is_empty(), "same instant: the job may still grow");
    assert!(gate.seal_before(SimTime(1)).is_empty(), "sealed, but 2 still runs");
    let released = gate.completed("j", "2");
    assert_eq!(released.len(), 1, "9 never appeared in the job");
    // A cycle does not deadlock: the earliest held task goes first.
    assert!(gate.offer(task("k", "1", &["2"], 5)).is_none());
    assert!(gate.offer(task("k", "2", &["1"], 5)).is_none());
    let first = gate.seal_all();
    assert_eq!(first.iter().map(|t| t.name.as_deref().unwrap()).collect::<Vec<_>>(), ["1"]);
    assert_eq!(gate.completed("k", "1").len(), 1);
    gate.completed("j", "3");
    gate.completed("k", "2");
    assert_eq!((gate.held(), gate.live_jobs()), (0, 0));
}

#[test]
fn stats_summarise_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "batch.csv", ALIBABA_2018);
    let stats = trace_stats(&mut open(&path, TraceFormat::Alibaba2018, true)).unwrap();
    assert_eq!((stats.tasks, stats.instances, stats.skipped), (4, 7, 0));
    assert_eq!((stats.first_submit, stats.last_submit), (SimTime(0), SimTime(1000)));
    assert_eq!(stats.arrival_rate_per_min, 240.0);
    // Per instance: 512 ×2, 1024 ×1, 338 ×3, 7168 ×1.
    assert_eq!(stats.cpu_quantiles, [338, 512, 7168, 7168, 7168]);
    assert_eq!(stats.memory_quantiles, [1, 256, 32_768, 32_768, 32_768]);
    let cpu_hours = (0.5 * 10.0 * 2.0 + 20.0 + 338.0 / 1024.0 * 30.0 * 3.0 + 7.0 * 5.0) / 3600.0;
    assert!((stats.total_cpu_hours - cpu_hours).abs() < 1e-9, "{}", stats.total_cpu_hours);
    let text = stats.to_string();
    assert!(text.contains("4 rows, 7 instances") && text.contains("p50 512"), "{text}");
}

#[test]
fn real_alibaba_2018_sample_reads_in_full() {
    let Some(path) = samples("alibaba2018-batch/sample_tasks.csv") else { return };
    let mut reader = open(&path, TraceFormat::Alibaba2018, true).with_reorder_window(SimDuration::ZERO);
    let mut rows = 0u64;
    let mut instances = 0u64;
    let mut last = SimTime::ZERO;
    let mut job_times: HashMap<String, SimTime> = HashMap::new();
    let mut previous_job = String::new();
    let mut jobs_seen = 0;
    while let Some(task) = reader.next_task().unwrap() {
        rows += 1;
        instances += u64::from(task.count);
        assert!(task.submit >= last, "line {} is out of order", task.line);
        last = task.submit;
        let job = task.job.clone().unwrap();
        let arrival = *job_times.entry(job.clone()).or_insert(task.submit);
        assert_eq!(arrival, task.submit, "a job's tasks all arrive at once (line {})", task.line);
        if job != previous_job {
            jobs_seen += 1;
            previous_job = job;
        }
        assert!(task.cpu.is_some() && task.memory.is_some());
    }
    assert_eq!((rows, instances, reader.skipped()), (67_634, 3_056_536, 0));
    assert_eq!(job_times.len(), 16_749);
    assert_eq!(jobs_seen, 16_749, "each job's rows are consecutive");
    assert_eq!(last, SimTime(3_600_000));
}

/// A toy scheduler for the DAG gate: every released task starts at once and
/// all its instances end `duration` later.
#[derive(Default)]
struct Replay {
    gate: DagGate,
    finishes: BinaryHeap<Reverse<(SimTime, u64, String, String)>>,
    started: u64,
    held_at_most: usize,
}

impl Replay {
    fn start(&mut self, tasks: impl IntoIterator<Item = TraceTask>, now: SimTime) {
        for task in tasks {
            self.started += 1;
            let finish = (now + task.duration, self.started, task.job.unwrap(), task.name.unwrap());
            self.finishes.push(Reverse(finish));
        }
        self.held_at_most = self.held_at_most.max(self.gate.held());
    }

    fn run_until(&mut self, time: SimTime) {
        while self.finishes.peek().is_some_and(|Reverse((at, ..))| *at <= time) {
            let Some(Reverse((at, _, job, name))) = self.finishes.pop() else { break };
            let ready = self.gate.completed(&job, &name);
            self.start(ready, at);
        }
    }
}

#[test]
fn real_alibaba_2018_sample_runs_through_the_dag_gate() {
    let Some(path) = samples("alibaba2018-batch/sample_tasks.csv") else { return };
    let mut reader = open(&path, TraceFormat::Alibaba2018, true);
    let mut replay = Replay::default();
    while let Some(task) = reader.next_task().unwrap() {
        let now = task.submit;
        replay.run_until(now);
        let sealed = replay.gate.seal_before(now);
        replay.start(sealed, now);
        let offered = replay.gate.offer(task);
        replay.start(offered, now);
    }
    let sealed = replay.gate.seal_all();
    replay.start(sealed, SimTime(3_600_000));
    replay.run_until(SimTime(u64::MAX));
    assert_eq!(replay.started, 67_634, "every task is released");
    assert!(replay.held_at_most > 0, "some tasks wait for others");
    assert_eq!((replay.gate.held(), replay.gate.live_jobs()), (0, 0), "all job state is dropped");
}

#[test]
fn real_alibaba_2017_sample_reads_in_full_once_sorted() {
    let Some(path) = samples("alibaba2017-batch/jobs.csv") else { return };
    // The file is ordered by job id, not time: a strict reader stops at the first step back.
    let err = read_until_error(open(&path, TraceFormat::Alibaba2017, true));
    assert_eq!(err.location.as_deref(), Some("line 123"), "{err}");
    assert!(err.message.contains("earlier than line 122"), "{err}");

    let mut reader = open(&path, TraceFormat::Alibaba2017, true).with_reorder_window(SimDuration(u64::MAX));
    let tasks = read_all(&mut reader);
    assert_eq!(tasks.len(), 31_756);
    assert!(tasks.windows(2).all(|w| w[0].submit <= w[1].submit));
    assert_eq!(tasks.iter().map(|t| u64::from(t.count)).sum::<u64>(), 2_551_075);
    assert_eq!((tasks[0].submit, tasks.last().unwrap().submit), (SimTime(0), SimTime(59_829_000)));
    assert!(tasks.iter().all(|t| t.cpu.is_some_and(|c| (409..=3072).contains(&c)) && t.memory.is_some()));
}

#[test]
fn real_sample_stats_are_sane() {
    let Some(path) = samples("alibaba2018-batch/sample_tasks.csv") else { return };
    let stats = trace_stats(&mut open(&path, TraceFormat::Alibaba2018, true)).unwrap();
    eprintln!("{stats}");
    assert_eq!((stats.tasks, stats.instances, stats.skipped), (67_634, 3_056_536, 0));
    assert_eq!((stats.first_submit, stats.last_submit), (SimTime::ZERO, SimTime(3_600_000)));
    assert!((stats.arrival_rate_per_min - 67_634.0 / 60.0).abs() < 1e-6);
    for q in [stats.cpu_quantiles, stats.memory_quantiles] {
        assert!(q.windows(2).all(|w| w[0] <= w[1]) && q[0] >= 1, "{q:?}");
    }
    // plan_cpu runs 5..=700 (0.05 to 7 cores); plan_mem 0.02..5.17 % of 64 GiB.
    assert_eq!((stats.cpu_quantiles[0], stats.cpu_quantiles[4]), (52, 7168));
    assert_eq!((stats.memory_quantiles[0], stats.memory_quantiles[4]), (14, 3389));
    assert!(stats.total_cpu_hours > 0.0 && stats.total_memory_gib_hours > 0.0);
}

#[test]
fn empty_resource_fields_mean_not_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "batch.csv", "0,j_1,M1,10,,,1\n");
    let tasks = read_all(&mut open(&path, TraceFormat::Alibaba2018, true));
    assert_eq!((tasks[0].cpu, tasks[0].memory), (None, None));
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let alphabet = b"0123456789,,,,..--_eE\n\"\t jMR\xff\xfe";
    for round in 0..60 {
        let bytes: Vec<u8> = (0..400)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let path = dir.path().join(format!("garbage{round}.csv"));
        std::fs::write(&path, &bytes).unwrap();
        let mapping = ColumnMapping {
            end_time: Some("1".into()),
            cpu: Some("2".into()),
            count: Some("3".into()),
            has_header: false,
            ..ColumnMapping::new("0")
        };
        for format in [TraceFormat::Alibaba2018, TraceFormat::Alibaba2017, TraceFormat::Generic(mapping)] {
            for strict in [true, false] {
                let Ok(mut reader) = TraceReader::open(&path, format.clone(), UNITS, 1.0, strict) else { continue };
                for _ in 0..1000 {
                    match reader.next_task() {
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    }
                }
            }
        }
    }
}

#[test]
fn invalid_utf8_rows_are_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.csv");
    std::fs::write(&path, b"0,j_1,M1,10,50,1,1\n1,j_\xe9,M1,10,50,1,1\n2,j_3,M1,10,50,1,1\n").unwrap();
    let mut reader = open(&path, TraceFormat::Alibaba2018, false);
    assert_eq!(read_all(&mut reader).len(), 2);
    assert_eq!(reader.skipped_by_reason().get("unreadable row"), Some(&1));
    let err = read_until_error(open(&path, TraceFormat::Alibaba2018, true));
    assert_eq!(err.location.as_deref(), Some("line 2"), "{err}");
}
