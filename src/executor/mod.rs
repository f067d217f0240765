//! The adaptive executor: runs a plan's tasks on their nodes over the session's connections
//! (or locally, on the coordinator's own placements), opening remote transaction blocks where
//! Citus does, and runs the combine step on the coordinator. A modification that meets a row
//! lock stops at that task and resumes there when the lock is released.

pub mod coordinator;
pub mod host;
mod merge;
pub mod modify;
mod modify_join;
mod modifying_with;
pub mod run_command;
pub mod select;
pub mod settings;
pub mod subplans;

use crate::cluster::{Cluster, COORDINATOR};
use crate::connection::Send;
use crate::error::{Notice, PgError, PgResult};
use crate::node::Command;
use crate::session::Session;
use crate::sql::{ExecOutput, ResultSet};
use crate::trace::{Envelope, MessageKind};
use crate::transaction::Access;
use crate::types::Value;
use host::ClusterHost;
use std::collections::{BTreeMap, VecDeque};

/// A connection that could not be opened (the node is down or unreachable), as opposed to
/// one lost while a command ran on it.
fn is_open_failure(e: &PgError) -> bool {
    e.sqlstate == "08006" && e.context.is_none() && e.wait.is_none()
}

/// What a task carries to its node.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskBody {
    /// SQL the node parses and runs (DDL, function calls).
    Sql(String),
    /// A query or modification already naming its shards.
    Statement(Box<sqlparser::ast::Statement>),
    /// Rows for one shard placement (a router or multi-row INSERT, a copy), with the INSERT
    /// they stand for as the trace shows it (its first rows).
    Rows {
        table: String,
        rows: Vec<Vec<Value>>,
        preview: String,
    },
}

/// One unit of work on one node: SQL on a shard (or shard group), or rows for a shard.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub node: String,
    /// The shard the task is anchored on.
    pub shard_id: Option<i64>,
    /// Every shard the task touches (a co-located join reads several).
    pub shards: Vec<i64>,
    pub body: TaskBody,
    /// How the trace shows it: a task, DDL, or a copy.
    pub kind: MessageKind,
    pub access: Access,
    /// Its row count is the statement's (the first placement of a shard).
    pub counted: bool,
}

impl Task {
    /// A read task running `query` on `node`.
    pub fn read(
        node: String,
        shard_id: Option<i64>,
        shards: Vec<i64>,
        query: sqlparser::ast::Query,
    ) -> Self {
        Task {
            node,
            shard_id,
            shards,
            body: TaskBody::Statement(Box::new(sqlparser::ast::Statement::Query(Box::new(query)))),
            kind: MessageKind::Task,
            access: Access::Read,
            counted: true,
        }
    }

    /// A write task running `body` on `node`.
    pub fn write(node: String, shard_id: Option<i64>, body: TaskBody, counted: bool) -> Self {
        Task {
            node,
            shard_id,
            shards: shard_id.into_iter().collect(),
            body,
            kind: MessageKind::Task,
            access: Access::Write,
            counted,
        }
    }

    /// The SQL the task runs (for rows: the INSERT they stand for), as the plan shows it.
    pub fn sql(&self) -> String {
        match &self.body {
            TaskBody::Sql(sql) => sql.clone(),
            TaskBody::Statement(stmt) => crate::sql::merge_syntax::unmark(&stmt.to_string()),
            TaskBody::Rows { preview, .. } => preview.clone(),
        }
    }

    /// The command carrying the task; rows move into it (see `give_back`).
    fn take_command(&mut self) -> Command {
        match &mut self.body {
            TaskBody::Sql(sql) => Command::Sql(sql.clone()),
            TaskBody::Statement(stmt) => Command::Statement(stmt.clone()),
            TaskBody::Rows { table, rows, .. } => Command::Insert {
                table: table.clone(),
                rows: std::cell::RefCell::new(std::mem::take(rows)),
            },
        }
    }

    /// Takes back rows the node did not consume (it had to wait for a lock).
    fn give_back(&mut self, command: Command) {
        if let (TaskBody::Rows { rows, .. }, Command::Insert { rows: left, .. }) =
            (&mut self.body, command)
        {
            *rows = left.into_inner();
        }
    }
}

