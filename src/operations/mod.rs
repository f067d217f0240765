//! Citus's user-facing operations: distributing tables, managing nodes, and propagating DDL to
//! shards. They are called as functions (`SELECT create_distributed_table('t', 'id')`).

pub mod ddl;
pub mod distribute;
pub mod functions;
pub mod nodes;
pub mod partitioning;
pub mod schemas;
pub mod sequences;

use crate::cluster::Cluster;
use crate::error::PgResult;
use crate::executor::modify::void_result;
use crate::planner::relations::normalize_ident;
use crate::session::Session;
use crate::sql::{Column, ExecOutput, ResultSet};
use crate::types::Value;
use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments, Query, SelectItem, SetExpr};

/// Arguments of a utility call, positional and named (`colocate_with => 'none'`).
pub struct CallArgs {
    pub positional: Vec<Value>,
    pub named: Vec<(String, Value)>,
}

impl CallArgs {
    /// The argument by name, or at `position` when passed positionally.
    pub fn get(&self, name: &str, position: usize) -> Option<&Value> {
        self.named
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .or_else(|| self.positional.get(position))
    }

    pub fn text(&self, name: &str, position: usize) -> Option<String> {
        self.get(name, position).and_then(|v| v.to_pg_text())
    }

    /// A `regclass` argument: the relation it names, read with PostgreSQL's quoting rules
    /// (`'"Mixed Case"'` keeps its case, `'Users'` folds to `users`).
    pub fn relation(&self, name: &str, position: usize) -> PgResult<String> {
        let text = self
            .text(name, position)
            .ok_or_else(|| crate::error::PgError::new("22004", "table name cannot be NULL"))?;
        crate::sql::cast::regclass::relation_name(&text)
    }
}

/// The function, arguments and output name of `SELECT f(...) [AS name]` or
/// `SELECT * FROM f(...) [AS name]`, the two ways a utility function is called.
fn called_utility(
    select: &sqlparser::ast::Select,
) -> Option<(String, &[FunctionArg], Option<String>)> {
    match (select.from.as_slice(), select.projection.as_slice()) {
        ([], [item]) => {
            let (expr, alias) = match item {
                SelectItem::UnnamedExpr(e) => (e, None),
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(normalize_ident(alias))),
                _ => return None,
            };
            let sqlparser::ast::Expr::Function(f) = expr else {
                return None;
            };
            let name = f.name.0.last().map(normalize_ident)?;
            let args: &[FunctionArg] = match &f.args {
                FunctionArguments::List(list) => &list.args,
                FunctionArguments::None => &[],
                FunctionArguments::Subquery(_) => return None,
            };
            Some((name, args, alias))
        }
        ([from], [SelectItem::Wildcard(_)])
            if from.joins.is_empty() && select.selection.is_none() =>
        {
            let sqlparser::ast::TableFactor::Table {
                name,
                args: Some(args),
                alias,
                ..
            } = &from.relation
            else {
                return None;
            };
            let fname = name.0.last().map(normalize_ident)?;
            let alias = alias.as_ref().map(|a| normalize_ident(&a.name));
            Some((fname, args.args.as_slice(), alias))
        }
        _ => None,
    }
}

/// Runs `SELECT utility(...)` when the query is exactly that; `None` otherwise.
pub fn utility_call(
    cluster: &mut Cluster,
    session: &mut Session,
    query: &Query,
) -> PgResult<Option<ExecOutput>> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(None);
    };
    if let Some(out) = utility_per_row(cluster, session, query, select)? {
        return Ok(Some(out));
    }
    let Some((name, fargs, alias)) = called_utility(select) else {
        return Ok(None);
    };
    if !crate::sql::catalog::runs_on(&name, crate::sql::catalog::RunsOn::Coordinator) {
        return Ok(None);
    }
    let mut args = CallArgs {
        positional: Vec::new(),
        named: Vec::new(),
    };
    for a in fargs {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                args.positional.push(eval_arg(cluster, e)?)
            }
            FunctionArg::Named {
                name: n,
                arg: FunctionArgExpr::Expr(e),
                ..
            } => args.named.push((normalize_ident(n), eval_arg(cluster, e)?)),
            _ => {}
        }
    }
    let column = alias.unwrap_or_else(|| name.clone());
    let mut notices = Vec::new();
    let value = dispatch(cluster, session, &name, &args, &mut notices)?;
    let rs = match value {
        None => void_result(&column),
        Some(v) => ResultSet {
            columns: vec![Column::new(column, v.natural_type())],
            rows: vec![vec![v]],
        },
    };
    let mut out = ExecOutput::rows(rs);
    out.notices = notices;
    Ok(Some(out))
}

