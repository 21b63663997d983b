//! The ECS cluster query language used by `memberOf` placement constraints.
//!
//! An [`Expression`] is parsed once from its source text (all regular
//! expressions are compiled at parse time) and then evaluated against any
//! number of container instances through the [`InstanceFacts`] trait.
//! Parse errors are [`QueryError`]s that carry a 1-based character column, a
//! message saying what is wrong and a hint saying how to fix it.
//!
//! # Grammar
//!
//! ```text
//! expression = or_expr ;                              (at most 2000 characters)
//! or_expr    = and_expr { ( "||" | "or" ) and_expr } ;
//! and_expr   = unary { ( "&&" | "and" ) unary } ;
//! unary      = ( "!" | "not" ) unary | primary ;
//! primary    = "(" or_expr ")" | condition ;
//! condition  = subject operator [ argument ] ;
//! subject    = "agentConnected" | "agentVersion" | "attribute:" name
//!            | "ec2InstanceId" | "registeredAt" | "runningTasksCount"
//!            | "task:group" ;
//! name       = 1 to 128 of: ASCII letter, digit, "-", "_", "/", "\", "." ;
//! operator   = "==" | "equals" | "!=" | "not_equals"
//!            | ">" | "greater_than" | ">=" | "greater_than_equal"
//!            | "<" | "less_than" | "<=" | "less_than_equal"
//!            | "exists" | "!exists" | "not_exists"
//!            | "in" | "!in" | "not_in"
//!            | "=~" | "matches" | "!~" | "not_matches" ;
//! argument   = value                  (==, !=, >, >=, <, <=, =~, !~)
//!            | "[" value { "," value } "]"          (in, not_in)
//!            | nothing                       (exists, not_exists) ;
//! value      = bare | "'" { any char but ' } "'" | '"' { any char but " } '"' ;
//! ```
//!
//! Precedence is `not` > `and` > `or`; parentheses group. Keywords and
//! subjects are case-sensitive, spelt as AWS writes them. Whitespace
//! separates tokens and is otherwise ignored.
//!
//! A bare value is a run of characters up to whitespace or one of
//! `( ) [ ] ,` (so `t2.micro`, `us-east-1a`, `service:production`,
//! `2016-01-01` and `1.5.0` need no quotes). A bare regular expression after
//! `=~`/`!~` runs up to whitespace or a `)` that closes no `(` of the pattern
//! itself, so `(t2|m4).*` and `[tm]2.*` work unquoted. Quoted values have no
//! escape sequences: a value ends at the next matching quote, so a value
//! containing `'` is written in double quotes and vice versa.
//!
//! # Operators per subject
//!
//! Anything else is rejected at parse time, naming the subject and what it
//! supports.
//!
//! | subject | operators |
//! | --- | --- |
//! | `agentConnected`, `ec2InstanceId` | ==, !=, in, not_in, =~, !~ |
//! | `agentVersion`, `registeredAt`, `runningTasksCount` | ==, !=, >, >=, <, <= |
//! | `attribute:<name>`, `task:group` | ==, !=, exists, !exists, in, not_in, =~, !~ |
//!
//! # Semantics
//!
//! * `attribute:X` compares the attribute's string value exactly
//!   (case-sensitive). `exists` is true when the instance has attribute X.
//!   **Project's reading of undocumented behaviour:** every comparison on an
//!   attribute the instance lacks is false, except `!=`, `not_in` and `!~`,
//!   which are true (each negative operator is exactly the negation of its
//!   positive form).
//! * `ec2InstanceId` compares the instance id as a string.
//! * `agentConnected` compares against `true` or `false` (any other argument
//!   is a parse error); `=~`/`!~` match the pattern against the text `true`
//!   or `false`.
//! * `agentVersion` compares versions numerically component by component
//!   (`1.10.0` > `1.9.2`; missing trailing components count as 0, so
//!   `1.5` == `1.5.0`). A version is one or more dot-separated decimal
//!   integers with an optional leading `v`; an argument that is not a version
//!   is a parse error. An instance whose reported version does not parse is
//!   not comparable: every comparison is false except `!=`, which is true.
//! * `runningTasksCount` compares integers; the argument must be a
//!   non-negative whole number.
//! * `registeredAt` takes `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` with an
//!   optional trailing `Z`, always read as UTC (a bare date is midnight UTC).
//!   It is converted to Unix milliseconds and compared with the instance's
//!   registration time (`2016-01-01` is 1451606400000).
//! * `task:group` refers to the **set** of task groups of the tasks placed (PENDING through STOPPING) on
//!   the instance. **Project's reading of undocumented behaviour:** `== X` is
//!   true iff some running task is in group X and `!= X` iff none is;
//!   `in [..]` is true iff some running group is in the list and `not_in` iff
//!   none is; `=~ re` is true iff some running group matches and `!~` iff none
//!   does; `exists` is true iff the instance runs any task and `!exists` iff
//!   it runs none.
//! * `=~`/`!~` follow Java's `Pattern.matches`, which AWS uses: the *whole*
//!   value must match, so every pattern is anchored as `^(?:pattern)$`
//!   (`t2.*` matches `t2.micro`, `2.m` does not). Patterns use the Rust
//!   `regex` syntax, which agrees with Java's for the usual constructs but has
//!   no look-around or back-references. An invalid pattern is a parse error.
//! * An expression longer than 2000 characters is rejected, as is one that
//!   nests parentheses and negations more than 64 levels deep.
//! * [`Expression::is_static`] counts `agentConnected` as a registration-time
//!   fact, as the caller's cache expects; a caller that caches results per
//!   instance must drop them when the instance's agent connects or
//!   disconnects.

