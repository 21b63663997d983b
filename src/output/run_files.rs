//! The CSV files of one run, formatted from its [`RunResult`]: `summary.csv`,
//! `timeseries.csv`, and, where the run kept them, `tasks.csv`, `events.csv`,
//! `services.csv`, `deployments.csv`, `service_timeseries.csv`,
//! `scaling.csv` and `metrics.csv`. docs/scenario.md documents each column.

use crate::commitments::apply::Bill;
use crate::engine::{SimDuration, SimTime};
use crate::error::Error;
use crate::output::files::{fixed, CsvFile};
use crate::output::tags::costs_by_tag;
use crate::placement::Rejection;
use crate::record::{
    ClusterSample, DeploymentRecord, EventRecord, EventSubject, Incidents, MetricRecord, Owner, RunResult,
    ScalingRecord, ServiceReport, ServiceSample, TaskRecord,
};
use crate::scenario::service_spec::ServiceLaunch;
use crate::scenario::{RunFiles, Scenario};
use std::path::Path;

const TIMESERIES_HEADER: [&str; 11] = [
    "time_s",
    "instances",
    "registered_cpu",
    "reserved_cpu",
    "cpu_reservation_pct",
    "registered_memory_mib",
    "reserved_memory_mib",
    "memory_reservation_pct",
    "running_tasks",
    "pending_tasks",
    "fargate_running_tasks",
];

const TASKS_HEADER: [&str; 18] = [
    "task",
    "workload",
    "task_definition",
    "group",
    "launch_type",
    "cpu",
    "memory_mib",
    "submitted_s",
    "placed_s",
    "started_s",
    "stopped_s",
    "instance_id",
    "instance_type",
    "availability_zone",
    "last_status",
    "outcome",
    "reason",
    "fargate_cost_usd",
];

const EVENTS_HEADER: [&str; 9] = [
    "time_s",
    "event",
    "service",
    "task",
    "task_definition",
    "instance_id",
    "availability_zone",
    "stop_code",
    "detail",
];

const DEPLOYMENTS_HEADER: [&str; 11] = [
    "time_s",
    "service",
    "deployment",
    "task_definition",
    "event",
    "desired",
    "new_running",
    "new_healthy",
    "old_running",
    "traffic_percent",
    "detail",
];

const SERVICE_TIMESERIES_HEADER: [&str; 10] = [
    "time_s",
    "service",
    "desired",
    "running",
    "healthy",
    "demand",
    "capacity",
    "served",
    "availability_pct",
    "deployment_in_progress",
];

/// The incident columns of `services.csv`, and rows of `summary.csv` for the
/// run as a whole, in the order of [`incident_cells`].
const INCIDENT_COLUMNS: [&str; 9] = [
    "worst_5m_availability_pct",
    "worst_1h_availability_pct",
    "worst_hour_availability_pct",
    "worst_day_availability_pct",
    "minutes_below_desired",
    "minutes_overloaded",
    "minutes_cpu_over_80",
    "minutes_cpu_over_90",
    "slo_budget_used_pct",
];

/// Columns of `services.csv` before the incident columns.
const SERVICES_LEAD: [&str; 6] =
    ["service", "scheduling_strategy", "launch", "desired_count_end", "running_end", "availability_pct"];

/// Columns of `services.csv` after the incident columns.
const SERVICES_TAIL: [&str; 18] = [
    "running_to_desired_p01",
    "running_to_desired_p99",
    "tasks_started",
    "tasks_failed_to_start",
    "tasks_failed_health_checks",
    "tasks_crashed",
    "tasks_lost_to_faults",
    "tasks_spot_interrupted",
    "placement_failures",
    "deployments",
    "deployments_completed",
    "deployments_failed",
    "deployments_rolled_back",
    "deployments_stuck",
    "deployment_mean_duration_s",
    "deployment_max_duration_s",
    "cost_share_usd",
    "fargate_cost_usd",
];

