//! More trace readers: Google 2011 task events (events to task lives, rebased
//! times, normalised requests, resubmission, never-ended tasks, the lookahead,
//! bad rows, gzip), the Azure V1 VM table (buckets, unsorted rows), and load
//! series (fixed step, time column, scales, errors, and the real series in
//! `../shared/traces/load-series`, skipped with a printed reason when absent).

mod common;

use common::{read_all, read_until_error};
use ecs_sim::engine::{SimDuration, SimTime};
use ecs_sim::traces::{read_load_series, trace_stats, TraceFormat, TraceReader, UnitMapping};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A largest machine of 16 vCPUs and 64 GiB.
const UNITS: UnitMapping = UnitMapping { machine_cpu_units: 16 * 1024, machine_memory_mib: 65_536 };

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn gzip(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(content.as_bytes()).unwrap();
    std::fs::write(&path, encoder.finish().unwrap()).unwrap();
    path
}

fn open(path: &Path, format: TraceFormat, strict: bool) -> TraceReader {
    TraceReader::open(path, format, UNITS, 1.0, strict).unwrap()
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// A Google 2011 `task_events` row: time in seconds (written as µs), job,
/// task index, event type, CPU and memory requests.
fn event(seconds: f64, job: &str, index: u32, kind: u8, cpu: &str, memory: &str) -> String {
    let micros = (seconds * 1e6).round() as u64;
    let machine = if kind == 0 { "" } else { "351618647" };
    format!("{micros},,{job},{index},{machine},{kind},Ng8EQ0PDKhVWRBSkD5dUclmXnxHZVBsYCYPsGZKxRRs=,2,0,{cpu},{memory},0.0001,0\n")
}

/// Job 6251812952: task 0 runs 60.5 s; task 1, submitted a second later,
/// finishes first. The file starts at 600 s, as the 2011 trace does.
fn google_basic() -> String {
    [
        event(600.0, "6251812952", 0, 0, "0.0625", "0.0318"),
        event(601.0, "6251812952", 1, 0, "0.125", "0.0159"),
        event(601.0, "6251812952", 1, 1, "0.125", "0.0159"),
        event(602.0, "6251812952", 0, 1, "0.0625", "0.0318"),
        event(610.0, "6251812952", 1, 4, "0.125", "0.0159"),
        event(662.5, "6251812952", 0, 4, "0.0625", "0.0318"),
    ]
    .concat()
}

#[test]
fn google_submit_schedule_finish_is_one_task() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "part-00000-of-00500.csv", &google_basic());
    let mut reader = open(&path, TraceFormat::Google2011, true);
    let tasks = read_all(&mut reader);
    assert_eq!(tasks.len(), 2);
    let t = &tasks[0];
    // Rebased: the first row (600 s) is time 0; duration runs from SCHEDULE (602 s) to FINISH.
    assert_eq!((t.line, t.submit, t.duration, t.count), (1, SimTime(0), SimDuration(60_500), 1));
    // 0.0625 × 16384 = 1024 CPU units; 0.0318 × 65536 = 2084.04 → 2085 MiB.
    assert_eq!((t.cpu, t.memory), (Some(1024), Some(2085)));
    assert_eq!((t.job.as_deref(), t.name.as_deref(), t.group.as_deref()), (Some("6251812952"), Some("0"), None));
    assert!(t.depends_on.is_empty());
    let t = &tasks[1];
    assert_eq!((t.line, t.submit, t.duration), (2, SimTime(1000), SimDuration(9000)));
    assert_eq!((t.cpu, t.memory, t.name.as_deref()), (Some(2048), Some(1043), Some("1")));
    assert_eq!(reader.skipped(), 0);
    assert!(reader.incomplete_by_reason().is_empty());

    // The time scale applies after rebasing.
    let halved = read_all(&mut TraceReader::open(&path, TraceFormat::Google2011, UNITS, 0.5, true).unwrap());
    assert_eq!((halved[1].submit, halved[1].duration), (SimTime(500), SimDuration(4500)));
}

