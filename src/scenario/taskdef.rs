//! Task definitions in ECS's own JSON shape: the input of
//! `aws ecs register-task-definition` or the output of
//! `aws ecs describe-task-definition` (the `taskDefinition` wrapper).
//!
//! Every field AWS defines is accepted; the ones that do not affect scheduling
//! are read and ignored. A field AWS does not define is rejected, with a
//! suggestion, so a typo never silently changes a simulation.

use crate::catalog::fargate::{validate_fargate_size, FargateSize};
use crate::catalog::Architecture;
use crate::cluster::query::Expression;
use crate::model::{HostPort, NetworkMode, Protocol};
use crate::scenario::tags::{validate_tags, TagDoc};
use serde::de::IgnoredAny;
use serde::Deserialize;

/// A task-level `cpu` or `memory` value: a number or a string such as
/// `"1024"`, `"1 vCPU"` or `"2 GB"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SizeValue {
    /// A plain number of CPU units or MiB.
    Number(u64),
    /// A string form, normalised at validation.
    Text(String),
}

/// The `taskDefinition` member of `describe-task-definition` output.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DescribeOutput {
    /// The task definition.
    #[serde(rename = "taskDefinition")]
    pub task_definition: TaskDefinitionDoc,
    /// The task definition's tags (`--include TAGS`).
    #[serde(default)]
    pub tags: Option<Vec<TagDoc>>,
}

/// A task definition as AWS spells it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TaskDefinitionDoc {
    pub family: String,
    pub container_definitions: Vec<ContainerDefinitionDoc>,
    pub cpu: Option<SizeValue>,
    pub memory: Option<SizeValue>,
    pub network_mode: Option<String>,
    pub requires_compatibilities: Option<Vec<String>>,
    pub placement_constraints: Option<Vec<TaskDefinitionConstraintDoc>>,
    pub runtime_platform: Option<RuntimePlatformDoc>,
    pub revision: Option<u32>,
    // Accepted and ignored: they do not affect scheduling or cost.
    pub task_definition_arn: Option<IgnoredAny>,
    pub task_role_arn: Option<IgnoredAny>,
    pub execution_role_arn: Option<IgnoredAny>,
    pub volumes: Option<IgnoredAny>,
    pub status: Option<IgnoredAny>,
    pub requires_attributes: Option<IgnoredAny>,
    pub compatibilities: Option<IgnoredAny>,
    pub inference_accelerators: Option<IgnoredAny>,
    pub pid_mode: Option<IgnoredAny>,
    pub ipc_mode: Option<IgnoredAny>,
    pub proxy_configuration: Option<IgnoredAny>,
    pub registered_at: Option<IgnoredAny>,
    pub deregistered_at: Option<IgnoredAny>,
    pub registered_by: Option<IgnoredAny>,
    pub ephemeral_storage: Option<IgnoredAny>,
    pub enable_fault_injection: Option<IgnoredAny>,
    /// Tags, for cost allocation (`register-task-definition --tags`).
    pub tags: Option<Vec<TagDoc>>,
}

/// `runtimePlatform`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct RuntimePlatformDoc {
    pub cpu_architecture: Option<String>,
    pub operating_system_family: Option<String>,
}

/// A placement constraint inside a task definition (only `memberOf`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TaskDefinitionConstraintDoc {
    #[serde(rename = "type")]
    pub kind: String,
    pub expression: Option<String>,
}

