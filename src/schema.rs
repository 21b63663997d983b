//! A JSON Schema (draft-07) of the scenario TOML format, printed by
//! `ecs-sim schema` for editors (Taplo / Even Better TOML and others) to
//! complete keys and check types as a scenario is written.
//!
//! It is written by hand rather than derived from the serde structures of
//! [`crate::scenario::raw`], because several sections are not typed there:
//! `[[task_definition]]` and `[[service]]` are TOML tables split between
//! ECS's JSON shape and the simulator's own keys, `[sweep]` is a TOML value
//! read by the sweep, and ECS fields that are accepted and ignored have no
//! type at all. `tests/schema.rs` holds it to the parser: every key of every
//! example scenario is in it, and every key in it is accepted by the parser,
//! table by table.
//!
//! The schema says which keys exist, their types, allowed words and short
//! descriptions. It does not repeat every rule of validation (ranges that
//! depend on other keys, names that must exist): `ecs-sim validate` checks
//! those, with the file, the field and the fix.

use serde_json::{json, Map, Value};

/// The schema, as one JSON document.
pub fn scenario_schema() -> Value {
    let properties = properties(vec![
        ("name", string("The scenario's name (letters, digits, `-`, `_`, `.`); names the results folder. Default: the file name.")),
        ("description", string("Free text.")),
        ("simulation", simulation()),
        ("cluster", cluster()),
        ("fleet", array(fleet(), "EC2 groups of container instances (`[[fleet]]`).")),
        ("fargate", fargate()),
        ("timing", timing()),
        ("task_definition", array(task_definition(), "Task definitions (`[[task_definition]]`): a `file` in ECS's JSON, or the same keys inline.")),
        ("workload", array(workload(), "Streams of RunTask calls (`[[workload]]`): a trace or a synthetic generator.")),
        ("capacity_provider", array(capacity_provider(), "Auto Scaling group capacity providers over fleets (`[[capacity_provider]]`, docs/autoscaling.md).")),
        ("service", array(service(), "ECS services (`[[service]]`): a `file` with create-service input or describe-services output, or the same keys inline, plus the simulator's keys.")),
        ("events", array(event(), "Timed UpdateService calls (`[[events]]`).")),
        ("running_task", array(running_task(), "Tasks already running when the run starts (`[[running_task]]`), where they run; `ecs-sim import` writes them from a live cluster.")),
        ("faults", faults()),
        ("output", output()),
        ("slo", slo()),
        ("commitments", commitments()),
        ("sweep", sweep()),
        ("optimize", optimize()),
    ]);
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "ecs-sim scenario",
        "description": "A scenario for ecs-sim, a discrete-event simulator of Amazon ECS clusters (docs/scenario.md).",
        "type": "object",
        "additionalProperties": false,
        "required": ["simulation"],
        "properties": properties,
        "definitions": {
            "duration": {
                "type": "string",
                "description": "A number and a unit (ms, s, m or min, h, d), or several added: \"90s\", \"1h30m\".",
                "pattern": "^\\s*([0-9.]+\\s*(ms|min|s|m|h|d)\\s*)+$",
            },
            "distribution": distribution(),
            "placementStrategy": table("A placement strategy, as ECS spells it.", &["type"], vec![
                ("type", words("random, binpack or spread.", &["random", "binpack", "spread"])),
                ("field", string("binpack: `cpu` or `memory`; spread: `instanceId` (or `host`) or `attribute:NAME`.")),
            ]),
            "placementConstraint": table("A placement constraint, as ECS spells it.", &["type"], vec![
                ("type", words("distinctInstance or memberOf.", &["distinctInstance", "memberOf"])),
                ("expression", string("memberOf: a cluster query expression, e.g. `attribute:ecs.instance-type =~ m5.*`.")),
            ]),
        },
    })
}

fn properties(entries: Vec<(&str, Value)>) -> Map<String, Value> {
    entries.into_iter().map(|(key, schema)| (key.to_string(), schema)).collect()
}

/// A table that accepts only `entries`, requiring `required`.
fn table(description: &str, required: &[&str], entries: Vec<(&str, Value)>) -> Value {
    let mut schema = json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "properties": properties(entries),
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn typed(kind: &str, description: &str) -> Value {
    json!({ "type": kind, "description": description })
}

fn string(description: &str) -> Value {
    typed("string", description)
}

fn integer(description: &str) -> Value {
    typed("integer", description)
}

fn number(description: &str) -> Value {
    typed("number", description)
}

fn boolean(description: &str) -> Value {
    typed("boolean", description)
}

fn words(description: &str, allowed: &[&str]) -> Value {
    json!({ "type": "string", "description": description, "enum": allowed })
}

fn array(items: Value, description: &str) -> Value {
    json!({ "type": "array", "description": description, "items": items })
}

fn strings(description: &str) -> Value {
    array(json!({ "type": "string" }), description)
}

/// A reference to a definition, with a description of its own.
fn reference(definition: &str, description: &str) -> Value {
    json!({ "description": description, "allOf": [{ "$ref": format!("#/definitions/{definition}") }] })
}

fn duration(description: &str) -> Value {
    reference("duration", description)
}

fn dist(description: &str) -> Value {
    reference("distribution", description)
}

/// ECS resource tags, `[{ key, value }]`.
fn tags(description: &str) -> Value {
    array(
        table("A tag.", &["key"], vec![("key", string("1–128 characters.")), ("value", string("0–256 characters."))]),
        description,
    )
}

/// An ECS field that is read and has no effect.
fn ignored(name: &str) -> (&str, Value) {
    (name, json!({ "description": "ECS field, accepted and ignored: it does not change scheduling or cost." }))
}

fn ignored_all<'a>(names: &[&'a str]) -> Vec<(&'a str, Value)> {
    names.iter().map(|name| ignored(name)).collect()
}

