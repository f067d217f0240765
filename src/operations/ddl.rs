//! DDL on Citus tables: applied to the coordinator's table, then propagated to every shard
//! placement with shard names and shard-suffixed constraint and index names.

use super::distribute::{fk_error, referenced_shard};
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::coordinator::local;
use crate::executor::Task;
use crate::planner::relations::object_name;
use crate::session::Session;
use crate::sql::{Constraint, ConstraintKind, ExecOutput};
use crate::trace::MessageKind;
use sqlparser::ast::{ObjectName, Statement};

/// Every (node, shard id, shard name, shard index) placement of a table on an active node.
fn placements(cluster: &Cluster, table: &str) -> Vec<(String, i64, String, usize)> {
    cluster
        .catalog
        .table_shards(table)
        .into_iter()
        .flat_map(|s| {
            cluster
                .catalog
                .active_placements(s.shard_id)
                .into_iter()
                .map(|(_, n)| (n.name.clone(), s.shard_id, s.name(), s.index))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// DDL on one shard placement, inside the distributed transaction (DDL reaches the workers
/// with two-phase commit).
pub(crate) fn ddl_task(
    cluster: &mut Cluster,
    s: &mut Session,
    node: String,
    shard_id: i64,
    sql: String,
) -> PgResult<()> {
    if let Some(txn) = s.txn.as_mut() {
        txn.use_2pc = true;
        txn.modified = true;
    }
    let mut task = Task::write(
        node,
        Some(shard_id),
        crate::executor::TaskBody::Sql(sql),
        false,
    );
    task.kind = MessageKind::Ddl;
    cluster
        .run_task(s, &mut task, true, &std::collections::BTreeMap::new())
        .map(|_| ())
}

/// DDL that is not about one shard (a schema, a function) on one node, in the session's
/// transaction.
pub(crate) fn ddl_on_node(
    cluster: &mut Cluster,
    s: &mut Session,
    node: &str,
    sql: &str,
) -> PgResult<()> {
    if let Some(txn) = s.txn.as_mut() {
        txn.use_2pc = true;
        txn.modified = true;
    }
    let i = cluster.task_connection(s, node, crate::transaction::Access::Write, true)?;
    let send = crate::connection::Send {
        kind: Some(MessageKind::Ddl),
        ..Default::default()
    };
    cluster.send_on(
        s,
        i,
        &crate::node::Command::Sql(sql.to_string()),
        send,
        &std::collections::BTreeMap::new(),
    )?;
    Ok(())
}

/// The same DDL on every active worker, as Citus propagates objects to all nodes.
pub(crate) fn ddl_on_workers(cluster: &mut Cluster, s: &mut Session, sql: &str) -> PgResult<()> {
    let workers = cluster.catalog.active_worker_names();
    for node in workers {
        ddl_on_node(cluster, s, &node, sql)?;
    }
    Ok(())
}

/// Drops a table's shards everywhere and forgets its metadata.
pub fn drop_shards(cluster: &mut Cluster, s: &mut Session, table: &str) -> PgResult<()> {
    cluster.catalog_will_change(s);
    // Citus's drop trigger first removes the table's metadata from every worker.
    super::distribute::sync_metadata(
        cluster,
        s,
        crate::node::MetadataChange::RemoveShell(table.to_string()),
        format!(
            "SELECT worker_drop_distributed_table('{}')",
            crate::sql::namespace::qualified_sql(table)
        ),
    )
    .map_err(|e| {
        if e.sqlstate == "08006" && e.context.is_none() {
            e.with_context("SQL statement \"SELECT master_remove_distributed_table_metadata_from_workers(v_obj.objid, v_obj.schema_name, v_obj.object_name)\"\nPL/pgSQL function citus_drop_trigger() line 13 at PERFORM")
        } else {
            e
        }
    })?;
    for (node, shard_id, name, _) in placements(cluster, table) {
        ddl_task(
            cluster,
            s,
            node,
            shard_id,
            format!(
                "DROP TABLE IF EXISTS {} CASCADE",
                crate::sql::namespace::relation_sql(&name)
            ),
        )?;
    }
    cluster.forget_distributed_table(table);
    Ok(())
}

/// DROP TABLE: the coordinator validates and drops its table, then the shards go.
pub fn drop_tables(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
    names: &[ObjectName],
) -> PgResult<ExecOutput> {
    // A partitioned table's partitions are dropped with it.
    let mut tables: Vec<String> = names.iter().map(object_name).collect();
    let mut i = 0;
    while let Some(t) = tables.get(i).cloned() {
        i += 1;
        for p in super::partitioning::partitions_of(cluster, &t)? {
            if !tables.contains(&p) {
                tables.push(p);
            }
        }
    }
    let out = local(cluster, s, stmt, text)?;
    for table in tables {
        if cluster.catalog.table(&table).is_some() {
            drop_shards(cluster, s, &table)?;
        }
    }
    Ok(out)
}

fn constraint_sql(c: &Constraint, shard_ref: Option<&str>) -> String {
    let cols = |v: &[String]| v.join(", ");
    match &c.kind {
        ConstraintKind::PrimaryKey(v) => format!("PRIMARY KEY ({})", cols(v)),
        ConstraintKind::Unique(v) => format!("UNIQUE ({})", cols(v)),
        ConstraintKind::Check(e) => format!("CHECK ({e})"),
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } => format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            cols(columns),
            crate::sql::namespace::relation_sql(shard_ref.unwrap_or(ref_table)),
            cols(ref_columns)
        ),
    }
}

/// Checks Citus's rules for a foreign key from `table`.
pub(crate) fn check_foreign_key(cluster: &Cluster, table: &str, c: &Constraint) -> PgResult<()> {
    let ConstraintKind::ForeignKey {
        columns,
        ref_table,
        ref_columns,
        ..
    } = &c.kind
    else {
        return Ok(());
    };
    let Some(source) = cluster.catalog.table(table) else {
        return Ok(());
    };
    let Some(target) = cluster.catalog.table(ref_table) else {
        return Err(fk_error());
    };
    if target.is_reference() {
        return Ok(());
    }
    if source.is_reference() {
        return Err(PgError::new(
            "0A000",
            "cannot create foreign key constraint since foreign keys from reference tables to distributed tables are not supported",
        )
        .with_detail("A reference table can only have reference keys to other reference tables"));
    }
    if source.colocation_id != target.colocation_id {
        return Err(PgError::new(
            "0A000",
            "cannot create foreign key constraint since relations are not colocated or not referencing a reference table",
        )
        .with_detail("A distributed table can only have foreign keys if it is referencing another colocated hash distributed table or a reference table"));
    }
    // Between distributed tables the key must pair the two distribution columns.
    let pairs = columns.iter().zip(ref_columns.iter());
    let ok = pairs.into_iter().any(|(a, b)| {
        Some(a.as_str()) == source.distribution_column()
            && Some(b.as_str()) == target.distribution_column()
    });
    if ok {
        Ok(())
    } else {
        Err(fk_error())
    }
}

/// ALTER TABLE on a Citus table.
pub fn alter_table(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
    table: &str,
) -> PgResult<ExecOutput> {
    let before = cluster
        .node_db(COORDINATOR)?
        .table(table)
        .map(|d| d.constraints.clone())
        .unwrap_or_default();
    let out = local(cluster, s, stmt, text)?;
    let after = cluster
        .node_db(COORDINATOR)?
        .table(table)
        .map(|d| d.constraints.clone())
        .unwrap_or_default();
    let added: Vec<Constraint> = after.into_iter().filter(|c| !before.contains(c)).collect();
    for c in &added {
        // The statement fails as a whole: the coordinator's transaction undoes the constraint.
        check_foreign_key(cluster, table, c)?;
    }
    let is_constraint_only = matches!(stmt, Statement::AlterTable { operations, .. }
        if operations.iter().all(|op| matches!(op, sqlparser::ast::AlterTableOperation::AddConstraint(_))));
    for (node, shard_id, shard, index) in placements(cluster, table) {
        if is_constraint_only {
            for c in &added {
                let shard_ref = match &c.kind {
                    ConstraintKind::ForeignKey { ref_table, .. } => {
                        Some(referenced_shard(cluster, table, ref_table, index)?)
                    }
                    _ => None,
                };
                let sql = format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} {}",
                    crate::sql::namespace::relation_sql(&shard),
                    crate::sql::ddl::quote_ident(&format!("{}_{shard_id}", c.name)),
                    constraint_sql(c, shard_ref.as_deref())
                );
                ddl_task(cluster, s, node.clone(), shard_id, sql)?;
            }
        } else {
            let mut shard_stmt = stmt.clone();
            if let Statement::AlterTable { name, .. } = &mut shard_stmt {
                *name = crate::sql::namespace::object_name(&shard);
            }
            ddl_task(cluster, s, node, shard_id, shard_stmt.to_string())?;
        }
    }
    Ok(out)
}