mod diagnostics;
mod eval;
mod lexer;
mod parser;
#[cfg(test)]
mod test_support;
mod values;

use std::fmt;

use eval::Node;
use lexer::Parser;

/// Longest accepted expression, in characters (the ECS limit).
const MAX_CHARS: usize = 2000;

/// Deepest accepted nesting of parentheses and negations.
const MAX_DEPTH: usize = 64;

/// Longest accepted attribute name, in characters.
const MAX_ATTRIBUTE_NAME: usize = 128;

/// Facts about one container instance that an expression can test.
pub trait InstanceFacts {
    /// The value of attribute `name`, or `None` when the instance lacks it.
    /// Built-in attributes such as `ecs.instance-type` come through here too.
    fn attribute(&self, name: &str) -> Option<&str>;
    /// The EC2 instance id, e.g. `i-abcd1234`.
    fn ec2_instance_id(&self) -> &str;
    /// Whether the container agent is connected.
    fn agent_connected(&self) -> bool;
    /// The container agent's version, e.g. `1.5.0`.
    fn agent_version(&self) -> &str;
    /// When the instance registered, in Unix milliseconds.
    fn registered_at_unix_ms(&self) -> i64;
    /// How many tasks are running on the instance.
    fn running_tasks_count(&self) -> u32;
    /// Calls `f` for each distinct task group running on the instance; stops early when `f` returns true, returning true.
    fn any_task_group(&self, f: &mut dyn FnMut(&str) -> bool) -> bool;
}

/// A parse error: where it is, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// 1-based character (not byte) column of the offending text; one past
    /// the last character when the expression ended too early.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it (may be empty).
    pub hint: String,
}

impl QueryError {
    fn new(column: usize, message: impl Into<String>, hint: impl Into<String>) -> Self {
        QueryError { column, message: message.into(), hint: hint.into() }
    }
}

