//! The cluster: container instances, their registered and reserved resources,
//! attributes, and the task groups running on them. Every change of state goes
//! through a method here, which keeps the placement index in step.

pub mod fit_index;
pub mod group_spread;
pub mod index;
pub mod query;

use crate::catalog::InstanceType;
use crate::engine::SimTime;
use crate::model::{HostPort, Protocol, AGENT_RESERVED_PORTS};
use index::{FilterId, PlacementIndex};
use query::Expression;
use rustc_hash::FxHashMap;
use std::collections::HashMap;

/// Index of a container instance in [`Cluster::instances`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceId(pub u32);

/// An interned attribute name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttrId(pub u32);

/// An interned attribute value; [`ValueId::MISSING`] stands for "not set".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValueId(pub u32);

impl ValueId {
    /// The value of an attribute an instance does not have.
    pub const MISSING: ValueId = ValueId(u32::MAX);
}

/// An interned task group (`family:web`, `service:api`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// Registration state of a container instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Accepts new tasks.
    Active,
    /// Gets no new tasks.
    Draining,
    /// Its agent is disconnected (its zone is out): no new tasks, and the
    /// tasks it had are lost. It may come back.
    Unreachable,
    /// Gone.
    Deregistered,
}

impl InstanceStatus {
    /// The name ECS uses (`UNREACHABLE` is ACTIVE with the agent disconnected).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Active => "ACTIVE",
            InstanceStatus::Draining => "DRAINING",
            InstanceStatus::Unreachable => "ACTIVE_AGENT_DISCONNECTED",
            InstanceStatus::Deregistered => "INACTIVE",
        }
    }
}

/// Maximum host ports reserved on one instance, the agent's defaults included.
pub const MAX_RESERVED_PORTS: usize = 100;

/// Who an instance is when it comes from a live cluster: its EC2 id and the
/// resources its agent registered.
#[derive(Debug, Clone)]
pub struct InstanceIdentity {
    /// The EC2 instance id.
    pub ec2_instance_id: String,
    /// CPU units and MiB registered.
    pub registered: (u32, u32),
}

/// One EC2 container instance.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Its index.
    pub id: InstanceId,
    /// The EC2 instance id, e.g. `i-00000000000000001`.
    pub ec2_instance_id: String,
    /// Index of its fleet in the scenario.
    pub fleet: usize,
    /// Index into [`Cluster::instance_types`].
    pub instance_type: usize,
    /// Index into [`Cluster::availability_zones`].
    pub availability_zone: usize,
    /// Registration state.
    pub status: InstanceStatus,
    /// When EC2 started it (billing starts here).
    pub launched_at: SimTime,
    /// When it registered with the cluster.
    pub registered_at: SimTime,
    /// When it stopped, if it has.
    pub terminated_at: Option<SimTime>,
    /// Registered CPU units.
    pub registered_cpu: u32,
    /// Registered MiB.
    pub registered_memory: u32,
    /// CPU units not reserved by tasks.
    pub free_cpu: u32,
    /// MiB not reserved by tasks.
    pub free_memory: u32,
    /// awsvpc tasks it can host.
    pub eni_slots: u32,
    /// awsvpc tasks on it.
    pub enis_used: u32,
    /// Reserved static host ports (agent defaults plus tasks'), sorted.
    pub host_ports: Vec<HostPort>,
    /// Tasks in RUNNING state (`runningTasksCount`).
    pub running_tasks: u32,
    /// Tasks holding resources here (PENDING to STOPPING).
    pub placed_tasks: u32,
    /// Tasks per group holding resources here, sorted by group.
    pub groups: Vec<(GroupId, u32)>,
    /// Attributes (built-in and custom), sorted by name.
    pub attributes: Vec<(AttrId, ValueId)>,
}

impl Instance {
    /// Number of this group's tasks on the instance.
    pub fn group_count(&self, group: GroupId) -> u32 {
        self.groups.binary_search_by_key(&group, |(g, _)| *g).map_or(0, |i| self.groups[i].1)
    }

    /// The instance's value of an attribute.
    pub fn attribute(&self, attr: AttrId) -> ValueId {
        self.attributes.binary_search_by_key(&attr, |(a, _)| *a).map_or(ValueId::MISSING, |i| self.attributes[i].1)
    }