/// CREATE INDEX on a Citus table: one index per shard, named `<index>_<shardid>`.
pub fn create_index(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
    table: &str,
) -> PgResult<ExecOutput> {
    let out = local(cluster, s, stmt, text)?;
    let Statement::CreateIndex(ci) = stmt else {
        return Ok(out);
    };
    let index_name = ci
        .name
        .as_ref()
        .map(object_name)
        .or_else(|| {
            cluster
                .node_db(COORDINATOR)
                .ok()?
                .table(table)?
                .indexes
                .last()
                .map(|i| i.name.clone())
        })
        .unwrap_or_else(|| format!("{table}_idx"));
    for (node, shard_id, shard, _) in placements(cluster, table) {
        let mut index = ci.clone();
        index.name = Some(ObjectName(vec![crate::sql::ddl::ident(&format!(
            "{index_name}_{shard_id}"
        ))]));
        index.table_name = crate::sql::namespace::object_name(&shard);
        ddl_task(
            cluster,
            s,
            node,
            shard_id,
            Statement::CreateIndex(index).to_string(),
        )?;
    }
    Ok(out)
}

/// TRUNCATE: local tables on the coordinator, Citus tables on every placement.
pub fn truncate(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
    names: &[String],
) -> PgResult<ExecOutput> {
    // A worker holds no shell table of its own to truncate: only the shards are.
    let out = if s.node == COORDINATOR {
        local(cluster, s, stmt, text)?
    } else {
        ExecOutput::command("TRUNCATE TABLE")
    };
    for table in names {
        if cluster.catalog.table(table).is_none() {
            continue;
        }
        for (node, shard_id, shard, _) in placements(cluster, table) {
            ddl_task(
                cluster,
                s,
                node,
                shard_id,
                format!(
                    "TRUNCATE TABLE {}",
                    crate::sql::namespace::relation_sql(&shard)
                ),
            )?;
        }
    }
    Ok(out)
}
