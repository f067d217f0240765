//! Splitting a multi-shard SELECT into the query each shard runs and the combine query the
//! coordinator runs over their results (`remote_scan`), as Citus's logical optimizer does:
//! `avg(x)` becomes `sum(x), count(x)` on the workers and `sum(sum) / sum(count)` on the
//! coordinator.

use super::naming::item_name;
use crate::error::{PgError, PgResult};
use crate::sql::catalog::{self, Distribute};
use crate::sql::eval::function_args;
use sqlparser::ast::{
    Distinct, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, GroupByExpr, Ident, Query, SelectItem, SetExpr, Value as AstValue, Visitor,
};
use std::ops::ControlFlow;

/// The relation name the combine query reads worker results from.
pub const REMOTE_SCAN: &str = "remote_scan";

/// How the coordinator finishes a multi-shard query.
#[derive(Clone, Debug)]
pub struct SplitQuery {
    /// The query every shard runs (still naming the logical tables).
    pub worker: Query,
    /// The combine query over `remote_scan`.
    pub combine: String,
    /// Whether the combine step aggregates (for EXPLAIN: Aggregate / HashAggregate).
    pub combine_aggregates: bool,
    /// The combine step's GROUP BY keys as EXPLAIN prints them (`remote_scan.city`).
    pub group_keys: Vec<String>,
    /// The combine step's sort keys (`remote_scan.age DESC`).
    pub sort_keys: Vec<String>,
    pub has_limit: bool,
    /// Whether the workers aggregate (whole groups when grouped by the distribution column).
    pub worker_aggregates: bool,
    pub worker_group_keys: Vec<String>,
    pub worker_sort_keys: Vec<String>,
    pub worker_limit: bool,
}

fn function_name(f: &Function) -> String {
    f.name
        .0
        .last()
        .map(|i| i.value.to_lowercase())
        .unwrap_or_default()
}

pub fn is_aggregate(expr: &Expr) -> bool {
    matches!(expr, Expr::Function(f) if f.over.is_none() && catalog::is_aggregate(&function_name(f)))
}

/// Whether an expression contains an aggregate call (not looking into subqueries).
pub fn contains_aggregate(expr: &Expr) -> bool {
    any_outside_subqueries(expr, is_aggregate)
}

/// Whether an expression contains a window function.
pub fn contains_window(expr: &Expr) -> bool {
    any_outside_subqueries(expr, |e| matches!(e, Expr::Function(f) if f.over.is_some()))
}

