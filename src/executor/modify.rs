//! INSERT, UPDATE and DELETE on Citus tables: rows are routed to shards by the hash of their
//! distribution column; UPDATE and DELETE are pruned to the shards their WHERE allows.

use super::Task;
use crate::cluster::{Cluster, Session, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::metadata::TableKind;
use crate::planner::prune;
use crate::planner::relations::{normalize_ident, object_name, rename_relations, RelationRef};
use crate::sql::{dml, parse_sql, Column, ExecOutput, Outcome, ResultSet};
use crate::trace::MessageKind;
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Insert, Statement, TableFactor};
use std::collections::BTreeMap;

/// Rows rendered into a trace message are capped; the count is always exact.
const TRACE_ROWS: usize = 5;

/// Appends a value as a SQL literal, the way Citus deparses it for a worker.
fn push_sql_literal(out: &mut String, v: &Value, ty: &SqlType) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match v {
        Value::Null => write!(out, "NULL"),
        Value::Int2(i) => write!(out, "{i}"),
        Value::Int4(i) => write!(out, "{i}"),
        Value::Int8(i) => write!(out, "{i}"),
        Value::Numeric(d) => write!(out, "{d}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Text(s) => push_typed_string(out, s, ty),
        other => push_typed_string(out, &other.to_pg_text().unwrap_or_default(), ty),
    };
}

/// `'text'::type`, quotes doubled.
fn push_typed_string(out: &mut String, text: &str, ty: &SqlType) -> std::fmt::Result {
    out.push('\'');
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push_str("'::");
    out.push_str(&ty.display_name());
    Ok(())
}

/// The INSERT a shard's task carries, as the trace shows it: the first rows, then a count.
fn insert_sql(shard: &str, columns: &[Column], rows: &[Vec<Value>]) -> String {
    let mut out = format!("INSERT INTO public.{shard} AS citus_table_alias (");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&c.name);
    }
    out.push_str(") VALUES ");
    for (r, row) in rows.iter().take(TRACE_ROWS).enumerate() {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for (i, (v, c)) in row.iter().zip(columns).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_sql_literal(&mut out, v, &c.ty);
        }
        out.push(')');
    }
    if rows.len() > TRACE_ROWS {
        out.push_str(&format!(", ... ({} rows in all)", rows.len()));
    }
    out
}

fn command_count(out: &ExecOutput) -> u64 {
    match &out.outcome {
        Outcome::Command(tag) => tag
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        Outcome::Rows(rs) => rs.rows.len() as u64,
    }
}

impl Cluster {
    /// Sends rows to a shard placement: the worker checks constraints and stores them.
    fn insert_task(
        &mut self,
        node: &str,
        shard_id: i64,
        shard: &str,
        columns: &[Column],
        rows: Vec<Vec<Value>>,
    ) -> PgResult<usize> {
        let sql = insert_sql(shard, columns, &rows);
        let count = rows.len();
        self.trace.record(
            COORDINATOR,
            node,
            MessageKind::Task,
            sql,
            Some(shard_id),
            count,
        );
        let idx = self.node_index(node)?;
        let result = dml::insert_rows(&mut self.nodes[idx].db, shard, rows);
        match result {
            Ok(n) => {
                self.trace.record(
                    node,
                    COORDINATOR,
                    MessageKind::TaskResult,
                    format!("INSERT 0 {n}"),
                    Some(shard_id),
                    n,
                );
                Ok(n)
            }
            Err(mut e) => {
                self.trace.record(
                    node,
                    COORDINATOR,
                    MessageKind::TaskError,
                    e.message.clone(),
                    Some(shard_id),
                    0,
                );
                if node != COORDINATOR {
                    e.context = Some(format!(
                        "while executing command on {}",
                        self.node_address(node)
                    ));
                }
                Err(e)
            }
        }
    }

