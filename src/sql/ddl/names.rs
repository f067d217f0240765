//! Identifier folding and PostgreSQL's choice of default names for constraints, indexes and
//! sequences (`users_pkey`, `t_a_key1`, `t_id_seq`).

use crate::sql::Database;
use sqlparser::ast::{Expr, Ident, ObjectName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeSet;

/// PostgreSQL folds unquoted identifiers to lower case.
pub fn ident(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The stored name of a possibly schema-qualified relation name (`public.users` is `users`,
/// `sales.orders` is `sales.orders`).
pub fn object_name(name: &ObjectName) -> String {
    crate::sql::namespace::stored(name)
}

/// Whether a relation (table, index, constraint index or sequence) is called `name`.
pub fn relation_exists(db: &Database, name: &str) -> bool {
    db.storage.tables.contains_key(name)
        || db.views.contains_key(name)
        || db.sequences.borrow().contains_key(name)
        || db.storage.tables.values().any(|t| {
            t.indexes.iter().any(|i| i.name == name)
                || t.constraints.iter().any(|c| {
                    c.name == name
                        && matches!(
                            c.kind,
                            crate::sql::ConstraintKind::PrimaryKey(_)
                                | crate::sql::ConstraintKind::Unique(_)
                        )
                })
        })
}

/// PostgreSQL's makeObjectName: `name1_name2_label`, shortened to fit in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = 63usize.saturating_sub(overhead);
    let mut l1 = name1.len();
    let mut l2 = name2.map_or(0, str::len);
    while l1 + l2 > avail {
        if l1 > l2 {
            l1 -= 1;
        } else {
            l2 -= 1;
        }
    }
    let cut = |s: &str, n: usize| {
        let mut n = n.min(s.len());
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = cut(name1, l1);
    if let Some(n2) = name2 {
        out.push('_');
        out.push_str(&cut(n2, l2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// The first of `name1_name2_label`, `..._label1`, `..._label2`... for which `taken` is false.
pub fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut pass = 0;
    loop {
        let modlabel = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let name = make_object_name(name1, name2, &modlabel);
        if !taken(&name) {
            return name;
        }
        pass += 1;
    }
}

/// The distinct column names `expr` mentions, in order of first mention.
pub fn columns_in_expr(expr: &Expr, columns: &[String]) -> Vec<String> {
    let text = expr.to_string();
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, &text)
        .tokenize()
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for tok in tokens {
        if let Token::Word(w) = tok {
            let name = if w.quote_style.is_some() {
                w.value
            } else {
                w.value.to_lowercase()
            };
            if columns.contains(&name) && seen.insert(name.clone()) {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_postgres() {
        assert_eq!(make_object_name("t", Some("a"), "key"), "t_a_key");
        assert_eq!(make_object_name("users", None, "pkey"), "users_pkey");
        assert_eq!(
            choose_name("t", None, "check", |n| n == "t_check"),
            "t_check1"
        );
        let long = "x".repeat(70);
        assert_eq!(make_object_name(&long, Some("id"), "key").len(), 63);
    }
}
