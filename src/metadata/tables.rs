//! The catalog tables and views with Citus 13.2's columns, rendered from the `Catalog`.

use super::relations;
use super::{Catalog, DistTable, TableKind};
use crate::sql::{Column, ResultSet};
use crate::types::{SqlType, Value};

/// Names of the relations rendered here; the coordinator keeps the tables among them as stored
/// tables and serves the views from the catalog.
pub const CATALOG_TABLES: &[&str] = &[
    "pg_dist_node",
    "pg_dist_partition",
    "pg_dist_shard",
    "pg_dist_placement",
    "pg_dist_colocation",
];
pub const CATALOG_VIEWS: &[&str] = &["pg_dist_shard_placement", "citus_shards", "citus_tables"];

fn col(name: &str, ty: SqlType) -> Column {
    Column::new(name, ty)
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// A `regclass` cell: the relation's name, quoted when it needs quotes.
fn regclass(name: &str) -> Value {
    Value::Text(crate::sql::cast::regclass::regclass_text(name))
}

/// Renders one catalog relation by name.
pub fn render(
    catalog: &Catalog,
    name: &str,
    sizes: &dyn Fn(&str, i64) -> i64,
) -> Option<ResultSet> {
    Some(match name {
        "pg_dist_node" => pg_dist_node(catalog),
        "pg_dist_partition" => pg_dist_partition(catalog),
        "pg_dist_shard" => pg_dist_shard(catalog),
        "pg_dist_placement" => pg_dist_placement(catalog, sizes),
        "pg_dist_shard_placement" => pg_dist_shard_placement(catalog, sizes),
        "pg_dist_colocation" => pg_dist_colocation(catalog),
        "citus_shards" => citus_shards(catalog, sizes),
        "citus_tables" => citus_tables(catalog, sizes),
        "pg_dist_shardid_seq" => ResultSet {
            columns: vec![
                col("last_value", SqlType::Int8),
                col("log_cnt", SqlType::Int8),
                col("is_called", SqlType::Bool),
            ],
            rows: vec![vec![
                Value::Int8(catalog.next_shard_id),
                Value::Int8(0),
                Value::Bool(catalog.next_shard_id != super::FIRST_SHARD_ID),
            ]],
        },
        _ => return None,
    })
}

pub fn pg_dist_node(catalog: &Catalog) -> ResultSet {
    let mut nodes: Vec<_> = catalog.nodes.iter().collect();
    crate::sort::sort_by_key(&mut nodes, |n| n.node_id);
    ResultSet {
        columns: relations::PG_DIST_NODE.result_columns(),
        rows: nodes
            .into_iter()
            .map(|n| {
                vec![
                    Value::Int4(n.node_id),
                    Value::Int4(n.group_id),
                    text(&n.host),
                    Value::Int4(n.port as i32),
                    text("default"),
                    Value::Bool(true),
                    Value::Bool(n.is_active),
                    text("primary"),
                    text("default"),
                    Value::Bool(true),
                    Value::Bool(n.should_have_shards),
                    Value::Bool(false),
                    Value::Int4(0),
                ]
            })
            .collect(),
    }
}

/// PostgreSQL's node-tree text for the distribution column, as `pg_dist_partition.partkey` shows.
pub fn partkey(attnum: usize, ty: &SqlType) -> String {
    let typmod = match ty {
        SqlType::Varchar(Some(n)) => *n as i64 + 4,
        SqlType::Char(n) => *n as i64 + 4,
        _ => -1,
    };
    let collation = if ty.is_textual() { 100 } else { 0 };
    format!(
        "{{VAR :varno 1 :varattno {attnum} :vartype {} :vartypmod {typmod} :varcollid {collation} :varlevelsup 0 :varnosyn 1 :varattnosyn {attnum} :location -1}}",
        ty.oid()
    )
}

pub fn pg_dist_partition(catalog: &Catalog) -> ResultSet {
    ResultSet {
        columns: relations::PG_DIST_PARTITION.result_columns(),
        rows: catalog
            .tables
            .iter()
            .map(|t| {
                let repmodel = catalog.replication_model(t);
                let (method, key) = match &t.kind {
                    TableKind::Distributed { attnum, ty, .. } => ("h", text(partkey(*attnum, ty))),
                    TableKind::Reference => ("n", Value::Null),
                };
                vec![
                    regclass(&t.name),
                    text(method),
                    key,
                    Value::Int4(t.colocation_id),
                    text(repmodel),
                    Value::Bool(false),
                ]
            })
            .collect(),
    }
}

fn bound(v: Option<i32>) -> Value {
    v.map(|x| text(x.to_string())).unwrap_or(Value::Null)
}

pub fn pg_dist_shard(catalog: &Catalog) -> ResultSet {
    ResultSet {
        columns: relations::PG_DIST_SHARD.result_columns(),
        rows: catalog
            .shards
            .iter()
            .map(|s| {
                vec![
                    regclass(&s.table),
                    Value::Int8(s.shard_id),
                    text("t"),
                    bound(s.min_value),
                    bound(s.max_value),
                ]
            })
            .collect(),
    }
}

pub fn pg_dist_placement(catalog: &Catalog, sizes: &dyn Fn(&str, i64) -> i64) -> ResultSet {
    ResultSet {
        columns: relations::PG_DIST_PLACEMENT.result_columns(),
        rows: catalog
            .placements
            .iter()
            .map(|p| {
                let node = catalog
                    .node_by_group(p.group_id)
                    .map(|n| n.name.as_str())
                    .unwrap_or("");
                vec![
                    Value::Int8(p.placement_id),
                    Value::Int8(p.shard_id),
                    Value::Int4(1),
                    Value::Int8(sizes(node, p.shard_id)),
                    Value::Int4(p.group_id),
                ]
            })
            .collect(),
    }
}

pub fn pg_dist_shard_placement(catalog: &Catalog, sizes: &dyn Fn(&str, i64) -> i64) -> ResultSet {
    ResultSet {
        columns: relations::PG_DIST_SHARD_PLACEMENT.result_columns(),
        rows: catalog
            .placements
            .iter()
            .filter_map(|p| {
                let node = catalog.node_by_group(p.group_id)?;
                Some(vec![
                    Value::Int8(p.shard_id),
                    Value::Int4(1),
                    Value::Int8(sizes(&node.name, p.shard_id)),
                    text(&node.host),
                    Value::Int4(node.port as i32),
                    Value::Int8(p.placement_id),
                ])
            })
            .collect(),
    }
}

pub fn pg_dist_colocation(catalog: &Catalog) -> ResultSet {
    ResultSet {
        columns: relations::PG_DIST_COLOCATION.result_columns(),
        rows: catalog
            .colocations
            .iter()
            .map(|c| {
                vec![
                    Value::Int4(c.colocation_id),
                    Value::Int4(c.shard_count as i32),
                    Value::Int4(c.replication_factor),
                    Value::Int8(c.column_type as i64),
                    Value::Int8(c.collation as i64),
                ]
            })
            .collect(),
    }
}

fn table_type(t: &DistTable) -> &'static str {
    if t.is_reference() {
        "reference"
    } else {
        "distributed"
    }
}

