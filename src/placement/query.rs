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

use std::cmp::Ordering;
use std::fmt;

use regex::Regex;

/// Longest accepted expression, in characters (the ECS limit).
const MAX_CHARS: usize = 2000;
/// Deepest accepted nesting of parentheses and negations.
const MAX_DEPTH: usize = 64;
/// Longest accepted attribute name, in characters.
const MAX_ATTRIBUTE_NAME: usize = 128;

/// The fixed subjects, for suggestions.
const FIXED_SUBJECTS: [&str; 6] =
    ["agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount", "task:group"];
/// Every subject, for error hints.
const VALID_SUBJECTS: &str = "agentConnected, agentVersion, attribute:<name>, ec2InstanceId, \
registeredAt, runningTasksCount, task:group";

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

/// A node of the expression tree.
#[derive(Debug, Clone)]
enum Node {
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
    fn evaluate(&self, instance: &dyn InstanceFacts) -> bool {
        match self {
            Node::Any(nodes) => nodes.iter().any(|n| n.evaluate(instance)),
            Node::All(nodes) => nodes.iter().all(|n| n.evaluate(instance)),
            Node::Not(node) => !node.evaluate(instance),
            Node::Test(test) => test.evaluate(instance),
        }
    }

    fn is_static(&self) -> bool {
        match self {
            Node::Any(nodes) | Node::All(nodes) => nodes.iter().all(Node::is_static),
            Node::Not(node) => node.is_static(),
            Node::Test(test) => test.subject.is_static(),
        }
    }
}

/// What a condition tests.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    AgentConnected,
    AgentVersion,
    Attribute(String),
    Ec2InstanceId,
    RegisteredAt,
    RunningTasksCount,
    TaskGroup,
}

impl Subject {
    fn supports(&self, op: Op) -> bool {
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

    fn supported(&self) -> &'static str {
        match self {
            Subject::AgentConnected | Subject::Ec2InstanceId => "==, !=, in, not_in, =~, !~",
            Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount => "==, !=, >, >=, <, <=",
            Subject::Attribute(_) | Subject::TaskGroup => "==, !=, exists, !exists, in, not_in, =~, !~",
        }
    }

    fn is_static(&self) -> bool {
        !matches!(self, Subject::RunningTasksCount | Subject::TaskGroup)
    }
}

