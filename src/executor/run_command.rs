//! `run_command_on_workers(cmd)` and friends: the node the client is connected to sends a
//! command to each node (or, for `run_command_on_placements`, to each placement of a table,
//! with `%s` in it replaced by the shard's name) as its own task and reports whether it
//! succeeded and its one value or error text. The results are computed before the query runs
//! and served to the node engine by name.

use crate::cluster::Cluster;
use crate::connection::{self, Send};
use crate::error::{PgError, PgResult};
use crate::node::Command;
use crate::planner::relations::normalize_ident;
use crate::session::{Session, SessionId};
use crate::sql::eval::arg_exprs;
use crate::sql::{Column, Outcome, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Query, TableFactor, Visitor};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

pub const RUN_COMMAND_FUNCTIONS: &[&str] = &[
    "run_command_on_workers",
    "run_command_on_all_nodes",
    "run_command_on_coordinator",
    PLACEMENTS,
    SHARDS,
];

const PLACEMENTS: &str = "run_command_on_placements";
const SHARDS: &str = "run_command_on_shards";

/// The arguments a call's rows depend on (`parallel` changes only how they are gathered).
fn key_arguments(function: &str) -> std::ops::Range<usize> {
    if function == PLACEMENTS || function == SHARDS {
        0..2
    } else {
        0..1
    }
}

/// The name the intermediate result of a call is kept under, from its arguments' text; `None`
/// when one of them is NULL (the call returns no rows).
pub fn result_key(function: &str, args: &[Option<String>]) -> Option<String> {
    let mut parts = Vec::new();
    for i in key_arguments(function) {
        parts.push(args.get(i).cloned().flatten()?);
    }
    Some(format!("{function}({})", parts.join(", ")))
}

/// `result_key` for the arguments the engine evaluated.
pub fn result_key_of_values(function: &str, args: &[Value]) -> Option<String> {
    let texts: Vec<Option<String>> = args.iter().map(Value::to_pg_text).collect();
    result_key(function, &texts)
}

/// The columns a `run_command_on_*` function returns: workers are named by address, every
/// node (the coordinator included) by `nodeid`, as in Citus 13.
pub fn result_columns(function: &str) -> Vec<Column> {
    let mut cols = if function == "run_command_on_workers" {
        vec![
            Column::new("nodename", SqlType::Text),
            Column::new("nodeport", SqlType::Int4),
        ]
    } else if function == PLACEMENTS {
        vec![
            Column::new("nodename", SqlType::Text),
            Column::new("nodeport", SqlType::Int4),
            Column::new("shardid", SqlType::Int8),
        ]
    } else if function == SHARDS {
        vec![Column::new("shardid", SqlType::Int8)]
    } else {
        vec![Column::new("nodeid", SqlType::Int4)]
    };
    cols.push(Column::new("success", SqlType::Bool));
    cols.push(Column::new("result", SqlType::Text));
    cols
}

/// Whether a query calls a `run_command_on_*` function in FROM.
pub fn calls_any(query: &Query) -> bool {
    !calls(query).is_empty()
}

