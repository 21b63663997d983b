//! From a dump's objects to the cluster they describe: fleets of listed
//! instances (one per Auto Scaling group, and one for instances in none),
//! capacity providers, task definitions, services, standalone workloads and
//! the running tasks where they are. What the dump leaves unsaid is decided
//! here and recorded as a note, which the scenario states as a comment.

use super::dump::Dump;
use crate::catalog::Catalog;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The name of the fleet holding instances in no Auto Scaling group.
const UNGROUPED_FLEET: &str = "instances";

/// The cluster a dump describes, ready to be written as a scenario.
#[derive(Debug, Default)]
pub(super) struct Imported {
    pub(super) cluster_name: String,
    pub(super) region: String,
    pub(super) zones: Vec<String>,
    pub(super) fleets: Vec<ImportedFleet>,
    pub(super) providers: Vec<ImportedProvider>,
    /// The cluster's default strategy: provider, base, weight.
    pub(super) default_strategy: Vec<(String, u64, u64)>,
    pub(super) task_definitions: Vec<ImportedTaskDef>,
    pub(super) services: Vec<ImportedService>,
    pub(super) workloads: Vec<ImportedWorkload>,
    pub(super) running: Vec<ImportedRunning>,
    /// Instance types the built-in catalog lacks, from their registered resources.
    pub(super) extra_types: Vec<ExtraType>,
    /// What the dump did not say and how it was filled in, or what was left out.
    pub(super) notes: Vec<String>,
}

#[derive(Debug)]
pub(super) struct ImportedFleet {
    pub(super) name: String,
    pub(super) instance_types: Vec<String>,
    pub(super) instances: Vec<ImportedInstance>,
}

#[derive(Debug)]
pub(super) struct ImportedInstance {
    pub(super) id: String,
    pub(super) instance_type: String,
    pub(super) zone: String,
    pub(super) attributes: BTreeMap<String, String>,
    pub(super) registered: Option<(u64, u64)>,
}

#[derive(Debug)]
pub(super) struct ImportedProvider {
    pub(super) name: String,
    pub(super) fleet: String,
    pub(super) min_size: u64,
    pub(super) max_size: u64,
    pub(super) managed_scaling: Option<Value>,
    pub(super) termination_protection: Option<String>,
    pub(super) managed_draining: Option<String>,
}

#[derive(Debug)]
pub(super) enum ImportedTaskDef {
    /// A describe-task-definition output, written as a file.
    Described { name: String, output: Value },
    /// Made from a task of it, when the dump has no describe-task-definition.
    FromTask { name: String, definition: Value },
}

impl ImportedTaskDef {
    pub(super) fn name(&self) -> &str {
        match self {
            ImportedTaskDef::Described { name, .. } | ImportedTaskDef::FromTask { name, .. } => name,
        }
    }
}

#[derive(Debug)]
pub(super) struct ImportedService {
    pub(super) name: String,
    /// The describe-services object, its `taskDefinition` the one its
    /// running tasks have.
    pub(super) object: Value,
    /// The task definition of an unfinished deployment, shipped at time zero.
    pub(super) deploying: Option<String>,
}

