//! Task placement on EC2 container instances, as ECS does it:
//!
//! 1. keep instances with enough CPU, memory, free static host ports and (for
//!    awsvpc) a free ENI slot;
//! 2. keep those that satisfy the placement constraints;
//! 3. rank the rest by the strategy chain, lexicographically;
//! 4. pick one of the best, at random among equals.
//!
//! [`Placer::select`] is the fast path: it walks the partitioned indexes of
//! [`crate::cluster::index`] and stops as soon as the best candidate is known.
//! [`reference_best`] is the plain definition (scan, filter, rank) that tests
//! hold the fast path to.

use crate::cluster::fit_index::{FitIndex, FitKey};
use crate::cluster::group_spread::GroupSpread;
use crate::cluster::index::Partition;
use crate::cluster::query::Expression;
use crate::cluster::{AttrId, Cluster, GroupId, Instance, InstanceId, InstanceView, Reservation};
use crate::engine::SimRng;
use crate::model::HostPort;
use rand::Rng;

/// A strategy field for binpack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinpackField {
    /// Pack on CPU units.
    Cpu,
    /// Pack on memory.
    Memory,
}

/// One placement strategy, as written in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Random placement.
    Random,
    /// Least remaining of the field first.
    Binpack(BinpackField),
    /// Fewest tasks of the group on the instance first.
    SpreadInstance,
    /// Fewest tasks of the group among instances sharing the attribute value first.
    SpreadAttribute(String),
}

/// One placement constraint, as written in a scenario.
#[derive(Debug, Clone)]
pub enum Constraint {
    /// No two tasks of the group on one instance.
    DistinctInstance,
    /// Only instances matching a cluster query expression.
    MemberOf(Expression),
}

/// A ranking level of a compiled chain. Lower keys rank better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Free CPU units (binpack cpu).
    FreeCpu,
    /// Free MiB (binpack memory).
    FreeMemory,
    /// Group tasks on the instance (spread instanceId).
    GroupOnInstance,
    /// Group tasks on instances with the same value (spread attribute).
    GroupOnValue(AttrId),
}

/// A compiled placement constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompiledConstraint {
    /// distinctInstance.
    DistinctInstance,
    /// memberOf, by expression id in the [`Placer`].
    MemberOf(usize),
}

/// A strategy chain and constraints, compiled against a cluster.
#[derive(Debug, Clone)]
pub struct PlacementPlan {
    /// Ranking levels. The chain is cut at its first `random`: a random key
    /// breaks every tie, so later strategies can never matter. Remaining ties
    /// are broken at random.
    pub levels: Vec<Level>,
    /// How many leading levels are attribute spreads served by partitions.
    pub partitioned_levels: usize,
    /// The partition spec id in the cluster's index.
    pub partition_spec: usize,
    /// Constraints.
    pub constraints: Vec<CompiledConstraint>,
}

impl PlacementPlan {
    /// True when the chain ends in `spread(instanceId)` right after its
    /// attribute spreads (ECS's default for services): placement then reads
    /// the group's per-instance count buckets instead of ranking instances.
    pub fn spreads_by_instance(&self) -> bool {
        self.levels[self.partitioned_levels..] == [Level::GroupOnInstance]
    }
}

/// Why no instance could take a task, in ECS's order of evaluation. The
/// reported reason is the one of the instance that got furthest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rejection {
    /// The cluster has no ACTIVE container instance.
    NoInstances,
    /// Not enough free CPU.
    Cpu,
    /// Not enough free memory.
    Memory,
    /// A static host port is taken, or the instance has 100 reserved ports.
    Ports,
    /// No free ENI slot for an awsvpc task.
    Eni,
    /// distinctInstance: a task of the group is already there.
    DistinctInstance,
    /// memberOf: the expression is false for the instance.
    MemberOf,
}

impl Rejection {
    /// Every reason, in report order.
    pub const ALL: [Rejection; 7] = [
        Rejection::NoInstances,
        Rejection::Cpu,
        Rejection::Memory,
        Rejection::Ports,
        Rejection::Eni,
        Rejection::DistinctInstance,
        Rejection::MemberOf,
    ];