/// Columns of `services.csv` a scenario with `[commitments]` adds at the end.
const SERVICES_COMMITMENTS: [&str; 5] =
    ["covered_usage_usd", "uncovered_usage_usd", "commitment_used_usd", "spot_usage_usd", "net_cost_usd"];

/// Every column of `services.csv` (the commitment columns only with `[commitments]`).
fn services_header(scenario: &Scenario) -> Vec<&'static str> {
    let commitments: &[&str] = if scenario.commitments.is_some() { &SERVICES_COMMITMENTS } else { &[] };
    [&SERVICES_LEAD[..], &INCIDENT_COLUMNS, &SERVICES_TAIL, commitments].concat()
}

const WINDOWS_HEADER: [&str; 4] = ["window", "start_s", "service", "availability_pct"];

const SCALING_HEADER: [&str; 6] = ["time_s", "target", "policy", "from", "to", "cause"];

const METRICS_HEADER: [&str; 11] = [
    "time_s",
    "kind",
    "name",
    "desired",
    "running",
    "cpu_pct",
    "memory_pct",
    "requests_per_target",
    "cpr",
    "instances",
    "provisioning_tasks",
];

/// Formats an instant as seconds with `decimals` decimals.
fn at(time: SimTime, decimals: usize) -> String {
    fixed(time.as_secs_f64(), decimals)
}

/// Formats an optional instant as seconds (empty when absent).
fn seconds(time: Option<SimTime>) -> String {
    time.map_or(String::new(), |t| at(t, 3))
}

/// Formats an optional number (empty when absent).
fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map_or(String::new(), |v| fixed(v, decimals))
}

/// The incident columns of `services.csv` (and, by name, of `summary.csv`).
fn incident_cells(incidents: &Incidents) -> [String; 9] {
    let minutes = |d: SimDuration| fixed(d.as_secs_f64() / 60.0, 2);
    [
        optional(incidents.worst_5m_pct, 4),
        optional(incidents.worst_1h_pct, 4),
        optional(incidents.worst_hour_pct(), 4),
        optional(incidents.worst_day_pct(), 4),
        minutes(incidents.below_desired),
        minutes(incidents.overloaded),
        minutes(incidents.cpu_over_80),
        minutes(incidents.cpu_over_90),
        optional(incidents.slo_budget_used_pct, 3),
    ]
}

/// Writes every file of a run into `dir`, creating it. Each file is written
/// atomically; a file the run did not keep is not written.
pub fn write_run(scenario: &Scenario, result: &RunResult, dir: &Path) -> Result<(), Error> {
    write_run_files(scenario, result, dir, RunFiles::Full)
}

/// Writes the files of a run that `files` asks for into `dir`: nothing,
/// `summary.csv` and `services.csv`, or everything.
pub fn write_run_files(scenario: &Scenario, result: &RunResult, dir: &Path, files: RunFiles) -> Result<(), Error> {
    if files == RunFiles::None {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|source| Error::Output { path: dir.to_path_buf(), source })?;
    if files == RunFiles::Full {
        write_details(scenario, result, dir)?;
    }
    if !result.services.is_empty() {
        write_rows(&dir.join("services.csv"), &services_header(scenario), &result.services, |s| {
            service_row(scenario, s)
        })?;
        if let Some(rows) = costs_by_tag(scenario, &result.services) {
            let net: &[&str] = if scenario.commitments.is_some() { &["net_cost_usd"] } else { &[] };
            let header = [&["tag_key", "tag_value", "tagged", "services", "cost_usd"][..], net].concat();
            write_rows(&dir.join("costs_by_tag.csv"), &header, &rows, |row| {
                let mut cells = vec![
                    row.key.clone(),
                    row.value.clone().unwrap_or_default(),
                    row.value.is_some().to_string(),
                    row.services.to_string(),
                    fixed(row.cost_usd, 6),
                ];
                cells.extend(row.net_cost_usd.map(|usd| fixed(usd, 6)));
                cells
            })?;
        }
    }
    write_rows(&dir.join("summary.csv"), &["metric", "value"], &summary_rows(scenario, result), |(name, value)| {
        vec![name.clone(), value.clone()]
    })
}

