//! INSERT, UPDATE and DELETE on Citus tables: rows are routed to shards by the hash of their
//! distribution column; UPDATE and DELETE are pruned to the shards their WHERE allows.

use super::{Task, TaskBody};
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::metadata::TableKind;
use crate::planner::prune;
use crate::planner::relations::{normalize_ident, object_name, rename_relations, RelationRef};
use crate::session::Session;
use crate::sql::{dml, parse_sql, Column, ExecOutput, ResultSet};
use crate::trace::MessageKind;
use crate::transaction::Access;
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Insert, Statement, TableFactor};
use std::collections::BTreeMap;

/// Rows rendered into a trace message are capped; the count is always exact.
pub(crate) const TRACE_ROWS: usize = 5;

/// A column as an INSERT's text needs it: its name and the type its literals are cast to.
pub(crate) struct InsertColumn {
    name: String,
    type_name: String,
}

/// Appends a value as a SQL literal, the way Citus deparses it for a worker.
fn push_sql_literal(out: &mut String, v: &Value, type_name: &str) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match v {
        Value::Null => write!(out, "NULL"),
        Value::Int2(i) => write!(out, "{i}"),
        Value::Int4(i) => write!(out, "{i}"),
        Value::Int8(i) => write!(out, "{i}"),
        Value::Numeric(d) => write!(out, "{d}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Text(s) => {
            push_typed_string(out, s, type_name);
            Ok(())
        }
        other => {
            push_typed_string(out, &other.to_pg_text().unwrap_or_default(), type_name);
            Ok(())
        }
    };
}

/// `'text'::type`, quotes doubled.
fn push_typed_string(out: &mut String, text: &str, type_name: &str) {
    out.push('\'');
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push_str("'::");
    out.push_str(type_name);
}

/// The INSERT a shard's rows stand for, as Citus deparses it for a worker; with more than
/// `cap` rows, the first ones and a count.
fn insert_sql(shard: &str, columns: &[InsertColumn], rows: &[Vec<Value>], cap: usize) -> String {
    let mut out = String::with_capacity(64 + 24 * columns.len() * rows.len().min(cap));
    out.push_str("INSERT INTO ");
    out.push_str(&crate::sql::namespace::qualified_sql(shard));
    out.push(' ');
    if rows.len() > 1 {
        out.push_str("AS citus_table_alias ");
    }
    out.push('(');
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&c.name);
    }
    out.push_str(") VALUES ");
    for (r, row) in rows.iter().take(cap).enumerate() {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for (i, (v, c)) in row.iter().zip(columns).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_sql_literal(&mut out, v, &c.type_name);
        }
        out.push(')');
    }
    if rows.len() > cap {
        use std::fmt::Write;
        let _ = write!(out, ", ... ({} rows in all)", rows.len());
    }
    out
}

