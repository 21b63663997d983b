//! The compact price file `ecs-sim prices import` writes and a scenario
//! names in `cluster.prices`: a CSV with `#` comment lines and the header
//! `region,kind,name,usd_per_hour,vcpu,memory_mib`.
//!
//! * `kind = ec2`: `name` is an instance type, `usd_per_hour` its Linux
//!   on-demand price; `vcpu` and `memory_mib` are the offer file's figures,
//!   written for people (to add a type missing from the instance catalog
//!   with `cluster.instance_catalog`) and not read back.
//! * `kind = fargate`: `name` is `x86_vcpu_hour`, `x86_gb_hour`,
//!   `arm_vcpu_hour` or `arm_gb_hour`, in USD per vCPU-hour or GB-hour.
//!
//! One file may hold several regions; a row repeated for the same region
//! and name (in the same or a later file) replaces the earlier one.

use super::offer_file::Imported;
use super::FargateRate;
use crate::error::{not_a_file, InputError};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The header of a price file.
const HEADER: [&str; 6] = ["region", "kind", "name", "usd_per_hour", "vcpu", "memory_mib"];

/// The prices of one region, read from price files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionPrices {
    /// The region code.
    pub region: String,
    /// EC2 Linux on-demand USD per hour, by instance type.
    pub ec2: BTreeMap<String, f64>,
    /// Fargate rates given.
    pub fargate: BTreeMap<FargateRate, f64>,
    /// The files that gave rows for the region, in the order read.
    pub files: Vec<String>,
}

impl RegionPrices {
    /// Whether no file gave the region anything.
    pub fn is_empty(&self) -> bool {
        self.ec2.is_empty() && self.fargate.is_empty()
    }
}

/// The text of a price file for `imported`, with a comment naming `source`.
pub fn write_catalog(imported: &Imported, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# ecs-sim prices: Linux on-demand prices of {}, in USD", imported.region);
    let mut origin = format!("# from the AWS Price List offer file {source}");
    if let Some(code) = &imported.offer_code {
        let _ = write!(origin, " ({code}");
        if let Some(version) = &imported.version {
            let _ = write!(origin, ", version {version}");
        }
        origin.push(')');
    }
    let _ = writeln!(out, "{origin}");
    let _ = writeln!(out, "{}", HEADER.join(","));
    let number = |v: Option<u32>| v.map_or(String::new(), |v| v.to_string());
    for (name, price) in &imported.ec2 {
        let _ = writeln!(
            out,
            "{},ec2,{name},{},{},{}",
            imported.region,
            price.usd_per_hour,
            number(price.vcpu),
            number(price.memory_mib)
        );
    }
    for (rate, price) in &imported.fargate {
        let _ = writeln!(out, "{},fargate,{},{price},,", imported.region, rate.name());
    }
    out
}

/// Reads the rows of `region` from `files` (paths as the scenario writes
/// them, with the paths they are read from). Rows of other regions are
/// checked and skipped.
pub fn read_region_prices(files: &[(String, std::path::PathBuf)], region: &str) -> Result<RegionPrices, InputError> {
    let mut prices = RegionPrices { region: region.to_string(), ..RegionPrices::default() };
    for (name, path) in files {
        if let Some(why) = not_a_file(path) {
            return Err(InputError::new(path, format!("cannot open the price file: {why}"))
                .help("make one with `ecs-sim prices import OFFER_FILE --region R --out FILE`"));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(path, format!("cannot read the price file: {e}")))?;
        if read_text(path, &text, region, &mut prices)? {
            prices.files.push(name.clone());
        }
    }
    Ok(prices)
}