#[test]
fn google_evict_then_resubmit_is_two_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        event(600.0, "7", 3, 0, "0.25", "0.5"),
        event(600.0, "7", 3, 1, "0.25", "0.5"),
        event(650.0, "7", 3, 2, "0.25", "0.5"),
        event(651.0, "7", 3, 0, "0.5", "0.5"),
        event(660.0, "7", 3, 1, "0.5", "0.5"),
        event(700.0, "7", 3, 4, "0.5", "0.5"),
    ]
    .concat();
    let path = write(dir.path(), "evict.csv", &rows);
    let mut reader = open(&path, TraceFormat::Google2011, true);
    let tasks = read_all(&mut reader);
    let lives: Vec<_> = tasks.iter().map(|t| (t.line, t.submit, t.duration, t.cpu)).collect();
    assert_eq!(
        lives,
        [(1, SimTime(0), SimDuration(50_000), Some(4096)), (4, SimTime(51_000), SimDuration(40_000), Some(8192))]
    );
    assert!(tasks.iter().all(|t| t.name.as_deref() == Some("3") && t.job.as_deref() == Some("7")));
    assert!(reader.incomplete_by_reason().is_empty());
}

#[test]
fn google_tasks_never_scheduled_or_never_ended() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        // Runs from 5 s and never ends: cut at the last timestamp of the file (100 s).
        event(0.0, "1", 0, 0, "0.1", "0.1"),
        event(5.0, "1", 0, 1, "0.1", "0.1"),
        // Killed while pending: never ran, dropped.
        event(10.0, "2", 0, 0, "0.1", "0.1"),
        event(20.0, "2", 0, 5, "0.1", "0.1"),
        // Still pending at the end: dropped.
        event(30.0, "3", 0, 0, "0.1", "0.1"),
        // An end for a task submitted before this file: ignored.
        event(40.0, "4", 0, 4, "", ""),
        // Requests given only by an UPDATE_PENDING; UPDATE_RUNNING is ignored.
        event(50.0, "5", 0, 0, "", ""),
        event(55.0, "5", 0, 7, "0.5", "0.25"),
        event(60.0, "5", 0, 1, "", ""),
        event(70.0, "5", 0, 8, "1", "1"),
        event(100.0, "5", 0, 4, "", ""),
    ]
    .concat();
    let path = write(dir.path(), "open.csv", &rows);
    let mut reader = open(&path, TraceFormat::Google2011, true);
    let tasks = read_all(&mut reader);
    let jobs: Vec<_> = tasks.iter().map(|t| (t.job.clone().unwrap(), t.submit, t.duration)).collect();
    assert_eq!(
        jobs,
        [("1".to_string(), SimTime(0), SimDuration(95_000)), ("5".to_string(), SimTime(50_000), SimDuration(40_000))]
    );
    assert_eq!((tasks[1].cpu, tasks[1].memory), (Some(8192), Some(16_384)));
    assert_eq!(reader.skipped(), 0, "incomplete lives are not bad rows");
    assert_eq!(
        reader.incomplete_by_reason(),
        &counts(&[("never scheduled", 2), ("not ended by end of file", 1), ("event for an untracked task", 1)])
    );
}

#[test]
fn google_end_not_seen_within_the_lookahead() {
    let dir = tempfile::tempdir().unwrap();
    let day = 24.0 * 3600.0;
    let rows = [
        event(0.0, "1", 0, 0, "0.1", "0.1"),
        event(10.0, "1", 0, 1, "0.1", "0.1"),
        event(20.0, "2", 0, 0, "0.1", "0.1"),
        event(30.0, "3", 0, 0, "0.1", "0.1"),
        event(30.0, "3", 0, 1, "0.1", "0.1"),
        event(40.0, "3", 0, 4, "0.1", "0.1"),
        event(day + 25.0, "9", 0, 0, "0.1", "0.1"),
        event(day + 25.0, "9", 0, 1, "0.1", "0.1"),
        event(day + 30.0, "9", 0, 4, "0.1", "0.1"),
        event(day + 100.0, "1", 0, 4, "0.1", "0.1"),
    ]
    .concat();
    let path = write(dir.path(), "long.csv", &rows);
    let mut reader = open(&path, TraceFormat::Google2011, true);
    // Task 3 ended at 40 s but waits behind task 1 (submit order) until task 1's
    // lookahead passes; task 2 never got scheduled within it.
    let first = reader.next_task().unwrap().unwrap();
    assert_eq!((first.job.as_deref(), first.submit), (Some("1"), SimTime(0)));
    assert_eq!(first.duration, SimDuration::from_secs(24 * 3600 - 10));
    let rest: Vec<_> = read_all(&mut reader).into_iter().map(|t| (t.job.unwrap(), t.duration)).collect();
    assert_eq!(rest, [("3".to_string(), SimDuration(10_000)), ("9".to_string(), SimDuration(5000))]);
    assert_eq!(
        reader.incomplete_by_reason(),
        &counts(&[
            ("end not seen within lookahead", 1),
            ("not scheduled within lookahead", 1),
            ("event for an untracked task", 1),
        ])
    );
}

