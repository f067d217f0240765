//! Parser errors as PostgreSQL reports them: `syntax error at or near "x"` with the position of
//! that token, or `syntax error at end of input`; unterminated quotes and comments are named
//! as PostgreSQL's scanner names them.

use super::locate::{tokens, Lines};
use crate::error::PgError;
use sqlparser::parser::ParserError;
use sqlparser::tokenizer::{Location, Token};

/// The PostgreSQL error for a failed parse of `text`.
pub fn syntax_error(text: &str, err: &ParserError) -> PgError {
    match err {
        ParserError::ParserError(msg) => parser_error(text, msg),
        ParserError::TokenizerError(msg) => unterminated(text)
            .unwrap_or_else(|| PgError::syntax(format!("syntax error: {}", plain(msg)))),
        ParserError::RecursionLimitExceeded => {
            PgError::new("54001", "stack depth limit exceeded").with_hint(
                "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.",
            )
        }
    }
}

/// The message without sqlparser's ` at Line: l, Column: c` suffix.
fn plain(msg: &str) -> &str {
    msg.rsplit_once(" at Line: ").map_or(msg, |(m, _)| m)
}

/// sqlparser's ` at Line: l, Column: c` suffix, read back.
fn location(msg: &str) -> Option<Location> {
    let (_, at) = msg.rsplit_once(" at Line: ")?;
    let (line, column) = at.split_once(", Column: ")?;
    Some(Location {
        line: line.trim().parse().ok()?,
        column: column.trim().parse().ok()?,
    })
}

fn parser_error(text: &str, msg: &str) -> PgError {
    let Some((_, found)) = plain(msg).rsplit_once("found: ") else {
        return PgError::syntax(format!("syntax error: {}", plain(msg)));
    };
    if found == "EOF" {
        return PgError::syntax("syntax error at end of input")
            .with_position(Lines::new(text).len() + 1);
    }
    let Some(toks) = tokens(text) else {
        return PgError::syntax(format!("syntax error at or near \"{found}\""));
    };
    // The token sqlparser names, at the location it gives; else the only token like it.
    let lines = Lines::new(text);
    let at = location(msg).and_then(|l| lines.offset(l));
    let same = |t: &Token| t.to_string() == found;
    let index = toks
        .iter()
        .position(|(t, o)| Some(*o) == at && same(t))
        .or_else(|| {
            let mut like = toks.iter().enumerate().filter(|(_, (t, _))| same(t));
            match (like.next(), like.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        });
    let Some(i) = index else {
        return PgError::syntax(format!("syntax error at or near \"{found}\""));
    };
    let start = toks[i].1;
    let end = toks.get(i + 1).map_or(lines.len(), |(_, o)| *o);
    let source: String = text.chars().skip(start).take(end - start).collect();
    PgError::syntax(format!("syntax error at or near \"{source}\"")).with_position(start + 1)
}

/// What is left open at the end of `text`: a quoted string or identifier, or a comment, from
/// the character that opened it.
fn unterminated(text: &str) -> Option<PgError> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && chars[i - 1].is_alphanumeric();
        let (what, end) = match c {
            '-' if next == Some('-') => {
                i = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |n| i + n);
                continue;
            }
            '\'' => {
                let escapes = i > 0
                    && matches!(chars[i - 1], 'e' | 'E')
                    && !(i > 1 && chars[i - 2].is_alphanumeric());
                (
                    "unterminated quoted string",
                    quoted_end(&chars, i, '\'', escapes),
                )
            }
            '"' => (
                "unterminated quoted identifier",
                quoted_end(&chars, i, '"', false),
            ),
            '/' if next == Some('*') => ("unterminated /* comment", comment_end(&chars, i)),
            '$' if !prev_ident => match dollar_tag(&chars, i) {
                Some(len) => (
                    "unterminated dollar-quoted string",
                    dollar_end(&chars, i, len),
                ),
                None => {
                    i += 1;
                    continue;
                }
            },
            _ => {
                i += 1;
                continue;
            }
        };
        match end {
            Some(end) => i = end,
            None => {
                let rest: String = chars[i..].iter().collect();
                return Some(
                    PgError::syntax(format!("{what} at or near \"{rest}\"")).with_position(i + 1),
                );
            }
        }
    }
    None
}