fn distribution() -> Value {
    let value = json!({ "type": ["string", "number"], "description": "A duration string in duration fields, a number in size fields." });
    table(
        "A distribution: `dist` and the keys of its kind (docs/scenario.md §14).",
        &["dist"],
        vec![
            ("dist", words("The kind.", &["fixed", "uniform", "exponential", "lognormal", "normal"])),
            ("value", value.clone()),
            ("min", value.clone()),
            ("max", value.clone()),
            ("mean", value.clone()),
            ("median", value.clone()),
            ("std_dev", value),
            ("sigma", number("lognormal: σ of the underlying normal, a plain number ≥ 0.")),
        ],
    )
}

fn simulation() -> Value {
    table(
        "How long to simulate, the seed and the sampling (required).",
        &["duration"],
        vec![
            ("duration", duration("Simulated span, e.g. \"2h\" (required).")),
            ("seed", integer("Run seed (default 1); --seed overrides it.")),
            ("sample_interval", duration("Time between timeseries.csv rows (default \"1m\", at least \"1s\").")),
            ("region", string("Names the default zones (<region>a, b, c); prices are us-east-1 whatever the region.")),
            (
                "service_scheduler_delay",
                duration("How long after a change the service scheduler looks at a service (default \"1s\")."),
            ),
            (
                "allow_beyond_quotas",
                boolean(
                    "Allow more than ECS's default quotas (5,000 container instances and 5,000 services per \
                     cluster, 5,000 tasks per service) for a what-if study (default false).",
                ),
            ),
        ],
    )
}

fn strategy_item(description: &str) -> Value {
    table(
        description,
        &["capacityProvider"],
        vec![
            ("capacityProvider", string("A [[capacity_provider]] name, FARGATE or FARGATE_SPOT.")),
            ("base", integer("Tasks placed on this provider first.")),
            ("weight", integer("Share of the tasks after the bases.")),
        ],
    )
}

fn cluster() -> Value {
    table(
        "The cluster.",
        &[],
        vec![
            ("name", string("Informational (default \"default\").")),
            ("availability_zones", strings("The cluster's zones (default <region>a, b, c).")),
            ("awsvpc_trunking", boolean("The awsvpcTrunking account setting (default false).")),
            (
                "instance_catalog",
                string("A CSV adding instance types or overriding built-in figures, relative to the scenario."),
            ),
            (
                "prices",
                json!({
                    "description": "Price files from `ecs-sim prices import` (one or a list), relative to the scenario; the rows of simulation.region price the fleets and Fargate (docs/aws-data.md). Required outside us-east-1.",
                    "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }],
                }),
            ),
            ("agent_version", string("The agent version instances report (default \"1.89.0\").")),
            (
                "default_capacity_provider_strategy",
                array(strategy_item("A provider share."), "The cluster's default capacity provider strategy."),
            ),
        ],
    )
}

fn fleet() -> Value {
    table(
        "A group of EC2 container instances.",
        &["name", "instance_types", "count"],
        vec![
            ("name", string("Unique among fleets.")),
            ("instance_types", strings("Instance types from the catalog, e.g. [\"m5.large\"].")),
            ("count", integer("Instances (0 allowed).")),
            ("availability_zones", strings("Zones, among the cluster's (default all).")),
            ("market", words("Purchase option (default on-demand).", &["on-demand", "spot"])),
            (
                "spot_price_factor",
                number("With market = \"spot\": price as a fraction of On-Demand, in (0, 1] (default 0.35)."),
            ),
            (
                "spot_price_history",
                string("With market = \"spot\": `aws ec2 describe-spot-price-history` JSON billed as a step price per type and zone, instead of spot_price_factor (docs/aws-data.md)."),
            ),
            (
                "spot_price_start",
                string("With spot_price_history: the ISO-8601 date-time that is simulated time 0 (default the file's earliest timestamp)."),
            ),
            (
                "attributes",
                json!({ "type": "object", "description": "Custom attributes on every instance.", "additionalProperties": { "type": "string" } }),
            ),
            (
                "warm_at_start",
                boolean("Its starting instances were running before the run: past their warm-up, so managed scaling does not wait for them (default false)."),
            ),
            (
                "instances",
                array(listed_instance(), "The fleet's first instances as listed (a live cluster's, `[[fleet.instances]]`); the rest of `count` are made from instance_types."),
            ),
        ],
    )
}

fn fargate() -> Value {
    table(
        "Fargate prices and launch latency.",
        &[],
        vec![
            ("launch_latency", dist("PENDING to RUNNING for a Fargate task (durations).")),
            ("x86_vcpu_hour", number("USD per vCPU-hour, Linux/x86.")),
            ("x86_gb_hour", number("USD per GB-hour, Linux/x86.")),
            ("arm_vcpu_hour", number("USD per vCPU-hour, Linux/ARM.")),
            ("arm_gb_hour", number("USD per GB-hour, Linux/ARM.")),
            ("spot_price_factor", number("FARGATE_SPOT price as a fraction of Fargate's, in (0, 1] (default 0.3).")),
        ],
    )
}

