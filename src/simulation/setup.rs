//! Setting up a run: the placement plans, the starting fleet, the task
//! sources, the services and the capacity providers.

use super::event::Event;
use super::scaling::ProviderState;
use super::services::ServiceState;
use super::{scaling, Draws, Simulation};
use crate::billing::Costs;
use crate::cluster::{Cluster, InstanceId, InstanceIdentity};
use crate::engine::{rng_stream, EventQueue, SimTime};
use crate::error::{Error, InputError};
use crate::metrics::{Histogram, Integrals};
use crate::model::Provider;
use crate::placement::{Constraint, Placer};
use crate::record::{Owner, RecordOptions, Recorder, RunSummary};
use crate::scenario::service_spec::ServiceLaunch;
use crate::scenario::workload_spec::WorkloadSource;
use crate::scenario::Scenario;
use crate::workload::{CsvTrace, NoSubmissions, SubmissionSource, Synthetic, TraceSource};
use std::collections::{BTreeMap, VecDeque};

/// The instance attribute naming an instance's fleet, for capacity
/// provider placement.
pub(super) const FLEET_ATTRIBUTE: &str = "ecs-sim.fleet";

/// A fleet's custom attributes, plus its name when a capacity provider
/// places on it.
pub(super) fn fleet_attributes(scenario: &Scenario, fleet: usize) -> Vec<(String, String)> {
    let mut attributes: Vec<(String, String)> = scenario.fleets[fleet].attributes.clone().into_iter().collect();
    if scenario.capacity_providers.iter().any(|p| p.fleet == fleet) {
        attributes.push((FLEET_ATTRIBUTE.to_string(), scenario.fleets[fleet].name.clone()));
    }
    attributes
}

