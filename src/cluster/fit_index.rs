//! An ordered set of instances by one free resource that finds the first
//! instance with enough of *both* resources without walking past the ones
//! that lack the other.
//!
//! Keys are (free amount of the ordering resource, instance id); each entry
//! also carries the instance's free amount of the other resource. Entries
//! are kept sorted in blocks of at most [`BLOCK`], and each block knows the
//! most of the other resource among its entries. A search for "the least key
//! from here on whose other resource is at least m" looks inside the blocks
//! that hold such an entry only, and skips every other block at the cost of
//! one comparison; changes move at most one block's entries.

use super::InstanceId;

/// A key: (free amount of the ordering resource, instance).
pub type FitKey = (u32, InstanceId);

/// The most entries a block holds before it splits in two.
pub const BLOCK: usize = 128;

#[derive(Debug, Clone, Default)]
struct Block {
    /// (key, other), sorted by key.
    entries: Vec<(FitKey, u32)>,
    /// The most `other` among the entries.
    most_other: u32,
}

impl Block {
    fn recount(&mut self) {
        self.most_other = self.entries.iter().map(|e| e.1).max().unwrap_or(0);
    }

    fn last_key(&self) -> Option<FitKey> {
        self.entries.last().map(|e| e.0)
    }
}

/// Instances ordered by one free resource, each with its free amount of the
/// other (see the module documentation).
#[derive(Debug, Clone)]
pub struct FitIndex {
    blocks: Vec<Block>,
    /// Each block's greatest key ([`NO_KEY`] for the lone empty block), side
    /// by side, so that finding a key's block searches contiguous memory.
    lasts: Vec<FitKey>,
    len: usize,
    block: usize,
}

/// Above every real key: the greatest key of an empty block.
const NO_KEY: FitKey = (u32::MAX, InstanceId(u32::MAX));

impl Default for FitIndex {
    fn default() -> Self {
        FitIndex::with_block(BLOCK)
    }
}

impl FitIndex {
    /// An empty set whose blocks split past `block` entries.
    pub fn with_block(block: usize) -> FitIndex {
        FitIndex { blocks: vec![Block::default()], lasts: vec![NO_KEY], len: 0, block: block.max(2) }
    }

    /// Entries in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block where `key` is or would go: the first whose last key is at
    /// least `key`, else the last block.
    fn block_of(&self, key: FitKey) -> usize {
        let at = self.lasts.partition_point(|&last| last < key);
        at.min(self.blocks.len() - 1)
    }

    /// Records block `b`'s greatest key after a change.
    fn sync_last(&mut self, b: usize) {
        self.lasts[b] = self.blocks[b].last_key().unwrap_or(NO_KEY);
    }

    /// Adds a key with its amount of the other resource. The key must not
    /// be in the set.
    pub fn insert(&mut self, key: FitKey, other: u32) {
        let b = self.block_of(key);
        let block = &mut self.blocks[b];
        let at = block.entries.partition_point(|e| e.0 < key);
        debug_assert!(block.entries.get(at).is_none_or(|e| e.0 != key), "key already in the set");
        block.entries.insert(at, (key, other));
        block.most_other = block.most_other.max(other);
        self.len += 1;
        if block.entries.len() > self.block {
            let upper = block.entries.split_off(block.entries.len() / 2);
            block.recount();
            let mut upper = Block { entries: upper, most_other: 0 };
            upper.recount();
            self.blocks.insert(b + 1, upper);
            self.lasts.insert(b + 1, NO_KEY);
            self.sync_last(b + 1);
        }
        self.sync_last(b);
    }

    /// Removes a key; false when it was not in the set.
    pub fn remove(&mut self, key: FitKey) -> bool {
        let b = self.block_of(key);
        match self.blocks[b].entries.binary_search_by(|e| e.0.cmp(&key)) {
            Ok(at) => {
                self.remove_at(b, at);
                true
            }
            Err(_) => false,
        }
    }

    fn remove_at(&mut self, b: usize, at: usize) {
        let block = &mut self.blocks[b];
        let (_, other) = block.entries.remove(at);
        if other == block.most_other {
            block.recount();
        }
        self.len -= 1;
        if block.entries.is_empty() && self.blocks.len() > 1 {
            self.blocks.remove(b);
            self.lasts.remove(b);
        } else {
            self.sync_last(b);
        }
    }

