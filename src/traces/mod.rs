//! Readers for real cluster workload traces: the Alibaba 2018 and 2017 batch
//! traces, the Google 2011 task events ([`google`]), the Azure V1 VM table
//! ([`azure`]), and any CSV described by a [`ColumnMapping`]; and, for
//! services' demand curves, utilisation series ([`load`]).
//!
//! A [`TraceReader`] streams a trace one row at a time, turning each row into
//! a [`TraceTask`]: when it is submitted, how long each instance runs, its CPU
//! units and MiB in ECS terms, how many identical instances it starts, and for
//! the Alibaba 2018 trace, the job and the tasks of that job it waits for.
//! Files whose name ends in `.gz` are decompressed as they are read.
//!
//! # Units
//!
//! Trace CPU and memory become ECS CPU units (1024 per vCPU) and MiB, rounded
//! up to whole units with a minimum of 1. Where a trace gives memory as a share
//! of one of its machines, [`UnitMapping`] says what a whole machine is. Times
//! become [`SimTime`] milliseconds, multiplied by the reader's `time_scale`
//! (`0.5` replays the trace twice as fast).
//!
//! # Time order
//!
//! The simulator needs tasks in submit order. The reader returns them sorted by
//! submit time (rows with equal times keep their file order) as long as no row
//! goes back in time by more than the *reorder window* (default
//! [`DEFAULT_REORDER_WINDOW`], set with [`TraceReader::with_reorder_window`]):
//! rows inside the window are held in a small buffer and released in order;
//! a row further back is a bad row. Memory is bounded by the rows that arrive
//! within one window. A window of `SimDuration(u64::MAX)` sorts the whole file
//! in memory, which suits small traces that are not in time order, such as the
//! Alibaba 2017 sample (ordered by job id, not by time), and the Azure VM
//! table. For the Google 2011 event trace the window applies to the rows'
//! timestamps, and the reader itself puts tasks in submit order.
//!
//! # Bad rows
//!
//! A row with the wrong number of fields, a value that is not a number, a
//! negative time, duration or resource, an instance count below 1, or a time
//! too far out of order is a bad row. A strict reader returns an
//! [`InputError`] naming the file, `line N`, what is wrong and how to fix it;
//! a lenient one skips the row and counts it under a reason (see
//! [`TraceReader::skipped_by_reason`]). Nothing in a trace can make the reader
//! panic.
//!
//! Event traces (Google 2011) may also leave a task's life incomplete — never
//! scheduled, or no end seen. That is not a bad row: such tasks are dropped or
//! given the duration the trace supports, and counted under a reason in
//! [`TraceReader::incomplete_by_reason`] (see [`google`]).
//!
//! # Jobs and DAGs
//!
//! [`DagGate`] holds back Alibaba 2018 tasks until the tasks of the same job
//! they depend on have completed; see the [`dag`] module for its rules.

pub mod alibaba;
pub mod azure;
pub mod cloudwatch;
pub mod dag;
mod fields;
pub mod generic;
pub mod google;
pub mod load;
mod stats;

pub use dag::DagGate;
pub use load::{read_load_series, read_load_series_from, LoadSeries};
pub use stats::{trace_stats, TraceStats, TraceStatsBuilder};

use crate::engine::{SimDuration, SimTime};
use crate::error::{not_a_file, InputError};
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// How far back in time a row may go, relative to the latest submit time read
/// so far, and still be put in order rather than treated as a bad row: one
/// second of simulated time (after `time_scale`).
pub const DEFAULT_REORDER_WINDOW: SimDuration = SimDuration::from_secs(1);

/// The largest time or duration a trace may give: about 31,700 years in
/// milliseconds. Larger values are bad rows (they are almost always a unit
/// mix-up, such as microseconds read as seconds).
const MAX_MILLIS: f64 = 1e15;

impl UnitMapping {
    /// The largest vCPU count or GiB a trace machine may have: what 1024
    /// units per vCPU or MiB per GiB still hold in a `u32`.
    pub const MAX_MACHINE_SIZE: f64 = (u32::MAX / 1024) as f64;

