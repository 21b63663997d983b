//! Where tasks come from: a native CSV trace, read as the run goes, or a
//! synthetic generator. Both yield `Submission`s in time order, one RunTask
//! call each, so memory stays bounded by live tasks, not the trace length.
//! Internal to the crate but for [`native_trace_stats_from`], the native
//! reader's entry from memory.

use crate::engine::{parse_duration, rng_stream, SimDuration, SimRng, SimTime};
use crate::error::{best_match, not_a_file, InputError};
use crate::scenario::workload_spec::{ArrivalProcess, SyntheticSpec, TraceSpec};
use crate::traces::{reasons, DagGate, TraceReader, TraceStats, TraceStatsBuilder, TraceTask};
use rand::Rng;
use rand_distr::{Distribution, Exp};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// One RunTask call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Submission {
    /// When it is made.
    pub time: SimTime,
    /// Task definition (`family` or `family:revision`), if the row names one.
    pub task_definition: Option<String>,
    /// Tasks to start; `None` takes the workload's RunTask `count`.
    pub count: Option<u32>,
    /// How long each task runs once RUNNING.
    pub run_duration: SimDuration,
    /// Task group, if given.
    pub group: Option<String>,
    /// CPU units, overriding the task definition.
    pub cpu: Option<u32>,
    /// MiB, overriding the task definition.
    pub memory: Option<u32>,
    /// Where it came from, for error messages (`trace.csv line 7`).
    pub origin: Option<(PathBuf, u64)>,
    /// Its (job, task name) in a trace DAG: report completion with
    /// [`SubmissionSource::completed`] when all its tasks have finished.
    pub dag: Option<(String, String)>,
}

/// A stream of submissions in time order.
pub(crate) trait SubmissionSource {
    /// The next submission, `Ok(None)` at the end.
    fn next_submission(&mut self) -> Result<Option<Submission>, InputError>;

    /// Every task of the submission tagged `(job, name)` has finished; returns
    /// the submissions this releases, to be made at once.
    fn completed(&mut self, _job: &str, _name: &str) -> Vec<Submission> {
        Vec::new()
    }

    /// Rows skipped as bad so far.
    fn skipped_rows(&self) -> u64 {
        0
    }

    /// Rows read but held back until the tasks they depend on finish.
    fn held_rows(&self) -> u64 {
        0
    }

    /// Event-trace tasks dropped because the trace never schedules them
    /// (or not within the lookahead).
    fn trace_tasks_dropped(&self) -> u64 {
        0
    }

    /// Event-trace tasks submitted with a run time cut short, because no end
    /// was seen within the lookahead or before the end of the file.
    fn trace_tasks_cut_short(&self) -> u64 {
        0
    }
}

/// The source of a workload that submits nothing: it only owns tasks
/// already running when the run starts.
pub(crate) struct NoSubmissions;

impl SubmissionSource for NoSubmissions {
    fn next_submission(&mut self) -> Result<Option<Submission>, InputError> {
        Ok(None)
    }
}

/// A public or custom trace format ([`crate::traces`]), with Alibaba 2018
/// tasks held back until the tasks of their job they depend on are done.
pub(crate) struct TraceSource {
    reader: TraceReader,
    gate: DagGate,
    ready: VecDeque<TraceTask>,
    finished: bool,
}

impl TraceSource {
    /// Opens the trace a scenario describes.
    pub(crate) fn open(spec: &TraceSpec) -> Result<TraceSource, InputError> {
        let reader = TraceReader::open(&spec.path, spec.format.clone(), spec.units, spec.time_scale, spec.strict)?
            .with_reorder_window(spec.reorder_window);
        Ok(TraceSource { reader, gate: DagGate::new(), ready: VecDeque::new(), finished: false })
    }

    /// Tasks the reader noted under any of these reasons.
    fn count_of(&self, which: &[&str]) -> u64 {
        which.iter().filter_map(|r| self.reader.incomplete_by_reason().get(*r)).sum()
    }

    fn submission(&self, task: TraceTask) -> Submission {
        let dag = match (&task.job, &task.name) {
            (Some(job), Some(name)) => Some((job.clone(), name.clone())),
            _ => None,
        };
        Submission {
            time: task.submit,
            task_definition: task.task_definition,
            count: Some(task.count),
            run_duration: task.duration,
            group: task.group,
            cpu: task.cpu,
            memory: task.memory,
            origin: Some((self.reader.path().to_path_buf(), task.line)),
            dag,
        }
    }
}