    /// Moves a key in the set to `new` with a new amount of the other
    /// resource. When the new key falls in the same block (the usual case:
    /// a task's worth of change), only the entries between the two places
    /// shift.
    pub fn rekey(&mut self, old: FitKey, new: FitKey, other: u32) {
        let b = self.block_of(old);
        let last_block = b + 1 == self.blocks.len();
        let block = &mut self.blocks[b];
        let stays = (b == 0 || block.entries.first().is_some_and(|f| f.0 <= new))
            && (last_block || block.last_key().is_some_and(|l| new <= l));
        let Ok(at) = block.entries.binary_search_by(|e| e.0.cmp(&old)) else {
            self.insert(new, other);
            return;
        };
        if !stays {
            self.remove_at(b, at);
            self.insert(new, other);
            return;
        }
        let old_other = block.entries[at].1;
        // The new place is near the old one (a task's worth of change), so
        // walk to it rather than search: the entries passed move anyway.
        let entries = &mut block.entries;
        let mut to = at;
        if new > old {
            while to + 1 < entries.len() && entries[to + 1].0 < new {
                to += 1;
            }
            entries.copy_within(at + 1..=to, at);
        } else {
            while to > 0 && entries[to - 1].0 > new {
                to -= 1;
            }
            entries.copy_within(to..at, to + 1);
        }
        entries[to] = (new, other);
        let at_end = to + 1 == entries.len() || at + 1 == entries.len();
        if other >= block.most_other {
            block.most_other = other;
        } else if old_other == block.most_other {
            block.recount();
        }
        if at_end {
            self.sync_last(b);
        }
    }

    /// Changes the other resource's amount of a key in the set.
    pub fn set_other(&mut self, key: FitKey, other: u32) {
        let b = self.block_of(key);
        let block = &mut self.blocks[b];
        if let Ok(at) = block.entries.binary_search_by(|e| e.0.cmp(&key)) {
            let old = std::mem::replace(&mut block.entries[at].1, other);
            if other > block.most_other {
                block.most_other = other;
            } else if old == block.most_other {
                block.recount();
            }
        }
    }

    /// The least key from `from` on (inclusive) whose other resource is at
    /// least `min_other`, with that amount.
    pub fn first_fit(&self, from: FitKey, min_other: u32) -> Option<(FitKey, u32)> {
        self.fits(from, min_other).next()
    }

