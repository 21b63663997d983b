//! Setting a value at a path through the scenario's TOML (`workload.web.run_task.count`).

use crate::error::InputError;
/// Splits a setting path at dots outside double quotes.
pub(super) fn segments(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for c in path.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                if current.is_empty() && !was_quoted {
                    return Err(format!(
                        "`{path}` has an empty step; write keys joined by dots, e.g. `workload.web.max_wait`"
                    ));
                }
                out.push(std::mem::take(&mut current));
                was_quoted = false;
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err(format!("`{path}` has an unclosed quote"));
    }
    if current.is_empty() && !was_quoted {
        return Err(format!("`{path}` has an empty step; write keys joined by dots, e.g. `workload.web.max_wait`"));
    }
    out.push(current);
    Ok(out)
}

/// The element of an array of tables named `name` (or `family`), or at that index.
pub(super) fn find_element(array: &[toml::Value], segment: &str) -> Option<usize> {
    let named = |v: &toml::Value, key: &str| v.get(key).and_then(|n| n.as_str()) == Some(segment);
    array
        .iter()
        .position(|v| named(v, "name"))
        .or_else(|| array.iter().position(|v| named(v, "family")))
        .or_else(|| array.iter().position(|v| named(v, "serviceName")))
        .or_else(|| segment.parse::<usize>().ok().filter(|&i| i < array.len()))
}

/// What a missing step could have been.
pub(super) fn available(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(table) => {
            let keys: Vec<String> = table.keys().map(|k| format!("`{k}`")).collect();
            if keys.is_empty() {
                "the table is empty".to_string()
            } else {
                format!("available keys: {}", keys.join(", "))
            }
        }
        toml::Value::Array(array) => {
            let names: Vec<String> = array
                .iter()
                .enumerate()
                .map(|(i, v)| match v.get("name").or_else(|| v.get("family")).and_then(|n| n.as_str()) {
                    Some(name) => format!("`{name}`"),
                    None => format!("`{i}`"),
                })
                .collect();
            format!("available: {} (or an index from 0 to {})", names.join(", "), array.len().saturating_sub(1))
        }
        _ => "it holds a plain value, not a table or an array".to_string(),
    }
}

/// Replaces (or adds) the value at `path` in `root`.
pub fn apply_setting(root: &mut toml::Value, path: &str, value: toml::Value) -> Result<(), InputError> {
    // Errors here are completed with the file and field by the caller.
    let fail = |message: String, help: String| Err(InputError::new("", message).help(help));
    let steps = segments(path).map_err(|e| InputError::new("", e))?;
    if steps.len() == 2 && steps[0] == "simulation" && steps[1] == "seed" {
        return fail(
            "the seed cannot be swept: replication k of every option and condition uses the seed derived from simulation.seed and k".to_string(),
            "use `replications` for more seeds, or `--seed` to change the base seed".to_string(),
        );
    }
    let mut here = root;
    let mut walked = String::new();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let place = if walked.is_empty() { "the top level".to_string() } else { format!("`{walked}`") };
        let next: &mut toml::Value = match here {
            toml::Value::Table(table) => {
                if last {
                    table.insert(step.clone(), value);
                    return Ok(());
                }
                if !table.contains_key(step) {
                    return fail(
                        format!("path `{path}`: {place} has no `{step}`"),
                        available(&toml::Value::Table(table.clone())),
                    );
                }
                match table.get_mut(step) {
                    Some(next) => next,
                    None => return fail(format!("path `{path}`: {place} has no `{step}`"), String::new()),
                }
            }
            toml::Value::Array(array) => {
                let Some(index) = find_element(array, step) else {
                    let help = available(&toml::Value::Array(array.clone()));
                    return fail(format!("path `{path}`: {place} has no element named `{step}`"), help);
                };
                if last {
                    array[index] = value;
                    return Ok(());
                }
                &mut array[index]
            }
            _ => {
                return fail(
                    format!("path `{path}`: {place} is {}, so it has no `{step}`", with_article(here.type_str())),
                    "end the path at the value to replace".to_string(),
                );
            }
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(step);
        here = next;
    }
    Ok(())
}

/// "an integer", "a table": the type name with its article.
fn with_article(name: &str) -> String {
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> toml::Value {
        toml::Value::Table(toml::from_str(text).unwrap())
    }

    #[test]
    fn paths_split_at_unquoted_dots() {
        assert_eq!(segments("a.b.c").unwrap(), ["a", "b", "c"]);
        assert_eq!(segments("fleet.x.attributes.\"team.name\"").unwrap(), ["fleet", "x", "attributes", "team.name"]);
        assert!(segments("a..b").is_err());
        assert!(segments("a.\"b").is_err());
        assert!(segments("").is_err());
    }

    #[test]
    fn settings_address_tables_and_named_array_elements() {
        let mut root = doc("[[workload]]\nname = \"web\"\n[workload.run_task]\ncount = 1\n\
             [[workload]]\nname = \"batch\"\n[[task_definition]]\nfamily = \"api\"\ncpu = 1\n");
        apply_setting(&mut root, "workload.batch.max_wait", toml::Value::from("5m")).unwrap();
        apply_setting(&mut root, "workload.0.run_task.count", toml::Value::from(3)).unwrap();
        apply_setting(&mut root, "task_definition.api.cpu", toml::Value::from(2)).unwrap();
        assert_eq!(root["workload"][1]["max_wait"].as_str(), Some("5m"));
        assert_eq!(root["workload"][0]["run_task"]["count"].as_integer(), Some(3));
        assert_eq!(root["task_definition"][0]["cpu"].as_integer(), Some(2));
        let err = apply_setting(&mut root, "workload.webz.run_task.count", toml::Value::from(1)).unwrap_err();
        assert!(err.message.contains("`workload.webz.run_task.count`"), "{}", err.message);
        assert!(err.help.as_deref().unwrap_or("").contains("`web`, `batch`"), "{err:?}");
        let err = apply_setting(&mut root, "simulation.duration", toml::Value::from("1h")).unwrap_err();
        assert!(err.help.as_deref().unwrap_or("").contains("`workload`"), "{err:?}");
    }
}
