//! Citus metadata as the coordinator keeps it: nodes, distributed tables, shards, placements and
//! co-location groups. `tables` renders it as the catalog tables users query (`pg_dist_shard`,
//! `citus_shards`, ...).

pub mod relations;
pub mod tables;

use crate::error::{PgError, PgResult};
use crate::hashing;
use crate::types::{SqlType, Value};

/// The first shard id of a fresh cluster (`pg_dist_shardid_seq` starts here).
pub const FIRST_SHARD_ID: i64 = 102008;
/// The first placement id of a fresh cluster.
pub const FIRST_PLACEMENT_ID: i64 = 1;

/// A row of `pg_dist_node`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistNode {
    pub node_id: i32,
    pub group_id: i32,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub is_active: bool,
    pub should_have_shards: bool,
}

impl DistNode {
    pub fn is_coordinator(&self) -> bool {
        self.group_id == 0
    }
}

/// How a Citus table is distributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// Hash-distributed on `column` (position `attnum`, 1-based).
    Distributed {
        column: String,
        attnum: usize,
        ty: SqlType,
    },
    /// One shard with a placement on every node.
    Reference,
}

/// A row of `pg_dist_partition`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistTable {
    pub name: String,
    pub kind: TableKind,
    pub colocation_id: i32,
}

impl DistTable {
    pub fn distribution_column(&self) -> Option<&str> {
        match &self.kind {
            TableKind::Distributed { column, .. } => Some(column),
            TableKind::Reference => None,
        }
    }

    pub fn is_reference(&self) -> bool {
        matches!(self.kind, TableKind::Reference)
    }
}

/// A row of `pg_dist_shard`; `index` is its position in the table's hash-ordered shard list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub shard_id: i64,
    pub table: String,
    pub index: usize,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
}

impl Shard {
    pub fn name(&self) -> String {
        shard_name(&self.table, self.shard_id)
    }
}

/// `<table>_<shardid>`, the name of a shard's table on a worker.
pub fn shard_name(table: &str, shard_id: i64) -> String {
    format!("{table}_{shard_id}")
}

/// A row of `pg_dist_placement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub placement_id: i64,
    pub shard_id: i64,
    pub group_id: i32,
}

/// A row of `pg_dist_colocation`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Colocation {
    pub colocation_id: i32,
    pub shard_count: u32,
    pub replication_factor: i32,
    /// Type OID of the distribution column (0 for reference tables).
    pub column_type: u32,
    pub collation: u32,
    /// Created by a `colocate_with => 'default'` distribution, so later defaults may join it.
    pub is_default: bool,
}

/// The coordinator's metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    pub nodes: Vec<DistNode>,
    pub tables: Vec<DistTable>,
    pub shards: Vec<Shard>,
    pub placements: Vec<Placement>,
    pub colocations: Vec<Colocation>,
    pub next_shard_id: i64,
    pub next_placement_id: i64,
    pub next_colocation_id: i32,
    pub next_node_id: i32,
    pub next_group_id: i32,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog {
            nodes: Vec::new(),
            tables: Vec::new(),
            shards: Vec::new(),
            placements: Vec::new(),
            colocations: Vec::new(),
            next_shard_id: FIRST_SHARD_ID,
            next_placement_id: FIRST_PLACEMENT_ID,
            next_colocation_id: 1,
            next_node_id: 1,
            next_group_id: 1,
        }
    }
}

impl Catalog {
    pub fn table(&self, name: &str) -> Option<&DistTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn node_by_group(&self, group_id: i32) -> Option<&DistNode> {
        self.nodes.iter().find(|n| n.group_id == group_id)
    }

    pub fn node_by_name(&self, name: &str) -> Option<&DistNode> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn coordinator(&self) -> Option<&DistNode> {
        self.nodes.iter().find(|n| n.is_coordinator())
    }

    /// Active workers that take shards, in Citus's placement order: (nodename, nodeport).
    pub fn shard_workers(&self) -> Vec<&DistNode> {
        let mut workers: Vec<&DistNode> = self
            .nodes
            .iter()
            .filter(|n| !n.is_coordinator() && n.is_active && n.should_have_shards)
            .collect();
        crate::sort::sort_by(&mut workers, |a, b| {
            (&a.host, a.port).cmp(&(&b.host, b.port))
        });
        workers
    }

    /// The names of the active workers, in `active_workers` order.
    pub fn active_worker_names(&self) -> Vec<String> {
        self.active_workers()
            .into_iter()
            .map(|n| n.name.clone())
            .collect()
    }

    /// Active workers (`citus_get_active_worker_nodes()`), ordered by (nodename, nodeport).
    pub fn active_workers(&self) -> Vec<&DistNode> {
        let mut workers: Vec<&DistNode> = self
            .nodes
            .iter()
            .filter(|n| !n.is_coordinator() && n.is_active)
            .collect();
        crate::sort::sort_by(&mut workers, |a, b| {
            (&a.host, a.port).cmp(&(&b.host, b.port))
        });
        workers
    }