/// The columns of `table` (a shard, or a coordinator table) for an INSERT's text.
fn insert_columns(cluster: &Cluster, table: &str) -> Vec<InsertColumn> {
    let logical = table
        .rsplit_once('_')
        .and_then(|(_, id)| id.parse::<i64>().ok())
        .and_then(|id| cluster.catalog.shard(id))
        .map(|s| s.table.as_str())
        .unwrap_or(table);
    cluster
        .node_db(COORDINATOR)
        .ok()
        .and_then(|db| db.table(logical))
        .map(|def| {
            def.columns
                .iter()
                .map(|c| InsertColumn {
                    name: c.name.clone(),
                    type_name: c.ty.display_name(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The INSERT text for rows of `table` (a shard, or a coordinator table), with at most `cap`
/// rows spelled out.
pub(crate) fn insert_text(
    cluster: &Cluster,
    table: &str,
    rows: &[Vec<Value>],
    cap: usize,
) -> String {
    insert_sql(table, &insert_columns(cluster, table), rows, cap)
}

/// Placements of a shard that take a write (a disabled node's are skipped): remote ones
/// first, the coordinator's own (local execution) last, as Citus runs them.
pub(crate) fn write_nodes(cluster: &Cluster, shard_id: i64) -> Vec<String> {
    let mut nodes: Vec<String> = cluster
        .catalog
        .active_placements(shard_id)
        .into_iter()
        .map(|(_, n)| n.name.clone())
        .collect();
    crate::sort::sort_by_key(&mut nodes, |n| n == COORDINATOR);
    nodes
}

impl Cluster {
    /// A write to a replicated shard from the coordinator first takes Citus's lock on it on
    /// the first worker, so writers from every node go one at a time.
    fn serialize_replicated_write(&self, shard_id: i64, tasks: &mut Vec<Task>) {
        let replicated = self.catalog.shard_placements(shard_id).len() > 1;
        let first = self
            .catalog
            .active_workers()
            .first()
            .map(|n| n.name.clone());
        if let (true, Some(first)) = (replicated, first) {
            let mut t = Task::write(
                first,
                Some(shard_id),
                TaskBody::Sql(format!("SELECT lock_shard_resources(3, ARRAY[{shard_id}])")),
                false,
            );
            t.shards.clear();
            tasks.push(t);
        }
    }

    /// The tasks that store full rows of `table` in its shards: one per shard placement.
    pub(crate) fn insert_tasks(&self, table: &str, rows: Vec<Vec<Value>>) -> PgResult<Vec<Task>> {
        let dist = self
            .catalog
            .table(table)
            .cloned()
            .ok_or_else(|| PgError::undefined_table(table))?;
        let mut tasks = Vec::new();
        let columns = insert_columns(self, table);
        let add = |cluster: &Cluster,
                   shard_id: i64,
                   name: String,
                   rows: Vec<Vec<Value>>,
                   tasks: &mut Vec<Task>| {
            let nodes = write_nodes(cluster, shard_id);
            let last = nodes.len().saturating_sub(1);
            let mut rows = Some(rows);
            for (i, node) in nodes.into_iter().enumerate() {
                // The last placement takes the rows; earlier ones get copies.
                let batch = if i == last {
                    rows.take().unwrap_or_default()
                } else {
                    rows.clone().unwrap_or_default()
                };
                let preview = insert_sql(&name, &columns, &batch, TRACE_ROWS);
                tasks.push(Task {
                    node,
                    shard_id: Some(shard_id),
                    shards: vec![shard_id],
                    body: TaskBody::Rows {
                        table: name.clone(),
                        rows: batch,
                        preview,
                    },
                    kind: MessageKind::Task,
                    access: Access::Write,
                    counted: i == 0,
                });
            }
        };
        match &dist.kind {
            TableKind::Reference => {
                let Some(shard) = self
                    .catalog
                    .table_shards(table)
                    .first()
                    .map(|s| (*s).clone())
                else {
                    return Ok(tasks);
                };
                self.serialize_replicated_write(shard.shard_id, &mut tasks);
                add(self, shard.shard_id, shard.name(), rows, &mut tasks);
            }
            TableKind::Distributed { attnum, ty, .. } => {
                // Shards in hash-range order: each row's shard is a binary search away.
                let shards: Vec<(i32, i64, String)> = self
                    .catalog
                    .table_shards(table)
                    .into_iter()
                    .map(|s| (s.min_value.unwrap_or(i32::MIN), s.shard_id, s.name()))
                    .collect();
                // Hashing spreads rows evenly: size each shard's batch for its share and a half.
                let share = rows.len() / shards.len().max(1);
                let mut per_shard: Vec<Vec<Vec<Value>>> = vec![Vec::new(); shards.len()];
                for row in rows {
                    let value = row.get(attnum.saturating_sub(1)).unwrap_or(&Value::Null);
                    if value.is_null() {
                        return Err(PgError::new(
                            "XX000",
                            "cannot perform an INSERT with NULL in the partition column",
                        ));
                    }
                    let hash = crate::hashing::hash_for_type(value, ty)?;
                    let index = shards.partition_point(|(min, _, _)| *min <= hash);
                    let batch = index
                        .checked_sub(1)
                        .and_then(|i| per_shard.get_mut(i))
                        .ok_or_else(|| PgError::internal("could not find shard for value"))?;
                    if batch.is_empty() {
                        batch.reserve(share + share / 2 + 1);
                    }
                    batch.push(row);
                }
                for (rows, (_, shard_id, name)) in per_shard.into_iter().zip(&shards) {
                    if !rows.is_empty() {
                        add(self, *shard_id, name.clone(), rows, &mut tasks);
                    }
                }
            }
        }
        Ok(tasks)
    }

    /// Routes full rows of `table` to its shards.
    pub(crate) fn route_rows(
        &mut self,
        s: &mut Session,
        table: &str,
        rows: Vec<Vec<Value>>,
    ) -> PgResult<ExecOutput> {
        let tasks = self.insert_tasks(table, rows)?;
        self.run_modify(s, tasks, "INSERT 0", Default::default())
    }

    /// A literal-only INSERT into a Citus table (the bulk-load path): rows are built on the
    /// coordinator exactly as for a parsed INSERT, then routed.
    pub(crate) fn execute_literal_insert(
        &mut self,
        s: &mut Session,
        insert: crate::sql::dml::literal_insert::LiteralInsert,
    ) -> PgResult<ExecOutput> {
        let table = insert.table.clone();
        self.route_built_rows(s, &table, &BTreeMap::new(), |db, host| {
            dml::build_literal_rows(db, insert, host)
        })
    }

    /// INSERT into a Citus table.
    pub(crate) fn execute_insert(
        &mut self,
        s: &mut Session,
        insert: &Insert,
    ) -> PgResult<ExecOutput> {
        self.execute_insert_with(s, insert, BTreeMap::new())
    }

    /// INSERT into a Citus table whose source may read `relations` (intermediate results of
    /// the CTEs before it).
    pub(crate) fn execute_insert_with(
        &mut self,
        s: &mut Session,
        insert: &Insert,
        mut relations: BTreeMap<String, ResultSet>,
    ) -> PgResult<ExecOutput> {
        let table = object_name(&insert.table_name);
        if let Some(tasks) = self.insert_select_pushdown_tasks(insert)? {
            return self.run_modify(s, tasks, "INSERT 0", Default::default());
        }
        // The source rows: VALUES are evaluated on the coordinator (nextval, now()); a SELECT
        // over Citus tables runs distributed first and its rows become an intermediate result.
        let mut insert = std::borrow::Cow::Borrowed(insert);
        if let Some(source) = &insert.source {
            if !crate::planner::citus_relations(source, &self.catalog).is_empty() {
                let rows = self.select_with_results(s, source, &relations)?;
                relations.insert("intermediate_insert_rows".to_string(), rows);
                let q = parse_sql("SELECT * FROM intermediate_insert_rows")?;
                if let Some(Statement::Query(q)) = q.into_iter().next() {
                    insert.to_mut().source = Some(q);
                }
            }
        }
        if insert.returning.is_none() && insert.on.is_none() {
            return self.route_built_rows(s, &table, &relations, |db, host| {
                dml::build_insert_rows(db, &insert, host).map(|(_, rows)| rows)
            });
        }
        let rows = {
            let host = ClusterHost::new(&self.catalog, self.now(), &relations);
            dml::build_insert_rows(self.node_db(COORDINATOR)?, &insert, &host)?.1
        };
        let tasks = self.insert_statement_tasks(&insert, &table, rows)?;
        self.run_modify(s, tasks, "INSERT 0", Default::default())
    }

    /// The tasks of an INSERT with ON CONFLICT or RETURNING: per shard placement, an INSERT of
    /// the shard's rows with the statement's clauses, which the worker evaluates. The target
    /// keeps its name (or the statement's alias) as alias so qualified references resolve.
    fn insert_statement_tasks(
        &self,
        insert: &Insert,
        table: &str,
        rows: Vec<Vec<Value>>,
    ) -> PgResult<Vec<Task>> {
        let columns = insert_columns(self, table);
        let alias = insert
            .table_alias
            .clone()
            .unwrap_or_else(|| sqlparser::ast::Ident::new(table));
        let mut tasks = self.insert_tasks(table, rows)?;
        for task in &mut tasks {
            let TaskBody::Rows {
                table: shard, rows, ..
            } = &task.body
            else {
                continue;
            };
            let text = insert_sql(shard, &columns, rows, usize::MAX);
            let Some(Statement::Insert(mut stmt)) = parse_sql(&text)?.into_iter().next() else {
                return Err(PgError::internal("shard INSERT did not parse"));
            };
            stmt.table_alias = Some(alias.clone());
            stmt.on = insert.on.clone();
            stmt.returning = insert.returning.clone();
            task.body = TaskBody::Statement(Box::new(Statement::Insert(stmt)));
        }
        Ok(tasks)
    }

    /// Builds full rows on the coordinator (defaults, `nextval()`, `now()` evaluated there once
    /// per row) and routes them to their shards.
    fn route_built_rows(
        &mut self,
        s: &mut Session,
        table: &str,
        relations: &BTreeMap<String, ResultSet>,
        build: impl FnOnce(&crate::sql::Database, &ClusterHost) -> PgResult<Vec<Vec<Value>>>,
    ) -> PgResult<ExecOutput> {
        let rows = {
            let host = ClusterHost::new(&self.catalog, self.now(), relations);
            build(self.node_db(COORDINATOR)?, &host)?
        };
        self.route_rows(s, table, rows)
    }

    /// INSERT ... SELECT between co-located tables with the distribution column carried over
    /// runs shard by shard on the workers: its tasks, if it can.
    pub(crate) fn insert_select_pushdown_tasks(
        &self,
        insert: &Insert,
    ) -> PgResult<Option<Vec<Task>>> {
        let Some(source) = &insert.source else {
            return Ok(None);
        };
        let target = object_name(&insert.table_name);
        let Some(target_dist) = self.catalog.table(&target).cloned() else {
            return Ok(None);
        };
        let TableKind::Distributed {
            column: target_col, ..
        } = &target_dist.kind
        else {
            return Ok(None);
        };
        let sqlparser::ast::SetExpr::Select(select) = source.body.as_ref() else {
            return Ok(None);
        };
        if select.from.len() != 1 || !select.from[0].joins.is_empty() || source.limit.is_some() {
            return Ok(None);
        }
        let TableFactor::Table {
            name,
            args: None,
            alias,
            ..
        } = &select.from[0].relation
        else {
            return Ok(None);
        };
        let src_name = object_name(name);
        let Some(src) = self.catalog.table(&src_name).cloned() else {
            return Ok(None);
        };
        if !matches!(src.kind, TableKind::Distributed { .. })
            || src.colocation_id != target_dist.colocation_id
        {
            return Ok(None);
        }
        // The select item feeding the target's distribution column must be the source's.
        let target_def = self
            .node_db(COORDINATOR)?
            .table(&target)
            .cloned()
            .ok_or_else(|| PgError::undefined_table(&target))?;
        let target_cols: Vec<String> = if insert.columns.is_empty() {
            target_def.columns.iter().map(|c| c.name.clone()).collect()
        } else {
            insert.columns.iter().map(normalize_ident).collect()
        };
        let Some(pos) = target_cols.iter().position(|c| c == target_col) else {
            return Ok(None);
        };
        let reference = alias
            .as_ref()
            .map(|a| normalize_ident(&a.name))
            .unwrap_or_else(|| src_name.clone());
        let rels = [RelationRef {
            name: src_name.clone(),
            reference,
        }];
        let carried = match select.projection.get(pos) {
            Some(sqlparser::ast::SelectItem::UnnamedExpr(e))
            | Some(sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. }) => {
                prune::dist_column_relation(e, &rels, &self.catalog).is_some()
            }
            _ => false,
        };
        if !carried || select.group_by != sqlparser::ast::GroupByExpr::Expressions(vec![], vec![]) {
            return Ok(None);
        }
        let shard_count = self.catalog.table_shards(&target).len();
        let mut tasks = Vec::new();
        for i in 0..shard_count {
            let (Some(t), Some(src_shard)) = (
                self.catalog.shard_at(&target, i).cloned(),
                self.catalog.shard_at(&src_name, i).cloned(),
            ) else {
                continue;
            };
            let mut stmt = insert.clone();
            stmt.table_name = crate::sql::namespace::object_name(&t.name());
            // RETURNING and ON CONFLICT may name the table: it stays visible under its name.
            if stmt.table_alias.is_none() {
                stmt.table_alias = Some(crate::sql::ddl::ident(&target));
            }
            let mut map = BTreeMap::new();
            map.insert(src_name.clone(), src_shard.name());
            if let Some(src) = stmt.source.as_mut() {
                rename_relations(src.as_mut(), &map);
            }
            let body = TaskBody::Statement(Box::new(Statement::Insert(stmt)));
            for (k, node) in write_nodes(self, t.shard_id).into_iter().enumerate() {
                let mut task = Task::write(node, Some(t.shard_id), body.clone(), k == 0);
                task.shards.push(src_shard.shard_id);
                tasks.push(task);
            }
        }
        Ok(Some(tasks))
    }

    /// The tasks of an UPDATE or DELETE on a Citus table: one per placement of each shard the
    /// WHERE clause allows.
    pub(crate) fn modify_tasks(
        &self,
        stmt: &Statement,
        table: &str,
        selection: Option<&Expr>,
    ) -> PgResult<Vec<Task>> {
        let dist = self
            .catalog
            .table(table)
            .cloned()
            .ok_or_else(|| PgError::undefined_table(table))?;
        let shards: Vec<_> = self
            .catalog
            .table_shards(table)
            .into_iter()
            .cloned()
            .collect();
        let indexes: Vec<usize> = match (&dist.kind, selection) {
            (TableKind::Distributed { .. }, Some(w)) => {
                let rels = crate::planner::relations::statement_relations(stmt);
                let conds = prune::conjuncts(w);
                let eval_const = |e: &Expr| self.eval_const(e);
                match prune::prune(&conds, &rels, &self.catalog, &eval_const)? {
                    Some(set) => set.into_iter().collect(),
                    None => (0..shards.len()).collect(),
                }
            }
            _ => (0..shards.len()).collect(),
        };
        let mut tasks = Vec::new();
        for i in indexes {
            let Some(shard) = shards.iter().find(|s| s.index == i) else {
                continue;
            };
            let mut map = BTreeMap::new();
            map.insert(table.to_string(), shard.name());
            let mut touched = vec![shard.shard_id];
            // Co-located tables in FROM/USING follow the same shard index.
            for rel in crate::planner::relations::statement_relations(stmt) {
                if rel.name == table {
                    continue;
                }
                if let Some(other) = self.catalog.table(&rel.name) {
                    let s = if other.is_reference() {
                        self.catalog.table_shards(&rel.name).first().copied()
                    } else {
                        self.catalog.shard_at(&rel.name, i)
                    };
                    if let Some(s) = s {
                        map.insert(rel.name.clone(), s.name());
                        touched.push(s.shard_id);
                    }
                }
            }
            let mut task_stmt = stmt.clone();
            rename_relations(&mut task_stmt, &map);
            rename_modify_target(&mut task_stmt, &shard.name());
            let body = TaskBody::Statement(Box::new(task_stmt));
            if dist.is_reference() {
                self.serialize_replicated_write(shard.shard_id, &mut tasks);
            }
            for (k, node) in write_nodes(self, shard.shard_id).into_iter().enumerate() {
                let mut task = Task::write(node, Some(shard.shard_id), body.clone(), k == 0);
                task.shards = touched.clone();
                tasks.push(task);
            }
        }
        Ok(tasks)
    }

    /// UPDATE or DELETE on a Citus table.
    pub(crate) fn execute_modify(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
        table: &str,
        selection: Option<&Expr>,
        verb: &str,
    ) -> PgResult<ExecOutput> {
        self.check_modify_joins(stmt)?;
        let mut stmt = stmt.clone();
        let outer = modify_outer_relations(&stmt);
        let results = self.plan_subqueries(s, &mut stmt, false, outer)?;
        let selection = if results.is_empty() {
            selection.cloned()
        } else {
            modify_selection(&stmt)
        };
        let tasks = self.modify_tasks(&stmt, table, selection.as_ref())?;
        self.run_modify(s, tasks, verb, results)
    }
}

/// The relations an UPDATE or DELETE names at its own level: its target, then FROM/USING.
fn modify_outer_relations(stmt: &Statement) -> Vec<RelationRef> {
    let (target, others) = super::modify_join::listed_relations(stmt);
    target.into_iter().chain(others).collect()
}

/// The WHERE clause of an UPDATE or DELETE.
fn modify_selection(stmt: &Statement) -> Option<Expr> {
    match stmt {
        Statement::Update { selection, .. } => selection.clone(),
        Statement::Delete(d) => d.selection.clone(),
        _ => None,
    }
}

/// DELETE names its target outside FROM's table factors in some forms; make sure it is renamed.
fn rename_modify_target(stmt: &mut Statement, shard: &str) {
    if let Statement::Delete(d) = stmt {
        for t in d.tables.iter_mut() {
            *t = crate::sql::namespace::object_name(shard);
        }
    }
}

/// The columns an UPDATE assigns.
pub fn assigned_columns(stmt: &Statement) -> Vec<String> {
    match stmt {
        Statement::Update { assignments, .. } => assignments
            .iter()
            .flat_map(|a| match &a.target {
                sqlparser::ast::AssignmentTarget::ColumnName(n) => vec![column_name(n)],
                sqlparser::ast::AssignmentTarget::Tuple(ns) => ns.iter().map(column_name).collect(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn column_name(name: &sqlparser::ast::ObjectName) -> String {
    name.0
        .last()
        .map(crate::planner::relations::normalize_ident)
        .unwrap_or_default()
}

/// Whether an UPDATE may change `column` in some row. As in Citus, `SET c = c` does not, nor
/// does `SET c = 5` when WHERE already holds `c = 5`.
pub fn changes_column(stmt: &Statement, column: &str) -> bool {
    let Statement::Update {
        assignments,
        selection,
        ..
    } = stmt
    else {
        return false;
    };
    let is_column = |e: &Expr| match e {
        Expr::Identifier(id) => crate::planner::relations::normalize_ident(id) == column,
        Expr::CompoundIdentifier(ids) => ids
            .last()
            .is_some_and(|id| crate::planner::relations::normalize_ident(id) == column),
        _ => false,
    };
    let pinned_to = |value: &Expr| {
        let conjuncts = selection
            .as_ref()
            .map(crate::planner::prune::conjuncts)
            .unwrap_or_default();
        conjuncts.iter().any(|c| match c {
            Expr::BinaryOp {
                left,
                op: sqlparser::ast::BinaryOperator::Eq,
                right,
            } => {
                (is_column(left) && right.as_ref() == value)
                    || (is_column(right) && left.as_ref() == value)
            }
            _ => false,
        })
    };
    assignments.iter().any(|a| match &a.target {
        sqlparser::ast::AssignmentTarget::ColumnName(n) if column_name(n) == column => {
            let unchanged =
                is_column(&a.value) || (matches!(a.value, Expr::Value(_)) && pinned_to(&a.value));
            !unchanged
        }
        sqlparser::ast::AssignmentTarget::ColumnName(_) => false,
        sqlparser::ast::AssignmentTarget::Tuple(ns) => ns.iter().any(|n| column_name(n) == column),
    })
}

/// A one-column result for utility functions returning void.
pub fn void_result(name: &str) -> ResultSet {
    ResultSet {
        columns: vec![Column::new(name, SqlType::Text)],
        rows: vec![vec![Value::Text(String::new())]],
    }
}

/// Adds a task's RETURNING rows to the statement's.
pub(crate) fn merge_returned(into: &mut Option<ResultSet>, task: Option<ResultSet>) {
    let Some(task) = task else { return };
    match into {
        Some(all) => all.rows.extend(task.rows),
        None => *into = Some(task),
    }
}

/// `citus.sort_returning`: RETURNING rows of a modification sorted on every column in turn, so
/// their order does not depend on which shard answered first.
pub(crate) fn sort_returned(rs: &mut ResultSet) {
    rs.rows.sort_by(|a, b| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.pg_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}
