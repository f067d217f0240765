//! Generic traversal and rewriting of expressions (aggregate collection, GROUP BY matching).
//! Subqueries are not entered: their column references belong to their own scope.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, WindowType};

/// The direct child expressions of `e`.
pub fn children(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryOp { left, right, .. } => vec![left, right],
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotFalse(expr)
        | Expr::IsUnknown(expr)
        | Expr::IsNotUnknown(expr)
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::Extract { expr, .. }
        | Expr::Ceil { expr, .. }
        | Expr::Floor { expr, .. }
        | Expr::InSubquery { expr, .. } => vec![expr],
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => vec![a, b],
        Expr::InList { expr, list, .. } => std::iter::once(expr.as_ref()).chain(list).collect(),
        Expr::Between {
            expr, low, high, ..
        } => vec![expr, low, high],
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            vec![expr, pattern]
        }
        Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => vec![left, right],
        Expr::Case {
            operand,
            conditions,
            results,
            else_result,
        } => operand
            .iter()
            .map(|b| b.as_ref())
            .chain(conditions)
            .chain(results)
            .chain(else_result.iter().map(|b| b.as_ref()))
            .collect(),
        Expr::Array(a) => a.elem.iter().collect(),
        Expr::Tuple(items) => items.iter().collect(),
        Expr::Position { expr, r#in } => vec![expr, r#in],
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => std::iter::once(expr.as_ref())
            .chain(substring_from.iter().map(|b| b.as_ref()))
            .chain(substring_for.iter().map(|b| b.as_ref()))
            .collect(),
        Expr::Trim {
            expr, trim_what, ..
        } => std::iter::once(expr.as_ref())
            .chain(trim_what.iter().map(|b| b.as_ref()))
            .collect(),
        Expr::Interval(iv) => vec![&iv.value],
        Expr::AtTimeZone {
            timestamp,
            time_zone,
        } => vec![timestamp, time_zone],
        Expr::Subscript { expr, .. } => vec![expr],
        Expr::Function(f) => {
            let mut out = Vec::new();
            if let FunctionArguments::List(list) = &f.args {
                for a in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } = a
                    {
                        out.push(e);
                    }
                }
            }
            if let Some(filter) = &f.filter {
                out.push(filter);
            }
            // A window's PARTITION BY and ORDER BY are evaluated in the same scope.
            if let Some(WindowType::WindowSpec(spec)) = &f.over {
                out.extend(spec.partition_by.iter());
                out.extend(spec.order_by.iter().map(|o| &o.expr));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Visits `e` and its descendants; `f` returns false to skip a node's children.
pub fn walk<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e Expr) -> bool) {
    if f(e) {
        for c in children(e) {
            walk(c, f);
        }
    }
}

/// Rebuilds `e`, replacing every node for which `f` returns a replacement.
pub fn rewrite(e: &Expr, f: &dyn Fn(&Expr) -> Option<Expr>) -> Expr {
    if let Some(r) = f(e) {
        return r;
    }
    let rw = |x: &Expr| Box::new(rewrite(x, f));
    let mut out = e.clone();
    match &mut out {
        Expr::BinaryOp { left, right, .. } => {
            *left = rw(left);
            *right = rw(right);
        }
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotFalse(expr)
        | Expr::IsUnknown(expr)
        | Expr::IsNotUnknown(expr)
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::Extract { expr, .. }
        | Expr::Ceil { expr, .. }
        | Expr::Floor { expr, .. }
        | Expr::InSubquery { expr, .. }
        | Expr::Subscript { expr, .. } => *expr = rw(expr),
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            *a = rw(a);
            *b = rw(b);
        }
        Expr::InList { expr, list, .. } => {
            *expr = rw(expr);
            for x in list.iter_mut() {
                *x = rewrite(x, f);
            }
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            *expr = rw(expr);
            *low = rw(low);
            *high = rw(high);
        }
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            *expr = rw(expr);
            *pattern = rw(pattern);
        }
        Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
            *left = rw(left);
            *right = rw(right);
        }
        Expr::Case {
            operand,
            conditions,
            results,
            else_result,
        } => {
            if let Some(o) = operand {
                *o = rw(o);
            }
            for x in conditions.iter_mut().chain(results.iter_mut()) {
                *x = rewrite(x, f);
            }
            if let Some(e) = else_result {
                *e = rw(e);
            }
        }
        Expr::Array(a) => {
            for x in a.elem.iter_mut() {
                *x = rewrite(x, f);
            }
        }
        Expr::Position { expr, r#in } => {
            *expr = rw(expr);
            *r#in = rw(r#in);
        }
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            *expr = rw(expr);
            if let Some(x) = substring_from {
                *x = rw(x);
            }
            if let Some(x) = substring_for {
                *x = rw(x);
            }
        }
        Expr::Trim {
            expr, trim_what, ..
        } => {
            *expr = rw(expr);
            if let Some(x) = trim_what {
                *x = rw(x);
            }
        }
        Expr::Interval(iv) => iv.value = rw(&iv.value),
        Expr::AtTimeZone { timestamp, .. } => *timestamp = rw(timestamp),
        Expr::Function(func) => {
            if let FunctionArguments::List(list) = &mut func.args {
                for a in list.args.iter_mut() {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(x),
                        ..
                    } = a
                    {
                        *x = rewrite(x, f);
                    }
                }
            }
            if let Some(WindowType::WindowSpec(spec)) = &mut func.over {
                for x in spec.partition_by.iter_mut() {
                    *x = rewrite(x, f);
                }
                for o in spec.order_by.iter_mut() {
                    o.expr = rewrite(&o.expr, f);
                }
            }
        }
        _ => {}
    }
    out
}