    /// The reason string ECS reports (constraint failures have no documented
    /// literal; ecs-sim names the constraint).
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::NoInstances => "NO_CONTAINER_INSTANCES",
            Rejection::Cpu => "RESOURCE:CPU",
            Rejection::Memory => "RESOURCE:MEMORY",
            Rejection::Ports => "RESOURCE:PORTS",
            Rejection::Eni => "RESOURCE:ENI",
            Rejection::DistinctInstance => "CONSTRAINT:distinctInstance",
            Rejection::MemberOf => "CONSTRAINT:memberOf",
        }
    }
}

/// What placement needs to know about one task.
#[derive(Debug, Clone, Copy)]
pub struct TaskNeeds<'a> {
    /// CPU units to reserve.
    pub cpu: u32,
    /// MiB to reserve.
    pub memory: u32,
    /// Static host ports.
    pub host_ports: &'a [HostPort],
    /// Whether it needs an ENI slot.
    pub awsvpc: bool,
    /// Its task group.
    pub group: GroupId,
    /// Its compiled strategy and constraints.
    pub plan: &'a PlacementPlan,
}

impl TaskNeeds<'_> {
    /// What the task reserves on the instance it is placed on.
    pub fn reservation(&self) -> Reservation<'_> {
        Reservation {
            cpu: self.cpu,
            memory: self.memory,
            host_ports: self.host_ports,
            awsvpc: self.awsvpc,
            group: self.group,
        }
    }
}

/// Checks resources only (the first filter of ECS placement).
fn check_resources(instance: &Instance, task: &TaskNeeds<'_>) -> Result<(), Rejection> {
    if instance.free_cpu < task.cpu {
        return Err(Rejection::Cpu);
    }
    if instance.free_memory < task.memory {
        return Err(Rejection::Memory);
    }
    if !task.host_ports.is_empty() {
        let conflict = task.host_ports.iter().any(|p| instance.host_ports.binary_search(p).is_ok());
        if conflict || instance.host_ports.len() + task.host_ports.len() > crate::cluster::MAX_RESERVED_PORTS {
            return Err(Rejection::Ports);
        }
    }
    if task.awsvpc && instance.enis_used >= instance.eni_slots {
        return Err(Rejection::Eni);
    }
    Ok(())
}

/// The ranking key of one level for an instance.
fn level_key(cluster: &Cluster, instance: &Instance, group: GroupId, level: Level) -> u64 {
    match level {
        Level::FreeCpu => u64::from(instance.free_cpu),
        Level::FreeMemory => u64::from(instance.free_memory),
        Level::GroupOnInstance => u64::from(instance.group_count(group)),
        Level::GroupOnValue(attr) => u64::from(cluster.spread_count(group, attr, instance.attribute(attr))),
    }
}

/// Up to five level keys, compared lexicographically.
type Key = [u64; 5];

fn rank_key(cluster: &Cluster, instance: &Instance, group: GroupId, levels: &[Level]) -> Key {
    let mut key = [0; 5];
    for (slot, &level) in key.iter_mut().zip(levels) {
        *slot = level_key(cluster, instance, group, level);
    }
    key
}

/// Compiled memberOf expressions and the per-instance cache of those that
/// depend only on static facts.
#[derive(Debug, Default)]
struct Expressions {
    list: Vec<(Expression, bool)>,
    /// Per expression, per instance: 0 unknown, 1 false, 2 true.
    cache: Vec<Vec<u8>>,
}

/// How many random draws the fast path tries before enumerating.
const SAMPLE_TRIES: usize = 8;

/// The placement engine: compiled expressions and the placement RNG stream.
#[derive(Debug)]
pub struct Placer {
    rng: SimRng,
    expressions: Expressions,
    /// Buffers kept between calls, so that a placement allocates nothing.
    candidates: Vec<InstanceId>,
    ranked: Vec<(Key, usize)>,
    class: Vec<usize>,
    tied: Vec<usize>,
}

impl Placer {
    /// A placer drawing from `rng`.
    pub fn new(rng: SimRng) -> Placer {
        Placer {
            rng,
            expressions: Expressions::default(),
            candidates: Vec::new(),
            ranked: Vec::new(),
            class: Vec::new(),
            tied: Vec::new(),
        }
    }

