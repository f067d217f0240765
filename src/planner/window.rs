//! Window functions in distributed SELECTs, as Citus plans them: when every window's
//! PARTITION BY contains a distribution column, whole partitions live in one shard and the
//! windows run inside each shard task; otherwise the workers return the columns the query
//! needs and the coordinator runs the WindowAgg over `remote_scan`.

use super::naming::item_name;
use super::relations::RelationRef;
use super::split::{SplitQuery, REMOTE_SCAN};
use crate::error::PgResult;
use crate::metadata::Catalog;
use crate::sql::select::children;
use sqlparser::ast::{
    Distinct, Expr, Function, GroupByExpr, Ident, OrderByExpr, Query, Select, SelectItem, SetExpr,
    Value as AstValue, WindowType,
};

/// The outermost window calls in `exprs`, each once.
pub fn window_calls<'e>(exprs: impl IntoIterator<Item = &'e Expr>) -> Vec<&'e Function> {
    fn visit<'e>(e: &'e Expr, out: &mut Vec<&'e Function>) {
        if let Expr::Function(f) = e {
            if f.over.is_some() {
                if !out.contains(&f) {
                    out.push(f);
                }
                return;
            }
        }
        for c in children(e) {
            visit(c, out);
        }
    }
    let mut out = Vec::new();
    for e in exprs {
        visit(e, &mut out);
    }
    out
}

/// A window's sort: PARTITION BY keys ascending, then its ORDER BY.
/// One entry per distinct window (its sort keys) with how many calls use it; longer sort keys
/// first, so that a window whose keys are a prefix of another's reuses its sort.
pub fn distinct_windows(calls: &[&Function]) -> Vec<(Vec<OrderByExpr>, usize)> {
    let mut windows: Vec<(Vec<OrderByExpr>, usize)> = Vec::new();
    for call in calls {
        let keys = window_keys(call);
        match windows.iter_mut().find(|(k, _)| *k == keys) {
            Some((_, n)) => *n += 1,
            None => windows.push((keys, 1)),
        }
    }
    crate::sort::sort_by_key(&mut windows, |(k, _)| std::cmp::Reverse(k.len()));
    windows
}

pub fn window_keys(f: &Function) -> Vec<OrderByExpr> {
    let Some(WindowType::WindowSpec(spec)) = &f.over else {
        return Vec::new();
    };
    spec.partition_by
        .iter()
        .map(|e| OrderByExpr {
            expr: e.clone(),
            asc: None,
            nulls_first: None,
            with_fill: None,
        })
        .chain(spec.order_by.iter().cloned())
        .collect()
}

/// The select list and ORDER BY of a SELECT.
fn query_exprs<'q>(query: &'q Query, select: &'q Select) -> Vec<&'q Expr> {
    select
        .projection
        .iter()
        .filter_map(|i| match i {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .chain(
            query
                .order_by
                .iter()
                .flat_map(|o| o.exprs.iter().map(|ob| &ob.expr)),
        )
        .collect()
}

/// Whether the query has window functions, with named windows already inlined.
pub fn has_windows(query: &Query) -> bool {
    match query.body.as_ref() {
        SetExpr::Select(select) => !window_calls(query_exprs(query, select)).is_empty(),
        _ => false,
    }
}

/// Whether every window is partitioned by a distribution column of a distributed relation.
pub fn pushdown_safe(
    query: &Query,
    select: &Select,
    relations: &[RelationRef],
    distributed: &[RelationRef],
    catalog: &Catalog,
) -> bool {
    window_calls(query_exprs(query, select)).iter().all(|f| {
        let Some(WindowType::WindowSpec(spec)) = &f.over else {
            return false;
        };
        spec.partition_by.iter().any(|p| {
            super::prune::dist_column_relation(p, relations, catalog)
                .is_some_and(|r| distributed.contains(r))
        })
    })
}

fn worker_column(i: usize) -> String {
    format!("worker_column_{i}")
}

/// The column references of `e` (not inside subqueries), each once.
fn column_refs<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            if !out.contains(&e) {
                out.push(e);
            }
        }
        _ => {
            for c in children(e) {
                column_refs(c, out);
            }
        }
    }
}

fn has_subquery(e: &Expr) -> bool {
    match e {
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => true,
        _ => children(e).into_iter().any(has_subquery),
    }
}