/// A modification's tasks still to run, in order, and what the finished ones counted: what a
/// statement that waits for a lock resumes with.
#[derive(Clone, Debug)]
pub struct ModifyRun {
    pub tasks: VecDeque<Task>,
    pub total: u64,
    /// The tag before the count (`INSERT 0`, `UPDATE`, `DELETE`).
    pub verb: String,
    /// The tasks run inside remote transaction blocks.
    pub blocks: bool,
    pub notices: Vec<Notice>,
    /// The subplan results its tasks read.
    pub results: subplans::IntermediateResults,
    /// The RETURNING rows of the finished tasks, merged in task order.
    pub returned: Option<ResultSet>,
}

/// How a waiting statement carries on once the lock it waits for is released.
#[derive(Clone, Debug)]
pub enum Resume {
    /// The rest of a distributed modification.
    Modify(ModifyRun),
    /// A statement on the session's own node, run again from the start.
    Statement(String),
}

impl Cluster {
    /// Sends `task` to its node (locally when the node is the coordinator) and returns its
    /// answer. Remote transaction blocks open when `blocks`.
    pub(crate) fn run_task(
        &mut self,
        s: &mut Session,
        task: &mut Task,
        blocks: bool,
        relations: &BTreeMap<String, ResultSet>,
    ) -> PgResult<ExecOutput> {
        if task.node == COORDINATOR && s.node == COORDINATOR {
            let text = task.sql();
            let command = task.take_command();
            let result = self.run_local_task(s, task, &command, &text, relations);
            task.give_back(command);
            return result;
        }
        let i = self.task_connection(s, &task.node, task.access, blocks)?;
        let (display, rows) = match &task.body {
            TaskBody::Rows { rows, .. } => (Some(task.sql()), rows.len()),
            TaskBody::Sql(_) | TaskBody::Statement(_) => (None, 0),
        };
        let send = Send {
            kind: Some(task.kind),
            shard: task.shard_id,
            shards: task.shards.clone(),
            rows,
            display,
            ..Send::default()
        };
        let command = task.take_command();
        let result = self.send_on(s, i, &command, send, relations);
        task.give_back(command);
        result
    }

    /// A task on one of the coordinator's own placements: local execution in the session's
    /// backend, inside its transaction.
    fn run_local_task(
        &mut self,
        s: &mut Session,
        task: &Task,
        command: &Command,
        text: &str,
        relations: &BTreeMap<String, ResultSet>,
    ) -> PgResult<ExecOutput> {
        if s.logs_remote_commands() {
            let full = self.command_text(command);
            s.emit(Notice::new(format!(
                "executing the command locally: {full}"
            )));
        }
        let mut env = Envelope::new(COORDINATOR, COORDINATOR, text.to_string())
            .session(s.id)
            .shard(task.shard_id);
        env.shards = task.shards.clone();
        env.phase = Some("local execution".into());
        self.network.note(task.kind, env.clone());
        if task.access == Access::Write {
            if let Some(txn) = s.txn.as_mut() {
                // Any write through local execution commits with two phases.
                txn.use_2pc = true;
                txn.modified = true;
            }
        }
        let backend = s
            .backend
            .ok_or_else(|| PgError::new("08003", "connection not open"))?;
        let now = self.now();
        let host = ClusterHost::new(&self.catalog, now, relations);
        let node = self
            .network
            .node_mut(COORDINATOR)
            .ok_or_else(|| PgError::internal("no coordinator"))?;
        let result = node.run(backend, command, &host);
        let reply = match &result {
            Ok(out) => (
                MessageKind::TaskResult,
                crate::network::rows_text(out.row_count()),
            ),
            Err(e) if e.wait.is_some() => (MessageKind::LockWait, e.message.clone()),
            Err(e) => (MessageKind::TaskError, e.message.clone()),
        };
        let rows = result.as_ref().map_or(0, |o| o.row_count());
        self.network.note(reply.0, env.reply(reply.1, rows));
        result
    }

