//! The validator every part of a scenario is checked with (errors name the
//! file and field), and the assembly of a whole [`Scenario`] from its parts.

use super::budget;
use super::dist::{Dist, RawDist, Unit};
use super::raw::{RawScenario, RawSlo};
use super::running_spec::RunningContext;
use super::taskdef::{self, FieldError, TaskDef};
use super::{FargateSpec, RunFiles, Scenario, Slo, TimingSpec};
use crate::catalog::fargate::FargatePricing;
use crate::catalog::Catalog;
use crate::engine::{parse_duration, SimDuration};
use crate::error::{not_a_file, suggest_for_unknown, InputError};
use std::path::{Path, PathBuf};

/// The largest price a scenario may state, in dollars per hour or unit-hour:
/// far above any AWS price, low enough that a month of a full cluster stays
/// a finite, printable cost.
pub(super) const MAX_PRICE: f64 = 1e6;

pub(super) struct Validator<'a> {
    pub(super) path: &'a Path,
    pub(super) base: &'a Path,
    /// The scenario's text, to find the line of a key in a table read as a
    /// value (`[[service]]`, `[[task_definition]]`); empty when there is none
    /// (a sweep variant).
    pub(super) text: &'a str,
}

impl Validator<'_> {
    pub(super) fn error(&self, field: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError::new(self.path, message).at(format!("field `{}`", field.into()))
    }

    /// An error from reading the `index`-th `[[array]]` table (named `field`)
    /// as a value: an unknown key gets the line it is written on and, like
    /// an unknown key anywhere else, a nearest-name suggestion.
    pub(super) fn table_error(&self, array: &str, index: usize, field: &str, message: &str) -> InputError {
        let mut err = self.error(field, message);
        if let Some(line) = unknown_key(message).and_then(|key| key_line(self.text, array, index, key)) {
            err = err.at(format!("line {line}, field `{field}`"));
        }
        match suggest_for_unknown(message) {
            Some(s) => err.help(s),
            None => err,
        }
    }

    pub(super) fn resolve(&self, relative: &str) -> PathBuf {
        self.base.join(relative)
    }

    pub(super) fn duration(&self, field: &str, text: &str) -> Result<SimDuration, InputError> {
        parse_duration(text).map_err(|e| self.error(field, e))
    }

    pub(super) fn dist(
        &self,
        field: &str,
        raw: Option<&RawDist>,
        unit: Unit,
        default: Dist,
    ) -> Result<Dist, InputError> {
        match raw {
            Some(raw) => raw.validate(unit).map_err(|e| self.error(field, e)),
            None => Ok(default),
        }
    }

    pub(super) fn scenario(&self, raw: RawScenario) -> Result<Scenario, InputError> {
        let sim = &raw.simulation;
        let duration = self.duration("simulation.duration", &sim.duration)?;
        if duration == SimDuration::ZERO {
            return Err(self.error("simulation.duration", "the duration must be longer than zero"));
        }
        let sample_interval =
            self.duration("simulation.sample_interval", sim.sample_interval.as_deref().unwrap_or("1m"))?;
        if sample_interval < SimDuration(1000) {
            return Err(self.error("simulation.sample_interval", "the sample interval must be at least 1s"));
        }
        let region = sim.region.clone().unwrap_or_else(|| "us-east-1".into());
        let availability_zones = raw
            .cluster
            .availability_zones
            .clone()
            .unwrap_or_else(|| ["a", "b", "c"].iter().map(|s| format!("{region}{s}")).collect());
        if availability_zones.is_empty() {
            return Err(self.error("cluster.availability_zones", "list at least one availability zone"));
        }
        let mut catalog = Catalog::builtin();
        if let Some(file) = &raw.cluster.instance_catalog {
            catalog.extend_from_csv(&self.resolve(file)).map_err(|e| {
                let err = InputError::new(self.resolve(file), e.message);
                match e.line {
                    Some(line) => err.at(format!("line {line}")),
                    None => err,
                }
            })?;
        }
        let region_prices = self.region_prices(raw.cluster.prices.as_ref(), &region)?;
        let mut fleets = raw
            .fleets
            .iter()
            .enumerate()
            .map(|(i, fleet)| self.fleet(i, fleet, &catalog, &availability_zones))
            .collect::<Result<Vec<_>, _>>()?;
        self.price_fleets(&mut fleets, region_prices.as_ref(), &region)?;
        let mut names = std::collections::BTreeSet::new();
        for fleet in &fleets {
            if !names.insert(fleet.name.as_str()) {
                return Err(self.error("fleet.name", format!("two fleets are named `{}`", fleet.name)));
            }
        }

        let defaults = Self::fargate_defaults(region_prices.as_ref());
        let fargate = FargateSpec {
            pricing: FargatePricing {
                x86_vcpu_hour: self.price(
                    "fargate.x86_vcpu_hour",
                    raw.fargate.x86_vcpu_hour,
                    defaults.x86_vcpu_hour,
                )?,
                x86_gb_hour: self.price("fargate.x86_gb_hour", raw.fargate.x86_gb_hour, defaults.x86_gb_hour)?,
                arm_vcpu_hour: self.price(
                    "fargate.arm_vcpu_hour",
                    raw.fargate.arm_vcpu_hour,
                    defaults.arm_vcpu_hour,
                )?,
                arm_gb_hour: self.price("fargate.arm_gb_hour", raw.fargate.arm_gb_hour, defaults.arm_gb_hour)?,
            },
            launch_latency: self.dist(
                "fargate.launch_latency",
                raw.fargate.launch_latency.as_ref(),
                Unit::Duration,
                Dist::Uniform { min: 30_000.0, max: 90_000.0 },
            )?,
            spot_price_factor: self.factor("fargate.spot_price_factor", raw.fargate.spot_price_factor, 0.3)?,
        };
        let timing = TimingSpec {
            ec2_task_start: self.dist(
                "timing.ec2_task_start",
                raw.timing.ec2_task_start.as_ref(),
                Unit::Duration,
                Dist::Uniform { min: 2_000.0, max: 10_000.0 },
            )?,
            awsvpc_eni_attach: self.dist(
                "timing.awsvpc_eni_attach",
                raw.timing.awsvpc_eni_attach.as_ref(),
                Unit::Duration,
                Dist::Fixed(5_000.0),
            )?,
            task_stop: self.dist(
                "timing.task_stop",
                raw.timing.task_stop.as_ref(),
                Unit::Duration,
                Dist::Fixed(1_000.0),
            )?,
        };

        let mut task_definitions = Vec::new();
        let mut task_start = Vec::new();
        for (i, table) in raw.task_definitions.iter().enumerate() {
            let (model, ecs_table) = self.task_start(i, table)?;
            task_definitions.push(self.task_definition(i, &ecs_table)?);
            task_start.push(model);
        }
        for (i, def) in task_definitions.iter().enumerate() {
            if task_definitions[..i].iter().any(|d| d.name() == def.name()) {
                return Err(self.error(format!("task_definition[{i}]"), format!("`{}` is defined twice", def.name())));
            }
        }
        self.check_fargate_prices(region_prices.as_ref(), &raw.fargate, &task_definitions, &region)?;
        let workloads = raw
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| self.workload(i, w, &task_definitions, !fleets.is_empty()))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, w) in workloads.iter().enumerate() {
            if workloads[..i].iter().any(|o| o.name == w.name) {
                return Err(self.error(format!("workload[{i}].name"), format!("two workloads are named `{}`", w.name)));
            }
        }
        let capacity_providers = raw
            .capacity_providers
            .iter()
            .enumerate()
            .map(|(i, p)| self.capacity_provider(i, p, &fleets))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, p) in capacity_providers.iter().enumerate() {
            if capacity_providers[..i].iter().any(|o| o.name == p.name || o.fleet == p.fleet) {
                return Err(
                    self.error(format!("capacity_provider[{i}]"), "two capacity providers share a name or a fleet")
                );
            }
        }
        let default_capacity_provider_strategy =
            self.default_strategy(raw.cluster.default_capacity_provider_strategy.as_ref(), &capacity_providers)?;
        let services = raw
            .services
            .iter()
            .enumerate()
            .map(|(i, table)| {
                self.service(
                    i,
                    table,
                    &task_definitions,
                    !fleets.is_empty(),
                    &capacity_providers,
                    &default_capacity_provider_strategy,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, s) in services.iter().enumerate() {
            if services[..i].iter().any(|o| o.def.name == s.def.name) {
                return Err(self.error(format!("service[{i}]"), format!("two services are named `{}`", s.def.name)));
            }
        }
        let service_updates = self.events(&raw.events, &services, &task_definitions)?;
        let running_tasks = self.running_tasks(
            &raw.running_tasks,
            &RunningContext {
                fleets: &fleets,
                services: &services,
                workloads: &workloads,
                task_definitions: &task_definitions,
                availability_zones: &availability_zones,
            },
        )?;
        let faults = self.faults(&raw.faults, &availability_zones)?;
        let name = raw
            .name
            .clone()
            .unwrap_or_else(|| self.path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned()));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(self.error("name", "use letters, digits, `-`, `_` and `.` only: it names the results folder"));
        }
        let commitments =
            self.commitments(raw.commitments.as_ref(), &catalog, &availability_zones, &fargate.pricing)?;
        let scenario = Scenario {
            name,
            description: raw.description.unwrap_or_default(),
            path: self.path.to_path_buf(),
            duration,
            seed: sim.seed.unwrap_or(1),
            sample_interval,
            service_scheduler_delay: self.duration(
                "simulation.service_scheduler_delay",
                sim.service_scheduler_delay.as_deref().unwrap_or("1s"),
            )?,
            region,
            cluster_name: raw.cluster.name.clone().unwrap_or_else(|| "default".into()),
            availability_zones,
            awsvpc_trunking: raw.cluster.awsvpc_trunking.unwrap_or(false),
            agent_version: raw.cluster.agent_version.clone().unwrap_or_else(|| "1.89.0".into()),
            fleets,
            fargate,
            timing,
            task_definitions,
            workloads,
            task_start,
            capacity_providers,
            default_capacity_provider_strategy,
            services,
            service_updates,
            running_tasks,
            faults,
            slo: self.slo(raw.slo.as_ref(), duration)?,
            commitments,
            run_files: match raw.output.runs.as_deref() {
                None | Some("summary") => RunFiles::Summary,
                Some("none") => RunFiles::None,
                Some("full") => RunFiles::Full,
                Some(other) => {
                    return Err(self
                        .error("output.runs", format!("unknown value `{other}`"))
                        .help("use \"none\", \"summary\" (the default) or \"full\""))
                }
            },
            write_tasks_csv: raw.output.tasks_csv.unwrap_or(true),
            // Per-task events are as voluminous as tasks.csv: off with it unless asked for.
            write_events_csv: raw.output.events_csv.unwrap_or(raw.output.tasks_csv.unwrap_or(true)),
            allow_beyond_quotas: sim.allow_beyond_quotas.unwrap_or(false),
            max_events: budget::DEFAULT_MAX_EVENTS,
        };
        if !scenario.allow_beyond_quotas {
            let desired: Vec<(usize, u32)> =
                raw.events.iter().enumerate().filter_map(|(k, e)| e.desired_count.map(|c| (k, c))).collect();
            budget::check_quotas(&scenario, &desired)?;
        }
        Ok(scenario)
    }

    fn slo(&self, raw: Option<&RawSlo>, duration: SimDuration) -> Result<Option<Slo>, InputError> {
        let Some(raw) = raw else { return Ok(None) };
        if !(raw.target_pct.is_finite() && raw.target_pct > 0.0 && raw.target_pct < 100.0) {
            return Err(self
                .error("slo.target_pct", format!("{} is not an availability objective", raw.target_pct))
                .help("use a percentage below 100, e.g. target_pct = 99.9"));
        }
        let window = match &raw.window {
            Some(text) => self.duration("slo.window", text)?,
            None => duration,
        };
        if window.as_millis() == 0 {
            return Err(self.error("slo.window", "the window must be longer than zero").help("e.g. window = \"30d\""));
        }
        Ok(Some(Slo { target_pct: raw.target_pct, window }))
    }

    /// A price in dollars: finite, 0 or more, and at most [`MAX_PRICE`].
    pub(super) fn price(&self, field: &str, value: Option<f64>, default: f64) -> Result<f64, InputError> {
        let value = value.unwrap_or(default);
        if !(value.is_finite() && (0.0..=MAX_PRICE).contains(&value)) {
            return Err(self
                .error(field, format!("{value} is not a price; use dollars from 0 to {MAX_PRICE}"))
                .help(format!("e.g. {field} = {default} (the us-east-1 price)")));
        }
        Ok(value)
    }

    pub(super) fn factor(&self, field: &str, value: Option<f64>, default: f64) -> Result<f64, InputError> {
        let value = value.unwrap_or(default);
        if !(value > 0.0 && value <= 1.0) {
            return Err(self.error(field, format!("{value} is not a price factor; use a number in (0, 1], e.g. 0.3")));
        }
        Ok(value)
    }

    fn task_definition(&self, index: usize, table: &toml::Table) -> Result<TaskDef, InputError> {
        let field = format!("task_definition[{index}]");
        if let Some(file) = table.get("file") {
            if table.len() > 1 {
                return Err(self.error(&field, "give either `file` or the definition inline, not both"));
            }
            let file = file.as_str().ok_or_else(|| self.error(format!("{field}.file"), "must be a path string"))?;
            let path = self.resolve(file);
            if let Some(why) = not_a_file(&path) {
                return Err(self.error(format!("{field}.file"), why).help("paths are relative to the scenario file"));
            }
            let text = read_json_file(&path)?;
            let doc = taskdef::parse_json(&text).map_err(|e| json_file_error(&path, &text, &e))?;
            return doc.validate_all().map_err(|errors| field_errors_in_file(&path, &text, errors));
        }
        let json = serde_json::to_value(table).map_err(|e| self.error(&field, e.to_string()))?;
        let doc: taskdef::TaskDefinitionDoc = serde_json::from_value(json).map_err(|e| {
            let err = self.table_error("task_definition", index, &field, &e.to_string());
            match err.help {
                Some(_) => err,
                None => {
                    err.help("an inline task definition uses ECS's JSON keys, e.g. family and containerDefinitions")
                }
            }
        })?;
        doc.validate_all().map_err(|mut errors| {
            if errors.len() == 1 {
                let e = errors.remove(0);
                return self.error(format!("{field}.{}", e.field), e.message);
            }
            let lines: Vec<String> =
                errors.iter().map(|e| format!("  field `{field}.{}`: {}", e.field, e.message)).collect();
            InputError::new(
                self.path,
                format!("{} problems in the task definition:\n{}", errors.len(), lines.join("\n")),
            )
            .at(format!("field `{field}`"))
        })
    }
}

