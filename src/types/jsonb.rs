//! PostgreSQL's json text reader (with its error details) and the jsonb value: objects keep
//! one value per key in jsonb's storage order (shorter keys first, then bytewise), numbers
//! keep their numeric text, and values order as jsonb's btree operator class orders them.

use crate::error::{PgError, PgResult};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::str::FromStr;

/// One jsonb value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Jsonb {
    Null,
    Bool(bool),
    /// The number as numeric's output prints it (`1.50`, `1000` for `1e3`).
    Number(String),
    String(String),
    Array(Vec<Jsonb>),
    /// Pairs in storage order, keys unique.
    Object(Vec<(String, Jsonb)>),
}

/// jsonb's key order: shorter keys first, equal lengths bytewise.
pub fn key_order(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Jsonb {
    /// Reads json text as jsonb input does.
    pub fn parse(text: &str) -> PgResult<Jsonb> {
        let mut p = Parser::new(text);
        let v = p.document()?;
        Ok(v)
    }

    /// An object from pairs in any order: duplicate keys keep the last value.
    pub fn object(pairs: Vec<(String, Jsonb)>) -> Jsonb {
        let mut out: Vec<(String, Jsonb)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match out.binary_search_by(|(x, _)| key_order(x, &k)) {
                Ok(i) => out[i].1 = v,
                Err(i) => out.insert(i, (k, v)),
            }
        }
        Jsonb::Object(out)
    }

    /// A number from numeric text, normalised as numeric input does (`1e3` → `1000`).
    pub fn number(text: &str) -> Jsonb {
        Jsonb::Number(normalize_number(text))
    }

    /// The value's text as jsonb output writes it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Jsonb::Null => out.push_str("null"),
            Jsonb::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Jsonb::Number(n) => out.push_str(n),
            Jsonb::String(s) => quote_into(s, out),
            Jsonb::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Jsonb::Object(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quote_into(k, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// jsonb_pretty's layout: one member per line, four spaces per level.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    fn write_pretty(&self, out: &mut String, level: usize) {
        let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n("    ", n));
        match self {
            Jsonb::Array(items) if !items.is_empty() => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    pad(out, level + 1);
                    v.write_pretty(out, level + 1);
                }
                out.push('\n');
                pad(out, level);
                out.push(']');
            }
            Jsonb::Object(pairs) if !pairs.is_empty() => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    pad(out, level + 1);
                    quote_into(k, out);
                    out.push_str(": ");
                    v.write_pretty(out, level + 1);
                }
                out.push('\n');
                pad(out, level);
                out.push('}');
            }
            other => other.write(out),
        }
    }

    /// The name jsonb_typeof gives the value's kind.
    pub fn type_name(&self) -> &'static str {
        match self {
            Jsonb::Null => "null",
            Jsonb::Bool(_) => "boolean",
            Jsonb::Number(_) => "number",
            Jsonb::String(_) => "string",
            Jsonb::Array(_) => "array",
            Jsonb::Object(_) => "object",
        }
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self, Jsonb::Array(_) | Jsonb::Object(_))
    }

    /// An object's value for `key`.
    pub fn get(&self, key: &str) -> Option<&Jsonb> {
        match self {
            Jsonb::Object(pairs) => pairs
                .binary_search_by(|(k, _)| key_order(k, key))
                .ok()
                .and_then(|i| pairs.get(i))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// An array's element at `index`, counting from the end when negative.
    pub fn element(&self, index: i64) -> Option<&Jsonb> {
        match self {
            Jsonb::Array(items) => {
                let i = if index < 0 {
                    items.len() as i64 + index
                } else {
                    index
                };
                usize::try_from(i).ok().and_then(|i| items.get(i))
            }
            _ => None,
        }
    }

    /// The text `->>` gives: strings unquoted, JSON null as SQL NULL.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Jsonb::Null => None,
            Jsonb::String(s) => Some(s.clone()),
            other => Some(other.to_text()),
        }
    }

    fn rank(&self) -> u8 {
        // jsonb's type order: null < string < number < boolean < array < object.
        match self {
            Jsonb::Null => 0,
            Jsonb::String(_) => 1,
            Jsonb::Number(_) => 2,
            Jsonb::Bool(_) => 3,
            Jsonb::Array(_) => 4,
            Jsonb::Object(_) => 5,
        }
    }

    /// jsonb's btree order. A top-level scalar is stored as a one-element array, so an empty
    /// array sorts before every scalar and a scalar before a one-element array.
    pub fn total_cmp(&self, other: &Jsonb) -> Ordering {
        let count = |v: &Jsonb| match v {
            Jsonb::Array(items) => Some(items.len()),
            Jsonb::Object(_) => None,
            _ => Some(1),
        };
        match (count(self), count(other)) {
            (Some(a), Some(b)) if a != b => a.cmp(&b),
            (Some(_), Some(_)) => match (self.is_scalar(), other.is_scalar()) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => self.nested_cmp(other),
            },
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => self.nested_cmp(other),
        }
    }

    fn nested_cmp(&self, other: &Jsonb) -> Ordering {
        match (self, other) {
            (Jsonb::Null, Jsonb::Null) => Ordering::Equal,
            (Jsonb::Bool(a), Jsonb::Bool(b)) => a.cmp(b),
            (Jsonb::Number(a), Jsonb::Number(b)) => number_cmp(a, b),
            (Jsonb::String(a), Jsonb::String(b)) => a.cmp(b),
            (Jsonb::Array(a), Jsonb::Array(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| x.nested_cmp(y))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (Jsonb::Object(a), Jsonb::Object(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|((ka, va), (kb, vb))| ka.cmp(kb).then_with(|| va.nested_cmp(vb)))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    /// A text equal for equal values (numbers compared by value), for grouping and hashing.
    pub fn canonical(&self) -> String {
        match self {
            Jsonb::Number(n) => match Decimal::from_str(n) {
                Ok(d) => d.normalize().to_string(),
                Err(_) => n.clone(),
            },
            Jsonb::Array(items) => {
                let parts: Vec<String> = items.iter().map(Jsonb::canonical).collect();
                format!("[{}]", parts.join(","))
            }
            Jsonb::Object(pairs) => {
                let parts: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}:{}", quote(k), v.canonical()))
                    .collect();
                format!("{{{}}}", parts.join(","))
            }
            other => other.to_text(),
        }
    }

    /// `@>`: whether `self` contains `other` (PostgreSQL's JsonbDeepContains, with a top-level
    /// array containing a bare scalar).
    pub fn contains(&self, other: &Jsonb) -> bool {
        match (self, other) {
            (Jsonb::Array(_), s) if s.is_scalar() => self.contains(&Jsonb::Array(vec![s.clone()])),
            (a, b) if a.is_scalar() && b.is_scalar() => a.nested_cmp(b).is_eq(),
            (Jsonb::Object(_), Jsonb::Object(want)) => want.iter().all(|(k, wv)| {
                self.get(k).is_some_and(|hv| match (hv, wv) {
                    (h, w) if w.is_scalar() => h.is_scalar() && h.nested_cmp(w).is_eq(),
                    (Jsonb::Object(_), Jsonb::Object(_)) | (Jsonb::Array(_), Jsonb::Array(_)) => {
                        hv.deep_contains(wv)
                    }
                    _ => false,
                })
            }),
            (Jsonb::Array(have), Jsonb::Array(want)) => want.iter().all(|w| {
                have.iter().any(|h| match (h, w) {
                    (h, w) if w.is_scalar() => h.is_scalar() && h.nested_cmp(w).is_eq(),
                    (Jsonb::Object(_), Jsonb::Object(_)) | (Jsonb::Array(_), Jsonb::Array(_)) => {
                        h.deep_contains(w)
                    }
                    _ => false,
                })
            }),
            _ => false,
        }
    }

    /// Containment below the top level, where a scalar is not an array's element.
    fn deep_contains(&self, other: &Jsonb) -> bool {
        match (self, other) {
            (Jsonb::Array(_), Jsonb::Array(_)) | (Jsonb::Object(_), Jsonb::Object(_)) => {
                self.contains(other)
            }
            _ => false,
        }
    }

    /// `?`: a top-level key, or a string element of a top-level array (or the string itself).
    pub fn has_key(&self, key: &str) -> bool {
        match self {
            Jsonb::Object(_) => self.get(key).is_some(),
            Jsonb::Array(items) => items
                .iter()
                .any(|v| matches!(v, Jsonb::String(s) if s == key)),
            Jsonb::String(s) => s == key,
            _ => false,
        }
    }
}

fn number_cmp(a: &str, b: &str) -> Ordering {
    match (Decimal::from_str(a), Decimal::from_str(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => {
            let (x, y) = (a.parse::<f64>(), b.parse::<f64>());
            match (x, y) {
                (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => a.cmp(b),
            }
        }
    }
}

/// numeric's text for a json number's text: exponents applied, `-0` as `0`.
fn normalize_number(text: &str) -> String {
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str(text).ok()
    };
    match parsed {
        Some(mut d) => {
            if d.is_zero() {
                d.set_sign_positive(true);
            }
            d.to_string()
        }
        // Beyond the engine's decimal range: kept as written.
        None => text.to_string(),
    }
}

/// A string as a json string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(s, &mut out);
    out
}

fn quote_into(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Checks json text as the json type's input does (it keeps the text itself).
pub fn validate_json(text: &str) -> PgResult<()> {
    Parser::new(text).document().map(|_| ())
}

/// The top-level members of json text, each as its original text: an object's pairs or an
/// array's elements (for the json type's operators, which return text as written).
pub enum JsonParts<'a> {
    Object(Vec<(String, &'a str)>),
    Array(Vec<&'a str>),
    Scalar,
}

pub fn json_parts(text: &str) -> PgResult<JsonParts<'_>> {
    let mut p = Parser::new(text);
    p.skip_ws();
    let parts = match p.peek() {
        Some(b'{') => {
            p.pos += 1;
            let mut pairs = Vec::new();
            p.skip_ws();
            if p.peek() == Some(b'}') {
                p.pos += 1;
            } else {
                loop {
                    p.skip_ws();
                    let key = match p.token()? {
                        Tok::Str(s) => s,
                        t => return Err(p.fail(Detail::ExpectedString, &t)),
                    };
                    p.expect_colon()?;
                    p.skip_ws();
                    let start = p.pos;
                    p.value()?;
                    pairs.push((key, &text[start..p.pos]));
                    p.skip_ws();
                    match p.token()? {
                        Tok::Comma => continue,
                        Tok::Close(b'}') => break,
                        t => return Err(p.fail(Detail::ObjectNext, &t)),
                    }
                }
            }
            JsonParts::Object(pairs)
        }
        Some(b'[') => {
            p.pos += 1;
            let mut items = Vec::new();
            p.skip_ws();
            if p.peek() == Some(b']') {
                p.pos += 1;
            } else {
                loop {
                    p.skip_ws();
                    let start = p.pos;
                    p.value()?;
                    items.push(&text[start..p.pos]);
                    p.skip_ws();
                    match p.token()? {
                        Tok::Comma => continue,
                        Tok::Close(b']') => break,
                        t => return Err(p.fail(Detail::ArrayNext, &t)),
                    }
                }
            }
            JsonParts::Array(items)
        }
        _ => {
            p.value()?;
            JsonParts::Scalar
        }
    };
    p.skip_ws();
    match p.token()? {
        Tok::End => Ok(parts),
        t => Err(p.fail(Detail::End, &t)),
    }
}

#[derive(Debug)]
enum Tok {
    Open(u8),
    Close(u8),
    Comma,
    Colon,
    Str(String),
    Number(String),
    True,
    False,
    Null,
    End,
}

enum Detail {
    Json,
    ArrayFirst,
    ArrayNext,
    ObjectFirst,
    ObjectNext,
    Colon,
    ExpectedString,
    End,
}

/// PostgreSQL's json lexer and recursive-descent parser (src/common/jsonapi.c's grammar).
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    token_start: usize,
    depth: usize,
}

const MAX_NESTING: usize = 1000;

fn alphanumeric(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            token_start: 0,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// `invalid input syntax for type json` with its detail and the `JSON data` context.
    fn error(&self, detail: String) -> PgError {
        PgError::new("22P02", "invalid input syntax for type json")
            .with_detail(detail)
            .with_context(self.context())
    }

    /// The line up to the end of the offending token, as report_json_context shows it.
    fn context(&self) -> String {
        let end = self.pos.min(self.bytes.len());
        let line_start = self.bytes[..end]
            .iter()
            .rposition(|b| *b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let line = self.bytes[..line_start]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        let mut start = line_start;
        while end - start >= 50 {
            start += 1;
            while !self.text.is_char_boundary(start) {
                start += 1;
            }
        }
        if start - line_start <= 3 {
            start = line_start;
        }
        let prefix = if start > line_start { "..." } else { "" };
        let more = end < self.bytes.len() && !matches!(self.bytes[end], b'\n' | b'\r');
        let suffix = if more { "..." } else { "" };
        format!(
            "JSON data, line {line}: {prefix}{}{suffix}",
            self.text.get(start..end).unwrap_or("")
        )
    }

    fn token_text(&self) -> &str {
        self.text.get(self.token_start..self.pos).unwrap_or("")
    }

    fn invalid_token(&self) -> PgError {
        self.error(format!("Token \"{}\" is invalid.", self.token_text()))
    }

    fn fail(&self, expected: Detail, tok: &Tok) -> PgError {
        if matches!(tok, Tok::End) {
            return self.error("The input string ended unexpectedly.".into());
        }
        let found = self.token_text();
        self.error(match expected {
            Detail::Json => format!("Expected JSON value, but found \"{found}\"."),
            Detail::ArrayFirst => {
                format!("Expected array element or \"]\", but found \"{found}\".")
            }
            Detail::ArrayNext => format!("Expected \",\" or \"]\", but found \"{found}\"."),
            Detail::ObjectFirst => format!("Expected string or \"}}\", but found \"{found}\"."),
            Detail::ObjectNext => format!("Expected \",\" or \"}}\", but found \"{found}\"."),
            Detail::Colon => format!("Expected \":\", but found \"{found}\"."),
            Detail::ExpectedString => format!("Expected string, but found \"{found}\"."),
            Detail::End => format!("Expected end of input, but found \"{found}\"."),
        })
    }

    fn token(&mut self) -> PgResult<Tok> {
        self.skip_ws();
        self.token_start = self.pos;
        let Some(b) = self.peek() else {
            return Ok(Tok::End);
        };
        match b {
            b'{' | b'[' => {
                self.pos += 1;
                Ok(Tok::Open(b))
            }
            b'}' | b']' => {
                self.pos += 1;
                Ok(Tok::Close(b))
            }
            b',' => {
                self.pos += 1;
                Ok(Tok::Comma)
            }
            b':' => {
                self.pos += 1;
                Ok(Tok::Colon)
            }
            b'"' => self.string().map(Tok::Str),
            b'-' | b'0'..=b'9' => self.number(),
            _ => {
                while self.peek().is_some_and(alphanumeric) {
                    self.pos += 1;
                }
                if self.pos == self.token_start {
                    // One character that starts no token.
                    self.pos += self.text[self.pos..]
                        .chars()
                        .next()
                        .map(char::len_utf8)
                        .unwrap_or(1);
                    return Err(self.invalid_token());
                }
                match self.token_text() {
                    "true" => Ok(Tok::True),
                    "false" => Ok(Tok::False),
                    "null" => Ok(Tok::Null),
                    _ => Err(self.invalid_token()),
                }
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> PgResult<Tok> {
        let mut ok = true;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => ok = false,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            ok &= self.digits() > 0;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            ok &= self.digits() > 0;
        }
        while self.peek().is_some_and(alphanumeric) {
            self.pos += 1;
            ok = false;
        }
        if !ok {
            return Err(self.invalid_token());
        }
        Ok(Tok::Number(self.token_text().to_string()))
    }

    fn string(&mut self) -> PgResult<String> {
        self.pos += 1;
        let mut out = String::new();
        let mut high: Option<u32> = None;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.invalid_token());
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.invalid_token());
                    };
                    let esc_char = self.text[self.pos..].chars().next().unwrap_or('\\');
                    self.pos += esc_char.len_utf8();
                    let simple = match e {
                        b'"' => Some('"'),
                        b'\\' => Some('\\'),
                        b'/' => Some('/'),
                        b'b' => Some('\u{8}'),
                        b'f' => Some('\u{c}'),
                        b'n' => Some('\n'),
                        b'r' => Some('\r'),
                        b't' => Some('\t'),
                        b'u' => None,
                        _ => {
                            return Err(
                                self.error(format!("Escape sequence \"\\{esc_char}\" is invalid."))
                            )
                        }
                    };
                    if let Some(c) = simple {
                        out.push(c);
                        continue;
                    }
                    let hex = self.text.get(self.pos..self.pos + 4).unwrap_or("");
                    let code = match u32::from_str_radix(hex, 16) {
                        Ok(c) if hex.len() == 4 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => c,
                        _ => {
                            while self.peek().is_some_and(alphanumeric) {
                                self.pos += 1;
                            }
                            return Err(self.error(
                                "\"\\u\" must be followed by four hexadecimal digits.".into(),
                            ));
                        }
                    };
                    self.pos += 4;
                    if (0xD800..0xDC00).contains(&code) {
                        if high.is_some() {
                            return Err(self.error(
                                "Unicode high surrogate must not follow a high surrogate.".into(),
                            ));
                        }
                        high = Some(code);
                        continue;
                    }
                    if (0xDC00..0xE000).contains(&code) {
                        let Some(h) = high.take() else {
                            return Err(self.error(
                                "Unicode low surrogate must follow a high surrogate.".into(),
                            ));
                        };
                        let c = 0x10000 + ((h - 0xD800) << 10) + (code - 0xDC00);
                        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                        continue;
                    }
                    if code == 0 {
                        return Err(PgError::new("22P05", "unsupported Unicode escape sequence")
                            .with_detail("\\u0000 cannot be converted to text.")
                            .with_context(self.context()));
                    }
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                }
                b if b < 0x20 => {
                    self.pos += 1;
                    return Err(
                        self.error(format!("Character with value 0x{b:02x} must be escaped."))
                    );
                }
                _ => {
                    if high.is_some() {
                        return Err(self
                            .error("Unicode low surrogate must follow a high surrogate.".into()));
                    }
                    let c = self.text[self.pos..].chars().next().unwrap_or(' ');
                    self.pos += c.len_utf8();
                    out.push(c);
                }
            }
        }
    }

    fn document(&mut self) -> PgResult<Jsonb> {
        let v = self.value()?;
        match self.token()? {
            Tok::End => Ok(v),
            t => Err(self.fail(Detail::End, &t)),
        }
    }

    fn expect_colon(&mut self) -> PgResult<()> {
        match self.token()? {
            Tok::Colon => Ok(()),
            t => Err(self.fail(Detail::Colon, &t)),
        }
    }

    fn value(&mut self) -> PgResult<Jsonb> {
        let t = self.token()?;
        self.value_from(t, Detail::Json)
    }

    fn value_from(&mut self, t: Tok, expected: Detail) -> PgResult<Jsonb> {
        Ok(match t {
            Tok::Str(s) => Jsonb::String(s),
            Tok::Number(n) => Jsonb::number(&n),
            Tok::True => Jsonb::Bool(true),
            Tok::False => Jsonb::Bool(false),
            Tok::Null => Jsonb::Null,
            Tok::Open(b'[') => self.nested(|p| p.array())?,
            Tok::Open(_) => self.nested(|p| p.object())?,
            t => return Err(self.fail(expected, &t)),
        })
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> PgResult<Jsonb>) -> PgResult<Jsonb> {
        self.depth += 1;
        // Deep nesting fails as PostgreSQL's stack check does, before the stack runs out.
        if self.depth > MAX_NESTING {
            return Err(PgError::new("54001", "stack depth limit exceeded").with_hint(
                "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.",
            ));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn array(&mut self) -> PgResult<Jsonb> {
        let mut items = Vec::new();
        let mut t = self.token()?;
        if matches!(t, Tok::Close(b']')) {
            return Ok(Jsonb::Array(items));
        }
        loop {
            let expected = if items.is_empty() {
                Detail::ArrayFirst
            } else {
                Detail::Json
            };
            items.push(self.value_from(t, expected)?);
            match self.token()? {
                Tok::Comma => t = self.token()?,
                Tok::Close(b']') => return Ok(Jsonb::Array(items)),
                other => return Err(self.fail(Detail::ArrayNext, &other)),
            }
        }
    }

    fn object(&mut self) -> PgResult<Jsonb> {
        let mut pairs = Vec::new();
        let mut t = self.token()?;
        if matches!(t, Tok::Close(b'}')) {
            return Ok(Jsonb::Object(pairs));
        }
        loop {
            let key = match t {
                Tok::Str(s) => s,
                other => {
                    let expected = if pairs.is_empty() {
                        Detail::ObjectFirst
                    } else {
                        Detail::ExpectedString
                    };
                    return Err(self.fail(expected, &other));
                }
            };
            self.expect_colon()?;
            let v = self.value()?;
            pairs.push((key, v));
            match self.token()? {
                Tok::Comma => t = self.token()?,
                Tok::Close(b'}') => return Ok(Jsonb::object(pairs)),
                other => return Err(self.fail(Detail::ObjectNext, &other)),
            }
        }
    }
}

#[cfg(test)]
mod tests;
