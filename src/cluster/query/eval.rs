//! The expression tree a parse produces, and its evaluation against an
//! instance's facts.

use std::cmp::Ordering;

use regex::Regex;

use super::values::{compare_versions, parse_version};
use super::InstanceFacts;

/// A node of the expression tree.
#[derive(Debug, Clone)]
pub(super) enum Node {
    /// True when any child is (`or`).
    Any(Vec<Node>),
    /// True when every child is (`and`).
    All(Vec<Node>),
    /// Negation (`not`).
    Not(Box<Node>),
    /// One condition.
    Test(Test),
}

impl Node {
    pub(super) fn evaluate(&self, instance: &dyn InstanceFacts) -> bool {
        match self {
            Node::Any(nodes) => nodes.iter().any(|n| n.evaluate(instance)),
            Node::All(nodes) => nodes.iter().all(|n| n.evaluate(instance)),
            Node::Not(node) => !node.evaluate(instance),
            Node::Test(test) => test.evaluate(instance),
        }
    }

    pub(super) fn is_static(&self) -> bool {
        match self {
            Node::Any(nodes) | Node::All(nodes) => nodes.iter().all(Node::is_static),
            Node::Not(node) => node.is_static(),
            Node::Test(test) => test.subject.is_static(),
        }
    }
}

/// What a condition tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Subject {
    AgentConnected,
    AgentVersion,
    Attribute(String),
    Ec2InstanceId,
    RegisteredAt,
    RunningTasksCount,
    TaskGroup,
}

impl Subject {
    pub(super) fn supports(&self, op: Op) -> bool {
        match self {
            Subject::AgentConnected | Subject::Ec2InstanceId => {
                matches!(op, Op::Eq | Op::Ne | Op::In | Op::NotIn | Op::Matches | Op::NotMatches)
            }
            Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount => {
                matches!(op, Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le)
            }
            Subject::Attribute(_) | Subject::TaskGroup => !matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le),
        }
    }

    pub(super) fn supported(&self) -> &'static str {
        match self {
            Subject::AgentConnected | Subject::Ec2InstanceId => "==, !=, in, not_in, =~, !~",
            Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount => "==, !=, >, >=, <, <=",
            Subject::Attribute(_) | Subject::TaskGroup => "==, !=, exists, !exists, in, not_in, =~, !~",
        }
    }

    pub(super) fn is_static(&self) -> bool {
        !matches!(self, Subject::RunningTasksCount | Subject::TaskGroup)
    }
}

/// An operator, whichever form it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Exists,
    NotExists,
    In,
    NotIn,
    Matches,
    NotMatches,
}

/// Every spelling of every operator.
pub(super) const OPERATORS: [(&str, Op); 22] = [
    ("==", Op::Eq),
    ("equals", Op::Eq),
    ("!=", Op::Ne),
    ("not_equals", Op::Ne),
    (">", Op::Gt),
    ("greater_than", Op::Gt),
    (">=", Op::Ge),
    ("greater_than_equal", Op::Ge),
    ("<", Op::Lt),
    ("less_than", Op::Lt),
    ("<=", Op::Le),
    ("less_than_equal", Op::Le),
    ("exists", Op::Exists),
    ("!exists", Op::NotExists),
    ("not_exists", Op::NotExists),
    ("in", Op::In),
    ("!in", Op::NotIn),
    ("not_in", Op::NotIn),
    ("=~", Op::Matches),
    ("matches", Op::Matches),
    ("!~", Op::NotMatches),
    ("not_matches", Op::NotMatches),
];

/// One condition: `subject operator argument`. Negative operators are
/// stored as their positive form with `negated` set.
#[derive(Debug, Clone)]
pub(super) struct Test {
    pub(super) subject: Subject,
    pub(super) negated: bool,
    pub(super) check: Check,
}

impl Test {
    pub(super) fn evaluate(&self, instance: &dyn InstanceFacts) -> bool {
        let check = &self.check;
        let positive = match &self.subject {
            Subject::Attribute(name) => instance.attribute(name).is_some_and(|v| check.holds(Actual::Text(v))),
            Subject::TaskGroup => instance.any_task_group(&mut |g| check.holds(Actual::Text(g))),
            Subject::Ec2InstanceId => check.holds(Actual::Text(instance.ec2_instance_id())),
            Subject::AgentConnected => check.holds(Actual::Bool(instance.agent_connected())),
            Subject::AgentVersion => {
                parse_version(instance.agent_version()).is_some_and(|v| check.holds(Actual::Version(&v)))
            }
            Subject::RegisteredAt => check.holds(Actual::Millis(instance.registered_at_unix_ms())),
            Subject::RunningTasksCount => check.holds(Actual::Count(u64::from(instance.running_tasks_count()))),
        };
        positive != self.negated
    }
}

