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
//!
//! **Output and memory.** Beside the events, [`estimate`] gives the bytes a
//! run writes and its peak memory, each from what drives it, with the byte
//! counts per row and per task below (measured on the example scenarios,
//! rounded up; docs/model.md "Quotas and the work budget"). [`check`]
//! refuses a run above `--max-output-gib` (default
//! [`DEFAULT_MAX_OUTPUT_GIB`]) or `--max-memory-gib` (default
//! [`DEFAULT_MAX_MEMORY_GIB`]) in the same way, naming the field that drives
//! it. Trace rows are not read ahead, so neither counts them. For a sweep
//! both are per run, as events are.

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

/// The default budget of output per run, GiB.
pub const DEFAULT_MAX_OUTPUT_GIB: u64 = 64;

/// The default budget of memory per run, GiB (the build machine has 24).
pub const DEFAULT_MAX_MEMORY_GIB: u64 = 16;

/// Bytes of a `tasks.csv` row (about 150 on the examples).
pub const TASK_ROW_BYTES: f64 = 160.0;
/// Bytes of an `events.csv` row (about 75).
pub const EVENT_ROW_BYTES: f64 = 80.0;
/// Bytes of a `timeseries.csv` or `service_timeseries.csv` row (45 to 51).
pub const SAMPLE_ROW_BYTES: f64 = 56.0;
/// Bytes of the files whose size does not grow with the run: the summary,
/// the service tables, the chart.
pub const FIXED_OUTPUT_BYTES: f64 = 1024.0 * 1024.0;

/// Memory of one task record kept for `tasks.csv` until the run ends: the
/// record (152 bytes) with the slack of a growing vector.
pub const TASK_RECORD_MEMORY: f64 = 256.0;
/// Memory of one event record kept for `events.csv`: the record (112
/// bytes), the slack of a growing vector and its detail text.
pub const EVENT_RECORD_MEMORY: f64 = 192.0;
/// Rows of `events.csv` per event counted: not every event is logged, and
/// the examples log 0.3 to 0.53 rows per event the estimate counts.
pub const EVENT_ROWS_PER_EVENT: f64 = 0.5;
/// Memory of one sample (cluster or service, 80 bytes at most) kept for the
/// time series, with the slack of a growing vector.
pub const SAMPLE_MEMORY: f64 = 160.0;
/// Memory of a live task: its state, its place in the indexes and queues,
/// and its pending events.
pub const LIVE_TASK_MEMORY: f64 = 1024.0;
/// Memory of an instance: its reservations, attributes, index entries and
/// its list of tasks.
pub const INSTANCE_MEMORY: f64 = 4096.0;
/// Memory of the program itself, the catalog and a run's fixed state.
pub const BASE_MEMORY: f64 = 16.0 * 1024.0 * 1024.0;

/// The most one run may take: events, output and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Events (`--max-events`).
    pub events: u64,
    /// Output, GiB (`--max-output-gib`).
    pub output_gib: u64,
    /// Peak memory, GiB (`--max-memory-gib`).
    pub memory_gib: u64,
}

impl Budget {
    /// A budget of `events` and the default output and memory budgets.
    pub fn with_events(events: u64) -> Budget {
        Budget { events, output_gib: DEFAULT_MAX_OUTPUT_GIB, memory_gib: DEFAULT_MAX_MEMORY_GIB }
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::with_events(DEFAULT_MAX_EVENTS)
    }
}

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

/// A share of a run's output or memory and the field that sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The scenario field that drives it, e.g. `output.events_csv`.
    pub field: String,
    /// What it is, e.g. "events.csv, 1000000 rows".
    pub what: String,
    /// Bytes.
    pub bytes: f64,
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
    /// Bytes of output in all.
    pub output_bytes: f64,
    /// Where the output comes from, largest first.
    pub output: Vec<Share>,
    /// Peak memory, bytes.
    pub memory_bytes: f64,
    /// Where the memory goes, largest first.
    pub memory: Vec<Share>,
}