/// Whether `test` holds for `expr` or a sub-expression outside its subqueries.
fn any_outside_subqueries(expr: &Expr, test: impl Fn(&Expr) -> bool) -> bool {
    struct Find<F> {
        test: F,
        subquery_depth: usize,
    }
    impl<F: Fn(&Expr) -> bool> Visitor for Find<F> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subquery_depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subquery_depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if self.subquery_depth == 0 && (self.test)(e) {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    crate::sql::visit::visit(
        expr,
        &mut Find {
            test,
            subquery_depth: 0,
        },
    )
    .is_break()
}

/// Rebuilds `expr` bottom-up-free: `replace` is asked first for each node; when it returns
/// `Some`, that replacement is final and its inside is not visited.
fn rewrite(
    expr: &Expr,
    replace: &mut dyn FnMut(&Expr) -> PgResult<Option<Expr>>,
) -> PgResult<Expr> {
    if let Some(new) = replace(expr)? {
        return Ok(new);
    }
    let mut out = expr.clone();
    match &mut out {
        Expr::BinaryOp { left, right, .. } => {
            **left = rewrite(left, replace)?;
            **right = rewrite(right, replace)?;
        }
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::Cast { expr, .. }
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr) => {
            **expr = rewrite(expr, replace)?;
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            **expr = rewrite(expr, replace)?;
            **low = rewrite(low, replace)?;
            **high = rewrite(high, replace)?;
        }
        Expr::InList { expr, list, .. } => {
            **expr = rewrite(expr, replace)?;
            for e in list.iter_mut() {
                *e = rewrite(e, replace)?;
            }
        }
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            **expr = rewrite(expr, replace)?;
            **pattern = rewrite(pattern, replace)?;
        }
        Expr::Case {
            operand,
            conditions,
            results,
            else_result,
        } => {
            if let Some(o) = operand {
                **o = rewrite(o, replace)?;
            }
            for e in conditions.iter_mut().chain(results.iter_mut()) {
                *e = rewrite(e, replace)?;
            }
            if let Some(e) = else_result {
                **e = rewrite(e, replace)?;
            }
        }
        Expr::Function(f) => {
            if let FunctionArguments::List(list) = &mut f.args {
                for arg in list.args.iter_mut() {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } = arg
                    {
                        *e = rewrite(e, replace)?;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Column references compare equal with or without a table qualifier.
fn same_expr(a: &Expr, b: &Expr) -> bool {
    if a == b {
        return true;
    }
    fn column(e: &Expr) -> Option<String> {
        match e {
            Expr::Identifier(i) => Some(i.value.to_lowercase()),
            Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.to_lowercase()),
            Expr::Nested(inner) => column(inner),
            _ => None,
        }
    }
    match (a, b) {
        (Expr::Identifier(_), Expr::CompoundIdentifier(_))
        | (Expr::CompoundIdentifier(_), Expr::Identifier(_)) => {
            column(a).is_some() && column(a) == column(b)
        }
        _ => false,
    }
}

fn ident(name: &str) -> Expr {
    Expr::Identifier(Ident::new(name))
}

fn quoted(name: &str) -> String {
    Ident::with_quote('"', name.replace('"', "\"\"")).to_string()
}

fn worker_column(i: usize) -> String {
    format!("worker_column_{i}")
}

/// The GROUP BY items, with output positions and aliases resolved to select-list expressions.
fn resolve_group_by(group_by: &GroupByExpr, projection: &[SelectItem]) -> PgResult<Vec<Expr>> {
    let exprs = match group_by {
        GroupByExpr::Expressions(exprs, _) => exprs,
        GroupByExpr::All(_) => return Err(PgError::syntax("syntax error at or near \"ALL\"")),
    };
    exprs
        .iter()
        .map(|e| resolve_output_ref(e, projection).map(|r| r.unwrap_or_else(|| e.clone())))
        .collect()
}

/// `GROUP BY 1` / `ORDER BY alias`: the select-list expression they stand for.
fn resolve_output_ref(e: &Expr, projection: &[SelectItem]) -> PgResult<Option<Expr>> {
    if let Expr::Value(AstValue::Number(n, _)) = e {
        let pos: usize = n.to_string().parse().unwrap_or(0);
        return match projection.get(pos.wrapping_sub(1)) {
            Some(SelectItem::UnnamedExpr(expr)) | Some(SelectItem::ExprWithAlias { expr, .. }) => {
                Ok(Some(expr.clone()))
            }
            _ => Err(PgError::new(
                "42P10",
                format!("GROUP BY position {n} is not in select list"),
            )),
        };
    }
    if let Expr::Identifier(id) = e {
        for item in projection {
            if let SelectItem::ExprWithAlias { expr, alias } = item {
                if alias.value.eq_ignore_ascii_case(&id.value) {
                    return Ok(Some(expr.clone()));
                }
            }
        }
    }
    Ok(None)
}

fn projection_exprs(projection: &[SelectItem]) -> PgResult<Vec<(Expr, String)>> {
    projection
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(e) => Ok((e.clone(), item_name(item))),
            SelectItem::ExprWithAlias { expr, .. } => Ok((expr.clone(), item_name(item))),
            _ => Err(PgError::internal(
                "wildcards must be expanded before splitting",
            )),
        })
        .collect()
}

fn limit_clause(query: &Query) -> String {
    let mut s = String::new();
    if let Some(limit) = &query.limit {
        s.push_str(&format!(" LIMIT {limit}"));
    }
    if let Some(offset) = &query.offset {
        s.push_str(&format!(" OFFSET {}", offset.value));
    }
    s
}

fn order_suffix(asc: Option<bool>, nulls_first: Option<bool>) -> String {
    let mut s = String::new();
    if asc == Some(false) {
        s.push_str(" DESC");
    }
    match nulls_first {
        Some(true) => s.push_str(" NULLS FIRST"),
        Some(false) => s.push_str(" NULLS LAST"),
        None => {}
    }
    s
}

/// Splits `query` (a single SELECT with expanded wildcards). `group_pushdown`: the GROUP BY
/// contains a distribution column, so whole groups live on one shard. Returns `None` when the
/// query has an aggregate the split does not support; the caller then pulls rows up instead.
pub fn split(query: &Query, group_pushdown: bool) -> PgResult<Option<SplitQuery>> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(None);
    };
    let items = projection_exprs(&select.projection)?;
    let group_exprs = resolve_group_by(&select.group_by, &select.projection)?;
    let has_aggregates = items.iter().any(|(e, _)| contains_aggregate(e))
        || select.having.as_ref().is_some_and(contains_aggregate);
    // Windows run in the shard tasks only when whole partitions live in one shard.
    if items.iter().any(|(e, _)| contains_window(e)) && !group_pushdown {
        return Ok(None);
    }
    let partial = (has_aggregates || !group_exprs.is_empty()) && !group_pushdown;
    if partial {
        split_partial(query, select, &items, &group_exprs)
    } else {
        split_plain(
            query,
            select,
            &items,
            has_aggregates || !group_exprs.is_empty(),
        )
        .map(Some)
    }
}