/// `SELECT utility(args) FROM ... WHERE ...`: the query without the call gives the arguments,
/// and the utility runs once per row (`citus_update_node(nodeid, ...) FROM pg_dist_node`).
fn utility_per_row(
    cluster: &mut Cluster,
    session: &mut Session,
    query: &Query,
    select: &sqlparser::ast::Select,
) -> PgResult<Option<ExecOutput>> {
    let ([_, ..], [item]) = (select.from.as_slice(), select.projection.as_slice()) else {
        return Ok(None);
    };
    let (sqlparser::ast::Expr::Function(f), alias) = (match item {
        SelectItem::UnnamedExpr(e) => (e, None),
        SelectItem::ExprWithAlias { expr, alias } => (expr, Some(normalize_ident(alias))),
        _ => return Ok(None),
    }) else {
        return Ok(None);
    };
    let name = f.name.0.last().map(normalize_ident).unwrap_or_default();
    if !crate::sql::catalog::runs_on(&name, crate::sql::catalog::RunsOn::Coordinator) {
        return Ok(None);
    }
    let FunctionArguments::List(list) = &f.args else {
        return Ok(None);
    };
    // Each argument becomes a column of the query; named ones keep their names.
    let mut names = Vec::new();
    let mut projection = Vec::new();
    for a in &list.args {
        let (n, e) = match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => (None, e),
            FunctionArg::Named {
                name: n,
                arg: FunctionArgExpr::Expr(e),
                ..
            } => (Some(normalize_ident(n)), e),
            _ => return Ok(None),
        };
        names.push(n);
        projection.push(SelectItem::UnnamedExpr(e.clone()));
    }
    let mut args_query = query.clone();
    if let SetExpr::Select(sel) = args_query.body.as_mut() {
        sel.projection = projection;
    }
    let stmt = sqlparser::ast::Statement::Query(Box::new(args_query));
    let text = stmt.to_string();
    let rows = match crate::executor::coordinator::execute(cluster, session, &stmt, &text)?.outcome
    {
        crate::sql::Outcome::Rows(rs) => rs.rows,
        crate::sql::Outcome::Command(_) => Vec::new(),
    };
    let column = alias.unwrap_or_else(|| name.clone());
    let mut notices = Vec::new();
    let mut values = Vec::new();
    for row in rows {
        let mut args = CallArgs {
            positional: Vec::new(),
            named: Vec::new(),
        };
        for (n, v) in names.iter().zip(row) {
            match n {
                Some(n) => args.named.push((n.clone(), v)),
                None => args.positional.push(v),
            }
        }
        values.push(dispatch(cluster, session, &name, &args, &mut notices)?);
    }
    let ty = values
        .iter()
        .flatten()
        .next()
        .map_or(crate::types::SqlType::Text, Value::natural_type);
    let mut out = ExecOutput::rows(ResultSet {
        columns: vec![Column::new(column, ty)],
        rows: values
            .into_iter()
            .map(|v| vec![v.unwrap_or_else(|| Value::Text(String::new()))])
            .collect(),
    });
    out.notices = notices;
    Ok(Some(out))
}

/// Runs one utility; `None` for a void result.
fn dispatch(
    cluster: &mut Cluster,
    session: &mut Session,
    name: &str,
    args: &CallArgs,
    notices: &mut Vec<crate::error::Notice>,
) -> PgResult<Option<Value>> {
    Ok(match name {
        "create_distributed_table" => {
            *notices = distribute::create_distributed_table(cluster, session, args)?;
            None
        }
        "create_reference_table" => {
            *notices = distribute::create_reference_table(cluster, session, args)?;
            None
        }
        "undistribute_table" => {
            *notices = distribute::undistribute_table(cluster, session, args)?;
            None
        }
        "truncate_local_data_after_distributing_table" => None,
        "create_time_partitions" => Some(partitioning::create_time_partitions(
            cluster, session, args,
        )?),
        "citus_add_node" | "master_add_node" => Some(nodes::add_node(cluster, session, args)?),
        "citus_remove_node" | "master_remove_node" => {
            nodes::remove_node(cluster, session, args)?;
            None
        }
        "citus_disable_node" => {
            nodes::disable_node(cluster, session, args)?;
            None
        }
        "citus_activate_node" => Some(nodes::activate_node(cluster, session, args)?),
        "citus_update_node" => {
            nodes::update_node(cluster, session, args)?;
            None
        }
        "replicate_reference_tables" => {
            nodes::replicate_reference_tables(cluster, session)?;
            None
        }
        "citus_set_coordinator_host" => {
            nodes::set_coordinator_host(cluster, session, args)?;
            None
        }
        "recover_prepared_transactions" => Some(Value::Int4(
            cluster.recover_prepared_transactions(session) as i32,
        )),
        "pg_reload_conf" => {
            cluster.reload_conf(&session.node);
            Some(Value::Bool(true))
        }
        _ => None,
    })
}

impl Cluster {
    /// Forgets a Citus table: its metadata, and the shells its name holds on every node (after
    /// DROP, or when distributing it failed part-way).
    pub(crate) fn forget_distributed_table(&mut self, table: &str) {
        self.catalog.forget_table(table);
        self.forget_shells(table);
    }
}

fn eval_arg(cluster: &Cluster, e: &sqlparser::ast::Expr) -> PgResult<Value> {
    cluster.eval_expr(e)
}
