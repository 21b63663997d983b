//! Reading a folder of AWS CLI outputs: every `*.json` file, in name order,
//! unwrapped and sorted by the command that printed it.
//!
//! A file is recognised by its top-level keys, not its name: `clusters` or
//! `cluster` (describe-clusters, put-cluster-capacity-providers),
//! `containerInstances`, `tasks`, `services` or `service`, `taskDefinition`,
//! `capacityProviders` or `capacityProvider`, `AutoScalingGroups`, and the
//! `list-*` outputs (`taskArns`, `serviceArns`, `containerInstanceArns`,
//! `clusterArns`), which add nothing the describe outputs lack. Recordings
//! wrapped as `{"status_code": 200, "data": {...}}` are unwrapped, and their
//! timestamps (`{"__class__": "datetime", "year": ...}`) are written as
//! ISO-8601 strings, so the service and task definition files the import
//! writes are as the AWS CLI prints them.

use crate::error::InputError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The objects of a dump, by kind, in file order.
#[derive(Debug, Default)]
pub(super) struct Dump {
    /// Files read, by name.
    pub(super) files: Vec<String>,
    /// describe-clusters `clusters[]`.
    pub(super) clusters: Vec<Value>,
    /// describe-container-instances `containerInstances[]`.
    pub(super) container_instances: Vec<Value>,
    /// describe-tasks `tasks[]`.
    pub(super) tasks: Vec<Value>,
    /// describe-services `services[]`.
    pub(super) services: Vec<Value>,
    /// describe-task-definition outputs, whole (`{"taskDefinition": ..., "tags": ...}`).
    pub(super) task_definitions: Vec<Value>,
    /// describe-capacity-providers `capacityProviders[]`.
    pub(super) capacity_providers: Vec<Value>,
    /// describe-auto-scaling-groups `AutoScalingGroups[]`.
    pub(super) auto_scaling_groups: Vec<Value>,
}

/// The keys that tell which command printed a file, for the error on a file
/// that is none of them.
const KNOWN: &str = "clusters, containerInstances, tasks, services, taskDefinition, capacityProviders, \
                     AutoScalingGroups (or a list-* output)";

