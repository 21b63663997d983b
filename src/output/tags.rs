//! `costs_by_tag.csv`: the services' cost split by the tags their tasks
//! carry, as AWS split cost allocation data attributes ECS task cost to the
//! tasks' tags (docs/aws-data.md, "Cost allocation by tag"). A task carries
//! its service's tags with `propagateTags = "SERVICE"`, its task
//! definition's with `"TASK_DEFINITION"`, none with `"NONE"` (the default).

use crate::record::ServiceReport;
use crate::scenario::service_spec::ServiceSpec;
use crate::scenario::tags::PropagateTags;
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// The tags a service's tasks carry, sorted by key.
fn task_tags<'s>(scenario: &'s Scenario, spec: &'s ServiceSpec) -> &'s [(String, String)] {
    match spec.def.propagate_tags {
        PropagateTags::None => &[],
        PropagateTags::Service => &spec.def.tags,
        PropagateTags::TaskDefinition => &scenario.task_definitions[spec.task_definition].tags,
    }
}

/// One row of `costs_by_tag.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TagCost {
    /// The tag key.
    pub key: String,
    /// The tag value; `None` for the services whose tasks lack the key.
    pub value: Option<String>,
    /// Services counted.
    pub services: usize,
    /// Their cost (`cost_share_usd` of services.csv), USD.
    pub cost_usd: f64,
    /// Their cost net of commitments, USD (with `[commitments]`).
    pub net_cost_usd: Option<f64>,
}

/// The rows, by key then value (the untagged row last per key); `None`
/// when no service's tasks carry a tag, so that no file is written.
pub(crate) fn costs_by_tag(scenario: &Scenario, services: &[ServiceReport]) -> Option<Vec<TagCost>> {
    let tags: Vec<&[(String, String)]> =
        services.iter().map(|r| task_tags(scenario, &scenario.services[r.service])).collect();
    let keys: BTreeMap<&str, ()> = tags.iter().flat_map(|t| t.iter().map(|(k, _)| (k.as_str(), ()))).collect();
    if keys.is_empty() {
        return None;
    }
    let net = scenario.commitments.is_some();
    let mut rows = Vec::new();
    for key in keys.keys() {
        // Value per service in scenario order; sums in that order.
        let mut by_value: BTreeMap<Option<&str>, TagCost> = BTreeMap::new();
        for (report, service_tags) in services.iter().zip(&tags) {
            let value = service_tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
            let row = by_value.entry(value).or_insert_with(|| TagCost {
                key: key.to_string(),
                value: value.map(str::to_string),
                services: 0,
                cost_usd: 0.0,
                net_cost_usd: net.then_some(0.0),
            });
            row.services += 1;
            row.cost_usd += report.cost_usd;
            if let Some(total) = &mut row.net_cost_usd {
                *total += report.net_cost_usd();
            }
        }
        // `None` sorts first in a BTreeMap; the untagged row goes last.
        let untagged = by_value.remove(&None);
        rows.extend(by_value.into_values());
        rows.extend(untagged);
    }
    Some(rows)
}