/// Everything but the summary and the services table.
fn write_details(scenario: &Scenario, result: &RunResult, dir: &Path) -> Result<(), Error> {
    write_rows(&dir.join("timeseries.csv"), &TIMESERIES_HEADER, &result.samples, timeseries_row)?;
    if let Some(tasks) = &result.tasks {
        write_rows(&dir.join("tasks.csv"), &TASKS_HEADER, tasks, |t| task_row(scenario, result, t))?;
    }
    if let Some(events) = &result.events {
        write_rows(&dir.join("events.csv"), &EVENTS_HEADER, events, |e| event_row(scenario, result, e))?;
    }
    if !scenario.services.is_empty() {
        let deployments = &result.deployments;
        write_rows(&dir.join("deployments.csv"), &DEPLOYMENTS_HEADER, deployments, |d| deployment_row(scenario, d))?;
        let samples = &result.service_samples;
        write_rows(&dir.join("service_timeseries.csv"), &SERVICE_TIMESERIES_HEADER, samples, |s| {
            service_sample_row(scenario, s)
        })?;
    }
    if let Some(scaling) = &result.scaling {
        write_rows(&dir.join("scaling.csv"), &SCALING_HEADER, scaling, scaling_row)?;
    }
    if let Some(metrics) = &result.metrics {
        write_rows(&dir.join("metrics.csv"), &METRICS_HEADER, metrics, |m| metric_row(scenario, m))?;
    }
    if !result.services.is_empty() {
        write_rows(&dir.join("availability_windows.csv"), &WINDOWS_HEADER, &window_rows(scenario, result), |r| {
            r.to_vec()
        })?;
    }
    Ok(())
}

/// Each hour's and each day's served share, per service and for the run
/// (`all`: its worst service in that window).
fn window_rows(scenario: &Scenario, result: &RunResult) -> Vec<[String; 4]> {
    let named = result
        .services
        .iter()
        .map(|s| (scenario.services[s.service].def.name.as_str(), &s.incidents))
        .chain([("all", &result.summary.incidents)]);
    let mut rows = Vec::new();
    for (name, incidents) in named {
        for (window, series) in [("hour", &incidents.hourly_pct), ("day", &incidents.daily_pct)] {
            for &(start, pct) in series {
                rows.push([window.to_string(), at(start, 0), name.to_string(), fixed(pct, 4)]);
            }
        }
    }
    rows
}

fn write_rows<T>(path: &Path, header: &[&str], rows: &[T], format: impl Fn(&T) -> Vec<String>) -> Result<(), Error> {
    let mut file = CsvFile::create(path, header)?;
    for row in rows {
        file.row(&format(row))?;
    }
    file.commit()
}

fn timeseries_row(sample: &ClusterSample) -> Vec<String> {
    vec![
        at(sample.time, 0),
        sample.instances.to_string(),
        sample.registered_cpu.to_string(),
        sample.reserved_cpu.to_string(),
        fixed(sample.cpu_reservation_pct(), 2),
        sample.registered_memory.to_string(),
        sample.reserved_memory.to_string(),
        fixed(sample.memory_reservation_pct(), 2),
        sample.running_tasks.to_string(),
        sample.pending_tasks.to_string(),
        sample.fargate_running_tasks.to_string(),
    ]
}

fn task_row(scenario: &Scenario, result: &RunResult, task: &TaskRecord) -> Vec<String> {
    let instance = task.instance.map(|id| result.instance(id));
    vec![
        task.number.to_string(),
        match task.owner {
            Owner::Workload(w) => scenario.workloads[w].name.clone(),
            Owner::Service(s) => format!("service:{}", scenario.services[s].def.name),
        },
        scenario.task_definitions[task.task_definition].name(),
        result.groups[task.group.0 as usize].clone(),
        task.launch_type.as_str().to_string(),
        task.cpu.to_string(),
        task.memory.to_string(),
        seconds(Some(task.submitted)),
        seconds(task.placed),
        seconds(task.started),
        seconds(task.stopped),
        instance.map_or(String::new(), |i| i.ec2_instance_id.clone()),
        instance.map_or(String::new(), |i| i.instance_type.clone()),
        task.availability_zone.map_or(String::new(), |z| scenario.availability_zones[z].clone()),
        task.last_status.as_str().to_string(),
        task.outcome.as_str().to_string(),
        task.reason.as_str().to_string(),
        optional(task.fargate_cost, 6),
    ]
}