/// Replaces every column reference in `e` by the worker column holding it.
fn to_remote(e: &Expr, columns: &[&Expr]) -> Expr {
    let mut out = e.clone();
    let _ = crate::sql::visit::expressions_mut(&mut out, |x| {
        if let Some(i) = columns.iter().position(|c| *c == x) {
            *x = Expr::Identifier(Ident::new(worker_column(i + 1)));
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out
}

/// The split for windows the coordinator computes: the workers return the referenced
/// columns, the coordinator runs the select list, ORDER BY and LIMIT over them. `None` for
/// shapes it does not cover (aggregates, DISTINCT ON, subqueries), which are pulled up whole.
pub fn coordinator_split(query: &Query) -> PgResult<Option<SplitQuery>> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(None);
    };
    let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(g, _) if g.is_empty())
        || select.having.is_some();
    let exprs = query_exprs(query, select);
    let aggregated = exprs.iter().any(|e| {
        let mut aggs = false;
        fn visit(e: &Expr, found: &mut bool) {
            if super::split::is_aggregate(e) {
                *found = true;
            }
            for c in children(e) {
                visit(c, found);
            }
        }
        visit(e, &mut aggs);
        aggs
    });
    if grouped
        || aggregated
        || matches!(select.distinct, Some(Distinct::On(_)))
        || exprs.iter().any(|e| has_subquery(e))
    {
        return Ok(None);
    }
    let names: Vec<String> = select.projection.iter().map(item_name).collect();
    // ORDER BY output names and positions stay as they are; other keys read worker columns.
    let order_refs_output = |e: &Expr| match e {
        Expr::Value(AstValue::Number(..)) => true,
        Expr::Identifier(id) => names.contains(&super::relations::normalize_ident(id)),
        _ => false,
    };
    let mut columns: Vec<&Expr> = Vec::new();
    for item in &select.projection {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            column_refs(e, &mut columns);
        }
    }
    if let Some(order) = &query.order_by {
        for ob in &order.exprs {
            if !order_refs_output(&ob.expr) {
                column_refs(&ob.expr, &mut columns);
            }
        }
    }
    if columns.is_empty() {
        return Ok(None);
    }
    let mut worker = query.clone();
    worker.order_by = None;
    worker.limit = None;
    worker.offset = None;
    if let SetExpr::Select(w) = worker.body.as_mut() {
        w.projection = columns
            .iter()
            .enumerate()
            .map(|(i, e)| SelectItem::ExprWithAlias {
                expr: (*e).clone(),
                alias: Ident::new(worker_column(i + 1)),
            })
            .collect();
        w.distinct = None;
        w.named_window = Vec::new();
    }
    let items: Vec<String> = select
        .projection
        .iter()
        .zip(&names)
        .filter_map(|(item, name)| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                Some(format!(
                    "{} AS {}",
                    to_remote(e, &columns),
                    Ident::with_quote('"', name.replace('"', "\"\""))
                ))
            }
            _ => None,
        })
        .collect();
    let distinct = matches!(select.distinct, Some(Distinct::Distinct));
    let mut combine = format!(
        "SELECT {}{} FROM {REMOTE_SCAN}",
        if distinct { "DISTINCT " } else { "" },
        items.join(", ")
    );
    let mut sort_keys = Vec::new();
    if let Some(order) = &query.order_by {
        let keys: Vec<String> = order
            .exprs
            .iter()
            .map(|ob| {
                let mut o = ob.clone();
                if !order_refs_output(&ob.expr) {
                    o.expr = to_remote(&ob.expr, &columns);
                }
                o.to_string()
            })
            .collect();
        combine.push_str(&format!(" ORDER BY {}", keys.join(", ")));
        sort_keys = order
            .exprs
            .iter()
            .map(|ob| {
                let mut o = ob.clone();
                o.expr = remote_name(&ob.expr, &columns, &names, select);
                o.to_string()
            })
            .collect();
    }
    if let Some(limit) = &query.limit {
        combine.push_str(&format!(" LIMIT {limit}"));
    }
    if let Some(offset) = &query.offset {
        combine.push_str(&format!(" OFFSET {}", offset.value));
    }
    Ok(Some(SplitQuery {
        worker,
        combine,
        combine_aggregates: false,
        group_keys: Vec::new(),
        sort_keys,
        has_limit: query.limit.is_some() || query.offset.is_some(),
        worker_aggregates: false,
        worker_group_keys: Vec::new(),
        worker_sort_keys: Vec::new(),
        worker_limit: false,
    }))
}