    /// A trace machine of `vcpu` vCPUs and `memory_gib` GiB; both must be
    /// finite, positive and at most [`UnitMapping::MAX_MACHINE_SIZE`]. The
    /// error names which is wrong and why.
    pub fn from_machine(vcpu: f64, memory_gib: f64) -> Result<UnitMapping, String> {
        for (name, value) in [("vcpu", vcpu), ("memory_gib", memory_gib)] {
            if !(value.is_finite() && value > 0.0 && value <= UnitMapping::MAX_MACHINE_SIZE) {
                return Err(format!(
                    "{name} is {value}; a trace machine needs a finite, positive size of at most {}",
                    UnitMapping::MAX_MACHINE_SIZE
                ));
            }
        }
        Ok(UnitMapping {
            machine_cpu_units: ((vcpu * 1024.0).round() as u32).max(1),
            machine_memory_mib: ((memory_gib * 1024.0).round() as u32).max(1),
        })
    }
}

impl TraceFormat {
    /// The name a scenario's `trace_format` uses.
    pub fn name(&self) -> &'static str {
        match self {
            TraceFormat::Alibaba2018 => "alibaba2018",
            TraceFormat::Alibaba2017 => "alibaba2017",
            TraceFormat::Google2011 => "google2011",
            TraceFormat::AzureVmTable => "azure_vmtable",
            TraceFormat::Generic(_) => "generic",
        }
    }
}

/// Which kind of trace a file is.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // made once per trace; boxing would only complicate the API
pub enum TraceFormat {
    /// Alibaba cluster-trace-v2018 batch tasks as in the `spar` sample, no
    /// header: `arrival_s, job_id, task_name, duration_s, plan_cpu, plan_mem,
    /// instance_num`. `plan_cpu` 100 is one core; `plan_mem` is a percentage of
    /// a machine's memory; `task_name` encodes the task's place in its job's DAG.
    Alibaba2018,
    /// Alibaba cluster-trace-v2017 batch tasks as in CloudSimPy's `jobs.csv`,
    /// with the header `,submit_time,duration,cpu,memory,job_id,task_id,instances_num,disk`:
    /// seconds, cores per instance and memory as a fraction (0–1) of a machine.
    Alibaba2017,
    /// Google cluster-data 2011 `task_events`, no header, 13 columns
    /// (timestamp µs, missing info, job ID, task index, machine ID, event type,
    /// user, scheduling class, priority, CPU request, memory request, disk
    /// request, different-machine restriction). Events become one task per
    /// SUBMIT…end life; requests are shares of the largest machine, so both
    /// fields of [`UnitMapping`] must be at least 1. See [`google`].
    Google2011,
    /// Azure Public Dataset V1 `vmtable.csv`, no header: `vmid,
    /// subscriptionid, deploymentid, vmcreated, vmdeleted, maxcpu, avgcpu,
    /// p95maxcpu, vmcategory, vmcorecount, vmmemory`, one task per VM. The real
    /// file is not in creation order: read it with an unbounded reorder window.
    /// See [`azure`].
    AzureVmTable,
    /// Any CSV, its columns described by the mapping.
    Generic(ColumnMapping),
}

/// What a whole machine of the trace's cluster is in ECS units, for traces
/// that give requests as a share of a machine (100 % or 1.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitMapping {
    /// CPU units (1024 per vCPU) of one trace machine: a Google 2011 CPU
    /// request of 1.0 (the largest machine) stands for this much, so it must be
    /// at least 1 for that format. Neither Alibaba format needs it (both give
    /// CPU in cores), but it documents the machine the memory share refers to
    /// and lets callers size a fleet like the trace's.
    pub machine_cpu_units: u32,
    /// MiB of one trace machine: Alibaba 2018 `plan_mem` 100, Alibaba 2017
    /// `memory` 1.0 and a Google 2011 memory request of 1.0 stand for this
    /// much. Must be at least 1 for those formats.
    pub machine_memory_mib: u32,
}

