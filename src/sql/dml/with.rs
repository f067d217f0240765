//! WITH queries that modify (`WITH d AS (DELETE ... RETURNING *) SELECT ... FROM d`) and WITH
//! in front of INSERT, UPDATE or DELETE. Each CTE runs once, in order, before the main
//! statement; its rows (a modification's RETURNING rows) are what later parts read under its
//! name. As on a Citus coordinator, the main statement sees the CTEs' changes.

use crate::error::{PgError, PgResult};
use crate::planner::relations::statement_relations;
use crate::sql::eval::resolve::ident_name;
use crate::sql::select::run_query;
use crate::sql::{Database, ExecOutput, Host, ResultSet};
use crate::types::Value;
use chrono::NaiveDateTime;
use sqlparser::ast::{Cte, Query, SetExpr, Statement};
use std::collections::BTreeMap;

/// The statement a query's body is when it is an INSERT, UPDATE or DELETE.
pub fn modifying_body(q: &Query) -> Option<&Statement> {
    match q.body.as_ref() {
        SetExpr::Insert(s) | SetExpr::Update(s) => Some(s),
        _ => None,
    }
}

/// Whether a CTE of `q` modifies, or `q` itself is a modification with a WITH.
pub fn is_modifying(q: &Query) -> bool {
    modifying_body(q).is_some()
        || q.with.as_ref().is_some_and(|w| {
            w.cte_tables
                .iter()
                .any(|c| modifying_body(&c.query).is_some())
        })
}

/// Whether a modifying statement has a RETURNING list.
pub fn has_returning(stmt: &Statement) -> bool {
    match stmt {
        Statement::Insert(i) => i.returning.is_some(),
        Statement::Update { returning, .. } => returning.is_some(),
        Statement::Delete(d) => d.returning.is_some(),
        _ => false,
    }
}

/// A host that also serves the CTEs run so far as relations.
pub struct WithHost<'a> {
    pub inner: &'a dyn Host,
    pub relations: &'a BTreeMap<String, ResultSet>,
}

impl Host for WithHost<'_> {
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
        match self.relations.get(name) {
            Some(rs) => Some(rs.clone()),
            None => self.inner.virtual_table(name),
        }
    }

    fn relation_exists(&self, name: &str) -> bool {
        self.relations.contains_key(name) || self.inner.relation_exists(name)
    }

    fn relation_oid(&self, name: &str) -> Option<u32> {
        self.inner.relation_oid(name)
    }

    fn hides_shard(&self, name: &str) -> bool {
        self.inner.hides_shard(name)
    }
}

/// A CTE's rows with the column names its alias gives.
pub fn with_column_aliases(cte: &Cte, mut rs: ResultSet) -> PgResult<ResultSet> {
    let names = &cte.alias.columns;
    if names.len() > rs.columns.len() {
        return Err(PgError::new(
            "42P10",
            format!(
                "WITH query \"{}\" has {} columns available but {} columns specified",
                ident_name(&cte.alias.name),
                rs.columns.len(),
                names.len()
            ),
        ));
    }
    for (c, n) in rs.columns.iter_mut().zip(names) {
        c.name = ident_name(n);
    }
    Ok(rs)
}

/// Fails if a modifying CTE without RETURNING is read by the rest of the query.
pub fn check_returning(q: &Query) -> PgResult<()> {
    let Some(with) = &q.with else { return Ok(()) };
    for (i, cte) in with.cte_tables.iter().enumerate() {
        let Some(stmt) = modifying_body(&cte.query) else {
            continue;
        };
        if has_returning(stmt) {
            continue;
        }
        let name = ident_name(&cte.alias.name);
        let later = with.cte_tables.iter().skip(i + 1).map(|c| &*c.query);
        let mut main = q.clone();
        main.with = None;
        let read = later.chain(std::iter::once(&main)).any(|q| reads(q, &name));
        if read {
            return Err(PgError::unsupported(format!(
                "WITH query \"{name}\" does not have a RETURNING clause"
            )));
        }
    }
    Ok(())
}

fn reads(q: &Query, name: &str) -> bool {
    statement_relations(&Statement::Query(Box::new(q.clone())))
        .iter()
        .any(|r| r.name == name)
}

/// Runs a WITH query that modifies on one node.
pub fn execute(db: &mut Database, q: &Query, host: &dyn Host) -> PgResult<ExecOutput> {
    check_returning(q)?;
    let mut relations: BTreeMap<String, ResultSet> = BTreeMap::new();
    if let Some(with) = &q.with {
        if with.recursive {
            return Err(PgError::unsupported("WITH RECURSIVE is not supported"));
        }
        for cte in &with.cte_tables {
            let rs = {
                let h = WithHost {
                    inner: host,
                    relations: &relations,
                };
                match modifying_body(&cte.query) {
                    Some(stmt) => db.execute(stmt, &h)?.returned.unwrap_or_default(),
                    None => run_query(db, &cte.query, &h)?,
                }
            };
            relations.insert(ident_name(&cte.alias.name), with_column_aliases(cte, rs)?);
        }
    }
    let h = WithHost {
        inner: host,
        relations: &relations,
    };
    match modifying_body(q) {
        Some(stmt) => db.execute(stmt, &h),
        None => {
            let mut main = q.clone();
            main.with = None;
            Ok(ExecOutput::rows(run_query(db, &main, &h)?))
        }
    }
}
