//! The task table: a live task's record, and references to its slot that go
//! stale once the slot is reused for another task.

use super::Simulation;
use crate::catalog::fargate::FargateSize;
use crate::cluster::{GroupId, InstanceId};
use crate::engine::{SimDuration, SimTime};
use crate::model::{LaunchType, NetworkMode};
use crate::placement::{PlacementPlan, TaskNeeds};
use crate::record::{Owner, StopCode, TaskOutcome, TaskStatus};
use crate::scenario::Scenario;

/// A live task. Slots are reused once a task is reported, so memory follows
/// live tasks, not the trace length.
#[derive(Debug, Clone)]
pub(super) struct Task {
    pub(super) generation: u32,
    pub(super) number: u64,
    pub(super) owner: Owner,
    /// Its key for keyed draws: owner and its ordinal among the owner's tasks.
    pub(super) draw_key: u64,
    /// The service deployment it belongs to (services only).
    pub(super) deployment: u32,
    /// Whether it passed its health checks (counts for minimumHealthyPercent).
    pub(super) healthy: bool,
    /// Drawn at launch from the task-start model: it stops before RUNNING.
    pub(super) fails_start: bool,
    /// Drawn at launch: it never passes its health checks.
    pub(super) fails_health: bool,
    /// Runs on FARGATE_SPOT.
    pub(super) spot: bool,
    /// The Auto Scaling group capacity provider it was assigned to.
    pub(super) capacity_provider: Option<usize>,
    /// How it ended (or is ending): outcome and stop code.
    pub(super) outcome: TaskOutcome,
    pub(super) stop_code: StopCode,
    pub(super) task_definition: usize,
    pub(super) plan: usize,
    pub(super) cpu: u32,
    pub(super) memory: u32,
    pub(super) group: GroupId,
    pub(super) launch_type: LaunchType,
    pub(super) fargate: Option<FargateSize>,
    pub(super) state: TaskStatus,
    pub(super) submitted: SimTime,
    pub(super) placed: Option<SimTime>,
    pub(super) pending: Option<SimTime>,
    pub(super) started: Option<SimTime>,
    pub(super) stopped: Option<SimTime>,
    pub(super) run_for: SimDuration,
    pub(super) instance: Option<InstanceId>,
    /// Its place in its instance's list of [`TasksByInstance`] while it holds
    /// resources there.
    pub(super) position_on_instance: u32,
    pub(super) availability_zone: Option<usize>,
    /// Its DAG node, when it came from a trace with dependencies.
    pub(super) dag: Option<u64>,
}

impl Task {
    /// What placement needs to know about the self.
    pub(super) fn needs<'a>(&self, scenario: &'a Scenario, plans: &'a [PlacementPlan]) -> TaskNeeds<'a> {
        let def = &scenario.task_definitions[self.task_definition];
        TaskNeeds {
            cpu: self.cpu,
            memory: self.memory,
            host_ports: &def.host_ports,
            awsvpc: def.network_mode == NetworkMode::Awsvpc,
            group: self.group,
            plan: &plans[self.plan],
        }
    }

    /// A task just asked for: PROVISIONING, not placed, ending as a
    /// completed RunTask task unless told otherwise.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn provisioning(
        (number, draw_key): (u64, u64),
        owner: Owner,
        task_definition: usize,
        plan: usize,
        (cpu, memory): (u32, u32),
        group: GroupId,
        (launch_type, fargate): (LaunchType, Option<FargateSize>),
        now: SimTime,
    ) -> Task {
        Task {
            generation: 0,
            number,
            owner,
            draw_key,
            deployment: 0,
            healthy: false,
            fails_start: false,
            fails_health: false,
            spot: false,
            capacity_provider: None,
            outcome: TaskOutcome::Completed,
            stop_code: StopCode::EssentialContainerExited,
            task_definition,
            plan,
            cpu,
            memory,
            group,
            launch_type,
            fargate,
            state: TaskStatus::Provisioning,
            submitted: now,
            placed: None,
            pending: None,
            started: None,
            stopped: None,
            run_for: SimDuration::ZERO,
            instance: None,
            position_on_instance: 0,
            availability_zone: None,
            dag: None,
        }
    }
}

/// A reference to a task slot that is stale once the slot is reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct TaskRef {
    pub(super) slot: u32,
    pub(super) generation: u32,
}

/// The status ECS would show at `now`: a placed task is still PROVISIONING
/// while its ENI attaches.
pub(super) fn last_status(task: &Task, now: SimTime) -> TaskStatus {
    match (task.state, task.pending) {
        (TaskStatus::Pending, Some(pending)) if pending > now => TaskStatus::Provisioning,
        (state, _) => state,
    }
}

/// The tasks holding resources on each instance (placed, not yet
/// released), so that whatever happens to an instance touches its own tasks
/// only, never the whole task table.
#[derive(Debug, Default)]
pub(super) struct TasksByInstance {
    lists: Vec<Vec<TaskRef>>,
}

impl TasksByInstance {
    /// The tasks on an instance, in no particular order.
    pub(super) fn on(&self, id: InstanceId) -> &[TaskRef] {
        self.lists.get(id.0 as usize).map_or(&[], Vec::as_slice)
    }
}

impl Simulation<'_> {
    /// Lists a task just placed on an instance.
    pub(super) fn attach_to_instance(&mut self, task_ref: TaskRef, id: InstanceId) {
        let lists = &mut self.tasks_by_instance.lists;
        if lists.len() <= id.0 as usize {
            lists.resize_with(id.0 as usize + 1, Vec::new);
        }
        let list = &mut lists[id.0 as usize];
        self.tasks[task_ref.slot as usize].position_on_instance = list.len() as u32;
        list.push(task_ref);
    }

    /// Takes a task off its instance's list as its resources return.
    pub(super) fn detach_from_instance(&mut self, task_ref: TaskRef, id: InstanceId) {
        let position = self.tasks[task_ref.slot as usize].position_on_instance as usize;
        let list = &mut self.tasks_by_instance.lists[id.0 as usize];
        debug_assert_eq!(list.get(position), Some(&task_ref));
        list.swap_remove(position);
        if let Some(&moved) = list.get(position) {
            self.tasks[moved.slot as usize].position_on_instance = position as u32;
        }
    }

    /// The tasks holding resources on an instance, ordered by `key`.
    pub(super) fn tasks_on<K: Ord>(&self, id: InstanceId, key: impl Fn(TaskRef, &Task) -> K) -> Vec<TaskRef> {
        let mut list = self.tasks_by_instance.on(id).to_vec();
        list.sort_by_cached_key(|&t| key(t, &self.tasks[t.slot as usize]));
        list
    }

    pub(super) fn task(&self, task: TaskRef) -> Option<&Task> {
        self.tasks.get(task.slot as usize).filter(|t| t.generation == task.generation)
    }

    pub(super) fn store(&mut self, mut task: Task) -> TaskRef {
        match self.free_slots.pop() {
            Some(slot) => {
                task.generation = self.tasks[slot as usize].generation.wrapping_add(1);
                self.tasks[slot as usize] = task;
                TaskRef { slot, generation: self.tasks[slot as usize].generation }
            }
            None => {
                self.tasks.push(task);
                TaskRef { slot: (self.tasks.len() - 1) as u32, generation: 0 }
            }
        }
    }
}
