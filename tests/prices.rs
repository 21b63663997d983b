//! AWS prices: `ecs-sim prices import` on offer files (the project's
//! fixtures and the shared samples), a scenario's region selecting imported
//! prices (and failing without them), and Spot fleets billed at a
//! describe-spot-price-history curve.

use ecs_sim::prices::spot_history::SpotPriceHistory;
use ecs_sim::prices::{import_offer_file, FargateRate, Imported};
use ecs_sim::scenario::Scenario;
use ecs_sim::simulation::run_scenario;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    crate_dir().join("tests/fixtures/prices").join(name)
}

/// A shared sample, or `None` (with the reason printed) where absent.
fn sample(relative: &str) -> Option<PathBuf> {
    let path = crate_dir().join("../shared/aws-samples").join(relative);
    if path.is_file() {
        Some(path)
    } else {
        println!("skipped: {} is absent (the shared AWS samples are not here)", path.display());
        None
    }
}

fn ecs_sim(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecs-sim")).args(args).current_dir(dir).output().expect("runs")
}

fn ec2(imported: &Imported) -> Vec<(&str, f64)> {
    imported.ec2.iter().map(|(name, p)| (name.as_str(), p.usd_per_hour)).collect()
}

#[test]
fn the_csv_and_json_offer_files_give_exactly_their_linux_on_demand_prices_for_two_regions() {
    for file in ["ec2-offer.csv", "ec2-offer.json"] {
        let west = import_offer_file(&fixture(file), "eu-west-1").unwrap_or_else(|e| panic!("{file}: {e}"));
        // Windows, Dedicated, SQL, unused reservations, Reserved terms, EBS
        // and the Boston Local Zone row are left out.
        assert_eq!(ec2(&west), [("c5.large", 0.097), ("m5.large", 0.107), ("m6g.medium", 0.043)], "{file}");
        assert_eq!(west.ec2["m5.large"].vcpu, Some(2));
        assert_eq!(west.ec2["m5.large"].memory_mib, Some(8192));
        assert_eq!(west.offer_code.as_deref(), Some("AmazonEC2"));
        let central = import_offer_file(&fixture(file), "eu-central-1").expect("eu-central-1");
        assert_eq!(ec2(&central), [("c5.large", 0.097), ("m5.large", 0.115), ("m6g.medium", 0.043)], "{file}");
        assert!(central.fargate.is_empty());
    }
    let fargate = |region: &str| -> Vec<(FargateRate, f64)> {
        let imported = import_offer_file(&fixture("ecs-offer.csv"), region).expect("ecs");
        assert!(imported.ec2.is_empty());
        imported.fargate.into_iter().collect()
    };
    assert_eq!(
        fargate("eu-west-1"),
        [
            (FargateRate::X86VcpuHour, 0.04048),
            (FargateRate::X86GbHour, 0.004445),
            (FargateRate::ArmVcpuHour, 0.03238),
            (FargateRate::ArmGbHour, 0.00356)
        ]
    );
    assert_eq!(
        fargate("eu-central-1"),
        [
            (FargateRate::X86VcpuHour, 0.04656),
            (FargateRate::X86GbHour, 0.00511),
            (FargateRate::ArmVcpuHour, 0.03725),
            (FargateRate::ArmGbHour, 0.00409)
        ]
    );
}

