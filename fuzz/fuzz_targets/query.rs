//! The cluster query language: any text parses or gives a query error, and
//! a parsed expression evaluates on an instance, never panicking.
#![no_main]

use ecs_sim::cluster::query::{Expression, InstanceFacts};
use libfuzzer_sys::fuzz_target;

/// An instance with a few attributes and two task groups.
struct Instance;

impl InstanceFacts for Instance {
    fn attribute(&self, name: &str) -> Option<&str> {
        match name {
            "ecs.instance-type" => Some("m5.large"),
            "ecs.availability-zone" => Some("us-east-1a"),
            "ecs.os-type" => Some("linux"),
            "stack" => Some(""),
            _ => None,
        }
    }
    fn ec2_instance_id(&self) -> &str {
        "i-0123456789abcdef0"
    }
    fn agent_connected(&self) -> bool {
        true
    }
    fn agent_version(&self) -> &str {
        "1.75.0"
    }
    fn registered_at_unix_ms(&self) -> i64 {
        1_451_606_400_000
    }
    fn running_tasks_count(&self) -> u32 {
        3
    }
    fn any_task_group(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        ["service:web", "batch"].into_iter().any(|group| f(group))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(expression) = Expression::parse(text) {
        let _ = expression.evaluate(&Instance);
        let _ = expression.is_static();
    }
});
