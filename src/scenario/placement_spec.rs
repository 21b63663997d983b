//! Placement strategies and constraints as scenarios and RunTask write them.

use super::raw::{RawPlacementConstraint, RawPlacementStrategy};
use super::validate::Validator;
use crate::cluster::query::Expression;
use crate::error::{best_match, InputError};
use crate::placement::{BinpackField, Constraint, Strategy};

impl Validator<'_> {
    pub(super) fn strategies(&self, field: &str, items: &[RawPlacementStrategy]) -> Result<Vec<Strategy>, InputError> {
        if items.len() > 5 {
            return Err(self.error(field, format!("{} strategies given; ECS allows at most 5", items.len())));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = format!("{field}[{i}]");
                let field_value = item.field.as_deref();
                match item.kind.as_str() {
                    "random" => Ok(Strategy::Random),
                    "binpack" => match field_value {
                        Some("cpu" | "CPU") => Ok(Strategy::Binpack(BinpackField::Cpu)),
                        Some("memory" | "MEMORY") => Ok(Strategy::Binpack(BinpackField::Memory)),
                        _ => Err(self.error(format!("{at}.field"), "binpack needs field = \"cpu\" or \"memory\"")),
                    },
                    "spread" => match field_value {
                        Some("instanceId" | "host") => Ok(Strategy::SpreadInstance),
                        Some(attr) if attr.starts_with("attribute:") && attr.len() > "attribute:".len() => {
                            Ok(Strategy::SpreadAttribute(attr["attribute:".len()..].to_string()))
                        }
                        _ => Err(self.error(format!("{at}.field"), "spread needs field = \"instanceId\" or \"attribute:<name>\", e.g. \"attribute:ecs.availability-zone\"")),
                    },
                    other => {
                        let err = self.error(format!("{at}.type"), format!("unknown strategy type `{other}`; use random, spread or binpack"));
                        match best_match(other, ["random", "spread", "binpack"].into_iter()) {
                            Some(s) => Err(err.help(format!("did you mean `{s}`?"))),
                            None => Err(err),
                        }
                    }
                }
            })
            .collect()
    }

    pub(super) fn constraints(
        &self,
        field: &str,
        items: &[RawPlacementConstraint],
    ) -> Result<Vec<Constraint>, InputError> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = format!("{field}[{i}]");
                match (item.kind.as_str(), &item.expression) {
                    ("distinctInstance", None) => Ok(Constraint::DistinctInstance),
                    ("distinctInstance", Some(_)) => {
                        Err(self.error(format!("{at}.expression"), "distinctInstance takes no expression"))
                    }
                    ("memberOf", Some(expression)) => Expression::parse(expression)
                        .map(Constraint::MemberOf)
                        .map_err(|e| self.error(format!("{at}.expression"), e.to_string())),
                    ("memberOf", None) => Err(self.error(at, "memberOf needs an `expression`")),
                    (other, _) => Err(self.error(
                        format!("{at}.type"),
                        format!("unknown constraint type `{other}`; use distinctInstance or memberOf"),
                    )),
                }
            })
            .collect()
    }
}
