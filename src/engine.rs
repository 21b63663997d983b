//! The discrete-event core: integer simulated time, an event queue ordered by
//! (time, sequence), and named random-number streams derived from the run seed.
//!
//! # The event queue's contract
//!
//! - **Time** is counted in whole milliseconds from the start of the run
//!   ([`SimTime`], [`SimDuration`]); there is no floating-point time.
//! - **Order.** Every scheduled event gets the next sequence number. Events pop
//!   in (time, sequence) order: earliest first, and events that fall on the same
//!   millisecond in the order they were scheduled (first in, first out). A run
//!   therefore never depends on heap internals. An event scheduled at the
//!   current instant pops after every event already waiting at that instant.
//! - **No going back.** [`EventQueue::at`] refuses a time earlier than
//!   [`EventQueue::now`] with a [`ScheduleError`]; [`EventQueue::schedule_in`]
//!   takes a delay and cannot fail.
//! - **Cancellation.** Scheduling returns an [`EventKey`]. [`EventQueue::cancel`]
//!   makes a pending event disappear: it is never popped, does not count in
//!   [`EventQueue::processed`] or [`EventQueue::len`], and
//!   [`EventQueue::peek_time`] never reports it. Cancelling an event already
//!   popped or cancelled returns false and changes nothing. Cancelled entries
//!   are dropped lazily when they reach the top of the heap. A cancel looks
//!   through the pending events (O(n)), so that scheduling and popping, which
//!   the simulator does millions of times, pay nothing for cancellation.
//! - **Periodic events.** [`EventQueue::every`] schedules an event at `first`,
//!   `first + period`, `first + 2 period`, ... Each occurrence is re-armed at
//!   the moment it is popped, with a fresh sequence number taken then: the
//!   next occurrence runs after the events already waiting at its time, and
//!   before any event scheduled for that time from the popped occurrence's
//!   handler onwards. The key returned by `every` cancels the whole series,
//!   including the occurrence already re-armed.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::num::NonZeroU64;
use std::ops::{Add, Sub};

/// An instant of simulated time, in milliseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

