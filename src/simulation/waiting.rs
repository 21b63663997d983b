//! Tasks waiting for capacity, kept by shape, retried when capacity frees up.
//!
//! A retry pass asks which waiting shapes a changed instance could now take:
//! the shapes with CPU and memory no more than the most any changed instance
//! has free. [`Dominance`] says whether any is left without visiting them: a
//! segment tree over CPU values holding the least memory of any waiting shape
//! at each, so only branches holding a small-enough shape are entered.

use super::event::Event;
use super::task::TaskRef;
use super::Simulation;
use crate::cluster::{Cluster, GroupId, InstanceId};
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::placement::{Placer, TaskNeeds};
use std::collections::BTreeMap;

/// Tasks with the same size, plan and group are interchangeable for
/// placement: (CPU units, MiB, plan, group). Size comes first so that the
/// shapes of one CPU value are a contiguous range ordered by memory.
pub(super) type Shape = (u32, u32, usize, GroupId);

/// The waiting shapes at one CPU value and above: every shape with
/// `cpu >= from`.
fn from_cpu(from: u32) -> std::ops::RangeFrom<Shape> {
    (from, 0, 0, GroupId(0))..
}

/// The most CPU values the tree has a leaf of its own for; larger values
/// share the last leaf, which then only says "some shape is here".
const MAX_LEAVES: usize = 1 << 17;

/// For every CPU value, the least memory of a waiting shape with that CPU
/// (`u32::MAX` when none), in a segment tree whose inner nodes hold the
/// least of their children. [`Dominance::any_within`] then says whether a
/// shape is within (CPU, memory) bounds in about the tree's height, however
/// many shapes wait.
#[derive(Debug, Clone)]
pub(super) struct Dominance {
    /// Leaves at `leaves..2 * leaves`; node `i` has children `2i`, `2i + 1`.
    tree: Vec<u32>,
    leaves: usize,
}

impl Default for Dominance {
    fn default() -> Self {
        Dominance { tree: vec![u32::MAX; 2], leaves: 1 }
    }
}

impl Dominance {
    fn leaf(&self, cpu: u32) -> usize {
        (cpu as usize).min(self.leaves - 1)
    }

    /// Sets the least memory at CPU value `cpu` (`u32::MAX` for none); the
    /// shared last leaf is kept at 0 while any shape sits there.
    fn set(&mut self, cpu: u32, least_memory: u32) {
        let mut node = self.leaves + self.leaf(cpu);
        self.tree[node] = least_memory;
        while node > 1 {
            node /= 2;
            let least = self.tree[2 * node].min(self.tree[2 * node + 1]);
            if self.tree[node] == least {
                break;
            }
            self.tree[node] = least;
        }
    }

    /// Brings the leaf of `cpu` in step with `waiting`, growing the tree
    /// first when `cpu` is beyond its leaves.
    pub(super) fn refresh<V>(&mut self, cpu: u32, waiting: &BTreeMap<Shape, V>) {
        if cpu as usize >= self.leaves && self.leaves < MAX_LEAVES {
            let leaves = (cpu as usize + 1).next_power_of_two().clamp(1024, MAX_LEAVES);
            *self = Dominance { tree: vec![u32::MAX; 2 * leaves], leaves };
            let mut shapes = waiting.keys().peekable();
            while let Some(&(cpu, memory, _, _)) = shapes.next() {
                // Keys are ordered by (cpu, memory): the first of a CPU value is its least.
                while shapes.peek().is_some_and(|s| s.0 == cpu) {
                    shapes.next();
                }
                self.store(cpu, memory, waiting);
            }
            return;
        }
        let least = waiting.range(from_cpu(cpu)).next().filter(|s| s.0 .0 == cpu).map_or(u32::MAX, |s| s.0 .1);
        self.store(cpu, least, waiting);
    }

    fn store<V>(&mut self, cpu: u32, least: u32, waiting: &BTreeMap<Shape, V>) {
        let shared = self.leaves - 1;
        if self.leaf(cpu) == shared {
            let any = waiting.range(from_cpu(shared as u32)).next().is_some();
            self.set(cpu, if any { 0 } else { u32::MAX });
        } else {
            self.set(cpu, least);
        }
    }

