//! `ecs-sim schema` held to the parser. The JSON Schema is written by hand
//! (src/schema.rs), so these tests are what keep it true:
//! - every key of every example scenario is in the schema, with the schema's
//!   type, allowed words and duration pattern;
//! - every key the schema lists is accepted by the parser, table by table;
//! - every key the parser lists for a table (serde's "expected one of …" for
//!   an unknown key) is in the schema.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schema, as `ecs-sim schema` prints it.
fn schema() -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ecs-sim")).arg("schema").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("ecs-sim schema prints JSON")
}

/// A schema with its `allOf: [{ $ref }]` followed.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let target = schema.get("$ref").or_else(|| schema.get("allOf").and_then(|all| all[0].get("$ref")));
    match target.and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/")) {
        Some(name) => &root["definitions"][name],
        None => schema,
    }
}

fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Checks a TOML value against the schema: its keys, types, words and patterns.
fn check_value(root: &Value, schema: &Value, value: &toml::Value, path: &str, problems: &mut Vec<String>) {
    let schema = resolve(root, schema);
    let types = types_of(schema);
    let kind = match value {
        toml::Value::String(_) => "string",
        toml::Value::Integer(_) => "integer",
        toml::Value::Float(_) => "number",
        toml::Value::Boolean(_) => "boolean",
        toml::Value::Datetime(_) => "datetime",
        toml::Value::Array(_) => "array",
        toml::Value::Table(_) => "object",
    };
    let integer_as_number = kind == "integer" && types.contains(&"number");
    if !types.is_empty() && !types.contains(&kind) && !integer_as_number {
        problems.push(format!("{path}: a {kind}, but the schema says {types:?}"));
        return;
    }
    if let (Some(allowed), toml::Value::String(text)) = (schema.get("enum").and_then(Value::as_array), value) {
        if !allowed.iter().any(|a| a == text) {
            problems.push(format!("{path}: `{text}` is not one of the schema's {allowed:?}"));
        }
    }
    if let (Some(pattern), toml::Value::String(text)) = (schema.get("pattern").and_then(Value::as_str), value) {
        if !regex::Regex::new(pattern).unwrap().is_match(text) {
            problems.push(format!("{path}: `{text}` does not match the schema's pattern {pattern}"));
        }
    }
    match value {
        toml::Value::Table(table) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, child) in table {
                let child_path = format!("{path}.{key}");
                match (properties.and_then(|p| p.get(key)), schema.get("additionalProperties")) {
                    (Some(child_schema), _) => check_value(root, child_schema, child, &child_path, problems),
                    (None, Some(extra)) if extra.is_object() => check_value(root, extra, child, &child_path, problems),
                    (None, _) if properties.is_some() => problems.push(format!("{child_path}: not in the schema")),
                    (None, _) => {}
                }
            }
        }
        toml::Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check_value(root, item_schema, item, &format!("{path}[{i}]"), problems);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_key_of_every_example_scenario_is_in_the_schema() {
    let root = schema();
    let mut problems = Vec::new();
    let mut scenarios = 0;
    for entry in std::fs::read_dir(crate_dir().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let value: toml::Value = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        check_value(&root, &root, &value, &path.file_name().unwrap().to_string_lossy(), &mut problems);
        scenarios += 1;
    }
    assert!(scenarios >= 8, "{scenarios} example scenarios");
    assert!(problems.is_empty(), "the schema disagrees with the examples:\n{}", problems.join("\n"));
}

/// The checker itself catches an unknown key, a wrong type and a bad duration.
#[test]
fn the_example_check_can_fail() {
    let root = schema();
    let value: toml::Value =
        "[simulation]\nduraton = \"1h\"\nseed = \"7\"\nsample_interval = \"5 minutes\"\n".parse().unwrap();
    let mut problems = Vec::new();
    check_value(&root, &root, &value, "bad", &mut problems);
    assert_eq!(problems.len(), 3, "{problems:?}");
}

/// One step from a table of the schema to a table inside it.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Item,
}

/// Every table of the schema, with the steps that reach it from the top.
fn tables(root: &Value) -> Vec<(Vec<Step>, &Value)> {
    fn walk<'a>(root: &'a Value, schema: &'a Value, steps: Vec<Step>, out: &mut Vec<(Vec<Step>, &'a Value)>) {
        let schema = resolve(root, schema);
        if let Some(items) = schema.get("items") {
            let mut next = steps;
            next.push(Step::Item);
            walk(root, items, next, out);
            return;
        }
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return };
        out.push((steps.clone(), schema));
        for (key, child) in properties {
            let mut next = steps.clone();
            next.push(Step::Key(key.clone()));
            walk(root, child, next, out);
        }
    }
    let mut out = Vec::new();
    walk(root, root, Vec::new(), &mut out);
    out
}