/// Workers compute whole rows (no aggregation, or whole groups); the coordinator sorts, limits
/// and drops helper columns.
fn split_plain(
    query: &Query,
    select: &sqlparser::ast::Select,
    items: &[(Expr, String)],
    worker_aggregates: bool,
) -> PgResult<SplitQuery> {
    let mut worker_items: Vec<Expr> = items.iter().map(|(e, _)| e.clone()).collect();
    let mut sort_keys = Vec::new();
    let mut master_order = Vec::new();
    let mut worker_sort_keys = Vec::new();
    if let Some(order) = &query.order_by {
        for ob in &order.exprs {
            let target = resolve_output_ref(&ob.expr, &select.projection)
                .ok()
                .flatten()
                .unwrap_or_else(|| ob.expr.clone());
            let pos = match worker_items.iter().position(|e| same_expr(e, &target)) {
                Some(p) => p,
                None => {
                    worker_items.push(target.clone());
                    worker_items.len() - 1
                }
            };
            let suffix = order_suffix(ob.asc, ob.nulls_first);
            master_order.push(format!("{}{suffix}", worker_column(pos + 1)));
            // A sort column the query does not select keeps its worker column's name.
            sort_keys.push(format!(
                "remote_scan.{}{suffix}",
                items
                    .get(pos)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| worker_column(pos + 1))
            ));
            worker_sort_keys.push(format!("{target}{suffix}"));
        }
    }
    let distinct = matches!(select.distinct, Some(Distinct::Distinct));
    let mut worker = query.clone();
    let SetExpr::Select(wselect) = worker.body.as_mut() else {
        return Err(PgError::internal("expected SELECT"));
    };
    wselect.projection = worker_items
        .iter()
        .enumerate()
        .map(|(i, e)| SelectItem::ExprWithAlias {
            expr: e.clone(),
            alias: Ident::new(worker_column(i + 1)),
        })
        .collect();
    // A LIMIT is pushed down as LIMIT + OFFSET together with the ORDER BY.
    let worker_limit = query.limit.is_some() && !distinct;
    if worker_limit {
        if let (Some(Expr::Value(AstValue::Number(l, _))), offset) = (&query.limit, &query.offset) {
            let off: u64 = offset
                .as_ref()
                .and_then(|o| match &o.value {
                    Expr::Value(AstValue::Number(n, _)) => n.to_string().parse().ok(),
                    _ => None,
                })
                .unwrap_or(0);
            let lim: u64 = l.to_string().parse().unwrap_or(0);
            if let Some(order) = worker.order_by.as_mut() {
                for (ob, key) in order.exprs.iter_mut().zip(master_order.iter()) {
                    let col = key.split(' ').next().unwrap_or_default();
                    ob.expr = ident(col);
                }
            }
            worker.limit = Some(Expr::Value(AstValue::Number(
                (lim.saturating_add(off))
                    .to_string()
                    .parse()
                    .map_err(|_| PgError::internal("limit"))?,
                false,
            )));
        }
        worker.offset = None;
    } else {
        worker.limit = None;
        worker.offset = None;
        worker.order_by = None;
    }
    let visible: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, (_, name))| format!("{} AS {}", worker_column(i + 1), quoted(name)))
        .collect();
    let mut combine = format!(
        "SELECT {}{} FROM {REMOTE_SCAN}",
        if distinct { "DISTINCT " } else { "" },
        visible.join(", ")
    );
    if !master_order.is_empty() {
        combine.push_str(&format!(" ORDER BY {}", master_order.join(", ")));
    }
    combine.push_str(&limit_clause(query));
    let worker_group_keys = match &select.group_by {
        GroupByExpr::Expressions(e, _) => e.iter().map(|x| x.to_string()).collect(),
        _ => Vec::new(),
    };
    Ok(SplitQuery {
        worker,
        combine,
        combine_aggregates: false,
        group_keys: Vec::new(),
        sort_keys,
        has_limit: query.limit.is_some(),
        worker_aggregates,
        worker_group_keys,
        worker_sort_keys: if worker_limit {
            worker_sort_keys
        } else {
            Vec::new()
        },
        worker_limit,
    })
}

