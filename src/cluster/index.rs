//! Indexes over placeable instances, so that placement visits only instances
//! that can matter instead of scanning the whole cluster for every task.
//!
//! A *partition spec* names attributes (the leading `spread` fields of a
//! strategy chain, e.g. the availability zone). Each distinct tuple of values
//! gets a [`Partition`] holding its members and two [`FitIndex`]es, ordered
//! by free CPU and by free memory. Spec 0 partitions by nothing: one
//! partition of all placeable instances.
//!
//! A spec may also hold only the instances a *filter* admits: a `memberOf`
//! expression over facts an instance keeps for life (its attributes, type,
//! zone, id, registration time), evaluated once as the instance becomes
//! placeable. Placement under that constraint then searches the admitted
//! instances only, so an instance the expression excludes costs it nothing.

use super::fit_index::FitIndex;
use super::group_spread::GroupSpread;
use super::{AttrId, GroupId, Instance, InstanceId, ValueId};
use std::collections::BTreeMap;

/// The placeable instances sharing one tuple of attribute values.
#[derive(Debug, Clone)]
pub struct Partition {
    /// The values, in the order of the spec's attributes.
    pub key: Vec<ValueId>,
    /// Members, in no particular order (for uniform sampling).
    pub members: Vec<InstanceId>,
    /// Members ordered by free CPU units, each with its free MiB.
    pub by_cpu: FitIndex,
    /// Members ordered by free MiB, each with its free CPU units.
    pub by_memory: FitIndex,
}

/// A static `memberOf` expression that an index keeps its members to, by
/// its position in the cluster's list of filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterId(pub u32);

/// One way of partitioning placeable instances.
#[derive(Debug, Clone, Default)]
pub struct PartitionSpec {
    /// The attributes partitioned on.
    pub attributes: Vec<AttrId>,
    /// The filter whose admitted instances alone are members (all placeable
    /// instances when `None`).
    pub filter: Option<FilterId>,
    /// Partitions, in order of creation.
    pub partitions: Vec<Partition>,
    by_key: BTreeMap<Vec<ValueId>, usize>,
    /// For each instance id: (partition, position in members), if placeable.
    slots: Vec<Option<(u32, u32)>>,
    /// The groups whose tasks per member are bucketed, for `spread(instanceId)`.
    spreads: Vec<GroupSpread>,
    /// Per group id: its position in `spreads` plus one, or 0.
    spread_of: Vec<u32>,
}

impl PartitionSpec {
    /// The group's members bucketed by their count of its tasks, if this
    /// spec keeps them.
    pub fn group_spread(&self, group: GroupId) -> Option<&GroupSpread> {
        match self.spread_of.get(group.0 as usize) {
            Some(&at) if at > 0 => Some(&self.spreads[at as usize - 1]),
            _ => None,
        }
    }

    /// Starts bucketing the members by their count of `group`'s tasks;
    /// `instances` is `None` when no instance holds any of them yet.
    fn track_group(&mut self, group: GroupId, instances: Option<&[Instance]>) {
        if self.group_spread(group).is_some() {
            return;
        }
        let mut spread = GroupSpread::new(group);
        if let Some(instances) = instances {
            for (partition, part) in self.partitions.iter().enumerate() {
                for &id in &part.members {
                    spread.set(partition, id, instances[id.0 as usize].group_count(group));
                }
            }
            bucket_zero_when_few(&mut spread, &self.partitions, instances);
        }
        self.spreads.push(spread);
        let index = group.0 as usize;
        if self.spread_of.len() <= index {
            self.spread_of.resize(index + 1, 0);
        }
        self.spread_of[index] = self.spreads.len() as u32;
    }

    /// Re-buckets a member whose count of `group`'s tasks changed.
    fn group_count_changed(&mut self, instances: &[Instance], id: InstanceId, group: GroupId) {
        let Some(&at) = self.spread_of.get(group.0 as usize) else { return };
        let Some(Some((partition, _))) = self.slots.get(id.0 as usize).copied() else { return };
        if at == 0 {
            return;
        }
        let spread = &mut self.spreads[at as usize - 1];
        spread.set(partition as usize, id, instances[id.0 as usize].group_count(group));
        bucket_zero_when_few(spread, &self.partitions, instances);
    }

    fn key_of(&self, instance: &Instance) -> Vec<ValueId> {
        self.attributes.iter().map(|&a| instance.attribute(a)).collect()
    }

    /// Adds a placeable instance if the spec's filter admits it;
    /// `admitted[f]` says whether filter `f` does.
    fn insert(&mut self, instance: &Instance, admitted: &[bool]) {
        if self.filter.is_none_or(|f| admitted[f.0 as usize]) {
            self.add(instance);
        }
    }

    fn add(&mut self, instance: &Instance) {
        let key = self.key_of(instance);
        let partition = match self.by_key.get(&key) {
            Some(&p) => p,
            None => {
                self.partitions.push(Partition {
                    key: key.clone(),
                    members: Vec::new(),
                    by_cpu: FitIndex::default(),
                    by_memory: FitIndex::default(),
                });
                self.by_key.insert(key, self.partitions.len() - 1);
                self.partitions.len() - 1
            }
        };
        let part = &mut self.partitions[partition];
        let index = instance.id.0 as usize;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        self.slots[index] = Some((partition as u32, part.members.len() as u32));
        part.members.push(instance.id);
        part.by_cpu.insert((instance.free_cpu, instance.id), instance.free_memory);
        part.by_memory.insert((instance.free_memory, instance.id), instance.free_cpu);
        for spread in &mut self.spreads {
            spread.set(partition, instance.id, instance.group_count(spread.group));
        }
    }

