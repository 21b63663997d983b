//! Savings Plans and Reserved Instances (`[commitments]`, src/commitments/):
//! AWS's documented example, the order commitments apply in, unused
//! commitment, Spot, the reports, bad input, and a property test against a
//! plain reference.

mod common;

use common::{read_summary, run_to_dir};
use ecs_sim::commitments::apply::{bill, Bill};
use ecs_sim::commitments::ledger::{Ledger, Usage, UsageNames, HOUR_MS};
use ecs_sim::commitments::{Commitments, PlanKind, PlanRates, ReservedInstance, SavingsPlan};
use ecs_sim::engine::SimTime;
use ecs_sim::scenario::Scenario;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn assert_close(what: &str, got: f64, want: f64) {
    assert!(close(got, want), "{what}: {got}, expected {want}");
}

fn names(types: &[&str], zones: &[&str]) -> UsageNames {
    UsageNames {
        instance_types: types.iter().map(|s| s.to_string()).collect(),
        zones: zones.iter().map(|s| s.to_string()).collect(),
    }
}

fn instance(instance_type: usize, zone: usize) -> Usage {
    Usage::Instance { fleet: 0, instance_type, zone }
}

const VCPU: Usage = Usage::FargateVcpu { service: Some(0), arm: false };
const GB: Usage = Usage::FargateGb { service: Some(0), arm: false };

fn compute_plan(commitment: f64, rates: PlanRates) -> SavingsPlan {
    SavingsPlan { name: "compute".into(), kind: PlanKind::Compute, commitment_per_hour: commitment, rates }
}

/// The usage and rates of the Savings Plans example in "Understanding how
/// Savings Plans apply to your AWS usage",
/// https://docs.aws.amazon.com/savingsplans/latest/userguide/sp-applying.html
/// (the version with c5 instances and Fargate): in one hour, 1 c5.9xlarge
/// Linux (On-Demand $4.00, Compute SP $2.00, EC2 Instance SP $1.00),
/// 1 c5.24xlarge Windows ($10.00, $8.00, $6.00), 10 Fargate vCPU ($1.50,
/// $1.00) and 5 Fargate GB ($2.00, $1.00). Windows is priced as a line
/// like any other: the ledger carries each line's own On-Demand rate.
fn aws_example_hour() -> (Ledger, UsageNames) {
    let mut ledger = Ledger::new();
    ledger.add(instance(0, 0), false, SimTime(0), HOUR_MS, 1.0, 4.00);
    ledger.add(instance(1, 0), false, SimTime(0), HOUR_MS, 1.0, 10.00);
    ledger.add(VCPU, false, SimTime(0), HOUR_MS, 10.0, 1.50);
    ledger.add(GB, false, SimTime(0), HOUR_MS, 5.0, 2.00);
    (ledger, names(&["c5.9xlarge", "c5.24xlarge"], &["us-east-1a"]))
}

/// The example's Compute Savings Plans rates.
fn aws_example_compute_rates() -> PlanRates {
    PlanRates {
        instance_rates: BTreeMap::from([("c5.9xlarge".into(), 2.00), ("c5.24xlarge".into(), 8.00)]),
        fargate_vcpu_discount: Some(1.0 - 1.00 / 1.50),
        fargate_gb_discount: Some(1.0 - 1.00 / 2.00),
        ..PlanRates::default()
    }
}

fn one_hour_bill(ledger: &Ledger, names: &UsageNames, commitments: &Commitments) -> Bill {
    bill(ledger, commitments, names, SimTime(HOUR_MS), 1, 1)
}

#[test]
fn aws_example_scenario_1_a_25_dollar_compute_plan_covers_all_usage() {
    // sp-applying.html, "Scenario 1: Savings Plans applies to all usage": a
    // $25.00/hour Compute Savings Plan covers all of the hour's usage at the
    // Savings Plans rates (2 + 8 + 10 + 5 = $25) and you pay $25.00.
    let (ledger, names) = aws_example_hour();
    let commitments =
        Commitments { savings_plans: vec![compute_plan(25.0, aws_example_compute_rates())], ..Default::default() };
    let bill = one_hour_bill(&ledger, &names, &commitments);
    let usage = bill.usage();
    assert_close("covered (On-Demand equivalent)", usage.covered_usd, 4.0 + 10.0 + 15.0 + 10.0);
    assert_close("uncovered", usage.uncovered_usd, 0.0);
    assert_close("commitment used", usage.commitment_usd, 25.0);
    assert_close("unused", bill.unused_usd(), 0.0);
    assert_close("net", bill.net_usd(), 25.0);
}