/// Good rows around bad ones: a bad event type (line 3), a short row (line 4),
/// a timestamp that is not a number (line 5) and one far out of order (line 7).
fn google_malformed() -> String {
    let mut rows = [
        event(600.0, "1", 0, 0, "0.1", "0.1"),
        event(600.0, "1", 0, 1, "0.1", "0.1"),
        event(601.0, "1", 0, 9, "0.1", "0.1"),
        "602000000,,1,0,351618647,4,user,2,0\n".to_string(),
        event(603.0, "1", 0, 4, "0.1", "0.1").replacen("603000000", "6O3000000", 1),
        event(603.0, "1", 0, 4, "0.1", "0.1"),
        event(590.0, "2", 0, 0, "0.1", "0.1"),
    ]
    .concat();
    // Within the 1 s window, a row slightly back in time is put in order.
    rows.push_str(&event(604.0, "3", 0, 0, "0.1", "0.1"));
    rows.push_str(&event(605.0, "3", 0, 4, "0.1", "0.1"));
    rows.push_str(&event(604.5, "3", 0, 1, "0.1", "0.1"));
    rows
}

#[test]
fn google_malformed_row_names_its_line_when_strict() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", &google_malformed());
    let err = read_until_error(open(&path, TraceFormat::Google2011, true));
    assert_eq!(err.file, path);
    assert_eq!(err.location.as_deref(), Some("line 3"), "{err}");
    assert!(err.message.contains("`event type` is `9`"), "{err}");
    assert!(err.to_string().contains("bad.csv, line 3: "), "{err}");
    assert!(err.help.is_some());

    // Each other kind of bad row, after the two good ones.
    let rows: Vec<String> = google_malformed().lines().map(|l| format!("{l}\n")).collect();
    for (bad, expect) in [
        (&rows[3], "has 9 fields, but 13"),
        (&rows[4], "`timestamp` is `6O3000000`"),
        (&rows[6], "(590000000 µs) is 10 s earlier than line 1 (600000000 µs)"),
    ] {
        let path = write(dir.path(), "one.csv", &format!("{}{}{bad}", rows[0], rows[1]));
        let err = read_until_error(open(&path, TraceFormat::Google2011, true));
        assert_eq!(err.location.as_deref(), Some("line 3"), "{err}");
        assert!(err.message.contains(expect), "{err}");
    }
}

#[test]
fn google_malformed_rows_are_skipped_and_counted_when_lenient() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", &google_malformed());
    let mut reader = open(&path, TraceFormat::Google2011, false);
    let tasks = read_all(&mut reader);
    let lives: Vec<_> = tasks.iter().map(|t| (t.line, t.job.clone().unwrap(), t.duration)).collect();
    assert_eq!(lives, [(1, "1".to_string(), SimDuration(3000)), (8, "3".to_string(), SimDuration(500))]);
    assert_eq!(reader.skipped(), 4);
    assert_eq!(
        reader.skipped_by_reason(),
        &counts(&[("unknown event type", 1), ("wrong field count", 1), ("not a number", 1), ("time out of order", 1),])
    );
}

#[test]
fn google_gzip_reads_like_plain_and_units_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(dir.path(), "part.csv", &google_basic());
    let packed = gzip(dir.path(), "part.csv.gz", &google_basic());
    let tasks = read_all(&mut open(&packed, TraceFormat::Google2011, true));
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks, read_all(&mut open(&plain, TraceFormat::Google2011, true)));

    let stats = trace_stats(&mut open(&packed, TraceFormat::Google2011, true)).unwrap();
    assert_eq!((stats.tasks, stats.instances, stats.skipped), (2, 2, 0));
    assert_eq!(stats.cpu_quantiles, [1024, 1024, 2048, 2048, 2048]);

    let no_cpu = UnitMapping { machine_cpu_units: 0, machine_memory_mib: 65_536 };
    let err = TraceReader::open(&plain, TraceFormat::Google2011, no_cpu, 1.0, true).unwrap_err();
    assert!(err.help.as_deref().unwrap_or("").contains("trace_machine = { vcpu"), "{err}");
}

