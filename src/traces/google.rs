//! The Google cluster-data 2011 `task_events` tables.
//!
//! # Layout
//!
//! No header; 13 columns per row, in this order: `timestamp` (µs), `missing
//! info`, `job ID`, `task index`, `machine ID`, `event type`, `user`,
//! `scheduling class`, `priority`, `CPU request`, `memory request`, `disk
//! request`, `different-machine restriction`. Event types are 0 SUBMIT,
//! 1 SCHEDULE, 2 EVICT, 3 FAIL, 4 FINISH, 5 KILL, 6 LOST, 7 UPDATE_PENDING and
//! 8 UPDATE_RUNNING. The reader uses the timestamp, job ID, task index, event
//! type and the CPU and memory requests; it checks the row has 13 fields and
//! ignores the others.
//!
//! # From events to tasks
//!
//! Each life of a task — from a SUBMIT to the first EVICT, FAIL, FINISH, KILL
//! or LOST after it — is one [`TraceTask`](super::TraceTask) with count 1,
//! `job` = job ID and `name` = task index:
//!
//! - **submit** is the SUBMIT time, rebased so that the first good row of the
//!   file is time 0 (then multiplied by the reader's time scale). The 2011
//!   trace's first file opens with rows at time 0 for work that existed before
//!   the trace window (which opens at 600 s); rebasing keeps them at 0. A row
//!   earlier than the first (possible within the reorder window) is clamped to 0.
//! - **duration** runs from the SCHEDULE to the end event.
//! - **CPU and memory** are shares of the largest machine, so CPU units =
//!   request × `machine_cpu_units` and MiB = request × `machine_memory_mib`,
//!   rounded up, at least 1; an empty request is "not given". The request is
//!   the last one given by the SUBMIT, UPDATE_PENDING and SCHEDULE events of
//!   that life: an ECS task's size is fixed at launch, so UPDATE_RUNNING is
//!   ignored.
//! - How the life ended (FINISH, FAIL, KILL, EVICT or LOST) is not kept: the
//!   simulator runs the task for its duration whatever the outcome.
//! - A task SUBMITted again after it ended (typically after an EVICT or FAIL)
//!   is a new `TraceTask` at its new SUBMIT time.
//!
//! # Order and memory
//!
//! Rows are in timestamp order in the trace; the reader's reorder window
//! applies to row timestamps (after rebasing and time scale): rows within the
//! window are put in order, rows further back are bad rows (`time out of
//! order`). Events with equal timestamps keep their file order.
//!
//! Submitted tasks wait in a buffer ordered by submit time; the oldest is
//! emitted once its end is known. So that a task that never ends cannot hold
//! the buffer (and memory) forever, a task whose end is not seen within
//! [`LOOKAHEAD`] of trace time after its submit is emitted with the duration so
//! far (up to submit + [`LOOKAHEAD`]). Memory is thus bounded by the tasks
//! submitted within one lookahead (plus the rows within one reorder window).
//!
//! # Lives the trace does not give in full
//!
//! These are not bad rows (they are what the trace says, and a strict reader
//! accepts them); each is counted under a reason in
//! [`TraceReader::incomplete_by_reason`](super::TraceReader::incomplete_by_reason):
//!
//! - [`NEVER_SCHEDULED`](super::reasons::NEVER_SCHEDULED): ended while pending
//!   (e.g. killed before it ever ran) or still pending at the end of the file.
//!   **Dropped**: it never ran, so it is not a task.
//! - [`NOT_SCHEDULED_IN_LOOKAHEAD`](super::reasons::NOT_SCHEDULED_IN_LOOKAHEAD):
//!   still pending [`LOOKAHEAD`] after its submit. Dropped.
//! - [`END_NOT_SEEN`](super::reasons::END_NOT_SEEN): scheduled, but no end
//!   within [`LOOKAHEAD`] of its submit. Emitted with duration = submit +
//!   [`LOOKAHEAD`] − SCHEDULE.
//! - [`NOT_ENDED`](super::reasons::NOT_ENDED): scheduled but not ended when
//!   the file ends (within the lookahead). Emitted with duration = the last
//!   timestamp of the file − SCHEDULE.
//! - [`REPEATED_EVENT`](super::reasons::REPEATED_EVENT): a SUBMIT for a task
//!   already pending or a SCHEDULE for one already running is ignored; a SUBMIT
//!   for a task that is running ends that life at the new SUBMIT and starts a
//!   new one.
//! - [`UNTRACKED_EVENT`](super::reasons::UNTRACKED_EVENT): an event other than
//!   SUBMIT for a task with no live SUBMIT in the buffer — submitted before
//!   this file begins (later files of the trace), already emitted at the
//!   lookahead, or already ended. Ignored.