    /// Removes a table's metadata: its partition row, shards and placements.
    pub fn forget_table(&mut self, table: &str) {
        let ids: Vec<i64> = self
            .shards
            .iter()
            .filter(|s| s.table == table)
            .map(|s| s.shard_id)
            .collect();
        self.placements.retain(|p| !ids.contains(&p.shard_id));
        self.shards.retain(|s| s.table != table);
        self.tables.retain(|t| t.name != table);
    }

    /// The shards of a table ordered by hash range (shard index).
    pub fn table_shards(&self, table: &str) -> Vec<&Shard> {
        let mut shards: Vec<&Shard> = self.shards.iter().filter(|s| s.table == table).collect();
        crate::sort::sort_by_key(&mut shards, |s| s.index);
        shards
    }

    pub fn shard(&self, shard_id: i64) -> Option<&Shard> {
        self.shards.iter().find(|s| s.shard_id == shard_id)
    }

    /// The placements of a shard, ordered by node port as Citus lists them.
    pub fn shard_placements(&self, shard_id: i64) -> Vec<(&Placement, &DistNode)> {
        let mut out: Vec<(&Placement, &DistNode)> = self
            .placements
            .iter()
            .filter(|p| p.shard_id == shard_id)
            .filter_map(|p| self.node_by_group(p.group_id).map(|n| (p, n)))
            .collect();
        crate::sort::sort_by(&mut out, |a, b| {
            (&a.1.host, a.1.port).cmp(&(&b.1.host, b.1.port))
        });
        out
    }

    /// The placements of a shard on active nodes (a disabled node's are skipped, as Citus's
    /// ActiveShardPlacementList does), ordered by node address.
    pub fn active_placements(&self, shard_id: i64) -> Vec<(&Placement, &DistNode)> {
        let mut out = self.shard_placements(shard_id);
        out.retain(|(_, n)| n.is_active);
        out
    }

    /// The node of a shard's first active placement by placement id: where Citus's greedy
    /// task assignment sends a multi-shard task (with `citus.shard_replication_factor` 1 it
    /// looks at each shard's first placement only), so the copies of a replicated table
    /// share the reads.
    pub fn first_replica_node(&self, shard_id: i64) -> Option<&DistNode> {
        let mut active = self.active_placements(shard_id);
        crate::sort::sort_by_key(&mut active, |(p, _)| p.placement_id);
        active.first().map(|(_, n)| *n)
    }

    /// Whether a table keeps several copies of its shards: a reference table, or a hash
    /// table with replication factor above 1 (Citus's replicated tables).
    pub fn is_replicated(&self, table: &DistTable) -> bool {
        self.replication_model(table) != "s"
    }

    /// The node a task on `shard_id` runs on: the first active placement (workers before the
    /// coordinator's reference-table placement, so reads of reference tables stay local only
    /// when asked for).
    pub fn task_node(&self, shard_id: i64) -> Option<&DistNode> {
        self.shard_placements(shard_id)
            .into_iter()
            .map(|(_, n)| n)
            .find(|n| n.is_active)
    }

    pub fn colocation(&self, id: i32) -> Option<&Colocation> {
        self.colocations.iter().find(|c| c.colocation_id == id)
    }

    /// `pg_dist_partition.repmodel`: `t` for reference tables (two-phase commit to every
    /// copy), `c` for hash tables with several placements per shard (Citus writes each copy
    /// from the coordinator), `s` for one placement per shard (streaming replication's model).
    pub fn replication_model(&self, table: &DistTable) -> &'static str {
        match table.kind {
            TableKind::Reference => "t",
            TableKind::Distributed { .. } => match self.colocation(table.colocation_id) {
                Some(c) if c.replication_factor > 1 => "c",
                _ => "s",
            },
        }
    }

    /// The shard of a distributed table that holds `value` of its distribution column.
    pub fn shard_for_value(&self, table: &str, value: &Value) -> PgResult<Option<&Shard>> {
        let dist = self
            .table(table)
            .ok_or_else(|| PgError::undefined_table(table))?;
        match &dist.kind {
            TableKind::Reference => Ok(self.table_shards(table).into_iter().next()),
            TableKind::Distributed { ty, .. } => {
                if value.is_null() {
                    return Ok(None);
                }
                let hash = hashing::hash_for_type(value, ty)?;
                Ok(self.table_shards(table).into_iter().find(|s| {
                    match (s.min_value, s.max_value) {
                        (Some(lo), Some(hi)) => lo <= hash && hash <= hi,
                        _ => false,
                    }
                }))
            }
        }
    }

    /// Tables in the same co-location group as `table`, `table` included.
    pub fn colocated_tables(&self, colocation_id: i32) -> Vec<&DistTable> {
        self.tables
            .iter()
            .filter(|t| t.colocation_id == colocation_id)
            .collect()
    }

    /// The shard of `table` at `index` (co-located tables share shard indexes and placements).
    pub fn shard_at(&self, table: &str, index: usize) -> Option<&Shard> {
        self.shards
            .iter()
            .find(|s| s.table == table && s.index == index)
    }
}
