//! Placement on a 5,000-instance cluster (ECS's per-cluster limit): the
//! indexed fast path against the reference scan, measured in the same run so
//! their ratio is meaningful. Run with `cargo bench --bench placement`.

use criterion::Criterion;
use ecs_sim::catalog::Catalog;
use ecs_sim::cluster::Cluster;
use ecs_sim::engine::{rng_stream, SimTime};
use ecs_sim::placement::{reference_best, BinpackField, Placer, Strategy, TaskNeeds};
use std::hint::black_box;

const INSTANCES: usize = 5000;

/// A cluster of 5,000 mixed instances, half full, and a placer for `chain`.
fn setup(chain: &[Strategy]) -> (Cluster, Placer, ecs_sim::placement::PlacementPlan) {
    let catalog = Catalog::builtin();
    let types = ["m5.large", "m5.xlarge", "c5.xlarge", "r5.large"].map(|t| catalog.get(t).unwrap().clone());
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"].map(String::from).to_vec();
    let mut cluster = Cluster::new(zones, false, "1.89.0".into());
    let mut placer = Placer::new(rng_stream(1, "placement"));
    let plan = placer.compile(&mut cluster, chain, &[]);
    for i in 0..INSTANCES {
        cluster.add_instance(0, &types[i % types.len()], i % 3, SimTime::ZERO, &[]);
    }
    let group = cluster.group_id("family:bench");
    // Fill to about half with tasks of mixed sizes.
    for i in 0..INSTANCES * 3 {
        let needs = TaskNeeds {
            cpu: 128 + (i as u32 * 37) % 512,
            memory: 256 + (i as u32 * 101) % 1024,
            host_ports: &[],
            awsvpc: false,
            group,
            plan: &plan,
        };
        if let Some(id) = placer.select(&mut cluster, &needs) {
            cluster.reserve(id, &needs.reservation());
        }
    }
    (cluster, placer, plan)
}

fn bench(c: &mut Criterion) {
    let chains: [(&str, Vec<Strategy>); 3] = [
        ("random", vec![Strategy::Random]),
        ("binpack_memory", vec![Strategy::Binpack(BinpackField::Memory)]),
        (
            "spread_zone_binpack_memory",
            vec![Strategy::SpreadAttribute("ecs.availability-zone".into()), Strategy::Binpack(BinpackField::Memory)],
        ),
    ];
    let mut group = c.benchmark_group("place_one_task_5000_instances");
    group.sample_size(30);
    for (name, chain) in chains {
        let (mut cluster, mut fast, plan) = setup(&chain);
        let task_group = cluster.find_group("family:bench").expect("group registered in setup");
        let needs = TaskNeeds { cpu: 256, memory: 512, host_ports: &[], awsvpc: false, group: task_group, plan: &plan };
        // select() does not change the cluster, so every sample sees the same state.
        group.bench_function(format!("fast/{name}"), |b| b.iter(|| black_box(fast.select(&mut cluster, &needs))));
        // No constraints here, so a fresh placer can check for the reference.
        let mut reference = Placer::new(rng_stream(2, "reference"));
        group.bench_function(format!("reference/{name}"), |b| {
            b.iter(|| black_box(reference_best(&cluster, &mut reference, &needs).map(|best| best.len())))
        });
    }
    group.finish();
}

/// Runs the benchmarks (what `criterion_group!` and `criterion_main!` would
/// write, with doc comments).
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
