//! Where the SQL parser falls short of PostgreSQL's MERGE: it reads neither `DO NOTHING` nor
//! `INSERT DEFAULT VALUES` as a WHEN clause's action. Both become marker actions the parser
//! reads (an assignment to, or an insert into, a column no table can have by that name), and
//! `MergeAction::of` reads them back; `unmark` turns a statement's text back into SQL.

use sqlparser::ast::{Assignment, AssignmentTarget, Expr, Ident, MergeAction as ParsedAction};
use sqlparser::ast::{MergeClause, MergeInsertKind};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::ParserError;
use sqlparser::tokenizer::{Token, TokenWithLocation, Tokenizer};

const DO_NOTHING: &str = "shardscope_merge_do_nothing";
const DEFAULT_VALUES: &str = "shardscope_merge_default_values";

/// A WHEN clause's action, as PostgreSQL knows them.
#[derive(Debug, Clone, Copy)]
pub enum MergeAction<'a> {
    Update(&'a [Assignment]),
    Delete,
    Insert {
        columns: &'a [Ident],
        values: &'a [Expr],
    },
    InsertDefaults,
    Nothing,
}

impl<'a> MergeAction<'a> {
    pub fn of(clause: &'a MergeClause) -> MergeAction<'a> {
        match &clause.action {
            ParsedAction::Delete => MergeAction::Delete,
            ParsedAction::Update { assignments } => match assignments.as_slice() {
                [only] if is_marker_target(&only.target, DO_NOTHING) => MergeAction::Nothing,
                _ => MergeAction::Update(assignments),
            },
            ParsedAction::Insert(ins) => {
                let marker = match ins.columns.as_slice() {
                    [only] => Some(only.value.as_str()),
                    _ => None,
                };
                match (marker, &ins.kind) {
                    (Some(DO_NOTHING), _) => MergeAction::Nothing,
                    (Some(DEFAULT_VALUES), _) => MergeAction::InsertDefaults,
                    (_, MergeInsertKind::Values(v)) => MergeAction::Insert {
                        columns: &ins.columns,
                        values: v.rows.first().map(Vec::as_slice).unwrap_or(&[]),
                    },
                    (_, MergeInsertKind::Row) => MergeAction::InsertDefaults,
                }
            }
        }
    }
}

fn is_marker_target(target: &AssignmentTarget, marker: &str) -> bool {
    matches!(target, AssignmentTarget::ColumnName(n) if n.0.len() == 1 && n.0.first().is_some_and(|i| i.value == marker))
}

fn is_word(t: &TokenWithLocation, kw: Keyword) -> bool {
    matches!(&t.token, Token::Word(w) if w.keyword == kw)
}

fn is_blank(t: &TokenWithLocation) -> bool {
    matches!(t.token, Token::Whitespace(_))
}

/// The indexes of the non-blank tokens.
fn solid(tokens: &[TokenWithLocation]) -> Vec<usize> {
    (0..tokens.len())
        .filter(|&i| tokens.get(i).is_some_and(|t| !is_blank(t)))
        .collect()
}

fn marker_tokens(
    text: &str,
    location: sqlparser::tokenizer::Location,
) -> Result<Vec<TokenWithLocation>, ParserError> {
    Ok(Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize_with_location()?
        .into_iter()
        .map(|t| TokenWithLocation { location, ..t })
        .collect())
}

/// Rewrites `THEN DO NOTHING` and `THEN INSERT DEFAULT VALUES` in MERGE statements into the
/// marker actions the parser reads.
pub fn rewrite_actions(tokens: &mut Vec<TokenWithLocation>) -> Result<(), ParserError> {
    if !tokens.iter().any(|t| is_word(t, Keyword::MERGE)) {
        return Ok(());
    }
    // Work from the end so earlier indexes stay valid while splicing.
    let positions = solid(tokens);
    let kw = |k: usize, kw: Keyword| {
        positions
            .get(k)
            .and_then(|&i| tokens.get(i))
            .is_some_and(|t| is_word(t, kw))
    };
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut not_matched = false;
    for k in 0..positions.len() {
        if kw(k, Keyword::WHEN) {
            not_matched = kw(k + 1, Keyword::NOT);
        }
        if !kw(k, Keyword::THEN) {
            continue;
        }
        let (Some(&from), Some(&to)) = (positions.get(k + 1), positions.get(k + 2)) else {
            continue;
        };
        if kw(k + 1, Keyword::DO) && kw(k + 2, Keyword::NOTHING) {
            let text = if not_matched {
                format!("INSERT ({DO_NOTHING}) VALUES (NULL)")
            } else {
                format!("UPDATE SET {DO_NOTHING} = NULL")
            };
            edits.push((from, to, text));
        } else if kw(k + 1, Keyword::INSERT)
            && kw(k + 2, Keyword::DEFAULT)
            && kw(k + 3, Keyword::VALUES)
        {
            if let Some(&end) = positions.get(k + 3) {
                edits.push((
                    from,
                    end,
                    format!("INSERT ({DEFAULT_VALUES}) VALUES (NULL)"),
                ));
            }
        }
    }
    for (from, to, text) in edits.into_iter().rev() {
        let Some(location) = tokens.get(from).map(|t| t.location) else {
            continue;
        };
        let replacement = marker_tokens(&text, location)?;
        if to < tokens.len() {
            tokens.splice(from..=to, replacement);
        }
    }
    Ok(())
}

/// A statement's text with the marker actions spelled as PostgreSQL writes them.
pub fn unmark(text: &str) -> String {
    if !text.contains("shardscope_merge_") {
        return text.to_string();
    }
    text.replace(&format!("UPDATE SET {DO_NOTHING} = NULL"), "DO NOTHING")
        .replace(
            &format!("INSERT ({DO_NOTHING}) VALUES (NULL)"),
            "DO NOTHING",
        )
        .replace(
            &format!("INSERT ({DEFAULT_VALUES}) VALUES (NULL)"),
            "INSERT DEFAULT VALUES",
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_sql;
    use sqlparser::ast::Statement;

    fn actions(sql: &str) -> Vec<String> {
        let stmts = parse_sql(sql).unwrap_or_default();
        let Some(Statement::Merge { clauses, .. }) = stmts.first() else {
            return vec!["not a merge".into()];
        };
        clauses
            .iter()
            .map(|c| match MergeAction::of(c) {
                MergeAction::Update(a) => format!("update {}", a.len()),
                MergeAction::Delete => "delete".into(),
                MergeAction::Insert { values, .. } => format!("insert {}", values.len()),
                MergeAction::InsertDefaults => "defaults".into(),
                MergeAction::Nothing => "nothing".into(),
            })
            .collect()
    }

    #[test]
    fn do_nothing_and_default_values_are_read() {
        let sql = "MERGE INTO t USING s ON t.a = s.a \
                   WHEN MATCHED AND s.b > 1 THEN DO NOTHING \
                   WHEN MATCHED THEN UPDATE SET b = s.b, c = 1 \
                   WHEN NOT MATCHED AND s.b = 0 THEN DO NOTHING \
                   WHEN NOT MATCHED AND s.b = 1 THEN INSERT DEFAULT VALUES \
                   WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)";
        assert_eq!(
            actions(sql),
            ["nothing", "update 2", "nothing", "defaults", "insert 1"]
        );
        let stmt = parse_sql(sql).unwrap_or_default();
        let text = unmark(&stmt.first().map(|s| s.to_string()).unwrap_or_default());
        assert!(
            text.contains("WHEN MATCHED AND s.b > 1 THEN DO NOTHING"),
            "{text}"
        );
        assert!(text.contains("THEN INSERT DEFAULT VALUES"), "{text}");
    }
}
