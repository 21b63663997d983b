//! The Alibaba 2018 reader and the DAG gate behind it: rows are offered to
//! the gate as a run offers them (jobs sealed as time passes), and every
//! task the gate releases completes in release order. Any bytes end with
//! every task released or held, never a panic.
#![no_main]

mod common;

use ecs_sim::traces::{DagGate, TraceFormat, TraceTask};
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;

/// Completes the running tasks in order, and those their completion releases.
fn complete(gate: &mut DagGate, running: &mut VecDeque<TraceTask>) {
    while let Some(TraceTask { job, name, .. }) = running.pop_front() {
        if let (Some(job), Some(name)) = (job, name) {
            running.extend(gate.completed(&job, &name));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((settings, trace)) = common::split(data) else { return };
    let Some(mut reader) = common::reader(trace, TraceFormat::Alibaba2018, &settings) else { return };
    let mut gate = DagGate::new();
    let mut running = VecDeque::new();
    while let Ok(Some(task)) = reader.next_task() {
        running.extend(gate.seal_before(task.submit));
        running.extend(gate.offer(task));
        complete(&mut gate, &mut running);
    }
    running.extend(gate.seal_all());
    complete(&mut gate, &mut running);
    let _ = (gate.held(), gate.live_jobs());
});
