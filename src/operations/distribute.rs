//! `create_distributed_table`, `create_reference_table` and `undistribute_table`: metadata,
//! shard creation on the workers, and moving existing rows into the shards.

use super::CallArgs;
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{Notice, PgError, PgResult};
use crate::executor::settings;
use crate::hashing;
use crate::metadata::{Colocation, DistTable, Placement, Shard, TableKind};
use crate::node::{Command, MetadataChange};
use crate::session::Session;
use crate::sql::{ConstraintKind, TableDef};
use crate::trace::MessageKind;
use crate::types::SqlType;

/// The shard's table definition: renamed, constraint names suffixed with the shard id, and
/// foreign keys pointing at the co-located (or reference) shard on the same node.
///
/// CHECK constraints keep their name: Citus writes them inside the shard's CREATE TABLE, and
/// only names it sends as `ALTER TABLE ... ADD CONSTRAINT` (keys, foreign keys, constraints
/// added after distribution) get the shard id appended.
pub(crate) fn shard_def(cluster: &Cluster, def: &TableDef, shard: &Shard) -> PgResult<TableDef> {
    let mut out = def.clone();
    out.name = shard.name();
    for c in out.constraints.iter_mut() {
        if !matches!(c.kind, ConstraintKind::Check(_)) {
            c.name = format!("{}_{}", c.name, shard.shard_id);
        }
        if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
            *ref_table = referenced_shard(cluster, &def.name, ref_table, shard.index)?;
        }
    }
    for idx in out.indexes.iter_mut() {
        idx.name = format!("{}_{}", idx.name, shard.shard_id);
    }
    Ok(out)
}

/// The shard a foreign key of shard `index` references.
pub(crate) fn referenced_shard(
    cluster: &Cluster,
    table: &str,
    ref_table: &str,
    index: usize,
) -> PgResult<String> {
    if ref_table == table {
        return cluster
            .catalog
            .shard_at(table, index)
            .map(|s| s.name())
            .ok_or_else(|| PgError::internal("self-referencing shard missing"));
    }
    let Some(target) = cluster.catalog.table(ref_table) else {
        return Err(fk_error());
    };
    let shard = if target.is_reference() {
        cluster.catalog.table_shards(ref_table).first().copied()
    } else {
        cluster.catalog.shard_at(ref_table, index)
    };
    shard.map(|s| s.name()).ok_or_else(fk_error)
}

pub(crate) fn fk_error() -> PgError {
    PgError::new("0A000", "cannot create foreign key constraint").with_detail(
        "Foreign keys are supported in two cases, either in between two colocated tables including partition column in the same ordinal in the both tables or from distributed to reference tables",
    )
}

fn shell_def(cluster: &Cluster, name: &str) -> PgResult<TableDef> {
    cluster
        .node_db(COORDINATOR)?
        .table(name)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(name))
}

/// Takes `count` shard ids: from `citus.next_shard_id` when set, else the catalog sequence.
fn next_shard_ids(cluster: &mut Cluster, session: Option<&mut Session>, count: usize) -> i64 {
    if let Some(session) = session {
        if let Some(next) = settings::get_i64(session, "citus.next_shard_id").filter(|n| *n > 0) {
            session.settings.insert(
                "citus.next_shard_id".into(),
                (next + count as i64).to_string(),
            );
            return next;
        }
    }
    let first = cluster.catalog.next_shard_id;
    cluster.catalog.next_shard_id += count as i64;
    first
}

/// Sends a metadata change to every worker, in the distributed transaction.
pub(crate) fn sync_metadata(
    cluster: &mut Cluster,
    s: &mut Session,
    change: MetadataChange,
    text: String,
) -> PgResult<()> {
    let workers = cluster.catalog.active_worker_names();
    for node in workers {
        let i = cluster.task_connection(s, &node, crate::transaction::Access::Write, true)?;
        let command = Command::Metadata {
            change: change.clone(),
            text: text.clone(),
        };
        let send = crate::connection::Send {
            kind: Some(MessageKind::Ddl),
            phase: Some("metadata sync"),
            ..Default::default()
        };
        cluster.send_on(s, i, &command, send, &std::collections::BTreeMap::new())?;
    }
    Ok(())
}