/// Workers aggregate partially per shard; the coordinator merges the partial aggregates.
fn split_partial(
    query: &Query,
    select: &sqlparser::ast::Select,
    items: &[(Expr, String)],
    group_exprs: &[Expr],
) -> PgResult<Option<SplitQuery>> {
    let mut worker_items: Vec<Expr> = group_exprs.to_vec();
    let mut worker_groups: Vec<Expr> = group_exprs.to_vec();
    let mut unsupported = false;

    // Rewrites an expression of the original select list for the coordinator.
    let to_master = |expr: &Expr,
                     worker_items: &mut Vec<Expr>,
                     worker_groups: &mut Vec<Expr>,
                     unsupported: &mut bool|
     -> PgResult<Expr> {
        rewrite(expr, &mut |e| {
            if let Some(pos) = group_exprs.iter().position(|g| same_expr(g, e)) {
                return Ok(Some(ident(&worker_column(pos + 1))));
            }
            let Expr::Function(f) = e else {
                return Ok(None);
            };
            if !is_aggregate(e) {
                return Ok(None);
            }
            let name = function_name(f);
            let distinct = matches!(&f.args, FunctionArguments::List(l) if l.duplicate_treatment == Some(sqlparser::ast::DuplicateTreatment::Distinct));
            let arg = function_args(&f.args).first().map(|a| (*a).clone());
            let push = |expr: Expr, items: &mut Vec<Expr>| -> String {
                if let Some(p) = items.iter().position(|x| *x == expr) {
                    return worker_column(p + 1);
                }
                items.push(expr);
                worker_column(items.len())
            };
            let ordered = matches!(&f.args, FunctionArguments::List(l) if l.clauses.iter().any(|c| matches!(c, FunctionArgumentClause::OrderBy(_))));
            let Some(aggregate) = catalog::aggregate(&name) else {
                *unsupported = true;
                return Ok(None);
            };
            let out = match (aggregate.distribute, distinct) {
                (Distribute::Concatenate(_), _) if ordered || distinct => {
                    let why = if ordered {
                        "with order by"
                    } else {
                        "(distinct)"
                    };
                    return Err(PgError::new(
                        "0A000",
                        format!("{name} {why} is unsupported"),
                    ));
                }
                (Distribute::Count | Distribute::Sum | Distribute::Avg, true) => {
                    let Some(arg) = arg else {
                        *unsupported = true;
                        return Ok(None);
                    };
                    let col = push(arg.clone(), worker_items);
                    if !worker_groups.contains(&arg) {
                        worker_groups.push(arg);
                    }
                    format!("{name}(DISTINCT {col})")
                }
                (Distribute::Count, false) => {
                    let col = push(e.clone(), worker_items);
                    format!("COALESCE(CAST(sum({col}) AS BIGINT), 0)")
                }
                (Distribute::Sum, false) => {
                    // sum(bigint) is numeric: cast back to the type the workers' sums have.
                    let col = push(e.clone(), worker_items);
                    format!("CAST(sum({col}) AS {})", type_marker(&col))
                }
                (Distribute::Reaggregate, false) => {
                    let col = push(e.clone(), worker_items);
                    format!("{name}({col})")
                }
                (Distribute::Avg, false) => {
                    let Some(arg) = arg else {
                        *unsupported = true;
                        return Ok(None);
                    };
                    let sum = push(parse_expr(&format!("sum({arg})"))?, worker_items);
                    let count = push(parse_expr(&format!("count({arg})"))?, worker_items);
                    format!("sum({sum}) / NULLIF(sum({count}), 0)")
                }
                (Distribute::Concatenate(concat), false) => {
                    let col = push(e.clone(), worker_items);
                    format!("{concat}({col})")
                }
                // The workers send transition states; the coordinator combines and finishes
                // them (the aggregate travels by name; EXPLAIN shows its oid).
                (Distribute::CombineStates, false) if !ordered => {
                    let Some(arg) = arg else {
                        *unsupported = true;
                        return Ok(None);
                    };
                    let partial = parse_expr(&format!("worker_partial_agg('{name}', {arg})"))?;
                    let col = push(partial, worker_items);
                    format!(
                        "coord_combine_agg('{name}', {col}, CAST(NULL AS {}))",
                        element_marker(&col)
                    )
                }
                // No combine function (or DISTINCT): the coordinator aggregates the rows.
                _ => {
                    *unsupported = true;
                    return Ok(None);
                }
            };
            parse_expr(&out).map(Some)
        })
    };

    let mut master_items = Vec::new();
    for (expr, name) in items {
        let e = to_master(
            expr,
            &mut worker_items,
            &mut worker_groups,
            &mut unsupported,
        )?;
        master_items.push(format!("{e} AS {}", quoted(name)));
    }
    let having = match &select.having {
        Some(h) => Some(to_master(
            h,
            &mut worker_items,
            &mut worker_groups,
            &mut unsupported,
        )?),
        None => None,
    };
    let mut master_order = Vec::new();
    let mut sort_keys = Vec::new();
    if let Some(order) = &query.order_by {
        for ob in &order.exprs {
            let suffix = order_suffix(ob.asc, ob.nulls_first);
            let by_output = resolve_output_ref(&ob.expr, &select.projection)
                .ok()
                .flatten()
                .is_some();
            let text = if by_output {
                ob.expr.to_string()
            } else {
                to_master(
                    &ob.expr,
                    &mut worker_items,
                    &mut worker_groups,
                    &mut unsupported,
                )?
                .to_string()
            };
            sort_keys.push(format!("remote_scan.{}{suffix}", ob.expr));
            master_order.push(format!("{text}{suffix}"));
        }
    }
    if unsupported {
        return Ok(None);
    }
    // Anything still naming an original column was neither grouped nor aggregated.
    for item in &master_items {
        if let Some(col) = stray_column(item) {
            return Err(PgError::new(
                "42803",
                format!("column \"{col}\" must appear in the GROUP BY clause or be used in an aggregate function"),
            ));
        }
    }

    let mut worker = query.clone();
    worker.order_by = None;
    worker.limit = None;
    worker.offset = None;
    let SetExpr::Select(wselect) = worker.body.as_mut() else {
        return Err(PgError::internal("expected SELECT"));
    };
    wselect.projection = worker_items
        .iter()
        .enumerate()
        .map(|(i, e)| SelectItem::ExprWithAlias {
            expr: e.clone(),
            alias: Ident::new(worker_column(i + 1)),
        })
        .collect();
    wselect.group_by = GroupByExpr::Expressions(worker_groups.clone(), Vec::new());
    wselect.having = None;
    wselect.distinct = None;

    let groups: Vec<String> = (1..=group_exprs.len()).map(worker_column).collect();
    let distinct = matches!(select.distinct, Some(Distinct::Distinct));
    let mut combine = format!(
        "SELECT {}{} FROM {REMOTE_SCAN}",
        if distinct { "DISTINCT " } else { "" },
        master_items.join(", ")
    );
    if !groups.is_empty() {
        combine.push_str(&format!(" GROUP BY {}", groups.join(", ")));
    }
    if let Some(h) = having {
        combine.push_str(&format!(" HAVING {h}"));
    }
    if !master_order.is_empty() {
        combine.push_str(&format!(" ORDER BY {}", master_order.join(", ")));
    }
    combine.push_str(&limit_clause(query));
    Ok(Some(SplitQuery {
        worker,
        combine,
        combine_aggregates: true,
        group_keys: group_exprs
            .iter()
            .map(|g| format!("remote_scan.{}", super::naming::expr_name(g)))
            .collect(),
        sort_keys,
        has_limit: query.limit.is_some(),
        worker_aggregates: true,
        worker_group_keys: worker_groups.iter().map(|g| g.to_string()).collect(),
        worker_sort_keys: Vec::new(),
        worker_limit: false,
    }))
}

