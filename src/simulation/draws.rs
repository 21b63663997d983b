//! Random draws keyed by the entity that makes them, so that the options of a
//! sweep see the same randomness for the same purpose (common random numbers).
//!
//! Each instance is known by its fleet's name and its launch ordinal in that
//! fleet (the fleet's 1st, 2nd, ... instance); each task by its owner's name
//! and its ordinal among the tasks that owner created. An instance's failure
//! time, a task's start delay or its crash time then depend only on the run
//! seed, the purpose and that identity: placing tasks elsewhere, or adding a
//! fleet, does not shift them. docs/comparisons.md says which comparisons
//! this keeps aligned.

use crate::cluster::InstanceId;
use crate::engine::{entity_key, EntityRng};
use crate::record::Owner;
use crate::scenario::Scenario;

/// What a keyed draw is for; each purpose is its own sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// An EC2 instance's time to failure (MTBF).
    InstanceFailure,
    /// An EC2 Spot instance's time to its interruption notice.
    SpotNotice,
    /// How long an Auto Scaling group takes to launch an instance.
    InstanceLaunch,
    /// How long a failed instance's replacement takes.
    Replacement,
    /// A task's ENI attachment, image pull and container start.
    TaskStart,
    /// A task's time from STOPPING to STOPPED.
    TaskStop,
    /// Whether a service task fails to start or fails its health checks.
    TaskHealth,
    /// A service task's time to crash.
    TaskCrash,
    /// A FARGATE_SPOT task's time to its interruption.
    FargateSpotNotice,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::InstanceFailure => "instance-failure",
            Purpose::SpotNotice => "spot-notice",
            Purpose::InstanceLaunch => "instance-launch",
            Purpose::Replacement => "instance-replacement",
            Purpose::TaskStart => "task-start",
            Purpose::TaskStop => "task-stop",
            Purpose::TaskHealth => "task-health",
            Purpose::TaskCrash => "task-crash",
            Purpose::FargateSpotNotice => "fargate-spot-notice",
        }
    }
}

/// The identities behind keyed draws, and the run seed they mix with.
#[derive(Debug, Clone)]
pub(super) struct Draws {
    seed: u64,
    /// Instances launched (or asked for) so far, per fleet.
    fleet_launches: Vec<u64>,
    /// Each instance's key, by [`InstanceId`].
    instance_keys: Vec<u64>,
    /// Tasks created so far, per workload, then per service.
    workload_tasks: Vec<u64>,
    service_tasks: Vec<u64>,
}

impl Draws {
    pub(super) fn new(scenario: &Scenario) -> Draws {
        Draws {
            seed: scenario.seed,
            fleet_launches: vec![0; scenario.fleets.len()],
            instance_keys: Vec::new(),
            workload_tasks: vec![0; scenario.workloads.len()],
            service_tasks: vec![0; scenario.services.len()],
        }
    }

    /// The key of the next instance `fleet` launches, counting it.
    pub(super) fn next_launch(&mut self, scenario: &Scenario, fleet: usize) -> u64 {
        let ordinal = self.fleet_launches[fleet];
        self.fleet_launches[fleet] += 1;
        entity_key(&scenario.fleets[fleet].name, ordinal)
    }

    /// Records the key of a registered instance.
    pub(super) fn set_instance_key(&mut self, id: InstanceId, key: u64) {
        let index = id.0 as usize;
        if self.instance_keys.len() <= index {
            self.instance_keys.resize(index + 1, 0);
        }
        self.instance_keys[index] = key;
    }

    /// The key of an instance.
    pub(super) fn instance_key(&self, id: InstanceId) -> u64 {
        self.instance_keys[id.0 as usize]
    }

    /// The key the next task `owner` creates will have (not yet counted:
    /// a service's launch that cannot be placed creates no task).
    pub(super) fn next_task(&self, scenario: &Scenario, owner: Owner) -> u64 {
        match owner {
            Owner::Workload(w) => entity_key(&scenario.workloads[w].name, self.workload_tasks[w]),
            Owner::Service(s) => entity_key(&scenario.services[s].def.name, self.service_tasks[s]),
        }
    }

    /// Counts a task `owner` created.
    pub(super) fn count_task(&mut self, owner: Owner) {
        match owner {
            Owner::Workload(w) => self.workload_tasks[w] += 1,
            Owner::Service(s) => self.service_tasks[s] += 1,
        }
    }

    /// The draws for `purpose` of the entity with `key`.
    pub(super) fn rng(&self, purpose: Purpose, key: u64) -> EntityRng {
        EntityRng::new(self.seed, purpose.name(), key)
    }
}