use super::fields::{expect_fields, number, optional_number, text};
use super::{reasons, RawRow, RowError, UnitMapping};
use crate::engine::SimDuration;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// How long after its submit a task's end is waited for, in trace time (before
/// the time scale): 24 hours.
pub const LOOKAHEAD: SimDuration = SimDuration::from_secs(24 * 3600);

/// The 2011 `task_events` columns, in file order.
pub const COLUMNS: [&str; 13] = [
    "timestamp",
    "missing info",
    "job ID",
    "task index",
    "machine ID",
    "event type",
    "user",
    "scheduling class",
    "priority",
    "CPU request",
    "memory request",
    "disk request",
    "different-machine restriction",
];

const LAYOUT: &str = "the 13 columns of a Google 2011 task_events table (timestamp, missing info, job ID, task index, \
                      machine ID, event type, user, scheduling class, priority, CPU request, memory request, disk \
                      request, different-machine restriction), with no header line";

/// What happened to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Submit,
    Schedule,
    /// EVICT, FAIL, FINISH, KILL or LOST.
    End,
    UpdatePending,
    UpdateRunning,
}

/// One row, parsed.
struct Event {
    /// Microseconds, as in the file.
    timestamp_us: f64,
    job: String,
    index: String,
    kind: Kind,
    cpu: Option<f64>,
    memory: Option<f64>,
}

/// Reads one row.
fn parse(record: &csv::StringRecord) -> Result<Event, RowError> {
    expect_fields(record, COLUMNS.len(), LAYOUT)?;
    let timestamp_us = number(record, 0, COLUMNS[0])?;
    if timestamp_us < 0.0 {
        return Err(RowError::new(
            reasons::NEGATIVE_TIME,
            format!("the timestamp is negative ({timestamp_us} µs)"),
            "timestamps are microseconds since the start of the trace, zero or more",
        ));
    }
    if timestamp_us / 1000.0 > super::MAX_MILLIS {
        return Err(RowError::new(
            reasons::TOO_LARGE,
            format!("the timestamp ({timestamp_us} µs) is too large"),
            "timestamps are microseconds since the start of the trace",
        ));
    }
    let missing = |column: usize| {
        RowError::new(
            reasons::MISSING,
            format!("`{}` is empty", COLUMNS[column]),
            format!("give `{}` a value", COLUMNS[column]),
        )
    };
    let job = text(record, 2).ok_or_else(|| missing(2))?;
    let index = text(record, 3).ok_or_else(|| missing(3))?;
    let kind_text = text(record, 5).ok_or_else(|| missing(5))?;
    let kind =
        match kind_text.as_str() {
            "0" => Kind::Submit,
            "1" => Kind::Schedule,
            "2" | "3" | "4" | "5" | "6" => Kind::End,
            "7" => Kind::UpdatePending,
            "8" => Kind::UpdateRunning,
            other => return Err(RowError::new(
                reasons::BAD_EVENT,
                format!("`event type` is `{other}`, which is not an event type"),
                "event types are 0 SUBMIT, 1 SCHEDULE, 2 EVICT, 3 FAIL, 4 FINISH, 5 KILL, 6 LOST, 7 UPDATE_PENDING \
                 and 8 UPDATE_RUNNING",
            )),
        };
    let request = |column: usize| -> Result<Option<f64>, RowError> {
        let value = optional_number(record, column, COLUMNS[column])?;
        match value {
            Some(v) if v < 0.0 => Err(RowError::new(
                reasons::NEGATIVE_RESOURCE,
                format!("the `{}` of {v} is negative", COLUMNS[column]),
                "requests are shares (0–1) of the largest machine",
            )),
            _ => Ok(value),
        }
    };
    Ok(Event { timestamp_us, job, index, kind, cpu: request(9)?, memory: request(10)? })
}

/// An event waiting in the reorder buffer, ordered by (time, file order).
struct Queued {
    /// Rebased trace milliseconds (negative before the first row).
    ms: f64,
    sequence: u64,
    line: u64,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        self.ms.total_cmp(&other.ms).then(self.sequence.cmp(&other.sequence))
    }
}