impl SubmissionSource for TraceSource {
    fn next_submission(&mut self) -> Result<Option<Submission>, InputError> {
        while self.ready.is_empty() && !self.finished {
            match self.reader.next_task()? {
                Some(task) => {
                    self.ready.extend(self.gate.seal_before(task.submit));
                    self.ready.extend(self.gate.offer(task));
                }
                None => {
                    self.ready.extend(self.gate.seal_all());
                    self.finished = true;
                }
            }
        }
        Ok(self.ready.pop_front().map(|task| self.submission(task)))
    }

    fn completed(&mut self, job: &str, name: &str) -> Vec<Submission> {
        let released = self.gate.completed(job, name);
        released.into_iter().map(|task| self.submission(task)).collect()
    }

    fn skipped_rows(&self) -> u64 {
        self.reader.skipped()
    }

    fn held_rows(&self) -> u64 {
        self.gate.held() as u64
    }

    fn trace_tasks_dropped(&self) -> u64 {
        self.count_of(&[reasons::NEVER_SCHEDULED, reasons::NOT_SCHEDULED_IN_LOOKAHEAD])
    }

    fn trace_tasks_cut_short(&self) -> u64 {
        self.count_of(&[reasons::END_NOT_SEEN, reasons::NOT_ENDED])
    }
}

/// Columns of the native trace format.
const COLUMNS: [&str; 7] = ["submit_time", "task_definition", "count", "duration", "group", "cpu", "memory"];

/// The native ecs-sim trace: a CSV with a header naming some of
/// `submit_time, task_definition, count, duration, group, cpu, memory`.
/// `submit_time` and `duration` are required; times are seconds (`90`,
/// `1.5`) or durations (`"90s"`, `"5m"`).
pub(crate) struct CsvTrace {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    columns: [Option<usize>; 7],
    record: csv::StringRecord,
    last_time: SimTime,
}

impl CsvTrace {
    /// Opens a trace and checks its header.
    pub(crate) fn open(path: &Path) -> Result<CsvTrace, InputError> {
        if let Some(why) = not_a_file(path) {
            return Err(InputError::new(path, format!("cannot open the trace: {why}")));
        }
        let file = File::open(path).map_err(|e| InputError::new(path, format!("cannot open the trace: {e}")))?;
        CsvTrace::from_reader(path, Box::new(BufReader::new(file)))
    }

    /// Reads a trace from `input` and checks its header; `path` names it in errors.
    fn from_reader(path: &Path, input: Box<dyn Read + Send>) -> Result<CsvTrace, InputError> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
        let header = reader
            .headers()
            .map_err(|e| InputError::new(path, format!("cannot read the header: {e}")).at("line 1"))?
            .clone();
        let mut columns = [None; 7];
        for (index, name) in header.iter().enumerate() {
            let Some(slot) = COLUMNS.iter().position(|c| *c == name) else {
                let err = InputError::new(path, format!("unknown column `{name}`")).at("line 1");
                return Err(match best_match(name, COLUMNS.into_iter()) {
                    Some(s) => err.help(format!("did you mean `{s}`? Columns are: {}", COLUMNS.join(", "))),
                    None => err.help(format!("columns are: {}", COLUMNS.join(", "))),
                });
            };
            if columns[slot].replace(index).is_some() {
                return Err(InputError::new(path, format!("column `{name}` appears twice")).at("line 1"));
            }
        }
        for required in [0, 3] {
            if columns[required].is_none() {
                return Err(InputError::new(path, format!("the header has no `{}` column", COLUMNS[required]))
                    .at("line 1")
                    .help("a trace needs at least submit_time and duration, e.g. `submit_time,task_definition,count,duration`"));
            }
        }
        Ok(CsvTrace {
            path: path.to_path_buf(),
            reader,
            columns,
            record: csv::StringRecord::new(),
            last_time: SimTime::ZERO,
        })
    }

    fn field(&self, column: usize) -> Option<&str> {
        self.columns[column].and_then(|i| self.record.get(i)).filter(|s| !s.is_empty())
    }
}

