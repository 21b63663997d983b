//! The end of a run: tasks still alive are reported, instances billed, and
//! the recorder's result completed with the summary.

use super::task::TaskRef;
use super::Simulation;
use super::Trouble;
use crate::billing::{billed_seconds, ec2_instance_cost, ec2_spot_history_cost};
use crate::commitments::apply::{bill, Bill, Share};
use crate::commitments::ledger::{Usage, UsageNames};
use crate::engine::SimTime;
use crate::error::Error;
use crate::model::Market;
use crate::record::{EndReason, Incidents, InstanceNames, RunResult, ServiceReport, TaskOutcome, TaskStatus};
use std::collections::BTreeMap;

/// The run's incidents: per window, its worst service; time in trouble, the
/// time any measured service was.
fn overall_incidents(services: &[ServiceReport], trouble: Trouble) -> Incidents {
    let worst =
        |f: &dyn Fn(&Incidents) -> Option<f64>| services.iter().filter_map(|s| f(&s.incidents)).reduce(f64::min);
    let per_window = |f: &dyn Fn(&Incidents) -> &Vec<(SimTime, f64)>| {
        let mut windows: BTreeMap<SimTime, f64> = BTreeMap::new();
        for service in services {
            for &(start, pct) in f(&service.incidents) {
                windows.entry(start).and_modify(|w| *w = w.min(pct)).or_insert(pct);
            }
        }
        windows.into_iter().collect()
    };
    Incidents {
        worst_5m_pct: worst(&|i| i.worst_5m_pct),
        worst_1h_pct: worst(&|i| i.worst_1h_pct),
        hourly_pct: per_window(&|i| &i.hourly_pct),
        daily_pct: per_window(&|i| &i.daily_pct),
        below_desired: trouble.below_desired,
        overloaded: trouble.overloaded,
        cpu_over_80: trouble.cpu_over_80,
        cpu_over_90: trouble.cpu_over_90,
        slo_budget_used_pct: services.iter().filter_map(|s| s.incidents.slo_budget_used_pct).reduce(f64::max),
    }
}