/// An operator, whichever form it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
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
const OPERATORS: [(&str, Op); 22] = [
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
struct Test {
    subject: Subject,
    negated: bool,
    check: Check,
}

impl Test {
    fn evaluate(&self, instance: &dyn InstanceFacts) -> bool {
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
enum Check {
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
    fn holds(&self, actual: Actual<'_>) -> bool {
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
enum Operand {
    Text(String),
    Bool(bool),
    Version(Vec<u64>),
    Millis(i64),
    Count(u64),
}

/// A typed fact about an instance.
#[derive(Debug, Clone, Copy)]
enum Actual<'a> {
    Text(&'a str),
    Bool(bool),
    Version(&'a [u64]),
    Millis(i64),
    Count(u64),
}

impl<'a> Actual<'a> {
    fn compare(self, operand: &Operand) -> Option<Ordering> {
        match (self, operand) {
            (Actual::Text(a), Operand::Text(b)) => Some(a.cmp(b.as_str())),
            (Actual::Bool(a), Operand::Bool(b)) => Some(a.cmp(b)),
            (Actual::Version(a), Operand::Version(b)) => Some(compare_versions(a, b)),
            (Actual::Millis(a), Operand::Millis(b)) => Some(a.cmp(b)),
            (Actual::Count(a), Operand::Count(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    fn text(self) -> Option<&'a str> {
        match self {
            Actual::Text(t) => Some(t),
            Actual::Bool(true) => Some("true"),
            Actual::Bool(false) => Some("false"),
            _ => None,
        }
    }
}

/// Recursive-descent parser over the expression's characters.
struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.peek_at(0)
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// The characters from `start` to the current position.
    fn text_from(&self, start: usize) -> String {
        self.chars.get(start..self.pos).unwrap_or_default().iter().collect()
    }

    fn scan_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        self.text_from(start)
    }

    /// Describes the text at the current position for an error message.
    fn found(&self) -> String {
        if self.peek().is_none() {
            return "the end of the expression".to_owned();
        }
        let token: String =
            self.chars.get(self.pos..).unwrap_or_default().iter().take_while(|c| !c.is_whitespace()).take(24).collect();
        format!("`{token}`")
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn eat_symbol(&mut self, s: &str) -> bool {
        let found = self.starts_with(s);
        if found {
            self.pos += s.chars().count();
        }
        found
    }

    /// Whether keyword `k` (as a whole word) is at the current position.
    fn keyword_ahead(&self, k: &str) -> bool {
        self.starts_with(k) && !self.peek_at(k.chars().count()).is_some_and(is_word_char)
    }

    fn eat_keyword(&mut self, k: &str) -> bool {
        let found = self.keyword_ahead(k);
        if found {
            self.pos += k.chars().count();
        }
        found
    }

    fn descend(&mut self, at: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::new(
                at + 1,
                format!("the expression nests parentheses and negations more than {MAX_DEPTH} levels deep"),
                "simplify the expression",
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Node, QueryError> {
        let first = self.parse_and()?;
        let mut rest = Vec::new();
        loop {
            self.skip_ws();
            if self.eat_symbol("||") || self.eat_keyword("or") {
                rest.push(self.parse_and()?);
            } else {
                break;
            }
        }
        if rest.is_empty() {
            return Ok(first);
        }
        rest.insert(0, first);
        Ok(Node::Any(rest))
    }

    fn parse_and(&mut self) -> Result<Node, QueryError> {
        let first = self.parse_unary()?;
        let mut rest = Vec::new();
        loop {
            self.skip_ws();
            if self.eat_symbol("&&") || self.eat_keyword("and") {
                rest.push(self.parse_unary()?);
            } else {
                break;
            }
        }
        if rest.is_empty() {
            return Ok(first);
        }
        rest.insert(0, first);
        Ok(Node::All(rest))
    }

    fn parse_unary(&mut self) -> Result<Node, QueryError> {
        self.skip_ws();
        let start = self.pos;
        let negate = if self.peek() == Some('!') {
            self.pos += 1;
            true
        } else {
            self.eat_keyword("not")
        };
        if !negate {
            return self.parse_primary();
        }
        self.descend(start)?;
        let inner = self.parse_unary()?;
        self.depth -= 1;
        Ok(Node::Not(Box::new(inner)))
    }

    fn parse_primary(&mut self) -> Result<Node, QueryError> {
        self.skip_ws();
        let open = self.pos;
        if self.peek() != Some('(') {
            return self.parse_condition();
        }
        self.pos += 1;
        self.descend(open)?;
        let inner = self.parse_or()?;
        self.skip_ws();
        match self.peek() {
            Some(')') => {
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            None => Err(QueryError::new(
                self.pos + 1,
                format!("unclosed `(` opened at column {}", open + 1),
                "add a matching `)`",
            )),
            Some(_) => Err(self.unexpected_after_condition(Some(open))),
        }
    }

    /// The error for unexpected text where `and`, `or`, `)` (inside the `(`
    /// at `open`) or the end of the expression should be.
    fn unexpected_after_condition(&self, open: Option<usize>) -> QueryError {
        let column = self.pos + 1;
        let found = self.found();
        match (self.peek(), open) {
            (Some(')'), None) => QueryError::new(
                column,
                "unmatched `)`: there is no `(` for it to close",
                "remove it, or add the missing `(`",
            ),
            (next, open) => {
                let expected = match open {
                    Some(at) => format!("`)` (to close the `(` at column {})", at + 1),
                    None => "the end of the expression".to_owned(),
                };
                let hint = match next {
                    Some('&') => "write `&&` or `and` to require both conditions",
                    Some('|') => "write `||` or `or` to accept either condition",
                    _ => "join conditions with `and` or `or`; quote values that contain spaces, e.g. 'two words'",
                };
                QueryError::new(column, format!("expected `and`, `or` or {expected}, found {found}"), hint)
            }
        }
    }

    fn parse_condition(&mut self) -> Result<Node, QueryError> {
        let start = self.pos;
        let word = self.scan_while(|c| !is_subject_stop(c));
        if word.is_empty() || word == "and" || word == "or" {
            self.pos = start;
            return Err(QueryError::new(
                start + 1,
                format!("expected a condition, found {}", self.found()),
                "a condition looks like `subject operator value`, e.g. `attribute:ecs.instance-type == t2.micro`",
            ));
        }
        let subject = resolve_subject(&word, start)?;
        self.skip_ws();
        let op_start = self.pos;
        let op_text = self.scan_operator();
        if op_text.is_empty() {
            return Err(QueryError::new(
                op_start + 1,
                format!("expected an operator after `{word}`, found {}", self.found()),
                format!("`{word}` supports {}", subject.supported()),
            ));
        }
        let Some(op) = lookup_operator(&op_text) else {
            let hint = match suggest_operator(&op_text) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("`{word}` supports {}", subject.supported()),
            };
            return Err(QueryError::new(
                op_start + 1,
                format!("unknown operator `{op_text}` (valid operators: {})", all_operators()),
                hint,
            ));
        };
        if !subject.supports(op) {
            return Err(QueryError::new(
                op_start + 1,
                format!("`{word}` does not support `{op_text}`; it supports {}", subject.supported()),
                unsupported_hint(&subject, op),
            ));
        }
        let (check, negated) = match op {
            Op::Exists | Op::NotExists => {
                self.reject_value_after(&op_text)?;
                (Check::Exists, op == Op::NotExists)
            }
            Op::In | Op::NotIn => (Check::In(self.parse_list(&subject, &word, &op_text)?), op == Op::NotIn),
            Op::Matches | Op::NotMatches => {
                let (at, pattern) = self.parse_value(&word, &op_text, true)?;
                (Check::Matches(compile_regex(&pattern, at)?), op == Op::NotMatches)
            }
            Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le => {
                let (at, text) = self.parse_value(&word, &op_text, false)?;
                let operand = typed_operand(&subject, &word, &text, at)?;
                let (want, or_equal) = match op {
                    Op::Gt => (Ordering::Greater, false),
                    Op::Ge => (Ordering::Greater, true),
                    Op::Lt => (Ordering::Less, false),
                    Op::Le => (Ordering::Less, true),
                    _ => (Ordering::Equal, false),
                };
                (Check::Compare { want, or_equal, operand }, op == Op::Ne)
            }
        };
        Ok(Node::Test(Test { subject, negated, check }))
    }

    /// Reads an operator: a run of `=!<>~` (with `!exists`/`!in` joined up)
    /// or a word. Empty when neither is there.
    fn scan_operator(&mut self) -> String {
        match self.peek() {
            Some(c) if is_operator_symbol(c) => {
                let mut op = self.scan_while(is_operator_symbol);
                if op == "!" && self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    op.push_str(&self.scan_while(|c| c.is_alphanumeric() || c == '_'));
                }
                op
            }
            Some(c) if c.is_alphabetic() => self.scan_while(|c| c.is_alphanumeric() || c == '_'),
            _ => String::new(),
        }
    }

    /// After `exists`: only `and`, `or`, `)` or the end may follow.
    fn reject_value_after(&mut self, op_text: &str) -> Result<(), QueryError> {
        self.skip_ws();
        let boundary = self.peek().is_none_or(|c| c == ')')
            || self.starts_with("&&")
            || self.starts_with("||")
            || self.keyword_ahead("and")
            || self.keyword_ahead("or");
        if boundary {
            return Ok(());
        }
        Err(QueryError::new(
            self.pos + 1,
            format!("`{op_text}` takes no value, found {}", self.found()),
            "remove the value; to compare values use `==` or `in [...]`",
        ))
    }

    /// Reads one value after `op_text`; returns its start position and text.
    fn parse_value(&mut self, word: &str, op_text: &str, regex: bool) -> Result<(usize, String), QueryError> {
        self.skip_ws();
        let start = self.pos;
        let text = match self.peek() {
            Some(q @ ('\'' | '"')) => return Ok((start, self.parse_quoted(q)?)),
            Some('[') if !regex => {
                return Err(QueryError::new(
                    start + 1,
                    format!("expected a value after `{op_text}`, found a list"),
                    format!("lists work only with `in` and `not_in`, e.g. `{word} in [a, b]`"),
                ))
            }
            _ if regex => self.scan_regex(),
            _ => self.scan_while(|c| !is_value_stop(c)),
        };
        if text.is_empty() {
            return Err(QueryError::new(
                start + 1,
                format!("expected a value after `{op_text}`, found {}", self.found()),
                format!("write e.g. `{word} {op_text} value`; quote values that contain spaces or brackets"),
            ));
        }
        Ok((start, text))
    }

    /// Reads a quoted value starting at the opening quote `q`.
    fn parse_quoted(&mut self, q: char) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == q {
                let text = self.text_from(start);
                self.pos += 1;
                return Ok(text);
            }
            self.pos += 1;
        }
        Err(QueryError::new(
            open + 1,
            format!("unclosed `{q}` opened at column {}", open + 1),
            format!("end the quoted value with a matching `{q}`"),
        ))
    }

    /// Reads a bare regular expression: up to whitespace or a `)` that
    /// closes no `(` of the pattern (escapes and `[...]` classes respected).
    fn scan_regex(&mut self) -> String {
        let start = self.pos;
        let mut depth = 0usize;
        let mut in_class = false;
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                break;
            }
            if c == '\\' {
                self.pos += 1;
                if self.peek().is_some_and(|c| !c.is_whitespace()) {
                    self.pos += 1;
                }
                continue;
            }
            if in_class {
                in_class = c != ']';
            } else {
                match c {
                    '[' => in_class = true,
                    '(' => depth += 1,
                    ')' if depth == 0 => break,
                    ')' => depth -= 1,
                    _ => {}
                }
            }
            self.pos += 1;
        }
        self.text_from(start)
    }

    /// Reads `[v1, v2, ...]` after `in`/`not_in`.
    fn parse_list(&mut self, subject: &Subject, word: &str, op_text: &str) -> Result<Vec<Operand>, QueryError> {
        self.skip_ws();
        let open = self.pos;
        if self.peek() != Some('[') {
            return Err(QueryError::new(
                open + 1,
                format!("expected a list like `[a, b]` after `{op_text}`, found {}", self.found()),
                format!("write e.g. `{word} {op_text} [value1, value2]`"),
            ));
        }
        self.pos += 1;
        let unclosed = |at: usize| {
            QueryError::new(at + 1, format!("unclosed `[` opened at column {}", open + 1), "end the list with `]`")
        };
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            let start = self.pos;
            let text = match self.peek() {
                None => return Err(unclosed(start)),
                Some(']') if items.is_empty() => {
                    return Err(QueryError::new(
                        start + 1,
                        format!("the list after `{op_text}` is empty"),
                        "put at least one value between `[` and `]`",
                    ))
                }
                Some(q @ ('\'' | '"')) => self.parse_quoted(q)?,
                Some(_) => {
                    let text = self.scan_while(|c| !is_value_stop(c));
                    if text.is_empty() {
                        return Err(QueryError::new(
                            start + 1,
                            format!("expected a value in the list, found {}", self.found()),
                            "separate values with commas, e.g. `[a, b]`, with no trailing comma",
                        ));
                    }
                    text
                }
            };
            items.push(typed_operand(subject, word, &text, start)?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(items);
                }
                None => return Err(unclosed(self.pos)),
                Some(_) => {
                    return Err(QueryError::new(
                        self.pos + 1,
                        format!("expected `,` or `]` in the list, found {}", self.found()),
                        "separate list values with commas; quote values that contain spaces",
                    ))
                }
            }
        }
    }
}

/// Characters that end a subject.
fn is_subject_stop(c: char) -> bool {
    c.is_whitespace() || "()[],=!<>~&|'\"".contains(c)
}

/// Characters that end a bare value.
fn is_value_stop(c: char) -> bool {
    c.is_whitespace() || "()[],".contains(c)
}

/// Characters of symbolic operators.
fn is_operator_symbol(c: char) -> bool {
    "=!<>~".contains(c)
}

/// Characters that continue a word, so `and`/`or`/`not` must not be
/// followed by them to count as keywords.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || "_-.:/\\".contains(c)
}

fn is_attribute_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_/\\.".contains(c)
}

fn lookup_operator(text: &str) -> Option<Op> {
    OPERATORS.iter().find(|(spelling, _)| *spelling == text).map(|(_, op)| *op)
}

fn all_operators() -> String {
    OPERATORS.iter().map(|(spelling, _)| *spelling).collect::<Vec<_>>().join(", ")
}

/// A likely intended operator for an unknown one.
fn suggest_operator(text: &str) -> Option<String> {
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

fn unsupported_hint(subject: &Subject, op: Op) -> String {
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

/// Maps the subject word at `start` to a [`Subject`].
fn resolve_subject(word: &str, start: usize) -> Result<Subject, QueryError> {
    let subject = match word {
        "agentConnected" => Subject::AgentConnected,
        "agentVersion" => Subject::AgentVersion,
        "ec2InstanceId" => Subject::Ec2InstanceId,
        "registeredAt" => Subject::RegisteredAt,
        "runningTasksCount" => Subject::RunningTasksCount,
        "task:group" => Subject::TaskGroup,
        _ => match word.strip_prefix("attribute:") {
            Some(name) => {
                check_attribute_name(name, start + "attribute:".len())?;
                Subject::Attribute(name.to_owned())
            }
            None => return Err(unknown_subject(word, start)),
        },
    };
    Ok(subject)
}

/// Validates an attribute name that starts at position `start`.
fn check_attribute_name(name: &str, start: usize) -> Result<(), QueryError> {
    const RULE: &str = "attribute names are 1-128 ASCII letters, digits, `-`, `_`, `/`, `\\` and `.`";
    if name.is_empty() {
        return Err(QueryError::new(start + 1, "`attribute:` needs a name, e.g. `attribute:ecs.instance-type`", RULE));
    }
    if let Some((i, c)) = name.chars().enumerate().find(|(_, c)| !is_attribute_name_char(*c)) {
        return Err(QueryError::new(
            start + i + 1,
            format!("attribute name `{name}` contains `{c}`, which is not allowed"),
            RULE,
        ));
    }
    let len = name.chars().count();
    if len > MAX_ATTRIBUTE_NAME {
        return Err(QueryError::new(
            start + 1,
            format!("attribute name is {len} characters long; the limit is {MAX_ATTRIBUTE_NAME}"),
            RULE,
        ));
    }
    Ok(())
}

fn unknown_subject(word: &str, start: usize) -> QueryError {
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
fn suggest_subject(word: &str) -> Option<String> {
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
fn edit_distance(a: &str, b: &str) -> usize {
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

/// Types the argument `text` (at position `start`) for `subject`.
fn typed_operand(subject: &Subject, word: &str, text: &str, start: usize) -> Result<Operand, QueryError> {
    let bad = |message: String, hint: &str| Err(QueryError::new(start + 1, message, hint));
    match subject {
        Subject::AgentConnected => match text {
            "true" => Ok(Operand::Bool(true)),
            "false" => Ok(Operand::Bool(false)),
            _ => bad(
                format!("`{word}` compares with `true` or `false`, found `{text}`"),
                "write `agentConnected == true` or `agentConnected == false`",
            ),
        },
        Subject::AgentVersion => match parse_version(text) {
            Some(v) => Ok(Operand::Version(v)),
            None => bad(
                format!("`{word}` needs a version like `1.5.0`, found `{text}`"),
                "a version is dot-separated whole numbers, e.g. `agentVersion >= 1.5.0`",
            ),
        },
        Subject::RegisteredAt => match parse_timestamp(text) {
            Some(ms) => Ok(Operand::Millis(ms)),
            None => bad(
                format!("`{word}` needs a date like `2016-01-01` or `2016-01-01T12:30:00Z`, found `{text}`"),
                "use ISO-8601 `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (UTC, optional `Z`) with a real calendar date",
            ),
        },
        Subject::RunningTasksCount => match text.chars().all(|c| c.is_ascii_digit()).then(|| text.parse::<u64>()) {
            Some(Ok(n)) => Ok(Operand::Count(n)),
            _ => bad(
                format!("`{word}` needs a non-negative whole number, found `{text}`"),
                "write e.g. `runningTasksCount == 0`",
            ),
        },
        Subject::Attribute(_) | Subject::Ec2InstanceId | Subject::TaskGroup => Ok(Operand::Text(text.to_owned())),
    }
}

/// Compiles `pattern` (at position `start`) for whole-value matching.
fn compile_regex(pattern: &str, start: usize) -> Result<Regex, QueryError> {
    let invalid = |e: regex::Error| {
        let detail = e.to_string();
        let reason = detail
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("invalid pattern")
            .trim_start_matches("error: ")
            .to_owned();
        QueryError::new(
            start + 1,
            format!("invalid regular expression `{pattern}`: {reason}"),
            "the pattern must match the whole value, e.g. `t2.*`; quote patterns that contain spaces",
        )
    };
    // Validate the pattern on its own first, so that text such as `a)|(b`
    // cannot escape the anchoring group below.
    Regex::new(pattern).map_err(invalid)?;
    Regex::new(&format!("^(?:{pattern})$")).map_err(invalid)
}

/// Parses a version: one or more dot-separated decimal integers, with an
/// optional leading `v`.
fn parse_version(text: &str) -> Option<Vec<u64>> {
    let text = text.strip_prefix('v').unwrap_or(text);
    text.split('.')
        .map(|part| if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None })
        .collect()
}

/// Compares versions component by component; missing components count as 0.
fn compare_versions(a: &[u64], b: &[u64]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[Z]` (UTC) to Unix milliseconds.
fn parse_timestamp(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = fixed_digits(parts.next()?, 4)?;
    let month = fixed_digits(parts.next()?, 2)?;
    let day = fixed_digits(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let seconds = match time {
        None => 0,
        Some(time) => {
            let time = time.strip_suffix('Z').unwrap_or(time);
            let mut parts = time.split(':');
            let hour = fixed_digits(parts.next()?, 2)?;
            let minute = fixed_digits(parts.next()?, 2)?;
            let second = fixed_digits(parts.next()?, 2)?;
            if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
                return None;
            }
            i64::from(hour * 3600 + minute * 60 + second)
        }
    };
    let days = days_from_civil(i64::from(year), month, day);
    Some((days * 86_400 + seconds) * 1000)
}

/// `part` as a number when it is exactly `len` ASCII digits.
fn fixed_digits(part: &str, len: usize) -> Option<u32> {
    if part.len() == len && part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let month = i64::from(month);
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A container instance for tests.
    struct Instance {
        attributes: Vec<(&'static str, &'static str)>,
        id: &'static str,
        connected: bool,
        version: &'static str,
        registered_ms: i64,
        tasks: u32,
        groups: Vec<&'static str>,
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

    const JAN_1_2016_MS: i64 = 1_451_606_400_000;

    /// t2.micro in us-east-1a, running two `service:web` tasks and one
    /// `database` task, registered 2016-06-01.
    fn sample() -> Instance {
        Instance {
            attributes: vec![
                ("ecs.instance-type", "t2.micro"),
                ("ecs.availability-zone", "us-east-1a"),
                ("stack", "prod"),
            ],
            id: "i-abcd1234",
            connected: true,
            version: "1.5.0",
            registered_ms: parse_timestamp("2016-06-01").unwrap_or_default(),
            tasks: 3,
            groups: vec!["service:web", "database"],
        }
    }

    /// An idle m4.large in us-east-1d with a disconnected old agent.
    fn idle() -> Instance {
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

    fn parse(source: &str) -> Expression {
        Expression::parse(source).unwrap_or_else(|e| panic!("`{source}` should parse: {e}"))
    }

    fn eval(source: &str, instance: &Instance) -> bool {
        parse(source).evaluate(instance)
    }

    fn err(source: &str) -> QueryError {
        match Expression::parse(source) {
            Ok(e) => panic!("`{source}` should not parse, got {e:?}"),
            Err(e) => e,
        }
    }

    fn assert_all(cases: &[(&str, bool)], instance: &Instance) {
        for (source, expected) in cases {
            assert_eq!(eval(source, instance), *expected, "{source}");
        }
    }

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
    fn versions_compare_numerically() {
        let mut i = sample();
        i.version = "1.10.0";
        assert_all(
            &[
                ("agentVersion > 1.9.2", true),
                ("agentVersion >= 1.10", true),
                ("agentVersion == 1.10.0.0", true),
                ("agentVersion < 1.10.1", true),
                ("agentVersion <= 1.9.99", false),
                ("agentVersion != 1.10.0", false),
            ],
            &i,
        );
        assert_eq!(parse_version("v2.0.1"), Some(vec![2, 0, 1]));
        assert_eq!(parse_version("1.5.0-beta"), None);
        i.version = "unknown";
        assert_all(&[("agentVersion >= 0.0.0", false), ("agentVersion != 1.0", true)], &i);
    }

    #[test]
    fn registered_at_converts_dates_to_unix_ms() {
        assert_eq!(parse_timestamp("2016-01-01"), Some(JAN_1_2016_MS));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2016-01-01T01:02:03"), Some(JAN_1_2016_MS + 3_723_000));
        assert_eq!(parse_timestamp("2000-03-01"), Some(951_868_800_000));
        assert_eq!(parse_timestamp("1969-12-31"), Some(-86_400_000));
        assert!(parse_timestamp("2016-02-29").is_some());
        for bad in [
            "2015-02-29",
            "1900-02-29",
            "2016-13-01",
            "2016-1-01",
            "2016-01-01T24:00:00",
            "2016-01-01T12:00",
            "2016-01-01Z",
            "2016-01-01T00:00:00+01:00",
            "20é6-01-01",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        let mut i = sample();
        i.registered_ms = JAN_1_2016_MS;
        assert_all(
            &[
                ("registeredAt == 2016-01-01", true),
                ("registeredAt > 2016-01-01", false),
                ("registeredAt < 2016-01-01T00:00:01Z", true),
                ("registeredAt <= 2015-12-31T23:59:59", false),
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
    fn error_unsupported_operator_names_subject() {
        let e = err("runningTasksCount =~ 1");
        assert_eq!(e.column, 19);
        assert_eq!(e.message, "`runningTasksCount` does not support `=~`; it supports ==, !=, >, >=, <, <=");
        let e = err("attribute:stack > 1");
        assert!(e.message.contains("it supports ==, !=, exists, !exists, in, not_in, =~, !~"), "{e}");
        let e = err("agentConnected exists");
        assert!(e.message.contains("it supports ==, !=, in, not_in, =~, !~"), "{e}");
        assert!(err("task:group < x").message.contains("`task:group` does not support `<`"));
        assert!(err("agentVersion in [1.0]").message.contains("does not support `in`"));
        assert!(err("ec2InstanceId greater_than i-1").message.contains("does not support `greater_than`"));
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
    fn error_unclosed_and_unmatched_brackets() {
        let e = err("not (task:group == database");
        assert_eq!(e.message, "unclosed `(` opened at column 5");
        let e = err("(a == b or (task:group == x)");
        assert!(e.message.contains("unknown subject `a`"), "{e}");
        let e = err("(task:group == x or (task:group == y)");
        assert_eq!(e.message, "unclosed `(` opened at column 1");
        let e = err("task:group == x)");
        assert_eq!(e.column, 16);
        assert!(e.message.contains("unmatched `)`"), "{e}");
        let e = err("task:group in [a, b");
        assert!(e.message.contains("unclosed `[` opened at column 15"), "{e}");
        let e = err("task:group == 'abc");
        assert_eq!(e.message, "unclosed `'` opened at column 15");
        assert!(err("task:group in [a b]").message.contains("expected `,` or `]`"));
        assert!(err("task:group in [a,]").message.contains("expected a value in the list"));
        assert!(err("task:group in []").message.contains("is empty"));
        assert!(err("task:group in a").message.contains("expected a list"));
        assert!(err("()").message.contains("expected a condition"));
        let e = err("(task:group == x task:group == y)");
        assert!(e.message.contains("expected `and`, `or` or `)`"), "{e}");
    }

    #[test]
    fn error_missing_or_bad_values() {
        let e = err("task:group ==");
        assert_eq!(e.column, 14);
        assert!(e.message.starts_with("expected a value after `==`"), "{e}");
        assert!(err("(task:group == )").message.starts_with("expected a value after `==`"));
        assert!(err("task:group == [a]").hint.contains("only with `in`"));
        assert!(err("agentVersion >= 1.x").message.contains("needs a version like `1.5.0`"));
        assert!(err("runningTasksCount > -1").message.contains("non-negative whole number"));
        assert!(err("runningTasksCount > 1.5").message.contains("non-negative whole number"));
        assert!(err("registeredAt > 2016-02-30").message.contains("needs a date"));
        assert!(err("agentConnected == yes").message.contains("`true` or `false`"));
        let e = err("attribute:x =~ t2.(");
        assert_eq!(e.column, 16);
        assert!(e.message.contains("invalid regular expression `t2.(`"), "{e}");
        assert!(err("attribute:stack exists prod").message.contains("takes no value"));
        assert!(err("task:group == a task:group == b").message.contains("expected `and`, `or` or the end"));
        assert!(err("task:group == a & task:group == b").hint.contains("`&&`"));
        assert!(err("").message.contains("empty"));
        assert!(err("   ").message.contains("empty"));
        assert!(err("task:group == a and").message.contains("expected a condition"));
        assert!(err("and task:group == a").message.contains("expected a condition, found `and`"));
    }

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

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("atribute", "attribute"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }
}
