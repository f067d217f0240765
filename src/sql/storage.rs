//! The node's storage boundary: GlueSQL's MemoryStorage holds the rows; this wrapper keeps the
//! PostgreSQL table definitions beside them. Transactions, prepared transactions and a WAL for
//! standbys belong here later, below the engine.

use super::schema::TableDef;
use gluesql::prelude::MemoryStorage;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct NodeStorage {
    pub glue: MemoryStorage,
    pub tables: BTreeMap<String, TableDef>,
}

impl NodeStorage {
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.get(name)
    }
}