    /// Whether some waiting shape has at most `max_cpu` CPU and at most
    /// `max_memory` MiB. Only subtrees holding a small-enough memory are
    /// entered, so the answer costs about the tree's height.
    pub(super) fn any_within<V>(&self, waiting: &BTreeMap<Shape, V>, max_cpu: u32, max_memory: u32) -> bool {
        let last = self.leaf(max_cpu);
        let shared = self.leaves - 1;
        // (node, first leaf, leaves under it)
        let mut stack = vec![(1_usize, 0_usize, self.leaves)];
        while let Some((node, first, width)) = stack.pop() {
            if first > last || self.tree[node] > max_memory {
                continue;
            }
            if width == 1 {
                if first != shared {
                    return true;
                }
                // The shared leaf only says that shapes are there: look.
                let mut shapes = waiting.range(from_cpu(first as u32)).take_while(|(s, _)| s.0 <= max_cpu);
                return shapes.any(|(s, _)| s.1 <= max_memory);
            }
            let half = width / 2;
            // Right child first so the left one is looked at first.
            stack.push((2 * node + 1, first + half, half));
            stack.push((2 * node, first, half));
        }
        false
    }
}

/// The most free CPU and the most free memory among the changed instances,
/// each with an instance that has it. Placements only take resources, so the
/// figures can only fall, and only when a task lands on an instance holding
/// one of them: only then are they looked for again.
#[derive(Debug, Clone, Copy)]
struct MostFree {
    cpu: (u32, Option<InstanceId>),
    memory: (u32, Option<InstanceId>),
}

impl MostFree {
    fn of(cluster: &Cluster, touched: &[InstanceId]) -> MostFree {
        let mut most = MostFree { cpu: (0, None), memory: (0, None) };
        for &id in touched {
            let instance = &cluster.instances[id.0 as usize];
            if most.cpu.1.is_none() || instance.free_cpu > most.cpu.0 {
                most.cpu = (instance.free_cpu, Some(id));
            }
            if most.memory.1.is_none() || instance.free_memory > most.memory.0 {
                most.memory = (instance.free_memory, Some(id));
            }
        }
        most
    }

    fn held_by(&self, id: InstanceId) -> bool {
        self.cpu.1 == Some(id) || self.memory.1 == Some(id)
    }
}

/// Below this many changed instances, checking each is cheaper than asking
/// the placement index.
const FEW_CHANGED: usize = 32;

/// Per instance, the retry pass in which it was last among the changed
/// (touched) ones, so that "is this instance one of them" costs one look.
#[derive(Debug, Default)]
pub(super) struct TouchedMarks {
    pass: u32,
    by_instance: Vec<u32>,
}

impl TouchedMarks {
    /// Starts a retry pass over these changed instances.
    fn start_pass(&mut self, touched: &[InstanceId]) {
        self.pass = self.pass.wrapping_add(1);
        if self.pass == 0 {
            self.by_instance.iter_mut().for_each(|m| *m = 0);
            self.pass = 1;
        }
        for id in touched {
            let slot = id.0 as usize;
            if self.by_instance.len() <= slot {
                self.by_instance.resize(slot + 1, 0);
            }
            self.by_instance[slot] = self.pass;
        }
    }

    fn is_touched(&self, id: InstanceId) -> bool {
        self.by_instance.get(id.0 as usize) == Some(&self.pass)
    }

    /// Whether some changed instance can take the task. With many changed
    /// instances, only those of the plan's index with enough CPU and memory
    /// are looked at (a task that passes every check has enough of both and
    /// is in that index).
    fn any_fits(&self, cluster: &Cluster, placer: &mut Placer, touched: &[InstanceId], needs: &TaskNeeds<'_>) -> bool {
        let check = |placer: &mut Placer, id: InstanceId| {
            placer.check(cluster, &cluster.instances[id.0 as usize], needs).is_ok()
        };
        if touched.len() <= FEW_CHANGED {
            return touched.iter().any(|&id| check(placer, id));
        }
        let spec = cluster.index.spec(needs.plan.partition_spec);
        let enough = spec.partitions.iter().map(|p| p.by_cpu.count_from((needs.cpu, InstanceId(0)))).sum::<usize>();
        if touched.len() <= enough {
            return touched.iter().any(|&id| check(placer, id));
        }
        spec.partitions.iter().any(|p| {
            let mut listed = p.by_cpu.fits_from((needs.cpu, InstanceId(0)), needs.memory);
            listed.any(|(_, id)| self.is_touched(id) && check(placer, id))
        })
    }
}