    /// Every entry from `from` on whose other resource is at least
    /// `min_other`, in key order, with that amount.
    pub fn fits(&self, from: FitKey, min_other: u32) -> impl Iterator<Item = (FitKey, u32)> + '_ {
        let first = self.block_of(from);
        self.blocks[first..].iter().enumerate().filter(move |(_, block)| block.most_other >= min_other).flat_map(
            move |(i, block)| {
                let start = if i == 0 { block.entries.partition_point(|e| e.0 < from) } else { 0 };
                block.entries[start..].iter().copied().filter(move |e| e.1 >= min_other)
            },
        )
    }

    /// Every key from `from` on whose other resource is at least
    /// `min_other`, in key order.
    pub fn fits_from(&self, from: FitKey, min_other: u32) -> impl Iterator<Item = FitKey> + '_ {
        self.fits(from, min_other).map(|e| e.0)
    }

    /// How many keys are at `from` or above.
    pub fn count_from(&self, from: FitKey) -> usize {
        let first = self.block_of(from);
        let block = &self.blocks[first];
        let here = block.entries.len() - block.entries.partition_point(|e| e.0 < from);
        here + self.blocks[first + 1..].iter().map(|b| b.entries.len()).sum::<usize>()
    }

    /// How many keys are at `from` or above and below `to`. Visits only the
    /// blocks between the two.
    pub fn count_between(&self, from: FitKey, to: FitKey) -> usize {
        if to <= from {
            return 0;
        }
        let (first, last) = (self.block_of(from), self.block_of(to));
        let below = |b: usize, key: FitKey| self.blocks[b].entries.partition_point(|e| e.0 < key);
        let whole: usize = self.blocks[first..last].iter().map(|b| b.entries.len()).sum();
        whole + below(last, to) - below(first, from)
    }

    /// The `n`th key (from 0) at `from` or above, with its amount of the
    /// other resource; `None` when fewer keys are there. Skips whole blocks.
    pub fn nth_from(&self, from: FitKey, mut n: usize) -> Option<(FitKey, u32)> {
        let first = self.block_of(from);
        let start = self.blocks[first].entries.partition_point(|e| e.0 < from);
        for (i, block) in self.blocks[first..].iter().enumerate() {
            let entries = if i == 0 { &block.entries[start..] } else { &block.entries[..] };
            if n < entries.len() {
                return Some(entries[n]);
            }
            n -= entries.len();
        }
        None
    }

    /// The greatest key, if any.
    pub fn last(&self) -> Option<FitKey> {
        self.blocks.last().and_then(Block::last_key)
    }

    /// Every key with its amount of the other resource, in key order (for
    /// consistency checks).
    pub fn entries(&self) -> Vec<(FitKey, u32)> {
        self.fits((0, InstanceId(0)), 0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32, u32, u32),
        Remove(usize),
        SetOther(usize, u32),
        Rekey(usize, u32, u32),
        FirstFit(u32, u32, u32),
        CountFrom(u32, u32),
        NthFrom(u32, u32, usize),
        CountBetween(u32, u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0_u32..50, 0_u32..40, 0_u32..60).prop_map(|(v, id, o)| Op::Insert(v, id, o)),
            (0_usize..100).prop_map(Op::Remove),
            (0_usize..100, 0_u32..60).prop_map(|(i, o)| Op::SetOther(i, o)),
            (0_usize..100, 0_u32..50, 0_u32..60).prop_map(|(i, v, o)| Op::Rekey(i, v, o)),
            (0_u32..55, 0_u32..42, 0_u32..65).prop_map(|(v, id, m)| Op::FirstFit(v, id, m)),
            (0_u32..55, 0_u32..42).prop_map(|(v, id)| Op::CountFrom(v, id)),
            (0_u32..55, 0_u32..42, 0_usize..60).prop_map(|(v, id, n)| Op::NthFrom(v, id, n)),
            (0_u32..55, 0_u32..55).prop_map(|(a, b)| Op::CountBetween(a, b)),
        ]
    }

    proptest! {
        /// The index answers as a scan of a plain ordered map does.
        #[test]
        fn the_index_answers_as_a_scan(ops in proptest::collection::vec(op(), 0..300)) {
            // Small blocks, so that splitting and emptying blocks are exercised.
            let mut index = FitIndex::with_block(4);
            let mut plain: BTreeMap<FitKey, u32> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(v, id, other) => {
                        let key = (v, InstanceId(id));
                        if let std::collections::btree_map::Entry::Vacant(entry) = plain.entry(key) {
                            entry.insert(other);
                            index.insert(key, other);
                        }
                    }
                    Op::Remove(i) => {
                        let key = plain.keys().nth(i % plain.len().max(1)).copied();
                        if let Some(key) = key {
                            plain.remove(&key);
                            prop_assert!(index.remove(key));
                        }
                        prop_assert!(!index.remove((99, InstanceId(99))));
                    }
                    Op::SetOther(i, other) => {
                        let key = plain.keys().nth(i % plain.len().max(1)).copied();
                        if let Some(key) = key {
                            plain.insert(key, other);
                            index.set_other(key, other);
                        }
                    }
                    Op::Rekey(i, value, other) => {
                        let key = plain.keys().nth(i % plain.len().max(1)).copied();
                        // Keys are unique in a real index (one per instance).
                        if let Some(key) = key.filter(|k| !plain.contains_key(&(value, k.1)) || k.0 == value) {
                            let new = (value, key.1);
                            plain.remove(&key);
                            plain.insert(new, other);
                            index.rekey(key, new, other);
                        }
                    }
                    Op::FirstFit(v, id, m) => {
                        let from = (v, InstanceId(id));
                        let expected = plain.range(from..).find(|(_, &o)| o >= m).map(|(&k, &o)| (k, o));
                        prop_assert_eq!(index.first_fit(from, m), expected);
                        let all: Vec<FitKey> = plain.range(from..).filter(|(_, &o)| o >= m).map(|(&k, _)| k).collect();
                        prop_assert_eq!(index.fits_from(from, m).collect::<Vec<_>>(), all);
                    }
                    Op::CountFrom(v, id) => {
                        let from = (v, InstanceId(id));
                        prop_assert_eq!(index.count_from(from), plain.range(from..).count());
                    }
                    Op::CountBetween(a, b) => {
                        let (from, to) = ((a, InstanceId(0)), (b, InstanceId(0)));
                        let want = if from < to { plain.range(from..to).count() } else { 0 };
                        prop_assert_eq!(index.count_between(from, to), want);
                    }
                    Op::NthFrom(v, id, n) => {
                        let from = (v, InstanceId(id));
                        prop_assert_eq!(index.nth_from(from, n), plain.range(from..).nth(n).map(|(&k, &o)| (k, o)));
                    }
                }
                prop_assert_eq!(index.len(), plain.len());
                prop_assert_eq!(index.last(), plain.keys().next_back().copied());
                prop_assert_eq!(index.entries(), plain.iter().map(|(&k, &o)| (k, o)).collect::<Vec<_>>());
            }
        }
    }
}
