//! The bulk-load path: `INSERT INTO t [(cols)] VALUES (...), ...` whose values are all plain
//! literals is read by a small scanner instead of the full SQL parser, which spends most of a
//! large load building syntax trees and decimal numbers. Anything else (expressions, casts,
//! comments, ON CONFLICT, RETURNING) returns `None` and takes the ordinary path.

use crate::types::Value;

/// A literal-only INSERT as read: each value is what its literal evaluates to before coercion
/// to the column type (a quoted string is untyped text, a number int4, int8 or numeric).
#[derive(Clone, Debug, PartialEq)]
pub struct LiteralInsert {
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// `(row, value)` positions written `DEFAULT` (their value in `rows` is NULL).
    pub defaults: Vec<(usize, usize)>,
}

struct Scanner<'a> {
    text: &'a str,
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

    /// `name` or `public.name`; a name in another schema takes the general path.
    fn object_name(&mut self) -> Option<String> {
        let first = self.ident()?;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            return (first == "public").then(|| self.ident()).flatten();
        }
        Some(first)
    }

    /// A quoted string, called at the opening quote; `''` stands for one quote.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        // Most strings hold no quote: one allocation of the right size.
        let rest = self.s.get(self.pos..)?;
        let close = self.pos + rest.iter().position(|&c| c == b'\'')?;
        if self.s.get(close + 1) != Some(&b'\'') {
            let text = self.text.get(self.pos..close)?.to_owned();
            self.pos = close + 1;
            return Some(text);
        }
        let mut out = String::new();
        loop {
            let rest = self.s.get(self.pos..)?;
            let close = self.pos + rest.iter().position(|&c| c == b'\'')?;
            // Quotes are ASCII, so both ends are character boundaries of the UTF-8 text.
            out.push_str(self.text.get(self.pos..close)?);
            self.pos = close + 1;
            if self.peek() != Some(b'\'') {
                return Some(out);
            }
            out.push('\'');
            self.pos += 1;
        }
    }

    /// A numeric constant: integers that fit in int8 are read here without allocating;
    /// decimals, exponents and larger integers keep their text for the numeric parser.
    fn number(&mut self) -> Option<Value> {
        if let Some(v) = self.small_int() {
            return Some(v);
        }
        let start = self.pos;
        let sign = self.peek().filter(|c| matches!(c, b'-' | b'+'));
        if sign.is_some() {
            self.pos += 1;
            self.skip_ws();
        }
        let digits_start = self.pos;
        let mut int: Option<i64> = Some(0);
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            int = int
                .and_then(|i| i.checked_mul(10))
                .and_then(|i| i.checked_sub((d - b'0') as i64));
            self.pos += 1;
        }
        let int_digits = self.pos - digits_start;
        let mut digits = int_digits;
        let mut fraction = false;
        if self.peek() == Some(b'.') {
            fraction = true;
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
                digits += 1;
            }
        }
        if digits == 0 {
            return None;
        }
        let mut exponent = false;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            exponent = true;
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
        // Accumulated negatively so that i64::MIN fits; `+5` is numeric in PostgreSQL's eyes.
        if !fraction && !exponent && sign != Some(b'+') {
            let value = if sign == Some(b'-') {
                int
            } else {
                int.and_then(i64::checked_neg)
            };
            if let Some(v) = value {
                return Some(match i32::try_from(v) {
                    Ok(i) => Value::Int4(i),
                    Err(_) => Value::Int8(v),
                });
            }
        }
        let body = self.text.get(digits_start..self.pos)?;
        let text = match self.s.get(start) {
            Some(b'-') => format!("-{body}"),
            _ => body.to_string(),
        };
        // A number the numeric type refuses is left to the parser, which reports it.
        crate::sql::eval::number_literal(&text).ok()
    }

    /// The common case of `number`: up to nine digits, unsigned, followed by a delimiter; an
    /// int4 read with no overflow checks. Anything else leaves the position unchanged.
    #[inline]
    fn small_int(&mut self) -> Option<Value> {
        let rest = self.s.get(self.pos..)?;
        let digits = rest
            .iter()
            .take(10)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 9 {
            return None;
        }
        match rest.get(digits) {
            Some(b',' | b')') => {}
            Some(c) if c.is_ascii_whitespace() => {}
            _ => return None,
        }
        let value = rest[..digits]
            .iter()
            .fold(0i32, |n, &d| n * 10 + (d - b'0') as i32);
        self.pos += digits;
        Some(Value::Int4(value))
    }

    /// Reads one literal and pushes its value onto `row` (a NULL for DEFAULT, which returns
    /// `Some(true)`). Values go straight into the row: moving them through enums costs more
    /// than the scan on a large load.
    fn literal_into(&mut self, row: &mut Vec<Value>) -> Option<bool> {
        self.skip_ws();
        let mut default = false;
        match self.peek()? {
            b'\'' => row.push(Value::Text(self.string()?)),
            c if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => row.push(self.number()?),
            _ => match self.word()?.as_str() {
                "null" => row.push(Value::Null),
                "true" => row.push(Value::Bool(true)),
                "false" => row.push(Value::Bool(false)),
                "default" => {
                    default = true;
                    row.push(Value::Null);
                }
                _ => return None,
            },
        }
        // Only `,` or `)` may follow: `'x'::date`, `1 + 2`, `'a' || 'b'` take the full parser.
        self.skip_ws();
        matches!(self.peek(), Some(b',' | b')')).then_some(default)
    }

    /// One parenthesised row (number `n`); `width` (the previous row's) sizes it up front.
    /// DEFAULT cells are NULL in the row and listed in `defaults`.
    fn row(
        &mut self,
        n: usize,
        width: usize,
        defaults: &mut Vec<(usize, usize)>,
    ) -> Option<Vec<Value>> {
        if !self.eat(b'(') {
            return None;
        }
        let mut row = Vec::with_capacity(width);
        loop {
            if self.literal_into(&mut row)? {
                defaults.push((n, row.len() - 1));
            }
            if !self.eat(b',') {
                break;
            }
        }
        self.eat(b')').then_some(row)
    }
}

/// Reads `sql` as a literal-only multi-row INSERT, or `None` if it is anything else.
pub fn parse(sql: &str) -> Option<LiteralInsert> {
    let mut sc = Scanner {
        text: sql,
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
    let mut defaults = Vec::new();
    let first = sc.row(0, 1, &mut defaults)?;
    let width = first.len();
    let mut rows = vec![first];
    while sc.eat(b',') {
        rows.push(sc.row(rows.len(), width, &mut defaults)?);
    }
    sc.eat(b';');
    sc.skip_ws();
    (sc.pos == sc.s.len()).then_some(LiteralInsert {
        table,
        columns,
        rows,
        defaults,
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
                    vec![Value::Int4(1), Value::Text("it's".into())],
                    vec![Value::Numeric((-2500).into()), Value::Null],
                    vec![Value::Null, Value::Bool(true)],
                ],
                defaults: vec![(2, 0)],
            })
        );
    }

    #[test]
    fn reads_integers_of_every_width() {
        let ins = parse("INSERT INTO t VALUES (999999999, 1000000000, 2147483648, 007, 5 ,-3)");
        assert_eq!(
            ins.map(|i| i.rows),
            Some(vec![vec![
                Value::Int4(999_999_999),
                Value::Int4(1_000_000_000),
                Value::Int8(2_147_483_648),
                Value::Int4(7),
                Value::Int4(5),
                Value::Int4(-3),
            ]])
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