    /// Compiles a strategy chain and constraints against the cluster,
    /// registering the attribute partitions and counters they need.
    pub fn compile(
        &mut self,
        cluster: &mut Cluster,
        strategy: &[Strategy],
        constraints: &[Constraint],
    ) -> PlacementPlan {
        let mut levels = Vec::new();
        for item in strategy {
            match item {
                Strategy::Random => break,
                Strategy::Binpack(BinpackField::Cpu) => levels.push(Level::FreeCpu),
                Strategy::Binpack(BinpackField::Memory) => levels.push(Level::FreeMemory),
                Strategy::SpreadInstance => levels.push(Level::GroupOnInstance),
                Strategy::SpreadAttribute(name) => {
                    let attr = cluster.attribute_id(name);
                    cluster.track_attribute(attr);
                    levels.push(Level::GroupOnValue(attr));
                }
            }
        }
        let prefix: Vec<AttrId> = levels
            .iter()
            .map_while(|l| match l {
                Level::GroupOnValue(a) => Some(*a),
                _ => None,
            })
            .collect();
        // A static memberOf is kept by the index itself: placement then
        // searches only the instances it admits (it is still checked, at no
        // cost, with the other constraints).
        let filter = constraints.iter().find_map(|c| match c {
            Constraint::MemberOf(expression) if expression.is_static() => Some(expression),
            _ => None,
        });
        let partition_spec = cluster.partition_by(&prefix, filter);
        // Checked in the order failures are ranked (distinctInstance, then
        // memberOf), so an instance's first failure is also its furthest.
        let mut constraints: Vec<CompiledConstraint> = constraints
            .iter()
            .map(|c| match c {
                Constraint::DistinctInstance => CompiledConstraint::DistinctInstance,
                Constraint::MemberOf(expression) => CompiledConstraint::MemberOf(self.add_expression(expression)),
            })
            .collect();
        constraints.sort_by_key(|c| matches!(c, CompiledConstraint::MemberOf(_)));
        PlacementPlan { partitioned_levels: prefix.len(), levels, partition_spec, constraints }
    }

    /// True when some compiled memberOf depends on the tasks on an instance
    /// (`task:group`, `runningTasksCount`) rather than on fixed facts.
    pub fn has_dynamic_expressions(&self) -> bool {
        self.expressions.list.iter().any(|(_, is_static)| !is_static)
    }

    fn add_expression(&mut self, expression: &Expression) -> usize {
        if let Some(i) = self.expressions.list.iter().position(|(e, _)| e.source() == expression.source()) {
            return i;
        }
        self.expressions.list.push((expression.clone(), expression.is_static()));
        self.expressions.cache.push(Vec::new());
        self.expressions.list.len() - 1
    }

    fn member_of(&mut self, cluster: &Cluster, instance: &Instance, expression: usize) -> bool {
        let (expr, is_static) = &self.expressions.list[expression];
        let view = InstanceView { cluster, instance };
        if !is_static {
            return expr.evaluate(&view);
        }
        let cache = &mut self.expressions.cache[expression];
        let slot = instance.id.0 as usize;
        if cache.len() <= slot {
            cache.resize(cluster.instances.len().max(slot + 1), 0);
        }
        if cache[slot] == 0 {
            cache[slot] = 1 + u8::from(expr.evaluate(&view));
        }
        cache[slot] == 2
    }

    /// The full ECS filter: resources, then constraints.
    pub fn check(&mut self, cluster: &Cluster, instance: &Instance, task: &TaskNeeds<'_>) -> Result<(), Rejection> {
        check_resources(instance, task)?;
        for &constraint in &task.plan.constraints {
            match constraint {
                CompiledConstraint::DistinctInstance => {
                    if instance.group_count(task.group) > 0 {
                        return Err(Rejection::DistinctInstance);
                    }
                }
                CompiledConstraint::MemberOf(expression) => {
                    if !self.member_of(cluster, instance, expression) {
                        return Err(Rejection::MemberOf);
                    }
                }
            }
        }
        Ok(())
    }

    fn fits(&mut self, cluster: &Cluster, id: InstanceId, task: &TaskNeeds<'_>) -> bool {
        self.check(cluster, &cluster.instances[id.0 as usize], task).is_ok()
    }

    /// Whether an instance the resource index lists (enough CPU and memory)
    /// takes the task. When the task has no static host port, no ENI to
    /// attach and no constraint, CPU and memory are all there is to check.
    fn fits_listed(&mut self, cluster: &Cluster, id: InstanceId, task: &TaskNeeds<'_>) -> bool {
        let resources_decide = task.host_ports.is_empty() && !task.awsvpc && task.plan.constraints.is_empty();
        resources_decide || self.fits(cluster, id, task)
    }

