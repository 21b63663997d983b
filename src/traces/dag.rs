//! Holding back tasks until the tasks of their job they depend on are done.
//!
//! Alibaba 2018 task names encode a DAG per job: `M5_3_4` (node 5) may start
//! only once nodes 3 and 4 of the same job have completed, every instance.
//! [`DagGate`] sits between the trace reader and RunTask:
//!
//! 1. Before offering a task submitted at time `t`, call
//!    [`seal_before(t)`](DagGate::seal_before): every job whose tasks all
//!    arrived before `t` is complete (the reader is in time order), and
//!    sealing it may release tasks. At the end of the trace call
//!    [`seal_all`](DagGate::seal_all).
//! 2. [`offer`](DagGate::offer) each task: it comes back at once if it can be
//!    submitted now, otherwise the gate holds it.
//! 3. When every instance of a released task has finished, call
//!    [`completed`](DagGate::completed) with its job and name; it returns the
//!    held tasks that are now ready, in arrival order.
//!
//! # Rules
//!
//! - A dependency is satisfied once a task of that name in the same job has
//!   completed.
//! - **Dependencies absent from the job are satisfied once the job is sealed.**
//!   Samples cut jobs at the edges of their time window, and bad rows may be
//!   skipped, so a task may name a node that never appears; it waits only until
//!   the job's arrivals are over (in the Alibaba 2018 sample every task of a job
//!   arrives in one instant, in consecutive rows, so this is exact).
//! - A task is never held by itself: a self-dependency is ignored.
//! - **No deadlock on cycles.** When a sealed job has nothing running and tasks
//!   still held, no completion can release them (they wait on one another), so
//!   the earliest-arrived held task is released, then the rules apply again.
//! - Tasks without a job pass straight through and are not tracked. Tasks
//!   without a name are held on their dependencies like any other, but, having
//!   no name, cannot be depended on or reported completed.
//! - A job's state is dropped as soon as it is sealed, nothing of it is held
//!   and every released task has completed, so memory follows live jobs. Should
//!   more tasks of a dropped job arrive later, the job starts afresh: their
//!   dependencies on its earlier (completed) tasks count as absent, and so are
//!   satisfied when the job is sealed again.

use super::TraceTask;
use crate::engine::SimTime;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Tracks each live job's completed and running tasks and holds tasks whose
/// dependencies are not yet done. See the [module docs](self) for its rules.
#[derive(Debug, Default)]
pub struct DagGate {
    jobs: HashMap<String, JobState>,
    /// Unsealed jobs by their latest arrival.
    unsealed: BTreeSet<(SimTime, String)>,
    sequence: u64,
    held: usize,
}

#[derive(Debug, Default)]
struct JobState {
    /// Names of every task offered.
    seen: HashSet<String>,
    /// Names whose task has completed.
    done: HashSet<String>,
    /// Released tasks not yet completed, by name (a count, should names repeat).
    running: HashMap<String, u32>,
    /// Held tasks in arrival order.
    held: Vec<(u64, TraceTask)>,
    last_arrival: SimTime,
    sealed: bool,
}

impl JobState {
    fn satisfied(&self, task: &TraceTask) -> bool {
        task.depends_on.iter().all(|dependency| {
            task.name.as_deref() == Some(dependency.as_str())
                || self.done.contains(dependency)
                || (self.sealed && !self.seen.contains(dependency))
        })
    }

    fn start(&mut self, task: &TraceTask) {
        if let Some(name) = &task.name {
            *self.running.entry(name.clone()).or_insert(0) += 1;
        }
    }

    /// Releases every held task whose dependencies are met, then, while the
    /// job is sealed and stuck (nothing running, tasks held), the earliest held.
    fn release(&mut self, out: &mut Vec<(u64, TraceTask)>) {
        self.release_ready(out);
        while self.sealed && self.running.is_empty() && !self.held.is_empty() {
            let (sequence, task) = self.held.remove(0);
            self.start(&task);
            out.push((sequence, task));
            self.release_ready(out);
        }
    }

    fn release_ready(&mut self, out: &mut Vec<(u64, TraceTask)>) {
        let held = std::mem::take(&mut self.held);
        for (sequence, task) in held {
            if self.satisfied(&task) {
                self.start(&task);
                out.push((sequence, task));
            } else {
                self.held.push((sequence, task));
            }
        }
    }

