//! Bounded work: ECS's own service quotas, and an estimate of the events a
//! scenario implies, made before it runs.
//!
//! **Quotas.** By default a scenario may not go beyond ECS's default
//! quotas (docs/ecs-reference.md §7.5, docs/model.md "Quotas"): 5,000
//! container instances per cluster, 5,000 services per cluster and 5,000
//! tasks per service (desired count). `[simulation] allow_beyond_quotas =
//! true` lifts them for what-if studies.
//!
//! **Work estimate.** [`estimate`] adds up what drives the event loop: the
//! samples, the instances, the synthetic arrivals, the services' tasks and
//! their replacements, instance failures and Spot interruptions. `validate`,
//! `run` and `check` refuse a scenario whose estimate exceeds the budget
//! (`--max-events`, default [`DEFAULT_MAX_EVENTS`]) with an error naming the
//! field that drives it. Trace rows are not read ahead: the run counts the
//! tasks every RunTask call asks for, trace rows included, and stops with an
//! error naming the row once they alone exceed the budget; the event loop
//! also stops once it has processed more events than the budget.

use super::service::SchedulingStrategy;
use super::workload_spec::{ArrivalProcess, WorkloadSource};
use super::Scenario;
use crate::error::InputError;
use crate::model::Market;
use std::fmt::Write;

/// The default budget of events per run: well above the largest benchmark
/// (`benches/capacity-30d.toml`, about 11 million events), well below what
/// would run for days.
pub const DEFAULT_MAX_EVENTS: u64 = 2_000_000_000;

/// Events counted per task: its submission, start, exit and stop.
pub const EVENTS_PER_TASK: u64 = 4;

/// Events counted per instance: its launch, registration, retirement and
/// its share of the once-a-minute passes.
const EVENTS_PER_INSTANCE: f64 = 4.0;

/// ECS's default quota of container instances per cluster.
pub const MAX_CONTAINER_INSTANCES: u64 = 5_000;
/// ECS's default quota of services per cluster.
pub const MAX_SERVICES: usize = 5_000;
/// ECS's default quota of tasks per service (desired count).
pub const MAX_TASKS_PER_SERVICE: u32 = 5_000;

/// One source of work and the field that sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// The scenario field that drives it, e.g. `workload[0].synthetic.arrival.rate_per_minute`.
    pub field: String,
    /// What it is, e.g. "6000000 tasks over 1h".
    pub what: String,
    /// Events it implies.
    pub events: f64,
}

/// The work a scenario implies.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkEstimate {
    /// Events in all.
    pub events: f64,
    /// Rows of the per-run outputs (samples, tasks.csv, events.csv).
    pub rows: f64,
    /// Where the events come from, largest first.
    pub drivers: Vec<Driver>,
}