/// The unit of the time columns of a generic trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeUnit {
    /// Milliseconds.
    Milliseconds,
    /// Seconds (the default).
    #[default]
    Seconds,
    /// Microseconds, as in the Google 2019 trace.
    Microseconds,
    /// Minutes.
    Minutes,
}

impl TimeUnit {
    /// Milliseconds in one of this unit.
    pub fn millis(self) -> f64 {
        match self {
            TimeUnit::Milliseconds => 1.0,
            TimeUnit::Seconds => 1000.0,
            TimeUnit::Microseconds => 0.001,
            TimeUnit::Minutes => 60_000.0,
        }
    }
}

/// Where the fields of a task are in a generic CSV trace.
///
/// Columns are named by their header text when `has_header` is true, and by
/// 0-based index written as a string (`"0"`, `"3"`) when it is false. Give
/// either `duration` or `end_time`, not both: with `end_time` a task runs for
/// `end_time - time`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMapping {
    /// The submit time column (required).
    pub time: String,
    /// The unit of `time`, `duration` and `end_time`.
    pub time_unit: TimeUnit,
    /// How long each instance runs.
    pub duration: Option<String>,
    /// When each instance ends, in the same clock as `time`.
    pub end_time: Option<String>,
    /// The CPU request column; an empty cell means "not given".
    pub cpu: Option<String>,
    /// CPU units per unit of the `cpu` column: 1024 for cores, 10.24 for
    /// percent of a core, `machine units` for a 0–1 share of a machine.
    pub cpu_scale: f64,
    /// The memory request column; an empty cell means "not given".
    pub memory: Option<String>,
    /// MiB per unit of the `memory` column: 1 for MiB, 1024 for GiB, machine
    /// MiB for a 0–1 share of a machine.
    pub memory_scale: f64,
    /// Instances per row; without this column (or with an empty cell) a row is one instance.
    pub count: Option<String>,
    /// The ECS task definition (`family` or `family:revision`) column.
    pub task_definition: Option<String>,
    /// The task group column.
    pub group: Option<String>,
    /// The field delimiter, `b','` for CSV or `b'\t'` for TSV.
    pub delimiter: u8,
    /// Whether the first line names the columns.
    pub has_header: bool,
}

impl ColumnMapping {
    /// A mapping with only the submit time column set: times in seconds, no
    /// other columns, scales of 1, comma-separated with a header. Set the
    /// `duration` or `end_time` column before use.
    pub fn new(time: impl Into<String>) -> ColumnMapping {
        ColumnMapping {
            time: time.into(),
            time_unit: TimeUnit::Seconds,
            duration: None,
            end_time: None,
            cpu: None,
            cpu_scale: 1.0,
            memory: None,
            memory_scale: 1.0,
            count: None,
            task_definition: None,
            group: None,
            delimiter: b',',
            has_header: true,
        }
    }
}

/// One row of a trace: `count` identical instances, each one ECS task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceTask {
    /// The line of the file the row starts on (1-based, header included).
    pub line: u64,
    /// When the task is submitted, already multiplied by the time scale.
    pub submit: SimTime,
    /// How long each instance runs once started, already scaled.
    pub duration: SimDuration,
    /// CPU units (1024 per vCPU) per instance, rounded up, at least 1; `None`
    /// when the trace gives none.
    pub cpu: Option<u32>,
    /// MiB per instance, rounded up, at least 1; `None` when the trace gives none.
    pub memory: Option<u32>,
    /// Identical instances to start, at least 1.
    pub count: u32,
    /// The job the task belongs to (Alibaba formats).
    pub job: Option<String>,
    /// The task's name within its job: the DAG node number for Alibaba 2018
    /// (`M5_3_4` is `"5"`), otherwise the trace's task id.
    pub name: Option<String>,
    /// Names of tasks of the same job that must complete first.
    pub depends_on: Vec<String>,
    /// The ECS task definition, if the trace names one.
    pub task_definition: Option<String>,
    /// The task group, if the trace names one.
    pub group: Option<String>,
}

