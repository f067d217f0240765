//! The query text of a task as EXPLAIN (VERBOSE) shows it: Citus deparses the shard query
//! with schema-qualified relations and operators, `WHERE true` for a multi-shard task without
//! conditions, and an `AS` name for every expression that is not a same-named column.

use super::deparse::Deparser;
use super::estimate::Rels;
use super::naming::item_name;
use super::node_plan::{output_ref, NodePlanner};
use super::recursive::READ_INTERMEDIATE_RESULT;
use super::relations::{normalize_ident, object_name};
use crate::sql::ddl::quote_ident;
use sqlparser::ast::{
    Expr, GroupByExpr, JoinConstraint, JoinOperator, Query, SelectItem, SetExpr, TableFactor,
    TableWithJoins,
};

/// `read_intermediate_result('8_1'::text, 'binary'::citus_copy_format) intermediate_result(a integer)`:
/// a subplan's rows as Citus's query text reads them, with the result's column types.
fn intermediate_result(planner: &NodePlanner, query_id: &str, alias: Option<&str>) -> String {
    let columns = planner
        .ctx()
        .host
        .call_table(
            READ_INTERMEDIATE_RESULT,
            &[crate::types::Value::Text(query_id.to_string())],
        )
        .and_then(Result::ok)
        .map(|rs| rs.columns)
        .unwrap_or_default();
    let defs: Vec<String> = columns
        .iter()
        .map(|c| format!("{} {}", quote_ident(&c.name), c.ty.pg_name()))
        .collect();
    format!(
        "{READ_INTERMEDIATE_RESULT}('{query_id}'::text, 'binary'::citus_copy_format) {}({})",
        alias.unwrap_or(READ_INTERMEDIATE_RESULT),
        defs.join(", ")
    )
}

fn relation(planner: &NodePlanner, factor: &TableFactor) -> String {
    match factor {
        TableFactor::Table {
            name,
            alias,
            args: Some(args),
            ..
        } if object_name(name) == READ_INTERMEDIATE_RESULT => {
            let id = match args.args.first() {
                Some(sqlparser::ast::FunctionArg::Unnamed(
                    sqlparser::ast::FunctionArgExpr::Expr(Expr::Value(
                        sqlparser::ast::Value::SingleQuotedString(s),
                    )),
                )) => s.clone(),
                _ => String::new(),
            };
            let alias = alias.as_ref().map(|a| normalize_ident(&a.name));
            intermediate_result(planner, &id, alias.as_deref())
        }
        TableFactor::Table { name, alias, .. } => {
            let mut out = crate::sql::namespace::qualified_sql(&object_name(name));
            if let Some(a) = alias {
                out.push(' ');
                out.push_str(&quote_ident(&normalize_ident(&a.name)));
            }
            out
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let mut out = format!("({})", query_text(planner, subquery, None, false, true));
            if let Some(a) = alias {
                out.push(' ');
                out.push_str(&quote_ident(&normalize_ident(&a.name)));
            }
            out
        }
        other => other.to_string(),
    }
}

fn from_item(planner: &NodePlanner, d: &Deparser, twj: &TableWithJoins) -> String {
    let mut out = relation(planner, &twj.relation);
    for j in &twj.joins {
        let (kind, constraint) = match &j.join_operator {
            JoinOperator::Inner(c) => ("JOIN", Some(c)),
            JoinOperator::LeftOuter(c) => ("LEFT JOIN", Some(c)),
            JoinOperator::RightOuter(c) => ("RIGHT JOIN", Some(c)),
            JoinOperator::FullOuter(c) => ("FULL JOIN", Some(c)),
            _ => ("CROSS JOIN", None),
        };
        let on = match constraint {
            Some(JoinConstraint::On(e)) => format!(" ON ({})", d.expr(e)),
            Some(JoinConstraint::Using(cols)) => format!(
                " USING ({})",
                cols.iter()
                    .map(|c| quote_ident(&normalize_ident(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => String::new(),
        };
        out = format!("({out} {kind} {}{on})", relation(planner, &j.relation));
    }
    out
}

/// The text of `query` (already naming shards) as Citus sends it; `names` are the output
/// column names when Citus renamed them, `multi_shard` whether it is one of many tasks.
pub fn task_query(
    planner: &NodePlanner,
    query: &Query,
    names: Option<&[String]>,
    multi_shard: bool,
) -> String {
    query_text(planner, query, names, multi_shard, false)
}

/// `task_query` for a query or a subquery (`nested`: columns are always qualified there,
/// as the outer query's relations are in scope).
fn query_text(
    planner: &NodePlanner,
    query: &Query,
    names: Option<&[String]>,
    multi_shard: bool,
    nested: bool,
) -> String {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return query.to_string();
    };
    let rels: Rels = planner.query_rels(query);
    let type_of = |e: &Expr| planner.expr_type(&rels, e);
    let nested_text = |q: &Query| query_text(planner, q, None, false, true);
    let mut d = Deparser::new(&rels, nested || rels.list.len() > 1, &type_of);
    d.query_text = true;
    d.nested = Some(&nested_text);
    let items: Vec<String> = select
        .projection
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let expr = match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                other => return other.to_string(),
            };
            let name = names
                .and_then(|n| n.get(i).cloned())
                .unwrap_or_else(|| item_name(item));
            let column = rels
                .var(expr)
                .and_then(|v| rels.column(v))
                .map(|c| c.name.clone())
                .or_else(|| match expr {
                    // A column of a relation the planner does not know (a function's result).
                    Expr::Identifier(id) => Some(normalize_ident(id)),
                    Expr::CompoundIdentifier(ids) => ids.last().map(normalize_ident),
                    _ => None,
                });
            let text = d.expr(expr);
            if column.as_deref() == Some(name.as_str()) {
                text
            } else {
                format!("{text} AS {}", quote_ident(&name))
            }
        })
        .collect();
    let mut out = format!("SELECT {}", items.join(", "));
    if !select.from.is_empty() {
        let from: Vec<String> = select
            .from
            .iter()
            .map(|t| from_item(planner, &d, t))
            .collect();
        out.push_str(&format!(" FROM {}", from.join(", ")));
    }
    match &select.selection {
        Some(w) => out.push_str(&format!(" WHERE {}", d.expr(w))),
        None if multi_shard => out.push_str(" WHERE true"),
        None => {}
    }
    if let GroupByExpr::Expressions(groups, _) = &select.group_by {
        if !groups.is_empty() {
            let keys: Vec<String> = groups.iter().map(|g| d.expr(g)).collect();
            out.push_str(&format!(" GROUP BY {}", keys.join(", ")));
        }
    }
    if let Some(h) = &select.having {
        out.push_str(&format!(" HAVING {}", d.expr(h)));
    }
    if let Some(order) = &query.order_by {
        let keys: Vec<String> = order
            .exprs
            .iter()
            .map(|o| {
                let key = output_ref(&o.expr, &select.projection).unwrap_or_else(|| o.expr.clone());
                let mut k = d.expr(&key);
                if o.asc == Some(false) {
                    k.push_str(" DESC");
                }
                k
            })
            .collect();
        out.push_str(&format!(" ORDER BY {}", keys.join(", ")));
    }
    if let Some(l) = &query.limit {
        out.push_str(&format!(" LIMIT {l}"));
    }
    if let Some(o) = &query.offset {
        out.push_str(&format!(" OFFSET {}", o.value));
    }
    out
}