    /// Routes full rows of `table` to its shards.
    pub(crate) fn route_rows(&mut self, table: &str, rows: Vec<Vec<Value>>) -> PgResult<usize> {
        let dist = self
            .catalog
            .table(table)
            .cloned()
            .ok_or_else(|| PgError::undefined_table(table))?;
        let def = self
            .node_db(COORDINATOR)?
            .table(table)
            .cloned()
            .ok_or_else(|| PgError::undefined_table(table))?;
        let columns: Vec<Column> = def
            .columns
            .iter()
            .map(|c| Column::new(c.name.clone(), c.ty.clone()))
            .collect();
        let mut total = 0;
        match &dist.kind {
            TableKind::Reference => {
                let Some(shard) = self
                    .catalog
                    .table_shards(table)
                    .first()
                    .map(|s| (*s).clone())
                else {
                    return Ok(0);
                };
                let nodes: Vec<String> = self
                    .catalog
                    .shard_placements(shard.shard_id)
                    .into_iter()
                    .map(|(_, n)| n.name.clone())
                    .collect();
                for (i, node) in nodes.iter().enumerate() {
                    let n = self.insert_task(
                        node,
                        shard.shard_id,
                        &shard.name(),
                        &columns,
                        rows.clone(),
                    )?;
                    if i == 0 {
                        total = n;
                    }
                }
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
                let per_shard = per_shard
                    .into_iter()
                    .zip(&shards)
                    .filter(|(rows, _)| !rows.is_empty());
                for (rows, (_, shard_id, name)) in per_shard {
                    let shard_id = *shard_id;
                    let nodes: Vec<String> = self
                        .catalog
                        .shard_placements(shard_id)
                        .into_iter()
                        .map(|(_, n)| n.name.clone())
                        .collect();
                    let mut rows = Some(rows);
                    for (i, node) in nodes.iter().enumerate() {
                        // The last placement takes the rows; earlier ones get copies.
                        let batch = if i + 1 == nodes.len() {
                            rows.take().unwrap_or_default()
                        } else {
                            rows.clone().unwrap_or_default()
                        };
                        let n = self.insert_task(node, shard_id, name, &columns, batch)?;
                        if i == 0 {
                            total += n;
                        }
                    }
                }
            }
        }
        Ok(total)
    }

    /// A literal-only INSERT into a Citus table (the bulk-load path): rows are built on the
    /// coordinator exactly as for a parsed INSERT, then routed.
    pub(crate) fn execute_literal_insert(
        &mut self,
        insert: crate::sql::dml::literal_insert::LiteralInsert,
    ) -> PgResult<ExecOutput> {
        let table = insert.table.clone();
        self.route_built_rows(&table, &BTreeMap::new(), |db, host| {
            dml::build_literal_rows(db, insert, host)
        })
    }

    /// INSERT into a Citus table.
    pub(crate) fn execute_insert(
        &mut self,
        session: &Session,
        insert: &Insert,
    ) -> PgResult<ExecOutput> {
        let table = object_name(&insert.table_name);
        if let Some(out) = self.try_insert_select_pushdown(insert)? {
            return Ok(out);
        }
        // The source rows: VALUES are evaluated on the coordinator (nextval, now()); a SELECT
        // over Citus tables runs distributed first and its rows become an intermediate result.
        let mut relations = BTreeMap::new();
        let mut insert = std::borrow::Cow::Borrowed(insert);
        if let Some(source) = &insert.source {
            if !crate::planner::citus_relations(source, &self.catalog).is_empty() {
                let rows = self.execute_select(session, source)?;
                relations.insert("intermediate_insert_rows".to_string(), rows);
                let q = parse_sql("SELECT * FROM intermediate_insert_rows")?;
                if let Some(Statement::Query(q)) = q.into_iter().next() {
                    insert.to_mut().source = Some(q);
                }
            }
        }
        self.route_built_rows(&table, &relations, |db, host| {
            dml::build_insert_rows(db, &insert, host).map(|(_, rows)| rows)
        })
    }

    /// Builds full rows on the coordinator (defaults, `nextval()`, `now()` evaluated there once
    /// per row) and routes them to their shards.
    fn route_built_rows(
        &mut self,
        table: &str,
        relations: &BTreeMap<String, ResultSet>,
        build: impl FnOnce(&crate::sql::Database, &ClusterHost) -> PgResult<Vec<Vec<Value>>>,
    ) -> PgResult<ExecOutput> {
        let rows = {
            let idx = self.node_index(COORDINATOR)?;
            let host = ClusterHost::new(&self.catalog, self.now(), relations);
            build(&self.nodes[idx].db, &host)?
        };
        let n = self.route_rows(table, rows)?;
        Ok(ExecOutput::command(format!("INSERT 0 {n}")))
    }