/// Summarises a native trace ([`CsvTrace`]) for `ecs-sim trace stats`. A row
/// without `count` counts as one instance (a workload would use its RunTask
/// `count`), and a row without `cpu` or `memory` gives no request (its task
/// definition's size is not known here). Every bad row is an error, as in a run.
pub(crate) fn native_trace_stats(path: &Path) -> Result<TraceStats, InputError> {
    summarise(CsvTrace::open(path)?)
}

/// Summarises a native trace read from `input` as `ecs-sim trace stats`
/// summarises a file (the entry the fuzz targets use); `name` names it in
/// errors.
pub fn native_trace_stats_from(name: &Path, input: impl Read + Send + 'static) -> Result<TraceStats, InputError> {
    summarise(CsvTrace::from_reader(name, Box::new(input))?)
}

fn summarise(mut trace: CsvTrace) -> Result<TraceStats, InputError> {
    let mut stats = TraceStatsBuilder::default();
    while let Some(row) = trace.next_submission()? {
        stats.add(row.time, row.run_duration, row.count.unwrap_or(1), row.cpu, row.memory);
    }
    Ok(stats.finish(0))
}

/// Parses a trace time: plain seconds or a duration string.
fn parse_time(text: &str) -> Result<SimDuration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Ok(SimDuration((secs * 1000.0).round() as u64)),
        Ok(_) => Err(format!("`{text}` must be zero or more seconds")),
        Err(_) => parse_duration(text),
    }
}

fn parse_whole(text: &str, name: &str) -> Result<u32, String> {
    text.parse().map_err(|_| format!("{name} `{text}` is not a whole number"))
}

impl SubmissionSource for CsvTrace {
    fn next_submission(&mut self) -> Result<Option<Submission>, InputError> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(InputError::new(&self.path, format!("unreadable row: {e}")).at(format!("line {line}")));
            }
        }
        let line = self.record.position().map_or(0, |p| p.line());
        let bad = |message: String| {
            InputError::new(&self.path, message)
                .at(format!("line {line}"))
                .help("see the trace format in docs/scenario.md")
        };
        let time =
            SimTime::ZERO + parse_time(self.field(0).unwrap_or("")).map_err(|e| bad(format!("submit_time: {e}")))?;
        if time < self.last_time {
            return Err(bad(format!(
                "submit_time {} is earlier than the row before ({}); sort the trace by submit_time",
                time.as_secs_f64(),
                self.last_time.as_secs_f64()
            )));
        }
        self.last_time = time;
        let run_duration = parse_time(self.field(3).unwrap_or("")).map_err(|e| bad(format!("duration: {e}")))?;
        let count = self.field(2).map(|text| parse_whole(text, "count")).transpose().map_err(bad)?;
        if count == Some(0) {
            return Err(bad("count must be at least 1".into()));
        }
        let cpu = self.field(5).map(|t| parse_whole(t, "cpu")).transpose().map_err(bad)?;
        let memory = self.field(6).map(|t| parse_whole(t, "memory")).transpose().map_err(bad)?;
        Ok(Some(Submission {
            time,
            task_definition: self.field(1).map(str::to_string),
            count,
            run_duration,
            group: self.field(4).map(str::to_string),
            cpu,
            memory,
            origin: Some((self.path.clone(), line)),
            dag: None,
        }))
    }
}

/// A generated workload: arrivals, durations and sizes from their own RNG streams.
pub(crate) struct Synthetic {
    spec: SyntheticSpec,
    arrivals: SimRng,
    durations: SimRng,
    sizes: SimRng,
    next_time: SimTime,
    emitted: u64,
}

impl Synthetic {
    /// A generator for the named workload, seeded from the run seed.
    pub(crate) fn new(spec: SyntheticSpec, seed: u64, workload: &str) -> Synthetic {
        let mut arrivals = rng_stream(seed, &format!("arrivals:{workload}"));
        let first = SimTime::ZERO + spec.start + gap(&spec.arrival, &mut arrivals);
        Synthetic {
            durations: rng_stream(seed, &format!("durations:{workload}")),
            sizes: rng_stream(seed, &format!("sizes:{workload}")),
            arrivals,
            next_time: first,
            emitted: 0,
            spec,
        }
    }
}

