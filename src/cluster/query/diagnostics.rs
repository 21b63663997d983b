//! Error hints and "did you mean" suggestions for unknown subjects and
//! operators.

use super::eval::{Op, Subject, OPERATORS};
use super::lexer::is_attribute_name_char;
use super::{QueryError, MAX_ATTRIBUTE_NAME};

/// The fixed subjects, for suggestions.
pub(super) const FIXED_SUBJECTS: [&str; 6] =
    ["agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount", "task:group"];

/// Every subject, for error hints.
pub(super) const VALID_SUBJECTS: &str = "agentConnected, agentVersion, attribute:<name>, ec2InstanceId, \
registeredAt, runningTasksCount, task:group";

pub(super) fn all_operators() -> String {
    OPERATORS.iter().map(|(spelling, _)| *spelling).collect::<Vec<_>>().join(", ")
}

/// A likely intended operator for an unknown one.
pub(super) fn suggest_operator(text: &str) -> Option<String> {
    let symbol = match text {
        "=" | "===" => Some("=="),
        "!==" | "<>" => Some("!="),
        "=>" => Some(">="),
        "=<" => Some("<="),
        "~=" | "~" | "==~" => Some("=~"),
        "~!" | "!=~" => Some("!~"),
        "not" => Some("not_equals`, `not_in`, `not_exists` or `not_matches"),
        _ => None,
    };
    if let Some(s) = symbol {
        return Some(s.to_owned());
    }
    let lower = text.to_lowercase();
    OPERATORS
        .iter()
        .map(|(spelling, _)| *spelling)
        .filter(|s| s.chars().all(|c| c.is_alphabetic() || c == '_'))
        .map(|s| (edit_distance(&lower, s), s))
        .filter(|(d, s)| *d <= 2 && *d < s.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| s.to_owned())
}

pub(super) fn unsupported_hint(subject: &Subject, op: Op) -> String {
    match (subject, op) {
        (Subject::Attribute(_) | Subject::TaskGroup, _) => {
            "values are compared as text: use `==`, `in [...]` or `=~` instead".to_owned()
        }
        (Subject::AgentConnected, _) => {
            "every instance has `agentConnected`: compare it with `== true` or `== false`".to_owned()
        }
        (Subject::Ec2InstanceId, _) => "compare the instance id with `==`, `in [...]` or `=~`".to_owned(),
        (_, Op::In | Op::NotIn) => {
            "combine comparisons with `or`, e.g. `runningTasksCount == 0 or runningTasksCount == 2`".to_owned()
        }
        _ => "use a comparison such as `>=` or `<`, and combine them with `and`/`or`".to_owned(),
    }
}

pub(super) fn unknown_subject(word: &str, start: usize) -> QueryError {
    let hint = format!("valid subjects: {VALID_SUBJECTS}");
    let suggestion = suggest_subject(word);
    let message = match &suggestion {
        Some(s) => format!("unknown subject `{word}`; did you mean `{s}`?"),
        None => format!("unknown subject `{word}`"),
    };
    let hint = if suggestion.is_none()
        && !word.contains(':')
        && word.chars().count() <= MAX_ATTRIBUTE_NAME
        && word.chars().all(is_attribute_name_char)
    {
        format!("to test an attribute write `attribute:{word}`; {hint}")
    } else {
        hint
    };
    QueryError::new(start + 1, message, hint)
}

/// A likely intended subject for an unknown one.
pub(super) fn suggest_subject(word: &str) -> Option<String> {
    if word.chars().count() > 200 {
        return None;
    }
    let lower = word.to_lowercase();
    let closest = FIXED_SUBJECTS.iter().map(|s| (edit_distance(&lower, &s.to_lowercase()), *s)).min_by_key(|(d, _)| *d);
    if let Some((d, s)) = closest {
        if d <= 3 {
            return Some(s.to_owned());
        }
    }
    let (prefix, name) = word.split_once(':')?;
    (edit_distance(&prefix.to_lowercase(), "attribute") <= 2).then(|| format!("attribute:{name}"))
}

/// Levenshtein distance between two strings, by characters.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            let delete = prev[j + 1] + 1;
            let insert = cur[j] + 1;
            cur.push(substitute.min(delete).min(insert));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::query::test_support::*;
    use crate::cluster::query::Expression;

    #[test]
    fn error_unknown_subject_suggests_a_fix() {
        let e = err("atribute:foo == bar");
        assert_eq!(e.column, 1);
        assert!(e.message.contains("unknown subject `atribute:foo`; did you mean `attribute:foo`?"), "{e}");
        assert!(err("runningtaskscount == 1").message.contains("did you mean `runningTasksCount`?"));
        assert!(err("task:groups == x").message.contains("did you mean `task:group`?"));
        let e = err("ecs.instance-type == t2.micro");
        assert!(e.hint.contains("attribute:ecs.instance-type"), "{e}");
        let e = err("attribute: == x");
        assert!(e.message.contains("needs a name"), "{e}");
        let e = err("attribute:bad@name == x");
        assert_eq!(e.column, 14);
        assert!(e.message.contains("`@`"), "{e}");
        let long = format!("attribute:{} exists", "a".repeat(129));
        assert!(err(&long).message.contains("limit is 128"));
        assert!(Expression::parse(&format!("attribute:{} exists", "a".repeat(128))).is_ok());
    }

    #[test]
    fn error_unknown_operator() {
        let e = err("attribute:ecs.instance-type => t2.micro");
        assert_eq!(e.column, 29);
        assert!(e.message.starts_with("unknown operator `=>` (valid operators: ==, equals,"), "{e}");
        assert!(e.hint.contains("`>=`"), "{e}");
        assert!(e.to_string().starts_with("column 29: unknown operator `=>`"));
        assert!(e.to_string().contains("; hint: did you mean `>=`?"));
        assert!(err("task:group equal x").hint.contains("`equals`"));
        assert!(err("task:group = x").hint.contains("`==`"));
        assert!(err("task:group not in [x]").hint.contains("not_in"));
        let e = err("task:group");
        assert!(e.message.contains("expected an operator after `task:group`"), "{e}");
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("atribute", "attribute"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }
}
