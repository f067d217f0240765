//! Partitioned tables on Citus. Distributing a partitioned table distributes each partition,
//! co-located with it; on the workers each partition's shard is attached to the parent's shard
//! of the same index, so a task on `measurement_102008` reads the partition shards beneath it.
//! Partitions created, attached or detached later follow the parent.

use super::ddl::ddl_task;
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{Notice, PgError, PgResult};
use crate::executor::coordinator::local;
use crate::metadata::{Shard, TableKind};
use crate::session::Session;
use crate::sql::partition::syntax::{partition_command, PartitionCommand};
use crate::sql::{partition, ExecOutput, TableDef};
use sqlparser::ast::Statement;

/// The partitions of a coordinator table, in bound order.
pub fn partitions_of(cluster: &Cluster, table: &str) -> PgResult<Vec<String>> {
    let db = cluster.node_db(COORDINATOR)?;
    Ok(partition::partitions(db, table)
        .into_iter()
        .map(|p| p.name.clone())
        .collect())
}

/// Citus distributes a partition only through its parent.
pub fn check_distributable(cluster: &Cluster, def: &TableDef) -> PgResult<()> {
    let Some(of) = &def.partition_of else {
        return Ok(());
    };
    if cluster.catalog.table(&of.parent).is_some() {
        return Ok(());
    }
    Err(PgError::new(
        "0A000",
        format!(
            "cannot distribute relation \"{}\" which is partition of \"{}\"",
            def.name, of.parent
        ),
    )
    .with_detail(
        "Citus does not support distributing partitions if their parent is not distributed table.",
    )
    .with_hint(format!(
        "Distribute the partitioned table \"{}\" instead.",
        of.parent
    )))
}

/// `ALTER TABLE <parent shard> ATTACH PARTITION <shard> FOR VALUES ...` for the shard of a
/// partition (`None` when the parent is not distributed).
pub fn attach_shard_sql(
    cluster: &Cluster,
    def: &TableDef,
    shard: &Shard,
) -> PgResult<Option<String>> {
    let Some(of) = &def.partition_of else {
        return Ok(None);
    };
    let Some(parent_shard) = cluster.catalog.shard_at(&of.parent, shard.index) else {
        return Ok(None);
    };
    let db = cluster.node_db(COORDINATOR)?;
    let types = db
        .table(&of.parent)
        .map(TableDef::partition_key_types)
        .unwrap_or_default();
    Ok(Some(format!(
        "ALTER TABLE {} ATTACH PARTITION {} {}",
        crate::sql::namespace::relation_sql(&parent_shard.name()),
        crate::sql::namespace::relation_sql(&shard.name()),
        partition::bound_sql(&of.bound, &types)
    )))
}

/// The distribution column of a distributed table.
fn distribution_column(cluster: &Cluster, table: &str) -> Option<String> {
    match &cluster.catalog.table(table)?.kind {
        TableKind::Distributed { column, .. } => Some(column.clone()),
        _ => None,
    }
}

/// After `CREATE TABLE ... PARTITION OF` ran on the coordinator: a partition of a
/// distributed table is distributed with it (co-located, the parent's shard count).
pub fn after_create(cluster: &mut Cluster, s: &mut Session, table: &str) -> PgResult<Vec<Notice>> {
    let parent = {
        let db = cluster.node_db(COORDINATOR)?;
        match db.table(table).and_then(|d| d.partition_of.clone()) {
            Some(of) => of.parent,
            None => return Ok(Vec::new()),
        }
    };
    match distribution_column(cluster, &parent) {
        Some(column) => {
            super::distribute::distribute_table(cluster, s, table, &column, &parent, None)
        }
        None => Ok(Vec::new()),
    }
}

/// Whether an ALTER TABLE attaches or detaches a partition.
pub fn is_partition_alter(stmt: &Statement) -> bool {
    matches!(stmt, Statement::AlterTable { operations, .. }
        if crate::sql::partition::syntax::has_partition_command(operations))
}

/// ALTER TABLE parent ATTACH / DETACH PARTITION child, on the coordinator and, when the parent
/// is distributed, on every pair of co-located shards.
pub fn alter_partition(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
    parent: &str,
) -> PgResult<ExecOutput> {
    let Statement::AlterTable { operations, .. } = stmt else {
        return local(cluster, s, stmt, text);
    };
    let parent_dist = cluster.catalog.table(parent).cloned();
    let mut notices = Vec::new();
    for op in operations {
        let Some(cmd) = partition_command(op) else {
            continue;
        };
        match cmd {
            PartitionCommand::Attach { child, .. } => {
                let child_dist = cluster.catalog.table(&child).cloned();
                match (&parent_dist, &child_dist) {
                    (None, Some(_)) => {
                        return Err(PgError::new(
                            "0A000",
                            "non-distributed partitioned tables cannot have distributed partitions",
                        ))
                    }
                    (Some(p), Some(c)) if p.colocation_id != c.colocation_id => {
                        return Err(PgError::new(
                            "0A000",
                            "distributed tables cannot have non-colocated distributed tables as a partition ",
                        ))
                    }
                    _ => {}
                }
            }
            PartitionCommand::Detach { .. } => {}
        }
    }
    let mut out = local(cluster, s, stmt, text)?;
    let Some(column) = distribution_column(cluster, parent) else {
        return Ok(out);
    };
    for op in operations {
        match partition_command(op) {
            Some(PartitionCommand::Attach { child, .. }) => {
                if cluster.catalog.table(&child).is_none() {
                    // A local table: distributed co-located with the parent, its rows moved,
                    // and its shards attached as they are created.
                    notices.extend(super::distribute::distribute_table(
                        cluster, s, &child, &column, parent, None,
                    )?);
                    continue;
                }
                let def = cluster
                    .node_db(COORDINATOR)?
                    .table(&child)
                    .cloned()
                    .ok_or_else(|| PgError::undefined_table(&child))?;
                shard_ddl(cluster, s, &child, |c, shard| {
                    attach_shard_sql(c, &def, shard)
                })?;
            }
            Some(PartitionCommand::Detach { child }) => {
                shard_ddl(cluster, s, &child, |c, shard| {
                    Ok(c.catalog.shard_at(parent, shard.index).map(|parent_shard| {
                        format!(
                            "ALTER TABLE {} DETACH PARTITION {}",
                            crate::sql::namespace::relation_sql(&parent_shard.name()),
                            crate::sql::namespace::relation_sql(&shard.name())
                        )
                    }))
                })?;
            }
            None => {}
        }
    }
    out.notices.extend(notices);
    Ok(out)
}

