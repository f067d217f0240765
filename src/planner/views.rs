//! Views in a coordinator query are expanded before Citus plans it, as PostgreSQL's rewriter
//! does: a simple view (one SELECT without grouping, DISTINCT, windows or LIMIT) read by a
//! query on it alone is merged into that query, so that routing and pushdown see the
//! view's tables and both WHERE clauses; any other view becomes a subquery in FROM.

use super::relations::{normalize_ident, object_name};
use crate::sql::select::access::single_table;
use crate::sql::select::children;
use crate::sql::{Database, ViewDef};
use sqlparser::ast::{
    BinaryOperator, Distinct, Expr, GroupByExpr, Ident, Query, Select, SelectItem, SetExpr,
    TableAlias, TableFactor,
};
use std::ops::ControlFlow;

/// `query` with the views it reads expanded (unchanged when it reads none).
pub fn inline_views(query: &Query, db: &Database) -> Query {
    if db.views.is_empty() {
        return query.clone();
    }
    let mut q = query.clone();
    if let Some(merged) = merge_single_view(&q, db) {
        return merged;
    }
    struct Expand<'a>(&'a Database);
    impl sqlparser::ast::VisitorMut for Expand<'_> {
        type Break = ();
        // Post-order: a view's own definition is not expanded again.
        fn post_visit_table_factor(&mut self, f: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } = f
            {
                let table = object_name(name);
                if let Some(view) = self.0.views.get(&table) {
                    let alias = alias.clone().unwrap_or(TableAlias {
                        name: Ident::new(table.clone()),
                        columns: Vec::new(),
                    });
                    *f = derived(view, alias);
                }
            }
            ControlFlow::Continue(())
        }
    }
    expand_view_wildcard(&mut q, db);
    let _ = crate::sql::visit::visit_mut(&mut q, &mut Expand(db));
    q
}

fn derived(view: &ViewDef, mut alias: TableAlias) -> TableFactor {
    if alias.columns.is_empty() {
        alias.columns = view
            .columns
            .iter()
            .map(|c| Ident::with_quote('"', c.name.clone()))
            .collect();
    }
    TableFactor::Derived {
        lateral: false,
        subquery: Box::new(view.query.clone()),
        alias: Some(alias),
    }
}

/// The view's SELECT when it can be merged into a query over it.
fn simple_select(view: &ViewDef) -> Option<&Select> {
    let q = &view.query;
    if q.with.is_some() || q.order_by.is_some() || q.limit.is_some() || q.offset.is_some() {
        return None;
    }
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return None;
    };
    let grouped = !matches!(&sel.group_by, GroupByExpr::Expressions(g, _) if g.is_empty());
    let plain = |e: &Expr| {
        !super::split::contains_aggregate(e)
            && !super::split::contains_window(e)
            && !has_subquery(e)
    };
    let items_plain = sel.projection.iter().all(|i| match i {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => plain(e),
        _ => false,
    });
    (!grouped
        && sel.having.is_none()
        && sel.distinct.is_none()
        && sel.named_window.is_empty()
        && items_plain
        && sel.projection.len() == view.columns.len())
    .then_some(sel.as_ref())
}

fn has_subquery(e: &Expr) -> bool {
    match e {
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => true,
        _ => children(e).into_iter().any(has_subquery),
    }
}

