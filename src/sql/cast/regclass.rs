//! `regclass` text input and output, as PostgreSQL reads and prints relation names: quoted
//! identifiers keep their spelling, unquoted ones fold to lower case, and the output quotes a
//! name only when it needs quotes to read back the same.
//!
//! A regclass value is kept as its output text (`users`, `"Mixed Case"`), so printing it,
//! casting it to text and comparing two of them need no lookup; `relation_name` reads the
//! relation's name back.

use crate::error::{PgError, PgResult};

/// PostgreSQL's identifier length limit (`NAMEDATALEN - 1` bytes).
const MAX_IDENT_BYTES: usize = 63;

fn invalid_name() -> PgError {
    PgError::new("42602", "invalid name syntax")
}

/// Splits `a."B".c` into its identifiers as PostgreSQL's `SplitIdentifierString` does.
fn split_names(input: &str) -> PgResult<Vec<String>> {
    let mut names = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut name = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    None => return Err(invalid_name()),
                    Some('"') if chars.next_if_eq(&'"').is_some() => name.push('"'),
                    Some('"') => break,
                    Some(c) => name.push(c),
                }
            }
            if name.is_empty() {
                return Err(invalid_name());
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != '.' && !c.is_whitespace() && *c != '"') {
                name.push(c.to_ascii_lowercase());
            }
            if name.is_empty() {
                return Err(invalid_name());
            }
        }
        names.push(truncate_ident(name));
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => return Ok(names),
            Some('.') => continue,
            Some(_) => return Err(invalid_name()),
        }
    }
}

fn truncate_ident(mut name: String) -> String {
    if name.len() > MAX_IDENT_BYTES {
        let mut end = MAX_IDENT_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}

/// The relation a regclass text names (`'"Mixed Case"'`, `'public.users'`, `'Users'`).
pub fn relation_name(input: &str) -> PgResult<String> {
    let names = split_names(input)?;
    match names.len() {
        1 | 2 => crate::sql::namespace::text_relation(&names),
        3 => Err(PgError::new(
            "0A000",
            format!(
                "cross-database references are not implemented: {}",
                names.join(".")
            ),
        )),
        _ => Err(PgError::new(
            "42601",
            format!(
                "improper relation name (too many dotted names): {}",
                names.join(".")
            ),
        )),
    }
}

/// The regclass output of a relation name: quoted only when it needs quotes.
pub fn regclass_text(name: &str) -> String {
    crate::sql::namespace::regclass_text(name)
}

/// Reads regclass text and prints it back in canonical form (`'Users'` -> `users`).
pub fn normalize(input: &str) -> PgResult<String> {
    relation_name(input).map(|n| regclass_text(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_keep_case_and_unquoted_fold() {
        assert_eq!(relation_name("\"Mixed Case\"").as_deref(), Ok("Mixed Case"));
        assert_eq!(relation_name(" Users ").as_deref(), Ok("users"));
        assert_eq!(relation_name("public.\"A\"\"b\"").as_deref(), Ok("A\"b"));
        assert_eq!(relation_name("PUBLIC.T").as_deref(), Ok("t"));
    }

    #[test]
    fn malformed_names_are_errors() {
        for bad in ["", "Mixed Case", "\"open", "a..b", "\"\"", "a.", "x\"y\""] {
            let e = relation_name(bad).map_err(|e| e.into_fields().message);
            assert_eq!(e, Err("invalid name syntax".to_string()), "{bad:?}");
        }
        assert!(relation_name("a.b.c.d").is_err());
        assert!(relation_name("nope.t").is_err());
    }

    #[test]
    fn output_quotes_only_when_needed() {
        assert_eq!(regclass_text("users"), "users");
        assert_eq!(regclass_text("Mixed Case"), "\"Mixed Case\"");
        assert_eq!(normalize("\"users\"").as_deref(), Ok("users"));
        assert_eq!(relation_name(&regclass_text("A\"b")).as_deref(), Ok("A\"b"));
    }
}