fn timing() -> Value {
    table(
        "How long the steps of a task's life take (duration distributions).",
        &[],
        vec![
            ("ec2_task_start", dist("EC2: PENDING to RUNNING.")),
            ("awsvpc_eni_attach", dist("awsvpc tasks: the PROVISIONING step.")),
            ("task_stop", dist("STOPPING to STOPPED.")),
        ],
    )
}

/// The simulator's task-start keys of a task definition.
fn task_start_keys() -> Vec<(&'static str, Value)> {
    vec![
        ("image_pull", dist("Image pull time (durations); replaces the cluster-wide start timing.")),
        ("container_start", dist("Container start time after the pull (durations).")),
        ("start_failure_probability", number("Service tasks: chance of stopping before RUNNING, 0–1.")),
        ("health_check_failure_probability", number("Service tasks: chance of never passing health checks, 0–1.")),
    ]
}

fn container_definition() -> Value {
    let mut entries = vec![
        ("name", string("Container name.")),
        ("cpu", integer("CPU units; summed when the task has no task-level cpu.")),
        ("memory", integer("Hard limit, MiB; reserved when memoryReservation is absent.")),
        ("memoryReservation", integer("Soft limit, MiB: what is reserved when given.")),
        ("essential", boolean("Default true; at least one container must be essential.")),
        (
            "portMappings",
            array(
                table("A port mapping.", &[], {
                    let mut ports = vec![
                        ("containerPort", integer("Container port.")),
                        ("hostPort", integer("Host port; 0 or absent is dynamic in bridge mode.")),
                        ("protocol", words("Default tcp.", &["tcp", "udp"])),
                    ];
                    ports.extend(ignored_all(&["name", "appProtocol", "containerPortRange"]));
                    ports
                }),
                "Static host ports (docs/scenario.md §9.5).",
            ),
        ),
        (
            "healthCheck",
            table(
                "The container health check, used for service tasks.",
                &[],
                vec![
                    ("interval", integer("Seconds between checks, 5–300 (default 30).")),
                    ("retries", integer("Failures that make the container unhealthy (default 3).")),
                    ("startPeriod", integer("Seconds after start during which failures do not count (default 0).")),
                    ignored("command"),
                    ignored("timeout"),
                ],
            ),
        ),
    ];
    entries.extend(ignored_all(&[
        "image",
        "repositoryCredentials",
        "links",
        "restartPolicy",
        "entryPoint",
        "command",
        "environment",
        "environmentFiles",
        "mountPoints",
        "volumesFrom",
        "linuxParameters",
        "secrets",
        "dependsOn",
        "startTimeout",
        "stopTimeout",
        "versionConsistency",
        "hostname",
        "user",
        "workingDirectory",
        "disableNetworking",
        "privileged",
        "readonlyRootFilesystem",
        "dnsServers",
        "dnsSearchDomains",
        "extraHosts",
        "dockerSecurityOptions",
        "interactive",
        "pseudoTerminal",
        "dockerLabels",
        "ulimits",
        "logConfiguration",
        "systemControls",
        "resourceRequirements",
        "firelensConfiguration",
        "credentialSpecs",
    ]));
    table("A container definition, as ECS spells it.", &[], entries)
}

fn task_definition() -> Value {
    let size = |what: &str| json!({ "type": ["integer", "string"], "description": what });
    let mut entries = vec![
        ("file", string("A JSON file (register-task-definition input or describe-task-definition output), relative to the scenario. Only the task-start keys may sit beside it.")),
        ("family", string("Name; the default task group is family:<family>.")),
        ("revision", integer("Revision (default 1): the definition is family:revision.")),
        ("containerDefinitions", array(container_definition(), "1 to 10 containers.")),
        ("cpu", size("Task-level CPU units: 1024, \"1024\" or \"1 vCPU\".")),
        ("memory", size("Task-level MiB: 2048, \"2048\" or \"2 GB\".")),
        ("networkMode", words("Default bridge.", &["bridge", "host", "awsvpc", "none"])),
        (
            "requiresCompatibilities",
            array(words("A launch type.", &["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"]), "Launch types that may run it (default EC2)."),
        ),
        (
            "placementConstraints",
            array(reference("placementConstraint", "Only memberOf here."), "Added to every placement of this definition."),
        ),
        (
            "runtimePlatform",
            table("The platform.", &[], vec![
                ("cpuArchitecture", words("Chooses the Fargate price pair (default X86_64).", &["X86_64", "ARM64"])),
                ignored("operatingSystemFamily"),
            ]),
        ),
    ];
    entries.extend(ignored_all(&[
        "taskDefinitionArn",
        "taskRoleArn",
        "executionRoleArn",
        "volumes",
        "status",
        "requiresAttributes",
        "compatibilities",
        "inferenceAccelerators",
        "pidMode",
        "ipcMode",
        "proxyConfiguration",
        "registeredAt",
        "deregisteredAt",
        "registeredBy",
        "ephemeralStorage",
        "enableFaultInjection",
    ]));
    entries.push(("tags", tags("The task definition's tags: its tasks carry them with a service's propagateTags = TASK_DEFINITION (costs_by_tag.csv).")));
    entries.extend(task_start_keys());
    let mut schema =
        table("A task definition: `file`, or ECS's keys inline; the task-start keys in either form.", &[], entries);
    schema["oneOf"] = json!([{ "required": ["file"] }, { "required": ["family", "containerDefinitions"] }]);
    schema
}

