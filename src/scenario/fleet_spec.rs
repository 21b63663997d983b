//! EC2 fleets: the validated form of `[[fleet]]`.

use super::raw;
use super::validate::Validator;
use crate::catalog::{Catalog, InstanceType};
use crate::error::InputError;
use crate::model::Market;
use std::collections::BTreeMap;

/// A validated EC2 instance group.
#[derive(Debug, Clone)]
pub struct FleetSpec {
    /// Its name, used in reports.
    pub name: String,
    /// The instance types, assigned in turn.
    pub instance_types: Vec<InstanceType>,
    /// How many instances.
    pub count: u32,
    /// Availability zones; instances are spread evenly over them.
    pub availability_zones: Vec<String>,
    /// Purchase option.
    pub market: Market,
    /// Multiplier on the On-Demand price (1 for On-Demand).
    pub price_factor: f64,
    /// Custom attributes every instance of the group carries.
    pub attributes: BTreeMap<String, String>,
    /// The fleet's first instances as listed (`[[fleet.instances]]`, a live
    /// cluster's), before the `count - listed` made from `instance_types`.
    pub listed: Vec<ListedInstance>,
    /// Its instances at time zero were running before the run: past their
    /// warm-up, so managed scaling does not wait for them.
    pub warm_at_start: bool,
}

/// One instance a fleet starts with exactly as given: its EC2 id, type,
/// zone, attributes and, where the agent's figures are known, the resources
/// it registered.
#[derive(Debug, Clone)]
pub struct ListedInstance {
    /// The EC2 instance id, e.g. `i-0abc...`.
    pub id: String,
    /// Its type.
    pub instance_type: InstanceType,
    /// Its zone (index into the cluster's).
    pub availability_zone: usize,
    /// Its custom attributes, besides the fleet's.
    pub attributes: BTreeMap<String, String>,
    /// CPU units and MiB it registered (default: the type's).
    pub registered: (u32, u32),
}