/// One life of a task, from SUBMIT to its end. Times are rebased trace ms.
struct Life {
    line: u64,
    job: String,
    index: String,
    submit_ms: f64,
    schedule_ms: Option<f64>,
    end_ms: Option<f64>,
    /// Never ran: emitted as nothing.
    dropped: bool,
    cpu: Option<f64>,
    memory: Option<f64>,
}

impl Life {
    fn done(&self) -> bool {
        self.dropped || self.end_ms.is_some()
    }

    fn take_requests(&mut self, event: &Event) {
        self.cpu = event.cpu.or(self.cpu);
        self.memory = event.memory.or(self.memory);
    }
}

/// Turns a stream of events into task lives in submit order. See the
/// [module docs](self).
pub(super) struct Events {
    units: UnitMapping,
    /// The first good row's timestamp, µs.
    base_us: Option<f64>,
    /// The latest rebased time read so far (ms) and its line.
    latest: Option<(f64, u64)>,
    sequence: u64,
    queue: BinaryHeap<Reverse<Queued>>,
    /// Lives in submit order; `lives[i]` has id `first_id + i`.
    lives: VecDeque<Life>,
    first_id: u64,
    /// The live (not yet ended) life of each (job, task index).
    live: HashMap<(String, String), u64>,
    /// Lives ready to be emitted, in submit order.
    ready: VecDeque<Life>,
    /// The latest event time processed, rebased ms.
    last_ms: f64,
    finished: bool,
    /// Incomplete-life reasons not yet collected by the reader.
    notes: Vec<&'static str>,
}

impl Events {
    pub(super) fn new(units: UnitMapping) -> Events {
        Events {
            units,
            base_us: None,
            latest: None,
            sequence: 0,
            queue: BinaryHeap::new(),
            lives: VecDeque::new(),
            first_id: 0,
            live: HashMap::new(),
            ready: VecDeque::new(),
            last_ms: 0.0,
            finished: false,
            notes: Vec::new(),
        }
    }

    /// Parses a row and takes it into the reorder buffer, processing the
    /// events that the window (of scaled time) no longer holds back.
    pub(super) fn accept(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        time_scale: f64,
        window: SimDuration,
    ) -> Result<(), RowError> {
        let event = parse(record)?;
        let base = *self.base_us.get_or_insert(event.timestamp_us);
        // Not yet clamped at 0, so that the order check sees a row before the first.
        let ms = (event.timestamp_us - base) / 1000.0;
        let window_ms = window.0 as f64;
        if let Some((latest, latest_line)) = self.latest {
            if ms * time_scale + window_ms < latest * time_scale {
                return Err(RowError::new(
                    reasons::OUT_OF_ORDER,
                    format!(
                        "the timestamp ({} µs) is {} s earlier than line {latest_line} ({} µs), more than the reorder \
                         window of {window}",
                        event.timestamp_us,
                        (latest - ms) / 1000.0,
                        base + latest * 1000.0,
                    ),
                    "sort the trace by timestamp (e.g. `sort -t, -k1,1n`), or widen the reader's reorder window \
                     (reorder_window = \"unbounded\" sorts the whole file in memory)",
                ));
            }
        }
        if self.latest.is_none_or(|(latest, _)| ms > latest) {
            self.latest = Some((ms, line));
        }
        self.sequence += 1;
        self.queue.push(Reverse(Queued { ms, sequence: self.sequence, line, event }));
        let latest = self.latest.map_or(0.0, |(latest, _)| latest) * time_scale;
        while self.queue.peek().is_some_and(|Reverse(first)| first.ms * time_scale + window_ms <= latest) {
            if let Some(Reverse(queued)) = self.queue.pop() {
                self.process(queued);
            }
        }
        Ok(())
    }

    /// At the end of the file: processes every buffered event and settles
    /// every life still open. Returns false if it was already finished.
    pub(super) fn finish(&mut self) -> bool {
        if self.finished {
            return false;
        }
        self.finished = true;
        while let Some(Reverse(queued)) = self.queue.pop() {
            self.process(queued);
        }
        for life in &mut self.lives {
            if life.done() {
                continue;
            }
            if life.schedule_ms.is_some() {
                life.end_ms = Some(self.last_ms.max(life.submit_ms));
                self.notes.push(reasons::NOT_ENDED);
            } else {
                life.dropped = true;
                self.notes.push(reasons::NEVER_SCHEDULED);
            }
        }
        self.live.clear();
        self.settle();
        true
    }