/// `FROM run_command_on_*(...)` calls in a query, with their argument expressions.
fn calls(query: &Query) -> Vec<(String, Vec<Expr>)> {
    struct Collect(Vec<(String, Vec<Expr>)>);
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
                if RUN_COMMAND_FUNCTIONS.contains(&fname.as_str()) {
                    let exprs = arg_exprs(&args.args).into_iter().cloned().collect();
                    self.0.push((fname, exprs));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect(Vec::new());
    let _ = crate::sql::visit::visit(query, &mut c);
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
        for (function, exprs) in calls(query) {
            let mut args = Vec::new();
            for e in exprs.iter().take(key_arguments(&function).end) {
                args.push(self.eval_expr(e)?.to_pg_text());
            }
            let Some(key) = result_key(&function, &args) else {
                continue;
            };
            if results.contains_key(&key) {
                continue;
            }
            let text = |i: usize| args.get(i).cloned().flatten().unwrap_or_default();
            let rs = if function == PLACEMENTS {
                self.run_command_on_placements(s, &text(0), &text(1))?
            } else if function == SHARDS {
                self.run_command_on_shards(s, &text(0), &text(1))?
            } else {
                self.run_command_on(s, &function, &text(0))
            };
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
            .connect_node(&s.node, node)
            .map_err(|e| connection::open_error(self, node, e))?;
        let id = s.next_connection_id;
        s.next_connection_id += 1;
        if self.names_citus_table(sql) {
            return self.command_as_client(s, node, backend, sql);
        }
        s.connections.push(crate::connection::RemoteConnection {
            node: node.to_string(),
            id,
            backend,
            txn: crate::connection::RemoteTxnState::Idle,
            modified: false,
            begun: 0,
            closed: false,
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

    /// Whether `sql` reads or writes a distributed or reference table.
    fn names_citus_table(&self, sql: &str) -> bool {
        crate::sql::parse_sql(sql).is_ok_and(|stmts| {
            stmts.iter().any(|st| {
                crate::planner::relations::statement_relations(st)
                    .iter()
                    .any(|r| self.catalog.table(&r.name).is_some())
            })
        })
    }

    /// Every node holds the Citus metadata, so a command on Citus tables is planned and run
    /// by the node it reaches, as a client statement there: over `backend`, with connections
    /// of its own that close with it.
    fn command_as_client(
        &mut self,
        s: &mut Session,
        node: &str,
        backend: crate::node::BackendId,
        sql: &str,
    ) -> PgResult<crate::sql::ExecOutput> {
        let mut remote = Session::new(SessionId::MAX - s.id, node, Some(backend));
        let reply = self.inner_statement(&mut remote, sql);
        self.abort_txn(&mut remote);
        for c in std::mem::take(&mut remote.connections) {
            self.network.disconnect(&c.node, c.backend);
        }
        self.network.disconnect(node, backend);
        // The session's own statement goes on with the names its node holds.
        if let Some(n) = self.network.node(&s.node) {
            crate::sql::namespace::begin_statement(&n.db);
        }
        match reply.completion {
            crate::session::Completion::Done(result) => result,
            crate::session::Completion::Waiting(_) => Err(PgError::unsupported(
                "a run_command_on_* command that waits for a lock is not simulated",
            )),
        }
    }

    /// `run_command_on_placements(table, command)`: the command, with the shard's name put in
    /// by `format()`, on every placement of the table, by shard id and then node address.
    fn run_command_on_placements(
        &mut self,
        s: &mut Session,
        table: &str,
        command: &str,
    ) -> PgResult<ResultSet> {
        let table = crate::sql::cast::regclass::relation_name(table)?;
        if self.catalog.table(&table).is_none() && self.node_db(&s.node)?.table(&table).is_none() {
            return Err(PgError::undefined_table(&table));
        }
        let mut targets: Vec<(i64, String, String, u16, String)> = Vec::new();
        for shard in self.catalog.table_shards(&table) {
            let sql = format_with(command, &shard.name())?;
            for (_, node) in self.catalog.shard_placements(shard.shard_id) {
                let n = (node.name.clone(), node.host.clone(), node.port);
                targets.push((shard.shard_id, n.0, n.1, n.2, sql.clone()));
            }
        }
        crate::sort::sort_by(&mut targets, |a, b| (a.0, &a.2, a.3).cmp(&(b.0, &b.2, b.3)));
        let rows = targets
            .into_iter()
            .map(|(shard_id, node, host, port, sql)| {
                let outcome = self.one_off_command(s, &node, &sql);
                let (success, result) = match outcome.and_then(|out| single_value(out.outcome)) {
                    Ok(v) => (true, v),
                    Err(e) => (false, error_result(&e)),
                };
                vec![
                    Value::Text(host),
                    Value::Int4(port as i32),
                    Value::Int8(shard_id),
                    Value::Bool(success),
                    Value::Text(result),
                ]
            })
            .collect();
        Ok(ResultSet {
            columns: result_columns(PLACEMENTS),
            rows,
        })
    }

    /// `run_command_on_shards(table, command)`: the command, with the shard's name put in by
    /// `format()`, on one placement of each shard of the table, by shard id.
    fn run_command_on_shards(
        &mut self,
        s: &mut Session,
        table: &str,
        command: &str,
    ) -> PgResult<ResultSet> {
        let placements = self.run_command_on_placements(s, table, command)?;
        let mut rows: Vec<Vec<Value>> = Vec::new();
        for row in placements.rows {
            let [_, _, shard_id, success, result] =
                <[Value; 5]>::try_from(row).map_err(|_| PgError::internal("placement row"))?;
            if rows.last().and_then(|r| r.first()) != Some(&shard_id) {
                rows.push(vec![shard_id, success, result]);
            }
        }
        Ok(ResultSet {
            columns: result_columns(SHARDS),
            rows,
        })
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
        crate::sort::sort_by(&mut targets, |a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
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

/// PostgreSQL's `format(command, arg)` with its one argument: `%s`, `%I` (an identifier,
/// quoted when needed), `%L` (a literal) and `%%`.
fn format_with(command: &str, arg: &str) -> PgResult<String> {
    let mut out = String::with_capacity(command.len() + arg.len());
    let mut used = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let spec = chars.next().ok_or_else(|| {
            PgError::new("22023", "unterminated format() type specifier")
                .with_hint("For a single \"%\" use \"%%\".")
        })?;
        if spec == '%' {
            out.push('%');
            continue;
        }
        if !matches!(spec, 's' | 'I' | 'L') {
            return Err(PgError::new(
                "22023",
                format!("unrecognized format() type specifier \"{spec}\""),
            )
            .with_hint("For a single \"%\" use \"%%\"."));
        }
        if used {
            return Err(PgError::new("22023", "too few arguments for format()"));
        }
        used = true;
        match spec {
            's' => out.push_str(arg),
            'I' => out.push_str(&crate::sql::ddl::quote_ident(arg)),
            _ => out.push_str(&format!("'{}'", arg.replace('\'', "''"))),
        }
    }
    Ok(out)
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

/// PostgreSQL's text form of a record: fields in parentheses, quoted when empty or holding a
/// character that would break the form, NULL as nothing.
fn record_text(row: &[Value]) -> String {
    let fields: Vec<String> = row
        .iter()
        .map(|v| match v.to_pg_text() {
            None => String::new(),
            Some(t)
                if t.is_empty()
                    || t.chars().any(|c| {
                        matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_whitespace()
                    }) =>
            {
                format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\"\""))
            }
            Some(t) => t,
        })
        .collect();
    format!("({})", fields.join(","))
}

impl Cluster {
    /// `SELECT run_command_on_workers(...)` with the call in the select list: the rows of the
    /// call in FROM, each as one record value, as PostgreSQL prints a set-returning function
    /// of OUT parameters called there.
    pub(crate) fn run_command_in_select_list(
        &mut self,
        s: &mut Session,
        query: &Query,
    ) -> PgResult<Option<ResultSet>> {
        let sqlparser::ast::SetExpr::Select(select) = query.body.as_ref() else {
            return Ok(None);
        };
        if !select.from.is_empty() || query.with.is_some() {
            return Ok(None);
        }
        let [item] = select.projection.as_slice() else {
            return Ok(None);
        };
        let (expr, alias) = match item {
            sqlparser::ast::SelectItem::UnnamedExpr(e) => (e, None),
            sqlparser::ast::SelectItem::ExprWithAlias { expr, alias } => {
                (expr, Some(normalize_ident(alias)))
            }
            _ => return Ok(None),
        };
        let Expr::Function(f) = expr else {
            return Ok(None);
        };
        let name = f.name.0.last().map(normalize_ident).unwrap_or_default();
        if !RUN_COMMAND_FUNCTIONS.contains(&name.as_str()) {
            return Ok(None);
        }
        let statements = crate::sql::parse_sql(&format!("SELECT * FROM {f}"))?;
        let Some(sqlparser::ast::Statement::Query(from_form)) = statements.first() else {
            return Ok(None);
        };
        let rs = self.execute_select(s, from_form)?;
        Ok(Some(ResultSet {
            columns: vec![Column::new(alias.unwrap_or(name), SqlType::Text)],
            rows: rs
                .rows
                .iter()
                .map(|r| vec![Value::Text(record_text(r))])
                .collect(),
        }))
    }
}

#[cfg(test)]
mod record_tests {
    use super::record_text;
    use crate::types::Value;

    #[test]
    fn records_quote_fields_as_postgres_prints_them() {
        let row = vec![
            Value::Text("localhost".into()),
            Value::Int4(57637),
            Value::Bool(false),
            Value::Text("ERROR:  relation \"t\" does not exist".into()),
            Value::Null,
            Value::Text(String::new()),
        ];
        assert_eq!(
            record_text(&row),
            "(localhost,57637,f,\"ERROR:  relation \"\"t\"\" does not exist\",,\"\")"
        );
    }
}