impl Validator<'_> {
    pub(super) fn fleet(
        &self,
        index: usize,
        raw: &raw::RawFleet,
        catalog: &Catalog,
        cluster_azs: &[String],
    ) -> Result<FleetSpec, InputError> {
        let field = |name: &str| format!("fleet[{index}].{name}");
        if raw.instance_types.is_empty() {
            return Err(self.error(field("instance_types"), "list at least one instance type, e.g. [\"m5.large\"]"));
        }
        let instance_types = raw
            .instance_types
            .iter()
            .map(|name| {
                catalog.get(name).cloned().ok_or_else(|| {
                    let mut err = self.error(field("instance_types"), format!("unknown instance type `{name}`"));
                    err = match catalog.suggest(name) {
                        Some(s) => err.help(format!("did you mean `{s}`? Add new types with cluster.instance_catalog")),
                        None => err.help("add it with a CSV named in cluster.instance_catalog (see docs/scenario.md)"),
                    };
                    err
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let availability_zones = raw.availability_zones.clone().unwrap_or_else(|| cluster_azs.to_vec());
        for az in &availability_zones {
            if !cluster_azs.contains(az) {
                return Err(self
                    .error(field("availability_zones"), format!("`{az}` is not one of the cluster's zones"))
                    .help(format!("the cluster's zones are {}", cluster_azs.join(", "))));
            }
        }
        if availability_zones.is_empty() {
            return Err(self.error(field("availability_zones"), "list at least one zone"));
        }
        let (market, price_factor) = match raw.market.as_deref().unwrap_or("on-demand") {
            "on-demand" => {
                if raw.spot_price_factor.is_some() {
                    return Err(self.error(field("spot_price_factor"), "applies only with market = \"spot\""));
                }
                (Market::OnDemand, 1.0)
            }
            "spot" => (Market::Spot, self.factor(&field("spot_price_factor"), raw.spot_price_factor, 0.35)?),
            other => return Err(self.error(field("market"), format!("`{other}` is not \"on-demand\" or \"spot\""))),
        };
        self.check_attributes(&field("attributes"), &raw.attributes)?;
        if raw.instances.len() > raw.count as usize {
            return Err(self
                .error(
                    field("count"),
                    format!("the fleet lists {} instances but counts {}", raw.instances.len(), raw.count),
                )
                .help("`count` is all the fleet's starting instances, the listed ones first"));
        }
        let listed = raw
            .instances
            .iter()
            .enumerate()
            .map(|(k, listed)| self.listed_instance(&field(&format!("instances[{k}]")), listed, catalog, cluster_azs))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FleetSpec {
            name: raw.name.clone(),
            instance_types,
            count: raw.count,
            availability_zones,
            market,
            price_factor,
            attributes: raw.attributes.clone(),
            listed,
            warm_at_start: raw.warm_at_start.unwrap_or(false),
        })
    }

    fn listed_instance(
        &self,
        field: &str,
        raw: &raw::RawListedInstance,
        catalog: &Catalog,
        cluster_azs: &[String],
    ) -> Result<ListedInstance, InputError> {
        let id_ok = raw.id.len() <= 64
            && raw.id.starts_with("i-")
            && raw.id.len() > 2
            && raw.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !id_ok {
            return Err(self
                .error(format!("{field}.id"), format!("`{}` is not an EC2 instance id", raw.id))
                .help("write the id as EC2 gives it, e.g. \"i-0123456789abcdef0\""));
        }
        let instance_type = catalog.get(&raw.instance_type).cloned().ok_or_else(|| {
            self.error(format!("{field}.instance_type"), format!("unknown instance type `{}`", raw.instance_type))
                .help("add it with a CSV named in cluster.instance_catalog (see docs/scenario.md)")
        })?;
        let availability_zone = cluster_azs.iter().position(|z| *z == raw.availability_zone).ok_or_else(|| {
            self.error(
                format!("{field}.availability_zone"),
                format!("`{}` is not one of the cluster's zones", raw.availability_zone),
            )
            .help(format!("the cluster's zones are {}", cluster_azs.join(", ")))
        })?;
        self.check_attributes(&format!("{field}.attributes"), &raw.attributes)?;
        let cpu = raw.registered_cpu.unwrap_or(instance_type.registered_cpu_units());
        let memory = raw.registered_memory_mib.unwrap_or(instance_type.registered_memory_mib);
        if cpu == 0 || memory == 0 || cpu > instance_type.registered_cpu_units() || memory > instance_type.memory_mib {
            return Err(self
                .error(
                    format!("{field}.registered_cpu"),
                    format!(
                        "registered {cpu} CPU units and {memory} MiB do not fit a {} ({} units, {} MiB)",
                        instance_type.name,
                        instance_type.registered_cpu_units(),
                        instance_type.memory_mib
                    ),
                )
                .help("give what describe-container-instances reports in registeredResources"));
        }
        Ok(ListedInstance {
            id: raw.id.clone(),
            instance_type,
            availability_zone,
            attributes: raw.attributes.clone(),
            registered: (cpu, memory),
        })
    }

    fn check_attributes(&self, field: &str, attributes: &BTreeMap<String, String>) -> Result<(), InputError> {
        for (key, value) in attributes {
            let name_ok = !key.is_empty()
                && key.len() <= 128
                && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_/\\.".contains(c));
            if !name_ok || key.starts_with("ecs.") {
                return Err(self.error(
                    field,
                    format!("attribute name `{key}` must be 1-128 letters, digits, -, _, /, \\ or . and not start with `ecs.`"),
                ));
            }
            if value.is_empty() || value.len() > 128 || value.trim() != value {
                return Err(self.error(
                    field,
                    format!("attribute `{key}` needs a 1-128 character value without surrounding spaces"),
                ));
            }
        }
        Ok(())
    }
}
