//! Placement, held to ECS's documented behaviour: the worked examples of the
//! `docs/ecs-reference.md` (§2) and property tests that check the fast, indexed path
//! against the plain scan-filter-rank definition.

use ecs_sim::catalog::{Architecture, Catalog, InstanceType};
use ecs_sim::cluster::query::Expression;
use ecs_sim::cluster::{Cluster, GroupId, InstanceId};
use ecs_sim::engine::{rng_stream, SimTime};
use ecs_sim::model::{HostPort, NetworkMode, Protocol};
use ecs_sim::placement::{
    reference_best, BinpackField, Constraint, PlacementPlan, Placer, Rejection, Strategy, TaskNeeds,
};
use ecs_sim::scenario::taskdef::{parse_json, TaskDef};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use std::collections::BTreeSet;

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

fn catalog_type(name: &str) -> InstanceType {
    Catalog::builtin().get(name).unwrap().clone()
}

/// A cluster of `types[i]` instances, zones assigned round-robin.
fn cluster(types: &[&str], trunking: bool) -> Cluster {
    let mut cluster = Cluster::new(ZONES.iter().map(|z| z.to_string()).collect(), trunking, "1.89.0".into());
    for (i, name) in types.iter().enumerate() {
        cluster.add_instance(0, &catalog_type(name), i % 3, SimTime::ZERO, &[]);
    }
    cluster
}

fn def(json: &str) -> TaskDef {
    parse_json(json).unwrap().validate().unwrap()
}

/// Places `count` tasks of `def` one after another, as RunTask does.
struct Run<'a> {
    cluster: &'a mut Cluster,
    placer: Placer,
    plan: PlacementPlan,
    group: GroupId,
}

