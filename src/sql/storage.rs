//! The node's storage boundary: GlueSQL's MemoryStorage holds the rows; this wrapper keeps the
//! PostgreSQL table definitions beside them. Transactions, prepared transactions and a WAL for
//! standbys belong here later, below the engine.

use super::schema::TableDef;
use crate::error::{PgError, PgResult};
use crate::types::{Interval, Value};
use gluesql::core::data::{Interval as GlueInterval, Value as GlueValue};
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

    /// All rows of a stored table, values in the order of `TableDef.columns`.
    pub fn scan(&self, table: &str) -> PgResult<Vec<Vec<Value>>> {
        let item = self
            .glue
            .items
            .get(table)
            .ok_or_else(|| PgError::undefined_table(table))?;
        Ok(item
            .rows
            .values()
            .map(|row| row.iter().map(from_glue).collect())
            .collect())
    }
}

/// Converts a GlueSQL value to ours.
pub fn from_glue(v: &GlueValue) -> Value {
    match v {
        GlueValue::Null => Value::Null,
        GlueValue::Bool(b) => Value::Bool(*b),
        GlueValue::I8(i) => Value::Int2(*i as i16),
        GlueValue::I16(i) => Value::Int2(*i),
        GlueValue::I32(i) => Value::Int4(*i),
        GlueValue::I64(i) => Value::Int8(*i),
        GlueValue::U8(i) => Value::Int2(*i as i16),
        GlueValue::U16(i) => Value::Int4(*i as i32),
        GlueValue::U32(i) => Value::Int8(*i as i64),
        GlueValue::F32(f) => Value::Float8(*f as f64),
        GlueValue::F64(f) => Value::Float8(*f),
        GlueValue::Decimal(d) => Value::Numeric(*d),
        GlueValue::Str(s) => Value::Text(s.clone()),
        GlueValue::Date(d) => Value::Date(*d),
        GlueValue::Timestamp(t) => Value::Timestamp(*t),
        GlueValue::Interval(GlueInterval::Month(m)) => Value::Interval(Interval {
            months: *m,
            days: 0,
            micros: 0,
        }),
        GlueValue::Interval(GlueInterval::Microsecond(us)) => Value::Interval(Interval {
            months: 0,
            days: 0,
            micros: *us,
        }),
        GlueValue::List(items) => Value::Array(items.iter().map(from_glue).collect()),
        other => Value::Text(String::from(other.clone())),
    }
}
