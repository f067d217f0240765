//! `CREATE TABLE t (LIKE source [INCLUDING ... | EXCLUDING ...], ...)`. The SQL parser has no
//! such table element, so the tokenizer step turns it into a marker column (named
//! `LIKE_MARKER` plus the options, typed as the source table) that table creation expands into
//! the source's columns: names, types and NOT NULL always; defaults, CHECK constraints and
//! primary/unique keys with INCLUDING DEFAULTS / CONSTRAINTS / INDEXES (or ALL), as PostgreSQL.

use super::create::Pending;
use crate::error::{PgError, PgResult};
use crate::sql::{ColumnDef, ConstraintKind, Database};
use sqlparser::ast::{DataType, Ident};
use sqlparser::tokenizer::{Token, TokenWithLocation, Whitespace};

const LIKE_MARKER: &str = "\u{1}like";

/// Rewrites `( LIKE name options` / `, LIKE name options` inside CREATE TABLE's parentheses.
pub fn rewrite_like_tokens(tokens: &mut [TokenWithLocation]) {
    let word = |t: &Token, kw: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|i| !matches!(tokens[*i].token, Token::Whitespace(_)))
        .collect();
    let mut in_create_table = false;
    let mut depth = 0usize;
    let mut remove: Vec<usize> = Vec::new();
    let mut k = 0;
    while k < significant.len() {
        let i = significant[k];
        let t = tokens[i].token.clone();
        match &t {
            Token::SemiColon => {
                in_create_table = false;
                depth = 0;
            }
            Token::Word(w) if w.keyword == sqlparser::keywords::Keyword::TABLE => {
                let created = k
                    .checked_sub(1)
                    .and_then(|p| significant.get(p))
                    .is_some_and(|p| word(&tokens[*p].token, "create"))
                    || k.checked_sub(2)
                        .and_then(|p| significant.get(p))
                        .is_some_and(|p| word(&tokens[*p].token, "create"));
                if created {
                    in_create_table = true;
                }
            }
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        let after_open = k
            .checked_sub(1)
            .and_then(|p| significant.get(p))
            .is_some_and(|p| matches!(tokens[*p].token, Token::LParen | Token::Comma));
        if in_create_table && depth == 1 && after_open && word(&t, "like") {
            // The source name (possibly schema-qualified) stays as the marker's type.
            let mut j = k + 1;
            while j + 1 < significant.len()
                && matches!(tokens[significant[j + 1]].token, Token::Period)
            {
                j += 2;
            }
            let mut options = String::new();
            let mut m = j + 1;
            while m + 1 < significant.len() {
                let (a, b) = (
                    &tokens[significant[m]].token,
                    &tokens[significant[m + 1]].token,
                );
                let sign = if word(a, "including") {
                    '+'
                } else if word(a, "excluding") {
                    '-'
                } else {
                    break;
                };
                if let Token::Word(w) = b {
                    options.push(' ');
                    options.push(sign);
                    options.push_str(&w.value.to_lowercase());
                }
                remove.extend([significant[m], significant[m + 1]]);
                m += 2;
            }
            tokens[i].token = Token::Word(sqlparser::tokenizer::Word {
                value: format!("{LIKE_MARKER}{options}"),
                quote_style: Some('"'),
                keyword: sqlparser::keywords::Keyword::NoKeyword,
            });
            k = m;
            continue;
        }
        k += 1;
    }
    for r in remove {
        if let Some(t) = tokens.get_mut(r) {
            t.token = Token::Whitespace(Whitespace::Space);
        }
    }
}

/// Whether a parsed column is a LIKE marker; its options when so.
pub fn like_options(name: &Ident) -> Option<Vec<String>> {
    let rest = name.value.strip_prefix(LIKE_MARKER)?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// The source table's columns and the constraints LIKE copies from it.
pub fn expand(
    db: &Database,
    source: &DataType,
    options: &[String],
) -> PgResult<(Vec<ColumnDef>, Vec<Pending>)> {
    let name = match source {
        DataType::Custom(n, _) => super::names::object_name(n),
        other => other.to_string().to_lowercase(),
    };
    let def = db
        .table(&name)
        .ok_or_else(|| PgError::undefined_table(&name))?;
    let included = |what: &str| {
        let mut on = false;
        for o in options {
            let (sign, opt) = o.split_at(1);
            if opt == what || opt == "all" {
                on = sign == "+";
            }
        }
        on
    };
    let (defaults, constraints, indexes) = (
        included("defaults"),
        included("constraints"),
        included("indexes"),
    );
    let columns = def
        .columns
        .iter()
        .map(|c| ColumnDef {
            default: if defaults { c.default.clone() } else { None },
            ..c.clone()
        })
        .collect();
    let mut pending = Vec::new();
    for c in &def.constraints {
        let copy = match &c.kind {
            ConstraintKind::Check(_) => constraints,
            ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_) => indexes,
            ConstraintKind::ForeignKey { .. } => false,
        };
        if copy {
            pending.push(Pending {
                // CHECK constraints keep their names; keys are named after the new table.
                name: matches!(c.kind, ConstraintKind::Check(_)).then(|| c.name.clone()),
                kind: c.kind.clone(),
            });
        }
    }
    Ok((columns, pending))
}
