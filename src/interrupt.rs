//! Stopping cleanly on SIGINT (Ctrl-C) and SIGTERM.
//!
//! [`install`] sets handlers that only note the signal; the work polls the
//! note at coarse points and stops with [`Signal`] as its error: the event
//! loop every [`CHECK_EVERY`] events (through a [`Watch`]), a sweep or a
//! search before each run, and the commands before they swap their results
//! in. A second signal ends the process at once, with the same exit code,
//! for work that does not reach a poll soon enough.

use crate::engine::SimTime;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many events the event loop processes between two polls: a few
/// milliseconds of work, and one masked compare per event.
pub const CHECK_EVERY: u64 = 4096;

/// The signal received first, as its number (0: none yet).
static RECEIVED: AtomicUsize = AtomicUsize::new(0);
/// Whether a signal has been received, which arms the immediate exit on the next.
static ARMED: AtomicBool = AtomicBool::new(false);

const SIGINT: i32 = signal_hook::consts::SIGINT;
const SIGTERM: i32 = signal_hook::consts::SIGTERM;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT, as Ctrl-C sends.
    Interrupt,
    /// SIGTERM, as `kill` and job schedulers send.
    Terminate,
}

impl Signal {
    /// Its name, `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The exit code of a process it stopped: 128 + its number (130, 143).
    pub fn exit_code(self) -> i32 {
        128 + match self {
            Signal::Interrupt => SIGINT,
            Signal::Terminate => SIGTERM,
        }
    }
}

/// Installs the handlers for SIGINT and SIGTERM: the first signal is noted
/// for [`check`], a second one exits at once with its exit code.
pub fn install() -> std::io::Result<()> {
    for signal in [SIGINT, SIGTERM] {
        // The exit must be registered first: it sees the flag as the
        // signal before this one left it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, &ARMED)?;
        signal_hook::flag::register_usize(signal, &RECEIVED, signal as usize)?;
        signal_hook::flag::register(signal, &ARMED)?;
    }
    Ok(())
}

/// The signal received, if any (always `None` before [`install`]).
pub fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::Relaxed) {
        0 => None,
        n if n == SIGTERM as usize => Some(Signal::Terminate),
        _ => Some(Signal::Interrupt),
    }
}

/// `Err` with the signal once one has been received.
pub fn check() -> Result<(), Signal> {
    received().map_or(Ok(()), Err)
}

/// What the event loop calls every [`CHECK_EVERY`] events with the simulated
/// time it has reached: an error stops the run.
pub trait Watch {
    /// Called with the time of the event just processed.
    fn reached(&mut self, now: SimTime) -> Result<(), Signal>;
}

/// The watch of every run: it stops on a signal, and shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals;

impl Watch for Signals {
    fn reached(&mut self, _now: SimTime) -> Result<(), Signal> {
        check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!((Signal::Interrupt.exit_code(), Signal::Terminate.exit_code()), (130, 143));
        assert_eq!((Signal::Interrupt.name(), Signal::Terminate.name()), ("SIGINT", "SIGTERM"));
    }
}
