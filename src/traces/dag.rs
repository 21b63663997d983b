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
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Tracks each live job's completed and running tasks and holds tasks whose
/// dependencies are not yet done. See the [module docs](self) for its rules.
///
/// Held tasks are indexed by the names they wait on, each with a count of
/// its dependencies still unmet, so a completion visits only the tasks that
/// wait on it and a release costs O(dependants), not O(held).
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
    /// Held tasks by arrival number (so in arrival order).
    held: BTreeMap<u64, Held>,
    /// The held tasks waiting on each name not yet done, by arrival number.
    /// Entries of tasks released since (a sealed job releases tasks whose
    /// dependencies never arrived) are skipped when met.
    waiting: HashMap<String, Vec<u64>>,
    /// Held tasks whose every unmet dependency names a task not seen in the
    /// job: sealing the job releases them.
    absent_only: BTreeSet<u64>,
    last_arrival: SimTime,
    sealed: bool,
}

/// A held task and what it still waits for.
#[derive(Debug)]
struct Held {
    task: TraceTask,
    /// Its distinct dependencies (other than itself) not yet done.
    unmet: u32,
    /// Of those, the ones whose name has been seen in the job.
    unmet_seen: u32,
}

impl JobState {
    /// Records that a task named `name` was offered: tasks waiting on it no
    /// longer count it as absent.
    fn see(&mut self, name: &str) {
        if self.seen.contains(name) {
            return;
        }
        self.seen.insert(name.to_string());
        for sequence in self.waiting.get(name).into_iter().flatten() {
            if let Some(held) = self.held.get_mut(sequence) {
                if held.unmet_seen == 0 {
                    self.absent_only.remove(sequence);
                }
                held.unmet_seen += 1;
            }
        }
    }

    /// Offers a task of this (unsealed) job: starts and returns it if its
    /// dependencies are done, otherwise holds it under arrival number `sequence`.
    fn offer(&mut self, sequence: u64, task: TraceTask) -> Option<TraceTask> {
        let mut unmet: Vec<&str> = task
            .depends_on
            .iter()
            .map(String::as_str)
            .filter(|d| task.name.as_deref() != Some(*d) && !self.done.contains(*d))
            .collect();
        unmet.sort_unstable();
        unmet.dedup();
        if unmet.is_empty() {
            self.start(&task);
            return Some(task);
        }
        let unmet_seen = unmet.iter().filter(|d| self.seen.contains(**d)).count() as u32;
        for dependency in &unmet {
            self.waiting.entry((*dependency).to_string()).or_default().push(sequence);
        }
        if unmet_seen == 0 {
            self.absent_only.insert(sequence);
        }
        let unmet = unmet.len() as u32;
        self.held.insert(sequence, Held { task, unmet, unmet_seen });
        None
    }

    /// Records that task `name` completed and releases what that frees.
    fn complete(&mut self, name: &str, out: &mut Vec<(u64, TraceTask)>) {
        if let Some(running) = self.running.get_mut(name) {
            *running -= 1;
            if *running == 0 {
                self.running.remove(name);
            }
        }
        let mut ready = Vec::new();
        if self.done.insert(name.to_string()) {
            let seen = self.seen.contains(name);
            for sequence in self.waiting.remove(name).unwrap_or_default() {
                let Some(held) = self.held.get_mut(&sequence) else { continue };
                held.unmet -= 1;
                if seen {
                    held.unmet_seen -= 1;
                    if held.unmet_seen == 0 {
                        self.absent_only.insert(sequence);
                    }
                }
                if held.unmet == 0 {
                    ready.push(sequence);
                }
            }
        }
        self.release(ready, out);
    }

    fn start(&mut self, task: &TraceTask) {
        if let Some(name) = &task.name {
            *self.running.entry(name.clone()).or_insert(0) += 1;
        }
    }