#[test]
fn a_smaller_commitment_goes_to_the_highest_savings_percentage_first() {
    // The page's rule on the same hour: highest savings percentage first; at
    // equal percentages the lower Savings Plans rate first. GB (50 %, $1.00)
    // takes $5, c5.9xlarge (50 %, $2.00) $2, Fargate vCPU (33 %) the last $3
    // (3 of 10 vCPU); c5.24xlarge (20 %) stays On-Demand.
    let (ledger, names) = aws_example_hour();
    let commitments =
        Commitments { savings_plans: vec![compute_plan(10.0, aws_example_compute_rates())], ..Default::default() };
    let bill = one_hour_bill(&ledger, &names, &commitments);
    let usage = bill.usage();
    assert_close("covered", usage.covered_usd, 10.0 + 4.0 + 3.0 * 1.5);
    assert_close("uncovered", usage.uncovered_usd, 7.0 * 1.5 + 10.0);
    assert_close("unused", bill.unused_usd(), 0.0);
    assert_close("net", bill.net_usd(), 10.0 + 20.5);
    // With $6, the tie goes to the GB line: all 5 GB, then half the c5.9xlarge.
    let commitments =
        Commitments { savings_plans: vec![compute_plan(6.0, aws_example_compute_rates())], ..Default::default() };
    let (ledger, names) = aws_example_hour();
    let bill = one_hour_bill(&ledger, &names, &commitments);
    assert_close("covered with $6", bill.usage().covered_usd, 10.0 + 0.5 * 4.0);
    assert_close("Fargate covered with $6", bill.fargate().covered_usd, 10.0);
}

#[test]
fn ec2_instance_plans_apply_before_compute_plans() {
    // The example's EC2 Instance Savings Plans rates for c5: $1.00 and $6.00.
    // A $1 c5 plan takes the c5.9xlarge (75 %) although it is listed after
    // the Compute plan; the $25 Compute plan then covers the rest at its
    // rates (8 + 10 + 5 = $23) and $2 of it is unused.
    let (ledger, names) = aws_example_hour();
    let ec2_plan = SavingsPlan {
        name: "c5".into(),
        kind: PlanKind::Ec2Instance { family: "c5".into() },
        commitment_per_hour: 1.0,
        rates: PlanRates {
            instance_rates: BTreeMap::from([("c5.9xlarge".into(), 1.00), ("c5.24xlarge".into(), 6.00)]),
            ..PlanRates::default()
        },
    };
    let commitments = Commitments {
        savings_plans: vec![compute_plan(25.0, aws_example_compute_rates()), ec2_plan],
        ..Default::default()
    };
    let bill = one_hour_bill(&ledger, &names, &commitments);
    assert_close("c5 plan used", bill.savings_plans[1].used_usd, 1.0);
    assert_close("compute plan used", bill.savings_plans[0].used_usd, 23.0);
    assert_close("compute plan unused", bill.savings_plans[0].unused_usd(), 2.0);
    assert_close("uncovered", bill.usage().uncovered_usd, 0.0);
    assert_close("net", bill.net_usd(), 26.0);
}

#[test]
fn an_ec2_instance_plan_covers_only_its_family_and_never_fargate() {
    let (ledger, names) = aws_example_hour();
    let m5 = SavingsPlan {
        name: "m5".into(),
        kind: PlanKind::Ec2Instance { family: "m5".into() },
        commitment_per_hour: 5.0,
        rates: PlanRates { discount: Some(0.5), ..PlanRates::default() },
    };
    let bill = one_hour_bill(&ledger, &names, &Commitments { savings_plans: vec![m5], ..Default::default() });
    assert_close("covered", bill.usage().covered_usd, 0.0);
    assert_close("unused", bill.unused_usd(), 5.0);
    assert_close("net", bill.net_usd(), 39.0 + 5.0);
}