/// A container definition as AWS spells it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ContainerDefinitionDoc {
    pub name: Option<String>,
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    pub memory_reservation: Option<u32>,
    pub port_mappings: Option<Vec<PortMappingDoc>>,
    pub essential: Option<bool>,
    // Accepted and ignored.
    pub image: Option<IgnoredAny>,
    pub repository_credentials: Option<IgnoredAny>,
    pub links: Option<IgnoredAny>,
    pub restart_policy: Option<IgnoredAny>,
    pub entry_point: Option<IgnoredAny>,
    pub command: Option<IgnoredAny>,
    pub environment: Option<IgnoredAny>,
    pub environment_files: Option<IgnoredAny>,
    pub mount_points: Option<IgnoredAny>,
    pub volumes_from: Option<IgnoredAny>,
    pub linux_parameters: Option<IgnoredAny>,
    pub secrets: Option<IgnoredAny>,
    pub depends_on: Option<IgnoredAny>,
    pub start_timeout: Option<IgnoredAny>,
    pub stop_timeout: Option<IgnoredAny>,
    pub version_consistency: Option<IgnoredAny>,
    pub hostname: Option<IgnoredAny>,
    pub user: Option<IgnoredAny>,
    pub working_directory: Option<IgnoredAny>,
    pub disable_networking: Option<IgnoredAny>,
    pub privileged: Option<IgnoredAny>,
    pub readonly_root_filesystem: Option<IgnoredAny>,
    pub dns_servers: Option<IgnoredAny>,
    pub dns_search_domains: Option<IgnoredAny>,
    pub extra_hosts: Option<IgnoredAny>,
    pub docker_security_options: Option<IgnoredAny>,
    pub interactive: Option<IgnoredAny>,
    pub pseudo_terminal: Option<IgnoredAny>,
    pub docker_labels: Option<IgnoredAny>,
    pub ulimits: Option<IgnoredAny>,
    pub log_configuration: Option<IgnoredAny>,
    pub health_check: Option<HealthCheckDoc>,
    pub system_controls: Option<IgnoredAny>,
    pub resource_requirements: Option<IgnoredAny>,
    pub firelens_configuration: Option<IgnoredAny>,
    pub credential_specs: Option<IgnoredAny>,
}

/// A container `healthCheck`, as AWS spells it. Times are seconds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct HealthCheckDoc {
    pub command: Option<IgnoredAny>,
    pub interval: Option<u32>,
    pub timeout: Option<u32>,
    pub retries: Option<u32>,
    pub start_period: Option<u32>,
}

/// A container health check, with Docker's defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthCheck {
    /// Seconds between checks (default 30): the first check runs one
    /// interval after the container starts.
    pub interval_s: u32,
    /// Consecutive failures that make the container UNHEALTHY (default 3).
    pub retries: u32,
    /// Seconds after start during which failures do not count (default 0).
    pub start_period_s: u32,
}

/// A port mapping as AWS spells it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct PortMappingDoc {
    pub container_port: Option<u32>,
    pub host_port: Option<u32>,
    pub protocol: Option<String>,
    pub name: Option<IgnoredAny>,
    pub app_protocol: Option<IgnoredAny>,
    pub container_port_range: Option<IgnoredAny>,
}

/// A validated task definition: what scheduling and billing need.
#[derive(Debug, Clone)]
pub struct TaskDef {
    /// `family`.
    pub family: String,
    /// `tags`, sorted by key (for cost allocation).
    pub tags: Vec<(String, String)>,
    /// `revision` (1 unless given).
    pub revision: u32,
    /// CPU units reserved on an EC2 instance: task-level `cpu` if set, else
    /// the sum of container `cpu`.
    pub cpu: u32,
    /// MiB reserved on an EC2 instance: task-level `memory` if set, else the
    /// sum over containers of `memoryReservation`, or `memory` where no
    /// reservation is given.
    pub memory_mib: u32,
    /// The network mode (default `bridge`).
    pub network_mode: NetworkMode,
    /// Static host ports, sorted; these conflict between tasks on one instance.
    pub host_ports: Vec<HostPort>,
    /// Launch types the definition declares (`requiresCompatibilities`).
    pub compatibilities: Vec<String>,
    /// `memberOf` expressions from the definition, parsed.
    pub member_of: Vec<Expression>,
    /// CPU architecture (`runtimePlatform.cpuArchitecture`, default x86_64).
    pub architecture: Architecture,
    /// The Fargate size, when the definition is Fargate-compatible and sized.
    pub fargate_size: Option<FargateSize>,
    /// The health check of the first essential container that defines one.
    pub health_check: Option<HealthCheck>,
}

impl TaskDef {
    /// `family:revision`, as ECS names a definition.
    pub fn name(&self) -> String {
        format!("{}:{}", self.family, self.revision)
    }