fn event_row(scenario: &Scenario, result: &RunResult, event: &EventRecord) -> Vec<String> {
    let zone = |z: usize| scenario.availability_zones[z].clone();
    let instance = |id| result.instance(id).ec2_instance_id.clone();
    let (service, task, task_definition, instance_id, availability_zone) = match event.subject {
        EventSubject::Task { number, service, task_definition, instance: on, zone: z } => (
            service.map_or(String::new(), |s| scenario.services[s].def.name.clone()),
            number.to_string(),
            scenario.task_definitions[task_definition].name(),
            on.map_or(String::new(), instance),
            z.map_or(String::new(), zone),
        ),
        EventSubject::Service(s) => {
            (scenario.services[s].def.name.clone(), String::new(), String::new(), String::new(), String::new())
        }
        EventSubject::Instance(id, z) => (String::new(), String::new(), String::new(), instance(id), zone(z)),
        EventSubject::Zone(z) => (String::new(), String::new(), String::new(), String::new(), zone(z)),
    };
    vec![
        at(event.time, 3),
        event.event.to_string(),
        service,
        task,
        task_definition,
        instance_id,
        availability_zone,
        event.stop_code.map_or("", |c| c.as_str()).to_string(),
        event.detail.clone(),
    ]
}

fn deployment_row(scenario: &Scenario, d: &DeploymentRecord) -> Vec<String> {
    vec![
        at(d.time, 3),
        scenario.services[d.service].def.name.clone(),
        d.deployment.to_string(),
        scenario.task_definitions[d.task_definition].name(),
        d.event.to_string(),
        d.desired.to_string(),
        d.new_running.to_string(),
        d.new_healthy.to_string(),
        d.old_running.to_string(),
        fixed(d.traffic_percent, 1),
        d.detail.clone(),
    ]
}

fn service_sample_row(scenario: &Scenario, s: &ServiceSample) -> Vec<String> {
    vec![
        at(s.time, 0),
        scenario.services[s.service].def.name.clone(),
        s.desired.to_string(),
        s.running.to_string(),
        s.healthy.to_string(),
        optional(s.demand, 3),
        fixed(s.capacity, 3),
        optional(s.served, 3),
        fixed(s.availability_pct, 3),
        u8::from(s.deployment_in_progress).to_string(),
    ]
}

fn scaling_row(r: &ScalingRecord) -> Vec<String> {
    vec![at(r.time, 0), r.target.clone(), r.policy.clone(), r.from.to_string(), r.to.to_string(), r.cause.clone()]
}

fn metric_row(scenario: &Scenario, m: &MetricRecord) -> Vec<String> {
    match *m {
        MetricRecord::Service { time, service, desired, running, cpu_pct, memory_pct, requests_per_target } => vec![
            at(time, 0),
            "service".to_string(),
            scenario.services[service].def.name.clone(),
            desired.to_string(),
            running.to_string(),
            optional(cpu_pct, 3),
            optional(memory_pct, 3),
            optional(requests_per_target, 3),
            String::new(),
            String::new(),
            String::new(),
        ],
        MetricRecord::Provider { time, provider, desired, cpr, instances, provisioning } => vec![
            at(time, 0),
            "capacity_provider".to_string(),
            scenario.capacity_providers[provider].name.clone(),
            desired.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            optional(cpr, 3),
            instances.to_string(),
            provisioning.to_string(),
        ],
    }
}

