//! A fake container instance and helpers shared by the query tests.

use super::values::parse_timestamp;
use super::{Expression, InstanceFacts, QueryError};

/// A container instance for tests.
pub(super) struct Instance {
    pub(super) attributes: Vec<(&'static str, &'static str)>,
    pub(super) id: &'static str,
    pub(super) connected: bool,
    pub(super) version: &'static str,
    pub(super) registered_ms: i64,
    pub(super) tasks: u32,
    pub(super) groups: Vec<&'static str>,
}

impl InstanceFacts for Instance {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
    fn ec2_instance_id(&self) -> &str {
        self.id
    }
    fn agent_connected(&self) -> bool {
        self.connected
    }
    fn agent_version(&self) -> &str {
        self.version
    }
    fn registered_at_unix_ms(&self) -> i64 {
        self.registered_ms
    }
    fn running_tasks_count(&self) -> u32 {
        self.tasks
    }
    fn any_task_group(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        self.groups.iter().any(|g| f(g))
    }
}

pub(super) const JAN_1_2016_MS: i64 = 1_451_606_400_000;

/// t2.micro in us-east-1a, running two `service:web` tasks and one
/// `database` task, registered 2016-06-01.
pub(super) fn sample() -> Instance {
    Instance {
        attributes: vec![("ecs.instance-type", "t2.micro"), ("ecs.availability-zone", "us-east-1a"), ("stack", "prod")],
        id: "i-abcd1234",
        connected: true,
        version: "1.5.0",
        registered_ms: parse_timestamp("2016-06-01").unwrap_or_default(),
        tasks: 3,
        groups: vec!["service:web", "database"],
    }
}

/// An idle m4.large in us-east-1d with a disconnected old agent.
pub(super) fn idle() -> Instance {
    Instance {
        attributes: vec![("ecs.instance-type", "m4.large"), ("ecs.availability-zone", "us-east-1d")],
        id: "i-wxyx7890",
        connected: false,
        version: "1.4.9",
        registered_ms: JAN_1_2016_MS - 1,
        tasks: 0,
        groups: vec![],
    }
}

pub(super) fn parse(source: &str) -> Expression {
    Expression::parse(source).unwrap_or_else(|e| panic!("`{source}` should parse: {e}"))
}

pub(super) fn eval(source: &str, instance: &Instance) -> bool {
    parse(source).evaluate(instance)
}

pub(super) fn err(source: &str) -> QueryError {
    match Expression::parse(source) {
        Ok(e) => panic!("`{source}` should not parse, got {e:?}"),
        Err(e) => e,
    }
}

pub(super) fn assert_all(cases: &[(&str, bool)], instance: &Instance) {
    for (source, expected) in cases {
        assert_eq!(eval(source, instance), *expected, "{source}");
    }
}