fn workload() -> Value {
    let run_task = {
        let mut entries = vec![
            ("taskDefinition", string("family, family:revision or an ARN; required for synthetic workloads.")),
            ("launchType", words("Default EC2.", &["EC2", "FARGATE"])),
            (
                "placementStrategy",
                array(
                    reference("placementStrategy", "A strategy."),
                    "At most 5, applied in order (default random). EC2 only.",
                ),
            ),
            ("placementConstraints", array(reference("placementConstraint", "A constraint."), "EC2 only.")),
            ("group", string("Task group (default family:<family>).")),
            ("count", integer("Tasks per call for native trace rows without a count, 1–10 (default 1).")),
            ("capacityProviderStrategy", json!({ "description": "Not modelled for RunTask: an error if given." })),
        ];
        entries.extend(ignored_all(&[
            "cluster",
            "platformVersion",
            "networkConfiguration",
            "overrides",
            "propagateTags",
            "referenceId",
            "startedBy",
            "tags",
            "enableECSManagedTags",
            "enableExecuteCommand",
            "clientToken",
            "volumeConfigurations",
        ]));
        table("The RunTask request, with ECS's field names.", &[], entries)
    };
    let synthetic = table(
        "Generated arrivals: one RunTask call each.",
        &["arrival", "run_duration"],
        vec![
            (
                "arrival",
                table(
                    "The arrival process.",
                    &["process"],
                    vec![
                        ("process", words("poisson (rate_per_minute) or fixed (interval).", &["poisson", "fixed"])),
                        ("rate_per_minute", number("poisson: mean arrivals per minute, > 0.")),
                        ("interval", duration("fixed: the gap between arrivals.")),
                    ],
                ),
            ),
            ("tasks_per_arrival", integer("RunTask count of each call, 1–10 (default 1).")),
            ("start", duration("The first arrival comes one gap after this (default \"0s\").")),
            ("stop", duration("No arrival later than this.")),
            ("max_tasks", integer("Stop after this many tasks.")),
            ("run_duration", dist("How long the tasks run once RUNNING (durations).")),
            ("cpu", dist("CPU units per task (numbers), overriding the definition.")),
            ("memory", dist("MiB per task (numbers), overriding the definition.")),
        ],
    );
    let columns = table(
        "A generic trace's columns (docs/traces.md §7).",
        &["time"],
        vec![
            ("time", string("The submit time column: a header name, or a 0-based index without a header.")),
            ("time_unit", words("Unit of the time columns (default s).", &["ms", "s", "us", "min"])),
            ("duration", string("The run time column (or give end_time).")),
            ("end_time", string("The end time column (or give duration).")),
            ("cpu", string("The CPU request column.")),
            ("cpu_scale", number("CPU units per unit of the cpu column (default 1; 1024 for cores).")),
            ("memory", string("The memory request column.")),
            ("memory_scale", number("MiB per unit of the memory column (default 1; 1024 for GiB).")),
            ("count", string("The instances-per-row column (default 1 per row).")),
            ("task_definition", string("The task definition column.")),
            ("group", string("The task group column.")),
            ("delimiter", words("Field delimiter (default \",\").", &[",", "tab", ";", "|"])),
            ("has_header", boolean("Whether the first line names the columns (default true).")),
        ],
    );
    table("A stream of RunTask calls: a `trace` or a `synthetic` generator.", &["name"], vec![
        ("name", string("Unique among workloads.")),
        ("trace", string("A trace file, relative to the scenario: native CSV unless trace_format says otherwise.")),
        (
            "trace_format",
            words("How to read `trace` (default native).", &["native", "alibaba2018", "alibaba2017", "google2011", "azure_vmtable", "generic"]),
        ),
        (
            "trace_machine",
            table("One machine of the trace's cluster, for requests given as a share of a machine.", &["vcpu", "memory_gib"], vec![
                ("vcpu", number("vCPUs, > 0.")),
                ("memory_gib", number("GiB, > 0.")),
            ]),
        ),
        ("trace_columns", columns),
        ("time_scale", number("Multiplies every submit time and duration (default 1; 0.5 is twice as fast).")),
        ("strict", boolean("Stop at the first bad row instead of skipping and counting it (default false).")),
        ("reorder_window", string("How far back a row may go and still be put in order: a duration or \"unbounded\" (default \"1s\").")),
        ("synthetic", synthetic),
        ("on_placement_failure", words("What happens to a task no instance can take (default fail).", &["fail", "wait"])),
        ("max_wait", duration("With wait: a waiting task fails after this long.")),
        ("run_task", run_task),
    ])
}

fn capacity_provider() -> Value {
    table(
        "An Auto Scaling group capacity provider over one fleet.",
        &["name", "fleet", "max_size"],
        vec![
            ("name", string("The provider's name, used in capacity provider strategies.")),
            ("fleet", string("The [[fleet]] it scales; its count is the starting size.")),
            ("min_size", integer("Minimum instances (default 0).")),
            ("max_size", integer("Maximum instances.")),
            ("instance_launch", dist("From launch to registration (durations).")),
            ("provisioning_timeout", duration("How long a PROVISIONING task waits for capacity.")),
            (
                "managedScaling",
                table(
                    "Managed scaling, as ECS spells it.",
                    &[],
                    vec![
                        ("status", words("ENABLED or DISABLED.", &["ENABLED", "DISABLED"])),
                        ("targetCapacity", integer("Target capacity provider reservation, 1–100.")),
                        ("minimumScalingStepSize", integer("Fewest instances per scale-out.")),
                        ("maximumScalingStepSize", integer("Most instances per scale-out.")),
                        ("instanceWarmupPeriod", integer("Seconds before a new instance counts.")),
                    ],
                ),
            ),
            ("managedTerminationProtection", words("ENABLED or DISABLED.", &["ENABLED", "DISABLED"])),
            ("managedDraining", words("ENABLED or DISABLED.", &["ENABLED", "DISABLED"])),
        ],
    )
}