#[derive(Debug)]
pub(super) struct ImportedWorkload {
    pub(super) name: String,
    pub(super) task_definition: String,
    pub(super) launch_type: String,
    pub(super) group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Owner {
    Service(String),
    Workload(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Place {
    Instance(String),
    Fargate { zone: String, provider: Option<String> },
}

#[derive(Debug)]
pub(super) struct ImportedRunning {
    pub(super) owner: Owner,
    pub(super) place: Place,
    pub(super) task_definition: String,
    pub(super) count: u64,
}

#[derive(Debug)]
pub(super) struct ExtraType {
    pub(super) name: String,
    pub(super) vcpu: u64,
    pub(super) registered_memory_mib: u64,
    pub(super) architecture: String,
}

/// The last part of an ARN after `marker`, or the text itself when it is
/// no ARN: `...:task-definition/web:3` gives `web:3`.
fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    text.rsplit_once(marker).map_or(text, |(_, tail)| tail)
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A count or size that ECS writes as a number or a string (`"256"`).
fn number(value: &Value, key: &str) -> Option<u64> {
    match value.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `registeredResources` or `remainingResources`: CPU units and MiB.
fn resources(instance: &Value, key: &str) -> Option<(u64, u64)> {
    let list = instance.get(key)?.as_array()?;
    let find = |name: &str| list.iter().find(|r| text(r, "name") == Some(name)).and_then(|r| number(r, "integerValue"));
    Some((find("CPU")?, find("MEMORY")?))
}

/// The attribute `name` of a container instance.
fn attribute<'a>(instance: &'a Value, name: &str) -> Option<&'a str> {
    instance
        .get("attributes")?
        .as_array()?
        .iter()
        .find(|a| text(a, "name") == Some(name))
        .and_then(|a| text(a, "value"))
}

/// Whether a custom attribute may be carried into the scenario as it is.
fn carried_attribute(name: &str, value: &str) -> bool {
    !name.starts_with("ecs.")
        && !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_/\\.".contains(c))
        && !value.is_empty()
        && value.len() <= 128
        && value.trim() == value
}

/// A name fit for a scenario (fleets, workloads): letters, digits, `-`, `_`.
fn tidy(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// Builds the cluster `cluster` (or the dump's only one) from `dump`.
pub(super) fn build(dump: &Dump, cluster: Option<&str>) -> Result<Imported, String> {
    let mut out = Imported::default();
    let names: Vec<&str> = dump.clusters.iter().filter_map(|c| text(c, "clusterName")).collect();
    let chosen = match (cluster, names.as_slice()) {
        (Some(name), _) => {
            if !names.is_empty() && !names.contains(&name) {
                return Err(format!("the dump describes no cluster `{name}` (it has {})", names.join(", ")));
            }
            dump.clusters.iter().find(|c| text(c, "clusterName") == Some(name))
        }
        (None, []) => None,
        (None, [_]) => dump.clusters.first(),
        (None, several) => {
            return Err(format!(
                "the dump describes {} clusters ({}); pick one with --cluster NAME",
                several.len(),
                several.join(", ")
            ))
        }
    };
    out.cluster_name =
        chosen.and_then(|c| text(c, "clusterName")).or(cluster).map_or_else(|| "imported".to_string(), str::to_string);
    let cluster_arn = chosen.and_then(|c| text(c, "clusterArn")).map(str::to_string);
    if chosen.is_none() {
        out.notes.push("no describe-clusters output: the cluster is named from --cluster, or `imported`".into());
    }
    // Objects that name another cluster are left out.
    let in_cluster = |object: &Value| match text(object, "clusterArn") {
        None => true,
        Some(arn) => {
            cluster_arn.as_deref().is_none_or(|own| own == arn) && cluster.is_none_or(|n| after(arn, "/") == n)
        }
    };
    let tasks: Vec<&Value> = dump.tasks.iter().filter(|t| in_cluster(t)).collect();
    let services: Vec<&Value> = dump
        .services
        .iter()
        .filter(|s| in_cluster(s))
        .filter(|s| text(s, "status").is_none_or(|status| status == "ACTIVE"))
        .collect();
    let left_out = dump.tasks.len() - tasks.len();
    if left_out > 0 {
        out.notes.push(format!("{left_out} tasks of other clusters left out"));
    }

    let catalog = Catalog::builtin();
    let mut instances_by_arn: BTreeMap<String, String> = BTreeMap::new();
    let mut listed: Vec<(Option<String>, ImportedInstance)> = Vec::new();
    let mut unsized_reserved: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for instance in &dump.container_instances {
        let Some(id) = text(instance, "ec2InstanceId") else {
            out.notes.push("a container instance without ec2InstanceId left out".into());
            continue;
        };
        let status = text(instance, "status").unwrap_or("ACTIVE");
        if !matches!(status, "ACTIVE" | "DRAINING") {
            out.notes.push(format!("{id} is {status}: left out"));
            continue;
        }
        if status == "DRAINING" {
            out.notes.push(format!("{id} was DRAINING: imported ACTIVE, with its tasks where they are"));
        }
        if let Some(arn) = text(instance, "containerInstanceArn") {
            instances_by_arn.insert(arn.to_string(), id.to_string());
        }
        let registered = resources(instance, "registeredResources");
        if let (Some((cpu, memory)), Some((free_cpu, free_memory))) =
            (registered, resources(instance, "remainingResources"))
        {
            unsized_reserved.insert(id.to_string(), (cpu.saturating_sub(free_cpu), memory.saturating_sub(free_memory)));
        }
        let instance_type = match attribute(instance, "ecs.instance-type") {
            Some(name) => name.to_string(),
            None => {
                let (cpu, memory) = registered.unwrap_or((0, 0));
                let architecture = attribute(instance, "ecs.cpu-architecture").unwrap_or("x86_64");
                let fitting = catalog
                    .iter()
                    .filter(|t| t.architecture.as_str() == architecture)
                    .filter(|t| u64::from(t.registered_cpu_units()) == cpu && u64::from(t.memory_mib) >= memory)
                    .min_by(|a, b| a.price_per_hour.total_cmp(&b.price_per_hour).then_with(|| a.name.cmp(&b.name)));
                match fitting {
                    Some(t) => {
                        out.notes.push(format!(
                            "{id} has no ecs.instance-type attribute: taken as {}, the cheapest {architecture} type \
                             that registers {cpu} CPU units and at least {memory} MiB",
                            t.name
                        ));
                        t.name.clone()
                    }
                    None => {
                        out.notes
                            .push(format!("{id} has no ecs.instance-type attribute and no type fits it: left out"));
                        continue;
                    }
                }
            }
        };
        if catalog.get(&instance_type).is_none() && !out.extra_types.iter().any(|t| t.name == instance_type) {
            let Some((cpu, memory)) = registered else {
                out.notes.push(format!(
                    "{id}: type {instance_type} is not in the catalog and its resources are unknown: left out"
                ));
                continue;
            };
            out.notes.push(format!(
                "{instance_type} is not in the built-in catalog: added in instance_types.csv from {id}'s registered \
                 resources, with price 0 (fill in its price)"
            ));
            out.extra_types.push(ExtraType {
                name: instance_type.clone(),
                vcpu: cpu.div_ceil(1024).max(1),
                registered_memory_mib: memory.max(1),
                architecture: attribute(instance, "ecs.cpu-architecture").unwrap_or("x86_64").to_string(),
            });
        }
        let zone = attribute(instance, "ecs.availability-zone").map(str::to_string).unwrap_or_default();
        let attributes = instance
            .get("attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| Some((text(a, "name")?, text(a, "value")?)))
            .filter(|(name, value)| carried_attribute(name, value))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let provider = text(instance, "capacityProviderName").map(str::to_string);
        listed.push((provider, ImportedInstance { id: id.to_string(), instance_type, zone, attributes, registered }));
    }

    // Zones: the instances', the tasks', the groups'; else the region's a, b, c.
    let mut zones = BTreeSet::new();
    zones.extend(listed.iter().map(|(_, i)| i.zone.clone()).filter(|z| !z.is_empty()));
    zones.extend(tasks.iter().filter_map(|t| text(t, "availabilityZone")).map(str::to_string));
    for group in &dump.auto_scaling_groups {
        let zones_of = group.get("AvailabilityZones").and_then(Value::as_array).into_iter().flatten();
        zones.extend(zones_of.filter_map(Value::as_str).map(str::to_string));
    }
    out.region = cluster_arn
        .as_deref()
        .or_else(|| tasks.iter().find_map(|t| text(t, "taskArn")))
        .and_then(|arn| arn.split(':').nth(3))
        .filter(|r| !r.is_empty() && !r.starts_with('<'))
        .map(str::to_string)
        .or_else(|| zones.iter().next().map(|z| z.trim_end_matches(|c: char| c.is_ascii_lowercase()).to_string()))
        .unwrap_or_else(|| {
            out.notes.push("no ARN or zone names the region: us-east-1 assumed".into());
            "us-east-1".into()
        });
    if zones.is_empty() {
        zones.extend(["a", "b", "c"].iter().map(|s| format!("{}{s}", out.region)));
        out.notes.push(format!(
            "no zone in the dump: the region's {} assumed",
            zones.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    out.zones = zones.into_iter().collect();
    let first_zone = out.zones[0].clone();
    for (_, instance) in &mut listed {
        if instance.zone.is_empty() {
            out.notes.push(format!("{} has no ecs.availability-zone attribute: placed in {first_zone}", instance.id));
            instance.zone = first_zone.clone();
        }
    }

    // Fleets: one per Auto Scaling group, found from the groups' instance
    // lists, else from the providers' groups; one more for the rest.
    let group_name_of_provider = |provider: &Value| {
        provider
            .get("autoScalingGroupProvider")
            .and_then(|p| text(p, "autoScalingGroupArn"))
            .map(|arn| after(arn, "autoScalingGroupName/").to_string())
    };
    let cluster_providers: Option<Vec<&str>> = chosen
        .and_then(|c| c.get("capacityProviders"))
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .filter(|list: &Vec<&str>| !list.is_empty());
    let asg_providers: Vec<&Value> = dump
        .capacity_providers
        .iter()
        .filter(|p| group_name_of_provider(p).is_some())
        .filter(|p| cluster_providers.as_ref().is_none_or(|names| text(p, "name").is_some_and(|n| names.contains(&n))))
        .collect();
    let mut group_of_instance: BTreeMap<String, String> = BTreeMap::new();
    for group in &dump.auto_scaling_groups {
        let Some(name) = text(group, "AutoScalingGroupName") else { continue };
        for member in group.get("Instances").and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = text(member, "InstanceId") {
                group_of_instance.insert(id.to_string(), name.to_string());
            }
        }
    }
    let mut fleets: BTreeMap<String, ImportedFleet> = BTreeMap::new();
    for (provider, instance) in listed {
        let group = group_of_instance.get(&instance.id).cloned().or_else(|| {
            let provider = provider?;
            asg_providers
                .iter()
                .find(|p| text(p, "name") == Some(provider.as_str()))
                .and_then(|p| group_name_of_provider(p))
        });
        let fleet = tidy(group.as_deref().unwrap_or(UNGROUPED_FLEET));
        let entry = fleets.entry(fleet.clone()).or_insert_with(|| ImportedFleet {
            name: fleet,
            instance_types: Vec::new(),
            instances: Vec::new(),
        });
        entry.instances.push(instance);
    }
    let known =
        |name: &str, out: &Imported| catalog.get(name).is_some() || out.extra_types.iter().any(|t| t.name == name);
    let mut groups_by_name: BTreeMap<String, &Value> = BTreeMap::new();
    for group in &dump.auto_scaling_groups {
        if let Some(name) = text(group, "AutoScalingGroupName") {
            groups_by_name.insert(tidy(name), group);
        }
    }
    for provider in &asg_providers {
        let Some(group) = group_name_of_provider(provider) else { continue };
        fleets.entry(tidy(&group)).or_insert_with(|| ImportedFleet {
            name: tidy(&group),
            instance_types: Vec::new(),
            instances: Vec::new(),
        });
    }
    for fleet in fleets.values_mut() {
        let mut types: Vec<String> = Vec::new();
        if let Some(group) = groups_by_name.get(&fleet.name) {
            let overrides = group
                .pointer("/MixedInstancesPolicy/LaunchTemplate/Overrides")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|o| text(o, "InstanceType"));
            let members = group
                .get("Instances")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| text(i, "InstanceType"));
            for name in overrides.chain(members) {
                if !types.iter().any(|t| t == name) {
                    types.push(name.to_string());
                }
            }
        }
        for instance in &fleet.instances {
            if !types.contains(&instance.instance_type) {
                types.push(instance.instance_type.clone());
            }
        }
        let (usable, unknown): (Vec<String>, Vec<String>) = types.into_iter().partition(|t| known(t, &out));
        if !unknown.is_empty() {
            out.notes.push(format!(
                "fleet {}: types {} are not in the catalog and none of the dump's instances has them: left out",
                fleet.name,
                unknown.join(", ")
            ));
        }
        fleet.instance_types = usable;
    }
    let (usable, empty): (Vec<ImportedFleet>, Vec<ImportedFleet>) =
        fleets.into_values().partition(|f| !f.instance_types.is_empty());
    for fleet in empty {
        out.notes.push(format!("fleet {}: no instance type known: left out with its capacity provider", fleet.name));
    }
    out.fleets = usable;

    for provider in &asg_providers {
        let (Some(name), Some(group)) = (text(provider, "name"), group_name_of_provider(provider)) else { continue };
        let fleet = tidy(&group);
        let Some(listed_count) = out.fleets.iter().find(|f| f.name == fleet).map(|f| f.instances.len() as u64) else {
            continue;
        };
        let asg = groups_by_name.get(&fleet);
        let (min_size, max_size) = match asg {
            Some(g) => (number(g, "MinSize").unwrap_or(0), number(g, "MaxSize").unwrap_or(listed_count)),
            None => {
                out.notes.push(format!(
                    "no describe-auto-scaling-groups output for {group}: min_size 0 and max_size {} (its instances) assumed",
                    listed_count.max(1)
                ));
                (0, listed_count.max(1))
            }
        };
        let asg_provider = provider.get("autoScalingGroupProvider");
        out.providers.push(ImportedProvider {
            name: name.to_string(),
            fleet,
            min_size,
            max_size: max_size.max(listed_count),
            managed_scaling: asg_provider.and_then(|p| p.get("managedScaling")).cloned(),
            termination_protection: asg_provider
                .and_then(|p| text(p, "managedTerminationProtection"))
                .map(str::to_string),
            managed_draining: asg_provider.and_then(|p| text(p, "managedDraining")).map(str::to_string),
        });
    }
    let provider_known = |name: &str, out: &Imported| {
        matches!(name, "FARGATE" | "FARGATE_SPOT") || out.providers.iter().any(|p| p.name == name)
    };
    for item in
        chosen.and_then(|c| c.get("defaultCapacityProviderStrategy")).and_then(Value::as_array).into_iter().flatten()
    {
        if let Some(name) = text(item, "capacityProvider") {
            if provider_known(name, &out) {
                out.default_strategy.push((
                    name.to_string(),
                    number(item, "base").unwrap_or(0),
                    number(item, "weight").unwrap_or(0),
                ));
            } else {
                out.notes.push(format!("default strategy: provider {name} is not described: left out"));
            }
        }
    }

    // Task definitions: described ones first, then one made from a task for
    // each that only tasks name.
    for output in &dump.task_definitions {
        let Some(definition) = output.get("taskDefinition") else { continue };
        let Some(family) = text(definition, "family") else { continue };
        let name = match number(definition, "revision") {
            Some(revision) => format!("{family}:{revision}"),
            None => family.to_string(),
        };
        if !out.task_definitions.iter().any(|d| d.name() == name) {
            out.task_definitions.push(ImportedTaskDef::Described { name, output: output.clone() });
        }
    }

    // Services.
    let mut service_names = BTreeSet::new();
    let mut daemons = BTreeSet::new();
    for service in &services {
        let Some(name) = text(service, "serviceName") else { continue };
        if text(service, "schedulingStrategy") == Some("DAEMON") {
            daemons.insert(name.to_string());
        }
        service_names.insert(name.to_string());
    }

    // Tasks, grouped by owner, place and task definition.
    let mut running: BTreeMap<(Owner, Place, String), u64> = BTreeMap::new();
    let mut workloads: BTreeMap<(String, String, Option<String>), String> = BTreeMap::new();
    let mut tasks_of_service: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut not_running = 0;
    let mut starting = 0;
    for task in &tasks {
        let last = text(task, "lastStatus").unwrap_or("RUNNING");
        let desired = text(task, "desiredStatus").unwrap_or("RUNNING");
        if desired != "RUNNING" || matches!(last, "STOPPED" | "STOPPING" | "DEPROVISIONING" | "DEACTIVATING") {
            not_running += 1;
            continue;
        }
        if last != "RUNNING" {
            starting += 1;
        }
        let Some(definition) = text(task, "taskDefinitionArn").map(|arn| after(arn, "task-definition/").to_string())
        else {
            out.notes.push("a task without taskDefinitionArn left out".into());
            continue;
        };
        let provider = text(task, "capacityProviderName");
        let fargate =
            text(task, "launchType") == Some("FARGATE") || matches!(provider, Some("FARGATE" | "FARGATE_SPOT"));
        let place = if fargate {
            let zone = text(task, "availabilityZone").map(str::to_string).unwrap_or_else(|| {
                out.notes
                    .push(format!("a Fargate task of {definition} gives no availabilityZone: placed in {first_zone}"));
                first_zone.clone()
            });
            Place::Fargate { zone, provider: provider.filter(|p| *p == "FARGATE_SPOT").map(str::to_string) }
        } else {
            let Some(id) = text(task, "containerInstanceArn").and_then(|arn| instances_by_arn.get(arn)) else {
                out.notes.push(format!(
                    "a task of {definition} runs on a container instance the dump does not describe: left out"
                ));
                continue;
            };
            if !out.fleets.iter().any(|f| f.instances.iter().any(|i| i.id == *id)) {
                out.notes.push(format!("a task of {definition} runs on {id}, which was left out: left out"));
                continue;
            }
            Place::Instance(id.clone())
        };
        if !out.task_definitions.iter().any(|d| d.name() == definition) {
            let made = definition_from_task(task, &definition, fargate, &place, &unsized_reserved, &mut out.notes);
            out.task_definitions.push(ImportedTaskDef::FromTask { name: definition.clone(), definition: made });
        }
        let group = text(task, "group");
        let service = group.and_then(|g| g.strip_prefix("service:")).filter(|s| service_names.contains(*s));
        let owner = match service {
            Some(name) if daemons.contains(name) => {
                out.notes.push(format!("a task of the DAEMON service {name}: not adopted, the daemon starts its own"));
                continue;
            }
            Some(name) => {
                *tasks_of_service.entry(name.to_string()).or_default().entry(definition.clone()).or_default() += 1;
                Owner::Service(name.to_string())
            }
            None => {
                let launch_type = if fargate { "FARGATE" } else { "EC2" };
                let family = definition.split(':').next().unwrap_or(&definition);
                let group = group.filter(|g| *g != format!("family:{family}")).map(str::to_string);
                if let Some(name) = group.as_deref().and_then(|g| g.strip_prefix("service:")) {
                    out.notes.push(format!(
                        "tasks of service {name}, which the dump does not describe: standalone tasks of its group"
                    ));
                }
                let key = (definition.clone(), launch_type.to_string(), group.clone());
                let taken: BTreeSet<String> = workloads.values().cloned().collect();
                let name = workloads
                    .entry(key)
                    .or_insert_with(|| {
                        let base = match &group {
                            Some(group) => format!("standalone-{}-{}", tidy(&definition), tidy(group)),
                            None => format!("standalone-{}", tidy(&definition)),
                        };
                        let mut name = base.clone();
                        let mut k = 2;
                        while taken.contains(&name) {
                            name = format!("{base}-{k}");
                            k += 1;
                        }
                        name
                    })
                    .clone();
                Owner::Workload(name)
            }
        };
        *running.entry((owner, place, definition)).or_default() += 1;
    }
    if not_running > 0 {
        out.notes.push(format!("{not_running} tasks stopped or stopping left out"));
    }
    if starting > 0 {
        out.notes.push(format!("{starting} tasks still starting (PROVISIONING, PENDING) imported as RUNNING"));
    }
    for ((task_definition, launch_type, group), name) in workloads {
        out.workloads.push(ImportedWorkload { name, task_definition, launch_type, group });
    }
    out.workloads.sort_by(|a, b| a.name.cmp(&b.name));
    for ((owner, place, task_definition), count) in running {
        out.running.push(ImportedRunning { owner, place, task_definition, count });
    }

    for service in services {
        let Some(name) = text(service, "serviceName") else { continue };
        let mut object = service.clone();
        let owner = Owner::Service(name.to_string());
        let Some(declared) = text(service, "taskDefinition").map(|arn| after(arn, "task-definition/").to_string())
        else {
            out.notes.push(format!("service {name} names no taskDefinition: left out"));
            out.running.retain(|r| r.owner != owner);
            continue;
        };
        let known = |definition: &str| out.task_definitions.iter().any(|d| d.name() == definition);
        // The task definition most of its tasks run, when not the declared
        // one, is an unfinished deployment's old side.
        let running_definition = tasks_of_service
            .get(name)
            .and_then(|counts| counts.iter().max_by(|(a, m), (b, n)| m.cmp(n).then_with(|| b.cmp(a))))
            .map(|(d, _)| d.clone());
        let (own, mut deploying) = match running_definition {
            Some(old) if old != declared => (old, Some(declared.clone())),
            _ => (declared.clone(), None),
        };
        if !known(&own) {
            out.notes.push(format!(
                "service {name}: task definition {own} is neither described nor run by a task: left out"
            ));
            out.running.retain(|r| r.owner != owner);
            continue;
        }
        if let Some(new) = deploying.take() {
            if known(&new) {
                out.notes.push(format!(
                    "service {name}: its tasks run {own} and its deployment ships {new}: the deployment goes on at time zero"
                ));
                deploying = Some(new);
            } else {
                out.notes.push(format!(
                    "service {name}: its deployment ships {new}, which is neither described nor run: it stays on {own}"
                ));
            }
            object["taskDefinition"] = Value::String(own.clone());
        }
        let others = out.running.iter().filter(|r| r.owner == owner && r.task_definition != own).count();
        if others > 0 {
            out.notes.push(format!("service {name}: tasks of a third task definition left out"));
            out.running.retain(|r| r.owner != owner || r.task_definition == own);
        }
        out.services.push(ImportedService { name: name.to_string(), object, deploying });
    }
    let mut seen = BTreeSet::new();
    out.notes.retain(|note| seen.insert(note.clone()));
    Ok(out)
}

/// A task definition made from one of its tasks: task-level CPU and memory
/// (else the containers', else what the task's instance has reserved), the
/// network mode its attachments show, and the host ports it binds.
fn definition_from_task(
    task: &Value,
    name: &str,
    fargate: bool,
    place: &Place,
    reserved: &BTreeMap<String, (u64, u64)>,
    notes: &mut Vec<String>,
) -> Value {
    let (family, revision) = match name.rsplit_once(':') {
        Some((family, revision)) => (family.to_string(), revision.parse::<u64>().ok()),
        None => (name.to_string(), None),
    };
    let containers = task.get("containers").and_then(Value::as_array).cloned().unwrap_or_default();
    let sum = |key: &str| -> Option<u64> {
        let values: Vec<u64> = containers.iter().filter_map(|c| number(c, key)).collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    let mut cpu = number(task, "cpu").or_else(|| sum("cpu"));
    let mut memory = number(task, "memory").or_else(|| sum("memoryReservation")).or_else(|| sum("memory"));
    if let (None, Place::Instance(id)) = (memory, place) {
        if let Some(&(reserved_cpu, reserved_memory)) = reserved.get(id) {
            if reserved_memory > 0 {
                notes.push(format!(
                    "{name}: the dump gives no size; taken from what {id} has reserved ({reserved_cpu} CPU units, {reserved_memory} MiB)"
                ));
                cpu = cpu.or(Some(reserved_cpu));
                memory = Some(reserved_memory);
            }
        }
    }
    let memory = memory.unwrap_or_else(|| {
        notes.push(format!("{name}: the dump gives no memory for it: 128 MiB assumed"));
        128
    });
    let awsvpc = fargate
        || task
            .get("attachments")
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|a| text(a, "type") == Some("ElasticNetworkInterface")));
    let container_definitions: Vec<Value> = if containers.is_empty() {
        vec![serde_json::json!({ "name": "main", "image": "imported", "essential": true })]
    } else {
        containers
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let ports: Vec<Value> = c
                    .get("networkBindings")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|b| {
                        let container_port = number(b, "containerPort")?;
                        let host_port = number(b, "hostPort").unwrap_or(0);
                        // A host port other than the container's was dynamic: 0 asks for one again.
                        let host_port = if awsvpc || host_port == container_port { container_port } else { 0 };
                        let protocol = text(b, "protocol").unwrap_or("tcp");
                        Some(serde_json::json!({ "containerPort": container_port, "hostPort": host_port, "protocol": protocol }))
                    })
                    .collect();
                let mut definition = serde_json::json!({
                    "name": text(c, "name").map_or_else(|| format!("container-{k}"), str::to_string),
                    "image": text(c, "image").unwrap_or("imported"),
                    "essential": true,
                });
                if !ports.is_empty() {
                    definition["portMappings"] = Value::Array(ports);
                }
                definition
            })
            .collect()
    };
    let mut definition = serde_json::json!({
        "family": family,
        "networkMode": if awsvpc { "awsvpc" } else { "bridge" },
        "requiresCompatibilities": [if fargate { "FARGATE" } else { "EC2" }],
        "memory": memory.to_string(),
        "containerDefinitions": container_definitions,
    });
    if let Some(revision) = revision {
        definition["revision"] = Value::from(revision);
    }
    if let Some(cpu) = cpu {
        definition["cpu"] = Value::String(cpu.to_string());
    }
    definition
}