/// A span of simulated time, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// Milliseconds since the start of the run.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since the start of the run, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// The span from `earlier` to `self`, or zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of whole seconds.
    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs * 1000)
    }

    /// A span of whole minutes.
    pub const fn from_mins(mins: u64) -> SimDuration {
        SimDuration(mins * 60_000)
    }

    /// Milliseconds in the span.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds in the span, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Whole seconds, rounded up: the unit AWS bills in.
    pub fn whole_secs_rounded_up(self) -> u64 {
        self.0.div_ceil(1000)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        const UNITS: [(u64, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")];
        for (size, unit) in UNITS {
            if ms >= size && ms.is_multiple_of(size) {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{ms}ms")
    }
}

/// Parses a duration such as `"250ms"`, `"90s"`, `"5m"`, `"2h"`, `"7d"` or a
/// compound like `"1h30m"`. Fractions are allowed (`"1.5s"`).
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let usage = || {
        format!(
            "`{text}` is not a duration; write a number followed by a unit (ms, s, m, h or d), e.g. \"90s\", \"5m\", \"2h\" or \"1h30m\""
        )
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(usage());
    }
    let mut total_ms = 0.0_f64;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if number_len == 0 {
            return Err(usage());
        }
        let value: f64 = rest[..number_len].parse().map_err(|_| usage())?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match rest[..unit_len].trim() {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return Err(usage()),
        };
        rest = &rest[unit_len..];
        total_ms += value * scale;
    }
    if !total_ms.is_finite() || total_ms > 1e15 {
        return Err(format!("`{text}` is too long a duration"));
    }
    Ok(SimDuration(total_ms.round() as u64))
}

/// Why an event could not be scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// The requested time is earlier than the clock: the queue never runs backwards.
    InThePast {
        /// The time of the event most recently popped.
        now: SimTime,
        /// The time asked for.
        requested: SimTime,
    },
    /// A periodic event was given a period of zero, which would recur forever
    /// at one instant.
    ZeroPeriod,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::InThePast { now, requested } => write!(
                f,
                "cannot schedule an event at {} ms: the clock is already at {} ms",
                requested.as_millis(),
                now.as_millis()
            ),
            ScheduleError::ZeroPeriod => write!(f, "a periodic event needs a period longer than zero"),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// A handle on a scheduled event, or on a whole periodic series, for
/// [`EventQueue::cancel`]. It is the sequence number the event got when it was
/// scheduled (for a series, the sequence number of its first occurrence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey(u64);

impl EventKey {
    /// The sequence number behind the key.
    pub fn sequence(self) -> u64 {
        self.0
    }
}

/// One scheduled one-off event with its ordering key.
struct Entry<E> {
    time: SimTime,
    sequence: u64,
    event: E,
}

impl<E> Entry<E> {
    /// Earlier first; at the same instant, scheduled first.
    #[inline]
    fn before(&self, other: &Self) -> bool {
        let key = |e: &Self| u128::from(e.time.0) << 64 | u128::from(e.sequence);
        key(self) < key(other)
    }
}

/// A 4-ary min-heap of entries by (time, sequence). Keys are unique, so the
/// order of pops is fully determined by them. Four children per node halve
/// the height of a binary heap, and a node's children sit side by side in
/// memory, so a pop touches half as many cache lines in a large queue.
struct Heap<E> {
    entries: Vec<Entry<E>>,
}

const ARITY: usize = 4;

impl<E> Heap<E> {
    fn new() -> Heap<E> {
        Heap { entries: Vec::new() }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn peek(&self) -> Option<&Entry<E>> {
        self.entries.first()
    }

    fn iter(&self) -> impl Iterator<Item = &Entry<E>> {
        self.entries.iter()
    }

    fn push(&mut self, entry: Entry<E>) {
        self.entries.push(entry);
        let mut child = self.entries.len() - 1;
        while child > 0 {
            let parent = (child - 1) / ARITY;
            if !self.entries[child].before(&self.entries[parent]) {
                break;
            }
            self.entries.swap(child, parent);
            child = parent;
        }
    }

    /// Takes the least entry. The last entry fills the root's place and is
    /// carried down along the least children to a leaf, then back up the
    /// little it needs (it came from the bottom, so usually not at all):
    /// three comparisons per level instead of four.
    fn pop(&mut self) -> Option<Entry<E>> {
        let last = self.entries.pop()?;
        if self.entries.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.entries[0], last);
        let entries = self.entries.as_mut_slice();
        let len = entries.len();
        let mut hole = 0;
        loop {
            let first = hole * ARITY + 1;
            if first >= len {
                break;
            }
            let children = &entries[first..(first + ARITY).min(len)];
            let mut least = 0;
            for (i, child) in children.iter().enumerate().skip(1) {
                if child.before(&children[least]) {
                    least = i;
                }
            }
            entries.swap(hole, first + least);
            hole = first + least;
        }
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if !entries[hole].before(&entries[parent]) {
                break;
            }
            entries.swap(hole, parent);
            hole = parent;
        }
        Some(top)
    }
}

/// A periodic series: its pending occurrence lives here, not in the heap, so
/// one-off entries stay small and a pop only compares with the earliest series.
struct Series<E> {
    key: u64,
    /// The pending occurrence's time and sequence number.
    next: SimTime,
    sequence: u64,
    period: NonZeroU64,
    event: E,
}

/// A future-event list: a binary heap of one-off events keyed by (time,
/// sequence), beside a short list of periodic series, with keyed
/// cancellation. See the module documentation for the ordering contract.
pub struct EventQueue<E> {
    heap: Heap<E>,
    /// Periodic series still running.
    series: Vec<Series<E>>,
    /// The index in `series` of the earliest pending occurrence.
    earliest_series: Option<usize>,
    next_sequence: u64,
    now: SimTime,
    processed: u64,
    /// Cancelled one-off entries still in the heap. While it is empty, popping
    /// looks for none; the heap's top is never a cancelled entry.
    cancelled: HashSet<u64>,
    /// `E::clone`, recorded by [`EventQueue::every`] so that re-arming a series
    /// needs no `Clone` bound on `pop`.
    clone_event: Option<fn(&E) -> E>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: Heap::new(),
            series: Vec::new(),
            earliest_series: None,
            next_sequence: 0,
            now: SimTime::ZERO,
            processed: 0,
            cancelled: HashSet::new(),
            clone_event: None,
        }
    }
}

