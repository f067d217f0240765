//! One SELECT block: FROM, WHERE, grouping, HAVING, the select list (with set-returning
//! functions), DISTINCT [ON] and ORDER BY.

use super::aggregate::{check_grouped, group, has_aggregates};
use super::from::{build_from_where, column_index, generate_series, is_srf_call};
use super::order::{cmp_keys, key_sources, regclass_keys_by_oid, KeySource};
use super::scan::{self, StoredScan};
use super::used::used_names;
use super::{names::output_name, window, Executor, Rel};
use crate::error::{PgError, PgResult};
use crate::sql::eval::compiled::Compiled;
use crate::sql::eval::resolve::ident_name;
use crate::sql::eval::{eval, expr_type, is_true, Scope};
use crate::sql::{Column, ResultSet};
use crate::types::{GroupKey, SqlType, Value};
use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, Ident, OrderByExpr, Select, SelectItem, Value as AstValue,
};
use std::collections::HashSet;

struct Item {
    expr: Expr,
    name: String,
    /// Column index for `*` expansion (fast path when not grouped).
    direct: Option<usize>,
}

fn column_expr(qualifier: Option<&str>, name: &str) -> Expr {
    let col = Ident::with_quote('"', name);
    match qualifier {
        Some(q) => Expr::CompoundIdentifier(vec![Ident::with_quote('"', q), col]),
        None => Expr::Identifier(col),
    }
}

fn expand_items(sel: &Select, rel: &Rel) -> PgResult<Vec<Item>> {
    let mut items = Vec::new();
    for p in &sel.projection {
        match p {
            SelectItem::UnnamedExpr(e) => items.push(Item {
                expr: e.clone(),
                name: output_name(e),
                direct: None,
            }),
            SelectItem::ExprWithAlias { expr, alias } => items.push(Item {
                expr: expr.clone(),
                name: ident_name(alias),
                direct: None,
            }),
            SelectItem::Wildcard(_) => {
                if sel.from.is_empty() {
                    return Err(PgError::syntax(
                        "SELECT * with no tables specified is not valid",
                    ));
                }
                for (i, c) in rel.columns.iter().enumerate() {
                    if rel.hidden.get(i).copied().unwrap_or(false) {
                        continue;
                    }
                    items.push(Item {
                        expr: column_expr(c.qualifier.as_deref(), &c.name),
                        name: c.name.clone(),
                        direct: Some(i),
                    });
                }
            }
            SelectItem::QualifiedWildcard(name, _) => {
                let q = name.0.last().map(ident_name).unwrap_or_default();
                let mut any = false;
                for (i, c) in rel.columns.iter().enumerate() {
                    if c.qualifier.as_deref() == Some(q.as_str()) {
                        any = true;
                        items.push(Item {
                            expr: column_expr(Some(&q), &c.name),
                            name: c.name.clone(),
                            direct: Some(i),
                        });
                    }
                }
                if !any {
                    return Err(PgError::new(
                        "42P01",
                        format!("missing FROM-clause entry for table \"{q}\""),
                    ));
                }
            }
        }
    }
    Ok(items)
}

/// GROUP BY items: output positions and output aliases are allowed as in PostgreSQL.
fn group_exprs(sel: &Select, items: &[Item], rel: &Rel) -> PgResult<Vec<Expr>> {
    let GroupByExpr::Expressions(exprs, _) = &sel.group_by else {
        return Err(PgError::unsupported("GROUP BY ALL is not supported"));
    };
    exprs
        .iter()
        .map(|g| match g {
            Expr::Value(AstValue::Number(n, _)) => {
                let pos: usize = n.to_string().parse().unwrap_or(0);
                items
                    .get(pos.wrapping_sub(1))
                    .map(|i| i.expr.clone())
                    .ok_or_else(|| {
                        PgError::new(
                            "42P10",
                            format!("GROUP BY position {n} is not in select list"),
                        )
                    })
            }
            Expr::Identifier(id) => {
                let name = ident_name(id);
                let is_input = rel.columns.iter().any(|c| c.name == name);
                match items.iter().find(|i| i.name == name) {
                    Some(item) if !is_input => Ok(item.expr.clone()),
                    _ => Ok(g.clone()),
                }
            }
            other => Ok(other.clone()),
        })
        .collect()
}