/// How EXPLAIN names a sort key of the coordinator's Sort: the remote column of a plain
/// column, else the output column it stands for.
fn remote_name(e: &Expr, columns: &[&Expr], names: &[String], select: &Select) -> Expr {
    let column = |name: &str| {
        Expr::CompoundIdentifier(vec![Ident::new(REMOTE_SCAN), Ident::new(name.to_string())])
    };
    if let Some(i) = columns.iter().position(|c| *c == e) {
        return column(&super::naming::expr_name(columns[i]));
    }
    match e {
        Expr::Value(AstValue::Number(n, _)) => {
            let pos: usize = n.to_string().parse().unwrap_or(0);
            match select.projection.get(pos.wrapping_sub(1)) {
                Some(item) => Expr::Identifier(Ident::new(item_name(item))),
                None => e.clone(),
            }
        }
        Expr::Identifier(id) => {
            let name = super::relations::normalize_ident(id);
            let item = select
                .projection
                .iter()
                .zip(names)
                .find(|(_, n)| **n == name)
                .map(|(i, _)| i);
            match item {
                Some(SelectItem::UnnamedExpr(Expr::Function(f)))
                | Some(SelectItem::ExprWithAlias {
                    expr: Expr::Function(f),
                    ..
                }) if f.over.is_some() => {
                    Expr::Identifier(Ident::new(format!("({})", shown_call(f, columns))))
                }
                _ => e.clone(),
            }
        }
        _ => e.clone(),
    }
}

/// The query with every `OVER w` replaced by the named window's definition.
pub fn inline_named_windows(query: &Query) -> PgResult<Query> {
    let mut q = query.clone();
    let SetExpr::Select(select) = q.body.as_mut() else {
        return Ok(q);
    };
    let original = select.as_ref().clone();
    for item in select.projection.iter_mut() {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            *e = crate::sql::select::window::inline_named(&original, e)?;
        }
    }
    if let Some(order) = q.order_by.as_mut() {
        for ob in order.exprs.iter_mut() {
            ob.expr = crate::sql::select::window::inline_named(&original, &ob.expr)?;
        }
    }
    if let SetExpr::Select(select) = q.body.as_mut() {
        select.named_window = Vec::new();
    }
    Ok(q)
}

/// A window call as EXPLAIN prints it over `remote_scan`: `rank() OVER (?)`.
fn shown_call(f: &Function, columns: &[&Expr]) -> String {
    let mut plain = f.clone();
    plain.over = None;
    let mut call = Expr::Function(plain);
    let _ = crate::sql::visit::expressions_mut(&mut call, |x| {
        if columns.contains(&&*x) {
            *x = remote_column(x);
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    format!("{call} OVER (?)")
}

fn remote_column(e: &Expr) -> Expr {
    Expr::CompoundIdentifier(vec![
        Ident::new(REMOTE_SCAN),
        Ident::new(super::naming::expr_name(e)),
    ])
}

/// The coordinator's WindowAgg nodes over the Custom Scan when the workers do not compute the
/// windows; returns the sort keys the rows leave them in.
pub fn combine_windows(
    query: &Query,
    split: &SplitQuery,
    node: &mut crate::planner::explain::PlanNode,
    cost: &mut crate::planner::cost::Cost,
) -> Vec<String> {
    use crate::planner::cost::{self, Cost, CPU_OPERATOR_COST, CPU_TUPLE_COST};
    use crate::planner::explain::PlanNode;
    let (SetExpr::Select(select), SetExpr::Select(worker)) =
        (query.body.as_ref(), split.worker.body.as_ref())
    else {
        return Vec::new();
    };
    if !window_calls(query_exprs(&split.worker, worker)).is_empty() {
        return Vec::new();
    }
    let calls = window_calls(query_exprs(query, select));
    let windows = distinct_windows(&calls);
    let mut sorted: Vec<String> = Vec::new();
    for (keys, functions) in windows {
        let shown: Vec<String> = keys
            .iter()
            .map(|o| {
                let mut o = o.clone();
                o.expr = remote_column(&o.expr);
                o.to_string()
            })
            .collect();
        if !shown.is_empty() && !sorted.starts_with(&shown) {
            *cost = cost::sort(cost, None);
            let input = std::mem::replace(node, PlanNode::new(""));
            *node = PlanNode::new("Sort")
                .with_cost(*cost)
                .prop(format!("Sort Key: {}", shown.join(", ")))
                .child(input);
            sorted = shown;
        }
        let per_row = CPU_OPERATOR_COST * (functions + keys.len()) as f64 + CPU_TUPLE_COST;
        *cost = Cost::new(
            cost.startup,
            cost.total + per_row * cost.rows,
            cost.rows,
            cost.width,
        );
        let input = std::mem::replace(node, PlanNode::new(""));
        *node = PlanNode::new("WindowAgg").with_cost(*cost).child(input);
    }
    sorted
}