fn auto_scaling() -> Value {
    let metric = "ECSServiceAverageCPUUtilization (cpu), ECSServiceAverageMemoryUtilization (memory) or \
                  ALBRequestCountPerTarget (requests).";
    let target_tracking = table(
        "A target-tracking policy.",
        &["metric", "target"],
        vec![
            ("metric", string(metric)),
            ("target", number("The target value.")),
            ("scale_out_cooldown", duration("Cooldown after a scale-out.")),
            ("scale_in_cooldown", duration("Cooldown after a scale-in.")),
            ("disable_scale_in", boolean("Never scale in (default false).")),
            ("scale_in_ratio", number("Scale in only below target × this ratio.")),
        ],
    );
    let step = table(
        "A step adjustment, bounds relative to the threshold.",
        &["adjustment"],
        vec![
            ("lower", number("Lower bound (inclusive).")),
            ("upper", number("Upper bound (exclusive).")),
            ("adjustment", integer("The change.")),
        ],
    );
    let step_scaling = table(
        "A step-scaling policy with its alarm.",
        &["metric", "comparison", "threshold", "adjustment_type", "steps"],
        vec![
            ("name", string("Names the policy in scaling.csv.")),
            ("metric", string(metric)),
            ("comparison", string(">, >=, <, <= or CloudWatch's names, e.g. GreaterThanOrEqualToThreshold.")),
            ("threshold", number("The alarm threshold.")),
            ("evaluation_periods", integer("Periods the alarm looks at.")),
            ("datapoints_to_alarm", integer("Breaching periods that fire it.")),
            ("adjustment_type", string("ChangeInCapacity, PercentChangeInCapacity or ExactCapacity.")),
            ("steps", array(step, "The step adjustments.")),
            ("min_adjustment_magnitude", integer("With PercentChangeInCapacity: the smallest change.")),
            ("cooldown", duration("Cooldown after an adjustment.")),
            ("aggregation", string("How the metric is aggregated: Average, Minimum or Maximum.")),
        ],
    );
    let scheduled = table(
        "A scheduled action.",
        &["schedule"],
        vec![
            ("name", string("Names the action in scaling.csv.")),
            ("schedule", string("at(...), rate(...) or cron(...).")),
            ("min_capacity", integer("New minimum.")),
            ("max_capacity", integer("New maximum.")),
        ],
    );
    table(
        "Service auto scaling: the scalable target and its policies (docs/autoscaling.md).",
        &["min_capacity", "max_capacity"],
        vec![
            ("min_capacity", integer("Fewest tasks.")),
            ("max_capacity", integer("Most tasks.")),
            ("memory_baseline_pct", number("Memory utilisation of an idle task, percent.")),
            ("target_tracking", array(target_tracking, "Target-tracking policies.")),
            ("step_scaling", array(step_scaling, "Step-scaling policies.")),
            ("scheduled", array(scheduled, "Scheduled actions.")),
        ],
    )
}