/// Problems found in one JSON file, each with its line where it can be
/// found: one as a plain error, several listed in one.
pub(super) fn field_errors_in_file(path: &Path, text: &str, mut errors: Vec<FieldError>) -> InputError {
    let located = |e: &FieldError| match e.line_in(text) {
        Some(line) => format!("line {line}, field `{}`", e.field),
        None => format!("field `{}`", e.field),
    };
    if errors.len() == 1 {
        let e = errors.remove(0);
        return InputError::new(path, e.message.clone()).at(located(&e));
    }
    let lines: Vec<String> = errors.iter().map(|e| format!("  {}: {}", located(e), e.message)).collect();
    InputError::new(path, format!("{} problems:\n{}", errors.len(), lines.join("\n")))
        .help("fix them all; the file is read again in full on the next run")
}

/// The key serde's "unknown field `x`" message names.
pub(super) fn unknown_key(message: &str) -> Option<&str> {
    let start = message.find("unknown field `")? + "unknown field `".len();
    message[start..].find('`').map(|end| &message[start..start + end])
}

/// The 1-based line where `key` is first written inside the `index`-th
/// `[[array]]` table of `text` (its sub-tables `[array.x]` and inline
/// tables included), if the text has it there.
pub(super) fn key_line(text: &str, array: &str, index: usize, key: &str) -> Option<usize> {
    let header = format!("[[{array}]]");
    let is_header = |line: &str| line.trim_start().starts_with(&header);
    let mut lines = text.lines().enumerate();
    let mut seen = 0;
    for (_, line) in lines.by_ref() {
        if is_header(line) {
            if seen == index {
                break;
            }
            seen += 1;
        }
    }
    let is_key_at = |line: &str, at: usize| {
        let before = line[..at].trim_end();
        let after = line[at + key.len()..].trim_start();
        let starts = before.is_empty() || before.ends_with(['{', ',', '.']);
        let bare_after = after.starts_with('=') || after.starts_with('.');
        starts && bare_after
    };
    for (number, line) in lines {
        if is_header(line) {
            return None;
        }
        let code = line.split('#').next().unwrap_or("");
        if code.match_indices(key).any(|(at, _)| is_key_at(code, at)) {
            return Some(number + 1);
        }
    }
    None
}