    /// True when the instance takes new tasks.
    pub fn is_placeable(&self) -> bool {
        self.status == InstanceStatus::Active
    }
}

/// A string interner: strings to dense ids and back.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    /// The id of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    /// The id of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The string of an id.
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// Cluster-wide totals over ACTIVE and DRAINING instances, for metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Registered instances.
    pub instances: u32,
    /// Registered CPU units.
    pub registered_cpu: u64,
    /// Registered MiB.
    pub registered_memory: u64,
    /// Reserved CPU units.
    pub reserved_cpu: u64,
    /// Reserved MiB.
    pub reserved_memory: u64,
}

/// What a task reserves on an instance.
#[derive(Debug, Clone, Copy)]
pub struct Reservation<'a> {
    /// CPU units.
    pub cpu: u32,
    /// MiB.
    pub memory: u32,
    /// Static host ports.
    pub host_ports: &'a [HostPort],
    /// Whether it takes an ENI slot (awsvpc).
    pub awsvpc: bool,
    /// Its task group.
    pub group: GroupId,
}

/// The cluster state.
#[derive(Debug)]
pub struct Cluster {
    /// All instances ever launched, by id.
    pub instances: Vec<Instance>,
    /// Distinct instance types in use.
    pub instance_types: Vec<InstanceType>,
    /// Zone names.
    pub availability_zones: Vec<String>,
    /// Whether awsvpc trunking is on.
    pub awsvpc_trunking: bool,
    /// Agent version reported by instances.
    pub agent_version: String,
    attribute_names: Interner,
    attribute_values: Interner,
    groups: Interner,
    /// Attributes whose per-value group counts are tracked (spread fields).
    tracked_attributes: Vec<AttrId>,
    /// Tasks of a group on instances with an attribute value (lookups only).
    spread_counts: FxHashMap<(GroupId, AttrId, ValueId), u32>,
    /// Per group id: its tasks holding a reservation anywhere.
    group_tasks: Vec<u32>,
    /// The indexes placement searches.
    pub index: PlacementIndex,
    /// Per fleet, its instances not yet deregistered, by id.
    fleet_members: Vec<Vec<InstanceId>>,
    /// Static `memberOf` expressions that indexes keep their members to, by
    /// [`FilterId`].
    filters: Vec<Expression>,
    totals: Totals,
    /// Epoch of simulated time zero, in Unix ms, for `registeredAt` queries.
    pub epoch_unix_ms: i64,
}

/// Simulated time zero: 2026-01-01T00:00:00Z.
pub const DEFAULT_EPOCH_UNIX_MS: i64 = 1_767_225_600_000;

impl Cluster {
    /// An empty cluster.
    pub fn new(availability_zones: Vec<String>, awsvpc_trunking: bool, agent_version: String) -> Cluster {
        Cluster {
            instances: Vec::new(),
            instance_types: Vec::new(),
            availability_zones,
            awsvpc_trunking,
            agent_version,
            attribute_names: Interner::default(),
            attribute_values: Interner::default(),
            groups: Interner::default(),
            tracked_attributes: Vec::new(),
            spread_counts: FxHashMap::default(),
            group_tasks: Vec::new(),
            index: PlacementIndex::default(),
            fleet_members: Vec::new(),
            filters: Vec::new(),
            totals: Totals::default(),
            epoch_unix_ms: DEFAULT_EPOCH_UNIX_MS,
        }
    }

    /// The id of an attribute name, adding it if new.
    pub fn attribute_id(&mut self, name: &str) -> AttrId {
        AttrId(self.attribute_names.intern(name))
    }

    /// The id of an attribute name, if any instance or strategy uses it.
    pub fn find_attribute(&self, name: &str) -> Option<AttrId> {
        self.attribute_names.get(name).map(AttrId)
    }

    /// The string of an attribute value.
    pub fn value_name(&self, value: ValueId) -> Option<&str> {
        (value != ValueId::MISSING).then(|| self.attribute_values.name(value.0))
    }

    /// The id of a task group, adding it if new.
    pub fn group_id(&mut self, name: &str) -> GroupId {
        GroupId(self.groups.intern(name))
    }

    /// The id of a task group, if any task has used it.
    pub fn find_group(&self, name: &str) -> Option<GroupId> {
        self.groups.get(name).map(GroupId)
    }

    /// The name of a task group.
    pub fn group_name(&self, group: GroupId) -> &str {
        self.groups.name(group.0)
    }

