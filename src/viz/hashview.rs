//! The hash view: the int32 hash space as a bar cut into one distributed table's shard ranges,
//! and where a typed distribution-column value lands. The hash is the engine's own
//! (`hashing::hash_for_type`); the shard is the one whose catalog range holds it.

use crate::cluster::Cluster;
use crate::hashing::hash_for_type;
use crate::metadata::TableKind;
use crate::types::{SqlType, Value};

/// The size of the int32 hash space.
const SPACE: f64 = 4_294_967_296.0;
const MIN: f64 = -2_147_483_648.0;

/// Where `hash` sits on the bar: 0.0 at -2^31, 1.0 just past 2^31-1.
pub fn position(hash: i32) -> f64 {
    (hash as f64 - MIN) / SPACE
}

/// One shard's slice of the hash space.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub shard_id: i64,
    pub min: i32,
    pub max: i32,
    /// The slice as fractions of the bar: [start, end).
    pub start: f64,
    pub end: f64,
    /// The node holding the shard's first placement.
    pub node: String,
    /// Index of that node among the workers (for the colour).
    pub worker_index: usize,
}

/// A distributed table's bar.
#[derive(Clone, Debug, PartialEq)]
pub struct HashBar {
    pub table: String,
    pub column: String,
    pub ty: SqlType,
    pub segments: Vec<Segment>,
}

/// Where a value lands.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub input: String,
    pub hash: i32,
    pub position: f64,
    pub shard_id: i64,
    pub node: String,
}

impl Marker {
    /// "hash 1 → -1905060026 → shard 102009 on worker-2"
    pub fn describe(&self) -> String {
        format!(
            "hash {} → {} → shard {} on {}",
            self.input, self.hash, self.shard_id, self.node
        )
    }
}

/// Hash-distributed tables, in the order they were distributed.
pub fn distributed_tables(cluster: &Cluster) -> Vec<String> {
    cluster
        .catalog
        .tables
        .iter()
        .filter(|t| matches!(t.kind, TableKind::Distributed { .. }))
        .map(|t| t.name.clone())
        .collect()
}

/// The table the view shows by default: the most recently distributed one.
pub fn default_table(cluster: &Cluster) -> Option<String> {
    distributed_tables(cluster).pop()
}

/// The bar of `table`; `None` unless it is hash-distributed.
pub fn bar(cluster: &Cluster, table: &str) -> Option<HashBar> {
    let dist = cluster.catalog.table(table)?;
    let TableKind::Distributed { column, ty, .. } = &dist.kind else {
        return None;
    };
    let workers: Vec<String> = cluster
        .nodes()
        .into_iter()
        .filter(|n| !n.is_coordinator)
        .map(|n| n.name)
        .collect();
    let segments = cluster
        .catalog
        .table_shards(table)
        .into_iter()
        .filter_map(|s| {
            let (min, max) = (s.min_value?, s.max_value?);
            let node = cluster
                .catalog
                .shard_placements(s.shard_id)
                .first()
                .map(|(_, n)| n.name.clone())
                .unwrap_or_default();
            let worker_index = workers.iter().position(|w| w == &node).unwrap_or(0);
            Some(Segment {
                shard_id: s.shard_id,
                min,
                max,
                start: position(min),
                end: (max as f64 + 1.0 - MIN) / SPACE,
                node,
                worker_index,
            })
        })
        .collect();
    Some(HashBar {
        table: table.to_string(),
        column: column.clone(),
        ty: ty.clone(),
        segments,
    })
}

/// Reads what the learner typed as a value of the distribution column's type.
fn parse(input: &str, ty: &SqlType) -> Result<Value, String> {
    let text = input.trim();
    match ty {
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => text
            .parse::<i64>()
            .map(Value::Int8)
            .map_err(|_| format!("\"{text}\" is not a valid {}", ty.pg_name())),
        SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_) | SqlType::Unknown => {
            Ok(Value::Text(input.to_string()))
        }
        other => Err(format!(
            "the hash view cannot hash values of type {}",
            other.pg_name()
        )),
    }
}