#[test]
fn unused_commitment_is_lost_hour_by_hour() {
    // $1/hour at 50 % off: hour 0 has $4 of usage ($2 at the plan's rate, so
    // $1 covers half), hour 1 has none. The unused $1 of hour 1 does not
    // carry back, and the run pays both hours' commitment.
    let mut ledger = Ledger::new();
    ledger.add(instance(0, 0), false, SimTime(0), HOUR_MS, 1.0, 4.0);
    let names = names(&["c5.9xlarge"], &["us-east-1a"]);
    let plan = compute_plan(1.0, PlanRates { discount: Some(0.5), ..PlanRates::default() });
    let commitments = Commitments { savings_plans: vec![plan], ..Default::default() };
    let bill = bill(&ledger, &commitments, &names, SimTime(2 * HOUR_MS), 1, 0);
    assert_close("covered", bill.usage().covered_usd, 2.0);
    assert_close("uncovered", bill.usage().uncovered_usd, 2.0);
    assert_close("fees", bill.fees_usd(), 2.0);
    assert_close("unused", bill.unused_usd(), 1.0);
    assert_close("net", bill.net_usd(), 4.0);
}

#[test]
fn an_ri_benefit_is_3600_seconds_per_clock_hour_and_comes_before_savings_plans() {
    // https://docs.aws.amazon.com/whitepapers/latest/cost-optimization-reservation-models/usage-billing.html:
    // one RI and four instances for 15 minutes each in the same hour is one
    // hour of RI usage and no On-Demand. A Compute plan next to it has
    // nothing left to cover.
    let mut ledger = Ledger::new();
    for _ in 0..4 {
        ledger.add(instance(0, 0), false, SimTime(0), HOUR_MS / 4, 1.0, 0.2);
    }
    let names = names(&["m4.xlarge"], &["us-east-1a"]);
    let ri = ReservedInstance {
        instance_type: "m4.xlarge".into(),
        zone: Some("us-east-1a".into()),
        count: 1,
        hourly_usd: 0.12,
    };
    let plan = compute_plan(1.0, PlanRates { discount: Some(0.5), ..PlanRates::default() });
    let commitments = Commitments { reserved_instances: vec![ri], savings_plans: vec![plan] };
    let bill = one_hour_bill(&ledger, &names, &commitments);
    assert_close("covered", bill.usage().covered_usd, 0.2);
    assert_close("RI used", bill.reserved_instances[0].used_usd, 0.12);
    assert_close("plan unused", bill.savings_plans[0].unused_usd(), 1.0);
    assert_close("net", bill.net_usd(), 1.12);
}

#[test]
fn spot_usage_is_never_covered() {
    let mut ledger = Ledger::new();
    ledger.add(instance(0, 0), true, SimTime(0), HOUR_MS, 2.0, 0.035);
    ledger.add(VCPU, true, SimTime(0), HOUR_MS, 4.0, 0.012);
    let names = names(&["m5.large"], &["us-east-1a"]);
    let ri = ReservedInstance { instance_type: "m5.large".into(), zone: None, count: 2, hourly_usd: 0.06 };
    let plan = compute_plan(1.0, PlanRates { discount: Some(0.3), ..PlanRates::default() });
    let commitments = Commitments { reserved_instances: vec![ri], savings_plans: vec![plan] };
    let bill = one_hour_bill(&ledger, &names, &commitments);
    let usage = bill.usage();
    assert_close("covered", usage.covered_usd, 0.0);
    assert_close("spot", usage.spot_usd, 0.07 + 0.048);
    assert_close("unused", bill.unused_usd(), 0.12 + 1.0);
    assert_close("net", bill.net_usd(), 0.118 + 1.12);
}

// ---- through a scenario ----

const FLEET: &str = r#"
[simulation]
duration = "2h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
[[fleet]]
name = "web"
instance_types = ["m5.large"]
count = 3
"#;

fn run(dir: &Path, text: &str) -> BTreeMap<String, String> {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("out");
    run_to_dir(&scenario, &out).unwrap_or_else(|e| panic!("{e}"));
    read_summary(&out)
}

fn usd(summary: &BTreeMap<String, String>, key: &str) -> f64 {
    summary.get(key).unwrap_or_else(|| panic!("no `{key}` in summary.csv")).parse().unwrap()
}