    /// Every task group's name, by [`GroupId`].
    pub fn group_names(&self) -> &[String] {
        &self.groups.names
    }

    /// Starts counting tasks per value of `attr`, for spread strategies.
    /// Call before any task is placed.
    pub fn track_attribute(&mut self, attr: AttrId) {
        if !self.tracked_attributes.contains(&attr) {
            self.tracked_attributes.push(attr);
        }
    }

    /// Registers an index partitioned by these attributes (the leading
    /// spread fields of a strategy chain), holding only the instances that
    /// `filter` admits when given (a static `memberOf` expression, see
    /// [`Expression::is_static`]), and returns its id.
    pub fn partition_by(&mut self, attributes: &[AttrId], filter: Option<&Expression>) -> usize {
        let filter = filter.map(|expression| {
            debug_assert!(expression.is_static());
            match self.filters.iter().position(|f| f.source() == expression.source()) {
                Some(i) => FilterId(i as u32),
                None => {
                    self.filters.push(expression.clone());
                    FilterId(self.filters.len() as u32 - 1)
                }
            }
        });
        if let Some(spec) = self.index.find_spec(attributes, filter) {
            return spec;
        }
        let admitted: Vec<bool> = match filter {
            Some(f) => self.instances.iter().map(|i| self.admits(f, i)).collect(),
            None => Vec::new(),
        };
        let instances = &self.instances;
        self.index.spec_for(attributes, filter, instances, |i| filter.is_none() || admitted[i.id.0 as usize])
    }

    /// Starts bucketing the members of partition spec `spec` by their count
    /// of `group`'s tasks, for `spread(instanceId)` (nothing when it already
    /// does). Costs one pass over the spec's members, once, unless the
    /// group has no tasks yet.
    pub fn track_group_spread(&mut self, spec: usize, group: GroupId) {
        let placed = self.group_tasks.get(group.0 as usize).is_some_and(|&n| n > 0);
        self.index.track_group(spec, group, placed.then_some(self.instances.as_slice()));
    }

    fn admits(&self, filter: FilterId, instance: &Instance) -> bool {
        self.filters[filter.0 as usize].evaluate(&InstanceView { cluster: self, instance })
    }

    /// Whether each filter admits the instance, by [`FilterId`].
    fn admitted(&self, instance: &Instance) -> Vec<bool> {
        (0..self.filters.len()).map(|f| self.admits(FilterId(f as u32), instance)).collect()
    }

    /// Tasks of `group` on instances whose `attr` is `value`.
    pub fn spread_count(&self, group: GroupId, attr: AttrId, value: ValueId) -> u32 {
        self.spread_counts.get(&(group, attr, value)).copied().unwrap_or(0)
    }

    /// A fleet's instances that are not deregistered, by id.
    pub fn fleet_instances(&self, fleet: usize) -> &[InstanceId] {
        self.fleet_members.get(fleet).map_or(&[], Vec::as_slice)
    }

    /// Cluster-wide totals.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// The index of an instance type in [`Cluster::instance_types`], adding it if new.
    pub fn intern_type(&mut self, instance_type: &InstanceType) -> usize {
        match self.instance_types.iter().position(|t| t.name == instance_type.name) {
            Some(i) => i,
            None => {
                self.instance_types.push(instance_type.clone());
                self.instance_types.len() - 1
            }
        }
    }

    /// Adds a registered, ACTIVE instance and returns its id.
    pub fn add_instance(
        &mut self,
        fleet: usize,
        instance_type: &InstanceType,
        availability_zone: usize,
        now: SimTime,
        custom_attributes: &[(String, String)],
    ) -> InstanceId {
        self.add_instance_as(fleet, instance_type, availability_zone, now, custom_attributes, None)
    }