/// `SELECT ... FROM view [alias] WHERE ...` with a simple view: one SELECT over the view's
/// FROM with the view's columns replaced by their definitions.
fn merge_single_view(q: &Query, db: &Database) -> Option<Query> {
    let SetExpr::Select(outer) = q.body.as_ref() else {
        return None;
    };
    if q.with.is_some() {
        return None;
    }
    let (name, alias) = single_table(outer)?;
    let view_name = object_name(name);
    let view = db.views.get(&view_name)?;
    let inner = simple_select(view)?;
    if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
        return None;
    }
    let reference = alias
        .as_ref()
        .map(|a| normalize_ident(&a.name))
        .unwrap_or(view_name);
    let definitions: Vec<(String, Expr)> = view
        .columns
        .iter()
        .zip(&inner.projection)
        .filter_map(|(c, item)| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                Some((c.name.clone(), e.clone()))
            }
            _ => None,
        })
        .collect();
    let lookup = |e: &Expr| -> Option<Expr> {
        let column = match e {
            Expr::Identifier(id) => normalize_ident(id),
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                if parts.first().map(normalize_ident)? != reference {
                    return None;
                }
                parts.last().map(normalize_ident)?
            }
            _ => return None,
        };
        let def = definitions.iter().find(|(n, _)| *n == column)?.1.clone();
        Some(match def {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) => def,
            other => Expr::Nested(Box::new(other)),
        })
    };
    // Subqueries of the outer query could see the view's columns; keep those as subqueries.
    let outer_exprs_plain = outer.projection.iter().all(|i| match i {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => !has_subquery(e),
        _ => true,
    }) && outer.selection.as_ref().is_none_or(|w| !has_subquery(w));
    if !outer_exprs_plain || !matches!(outer.distinct, None | Some(Distinct::Distinct)) {
        return None;
    }
    let substitute = |e: &Expr| -> Expr {
        let mut out = e.clone();
        let _ = crate::sql::visit::expressions_mut(&mut out, |x| {
            if let Some(r) = lookup(x) {
                *x = r;
            }
            ControlFlow::<()>::Continue(())
        });
        out
    };
    let mut merged = q.clone();
    let SetExpr::Select(sel) = merged.body.as_mut() else {
        return None;
    };
    let mut projection = Vec::new();
    for item in &outer.projection {
        match item {
            SelectItem::Wildcard(_) => {
                projection.extend(definitions.iter().map(|(n, e)| named(e.clone(), n)))
            }
            SelectItem::QualifiedWildcard(q, _) if object_name(q) == reference => {
                projection.extend(definitions.iter().map(|(n, e)| named(e.clone(), n)))
            }
            SelectItem::UnnamedExpr(e) => {
                let name = super::naming::item_name(item);
                projection.push(named(substitute(e), &name));
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                projection.push(SelectItem::ExprWithAlias {
                    expr: substitute(expr),
                    alias: alias.clone(),
                })
            }
            other => projection.push(other.clone()),
        }
    }
    sel.projection = projection;
    sel.from = inner.from.clone();
    sel.selection = match (&inner.selection, &outer.selection) {
        (Some(a), Some(b)) => Some(Expr::BinaryOp {
            left: Box::new(a.clone()),
            op: BinaryOperator::And,
            right: Box::new(substitute(b)),
        }),
        (Some(a), None) => Some(a.clone()),
        (None, Some(b)) => Some(substitute(b)),
        (None, None) => None,
    };
    if let GroupByExpr::Expressions(g, _) = &mut sel.group_by {
        for e in g.iter_mut() {
            *e = substitute(e);
        }
    }
    sel.having = sel.having.as_ref().map(substitute);
    if let Some(order) = merged.order_by.as_mut() {
        for ob in order.exprs.iter_mut() {
            ob.expr = substitute(&ob.expr);
        }
    }
    Some(merged)
}

/// An item that keeps the output name it had over the view.
fn named(e: Expr, name: &str) -> SelectItem {
    let same = matches!(&e, Expr::Identifier(id) if normalize_ident(id) == name)
        || matches!(&e, Expr::CompoundIdentifier(p) if p.last().is_some_and(|id| normalize_ident(id) == name));
    if same {
        SelectItem::UnnamedExpr(e)
    } else {
        SelectItem::ExprWithAlias {
            expr: e,
            alias: Ident::with_quote('"', name.to_string()),
        }
    }
}

/// `SELECT * FROM view`: the view's columns, named, as PostgreSQL expands `*` before the view
/// becomes a subquery.
fn expand_view_wildcard(q: &mut Query, db: &Database) {
    let SetExpr::Select(sel) = q.body.as_mut() else {
        return;
    };
    let Some((name, alias)) = single_table(sel).map(|(n, a)| (n.clone(), a.cloned())) else {
        return;
    };
    let table = object_name(&name);
    let Some(view) = db.views.get(&table) else {
        return;
    };
    let reference = alias
        .as_ref()
        .map(|a| a.name.clone())
        .unwrap_or_else(|| Ident::new(table.clone()));
    let columns: Vec<SelectItem> = view
        .columns
        .iter()
        .map(|c| {
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(vec![
                reference.clone(),
                Ident::with_quote('"', c.name.clone()),
            ]))
        })
        .collect();
    let mut projection = Vec::new();
    for item in sel.projection.drain(..) {
        match item {
            SelectItem::Wildcard(_) => projection.extend(columns.iter().cloned()),
            SelectItem::QualifiedWildcard(q, _)
                if object_name(&q) == normalize_ident(&reference) =>
            {
                projection.extend(columns.iter().cloned())
            }
            other => projection.push(other),
        }
    }
    sel.projection = projection;
}
