//! `run_command_on_workers(cmd)` and friends: the coordinator sends a command to each node as
//! its own task and reports, per node, whether it succeeded and its one value or error text.
//! The results are computed before the query runs and served to the node engine by name.

use crate::cluster::{Cluster, COORDINATOR};
use crate::connection::{self, Send};
use crate::error::{PgError, PgResult};
use crate::node::Command;
use crate::planner::relations::normalize_ident;
use crate::session::Session;
use crate::sql::eval::arg_exprs;
use crate::sql::{Column, Outcome, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Query, TableFactor, Visit, Visitor};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

pub const RUN_COMMAND_FUNCTIONS: &[&str] = &[
    "run_command_on_workers",
    "run_command_on_all_nodes",
    "run_command_on_coordinator",
];

/// The name an intermediate result of `function(command)` is kept under.
pub fn result_key(function: &str, command: &str) -> String {
    format!("{function}({command})")
}

/// The columns a `run_command_on_*` function returns: workers are named by address, every
/// node (the coordinator included) by `nodeid`, as in Citus 13.
pub fn result_columns(function: &str) -> Vec<Column> {
    let mut cols = if function == "run_command_on_workers" {
        vec![
            Column::new("nodename", SqlType::Text),
            Column::new("nodeport", SqlType::Int4),
        ]
    } else {
        vec![Column::new("nodeid", SqlType::Int4)]
    };
    cols.push(Column::new("success", SqlType::Bool));
    cols.push(Column::new("result", SqlType::Text));
    cols
}

/// `FROM run_command_on_*(expr)` calls in a query, with their argument expressions.
fn calls(query: &Query) -> Vec<(String, Expr)> {
    struct Collect(Vec<(String, Expr)>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table {
                name,
                args: Some(args),
                ..
            } = tf
            {
                let fname = name.0.last().map(normalize_ident).unwrap_or_default();
                let first = arg_exprs(&args.args).first().map(|e| (*e).clone());
                if let (true, Some(e)) = (RUN_COMMAND_FUNCTIONS.contains(&fname.as_str()), first) {
                    self.0.push((fname, e));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect(Vec::new());
    let _ = query.visit(&mut c);
    c.0
}

/// Citus keeps the first line of a failed command's error, as libpq prints it.
fn error_result(e: &PgError) -> String {
    format!("ERROR:  {}", e.message)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

impl Cluster {
    /// Runs every `run_command_on_*` call of `query` and returns their results by key.
    pub(crate) fn run_command_results(
        &mut self,
        s: &mut Session,
        query: &Query,
    ) -> PgResult<BTreeMap<String, ResultSet>> {
        let mut results = BTreeMap::new();
        for (function, arg) in calls(query) {
            let command = match self.eval_expr(&arg)? {
                Value::Null => continue,
                v => v.to_pg_text().unwrap_or_default(),
            };
            let key = result_key(&function, &command);
            if results.contains_key(&key) {
                continue;
            }
            let rs = self.run_command_on(s, &function, &command);
            results.insert(key, rs);
        }
        Ok(results)
    }

    /// Runs `sql` on `node` over a connection of its own, outside the session's transaction.
    pub(crate) fn one_off_command(
        &mut self,
        s: &mut Session,
        node: &str,
        sql: &str,
    ) -> PgResult<crate::sql::ExecOutput> {
        let backend = self
            .network
            .connect(COORDINATOR, node)
            .map_err(|e| connection::open_error(self, node, e))?;
        let id = s.next_connection_id;
        s.next_connection_id += 1;
        s.connections.push(crate::connection::RemoteConnection {
            node: node.to_string(),
            id,
            backend,
            txn: crate::connection::RemoteTxnState::Idle,
            modified: false,
            begun: 0,
        });
        let i = s.connections.len() - 1;
        let result = self.send_on(
            s,
            i,
            &Command::Sql(sql.to_string()),
            Send::default(),
            &BTreeMap::new(),
        );
        s.connections.remove(i);
        self.network.disconnect(node, backend);
        result
    }

    fn run_command_on(&mut self, s: &mut Session, function: &str, command: &str) -> ResultSet {
        let targets: Vec<(String, String, u16, i32)> = self
            .catalog
            .nodes
            .iter()
            .filter(|n| n.is_active)
            .filter(|n| match function {
                "run_command_on_workers" => !n.is_coordinator(),
                "run_command_on_coordinator" => n.is_coordinator(),
                _ => true,
            })
            .map(|n| (n.name.clone(), n.host.clone(), n.port, n.node_id))
            .collect();
        let mut targets = targets;
        targets.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
        let by_address = function == "run_command_on_workers";
        let rows = targets
            .into_iter()
            .map(|(node, host, port, node_id)| {
                let outcome = self.one_off_command(s, &node, command);
                let (success, result) = match outcome.and_then(|out| single_value(out.outcome)) {
                    Ok(v) => (true, v),
                    Err(e) => (false, error_result(&e)),
                };
                let mut row = if by_address {
                    vec![Value::Text(host), Value::Int4(port as i32)]
                } else {
                    vec![Value::Int4(node_id)]
                };
                row.push(Value::Bool(success));
                row.push(Value::Text(result));
                row
            })
            .collect();
        ResultSet {
            columns: result_columns(function),
            rows,
        }
    }
}

/// A command's tag, or a query's single value; more than one row or column is an error.
fn single_value(outcome: Outcome) -> PgResult<String> {
    match outcome {
        Outcome::Command(tag) => Ok(tag),
        Outcome::Rows(rs) => {
            if rs.columns.len() > 1 {
                return Err(PgError::new(
                    "XX000",
                    "expected a single column in query target",
                ));
            }
            if rs.rows.len() > 1 {
                return Err(PgError::new(
                    "XX000",
                    "expected a single row in query result",
                ));
            }
            Ok(rs
                .rows
                .first()
                .and_then(|r| r.first())
                .and_then(Value::to_pg_text)
                .unwrap_or_default())
        }
    }
}
