//! The limit a discrete-event simulator can approach: a bare binary-heap
//! event loop of the same shape as `engine::EventQueue` (integer time, a
//! sequence number for first-in-first-out ties, a 24-byte payload like
//! `simulation::Event`), doing trivial work per event. `benches/limit.sh`
//! runs it under callgrind beside the scale configurations and divides their
//! instructions per event by its own.
//!
//! Usage: `event_loop [EVENTS] [IN_FLIGHT]` (default 1,000,000 events with
//! 20,000 pending at any time, about the pending count of the 100k-task scale
//! runs). Prints the event count and a checksum so the work is not optimised
//! away.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One pending event: (time in ms, sequence, payload), ordered by time then
/// sequence, as the engine orders its entries.
type Entry = Reverse<(u64, u64, [u64; 3])>;

/// A xorshift step: cheap pseudo-random delays.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("a number"));
    let events = args.next().unwrap_or(1_000_000);
    let in_flight = args.next().unwrap_or(20_000);
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut heap: BinaryHeap<Entry> = BinaryHeap::with_capacity(in_flight as usize + 1);
    let mut sequence = 0_u64;
    for _ in 0..in_flight {
        heap.push(Reverse((next(&mut state) % 3_600_000, sequence, [sequence; 3])));
        sequence += 1;
    }
    let mut checksum = 0_u64;
    let mut handled = 0_u64;
    while let Some(Reverse((time, _, payload))) = heap.pop() {
        handled += 1;
        checksum = checksum.wrapping_add(payload[0] ^ time);
        if sequence < events {
            // Each event schedules one more, 0 to 40 simulated minutes ahead.
            let delay = next(&mut state) % 2_400_000;
            heap.push(Reverse((time + delay, sequence, [sequence; 3])));
            sequence += 1;
        }
    }
    println!("{handled} events, checksum {checksum}");
}