impl Simulation<'_> {
    /// Each service's part of the bill: its Fargate usage, and the share of
    /// the EC2 usage that `cost_usd` gives it (its reserved CPU over the
    /// cluster's registered CPU, time-weighted).
    fn service_commitments(&self, bill: &Bill, services: &mut [ServiceReport]) {
        let ec2 = bill.ec2();
        for report in services {
            let ratio = if self.registered_cpu_ms > 0.0 {
                self.services[report.service].reserved_cpu_ms / self.registered_cpu_ms
            } else {
                0.0
            };
            let fargate = bill.fargate_by_service[report.service];
            report.commitments = Some(Share {
                covered_usd: ec2.covered_usd * ratio + fargate.covered_usd,
                uncovered_usd: ec2.uncovered_usd * ratio + fargate.uncovered_usd,
                commitment_usd: ec2.commitment_usd * ratio + fargate.commitment_usd,
                spot_usd: ec2.spot_usd * ratio + fargate.spot_usd,
            });
        }
    }

    pub(super) fn finish(mut self, end: SimTime) -> Result<RunResult, Error> {
        // Tasks still alive at the end, in submission order. (A reported
        // task's slot may be free for reuse, but it always has `stopped` set.)
        let mut live: Vec<(u64, u32)> = self
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.stopped.is_none())
            .map(|(slot, t)| (t.number, slot as u32))
            .collect();
        live.sort_unstable();
        for (_, slot) in live {
            let task_ref = TaskRef { slot, generation: self.tasks[slot as usize].generation };
            match self.tasks[slot as usize].state {
                TaskStatus::Provisioning => self.summary.tasks_waiting_at_end += 1,
                TaskStatus::Pending => self.summary.tasks_starting_at_end += 1,
                TaskStatus::Running | TaskStatus::Deactivating | TaskStatus::Stopping | TaskStatus::Stopped => {
                    self.summary.tasks_running_at_end += 1
                }
            }
            self.report(task_ref, end, TaskOutcome::Unfinished, EndReason::None);
        }
        let mut usage = self.recorder.take_usage();
        for instance in &self.cluster.instances {
            let fleet = &self.scenario.fleets[instance.fleet];
            let instance_type = &self.cluster.instance_types[instance.instance_type];
            let ended = instance.terminated_at.unwrap_or(end);
            let zone = &self.cluster.availability_zones[instance.availability_zone];
            let curve = fleet.spot_prices.as_ref().and_then(|p| p.curve(&instance_type.name, zone));
            let price = instance_type.price_per_hour;
            let cost = match curve {
                Some(curve) => ec2_spot_history_cost(curve, instance.launched_at, ended),
                None => ec2_instance_cost(price, fleet.price_factor, instance.launched_at, ended),
            };
            self.summary.costs.by_fleet[instance.fleet] += cost;
            if let Some(ledger) = &mut usage {
                let key = Usage::Instance {
                    fleet: instance.fleet,
                    instance_type: instance.instance_type,
                    zone: instance.availability_zone,
                };
                let billed_ms = billed_seconds(instance.launched_at, ended) * 1000;
                let spot = fleet.market == Market::Spot;
                // On a Spot price curve, the span's average rate (Spot is never covered).
                let rate = match curve {
                    Some(_) => cost * 3_600_000.0 / billed_ms as f64,
                    None => price * fleet.price_factor,
                };
                ledger.add(key, spot, instance.launched_at, billed_ms, 1.0, rate);
            }
        }
        let summary = &mut self.summary;
        summary.events = self.queue.processed();
        summary.trace_rows_skipped = self.sources.iter().map(|s| s.skipped_rows()).sum();
        summary.trace_rows_held_at_end = self.sources.iter().map(|s| s.held_rows()).sum();
        summary.trace_tasks_dropped = self.sources.iter().map(|s| s.trace_tasks_dropped()).sum();
        summary.trace_tasks_cut_short = self.sources.iter().map(|s| s.trace_tasks_cut_short()).sum();
        summary.instance_hours = self.integrals.instance_hours();
        summary.cpu_reservation_avg_pct = self.integrals.average_cpu_pct();
        summary.cpu_reservation_peak_pct = self.integrals.peak_cpu_pct;
        summary.memory_reservation_avg_pct = self.integrals.average_memory_pct();
        summary.memory_reservation_peak_pct = self.integrals.peak_memory_pct;
        summary.task_wait = [0.5, 0.95, 0.99].map(|q| self.waits.quantile(q));
        summary.task_start_delay = [0.5, 0.95, 0.99].map(|q| self.start_delays.quantile(q));
        summary.service_availability_pct = self.services.iter().map(|s| s.availability_pct()).collect();
        summary.service_over_maximum = self.services.iter().map(|s| s.over_maximum).collect();
        let mut services = self.service_reports(end);
        if let (Some(ledger), Some(commitments)) = (usage, &self.scenario.commitments) {
            let names = UsageNames {
                instance_types: self.cluster.instance_types.iter().map(|t| t.name.clone()).collect(),
                zones: self.cluster.availability_zones.clone(),
            };
            let fleets = self.scenario.fleets.len();
            let bill = bill(&ledger, commitments, &names, end, fleets, services.len());
            self.service_commitments(&bill, &mut services);
            self.summary.commitments = Some(bill);
        }
        let summary = &mut self.summary;
        summary.incidents = overall_incidents(&services, self.trouble);
        let hours = |ms: u128| ms as f64 / 3_600_000.0;
        summary.busy_instance_hours = hours(self.packing.busy_ms);
        summary.idle_instance_hours = hours(self.packing.idle_ms);
        summary.packing_bound_instance_hours = hours(self.packing.bound_ms);
        summary.packing_efficiency_pct = self.packing.efficiency_pct();
        let instances = self
            .cluster
            .instances
            .iter()
            .map(|i| InstanceNames {
                ec2_instance_id: i.ec2_instance_id.clone(),
                instance_type: self.cluster.instance_types[i.instance_type].name.clone(),
            })
            .collect();
        let groups = self.cluster.group_names().to_vec();
        Ok(self.recorder.finish(self.summary, services, instances, groups))
    }
}
