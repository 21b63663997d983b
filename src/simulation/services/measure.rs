//! What a service records: per-sample demand, capacity and availability,
//! its figures over the run, and its rows of the deployment and event logs.

use super::SampleFacts;
use crate::engine::SimTime;
use crate::metrics::Served;
use crate::record::{
    DeploymentRecord, EventRecord, EventSubject, Owner, ServiceReport, ServiceSample, StopCode, TaskStatus,
};
use crate::scheduler::{Deployment, DeploymentKind, DeploymentOutcome, RolloutState};
use crate::simulation::task::TaskRef;
use crate::simulation::Simulation;

/// The union of the trouble the services show at one sample.
#[derive(Debug)]
struct AnyTrouble {
    facts: SampleFacts,
}

impl Default for AnyTrouble {
    fn default() -> AnyTrouble {
        let served = Served { time: SimTime::ZERO, demand: 0.0, served: 0.0 };
        AnyTrouble { facts: SampleFacts { served, below_desired: false, overloaded: false, cpu_pct: None, ratio: 1.0 } }
    }
}

impl AnyTrouble {
    fn merge(&mut self, other: &SampleFacts) {
        let facts = &mut self.facts;
        facts.below_desired |= other.below_desired;
        facts.overloaded |= other.overloaded;
        facts.cpu_pct = match (facts.cpu_pct, other.cpu_pct) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

impl Simulation<'_> {
    /// One sample of every service: demand, what the healthy tasks serve,
    /// and the counts behind availability.
    pub(in crate::simulation) fn sample_services(&mut self, time: SimTime, registered_cpu: u64) {
        let dt = self.scenario.sample_interval;
        self.registered_cpu_ms += registered_cpu as f64 * dt.0 as f64;
        // The run is in trouble at this sample when any measured service is.
        let mut any_trouble = AnyTrouble::default();
        for service in 0..self.services.len() {
            let spec = &self.scenario.services[service];
            let state = &self.services[service];
            let primary = &state.deployments[state.primary()];
            let green_share = primary.traffic_percent() / 100.0;
            let blue_green =
                matches!(primary.kind, DeploymentKind::BlueGreen { .. }) && primary.rollout == RolloutState::InProgress;
            let tally = &state.tally;
            let running = tally.count(|k| k.state == TaskStatus::Running);
            let healthy = tally.count(|k| k.state == TaskStatus::Running && k.healthy);
            let green = tally.count(|k| k.state == TaskStatus::Running && k.healthy && k.deployment == primary.id);
            let blue = healthy - green;
            let reserved_cpu: u64 =
                tally.by_key.iter().filter(|(k, _)| k.state != TaskStatus::Stopped).map(|(_, t)| t.ec2_cpu).sum();
            let capacity_per_task = spec.capacity_per_task;
            let capacity = f64::from(healthy) * capacity_per_task;
            let desired = state.desired;
            let demand = spec.demand.as_ref().map(|d| d.at(time));
            let served = match demand {
                None => None,
                Some(d) if blue_green => Some(
                    (d * (1.0 - green_share)).min(f64::from(blue) * capacity_per_task)
                        + (d * green_share).min(f64::from(green) * capacity_per_task),
                ),
                Some(d) => Some(d.min(capacity)),
            };
            let state = &mut self.services[service];
            state.reserved_cpu_ms += reserved_cpu as f64 * dt.0 as f64;
            let measuring = state.measuring;
            // Without a demand curve, availability is healthy tasks over desired.
            let (d, s) = match (demand, served) {
                (Some(d), Some(s)) => (d, s),
                _ => (f64::from(desired), f64::from(healthy.min(desired))),
            };
            // Each running task carries an equal share of the demand, as the
            // published CPUUtilization has it (simulation/scaling.rs).
            let cpu_pct = demand.map(|d| match running {
                0 if d > 0.0 => 100.0,
                0 => 0.0,
                n => (100.0 * d / (f64::from(n) * capacity_per_task)).min(100.0),
            });
            let facts = SampleFacts {
                served: Served { time, demand: d, served: s },
                below_desired: healthy < desired,
                overloaded: demand.is_some_and(|d| d > capacity + 1e-9),
                cpu_pct,
                ratio: if desired == 0 { 1.0 } else { f64::from(running) / f64::from(desired) },
            };
            state.since_start.add(dt, &facts);
            if measuring {
                state.since_steady.add(dt, &facts);
                any_trouble.merge(&facts);
            }
            let in_progress = state.deployments.iter().any(|d| d.rollout == RolloutState::InProgress);
            self.recorder.service_sample(ServiceSample {
                time,
                service,
                desired,
                running,
                healthy,
                demand,
                capacity,
                served,
                availability_pct: if d > 0.0 { 100.0 * s / d } else { 100.0 },
                deployment_in_progress: in_progress,
            });
        }
        self.trouble.add(dt, &any_trouble.facts);
    }

    /// Each service's figures over the run, in scenario order.
    pub(in crate::simulation) fn service_reports(&self, end: SimTime) -> Vec<ServiceReport> {
        let ec2_cost = self.summary.costs.ec2();
        self.services
            .iter()
            .enumerate()
            .map(|(service, state)| {
                let running_end =
                    state.tasks.values().filter(|t| self.tasks[t.slot as usize].state == TaskStatus::Running).count();
                let exposure = state.exposure();
                let mut ratios = exposure.ratios.clone();
                ratios.sort_by(f64::total_cmp);
                let quantile = |q: f64| {
                    let rank = ((q * ratios.len() as f64).ceil() as usize).clamp(1, ratios.len());
                    ratios[rank - 1]
                };
                let updates = &state.deployments[1..];
                let count = |f: &dyn Fn(&Deployment) -> bool| updates.iter().filter(|d| f(d)).count() as u64;
                let durations: Vec<f64> =
                    updates.iter().map(|d| d.ended.unwrap_or(end).since(d.started).as_secs_f64()).collect();
                let deployment_seconds = (!durations.is_empty()).then(|| {
                    let mean = durations.iter().sum::<f64>() / durations.len() as f64;
                    (mean, durations.iter().copied().fold(f64::MIN, f64::max))
                });
                let share = if self.registered_cpu_ms > 0.0 {
                    ec2_cost * state.reserved_cpu_ms / self.registered_cpu_ms
                } else {
                    0.0
                };
                ServiceReport {
                    service,
                    desired_end: state.desired,
                    running_end: running_end as u32,
                    availability_pct: state.availability_pct(),
                    incidents: exposure.incidents(self.scenario.sample_interval, self.scenario.slo),
                    running_to_desired: (!ratios.is_empty()).then(|| (quantile(0.01), quantile(0.99))),
                    counts: state.counts,
                    deployments: updates.len() as u64,
                    deployments_completed: count(&|d| d.rollout == RolloutState::Completed),
                    deployments_failed: count(&|d| {
                        d.rollout == RolloutState::Failed && d.outcome != Some(DeploymentOutcome::Superseded)
                    }),
                    deployments_rolled_back: count(&|d| d.outcome == Some(DeploymentOutcome::RolledBack)),
                    deployments_stuck: count(&|d| d.reported_stuck),
                    deployment_seconds,
                    cost_usd: share + state.fargate_cost,
                    fargate_cost_usd: state.fargate_cost,
                    commitments: None,
                }
            })
            .collect()
    }

    /// Records a deployment step.
    pub(super) fn log_deployment(
        &mut self,
        service: usize,
        deployment: usize,
        now: SimTime,
        event: &'static str,
        detail: &str,
    ) {
        if !self.recorder.keeps_deployments() {
            return;
        }
        let state = &self.services[service];
        let d = &state.deployments[deployment];
        let tally = &state.tally;
        let new_running = tally.count(|k| k.state == TaskStatus::Running && k.deployment == d.id);
        let new_healthy = tally.count(|k| k.state == TaskStatus::Running && k.deployment == d.id && k.healthy);
        let old_running = tally.count(|k| k.state == TaskStatus::Running && k.deployment != d.id);
        let record = DeploymentRecord {
            time: now,
            service,
            deployment: d.id,
            task_definition: d.task_definition,
            event,
            desired: state.desired,
            new_running,
            new_healthy,
            old_running,
            traffic_percent: d.traffic_percent(),
            detail: detail.to_string(),
        };
        self.recorder.deployment(record);
    }

    /// Records a task's row of the event log.
    pub(in crate::simulation) fn log_task(
        &mut self,
        now: SimTime,
        event: &'static str,
        task_ref: TaskRef,
        code: Option<StopCode>,
        detail: &str,
    ) {
        if !self.recorder.keeps_events() {
            return;
        }
        let task = &self.tasks[task_ref.slot as usize];
        let subject = EventSubject::Task {
            number: task.number,
            service: match task.owner {
                Owner::Service(s) => Some(s),
                Owner::Workload(_) => None,
            },
            task_definition: task.task_definition,
            instance: task.instance,
            zone: task.availability_zone,
        };
        self.recorder.event(EventRecord { time: now, event, subject, stop_code: code, detail: detail.to_string() });
    }

    /// Records a service's row of the event log.
    pub(super) fn log_service(&mut self, now: SimTime, event: &'static str, service: usize, detail: &str) {
        if self.recorder.keeps_events() {
            let subject = EventSubject::Service(service);
            self.recorder.event(EventRecord { time: now, event, subject, stop_code: None, detail: detail.to_string() });
        }
    }
}
