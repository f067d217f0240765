//! What the Citus 13.2 catalog relations are: their columns with PostgreSQL's types, NOT NULL
//! and defaults, their indexes, constraints and triggers, as `\d` shows them on a coordinator
//! (and on a worker, which keeps the same catalog). `tables` fills them with rows; the result
//! columns of a query take their types from here too.

use crate::sql::Column;
use crate::types::SqlType;
use IndexKind::{Plain, PrimaryKey, Unique, UniqueConstraint};
use PgType::{Bigint, Boolean, Char, Integer, Name, NodeRole, Oid, Regclass, Text};

/// The types the catalog's columns have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgType {
    Regclass,
    Bigint,
    Integer,
    Text,
    Boolean,
    /// PostgreSQL's one-byte internal `"char"`.
    Char,
    Name,
    Oid,
    /// Citus's enum of node roles (`primary`, `secondary`, `unavailable`).
    NodeRole,
}

impl PgType {
    /// The name as `\d` shows it (`format_type`).
    pub fn name(self) -> &'static str {
        match self {
            PgType::Regclass => "regclass",
            PgType::Bigint => "bigint",
            PgType::Integer => "integer",
            PgType::Text => "text",
            PgType::Boolean => "boolean",
            PgType::Char => "\"char\"",
            PgType::Name => "name",
            PgType::Oid => "oid",
            PgType::NodeRole => "noderole",
        }
    }

    /// The engine's type for query results: itself where the engine has it, else the nearest one
    /// (`"char"` as one-character text, `name` and the enum as text, `oid` as the engine's
    /// `::oid` casts give it).
    pub fn sql_type(self) -> SqlType {
        match self {
            PgType::Regclass => SqlType::Regclass,
            PgType::Bigint | PgType::Oid => SqlType::Int8,
            PgType::Integer => SqlType::Int4,
            PgType::Text | PgType::Name | PgType::NodeRole => SqlType::Text,
            PgType::Boolean => SqlType::Bool,
            PgType::Char => SqlType::Char(1),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogColumn {
    pub name: &'static str,
    pub ty: PgType,
    pub not_null: bool,
    /// The DEFAULT expression as PostgreSQL deparses it.
    pub default: Option<&'static str>,
}

const fn col(name: &'static str, ty: PgType) -> CatalogColumn {
    CatalogColumn {
        name,
        ty,
        not_null: false,
        default: None,
    }
}

impl CatalogColumn {
    const fn not_null(self) -> Self {
        CatalogColumn {
            not_null: true,
            ..self
        }
    }

    const fn default(self, expr: &'static str) -> Self {
        CatalogColumn {
            default: Some(expr),
            ..self
        }
    }
}

/// How psql labels an index: by the constraint it backs, or its own uniqueness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    PrimaryKey,
    UniqueConstraint,
    Unique,
    Plain,
}

/// A btree index on plain columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogIndex {
    pub name: &'static str,
    pub kind: IndexKind,
    pub columns: &'static [&'static str],
    /// `ALTER TABLE ... REPLICA IDENTITY USING INDEX` names it.
    pub replica_identity: bool,
}

const fn index(
    name: &'static str,
    kind: IndexKind,
    columns: &'static [&'static str],
) -> CatalogIndex {
    CatalogIndex {
        name,
        kind,
        columns,
        replica_identity: false,
    }
}

impl CatalogIndex {
    const fn replica_identity(self) -> Self {
        CatalogIndex {
            replica_identity: true,
            ..self
        }
    }
}

/// A row-level trigger; psql prints it as `pg_get_triggerdef` words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogTrigger {
    pub name: &'static str,
    /// `BEFORE`, `AFTER` or `INSTEAD OF`.
    pub timing: &'static str,
    /// In PostgreSQL's order: INSERT, DELETE, UPDATE.
    pub events: &'static str,
    /// Schema-qualified where `search_path` does not reach it.
    pub function: &'static str,
}

