//! Queries from any node. Since Citus 11 every worker holds the Citus metadata, so a client
//! connected to a worker reads and writes distributed and reference tables as on the
//! coordinator. There is one catalog here: the worker plans from `Cluster::catalog` and from
//! the shell tables' definitions as the coordinator keeps them (the metadata sync step,
//! `operations::distribute::sync_metadata`, only gives the shells their OIDs on each node).
//! The statement's tasks leave from the worker, over connections it opens to the placements'
//! nodes, itself included. DDL on Citus tables and Citus's node and distribution utilities
//! stay on the coordinator, with Citus's error.

use super::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::planner::relations::{object_name, statement_relations};
use crate::session::{BlockState, Reply, Session};
use crate::sql::ExecOutput;
use crate::trace::{Envelope, MessageKind};
use sqlparser::ast::{Expr, ObjectType, Statement, Visitor};
use std::ops::ControlFlow;

/// How a worker handles a statement a client sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WorkerRoute {
    /// Only the worker's own tables (shards by name, local tables): it runs there alone.
    Local,
    /// It names a distributed or reference table: planned and executed from the worker.
    Distributed,
    /// Citus refuses it off the coordinator (`EnsureCoordinator`).
    CoordinatorOnly,
}

/// Citus's `EnsureCoordinator` error.
pub fn not_on_this_node() -> PgError {
    PgError::new("XX000", "operation is not allowed on this node")
        .with_hint("Connect to the coordinator and run it again.")
}

/// Whether the statement calls a Citus utility that only the coordinator runs
/// (`create_distributed_table`, `citus_add_node`, ...).
fn calls_coordinator_utility(stmt: &Statement) -> bool {
    struct Finder(bool);
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                let name = f.name.0.last().map(|i| i.value.to_lowercase());
                if name.is_some_and(|n| coordinator_only(&n)) {
                    self.0 = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut finder = Finder(false);
    let _ = crate::sql::visit::visit(stmt, &mut finder);
    finder.0
}

/// A Citus utility that calls `EnsureCoordinator` (PostgreSQL's own `pg_reload_conf` and the
/// per-node 2PC recovery run on any node).
fn coordinator_only(name: &str) -> bool {
    !matches!(name, "pg_reload_conf" | "recover_prepared_transactions")
        && crate::sql::catalog::runs_on(name, crate::sql::catalog::RunsOn::Coordinator)
}

impl Cluster {
    /// A Citus table the worker knows only through the metadata (a name it does not hold as a
    /// table of its own).
    fn is_shell_on(&self, node: &str, name: &str) -> bool {
        self.catalog.table(name).is_some()
            && self
                .node_db(node)
                .map_or(true, |db| db.table(name).is_none())
    }

    fn worker_route(&self, node: &str, stmt: &Statement) -> WorkerRoute {
        let shell = |name: &str| self.is_shell_on(node, name);
        if calls_coordinator_utility(stmt) {
            return WorkerRoute::CoordinatorOnly;
        }
        match stmt {
            Statement::AlterTable { name, .. } if shell(&object_name(name)) => {
                WorkerRoute::CoordinatorOnly
            }
            Statement::CreateIndex(ci) if shell(&object_name(&ci.table_name)) => {
                WorkerRoute::CoordinatorOnly
            }
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                ..
            } if names.iter().any(|n| shell(&object_name(n))) => WorkerRoute::CoordinatorOnly,
            Statement::Insert(insert) if shell(&object_name(&insert.table_name)) => {
                WorkerRoute::Distributed
            }
            Statement::Truncate { table_names, .. }
                if table_names.iter().any(|t| shell(&object_name(&t.name))) =>
            {
                WorkerRoute::Distributed
            }
            _ if statement_relations(stmt).iter().any(|r| shell(&r.name)) => {
                WorkerRoute::Distributed
            }
            // Citus's run_command_on_* functions connect out from whichever node runs them.
            Statement::Query(q) if crate::executor::run_command::calls_any(q) => {
                WorkerRoute::Distributed
            }
            _ => WorkerRoute::Local,
        }
    }

    /// A statement from a client connected to a worker, when it involves Citus tables: planned
    /// and run from that worker. `None`: the worker runs it alone, as any PostgreSQL node.
    pub(super) fn statement_from_worker(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
        text: &str,
        input: &str,
        index: usize,
        env: &Envelope,
    ) -> Option<Reply> {
        let route = self.worker_route(&s.node, stmt);
        if route == WorkerRoute::Local {
            return None;
        }
        let head = Envelope::new(super::CLIENT, &s.node, "").session(s.id);
        self.network.note(MessageKind::ClientQuery, env.clone());
        let result = match route {
            WorkerRoute::CoordinatorOnly => Err(not_on_this_node()),
            _ => self.distributed_from_worker(s, stmt, text, input, index),
        };
        let reply = self.finish_statement(s, result);
        self.note_client_result(s, &reply, head);
        Some(reply)
    }

    /// Plans and runs the statement from the session's worker in a distributed transaction of
    /// its own, committed (in one or two phases) before the answer goes back.
    fn distributed_from_worker(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
        text: &str,
        input: &str,
        index: usize,
    ) -> PgResult<ExecOutput> {
        if matches!(
            self.block_state(s),
            BlockState::InBlock | BlockState::Failed
        ) {
            return Err(PgError::unsupported(
                "statements on distributed tables inside a transaction block opened on a worker are not supported in ShardScope",
            )
            .with_hint("Run it outside BEGIN ... COMMIT, or connect to the coordinator."));
        }
        // Names resolve against the shells' definitions: the one copy, kept by the coordinator.
        self.analyze(COORDINATOR, stmt)
            .map_err(|f| f.into_error(input, index, stmt))?;
        self.begin_txn(s, false)?;
        let out = self.execute_statement(s, stmt, text)?;
        let mut commit = self.commit_txn(s)?;
        let mut out = out;
        out.notices.append(&mut commit.notices);
        Ok(out)
    }
}