fn service() -> Value {
    let deployment_configuration = table(
        "How deployments replace tasks.",
        &[],
        vec![
            (
                "deploymentCircuitBreaker",
                table(
                    "The deployment circuit breaker.",
                    &["enable", "rollback"],
                    vec![
                        ("enable", boolean("Whether the breaker is on.")),
                        ("rollback", boolean("Roll back a failed deployment.")),
                        ("resetOnHealthyTask", boolean("A healthy task resets the failure count.")),
                        (
                            "thresholdConfiguration",
                            table(
                                "The failure threshold.",
                                &[],
                                vec![("type", string("COUNT or PERCENTAGE.")), ("value", integer("The threshold."))],
                            ),
                        ),
                    ],
                ),
            ),
            ("maximumPercent", integer("Upper limit on running tasks during a deployment, percent of desired.")),
            ("minimumHealthyPercent", integer("Lower limit on healthy tasks during a deployment, percent of desired.")),
            ("strategy", words("The deployment strategy.", &["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"])),
            ("bakeTimeInMinutes", integer("Blue/green: minutes before the old tasks stop.")),
            (
                "linearConfiguration",
                table(
                    "LINEAR steps.",
                    &[],
                    vec![
                        ("stepPercent", number("Traffic shifted per step, percent.")),
                        ("stepBakeTimeInMinutes", integer("Minutes between steps.")),
                    ],
                ),
            ),
            (
                "canaryConfiguration",
                table(
                    "CANARY shift.",
                    &[],
                    vec![
                        ("canaryPercent", number("Traffic shifted first, percent.")),
                        ("canaryBakeTimeInMinutes", integer("Minutes before the rest.")),
                    ],
                ),
            ),
            ignored("alarms"),
            ignored("lifecycleHooks"),
        ],
    );
    let load_balancer = table(
        "A load balancer target group.",
        &[],
        vec![
            ("targetGroupArn", string("The target group.")),
            ("loadBalancerName", string("A Classic Load Balancer.")),
            ("containerName", string("The container to register.")),
            ("containerPort", integer("Its port.")),
            ignored("advancedConfiguration"),
        ],
    );
    let demand = table(
        "The service's demand curve: a load series file or a constant.",
        &[],
        vec![
            ("file", string("A CSV load series, or CloudWatch get-metric-data / get-metric-statistics JSON (a `.json` name), relative to the scenario.")),
            ("column", string("The column of values (CSV).")),
            ("step", duration("Time per row (without time_column) or the resampling grid.")),
            ("scale", number("Multiplies every value (default 1).")),
            ("time_column", string("A column of times in seconds.")),
            ("time_scale", number("Multiplies every time (default 1).")),
            ("constant", number("A constant demand instead of a file.")),
            ("statistic", words("CloudWatch get-metric-statistics: the statistic to read (default: the only one given).", &["Average", "Sum", "Maximum", "Minimum", "SampleCount"])),
            ("metric_id", string("CloudWatch get-metric-data: the `Id` of the result to read (default: the only one).")),
        ],
    );
    let target_group = table(
        "The ELB target group's settings.",
        &[],
        vec![
            ("deregistration_delay", duration("Connection draining (default \"300s\").")),
            ("health_check_interval", duration("Between health checks.")),
            ("healthy_threshold", integer("Passing checks that make a target healthy.")),
            ("unhealthy_threshold", integer("Failing checks that make it unhealthy.")),
        ],
    );
    let mut entries = vec![
        (
            "file",
            string(
                "A JSON file: create-service input, its output, or describe-services output; relative to the scenario. ECS keys beside it fill in or replace the file's.",
            ),
        ),
        ("select", string("With a describe-services file of several services: the serviceName to take.")),
        ("demand", demand),
        ("capacity_per_task", number("Demand one healthy task serves.")),
        ("target_group", target_group),
        (
            "code_deploy_config",
            string("Blue/green through CodeDeploy: a predefined configuration, e.g. CodeDeployDefault.ECSAllAtOnce."),
        ),
        ("termination_wait", duration("Blue/green through CodeDeploy: wait before the old tasks stop.")),
        ("auto_scaling", auto_scaling()),
        ("serviceName", string("The service's name.")),
        ("taskDefinition", string("family, family:revision or an ARN.")),
        ("desiredCount", integer("Desired tasks (REPLICA).")),
        ("launchType", words("EC2 or FARGATE.", &["EC2", "FARGATE"])),
        (
            "capacityProviderStrategy",
            array(strategy_item("A provider share."), "Capacity providers, instead of launchType."),
        ),
        (
            "placementStrategy",
            array(reference("placementStrategy", "A strategy."), "Default: spread over zones, then instances."),
        ),
        ("placementConstraints", array(reference("placementConstraint", "A constraint."), "Placement constraints.")),
        ("schedulingStrategy", words("Default REPLICA.", &["REPLICA", "DAEMON"])),
        ("deploymentConfiguration", deployment_configuration),
        (
            "deploymentController",
            table(
                "Who deploys.",
                &["type"],
                vec![("type", words("The controller.", &["ECS", "CODE_DEPLOY", "EXTERNAL"]))],
            ),
        ),
        (
            "healthCheckGracePeriodSeconds",
            integer("Seconds after start during which failed health checks do not count."),
        ),
        ("loadBalancers", array(load_balancer, "Load balancers.")),
        ("availabilityZoneRebalancing", words("ENABLED or DISABLED.", &["ENABLED", "DISABLED"])),
        ("tags", tags("The service's tags: its tasks carry them with propagateTags = SERVICE (costs_by_tag.csv).")),
        (
            "propagateTags",
            words("Where the tasks' tags come from (default NONE).", &["SERVICE", "TASK_DEFINITION", "NONE"]),
        ),
    ];
    entries.extend(ignored_all(&[
        "cluster",
        "clientToken",
        "networkConfiguration",
        "platformVersion",
        "role",
        "serviceConnectConfiguration",
        "serviceRegistries",
        "enableECSManagedTags",
        "enableExecuteCommand",
        "volumeConfigurations",
        "vpcLatticeConfigurations",
        "serviceArn",
        "clusterArn",
        "status",
        "runningCount",
        "pendingCount",
        "platformFamily",
        "taskSets",
        "deployments",
        "roleArn",
        "events",
        "createdAt",
        "createdBy",
        "currentServiceDeployment",
        "currentServiceRevisions",
        "resourceManagementType",
    ]));
    table("An ECS service: `file`, or create-service keys inline; the simulator's keys in either form.", &[], entries)
}

fn listed_instance() -> Value {
    table(
        "One of the fleet's first instances, exactly as a live cluster has it.",
        &["id", "instance_type", "availability_zone"],
        vec![
            ("id", string("The EC2 instance id, e.g. \"i-0123456789abcdef0\".")),
            ("instance_type", string("Its type, from the catalog.")),
            ("availability_zone", string("Its zone, among the cluster's.")),
            (
                "attributes",
                json!({ "type": "object", "description": "Its custom attributes, besides the fleet's.", "additionalProperties": { "type": "string" } }),
            ),
            ("registered_cpu", integer("CPU units its agent registered (default: the type's vCPUs × 1024).")),
            ("registered_memory_mib", integer("MiB its agent registered (default: the catalog's registered memory).")),
        ],
    )
}

