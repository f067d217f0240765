//! LATERAL: a FROM item that reads the columns of the items before it (a subquery marked
//! LATERAL, or a function whose arguments name columns, which PostgreSQL treats as LATERAL
//! without the word) is evaluated once for each row before it, with that row in scope, and
//! joined to that row.

use super::from::factor;
use super::join::{join, Input, JoinKind};
use super::used::UsedNames;
use super::{Executor, Rel};
use crate::error::{PgError, PgResult};
use crate::sql::eval::Scope;
use crate::types::Value;
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, JoinConstraint, TableFactor};
use std::collections::HashSet;
use std::ops::ControlFlow;

/// Whether `tf` must be evaluated row by row.
pub(super) fn is_lateral(tf: &TableFactor) -> bool {
    match tf {
        TableFactor::Derived { lateral, .. } => *lateral,
        TableFactor::Function { lateral, args, .. } => *lateral || args_name_columns(args),
        TableFactor::Table {
            args: Some(fargs), ..
        } => args_name_columns(&fargs.args),
        TableFactor::UNNEST { array_exprs, .. } => array_exprs.iter().any(names_columns),
        _ => false,
    }
}

fn args_name_columns(args: &[FunctionArg]) -> bool {
    args.iter().any(|a| match a {
        FunctionArg::Named { arg, .. } | FunctionArg::Unnamed(arg) => match arg {
            FunctionArgExpr::Expr(e) => names_columns(e),
            _ => false,
        },
    })
}

/// Whether `e` names a column (which, in a FROM item's arguments, can only be an earlier
/// item's or an enclosing query's).
fn names_columns(e: &Expr) -> bool {
    crate::sql::visit::expressions(e, |e| match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// `left` joined to the lateral item `tf`, evaluated for each of its rows.
#[allow(clippy::too_many_arguments)]
pub(super) fn lateral_join(
    exec: &Executor,
    left: Rel,
    tf: &TableFactor,
    kind: JoinKind,
    constraint: Option<&JoinConstraint>,
    outer: Option<&Scope>,
    used: &UsedNames,
    reads: Option<&HashSet<String>>,
) -> PgResult<Rel> {
    if matches!(kind, JoinKind::Right | JoinKind::Full) {
        let name = left
            .columns
            .first()
            .and_then(|c| c.qualifier.clone())
            .unwrap_or_default();
        return Err(PgError::new(
            "42P10",
            format!("invalid reference to FROM-clause entry for table \"{name}\""),
        )
        .with_detail("The combining JOIN type must be INNER or LEFT for a LATERAL reference."));
    }
    let Rel {
        columns,
        rows,
        hidden,
    } = left;
    let one = |rows: Vec<Vec<Value>>| Rel {
        columns: columns.clone(),
        rows,
        hidden: hidden.clone(),
    };
    let evaluate = |row: &[Value]| {
        let scope = Scope {
            columns: &columns,
            row,
            outer,
        };
        factor(exec, tf, Some(&scope), used)
    };
    if rows.is_empty() {
        // No row to evaluate it for: its columns only, from a row of NULLs.
        let nulls = vec![Value::Null; columns.len()];
        let mut shape = evaluate(&nulls)?;
        shape.rows.clear();
        let (l, r) = (Input::from_rel(one(Vec::new())), Input::from_rel(shape));
        return join(exec, l, r, kind, constraint, outer, reads, None);
    }
    let mut out: Option<Rel> = None;
    for row in rows {
        crate::sql::deadline::check()?;
        let right = evaluate(&row)?;
        let (l, r) = (Input::from_rel(one(vec![row])), Input::from_rel(right));
        let joined = join(exec, l, r, kind, constraint, outer, reads, None)?;
        match out.as_mut() {
            Some(acc) => acc.rows.extend(joined.rows),
            None => out = Some(joined),
        }
    }
    out.ok_or_else(|| PgError::internal("a lateral join without rows"))
}