#[test]
fn a_zonal_ri_covers_its_type_in_its_zone_only() {
    // Three m5.large ($0.096), one per zone, for 2 h. Two zonal RIs in
    // us-east-1b find one instance there: one of them is unused every hour.
    // A regional c5.large RI finds nothing.
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{FLEET}
[[commitments.reserved_instance]]
instance_type = \"m5.large\"
availability_zone = \"us-east-1b\"
count = 2
effective_hourly_usd = 0.06
[[commitments.reserved_instance]]
instance_type = \"c5.large\"
count = 1
effective_hourly_usd = 0.05
"
    );
    let summary = run(dir.path(), &text);
    assert_close("cost_total_usd", usd(&summary, "cost_total_usd"), 6.0 * 0.096);
    assert_close("covered", usd(&summary, "covered_usage_usd"), 2.0 * 0.096);
    assert_close("uncovered", usd(&summary, "uncovered_usage_usd"), 4.0 * 0.096);
    assert_close("fees", usd(&summary, "commitment_fees_usd"), 2.0 * (2.0 * 0.06 + 0.05));
    assert_close("unused", usd(&summary, "commitment_unused_usd"), 2.0 * (0.06 + 0.05));
    assert_close("unused c5", usd(&summary, "commitment_ri:c5.large@region_unused_usd"), 0.1);
    assert_close("net", usd(&summary, "cost_net_usd"), 0.34 + 4.0 * 0.096);
    assert_close("fleet net", usd(&summary, "cost_net_fleet_web_usd"), 2.0 * 0.06 + 4.0 * 0.096);
}

#[test]
fn a_regional_ri_covers_any_zone_after_the_zonal_ones() {
    // A zonal RI in 1a and two regional ones: all three instances covered,
    // nothing unused.
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{FLEET}
[[commitments.reserved_instance]]
instance_type = \"m5.large\"
count = 2
effective_hourly_usd = 0.05
[[commitments.reserved_instance]]
instance_type = \"m5.large\"
availability_zone = \"us-east-1a\"
count = 1
effective_hourly_usd = 0.06
"
    );
    let summary = run(dir.path(), &text);
    assert_close("uncovered", usd(&summary, "uncovered_usage_usd"), 0.0);
    assert_close("unused", usd(&summary, "commitment_unused_usd"), 0.0);
    assert_close("net", usd(&summary, "cost_net_usd"), 2.0 * (2.0 * 0.05 + 0.06));
}

#[test]
fn the_example_scenario_bills_fargate_ec2_and_spot_and_sweeps_on_net_cost() {
    let scenario = Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/savings-plans.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let result = ecs_sim::simulation::run_scenario(&scenario).unwrap();
    let bill = result.summary.commitments.as_ref().expect("the scenario has commitments");
    // Per hour: 2 of 6 m5.large under RIs (2 × $0.096), the m5 plan's $0.10 at
    // $0.062 (1.6129 instance-hours), and the Compute plan's $0.15 on Fargate
    // first (20 % beats the 17 % it gives m5), which it does not cover whole.
    let hours = 24.0;
    assert_close("RI fees", bill.reserved_instances[0].fees_usd, hours * 0.12);
    assert_close("RI unused", bill.reserved_instances[0].unused_usd(), 0.0);
    let fleet = bill.by_fleet[0];
    assert_close("web covered", fleet.covered_usd, hours * (2.0 * 0.096 + 0.10 / 0.062 * 0.096));
    assert_close("Fargate covered", bill.fargate().covered_usd, hours * 0.15 / 0.8);
    assert_close("Spot", bill.by_fleet[1].spot_usd, hours * 3.0 * 0.085 * 0.35);
    assert_close("net", result.summary.cost_usd(), bill.net_usd());
    assert!(result.summary.cost_usd() < result.summary.costs.total());
    let services: f64 = result.services.iter().map(|s| s.net_cost_usd()).sum();
    assert!(services <= bill.net_usd() + 1e-9, "services {services} above the run's {}", bill.net_usd());
}