impl<E> EventQueue<E> {
    /// The time of the event most recently popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`, which may be now but not earlier.
    pub fn at(&mut self, time: SimTime, event: E) -> Result<EventKey, ScheduleError> {
        if time < self.now {
            return Err(ScheduleError::InThePast { now: self.now, requested: time });
        }
        Ok(self.push(time, event))
    }

    /// Schedules `event` after `delay` from now (a zero delay runs it after the
    /// events already waiting at this instant).
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> EventKey {
        self.push(self.now + delay, event)
    }

    /// Schedules `event` at `first` and then every `period` after, until the
    /// returned key is cancelled. Each occurrence is re-armed when it is
    /// popped, with a fresh sequence number taken at that moment.
    pub fn every(&mut self, first: SimTime, period: SimDuration, event: E) -> Result<EventKey, ScheduleError>
    where
        E: Clone,
    {
        if first < self.now {
            return Err(ScheduleError::InThePast { now: self.now, requested: first });
        }
        let period = NonZeroU64::new(period.as_millis()).ok_or(ScheduleError::ZeroPeriod)?;
        self.clone_event = Some(E::clone);
        let sequence = self.issue();
        self.series.push(Series { key: sequence, next: first, sequence, period, event });
        self.find_earliest_series();
        Ok(EventKey(sequence))
    }

    /// Cancels a pending event, or every future occurrence of a periodic
    /// series, so that it is never popped. Returns false if there was nothing
    /// to cancel: the event was already popped or cancelled. Cancelling a
    /// one-off event looks through the pending events (O(n)); the simulator
    /// schedules millions of events and cancels few, so popping pays nothing
    /// for it.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        if let Some(index) = self.series.iter().position(|s| s.key == key.0) {
            self.series.swap_remove(index);
            self.find_earliest_series();
            return true;
        }
        let pending = !self.cancelled.contains(&key.0) && self.heap.iter().any(|e| e.sequence == key.0);
        if pending {
            self.cancelled.insert(key.0);
            self.drop_cancelled_top();
        }
        pending
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let one_off = self.heap.peek().map(|entry| entry.time);
        let periodic = self.earliest_series.map(|i| self.series[i].next);
        match (one_off, periodic) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes and returns the next event, advancing the clock to its time. A
    /// periodic event's next occurrence is scheduled before this returns.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.earliest_series.is_none() && self.cancelled.is_empty() {
            // The common case: one-off events only, nothing cancelled.
            let entry = self.heap.pop()?;
            self.now = entry.time;
            self.processed += 1;
            return Some((entry.time, entry.event));
        }
        self.pop_general()
    }

    /// [`EventQueue::pop`] with series or cancelled entries about.
    fn pop_general(&mut self) -> Option<(SimTime, E)> {
        let series_first = match (self.heap.peek(), self.earliest_series) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(top), Some(i)) => (self.series[i].next, self.series[i].sequence) < (top.time, top.sequence),
        };
        let (time, event) = if series_first {
            self.rearm(self.earliest_series.expect("checked above"))
        } else {
            let entry = self.heap.pop()?;
            if !self.cancelled.is_empty() {
                self.drop_cancelled_top();
            }
            (entry.time, entry.event)
        };
        self.now = time;
        self.processed += 1;
        Some((time, event))
    }

    /// Events popped so far (cancelled ones are never popped).
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Events still waiting, not counting cancelled ones.
    pub fn len(&self) -> usize {
        self.heap.len() - self.cancelled.len() + self.series.len()
    }

    /// True when no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn issue(&mut self) -> u64 {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        sequence
    }

    #[inline]
    fn push(&mut self, time: SimTime, event: E) -> EventKey {
        let sequence = self.issue();
        self.heap.push(Entry { time, sequence, event });
        EventKey(sequence)
    }

    /// Takes the pending occurrence of series `index` and re-arms the series
    /// one period later with a fresh sequence number. A series that would run
    /// past the end of time ends.
    fn rearm(&mut self, index: usize) -> (SimTime, E) {
        let clone = self.clone_event.expect("only `every` creates series, and it records `clone`");
        let time = self.series[index].next;
        let event = clone(&self.series[index].event);
        match time.as_millis().checked_add(self.series[index].period.get()) {
            Some(next) => {
                let sequence = self.issue();
                let series = &mut self.series[index];
                series.next = SimTime(next);
                series.sequence = sequence;
            }
            None => {
                self.series.swap_remove(index);
            }
        }
        self.find_earliest_series();
        (time, event)
    }

    fn find_earliest_series(&mut self) {
        self.earliest_series = (0..self.series.len()).min_by_key(|&i| (self.series[i].next, self.series[i].sequence));
    }

    /// Discards cancelled entries from the top of the heap, so that the top is
    /// always a live event.
    fn drop_cancelled_top(&mut self) {
        while let Some(top) = self.heap.peek() {
            if !self.cancelled.remove(&top.sequence) {
                break;
            }
            self.heap.pop();
        }
    }
}

