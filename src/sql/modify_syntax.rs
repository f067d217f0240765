//! Where the SQL parser falls short of PostgreSQL around data-modifying statements.
//! - `WITH d AS (DELETE ... RETURNING ...)` and `WITH ... DELETE ...`: it reads INSERT and
//!   UPDATE there but not DELETE. Each such DELETE is parsed on its own and stands in the query
//!   as the same kind of node the parser gives an UPDATE (a statement as the query's body).
//! - `WITH ... MERGE ...`: likewise, the MERGE stands in the query as the body.
//! - `... FROM t RETURNING *` (also USING, JOIN): it takes RETURNING for the alias of `t`; `t` gets its own name
//!   as alias, which changes nothing else.

use sqlparser::ast::{ObjectName, Statement, TableFactor, VisitorMut};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithLocation, Tokenizer};
use std::ops::ControlFlow;

/// The table a placeholder UPDATE names; the number is the DELETE's index.
const PLACEHOLDER: &str = "shardscope_cte_delete_";

fn is_word(t: &TokenWithLocation, kw: Keyword) -> bool {
    matches!(&t.token, Token::Word(w) if w.keyword == kw)
}

fn is_blank(t: &TokenWithLocation) -> bool {
    matches!(t.token, Token::Whitespace(_))
}

/// The index of the next token that is not whitespace, from `i` on.
fn next_solid(tokens: &[TokenWithLocation], mut i: usize) -> Option<usize> {
    while tokens.get(i).is_some_and(is_blank) {
        i += 1;
    }
    (i < tokens.len()).then_some(i)
}

/// The index of the `)` closing the `(` at `open`.
pub(crate) fn closing(tokens: &[TokenWithLocation], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The index of the token ending a statement that starts at `start`: the `;` or the `)` of an
/// enclosing parenthesis (or the end).
fn statement_end(tokens: &[TokenWithLocation], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(start) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => return i,
            Token::RParen => depth -= 1,
            Token::SemiColon if depth == 0 => return i,
            _ => {}
        }
    }
    tokens.len()
}

/// The solid token before `i`.
fn solid_before(tokens: &[TokenWithLocation], i: usize) -> Option<usize> {
    (0..i)
        .rev()
        .find(|&j| tokens.get(j).is_some_and(|t| !is_blank(t)))
}

/// `FROM t RETURNING` becomes `FROM t AS t RETURNING`.
fn alias_before_returning(tokens: &mut Vec<TokenWithLocation>) {
    let mut i = 0;
    while i < tokens.len() {
        let returning = tokens
            .get(i)
            .is_some_and(|t| is_word(t, Keyword::RETURNING));
        let name = solid_before(tokens, i);
        let before = name.and_then(|n| solid_before(tokens, n));
        let starts_table = |t: &TokenWithLocation| {
            is_word(t, Keyword::FROM) || is_word(t, Keyword::USING) || is_word(t, Keyword::JOIN)
        };
        // `schema.table`: look before the schema.
        let before = match before.and_then(|b| tokens.get(b)) {
            Some(t) if t.token == Token::Period => before
                .and_then(|b| solid_before(tokens, b))
                .and_then(|schema| solid_before(tokens, schema)),
            _ => before,
        };
        let bare_table = name
            .and_then(|n| tokens.get(n))
            .is_some_and(|t| matches!(t.token, Token::Word(_)))
            && before.and_then(|b| tokens.get(b)).is_some_and(starts_table);
        if let (true, true, Some(name)) = (returning, bare_table, name) {
            let (Some(table), Some(at)) = (tokens.get(name).cloned(), tokens.get(i)) else {
                break;
            };
            let location = at.location;
            let space = TokenWithLocation {
                token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                location,
            };
            let as_kw = TokenWithLocation {
                token: Token::make_keyword("AS"),
                location,
            };
            let alias = TokenWithLocation { location, ..table };
            let added = [as_kw, space.clone(), alias, space];
            let n = added.len();
            tokens.splice(i..i, added);
            i += n;
        }
        i += 1;
    }
}

