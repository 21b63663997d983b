//! ECS resource tags (`tags: [{key, value}]`) on services and task
//! definitions, and a service's `propagateTags`: which tags its tasks carry
//! for cost allocation (docs/aws-data.md, "Cost allocation by tag").

use serde::Deserialize;

/// A tag as ECS spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagDoc {
    /// The key, 1–128 characters.
    pub key: String,
    /// The value, 0–256 characters.
    #[serde(default)]
    pub value: String,
}

/// ECS allows at most 50 tags per resource.
const MAX_TAGS: usize = 50;

/// Checks tags as ECS's TagResource does (length, count, one value per
/// key; `aws:` tags, which AWS itself adds, are kept) and returns them as (key, value) pairs sorted by key.
pub fn validate_tags(tags: Option<Vec<TagDoc>>) -> Result<Vec<(String, String)>, String> {
    let tags = tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(format!("`tags` has {} tags; ECS allows at most {MAX_TAGS} per resource", tags.len()));
    }
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for tag in tags {
        if tag.key.is_empty() || tag.key.chars().count() > 128 {
            return Err(format!("tag key `{}` must be 1 to 128 characters", tag.key));
        }
        if tag.value.chars().count() > 256 {
            return Err(format!("the value of tag `{}` is longer than 256 characters", tag.key));
        }
        if pairs.iter().any(|(key, _)| *key == tag.key) {
            return Err(format!("tag key `{}` is given twice", tag.key));
        }
        pairs.push((tag.key, tag.value));
    }
    pairs.sort();
    Ok(pairs)
}

/// A service's `propagateTags`: where its tasks' tags come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PropagateTags {
    /// The tasks carry no tags (ECS's default).
    #[default]
    None,
    /// The service's tags.
    Service,
    /// The task definition's tags.
    TaskDefinition,
}

impl PropagateTags {
    /// Reads ECS's spelling (`SERVICE`, `TASK_DEFINITION`, `NONE`).
    pub fn parse(text: Option<&str>) -> Result<PropagateTags, String> {
        match text {
            None | Some("NONE") => Ok(PropagateTags::None),
            Some("SERVICE") => Ok(PropagateTags::Service),
            Some("TASK_DEFINITION") => Ok(PropagateTags::TaskDefinition),
            Some(other) => Err(format!("`propagateTags` `{other}` is not SERVICE, TASK_DEFINITION or NONE")),
        }
    }
}