/// A value of the schema's type for a probe: the first allowed word, a
/// duration for a duration, an empty table or list.
fn sample(root: &Value, schema: &Value) -> toml::Value {
    let schema = resolve(root, schema);
    if let Some(first) = schema.get("enum").and_then(|e| e[0].as_str()) {
        return toml::Value::String(first.into());
    }
    if schema.get("pattern").is_some() {
        return toml::Value::String("1s".into());
    }
    match types_of(schema).first().copied() {
        Some("integer") => toml::Value::Integer(1),
        Some("number") => toml::Value::Float(1.0),
        Some("boolean") => toml::Value::Boolean(true),
        Some("array") => toml::Value::Array(Vec::new()),
        Some("object") => toml::Value::Table(toml::Table::new()),
        _ => toml::Value::String("x".into()),
    }
}

/// A scenario with `[simulation]` and, at `steps`, a table holding `key = value`.
fn probe(steps: &[Step], key: &str, value: toml::Value) -> String {
    fn nest(steps: &[Step], key: &str, value: toml::Value) -> toml::Value {
        match steps.split_first() {
            None => toml::Value::Table(toml::Table::from_iter([(key.to_string(), value)])),
            Some((Step::Item, rest)) => toml::Value::Array(vec![nest(rest, key, value)]),
            Some((Step::Key(k), rest)) => {
                toml::Value::Table(toml::Table::from_iter([(k.clone(), nest(rest, key, value))]))
            }
        }
    }
    let mut root = match nest(steps, key, value) {
        toml::Value::Table(table) => table,
        _ => unreachable!("the top of a scenario is a table"),
    };
    let simulation = root.entry("simulation").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    simulation.as_table_mut().unwrap().entry("duration").or_insert_with(|| "1h".into());
    toml::to_string(&root).unwrap()
}

/// What loading the scenario text says: `None` when it is valid.
fn load_error(dir: &Path, text: &str) -> Option<String> {
    let path = dir.join("probe.toml");
    std::fs::write(&path, text).unwrap();
    if text.contains("[optimize") || text.contains("optimize =") || text.contains("\noptimize.") {
        return ecs_sim::optimize::load(&path).err().map(|e| e.to_string());
    }
    ecs_sim::sweep::load(&path).err().map(|e| e.to_string())
}

/// The names an "unknown field `x`, expected one of `a`, `b`" message lists.
fn expected_names(message: &str) -> BTreeSet<String> {
    let Some(at) = message.find("expected") else { return BTreeSet::new() };
    let list = &message[at..];
    let list = &list[..list.find('\n').unwrap_or(list.len())];
    list.split('`').skip(1).step_by(2).map(String::from).collect()
}

#[test]
fn the_parser_accepts_every_schema_key_and_the_schema_has_every_parser_key() {
    let root = schema();
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut probed = 0;
    for (steps, table) in tables(&root) {
        let place = format!("{steps:?}");
        let properties = table["properties"].as_object().unwrap();
        // A key nobody writes: the parser must name it, and list its own keys.
        let bogus = "zz_not_a_key";
        match load_error(dir.path(), &probe(&steps, bogus, toml::Value::Integer(1))) {
            Some(error) if error.contains(&format!("unknown field `{bogus}`")) => {
                for name in expected_names(&error) {
                    if !properties.contains_key(&name) {
                        problems.push(format!("{place}: the parser accepts `{name}`, the schema does not list it"));
                    }
                }
            }
            other => problems.push(format!("{place}: an unknown key was not reported as one: {other:?}")),
        }
        for (key, child) in properties {
            let error = load_error(dir.path(), &probe(&steps, key, sample(&root, child)));
            if let Some(error) = error.filter(|e| e.contains(&format!("unknown field `{key}`"))) {
                problems.push(format!("{place}: the schema lists `{key}`, the parser rejects it: {error}"));
            }
            probed += 1;
        }
    }
    assert!(probed > 300, "only {probed} keys probed");
    assert!(problems.is_empty(), "the schema and the parser disagree:\n{}", problems.join("\n"));
}
