//! `ecs-sim validate`: check a scenario and everything it refers to, and
//! print what would run.

use super::run::sweep_heading;
use super::{limit_work, BudgetArgs, Verbosity};
use crate::engine::SimDuration;
use crate::error::Error;
use crate::model::{LaunchType, Market};
use crate::output::files::fixed;
use crate::placement::{BinpackField, Strategy};
use crate::scenario::budget::human_bytes;
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
    #[command(flatten)]
    pub(crate) budget: BudgetArgs,
}

/// Prints what the scenario (and its sweep) would run.
pub(super) fn validate(args: ValidateArgs, verbosity: Verbosity) -> Result<i32, Error> {
    let mut loaded = sweep::load(&args.scenario)?;
    let work = limit_work(&mut loaded, args.budget)?;
    if verbosity == Verbosity::Quiet {
        return Ok(0);
    }
    let budget = args.budget;
    let work_line = format!(
        "  work: about {:.0} events and {:.0} output rows per run, within the budget of {} events (--max-events)\n  \
         output: about {} per run, within {} GiB (--max-output-gib); peak memory: about {} per run, within {} GiB \
         (--max-memory-gib)\n",
        work.events,
        work.rows,
        budget.max_events,
        human_bytes(work.output_bytes),
        budget.max_output_gib,
        human_bytes(work.memory_bytes),
        budget.max_memory_gib
    );
    match loaded {
        Loaded::Single(scenario) if crate::optimize::declares_search(&args.scenario) => {
            let problem = crate::optimize::load(&args.scenario)?;
            out!("{}{work_line}", describe(&scenario));
            let spec = &problem.spec;
            outln!(
                "  search: {} option(s) of {} variable(s); the full grid is {} runs, the budget {} runs",
                spec.options(),
                spec.sweep.settings.len(),
                spec.grid_runs(),
                spec.budget_runs
            );
            for (setting, monotone) in spec.sweep.settings.iter().zip(&spec.monotone) {
                let how = if *monotone { ", monotone (bisected)" } else { "" };
                outln!("    variable {}: {}{how}", setting.paths.join(", "), setting.labels.join(" | "));
            }
            for constraint in &spec.constraints {
                outln!("    constraint {} under every condition", constraint.describe());
            }
            for condition in &spec.sweep.conditions {
                outln!("    condition `{}` (weight {})", condition.label, condition.weight);
            }
        }
        Loaded::Single(scenario) => out!("{}{work_line}", describe(&scenario)),
        Loaded::Sweep(sweep) => {
            out!("{}{work_line}", describe(&sweep.base));
            outln!("  {}", sweep_heading(&sweep, sweep.total_runs()));
            for variant in &sweep.variants {
                outln!("    option `{}`", variant.label);
            }
            if sweep.spec.declares_conditions {
                for condition in &sweep.spec.conditions {
                    let sets: Vec<String> = condition.set.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    let sets = if sets.is_empty() { "the scenario as written".to_string() } else { sets.join("; ") };
                    outln!("    condition `{}` (weight {}): {sets}", condition.label, condition.weight);
                }
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
        let market = match fleet.market {
            Market::OnDemand => "On-Demand".to_string(),
            Market::Spot => format!("Spot at {} x the On-Demand price", fleet.price_factor),
        };
        text += &format!(
            "  fleet `{}`: {} x {} ({market}) over {}, {}\n",
            fleet.name,
            fleet.count,
            types.join("/"),
            fleet.availability_zones.join(", "),
            price_per_hour(per_hour)
        );
    }
    for def in &scenario.task_definitions {
        text += &format!(
            "  task definition `{}`: {} CPU units, {} MiB reserved, {} network{}\n",
            def.name(),
            def.cpu,
            def.memory_mib,
            def.network_mode.as_str(),
            def.fargate_size.map_or(String::new(), |s| format!(
                ", Fargate size {} vCPU and {} GB",
                f64::from(s.cpu) / 1024.0,
                f64::from(s.memory_mib) / 1024.0
            ))
        );
    }
    for workload in &scenario.workloads {
        let source = match &workload.source {
            WorkloadSource::Trace(path) => format!("trace {}", path.display()),
            WorkloadSource::ExternalTrace(spec) => format!("{} trace {}", spec.format.name(), spec.path.display()),
            WorkloadSource::Synthetic(_) => "synthetic arrivals".to_string(),
            WorkloadSource::StartedBefore => "only tasks running at the start".to_string(),
        };
        let policy = match workload.on_failure {
            FailurePolicy::Fail => "fail at once".to_string(),
            FailurePolicy::Wait { max_wait: Some(w) } => format!("wait up to {w}"),
            FailurePolicy::Wait { max_wait: None } => "wait".to_string(),
        };
        let strategy = if workload.launch_type == LaunchType::Fargate {
            "Fargate zone spread".to_string()
        } else {
            strategy_chain(&workload.strategy)
        };
        text += &format!(
            "  workload `{}`: {} on {}, placement {}, {}, unplaceable tasks {}\n",
            workload.name,
            source,
            workload.launch_type.as_str(),
            strategy,
            count(workload.constraints.len(), "placement constraint", "placement constraints"),
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
            provider
                .managed_scaling
                .map_or("off".to_string(), |m| format!("to a target capacity of {} %", m.target_capacity)),
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
    if updates > 0 {
        text += &format!("  {}\n", count(updates, "timed service update", "timed service updates"));
    }
    let faults = &scenario.faults;
    let mut active = Vec::new();
    if let Some(mtbf) = faults.instance_mtbf {
        active.push(format!("instance failures every {mtbf} on average"));
    }
    if faults.task_crash_rate > 0.0 {
        active.push(format!("{} task crashes per task-hour", faults.task_crash_rate));
    }
    if faults.spot_interruption_rate > 0.0 {
        active.push(format!(
            "{} Spot interruptions per instance-hour (draining {})",
            faults.spot_interruption_rate,
            if faults.spot_draining { "on" } else { "off" }
        ));
    }
    if faults.fargate_spot_interruption_rate > 0.0 {
        active.push(format!("{} FARGATE_SPOT interruptions per task-hour", faults.fargate_spot_interruption_rate));
    }
    for outage in &faults.az_outages {
        active.push(format!(
            "an outage of {} from {} to {}",
            scenario.availability_zones[outage.zone],
            clock(outage.start),
            clock(outage.end)
        ));
    }
    if !active.is_empty() {
        text += &format!("  faults: {}\n", active.join(", "));
    }
    text
}

/// A time in the run as days, hours, minutes and seconds, e.g. `3h50m` (not `230m`).
fn clock(time: SimDuration) -> String {
    let mut rest = time.0;
    let mut text = String::new();
    for (size, unit) in [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")] {
        if rest >= size {
            text += &format!("{}{unit}", rest / size);
            rest %= size;
        }
    }
    if text.is_empty() {
        "0s".to_string()
    } else {
        text
    }
}

/// `n` things, e.g. "no zone outages", "1 zone outage", "3 zone outages".
fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// An hourly price for people: cents from $1 up, tenths of a cent below
/// (an m5.large is $0.096/h), never a negative zero.
fn price_per_hour(dollars: f64) -> String {
    let decimals = if dollars.abs() >= 1.0 { 2 } else { 3 };
    format!("${}/h", fixed(dollars, decimals))
}

/// A placement strategy chain in ECS's words, e.g. `spread(attribute:ecs.availability-zone), binpack(memory)`.
fn strategy_chain(chain: &[Strategy]) -> String {
    let one = |strategy: &Strategy| match strategy {
        Strategy::Random => "random".to_string(),
        Strategy::Binpack(BinpackField::Cpu) => "binpack(cpu)".to_string(),
        Strategy::Binpack(BinpackField::Memory) => "binpack(memory)".to_string(),
        Strategy::SpreadInstance => "spread(instanceId)".to_string(),
        Strategy::SpreadAttribute(attribute) => format!("spread(attribute:{attribute})"),
    };
    chain.iter().map(one).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_have_sensible_precision_and_no_negative_zero() {
        assert_eq!(price_per_hour(-0.0), "$0.000/h");
        assert_eq!(price_per_hour(0.096), "$0.096/h");
        assert_eq!(price_per_hour(0.0336), "$0.034/h");
        assert_eq!(price_per_hour(4.608), "$4.61/h");
    }

    #[test]
    fn times_in_the_run_read_as_a_clock() {
        assert_eq!(clock(SimDuration::from_secs(230 * 60)), "3h50m");
        assert_eq!(clock(SimDuration(90_500)), "1m30s500ms");
        assert_eq!(clock(SimDuration::ZERO), "0s");
        assert_eq!(clock(SimDuration::from_secs(86_400)), "1d");
    }

    #[test]
    fn strategies_read_as_ecs_writes_them() {
        let chain =
            [Strategy::SpreadAttribute("ecs.availability-zone".into()), Strategy::Binpack(BinpackField::Memory)];
        assert_eq!(strategy_chain(&chain), "spread(attribute:ecs.availability-zone), binpack(memory)");
        assert_eq!(strategy_chain(&[Strategy::SpreadInstance, Strategy::Random]), "spread(instanceId), random");
    }
}