/// The text of an UPDATE or DELETE on one shard as Citus sends it: the shard schema-qualified
/// with the table's name as its alias, every operator qualified and parenthesised.
pub fn modify_text(planner: &NodePlanner, stmt: &sqlparser::ast::Statement) -> Option<String> {
    use sqlparser::ast::{FromTable, Statement};
    let (factor, assignments, selection, verb, returning) = match stmt {
        Statement::Update {
            table,
            assignments,
            selection,
            from: None,
            returning,
        } => (
            &table.relation,
            assignments.as_slice(),
            selection.as_ref(),
            "UPDATE",
            returning.as_deref(),
        ),
        Statement::Delete(d) => {
            let from = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            if from.len() != 1 || d.using.is_some() {
                return None;
            }
            (
                &from[0].relation,
                &[][..],
                d.selection.as_ref(),
                "DELETE FROM",
                d.returning.as_deref(),
            )
        }
        _ => return None,
    };
    let TableFactor::Table { name, alias, .. } = factor else {
        return None;
    };
    let shard = object_name(name);
    let reference = alias
        .as_ref()
        .map(|a| normalize_ident(&a.name))
        .unwrap_or_else(|| shard.clone());
    let rels = planner.relation_rels(&shard, &reference);
    let type_of = |e: &Expr| planner.expr_type(&rels, e);
    let nested = |q: &Query| query_text(planner, q, None, false, true);
    let mut d = Deparser::new(&rels, false, &type_of);
    d.query_text = true;
    d.nested = Some(&nested);
    let mut out = format!("{verb} {}", relation(planner, factor));
    if !assignments.is_empty() {
        let sets: Vec<String> = assignments
            .iter()
            .map(|a| format!("{} = {}", a.target, d.expr(&a.value)))
            .collect();
        out.push_str(&format!(" SET {}", sets.join(", ")));
    }
    if let Some(w) = selection {
        out.push_str(&format!(" WHERE {}", d.expr(w)));
    }
    if let Some(items) = returning {
        out.push_str(" RETURNING ");
        out.push_str(&returning_list(planner, &d, &shard, items));
    }
    Some(out)
}

/// A RETURNING list as Citus deparses it: `*` spelled out as the columns, expressions that
/// are not a same-named column with an `AS` name.
fn returning_list(
    planner: &NodePlanner,
    d: &Deparser,
    table: &str,
    items: &[SelectItem],
) -> String {
    let mut parts = Vec::new();
    for item in items {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                if let Some(def) = planner.db().table(table) {
                    parts.extend(def.columns.iter().map(|c| quote_ident(&c.name)));
                }
            }
            SelectItem::UnnamedExpr(e) => {
                let text = d.expr(e);
                let name = item_name(item);
                if text == quote_ident(&name) {
                    parts.push(text);
                } else {
                    parts.push(format!("{text} AS {}", quote_ident(&name)));
                }
            }
            SelectItem::ExprWithAlias { expr, alias } => parts.push(format!(
                "{} AS {}",
                d.expr(expr),
                quote_ident(&normalize_ident(alias))
            )),
        }
    }
    parts.join(", ")
}
