//! Recursive-descent parsing of the grammar in the module documentation:
//! conditions, `and`/`or`/`not`, parentheses, and the typing of arguments.

use std::cmp::Ordering;

use regex::Regex;

use super::diagnostics::{all_operators, suggest_operator, unknown_subject, unsupported_hint};
use super::eval::{Check, Node, Op, Operand, Subject, Test, OPERATORS};
use super::lexer::{is_attribute_name_char, is_subject_stop, is_value_stop, Parser};
use super::values::{parse_timestamp, parse_version};
use super::{QueryError, MAX_ATTRIBUTE_NAME, MAX_DEPTH};

impl Parser {
    pub(super) fn descend(&mut self, at: usize) -> Result<(), QueryError> {
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

    pub(super) fn parse_or(&mut self) -> Result<Node, QueryError> {
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

    pub(super) fn parse_and(&mut self) -> Result<Node, QueryError> {
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

    pub(super) fn parse_unary(&mut self) -> Result<Node, QueryError> {
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

    pub(super) fn parse_primary(&mut self) -> Result<Node, QueryError> {
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
    pub(super) fn unexpected_after_condition(&self, open: Option<usize>) -> QueryError {
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

    pub(super) fn parse_condition(&mut self) -> Result<Node, QueryError> {
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

    /// After `exists`: only `and`, `or`, `)` or the end may follow.
    pub(super) fn reject_value_after(&mut self, op_text: &str) -> Result<(), QueryError> {
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
    pub(super) fn parse_value(
        &mut self,
        word: &str,
        op_text: &str,
        regex: bool,
    ) -> Result<(usize, String), QueryError> {
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

    /// Reads `[v1, v2, ...]` after `in`/`not_in`.
    pub(super) fn parse_list(
        &mut self,
        subject: &Subject,
        word: &str,
        op_text: &str,
    ) -> Result<Vec<Operand>, QueryError> {
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

pub(super) fn lookup_operator(text: &str) -> Option<Op> {
    OPERATORS.iter().find(|(spelling, _)| *spelling == text).map(|(_, op)| *op)
}

/// Maps the subject word at `start` to a [`Subject`].
pub(super) fn resolve_subject(word: &str, start: usize) -> Result<Subject, QueryError> {
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
pub(super) fn check_attribute_name(name: &str, start: usize) -> Result<(), QueryError> {
    pub(super) const RULE: &str = "attribute names are 1-128 ASCII letters, digits, `-`, `_`, `/`, `\\` and `.`";
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

/// Types the argument `text` (at position `start`) for `subject`.
pub(super) fn typed_operand(subject: &Subject, word: &str, text: &str, start: usize) -> Result<Operand, QueryError> {
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
pub(super) fn compile_regex(pattern: &str, start: usize) -> Result<Regex, QueryError> {
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

#[cfg(test)]
mod tests {
    use crate::cluster::query::test_support::*;

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
}