/// The random-number generator every stream uses: ChaCha8, portable and
/// reproducible across platforms and crate versions pinned in Cargo.lock.
pub type SimRng = ChaCha8Rng;

/// Derives the random stream for one purpose (such as `"placement"` or
/// `"arrivals:batch"`) from the run seed. Streams are independent, so adding
/// randomness to one part of the model never shifts the draws of another.
pub fn rng_stream(seed: u64, purpose: &str) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a(purpose.as_bytes()));
    rng
}

/// Mixes a run index into a base seed (SplitMix64), so variant and replication
/// seeds are well spread and any run can be replayed alone.
pub fn derive_seed(base: u64, index: u64) -> u64 {
    let mut z = base ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The draws one entity (an instance, a task) makes for one purpose: a
/// SplitMix64 sequence seeded from (run seed, purpose, entity key).
///
/// Where a shared stream hands out draws in the order entities ask for them,
/// so that one extra instance or task shifts every later draw, an entity's
/// own sequence depends only on who it is. Two options of one replication
/// then give the same instance the same failure time and the same task the
/// same start delay, whatever else differs between them (common random
/// numbers; docs/comparisons.md).
#[derive(Debug, Clone)]
pub struct EntityRng {
    state: u64,
}

impl EntityRng {
    /// The sequence of entity `key` for `purpose` in the run seeded `seed`.
    pub fn new(seed: u64, purpose: &str, key: u64) -> EntityRng {
        EntityRng { state: derive_seed(derive_seed(seed, fnv1a(purpose.as_bytes())), key) }
    }
}

impl rand::RngCore for EntityRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        // SplitMix64 (Steele, Lea and Flood 2014).
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// A stable 64-bit key for entity `ordinal` of the thing called `name` (a
/// fleet, a service, a workload), for [`EntityRng::new`].
pub fn entity_key(name: &str, ordinal: u64) -> u64 {
    derive_seed(fnv1a(name.as_bytes()), ordinal)
}

/// 64-bit FNV-1a: a stable hash for naming streams (std's hasher is not stable).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::Rng;

    proptest! {
        /// The 4-ary heap pops in the order a plain binary heap of the same
        /// keys does, whatever the interleaving of pushes and pops.
        #[test]
        fn the_heap_pops_as_a_binary_heap(ops in proptest::collection::vec(prop::option::of(0_u64..50), 0..400)) {
            let mut heap = Heap::new();
            let mut plain = std::collections::BinaryHeap::new();
            for (sequence, op) in ops.into_iter().enumerate() {
                match op {
                    Some(time) => {
                        heap.push(Entry { time: SimTime(time), sequence: sequence as u64, event: () });
                        plain.push(std::cmp::Reverse((time, sequence as u64)));
                    }
                    None => {
                        let got = heap.pop().map(|e| (e.time.0, e.sequence));
                        prop_assert_eq!(got, plain.pop().map(|r| r.0));
                    }
                }
                prop_assert_eq!(heap.len(), plain.len());
                prop_assert_eq!(heap.peek().map(|e| (e.time.0, e.sequence)), plain.peek().map(|r| r.0));
            }
        }
    }

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(SimDuration(250)));
        assert_eq!(parse_duration("90s"), Ok(SimDuration(90_000)));
        assert_eq!(parse_duration("5m"), Ok(SimDuration(300_000)));
        assert_eq!(parse_duration("2h"), Ok(SimDuration(7_200_000)));
        assert_eq!(parse_duration("7d"), Ok(SimDuration(604_800_000)));
        assert_eq!(parse_duration("1h30m"), Ok(SimDuration(5_400_000)));
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration(1500)));
        for bad in ["", "5", "5x", "m5", "1..2s", "-3s"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("e.g."), "{bad}: {err}");
        }
    }

    #[test]
    fn durations_display_in_their_largest_whole_unit() {
        assert_eq!(SimDuration::from_mins(90).to_string(), "90m");
        assert_eq!(SimDuration(7_200_000).to_string(), "2h");
        assert_eq!(SimDuration(1500).to_string(), "1500ms");
    }

    #[test]
    fn queue_pops_by_time_then_fifo() {
        let mut queue = EventQueue::default();
        queue.at(SimTime(10), "c").unwrap();
        queue.at(SimTime(5), "a").unwrap();
        queue.at(SimTime(10), "d").unwrap();
        queue.at(SimTime(5), "b").unwrap();
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        assert_eq!(queue.processed(), 4);
    }

    #[test]
    fn at_refuses_the_past_and_accepts_now() {
        let mut queue = EventQueue::default();
        queue.at(SimTime(10), 1).unwrap();
        queue.pop();
        let err = queue.at(SimTime(3), 2).unwrap_err();
        assert_eq!(err, ScheduleError::InThePast { now: SimTime(10), requested: SimTime(3) });
        assert_eq!(err.to_string(), "cannot schedule an event at 3 ms: the clock is already at 10 ms");
        assert!(queue.is_empty());
        queue.at(SimTime(10), 3).unwrap();
        queue.schedule_in(SimDuration::ZERO, 4);
        assert_eq!(queue.pop(), Some((SimTime(10), 3)));
        assert_eq!(queue.pop(), Some((SimTime(10), 4)));
        assert_eq!(
            queue.every(SimTime(9), SimDuration(5), 5),
            Err(ScheduleError::InThePast { now: SimTime(10), requested: SimTime(9) })
        );
        assert_eq!(queue.every(SimTime(10), SimDuration::ZERO, 5), Err(ScheduleError::ZeroPeriod));
        assert!(queue.is_empty());
    }

    #[test]
    fn cancel_before_pop_hides_the_event() {
        let mut queue = EventQueue::default();
        let a = queue.at(SimTime(5), "a").unwrap();
        let b = queue.at(SimTime(5), "b").unwrap();
        let c = queue.at(SimTime(7), "c").unwrap();
        assert_eq!(queue.len(), 3);
        assert!(queue.cancel(a));
        assert!(!queue.cancel(a), "a second cancel finds nothing");
        assert!(queue.cancel(c));
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.peek_time(), Some(SimTime(5)));
        assert_eq!(queue.pop(), Some((SimTime(5), "b")));
        assert_eq!(queue.peek_time(), None);
        assert!(queue.is_empty());
        assert_eq!(queue.pop(), None);
        assert_eq!(queue.processed(), 1);
        assert!(!queue.cancel(b), "b was popped");
    }

    #[test]
    fn cancel_after_pop_returns_false() {
        let mut queue = EventQueue::default();
        let a = queue.schedule_in(SimDuration(1), 1);
        let b = queue.schedule_in(SimDuration(2), 2);
        assert_eq!(queue.pop(), Some((SimTime(1), 1)));
        assert!(!queue.cancel(a));
        assert_eq!(queue.len(), 1);
        assert!(queue.cancel(b));
        assert_eq!((queue.len(), queue.processed(), queue.now()), (0, 1, SimTime(1)));
    }

    #[test]
    fn periodic_events_rearm_until_cancelled() {
        let mut queue = EventQueue::default();
        let tick = queue.every(SimTime(10), SimDuration(10), "tick").unwrap();
        queue.at(SimTime(20), "before").unwrap();
        assert_eq!(queue.pop(), Some((SimTime(10), "tick")));
        // Re-armed at the pop: after "before" (scheduled earlier), ahead of "after".
        queue.at(SimTime(20), "after").unwrap();
        assert_eq!(queue.len(), 3);
        let order: Vec<_> = (0..3).map(|_| queue.pop().unwrap()).collect();
        assert_eq!(order, [(SimTime(20), "before"), (SimTime(20), "tick"), (SimTime(20), "after")]);
        assert_eq!(queue.pop(), Some((SimTime(30), "tick")));
        assert_eq!(queue.peek_time(), Some(SimTime(40)));
        assert!(queue.cancel(tick));
        assert!(!queue.cancel(tick));
        assert_eq!((queue.peek_time(), queue.len(), queue.processed()), (None, 0, 5));
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn cancelled_events_count_nowhere() {
        let mut queue = EventQueue::default();
        let keys: Vec<_> = (0..200).map(|i| queue.at(SimTime(i % 7), i).unwrap()).collect();
        for key in keys.iter().step_by(3) {
            assert!(queue.cancel(*key));
        }
        let left = 200 - keys.iter().step_by(3).count();
        assert_eq!(queue.len(), left);
        let popped: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(popped.len(), left);
        assert!(popped.iter().all(|(_, i)| i % 3 != 0));
        assert!(popped.windows(2).all(|w| w[0] < w[1]), "by time, then in the order scheduled");
        assert_eq!(queue.processed(), left as u64);
        assert!(keys.iter().all(|key| !queue.cancel(*key)));
    }

    #[test]
    fn cancelled_entries_leave_nothing_behind() {
        let mut queue = EventQueue::default();
        let tick = queue.every(SimTime(0), SimDuration(1), 0).unwrap();
        let far = queue.at(SimTime(u64::MAX), 0).unwrap();
        for i in 0..1000 {
            queue.schedule_in(SimDuration(i % 5), i as u32);
            queue.pop();
        }
        assert!(queue.cancel(far));
        assert!(queue.cancel(tick));
        while queue.pop().is_some() {}
        assert!(queue.cancelled.is_empty() && queue.series.is_empty() && queue.is_empty());
    }

    /// One step of a random run, for the property test.
    #[derive(Clone, Debug)]
    enum Op {
        /// `at(now + offset)`; a negative offset asks for the past.
        At(i64),
        In(u64),
        Every(i64, u64),
        /// Cancel the n-th key handed out (modulo the number handed out).
        Cancel(usize),
        Pop,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (-5i64..20).prop_map(Op::At),
            2 => (0u64..20).prop_map(Op::In),
            1 => (-3i64..20, 0u64..15).prop_map(|(first, period)| Op::Every(first, period)),
            2 => any::<usize>().prop_map(Op::Cancel),
            4 => Just(Op::Pop),
        ]
    }

    /// The reference: pending events in a Vec, the next found by a scan.
    #[derive(Default)]
    struct Model {
        now: u64,
        next_sequence: u64,
        processed: u64,
        /// (time, sequence, key, period, payload)
        pending: Vec<(u64, u64, u64, u64, u32)>,
    }

    impl Model {
        fn push(&mut self, time: u64, key: Option<u64>, period: u64, payload: u32) -> u64 {
            let sequence = self.next_sequence;
            self.next_sequence += 1;
            let key = key.unwrap_or(sequence);
            self.pending.push((time, sequence, key, period, payload));
            key
        }

        fn pop(&mut self) -> Option<(u64, u32)> {
            let (index, _) = self.pending.iter().enumerate().min_by_key(|(_, e)| (e.0, e.1))?;
            let (time, _, key, period, payload) = self.pending.remove(index);
            self.now = time;
            self.processed += 1;
            if period > 0 {
                self.push(time + period, Some(key), period, payload);
            }
            Some((time, payload))
        }

        fn cancel(&mut self, key: u64) -> bool {
            let before = self.pending.len();
            self.pending.retain(|e| e.2 != key);
            self.pending.len() < before
        }

        fn peek_time(&self) -> Option<u64> {
            self.pending.iter().map(|e| e.0).min()
        }
    }

    proptest! {
        #[test]
        fn queue_matches_a_sorted_scan(ops in proptest::collection::vec(op(), 0..300)) {
            let mut queue = EventQueue::default();
            let mut model = Model::default();
            let mut keys: Vec<(EventKey, u64)> = Vec::new();
            for (payload, op) in ops.into_iter().enumerate() {
                let payload = payload as u32;
                let now = model.now;
                let target = |offset: i64| now.checked_add_signed(offset).unwrap_or(0);
                match op {
                    Op::At(offset) => {
                        let time = target(offset);
                        match queue.at(SimTime(time), payload) {
                            Ok(key) => {
                                prop_assert!(time >= now);
                                keys.push((key, model.push(time, None, 0, payload)));
                            }
                            Err(err) => prop_assert_eq!(err, ScheduleError::InThePast { now: SimTime(now), requested: SimTime(time) }),
                        }
                    }
                    Op::In(delay) => {
                        let key = queue.schedule_in(SimDuration(delay), payload);
                        keys.push((key, model.push(now + delay, None, 0, payload)));
                    }
                    Op::Every(offset, period) => {
                        let first = target(offset);
                        match queue.every(SimTime(first), SimDuration(period), payload) {
                            Ok(key) => {
                                prop_assert!(first >= now && period > 0);
                                keys.push((key, model.push(first, None, period, payload)));
                            }
                            Err(ScheduleError::ZeroPeriod) => prop_assert!(first >= now && period == 0),
                            Err(err) => prop_assert_eq!(err, ScheduleError::InThePast { now: SimTime(now), requested: SimTime(first) }),
                        }
                    }
                    Op::Cancel(n) => {
                        if !keys.is_empty() {
                            let (key, model_key) = keys[n % keys.len()];
                            prop_assert_eq!(queue.cancel(key), model.cancel(model_key));
                        }
                    }
                    Op::Pop => {
                        prop_assert_eq!(queue.pop().map(|(t, e)| (t.as_millis(), e)), model.pop());
                    }
                }
                prop_assert_eq!(queue.now().as_millis(), model.now);
                prop_assert_eq!(queue.len(), model.pending.len());
                prop_assert_eq!(queue.is_empty(), model.pending.is_empty());
                prop_assert_eq!(queue.peek_time().map(SimTime::as_millis), model.peek_time());
                prop_assert_eq!(queue.processed(), model.processed);
            }
            // Drain (periodic series run forever, so cancel them first).
            for (key, model_key) in &keys {
                prop_assert_eq!(queue.cancel(*key), model.cancel(*model_key));
            }
            loop {
                let popped = queue.pop().map(|(t, e)| (t.as_millis(), e));
                prop_assert_eq!(popped, model.pop());
                if popped.is_none() {
                    break;
                }
            }
            prop_assert_eq!(queue.processed(), model.processed);
        }
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let draw = |seed, name| rng_stream(seed, name).gen::<u64>();
        assert_eq!(draw(7, "placement"), draw(7, "placement"));
        assert_ne!(draw(7, "placement"), draw(7, "arrivals"));
        assert_ne!(draw(7, "placement"), draw(8, "placement"));
        assert_ne!(derive_seed(1, 0), derive_seed(1, 1));
    }

    #[test]
    fn entity_sequences_depend_only_on_seed_purpose_and_key() {
        let first = |seed, purpose, key| EntityRng::new(seed, purpose, key).gen::<u64>();
        let key = entity_key("web", 3);
        assert_eq!(first(7, "task-start", key), first(7, "task-start", key));
        assert_ne!(first(7, "task-start", key), first(7, "task-stop", key));
        assert_ne!(first(7, "task-start", key), first(7, "task-start", entity_key("web", 4)));
        assert_ne!(first(7, "task-start", key), first(7, "task-start", entity_key("api", 3)));
        assert_ne!(first(7, "task-start", key), first(8, "task-start", key));
        // Uniform enough for the model's draws: the mean of 10,000 unit draws.
        let mut rng = EntityRng::new(1, "test", 0);
        let mean = (0..10_000).map(|_| rng.gen::<f64>()).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }
}