/// The positive form of a condition, applied to a value that is present.
#[derive(Debug, Clone)]
pub(super) enum Check {
    /// The value is present.
    Exists,
    /// `value.cmp(operand)` is `want`, or `Equal` when `or_equal`.
    Compare { want: Ordering, or_equal: bool, operand: Operand },
    /// The value equals one of the operands.
    In(Vec<Operand>),
    /// The whole value matches (the regex is anchored).
    Matches(Regex),
}

impl Check {
    pub(super) fn holds(&self, actual: Actual<'_>) -> bool {
        match self {
            Check::Exists => true,
            Check::Compare { want, or_equal, operand } => {
                actual.compare(operand).is_some_and(|o| o == *want || (*or_equal && o == Ordering::Equal))
            }
            Check::In(operands) => operands.iter().any(|o| actual.compare(o) == Some(Ordering::Equal)),
            Check::Matches(re) => actual.text().is_some_and(|t| re.is_match(t)),
        }
    }
}

/// A typed argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Operand {
    Text(String),
    Bool(bool),
    Version(Vec<u64>),
    Millis(i64),
    Count(u64),
}

/// A typed fact about an instance.
#[derive(Debug, Clone, Copy)]
pub(super) enum Actual<'a> {
    Text(&'a str),
    Bool(bool),
    Version(&'a [u64]),
    Millis(i64),
    Count(u64),
}

impl<'a> Actual<'a> {
    pub(super) fn compare(self, operand: &Operand) -> Option<Ordering> {
        match (self, operand) {
            (Actual::Text(a), Operand::Text(b)) => Some(a.cmp(b.as_str())),
            (Actual::Bool(a), Operand::Bool(b)) => Some(a.cmp(b)),
            (Actual::Version(a), Operand::Version(b)) => Some(compare_versions(a, b)),
            (Actual::Millis(a), Operand::Millis(b)) => Some(a.cmp(b)),
            (Actual::Count(a), Operand::Count(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    pub(super) fn text(self) -> Option<&'a str> {
        match self {
            Actual::Text(t) => Some(t),
            Actual::Bool(true) => Some("true"),
            Actual::Bool(false) => Some("false"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::query::test_support::*;

    #[test]
    fn every_operator_in_symbol_and_word_form() {
        let i = sample();
        let pairs: [(&str, &str, &str, bool); 16] = [
            ("runningTasksCount", "==", "equals", true),
            ("runningTasksCount", "!=", "not_equals", false),
            ("runningTasksCount", ">", "greater_than", false),
            ("runningTasksCount", ">=", "greater_than_equal", true),
            ("runningTasksCount", "<", "less_than", false),
            ("runningTasksCount", "<=", "less_than_equal", true),
            ("attribute:stack", "==", "equals", false),
            ("attribute:stack", "!=", "not_equals", true),
            ("attribute:stack", "!exists", "not_exists", false),
            ("attribute:stack", "in", "in", false),
            ("attribute:stack", "!in", "not_in", true),
            ("attribute:stack", "=~", "matches", true),
            ("attribute:stack", "!~", "not_matches", false),
            ("attribute:stack", "exists", "exists", true),
            ("task:group", "=~", "matches", true),
            ("task:group", "!~", "not_matches", false),
        ];
        for (subject, symbol, word, expected) in pairs {
            let arg = match (subject, symbol) {
                ("runningTasksCount", _) => "3",
                (_, "exists" | "!exists") => "",
                (_, "in" | "!in") => "[dev, test]",
                (_, "=~" | "!~") => "(pr|da).*",
                _ => "dev",
            };
            let a = format!("{subject} {symbol} {arg}");
            let b = format!("{subject} {word} {arg}");
            assert_eq!(eval(&a, &i), expected, "{a}");
            assert_eq!(eval(&b, &i), expected, "{b}");
        }
        assert_all(
            &[
                ("runningTasksCount > 2", true),
                ("runningTasksCount greater_than 3", false),
                ("runningTasksCount < 4", true),
                ("runningTasksCount less_than 3", false),
                ("runningTasksCount<=2", false),
                ("runningTasksCount>=4", false),
            ],
            &i,
        );
    }

    #[test]
    fn in_and_not_in_with_bare_and_quoted_lists() {
        let i = sample();
        assert_all(
            &[
                ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", true),
                ("ec2InstanceId in [\"i-abcd1234\"]", true),
                ("ec2InstanceId not_in ['i-abcd1234', \"i-wxyx7890\"]", false),
                ("ec2InstanceId !in [i-1, i-2]", true),
                ("attribute:ecs.instance-type in [t2.micro,m4.large]", true),
                ("attribute:ecs.instance-type in [ t2.small , m4.large ]", false),
                ("attribute:stack in ['has space', prod]", true),
                ("agentConnected in [true]", true),
                ("agentConnected not_in [true, false]", false),
                ("task:group in [service:api, database]", true),
                ("task:group not_in [service:api, database]", false),
                ("task:group not_in [service:api, batch]", true),
            ],
            &i,
        );
    }

    #[test]
    fn matches_must_cover_the_whole_value() {
        let i = sample();
        assert_all(
            &[
                ("attribute:ecs.instance-type =~ t2.*", true),
                ("attribute:ecs.instance-type =~ 2.m", false),
                ("attribute:ecs.instance-type =~ t2", false),
                ("attribute:ecs.instance-type !~ 2.m", true),
                ("attribute:ecs.instance-type =~ '[tm][0-9]\\.micro'", true),
                ("attribute:ecs.instance-type =~ (t2|m4)\\..*", true),
                ("ec2InstanceId =~ i-[0-9a-f]{8}", true),
                ("agentConnected =~ tr.e", true),
                ("(attribute:ecs.instance-type =~ m4.*)", false),
            ],
            &i,
        );
        // A pattern that would break out of the anchoring group is rejected.
        let e = err("attribute:x =~ 'a)|(b'");
        assert!(e.message.contains("invalid regular expression"), "{e}");
    }

    #[test]
    fn aws_documentation_examples() {
        let (i, idle) = (sample(), idle());
        let cases: [(&str, bool, bool); 12] = [
            ("attribute:ecs.instance-type == t2.micro", true, false),
            ("attribute:ecs.instance-type =~ t2.*", true, false),
            ("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", true, false),
            ("not(task:group == database)", false, true),
            ("agentVersion >= 1.5.0", true, false),
            ("registeredAt >= 2016-01-01", true, false),
            ("runningTasksCount == 0", false, true),
            ("attribute:stack exists", true, false),
            ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", true, true),
            ("task:group == service:production", false, false),
            (
                "(attribute:ecs.instance-type =~ t2.* or attribute:ecs.instance-type =~ m4.*) \
                 and attribute:ecs.availability-zone != us-east-1d",
                true,
                false,
            ),
            ("attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone != us-east-1d", true, false),
        ];
        for (source, on_sample, on_idle) in cases {
            assert_eq!(eval(source, &i), on_sample, "{source} on sample");
            assert_eq!(eval(source, &idle), on_idle, "{source} on idle");
        }
    }

    #[test]
    fn precedence_and_parentheses() {
        let i = sample();
        const T: &str = "runningTasksCount == 3";
        const F: &str = "runningTasksCount == 9";
        assert_all(
            &[
                (&format!("{T} or {F} and {F}"), true),
                (&format!("({T} or {F}) and {F}"), false),
                (&format!("{F} and {F} || {T}"), true),
                (&format!("{F} && ({F} || {T})"), false),
                (&format!("not {T} or {T}"), true),
                (&format!("!({T} or {T})"), false),
                (&format!("not not {T}"), true),
                (&format!("!{F} && !{F}"), true),
                (&format!("(({T}))"), true),
                (&format!("{T} and({F} or {T})"), true),
            ],
            &i,
        );
    }

    #[test]
    fn missing_attribute_rule() {
        let i = sample();
        assert_all(
            &[
                ("attribute:missing == x", false),
                ("attribute:missing != x", true),
                ("attribute:missing in [x]", false),
                ("attribute:missing not_in [x]", true),
                ("attribute:missing =~ .*", false),
                ("attribute:missing !~ .*", true),
                ("attribute:missing exists", false),
                ("attribute:missing !exists", true),
            ],
            &i,
        );
    }

    #[test]
    fn task_group_is_a_set() {
        let (i, idle) = (sample(), idle());
        let cases: [(&str, bool, bool); 10] = [
            ("task:group == database", true, false),
            ("task:group == service:web", true, false),
            ("task:group != database", false, true),
            ("task:group != batch", true, true),
            ("task:group =~ service:.*", true, false),
            ("task:group !~ service:.*", false, true),
            ("task:group exists", true, false),
            ("task:group !exists", false, true),
            ("task:group in [batch, database]", true, false),
            ("task:group not_in [batch]", true, true),
        ];
        for (source, on_sample, on_idle) in cases {
            assert_eq!(eval(source, &i), on_sample, "{source} on sample");
            assert_eq!(eval(source, &idle), on_idle, "{source} on idle");
        }
    }

    #[test]
    fn agent_connected_and_instance_id() {
        let (i, idle) = (sample(), idle());
        assert!(eval("agentConnected == true", &i));
        assert!(!eval("agentConnected == true", &idle));
        assert!(eval("agentConnected != true", &idle));
        assert!(eval("ec2InstanceId == i-abcd1234", &i));
        assert!(eval("ec2InstanceId != \"i-abcd1234\"", &idle));
    }
}
