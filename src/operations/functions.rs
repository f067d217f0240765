//! CREATE/DROP FUNCTION and AGGREGATE on the coordinator: as Citus does since 11.0, the
//! coordinator creates the function, then sends its definition to every worker in the same
//! transaction, so shard queries that call it run on the workers.

use crate::cluster::{Cluster, COORDINATOR};
use crate::error::PgResult;
use crate::node::Command;
use crate::session::Session;
use crate::sql::catalog::{Kind, Proc};
use crate::sql::ExecOutput;
use crate::trace::MessageKind;
use sqlparser::ast::Statement;

fn coordinator_functions(cluster: &Cluster) -> Vec<&'static Proc> {
    cluster
        .node_db(COORDINATOR)
        .map(|db| db.functions.all())
        .unwrap_or_default()
}

/// The DDL text that drops a function on a worker.
fn drop_text(p: &Proc) -> String {
    let what = match p.kind {
        Kind::Aggregate(_) => "AGGREGATE",
        Kind::Function => "FUNCTION",
    };
    let types: Vec<String> = p
        .user
        .map(|u| u.arg_types.iter().map(|t| t.pg_name()).collect())
        .unwrap_or_default();
    format!("DROP {what} public.{}({})", p.name, types.join(", "))
}

/// Runs CREATE/DROP FUNCTION (or AGGREGATE) on the coordinator, then on every worker.
pub fn execute(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
) -> PgResult<ExecOutput> {
    let before = coordinator_functions(cluster);
    let out = crate::executor::coordinator::local(cluster, s, stmt, text)?;
    let after = coordinator_functions(cluster);
    let same = |a: &&'static Proc, b: &&'static Proc| std::ptr::eq(*a, *b);
    let mut commands: Vec<String> = after
        .iter()
        .filter(|p| !before.iter().any(|b| same(b, p)))
        .filter_map(|p| p.user.map(|u| u.ddl.clone()))
        .collect();
    if matches!(stmt, Statement::DropFunction { .. }) {
        commands.extend(
            before
                .iter()
                .filter(|p| !after.iter().any(|a| same(a, p)))
                .map(|p| drop_text(p)),
        );
    }
    for command in commands {
        propagate(cluster, s, &command)?;
    }
    Ok(out)
}

/// Sends one function definition (or drop) to every worker, in the session's transaction.
fn propagate(cluster: &mut Cluster, s: &mut Session, command: &str) -> PgResult<()> {
    let workers: Vec<String> = cluster
        .catalog
        .active_workers()
        .into_iter()
        .map(|n| n.name.clone())
        .collect();
    if let Some(txn) = s.txn.as_mut() {
        txn.use_2pc = true;
        txn.modified = true;
    }
    for node in workers {
        let i = cluster.task_connection(s, &node, crate::transaction::Access::Write, true)?;
        let send = crate::connection::Send {
            kind: Some(MessageKind::Ddl),
            ..Default::default()
        };
        cluster.send_on(
            s,
            i,
            &Command::Sql(command.to_string()),
            send,
            &std::collections::BTreeMap::new(),
        )?;
    }
    Ok(())
}