    fn idle(&self) -> bool {
        self.sealed && self.held.is_empty() && self.running.is_empty()
    }
}

impl DagGate {
    /// An empty gate.
    pub fn new() -> DagGate {
        DagGate::default()
    }

    /// Returns the task if it can be submitted now, or holds it until its
    /// dependencies are done.
    pub fn offer(&mut self, task: TraceTask) -> Option<TraceTask> {
        let Some(job) = task.job.clone() else {
            return Some(task);
        };
        self.sequence += 1;
        let state = self.jobs.entry(job.clone()).or_default();
        self.unsealed.remove(&(state.last_arrival, job.clone()));
        state.sealed = false;
        state.last_arrival = state.last_arrival.max(task.submit);
        self.unsealed.insert((state.last_arrival, job));
        if let Some(name) = &task.name {
            state.seen.insert(name.clone());
        }
        if state.satisfied(&task) {
            state.start(&task);
            Some(task)
        } else {
            state.held.push((self.sequence, task));
            self.held += 1;
            None
        }
    }

    /// Records that every instance of task `name` of `job` has finished, and
    /// returns the held tasks now ready, in arrival order.
    pub fn completed(&mut self, job: &str, name: &str) -> Vec<TraceTask> {
        let Some(state) = self.jobs.get_mut(job) else {
            return Vec::new();
        };
        if let Some(running) = state.running.get_mut(name) {
            *running -= 1;
            if *running == 0 {
                state.running.remove(name);
            }
        }
        state.done.insert(name.to_string());
        let mut out = Vec::new();
        state.release(&mut out);
        self.finish(job, out)
    }

    /// Declares that no more tasks of `job` will be offered: its dependencies
    /// on tasks it never had are now satisfied. Returns tasks now ready.
    pub fn seal(&mut self, job: &str) -> Vec<TraceTask> {
        let Some(state) = self.jobs.get_mut(job) else {
            return Vec::new();
        };
        if !state.sealed {
            self.unsealed.remove(&(state.last_arrival, job.to_string()));
            state.sealed = true;
        }
        let mut out = Vec::new();
        state.release(&mut out);
        self.finish(job, out)
    }

    /// Seals every job whose latest task arrived before `time`; returns the
    /// tasks now ready, in arrival order.
    pub fn seal_before(&mut self, time: SimTime) -> Vec<TraceTask> {
        let mut jobs = Vec::new();
        while let Some(first) = self.unsealed.first() {
            if first.0 >= time {
                break;
            }
            if let Some((_, job)) = self.unsealed.pop_first() {
                jobs.push(job);
            }
        }
        self.seal_jobs(jobs)
    }

    /// Seals every job, at the end of the trace; returns the tasks now ready,
    /// in arrival order.
    pub fn seal_all(&mut self) -> Vec<TraceTask> {
        let jobs = std::mem::take(&mut self.unsealed).into_iter().map(|(_, job)| job).collect();
        self.seal_jobs(jobs)
    }

    /// Tasks held now.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Jobs whose state the gate still keeps.
    pub fn live_jobs(&self) -> usize {
        self.jobs.len()
    }

    fn seal_jobs(&mut self, jobs: Vec<String>) -> Vec<TraceTask> {
        let mut released = Vec::new();
        for job in jobs {
            let Some(state) = self.jobs.get_mut(&job) else { continue };
            state.sealed = true;
            let mut out = Vec::new();
            state.release(&mut out);
            self.held -= out.len();
            released.extend(out);
            if self.jobs.get(&job).is_some_and(JobState::idle) {
                self.jobs.remove(&job);
            }
        }
        released.sort_by_key(|(sequence, _)| *sequence);
        released.into_iter().map(|(_, task)| task).collect()
    }

    /// Counts released tasks, drops the job if it is over, and strips the
    /// arrival numbers.
    fn finish(&mut self, job: &str, out: Vec<(u64, TraceTask)>) -> Vec<TraceTask> {
        self.held -= out.len();
        if self.jobs.get(job).is_some_and(JobState::idle) {
            self.jobs.remove(job);
        }
        out.into_iter().map(|(_, task)| task).collect()
    }
}
