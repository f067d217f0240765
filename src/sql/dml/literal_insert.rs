//! The bulk-load path: `INSERT INTO t [(cols)] VALUES (...), ...` whose values are all plain
//! literals is read by a small scanner instead of the full SQL parser, which spends most of a
//! large load building syntax trees and decimal numbers. Anything else (expressions, casts,
//! comments, ON CONFLICT, RETURNING) returns `None` and takes the ordinary path.

use crate::types::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Default,
    Bool(bool),
    /// An integer constant that fits in int4/int8, already read.
    Int(i64),
    /// The number as written (sign included); typed like PostgreSQL's numeric constants.
    Number(String),
    /// A quoted string: an untyped literal, coerced to its column's type.
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct LiteralInsert {
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Literal>>,
}

impl Literal {
    /// The value this literal evaluates to before coercion (`DEFAULT` is the caller's).
    pub fn into_value(self) -> crate::error::PgResult<Value> {
        Ok(match self {
            Literal::Null | Literal::Default => Value::Null,
            Literal::Bool(b) => Value::Bool(b),
            Literal::Int(i) => match i32::try_from(i) {
                Ok(i) => Value::Int4(i),
                Err(_) => Value::Int8(i),
            },
            Literal::Number(n) => crate::sql::eval::number_literal(&n)?,
            Literal::Text(s) => Value::Text(s),
        })
    }
}

struct Scanner<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn skip_ws(&mut self) {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A bare word (keyword or unquoted identifier), lower-cased.
    fn word(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
        {
            self.pos += 1;
        }
        let w = self.s.get(start..self.pos)?;
        if w.is_empty() || w[0].is_ascii_digit() || w[0] == b'$' {
            return None;
        }
        Some(String::from_utf8_lossy(w).to_ascii_lowercase())
    }

    fn keyword(&mut self, kw: &str) -> bool {
        let save = self.pos;
        if self.word().as_deref() == Some(kw) {
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// An identifier: unquoted (folded to lower case) or double-quoted (kept as written).
    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        if self.peek() == Some(b'"') {
            self.pos += 1;
            let mut out = Vec::new();
            loop {
                match self.peek()? {
                    b'"' if self.s.get(self.pos + 1) == Some(&b'"') => {
                        out.push(b'"');
                        self.pos += 2;
                    }
                    b'"' => {
                        self.pos += 1;
                        break;
                    }
                    c => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
            return String::from_utf8(out).ok().filter(|s| !s.is_empty());
        }
        self.word()
    }

    /// `name` or `schema.name` (the schema is dropped: everything lives in `public`).
    fn object_name(&mut self) -> Option<String> {
        let first = self.ident()?;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            return (first == "public").then(|| self.ident()).flatten();
        }
        Some(first)
    }

    fn string(&mut self) -> Option<String> {
        // Called at the opening quote.
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek()? {
                b'\'' if self.s.get(self.pos + 1) == Some(&b'\'') => {
                    out.push(b'\'');
                    self.pos += 2;
                }
                b'\'' => {
                    self.pos += 1;
                    break;
                }
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out).ok()
    }

    fn number(&mut self) -> Option<String> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.pos += 1;
            self.skip_ws();
        }
        let digits_start = self.pos;
        let mut digits = 0;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            digits += 1;
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
                digits += 1;
            }
        }
        if digits == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'-' | b'+')) {
                self.pos += 1;
            }
            let exp_start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            if self.pos == exp_start {
                return None;
            }
        }
        // A letter or quote straight after a number is not a literal we understand.
        if self
            .peek()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'\'')
        {
            return None;
        }
        let sign = match self.s.get(start) {
            Some(b'-') => "-",
            _ => "",
        };
        let body = std::str::from_utf8(self.s.get(digits_start..self.pos)?).ok()?;
        Some(format!("{sign}{body}"))
    }

    fn literal(&mut self) -> Option<Literal> {
        self.skip_ws();
        let lit = match self.peek()? {
            b'\'' => Literal::Text(self.string()?),
            c if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => {
                let text = self.number()?;
                match text.parse::<i64>() {
                    Ok(i) if !text.starts_with('+') => Literal::Int(i),
                    _ => Literal::Number(text),
                }
            }
            _ => match self.word()?.as_str() {
                "null" => Literal::Null,
                "default" => Literal::Default,
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                _ => return None,
            },
        };
        // Only `,` or `)` may follow: `'x'::date`, `1 + 2`, `'a' || 'b'` take the full parser.
        self.skip_ws();
        matches!(self.peek(), Some(b',' | b')')).then_some(lit)
    }

    fn row(&mut self) -> Option<Vec<Literal>> {
        if !self.eat(b'(') {
            return None;
        }
        let mut row = vec![self.literal()?];
        while self.eat(b',') {
            row.push(self.literal()?);
        }
        self.eat(b')').then_some(row)
    }
}

/// Reads `sql` as a literal-only multi-row INSERT, or `None` if it is anything else.
pub fn parse(sql: &str) -> Option<LiteralInsert> {
    let mut sc = Scanner {
        s: sql.as_bytes(),
        pos: 0,
    };
    if !sc.keyword("insert") || !sc.keyword("into") {
        return None;
    }
    let table = sc.object_name()?;
    let mut columns = Vec::new();
    if sc.eat(b'(') {
        columns.push(sc.ident()?);
        while sc.eat(b',') {
            columns.push(sc.ident()?);
        }
        if !sc.eat(b')') {
            return None;
        }
    }
    if !sc.keyword("values") {
        return None;
    }
    let mut rows = vec![sc.row()?];
    while sc.eat(b',') {
        rows.push(sc.row()?);
    }
    sc.eat(b';');
    sc.skip_ws();
    (sc.pos == sc.s.len()).then_some(LiteralInsert {
        table,
        columns,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_literal_rows() {
        let ins = parse(
            "insert INTO public.\"Demo\" (id, \"Name\") VALUES (1, 'it''s'), (-2.5e3, NULL), (DEFAULT, true);",
        );
        assert_eq!(
            ins,
            Some(LiteralInsert {
                table: "Demo".into(),
                columns: vec!["id".into(), "Name".into()],
                rows: vec![
                    vec![Literal::Int(1), Literal::Text("it's".into())],
                    vec![Literal::Number("-2.5e3".into()), Literal::Null],
                    vec![Literal::Default, Literal::Bool(true)],
                ],
            })
        );
    }

    #[test]
    fn leaves_everything_else_to_the_parser() {
        for sql in [
            "INSERT INTO t VALUES (1 + 2)",
            "INSERT INTO t VALUES ('2024-01-01'::date)",
            "INSERT INTO t VALUES (now())",
            "INSERT INTO t VALUES (1) RETURNING *",
            "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
            "INSERT INTO t SELECT 1",
            "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)",
            "INSERT INTO t VALUES (1) -- comment",
            "INSERT INTO t VALUES (E'x')",
            "INSERT INTO t VALUES (1x)",
            "INSERT INTO t VALUES ('unterminated)",
            "INSERT INTO other.t VALUES (1)",
            "INSERT INTO t VALUES",
            "INSERT INTO t (a VALUES (1)",
            "UPDATE t SET a = 1",
        ] {
            assert_eq!(parse(sql), None, "{sql}");
        }
    }
}