/// Five VMs in `vmtable.csv` column order, not sorted by creation time.
const AZURE: &str = "\
x/XsOfHO4ocsV99i4NluqKDuxctW2MMVmwqOPAlg4wp8mqbBOe3wxBlQo0+Qx+uf,VDU4C8cqdr+ORcqquwMRcsBA2l0SC6lLPWFq9bJnKV2c,Pc2VLB8aDxK2DCC96itq4vW/zVDp4wioAUiB3HoGSFYQ0o8/ZCegTpb9L6NIy7sg,1200,2591700,99.369869,3.424094,10.194309,Delay-insensitive,2,4
H5CxmMoVcZSpjgGbohnVA3R+pdjTpp3QxPxfWqrDvFW3YvCHJ9Ok2+dH6m9RUj7g,BSXOcywx8pUU0DueDo6UMol1YzR6tn47KLEKaoXp0a1b,3J17LcV4gXjFat62qhVFRfoiWArHnY763HVqqI6orJCfV8h4j5yQk/xTfbjPy+Gs,0,2591700,98.008415,21.22578,74.724672,Interactive,>24,>64
Y8Fj/SoIDvtBc9BeQ7Za3bEjZoJ5iwKNaJgwVXNmwmR04h1WCK6mdN6KmBEa3bxL,BSXOcywx8pUU0DueDo6UMol1YzR6tn47KLEKaoXp0a1b,3J17LcV4gXjFat62qhVFRfoiWArHnY763HVqqI6orJCfV8h4j5yQk/xTfbjPy+Gs,600,3900,12.5,1.7,6.2,Interactive,24,64
kZpbCTSwU2hE8spsYWVyg0bNtZ35AutVqEFHFGdbLeavDTrcbVuL9ZN7H0X6z7Wy,8i1MEs6kWpX5DiPCsi4pGoP0ICrWEB3Hu3bhljfm2Fyb,TSmEo8IEdTWdC6ijhi+Frq2PgbqVlM6JNJf4hEgoAm92BIjVJoGWIXpVbbFr7SRW,300,1500,34.1,8.3,22.9,Unknown,8,32
";

#[test]
fn azure_rows_with_buckets_convert_to_ecs_units() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "vmtable.csv", AZURE);
    let mut reader = open(&path, TraceFormat::AzureVmTable, true).with_reorder_window(SimDuration(u64::MAX));
    let tasks = read_all(&mut reader);
    let order: Vec<_> = tasks.iter().map(|t| (t.line, t.submit, t.duration, t.cpu, t.memory)).collect();
    assert_eq!(
        order,
        [
            // ">24" cores → 30, ">64" GB → 70.
            (2, SimTime(0), SimDuration::from_secs(2_591_700), Some(30 * 1024), Some(70 * 1024)),
            (4, SimTime(300_000), SimDuration::from_secs(1200), Some(8 * 1024), Some(32 * 1024)),
            (3, SimTime(600_000), SimDuration::from_secs(3300), Some(24 * 1024), Some(64 * 1024)),
            (1, SimTime(1_200_000), SimDuration::from_secs(2_590_500), Some(2048), Some(4096)),
        ]
    );
    let t = &tasks[0];
    assert_eq!(t.job.as_deref(), Some("3J17LcV4gXjFat62qhVFRfoiWArHnY763HVqqI6orJCfV8h4j5yQk/xTfbjPy+Gs"));
    assert_eq!(t.name.as_deref(), Some("H5CxmMoVcZSpjgGbohnVA3R+pdjTpp3QxPxfWqrDvFW3YvCHJ9Ok2+dH6m9RUj7g"));
    assert_eq!((t.group.as_deref(), t.count), (Some("Interactive"), 1));
    assert_eq!(tasks[1].group.as_deref(), Some("Unknown"));

    // With the default window the unsorted file stops at its first big step back.
    let err = read_until_error(open(&path, TraceFormat::AzureVmTable, true));
    assert_eq!(err.location.as_deref(), Some("line 2"), "{err}");
    assert!(err.message.contains("earlier than line 1"), "{err}");
}

#[test]
fn azure_bad_rows_are_reported_or_counted() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "a,s,d,0,60,1,1,1,Interactive,2,4\n\
                b,s,d,100,50,1,1,1,Interactive,2,4\n\
                c,s,d,100,200,1,1,1,Interactive,>32,4\n\
                d,s,d,100,200,1,1,1,Interactive,2\n\
                e,s,d,100,200,1,1,1,Interactive,4,8\n";
    let path = write(dir.path(), "vmtable.csv", rows);
    let err = read_until_error(open(&path, TraceFormat::AzureVmTable, true));
    assert_eq!(err.location.as_deref(), Some("line 2"), "{err}");
    assert!(err.message.contains("`vmdeleted` (50) is before `vmcreated` (100)"), "{err}");
    let mut reader = open(&path, TraceFormat::AzureVmTable, false);
    let names: Vec<_> = read_all(&mut reader).into_iter().filter_map(|t| t.name).collect();
    assert_eq!(names, ["a", "e"]);
    assert_eq!(
        reader.skipped_by_reason(),
        &counts(&[("negative duration", 1), ("not a number", 1), ("wrong field count", 1)])
    );
}