    /// [`add_instance`](Self::add_instance) with the EC2 id and registered
    /// resources a live cluster's instance has, when given.
    pub fn add_instance_as(
        &mut self,
        fleet: usize,
        instance_type: &InstanceType,
        availability_zone: usize,
        now: SimTime,
        custom_attributes: &[(String, String)],
        identity: Option<InstanceIdentity>,
    ) -> InstanceId {
        let id = InstanceId(self.instances.len() as u32);
        let (ec2_instance_id, (registered_cpu, registered_memory)) = match identity {
            Some(identity) => (identity.ec2_instance_id, identity.registered),
            None => (
                format!("i-{:017x}", u64::from(id.0) + 1),
                (instance_type.registered_cpu_units(), instance_type.registered_memory_mib),
            ),
        };
        let type_index = match self.instance_types.iter().position(|t| t.name == instance_type.name) {
            Some(i) => i,
            None => {
                self.instance_types.push(instance_type.clone());
                self.instance_types.len() - 1
            }
        };
        let az = self.availability_zones[availability_zone].clone();
        let mut builtin = vec![
            ("ecs.availability-zone".to_string(), az.clone()),
            ("ecs.instance-type".to_string(), instance_type.name.clone()),
            ("ecs.os-type".to_string(), "linux".to_string()),
            ("ecs.os-family".to_string(), "LINUX".to_string()),
            ("ecs.cpu-architecture".to_string(), instance_type.architecture.as_str().to_string()),
            ("ecs.ami-id".to_string(), format!("ami-ecs-optimized-{}", instance_type.architecture.as_str())),
            ("ecs.vpc-id".to_string(), "vpc-ecs-sim".to_string()),
            ("ecs.subnet-id".to_string(), format!("subnet-{az}")),
        ];
        let trunk = self.awsvpc_trunking && instance_type.awsvpc_trunk_tasks.is_some();
        if trunk {
            builtin.push(("ecs.awsvpc-trunk-id".to_string(), format!("eni-trunk-{:08}", id.0)));
        }
        let mut attributes: Vec<(AttrId, ValueId)> = builtin
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(custom_attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map(|(k, v)| (AttrId(self.attribute_names.intern(k)), ValueId(self.attribute_values.intern(v))))
            .collect();
        attributes.sort();
        attributes.dedup_by_key(|(k, _)| *k);
        let host_ports = AGENT_RESERVED_PORTS.iter().map(|&port| HostPort { port, protocol: Protocol::Tcp }).collect();
        let instance = Instance {
            id,
            ec2_instance_id,
            fleet,
            instance_type: type_index,
            availability_zone,
            status: InstanceStatus::Active,
            launched_at: now,
            registered_at: now,
            terminated_at: None,
            registered_cpu,
            registered_memory,
            free_cpu: registered_cpu,
            free_memory: registered_memory,
            eni_slots: instance_type.awsvpc_task_limit(self.awsvpc_trunking),
            enis_used: 0,
            host_ports,
            running_tasks: 0,
            placed_tasks: 0,
            groups: Vec::new(),
            attributes,
        };
        self.totals.instances += 1;
        self.totals.registered_cpu += u64::from(instance.registered_cpu);
        self.totals.registered_memory += u64::from(instance.registered_memory);
        self.instances.push(instance);
        if self.fleet_members.len() <= fleet {
            self.fleet_members.resize_with(fleet + 1, Vec::new);
        }
        self.fleet_members[fleet].push(id);
        let instance = &self.instances[id.0 as usize];
        let admitted = self.admitted(instance);
        self.index.insert(instance, &admitted);
        id
    }

    /// Reserves a task's resources on an instance. The caller has checked
    /// that they fit.
    pub fn reserve(&mut self, id: InstanceId, task: &Reservation<'_>) {
        let instance = &mut self.instances[id.0 as usize];
        let (old_cpu, old_memory) = (instance.free_cpu, instance.free_memory);
        debug_assert!(instance.free_cpu >= task.cpu && instance.free_memory >= task.memory);
        instance.free_cpu -= task.cpu;
        instance.free_memory -= task.memory;
        instance.enis_used += u32::from(task.awsvpc);
        for port in task.host_ports {
            if let Err(at) = instance.host_ports.binary_search(port) {
                instance.host_ports.insert(at, *port);
            }
        }
        instance.placed_tasks += 1;
        match instance.groups.binary_search_by_key(&task.group, |(g, _)| *g) {
            Ok(i) => instance.groups[i].1 += 1,
            Err(i) => instance.groups.insert(i, (task.group, 1)),
        }
        let group = task.group.0 as usize;
        if self.group_tasks.len() <= group {
            self.group_tasks.resize(group + 1, 0);
        }
        self.group_tasks[group] += 1;
        for &attr in &self.tracked_attributes {
            let value = instance.attribute(attr);
            *self.spread_counts.entry((task.group, attr, value)).or_insert(0) += 1;
        }
        self.totals.reserved_cpu += u64::from(task.cpu);
        self.totals.reserved_memory += u64::from(task.memory);
        let instance = &self.instances[id.0 as usize];
        if instance.is_placeable() {
            self.index.update(instance, old_cpu, old_memory);
            self.index.group_count_changed(&self.instances, id, task.group);
        }
    }

    /// Returns a stopped task's resources to its instance.
    pub fn release(&mut self, id: InstanceId, task: &Reservation<'_>) {
        let instance = &mut self.instances[id.0 as usize];
        let (old_cpu, old_memory) = (instance.free_cpu, instance.free_memory);
        instance.free_cpu += task.cpu;
        instance.free_memory += task.memory;
        instance.enis_used -= u32::from(task.awsvpc);
        instance.host_ports.retain(|p| !task.host_ports.contains(p));
        instance.placed_tasks -= 1;
        if let Ok(i) = instance.groups.binary_search_by_key(&task.group, |(g, _)| *g) {
            instance.groups[i].1 -= 1;
            if instance.groups[i].1 == 0 {
                instance.groups.remove(i);
            }
            self.group_tasks[task.group.0 as usize] -= 1;
        }
        for &attr in &self.tracked_attributes {
            let value = instance.attribute(attr);
            if let Some(count) = self.spread_counts.get_mut(&(task.group, attr, value)) {
                *count -= 1;
            }
        }
        self.totals.reserved_cpu -= u64::from(task.cpu);
        self.totals.reserved_memory -= u64::from(task.memory);
        let instance = &self.instances[id.0 as usize];
        if instance.is_placeable() {
            self.index.update(instance, old_cpu, old_memory);
            self.index.group_count_changed(&self.instances, id, task.group);
        }
    }

    /// Changes an instance's status, keeping the placement index (placeable
    /// instances only) and the totals (registered instances only) in step.
    /// Deregistering also records `now` as its end.
    pub fn set_status(&mut self, id: InstanceId, status: InstanceStatus, now: SimTime) {
        let instance = &self.instances[id.0 as usize];
        let (was_placeable, was_registered) =
            (instance.is_placeable(), instance.status != InstanceStatus::Deregistered);
        if was_placeable && status != InstanceStatus::Active {
            self.index.remove(instance);
        }
        let instance = &mut self.instances[id.0 as usize];
        instance.status = status;
        if was_registered && status == InstanceStatus::Deregistered {
            instance.terminated_at = Some(now);
            let members = &mut self.fleet_members[instance.fleet];
            if let Ok(at) = members.binary_search(&id) {
                members.remove(at);
            }
            self.totals.instances -= 1;
            self.totals.registered_cpu -= u64::from(instance.registered_cpu);
            self.totals.registered_memory -= u64::from(instance.registered_memory);
        }
        let instance = &self.instances[id.0 as usize];
        if !was_placeable && instance.is_placeable() {
            let admitted = self.admitted(instance);
            self.index.insert(instance, &admitted);
        }
    }

    /// Counts a task on the instance as RUNNING (or no longer).
    pub fn set_running(&mut self, id: InstanceId, running: bool) {
        let instance = &mut self.instances[id.0 as usize];
        if running {
            instance.running_tasks += 1;
        } else {
            instance.running_tasks -= 1;
        }
    }
}

/// What a `memberOf` expression can ask about one instance.
pub struct InstanceView<'a> {
    /// The cluster.
    pub cluster: &'a Cluster,
    /// The instance.
    pub instance: &'a Instance,
}

impl query::InstanceFacts for InstanceView<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        let attr = self.cluster.find_attribute(name)?;
        self.cluster.value_name(self.instance.attribute(attr))
    }
    fn ec2_instance_id(&self) -> &str {
        &self.instance.ec2_instance_id
    }
    fn agent_connected(&self) -> bool {
        !matches!(self.instance.status, InstanceStatus::Deregistered | InstanceStatus::Unreachable)
    }
    fn agent_version(&self) -> &str {
        &self.cluster.agent_version
    }
    fn registered_at_unix_ms(&self) -> i64 {
        self.cluster.epoch_unix_ms + self.instance.registered_at.as_millis() as i64
    }
    fn running_tasks_count(&self) -> u32 {
        self.instance.running_tasks
    }
    fn any_task_group(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        self.instance.groups.iter().any(|(g, _)| f(self.cluster.group_name(*g)))
    }
}
