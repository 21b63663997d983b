//! `ecs-sim validate`: check a scenario and everything it refers to, and
//! print what would run.

use super::run::sweep_heading;
use crate::error::Error;
use crate::model::LaunchType;
use crate::scenario::service_spec::ServiceLaunch;
use crate::scenario::workload_spec::{FailurePolicy, WorkloadSource};
use crate::scenario::Scenario;
use crate::sweep::{self, Loaded};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The scenario file (TOML).
    pub(crate) scenario: PathBuf,
}

/// Prints what the scenario (and its sweep) would run.
pub(super) fn validate(args: ValidateArgs) -> Result<i32, Error> {
    let scenario = args.scenario;
    match sweep::load(&scenario)? {
        Loaded::Single(scenario) => out!("{}", describe(&scenario)),
        Loaded::Sweep(sweep) => {
            out!("{}", describe(&sweep.base));
            outln!("  {}", sweep_heading(&sweep, sweep.total_runs()));
            for variant in &sweep.variants {
                outln!("    variant `{}`", variant.label);
            }
        }
    }
    Ok(0)
}

/// A plain-language account of what a scenario would run.
fn describe(scenario: &Scenario) -> String {
    let mut text = format!(
        "scenario `{}` is valid\n  simulate {} from seed {}, sampling every {}, region {}\n  cluster `{}` in {}\n",
        scenario.name,
        scenario.duration,
        scenario.seed,
        scenario.sample_interval,
        scenario.region,
        scenario.cluster_name,
        scenario.availability_zones.join(", ")
    );
    for fleet in &scenario.fleets {
        let types: Vec<&str> = fleet.instance_types.iter().map(|t| t.name.as_str()).collect();
        let per_hour: f64 = (0..fleet.count as usize)
            .map(|i| {
                fleet.instance_types[(i / fleet.availability_zones.len()) % fleet.instance_types.len()].price_per_hour
            })
            .sum::<f64>()
            * fleet.price_factor;
        text += &format!(
            "  fleet `{}`: {} x {} ({:?}) over {}, ${:.4}/h\n",
            fleet.name,
            fleet.count,
            types.join("/"),
            fleet.market,
            fleet.availability_zones.join(", "),
            per_hour
        );
    }
    for def in &scenario.task_definitions {
        text += &format!(
            "  task definition `{}`: {} CPU units, {} MiB reserved, {} network{}\n",
            def.name(),
            def.cpu,
            def.memory_mib,
            def.network_mode.as_str(),
            def.fargate_size.map_or(String::new(), |s| format!(", Fargate {}/{}", s.cpu, s.memory_mib))
        );
    }
    for workload in &scenario.workloads {
        let source = match &workload.source {
            WorkloadSource::Trace(path) => format!("trace {}", path.display()),
            WorkloadSource::ExternalTrace(spec) => format!("{} trace {}", spec.format.name(), spec.path.display()),
            WorkloadSource::Synthetic(_) => "synthetic arrivals".to_string(),
        };
        let policy = match workload.on_failure {
            FailurePolicy::Fail => "fail at once".to_string(),
            FailurePolicy::Wait { max_wait: Some(w) } => format!("wait up to {w}"),
            FailurePolicy::Wait { max_wait: None } => "wait".to_string(),
        };
        let strategy = if workload.launch_type == LaunchType::Fargate {
            "Fargate zone spread".to_string()
        } else {
            format!("{:?}", workload.strategy)
        };
        text += &format!(
            "  workload `{}`: {} on {}, placement {}, {} constraint(s), unplaceable tasks {}\n",
            workload.name,
            source,
            workload.launch_type.as_str(),
            strategy,
            workload.constraints.len(),
            policy
        );
    }
    for provider in &scenario.capacity_providers {
        text += &format!(
            "  capacity provider `{}`: fleet `{}`, {} to {} instances, managed scaling {}, termination protection {}\n",
            provider.name,
            scenario.fleets[provider.fleet].name,
            provider.min_size,
            provider.max_size,
            provider.managed_scaling.map_or("off".to_string(), |m| format!("target {}", m.target_capacity)),
            if provider.termination_protection { "on" } else { "off" }
        );
    }
    for service in &scenario.services {
        let launch = match &service.launch {
            ServiceLaunch::LaunchType(launch_type) => launch_type.as_str().to_string(),
            ServiceLaunch::Providers(shares) => shares
                .iter()
                .map(|s| {
                    format!("{} (base {}, weight {})", s.provider.name(&scenario.capacity_providers), s.base, s.weight)
                })
                .collect::<Vec<_>>()
                .join(" + "),
        };
        let count =
            if service.is_daemon() { "DAEMON".to_string() } else { format!("{} tasks", service.desired_count()) };
        text += &format!(
            "  service `{}`: {} of `{}` on {}, {}{}\n",
            service.def.name,
            count,
            scenario.task_definitions[service.task_definition].name(),
            launch,
            if service.demand.is_some() { "with a demand curve" } else { "no demand curve" },
            if service.auto_scaling.is_some() { ", auto scaling" } else { "" }
        );
    }
    let updates = scenario.service_updates.len();
    let faults = &scenario.faults;
    if updates > 0 {
        text += &format!("  {updates} timed service update(s)\n");
    }
    if faults.instance_mtbf.is_some()
        || faults.task_crash_rate > 0.0
        || faults.spot_interruption_rate > 0.0
        || faults.fargate_spot_interruption_rate > 0.0
        || !faults.az_outages.is_empty()
    {
        text += &format!(
            "  faults: instance MTBF {}, task crashes {}/h, Spot {}/instance-h (draining {}), FARGATE_SPOT {}/task-h, {} zone outage(s)\n",
            faults.instance_mtbf.map_or("none".to_string(), |m| m.to_string()),
            faults.task_crash_rate,
            faults.spot_interruption_rate,
            if faults.spot_draining { "on" } else { "off" },
            faults.fargate_spot_interruption_rate,
            faults.az_outages.len()
        );
    }
    text
}