impl<'a> Run<'a> {
    fn new(cluster: &'a mut Cluster, strategy: &[Strategy], constraints: &[Constraint]) -> Run<'a> {
        let mut placer = Placer::new(rng_stream(1, "placement"));
        let plan = placer.compile(cluster, strategy, constraints);
        let group = cluster.group_id("family:test");
        Run { cluster, placer, plan, group }
    }

    fn place(&mut self, def: &TaskDef) -> Result<InstanceId, Rejection> {
        let needs = TaskNeeds {
            cpu: def.cpu,
            memory: def.memory_mib,
            host_ports: &def.host_ports,
            awsvpc: def.network_mode == NetworkMode::Awsvpc,
            group: self.group,
            plan: &self.plan,
        };
        let id = self
            .placer
            .select(self.cluster, &needs)
            .ok_or_else(|| self.placer.closest_rejection(self.cluster, &needs))?;
        self.cluster.reserve(id, &needs.reservation());
        Ok(id)
    }

    fn place_all(&mut self, def: &TaskDef, count: usize) -> Vec<Result<InstanceId, Rejection>> {
        (0..count).map(|_| self.place(def)).collect()
    }
}

fn small_task() -> TaskDef {
    def(r#"{"family":"t","containerDefinitions":[{"name":"a","cpu":256,"memory":512}]}"#)
}

#[test]
fn spread_over_three_zones_balances_the_group() {
    let mut c = cluster(&["m5.large"; 6], false);
    let mut run = Run::new(&mut c, &[Strategy::SpreadAttribute("ecs.availability-zone".into())], &[]);
    let placed = run.place_all(&small_task(), 9);
    let mut per_zone = [0; 3];
    for id in placed.into_iter().map(Result::unwrap) {
        per_zone[run.cluster.instances[id.0 as usize].availability_zone] += 1;
    }
    assert_eq!(per_zone, [3, 3, 3]);
}

#[test]
fn binpack_on_memory_fills_the_fewest_instances() {
    // m5.large registers 7987 MiB: three 2000 MiB tasks fit on one.
    let task = def(r#"{"family":"t","containerDefinitions":[{"name":"a","cpu":128,"memory":2000}]}"#);
    let mut c = cluster(&["m5.large"; 8], false);
    let mut run = Run::new(&mut c, &[Strategy::Binpack(BinpackField::Memory)], &[]);
    let used: BTreeSet<_> = run.place_all(&task, 8).into_iter().map(Result::unwrap).collect();
    assert_eq!(used.len(), 3, "8 tasks of 2000 MiB need ceil(8/3) = 3 instances");

    let mut c = cluster(&["m5.large"; 8], false);
    let mut run = Run::new(&mut c, &[Strategy::SpreadInstance], &[]);
    let spread: BTreeSet<_> = run.place_all(&task, 8).into_iter().map(Result::unwrap).collect();
    assert_eq!(spread.len(), 8, "spread(instanceId) uses every instance");
}

#[test]
fn binpack_prefers_the_instance_with_least_remaining_memory() {
    let mut c = cluster(&["m5.large", "m5.large", "r5.large"], false);
    let big = def(r#"{"family":"t","containerDefinitions":[{"name":"a","cpu":128,"memory":6000}]}"#);
    let mut run = Run::new(&mut c, &[Strategy::Binpack(BinpackField::Memory)], &[]);
    let first = run.place(&big).unwrap();
    // The next small task goes to the instance left with the least memory that still fits.
    let next = run.place(&small_task()).unwrap();
    assert_eq!(next, first);
}

#[test]
fn distinct_instance_leaves_a_task_unplaced_with_a_reason() {
    let mut c = cluster(&["m5.large"; 3], false);
    let mut run = Run::new(&mut c, &[Strategy::Random], &[Constraint::DistinctInstance]);
    let results = run.place_all(&small_task(), 4);
    let placed: BTreeSet<_> = results[..3].iter().map(|r| *r.as_ref().unwrap()).collect();
    assert_eq!(placed.len(), 3);
    assert_eq!(results[3], Err(Rejection::DistinctInstance));
    assert_eq!(Rejection::DistinctInstance.reason(), "CONSTRAINT:distinctInstance");
}

#[test]
fn member_of_instance_type_regex_keeps_only_t2() {
    let t2 = InstanceType {
        name: "t2.micro".into(),
        vcpu: 1,
        memory_mib: 1024,
        registered_memory_mib: 993,
        max_enis: 2,
        awsvpc_trunk_tasks: None,
        architecture: Architecture::X86_64,
        price_per_hour: 0.0116,
    };
    let mut c = cluster(&["m5.large", "m5.large"], false);
    c.add_instance(0, &t2, 2, SimTime::ZERO, &[]);
    let expression = Expression::parse("attribute:ecs.instance-type =~ t2.*").unwrap();
    let mut run = Run::new(&mut c, &[Strategy::Random], &[Constraint::MemberOf(expression)]);
    let tiny = def(r#"{"family":"t","containerDefinitions":[{"name":"a","cpu":128,"memory":64}]}"#);
    for result in run.place_all(&tiny, 8) {
        assert_eq!(run.cluster.instances[result.unwrap().0 as usize].instance_type, 1, "only the t2.micro qualifies");
    }
    // 8 × 128 CPU units fill the t2.micro's 1024. The m5s still have room, and a
    // constraint failure is further along than a CPU shortage, so that is the reason.
    assert_eq!(run.place(&tiny), Err(Rejection::MemberOf));
}

#[test]
fn static_host_ports_conflict_in_bridge_and_host_mode_but_dynamic_ones_do_not() {
    for json in [
        r#"{"family":"b","networkMode":"bridge","containerDefinitions":[{"memory":128,"portMappings":[{"containerPort":80,"hostPort":8080}]}]}"#,
        r#"{"family":"h","networkMode":"host","containerDefinitions":[{"memory":128,"portMappings":[{"containerPort":80}]}]}"#,
    ] {
        let mut c = cluster(&["m5.large"], false);
        let task = def(json);
        let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
        assert!(run.place(&task).is_ok());
        assert_eq!(run.place(&task), Err(Rejection::Ports), "{json}");
    }
    let dynamic = def(
        r#"{"family":"d","containerDefinitions":[{"memory":128,"portMappings":[{"containerPort":80,"hostPort":0}]}]}"#,
    );
    let mut c = cluster(&["m5.large"], false);
    let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
    assert!(run.place_all(&dynamic, 5).iter().all(Result::is_ok));
    // The agent reserves port 22 on every instance.
    let ssh = def(
        r#"{"family":"s","networkMode":"host","containerDefinitions":[{"memory":128,"portMappings":[{"containerPort":22}]}]}"#,
    );
    assert_eq!(run.place(&ssh), Err(Rejection::Ports));
}

#[test]
fn awsvpc_exhausts_enis_on_an_m5_large_after_two_tasks_without_trunking() {
    let vpc = def(r#"{"family":"v","networkMode":"awsvpc","containerDefinitions":[{"cpu":64,"memory":128}]}"#);
    let mut c = cluster(&["m5.large"], false);
    let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
    let results = run.place_all(&vpc, 3);
    assert!(results[..2].iter().all(Result::is_ok));
    assert_eq!(results[2], Err(Rejection::Eni));
    assert_eq!(Rejection::Eni.reason(), "RESOURCE:ENI");

    let mut c = cluster(&["m5.large"], true);
    let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
    let results = run.place_all(&vpc, 11);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 10, "trunking raises m5.large to 10");
    // t3 does not support trunking.
    let mut c = cluster(&["t3.medium"], true);
    let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
    assert_eq!(run.place_all(&vpc, 3).iter().filter(|r| r.is_ok()).count(), 2);
}

#[test]
fn memory_reservation_not_memory_is_deducted() {
    let soft = def(r#"{"family":"m","containerDefinitions":[{"cpu":128,"memory":1024,"memoryReservation":512}]}"#);
    assert_eq!(soft.memory_mib, 512);
    let mut c = cluster(&["m5.large"], false); // 7987 MiB registered
    let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
    let results = run.place_all(&soft, 16);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 15, "15 × 512 = 7680 ≤ 7987 < 16 × 512");
    assert_eq!(results[15], Err(Rejection::Memory));
    let hard = def(r#"{"family":"m","containerDefinitions":[{"cpu":128,"memory":1024}]}"#);
    let mut c = cluster(&["m5.large"], false);
    let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
    assert_eq!(run.place_all(&hard, 8).iter().filter(|r| r.is_ok()).count(), 7);
}

#[test]
fn cpu_shortage_is_reported_when_nothing_has_the_cpu() {
    let mut c = cluster(&["m5.large"; 2], false);
    let mut run = Run::new(&mut c, &[Strategy::Random], &[]);
    let huge = def(r#"{"family":"h","cpu":4096,"memory":"512","containerDefinitions":[{"name":"a"}]}"#);
    assert_eq!(run.place(&huge), Err(Rejection::Cpu));
    let mut empty = cluster(&[], false);
    let mut run = Run::new(&mut empty, &[Strategy::Random], &[]);
    assert_eq!(run.place(&small_task()), Err(Rejection::NoInstances));
}

#[test]
fn default_service_style_chain_spreads_zones_then_instances() {
    let mut c = cluster(&["m5.large"; 6], false);
    let chain = [Strategy::SpreadAttribute("ecs.availability-zone".into()), Strategy::SpreadInstance];
    let mut run = Run::new(&mut c, &chain, &[]);
    let used: BTreeSet<_> = run.place_all(&small_task(), 6).into_iter().map(Result::unwrap).collect();
    assert_eq!(used.len(), 6, "one task per instance before any doubles up");
}

// ---------------------------------------------------------------------------
// Property tests: the fast path against the reference definition.

const TYPES: [&str; 6] = ["t3.medium", "m5.large", "c5.xlarge", "r5.large", "m6g.large", "m5.2xlarge"];

#[derive(Debug, Clone)]
enum Step {
    Place { cpu: u32, memory: u32, port: Option<u16>, awsvpc: bool, group: u8 },
    Release(usize),
}

fn strategy_item() -> impl proptest::strategy::Strategy<Value = Strategy> {
    prop_oneof![
        Just(Strategy::Random),
        Just(Strategy::Binpack(BinpackField::Cpu)),
        Just(Strategy::Binpack(BinpackField::Memory)),
        Just(Strategy::SpreadInstance),
        Just(Strategy::SpreadAttribute("ecs.availability-zone".into())),
        Just(Strategy::SpreadAttribute("ecs.instance-type".into())),
        Just(Strategy::SpreadAttribute("rack".into())),
    ]
}

fn constraint_set() -> impl proptest::strategy::Strategy<Value = Vec<Constraint>> {
    let one = prop_oneof![
        Just("distinct"),
        Just("attribute:ecs.instance-type != t3.medium"),
        Just("attribute:ecs.cpu-architecture == x86_64"),
        Just("runningTasksCount <= 6"),
        Just("not(task:group == family:g1)"),
        Just("attribute:rack exists"),
    ];
    proptest::collection::vec(one, 0..3).prop_map(|items| {
        items
            .into_iter()
            .map(|item| match item {
                "distinct" => Constraint::DistinctInstance,
                text => Constraint::MemberOf(Expression::parse(text).unwrap()),
            })
            .collect()
    })
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    prop_oneof![
        4 => (
            prop_oneof![Just(128_u32), Just(256), Just(512), Just(1024), Just(2048)],
            prop_oneof![Just(256_u32), Just(512), Just(1000), Just(2048), Just(4000)],
            prop::option::weighted(0.2, prop_oneof![Just(80_u16), Just(443)]),
            prop::bool::weighted(0.2),
            0_u8..3,
        )
            .prop_map(|(cpu, memory, port, awsvpc, group)| Step::Place { cpu, memory, port, awsvpc, group }),
        1 => (0_usize..1000).prop_map(Step::Release),
    ]
}

/// Checks every instance's bookkeeping: never over-committed, and the
/// index agrees with the instances.
fn assert_consistent(cluster: &Cluster) {
    for instance in &cluster.instances {
        assert!(instance.free_cpu <= instance.registered_cpu, "CPU over-committed on {:?}", instance.id);
        assert!(instance.free_memory <= instance.registered_memory, "memory over-committed on {:?}", instance.id);
        assert!(instance.enis_used <= instance.eni_slots, "ENIs over-committed on {:?}", instance.id);
        let ports: BTreeSet<_> = instance.host_ports.iter().collect();
        assert_eq!(ports.len(), instance.host_ports.len(), "a host port is held twice");
    }
    let everything = cluster.index.everything().unwrap();
    assert_eq!(everything.members.len(), cluster.instances.len());
    for ((free, id), cpu) in everything.by_memory.entries() {
        assert_eq!(cluster.instances[id.0 as usize].free_memory, free, "stale memory index");
        assert_eq!(cluster.instances[id.0 as usize].free_cpu, cpu, "stale CPU in the memory index");
    }
    for ((free, id), memory) in everything.by_cpu.entries() {
        assert_eq!(cluster.instances[id.0 as usize].free_cpu, free, "stale CPU index");
        assert_eq!(cluster.instances[id.0 as usize].free_memory, memory, "stale memory in the CPU index");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_picks_a_candidate_the_reference_ranks_best(
        types in proptest::collection::vec(0_usize..TYPES.len(), 1..24),
        racks in proptest::collection::vec(prop::option::of(0_u8..3), 24),
        chain in proptest::collection::vec(strategy_item(), 0..4),
        constraints in constraint_set(),
        steps in proptest::collection::vec(step(), 1..120),
        seed in any::<u64>(),
        trunking in any::<bool>(),
    ) {
        let mut cluster = Cluster::new(ZONES.iter().map(|z| z.to_string()).collect(), trunking, "1.89.0".into());
        let mut fast = Placer::new(rng_stream(seed, "placement"));
        let mut reference = Placer::new(rng_stream(seed, "reference"));
        // Compile before adding instances, as a run does; the reference compiles
        // the same plan so expression ids agree.
        let plan = fast.compile(&mut cluster, &chain, &constraints);
        reference.compile(&mut cluster, &chain, &constraints);
        for (i, &t) in types.iter().enumerate() {
            let attributes: Vec<(String, String)> =
                racks[i].map(|r| vec![("rack".to_string(), format!("r{r}"))]).unwrap_or_default();
            cluster.add_instance(0, &catalog_type(TYPES[t]), i % 3, SimTime::ZERO, &attributes);
        }
        let groups: Vec<GroupId> = (0..3).map(|g| cluster.group_id(&format!("family:g{g}"))).collect();
        let mut placed: Vec<(InstanceId, u32, u32, Vec<HostPort>, bool, GroupId)> = Vec::new();
        for step in steps {
            match step {
                Step::Place { cpu, memory, port, awsvpc, group } => {
                    let ports: Vec<HostPort> = port
                        .map(|p| vec![HostPort { port: p, protocol: Protocol::Tcp }])
                        .unwrap_or_default();
                    let needs = TaskNeeds { cpu, memory, host_ports: &ports, awsvpc, group: groups[group as usize], plan: &plan };
                    let expected = reference_best(&cluster, &mut reference, &needs);
                    let got = fast.select(&mut cluster, &needs).ok_or_else(|| fast.closest_rejection(&cluster, &needs));
                    match (&expected, got) {
                        (Ok(best), Ok(id)) => {
                            prop_assert!(best.contains(&id), "fast chose {:?}, reference best {:?}", id, best);
                            cluster.reserve(id, &needs.reservation());
                            if cluster.instances[id.0 as usize].running_tasks < 6 {
                                cluster.set_running(id, true);
                            }
                            placed.push((id, cpu, memory, ports, awsvpc, groups[group as usize]));
                        }
                        (Err(want), Err(reason)) => prop_assert_eq!(*want, reason),
                        _ => prop_assert!(false, "reference {:?} but fast {:?}", expected, got),
                    }
                }
                Step::Release(pick) => {
                    if !placed.is_empty() {
                        let (id, cpu, memory, ports, awsvpc, group) = placed.swap_remove(pick % placed.len());
                        let needs = TaskNeeds { cpu, memory, host_ports: &ports, awsvpc, group, plan: &plan };
                        cluster.release(id, &needs.reservation());
                    }
                }
            }
            assert_consistent(&cluster);
        }
    }

    #[test]
    fn random_placement_is_uniform_over_fitting_instances(seed in any::<u64>()) {
        // 4 identical empty instances: each should be chosen; none may be starved.
        let mut counts = [0_u32; 4];
        for round in 0..200_u64 {
            let mut c = cluster(&["m5.large"; 4], false);
            let mut placer = Placer::new(rng_stream(seed ^ round, "placement"));
            let plan = placer.compile(&mut c, &[Strategy::Random], &[]);
            let group = c.group_id("g");
            let needs = TaskNeeds { cpu: 128, memory: 128, host_ports: &[], awsvpc: false, group, plan: &plan };
            counts[placer.select(&mut c, &needs).unwrap().0 as usize] += 1;
        }
        prop_assert!(counts.iter().all(|&n| n >= 20), "{:?}", counts);
    }
}
