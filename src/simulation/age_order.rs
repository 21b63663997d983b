//! Waiting shapes in the order of their oldest task, kept in sorted blocks
//! that know the least CPU and the least memory of any shape in them, so
//! that "the oldest shape within these bounds" skips every block that has
//! no shape small enough in CPU or in memory at one comparison each.

use super::waiting::Shape;

/// The most entries a block holds before it splits in two.
const BLOCK: usize = 64;

#[derive(Debug, Clone, Default)]
struct Block {
    /// (age, shape), sorted by age.
    entries: Vec<(u64, Shape)>,
    least_cpu: u32,
    least_memory: u32,
}

impl Block {
    fn recount(&mut self) {
        self.least_cpu = self.entries.iter().map(|e| e.1 .0).min().unwrap_or(u32::MAX);
        self.least_memory = self.entries.iter().map(|e| e.1 .1).min().unwrap_or(u32::MAX);
    }

    fn last_age(&self) -> Option<u64> {
        self.entries.last().map(|e| e.0)
    }
}

/// Waiting shapes by the submission number of their oldest task.
#[derive(Debug, Clone)]
pub(super) struct AgeOrder {
    blocks: Vec<Block>,
    block: usize,
}

impl Default for AgeOrder {
    fn default() -> Self {
        AgeOrder::with_block(BLOCK)
    }
}

impl AgeOrder {
    fn with_block(block: usize) -> AgeOrder {
        AgeOrder { blocks: vec![Block { least_cpu: u32::MAX, least_memory: u32::MAX, ..Block::default() }], block }
    }

    /// The block where `age` is or would go.
    fn block_of(&self, age: u64) -> usize {
        let at = self.blocks.partition_point(|b| b.last_age().is_some_and(|last| last < age));
        at.min(self.blocks.len() - 1)
    }

    /// Adds a shape under the age of its oldest task (not already present).
    pub(super) fn insert(&mut self, age: u64, shape: Shape) {
        let b = self.block_of(age);
        let block = &mut self.blocks[b];
        let at = block.entries.partition_point(|e| e.0 < age);
        block.entries.insert(at, (age, shape));
        block.least_cpu = block.least_cpu.min(shape.0);
        block.least_memory = block.least_memory.min(shape.1);
        if block.entries.len() > self.block {
            let upper = block.entries.split_off(block.entries.len() / 2);
            block.recount();
            let mut upper = Block { entries: upper, least_cpu: 0, least_memory: 0 };
            upper.recount();
            self.blocks.insert(b + 1, upper);
        }
    }

    /// Removes the shape under `age`, if any.
    pub(super) fn remove(&mut self, age: u64) {
        let b = self.block_of(age);
        let block = &mut self.blocks[b];
        let Ok(at) = block.entries.binary_search_by_key(&age, |e| e.0) else { return };
        let (_, shape) = block.entries.remove(at);
        if shape.0 == block.least_cpu || shape.1 == block.least_memory {
            block.recount();
        }
        if block.entries.is_empty() && self.blocks.len() > 1 {
            self.blocks.remove(b);
        }
    }

    /// The oldest shape after `after` (exclusive; from the start when
    /// `None`) with at most `max_cpu` CPU and `max_memory` MiB for which
    /// `keep` holds.
    pub(super) fn oldest_within(
        &self,
        after: Option<u64>,
        max_cpu: u32,
        max_memory: u32,
        keep: impl Fn(&Shape) -> bool,
    ) -> Option<(u64, Shape)> {
        let first = after.map_or(0, |age| self.block_of(age));
        self.blocks[first..]
            .iter()
            .filter(|b| b.least_cpu <= max_cpu && b.least_memory <= max_memory)
            .flat_map(|b| b.entries.iter())
            .find(|(age, shape)| {
                after.is_none_or(|a| *age > a) && shape.0 <= max_cpu && shape.1 <= max_memory && keep(shape)
            })
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::GroupId;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32, u32),
        Remove(usize),
        Query(Option<u64>, u32, u32, u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0_u64..200, 0_u32..20, 0_u32..20).prop_map(|(a, c, m)| Op::Insert(a, c, m)),
            (0_usize..100).prop_map(Op::Remove),
            (proptest::option::of(0_u64..210), 0_u32..22, 0_u32..22, 0_u32..3)
                .prop_map(|(a, c, m, g)| Op::Query(a, c, m, g)),
        ]
    }

    proptest! {
        /// The blocks answer as a scan of a plain ordered map in age order does.
        #[test]
        fn the_blocks_answer_as_a_scan(ops in proptest::collection::vec(op(), 0..300)) {
            let mut order = AgeOrder::with_block(4);
            let mut plain: BTreeMap<u64, Shape> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(age, cpu, memory) => {
                        let shape = (cpu, memory, 0, GroupId(age as u32 % 3));
                        if let std::collections::btree_map::Entry::Vacant(entry) = plain.entry(age) {
                            entry.insert(shape);
                            order.insert(age, shape);
                        }
                    }
                    Op::Remove(i) => {
                        if let Some(age) = plain.keys().nth(i % plain.len().max(1)).copied() {
                            plain.remove(&age);
                            order.remove(age);
                        }
                    }
                    Op::Query(after, cpu, memory, skip_group) => {
                        let keep = |s: &Shape| s.3 != GroupId(skip_group);
                        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
                        let expected = plain
                            .range((from, std::ops::Bound::Unbounded))
                            .find(|(_, s)| s.0 <= cpu && s.1 <= memory && keep(s))
                            .map(|(&a, &s)| (a, s));
                        prop_assert_eq!(order.oldest_within(after, cpu, memory, keep), expected);
                    }
                }
            }
        }
    }
}