/// Estimates the events and output rows of one run of `scenario`.
pub fn estimate(scenario: &Scenario) -> WorkEstimate {
    let ms = scenario.duration.as_millis() as f64;
    let hours = ms / 3_600_000.0;
    let minutes = ms / 60_000.0;
    let mut drivers = Vec::new();
    let mut rows = 0.0;
    let mut push = |field: String, what: String, events: f64| drivers.push(Driver { field, what, events });
    // Tasks that may be alive at once, by the field that drives them.
    let mut live: Vec<(String, f64)> = Vec::new();
    let mut synthetic_tasks = 0.0;

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
        // Little's law: arrivals per ms × how long each stays.
        let alive = (tasks * spec.run_duration.mean().max(0.0) / active.max(1.0)).min(tasks);
        live.push((field.clone(), alive));
        synthetic_tasks += tasks;
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
        live.push((format!("service[{i}]"), peak));
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
        rows += events * EVENT_ROWS_PER_EVENT;
    }

    // Rows of tasks.csv: the synthetic and service tasks counted above.
    let task_rows = if scenario.write_tasks_csv { synthetic_tasks + service_tasks } else { 0.0 };
    let event_rows = if scenario.write_events_csv { events * EVENT_ROWS_PER_EVENT } else { 0.0 };
    let mut output = vec![
        Share {
            field: "simulation.sample_interval".into(),
            what: format!("timeseries.csv and service_timeseries.csv, {sampled} rows"),
            bytes: sampled * SAMPLE_ROW_BYTES,
        },
        Share {
            field: "output.tasks_csv".into(),
            what: format!("tasks.csv, {task_rows:.0} rows"),
            bytes: task_rows * TASK_ROW_BYTES,
        },
        Share {
            field: "output.events_csv".into(),
            what: format!("events.csv, about {event_rows:.0} rows"),
            bytes: event_rows * EVENT_ROW_BYTES,
        },
    ];
    let output_bytes = FIXED_OUTPUT_BYTES + output.iter().map(|s| s.bytes).sum::<f64>();

    live.sort_by(|a, b| b.1.total_cmp(&a.1));
    let alive: f64 = live.iter().map(|(_, n)| n).sum();
    let mut memory = vec![
        Share {
            field: "simulation.sample_interval".into(),
            what: format!("{sampled} samples kept"),
            bytes: sampled * SAMPLE_MEMORY,
        },
        Share {
            field: "output.tasks_csv".into(),
            what: format!("{task_rows:.0} task records kept for tasks.csv"),
            bytes: task_rows * TASK_RECORD_MEMORY,
        },
        Share {
            field: "output.events_csv".into(),
            what: format!("about {event_rows:.0} event records kept for events.csv"),
            bytes: event_rows * EVENT_RECORD_MEMORY,
        },
        Share {
            field: live.first().map_or_else(|| "service".to_string(), |(field, _)| field.clone()),
            what: format!("about {alive:.0} tasks alive at once"),
            bytes: alive * LIVE_TASK_MEMORY,
        },
        Share {
            field: drivers
                .iter()
                .find(|d| d.field.starts_with("fleet[") || d.field.starts_with("capacity_provider["))
                .map_or_else(|| "fleet".to_string(), |d| d.field.clone()),
            what: format!("{instances} instances"),
            bytes: instances * INSTANCE_MEMORY,
        },
    ];
    let memory_bytes = BASE_MEMORY + memory.iter().map(|s| s.bytes).sum::<f64>();
    for shares in [&mut output, &mut memory] {
        shares.retain(|s| s.bytes > 0.0);
        shares.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
    }
    WorkEstimate { events, rows, drivers, output_bytes, output, memory_bytes, memory }
}

/// `bytes` in GiB (or MiB below one GiB), e.g. "3.2 GiB".
pub fn human_bytes(bytes: f64) -> String {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    }
}

/// Refuses a scenario whose estimated events, output or memory exceed
/// `budget`, naming the fields that drive them and the flag that raises the
/// budget.
pub fn check(scenario: &Scenario, budget: &Budget) -> Result<WorkEstimate, InputError> {
    let work = estimate(scenario);
    let max_events = budget.events;
    if work.events > max_events as f64 {
        let top = &work.drivers[0];
        let mut message = format!(
            "the scenario implies about {:.3e} events, more than the budget of {max_events}; most come from field `{}` ({})",
            work.events, top.field, top.what
        );
        for other in work.drivers.iter().skip(1).take(2).filter(|d| d.events > max_events as f64 / 100.0) {
            let _ = write!(message, ", then `{}` ({})", other.field, other.what);
        }
        return Err(InputError::new(&scenario.path, message).at(format!("field `{}`", top.field)).help(format!(
            "lower `{}` (or shorten simulation.duration), or raise the budget with --max-events N if the run is meant to be this large",
            top.field
        )));
    }
    let gib = 1024.0 * 1024.0 * 1024.0;
    let over = |what: &str, total: f64, shares: &[Share], limit: u64, flag: &str| -> Option<InputError> {
        if total <= limit as f64 * gib {
            return None;
        }
        let top = shares.first()?;
        let lower = match top.field.as_str() {
            "output.tasks_csv" | "output.events_csv" => format!("set {} = false", top.field),
            field => format!("lower `{field}`"),
        };
        Some(
            InputError::new(
                &scenario.path,
                format!(
                    "one run would {what} about {}, more than the budget of {limit} GiB; most of it from field `{}` ({}, {})",
                    human_bytes(total),
                    top.field,
                    top.what,
                    human_bytes(top.bytes)
                ),
            )
            .at(format!("field `{}`", top.field))
            .help(format!(
                "{lower} (or shorten simulation.duration), or raise the budget with {flag} N if the run is meant to be this large"
            )),
        )
    };
    if let Some(err) = over("write", work.output_bytes, &work.output, budget.output_gib, "--max-output-gib") {
        return Err(err);
    }
    if let Some(err) = over("need", work.memory_bytes, &work.memory, budget.memory_gib, "--max-memory-gib") {
        return Err(err);
    }
    Ok(work)
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