/// The command that gives a worker a Citus table's pg_dist_partition row.
pub(crate) fn partition_metadata_sql(cluster: &Cluster, table: &str) -> String {
    let dist = cluster.catalog.table(table);
    let repmodel = dist.map_or("t", |t| cluster.catalog.replication_model(t));
    let (method, key) = match dist.map(|t| &t.kind) {
        Some(TableKind::Distributed { column, .. }) => ("h", format!("'{column}'")),
        _ => ("n", "NULL".to_string()),
    };
    let colocation = dist.map_or(0, |t| t.colocation_id);
    format!(
        "SELECT citus_internal.add_partition_metadata('{}'::regclass, '{method}', {key}, {colocation}, '{repmodel}')",
        crate::sql::namespace::qualified_sql(table)
    )
}

/// Creates the shard tables on their placements (DDL tasks) and records them.
fn create_shards(
    cluster: &mut Cluster,
    s: &mut Session,
    def: &TableDef,
    shards: Vec<Shard>,
    placements: Vec<Vec<i32>>,
) -> PgResult<()> {
    for c in &def.constraints {
        super::ddl::check_foreign_key(cluster, &def.name, c)?;
    }
    cluster.catalog_will_change(s);
    if let Some(n) = cluster.network.node_mut(COORDINATOR) {
        n.db.storage.register_shell(def);
    }
    sync_metadata(
        cluster,
        s,
        MetadataChange::AddShell(Box::new(def.clone())),
        partition_metadata_sql(cluster, &def.name),
    )?;
    for (shard, groups) in shards.iter().zip(placements.iter()) {
        cluster.catalog.shards.push(shard.clone());
        for g in groups {
            let placement_id = cluster.catalog.next_placement_id;
            cluster.catalog.next_placement_id += 1;
            cluster.catalog.placements.push(Placement {
                placement_id,
                shard_id: shard.shard_id,
                group_id: *g,
            });
        }
    }
    for shard in &shards {
        let mut sdef = shard_def(cluster, def, shard)?;
        // A partition's shard is created on its own, then attached to the parent's shard of
        // the same index (as Citus does).
        let attach = match sdef.partition_of.take() {
            Some(_) => super::partitioning::attach_shard_sql(cluster, def, shard)?,
            None => None,
        };
        let sql = crate::sql::ddl::table_def_to_sql(&sdef);
        let nodes: Vec<String> = cluster
            .catalog
            .shard_placements(shard.shard_id)
            .into_iter()
            .map(|(_, n)| n.name.clone())
            .collect();
        for node in nodes {
            super::ddl::ddl_task(cluster, s, node.clone(), shard.shard_id, sql.clone())?;
            if let Some(attach) = &attach {
                super::ddl::ddl_task(cluster, s, node, shard.shard_id, attach.clone())?;
            }
        }
    }
    Ok(())
}

/// Moves rows already in the coordinator's table into the new shards.
fn move_local_rows(cluster: &mut Cluster, s: &mut Session, table: &str) -> PgResult<Vec<Notice>> {
    let backend = s.backend;
    let rows = match cluster.network.node_mut(COORDINATOR) {
        Some(n) => n.read_in(backend, |db| db.storage.scan(table))?,
        None => Vec::new(),
    };
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    cluster.route_rows(s, table, rows)?;
    if let (Some(b), Some(n)) = (backend, cluster.network.node_mut(COORDINATOR)) {
        n.in_statement(b, |db| {
            db.storage.truncate(table)?;
            Ok(crate::sql::ExecOutput::command("TRUNCATE TABLE"))
        })?;
    }
    let mut done = Notice::new("copying the data has completed");
    done.detail =
        Some("The local data in the table is no longer visible, but is still on disk.".into());
    done.hint = Some(format!(
        "To remove the local data, run: SELECT truncate_local_data_after_distributing_table($${}$$)",
        crate::sql::namespace::qualified_sql(table)
    ));
    Ok(vec![Notice::new("Copying data from local table..."), done])
}

