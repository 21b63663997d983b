//! `[commitments]`: Savings Plans and Reserved Instances, validated into a
//! [`Commitments`] (docs/scenario.md, "Commitments").

use super::raw::{RawCommitments, RawReservedInstance, RawSavingsPlan};
use super::validate::{Validator, MAX_PRICE};
use crate::catalog::fargate::FargatePricing;
use crate::catalog::{Catalog, InstanceType};
use crate::commitments::{family, Commitments, PlanKind, PlanRates, ReservedInstance, SavingsPlan};
use crate::error::InputError;
use std::collections::BTreeSet;

impl Validator<'_> {
    /// The scenario's commitments; `None` without a `[commitments]` table
    /// or with an empty one.
    pub(super) fn commitments(
        &self,
        raw: Option<&RawCommitments>,
        catalog: &Catalog,
        zones: &[String],
        fargate: &FargatePricing,
    ) -> Result<Option<Commitments>, InputError> {
        let Some(raw) = raw else { return Ok(None) };
        let reserved_instances = raw
            .reserved_instance
            .iter()
            .enumerate()
            .map(|(i, ri)| self.reserved_instance(i, ri, catalog, zones))
            .collect::<Result<Vec<_>, _>>()?;
        let savings_plans = raw
            .savings_plan
            .iter()
            .enumerate()
            .map(|(i, plan)| self.savings_plan(i, plan, catalog, fargate))
            .collect::<Result<Vec<_>, _>>()?;
        let mut names = BTreeSet::new();
        for plan in &savings_plans {
            if !names.insert(plan.name.as_str()) {
                return Err(self
                    .error("commitments.savings_plan.name", format!("two Savings Plans are named `{}`", plan.name))
                    .help("give each plan its own name"));
            }
        }
        if reserved_instances.is_empty() && savings_plans.is_empty() {
            return Ok(None);
        }
        Ok(Some(Commitments { reserved_instances, savings_plans }))
    }

    fn instance_type<'c>(&self, field: &str, name: &str, catalog: &'c Catalog) -> Result<&'c InstanceType, InputError> {
        catalog.get(name).ok_or_else(|| {
            let err = self.error(field, format!("unknown instance type `{name}`"));
            match catalog.suggest(name) {
                Some(s) => err.help(format!("did you mean `{s}`?")),
                None => err.help("name a type of the instance catalog (see docs/scenario.md)"),
            }
        })
    }

    /// A rate in USD per hour: above zero, at most [`MAX_PRICE`].
    fn rate(&self, field: &str, value: f64) -> Result<f64, InputError> {
        if !(value.is_finite() && value > 0.0 && value <= MAX_PRICE) {
            return Err(
                self.error(field, format!("{value} is not a rate; use dollars per hour above 0, at most {MAX_PRICE}"))
            );
        }
        Ok(value)
    }

    /// A discount percentage as a fraction: above 0 %, below 100 %.
    fn discount(&self, field: &str, pct: f64) -> Result<f64, InputError> {
        if !(pct.is_finite() && pct > 0.0 && pct < 100.0) {
            return Err(self
                .error(field, format!("{pct} is not a discount; use a percentage above 0 and below 100"))
                .help("e.g. 28 for a plan 28 % below On-Demand"));
        }
        Ok(pct / 100.0)
    }

    fn reserved_instance(
        &self,
        index: usize,
        raw: &RawReservedInstance,
        catalog: &Catalog,
        zones: &[String],
    ) -> Result<ReservedInstance, InputError> {
        let field = |name: &str| format!("commitments.reserved_instance[{index}].{name}");
        self.instance_type(&field("instance_type"), &raw.instance_type, catalog)?;
        if let Some(zone) = &raw.availability_zone {
            if !zones.contains(zone) {
                return Err(self
                    .error(field("availability_zone"), format!("`{zone}` is not one of the cluster's zones"))
                    .help(format!("the cluster's zones are {}; leave it out for a regional RI", zones.join(", "))));
            }
        }
        if raw.count == 0 {
            return Err(self.error(field("count"), "reserve at least one instance"));
        }
        Ok(ReservedInstance {
            instance_type: raw.instance_type.clone(),
            zone: raw.availability_zone.clone(),
            count: raw.count,
            hourly_usd: self.rate(&field("effective_hourly_usd"), raw.effective_hourly_usd)?,
        })
    }

    fn savings_plan(
        &self,
        index: usize,
        raw: &RawSavingsPlan,
        catalog: &Catalog,
        fargate: &FargatePricing,
    ) -> Result<SavingsPlan, InputError> {
        let field = |name: &str| format!("commitments.savings_plan[{index}].{name}");
        let kind = match raw.kind.as_str() {
            "compute" => {
                if raw.instance_family.is_some() {
                    return Err(self
                        .error(field("instance_family"), "a Compute Savings Plan covers every family")
                        .help("leave it out, or use type = \"ec2_instance\""));
                }
                PlanKind::Compute
            }
            "ec2_instance" => {
                let Some(family) = raw.instance_family.clone() else {
                    return Err(self
                        .error(field("instance_family"), "an EC2 Instance Savings Plan covers one instance family")
                        .help("e.g. instance_family = \"m5\""));
                };
                for key in ["fargate_vcpu_hour", "fargate_gb_hour", "fargate_discount_pct"] {
                    let given = match key {
                        "fargate_vcpu_hour" => raw.fargate_vcpu_hour.is_some(),
                        "fargate_gb_hour" => raw.fargate_gb_hour.is_some(),
                        _ => raw.fargate_discount_pct.is_some(),
                    };
                    if given {
                        return Err(self
                            .error(field(key), "EC2 Instance Savings Plans do not cover Fargate")
                            .help("use type = \"compute\" for Fargate"));
                    }
                }
                PlanKind::Ec2Instance { family }
            }
            other => {
                return Err(self
                    .error(field("type"), format!("`{other}` is not a Savings Plan type"))
                    .help("use \"compute\" or \"ec2_instance\""))
            }
        };
        let commitment_per_hour = self.rate(&field("commitment_usd_per_hour"), raw.commitment_usd_per_hour)?;
        let mut rates = PlanRates::default();
        for (name, &rate) in &raw.instance_rates {
            let key = format!("{}.\"{name}\"", field("instance_rates"));
            let instance = self.instance_type(&key, name, catalog)?;
            if let PlanKind::Ec2Instance { family: covered } = &kind {
                if family(name) != covered {
                    return Err(self.error(&key, format!("`{name}` is not in the plan's family `{covered}`")));
                }
            }
            let rate = self.rate(&key, rate)?;
            if rate > instance.price_per_hour {
                return Err(self
                    .error(&key, format!("{rate} is above the On-Demand price of {name} ({})", instance.price_per_hour))
                    .help("a Savings Plans rate is below On-Demand; check the rate, or the catalog's price"));
            }
            rates.instance_rates.insert(name.clone(), rate);
        }
        for (name, &pct) in &raw.family_discount_pct {
            let key = format!("{}.{name}", field("family_discount_pct"));
            if let PlanKind::Ec2Instance { family: covered } = &kind {
                if name != covered {
                    return Err(self.error(&key, format!("`{name}` is not the plan's family `{covered}`")));
                }
            }
            rates.family_discounts.insert(name.clone(), self.discount(&key, pct)?);
        }
        rates.discount = raw.discount_pct.map(|pct| self.discount(&field("discount_pct"), pct)).transpose()?;
        let fargate_discount =
            raw.fargate_discount_pct.map(|pct| self.discount(&field("fargate_discount_pct"), pct)).transpose()?;
        for (key, rate, on_demand) in [
            ("fargate_vcpu_hour", raw.fargate_vcpu_hour, fargate.x86_vcpu_hour),
            ("fargate_gb_hour", raw.fargate_gb_hour, fargate.x86_gb_hour),
        ] {
            let discount = match rate {
                Some(_) if fargate_discount.is_some() => {
                    return Err(self
                        .error(field(key), "give Fargate rates or fargate_discount_pct, not both")
                        .help("drop one of them"))
                }
                Some(rate) => {
                    let rate = self.rate(&field(key), rate)?;
                    if rate >= on_demand {
                        return Err(self
                            .error(field(key), format!("{rate} is not below the x86 On-Demand rate ({on_demand})"))
                            .help("a Savings Plans rate is below On-Demand; see [fargate] for the On-Demand rates"));
                    }
                    Some(1.0 - rate / on_demand)
                }
                None => fargate_discount,
            };
            match key {
                "fargate_vcpu_hour" => rates.fargate_vcpu_discount = discount,
                _ => rates.fargate_gb_discount = discount,
            }
        }
        if rates == PlanRates::default() {
            return Err(self
                .error(field("discount_pct"), "the plan has no rates, so it would cover nothing")
                .help("give discount_pct, family_discount_pct, instance_rates or Fargate rates"));
        }
        let name = raw.name.clone().unwrap_or_else(|| format!("savings-plan-{}", index + 1));
        Ok(SavingsPlan { name, kind, commitment_per_hour, rates })
    }
}