    fn remove(&mut self, instance: &Instance) {
        let Some(Some((partition, position))) = self.slots.get(instance.id.0 as usize).copied() else {
            return;
        };
        let part = &mut self.partitions[partition as usize];
        part.members.swap_remove(position as usize);
        if let Some(&moved) = part.members.get(position as usize) {
            self.slots[moved.0 as usize] = Some((partition, position));
        }
        self.slots[instance.id.0 as usize] = None;
        part.by_cpu.remove((instance.free_cpu, instance.id));
        part.by_memory.remove((instance.free_memory, instance.id));
        for spread in &mut self.spreads {
            spread.remove(partition as usize, instance.id);
        }
    }

    fn update(&mut self, instance: &Instance, old_cpu: u32, old_memory: u32) {
        let Some(Some((partition, _))) = self.slots.get(instance.id.0 as usize).copied() else {
            return;
        };
        let part = &mut self.partitions[partition as usize];
        let (id, cpu, memory) = (instance.id, instance.free_cpu, instance.free_memory);
        if old_cpu != cpu {
            part.by_cpu.rekey((old_cpu, id), (cpu, id), memory);
        } else if old_memory != memory {
            part.by_cpu.set_other((cpu, id), memory);
        }
        if old_memory != memory {
            part.by_memory.rekey((old_memory, id), (memory, id), cpu);
        } else if old_cpu != cpu {
            part.by_memory.set_other((memory, id), cpu);
        }
    }
}

/// Starts bucketing the members without any of the group's tasks once they
/// are fewer than those with some (see [`GroupSpread`]).
fn bucket_zero_when_few(spread: &mut GroupSpread, partitions: &[Partition], instances: &[Instance]) {
    let members: usize = partitions.iter().map(|p| p.members.len()).sum();
    if !spread.zero_bucketed() && spread.holding_total() * 2 >= members {
        let group = spread.group;
        let partitions = partitions.iter().enumerate().map(|(p, part)| (p, part.members.as_slice()));
        spread.bucket_zero(partitions, |id| instances[id.0 as usize].group_count(group));
    }
}

/// All partition specs; spec 0 is the whole cluster.
#[derive(Debug, Clone)]
pub struct PlacementIndex {
    specs: Vec<PartitionSpec>,
}

impl Default for PlacementIndex {
    fn default() -> Self {
        PlacementIndex { specs: vec![PartitionSpec::default()] }
    }
}

impl PlacementIndex {
    /// The id of the spec partitioning by `attributes` among the instances
    /// `filter` admits, if it exists.
    pub fn find_spec(&self, attributes: &[AttrId], filter: Option<FilterId>) -> Option<usize> {
        self.specs.iter().position(|s| s.attributes == attributes && s.filter == filter)
    }

    /// The id of the spec partitioning by `attributes` among the instances
    /// `filter` admits, creating (and filling) it if new; `admits(i)` says
    /// whether the filter admits instance `i`.
    pub fn spec_for(
        &mut self,
        attributes: &[AttrId],
        filter: Option<FilterId>,
        instances: &[Instance],
        admits: impl Fn(&Instance) -> bool,
    ) -> usize {
        if let Some(i) = self.find_spec(attributes, filter) {
            return i;
        }
        let mut spec = PartitionSpec { attributes: attributes.to_vec(), filter, ..PartitionSpec::default() };
        for instance in instances.iter().filter(|i| i.is_placeable() && admits(i)) {
            spec.add(instance);
        }
        self.specs.push(spec);
        self.specs.len() - 1
    }

    /// A spec by id.
    pub fn spec(&self, id: usize) -> &PartitionSpec {
        &self.specs[id]
    }

    /// The single partition of all placeable instances, if any exist.
    pub fn everything(&self) -> Option<&Partition> {
        self.specs[0].partitions.first()
    }

    /// Adds a newly placeable instance; `admitted[f]` says whether filter
    /// `f` admits it.
    pub fn insert(&mut self, instance: &Instance, admitted: &[bool]) {
        self.specs.iter_mut().for_each(|s| s.insert(instance, admitted));
    }

    /// Removes an instance that stops taking tasks. Call before its free
    /// resources change.
    pub fn remove(&mut self, instance: &Instance) {
        self.specs.iter_mut().for_each(|s| s.remove(instance));
    }

    /// Re-keys an instance whose free resources changed from the old values.
    pub fn update(&mut self, instance: &Instance, old_cpu: u32, old_memory: u32) {
        self.specs.iter_mut().for_each(|s| s.update(instance, old_cpu, old_memory));
    }

    /// Starts bucketing spec `spec`'s members by their count of `group`'s
    /// tasks (nothing when it already does); `instances` is `None` when no
    /// instance holds any of them yet.
    pub fn track_group(&mut self, spec: usize, group: GroupId, instances: Option<&[Instance]>) {
        self.specs[spec].track_group(group, instances);
    }

    /// Re-buckets instance `id` (of `instances`) whose count of `group`'s
    /// tasks changed, in every spec that buckets that group.
    pub fn group_count_changed(&mut self, instances: &[Instance], id: InstanceId, group: GroupId) {
        self.specs.iter_mut().for_each(|s| s.group_count_changed(instances, id, group));
    }

    /// Largest free CPU and free memory on any placeable instance (not
    /// necessarily the same one): a quick bound before searching.
    pub fn max_free(&self) -> (u32, u32) {
        self.everything()
            .map_or((0, 0), |p| (p.by_cpu.last().map_or(0, |(c, _)| c), p.by_memory.last().map_or(0, |(m, _)| m)))
    }
}