    /// Chooses an instance for the task, or `None` when no instance can take
    /// it (then [`closest_rejection`](Placer::closest_rejection) says why).
    /// Under a chain that [spreads by instance](PlacementPlan::spreads_by_instance)
    /// the cluster starts bucketing the task's group on first use.
    pub fn select(&mut self, cluster: &mut Cluster, task: &TaskNeeds<'_>) -> Option<InstanceId> {
        let plan = task.plan;
        if plan.spreads_by_instance() {
            cluster.track_group_spread(plan.partition_spec, task.group);
        }
        let cluster = &*cluster;
        let (max_cpu, max_memory) = cluster.index.max_free();
        if max_cpu < task.cpu || max_memory < task.memory {
            return None;
        }
        let spec = cluster.index.spec(plan.partition_spec);
        let prefix = &plan.levels[..plan.partitioned_levels];
        // Rank partitions by the group's count on their attribute values.
        let mut ranked = std::mem::take(&mut self.ranked);
        ranked.clear();
        ranked.extend(spec.partitions.iter().enumerate().filter(|(_, p)| !p.members.is_empty()).map(|(i, p)| {
            let mut key = [0; 5];
            for (slot, (level, value)) in key.iter_mut().zip(prefix.iter().zip(&p.key)) {
                if let Level::GroupOnValue(attr) = level {
                    *slot = u64::from(cluster.spread_count(task.group, *attr, *value));
                }
            }
            (key, i)
        }));
        ranked.sort_unstable();
        let dynamic = &plan.levels[plan.partitioned_levels..];
        let mut class = std::mem::take(&mut self.class);
        let mut chosen = None;
        let mut start = 0;
        while start < ranked.len() {
            let end = start + ranked[start..].iter().take_while(|(k, _)| *k == ranked[start].0).count();
            class.clear();
            class.extend(ranked[start..end].iter().map(|(_, p)| *p));
            chosen = self.select_in_class(cluster, task, &class, dynamic);
            if chosen.is_some() {
                break;
            }
            start = end;
        }
        self.ranked = ranked;
        self.class = class;
        chosen
    }

    /// Best instance among the partitions of one tie class.
    fn select_in_class(
        &mut self,
        cluster: &Cluster,
        task: &TaskNeeds<'_>,
        class: &[usize],
        levels: &[Level],
    ) -> Option<InstanceId> {
        match levels.first() {
            None => self.sample(cluster, task, class).or_else(|| self.enumerate_best(cluster, task, class, levels)),
            Some(Level::GroupOnInstance) if levels.len() == 1 => {
                let spec = cluster.index.spec(task.plan.partition_spec);
                match spec.group_spread(task.group) {
                    Some(spread) => self.fewest_of_group(cluster, task, class, spread),
                    None => self.enumerate_best(cluster, task, class, levels),
                }
            }
            Some(&level @ (Level::FreeCpu | Level::FreeMemory)) => {
                self.binpack(cluster, task, class, level, &levels[1..])
            }
            Some(_) => self.enumerate_best(cluster, task, class, levels),
        }
    }

    /// Random draws over the class, accepting the first instance that fits.
    fn sample(&mut self, cluster: &Cluster, task: &TaskNeeds<'_>, class: &[usize]) -> Option<InstanceId> {
        let spec = cluster.index.spec(task.plan.partition_spec);
        self.draw_fitting(cluster, task, class.iter().map(|&p| spec.partitions[p].members.as_slice()), |_| true)
    }