impl Dump {
    /// Reads every `*.json` file of `folder`.
    pub(super) fn read(folder: &Path) -> Result<Dump, InputError> {
        let entries = std::fs::read_dir(folder).map_err(|e| {
            InputError::new(folder, format!("cannot read the dump folder: {e}"))
                .help("give the folder holding the JSON that the aws ecs describe-* commands printed")
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(InputError::new(folder, "the folder holds no .json file")
                .help("save each command's output as a .json file, e.g. aws ecs describe-tasks ... > tasks.json"));
        }
        let mut dump = Dump::default();
        for path in &paths {
            dump.add_file(path)?;
        }
        Ok(dump)
    }

    fn add_file(&mut self, path: &Path) -> Result<(), InputError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(path, format!("cannot read it: {e}")).help("check the file's permissions"))?;
        let mut value: Value = serde_json::from_str(&text).map_err(|e| {
            InputError::new(path, format!("not JSON: {e}"))
                .at(format!("line {}, column {}", e.line(), e.column()))
                .help("save the command's output as it prints it, with --output json")
        })?;
        normalise_datetimes(&mut value);
        let mut object = match value {
            Value::Object(object) => object,
            _ => return Err(InputError::new(path, "the file is not a JSON object").help(format!("expected {KNOWN}"))),
        };
        // A recorded response: {"status_code": 200, "data": {...}}.
        if object.contains_key("status_code") {
            if let Some(Value::Object(data)) = object.remove("data") {
                object = data;
            }
        }
        object.remove("ResponseMetadata");
        let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let recognised = self.take(&mut object);
        if !recognised {
            let keys: Vec<&str> = object.keys().map(String::as_str).take(6).collect();
            return Err(InputError::new(path, format!("not an output this import reads (keys: {})", keys.join(", ")))
                .help(format!("expected one of {KNOWN}; move other files out of the folder")));
        }
        self.files.push(name);
        Ok(())
    }

    /// Files the objects of one output under their kind; false when the
    /// object is no output this import reads.
    fn take(&mut self, object: &mut Map<String, Value>) -> bool {
        let mut recognised = false;
        let lists: [(&str, &str, &mut Vec<Value>); 6] = [
            ("clusters", "cluster", &mut self.clusters),
            ("containerInstances", "containerInstance", &mut self.container_instances),
            ("tasks", "task", &mut self.tasks),
            ("services", "service", &mut self.services),
            ("capacityProviders", "capacityProvider", &mut self.capacity_providers),
            ("AutoScalingGroups", "AutoScalingGroup", &mut self.auto_scaling_groups),
        ];
        for (plural, singular, into) in lists {
            if let Some(Value::Array(items)) = object.remove(plural) {
                into.extend(items.into_iter().filter(Value::is_object));
                recognised = true;
            } else if let Some(item @ Value::Object(_)) = object.remove(singular) {
                into.push(item);
                recognised = true;
            }
        }
        if object.contains_key("taskDefinition") {
            let mut output = Map::new();
            for key in ["taskDefinition", "tags"] {
                if let Some(value) = object.remove(key) {
                    output.insert(key.to_string(), value);
                }
            }
            self.task_definitions.push(Value::Object(output));
            recognised = true;
        }
        for list in ["taskArns", "serviceArns", "containerInstanceArns", "clusterArns", "taskDefinitionArns"] {
            recognised |= object.remove(list).is_some();
        }
        // What describe outputs carry besides their objects.
        object.remove("failures");
        object.remove("nextToken");
        object.remove("NextToken");
        recognised
    }
}

/// Writes recorded datetimes (`{"__class__": "datetime", ...}`) as ISO-8601
/// strings in UTC, wherever they are.
fn normalise_datetimes(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("__class__").and_then(Value::as_str) == Some("datetime") {
                let part = |key: &str| map.get(key).and_then(Value::as_u64).unwrap_or(0);
                let text = format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                    part("year"),
                    part("month"),
                    part("day"),
                    part("hour"),
                    part("minute"),
                    part("second"),
                    part("microsecond")
                );
                *value = Value::String(text);
            } else {
                map.values_mut().for_each(normalise_datetimes);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_datetimes),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_datetimes_become_iso_strings() {
        let mut value: Value = serde_json::from_str(
            r#"{"createdAt": {"__class__": "datetime", "year": 2018, "month": 3, "day": 9, "hour": 14,
                "minute": 5, "second": 7, "microsecond": 120000}, "list": [{"__class__": "datetime", "year": 2020}]}"#,
        )
        .unwrap();
        normalise_datetimes(&mut value);
        assert_eq!(value["createdAt"], "2018-03-09T14:05:07.120000Z");
        assert_eq!(value["list"][0], "2020-00-00T00:00:00.000000Z");
    }

    #[test]
    fn outputs_are_sorted_by_their_keys_and_wrappers_removed() {
        let mut dump = Dump::default();
        let mut object = serde_json::from_str::<Value>(r#"{"tasks": [{"taskArn": "a"}, 3], "failures": []}"#).unwrap();
        assert!(dump.take(object.as_object_mut().unwrap()));
        let mut single = serde_json::from_str::<Value>(r#"{"cluster": {"clusterName": "c"}}"#).unwrap();
        assert!(dump.take(single.as_object_mut().unwrap()));
        let mut other = serde_json::from_str::<Value>(r#"{"Reservations": []}"#).unwrap();
        assert!(!dump.take(other.as_object_mut().unwrap()));
        assert_eq!(dump.tasks.len(), 1, "only objects are tasks");
        assert_eq!(dump.clusters[0]["clusterName"], "c");
    }
}
