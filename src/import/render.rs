//! Writing an imported cluster as a scenario: `scenario.toml` with every
//! assumption stated as a comment, the describe-task-definition outputs
//! under `taskdefs/`, the describe-services objects in `services.json`, and
//! `instance_types.csv` for types the built-in catalog lacks.

use super::build::{Imported, ImportedTaskDef, Owner, Place};
use serde_json::Value;

/// A file of the scenario folder: its path inside the folder and its bytes.
pub(super) struct OutputFile {
    pub(super) path: String,
    pub(super) contents: String,
}

/// A TOML string literal.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML inline value of a JSON value (objects as inline tables).
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "\"\"".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let fields: Vec<String> =
                map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| format!("{k} = {}", inline(v))).collect();
            format!("{{ {} }}", fields.join(", "))
        }
    }
}

fn file_name(definition: &str) -> String {
    format!("taskdefs/{}.json", definition.replace([':', '/'], "-"))
}

/// The scenario's files, `scenario.toml` first. `command` is how the
/// import was run, for the header.
pub(super) fn render(imported: &Imported, command: &str, sources: &[String]) -> Vec<OutputFile> {
    let mut files = Vec::new();
    let mut toml = String::new();
    let mut line = |text: &str| {
        toml.push_str(text);
        toml.push('\n');
    };
    line(&format!("# Imported by `{command}`"));
    line(&format!("# from {}.", sources.join(", ")));
    line("# It starts in the cluster's state: its instances, the tasks running where they are, its");
    line("# services and capacity providers. Change what you want to study, then `ecs-sim run` it.");
    if !imported.notes.is_empty() {
        line("#");
        line("# What the dump did not say, and what was assumed or left out:");
        for note in &imported.notes {
            line(&format!("# - {note}"));
        }
    }
    line("");
    line(&format!("name = {}", quote(&format!("imported-{}", tidy_name(&imported.cluster_name)))));
    line(&format!(
        "description = {}",
        quote(&format!("cluster {} as the describe outputs show it", imported.cluster_name))
    ));
    line("");
    line("[simulation]");
    line("# The dump does not say how far ahead to look: one day by default.");
    line("duration = \"24h\"");
    line(&format!("region = {}", quote(&imported.region)));
    line("");
    line("[cluster]");
    line(&format!("name = {}", quote(&imported.cluster_name)));
    line(&format!("availability_zones = [{}]", imported.zones.iter().map(|z| quote(z)).collect::<Vec<_>>().join(", ")));
    if !imported.extra_types.is_empty() {
        line("# Types the built-in catalog lacks, from their registered resources; fill in their prices.");
        line("instance_catalog = \"instance_types.csv\"");
    }
    if !imported.default_strategy.is_empty() {
        let items: Vec<String> = imported
            .default_strategy
            .iter()
            .map(|(name, base, weight)| {
                format!("{{ capacityProvider = {}, base = {base}, weight = {weight} }}", quote(name))
            })
            .collect();
        line(&format!("default_capacity_provider_strategy = [{}]", items.join(", ")));
    }
    for fleet in &imported.fleets {
        line("");
        line("[[fleet]]");
        line(&format!("name = {}", quote(&fleet.name)));
        line(&format!(
            "instance_types = [{}]",
            fleet.instance_types.iter().map(|t| quote(t)).collect::<Vec<_>>().join(", ")
        ));
        line(&format!("count = {}", fleet.instances.len()));
        line("# Running before the run: managed scaling does not wait out their warm-up.");
        line("warm_at_start = true");
        for instance in &fleet.instances {
            line("[[fleet.instances]]");
            line(&format!("id = {}", quote(&instance.id)));
            line(&format!("instance_type = {}", quote(&instance.instance_type)));
            line(&format!("availability_zone = {}", quote(&instance.zone)));
            if let Some((cpu, memory)) = instance.registered {
                line(&format!("registered_cpu = {cpu}"));
                line(&format!("registered_memory_mib = {memory}"));
            }
            if !instance.attributes.is_empty() {
                let pairs: Vec<String> =
                    instance.attributes.iter().map(|(k, v)| format!("{} = {}", quote(k), quote(v))).collect();
                line(&format!("attributes = {{ {} }}", pairs.join(", ")));
            }
        }
    }
    for provider in &imported.providers {
        line("");
        line("[[capacity_provider]]");
        line(&format!("name = {}", quote(&provider.name)));
        line(&format!("fleet = {}", quote(&provider.fleet)));
        line(&format!("min_size = {}", provider.min_size));
        line(&format!("max_size = {}", provider.max_size));
        if let Some(Value::Object(scaling)) = &provider.managed_scaling {
            let keys = [
                "status",
                "targetCapacity",
                "minimumScalingStepSize",
                "maximumScalingStepSize",
                "instanceWarmupPeriod",
            ];
            let kept: serde_json::Map<String, Value> = scaling
                .iter()
                .filter(|(k, _)| keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            line(&format!("managedScaling = {}", inline(&Value::Object(kept))));
        }
        if let Some(protection) = &provider.termination_protection {
            line(&format!("managedTerminationProtection = {}", quote(protection)));
        }
        if let Some(draining) = &provider.managed_draining {
            line(&format!("managedDraining = {}", quote(draining)));
        }
    }
    for definition in &imported.task_definitions {
        line("");
        line("[[task_definition]]");
        match definition {
            ImportedTaskDef::Described { name, output } => {
                line(&format!("file = {}", quote(&file_name(name))));
                files.push(OutputFile { path: file_name(name), contents: pretty(output) });
            }
            ImportedTaskDef::FromTask { name, definition } => {
                line(&format!("# {name} was not described: made from a task of it (sizes, network mode, host ports)."));
                line(&format!("file = {}", quote(&file_name(name))));
                files.push(OutputFile { path: file_name(name), contents: pretty(definition) });
            }
        }
    }
    if !imported.services.is_empty() {
        let objects: Vec<Value> = imported.services.iter().map(|s| s.object.clone()).collect();
        files.push(OutputFile {
            path: "services.json".into(),
            contents: pretty(&serde_json::json!({ "services": objects })),
        });
    }
    for service in &imported.services {
        line("");
        line("[[service]]");
        line("file = \"services.json\"");
        line(&format!("select = {}", quote(&service.name)));
    }
    for service in &imported.services {
        if let Some(next) = &service.deploying {
            line("");
            line("# The deployment the dump shows in progress goes on from time zero.");
            line("[[events]]");
            line("at = \"0s\"");
            line(&format!("service = {}", quote(&service.name)));
            line(&format!("task_definition = {}", quote(next)));
        }
    }
    for workload in &imported.workloads {
        line("");
        line("# Standalone tasks (RunTask): they run past the end of the run unless given a run_for.");
        line("[[workload]]");
        line(&format!("name = {}", quote(&workload.name)));
        let group = workload.group.as_ref().map_or(String::new(), |g| format!(", group = {}", quote(g)));
        line(&format!(
            "run_task = {{ taskDefinition = {}, launchType = {}{group} }}",
            quote(&workload.task_definition),
            quote(&workload.launch_type)
        ));
    }
    for running in &imported.running {
        line("");
        line("[[running_task]]");
        match &running.owner {
            Owner::Service(name) => line(&format!("service = {}", quote(name))),
            Owner::Workload(name) => line(&format!("workload = {}", quote(name))),
        }
        match &running.place {
            Place::Instance(id) => line(&format!("instance = {}", quote(id))),
            Place::Fargate { zone, provider } => {
                line(&format!("availability_zone = {}", quote(zone)));
                if let Some(provider) = provider {
                    line(&format!("capacity_provider = {}", quote(provider)));
                }
            }
        }
        line(&format!("task_definition = {}", quote(&running.task_definition)));
        line(&format!("count = {}", running.count));
    }
    let mut all = vec![OutputFile { path: "scenario.toml".into(), contents: toml }];
    if !imported.extra_types.is_empty() {
        let mut csv =
            String::from("instance_type,vcpu,memory_mib,registered_memory_mib,max_enis,awsvpc_trunk_tasks,architecture,price_per_hour\n");
        for t in &imported.extra_types {
            csv.push_str(&format!(
                "{},{},{},{},2,,{},0\n",
                t.name, t.vcpu, t.registered_memory_mib, t.registered_memory_mib, t.architecture
            ));
        }
        all.push(OutputFile { path: "instance_types.csv".into(), contents: csv });
    }
    all.extend(files);
    all
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// A scenario name: letters, digits, `-`, `_`, `.`.
fn tidy_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect()
}