    /// Runs read tasks in order and collects their rows into one result (`remote_scan`).
    pub(crate) fn run_select_tasks(
        &mut self,
        s: &mut Session,
        tasks: &[Task],
        expected_columns: usize,
        relations: &subplans::IntermediateResults,
    ) -> PgResult<ResultSet> {
        let blocks = s.txn.as_ref().is_some_and(|t| t.explicit);
        let mut combined = ResultSet::default();
        // Nodes no connection could be opened to in this statement: their tasks go to other
        // placements, and the failure is a WARNING once.
        let mut failed: Vec<(String, PgError)> = Vec::new();
        for task in tasks {
            let mut task = task.clone();
            let out = loop {
                if let Some((_, e)) = failed.iter().find(|(n, _)| *n == task.node) {
                    let names: Vec<String> = failed.iter().map(|(n, _)| n.clone()).collect();
                    match self.other_placement(&task, &names) {
                        Some(node) => task.node = node,
                        None => return Err(e.clone()),
                    }
                }
                match self.run_task(s, &mut task, blocks, relations) {
                    Err(e) if is_open_failure(&e) => {
                        if self.other_placement(&task, &[task.node.clone()]).is_none() {
                            return Err(e);
                        }
                        let mut warning = Notice::warning(e.message.clone());
                        warning.detail = e.detail.clone();
                        s.emit(warning);
                        failed.push((task.node.clone(), e));
                    }
                    result => break result?,
                }
            };
            if let crate::sql::Outcome::Rows(rs) = out.outcome {
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

    /// Another active node holding every shard a read task reads, first by placement id:
    /// where Citus retries a read whose node could not be reached.
    fn other_placement(&self, task: &Task, failed: &[String]) -> Option<String> {
        let anchor = task.shard_id.or_else(|| task.shards.first().copied())?;
        let mut candidates = self.catalog.active_placements(anchor);
        crate::sort::sort_by_key(&mut candidates, |(p, _)| p.placement_id);
        candidates
            .into_iter()
            .map(|(_, n)| n.name.clone())
            .find(|n| {
                !failed.contains(n)
                    && *n != task.node
                    && task.shards.iter().all(|sh| {
                        self.catalog
                            .active_placements(*sh)
                            .iter()
                            .any(|(_, m)| &m.name == n)
                    })
            })
    }

    /// Starts a modification: its tasks run in order; several tasks, or a shard with several
    /// placements, need remote transaction blocks and two-phase commit.
    pub(crate) fn run_modify(
        &mut self,
        s: &mut Session,
        tasks: Vec<Task>,
        verb: &str,
        results: subplans::IntermediateResults,
    ) -> PgResult<ExecOutput> {
        let explicit = s.txn.as_ref().is_some_and(|t| t.explicit);
        let multi = tasks.len() > 1;
        if multi {
            if let Some(txn) = s.txn.as_mut() {
                txn.use_2pc = true;
            }
        }
        let run = ModifyRun {
            tasks: tasks.into(),
            total: 0,
            verb: verb.to_string(),
            blocks: explicit || multi,
            notices: Vec::new(),
            results,
            returned: None,
        };
        self.continue_modify(s, run)
    }

    /// Runs a modification's remaining tasks. At a lock wait the rest is kept in
    /// `s.waiting`'s resume, and the wait comes back as the error.
    pub(crate) fn continue_modify(
        &mut self,
        s: &mut Session,
        mut run: ModifyRun,
    ) -> PgResult<ExecOutput> {
        let relations = std::mem::take(&mut run.results);
        while let Some(mut task) = run.tasks.pop_front() {
            match self.run_task(s, &mut task, run.blocks, &relations) {
                Ok(out) => {
                    if task.counted {
                        run.total += out.affected.unwrap_or(0);
                        modify::merge_returned(&mut run.returned, out.returned);
                    }
                    run.notices.extend(out.notices);
                }
                Err(e) if e.wait.is_some() => {
                    let node = task.node.clone();
                    run.tasks.push_front(task);
                    run.results = relations;
                    self.begin_wait(s, &node, &e, Resume::Modify(run));
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(rs) = run.returned.as_mut() {
            if settings::is_on(s, "citus.sort_returning") {
                modify::sort_returned(rs);
            }
        }
        let mut out = ExecOutput::modified_returning(&run.verb, run.total, run.returned);
        out.notices = run.notices;
        Ok(out)
    }

    /// Runs a query on the coordinator's engine, in the session's transaction, with
    /// intermediate results visible by name.
    pub(crate) fn run_on_coordinator(
        &mut self,
        s: &Session,
        query: &sqlparser::ast::Query,
        relations: &BTreeMap<String, ResultSet>,
    ) -> PgResult<ResultSet> {
        let sizes = self.shard_sizes();
        let now = self.now();
        let host = ClusterHost {
            catalog: &self.catalog,
            now,
            relations,
            sizes: Some(&sizes),
            methods: settings::plan_methods(s),
        };
        let node = self
            .network
            .node_mut(&s.node)
            .ok_or_else(|| PgError::internal("no such node"))?;
        node.read_in(s.backend, |db| db.query(query, &host))
    }
}