pub(super) fn find_task_definition(defs: &[TaskDef], name: &str) -> Option<usize> {
    let name = name.rsplit('/').next().unwrap_or(name); // accept ARNs
    defs.iter()
        .enumerate()
        .filter(|(_, d)| d.name() == name || d.family == name)
        .max_by_key(|(_, d)| (d.name() == name, d.revision))
        .map(|(i, _)| i)
}

/// A JSON file's parse error, in the words a user needs: its line and
/// column; "JSON does not allow comments" for a comment; the key and the
/// expected type for a value of the wrong type; the nearest key and where
/// the keys are listed for an unknown one.
pub(super) fn json_file_error(path: &Path, text: &str, e: &serde_json::Error) -> InputError {
    let raw = strip_serde_position(&e.to_string());
    let offset = offset_of(text, e.line(), e.column());
    let at = text.get(offset.saturating_sub(1)..).unwrap_or("");
    let comment = at.starts_with("//")
        || at.starts_with("/*")
        || text.get(offset..).is_some_and(|t| t.starts_with("//") || t.starts_with("/*"));
    let (message, help) = if comment {
        (
            "JSON does not allow comments".to_string(),
            Some("remove the comment (or move it into a field such as a tag)".to_string()),
        )
    } else if let Some(rest) = raw.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "another type"));
        let key = key_before(text, offset);
        let message = match key {
            Some(key) => format!("`{key}` must be {}, found {}", expected_type(expected), found_value(found)),
            None => format!("a value must be {}, found {}", expected_type(expected), found_value(found)),
        };
        (message, None)
    } else if raw.starts_with("unknown field `") {
        let unknown = raw.split('`').nth(1).unwrap_or_default().to_string();
        let help = match suggest_for_unknown(&raw) {
            Some(s) => {
                format!("{s} The keys ECS defines are listed in docs/scenario.md (§9 task definitions, §21 services)")
            }
            None => "see docs/scenario.md (§9 task definitions, §21 services) for the keys ECS defines".to_string(),
        };
        (format!("unknown field `{unknown}`"), Some(help))
    } else {
        (raw.clone(), suggest_for_unknown(&raw))
    };
    let mut err = InputError::new(path, message);
    if e.line() > 0 {
        err = err.at(format!("line {}, column {}", e.line(), e.column()));
    }
    match help {
        Some(help) => err.help(help),
        None => err,
    }
}