/// A streaming reader of one trace file.
pub struct TraceReader {
    path: PathBuf,
    /// Whether the file is read through gzip (for the help of a read failure).
    gzip: bool,
    csv: csv::Reader<Box<dyn Read + Send>>,
    record: csv::StringRecord,
    layout: Layout,
    units: UnitMapping,
    time_scale: f64,
    strict: bool,
    reorder_window: SimDuration,
    pending: BinaryHeap<Reverse<Pending>>,
    latest: Option<(SimTime, u64)>,
    sequence: u64,
    finished: bool,
    deferred: Option<InputError>,
    skipped: u64,
    skipped_by_reason: BTreeMap<String, u64>,
    incomplete_by_reason: BTreeMap<String, u64>,
}

impl std::fmt::Debug for TraceReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceReader")
            .field("path", &self.path)
            .field("time_scale", &self.time_scale)
            .field("strict", &self.strict)
            .field("reorder_window", &self.reorder_window)
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

/// How a format's rows are laid out, resolved against the header.
enum Layout {
    Alibaba2018,
    Alibaba2017(alibaba::Columns2017),
    Generic(Box<generic::Columns>),
    Google(Box<google::Events>),
    Azure,
}

/// A row as the trace gives it, before scaling and rounding. Times are
/// milliseconds of trace time; resources are fractional CPU units and MiB.
struct RawRow {
    submit_ms: f64,
    duration_ms: f64,
    cpu: Option<f64>,
    memory: Option<f64>,
    count: u32,
    job: Option<String>,
    name: Option<String>,
    depends_on: Vec<String>,
    task_definition: Option<String>,
    group: Option<String>,
}

/// Why a row is bad: a stable `reason` for counting, the specific problem and
/// how to fix it.
struct RowError {
    reason: &'static str,
    message: String,
    help: String,
}

impl RowError {
    fn new(reason: &'static str, message: impl Into<String>, help: impl Into<String>) -> RowError {
        RowError { reason, message: message.into(), help: help.into() }
    }
}

/// Reasons under which [`TraceReader::skipped_by_reason`] counts bad rows.
pub mod reasons {
    /// The row has more or fewer fields than the format or header has.
    pub const FIELD_COUNT: &str = "wrong field count";
    /// A required field is empty.
    pub const MISSING: &str = "missing value";
    /// A numeric field is not a (finite) number.
    pub const NOT_A_NUMBER: &str = "not a number";
    /// A submit time or end time is negative.
    pub const NEGATIVE_TIME: &str = "negative time";
    /// A duration is negative, or an end time is before the submit time.
    pub const NEGATIVE_DURATION: &str = "negative duration";
    /// A CPU or memory request is negative.
    pub const NEGATIVE_RESOURCE: &str = "negative resource";
    /// The instance count is not a whole number of at least 1.
    pub const BAD_COUNT: &str = "bad instance count";
    /// A time, duration or resource is too large to represent.
    pub const TOO_LARGE: &str = "value too large";
    /// The submit time goes back further than the reorder window.
    pub const OUT_OF_ORDER: &str = "time out of order";
    /// The row is not valid UTF-8.
    pub const UNREADABLE: &str = "unreadable row";
    /// A Google 2011 event type is not one of 0–8.
    pub const BAD_EVENT: &str = "unknown event type";

    // Counted by `TraceReader::incomplete_by_reason`, not as bad rows.

    /// A task ended while pending, or was pending at the end of the file:
    /// dropped (Google 2011).
    pub const NEVER_SCHEDULED: &str = "never scheduled";
    /// A task was still pending a lookahead after its submit: dropped (Google 2011).
    pub const NOT_SCHEDULED_IN_LOOKAHEAD: &str = "not scheduled within lookahead";
    /// A running task's end was not seen within a lookahead of its submit:
    /// emitted with the duration up to submit + lookahead (Google 2011).
    pub const END_NOT_SEEN: &str = "end not seen within lookahead";
    /// A running task had not ended by the end of the file: emitted with the
    /// duration up to the file's last timestamp (Google 2011).
    pub const NOT_ENDED: &str = "not ended by end of file";
    /// A SUBMIT for a task already submitted, or a SCHEDULE for one already
    /// running (Google 2011).
    pub const REPEATED_EVENT: &str = "repeated submit or schedule";
    /// An event for a task with no live SUBMIT in the reader: ignored (Google 2011).
    pub const UNTRACKED_EVENT: &str = "event for an untracked task";
}