/// Past the quote closing the one at `from`, doubled quotes (and backslashes in E'') escaped.
fn quoted_end(chars: &[char], from: usize, quote: char, backslash: bool) -> Option<usize> {
    let mut i = from + 1;
    while i < chars.len() {
        let c = chars[i];
        if backslash && c == '\\' {
            i += 2;
        } else if c == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return Some(i + 1);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Past the end of the (nesting) block comment opening at `from`.
fn comment_end(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth = depth.saturating_sub(1);
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The length of a dollar-quote tag (`$$`, `$tag$`) starting at `from`.
fn dollar_tag(chars: &[char], from: usize) -> Option<usize> {
    let mut i = from + 1;
    while let Some(&c) = chars.get(i) {
        if c == '$' {
            return Some(i + 1 - from);
        }
        let ok = if i == from + 1 {
            c.is_alphabetic() || c == '_'
        } else {
            c.is_alphanumeric() || c == '_'
        };
        if !ok {
            return None;
        }
        i += 1;
    }
    None
}

/// Past the tag that closes the dollar quote opened at `from`.
fn dollar_end(chars: &[char], from: usize, len: usize) -> Option<usize> {
    let tag = chars.get(from..from + len)?;
    let mut i = from + len;
    while i + len <= chars.len() {
        if &chars[i..i + len] == tag {
            return Some(i + len);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::sql::parse_sql;

    fn error(sql: &str) -> (String, Option<u32>) {
        let e = parse_sql(sql)
            .err()
            .unwrap_or_else(|| crate::error::PgError::internal(""))
            .into_fields();
        (e.message, e.position)
    }

    #[test]
    fn at_or_near_the_token() {
        // as PostgreSQL 15 reports them
        assert_eq!(
            error("SELECT * FROM;"),
            ("syntax error at or near \";\"".into(), Some(14))
        );
        assert_eq!(
            error("SELEC 1;"),
            ("syntax error at or near \"SELEC\"".into(), Some(1))
        );
        assert_eq!(
            error("SELECT 1 +;"),
            ("syntax error at or near \";\"".into(), Some(11))
        );
        assert_eq!(
            error("CREATE TABLE t (id int,);"),
            ("syntax error at or near \")\"".into(), Some(24))
        );
        assert_eq!(
            error("SELECT * FROM t WHERE id = = 1;"),
            ("syntax error at or near \"=\"".into(), Some(28))
        );
        assert_eq!(
            error("UPDATE SET x = 1;"),
            ("syntax error at or near \"=\"".into(), Some(14))
        );
    }

    #[test]
    fn end_of_input() {
        assert_eq!(
            error("SELECT * FROM t WHERE  "),
            ("syntax error at end of input".into(), Some(24))
        );
        assert_eq!(
            error("SELECT * FROM t WHERE -- c"),
            ("syntax error at end of input".into(), Some(27))
        );
    }

    #[test]
    fn unterminated_quotes_and_comments() {
        assert_eq!(
            error("SELECT 'it''s;\nSELECT 1"),
            (
                "unterminated quoted string at or near \"'it''s;\nSELECT 1\"".into(),
                Some(8)
            )
        );
        assert_eq!(
            error("SELECT \"a"),
            (
                "unterminated quoted identifier at or near \"\"a\"".into(),
                Some(8)
            )
        );
        assert_eq!(
            error("SELECT 1 /* a /* b */"),
            (
                "unterminated /* comment at or near \"/* a /* b */\"".into(),
                Some(10)
            )
        );
        assert_eq!(
            error("SELECT $x$ a"),
            (
                "unterminated dollar-quoted string at or near \"$x$ a\"".into(),
                Some(8)
            )
        );
    }
}