/// Adds the rows of `region` in `text` to `prices`; returns whether there were any.
fn read_text(path: &Path, text: &str, region: &str, prices: &mut RegionPrices) -> Result<bool, InputError> {
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| InputError::new(path, format!("cannot read the price file: {e}")))?;
    if header.iter().collect::<Vec<_>>() != HEADER {
        return Err(InputError::new(path, format!("the header must be `{}`", HEADER.join(",")))
            .at("line 1 after the comments")
            .help("price files are written by `ecs-sim prices import` (docs/aws-data.md)"));
    }
    let mut any = false;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let err = InputError::new(path, format!("cannot read the price file: {e}"));
            match e.position() {
                Some(p) => err.at(format!("line {}", p.line())),
                None => err,
            }
        })?;
        let at = format!("line {}", record.position().map_or(0, |p| p.line()));
        let field = |i: usize| record.get(i).unwrap_or("");
        let price: f64 = field(3).parse().ok().filter(|p: &f64| p.is_finite() && *p >= 0.0).ok_or_else(|| {
            InputError::new(path, format!("`{}` is not a price in USD per hour", field(3))).at(at.clone())
        })?;
        if field(2).is_empty() {
            return Err(InputError::new(path, "the name is empty").at(at));
        }
        let kind = field(1);
        let rate = match kind {
            "ec2" => None,
            "fargate" => Some(FargateRate::from_name(field(2)).ok_or_else(|| {
                InputError::new(path, format!("`{}` is not a Fargate rate", field(2)))
                    .at(at.clone())
                    .help("use x86_vcpu_hour, x86_gb_hour, arm_vcpu_hour or arm_gb_hour")
            })?),
            other => {
                return Err(InputError::new(path, format!("kind `{other}` is not `ec2` or `fargate`")).at(at));
            }
        };
        if field(0) != region {
            continue;
        }
        any = true;
        match rate {
            Some(rate) => {
                prices.fargate.insert(rate, price);
            }
            None => {
                prices.ec2.insert(field(2).to_string(), price);
            }
        }
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::super::offer_file::Ec2Price;
    use super::*;

    #[test]
    fn round_trips_and_selects_the_region() {
        let mut imported = Imported { region: "eu-west-1".into(), ..Imported::default() };
        imported.ec2.insert("m5.large".into(), Ec2Price { usd_per_hour: 0.107, vcpu: Some(2), memory_mib: Some(8192) });
        imported.fargate.insert(FargateRate::X86VcpuHour, 0.04048);
        imported.offer_code = Some("AmazonEC2".into());
        let text = write_catalog(&imported, "index.csv");
        assert!(text.contains("eu-west-1,ec2,m5.large,0.107,2,8192\n"), "{text}");
        assert!(text.contains("eu-west-1,fargate,x86_vcpu_hour,0.04048,,\n"), "{text}");
        let mut prices = RegionPrices::default();
        assert!(read_text(Path::new("p.csv"), &text, "eu-west-1", &mut prices).expect("reads"));
        assert_eq!(prices.ec2.get("m5.large"), Some(&0.107));
        assert_eq!(prices.fargate.get(&FargateRate::X86VcpuHour), Some(&0.04048));
        let mut other = RegionPrices::default();
        assert!(!read_text(Path::new("p.csv"), &text, "us-east-2", &mut other).expect("reads"));
        assert!(other.is_empty());
    }

    #[test]
    fn bad_rows_name_the_line() {
        let text = "region,kind,name,usd_per_hour,vcpu,memory_mib\neu-west-1,ec2,m5.large,cheap,,\n";
        let err = read_text(Path::new("p.csv"), text, "eu-west-1", &mut RegionPrices::default()).expect_err("bad");
        assert!(err.to_string().contains("line 2"), "{err}");
        let text = "region,kind,name,usd_per_hour,vcpu,memory_mib\neu-west-1,gpu,x,1,,\n";
        let err = read_text(Path::new("p.csv"), text, "eu-west-1", &mut RegionPrices::default()).expect_err("bad");
        assert!(err.to_string().contains("kind `gpu`"), "{err}");
        let err = read_text(Path::new("p.csv"), "a,b\n", "eu-west-1", &mut RegionPrices::default()).expect_err("bad");
        assert!(err.to_string().contains("the header must be"), "{err}");
    }
}