impl HashBar {
    /// Hashes `input` with the engine's hash for the column type and finds its shard.
    pub fn locate(&self, input: &str) -> Result<Marker, String> {
        if input.trim().is_empty() {
            return Err(format!("type a value of {}", self.column));
        }
        let value = parse(input, &self.ty)?;
        let hash = hash_for_type(&value, &self.ty).map_err(|e| e.message.clone())?;
        let seg = self
            .segments
            .iter()
            .find(|s| s.min <= hash && hash <= s.max)
            .ok_or_else(|| format!("no shard of {} covers hash {hash}", self.table))?;
        Ok(Marker {
            input: input.trim().to_string(),
            hash,
            position: position(hash),
            shard_id: seg.shard_id,
            node: seg.node.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psql::Runner;

    fn cluster() -> Cluster {
        let mut r = Runner::with_default_cluster();
        let out = r.run_script(
            "CREATE TABLE citus_demo (id int, name text);\n\
             SELECT create_distributed_table('citus_demo', 'id');\n\
             CREATE TABLE tags (tag text);\n\
             SELECT create_distributed_table('tags', 'tag');\n\
             CREATE TABLE cities (name text PRIMARY KEY);\n\
             SELECT create_reference_table('cities');\n",
            "setup",
        );
        assert!(!out.contains("ERROR"), "{out}");
        r.exec
    }

    #[test]
    fn positions_of_the_ends() {
        assert_eq!(position(i32::MIN), 0.0);
        assert!((position(0) - 0.5).abs() < 1e-12);
        assert!(position(i32::MAX) < 1.0);
    }

    #[test]
    fn segments_tile_the_bar() {
        let c = cluster();
        assert_eq!(distributed_tables(&c), vec!["citus_demo", "tags"]);
        assert_eq!(default_table(&c).as_deref(), Some("tags"));
        assert!(
            bar(&c, "cities").is_none(),
            "reference tables have no ranges"
        );
        assert!(bar(&c, "nope").is_none());
        let b = bar(&c, "citus_demo").unwrap();
        assert_eq!(b.segments.len(), 32);
        assert_eq!(b.segments[0].start, 0.0);
        assert!((b.segments[31].end - 1.0).abs() < 1e-12);
        for pair in b.segments.windows(2) {
            assert!((pair[0].end - pair[1].start).abs() < 1e-12);
            assert_eq!(pair[0].max as i64 + 1, pair[1].min as i64);
        }
        // Boundaries sit where the catalog ranges say.
        for s in &b.segments {
            assert!((s.start - position(s.min)).abs() < 1e-12);
            assert!(s.node.starts_with("worker-"), "{s:?}");
        }
        let workers: std::collections::BTreeSet<usize> =
            b.segments.iter().map(|s| s.worker_index).collect();
        assert_eq!(workers.len(), 2);
    }

    #[test]
    fn marker_lands_in_the_engines_shard() {
        let c = cluster();
        let b = bar(&c, "citus_demo").unwrap();
        for v in [1, 4, 7, -5, 123_456] {
            let m = b.locate(&v.to_string()).unwrap();
            assert_eq!(m.hash, crate::hashing::hashint4(v));
            let shard = c
                .catalog
                .shard_for_value("citus_demo", &Value::Int4(v))
                .unwrap()
                .unwrap();
            assert_eq!(m.shard_id, shard.shard_id);
            let seg = b
                .segments
                .iter()
                .find(|s| s.shard_id == m.shard_id)
                .unwrap();
            assert!(seg.start <= m.position && m.position < seg.end);
            assert_eq!(m.node, seg.node);
            assert_eq!(
                m.describe(),
                format!("hash {v} → {} → shard {} on {}", m.hash, m.shard_id, m.node)
            );
        }
        assert!(b.locate("abc").is_err());
        assert!(b.locate("  ").is_err());
        assert!(b.locate("99999999999").is_err(), "out of int4 range");

        let tags = bar(&c, "tags").unwrap();
        let m = tags.locate("blue").unwrap();
        assert_eq!(m.hash, crate::hashing::hashtext("blue"));
        let shard = c
            .catalog
            .shard_for_value("tags", &Value::Text("blue".into()))
            .unwrap()
            .unwrap();
        assert_eq!(m.shard_id, shard.shard_id);
    }
}