impl fmt::Display for QueryError {
    /// Formats as `column N: message; hint: hint`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)?;
        if !self.hint.is_empty() {
            write!(f, "; hint: {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for QueryError {}

/// A parsed cluster query expression.
#[derive(Debug, Clone)]
pub struct Expression {
    source: String,
    root: Node,
}

impl Expression {
    /// Parses `source`, compiling every regular expression in it.
    ///
    /// # Errors
    /// Returns a [`QueryError`] for any text that is not a valid expression
    /// (see the module documentation for the grammar and limits).
    pub fn parse(source: &str) -> Result<Expression, QueryError> {
        let chars: Vec<char> = source.chars().collect();
        if chars.len() > MAX_CHARS {
            return Err(QueryError::new(
                MAX_CHARS + 1,
                format!("expression is {} characters long; the limit is {MAX_CHARS}", chars.len()),
                "shorten it, or split it into several `memberOf` constraints (a task must satisfy all of them)",
            ));
        }
        let mut parser = Parser { chars, pos: 0, depth: 0 };
        parser.skip_ws();
        if parser.peek().is_none() {
            return Err(QueryError::new(
                1,
                "the expression is empty",
                "write a condition such as `attribute:ecs.instance-type == t2.micro`",
            ));
        }
        let root = parser.parse_or()?;
        parser.skip_ws();
        if parser.peek().is_some() {
            return Err(parser.unexpected_after_condition(None));
        }
        Ok(Expression { source: source.to_owned(), root })
    }

    /// Whether `instance` satisfies the expression.
    pub fn evaluate(&self, instance: &dyn InstanceFacts) -> bool {
        self.root.evaluate(instance)
    }

    /// True when the result depends only on facts fixed at registration (attributes, ec2InstanceId, agentVersion, registeredAt, agentConnected) and not on runningTasksCount or task:group, so a caller may cache it per instance.
    pub fn is_static(&self) -> bool {
        self.root.is_static()
    }

    /// The text the expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::query::test_support::*;

    #[test]
    fn error_length_and_depth_limits() {
        let pad = "task:group == a or ".repeat(106);
        let long = format!("{pad}task:group == a");
        assert!(long.chars().count() > MAX_CHARS);
        let e = err(&long);
        assert_eq!(e.column, 2001);
        assert!(e.message.contains("the limit is 2000"), "{e}");
        let at_limit = format!("attribute:x == {}", "a".repeat(MAX_CHARS - 15));
        assert_eq!(at_limit.chars().count(), MAX_CHARS);
        assert!(Expression::parse(&at_limit).is_ok());
        let deep = format!("{}task:group == a{}", "(".repeat(65), ")".repeat(65));
        assert!(err(&deep).message.contains("more than 64 levels"));
        let ok = format!("{}task:group == a{}", "(".repeat(64), ")".repeat(64));
        assert!(!eval(&ok, &idle()));
    }

    #[test]
    fn is_static_and_source() {
        for s in [
            "attribute:stack exists",
            "ec2InstanceId == i-1 and agentVersion > 1.0 or registeredAt > 2016-01-01",
            "not agentConnected == true",
        ] {
            assert!(parse(s).is_static(), "{s}");
        }
        for s in [
            "runningTasksCount == 0",
            "attribute:stack exists and not(task:group == database)",
            "attribute:stack exists or runningTasksCount > 1",
        ] {
            assert!(!parse(s).is_static(), "{s}");
        }
        let source = "  not(task:group == database) ";
        let parsed = parse(source);
        let cloned = parsed.clone();
        assert_eq!(parsed.source(), source);
        assert!(cloned.evaluate(&idle()));
    }

    /// Feeds prefixes, suffixes and random junk to the parser; nothing may
    /// panic and every error column must lie within the input (or one past).
    #[test]
    fn garbage_never_panics() {
        let (i, idle) = (sample(), idle());
        let check = |s: &str| match Expression::parse(s) {
            Ok(e) => {
                e.evaluate(&i);
                e.evaluate(&idle);
                e.is_static();
            }
            Err(e) => {
                assert!(e.column >= 1 && e.column <= s.chars().count().max(MAX_CHARS) + 1, "{s:?}: {e}");
                assert!(!e.message.is_empty() && !e.to_string().is_empty());
            }
        };
        let valid = [
            "(attribute:ecs.instance-type =~ t2.* or attribute:ecs.instance-type =~ m4.*) and attribute:ecs.availability-zone != us-east-1d",
            "ec2InstanceId in ['i-abcd1234', \"i-wxyx7890\"] && !(task:group == database)",
            "agentVersion >= 1.5.0 || registeredAt >= 2016-01-01T00:00:00Z and runningTasksCount == 0",
            "attribute:stack !exists or agentConnected not_in [false] and task:group !~ 'a b(c'",
            "attribute:é == ü😀",
        ];
        for v in valid {
            check(v);
            for (at, _) in v.char_indices() {
                check(&v[..at]);
                check(&v[at..]);
            }
        }
        let pieces = [
            "(",
            ")",
            "[",
            "]",
            ",",
            "'",
            "\"",
            "!",
            "=",
            "~",
            "<",
            ">",
            "&",
            "|",
            " ",
            "\t",
            "and",
            "or",
            "not",
            "in",
            "exists",
            "!in",
            "==",
            "=~",
            "!~",
            ">=",
            "attribute:",
            "task:group",
            "agentVersion",
            "registeredAt",
            "runningTasksCount",
            "agentConnected",
            "ec2InstanceId",
            "1.5.0",
            "2016-01-01",
            "t2.*",
            "é",
            "😀",
            "\\",
            "0",
            "-",
            "x",
            ":",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = next() % 14;
            let s: String = (0..len).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
            check(&s);
        }
        for junk in [
            "(".repeat(2000),
            ")".repeat(2000),
            "!".repeat(2000),
            "not ".repeat(500),
            "[".repeat(3000),
            "task:group in [".to_owned() + &"a,".repeat(900),
            "attribute:x =~ ".to_owned() + &"(".repeat(900) + &")".repeat(900),
            "attribute:x =~ a{1000}{1000}{1000}".to_owned(),
        ] {
            check(&junk);
        }
    }
}
