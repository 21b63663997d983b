//! What happens in a run: the events of the simulation's queue.

use super::task::TaskRef;
use crate::cluster::InstanceId;

/// What happens in a run.
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    /// The workload's next submission is due.
    Submission(usize),
    /// PROVISIONING/PENDING → RUNNING.
    Running(TaskRef),
    /// The essential container exits: RUNNING → STOPPING.
    Exited(TaskRef),
    /// STOPPING → STOPPED; resources are released.
    Stopped(TaskRef),
    /// A waiting task gives up.
    WaitExpired(TaskRef),
    /// A released DAG submission reaches its own arrival time (its key in
    /// the deferred map).
    Deferred(u64),
    /// Capacity was freed: retry waiting tasks.
    RetryWaiting,
    /// The service scheduler looks at a service.
    ServiceEvaluate(usize),
    /// A service task passes its health checks.
    Healthy(TaskRef),
    /// A service task fails its health checks.
    HealthFailed(TaskRef),
    /// A task's target deregistration finished: DEACTIVATING → STOPPING.
    Deregistered(TaskRef),
    /// A timed UpdateService call (index into the scenario's updates).
    ServiceUpdate(usize),
    /// A blue/green deployment moves traffic (service, deployment id, step),
    /// as `u32`s so that no event outgrows 16 bytes (see the test below).
    TrafficStep(u32, u32, u32),
    /// A blue/green deployment's bake (or termination wait) ends.
    BakeDone(usize, u32),
    /// An EC2 instance fails.
    InstanceFailure(InstanceId),
    /// EC2 sends a Spot interruption notice.
    SpotNotice(InstanceId),
    /// EC2 reclaims a Spot instance.
    SpotReclaim(InstanceId),
    /// Fargate interrupts a FARGATE_SPOT task.
    FargateSpotNotice(TaskRef),
    /// A zone outage begins (index into the scenario's outages).
    ZoneOutage(usize),
    /// A zone outage ends.
    ZoneRecovery(usize),
    /// A launched instance registers (index into the launches).
    InstanceLaunch(usize),
    /// The once-a-minute auto scaling pass.
    ScalingTick,
}

#[cfg(test)]
mod tests {
    /// The queue holds hundreds of thousands of events in a large run; at 16
    /// bytes an entry (time, sequence, event) is 32, two to a cache line.
    #[test]
    fn an_event_takes_at_most_16_bytes() {
        let size = size_of::<super::Event>();
        assert!(size <= 16, "an event takes {size} bytes");
    }
}
