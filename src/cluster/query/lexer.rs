//! Character-level scanning: the parser's cursor over the expression's
//! characters, what it reads (symbols, keywords, quoted values, bare
//! patterns), and the character classes that end subjects, values and
//! operators.

use super::QueryError;

/// Recursive-descent parser over the expression's characters: the cursor
/// scanned here, and the grammar in `parser`.
pub(super) struct Parser {
    /// The expression.
    pub(super) chars: Vec<char>,
    /// The next character to read.
    pub(super) pos: usize,
    /// Current nesting of parentheses and negations.
    pub(super) depth: usize,
}

impl Parser {
    pub(super) fn peek(&self) -> Option<char> {
        self.peek_at(0)
    }

    pub(super) fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    pub(super) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// The characters from `start` to the current position.
    pub(super) fn text_from(&self, start: usize) -> String {
        self.chars.get(start..self.pos).unwrap_or_default().iter().collect()
    }

    pub(super) fn scan_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        self.text_from(start)
    }

    /// Describes the text at the current position for an error message.
    pub(super) fn found(&self) -> String {
        if self.peek().is_none() {
            return "the end of the expression".to_owned();
        }
        let token: String =
            self.chars.get(self.pos..).unwrap_or_default().iter().take_while(|c| !c.is_whitespace()).take(24).collect();
        format!("`{token}`")
    }

    pub(super) fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek_at(i) == Some(c))
    }

    pub(super) fn eat_symbol(&mut self, s: &str) -> bool {
        let found = self.starts_with(s);
        if found {
            self.pos += s.chars().count();
        }
        found
    }

    /// Whether keyword `k` (as a whole word) is at the current position.
    pub(super) fn keyword_ahead(&self, k: &str) -> bool {
        self.starts_with(k) && !self.peek_at(k.chars().count()).is_some_and(is_word_char)
    }

    pub(super) fn eat_keyword(&mut self, k: &str) -> bool {
        let found = self.keyword_ahead(k);
        if found {
            self.pos += k.chars().count();
        }
        found
    }

    /// Reads an operator: a run of `=!<>~` (with `!exists`/`!in` joined up)
    /// or a word. Empty when neither is there.
    pub(super) fn scan_operator(&mut self) -> String {
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

    /// Reads a quoted value starting at the opening quote `q`.
    pub(super) fn parse_quoted(&mut self, q: char) -> Result<String, QueryError> {
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
    pub(super) fn scan_regex(&mut self) -> String {
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
}

/// Characters that end a subject.
pub(super) fn is_subject_stop(c: char) -> bool {
    c.is_whitespace() || "()[],=!<>~&|'\"".contains(c)
}

/// Characters that end a bare value.
pub(super) fn is_value_stop(c: char) -> bool {
    c.is_whitespace() || "()[],".contains(c)
}

/// Characters of symbolic operators.
pub(super) fn is_operator_symbol(c: char) -> bool {
    "=!<>~".contains(c)
}

/// Characters that continue a word, so `and`/`or`/`not` must not be
/// followed by them to count as keywords.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || "_-.:/\\".contains(c)
}

pub(super) fn is_attribute_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_/\\.".contains(c)
}