#[test]
fn offer_file_errors_name_the_file_and_the_fix() {
    let err = import_offer_file(&fixture("ec2-offer.csv"), "ap-south-1").expect_err("not in the file");
    let text = err.to_string();
    assert!(text.contains("no Linux on-demand prices for ap-south-1"), "{text}");
    assert!(text.contains("eu-central-1, eu-west-1"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    // Terms before products: read twice, same prices.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("ec2-offer.json")).unwrap()).unwrap();
    let reordered =
        format!("{{\"terms\": {}, \"offerCode\": \"AmazonEC2\", \"products\": {}}}", json["terms"], json["products"]);
    let path = dir.path().join("terms-first.json");
    std::fs::write(&path, reordered).unwrap();
    let imported = import_offer_file(&path, "eu-west-1").expect("terms first");
    assert_eq!(ec2(&imported), [("c5.large", 0.097), ("m5.large", 0.107), ("m6g.medium", 0.043)]);
    // A location the table does not know, in a file without regionCode.
    let unknown = r#"{"products": {"X1": {"sku": "X1", "productFamily": "Compute Instance",
        "attributes": {"location": "Moon (Base)", "locationType": "AWS Region", "instanceType": "m5.large"}}}, "terms": {}}"#;
    let path = dir.path().join("moon.json");
    std::fs::write(&path, unknown).unwrap();
    let text = import_offer_file(&path, "eu-west-1").expect_err("unknown location").to_string();
    assert!(text.contains("Moon (Base)") && text.contains("product X1"), "{text}");
    // Two different prices for one type.
    let twice = json["products"]["1wC5LARGELINUX000"].clone();
    let mut doc = json.clone();
    doc["products"]["DUPLICATE"] = twice;
    doc["terms"]["OnDemand"]["DUPLICATE"] = serde_json::json!({"DUPLICATE.JRTCKXETXF": {"priceDimensions":
        {"D.1": {"unit": "Hrs", "beginRange": "0", "pricePerUnit": {"USD": "0.5"}}}}});
    let path = dir.path().join("twice.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let text = import_offer_file(&path, "eu-west-1").expect_err("two prices").to_string();
    assert!(text.contains("c5.large has two prices") && text.contains("DUPLICATE"), "{text}");
    // A gzip offer file is read through gzip.
    let gz = dir.path().join("index.csv.gz");
    let mut encoder = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &std::fs::read(fixture("ec2-offer.csv")).unwrap()).unwrap();
    encoder.finish().unwrap();
    assert_eq!(ec2(&import_offer_file(&gz, "eu-west-1").expect("gzip")), ec2(&imported));
    let out = ecs_sim(&["prices", "import", "missing.csv", "--region", "eu-west-1", "--out", "p.csv"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.csv"));
}

#[test]
fn the_shared_price_list_samples_import() {
    if let Some(path) = sample("price-list/07-offer-csv-amazonecs-fargate-eu-west-1-ligoj.csv") {
        let imported = import_offer_file(&path, "eu-west-1").expect("07");
        let rates: Vec<f64> = imported.fargate.values().copied().collect();
        assert_eq!(rates, [0.04048, 0.004445, 0.03238, 0.00356]);
        assert_eq!(imported.offer_code.as_deref(), Some("AmazonECS"));
    }
    if let Some(path) = sample("price-list/08-offer-csv-amazonec2-eu-west-1-ligoj.csv") {
        let imported = import_offer_file(&path, "eu-west-1").expect("08");
        assert_eq!(imported.ec2.len(), 75);
        assert_eq!(imported.ec2["c4.large"].usd_per_hour, 0.113);
        assert_eq!(imported.ec2["c3.large"].usd_per_hour, 0.12);
        // The edited c1.medium row has its columns shifted (no location type): left out.
        assert!(!imported.ec2.contains_key("c1.medium"));
    }
    if let Some(path) = sample("price-list/09-offer-json-amazonec2-c4large-lyft.json") {
        let imported = import_offer_file(&path, "us-east-1").expect("09");
        assert_eq!(ec2(&imported), [("c4.large", 0.1)]);
        assert_eq!(imported.ec2["c4.large"].memory_mib, Some(3840));
    }
    if let Some(path) = sample("price-list/01-get-products-item-ec2-m5large-instance-selector.json") {
        assert_eq!(ec2(&import_offer_file(&path, "us-east-1").expect("01")), [("m5.large", 0.096)]);
    }
    let indexes = [
        "price-list/04-offer-index-ligoj.json",
        "price-list/05-region-index-amazonecs-ligoj.json",
        "price-list/06-region-index-amazonec2-ligoj.json",
    ];
    for name in indexes {
        if let Some(path) = sample(name) {
            let text = import_offer_file(&path, "eu-west-1").expect_err(name).to_string();
            assert!(text.contains("index file, not an offer file") && text.contains("currentVersionUrl"), "{text}");
        }
    }
    for name in
        ["price-list/02-get-products-ec2-ebs-awscli.json", "price-list/03-get-products-ec2-ebs-botocore-example.json"]
    {
        if let Some(path) = sample(name) {
            // EBS storage only: no instance or Fargate price to keep.
            let text = import_offer_file(&path, "us-east-1").expect_err(name).to_string();
            assert!(text.contains("no Linux on-demand prices"), "{text}");
        }
    }
}

const HOUR_IN_EU_WEST_1: &str = r#"
[simulation]
duration = "1h"
region = "eu-west-1"
[cluster]
prices = ["prices/ec2.csv", "prices/ecs.csv"]
[[fleet]]
name = "m5"
instance_types = ["m5.large"]
count = 2
[[fleet]]
name = "c5"
instance_types = ["c5.large"]
count = 1
"#;

/// Imports the EC2 and ECS fixtures for `region` into `dir/prices` with the CLI.
fn import_prices(dir: &Path, region: &str) {
    for (offer, out) in [("ec2-offer.csv", "prices/ec2.csv"), ("ecs-offer.csv", "prices/ecs.csv")] {
        let offer = fixture(offer);
        let run = ecs_sim(&["prices", "import", offer.to_str().unwrap(), "--region", region, "--out", out], dir);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    }
}

#[test]
fn a_run_in_eu_west_1_bills_the_imported_prices() {
    let dir = tempfile::tempdir().unwrap();
    import_prices(dir.path(), "eu-west-1");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, HOUR_IN_EU_WEST_1).unwrap();
    let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scenario.fleets[0].instance_types[0].price_per_hour, 0.107);
    assert_eq!(scenario.fargate.pricing.x86_vcpu_hour, 0.04048);
    assert_eq!(scenario.fargate.pricing.arm_gb_hour, 0.00356);
    let summary = run_scenario(&scenario).unwrap().summary;
    // Two m5.large at $0.107 and one c5.large at $0.097, for an hour.
    assert!((summary.costs.by_fleet[0] - 0.214).abs() < 1e-9, "{:?}", summary.costs.by_fleet);
    assert!((summary.costs.by_fleet[1] - 0.097).abs() < 1e-9, "{:?}", summary.costs.by_fleet);
    // The same scenario in us-east-1 without price files bills the built-in prices.
    let builtin = HOUR_IN_EU_WEST_1
        .replace("region = \"eu-west-1\"", "region = \"us-east-1\"")
        .replace("prices = [\"prices/ec2.csv\", \"prices/ecs.csv\"]", "");
    let scenario = Scenario::from_toml(&builtin, &path).unwrap();
    let summary = run_scenario(&scenario).unwrap().summary;
    assert!((summary.costs.by_fleet[0] - 0.192).abs() < 1e-9, "{:?}", summary.costs.by_fleet);
}