/// Replaces every DELETE the parser cannot read where it stands (a CTE's body, the statement
/// after a WITH list) by a placeholder UPDATE; returns the DELETEs.
pub fn extract(
    mut tokens: Vec<TokenWithLocation>,
) -> Result<(Vec<TokenWithLocation>, Vec<Statement>), ParserError> {
    alias_before_returning(&mut tokens);
    super::merge_syntax::rewrite_actions(&mut tokens)?;
    let mut deletes = Vec::new();
    let mut i = 0;
    let mut last_solid: Option<usize> = None;
    while i < tokens.len() {
        let opens_cte = tokens.get(i).is_some_and(|t| t.token == Token::LParen)
            && last_solid
                .and_then(|p| tokens.get(p))
                .is_some_and(|t| is_word(t, Keyword::AS) || is_word(t, Keyword::MATERIALIZED));
        let body = next_solid(&tokens, i + 1);
        let is_delete = body
            .and_then(|b| tokens.get(b))
            .is_some_and(|t| is_word(t, Keyword::DELETE));
        // `WITH ... ) DELETE` (or MERGE): the main statement of a WITH query.
        let after_with = tokens
            .get(i)
            .is_some_and(|t| is_word(t, Keyword::DELETE) || is_word(t, Keyword::MERGE))
            && last_solid
                .and_then(|p| tokens.get(p))
                .is_some_and(|t| t.token == Token::RParen);
        if after_with {
            let end = statement_end(&tokens, i);
            let inner: Vec<TokenWithLocation> = tokens.get(i..end).unwrap_or(&[]).to_vec();
            let stmt = Parser::new(&PostgreSqlDialect {})
                .with_tokens_with_locations(inner)
                .parse_statement()?;
            let Some(location) = tokens.get(i).map(|t| t.location) else {
                break;
            };
            let placeholder = placeholder(deletes.len(), location)?;
            deletes.push(stmt);
            let n = placeholder.len();
            tokens.splice(i..end, placeholder);
            last_solid = None;
            i += n;
            continue;
        }
        if let (true, true, Some(body)) = (opens_cte, is_delete, body) {
            let Some(close) = closing(&tokens, i) else {
                break;
            };
            let inner: Vec<TokenWithLocation> = tokens.get(body..close).unwrap_or(&[]).to_vec();
            let stmt = Parser::new(&PostgreSqlDialect {})
                .with_tokens_with_locations(inner)
                .parse_statement()?;
            let Some(location) = tokens.get(body).map(|t| t.location) else {
                break;
            };
            let placeholder = placeholder(deletes.len(), location)?;
            deletes.push(stmt);
            let n = placeholder.len();
            tokens.splice(body..close, placeholder);
            last_solid = None;
            i = body + n;
            continue;
        }
        if tokens.get(i).is_some_and(|t| !is_blank(t)) {
            last_solid = Some(i);
        }
        i += 1;
    }
    Ok((tokens, deletes))
}

/// The tokens of the UPDATE standing for DELETE number `index`.
fn placeholder(
    index: usize,
    location: sqlparser::tokenizer::Location,
) -> Result<Vec<TokenWithLocation>, ParserError> {
    let text = format!("UPDATE {PLACEHOLDER}{index} SET x = 1");
    Ok(Tokenizer::new(&PostgreSqlDialect {}, &text)
        .tokenize_with_location()?
        .into_iter()
        .map(|t| TokenWithLocation { location, ..t })
        .collect())
}

struct Restorer {
    deletes: Vec<Option<Statement>>,
}

impl VisitorMut for Restorer {
    type Break = ();

    fn post_visit_statement(&mut self, stmt: &mut Statement) -> ControlFlow<()> {
        let Statement::Update { table, .. } = stmt else {
            return ControlFlow::Continue(());
        };
        let TableFactor::Table {
            name: ObjectName(parts),
            ..
        } = &table.relation
        else {
            return ControlFlow::Continue(());
        };
        let index = parts
            .last()
            .and_then(|p| p.value.strip_prefix(PLACEHOLDER))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(delete) = index.and_then(|i| self.deletes.get_mut(i)?.take()) {
            *stmt = delete;
        }
        ControlFlow::Continue(())
    }
}

/// Puts the DELETEs `extract` took back in place of their placeholders.
pub fn restore(statements: &mut [Statement], deletes: Vec<Statement>) {
    if deletes.is_empty() {
        return;
    }
    let mut r = Restorer {
        deletes: deletes.into_iter().map(Some).collect(),
    };
    for s in statements {
        let _ = crate::sql::visit::visit_mut(s, &mut r);
    }
}