fn service_row(scenario: &Scenario, r: &ServiceReport) -> Vec<String> {
    let spec = &scenario.services[r.service];
    let launch = match &spec.launch {
        ServiceLaunch::LaunchType(lt) => lt.as_str().to_string(),
        ServiceLaunch::Providers(shares) => shares
            .iter()
            .map(|s| {
                let name = s.provider.name(&scenario.capacity_providers);
                format!("{name}(base {} weight {})", s.base, s.weight)
            })
            .collect::<Vec<_>>()
            .join(" + "),
    };
    vec![
        spec.def.name.clone(),
        if spec.is_daemon() { "DAEMON".into() } else { "REPLICA".into() },
        launch,
        r.desired_end.to_string(),
        r.running_end.to_string(),
        fixed(r.availability_pct, 4),
    ]
    .into_iter()
    .chain(incident_cells(&r.incidents))
    .chain([
        optional(r.running_to_desired.map(|(p01, _)| p01), 4),
        optional(r.running_to_desired.map(|(_, p99)| p99), 4),
        r.counts.tasks_started.to_string(),
        r.counts.tasks_failed_to_start.to_string(),
        r.counts.tasks_failed_health.to_string(),
        r.counts.tasks_crashed.to_string(),
        r.counts.tasks_lost.to_string(),
        r.counts.tasks_spot_interrupted.to_string(),
        r.counts.placement_failures.to_string(),
        r.deployments.to_string(),
        r.deployments_completed.to_string(),
        r.deployments_failed.to_string(),
        r.deployments_rolled_back.to_string(),
        r.deployments_stuck.to_string(),
        optional(r.deployment_seconds.map(|(mean, _)| mean), 1),
        optional(r.deployment_seconds.map(|(_, max)| max), 1),
        fixed(r.cost_usd, 6),
        fixed(r.fargate_cost_usd, 6),
    ])
    .chain(r.commitments.iter().flat_map(|share| {
        [share.covered_usd, share.uncovered_usd, share.commitment_usd, share.spot_usd, share.net_usd()]
            .map(|usd| fixed(usd, 6))
    }))
    .collect()
}

/// The rows `[commitments]` adds to `summary.csv` (docs/scenario.md, "Commitments").
fn commitment_rows(scenario: &Scenario, bill: &Bill, put: &mut impl FnMut(&str, String)) {
    let usage = bill.usage();
    put("cost_net_usd", fixed(bill.net_usd(), 6));
    put("commitment_fees_usd", fixed(bill.fees_usd(), 6));
    put("commitment_used_usd", fixed(usage.commitment_usd, 6));
    put("commitment_unused_usd", fixed(bill.unused_usd(), 6));
    put("covered_usage_usd", fixed(usage.covered_usd, 6));
    put("uncovered_usage_usd", fixed(usage.uncovered_usd, 6));
    put("spot_usage_usd", fixed(usage.spot_usd, 6));
    for (fleet, share) in scenario.fleets.iter().zip(&bill.by_fleet) {
        put(&format!("covered_fleet_{}_usd", fleet.name), fixed(share.covered_usd, 6));
        put(&format!("uncovered_fleet_{}_usd", fleet.name), fixed(share.uncovered_usd, 6));
        put(&format!("cost_net_fleet_{}_usd", fleet.name), fixed(share.net_usd(), 6));
    }
    let fargate = bill.fargate();
    put("covered_fargate_usd", fixed(fargate.covered_usd, 6));
    put("uncovered_fargate_usd", fixed(fargate.uncovered_usd, 6));
    put("cost_net_fargate_usd", fixed(fargate.net_usd(), 6));
    for commitment in bill.reserved_instances.iter().chain(&bill.savings_plans) {
        put(&format!("commitment_{}_fees_usd", commitment.name), fixed(commitment.fees_usd, 6));
        put(&format!("commitment_{}_unused_usd", commitment.name), fixed(commitment.unused_usd(), 6));
    }
}