fn ensure_not_distributed(cluster: &Cluster, table: &str) -> PgResult<()> {
    if cluster.catalog.table(table).is_some() {
        return Err(PgError::new(
            "XX000",
            format!("table \"{table}\" is already distributed"),
        ));
    }
    Ok(())
}

pub fn create_distributed_table(
    cluster: &mut Cluster,
    session: &mut Session,
    args: &CallArgs,
) -> PgResult<Vec<Notice>> {
    let table = args.relation("table_name", 0)?;
    let column = args
        .text("distribution_column", 1)
        .ok_or_else(|| PgError::new("22004", "distribution column cannot be NULL"))?;
    shell_def(cluster, &table)?;
    if let Some(method) = args.text("distribution_type", 2) {
        if method != "hash" {
            return Err(PgError::unsupported(format!(
                "distribution type \"{method}\" is not supported in ShardScope"
            )));
        }
    }
    let colocate_with = args
        .text("colocate_with", 3)
        .unwrap_or_else(|| "default".into());
    let shard_count_arg = args.get("shard_count", 4).and_then(|v| v.as_i64());
    distribute_table(
        cluster,
        session,
        &table,
        &column,
        &colocate_with,
        shard_count_arg,
    )
}

/// Distributes `table` by `column`: metadata, shards, existing rows moved into them; a
/// partitioned table's partitions are distributed with it, co-located.
pub(crate) fn distribute_table(
    cluster: &mut Cluster,
    session: &mut Session,
    table: &str,
    column: &str,
    colocate_with: &str,
    shard_count_arg: Option<i64>,
) -> PgResult<Vec<Notice>> {
    let table = table.to_string();
    let column = column.to_string();
    let colocate_with = colocate_with.to_string();
    let def = shell_def(cluster, &table)?;
    super::partitioning::check_distributable(cluster, &def)?;
    ensure_not_distributed(cluster, &table)?;
    cluster.catalog_will_change(session);
    let attnum = def.column_index(&column).ok_or_else(|| {
        PgError::new(
            "42703",
            format!("column \"{column}\" of relation \"{table}\" does not exist"),
        )
    })? + 1;
    let ty = def.columns[attnum - 1].ty.clone();
    if !matches!(
        ty,
        SqlType::Int2
            | SqlType::Int4
            | SqlType::Int8
            | SqlType::Text
            | SqlType::Varchar(_)
            | SqlType::Char(_)
    ) {
        return Err(PgError::unsupported(format!(
            "distribution columns of type {} are not supported in ShardScope",
            ty.pg_name()
        )));
    }
    let replication = settings::get_i64(session, "citus.shard_replication_factor").unwrap_or(1);
    let collation = if ty.is_textual() { 100 } else { 0 };

    // Pick or create the co-location group.
    let (colocation_id, shard_count, copy_from) = match colocate_with.to_lowercase().as_str() {
        "default" => {
            let count = shard_count_arg
                .or_else(|| settings::get_i64(session, "citus.shard_count"))
                .unwrap_or(32);
            if !(1..=64000).contains(&count) {
                return Err(PgError::new("22023", format!("{count} is outside the valid range for parameter \"shard_count\" (1 .. 64000)")));
            }
            let existing = cluster.catalog.colocations.iter().find(|c| {
                c.is_default
                    && c.shard_count == count as u32
                    && c.replication_factor == replication as i32
                    && c.column_type == ty.oid()
                    && c.collation == collation
            });
            match existing {
                Some(c) => {
                    let from = cluster
                        .catalog
                        .colocated_tables(c.colocation_id)
                        .first()
                        .map(|t| t.name.clone());
                    (c.colocation_id, count as u32, from)
                }
                None => (0, count as u32, None),
            }
        }
        "none" => {
            let count = shard_count_arg
                .or_else(|| settings::get_i64(session, "citus.shard_count"))
                .unwrap_or(32);
            (0, count as u32, None)
        }
        other => {
            if shard_count_arg.is_some() {
                return Err(PgError::new(
                    "22023",
                    "Cannot use colocate_with with a table and shard_count at the same time",
                ));
            }
            // The name is read as a regclass is, along the search path.
            let resolved = crate::sql::cast::regclass::relation_name(&colocate_with)
                .unwrap_or_else(|_| other.to_string());
            let other = resolved.as_str();
            let other_table = cluster.catalog.table(other).cloned().ok_or_else(|| {
                PgError::new("XX000", format!("relation {other} is not distributed"))
            })?;
            let TableKind::Distributed { ty: other_ty, .. } = &other_table.kind else {
                return Err(PgError::new("XX000", format!("cannot distribute relation \"{table}\" in this way")).with_detail("Currently, colocate_with option is not supported with append / range distributed tables and local tables added to metadata."));
            };
            if other_ty.oid() != ty.oid() {
                return Err(PgError::new(
                    "XX000",
                    format!("cannot colocate tables {other} and {table}"),
                )
                .with_detail(format!(
                    "Distribution column types don't match for {other} and {table}."
                )));
            }
            let count = cluster.catalog.table_shards(other).len() as u32;
            (other_table.colocation_id, count, Some(other.to_string()))
        }
    };
    let colocation_id = if colocation_id == 0 {
        let id = cluster.catalog.next_colocation_id;
        cluster.catalog.next_colocation_id += 1;
        cluster.catalog.colocations.push(Colocation {
            colocation_id: id,
            shard_count,
            replication_factor: replication as i32,
            column_type: ty.oid(),
            collation,
            is_default: colocate_with.eq_ignore_ascii_case("default"),
        });
        id
    } else {
        colocation_id
    };
    // Checked after the co-location group is taken, as Citus does: a table refused here
    // still uses up a co-location id (ids come from a sequence, which no rollback undoes).
    for (_, cols) in def.unique_keys() {
        if !cols.contains(&column) {
            return Err(PgError::new("0A000", format!("cannot create constraint on \"{table}\"")).with_detail(
                "Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column (with an equality operator if EXCLUDE).",
            ));
        }
    }

    let workers: Vec<i32> = cluster
        .catalog
        .shard_workers()
        .iter()
        .map(|n| n.group_id)
        .collect();
    if workers.is_empty() {
        return Err(PgError::new("XX000", "couldn't find any worker nodes")
            .with_hint("Add more worker nodes"));
    }
    // Checked before any shard id is drawn, as Citus does when it places new shards.
    if copy_from.is_none() && replication > workers.len() as i64 {
        return Err(PgError::new(
            "22023",
            format!(
                "replication_factor ({replication}) exceeds number of worker nodes ({})",
                workers.len()
            ),
        )
        .with_hint("Add more worker nodes or try again with a lower replication factor."));
    }
    let first_id = next_shard_ids(cluster, Some(session), shard_count as usize);
    let ranges = hashing::shard_ranges(shard_count);
    let mut shards = Vec::new();
    let mut placements = Vec::new();
    for (i, (lo, hi)) in ranges.into_iter().enumerate() {
        shards.push(Shard {
            shard_id: first_id + i as i64,
            table: table.clone(),
            index: i,
            min_value: Some(lo),
            max_value: Some(hi),
        });
        let groups: Vec<i32> = match &copy_from {
            Some(other) => cluster
                .catalog
                .shard_at(other, i)
                .map(|s| {
                    cluster
                        .catalog
                        .placements
                        .iter()
                        .filter(|p| p.shard_id == s.shard_id)
                        .map(|p| p.group_id)
                        .collect()
                })
                .unwrap_or_default(),
            None => (0..replication.max(1) as usize)
                .map(|r| workers[(i + r) % workers.len()])
                .collect(),
        };
        placements.push(groups);
    }
    cluster.catalog_will_change(session);
    cluster.catalog.tables.push(DistTable {
        name: table.clone(),
        kind: TableKind::Distributed {
            column: column.clone(),
            attnum,
            ty,
        },
        colocation_id,
    });
    // A failure rolls the transaction back, and the metadata with it.
    create_shards(cluster, session, &def, shards, placements)?;
    let mut notices = move_local_rows(cluster, session, &table)?;
    for partition in super::partitioning::partitions_of(cluster, &table)? {
        notices.extend(distribute_table(
            cluster, session, &partition, &column, &table, None,
        )?);
    }
    Ok(notices)
}