    /// INSERT ... SELECT between co-located tables with the distribution column carried over
    /// runs shard by shard on the workers.
    fn try_insert_select_pushdown(&mut self, insert: &Insert) -> PgResult<Option<ExecOutput>> {
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
        let TableKind::Distributed {
            column: src_col, ..
        } = &src.kind
        else {
            return Ok(None);
        };
        if src.colocation_id != target_dist.colocation_id {
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
        let _ = src_col;
        let shard_count = self.catalog.table_shards(&target).len();
        let mut total = 0u64;
        for i in 0..shard_count {
            let (Some(t), Some(s)) = (
                self.catalog.shard_at(&target, i).cloned(),
                self.catalog.shard_at(&src_name, i).cloned(),
            ) else {
                continue;
            };
            let mut stmt = insert.clone();
            stmt.table_name =
                sqlparser::ast::ObjectName(vec![sqlparser::ast::Ident::new(t.name())]);
            let mut map = BTreeMap::new();
            map.insert(src_name.clone(), s.name());
            if let Some(src) = stmt.source.as_mut() {
                rename_relations(src.as_mut(), &map);
            }
            let node = self
                .catalog
                .task_node(t.shard_id)
                .map(|n| n.name.clone())
                .unwrap_or_else(|| COORDINATOR.to_string());
            let task = Task {
                node,
                shard_id: Some(t.shard_id),
                sql: Statement::Insert(stmt).to_string(),
            };
            total += command_count(&self.run_task(&task, MessageKind::Task)?);
        }
        Ok(Some(ExecOutput::command(format!("INSERT 0 {total}"))))
    }

    /// UPDATE or DELETE on a Citus table: one task per shard the WHERE clause allows.
    pub(crate) fn execute_modify(
        &mut self,
        stmt: &Statement,
        table: &str,
        selection: Option<&Expr>,
        verb: &str,
    ) -> PgResult<ExecOutput> {
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
        let mut total = 0u64;
        for i in indexes {
            let Some(shard) = shards.iter().find(|s| s.index == i) else {
                continue;
            };
            let mut map = BTreeMap::new();
            map.insert(table.to_string(), shard.name());
            // Co-located tables in FROM/USING follow the same shard index.
            for rel in crate::planner::relations::statement_relations(stmt) {
                if rel.name == table {
                    continue;
                }
                if let Some(other) = self.catalog.table(&rel.name) {
                    let s = if other.is_reference() {
                        self.catalog
                            .table_shards(&rel.name)
                            .first()
                            .map(|s| s.name())
                    } else {
                        self.catalog.shard_at(&rel.name, i).map(|s| s.name())
                    };
                    if let Some(s) = s {
                        map.insert(rel.name.clone(), s);
                    }
                }
            }
            let mut task_stmt = stmt.clone();
            rename_relations(&mut task_stmt, &map);
            rename_modify_target(&mut task_stmt, &shard.name());
            let sql = task_stmt.to_string();
            let nodes: Vec<String> = self
                .catalog
                .shard_placements(shard.shard_id)
                .into_iter()
                .map(|(_, n)| n.name.clone())
                .collect();
            for (k, node) in nodes.into_iter().enumerate() {
                let task = Task {
                    node,
                    shard_id: Some(shard.shard_id),
                    sql: sql.clone(),
                };
                let n = command_count(&self.run_task(&task, MessageKind::Task)?);
                if k == 0 {
                    total += n;
                }
            }
        }
        Ok(ExecOutput::command(format!("{verb} {total}")))
    }
}

/// DELETE names its target outside FROM's table factors in some forms; make sure it is renamed.
fn rename_modify_target(stmt: &mut Statement, shard: &str) {
    if let Statement::Delete(d) = stmt {
        for t in d.tables.iter_mut() {
            *t = sqlparser::ast::ObjectName(vec![sqlparser::ast::Ident::new(shard)]);
        }
    }
}

/// The columns an UPDATE assigns.
pub fn assigned_columns(stmt: &Statement) -> Vec<String> {
    match stmt {
        Statement::Update { assignments, .. } => assignments
            .iter()
            .flat_map(|a| match &a.target {
                sqlparser::ast::AssignmentTarget::ColumnName(n) => vec![object_name(n)],
                sqlparser::ast::AssignmentTarget::Tuple(ns) => ns.iter().map(object_name).collect(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A one-column result for utility functions returning void.
pub fn void_result(name: &str) -> ResultSet {
    ResultSet {
        columns: vec![Column::new(name, SqlType::Text)],
        rows: vec![vec![Value::Text(String::new())]],
    }
}