    /// True when the definition may run with the given launch type.
    pub fn allows(&self, launch_type: &str) -> bool {
        // With no requiresCompatibilities, ECS registers the definition for EC2.
        if self.compatibilities.is_empty() {
            return launch_type == "EC2";
        }
        self.compatibilities.iter().any(|c| c == launch_type)
    }
}

/// A problem with one field of a task definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON key at fault, e.g. `memory` or `portMappings`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl FieldError {
    fn at(field: &str, message: impl Into<String>) -> FieldError {
        FieldError { field: field.to_string(), message: message.into() }
    }

    /// The 1-based line of the first `"field"` key in JSON `text`, if any.
    pub fn line_in(&self, text: &str) -> Option<usize> {
        let key = format!("\"{}\"", self.field);
        text.lines().position(|line| line.contains(&key)).map(|i| i + 1)
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Normalises a task-level `cpu` value to CPU units.
fn cpu_units(value: &SizeValue) -> Result<u32, String> {
    let fix = "write CPU units (e.g. 1024) or vCPUs (e.g. \"1 vCPU\", \"0.25 vcpu\")";
    match value {
        SizeValue::Number(n) => u32::try_from(*n).map_err(|_| format!("cpu {n} is too large")),
        SizeValue::Text(text) => {
            let lower = text.trim().to_ascii_lowercase();
            if let Some(vcpu) = lower.strip_suffix("vcpu") {
                let vcpus: f64 = vcpu.trim().parse().map_err(|_| format!("cpu `{text}`: {fix}"))?;
                Ok((vcpus * 1024.0).round() as u32)
            } else {
                lower.parse().map_err(|_| format!("cpu `{text}`: {fix}"))
            }
        }
    }
}

/// Normalises a task-level `memory` value to MiB.
fn memory_mib(value: &SizeValue) -> Result<u32, String> {
    let fix = "write MiB (e.g. 2048) or GB (e.g. \"2 GB\")";
    match value {
        SizeValue::Number(n) => u32::try_from(*n).map_err(|_| format!("memory {n} is too large")),
        SizeValue::Text(text) => {
            let lower = text.trim().to_ascii_lowercase();
            if let Some(gb) = lower.strip_suffix("gb") {
                let gb: f64 = gb.trim().parse().map_err(|_| format!("memory `{text}`: {fix}"))?;
                Ok((gb * 1024.0).round() as u32)
            } else {
                lower.trim_end_matches("mib").trim().parse().map_err(|_| format!("memory `{text}`: {fix}"))
            }
        }
    }
}

/// The most problems one definition reports at once.
pub const MAX_FIELD_ERRORS: usize = 20;

/// An enum value as ECS reads it: an empty string (as ecspresso files and
/// describe outputs leave them) means unset.
fn set(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

impl TaskDefinitionDoc {
    /// Validates the document into a [`TaskDef`]; the first problem only.
    /// Errors are plain sentences naming the field; the caller adds the file.
    pub fn validate(self) -> Result<TaskDef, FieldError> {
        self.validate_all().map_err(|mut errors| errors.remove(0))
    }

    /// Validates the document into a [`TaskDef`], reporting every problem
    /// found (at most [`MAX_FIELD_ERRORS`]), in the order of the document.
    pub fn validate_all(self) -> Result<TaskDef, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| errors.push(FieldError::at(field, message));
        if self.family.is_empty() || self.family.len() > 255 {
            fail("family", "`family` must be 1 to 255 characters".into());
        }
        if self.container_definitions.is_empty() || self.container_definitions.len() > 10 {
            fail("containerDefinitions", "`containerDefinitions` must hold 1 to 10 containers".into());
        }
        let network_mode = match set(self.network_mode.as_deref()).unwrap_or("bridge") {
            "bridge" => NetworkMode::Bridge,
            "host" => NetworkMode::Host,
            "awsvpc" => NetworkMode::Awsvpc,
            "none" => NetworkMode::None,
            other => {
                fail("networkMode", format!("`networkMode` `{other}` is not one of bridge, host, awsvpc, none"));
                NetworkMode::Bridge
            }
        };
        let compatibilities: Vec<String> =
            self.requires_compatibilities.unwrap_or_default().into_iter().filter(|c| !c.is_empty()).collect();
        for compat in &compatibilities {
            if !["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"].contains(&compat.as_str()) {
                fail(
                    "requiresCompatibilities",
                    format!(
                        "`requiresCompatibilities` value `{compat}` is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES"
                    ),
                );
            }
        }
        let fargate = compatibilities.iter().any(|c| c == "FARGATE");
        if fargate && network_mode != NetworkMode::Awsvpc {
            fail("networkMode", "Fargate requires `networkMode` \"awsvpc\"".into());
        }

        let task_cpu = match self.cpu.as_ref().map(cpu_units).transpose() {
            Ok(cpu) => cpu,
            Err(e) => {
                fail("cpu", e);
                None
            }
        };
        let task_memory = match self.memory.as_ref().map(memory_mib).transpose() {
            Ok(memory) => memory,
            Err(e) => {
                fail("memory", e);
                None
            }
        };
        let mut container_cpu = 0_u32;
        let mut container_memory = 0_u32;
        let mut host_ports = Vec::new();
        let mut any_essential = false;
        let mut health_check = None;
        for (index, container) in self.container_definitions.iter().enumerate() {
            let label = container.name.clone().unwrap_or_else(|| format!("#{index}"));
            container_cpu = container_cpu.saturating_add(container.cpu.unwrap_or(0));
            if let (Some(hard), Some(soft)) = (container.memory, container.memory_reservation) {
                // ECS registers a definition whose two are equal.
                if hard < soft {
                    fail(
                        "memoryReservation",
                        format!("container `{label}`: `memory` ({hard}) must be at least `memoryReservation` ({soft})"),
                    );
                }
            }
            let reserved = container.memory_reservation.or(container.memory);
            if reserved.is_none() && task_memory.is_none() && self.memory.is_none() {
                fail("memory", format!(
                    "container `{label}` has neither `memory` nor `memoryReservation`, and the task has no task-level `memory`; set one of them"
                ));
            }
            container_memory = container_memory.saturating_add(reserved.unwrap_or(0));
            let essential = container.essential.unwrap_or(true);
            any_essential |= essential;
            if let (true, None, Some(check)) = (essential, health_check, &container.health_check) {
                let interval_s = check.interval.unwrap_or(30);
                if !(5..=300).contains(&interval_s) {
                    fail(
                        "interval",
                        format!("container `{label}`: health check `interval` {interval_s} must be 5 to 300 seconds"),
                    );
                }
                health_check = Some(HealthCheck {
                    interval_s,
                    retries: check.retries.unwrap_or(3).clamp(1, 10),
                    start_period_s: check.start_period.unwrap_or(0),
                });
            }
            for mapping in container.port_mappings.iter().flatten() {
                match host_port(network_mode, mapping, &label) {
                    Err((field, e)) => fail(field, e),
                    Ok(Some(port)) if host_ports.contains(&port) => fail(
                        "hostPort",
                        format!("container `{label}`: host port {} is mapped twice in one task", port.port),
                    ),
                    Ok(Some(port)) => host_ports.push(port),
                    Ok(None) => {}
                }
            }
        }
        if !any_essential && !self.container_definitions.is_empty() {
            fail("essential", "every task needs at least one essential container; set `essential: true` on one".into());
        }
        if let (Some(limit), true) = (task_memory, container_memory > 0) {
            if container_memory > limit {
                fail(
                    "memory",
                    format!(
                        "containers reserve {container_memory} MiB, more than the task-level `memory` of {limit} MiB"
                    ),
                );
            }
        }
        if let (Some(limit), true) = (task_cpu, container_cpu > 0) {
            if container_cpu > limit {
                fail(
                    "cpu",
                    format!("containers reserve {container_cpu} CPU units, more than the task-level `cpu` of {limit}"),
                );
            }
        }
        host_ports.sort();

        let mut member_of = Vec::new();
        for constraint in self.placement_constraints.unwrap_or_default() {
            if constraint.kind != "memberOf" {
                fail(
                    "placementConstraints",
                    format!(
                        "placement constraint type `{}` is not allowed in a task definition; only `memberOf` is",
                        constraint.kind
                    ),
                );
                continue;
            }
            match constraint.expression {
                Some(expression) => match Expression::parse(&expression) {
                    Ok(parsed) => member_of.push(parsed),
                    Err(e) => fail("expression", format!("memberOf expression: {e}")),
                },
                None => fail("expression", "a `memberOf` constraint needs an `expression`".into()),
            }
        }
        let architecture = match set(self.runtime_platform.as_ref().and_then(|p| p.cpu_architecture.as_deref()))
            .unwrap_or("X86_64")
        {
            "X86_64" => Architecture::X86_64,
            "ARM64" => Architecture::Arm64,
            other => {
                fail("cpuArchitecture", format!("`runtimePlatform.cpuArchitecture` `{other}` is not X86_64 or ARM64"));
                Architecture::X86_64
            }
        };
        let fargate_size = match (fargate, task_cpu, task_memory) {
            (false, _, _) => None,
            (true, Some(cpu), Some(memory)) => match validate_fargate_size(cpu, memory) {
                Ok(size) => Some(size),
                Err(e) => {
                    fail("memory", format!("invalid Fargate size: {e}"));
                    None
                }
            },
            (true, _, _) => {
                fail("cpu", "Fargate task definitions need task-level `cpu` and `memory`".into());
                None
            }
        };
        let tags = validate_tags(self.tags).unwrap_or_else(|e| {
            fail("tags", e);
            Vec::new()
        });
        if !errors.is_empty() {
            errors.truncate(MAX_FIELD_ERRORS);
            return Err(errors);
        }
        Ok(TaskDef {
            tags,
            family: self.family,
            revision: self.revision.unwrap_or(1),
            cpu: task_cpu.unwrap_or(container_cpu),
            memory_mib: task_memory.unwrap_or(container_memory),
            network_mode,
            host_ports,
            compatibilities,
            member_of,
            architecture,
            fargate_size,
            health_check,
        })
    }
}

/// The static host port a mapping holds, if any; an error names its key.
fn host_port(
    mode: NetworkMode,
    mapping: &PortMappingDoc,
    label: &str,
) -> Result<Option<HostPort>, (&'static str, String)> {
    let protocol = match set(mapping.protocol.as_deref()).unwrap_or("tcp") {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        other => return Err(("protocol", format!("container `{label}`: protocol `{other}` is not tcp or udp"))),
    };
    let container_port = mapping.container_port;
    let port = match mode {
        NetworkMode::None => {
            return Err(("portMappings", format!("container `{label}`: networkMode \"none\" allows no port mappings")))
        }
        // awsvpc tasks each get their own ENI, so their ports never collide;
        // a host port, if given, must be the container's (0 means the same).
        NetworkMode::Awsvpc => match (mapping.host_port, container_port) {
            (Some(host), Some(container)) if host != 0 && host != container => {
                return Err((
                    "hostPort",
                    format!(
                        "container `{label}`: When networkMode=awsvpc, the host ports and container ports in port \
                         mappings must match (hostPort {host}, containerPort {container})"
                    ),
                ))
            }
            _ => return Ok(None),
        },
        NetworkMode::Host => match (mapping.host_port, container_port) {
            (Some(host), Some(container)) if host != container => {
                return Err((
                    "hostPort",
                    format!(
                        "container `{label}`: in host mode `hostPort` ({host}) must equal `containerPort` ({container}) or be omitted"
                    ),
                ))
            }
            (Some(host), _) => host,
            (None, Some(container)) => container,
            (None, None) => return Ok(None),
        },
        // Bridge: 0 or omitted means a dynamic port from the ephemeral range.
        NetworkMode::Bridge => match mapping.host_port {
            Some(0) | None => return Ok(None),
            Some(host) => host,
        },
    };
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| ("hostPort", format!("container `{label}`: host port {port} is outside 1-65535")))?;
    Ok(Some(HostPort { port, protocol }))
}