pub fn create_reference_table(
    cluster: &mut Cluster,
    s: &mut Session,
    args: &CallArgs,
) -> PgResult<Vec<Notice>> {
    let table = args.relation("table_name", 0)?;
    let def = shell_def(cluster, &table)?;
    ensure_not_distributed(cluster, &table)?;
    cluster.catalog_will_change(s);
    let existing = cluster
        .catalog
        .colocations
        .iter()
        .find(|c| c.replication_factor == -1)
        .map(|c| c.colocation_id);
    let colocation_id = match existing {
        Some(id) => id,
        None => {
            let id = cluster.catalog.next_colocation_id;
            cluster.catalog.next_colocation_id += 1;
            cluster.catalog.colocations.push(Colocation {
                colocation_id: id,
                shard_count: 1,
                replication_factor: -1,
                column_type: 0,
                collation: 0,
                is_default: false,
            });
            id
        }
    };
    let shard_id = next_shard_ids(cluster, Some(s), 1);
    let mut groups: Vec<(String, u16, i32)> = cluster
        .catalog
        .nodes
        .iter()
        .filter(|n| n.is_active)
        .map(|n| (n.host.clone(), n.port, n.group_id))
        .collect();
    crate::sort::sort(&mut groups);
    cluster.catalog_will_change(s);
    cluster.catalog.tables.push(DistTable {
        name: table.clone(),
        kind: TableKind::Reference,
        colocation_id,
    });
    let shard = Shard {
        shard_id,
        table: table.clone(),
        index: 0,
        min_value: None,
        max_value: None,
    };
    let placement_groups = groups.into_iter().map(|(_, _, g)| g).collect();
    create_shards(cluster, s, &def, vec![shard], vec![placement_groups])?;
    move_local_rows(cluster, s, &table)
}