    /// Up to [`SAMPLE_TRIES`] uniform draws over the union of `sets`, the
    /// first that is `wanted` and fits the task accepted: uniform over those.
    fn draw_fitting<'c>(
        &mut self,
        cluster: &Cluster,
        task: &TaskNeeds<'_>,
        sets: impl Iterator<Item = &'c [InstanceId]> + Clone,
        wanted: impl Fn(InstanceId) -> bool,
    ) -> Option<InstanceId> {
        let total: usize = sets.clone().map(<[InstanceId]>::len).sum();
        if total == 0 {
            return None;
        }
        for _ in 0..SAMPLE_TRIES {
            let mut draw = self.rng.gen_range(0..total);
            for set in sets.clone() {
                if draw < set.len() {
                    if wanted(set[draw]) && self.fits(cluster, set[draw], task) {
                        return Some(set[draw]);
                    }
                    break;
                }
                draw -= set.len();
            }
        }
        None
    }

    /// Up to [`SAMPLE_TRIES`] uniform draws over the class's instances with
    /// enough of the scarcer resource (read off the fit index that has fewer
    /// of them), the first that is `wanted` and fits accepted: uniform over
    /// those, and likely to find one when most instances are full.
    fn draw_with_resources(
        &mut self,
        cluster: &Cluster,
        task: &TaskNeeds<'_>,
        class: &[usize],
        wanted: impl Fn(InstanceId) -> bool,
    ) -> Option<InstanceId> {
        let spec = cluster.index.spec(task.plan.partition_spec);
        let scarcer = |p: usize| scarcer_index(&spec.partitions[p], task.cpu, task.memory);
        let total: usize = class.iter().map(|&p| scarcer(p).2).sum();
        if total == 0 {
            return None;
        }
        for _ in 0..SAMPLE_TRIES {
            let mut draw = self.rng.gen_range(0..total);
            for &p in class {
                let (index, from, enough, _) = scarcer(p);
                if draw < enough {
                    let id = index.nth_from(from, draw).map(|((_, id), _)| id)?;
                    if wanted(id) && self.fits(cluster, id, task) {
                        return Some(id);
                    }
                    break;
                }
                draw -= enough;
            }
        }
        None
    }

    /// `spread(instanceId)` as the last level: the instances with the fewest
    /// of the group's tasks first, random among equals. While most instances
    /// hold none of the group's tasks, random draws look for one of those
    /// that fits, first among all instances, then among those with the
    /// resources. Once the group's buckets include count 0, they are walked
    /// upward: draws in a bucket find a fitting member at once unless most of
    /// it is full; when they miss, the bucket is listed, or, when fewer
    /// instances have the resources than the bucket holds, those are ranked.
    fn fewest_of_group(
        &mut self,
        cluster: &Cluster,
        task: &TaskNeeds<'_>,
        class: &[usize],
        spread: &GroupSpread,
    ) -> Option<InstanceId> {
        let spec = cluster.index.spec(task.plan.partition_spec);
        let rank_all = [Level::GroupOnInstance];
        if !spread.zero_bucketed() {
            let none_of_group = |id: InstanceId| cluster.instances[id.0 as usize].group_count(task.group) == 0;
            let sets = class.iter().map(|&p| spec.partitions[p].members.as_slice());
            return self
                .draw_fitting(cluster, task, sets, none_of_group)
                .or_else(|| self.draw_with_resources(cluster, task, class, none_of_group))
                .or_else(|| self.enumerate_best(cluster, task, class, &rank_all));
        }
        let depth = class.iter().map(|&p| spread.depth(p)).max().unwrap_or(0);
        for count in 0..depth {
            let bucket = || class.iter().map(move |&p| spread.bucket(p, count));
            let in_bucket: usize = bucket().map(<[InstanceId]>::len).sum();
            if in_bucket == 0 {
                continue;
            }
            if let Some(id) = self.draw_fitting(cluster, task, bucket(), |_| true) {
                return Some(id);
            }
            let with_resources: usize =
                class.iter().map(|&p| scarcer_index(&spec.partitions[p], task.cpu, task.memory).2).sum();
            if with_resources < in_bucket {
                // No lower count has a fitting member, so ranking the
                // instances with the resources finds this count or a higher one.
                return self.enumerate_best(cluster, task, class, &rank_all);
            }
            let mut fitting = std::mem::take(&mut self.candidates);
            fitting.clear();
            for set in bucket() {
                for &id in set {
                    if self.fits(cluster, id, task) {
                        fitting.push(id);
                    }
                }
            }
            let chosen = (!fitting.is_empty()).then(|| fitting[self.rng.gen_range(0..fitting.len())]);
            self.candidates = fitting;
            if chosen.is_some() {
                return chosen;
            }
        }
        None
    }

    /// Binpack: the packed resource's index lists, from the task's need
    /// upward, the instances that also have enough of the other resource
    /// (skipping whole blocks that have none); the first of them that passes every
    /// check fixes the best key. Ties on the best key are then ranked by the
    /// remaining levels.
    fn binpack(
        &mut self,
        cluster: &Cluster,
        task: &TaskNeeds<'_>,
        class: &[usize],
        level: Level,
        rest: &[Level],
    ) -> Option<InstanceId> {
        let spec = cluster.index.spec(task.plan.partition_spec);
        let on_cpu = level == Level::FreeCpu;
        let (need, other_need) = if on_cpu { (task.cpu, task.memory) } else { (task.memory, task.cpu) };
        let packed = |p: usize| packed_index(&spec.partitions[p], on_cpu);
        let mut best: Option<u32> = None;
        for &p in class {
            for (value, id) in packed(p).fits_from((need, InstanceId(0)), other_need) {
                if best.is_some_and(|b| value >= b) {
                    break;
                }
                if self.fits_listed(cluster, id, task) {
                    best = Some(value);
                    break;
                }
            }
        }
        let best = best?;
        if rest.is_empty() {
            if let Some(id) = self.draw_tie(cluster, task, class, on_cpu, best) {
                return Some(id);
            }
        }
        let mut ties = std::mem::take(&mut self.candidates);
        ties.clear();
        for &p in class {
            let at_best = packed(p).fits_from((best, InstanceId(0)), other_need);
            for (_, id) in at_best.take_while(|&(value, _)| value == best) {
                if self.fits_listed(cluster, id, task) {
                    ties.push(id);
                }
            }
        }
        let chosen = self.best_of(cluster, task.group, &ties, rest);
        self.candidates = ties;
        chosen
    }

    /// One uniform draw among the class's instances whose packed resource is
    /// exactly `best`, kept when it has enough of the other resource and
    /// fits: the tied best instances without listing them (empty instances
    /// of one type tie by the thousand in a large cluster). When every tied
    /// instance fits, this is the very draw and choice the listing makes (one
    /// draw over the same instances in the same order). When the drawn one
    /// does not fit, the draw is taken back (the stream is restored) and
    /// `None` returned, so that the caller's listing draws exactly as before:
    /// results are the same either way, and options of a sweep keep drawing
    /// in step.
    fn draw_tie(
        &mut self,
        cluster: &Cluster,
        task: &TaskNeeds<'_>,
        class: &[usize],
        on_cpu: bool,
        best: u32,
    ) -> Option<InstanceId> {
        let spec = cluster.index.spec(task.plan.partition_spec);
        let other_need = if on_cpu { task.memory } else { task.cpu };
        let packed = |p: usize| packed_index(&spec.partitions[p], on_cpu);
        let (from, to) = ((best, InstanceId(0)), (best.checked_add(1)?, InstanceId(0)));
        let mut tied = std::mem::take(&mut self.tied);
        tied.clear();
        tied.extend(class.iter().map(|&p| packed(p).count_between(from, to)));
        let total: usize = tied.iter().sum();
        let mut chosen = None;
        if total > 0 {
            let before = self.rng.clone();
            let mut draw = self.rng.gen_range(0..total);
            for (&p, &here) in class.iter().zip(&tied) {
                if draw < here {
                    chosen = packed(p)
                        .nth_from(from, draw)
                        .filter(|&(_, other)| other >= other_need)
                        .map(|((_, id), _)| id)
                        .filter(|&id| self.fits_listed(cluster, id, task));
                    break;
                }
                draw -= here;
            }
            if chosen.is_none() {
                self.rng = before;
            }
        }
        self.tied = tied;
        chosen
    }

    /// Enumerates every fitting instance of the class and ranks them.
    fn enumerate_best(
        &mut self,
        cluster: &Cluster,
        task: &TaskNeeds<'_>,
        class: &[usize],
        levels: &[Level],
    ) -> Option<InstanceId> {
        let spec = cluster.index.spec(task.plan.partition_spec);
        let mut fitting = std::mem::take(&mut self.candidates);
        fitting.clear();
        for &p in class {
            let start = fitting.len();
            with_enough_resources(&spec.partitions[p], task.cpu, task.memory, &mut fitting);
            let mut keep = start;
            for i in start..fitting.len() {
                if self.fits_listed(cluster, fitting[i], task) {
                    fitting[keep] = fitting[i];
                    keep += 1;
                }
            }
            fitting.truncate(keep);
        }
        let chosen = self.best_of(cluster, task.group, &fitting, levels);
        self.candidates = fitting;
        chosen
    }

    /// The best of `candidates` by `levels`, random among equals.
    fn best_of(
        &mut self,
        cluster: &Cluster,
        group: GroupId,
        candidates: &[InstanceId],
        levels: &[Level],
    ) -> Option<InstanceId> {
        if candidates.is_empty() {
            return None;
        }
        if levels.is_empty() {
            return Some(candidates[self.rng.gen_range(0..candidates.len())]);
        }
        let keys: Vec<Key> =
            candidates.iter().map(|&id| rank_key(cluster, &cluster.instances[id.0 as usize], group, levels)).collect();
        let best = *keys.iter().min()?;
        let ties = keys.iter().filter(|&&k| k == best).count();
        let nth = self.rng.gen_range(0..ties);
        candidates.iter().zip(&keys).filter(|(_, &k)| k == best).nth(nth).map(|(&id, _)| id)
    }

    /// The reason ECS would give: that of the instance which passed the most
    /// checks. Only instances with enough CPU and memory can get further than
    /// a resource shortage, so only those (found through the indexes) are checked.
    pub fn closest_rejection(&mut self, cluster: &Cluster, task: &TaskNeeds<'_>) -> Rejection {
        let Some(all) = cluster.index.everything().filter(|p| !p.members.is_empty()) else {
            return Rejection::NoInstances;
        };
        if all.by_cpu.count_from((task.cpu, InstanceId(0))) == 0 {
            return Rejection::Cpu;
        }
        let mut candidates = Vec::new();
        with_enough_resources(all, task.cpu, task.memory, &mut candidates);
        let mut furthest = Rejection::Memory;
        for id in candidates {
            if let Err(reason) = self.check(cluster, &cluster.instances[id.0 as usize], task) {
                furthest = furthest.max(reason);
            }
        }
        furthest
    }
}