#[test]
fn bad_commitments_are_input_errors_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[[commitments.savings_plan]]\ntype = \"ec2_instance\"\ncommitment_usd_per_hour = 1\ndiscount_pct = 20\n", "commitments.savings_plan[0].instance_family"),
        ("[[commitments.savings_plan]]\ntype = \"compute\"\ncommitment_usd_per_hour = 1\n", "no rates"),
        ("[[commitments.savings_plan]]\ntype = \"compute\"\ncommitment_usd_per_hour = 1\ninstance_rates = { \"m5.large\" = 0.2 }\n", "above the On-Demand price"),
        ("[[commitments.savings_plan]]\ntype = \"compute\"\ncommitment_usd_per_hour = 1\ninstance_rates = { \"m5.lrge\" = 0.05 }\n", "did you mean `m5.large`"),
        ("[[commitments.savings_plan]]\ntype = \"compute\"\ncommitment_usd_per_hour = 1\ndiscount_pct = 100\n", "commitments.savings_plan[0].discount_pct"),
        ("[[commitments.savings_plan]]\ntype = \"ec2_instance\"\ninstance_family = \"m5\"\ncommitment_usd_per_hour = 1\nfargate_discount_pct = 10\n", "do not cover Fargate"),
        ("[[commitments.reserved_instance]]\ninstance_type = \"m5.large\"\navailability_zone = \"eu-west-1a\"\ncount = 1\neffective_hourly_usd = 0.06\n", "commitments.reserved_instance[0].availability_zone"),
        ("[[commitments.reserved_instance]]\ninstance_type = \"m5.large\"\ncount = 1\neffective_hourly_usd = -1\n", "effective_hourly_usd"),
    ];
    for (i, (table, needle)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&path, format!("{FLEET}{table}")).unwrap();
        let output =
            Command::new(env!("CARGO_BIN_EXE_ecs-sim")).args(["validate", path.to_str().unwrap()]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "case {i}: {stderr}");
        assert!(stderr.contains(needle), "case {i}: `{needle}` not in: {stderr}");
        assert!(stderr.contains(&format!("bad-{i}.toml")), "case {i}: the file is not named: {stderr}");
        assert!(!stderr.contains("panicked"), "case {i}: {stderr}");
    }
}

// ---- against a plain reference ----

/// The rules restated as simply as possible: per hour, each RI (zonal ones
/// first) takes matching lines in order; each plan (EC2 Instance ones first)
/// repeatedly takes the remaining line with the best (savings, rate).
fn reference(
    lines: &[(u32, usize, usize, bool, f64, f64)],
    commitments: &Commitments,
    names: &UsageNames,
    hours: u32,
) -> (f64, f64, f64, f64) {
    let (mut covered, mut uncovered, mut spot, mut fees) = (0.0, 0.0, 0.0, 0.0);
    for hour in 0..hours {
        let mut left: Vec<(usize, usize, bool, f64, f64)> =
            lines.iter().filter(|l| l.0 == hour).map(|l| (l.1, l.2, l.3, l.4, l.5)).collect();
        for l in left.iter_mut().filter(|l| l.2) {
            spot += l.3 * l.4;
            l.3 = 0.0;
        }
        let zonal = commitments.reserved_instances.iter().filter(|r| r.zone.is_some());
        for ri in zonal.chain(commitments.reserved_instances.iter().filter(|r| r.zone.is_none())) {
            fees += ri.hourly_usd * f64::from(ri.count);
            let mut capacity = f64::from(ri.count);
            for l in left.iter_mut() {
                let matches = names.instance_types[l.0] == ri.instance_type
                    && ri.zone.as_ref().is_none_or(|z| &names.zones[l.1] == z);
                if matches {
                    let take = capacity.min(l.3);
                    covered += take * l.4;
                    l.3 -= take;
                    capacity -= take;
                }
            }
        }
        let ec2_first = commitments.savings_plans.iter().filter(|p| p.kind != PlanKind::Compute);
        for plan in ec2_first.chain(commitments.savings_plans.iter().filter(|p| p.kind == PlanKind::Compute)) {
            fees += plan.commitment_per_hour;
            let mut budget = plan.commitment_per_hour;
            loop {
                let rate_of = |l: &(usize, usize, bool, f64, f64)| {
                    let name = &names.instance_types[l.0];
                    let family = name.split('.').next().unwrap();
                    if let PlanKind::Ec2Instance { family: f } = &plan.kind {
                        if f != family {
                            return None;
                        }
                    }
                    plan.rates.discount.map(|d| l.4 * (1.0 - d))
                };
                let best =
                    (0..left.len()).filter(|&i| left[i].3 > 1e-12 && rate_of(&left[i]).is_some()).min_by(|&a, &b| {
                        let (ra, rb) = (rate_of(&left[a]).unwrap(), rate_of(&left[b]).unwrap());
                        let (sa, sb) = (1.0 - ra / left[a].4, 1.0 - rb / left[b].4);
                        sb.total_cmp(&sa).then(ra.total_cmp(&rb)).then(a.cmp(&b))
                    });
                let Some(i) = best.filter(|_| budget > 1e-12) else { break };
                let rate = rate_of(&left[i]).unwrap();
                let take = (budget / rate).min(left[i].3);
                covered += take * left[i].4;
                left[i].3 -= take;
                budget -= take * rate;
            }
        }
        uncovered += left.iter().map(|l| l.3 * l.4).sum::<f64>();
    }
    (covered, uncovered, spot, fees + uncovered + spot)
}

