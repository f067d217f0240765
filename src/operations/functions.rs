//! CREATE/DROP FUNCTION and AGGREGATE on the coordinator: as Citus does since 11.0, the
//! coordinator creates the function, then sends its definition to every worker in the same
//! transaction, so shard queries that call it run on the workers.

use crate::cluster::{Cluster, COORDINATOR};
use crate::error::PgResult;
use crate::session::Session;
use crate::sql::catalog::{Kind, Proc};
use crate::sql::ExecOutput;
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
        super::ddl::ddl_on_workers(cluster, s, &command)?;
    }
    Ok(out)
}