    /// Releases the held tasks in `ready` (whose dependencies are all done)
    /// and, when the job is sealed, those waiting only on absent tasks, in
    /// arrival order; then, while the job is sealed and stuck (nothing
    /// running, tasks held), the earliest held. Starting a task changes no
    /// other task's dependencies, so one pass finds every task now ready.
    fn release(&mut self, mut ready: Vec<u64>, out: &mut Vec<(u64, TraceTask)>) {
        if self.sealed {
            ready.extend(std::mem::take(&mut self.absent_only));
        }
        ready.sort_unstable();
        ready.dedup();
        for sequence in ready {
            if let Some(held) = self.held.remove(&sequence) {
                self.absent_only.remove(&sequence);
                self.start(&held.task);
                out.push((sequence, held.task));
            }
        }
        while self.sealed && self.running.is_empty() {
            let Some((sequence, held)) = self.held.pop_first() else { break };
            self.absent_only.remove(&sequence);
            self.start(&held.task);
            out.push((sequence, held.task));
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
            state.see(name);
        }
        let task = state.offer(self.sequence, task);
        if task.is_none() {
            self.held += 1;
        }
        task
    }

    /// Records that every instance of task `name` of `job` has finished, and
    /// returns the held tasks now ready, in arrival order.
    pub fn completed(&mut self, job: &str, name: &str) -> Vec<TraceTask> {
        let Some(state) = self.jobs.get_mut(job) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        state.complete(name, &mut out);
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
        state.release(Vec::new(), &mut out);
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
            state.release(Vec::new(), &mut out);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use proptest::prelude::*;

    /// The plain reference: every held task of a job is checked against the
    /// rules at every completion and seal.
    #[derive(Default)]
    struct Reference {
        jobs: HashMap<String, RefJob>,
        sequence: u64,
    }

    #[derive(Default)]
    struct RefJob {
        seen: HashSet<String>,
        done: HashSet<String>,
        running: HashMap<String, u32>,
        held: Vec<(u64, TraceTask)>,
        sealed: bool,
    }

    impl RefJob {
        fn satisfied(&self, task: &TraceTask) -> bool {
            task.depends_on.iter().all(|d| {
                task.name.as_deref() == Some(d.as_str())
                    || self.done.contains(d)
                    || (self.sealed && !self.seen.contains(d))
            })
        }

        fn start(&mut self, task: &TraceTask) {
            if let Some(name) = &task.name {
                *self.running.entry(name.clone()).or_insert(0) += 1;
            }
        }

        fn release(&mut self, out: &mut Vec<TraceTask>) {
            self.release_ready(out);
            while self.sealed && self.running.is_empty() && !self.held.is_empty() {
                let (_, task) = self.held.remove(0);
                self.start(&task);
                out.push(task);
                self.release_ready(out);
            }
        }

        fn release_ready(&mut self, out: &mut Vec<TraceTask>) {
            for (sequence, task) in std::mem::take(&mut self.held) {
                if self.satisfied(&task) {
                    self.start(&task);
                    out.push(task);
                } else {
                    self.held.push((sequence, task));
                }
            }
        }
    }

    impl Reference {
        fn offer(&mut self, task: TraceTask) -> Option<TraceTask> {
            let job = task.job.clone()?;
            self.sequence += 1;
            let state = self.jobs.entry(job).or_default();
            state.sealed = false;
            if let Some(name) = &task.name {
                state.seen.insert(name.clone());
            }
            if state.satisfied(&task) {
                state.start(&task);
                Some(task)
            } else {
                state.held.push((self.sequence, task));
                None
            }
        }

        fn completed(&mut self, job: &str, name: &str) -> Vec<TraceTask> {
            let Some(state) = self.jobs.get_mut(job) else { return Vec::new() };
            if let Some(running) = state.running.get_mut(name) {
                *running -= 1;
                if *running == 0 {
                    state.running.remove(name);
                }
            }
            state.done.insert(name.to_string());
            let mut out = Vec::new();
            state.release(&mut out);
            self.drop_idle(job);
            out
        }

        fn seal(&mut self, job: &str) -> Vec<TraceTask> {
            let Some(state) = self.jobs.get_mut(job) else { return Vec::new() };
            state.sealed = true;
            let mut out = Vec::new();
            state.release(&mut out);
            self.drop_idle(job);
            out
        }

        fn drop_idle(&mut self, job: &str) {
            if self.jobs.get(job).is_some_and(|s| s.sealed && s.held.is_empty() && s.running.is_empty()) {
                self.jobs.remove(job);
            }
        }

        fn held(&self) -> usize {
            self.jobs.values().map(|j| j.held.len()).sum()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Offer a task of job `job` named `name` (or unnamed) waiting on `deps`.
        Offer { job: u8, name: Option<u8>, deps: Vec<u8> },
        /// Complete the `index`-th task released and not yet completed.
        Complete { index: usize },
        /// Seal job `job`.
        Seal { job: u8 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0_u8..3, prop::option::weighted(0.9, 0_u8..8), prop::collection::vec(0_u8..10, 0..4))
                .prop_map(|(job, name, deps)| Op::Offer { job, name, deps }),
            4 => (0_usize..16).prop_map(|index| Op::Complete { index }),
            1 => (0_u8..3).prop_map(|job| Op::Seal { job }),
        ]
    }

    fn task(job: u8, name: Option<u8>, deps: &[u8], line: u64) -> TraceTask {
        TraceTask {
            line,
            submit: SimTime::ZERO,
            duration: SimDuration::ZERO,
            cpu: None,
            memory: None,
            count: 1,
            job: Some(format!("j{job}")),
            name: name.map(|n| n.to_string()),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            task_definition: None,
            group: None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn the_gate_releases_as_the_plain_reference(ops in prop::collection::vec(op(), 0..120)) {
            let mut gate = DagGate::new();
            let mut reference = Reference::default();
            let mut running: Vec<(String, String)> = Vec::new();
            let lines = |tasks: &[TraceTask]| tasks.iter().map(|t| t.line).collect::<Vec<_>>();
            for (line, op) in ops.into_iter().enumerate() {
                let (got, want) = match op {
                    Op::Offer { job, name, deps } => {
                        let t = task(job, name, &deps, line as u64);
                        let got: Vec<_> = gate.offer(t.clone()).into_iter().collect();
                        (got, reference.offer(t).into_iter().collect::<Vec<_>>())
                    }
                    Op::Complete { index } => {
                        if running.is_empty() {
                            continue;
                        }
                        let (job, name) = running.remove(index % running.len());
                        (gate.completed(&job, &name), reference.completed(&job, &name))
                    }
                    Op::Seal { job } => {
                        let job = format!("j{job}");
                        (gate.seal(&job), reference.seal(&job))
                    }
                };
                prop_assert_eq!(lines(&got), lines(&want));
                prop_assert_eq!(gate.held(), reference.held());
                prop_assert_eq!(gate.live_jobs(), reference.jobs.len());
                for t in got {
                    if let (Some(job), Some(name)) = (t.job, t.name) {
                        running.push((job, name));
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_chain_releases_one_task_per_completion() {
        let mut gate = DagGate::new();
        let n = 50_000_u32;
        let chain = |i: u32| {
            let deps = if i == 0 { Vec::new() } else { vec![(i - 1).to_string()] };
            TraceTask { depends_on: deps, ..task(0, None, &[], u64::from(i)) }
        };
        let mut ready: Vec<TraceTask> = Vec::new();
        for i in 0..n {
            let t = TraceTask { name: Some(i.to_string()), ..chain(i) };
            ready.extend(gate.offer(t));
        }
        ready.extend(gate.seal_all());
        assert_eq!(ready.len(), 1);
        for i in 0..n {
            let released = gate.completed("j0", &i.to_string());
            let expected: Vec<u64> = if i + 1 < n { vec![u64::from(i + 1)] } else { Vec::new() };
            assert_eq!(released.iter().map(|t| t.line).collect::<Vec<_>>(), expected);
        }
        assert_eq!((gate.held(), gate.live_jobs()), (0, 0));
    }
}