/// Sends each shard of `table` its statement (when it has one), on every placement.
fn shard_ddl(
    cluster: &mut Cluster,
    s: &mut Session,
    table: &str,
    sql_for: impl Fn(&Cluster, &Shard) -> PgResult<Option<String>>,
) -> PgResult<()> {
    let shards: Vec<Shard> = cluster
        .catalog
        .table_shards(table)
        .into_iter()
        .cloned()
        .collect();
    for shard in shards {
        if let Some(sql) = sql_for(cluster, &shard)? {
            for node in shard_nodes(cluster, shard.shard_id) {
                ddl_task(cluster, s, node, shard.shard_id, sql.clone())?;
            }
        }
    }
    Ok(())
}

fn shard_nodes(cluster: &Cluster, shard_id: i64) -> Vec<String> {
    cluster
        .catalog
        .shard_placements(shard_id)
        .into_iter()
        .map(|(_, n)| n.name.clone())
        .collect()
}

/// Runs one statement on the coordinator as if the client had sent it.
fn run_statement(cluster: &mut Cluster, s: &mut Session, sql: &str) -> PgResult<ExecOutput> {
    let mut out = None;
    for stmt in crate::sql::parse_sql(sql)? {
        out = Some(crate::executor::coordinator::execute(
            cluster, s, &stmt, sql,
        )?);
    }
    out.ok_or_else(|| PgError::internal("empty statement"))
}

/// `create_time_partitions(table, interval, end_at, start_from)`: creates the missing
/// partitions (distributed with the table when it is), true when it created any.
pub fn create_time_partitions(
    cluster: &mut Cluster,
    s: &mut Session,
    args: &super::CallArgs,
) -> PgResult<crate::types::Value> {
    use crate::sql::partition::time::{interval_arg, missing_ranges, timestamp_arg};
    use crate::types::Value;
    let table = args.relation("table_name", 0)?;
    let iv = interval_arg(args.get("partition_interval", 1).unwrap_or(&Value::Null))?;
    let end = timestamp_arg(args.get("end_at", 2).unwrap_or(&Value::Null), "end_at")?;
    let start = match args.get("start_from", 3) {
        Some(v) => timestamp_arg(v, "start_from")?,
        None => cluster.now(),
    };
    if start >= end {
        let text = |t: chrono::NaiveDateTime| {
            format!(
                "{}+00",
                Value::Timestamp(t).to_pg_text().unwrap_or_default()
            )
        };
        return Err(PgError::new(
            "P0001",
            format!(
                "start_from ({}) must be older than end_at ({})",
                text(start),
                text(end)
            ),
        ));
    }
    let ranges = missing_ranges(cluster.node_db(COORDINATOR)?, &table, &iv, end, start)?;
    for (name, from, to) in &ranges {
        let sql = format!(
            "CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ('{from}') TO ('{to}')",
            crate::sql::namespace::relation_sql(name),
            crate::sql::namespace::relation_sql(&table)
        );
        run_statement(cluster, s, &sql)?;
    }
    Ok(Value::Bool(!ranges.is_empty()))
}

/// `CALL drop_old_time_partitions(table, older_than)`: drops every partition whose range ends
/// at or before `older_than`.
pub fn drop_old_time_partitions(
    cluster: &mut Cluster,
    s: &mut Session,
    f: &sqlparser::ast::Function,
) -> PgResult<ExecOutput> {
    use crate::types::Value;
    let exprs = match &f.args {
        sqlparser::ast::FunctionArguments::List(list) => crate::sql::eval::arg_exprs(&list.args),
        _ => Vec::new(),
    };
    let values: Vec<Value> = exprs
        .iter()
        .map(|e| cluster.eval_expr(e))
        .collect::<PgResult<_>>()?;
    let table = crate::sql::cast::regclass::relation_name(
        &values
            .first()
            .and_then(Value::to_pg_text)
            .ok_or_else(|| PgError::new("22004", "table_name cannot be NULL"))?,
    )?;
    let older_than = crate::sql::partition::time::timestamp_arg(
        values.get(1).unwrap_or(&Value::Null),
        "older_than",
    )?;
    let old = crate::sql::partition::time::partitions_older_than(
        cluster.node_db(COORDINATOR)?,
        &table,
        older_than,
    );
    let mut out = ExecOutput::command("CALL");
    for (name, from, to) in old {
        out.notices.push(Notice::new(format!(
            "dropping {name} with start time {from} and end time {to}"
        )));
        run_statement(
            cluster,
            s,
            &format!("DROP TABLE {}", crate::sql::namespace::relation_sql(&name)),
        )?;
    }
    Ok(out)
}