/// Reads a JSON file named by `field`; a byte that is not UTF-8 is named
/// with its line.
pub(super) fn read_json_file(path: &Path) -> Result<String, InputError> {
    let bytes = std::fs::read(path).map_err(|e| {
        InputError::new(path, format!("cannot read it: {e}")).help("paths are relative to the scenario file")
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
        InputError::new(path, format!("byte 0x{:02x} is not UTF-8", bytes[valid]))
            .at(format!("line {line}"))
            .help("save the file as UTF-8, as the AWS CLI writes it")
    })
}

/// The byte offset of 1-based `line` and `column` in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// The last `"key":` before `offset`.
fn key_before(text: &str, offset: usize) -> Option<&str> {
    let before = text.get(..offset)?;
    let colon = before.rfind(':')?;
    let key_end = before[..colon].trim_end().strip_suffix('"')?;
    let start = key_end.rfind('"')?;
    Some(&key_end[start + 1..])
}

/// serde's expected type, in plain words.
fn expected_type(expected: &str) -> String {
    let word = match expected.trim() {
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "a list",
        "a string" => "a string",
        other if other.starts_with("struct ") || other == "a map" => "an object",
        other => return other.to_string(),
    };
    word.to_string()
}

/// serde's found value, in plain words: `string "3000"` is `the string "3000"`.
fn found_value(found: &str) -> String {
    match found.split_once(' ') {
        Some((kind @ ("string" | "integer" | "floating" | "boolean"), value)) => {
            let kind = if kind == "floating" { "the number" } else { &format!("the {kind}") };
            format!("{kind} {}", value.trim_start_matches("point "))
        }
        _ => found.to_string(),
    }
}

/// serde_json appends "at line X column Y"; the caller reports the position itself.
pub(super) fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