const TYPES: [&str; 3] = ["m5.large", "m5.xlarge", "c5.large"];
const ZONES: [&str; 2] = ["us-east-1a", "us-east-1b"];

fn ri_strategy() -> impl Strategy<Value = ReservedInstance> {
    (0..TYPES.len(), proptest::option::of(0..ZONES.len()), 1u32..4, 0.01f64..0.2).prop_map(|(t, z, count, rate)| {
        ReservedInstance { instance_type: TYPES[t].into(), zone: z.map(|z| ZONES[z].into()), count, hourly_usd: rate }
    })
}

fn plan_strategy() -> impl Strategy<Value = SavingsPlan> {
    (any::<bool>(), 0.01f64..2.0, 0.01f64..0.7).prop_map(|(compute, commitment, discount)| SavingsPlan {
        name: "p".into(),
        kind: if compute { PlanKind::Compute } else { PlanKind::Ec2Instance { family: "m5".into() } },
        commitment_per_hour: commitment,
        rates: PlanRates { discount: Some(discount), ..PlanRates::default() },
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn covered_plus_uncovered_is_the_on_demand_usage_and_the_bill_matches_a_reference(
        spans in proptest::collection::vec((0u64..3 * HOUR_MS, 1u64..2 * HOUR_MS, 0..TYPES.len(), 0..ZONES.len(), any::<bool>(), 0.01f64..1.0), 0..12),
        reserved in proptest::collection::vec(ri_strategy(), 0..3),
        plans in proptest::collection::vec(plan_strategy(), 0..3),
    ) {
        let names = names(&TYPES, &ZONES);
        let mut ledger = Ledger::new();
        // The ledger's own lines, for the reference: one per (hour, key) touched.
        for &(from, length, t, z, spot, rate) in &spans {
            // One rate per type, as a catalog has.
            let rate = [0.096, 0.192, 0.085][t] * if spot { rate } else { 1.0 };
            let usage = instance(t, z);
            ledger.add(usage, spot, SimTime(from), length, 1.0, rate);
        }
        let end = SimTime(5 * HOUR_MS);
        let lines: Vec<_> = ledger.lines().iter().map(|l| {
            let Usage::Instance { instance_type, zone, .. } = l.usage else { unreachable!() };
            (l.hour, instance_type, zone, l.spot, l.quantity, l.rate)
        }).collect();
        let commitments = Commitments { reserved_instances: reserved, savings_plans: plans };
        let bill = bill(&ledger, &commitments, &names, end, 1, 0);
        let usage = bill.usage();
        let on_demand: f64 = lines.iter().filter(|l| !l.3).map(|l| l.4 * l.5).sum();
        let spot: f64 = lines.iter().filter(|l| l.3).map(|l| l.4 * l.5).sum();
        prop_assert!((usage.covered_usd + usage.uncovered_usd - on_demand).abs() < 1e-9);
        prop_assert!((usage.spot_usd - spot).abs() < 1e-9);
        prop_assert!(bill.net_usd() >= 0.0 && usage.covered_usd >= -1e-12 && usage.uncovered_usd >= -1e-12);
        for c in bill.reserved_instances.iter().chain(&bill.savings_plans) {
            prop_assert!(c.used_usd <= c.fees_usd + 1e-9, "{c:?}");
        }
        let (covered, uncovered, ref_spot, net) = reference(&lines, &commitments, &names, 5);
        prop_assert!((usage.covered_usd - covered).abs() < 1e-9, "covered {} vs {covered}", usage.covered_usd);
        prop_assert!((usage.uncovered_usd - uncovered).abs() < 1e-9);
        prop_assert!((usage.spot_usd - ref_spot).abs() < 1e-9);
        prop_assert!((bill.net_usd() - net).abs() < 1e-9, "net {} vs {net}", bill.net_usd());
    }
}

/// The Fargate rates of the 3-year No Upfront Compute Savings Plan in the
/// shared sample of a Savings Plans offer file (AWSComputeSavingsPlan,
/// eu-west-1; from ligoj/plugin-prov-aws, MIT): `EU-Fargate-vCPU-Hours:perCPU`
/// and `EU-Fargate-GB-Hours`. `None` (with the reason printed) when the
/// sample is absent.
fn offer_file_fargate_rates() -> Option<(f64, f64)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/aws-samples/savings-plans/01-compute-sp-offer-eu-west-1-ligoj.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: {} is absent", path.display());
        return None;
    };
    let offer: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sku = offer["products"].as_array()?.iter().find(|p| p["usageType"] == "ComputeSP:3yrNoUpfront")?["sku"]
        .as_str()?
        .to_string();
    let term = offer["terms"]["savingsPlan"].as_array()?.iter().find(|t| t["sku"] == sku.as_str())?;
    let rate = |usage_type: &str| -> Option<f64> {
        let rate = term["rates"].as_array()?.iter().find(|r| r["discountedUsageType"] == usage_type)?;
        rate["discountedRate"]["price"].as_str()?.parse().ok()
    };
    Some((rate("EU-Fargate-vCPU-Hours:perCPU")?, rate("EU-Fargate-GB-Hours")?))
}