#[test]
fn load_series_fixed_step_with_scales() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "load.csv", "cpu,mem\n10,1\n20,2\n30.5,3\n");
    let series = read_load_series(&path, "cpu", SimDuration::from_secs(300), 2.0, None, 0.5).unwrap();
    assert_eq!(series.step, SimDuration::from_secs(150));
    assert_eq!(series.values, [20.0, 40.0, 61.0]);
    assert_eq!((series.len(), series.duration()), (3, SimDuration::from_secs(450)));
    assert_eq!(series.value_at(SimTime(0)), 20.0);
    assert_eq!(series.value_at(SimTime(149_999)), 20.0);
    assert_eq!(series.value_at(SimTime(150_000)), 40.0);
    assert_eq!(series.value_at(SimTime(u64::MAX)), 61.0, "the last value holds after the end");

    let packed = gzip(dir.path(), "load.csv.gz", "cpu,mem\n10,1\n20,2\n30.5,3\n");
    let same = read_load_series(&packed, "cpu", SimDuration::from_secs(300), 2.0, None, 0.5).unwrap();
    assert_eq!(same, series);
}

#[test]
fn load_series_time_column_is_resampled() {
    let dir = tempfile::tempdir().unwrap();
    // Unix seconds, rebased to the first row; the later of two equal times wins.
    let csv = "ts,cpu\n1700000100,1\n1700000100.0,2\n1700000130,5\n1700000190,7\n";
    let path = write(dir.path(), "load.csv", csv);
    let series = read_load_series(&path, "cpu", SimDuration::from_secs(30), 1.0, Some("ts"), 1.0).unwrap();
    assert_eq!((series.step, series.values.clone()), (SimDuration::from_secs(30), vec![2.0, 5.0, 5.0, 7.0]));
    let stretched = read_load_series(&path, "cpu", SimDuration::from_secs(30), 10.0, Some("ts"), 2.0).unwrap();
    assert_eq!(stretched.step, SimDuration::from_secs(60));
    assert_eq!(stretched.values, [20.0, 50.0, 50.0, 70.0]);
    assert_eq!(stretched.value_at(SimTime(150_000)), 50.0);
    assert_eq!(stretched.duration(), SimDuration::from_secs(240));

    let back = write(dir.path(), "back.csv", "ts,cpu\n100,1\n130,5\n120,7\n");
    let err = read_load_series(&back, "cpu", SimDuration::from_secs(30), 1.0, Some("ts"), 1.0).unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 4"), "{err}");
    assert!(err.message.contains("earlier than line 3"), "{err}");
}

#[test]
fn load_series_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "load.csv", "cpu_util_percent,mem_util_percent\n1,2\n");
    let err = read_load_series(&path, "cpu_util", SimDuration::from_secs(300), 1.0, None, 1.0).unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 1"));
    let help = err.help.as_deref().unwrap_or("");
    assert!(help.contains("did you mean `cpu_util_percent`"), "{err}");
    assert!(help.contains("cpu_util_percent, mem_util_percent"), "{err}");
    let err =
        read_load_series(&path, "cpu_util_percent", SimDuration::from_secs(300), 1.0, Some("time"), 1.0).unwrap_err();
    assert!(err.message.contains("time column `time`"), "{err}");

    for (content, line, expect) in [
        ("cpu,mem\n1,2\nx,3\n", "line 3", "`cpu` is `x`"),
        ("cpu,mem\n1,2\n3\n", "line 3", "has 1 fields, but the header has 2"),
        ("cpu,mem\n1,2\n,3\n", "line 3", "`cpu` is empty"),
        ("cpu,mem\n-1,2\n", "line 2", "negative"),
    ] {
        let path = write(dir.path(), "bad.csv", content);
        let err = read_load_series(&path, "cpu", SimDuration::from_secs(300), 1.0, None, 1.0).unwrap_err();
        assert_eq!(err.file, path);
        assert_eq!(err.location.as_deref(), Some(line), "{err}");
        assert!(err.message.contains(expect), "{content}: {err}");
    }
    let empty = write(dir.path(), "empty.csv", "cpu\n");
    assert!(read_load_series(&empty, "cpu", SimDuration::from_secs(300), 1.0, None, 1.0).is_err());
    assert!(read_load_series(&path, "cpu", SimDuration::ZERO, 1.0, None, 1.0).is_err());
    assert!(read_load_series(&path, "cpu", SimDuration::from_secs(1), 0.0, None, 1.0).is_err());
}