pub fn citus_shards(catalog: &Catalog, sizes: &dyn Fn(&str, i64) -> i64) -> ResultSet {
    let mut rows = Vec::new();
    // Citus orders the view by `logicalrelid::text, shardid`.
    let mut shards: Vec<_> = catalog.shards.iter().collect();
    crate::sort::sort_by_cached_key(&mut shards, |s| {
        (crate::sql::namespace::regclass_text(&s.table), s.shard_id)
    });
    for shard in shards {
        let Some(table) = catalog.table(&shard.table) else {
            continue;
        };
        for (_, node) in catalog.shard_placements(shard.shard_id) {
            rows.push(vec![
                regclass(&shard.table),
                Value::Int8(shard.shard_id),
                text(crate::sql::namespace::relation_sql(&shard.name())),
                text(table_type(table)),
                Value::Int4(table.colocation_id),
                text(&node.host),
                Value::Int4(node.port as i32),
                Value::Int8(sizes(&node.name, shard.shard_id)),
            ]);
        }
    }
    ResultSet {
        columns: relations::CITUS_SHARDS.result_columns(),
        rows,
    }
}

/// PostgreSQL's `pg_size_pretty` for the sizes `citus_tables` shows.
pub fn size_pretty(bytes: i64) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} bytes")
    } else if bytes < 10 * 1024 * 1024 {
        format!("{} kB", (bytes + 512) / 1024)
    } else {
        format!("{} MB", (bytes + 512 * 1024) / (1024 * 1024))
    }
}

pub fn citus_tables(catalog: &Catalog, sizes: &dyn Fn(&str, i64) -> i64) -> ResultSet {
    let mut tables: Vec<_> = catalog.tables.iter().collect();
    crate::sort::sort_by_cached_key(&mut tables, |t| {
        crate::sql::namespace::regclass_text(&t.name)
    });
    ResultSet {
        columns: relations::CITUS_TABLES.result_columns(),
        rows: tables
            .into_iter()
            .map(|t| {
                let shards = catalog.table_shards(&t.name);
                let size: i64 = shards
                    .iter()
                    .flat_map(|s| {
                        catalog
                            .shard_placements(s.shard_id)
                            .into_iter()
                            .map(|(_, n)| sizes(&n.name, s.shard_id))
                            .collect::<Vec<_>>()
                    })
                    .sum();
                vec![
                    regclass(&t.name),
                    text(table_type(t)),
                    text(t.distribution_column().unwrap_or("<none>")),
                    Value::Int4(t.colocation_id),
                    text(size_pretty(size)),
                    Value::Int8(shards.len() as i64),
                    text("postgres"),
                    text("heap"),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;
    use crate::metadata::relations::{RelKind, RELATIONS};

    fn fits(value: &Value, ty: &SqlType) -> bool {
        match value {
            Value::Null => true,
            Value::Text(_) => ty.is_textual() || *ty == SqlType::Regclass,
            other => other.natural_type() == *ty,
        }
    }

    #[test]
    fn rows_fit_the_declared_columns() {
        let mut cluster = Cluster::new();
        let session = cluster.session();
        for sql in [
            "CREATE TABLE t(id int primary key, v text)",
            "SELECT create_distributed_table('t', 'id')",
            "CREATE TABLE r(k text primary key)",
            "SELECT create_reference_table('r')",
        ] {
            cluster.execute(session, sql).unwrap();
        }
        let served: Vec<&str> = CATALOG_TABLES
            .iter()
            .chain(CATALOG_VIEWS)
            .copied()
            .collect();
        let defined: Vec<&str> = RELATIONS.iter().map(|r| r.name).collect();
        assert_eq!(served, defined);
        for rel in RELATIONS {
            assert_eq!(CATALOG_VIEWS.contains(&rel.name), rel.kind == RelKind::View);
            let rs = render(&cluster.catalog, rel.name, &|_, _| 16384).unwrap();
            assert!(!rs.rows.is_empty(), "{}", rel.name);
            for row in &rs.rows {
                assert_eq!(row.len(), rs.columns.len(), "{}", rel.name);
                for (value, column) in row.iter().zip(&rs.columns) {
                    assert!(fits(value, &column.ty), "{}.{}", rel.name, column.name);
                }
            }
        }
    }
}