/// The partition's index ordered by free CPU (`on_cpu`) or free memory.
fn packed_index(partition: &Partition, on_cpu: bool) -> &FitIndex {
    if on_cpu {
        &partition.by_cpu
    } else {
        &partition.by_memory
    }
}

/// Of the partition's two indexes, the one with fewer instances that have
/// enough of its own resource (CPU on a tie), for a need of `cpu` units and
/// `memory` MiB: that index, the key those instances start from, how many
/// they are (at least as many as have enough of both), and the need in the
/// index's other resource.
fn scarcer_index(partition: &Partition, cpu: u32, memory: u32) -> (&FitIndex, FitKey, usize, u32) {
    let (cpu_from, memory_from) = ((cpu, InstanceId(0)), (memory, InstanceId(0)));
    let enough_cpu = partition.by_cpu.count_from(cpu_from);
    let enough_memory = partition.by_memory.count_from(memory_from);
    if enough_cpu <= enough_memory {
        (&partition.by_cpu, cpu_from, enough_cpu, memory)
    } else {
        (&partition.by_memory, memory_from, enough_memory, cpu)
    }
}

/// Appends the partition's instances with at least `cpu` free CPU units and
/// `memory` free MiB, in the order of whichever index has fewer instances
/// with enough of its own resource (CPU on a tie). Only the instances with
/// enough of both are visited (whole blocks without one are skipped).
pub fn with_enough_resources(partition: &Partition, cpu: u32, memory: u32, out: &mut Vec<InstanceId>) {
    let (index, from, _, other_need) = scarcer_index(partition, cpu, memory);
    out.extend(index.fits_from(from, other_need).map(|(_, id)| id));
}

/// The plain definition of ECS placement, for tests: scan every instance,
/// filter, rank by the whole chain, and return all best candidates (sorted)
/// or the closest rejection.
pub fn reference_best(
    cluster: &Cluster,
    placer: &mut Placer,
    task: &TaskNeeds<'_>,
) -> Result<Vec<InstanceId>, Rejection> {
    let mut fitting = Vec::new();
    let mut furthest: Option<Rejection> = None;
    for instance in cluster.instances.iter().filter(|i| i.is_placeable()) {
        match placer.check(cluster, instance, task) {
            Ok(()) => fitting.push(instance.id),
            Err(reason) => furthest = Some(furthest.map_or(reason, |f| f.max(reason))),
        }
    }
    if fitting.is_empty() {
        return Err(furthest.unwrap_or(Rejection::NoInstances));
    }
    let keys: Vec<Key> = fitting
        .iter()
        .map(|&id| rank_key(cluster, &cluster.instances[id.0 as usize], task.group, &task.plan.levels))
        .collect();
    let best = keys.iter().min().copied().unwrap_or_default();
    Ok(fitting.into_iter().zip(keys).filter(|(_, k)| *k == best).map(|(id, _)| id).collect())
}