#[test]
fn the_offer_files_fargate_rates_bill_a_fargate_service() {
    let Some((vcpu_rate, gb_rate)) = offer_file_fargate_rates() else { return };
    assert_eq!((vcpu_rate, gb_rate), (0.024288, 0.002667));
    // Two 1 vCPU / 2 GB tasks for the hour at $0.04048 and $0.004445 (the
    // eu-west-1 On-Demand rates, the same as the built-in ones): $0.09874.
    // Both rates are 40 % off, so $0.03 of commitment covers $0.05 of usage.
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"
[simulation]
duration = "1h"
service_scheduler_delay = "0s"
[timing]
awsvpc_eni_attach = {{ dist = "fixed", value = "0s" }}
[fargate]
x86_vcpu_hour = 0.04048
x86_gb_hour = 0.004445
[[task_definition]]
family = "api"
networkMode = "awsvpc"
requiresCompatibilities = ["FARGATE"]
cpu = "1024"
memory = "2048"
containerDefinitions = [{{ name = "api", image = "example/api" }}]
[[service]]
serviceName = "api"
taskDefinition = "api"
desiredCount = 2
launchType = "FARGATE"
[[commitments.savings_plan]]
name = "compute-3yr"
type = "compute"
commitment_usd_per_hour = 0.03
fargate_vcpu_hour = {vcpu_rate}
fargate_gb_hour = {gb_rate}
"#
    );
    let summary = run(dir.path(), &text);
    assert_close("On-Demand", usd(&summary, "cost_total_usd"), 0.09874);
    assert_close("covered", usd(&summary, "covered_fargate_usd"), 0.05);
    assert_close("uncovered", usd(&summary, "uncovered_fargate_usd"), 0.09874 - 0.05);
    assert_close("unused", usd(&summary, "commitment_unused_usd"), 0.0);
    assert_close("net", usd(&summary, "cost_net_usd"), 0.03 + 0.04874);
}

#[test]
fn run_format_json_reports_the_commitments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.toml");
    let ri =
        "[[commitments.reserved_instance]]\ninstance_type = \"m5.large\"\ncount = 1\neffective_hourly_usd = 0.06\n";
    std::fs::write(&path, format!("{FLEET}{ri}")).unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let bill = &json["commitments_usd"];
    // One regional RI over three m5.large for 2 h: 2 of 6 instance-hours.
    assert_close("net", bill["net"].as_f64().unwrap(), 2.0 * 0.06 + 4.0 * 0.096);
    assert_close("covered", bill["covered_usage"].as_f64().unwrap(), 2.0 * 0.096);
    assert_close("unused", bill["by_commitment"]["ri:m5.large@region"]["unused"].as_f64().unwrap(), 0.0);
}