    /// The next life whose duration is known, in submit order, with the line
    /// of its SUBMIT row.
    pub(super) fn pop_ready(&mut self) -> Option<(RawRow, u64)> {
        let life = self.ready.pop_front()?;
        let start = life.schedule_ms.unwrap_or(life.submit_ms);
        let end = life.end_ms.unwrap_or(start);
        let row = RawRow {
            submit_ms: life.submit_ms,
            duration_ms: (end - start).max(0.0),
            cpu: life.cpu.map(|share| share * f64::from(self.units.machine_cpu_units)),
            memory: life.memory.map(|share| share * f64::from(self.units.machine_memory_mib)),
            count: 1,
            job: Some(life.job),
            name: Some(life.index),
            depends_on: Vec::new(),
            task_definition: None,
            group: None,
        };
        Some((row, life.line))
    }

    /// Reasons noted since the last call.
    pub(super) fn take_notes(&mut self) -> std::vec::Drain<'_, &'static str> {
        self.notes.drain(..)
    }

    fn life_mut(&mut self, id: u64) -> Option<&mut Life> {
        let position = usize::try_from(id.checked_sub(self.first_id)?).ok()?;
        self.lives.get_mut(position)
    }

    /// Applies one event, in time order.
    fn process(&mut self, queued: Queued) {
        let Queued { ms, line, event, .. } = queued;
        let ms = ms.max(0.0);
        self.last_ms = self.last_ms.max(ms);
        self.expire(ms);
        let key = (event.job.clone(), event.index.clone());
        let live = self.live.get(&key).copied();
        match (event.kind, live) {
            (Kind::Submit, live) => {
                if let Some(id) = live {
                    let Some(life) = self.life_mut(id) else { return };
                    if life.schedule_ms.is_none() {
                        // Already pending: keep the first SUBMIT.
                        life.take_requests(&event);
                        self.notes.push(reasons::REPEATED_EVENT);
                        return;
                    }
                    life.end_ms = Some(ms);
                    self.notes.push(reasons::REPEATED_EVENT);
                }
                let id = self.first_id + self.lives.len() as u64;
                self.lives.push_back(Life {
                    line,
                    job: event.job,
                    index: event.index,
                    submit_ms: ms,
                    schedule_ms: None,
                    end_ms: None,
                    dropped: false,
                    cpu: event.cpu,
                    memory: event.memory,
                });
                self.live.insert(key, id);
            }
            (_, None) => self.notes.push(reasons::UNTRACKED_EVENT),
            (Kind::Schedule, Some(id)) => {
                let Some(life) = self.life_mut(id) else { return };
                if life.schedule_ms.is_some() {
                    self.notes.push(reasons::REPEATED_EVENT);
                } else {
                    life.schedule_ms = Some(ms);
                    life.take_requests(&event);
                }
            }
            (Kind::End, Some(id)) => {
                self.live.remove(&key);
                let Some(life) = self.life_mut(id) else { return };
                if life.schedule_ms.is_some() {
                    life.end_ms = Some(ms);
                } else {
                    life.dropped = true;
                    self.notes.push(reasons::NEVER_SCHEDULED);
                }
            }
            (Kind::UpdatePending, Some(id)) => {
                if let Some(life) = self.life_mut(id) {
                    if life.schedule_ms.is_none() {
                        life.take_requests(&event);
                    }
                }
            }
            (Kind::UpdateRunning, Some(_)) => {}
        }
        self.settle();
    }

    /// Ends (or drops) the oldest lives whose lookahead has passed by `ms`.
    fn expire(&mut self, ms: f64) {
        let lookahead = LOOKAHEAD.as_millis() as f64;
        loop {
            self.settle();
            let Some(front) = self.lives.front_mut() else { return };
            if front.submit_ms + lookahead >= ms {
                return;
            }
            if front.schedule_ms.is_some() {
                front.end_ms = Some(front.submit_ms + lookahead);
                self.notes.push(reasons::END_NOT_SEEN);
            } else {
                front.dropped = true;
                self.notes.push(reasons::NOT_SCHEDULED_IN_LOOKAHEAD);
            }
            let key = (front.job.clone(), front.index.clone());
            if self.live.get(&key) == Some(&self.first_id) {
                self.live.remove(&key);
            }
        }
    }

    /// Moves finished lives from the front of the buffer to `ready`.
    fn settle(&mut self) {
        while self.lives.front().is_some_and(Life::done) {
            let Some(life) = self.lives.pop_front() else { return };
            self.first_id += 1;
            if !life.dropped {
                self.ready.push_back(life);
            }
        }
    }
}