/// A row waiting in the reorder buffer, ordered by (submit, file order).
struct Pending {
    sequence: u64,
    task: TraceTask,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.task.submit, self.sequence).cmp(&(other.task.submit, other.sequence))
    }
}

impl TraceReader {
    /// Opens a trace and checks its header (if the format has one) and the
    /// mapping. A file whose name ends in `.gz` is read through gzip.
    ///
    /// `units` converts machine shares to ECS units; `time_scale` multiplies
    /// every submit time and duration (`0.5` compresses the trace 2×); with
    /// `strict` a bad row is an error, otherwise it is skipped and counted.
    pub fn open(
        path: &Path,
        format: TraceFormat,
        units: UnitMapping,
        time_scale: f64,
        strict: bool,
    ) -> Result<TraceReader, InputError> {
        check_settings(path, &format, units, time_scale)?;
        if let Some(why) = not_a_file(path) {
            return Err(InputError::new(path, format!("cannot open the trace: {why}")));
        }
        let file = File::open(path).map_err(|e| InputError::new(path, format!("cannot open the trace: {e}")))?;
        let gzip = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
        let input: Box<dyn Read + Send> =
            if gzip { Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))) } else { Box::new(file) };
        TraceReader::start(path, input, gzip, format, units, time_scale, strict)
    }

    /// Reads a trace from `input` (plain text, not gzip) as [`open`](Self::open)
    /// reads a file; `name` names it in errors.
    pub fn from_reader(
        name: &Path,
        input: impl Read + Send + 'static,
        format: TraceFormat,
        units: UnitMapping,
        time_scale: f64,
        strict: bool,
    ) -> Result<TraceReader, InputError> {
        check_settings(name, &format, units, time_scale)?;
        TraceReader::start(name, Box::new(input), false, format, units, time_scale, strict)
    }

    /// Reads the header (if the format has one) and resolves the layout.
    fn start(
        path: &Path,
        input: Box<dyn Read + Send>,
        gzip: bool,
        format: TraceFormat,
        units: UnitMapping,
        time_scale: f64,
        strict: bool,
    ) -> Result<TraceReader, InputError> {
        let (has_header, delimiter) = match &format {
            TraceFormat::Alibaba2018 | TraceFormat::Google2011 | TraceFormat::AzureVmTable => (false, b','),
            TraceFormat::Alibaba2017 => (true, b','),
            TraceFormat::Generic(mapping) => (mapping.has_header, mapping.delimiter),
        };
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(has_header)
            .delimiter(delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let header = if has_header {
            let header = csv.headers().map_err(|e| read_failure(path, &e, gzip))?.clone();
            if header.iter().all(str::is_empty) {
                return Err(InputError::new(path, "the trace is empty: it has no header line").at("line 1"));
            }
            Some(header)
        } else {
            None
        };
        let layout = match format {
            TraceFormat::Alibaba2018 => Layout::Alibaba2018,
            TraceFormat::Alibaba2017 => Layout::Alibaba2017(alibaba::Columns2017::resolve(
                path,
                header.as_ref().unwrap_or(&csv::StringRecord::new()),
            )?),
            TraceFormat::Generic(mapping) => {
                Layout::Generic(Box::new(generic::Columns::resolve(path, &mapping, header.as_ref())?))
            }
            TraceFormat::Google2011 => Layout::Google(Box::new(google::Events::new(units))),
            TraceFormat::AzureVmTable => Layout::Azure,
        };
        Ok(TraceReader {
            path: path.to_path_buf(),
            gzip,
            csv,
            record: csv::StringRecord::new(),
            layout,
            units,
            time_scale,
            strict,
            reorder_window: DEFAULT_REORDER_WINDOW,
            pending: BinaryHeap::new(),
            latest: None,
            sequence: 0,
            finished: false,
            deferred: None,
            skipped: 0,
            skipped_by_reason: BTreeMap::new(),
            incomplete_by_reason: BTreeMap::new(),
        })
    }

    /// Sets how far back in (scaled) time a row may go and still be put in
    /// order; see the [module docs](self). `SimDuration(u64::MAX)` sorts the
    /// whole trace in memory; `SimDuration::ZERO` accepts only sorted input.
    pub fn with_reorder_window(mut self, window: SimDuration) -> TraceReader {
        self.reorder_window = window;
        self
    }

    /// The next task in submit order, `Ok(None)` at the end of the trace.
    ///
    /// A strict reader's error for a bad row comes after the good rows read
    /// before it (in time order); after an error the reader returns `Ok(None)`.
    pub fn next_task(&mut self) -> Result<Option<TraceTask>, InputError> {
        loop {
            if let Some(Reverse(first)) = self.pending.peek() {
                let latest = self.latest.map_or(0, |(time, _)| time.0);
                if self.finished || first.task.submit.0.saturating_add(self.reorder_window.0) <= latest {
                    return Ok(self.pending.pop().map(|Reverse(p)| p.task));
                }
            }
            if self.finished {
                return self.deferred.take().map_or(Ok(None), Err);
            }
            match self.next_in_window() {
                Ok(Some(task)) => {
                    if self.latest.is_none_or(|(latest, _)| task.submit > latest) {
                        self.latest = Some((task.submit, task.line));
                    }
                    self.sequence += 1;
                    self.pending.push(Reverse(Pending { sequence: self.sequence, task }));
                }
                Ok(None) => self.finished = true,
                Err(error) => {
                    // Hand out the good rows buffered before it first.
                    self.deferred = Some(error);
                    self.finished = true;
                }
            }
        }
    }

    /// The next good row that is not too far back in time, in file order.
    fn next_in_window(&mut self) -> Result<Option<TraceTask>, InputError> {
        loop {
            let Some(task) = self.next_row()? else { return Ok(None) };
            let Some((latest, latest_line)) = self.latest else { return Ok(Some(task)) };
            if task.submit.0.saturating_add(self.reorder_window.0) >= latest.0 {
                return Ok(Some(task));
            }
            let error = RowError::new(
                reasons::OUT_OF_ORDER,
                format!(
                    "the submit time ({} s) is {} s earlier than line {latest_line} ({} s), more than the reorder \
                     window of {}",
                    task.submit.as_secs_f64(),
                    latest.since(task.submit).as_secs_f64(),
                    latest.as_secs_f64(),
                    self.reorder_window
                ),
                "sort the trace by submit time (e.g. `sort -t, -k1,1n`, choosing the time column), or widen the \
                 workload's reorder_window (\"unbounded\" sorts the whole file in memory)",
            );
            self.bad_row(task.line, error)?;
        }
    }

    /// Rows skipped as bad so far (always 0 for a strict reader).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Rows skipped so far, by reason (the strings in [`reasons`]).
    pub fn skipped_by_reason(&self) -> &BTreeMap<String, u64> {
        &self.skipped_by_reason
    }

    /// Tasks (or, for [`reasons::UNTRACKED_EVENT`] and
    /// [`reasons::REPEATED_EVENT`], events) whose life an event trace (Google
    /// 2011) does not give in full, by reason: dropped, cut short or ignored as
    /// the [`google`] module describes. These are not bad rows: they are
    /// counted even by a strict reader, and not in [`skipped`](Self::skipped).
    /// Always empty for the other formats.
    pub fn incomplete_by_reason(&self) -> &BTreeMap<String, u64> {
        &self.incomplete_by_reason
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next good row in file order, skipping (or failing on) bad rows.
    fn next_row(&mut self) -> Result<Option<TraceTask>, InputError> {
        if matches!(self.layout, Layout::Google(_)) {
            return self.next_event_task();
        }
        loop {
            let Some(line) = self.read_record()? else { return Ok(None) };
            match self.parse_record().and_then(|raw| self.convert(raw, line)) {
                Ok(task) => return Ok(Some(task)),
                Err(error) => self.bad_row(line, error)?,
            }
        }
    }

    /// The next task of an event trace, in submit order, reading events until
    /// one is ready.
    fn next_event_task(&mut self) -> Result<Option<TraceTask>, InputError> {
        loop {
            let Layout::Google(events) = &mut self.layout else { return Ok(None) };
            let ready = events.pop_ready();
            for reason in events.take_notes() {
                *self.incomplete_by_reason.entry(reason.to_string()).or_insert(0) += 1;
            }
            if let Some((raw, line)) = ready {
                match self.convert(raw, line) {
                    Ok(task) => return Ok(Some(task)),
                    Err(error) => {
                        self.bad_row(line, error)?;
                        continue;
                    }
                }
            }
            let Some(line) = self.read_record()? else {
                let Layout::Google(events) = &mut self.layout else { return Ok(None) };
                if events.finish() {
                    continue;
                }
                return Ok(None);
            };
            let Layout::Google(events) = &mut self.layout else { return Ok(None) };
            if let Err(error) = events.accept(&self.record, line, self.time_scale, self.reorder_window) {
                self.bad_row(line, error)?;
            }
        }
    }

    /// Reads the next record into `self.record`, returning its line;
    /// `Ok(None)` at the end of the file. Rows that are not UTF-8 are bad rows.
    fn read_record(&mut self) -> Result<Option<u64>, InputError> {
        loop {
            match self.csv.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => return Ok(Some(self.record.position().map_or(0, |p| p.line()))),
                Err(e) => match e.kind() {
                    csv::ErrorKind::Utf8 { pos, err } => {
                        let line = pos.as_ref().map_or(0, |p| p.line());
                        let error = RowError::new(
                            reasons::UNREADABLE,
                            format!("field {} is not valid UTF-8 text", err.field() + 1),
                            "save the trace as UTF-8 text, or delete the row",
                        );
                        self.bad_row(line, error)?;
                    }
                    _ => return Err(read_failure(&self.path, &e, self.gzip)),
                },
            }
        }
    }

    /// Fails on a bad row when strict; otherwise counts it.
    fn bad_row(&mut self, line: u64, error: RowError) -> Result<(), InputError> {
        if self.strict {
            let help = format!("{}; or set strict = false to skip and count bad rows", error.help);
            return Err(InputError::new(&self.path, error.message).at(format!("line {line}")).help(help));
        }
        self.skipped += 1;
        *self.skipped_by_reason.entry(error.reason.to_string()).or_insert(0) += 1;
        Ok(())
    }

    fn parse_record(&self) -> Result<RawRow, RowError> {
        match &self.layout {
            Layout::Alibaba2018 => alibaba::parse_2018(&self.record, &self.units),
            Layout::Alibaba2017(columns) => columns.parse(&self.record, &self.units),
            Layout::Generic(columns) => columns.parse(&self.record),
            Layout::Azure => azure::parse(&self.record),
            // Event traces go through `next_event_task`, never here.
            Layout::Google(_) => Err(RowError::new(
                reasons::UNREADABLE,
                "an event trace row cannot be read on its own",
                "read Google 2011 traces through TraceReader::next_task",
            )),
        }
    }

    /// Scales times, rounds resources and checks ranges.
    fn convert(&self, raw: RawRow, line: u64) -> Result<TraceTask, RowError> {
        let submit = scaled_millis(raw.submit_ms, self.time_scale, "submit time", reasons::NEGATIVE_TIME)?;
        let duration = scaled_millis(raw.duration_ms, self.time_scale, "duration", reasons::NEGATIVE_DURATION)?;
        Ok(TraceTask {
            line,
            submit: SimTime(submit),
            duration: SimDuration(duration),
            cpu: raw.cpu.map(|v| whole_units(v, "CPU units")).transpose()?,
            memory: raw.memory.map(|v| whole_units(v, "MiB of memory")).transpose()?,
            count: raw.count,
            job: raw.job,
            name: raw.name,
            depends_on: raw.depends_on,
            task_definition: raw.task_definition,
            group: raw.group,
        })
    }
}