/// A column reference in a rewritten combine expression that is not a worker column.
fn stray_column(item: &str) -> Option<String> {
    let expr_text = item.rsplit_once(" AS ").map(|(e, _)| e).unwrap_or(item);
    let expr = parse_expr(expr_text).ok()?;
    let mut stray = None;
    let _ = crate::sql::visit::expressions(&expr, |e| {
        stray = match e {
            Expr::Identifier(i) if !i.value.starts_with("worker_column_") => Some(i.value.clone()),
            Expr::CompoundIdentifier(p) => Some(
                p.iter()
                    .map(|i| i.value.clone())
                    .collect::<Vec<_>>()
                    .join("."),
            ),
            _ => return ControlFlow::Continue(()),
        };
        ControlFlow::Break(())
    });
    stray
}

/// A placeholder for the type of a worker column, filled in once the tasks have returned.
fn type_marker(col: &str) -> String {
    format!("__type_of_{col}__")
}

/// A placeholder for the element type of a worker column's array (a transition state's).
fn element_marker(col: &str) -> String {
    format!("__element_of_{col}__")
}

/// Replaces type placeholders with the types the `remote_scan` columns actually have.
pub fn fill_types(combine: &str, columns: &[crate::sql::Column]) -> String {
    use crate::types::SqlType;
    let mut out = combine.to_string();
    for c in columns {
        let ty = match &c.ty {
            SqlType::Unknown => "numeric".to_string(),
            t => t.pg_name(),
        };
        out = out.replace(&type_marker(&c.name), &ty);
        let element = match &c.ty {
            SqlType::Array(inner) => inner.pg_name(),
            _ => "numeric".to_string(),
        };
        out = out.replace(&element_marker(&c.name), &element);
    }
    out
}

fn parse_expr(sql: &str) -> PgResult<Expr> {
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| PgError::internal(format!("could not build combine expression: {e}")))
}
