//! Deployments: rolling progress and completion, the circuit breaker and
//! rollback, timed UpdateService calls, and blue/green traffic shifts and bake.

use super::ServiceView;
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::scenario::service::DeploymentController;
use crate::scheduler::{
    circuit_breaker_threshold, deployment_kind, BlueGreenPhase, Deployment, DeploymentKind, DeploymentOutcome,
    DeploymentStatus, RolloutState,
};
use crate::simulation::event::Event;
use crate::simulation::Simulation;

impl Simulation<'_> {
    /// Marks the primary deployment COMPLETED when the service reached steady
    /// state, or reports it stuck when nothing can move.
    pub(super) fn check_rollout(
        &mut self,
        service: usize,
        now: SimTime,
        view: ServiceView,
        idle: bool,
    ) -> Result<(), Error> {
        let state = &self.services[service];
        let p = state.primary();
        let primary = &state.deployments[p];
        if primary.rollout != RolloutState::InProgress {
            return Ok(());
        }
        let phase_done = match &primary.kind {
            DeploymentKind::Rolling => true,
            DeploymentKind::BlueGreen { phase, .. } => *phase == BlueGreenPhase::CleaningUp,
        };
        let steady = phase_done
            && view.old_alive == 0
            && view.old_healthy == 0
            && view.old_unhealthy == 0
            && view.new_active == state.desired
            && view.new_healthy == state.desired;
        if steady {
            return self.complete_deployment(service, p, now);
        }
        // Blue/green: green fully healthy starts the traffic shift.
        if let DeploymentKind::BlueGreen { phase: BlueGreenPhase::ScalingUp, .. } = &primary.kind {
            if view.new_healthy >= state.desired && view.new_active >= state.desired {
                let id = primary.id;
                if let DeploymentKind::BlueGreen { phase, .. } = &mut self.services[service].deployments[p].kind {
                    *phase = BlueGreenPhase::Shifting;
                }
                self.log_deployment(service, p, now, "GREEN_READY", "all green tasks healthy");
                self.shift_traffic(service, id, 0, now)?;
            }
            return Ok(());
        }
        let stuck = idle && !state.waiting_for_capacity && view.old_healthy > 0;
        if stuck && !primary.reported_stuck {
            self.services[service].deployments[p].reported_stuck = true;
            self.log_deployment(
                service,
                p,
                now,
                "STUCK",
                "minimumHealthyPercent and maximumPercent allow neither a start nor a stop",
            );
        }
        Ok(())
    }

    /// The service reached a steady state on deployment `p`: it is
    /// COMPLETED, the older ones INACTIVE, and availability is measured from now.
    pub(super) fn complete_deployment(&mut self, service: usize, p: usize, now: SimTime) -> Result<(), Error> {
        let state = &mut self.services[service];
        let primary = &mut state.deployments[p];
        primary.rollout = RolloutState::Completed;
        primary.ended = Some(now);
        primary.outcome = Some(DeploymentOutcome::Completed);
        let detail = format!("steady state; {} tasks started, {} failed", primary.tasks_started, primary.tasks_failed);
        state.stable_task_definition = primary.task_definition;
        state.measuring = true;
        for (i, deployment) in state.deployments.iter_mut().enumerate() {
            if i != p {
                deployment.status = DeploymentStatus::Inactive;
            }
        }
        self.log_deployment(service, p, now, "COMPLETED", &detail);
        Ok(())
    }

    /// A task of `deployment` failed to start or failed its health checks:
    /// the circuit breaker counts it, and may fail the deployment and roll back.
    pub(super) fn count_failure(&mut self, service: usize, deployment: u32, now: SimTime) -> Result<(), Error> {
        let spec = &self.scenario.services[service];
        let state = &mut self.services[service];
        let p = state.primary();
        let Some(index) = state.deployments.iter().position(|d| d.id == deployment) else { return Ok(()) };
        state.deployments[index].tasks_failed += 1;
        let Some(breaker) = spec.def.deployment.circuit_breaker.as_ref().filter(|b| b.enable) else { return Ok(()) };
        if spec.def.controller != DeploymentController::Ecs {
            return Ok(());
        }
        let d = &mut state.deployments[index];
        if index != p || d.rollout != RolloutState::InProgress || !d.breaker_armed {
            return Ok(());
        }
        d.failed_tasks += 1;
        let threshold = circuit_breaker_threshold(state.desired, breaker);
        if d.failed_tasks < threshold {
            return Ok(());
        }
        d.rollout = RolloutState::Failed;
        d.ended = Some(now);
        d.outcome = Some(DeploymentOutcome::Failed);
        let detail = format!("{} failed tasks reached the threshold {threshold}", d.failed_tasks);
        let blue_green = matches!(d.kind, DeploymentKind::BlueGreen { .. });
        self.log_deployment(service, p, now, "CIRCUIT_BREAKER_TRIPPED", &detail);
        if !breaker.rollback {
            return Ok(());
        }
        let state = &mut self.services[service];
        state.deployments[p].status = DeploymentStatus::Active;
        state.deployments[p].outcome = Some(DeploymentOutcome::RolledBack);
        state.launch_failures = 0;
        state.next_launch = now;
        if blue_green {
            // Traffic never left blue: blue becomes primary again, green goes.
            if let Some(blue) = state.deployments[..p].iter().rposition(|d| d.status != DeploymentStatus::Inactive) {
                state.deployments[blue].status = DeploymentStatus::Primary;
                self.log_deployment(service, blue, now, "ROLLBACK", "blue keeps the traffic; green is removed");
            }
        } else {
            let id = state.deployments.len() as u32 + 1;
            let rollback = Deployment::new(id, state.stable_task_definition, DeploymentKind::Rolling, now);
            state.deployments.push(rollback);
            let index = state.deployments.len() - 1;
            self.log_deployment(service, index, now, "ROLLBACK", "redeploying the last completed deployment");
        }
        self.request_evaluation(service);
        Ok(())
    }

    /// A timed UpdateService call.
    pub(in crate::simulation) fn update_service(&mut self, index: usize, now: SimTime) -> Result<(), Error> {
        let update = self.scenario.service_updates[index].clone();
        let service = update.service;
        let spec = &self.scenario.services[service];
        if let Some(desired) = update.desired_count {
            self.services[service].desired = desired;
            let p = self.services[service].primary();
            self.log_deployment(service, p, now, "DESIRED_COUNT_CHANGED", &format!("desiredCount {desired}"));
        }
        if let Some(task_definition) = update.task_definition {
            let kind = deployment_kind(
                spec.def.controller == DeploymentController::CodeDeploy,
                spec.traffic_shift,
                &spec.def.deployment.strategy,
                spec.def.deployment.bake_time,
                spec.termination_wait,
            );
            let state = &mut self.services[service];
            for deployment in &mut state.deployments {
                if deployment.status == DeploymentStatus::Primary {
                    deployment.status = DeploymentStatus::Active;
                    if deployment.rollout == RolloutState::InProgress {
                        deployment.rollout = RolloutState::Failed;
                        deployment.ended = Some(now);
                        deployment.outcome = Some(DeploymentOutcome::Superseded);
                    }
                }
            }
            let id = state.deployments.len() as u32 + 1;
            state.deployments.push(Deployment::new(id, task_definition, kind, now));
            // A new task definition resets the launch back-off.
            state.launch_failures = 0;
            state.next_launch = now;
            let index = state.deployments.len() - 1;
            let name = self.scenario.task_definitions[task_definition].name();
            self.log_deployment(service, index, now, "CREATED", &format!("UpdateService to {name}"));
        }
        self.request_evaluation(service);
        Ok(())
    }

    /// Moves a blue/green deployment's traffic to its next step.
    pub(in crate::simulation) fn shift_traffic(
        &mut self,
        service: usize,
        deployment: u32,
        step: usize,
        now: SimTime,
    ) -> Result<(), Error> {
        let state = &mut self.services[service];
        let p = state.primary();
        let d = &mut state.deployments[p];
        if d.id != deployment || d.rollout != RolloutState::InProgress {
            return Ok(());
        }
        let DeploymentKind::BlueGreen { steps, bake, phase, green_percent } = &mut d.kind else { return Ok(()) };
        let Some(&(_, percent)) = steps.get(step) else { return Ok(()) };
        *green_percent = percent;
        let last = step + 1 == steps.len();
        let (bake, next) = (*bake, steps.get(step + 1).map(|s| s.0 .0.saturating_sub(steps[step].0 .0)));
        if last {
            *phase = BlueGreenPhase::Baking;
        }
        self.log_deployment(
            service,
            p,
            now,
            "TRAFFIC_SHIFTED",
            &format!("{percent:.1}% of production traffic on green"),
        );
        if last {
            self.queue.schedule_in(bake, Event::BakeDone(service, deployment));
        } else if let Some(gap) = next {
            self.queue.schedule_in(SimDuration(gap), Event::TrafficStep(service as u32, deployment, step as u32 + 1));
        }
        Ok(())
    }

    /// The bake (or CodeDeploy's termination wait) ended: blue goes.
    pub(in crate::simulation) fn bake_done(
        &mut self,
        service: usize,
        deployment: u32,
        now: SimTime,
    ) -> Result<(), Error> {
        let state = &mut self.services[service];
        let p = state.primary();
        let d = &mut state.deployments[p];
        if d.id != deployment || d.rollout != RolloutState::InProgress {
            return Ok(());
        }
        if let DeploymentKind::BlueGreen { phase, .. } = &mut d.kind {
            *phase = BlueGreenPhase::CleaningUp;
        }
        self.log_deployment(service, p, now, "BLUE_TERMINATING", "bake time over");
        self.request_evaluation(service);
        Ok(())
    }
}