/// Estimates the events and output rows of one run of `scenario`.
pub fn estimate(scenario: &Scenario) -> WorkEstimate {
    let ms = scenario.duration.as_millis() as f64;
    let hours = ms / 3_600_000.0;
    let minutes = ms / 60_000.0;
    let mut drivers = Vec::new();
    let mut rows = 0.0;
    let mut push = |field: String, what: String, events: f64| drivers.push(Driver { field, what, events });

    let samples = (ms / scenario.sample_interval.as_millis().max(1) as f64).floor() + 1.0;
    let sampled = samples * (1 + scenario.services.len()) as f64;
    rows += sampled;
    push(
        "simulation.duration".into(),
        format!("{samples} samples, one every {} over {}", scenario.sample_interval, scenario.duration),
        sampled,
    );

    let mut instances = 0.0;
    let mut spot_instances = 0.0;
    for (i, fleet) in scenario.fleets.iter().enumerate() {
        let provider = scenario.capacity_providers.iter().enumerate().find(|(_, p)| p.fleet == i);
        let (count, field) = match provider {
            Some((j, p)) if p.max_size > fleet.count => (p.max_size, format!("capacity_provider[{j}].max_size")),
            _ => (fleet.count, format!("fleet[{i}].count")),
        };
        let count = f64::from(count);
        instances += count;
        if fleet.market == Market::Spot {
            spot_instances += count;
        }
        push(field, format!("{count} instances of fleet `{}`", fleet.name), count * EVENTS_PER_INSTANCE);
    }
    for j in 0..scenario.capacity_providers.len() {
        push(format!("capacity_provider[{j}]"), format!("{minutes:.0} provider passes"), minutes);
    }

    let task = EVENTS_PER_TASK as f64;
    for (i, workload) in scenario.workloads.iter().enumerate() {
        let WorkloadSource::Synthetic(spec) = &workload.source else { continue };
        let stop = spec.stop.map_or(ms, |s| (s.as_millis() as f64).min(ms));
        let active = (stop - spec.start.as_millis() as f64).max(0.0);
        let (arrivals, field) = match &spec.arrival {
            ArrivalProcess::Poisson { mean_gap_ms } => {
                (active / mean_gap_ms, format!("workload[{i}].synthetic.arrival.rate_per_minute"))
            }
            ArrivalProcess::Fixed { interval } => (
                (active / interval.as_millis().max(1) as f64).floor() + 1.0,
                format!("workload[{i}].synthetic.arrival.interval"),
            ),
        };
        let mut tasks = arrivals * f64::from(spec.tasks_per_arrival);
        if let Some(max) = spec.max_tasks {
            tasks = tasks.min(max as f64);
        }
        if scenario.write_tasks_csv {
            rows += tasks;
        }
        push(
            field,
            format!("{tasks:.0} tasks of workload `{}` over {}", workload.name, scenario.duration),
            tasks * task,
        );
    }

    let mut service_tasks = 0.0;
    for (i, service) in scenario.services.iter().enumerate() {
        let peak = match service.def.scheduling_strategy {
            SchedulingStrategy::Daemon => instances,
            SchedulingStrategy::Replica => {
                let mut peak = service.def.desired_count.unwrap_or(0);
                if let Some(scaling) = &service.auto_scaling {
                    peak = peak.max(scaling.max_capacity);
                }
                for update in scenario.service_updates.iter().filter(|u| u.service == i) {
                    peak = peak.max(update.desired_count.unwrap_or(0));
                }
                f64::from(peak)
            }
        };
        service_tasks += peak;
        let updates = scenario.service_updates.iter().filter(|u| u.service == i).count() as f64;
        let mut events = peak * task * (1.0 + updates);
        if service.auto_scaling.is_some() {
            events += minutes;
        }
        push(format!("service[{i}]"), format!("up to {peak} tasks of service `{}`", service.def.name), events);
    }
    if scenario.write_tasks_csv {
        rows += service_tasks;
    }

    let faults = &scenario.faults;
    let crashes = service_tasks * faults.task_crash_rate * hours;
    push("faults.task_crash_rate".into(), format!("{crashes:.0} task crashes"), crashes * task);
    let fargate_spot = service_tasks * faults.fargate_spot_interruption_rate * hours;
    push(
        "faults.fargate_spot_interruption_rate".into(),
        format!("{fargate_spot:.0} FARGATE_SPOT interruptions"),
        fargate_spot * task,
    );
    let spot = spot_instances * faults.spot_interruption_rate * hours;
    push("faults.spot_interruption_rate".into(), format!("{spot:.0} Spot interruptions"), spot * EVENTS_PER_INSTANCE);
    if let Some(mtbf) = faults.instance_mtbf {
        let cycle = mtbf.as_millis() as f64 + faults.instance_replacement_delay.mean();
        let failures = if faults.replace_failed_instances { instances * ms / cycle.max(1.0) } else { instances };
        push(
            "faults.instance_mtbf".into(),
            format!("{failures:.0} instance failures, one per instance every {mtbf} on average"),
            failures * EVENTS_PER_INSTANCE,
        );
    }

    drivers.retain(|d| d.events > 0.0);
    drivers.sort_by(|a, b| b.events.total_cmp(&a.events));
    let events: f64 = drivers.iter().map(|d| d.events).sum();
    if scenario.write_events_csv {
        rows += events;
    }
    WorkEstimate { events, rows, drivers }
}