pub fn undistribute_table(
    cluster: &mut Cluster,
    s: &mut Session,
    args: &CallArgs,
) -> PgResult<Vec<Notice>> {
    let table = args.relation("table_name", 0)?;
    if cluster.catalog.table(&table).is_none() {
        return Err(PgError::new(
            "XX000",
            "cannot undistribute table because the table is not distributed".to_string(),
        ));
    }
    let query = crate::sql::parse_sql(&format!(
        "SELECT * FROM {}",
        crate::sql::namespace::relation_sql(&table)
    ))?;
    let Some(sqlparser::ast::Statement::Query(q)) = query.first() else {
        return Err(PgError::internal("undistribute query"));
    };
    let rows = cluster.pull_up(s, q, &Default::default())?.rows;
    super::ddl::drop_shards(cluster, s, &table)?;
    if let (Some(b), Some(n)) = (s.backend, cluster.network.node_mut(COORDINATOR)) {
        n.in_statement(b, |db| {
            crate::sql::dml::insert_rows(db, &table, rows)
                .map(|k| crate::sql::ExecOutput::modified("INSERT 0", k as u64))
        })?;
    }
    let table = crate::sql::namespace::qualified_sql(&table);
    Ok(vec![
        Notice::new(format!("creating a new table for {table}")),
        Notice::new(format!("moving the data of {table}")),
        Notice::new(format!("dropping the old {table}")),
        Notice::new(format!("renaming the new table to {table}")),
    ])
}