/// The select-list and ORDER BY expressions window calls may appear in.
fn window_targets<'a>(items: &'a mut [Item], sources: &'a mut [KeySource]) -> Vec<&'a mut Expr> {
    let mut out: Vec<&mut Expr> = items.iter_mut().map(|i| &mut i.expr).collect();
    for s in sources.iter_mut() {
        if let KeySource::Expr(e) = s {
            out.push(&mut **e);
        }
    }
    out
}

/// Values of one select-list set-returning function for a row.
fn srf_values(name: &str, args: Vec<Value>) -> PgResult<Vec<Value>> {
    match name {
        "generate_series" => generate_series(&args),
        "jsonb_object_keys" | "jsonb_array_elements" | "jsonb_array_elements_text" => {
            match crate::sql::functions::jsonb::set_returning(name, &args) {
                Some(r) => Ok(r?.1.into_iter().flat_map(|row| row.into_iter()).collect()),
                None => Ok(Vec::new()),
            }
        }
        _ => match args.into_iter().next() {
            Some(Value::Array(items)) => Ok(items),
            _ => Ok(Vec::new()),
        },
    }
}

/// Runs one SELECT block; rows come back sorted by `order` (keys are already applied).
/// WHERE or HAVING over built rows: keeps those for which `condition` is true.
fn keep_rows(
    rel: &mut Rel,
    condition: &Expr,
    outer: Option<&Scope>,
    ctx: &crate::sql::eval::EvalCtx,
) -> PgResult<()> {
    let condition = Compiled::new(condition, &rel.columns);
    let mut kept = Vec::with_capacity(rel.rows.len());
    for row in std::mem::take(&mut rel.rows) {
        crate::sql::deadline::check()?;
        let scope = Scope {
            columns: &rel.columns,
            row: &row,
            outer,
        };
        if is_true(&condition.eval(&scope, ctx)?) {
            kept.push(row);
        }
    }
    rel.rows = kept;
    Ok(())
}

/// The rows of a streamed scan for a block that is not grouped: all that pass WHERE or, under
/// `LIMIT` (`bound`), only those the output can contain. The early stop and the top-N
/// selection apply only where they cannot change the answer or its errors: no DISTINCT,
/// window or set-returning function, and (with ORDER BY) a select list of plain columns.
#[allow(clippy::too_many_arguments)]
fn streamed_rows(
    exec: &Executor,
    scan: &StoredScan,
    rel: &Rel,
    items: &[Item],
    sources: &[KeySource],
    sel: &Select,
    order: &[OrderByExpr],
    bound: Option<usize>,
    outer: Option<&Scope>,
) -> PgResult<Vec<Vec<Value>>> {
    let ctx = exec.ctx();
    let columns = &rel.columns;
    let plain = sel.distinct.is_none()
        && items
            .iter()
            .all(|i| !window::has_windows(&i.expr) && is_srf_call(&i.expr).is_none())
        && sources
            .iter()
            .all(|s| !matches!(s, KeySource::Expr(e) if window::has_windows(e)));
    let Some(n) = bound.filter(|_| plain) else {
        return scan.collect(columns, outer, &ctx, None);
    };
    if sources.is_empty() {
        return scan.collect(columns, outer, &ctx, Some(n));
    }
    let items_plain = items.iter().all(|i| {
        matches!(
            Compiled::new(&i.expr, columns),
            Compiled::Column(_) | Compiled::Const(_)
        )
    });
    let keys: Option<Vec<Compiled>> = sources
        .iter()
        .map(|s| {
            let e: &Expr = match s {
                KeySource::Expr(e) => e,
                KeySource::Output(i) => &items.get(*i)?.expr,
            };
            let key = Compiled::new(e, columns);
            // Regclass keys sort by OID, which the final sort looks up.
            let simple = key.is_simple() && expr_type(e, columns, &ctx) != SqlType::Regclass;
            simple.then_some(key)
        })
        .collect();
    match keys.filter(|_| items_plain) {
        Some(keys) => scan.first_n(columns, outer, &ctx, &keys, order, n),
        None => scan.collect(columns, outer, &ctx, None),
    }
}

