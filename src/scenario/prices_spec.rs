//! The prices of the scenario's region: `[cluster] prices` (files from
//! `ecs-sim prices import`) over the built-in us-east-1 data.
//!
//! * In us-east-1, imported rows replace built-in prices and the built-in
//!   ones fill the gaps; price files with no us-east-1 row are an error.
//! * In any other region the price files must hold the region, or the
//!   scenario is an input error on `simulation.region`; every instance type
//!   of a fleet needs a row, and the Fargate rates need rows (or `[fargate]`
//!   keys) when a task definition can run on Fargate. Nothing falls back to
//!   us-east-1 prices.

use super::fleet_spec::FleetSpec;
use super::raw::{RawFargate, RawFiles};
use super::taskdef::TaskDef;
use super::validate::{Validator, MAX_PRICE};
use crate::catalog::fargate::FargatePricing;
use crate::catalog::Architecture;
use crate::error::InputError;
use crate::prices::{read_region_prices, FargateRate, RegionPrices, BUILTIN_REGION};

/// How to make a price file, for help texts.
fn import_help(region: &str) -> String {
    format!(
        "import them: `ecs-sim prices import index.csv --region {region} --out prices/{region}.csv` \
         (the AmazonEC2 offer file, and AmazonECS for Fargate) and name the files in \
         [cluster] prices = [\"prices/{region}.csv\"] (docs/aws-data.md)"
    )
}

impl Validator<'_> {
    /// The imported prices of `region`, or `None` in us-east-1 without price
    /// files. Named files without a row for the region are an error in any
    /// region: they would be silently ignored.
    pub(super) fn region_prices(
        &self,
        files: Option<&RawFiles>,
        region: &str,
    ) -> Result<Option<RegionPrices>, InputError> {
        let paths: Vec<(String, std::path::PathBuf)> =
            files.map_or(&[][..], RawFiles::paths).iter().map(|p| (p.clone(), self.resolve(p))).collect();
        let prices = read_region_prices(&paths, region)?;
        let rates = prices.fargate.iter().map(|(rate, price)| (rate.name().to_string(), price));
        for (name, &price) in prices.ec2.iter().map(|(n, p)| (n.clone(), p)).chain(rates) {
            if price > MAX_PRICE {
                return Err(self.error("cluster.prices", format!("{name} costs {price} per hour, above {MAX_PRICE}")));
            }
        }
        if !prices.is_empty() {
            return Ok(Some(prices));
        }
        if region == BUILTIN_REGION && paths.is_empty() {
            return Ok(None);
        }
        let why = if paths.is_empty() {
            format!("there are no prices for {region}: the built-in prices are {BUILTIN_REGION}'s and cluster.prices names no file")
        } else {
            let names: Vec<&str> = paths.iter().map(|(n, _)| n.as_str()).collect();
            format!("there are no prices for {region} in cluster.prices ({})", names.join(", "))
        };
        Err(self.error("simulation.region", why).help(import_help(region)))
    }

    /// Sets the price of every fleet's instance types (and its listed
    /// instances') from the imported prices; a type without one is an error
    /// outside us-east-1.
    pub(super) fn price_fleets(
        &self,
        fleets: &mut [FleetSpec],
        prices: Option<&RegionPrices>,
        region: &str,
    ) -> Result<(), InputError> {
        let Some(prices) = prices else { return Ok(()) };
        for (i, fleet) in fleets.iter_mut().enumerate() {
            let listed = fleet.listed.iter_mut().map(|l| &mut l.instance_type);
            for instance_type in fleet.instance_types.iter_mut().chain(listed) {
                match prices.ec2.get(&instance_type.name) {
                    Some(&price) => instance_type.price_per_hour = price,
                    None if region == BUILTIN_REGION => {}
                    None => {
                        return Err(self
                            .error(
                                format!("fleet[{i}].instance_types"),
                                format!(
                                    "no {region} price for `{}` in cluster.prices ({})",
                                    instance_type.name,
                                    prices.files.join(", ")
                                ),
                            )
                            .help(format!(
                                "import the AmazonEC2 offer file of {region}, or add a row `{region},ec2,{},PRICE,,` to a price file",
                                instance_type.name
                            )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The Fargate prices `[fargate]` keys default to: the imported rates,
    /// else the built-in (us-east-1) ones.
    pub(super) fn fargate_defaults(prices: Option<&RegionPrices>) -> FargatePricing {
        let builtin = FargatePricing::default();
        let rate =
            |rate: FargateRate, fallback: f64| prices.and_then(|p| p.fargate.get(&rate)).copied().unwrap_or(fallback);
        FargatePricing {
            x86_vcpu_hour: rate(FargateRate::X86VcpuHour, builtin.x86_vcpu_hour),
            x86_gb_hour: rate(FargateRate::X86GbHour, builtin.x86_gb_hour),
            arm_vcpu_hour: rate(FargateRate::ArmVcpuHour, builtin.arm_vcpu_hour),
            arm_gb_hour: rate(FargateRate::ArmGbHour, builtin.arm_gb_hour),
        }
    }

    /// Outside us-east-1, a Fargate rate neither imported nor given in
    /// `[fargate]` is an error when a task definition of its architecture can
    /// run on Fargate.
    pub(super) fn check_fargate_prices(
        &self,
        prices: Option<&RegionPrices>,
        raw: &RawFargate,
        defs: &[TaskDef],
        region: &str,
    ) -> Result<(), InputError> {
        let Some(prices) = prices else { return Ok(()) };
        if region == BUILTIN_REGION {
            return Ok(());
        }
        let given = [raw.x86_vcpu_hour, raw.x86_gb_hour, raw.arm_vcpu_hour, raw.arm_gb_hour];
        for (rate, given) in FargateRate::ALL.into_iter().zip(given) {
            let arm = matches!(rate, FargateRate::ArmVcpuHour | FargateRate::ArmGbHour);
            let wanted = |d: &&TaskDef| d.fargate_size.is_some() && (d.architecture == Architecture::Arm64) == arm;
            let Some(def) = defs.iter().find(wanted) else { continue };
            if given.is_none() && !prices.fargate.contains_key(&rate) {
                return Err(self
                    .error(
                        format!("fargate.{}", rate.name()),
                        format!(
                            "no {region} Fargate price `{}` in cluster.prices ({}), and `{}` can run on Fargate",
                            rate.name(),
                            prices.files.join(", "),
                            def.name()
                        ),
                    )
                    .help(format!(
                        "import the AmazonECS offer file of {region}, or set [fargate] {} = PRICE",
                        rate.name()
                    )));
            }
        }
        Ok(())
    }
}