/// Citus's triggers that drop its metadata caches whenever a catalog row changes.
const fn cache_invalidation(name: &'static str, function: &'static str) -> CatalogTrigger {
    CatalogTrigger {
        name,
        timing: "AFTER",
        events: "INSERT OR DELETE OR UPDATE",
        function,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelKind {
    Table,
    View,
}

impl RelKind {
    /// The word `\d` lists it with.
    pub fn name(self) -> &'static str {
        match self {
            RelKind::Table => "table",
            RelKind::View => "view",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogRelation {
    pub schema: &'static str,
    pub name: &'static str,
    pub kind: RelKind,
    pub columns: &'static [CatalogColumn],
    pub indexes: &'static [CatalogIndex],
    /// CHECK constraints: name and `pg_get_constraintdef` text.
    pub checks: &'static [(&'static str, &'static str)],
    /// By name, as psql lists them.
    pub triggers: &'static [CatalogTrigger],
}

impl CatalogRelation {
    /// The columns of `SELECT * FROM` the relation.
    pub fn result_columns(&self) -> Vec<Column> {
        self.columns
            .iter()
            .map(|c| Column::new(c.name, c.ty.sql_type()))
            .collect()
    }

    /// `pg_get_triggerdef` of each trigger after its `CREATE TRIGGER`.
    pub fn trigger_lines(&self) -> Vec<String> {
        self.triggers
            .iter()
            .map(|t| {
                format!(
                    "{} {} {} ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
                    t.name, t.timing, t.events, self.name, t.function
                )
            })
            .collect()
    }
}

const fn table(
    name: &'static str,
    columns: &'static [CatalogColumn],
    indexes: &'static [CatalogIndex],
    triggers: &'static [CatalogTrigger],
) -> CatalogRelation {
    CatalogRelation {
        schema: "pg_catalog",
        name,
        kind: RelKind::Table,
        columns,
        indexes,
        checks: &[],
        triggers,
    }
}

const fn view(
    schema: &'static str,
    name: &'static str,
    columns: &'static [CatalogColumn],
) -> CatalogRelation {
    CatalogRelation {
        schema,
        name,
        kind: RelKind::View,
        columns,
        indexes: &[],
        checks: &[],
        triggers: &[],
    }
}

const NEXT_PLACEMENT_ID: &str = "nextval('pg_dist_placement_placementid_seq'::regclass)";

pub const PG_DIST_NODE: CatalogRelation = CatalogRelation {
    checks: &[(
        "primaries_are_only_allowed_in_the_default_cluster",
        "CHECK (NOT (nodecluster <> 'default'::name AND noderole = 'primary'::noderole))",
    )],
    ..table(
        "pg_dist_node",
        &[
            col("nodeid", Integer)
                .not_null()
                .default("nextval('pg_dist_node_nodeid_seq'::regclass)"),
            col("groupid", Integer)
                .not_null()
                .default("nextval('pg_dist_groupid_seq'::regclass)"),
            col("nodename", Text).not_null(),
            col("nodeport", Integer).not_null().default("5432"),
            col("noderack", Text).not_null().default("'default'::text"),
            col("hasmetadata", Boolean).not_null().default("false"),
            col("isactive", Boolean).not_null().default("true"),
            col("noderole", NodeRole)
                .not_null()
                .default("'primary'::noderole"),
            col("nodecluster", Name)
                .not_null()
                .default("'default'::name"),
            col("metadatasynced", Boolean).default("false"),
            col("shouldhaveshards", Boolean).not_null().default("true"),
            col("nodeisclone", Boolean).not_null().default("false"),
            col("nodeprimarynodeid", Integer).not_null().default("0"),
        ],
        &[
            index("pg_dist_node_pkey", PrimaryKey, &["nodeid"]),
            index(
                "pg_dist_node_nodename_nodeport_key",
                UniqueConstraint,
                &["nodename", "nodeport"],
            ),
        ],
        &[
            cache_invalidation(
                "dist_node_cache_invalidate",
                "citus_dist_node_cache_invalidate",
            ),
            CatalogTrigger {
                name: "pg_dist_node_trigger",
                timing: "BEFORE",
                events: "INSERT OR UPDATE",
                function: "citus_internal.pg_dist_node_trigger_func",
            },
        ],
    )
};

pub const PG_DIST_PARTITION: CatalogRelation = table(
    "pg_dist_partition",
    &[
        col("logicalrelid", Regclass).not_null(),
        col("partmethod", Char).not_null(),
        col("partkey", Text),
        col("colocationid", Integer).not_null().default("0"),
        col("repmodel", Char).not_null().default("'c'::\"char\""),
        col("autoconverted", Boolean).default("false"),
    ],
    &[
        index(
            "pg_dist_partition_colocationid_index",
            Plain,
            &["colocationid"],
        ),
        index(
            "pg_dist_partition_logical_relid_index",
            Unique,
            &["logicalrelid"],
        )
        .replica_identity(),
    ],
    &[cache_invalidation(
        "dist_partition_cache_invalidate",
        "citus_dist_partition_cache_invalidate",
    )],
);

pub const PG_DIST_SHARD: CatalogRelation = table(
    "pg_dist_shard",
    &[
        col("logicalrelid", Regclass).not_null(),
        col("shardid", Bigint).not_null(),
        col("shardstorage", Char).not_null(),
        col("shardminvalue", Text),
        col("shardmaxvalue", Text),
    ],
    &[
        index(
            "pg_dist_shard_logical_relid_index",
            Plain,
            &["logicalrelid"],
        ),
        index("pg_dist_shard_shardid_index", Unique, &["shardid"]).replica_identity(),
    ],
    &[cache_invalidation(
        "dist_shard_cache_invalidate",
        "citus_dist_shard_cache_invalidate",
    )],
);

pub const PG_DIST_PLACEMENT: CatalogRelation = table(
    "pg_dist_placement",
    &[
        col("placementid", Bigint)
            .not_null()
            .default(NEXT_PLACEMENT_ID),
        col("shardid", Bigint).not_null(),
        col("shardstate", Integer).not_null(),
        col("shardlength", Bigint).not_null(),
        col("groupid", Integer).not_null(),
    ],
    &[
        index("pg_dist_placement_groupid_index", Plain, &["groupid"]),
        index(
            "pg_dist_placement_placementid_index",
            Unique,
            &["placementid"],
        )
        .replica_identity(),
        index("pg_dist_placement_shardid_index", Plain, &["shardid"]),
        index(
            "placement_shardid_groupid_unique_index",
            UniqueConstraint,
            &["shardid", "groupid"],
        ),
    ],
    &[cache_invalidation(
        "dist_placement_cache_invalidate",
        "citus_dist_placement_cache_invalidate",
    )],
);

pub const PG_DIST_COLOCATION: CatalogRelation = table(
    "pg_dist_colocation",
    &[
        col("colocationid", Integer).not_null(),
        col("shardcount", Integer).not_null(),
        col("replicationfactor", Integer).not_null(),
        col("distributioncolumntype", Oid).not_null(),
        col("distributioncolumncollation", Oid).not_null(),
    ],
    &[
        index("pg_dist_colocation_pkey", PrimaryKey, &["colocationid"]),
        index(
            "pg_dist_colocation_configuration_index",
            Plain,
            &[
                "distributioncolumntype",
                "shardcount",
                "replicationfactor",
                "distributioncolumncollation",
            ],
        ),
    ],
    &[],
);

/// A view over `pg_dist_placement` that still takes writes through its INSTEAD OF trigger.
pub const PG_DIST_SHARD_PLACEMENT: CatalogRelation = CatalogRelation {
    triggers: &[CatalogTrigger {
        name: "pg_dist_shard_placement_trigger",
        timing: "INSTEAD OF",
        events: "INSERT OR DELETE OR UPDATE",
        function: "citus_internal.pg_dist_shard_placement_trigger_func",
    }],
    ..view(
        "pg_catalog",
        "pg_dist_shard_placement",
        &[
            col("shardid", Bigint),
            col("shardstate", Integer),
            col("shardlength", Bigint),
            col("nodename", Text),
            col("nodeport", Integer),
            col("placementid", Bigint).default(NEXT_PLACEMENT_ID),
        ],
    )
};

pub const CITUS_SHARDS: CatalogRelation = view(
    "pg_catalog",
    "citus_shards",
    &[
        col("table_name", Regclass),
        col("shardid", Bigint),
        col("shard_name", Text),
        col("citus_table_type", Text),
        col("colocation_id", Integer),
        col("nodename", Text),
        col("nodeport", Integer),
        col("shard_size", Bigint),
    ],
);

/// Citus creates it in `public` when the database has that schema, as a fresh one does.
pub const CITUS_TABLES: CatalogRelation = view(
    "public",
    "citus_tables",
    &[
        col("table_name", Regclass),
        col("citus_table_type", Text),
        col("distribution_column", Text),
        col("colocation_id", Integer),
        col("table_size", Text),
        col("shard_count", Bigint),
        col("table_owner", Name),
        col("access_method", Name),
    ],
);

/// Every catalog relation the simulation keeps.
pub const RELATIONS: &[CatalogRelation] = &[
    PG_DIST_NODE,
    PG_DIST_PARTITION,
    PG_DIST_SHARD,
    PG_DIST_PLACEMENT,
    PG_DIST_COLOCATION,
    PG_DIST_SHARD_PLACEMENT,
    CITUS_SHARDS,
    CITUS_TABLES,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_consistent() {
        for rel in RELATIONS {
            let names: Vec<&str> = rel.columns.iter().map(|c| c.name).collect();
            for idx in rel.indexes {
                assert!(
                    idx.columns.iter().all(|c| names.contains(c)),
                    "{}",
                    idx.name
                );
            }
            let triggers: Vec<&str> = rel.triggers.iter().map(|t| t.name).collect();
            let mut sorted = triggers.clone();
            sorted.sort();
            assert_eq!(triggers, sorted, "{}", rel.name);
            if rel.kind == RelKind::View {
                assert!(rel.indexes.is_empty() && rel.columns.iter().all(|c| !c.not_null));
            }
        }
    }

    #[test]
    fn trigger_definitions() {
        assert_eq!(
            PG_DIST_NODE.trigger_lines(),
            [
                "dist_node_cache_invalidate AFTER INSERT OR DELETE OR UPDATE ON pg_dist_node FOR EACH ROW EXECUTE FUNCTION citus_dist_node_cache_invalidate()",
                "pg_dist_node_trigger BEFORE INSERT OR UPDATE ON pg_dist_node FOR EACH ROW EXECUTE FUNCTION citus_internal.pg_dist_node_trigger_func()",
            ]
        );
    }
}
