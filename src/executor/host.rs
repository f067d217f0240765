//! What a node's SQL engine sees of the cluster: Citus's functions and catalog relations, the
//! logical clock, and the intermediate results of the statement being executed.

use super::run_command;
use crate::error::{PgError, PgResult};
use crate::metadata::{tables, Catalog};
use crate::sql::{Column, Host, ResultSet};
use crate::types::{SqlType, Value};
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

pub const CITUS_VERSION: &str =
    "Citus 13.2.2 on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit";

/// Shard sizes in bytes per (node, shard id), measured from the nodes' storage.
pub type ShardSizes = BTreeMap<(String, i64), i64>;

pub struct ClusterHost<'a> {
    pub catalog: &'a Catalog,
    pub now: NaiveDateTime,
    /// Intermediate results by name (`remote_scan`, pulled-up tables).
    pub relations: &'a BTreeMap<String, ResultSet>,
    pub sizes: Option<&'a ShardSizes>,
    /// The session's planner settings, for a statement planned on the coordinator itself.
    pub methods: crate::sql::PlanMethods,
}

impl<'a> ClusterHost<'a> {
    /// The host a node's engine sees while the coordinator runs a statement (no shard sizes).
    pub fn new(
        catalog: &'a Catalog,
        now: NaiveDateTime,
        relations: &'a BTreeMap<String, ResultSet>,
    ) -> Self {
        ClusterHost {
            catalog,
            now,
            relations,
            sizes: None,
            methods: crate::sql::PlanMethods::default(),
        }
    }

    fn size(&self, node: &str, shard: i64) -> i64 {
        self.sizes
            .and_then(|s| s.get(&(node.to_string(), shard)).copied())
            .unwrap_or(0)
    }
}

fn text_arg(args: &[Value], i: usize) -> PgResult<String> {
    match args.get(i) {
        Some(Value::Text(s)) => Ok(s.clone()),
        Some(other) => other
            .to_pg_text()
            .ok_or_else(|| PgError::new("22004", "argument must not be null")),
        None => Err(PgError::internal("missing argument")),
    }
}

impl Host for ClusterHost<'_> {
    fn now(&self) -> NaiveDateTime {
        self.now
    }

    fn is_citus_table(&self, name: &str) -> bool {
        self.catalog.table(name).is_some()
    }

    fn plan_methods(&self) -> crate::sql::PlanMethods {
        self.methods
    }

    fn hides_shard(&self, name: &str) -> bool {
        self.catalog.shards.iter().any(|s| s.name() == name)
    }

    fn call_scalar(&self, name: &str, args: &[Value]) -> Option<PgResult<Value>> {
        match name {
            "citus_version" => Some(Ok(Value::Text(CITUS_VERSION.into()))),
            // Serialises writes to a replicated shard; the row locks of the writes themselves
            // already order them here, so taking it returns at once.
            "lock_shard_resources" => Some(Ok(Value::Text(String::new()))),
            "get_shard_id_for_distribution_column" => Some((|| {
                let table = crate::sql::cast::regclass::relation_name(&text_arg(args, 0)?)?;
                let dist = self
                    .catalog
                    .table(&table)
                    .ok_or_else(|| PgError::undefined_table(&table))?;
                if dist.is_reference() {
                    return Ok(self
                        .catalog
                        .table_shards(&table)
                        .first()
                        .map(|s| Value::Int8(s.shard_id))
                        .unwrap_or(Value::Null));
                }
                let value = args.get(1).cloned().unwrap_or(Value::Null);
                if value.is_null() {
                    return Err(PgError::new(
                        "22004",
                        "distribution value cannot be NULL for tables other than reference tables.",
                    ));
                }
                let ty = match &dist.kind {
                    crate::metadata::TableKind::Distributed { ty, .. } => ty.clone(),
                    crate::metadata::TableKind::Reference => SqlType::Text,
                };
                let typed = crate::sql::cast::cast(value, &ty)?;
                Ok(self
                    .catalog
                    .shard_for_value(&table, &typed)?
                    .map(|s| Value::Int8(s.shard_id))
                    .unwrap_or(Value::Null))
            })()),
            "column_to_column_name" => Some((|| {
                let table = crate::sql::cast::regclass::relation_name(&text_arg(args, 0)?)?;
                let var = text_arg(args, 1)?;
                let attnum = var
                    .split(":varattno ")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|n| n.parse::<usize>().ok());
                match self.catalog.table(&table).map(|t| &t.kind) {
                    Some(crate::metadata::TableKind::Distributed {
                        column, attnum: a, ..
                    }) if Some(*a) == attnum => Ok(Value::Text(column.clone())),
                    _ => Err(PgError::new("XX000", "not a valid column")),
                }
            })()),
            "shard_name" => Some((|| {
                let table = crate::sql::cast::regclass::relation_name(&text_arg(args, 0)?)?;
                let id = args
                    .get(1)
                    .and_then(Value::as_i64)
                    .ok_or_else(|| PgError::new("22023", "shard_id cannot be null"))?;
                if id <= 0 {
                    return Err(PgError::new(
                        "22023",
                        "shard_id cannot be zero or negative value",
                    ));
                }
                let shard = format!("{table}_{id}");
                // `skip_qualify_public := false` names public shards with their schema too.
                let qualify_public = matches!(args.get(2), Some(Value::Bool(false)));
                Ok(Value::Text(if qualify_public {
                    crate::sql::namespace::qualified_sql(&shard)
                } else {
                    crate::sql::namespace::relation_sql(&shard)
                }))
            })()),
            _ => None,
        }
    }

    fn call_table(&self, name: &str, args: &[Value]) -> Option<PgResult<ResultSet>> {
        match name {
            _ if run_command::RUN_COMMAND_FUNCTIONS.contains(&name) => {
                let Some(key) = run_command::result_key_of_values(name, args) else {
                    return Some(Ok(ResultSet {
                        columns: run_command::result_columns(name),
                        rows: Vec::new(),
                    }));
                };
                Some(self.relations.get(&key).cloned().ok_or_else(|| {
                    PgError::new(
                        "0A000",
                        format!("{name} can only be used in a query on the coordinator alone"),
                    )
                }))
            }
            crate::planner::recursive::READ_INTERMEDIATE_RESULT => {
                let id = args.first().and_then(Value::to_pg_text).unwrap_or_default();
                Some(self.relations.get(&id).cloned().ok_or_else(|| {
                    PgError::new("58P01", format!("result \"{id}\" does not exist"))
                }))
            }
            "citus_get_active_worker_nodes" | "master_get_active_worker_nodes" => {
                Some(Ok(ResultSet {
                    columns: vec![
                        Column::new("node_name", SqlType::Text),
                        Column::new("node_port", SqlType::Int8),
                    ],
                    rows: self
                        .catalog
                        .active_workers()
                        .into_iter()
                        .map(|n| vec![Value::Text(n.host.clone()), Value::Int8(n.port as i64)])
                        .collect(),
                }))
            }
            _ => None,
        }
    }

    fn virtual_table(&self, name: &str) -> Option<ResultSet> {
        if let Some(rs) = self.relations.get(name) {
            return Some(rs.clone());
        }
        let size = |node: &str, shard: i64| self.size(node, shard);
        tables::render(self.catalog, name, &size)
    }

    fn relation_exists(&self, name: &str) -> bool {
        self.relations.contains_key(name)
            || self.catalog.table(name).is_some()
            || tables::CATALOG_TABLES.contains(&name)
            || tables::CATALOG_VIEWS.contains(&name)
    }
}
