//! One task group's members of a partition spec, bucketed by how many of the
//! group's tasks each holds, so that `spread(instanceId)` finds the instances
//! with the fewest of the group's tasks without ranking every instance.
//!
//! Members holding none of the group's tasks are bucketed (count 0) only
//! once at least half the members hold some: before that they are most
//! members, and random draws over all members find them. So a group costs
//! memory in proportion to its tasks, not to the cluster. A spec starts
//! keeping a group's buckets the first time placement asks for them
//! ([`super::Cluster::track_group_spread`]); from then on every change of
//! the group's count on a member, and every member that joins or leaves the
//! spec, moves one entry between two buckets in O(1).

use super::{GroupId, InstanceId};
use rustc_hash::FxHashMap;

/// The members of each partition of a spec that hold some of one group's
/// tasks, by their count of them (see the module documentation).
#[derive(Debug, Clone)]
pub struct GroupSpread {
    /// The group counted.
    pub group: GroupId,
    /// Per partition, per count: the members holding exactly that many of
    /// the group's tasks, in no particular order (count 0 only once
    /// [`zero_bucketed`](GroupSpread::zero_bucketed)).
    buckets: Vec<Vec<Vec<InstanceId>>>,
    /// Whether members holding none of the group's tasks are bucketed.
    zero_bucketed: bool,
    /// Per partition: the members holding at least one of the group's tasks.
    holding: Vec<usize>,
    /// For each bucketed member: (count, position in its bucket).
    slots: FxHashMap<InstanceId, (u32, u32)>,
}

impl GroupSpread {
    /// An empty set of buckets for `group`.
    pub fn new(group: GroupId) -> GroupSpread {
        GroupSpread {
            group,
            buckets: Vec::new(),
            zero_bucketed: false,
            holding: Vec::new(),
            slots: FxHashMap::default(),
        }
    }

    /// Whether the members holding none of the group's tasks are in bucket 0.
    pub fn zero_bucketed(&self) -> bool {
        self.zero_bucketed
    }

    /// Members of every partition holding at least one of the group's tasks.
    pub fn holding_total(&self) -> usize {
        self.holding.iter().sum()
    }

    /// Buckets the members holding none of the group's tasks from now on:
    /// `members` lists each partition's members with their counts.
    pub fn bucket_zero<'a>(
        &mut self,
        members: impl Iterator<Item = (usize, &'a [InstanceId])>,
        count: impl Fn(InstanceId) -> u32,
    ) {
        self.zero_bucketed = true;
        for (partition, ids) in members {
            for &id in ids {
                if count(id) == 0 {
                    self.set(partition, id, 0);
                }
            }
        }
    }

    /// The members of `partition` holding exactly `count` of the group's
    /// tasks (for 0, only once [`zero_bucketed`](GroupSpread::zero_bucketed)).
    pub fn bucket(&self, partition: usize, count: usize) -> &[InstanceId] {
        self.buckets.get(partition).and_then(|b| b.get(count)).map_or(&[], Vec::as_slice)
    }

    /// How many members of `partition` hold at least one of the group's tasks.
    pub fn holding(&self, partition: usize) -> usize {
        self.holding.get(partition).copied().unwrap_or(0)
    }

    /// One more than the highest count a bucket of `partition` was made for:
    /// every member's count is below it.
    pub fn depth(&self, partition: usize) -> usize {
        self.buckets.get(partition).map_or(0, Vec::len)
    }

    /// Puts a member of `partition` in the bucket of `count` (out of every
    /// bucket when 0).
    pub fn set(&mut self, partition: usize, id: InstanceId, count: u32) {
        if self.slots.get(&id).is_some_and(|&(old, _)| old == count) {
            return;
        }
        self.remove(partition, id);
        if count == 0 && !self.zero_bucketed {
            return;
        }
        if self.buckets.len() <= partition {
            self.buckets.resize_with(partition + 1, Vec::new);
            self.holding.resize(partition + 1, 0);
        }
        let buckets = &mut self.buckets[partition];
        if buckets.len() <= count as usize {
            buckets.resize_with(count as usize + 1, Vec::new);
        }
        let bucket = &mut buckets[count as usize];
        self.slots.insert(id, (count, bucket.len() as u32));
        bucket.push(id);
        self.holding[partition] += usize::from(count > 0);
    }

    /// Takes a member of `partition` out of its bucket; nothing when it is
    /// in none.
    pub fn remove(&mut self, partition: usize, id: InstanceId) {
        let Some((count, position)) = self.slots.remove(&id) else {
            return;
        };
        let bucket = &mut self.buckets[partition][count as usize];
        bucket.swap_remove(position as usize);
        if let Some(&moved) = bucket.get(position as usize) {
            self.slots.insert(moved, (count, position));
        }
        self.holding[partition] -= usize::from(count > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every member holding some of the group's tasks sits in the bucket
        /// of its count, exactly once; the others in bucket 0 once it is
        /// kept, else in none.
        #[test]
        fn buckets_hold_each_member_at_its_count(
            ops in proptest::collection::vec((0_u32..12, 0_usize..3, 0_u32..5, any::<bool>()), 0..200),
        ) {
            let mut spread = GroupSpread::new(GroupId(0));
            // Instance → (partition, count); an instance stays in the partition it first joined.
            let mut plain: std::collections::BTreeMap<u32, (usize, u32)> = Default::default();
            for (step, (id, partition, count, leave)) in ops.into_iter().enumerate() {
                if step == 100 {
                    let members: Vec<Vec<InstanceId>> = (0..3)
                        .map(|p| plain.iter().filter(|(_, &(q, _))| q == p).map(|(&i, _)| InstanceId(i)).collect())
                        .collect();
                    let counts = plain.clone();
                    spread.bucket_zero(members.iter().enumerate().map(|(p, m)| (p, m.as_slice())), |i| counts[&i.0].1);
                }
                let partition = plain.get(&id).map_or(partition, |&(p, _)| p);
                if leave {
                    spread.remove(partition, InstanceId(id));
                    plain.remove(&id);
                } else {
                    spread.set(partition, InstanceId(id), count);
                    plain.insert(id, (partition, count));
                }
                for partition in 0..3 {
                    let want_holding = plain.values().filter(|&&(p, c)| p == partition && c > 0).count();
                    prop_assert_eq!(spread.holding(partition), want_holding);
                    let first = if spread.zero_bucketed() { 0 } else {
                        prop_assert!(spread.bucket(partition, 0).is_empty());
                        1
                    };
                    for count in first..6 {
                        let mut got: Vec<u32> = spread.bucket(partition, count).iter().map(|i| i.0).collect();
                        got.sort_unstable();
                        let want: Vec<u32> = plain
                            .iter()
                            .filter(|(_, &(p, c))| p == partition && c as usize == count)
                            .map(|(&i, _)| i)
                            .collect();
                        prop_assert_eq!(got, want);
                    }
                }
            }
        }
    }
}