impl<'s> Simulation<'s> {
    /// Sets up a run of `scenario`.
    pub fn new(scenario: &'s Scenario) -> Result<Simulation<'s>, Error> {
        let seed = scenario.seed;
        let mut cluster =
            Cluster::new(scenario.availability_zones.clone(), scenario.awsvpc_trunking, scenario.agent_version.clone());
        let mut placer = Placer::new(rng_stream(seed, "placement"));
        // Compile every (workload, task definition) plan before launching
        // instances, so that spread counters and partitions exist from the start.
        let mut plans = Vec::new();
        let mut plan_index = BTreeMap::new();
        let owners = scenario
            .workloads
            .iter()
            .enumerate()
            .map(|(w, workload)| (Owner::Workload(w), &workload.strategy, &workload.constraints))
            .chain(
                scenario
                    .services
                    .iter()
                    .enumerate()
                    .map(|(s, service)| (Owner::Service(s), &service.strategy, &service.constraints)),
            );
        for (owner, strategy, owner_constraints) in owners {
            // Service tasks of an Auto Scaling group provider go only to its fleet.
            let mut providers: Vec<Option<usize>> = vec![None];
            if let Owner::Service(s) = owner {
                if let ServiceLaunch::Providers(shares) = &scenario.services[s].launch {
                    providers.extend(shares.iter().filter_map(|share| match share.provider {
                        Provider::Asg(p) => Some(Some(p)),
                        _ => None,
                    }));
                }
            }
            for provider in providers {
                for (d, def) in scenario.task_definitions.iter().enumerate() {
                    let mut constraints = owner_constraints.clone();
                    constraints.extend(def.member_of.iter().cloned().map(Constraint::MemberOf));
                    if let Some(p) = provider {
                        let fleet = &scenario.fleets[scenario.capacity_providers[p].fleet].name;
                        let expression = format!("attribute:{FLEET_ATTRIBUTE} == \"{fleet}\"");
                        let parsed = crate::cluster::query::Expression::parse(&expression)
                            .map_err(|e| InputError::new(&scenario.path, format!("fleet name `{fleet}`: {e}")))?;
                        constraints.push(Constraint::MemberOf(parsed));
                    }
                    plan_index.insert((owner, d, provider), plans.len());
                    plans.push(placer.compile(&mut cluster, strategy, &constraints));
                }
            }
        }
        let mut draws = Draws::new(scenario);
        let mut listed_instances = Vec::with_capacity(scenario.fleets.len());
        for (f, fleet) in scenario.fleets.iter().enumerate() {
            let attributes = fleet_attributes(scenario, f);
            let zones = fleet.availability_zones.len() as u32;
            let provider = scenario.capacity_providers.iter().find(|p| p.fleet == f);
            let count = provider.map_or(fleet.count, |p| fleet.count.clamp(p.min_size, p.max_size));
            let mut listed_ids = Vec::with_capacity(fleet.listed.len());
            for i in 0..count {
                let id = match fleet.listed.get(i as usize) {
                    Some(listed) => {
                        let mut attributes = attributes.clone();
                        attributes.extend(listed.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
                        let identity =
                            InstanceIdentity { ec2_instance_id: listed.id.clone(), registered: listed.registered };
                        let (instance_type, zone) = (&listed.instance_type, listed.availability_zone);
                        let id =
                            cluster.add_instance_as(f, instance_type, zone, SimTime::ZERO, &attributes, Some(identity));
                        listed_ids.push(id);
                        id
                    }
                    None => {
                        let instance_type = &fleet.instance_types[((i / zones) as usize) % fleet.instance_types.len()];
                        let zone_name = &fleet.availability_zones[(i % zones) as usize];
                        let zone = scenario.availability_zones.iter().position(|z| z == zone_name).unwrap_or(0);
                        cluster.add_instance(f, instance_type, zone, SimTime::ZERO, &attributes)
                    }
                };
                let key = draws.next_launch(scenario, f);
                draws.set_instance_key(id, key);
            }
            listed_instances.push(listed_ids);
        }
        let instance_shapes: Vec<(u32, u32)> = scenario
            .fleets
            .iter()
            .flat_map(|f| {
                let listed = f.listed.iter().map(|listed| listed.registered);
                f.instance_types.iter().map(|t| (t.registered_cpu_units(), t.registered_memory_mib)).chain(listed)
            })
            .collect();
        let mut sources: Vec<Box<dyn SubmissionSource>> = Vec::new();
        for workload in &scenario.workloads {
            sources.push(match &workload.source {
                WorkloadSource::Trace(path) => Box::new(CsvTrace::open(path)?),
                WorkloadSource::Synthetic(spec) => Box::new(Synthetic::new(spec.clone(), seed, &workload.name)),
                WorkloadSource::ExternalTrace(spec) => Box::new(TraceSource::open(spec)?),
                WorkloadSource::StartedBefore => Box::new(NoSubmissions),
            });
        }
        let scaling_on =
            !scenario.capacity_providers.is_empty() || scenario.services.iter().any(|s| s.auto_scaling.is_some());
        let recorder = Recorder::new(RecordOptions {
            tasks: scenario.write_tasks_csv,
            events: scenario.write_events_csv,
            services: !scenario.services.is_empty(),
            scaling: scaling_on,
            usage: scenario.commitments.is_some(),
        });
        let providers = scenario
            .capacity_providers
            .iter()
            .map(|p| ProviderState {
                desired: scenario.fleets[p.fleet].count.clamp(p.min_size, p.max_size),
                pending: 0,
                terminating: Default::default(),
                scaler: p.managed_scaling.and_then(|m| crate::scaling::capacity::CapacityProviderScaler::new(m).ok()),
            })
            .collect();
        let targets: Vec<_> = scenario.services.iter().map(scaling::scalable_target).collect();
        let services = scenario
            .services
            .iter()
            .map(|spec| ServiceState::new(spec, cluster.group_id(&format!("service:{}", spec.def.name))))
            .collect();
        let dynamic_constraints = placer.has_dynamic_expressions();
        let mut sim = Simulation {
            scenario,
            queue: EventQueue::default(),
            cluster,
            placer,
            plans,
            plan_index,
            services,
            services_waiting: 0,
            zone_down: vec![0; scenario.availability_zones.len()],
            registered_cpu_ms: 0.0,
            launches: Vec::new(),
            providers,
            targets,
            last_scaling_tick: SimTime::ZERO,
            draws,
            service_rng: rng_stream(seed, "services"),
            pending_submission: vec![None; sources.len()],
            sources,
            released: VecDeque::new(),
            deferred: BTreeMap::new(),
            next_deferred: 0,
            dag_pending: Default::default(),
            next_dag_id: 0,
            tasks_asked: 0,
            instance_shapes,
            tasks: Vec::new(),
            tasks_by_instance: Default::default(),
            free_slots: Vec::new(),
            next_number: 1,
            waiting: BTreeMap::new(),
            waiting_order: Default::default(),
            dominance: Default::default(),
            waiting_count: 0,
            retry_scheduled: false,
            touched: Vec::new(),
            touched_marks: Default::default(),
            dynamic_constraints,
            fargate_placement: rng_stream(seed, "fargate-placement"),
            fargate_spread: BTreeMap::new(),
            running_tasks: 0,
            unstarted_tasks: 0,
            running_fargate: 0,
            integrals: Integrals::default(),
            trouble: Default::default(),
            packing: Default::default(),
            next_sample: SimTime::ZERO,
            waits: Histogram::default(),
            start_delays: Histogram::default(),
            summary: RunSummary {
                costs: Costs { by_fleet: vec![0.0; scenario.fleets.len()], fargate: 0.0 },
                ..RunSummary::default()
            },
            recorder,
        };
        sim.integrals.advance(SimTime::ZERO, sim.cluster.totals());
        for id in 0..sim.cluster.instances.len() {
            sim.arm_instance_faults(InstanceId(id as u32));
        }
        sim.start_services_and_faults()?;
        sim.adopt_running_tasks(&listed_instances)?;
        if scaling_on {
            sim.queue.every(SimTime::ZERO + scaling::SCALING_PERIOD, scaling::SCALING_PERIOD, Event::ScalingTick)?;
        }
        for w in 0..sim.sources.len() {
            sim.load_next_submission(w)?;
        }
        Ok(sim)
    }
}
