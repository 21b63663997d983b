//! Tasks waiting for capacity, kept by shape, retried when capacity frees up.

use super::event::Event;
use super::task::TaskRef;
use super::Simulation;
use crate::cluster::{Cluster, GroupId, InstanceId};
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;

/// Tasks with the same size, plan and group are interchangeable for
/// placement: (CPU units, MiB, plan, group). Size comes first so that a retry
/// pass can visit only the shapes small enough to fit.
pub(super) type Shape = (u32, u32, usize, GroupId);

/// Up to this many waiting shapes are gathered by size and sorted by age;
/// beyond it a retry pass scans the shapes in age order instead.
pub(super) const FEW_SHAPES: usize = 64;

impl Simulation<'_> {
    /// Retries waiting tasks, oldest shape first; within a shape, stops at the
    /// first task that still does not fit (the rest are identical). Every
    /// instance was checked when a task started waiting, so a shape is only
    /// retried when an instance that changed since the last pass can take it.
    pub(super) fn retry_waiting(&mut self, now: SimTime) -> Result<(), Error> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        touched.retain(|id| self.cluster.instances[id.0 as usize].is_placeable());
        let most_free = |cluster: &Cluster, touched: &[InstanceId]| {
            touched.iter().fold((0, 0), |(cpu, memory), id| {
                let instance = &cluster.instances[id.0 as usize];
                (cpu.max(instance.free_cpu), memory.max(instance.free_memory))
            })
        };
        let (mut most_cpu, mut most_memory) = most_free(&self.cluster, &touched);
        // Shapes small enough for a changed instance, oldest first; only these
        // get the full check. When few shapes fit by CPU (the usual case in a
        // busy cluster) they come from the size-ordered map; otherwise from a
        // scan in age order.
        let by_cpu = self.waiting.range(..=(most_cpu, u32::MAX, usize::MAX, GroupId(u32::MAX)));
        let candidates: Vec<Shape> = if by_cpu.clone().nth(FEW_SHAPES).is_none() {
            let mut aged: Vec<(u64, Shape)> = by_cpu
                .filter(|(shape, _)| shape.1 <= most_memory)
                .filter_map(|(shape, queue)| queue.front().map(|head| (self.tasks[head.slot as usize].number, *shape)))
                .collect();
            aged.sort_unstable();
            aged.into_iter().map(|(_, shape)| shape).collect()
        } else {
            // Sized up front: growing this list by doubling, pass after pass,
            // cost more than the scan itself.
            let mut fitting = Vec::with_capacity(self.waiting_order.len());
            for shape in self.waiting_order.values() {
                if shape.0 <= most_cpu && shape.1 <= most_memory {
                    fitting.push(*shape);
                }
            }
            fitting
        };
        for shape in candidates {
            if shape.0 > most_cpu || shape.1 > most_memory {
                continue;
            }
            let Some(&head) = self.waiting.get(&shape).and_then(|q| q.front()) else { continue };
            let needs = self.tasks[head.slot as usize].needs(self.scenario, &self.plans);
            let (cluster, placer) = (&self.cluster, &mut self.placer);
            let fits_a_changed_instance =
                touched.iter().any(|&id| placer.check(cluster, &cluster.instances[id.0 as usize], &needs).is_ok());
            if !fits_a_changed_instance {
                continue;
            }
            while let Some(&head) = self.waiting.get(&shape).and_then(|q| q.front()) {
                if !self.try_place(head, now) {
                    break;
                }
                self.dequeue_waiting(head);
            }
            (most_cpu, most_memory) = most_free(&self.cluster, &touched);
        }
        Ok(())
    }

    /// Records that an instance may now take a task it could not before, and
    /// schedules a retry pass. Only matters while tasks wait: a task that
    /// starts waiting has just been checked against every instance.
    pub(super) fn note_change(&mut self, id: InstanceId) {
        if self.waiting_count > 0 || self.services_waiting > 0 {
            self.touched.push(id);
            if !self.retry_scheduled {
                self.retry_scheduled = true;
                self.queue.schedule_in(SimDuration::ZERO, Event::RetryWaiting);
            }
        }
    }

    /// Adds a task to the back of its shape's waiting queue.
    pub(super) fn enqueue_waiting(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        let shape = (task.cpu, task.memory, task.plan, task.group);
        let queue = self.waiting.entry(shape).or_default();
        if queue.is_empty() {
            self.waiting_order.insert(task.number, shape);
        }
        queue.push_back(task_ref);
        self.waiting_count += 1;
    }

    /// Removes a task from its shape's waiting queue (placed or given up).
    pub(super) fn dequeue_waiting(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        let shape = (task.cpu, task.memory, task.plan, task.group);
        let Some(queue) = self.waiting.get_mut(&shape) else { return };
        if queue.front() == Some(&task_ref) {
            self.waiting_order.remove(&task.number);
            queue.pop_front();
            match queue.front() {
                Some(next) => {
                    self.waiting_order.insert(self.tasks[next.slot as usize].number, shape);
                }
                None => {
                    self.waiting.remove(&shape);
                }
            }
        } else {
            queue.retain(|waiting| *waiting != task_ref);
        }
        self.waiting_count -= 1;
    }
}
