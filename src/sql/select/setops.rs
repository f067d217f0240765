//! UNION, INTERSECT and EXCEPT, with and without ALL.

use crate::error::{PgError, PgResult};
use crate::sql::ResultSet;
use crate::types::{GroupKey, SqlType, Value};
use sqlparser::ast::{SetOperator, SetQuantifier};
use std::collections::{HashMap, HashSet};

fn key(row: &[Value]) -> Vec<GroupKey> {
    row.iter().map(Value::group_key).collect()
}

pub fn combine(
    op: &SetOperator,
    quantifier: &SetQuantifier,
    mut left: ResultSet,
    right: ResultSet,
) -> PgResult<ResultSet> {
    let word = match op {
        SetOperator::Union => "UNION",
        SetOperator::Intersect => "INTERSECT",
        SetOperator::Except => "EXCEPT",
    };
    if left.columns.len() != right.columns.len() {
        return Err(PgError::syntax(format!(
            "each {word} query must have the same number of columns"
        )));
    }
    // Unknown-typed columns take the other side's type.
    for (l, r) in left.columns.iter_mut().zip(&right.columns) {
        if matches!(l.ty, SqlType::Unknown) {
            l.ty = r.ty.clone();
        }
    }
    let all = matches!(quantifier, SetQuantifier::All);
    let rows = match op {
        SetOperator::Union => {
            let mut rows = left.rows;
            rows.extend(right.rows);
            if !all {
                let mut seen = HashSet::new();
                rows.retain(|r| seen.insert(key(r)));
            }
            rows
        }
        SetOperator::Intersect | SetOperator::Except => {
            let mut counts: HashMap<Vec<GroupKey>, usize> = HashMap::new();
            for r in &right.rows {
                *counts.entry(key(r)).or_default() += 1;
            }
            let intersect = matches!(op, SetOperator::Intersect);
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for r in left.rows {
                let k = key(&r);
                let in_right = counts.get(&k).copied().unwrap_or(0) > 0;
                if all {
                    if intersect && in_right {
                        if let Some(c) = counts.get_mut(&k) {
                            *c -= 1;
                        }
                        out.push(r);
                    } else if !intersect {
                        if in_right {
                            if let Some(c) = counts.get_mut(&k) {
                                *c -= 1;
                            }
                        } else {
                            out.push(r);
                        }
                    }
                } else if in_right == intersect && seen.insert(k) {
                    out.push(r);
                }
            }
            out
        }
    };
    Ok(ResultSet {
        columns: left.columns,
        rows,
    })
}