/// Checks what a trace is read with, before anything is read: the time
/// scale, the machine a format's shares need, a generic mapping.
fn check_settings(path: &Path, format: &TraceFormat, units: UnitMapping, time_scale: f64) -> Result<(), InputError> {
    if !(time_scale.is_finite() && time_scale > 0.0) {
        return Err(InputError::new(path, format!("time scale {time_scale} must be a number above 0"))
            .help("1 replays the trace at its own pace, 0.5 twice as fast, 2 half as fast"));
    }
    if *format == TraceFormat::Google2011 && (units.machine_cpu_units == 0 || units.machine_memory_mib == 0) {
        return Err(InputError::new(path, "the machine CPU units or memory for this trace is 0").help(
            "Google 2011 traces give CPU and memory as a share of the largest machine; say what that machine is \
             in the workload, e.g. trace_machine = { vcpu = 32, memory_gib = 128 } (the trace does not publish it)",
        ));
    }
    if matches!(format, TraceFormat::Alibaba2018 | TraceFormat::Alibaba2017) && units.machine_memory_mib == 0 {
        return Err(InputError::new(path, "the machine memory for this trace is 0 MiB").help(
            "Alibaba traces give memory as a share of a machine; say what that machine is in the workload, e.g. \
             trace_machine = { vcpu = 96, memory_gib = 384 } (the trace does not publish it)",
        ));
    }
    if let TraceFormat::Generic(mapping) = format {
        generic::check_mapping(path, mapping)?;
    }
    Ok(())
}