fn running_task() -> Value {
    table(
        "Tasks running when the run starts: adopted RUNNING and healthy at time zero where they are, not placed again.",
        &[],
        vec![
            ("service", string("The serviceName they belong to (one of `service` or `workload`).")),
            ("workload", string("The [[workload]] of standalone (RunTask) tasks they belong to.")),
            ("instance", string("The id of a listed instance ([[fleet.instances]]) they run on (EC2).")),
            ("availability_zone", string("The zone they run in on Fargate.")),
            (
                "capacity_provider",
                words("On Fargate: FARGATE (default) or FARGATE_SPOT.", &["FARGATE", "FARGATE_SPOT"]),
            ),
            (
                "task_definition",
                string("Their task definition (default: the service's, or the workload's run_task.taskDefinition)."),
            ),
            ("count", integer("How many (default 1).")),
            ("run_for", duration("Standalone tasks: how much longer they run (default: past the end of the run).")),
        ],
    )
}

fn event() -> Value {
    table(
        "A timed UpdateService call.",
        &["at", "service"],
        vec![
            ("at", duration("When, from the start of the run.")),
            ("service", string("The serviceName to update.")),
            ("task_definition", string("A new task definition: starts a deployment.")),
            ("desired_count", integer("A new desired count.")),
        ],
    )
}

fn faults() -> Value {
    table(
        "Injected faults.",
        &[],
        vec![
            ("instance_mtbf", duration("Mean time between failures of an EC2 instance.")),
            ("task_crash_rate", number("Crashes per running task-hour.")),
            ("spot_interruption_rate", number("EC2 Spot interruptions per instance-hour.")),
            ("spot_draining", boolean("Drain an instance when its two-minute notice comes.")),
            ("fargate_spot_interruption_rate", number("FARGATE_SPOT interruptions per task-hour.")),
            ("replace_failed_instances", boolean("Launch a replacement for a failed instance (default true).")),
            ("instance_replacement_delay", dist("From a failure to the replacement's registration (durations).")),
            (
                "az_outage",
                array(
                    table(
                        "A zone outage: its instances stop for the span.",
                        &["zone", "start", "end"],
                        vec![
                            ("zone", string("One of the cluster's zones.")),
                            ("start", duration("When it starts.")),
                            ("end", duration("When it ends.")),
                        ],
                    ),
                    "Scheduled zone outages ([[faults.az_outage]]).",
                ),
            ),
        ],
    )
}

fn output() -> Value {
    table(
        "Optional output files.",
        &[],
        vec![
            ("tasks_csv", boolean("Write tasks.csv, one row per task (default true).")),
            ("events_csv", boolean("Write events.csv (default: as tasks_csv).")),
            ("runs", words("In a sweep, each run's files (default summary).", &["none", "summary", "full"])),
        ],
    )
}

fn slo() -> Value {
    table(
        "An availability objective whose error budget runs are measured against (docs/comparisons.md).",
        &["target_pct"],
        vec![
            ("target_pct", number("The served share promised, percent, below 100 (e.g. 99.9).")),
            ("window", duration("The window the budget is counted over (default: the run).")),
        ],
    )
}

fn commitments() -> Value {
    let usd_map = |description: &str| json!({ "type": "object", "description": description, "additionalProperties": { "type": "number" } });
    let savings_plan = table(
        "A Savings Plan: an hourly commitment and its rates (docs/aws-data.md).",
        &["type", "commitment_usd_per_hour"],
        vec![
            ("name", string("Its name in reports (default savings-plan-N).")),
            (
                "type",
                words(
                    "compute (EC2 in any family, and Fargate) or ec2_instance (one family).",
                    &["compute", "ec2_instance"],
                ),
            ),
            ("commitment_usd_per_hour", number("The hourly commitment, USD, paid every hour whether used or not.")),
            ("instance_family", string("ec2_instance: the family it covers, e.g. m5.")),
            ("discount_pct", number("Discount off On-Demand for covered usage without a rate below, percent.")),
            ("family_discount_pct", usd_map("Discount per instance family, percent, e.g. { m5 = 28 }.")),
            (
                "instance_rates",
                usd_map("Savings Plans rate per instance type, USD per hour, e.g. { \"m5.large\" = 0.062 }."),
            ),
            ("fargate_vcpu_hour", number("compute: Savings Plans rate per Fargate vCPU-hour (x86), USD.")),
            ("fargate_gb_hour", number("compute: Savings Plans rate per Fargate GB-hour (x86), USD.")),
            (
                "fargate_discount_pct",
                number("compute: discount on Fargate vCPU and GB, percent (instead of the two rates)."),
            ),
        ],
    );
    let reserved_instance = table(
        "Reserved Instances of one type: zonal with availability_zone, regional without.",
        &["instance_type", "count", "effective_hourly_usd"],
        vec![
            ("instance_type", string("The instance type, e.g. m5.large.")),
            ("availability_zone", string("A zonal RI's zone; leave out for a regional RI (any zone, same type).")),
            ("count", integer("How many instances it reserves.")),
            (
                "effective_hourly_usd",
                number("Effective hourly rate per instance (upfront amortised plus recurring), USD, paid every hour."),
            ),
        ],
    );
    table(
        "Savings Plans and Reserved Instances, billed hour by hour in AWS's order (docs/aws-data.md).",
        &[],
        vec![
            ("savings_plan", array(savings_plan, "Savings Plans (`[[commitments.savings_plan]]`).")),
            (
                "reserved_instance",
                array(reserved_instance, "Reserved Instances (`[[commitments.reserved_instance]]`)."),
            ),
        ],
    )
}