#[test]
fn a_region_without_prices_is_an_input_error_naming_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    import_prices(dir.path(), "eu-west-1");
    let check = |text: &str, wanted: &[&str]| {
        std::fs::write(dir.path().join("scenario.toml"), text).unwrap();
        let out = ecs_sim(&["validate", "scenario.toml"], dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        for w in wanted {
            assert!(stderr.contains(w), "`{w}` not in: {stderr}");
        }
    };
    let no_files = HOUR_IN_EU_WEST_1.replace("prices = [\"prices/ec2.csv\", \"prices/ecs.csv\"]", "");
    check(&no_files, &["field `simulation.region`", "no prices for eu-west-1", "ecs-sim prices import"]);
    let other_region = HOUR_IN_EU_WEST_1.replace("eu-west-1", "eu-central-1");
    check(&other_region, &["field `simulation.region`", "no prices for eu-central-1 in cluster.prices"]);
    let ignored_files = HOUR_IN_EU_WEST_1.replace("eu-west-1", "us-east-1");
    check(&ignored_files, &["field `simulation.region`", "no prices for us-east-1 in cluster.prices"]);
    let unpriced = HOUR_IN_EU_WEST_1.replace("[\"c5.large\"]", "[\"m7g.large\"]");
    check(&unpriced, &["field `fleet[1].instance_types`", "no eu-west-1 price for `m7g.large`"]);
    let fargate_unpriced = format!(
        "{}\n[[task_definition]]\nfamily = \"web\"\nrequiresCompatibilities = [\"FARGATE\"]\nnetworkMode = \"awsvpc\"\ncpu = \"256\"\nmemory = \"512\"\ncontainerDefinitions = [{{ name = \"web\", image = \"web\", essential = true }}]\n",
        HOUR_IN_EU_WEST_1.replace(", \"prices/ecs.csv\"", "")
    );
    check(&fargate_unpriced, &["field `fargate.x86_vcpu_hour`", "AmazonECS"]);
    // Giving the x86 rates by hand is enough for an x86 task definition.
    std::fs::write(
        dir.path().join("scenario.toml"),
        fargate_unpriced.replace(
            "[[fleet]]\nname = \"m5\"",
            "[fargate]\nx86_vcpu_hour = 0.05\nx86_gb_hour = 0.005\n[[fleet]]\nname = \"m5\"",
        ),
    )
    .unwrap();
    let out = ecs_sim(&["validate", "scenario.toml"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

const SPOT: &str = r#"
[simulation]
duration = "2h"
region = "eu-west-1"
[cluster]
prices = "prices/ec2.csv"
availability_zones = ["eu-west-1a", "eu-west-1b"]
[[fleet]]
name = "spot"
instance_types = ["m5.large"]
count = 2
market = "spot"
spot_price_history = "spot-history.json"
[faults]
spot_interruption_rate = 0
"#;

fn spot_scenario(dir: &Path, text: &str) -> Result<Scenario, String> {
    std::fs::copy(fixture("spot-history.json"), dir.join("spot-history.json")).unwrap();
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    Scenario::load(&path).map_err(|e| e.to_string())
}

#[test]
fn a_spot_fleet_with_a_price_history_bills_the_curve() {
    let dir = tempfile::tempdir().unwrap();
    import_prices(dir.path(), "eu-west-1");
    let scenario = spot_scenario(dir.path(), SPOT).unwrap_or_else(|e| panic!("{e}"));
    let cost = run_scenario(&scenario).unwrap().summary.costs.by_fleet[0];
    // Time 0 is the file's earliest Linux record, 2024-03-01T00:00Z (the
    // Windows record before it is not read). Instance 1 in eu-west-1a:
    // 0.5 h at 0.04, 1 h at 0.05, 0.5 h at 0.03 = 0.085. Instance 2 in
    // eu-west-1b: its first record (00:10, 0.045) also prices the 10 minutes
    // before it, so 1 h at 0.045, then 1 h at 0.035 = 0.080.
    assert!((cost - 0.165).abs() < 1e-9, "{cost}");
    // Starting the clock at 01:00: a is 0.5 h at 0.05 and 1.5 h at 0.03;
    // b is 2 h at 0.035.
    let later = SPOT.replace(
        "spot_price_history = \"spot-history.json\"",
        "spot_price_history = \"spot-history.json\"\nspot_price_start = \"2024-03-01T01:00:00Z\"",
    );
    let scenario = spot_scenario(dir.path(), &later).unwrap();
    let cost = run_scenario(&scenario).unwrap().summary.costs.by_fleet[0];
    assert!((cost - 0.14).abs() < 1e-9, "{cost}");
    // `validate` shows the prices in effect at time 0: 0.05 in a, 0.035 in b.
    let out = ecs_sim(&["validate", "scenario.toml"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Spot at the price history spot-history.json") && stdout.contains("$0.085/h"), "{stdout}");
}

#[test]
fn spot_price_history_errors() {
    let dir = tempfile::tempdir().unwrap();
    import_prices(dir.path(), "eu-west-1");
    let zone_c = SPOT.replace("[\"eu-west-1a\", \"eu-west-1b\"]", "[\"eu-west-1a\", \"eu-west-1c\"]");
    let err = spot_scenario(dir.path(), &zone_c).expect_err("zone c is not in the file");
    assert!(err.contains("no Linux/UNIX spot prices for m5.large in eu-west-1c"), "{err}");
    assert!(err.contains("m5.large in eu-west-1a, m5.large in eu-west-1b"), "{err}");
    let both = SPOT.replace("market = \"spot\"", "market = \"spot\"\nspot_price_factor = 0.3");
    let err = spot_scenario(dir.path(), &both).expect_err("both");
    assert!(err.contains("not both"), "{err}");
    let on_demand = SPOT.replace("market = \"spot\"", "market = \"on-demand\"");
    let err = spot_scenario(dir.path(), &on_demand).expect_err("on-demand");
    assert!(err.contains("fleet[0].spot_price_history") && err.contains("market = \"spot\""), "{err}");
    let bad_start = SPOT.replace(
        "spot_price_history = \"spot-history.json\"",
        "spot_price_history = \"spot-history.json\"\nspot_price_start = \"yesterday\"",
    );
    let err = spot_scenario(dir.path(), &bad_start).expect_err("bad start");
    assert!(err.contains("fleet[0].spot_price_start") && err.contains("ISO-8601"), "{err}");
}

#[test]
fn the_shared_spot_price_history_samples_parse() {
    if let Some(path) = sample("spot-price-history/01-m5large-us-east-1-instance-selector.json") {
        let history = SpotPriceHistory::read(&path).expect("01");
        let listing = history.listing();
        assert_eq!(
            listing,
            [
                "m5.large in us-east-1a",
                "m5.large in us-east-1b",
                "m5.large in us-east-1c",
                "m5.large in us-east-1d",
                "m5.large in us-east-1f"
            ]
        );
        let curve = history.curve("m5.large", "us-east-1f", history.earliest_ms()).expect("1f");
        let hour = ecs_sim::engine::SimTime(3_600_000);
        let price = curve.price_at(hour);
        assert!((0.0367..=0.0437).contains(&price), "{price}");
    }
    for name in ["spot-price-history/02-m1xlarge-awscli.json", "spot-price-history/03-m1xlarge-botocore-example.json"] {
        if let Some(path) = sample(name) {
            let history = SpotPriceHistory::read(&path).expect(name);
            assert_eq!(history.listing(), ["m1.xlarge in us-west-1a", "m1.xlarge in us-west-1c"], "{name}");
            let curve = history.curve("m1.xlarge", "us-west-1a", history.earliest_ms()).expect("1a");
            assert_eq!(curve.price_at(ecs_sim::engine::SimTime(0)), 0.08);
        }
    }
}
