//! The adaptive executor: sends tasks to nodes as SQL, records every message in the trace, and
//! runs the combine step on the coordinator.

pub mod coordinator;
pub mod host;
pub mod modify;
pub mod run_command;
pub mod select;
pub mod settings;

use crate::cluster::{Cluster, COORDINATOR};
use crate::error::PgResult;
use crate::sql::{parse_sql, ExecOutput, Outcome, ResultSet};
use crate::trace::MessageKind;
use host::ClusterHost;
use std::collections::BTreeMap;

/// One unit of work on one node: SQL on a shard (or shard group).
#[derive(Clone, Debug)]
pub struct Task {
    pub node: String,
    pub shard_id: Option<i64>,
    pub sql: String,
}

impl Cluster {
    /// Sends `task` to its node, runs it there, and records the round trip. Errors carry
    /// Citus's `while executing command on host:port` context.
    pub(crate) fn run_task(&mut self, task: &Task, kind: MessageKind) -> PgResult<ExecOutput> {
        self.trace.record(
            COORDINATOR,
            &task.node,
            kind,
            task.sql.clone(),
            task.shard_id,
            0,
        );
        let result = self.run_task_sql(&task.node, &task.sql);
        match result {
            Ok(out) => {
                let rows = match &out.outcome {
                    Outcome::Rows(rs) => rs.rows.len(),
                    Outcome::Command(tag) => tag
                        .rsplit(' ')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0),
                };
                let summary = match &out.outcome {
                    Outcome::Rows(rs) => format!("{} rows", rs.rows.len()),
                    Outcome::Command(tag) => tag.clone(),
                };
                self.trace.record(
                    &task.node,
                    COORDINATOR,
                    MessageKind::TaskResult,
                    summary,
                    task.shard_id,
                    rows,
                );
                Ok(out)
            }
            Err(mut e) => {
                // Citus passes a worker's message on, not its position in the task's text
                e.position = None;
                self.trace.record(
                    &task.node,
                    COORDINATOR,
                    MessageKind::TaskError,
                    e.message.clone(),
                    task.shard_id,
                    0,
                );
                if task.node != COORDINATOR && e.context.is_none() {
                    e.context = Some(format!(
                        "while executing command on {}",
                        self.node_address(&task.node)
                    ));
                }
                Err(e)
            }
        }
    }

    fn run_task_sql(&mut self, node: &str, sql: &str) -> PgResult<ExecOutput> {
        let statements = parse_sql(sql)?;
        let idx = self.node_index(node)?;
        let now = self.now();
        let relations = BTreeMap::new();
        let host = ClusterHost::new(&self.catalog, now, &relations);
        let db = &mut self.nodes[idx].db;
        let mut last = ExecOutput::command("");
        for stmt in &statements {
            last = db.execute(stmt, &host)?;
        }
        Ok(last)
    }

    /// Runs tasks in order and collects their rows into one result (`remote_scan`).
    pub(crate) fn run_select_tasks(
        &mut self,
        tasks: &[Task],
        expected_columns: usize,
    ) -> PgResult<ResultSet> {
        let mut combined = ResultSet::default();
        for task in tasks {
            let out = self.run_task(task, MessageKind::Task)?;
            if let Outcome::Rows(rs) = out.outcome {
                if combined.columns.is_empty() {
                    combined.columns = rs.columns;
                }
                combined.rows.extend(rs.rows);
            }
        }
        if combined.columns.is_empty() {
            combined.columns = (1..=expected_columns)
                .map(|i| {
                    crate::sql::Column::new(
                        format!("worker_column_{i}"),
                        crate::types::SqlType::Unknown,
                    )
                })
                .collect();
        }
        Ok(combined)
    }

    /// Runs a query on the coordinator's engine with intermediate results visible by name.
    pub(crate) fn run_on_coordinator(
        &mut self,
        query: &sqlparser::ast::Query,
        relations: &BTreeMap<String, ResultSet>,
    ) -> PgResult<ResultSet> {
        let idx = self.node_index(COORDINATOR)?;
        let sizes = self.shard_sizes();
        let host = ClusterHost {
            catalog: &self.catalog,
            now: self.now(),
            relations,
            sizes: Some(&sizes),
        };
        self.nodes[idx].db.query(query, &host)
    }
}