/// Refuses a scenario whose estimated events exceed `max_events`, naming
/// the fields that drive them and the flag that raises the budget.
pub fn check(scenario: &Scenario, max_events: u64) -> Result<WorkEstimate, InputError> {
    let work = estimate(scenario);
    if work.events <= max_events as f64 {
        return Ok(work);
    }
    let top = &work.drivers[0];
    let mut message = format!(
        "the scenario implies about {:.3e} events, more than the budget of {max_events}; most come from field `{}` ({})",
        work.events, top.field, top.what
    );
    for other in work.drivers.iter().skip(1).take(2).filter(|d| d.events > max_events as f64 / 100.0) {
        let _ = write!(message, ", then `{}` ({})", other.field, other.what);
    }
    Err(InputError::new(&scenario.path, message).at(format!("field `{}`", top.field)).help(format!(
        "lower `{}` (or shorten simulation.duration), or raise the budget with --max-events N if the run is meant to be this large",
        top.field
    )))
}

/// Refuses a scenario beyond ECS's default quotas unless
/// `[simulation] allow_beyond_quotas` is set; see the [module docs](self).
pub(super) fn check_quotas(scenario: &Scenario, desired_in_events: &[(usize, u32)]) -> Result<(), InputError> {
    let help = "ECS's default quotas (docs/model.md, Quotas); for a what-if study beyond them set \
                [simulation] allow_beyond_quotas = true";
    let error = |field: String, message: String| {
        InputError::new(&scenario.path, message).at(format!("field `{field}`")).help(help)
    };
    let mut total = 0_u64;
    let mut largest: Option<(u32, String)> = None;
    for (i, fleet) in scenario.fleets.iter().enumerate() {
        let provider = scenario.capacity_providers.iter().enumerate().find(|(_, p)| p.fleet == i);
        let (count, field) = match provider {
            Some((j, p)) if p.max_size > fleet.count => (p.max_size, format!("capacity_provider[{j}].max_size")),
            _ => (fleet.count, format!("fleet[{i}].count")),
        };
        total += u64::from(count);
        if largest.as_ref().is_none_or(|(c, _)| count > *c) {
            largest = Some((count, field));
        }
    }
    if total > MAX_CONTAINER_INSTANCES {
        let (_, field) = largest.unwrap_or_default();
        return Err(error(
            field,
            format!(
                "the cluster could hold {total} container instances (fleet counts, or a capacity provider's \
                 max_size where larger), beyond ECS's quota of {MAX_CONTAINER_INSTANCES} per cluster"
            ),
        ));
    }
    if scenario.services.len() > MAX_SERVICES {
        return Err(error(
            format!("service[{MAX_SERVICES}]"),
            format!("{} services, beyond ECS's quota of {MAX_SERVICES} services per cluster", scenario.services.len()),
        ));
    }
    for (i, service) in scenario.services.iter().enumerate() {
        let quota = |field: String, count: u32| {
            error(
                field,
                format!(
                    "{count} tasks for service `{}`, beyond ECS's quota of {MAX_TASKS_PER_SERVICE} tasks per \
                     service (desired count)",
                    service.def.name
                ),
            )
        };
        if let Some(count) = service.def.desired_count.filter(|c| *c > MAX_TASKS_PER_SERVICE) {
            return Err(quota(format!("service[{i}].desiredCount"), count));
        }
        if let Some(scaling) = service.auto_scaling.as_ref().filter(|s| s.max_capacity > MAX_TASKS_PER_SERVICE) {
            return Err(quota(format!("service[{i}].auto_scaling.max_capacity"), scaling.max_capacity));
        }
    }
    for &(k, count) in desired_in_events {
        if count > MAX_TASKS_PER_SERVICE {
            return Err(error(
                format!("events[{k}].desired_count"),
                format!("a desired count of {count}, beyond ECS's quota of {MAX_TASKS_PER_SERVICE} tasks per service"),
            ));
        }
    }
    Ok(())
}