fn gap(process: &ArrivalProcess, rng: &mut SimRng) -> SimDuration {
    match process {
        ArrivalProcess::Fixed { interval } => *interval,
        ArrivalProcess::Poisson { mean_gap_ms } => match Exp::new(1.0 / mean_gap_ms) {
            Ok(exp) => SimDuration(exp.sample(rng).round() as u64),
            Err(_) => SimDuration(rng.gen_range(0..=1)),
        },
    }
}

impl SubmissionSource for Synthetic {
    fn next_submission(&mut self) -> Result<Option<Submission>, InputError> {
        let time = self.next_time;
        if self.spec.stop.is_some_and(|stop| time > SimTime::ZERO + stop) {
            return Ok(None);
        }
        let mut count = self.spec.tasks_per_arrival;
        if let Some(max) = self.spec.max_tasks {
            let left = max.saturating_sub(self.emitted);
            if left == 0 {
                return Ok(None);
            }
            count = count.min(left as u32);
        }
        self.emitted += u64::from(count);
        self.next_time = time + gap(&self.spec.arrival, &mut self.arrivals);
        let size = |dist: &Option<crate::scenario::dist::Dist>, rng: &mut SimRng| {
            dist.as_ref().map(|d| (d.sample(rng).round() as u32).max(1))
        };
        Ok(Some(Submission {
            time,
            task_definition: None,
            count: Some(count),
            run_duration: self.spec.run_duration.sample_duration(&mut self.durations),
            group: None,
            cpu: size(&self.spec.cpu, &mut self.sizes),
            memory: size(&self.spec.memory, &mut self.sizes),
            origin: None,
            dag: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::dist::Dist;
    use std::io::Write;

    fn trace(text: &str) -> (tempfile::NamedTempFile, CsvTrace) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let trace = CsvTrace::open(file.path());
        (file, trace.unwrap())
    }

    #[test]
    fn rows_become_submissions() {
        let (_f, mut t) = trace("submit_time,task_definition,count,duration,group\n0,web,2,300,\n1.5,,1,5m,batch\n");
        let first = t.next_submission().unwrap().unwrap();
        assert_eq!((first.time, first.count, first.run_duration), (SimTime(0), Some(2), SimDuration(300_000)));
        assert_eq!(first.task_definition.as_deref(), Some("web"));
        let second = t.next_submission().unwrap().unwrap();
        assert_eq!((second.time, second.run_duration), (SimTime(1500), SimDuration(300_000)));
        assert_eq!(second.group.as_deref(), Some("batch"));
        assert!(t.next_submission().unwrap().is_none());
    }

    #[test]
    fn bad_rows_name_their_line() {
        let (_f, mut t) = trace("submit_time,duration,count\n0,10,1\n5,abc,1\n");
        t.next_submission().unwrap();
        let err = t.next_submission().unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 3"));
        assert!(err.message.contains("duration"), "{err}");
        let (_f, mut t) = trace("submit_time,duration\n5,10\n4,10\n");
        t.next_submission().unwrap();
        assert!(t.next_submission().unwrap_err().message.contains("sort the trace"));
    }

    #[test]
    fn unknown_columns_are_rejected_with_a_suggestion() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"submit_time,durration\n").unwrap();
        let err = CsvTrace::open(file.path()).err().unwrap();
        assert!(err.help.unwrap().contains("did you mean `duration`"));
    }

    #[test]
    fn synthetic_fixed_rate_respects_stop_and_cap() {
        let spec = SyntheticSpec {
            arrival: ArrivalProcess::Fixed { interval: SimDuration::from_secs(10) },
            tasks_per_arrival: 3,
            start: SimDuration::ZERO,
            stop: Some(SimDuration::from_secs(60)),
            max_tasks: Some(10),
            run_duration: Dist::Fixed(1000.0),
            cpu: Some(Dist::Fixed(256.0)),
            memory: None,
        };
        let mut s = Synthetic::new(spec, 1, "w");
        let all: Vec<_> = std::iter::from_fn(|| s.next_submission().unwrap()).collect();
        assert_eq!(all.iter().map(|s| s.count.unwrap_or(0)).collect::<Vec<_>>(), [3, 3, 3, 1]);
        assert_eq!(all[0].time, SimTime(10_000));
        assert_eq!(all[0].cpu, Some(256));
    }
}