impl Simulation<'_> {
    /// Retries waiting tasks, oldest shape first; within a shape, stops at the
    /// first task that still does not fit (the rest are identical). Every
    /// instance was checked when a task started waiting, so a shape is only
    /// retried when an instance that changed since the last pass can take it.
    ///
    /// Shapes are visited in age order, each against the most CPU and memory
    /// a changed instance still has free; the pass ends as soon as
    /// [`Dominance`] says that no waiting shape is within those bounds, which
    /// after the first placements is usually at once.
    pub(super) fn retry_waiting(&mut self, now: SimTime) -> Result<(), Error> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        touched.retain(|id| self.cluster.instances[id.0 as usize].is_placeable());
        self.touched_marks.start_pass(&touched);
        let mut most = MostFree::of(&self.cluster, &touched);
        // Shapes that placed tasks this pass: their oldest task is now a later
        // one, so they show up again further on in age order, and are skipped.
        let mut retried: Vec<Shape> = Vec::new();
        let mut after = None;
        while self.dominance.any_within(&self.waiting, most.cpu.0, most.memory.0) {
            let next = self.waiting_order.oldest_within(after, most.cpu.0, most.memory.0, |s| !retried.contains(s));
            let Some((age, shape)) = next else { break };
            after = Some(age);
            let Some(&head) = self.waiting.get(&shape).and_then(|q| q.front()) else { continue };
            let needs = self.tasks[head.slot as usize].needs(self.scenario, &self.plans);
            if !self.touched_marks.any_fits(&self.cluster, &mut self.placer, &touched, &needs) {
                continue;
            }
            retried.push(shape);
            let mut hit_most = false;
            while let Some(&head) = self.waiting.get(&shape).and_then(|q| q.front()) {
                if !self.try_place(head, now) {
                    break;
                }
                hit_most |= self.tasks[head.slot as usize].instance.is_some_and(|id| most.held_by(id));
                self.dequeue_waiting(head);
            }
            if hit_most {
                most = MostFree::of(&self.cluster, &touched);
            }
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
        let new_shape = queue.is_empty();
        queue.push_back(task_ref);
        if new_shape {
            self.waiting_order.insert(task.number, shape);
            self.dominance.refresh(shape.0, &self.waiting);
        }
        self.waiting_count += 1;
    }

    /// Removes a task from its shape's waiting queue (placed or given up).
    pub(super) fn dequeue_waiting(&mut self, task_ref: TaskRef) {
        let task = &self.tasks[task_ref.slot as usize];
        let shape = (task.cpu, task.memory, task.plan, task.group);
        let Some(queue) = self.waiting.get_mut(&shape) else { return };
        if queue.front() == Some(&task_ref) {
            self.waiting_order.remove(task.number);
            queue.pop_front();
            match queue.front() {
                Some(next) => {
                    self.waiting_order.insert(self.tasks[next.slot as usize].number, shape);
                }
                None => {
                    self.waiting.remove(&shape);
                    self.dominance.refresh(shape.0, &self.waiting);
                }
            }
        } else {
            queue.retain(|waiting| *waiting != task_ref);
        }
        self.waiting_count -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definition [`Dominance::any_within`] is held to: look at
    /// every waiting shape.
    fn any_within_reference<V>(waiting: &BTreeMap<Shape, V>, max_cpu: u32, max_memory: u32) -> bool {
        waiting.keys().any(|s| s.0 <= max_cpu && s.1 <= max_memory)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(Shape),
        Remove(usize),
        Query(u32, u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        // CPU values reach past the tree's own leaves, into the shared last one.
        let cpu = || prop_oneof![0_u32..3000, 100_000_u32..200_000, Just(u32::MAX)];
        prop_oneof![
            (cpu(), 0_u32..5000, 0_u32..3).prop_map(|(c, m, g)| Op::Add((c, m, 0, GroupId(g)))),
            (0_usize..1000).prop_map(Op::Remove),
            (cpu(), 0_u32..6000).prop_map(|(c, m)| Op::Query(c, m)),
        ]
    }

    proptest! {
        #[test]
        fn the_tree_answers_as_a_scan_of_every_shape(ops in proptest::collection::vec(op(), 0..200)) {
            let mut waiting: BTreeMap<Shape, ()> = BTreeMap::new();
            let mut dominance = Dominance::default();
            for op in ops {
                match op {
                    Op::Add(s) => {
                        waiting.insert(s, ());
                        dominance.refresh(s.0, &waiting);
                    }
                    Op::Remove(i) => {
                        if let Some(&s) = waiting.keys().nth(i % waiting.len().max(1)) {
                            waiting.remove(&s);
                            dominance.refresh(s.0, &waiting);
                        }
                    }
                    Op::Query(cpu, memory) => {
                        prop_assert_eq!(
                            dominance.any_within(&waiting, cpu, memory),
                            any_within_reference(&waiting, cpu, memory)
                        );
                    }
                }
            }
        }
    }
}