/// An I/O failure reading the file: never skippable, the stream is broken.
fn read_failure(path: &Path, error: &csv::Error, gzip: bool) -> InputError {
    let line = error.position().map(|p| format!("line {}", p.line()));
    let mut err = InputError::new(path, format!("cannot read the trace: {error}"));
    if let Some(line) = line {
        err = err.at(line);
    }
    if gzip {
        err = err.help("the name ends in .gz, so it is read as gzip; check the file is complete gzip data");
    }
    err
}

/// Trace milliseconds × scale, rounded to whole milliseconds.
fn scaled_millis(ms: f64, scale: f64, what: &str, negative_reason: &'static str) -> Result<u64, RowError> {
    if ms < 0.0 {
        return Err(RowError::new(
            negative_reason,
            format!("the {what} is negative ({} s)", ms / 1000.0),
            format!("the {what} must be zero or more"),
        ));
    }
    let scaled = ms * scale;
    if !(scaled.is_finite() && scaled <= MAX_MILLIS) {
        return Err(RowError::new(
            reasons::TOO_LARGE,
            format!("the {what} ({} s) is too large", ms / 1000.0),
            "check the time unit of the trace (e.g. microseconds read as seconds)",
        ));
    }
    Ok(scaled.round() as u64)
}

/// Rounds a resource request up to whole units, at least 1. Values within a
/// millionth of a whole number count as that number, so float noise such as
/// `0.3 × 1024 × 100 / 100` does not add a unit.
fn whole_units(value: f64, what: &str) -> Result<u32, RowError> {
    if value < 0.0 {
        return Err(RowError::new(
            reasons::NEGATIVE_RESOURCE,
            format!("the request of {value} {what} is negative"),
            "resource requests must be zero or more",
        ));
    }
    let nearest = value.round();
    let whole = if (value - nearest).abs() <= 1e-6 * nearest.max(1.0) { nearest } else { value.ceil() };
    if !(whole.is_finite() && whole <= f64::from(u32::MAX)) {
        return Err(RowError::new(
            reasons::TOO_LARGE,
            format!("the request of {value} {what} is too large"),
            "check the column's scale and unit",
        ));
    }
    Ok((whole as u32).max(1))
}