/// Parses a task definition from JSON text, unwrapping the
/// `describe-task-definition` wrapper when present.
pub fn parse_json(text: &str) -> Result<TaskDefinitionDoc, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    if value.get("taskDefinition").is_some() {
        // Re-parse from text so errors keep line numbers.
        let output = serde_json::from_str::<DescribeOutput>(text)?;
        let mut doc = output.task_definition;
        if doc.tags.is_none() {
            doc.tags = output.tags;
        }
        Ok(doc)
    } else {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(json: &str) -> Result<TaskDef, String> {
        parse_json(json).map_err(|e| e.to_string())?.validate().map_err(|e| e.message)
    }

    #[test]
    fn memory_reservation_is_what_placement_deducts() {
        let td = def(r#"{"family":"web","containerDefinitions":[
            {"name":"a","memory":1024,"memoryReservation":512,"cpu":256},
            {"name":"b","memory":300,"cpu":128}]}"#)
        .unwrap();
        assert_eq!(td.memory_mib, 512 + 300);
        assert_eq!(td.cpu, 384);
        assert_eq!(td.network_mode, NetworkMode::Bridge);
    }

    #[test]
    fn task_level_sizes_win_and_accept_text_forms() {
        let td = def(r#"{"family":"f","cpu":"1 vCPU","memory":"2 GB","networkMode":"awsvpc",
            "requiresCompatibilities":["FARGATE"],
            "containerDefinitions":[{"name":"a","memoryReservation":512}]}"#)
        .unwrap();
        assert_eq!((td.cpu, td.memory_mib), (1024, 2048));
        assert_eq!(td.fargate_size, Some(FargateSize { cpu: 1024, memory_mib: 2048 }));
    }

    #[test]
    fn describe_output_wrapper_is_unwrapped() {
        let td = def(r#"{"taskDefinition":{"family":"x","revision":7,"status":"ACTIVE",
            "taskDefinitionArn":"arn:aws:ecs:us-east-1:1:task-definition/x:7",
            "containerDefinitions":[{"name":"a","image":"nginx","memory":128}]},"tags":[]}"#)
        .unwrap();
        assert_eq!(td.name(), "x:7");
    }

    #[test]
    fn host_ports_per_network_mode() {
        let bridge = def(r#"{"family":"b","containerDefinitions":[{"memory":128,"portMappings":[
            {"containerPort":80,"hostPort":8080},{"containerPort":81,"hostPort":0},{"containerPort":82}]}]}"#)
        .unwrap();
        assert_eq!(bridge.host_ports, vec![HostPort { port: 8080, protocol: Protocol::Tcp }]);
        let host = def(r#"{"family":"h","networkMode":"host","containerDefinitions":[{"memory":128,
            "portMappings":[{"containerPort":80,"protocol":"udp"}]}]}"#)
        .unwrap();
        assert_eq!(host.host_ports, vec![HostPort { port: 80, protocol: Protocol::Udp }]);
        let vpc = def(r#"{"family":"v","networkMode":"awsvpc","containerDefinitions":[{"memory":128,
            "portMappings":[{"containerPort":80}]}]}"#)
        .unwrap();
        assert!(vpc.host_ports.is_empty());
        let err = def(r#"{"family":"h","networkMode":"host","containerDefinitions":[{"memory":128,
            "portMappings":[{"containerPort":80,"hostPort":81}]}]}"#)
        .unwrap_err();
        assert!(err.contains("must equal"), "{err}");
    }

    #[test]
    fn bad_definitions_say_what_to_fix() {
        let unknown = def(r#"{"family":"f","containerDefinitions":[{"memroy":5}]}"#).unwrap_err();
        assert!(unknown.contains("unknown field `memroy`"), "{unknown}");
        let no_memory = def(r#"{"family":"f","containerDefinitions":[{"name":"a"}]}"#).unwrap_err();
        assert!(no_memory.contains("neither `memory` nor `memoryReservation`"), "{no_memory}");
        let fargate = def(r#"{"family":"f","cpu":"256","memory":"4096","networkMode":"awsvpc",
            "requiresCompatibilities":["FARGATE"],"containerDefinitions":[{"name":"a"}]}"#)
        .unwrap_err();
        assert!(fargate.contains("invalid Fargate size"), "{fargate}");
        let inverted =
            def(r#"{"family":"f","containerDefinitions":[{"memory":100,"memoryReservation":200}]}"#).unwrap_err();
        assert!(inverted.contains("must be at least `memoryReservation`"), "{inverted}");
    }
}