fn sweep() -> Value {
    let setting = table(
        "One swept setting: where it goes and its alternative values.",
        &["values"],
        vec![
            ("path", string("Where the value goes, e.g. \"workload.web.run_task.placementStrategy\".")),
            ("paths", strings("Several places that take the same value.")),
            ("labels", strings("A label per value, used in variant labels.")),
            ("values", json!({ "type": "array", "description": "The alternative values." })),
        ],
    );
    let condition = table(
        "A condition every option must face: a named change to the scenario.",
        &["label"],
        vec![
            ("label", string("Names the condition in tables and folders.")),
            ("weight", number("Its weight in means across conditions (default 1).")),
            (
                "set",
                json!({ "type": "object", "description": "Setting paths (quoted keys) and the values the condition gives them." }),
            ),
        ],
    );
    table(
        "Compare alternatives: every combination of the settings' values, each run `replications` times.",
        &[],
        vec![
            ("replications", integer("Runs per variant, 1–1000 (default 1).")),
            ("objective", words("How variants are ranked (default cost).", &["cost", "availability", "task_wait"])),
            ("min_availability_pct", number("Variants below this mean availability rank after the others.")),
            ("cost_tolerance_pct", number("ecs-sim check: allowed rise in mean cost, percent (default 2).")),
            (
                "availability_tolerance_points",
                number("ecs-sim check: allowed fall in mean availability, points (default 0.1)."),
            ),
            ("setting", array(setting, "The settings ([[sweep.setting]]).")),
            ("condition", array(condition, "The conditions every option faces ([[sweep.condition]]).")),
            ("baseline", string("The option paired differences are taken against (default: the first).")),
            (
                "floor_metric",
                words(
                    "What min_availability_pct is on (default availability).",
                    &["availability", "worst_5m", "worst_1h", "worst_day"],
                ),
            ),
            (
                "floor_rule",
                words(
                    "How the floor applies across conditions (default every_condition).",
                    &["every_condition", "weighted"],
                ),
            ),
        ],
    )
}

fn optimize() -> Value {
    let variable = table(
        "A decision variable: where it goes and its candidate values (or a numeric range).",
        &[],
        vec![
            ("path", string("Where the value goes, e.g. \"service.web.desiredCount\".")),
            ("paths", strings("Several places that take the same value.")),
            ("labels", strings("A label per value (not with range).")),
            ("values", json!({ "type": "array", "description": "The candidate values, in order." })),
            (
                "range",
                table(
                    "Numeric candidates from min to max in steps.",
                    &["min", "max"],
                    vec![
                        ("min", number("The first value.")),
                        ("max", number("The last value, at most.")),
                        ("step", number("The step (default 1).")),
                    ],
                ),
            ),
            ("monotone", boolean("Later values cost more and make the constraints easier to meet (bisected).")),
        ],
    );
    let constraint = table(
        "A bound on a metric that every condition's mean must meet.",
        &["metric"],
        vec![
            (
                "metric",
                string("A metric column stem, e.g. availability_pct, worst_5m_availability_pct, task_wait_p95_s."),
            ),
            ("min", number("At least this much.")),
            ("max", number("At most this much.")),
        ],
    );
    let condition = table(
        "A condition every option must face: a named change to the scenario.",
        &["label"],
        vec![
            ("label", string("Names the condition in tables.")),
            ("weight", number("Its weight in the cost across conditions (default 1).")),
            (
                "set",
                json!({ "type": "object", "description": "Setting paths (quoted keys) and the values the condition gives them." }),
            ),
        ],
    );
    table(
        "Search for the cheapest option that meets the constraints (ecs-sim optimize).",
        &[],
        vec![
            ("search", words("How options are explored (default structured).", &["structured", "grid"])),
            ("objective", words("What is minimised.", &["cost"])),
            ("replications", integer("Replications of an option judged in full, 1–1000 (default 4).")),
            ("min_replications", integer("Replications of the first rung of successive halving (default 2).")),
            ("budget_runs", integer("At most this many runs (default: the full grid's).")),
            ("variable", array(variable, "The decision variables ([[optimize.variable]]).")),
            ("constraint", array(constraint, "The constraints ([[optimize.constraint]]).")),
            ("condition", array(condition, "The conditions every option faces ([[optimize.condition]]).")),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_closed_and_every_required_key_is_a_property() {
        fn walk(schema: &Value, path: &str) {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                assert_eq!(schema["additionalProperties"], false, "{path} accepts unknown keys");
                for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                    assert!(
                        properties.contains_key(required.as_str().unwrap()),
                        "{path}: required {required} is not a property"
                    );
                }
                for (key, child) in properties {
                    assert!(child.get("description").is_some(), "{path}.{key} has no description");
                    walk(child, &format!("{path}.{key}"));
                }
            }
            for key in ["items", "additionalProperties"] {
                if let Some(child) = schema.get(key).filter(|c| c.is_object()) {
                    walk(child, &format!("{path}[]"));
                }
            }
        }
        let schema = scenario_schema();
        walk(&schema, "scenario");
        for (name, definition) in schema["definitions"].as_object().unwrap() {
            walk(definition, name);
        }
    }
}
