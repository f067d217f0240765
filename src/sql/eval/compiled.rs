//! Expressions prepared once for a loop over many rows: column references resolved to their
//! position and literals converted ahead, so a row costs no name lookups and no literal
//! parsing. Anything else is evaluated by `eval` as written, so results and errors are the same.

use super::resolve::{find_column, split_ident};
use super::{
    apply_binary, check_bool, eval, eval_literal, literal_text, ops, row_fields, EvalCtx, Scope,
    ScopeColumn,
};
use crate::error::PgResult;
use crate::types::Value;
use sqlparser::ast::{BinaryOperator, Expr};

pub enum Compiled<'e> {
    /// A column of the row, by position.
    Column(usize),
    /// A literal, converted once.
    Const(Value),
    Binary {
        op: &'e BinaryOperator,
        left: Box<Compiled<'e>>,
        right: Box<Compiled<'e>>,
        /// The operands as written: untyped literals take the other side's type.
        left_expr: &'e Expr,
        right_expr: &'e Expr,
        /// A comparison or arithmetic with no untyped literal: non-json values go straight to
        /// the operator.
        direct: bool,
    },
    /// Evaluated as written (functions, subqueries, outer references, ...).
    General(&'e Expr),
}

impl<'e> Compiled<'e> {
    /// Prepares `expr` for rows shaped like `columns`.
    pub fn new(expr: &'e Expr, columns: &[ScopeColumn]) -> Self {
        match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => column(expr, columns),
            Expr::Nested(inner) => Compiled::new(inner, columns),
            Expr::Value(v) => match eval_literal(v) {
                Ok(value) => Compiled::Const(value),
                Err(_) => Compiled::General(expr),
            },
            Expr::BinaryOp { left, op, right } => Compiled::Binary {
                direct: literal_text(left).is_none()
                    && literal_text(right).is_none()
                    && row_fields(left).is_none()
                    && row_fields(right).is_none()
                    && (ops::is_comparison(op) || ops::is_arithmetic(op)),
                op,
                left: Box::new(Compiled::new(left, columns)),
                right: Box::new(Compiled::new(right, columns)),
                left_expr: left,
                right_expr: right,
            },
            _ => Compiled::General(expr),
        }
    }

    /// Whether every part was prepared (no part falls back to `eval`).
    pub fn is_simple(&self) -> bool {
        match self {
            Compiled::Column(_) | Compiled::Const(_) => true,
            Compiled::Binary { left, right, .. } => left.is_simple() && right.is_simple(),
            Compiled::General(_) => false,
        }
    }

    /// Marks the row positions this expression reads; `false` when it may read more than it
    /// can tell (a part evaluated as written).
    pub fn mark_columns(&self, read: &mut [bool]) -> bool {
        match self {
            Compiled::Column(i) => match read.get_mut(*i) {
                Some(slot) => {
                    *slot = true;
                    true
                }
                None => false,
            },
            Compiled::Const(_) => true,
            Compiled::Binary { left, right, .. } => {
                left.mark_columns(read) && right.mark_columns(read)
            }
            Compiled::General(_) => false,
        }
    }

    pub fn eval(&self, scope: &Scope, ctx: &EvalCtx) -> PgResult<Value> {
        match self {
            Compiled::Column(i) => Ok(scope.row.get(*i).cloned().unwrap_or(Value::Null)),
            Compiled::Const(v) => Ok(v.clone()),
            Compiled::Binary {
                op,
                left,
                right,
                left_expr,
                right_expr,
                direct,
            } => match op {
                BinaryOperator::And | BinaryOperator::Or => {
                    let and = **op == BinaryOperator::And;
                    let name = if and { "AND" } else { "OR" };
                    let l = left.eval(scope, ctx)?;
                    check_bool(name, &l)?;
                    if matches!(l, Value::Bool(b) if b != and) {
                        return Ok(l);
                    }
                    let r = right.eval(scope, ctx)?;
                    check_bool(name, &r)?;
                    Ok(if and { ops::and(l, r) } else { ops::or(l, r) })
                }
                _ => {
                    let l = left.eval(scope, ctx)?;
                    let r = right.eval(scope, ctx)?;
                    let json = |v: &Value| matches!(v, Value::Json(_) | Value::Jsonb(_));
                    if *direct && !json(&l) && !json(&r) {
                        return ops::binary(&l, op, &r);
                    }
                    apply_binary(l, op, r, left_expr, right_expr)
                }
            },
            Compiled::General(e) => eval(e, scope, ctx),
        }
    }
}

/// A column reference found in this row; outer references and ambiguous names are left to
/// `eval`, which resolves them (or raises the error) as it always does.
fn column<'e>(expr: &'e Expr, columns: &[ScopeColumn]) -> Compiled<'e> {
    let ids = match expr {
        Expr::Identifier(id) => std::slice::from_ref(id),
        Expr::CompoundIdentifier(ids) => ids.as_slice(),
        _ => return Compiled::General(expr),
    };
    let Ok((qualifier, name)) = split_ident(ids) else {
        return Compiled::General(expr);
    };
    match find_column(columns, qualifier.as_deref(), &name) {
        Ok(Some(i)) => Compiled::Column(i),
        _ => Compiled::General(expr),
    }
}