/// Which joins of `sel` the planner makes merge joins, so that they run (and order their rows)
/// as EXPLAIN shows them; only where its joins follow FROM as the executor's do.
fn merge_joins(
    exec: &Executor,
    sel: &Select,
    order: &[OrderByExpr],
    bound: Option<usize>,
) -> Vec<Option<bool>> {
    let joins: usize = sel.from.iter().map(|t| t.joins.len()).sum();
    let flat = sel.from.len() == 1 || joins == 0;
    // A LATERAL item is joined row by row, never merged.
    let lateral = sel.from.iter().any(|t| {
        std::iter::once(&t.relation)
            .chain(t.joins.iter().map(|j| &j.relation))
            .any(super::lateral::is_lateral)
    });
    if !flat || lateral || joins + sel.from.len() < 2 {
        return Vec::new();
    }
    let ctx = exec.ctx();
    crate::planner::node_plan::NodePlanner::new(&ctx).merge_joins(sel, order, bound)
}

/// `bound`: only that many first rows are wanted (`LIMIT` plus `OFFSET`).
pub fn run_select(
    exec: &Executor,
    sel: &Select,
    order: &[OrderByExpr],
    bound: Option<usize>,
    outer: Option<&Scope>,
) -> PgResult<(ResultSet, Option<Vec<Vec<Value>>>)> {
    let ctx = exec.ctx();
    window::check_clauses(sel)?;
    let used = used_names(sel, order);
    let lookup = match used.tableoid() {
        true => None,
        false => super::access::index_lookup(exec, sel),
    };
    let streamed = match lookup {
        Some(_) => None,
        None => scan::stored_scan(exec, sel, &used)?,
    };
    let (mut rel, scan) = match (lookup, streamed) {
        (Some(rel), _) => (rel?, None),
        (None, Some((shape, scan))) => (shape, Some(scan)),
        (None, None) => {
            let merges = merge_joins(exec, sel, order, bound);
            let from = build_from_where(
                exec,
                &sel.from,
                sel.selection.as_ref(),
                outer,
                &used,
                &merges,
            );
            (from?, None)
        }
    };
    if let Some(w) = &sel.selection {
        if has_aggregates(w) {
            return Err(PgError::new(
                "42803",
                "aggregate functions are not allowed in WHERE",
            ));
        }
        if scan.is_none() {
            keep_rows(&mut rel, w, outer, &ctx)?;
        }
    }

    let mut items = expand_items(sel, &rel)?;
    let names: Vec<String> = items.iter().map(|i| i.name.clone()).collect();
    let mut sources = key_sources(order, &names)?;
    for e in window_targets(&mut items, &mut sources) {
        *e = window::inline_named(sel, e)?;
    }
    let groups = group_exprs(sel, &items, &rel)?;
    let order_has_aggs = sources
        .iter()
        .any(|s| matches!(s, KeySource::Expr(e) if has_aggregates(e)));
    let grouped = !groups.is_empty()
        || sel.having.is_some()
        || order_has_aggs
        || items.iter().any(|i| has_aggregates(&i.expr));

    // A block that is not grouped reads its streamed rows now (grouping folds them itself).
    let scan = match scan {
        Some(scan) if !grouped => {
            rel.rows = streamed_rows(
                exec, &scan, &rel, &items, &sources, sel, order, bound, outer,
            )?;
            None
        }
        scan => scan,
    };
    let mut having = sel.having.clone();
    if grouped {
        let mut all: Vec<&Expr> = items.iter().map(|i| &i.expr).collect();
        all.extend(having.iter());
        for s in &sources {
            if let KeySource::Expr(e) = s {
                all.push(e);
            }
        }
        let g = group(exec, &rel, scan.as_ref(), &groups, &all, outer)?;
        for i in items.iter_mut() {
            i.expr = (g.rewrite)(&i.expr);
            i.direct = None;
            check_grouped(&i.expr, &g.rel.columns, &rel.columns)?;
        }
        if let Some(h) = &having {
            let h2 = (g.rewrite)(h);
            check_grouped(&h2, &g.rel.columns, &rel.columns)?;
            having = Some(h2);
        }
        for s in sources.iter_mut() {
            if let KeySource::Expr(e) = s {
                **e = (g.rewrite)(e);
                check_grouped(e, &g.rel.columns, &rel.columns)?;
            }
        }
        rel = g.rel;
    }
    if let Some(h) = &having {
        keep_rows(&mut rel, h, outer, &ctx)?;
    }

    let mut targets = window_targets(&mut items, &mut sources);
    window::apply(exec, &mut rel, &mut targets, outer)?;

    let distinct_on: Option<&Vec<Expr>> = match &sel.distinct {
        Some(Distinct::On(exprs)) => Some(exprs),
        _ => None,
    };
    // Plain column references read their column by position, without name lookups per row.
    for item in items.iter_mut() {
        if item.direct.is_none() && !has_aggregates(&item.expr) {
            item.direct = column_index(&item.expr, &rel.columns);
        }
    }
    let srfs: Vec<Option<(String, Vec<&Expr>)>> =
        items.iter().map(|i| is_srf_call(&i.expr)).collect();
    let has_srf = srfs.iter().any(Option::is_some);

    let mut out_rows: Vec<Vec<Value>> = Vec::with_capacity(rel.rows.len());
    let mut keys: Vec<Vec<Value>> = Vec::new();
    let mut don_keys: Vec<Vec<GroupKey>> = Vec::new();
    if !has_srf && distinct_on.is_none() {
        // Each output value is computed, or moved out of its input row, once.
        let moves: Vec<bool> = items
            .iter()
            .map(|it| {
                it.direct
                    .is_some_and(|i| items.iter().filter(|o| o.direct == Some(i)).count() == 1)
            })
            .collect();
        let key_columns: Vec<Option<usize>> = sources
            .iter()
            .map(|s| match s {
                KeySource::Expr(e) => column_index(e, &rel.columns),
                KeySource::Output(_) => None,
            })
            .collect();
        let item_exprs: Vec<Option<Compiled>> = items
            .iter()
            .map(|i| match i.direct {
                Some(_) => None,
                None => Some(Compiled::new(&i.expr, &rel.columns)),
            })
            .collect();
        let key_exprs: Vec<Option<Compiled>> = sources
            .iter()
            .map(|s| match s {
                KeySource::Expr(e) => Some(Compiled::new(e, &rel.columns)),
                KeySource::Output(_) => None,
            })
            .collect();
        for mut row in std::mem::take(&mut rel.rows) {
            crate::sql::deadline::check()?;
            let mut vals = Vec::with_capacity(items.len());
            let mut k = Vec::with_capacity(sources.len());
            {
                let scope = Scope {
                    columns: &rel.columns,
                    row: &row,
                    outer,
                };
                for e in &item_exprs {
                    vals.push(match e {
                        None => Value::Null,
                        Some(e) => e.eval(&scope, &ctx)?,
                    });
                }
                // Output keys are filled from `vals` below.
                for (e, col) in key_exprs.iter().zip(&key_columns) {
                    k.push(match (e, col) {
                        (_, Some(i)) => row.get(*i).cloned().unwrap_or(Value::Null),
                        (Some(e), None) => e.eval(&scope, &ctx)?,
                        (None, None) => Value::Null,
                    });
                }
            }
            for ((slot, item), &mv) in vals.iter_mut().zip(&items).zip(&moves) {
                if let Some(v) = item.direct.and_then(|i| row.get_mut(i)) {
                    *slot = if mv {
                        std::mem::replace(v, Value::Null)
                    } else {
                        v.clone()
                    };
                }
            }
            for (key, s) in k.iter_mut().zip(&sources) {
                if let KeySource::Output(i) = s {
                    *key = vals.get(*i).cloned().unwrap_or(Value::Null);
                }
            }
            if !sources.is_empty() {
                keys.push(k);
            }
            out_rows.push(vals);
        }
    }
    for row in &rel.rows {
        crate::sql::deadline::check()?;
        let scope = Scope {
            columns: &rel.columns,
            row,
            outer,
        };
        let mut vals = Vec::with_capacity(items.len());
        let mut series: Vec<Option<Vec<Value>>> = Vec::new();
        for (item, srf) in items.iter().zip(&srfs) {
            if let Some((name, args)) = srf {
                let mut a = Vec::with_capacity(args.len());
                for e in args {
                    a.push(eval(e, &scope, &ctx)?);
                }
                series.push(Some(srf_values(name, a)?));
                vals.push(Value::Null);
                continue;
            }
            series.push(None);
            vals.push(match item.direct {
                Some(i) => row.get(i).cloned().unwrap_or(Value::Null),
                None => eval(&item.expr, &scope, &ctx)?,
            });
        }
        let expanded: Vec<Vec<Value>> = if has_srf {
            let n = series.iter().flatten().map(Vec::len).max().unwrap_or(0);
            (0..n)
                .map(|k| {
                    vals.iter()
                        .zip(&series)
                        .map(|(v, s)| match s {
                            Some(list) => list.get(k).cloned().unwrap_or(Value::Null),
                            None => v.clone(),
                        })
                        .collect()
                })
                .collect()
        } else {
            vec![vals]
        };
        for out in expanded {
            if !sources.is_empty() {
                let mut k = Vec::with_capacity(sources.len());
                for s in &sources {
                    k.push(match s {
                        KeySource::Output(i) => out.get(*i).cloned().unwrap_or(Value::Null),
                        KeySource::Expr(e) => eval(e, &scope, &ctx)?,
                    });
                }
                keys.push(k);
            }
            if let Some(exprs) = distinct_on {
                let mut k = Vec::with_capacity(exprs.len());
                for e in exprs {
                    let v = match e {
                        Expr::Value(AstValue::Number(n, _)) => {
                            let pos: usize = n.to_string().parse().unwrap_or(0);
                            out.get(pos.wrapping_sub(1)).cloned().unwrap_or(Value::Null)
                        }
                        _ => eval(e, &scope, &ctx)?,
                    };
                    k.push(v.group_key());
                }
                don_keys.push(k);
            }
            out_rows.push(out);
        }
    }

    // Column types: static where possible, else from the first non-NULL value.
    let columns: Vec<Column> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut ty = match &srfs[i] {
                Some(_) => expr_type(&item.expr, &rel.columns, &ctx),
                None => expr_type(&item.expr, &rel.columns, &ctx),
            };
            if matches!(ty, SqlType::Unknown) {
                ty = out_rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .find(|v| !v.is_null())
                    .map(Value::natural_type)
                    .unwrap_or(SqlType::Text);
            }
            Column::new(item.name.clone(), ty)
        })
        .collect();

    // Sort first (stable), then DISTINCT keeps the first row of each group as PostgreSQL's
    // sort-based DISTINCT ON does.
    let mut idx: Vec<usize> = (0..out_rows.len()).collect();
    if !sources.is_empty() {
        regclass_keys_by_oid(&mut keys, &sources, &columns, &rel.columns, &ctx);
        // Ties keep input order, as a stable sort would.
        let cmp = |a: &usize, b: &usize| cmp_keys(&keys[*a], &keys[*b], order).then(a.cmp(b));
        match bound {
            // ORDER BY ... LIMIT n: select the first n, then sort only those (PostgreSQL's
            // bounded top-N sort). DISTINCT must see every row first.
            Some(n) if sel.distinct.is_none() && n < idx.len() => {
                if n > 0 {
                    idx.select_nth_unstable_by(n - 1, cmp);
                }
                idx.truncate(n);
                idx.sort_unstable_by(cmp);
            }
            _ => idx.sort_unstable_by(cmp),
        }
    }
    match &sel.distinct {
        Some(Distinct::Distinct) => {
            let mut seen = HashSet::new();
            idx.retain(|i| {
                seen.insert(
                    out_rows[*i]
                        .iter()
                        .map(Value::group_key)
                        .collect::<Vec<_>>(),
                )
            });
        }
        Some(Distinct::On(_)) => {
            let mut seen = HashSet::new();
            idx.retain(|i| seen.insert(don_keys[*i].clone()));
        }
        None => {}
    }
    let mut slots: Vec<Option<Vec<Value>>> = out_rows.into_iter().map(Some).collect();
    let rows = idx
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect();
    Ok((ResultSet { columns, rows }, None))
}
