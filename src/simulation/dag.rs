//! Trace dependencies: a DAG node's tasks hold back its dependants until
//! they have all finished, then release them.

use super::event::Event;
use super::task::TaskRef;
use super::Simulation;
use crate::engine::SimTime;
use crate::error::Error;

/// A trace DAG node whose tasks have not all finished.
#[derive(Debug)]
pub(super) struct DagPending {
    pub(super) workload: usize,
    pub(super) job: String,
    pub(super) name: String,
    pub(super) remaining: u32,
}

impl Simulation<'_> {
    /// Makes the submissions that finished DAG dependencies released, and
    /// any they release in turn.
    pub(super) fn submit_released(&mut self, now: SimTime) -> Result<(), Error> {
        while let Some((workload, submission)) = self.released.pop_front() {
            if submission.time > now {
                // Read ahead of the clock: submit it at its own arrival time.
                self.next_deferred += 1;
                self.queue.at(submission.time, Event::Deferred(self.next_deferred))?;
                self.deferred.insert(self.next_deferred, (workload, submission));
            } else {
                self.run_task(workload, submission, now)?;
            }
        }
        Ok(())
    }

    /// A task stopped or failed: when it was the last of a DAG node, tell the
    /// source, which may release dependent submissions.
    pub(super) fn finished_for_dag(&mut self, task_ref: TaskRef) {
        let Some(id) = self.tasks[task_ref.slot as usize].dag else { return };
        let Some(pending) = self.dag_pending.get_mut(&id) else { return };
        pending.remaining -= 1;
        if pending.remaining == 0 {
            if let Some(done) = self.dag_pending.remove(&id) {
                let released = self.sources[done.workload].completed(&done.job, &done.name);
                self.released.extend(released.into_iter().map(|s| (done.workload, s)));
            }
        }
    }
}