/// A real series in the shared folder, or `None` (after saying so) when absent.
fn load_sample(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/load-series").join(file);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

#[test]
fn real_google_2019_load_series_reads() {
    let Some(path) = load_sample("google2019_cluster_usage_300s.csv") else { return };
    let series = read_load_series(&path, "cpu_util_percent", SimDuration::from_secs(300), 1.0, None, 1.0).unwrap();
    assert_eq!(series.len(), 8064, "28 days of 300 s rows");
    assert_eq!(series.duration(), SimDuration::from_secs(28 * 24 * 3600));
    assert!((45.0..49.0).contains(&series.mean()), "mean CPU {}", series.mean());
    assert!(series.values.iter().all(|v| (0.0..=100.0).contains(v)));
    let err = read_load_series(&path, "cpu", SimDuration::from_secs(300), 1.0, None, 1.0).unwrap_err();
    assert!(err.help.as_deref().unwrap_or("").contains("cycles_per_instruction"), "{err}");
}

#[test]
fn real_alibaba_2018_load_series_reads() {
    let Some(path) = load_sample("alibaba2018_cluster_usage_300s.csv") else { return };
    let series = read_load_series(&path, "cpu_util_percent", SimDuration::from_secs(300), 0.01, None, 1.0).unwrap();
    assert_eq!(series.len(), 2243, "about 7.8 days of 300 s rows");
    assert!((0.36..0.42).contains(&series.mean()), "mean CPU share {}", series.mean());
    let memory = read_load_series(&path, "mem_util_percent", SimDuration::from_secs(300), 1.0, None, 1.0).unwrap();
    assert!((85.0..92.0).contains(&memory.mean()), "mean memory {}", memory.mean());
}

#[test]
fn garbage_never_panics_the_new_readers() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let alphabet = b"0123456789,,,,,,..--_eE>\n\"\t jab\xff";
    for round in 0..60 {
        let bytes: Vec<u8> = (0..600)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let path = dir.path().join(format!("garbage{round}.csv"));
        std::fs::write(&path, &bytes).unwrap();
        for format in [TraceFormat::Google2011, TraceFormat::AzureVmTable] {
            for (strict, window) in [(true, SimDuration::ZERO), (false, SimDuration(u64::MAX))] {
                let Ok(reader) = TraceReader::open(&path, format.clone(), UNITS, 1.0, strict) else { continue };
                let mut reader = reader.with_reorder_window(window);
                for _ in 0..1000 {
                    match reader.next_task() {
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    }
                }
            }
        }
        let _ = read_load_series(&path, "0", SimDuration::from_secs(1), 1.0, Some("1"), 1.0);
    }
}

#[test]
fn random_google_event_streams_come_out_in_submit_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut emitted = 0;
    for round in 0..40 {
        let mut rows = String::new();
        let mut seconds = 600.0;
        for _ in 0..400 {
            // Mostly forward, now and then a little back (within the window) or hours ahead.
            let at = match next(20) {
                0 => seconds - 0.5,
                1 => {
                    seconds += 20_000.0;
                    seconds
                }
                _ => {
                    seconds += next(50) as f64;
                    seconds
                }
            };
            let kind = next(9) as u8;
            rows.push_str(&event(at, &next(4).to_string(), next(3) as u32, kind, "0.01", "0.02"));
        }
        let path = write(dir.path(), &format!("events{round}.csv"), &rows);
        for window in [SimDuration::from_secs(1), SimDuration(u64::MAX)] {
            let mut reader = open(&path, TraceFormat::Google2011, true).with_reorder_window(window);
            let tasks = read_all(&mut reader);
            assert!(tasks.windows(2).all(|w| w[0].submit <= w[1].submit), "round {round}");
            assert!(tasks.iter().all(|t| t.duration <= SimDuration::from_secs(24 * 3600)), "round {round}");
            assert!(tasks.iter().all(|t| t.cpu == Some(164) && t.memory == Some(1311)), "round {round}");
            assert_eq!(reader.skipped(), 0);
            emitted += tasks.len();
        }
    }
    assert!(emitted > 200, "only {emitted} tasks");
}
