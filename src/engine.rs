//! The discrete-event core: integer simulated time, an event queue ordered by
//! (time, sequence), and named random-number streams derived from the run seed.
//!
//! Time is counted in whole milliseconds from the start of the run. Events that
//! fall on the same millisecond run in the order they were scheduled (first in,
//! first out), so a run never depends on heap internals.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;
use std::ops::{Add, Sub};

/// An instant of simulated time, in milliseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// One scheduled event with its ordering key.
struct Entry<E> {
    time: SimTime,
    sequence: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.sequence == other.sequence
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that the max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.sequence).cmp(&(self.time, self.sequence))
    }
}

/// A future-event list: a binary heap keyed by (time, sequence).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
    now: SimTime,
    processed: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_sequence: 0, now: SimTime::ZERO, processed: 0 }
    }
}

impl<E> EventQueue<E> {
    /// The time of the event most recently popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`. A time in the past is moved to now, so the
    /// clock never runs backwards.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let time = time.max(self.now);
        self.heap.push(Entry { time, sequence: self.next_sequence, event });
        self.next_sequence += 1;
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|entry| entry.time)
    }

    /// Removes and returns the next event, advancing the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = self.heap.pop()?;
        self.now = entry.time;
        self.processed += 1;
        Some((entry.time, entry.event))
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Events still waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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

/// 64-bit FNV-1a: a stable hash for naming streams (std's hasher is not stable).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

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
        queue.schedule(SimTime(10), "c");
        queue.schedule(SimTime(5), "a");
        queue.schedule(SimTime(10), "d");
        queue.schedule(SimTime(5), "b");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        assert_eq!(queue.processed(), 4);
    }

    #[test]
    fn queue_never_runs_backwards() {
        let mut queue = EventQueue::default();
        queue.schedule(SimTime(10), 1);
        queue.pop();
        queue.schedule(SimTime(3), 2);
        assert_eq!(queue.pop(), Some((SimTime(10), 2)));
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let draw = |seed, name| rng_stream(seed, name).gen::<u64>();
        assert_eq!(draw(7, "placement"), draw(7, "placement"));
        assert_ne!(draw(7, "placement"), draw(7, "arrivals"));
        assert_ne!(draw(7, "placement"), draw(8, "placement"));
        assert_ne!(derive_seed(1, 0), derive_seed(1, 1));
    }
}