/// The rows of `summary.csv`, in order.
fn summary_rows(scenario: &Scenario, result: &RunResult) -> Vec<(String, String)> {
    let summary = &result.summary;
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut put = |name: &str, value: String| rows.push((name.to_string(), value));
    put("scenario", scenario.name.clone());
    put("seed", scenario.seed.to_string());
    put("simulated_hours", fixed(scenario.duration.as_secs_f64() / 3600.0, 3));
    put("cost_total_usd", fixed(summary.costs.total(), 6));
    put("cost_ec2_usd", fixed(summary.costs.ec2(), 6));
    put("cost_fargate_usd", fixed(summary.costs.fargate, 6));
    for (fleet, cost) in scenario.fleets.iter().zip(&summary.costs.by_fleet) {
        put(&format!("cost_fleet_{}_usd", fleet.name), fixed(*cost, 6));
    }
    if let Some(bill) = &summary.commitments {
        commitment_rows(scenario, bill, &mut put);
    }
    put("instance_hours", fixed(summary.instance_hours, 3));
    put("busy_instance_hours", fixed(summary.busy_instance_hours, 3));
    put("idle_instance_hours", fixed(summary.idle_instance_hours, 3));
    put("packing_bound_instance_hours", fixed(summary.packing_bound_instance_hours, 3));
    put("packing_efficiency_pct", optional(summary.packing_efficiency_pct, 3));
    put("cpu_reservation_avg_pct", fixed(summary.cpu_reservation_avg_pct, 3));
    put("cpu_reservation_peak_pct", fixed(summary.cpu_reservation_peak_pct, 3));
    put("memory_reservation_avg_pct", fixed(summary.memory_reservation_avg_pct, 3));
    put("memory_reservation_peak_pct", fixed(summary.memory_reservation_peak_pct, 3));
    put("tasks_submitted", summary.tasks_submitted.to_string());
    put("tasks_started", summary.tasks_started.to_string());
    put("tasks_completed", summary.tasks_completed.to_string());
    put("tasks_failed", summary.tasks_failed.iter().sum::<u64>().to_string());
    for (reason, count) in Rejection::ALL.iter().zip(summary.tasks_failed) {
        put(&format!("tasks_failed_{}", reason.reason()), count.to_string());
    }
    put("tasks_skipped_oversize", summary.tasks_skipped_oversize.to_string());
    put("trace_rows_skipped", summary.trace_rows_skipped.to_string());
    put("trace_rows_held_at_end", summary.trace_rows_held_at_end.to_string());
    put("trace_tasks_dropped", summary.trace_tasks_dropped.to_string());
    put("trace_tasks_cut_short", summary.trace_tasks_cut_short.to_string());
    put("tasks_running_at_end", summary.tasks_running_at_end.to_string());
    put("tasks_starting_at_end", summary.tasks_starting_at_end.to_string());
    put("tasks_waiting_at_end", summary.tasks_waiting_at_end.to_string());
    for (name, quantiles) in [("task_wait", &summary.task_wait), ("task_start_delay", &summary.task_start_delay)] {
        for (label, q) in ["p50", "p95", "p99"].iter().zip(quantiles) {
            put(&format!("{name}_{label}_s"), q.map_or(String::new(), |d| fixed(d.as_secs_f64(), 3)));
        }
    }
    put("tasks_lost_to_faults", summary.tasks_lost_to_faults.to_string());
    put("instance_failures", summary.instance_failures.to_string());
    put("spot_interruptions", summary.spot_interruptions.to_string());
    for (spec, availability) in scenario.services.iter().zip(&summary.service_availability_pct) {
        put(&format!("service_{}_availability_pct", spec.def.name), fixed(*availability, 4));
    }
    put("availability_pct", fixed(summary.availability_pct(), 4));
    if !scenario.services.is_empty() {
        for (name, value) in INCIDENT_COLUMNS.into_iter().zip(incident_cells(&summary.incidents)) {
            put(name, value);
        }
    }
    put("events_processed", summary.events.to_string());
    rows
}
