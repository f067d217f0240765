//! Citus's user-facing operations: distributing tables, managing nodes, and propagating DDL to
//! shards. They are called as functions (`SELECT create_distributed_table('t', 'id')`).

pub mod ddl;
pub mod distribute;
pub mod functions;
pub mod nodes;
pub mod partitioning;

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

/// Runs `SELECT utility(...)` when the query is exactly that; `None` otherwise.
pub fn utility_call(
    cluster: &mut Cluster,
    session: &mut Session,
    query: &Query,
) -> PgResult<Option<ExecOutput>> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(None);
    };
    if !select.from.is_empty() || select.projection.len() != 1 {
        return Ok(None);
    }
    let (expr, alias) = match &select.projection[0] {
        SelectItem::UnnamedExpr(e) => (e, None),
        SelectItem::ExprWithAlias { expr, alias } => (expr, Some(normalize_ident(alias))),
        _ => return Ok(None),
    };
    let sqlparser::ast::Expr::Function(f) = expr else {
        return Ok(None);
    };
    let name = f.name.0.last().map(normalize_ident).unwrap_or_default();
    if !crate::sql::catalog::runs_on(&name, crate::sql::catalog::RunsOn::Coordinator) {
        return Ok(None);
    }
    let mut args = CallArgs {
        positional: Vec::new(),
        named: Vec::new(),
    };
    if let FunctionArguments::List(list) = &f.args {
        for a in &list.args {
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
    }
    let column = alias.unwrap_or_else(|| name.clone());
    let mut notices = Vec::new();
    let value: Option<Value> = match name.as_str() {
        "create_distributed_table" => {
            notices = distribute::create_distributed_table(cluster, session, &args)?;
            None
        }
        "create_reference_table" => {
            notices = distribute::create_reference_table(cluster, session, &args)?;
            None
        }
        "undistribute_table" => {
            notices = distribute::undistribute_table(cluster, session, &args)?;
            None
        }
        "truncate_local_data_after_distributing_table" => None,
        "create_time_partitions" => Some(partitioning::create_time_partitions(
            cluster, session, &args,
        )?),
        "citus_add_node" | "master_add_node" => Some(nodes::add_node(cluster, session, &args)?),
        "citus_remove_node" | "master_remove_node" => {
            nodes::remove_node(cluster, session, &args)?;
            None
        }
        "citus_set_coordinator_host" => {
            nodes::set_coordinator_host(cluster, session, &args)?;
            None
        }
        "recover_prepared_transactions" => Some(Value::Int4(
            cluster.recover_prepared_transactions(session) as i32,
        )),
        "pg_reload_conf" => {
            cluster.reload_conf();
            Some(Value::Bool(true))
        }
        _ => None,
    };
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
