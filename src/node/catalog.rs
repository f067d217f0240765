//! What a node adds to the host its statements run with: its own system views
//! (`pg_prepared_xacts`), which only the node knows.

use super::PreparedXact;
use crate::error::PgResult;
use crate::sql::{Column, Host, ResultSet};
use crate::types::{SqlType, Value};
use chrono::NaiveDateTime;

pub struct NodeHost<'a> {
    pub inner: &'a dyn Host,
    pub prepared: Vec<PreparedXact>,
}

impl NodeHost<'_> {
    fn prepared_xacts(&self) -> ResultSet {
        ResultSet {
            columns: vec![
                Column::new("transaction", SqlType::Int8),
                Column::new("gid", SqlType::Text),
                Column::new("prepared", SqlType::Timestamp),
                Column::new("owner", SqlType::Text),
                Column::new("database", SqlType::Text),
            ],
            rows: self
                .prepared
                .iter()
                .map(|p| {
                    vec![
                        Value::Int8(p.xid as i64),
                        Value::Text(p.gid.clone()),
                        Value::Timestamp(p.prepared_at),
                        Value::Text("postgres".into()),
                        Value::Text("postgres".into()),
                    ]
                })
                .collect(),
        }
    }
}

impl Host for NodeHost<'_> {
    fn now(&self) -> NaiveDateTime {
        self.inner.now()
    }

    fn call_scalar(&self, name: &str, args: &[Value]) -> Option<PgResult<Value>> {
        self.inner.call_scalar(name, args)
    }

    fn call_table(&self, name: &str, args: &[Value]) -> Option<PgResult<ResultSet>> {
        self.inner.call_table(name, args)
    }

    fn virtual_table(&self, name: &str) -> Option<ResultSet> {
        if name == "pg_prepared_xacts" {
            return Some(self.prepared_xacts());
        }
        self.inner.virtual_table(name)
    }

    fn relation_exists(&self, name: &str) -> bool {
        name == "pg_prepared_xacts" || self.inner.relation_exists(name)
    }

    fn is_citus_table(&self, name: &str) -> bool {
        self.inner.is_citus_table(name)
    }

    fn relation_oid(&self, name: &str) -> Option<u32> {
        self.inner.relation_oid(name)
    }
}
