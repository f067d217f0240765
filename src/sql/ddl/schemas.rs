//! CREATE SCHEMA and DROP SCHEMA on one node.

use super::drop::{cascade_notice, dependency_error};
use crate::error::{Notice, PgError, PgResult};
use crate::sql::namespace::{display_name, split, undefined_schema, PUBLIC};
use crate::sql::{Database, ExecOutput};
use sqlparser::ast::{ObjectName, SchemaName};

/// The schema a CREATE SCHEMA names (`AUTHORIZATION role` alone names it after the role).
pub fn schema_name(name: &SchemaName) -> String {
    match name {
        SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => {
            n.0.last().map(super::names::ident).unwrap_or_default()
        }
        SchemaName::UnnamedAuthorization(role) => super::names::ident(role),
    }
}

fn is_reserved(name: &str) -> bool {
    name.starts_with("pg_")
        || matches!(
            name,
            PUBLIC | "information_schema" | "citus" | "citus_internal"
        )
}

/// Whether `name` is a schema of this node (its own or a system one).
pub fn schema_exists(db: &Database, name: &str) -> bool {
    db.schemas.contains(name)
        || matches!(
            name,
            PUBLIC | "pg_catalog" | "information_schema" | "citus" | "citus_internal"
        )
}

pub fn create_schema(db: &mut Database, name: &str, if_not_exists: bool) -> PgResult<ExecOutput> {
    if schema_exists(db, name) {
        if if_not_exists {
            let mut out = ExecOutput::command("CREATE SCHEMA");
            out.notices.push(Notice::new(format!(
                "schema \"{name}\" already exists, skipping"
            )));
            return Ok(out);
        }
        return Err(PgError::new(
            "42P06",
            format!("schema \"{name}\" already exists"),
        ));
    }
    if name.starts_with("pg_") {
        return Err(
            PgError::new("42939", format!("unacceptable schema name \"{name}\""))
                .with_detail("The prefix \"pg_\" is reserved for system schemas."),
        );
    }
    db.schemas.insert(name.to_string());
    Ok(ExecOutput::command("CREATE SCHEMA"))
}

/// The relations a schema holds, as PostgreSQL describes them (`table sales.orders`), in the
/// order they were created: tables and views (a serial column's sequence goes with its
/// table).
pub fn schema_members(db: &Database, schema: &str) -> Vec<(String, &'static str)> {
    let in_schema = |stored: &str| split(stored).0 == schema;
    let mut tables: Vec<(u32, String)> = db
        .storage
        .tables
        .keys()
        .filter(|t| in_schema(t))
        .map(|t| (db.storage.relation_oid(t).unwrap_or(u32::MAX), t.clone()))
        .collect();
    crate::sort::sort(&mut tables);
    let mut out: Vec<(String, &'static str)> =
        tables.into_iter().map(|(_, t)| (t, "table")).collect();
    out.extend(
        db.views
            .keys()
            .filter(|v| in_schema(v))
            .map(|v| (v.clone(), "view")),
    );
    let owned: Vec<String> = out
        .iter()
        .filter_map(|(t, _)| db.table(t))
        .flat_map(|def| {
            def.columns
                .iter()
                .filter_map(|c| c.default.as_ref().and_then(super::nextval_sequence))
        })
        .collect();
    out.extend(
        db.sequences
            .borrow()
            .keys()
            .filter(|s| in_schema(s) && !owned.contains(s))
            .map(|s| (s.clone(), "sequence")),
    );
    out
}

/// DROP SCHEMA: an empty schema goes; one holding relations only with CASCADE, which drops
/// them with PostgreSQL's notices.
pub fn drop_schemas(
    db: &mut Database,
    names: &[ObjectName],
    if_exists: bool,
    cascade: bool,
) -> PgResult<ExecOutput> {
    let mut out = ExecOutput::command("DROP SCHEMA");
    let mut targets = Vec::new();
    for n in names {
        let name = n.0.last().map(super::names::ident).unwrap_or_default();
        if db.schemas.contains(&name) {
            targets.push(name);
        } else if is_reserved(&name) {
            return Err(PgError::new(
                "2BP01",
                format!("cannot drop schema {name} because it is required by the database system"),
            ));
        } else if if_exists {
            out.notices.push(Notice::new(format!(
                "schema \"{name}\" does not exist, skipping"
            )));
        } else {
            return Err(undefined_schema(&name));
        }
    }
    let members: Vec<(String, &'static str)> =
        targets.iter().flat_map(|s| schema_members(db, s)).collect();
    let described: Vec<String> = members
        .iter()
        .map(|(name, kind)| format!("{kind} {}", display_name(name)))
        .collect();
    if !members.is_empty() {
        if !cascade {
            let first = targets.first().cloned().unwrap_or_default();
            let lines: Vec<String> = described
                .iter()
                .map(|d| format!("{d} depends on schema {first}"))
                .collect();
            return Err(dependency_error(&format!("schema {first}"), &lines));
        }
        out.notices.extend(cascade_notice(&described));
        drop_members(db, &members)?;
    }
    for t in &targets {
        db.schemas.remove(t);
    }
    Ok(out)
}

/// Drops a schema's relations: views first, as they read the tables.
fn drop_members(db: &mut Database, members: &[(String, &'static str)]) -> PgResult<()> {
    for (name, kind) in members {
        match *kind {
            "view" => {
                db.views.remove(name);
            }
            "sequence" => db.put_sequence(name, None),
            _ => {}
        }
    }
    let tables: Vec<ObjectName> = members
        .iter()
        .filter(|(name, kind)| *kind == "table" && db.table(name).is_some())
        .map(|(name, _)| crate::sql::namespace::object_name(name))
        .collect();
    if !tables.is_empty() {
        super::drop::drop_tables(db, &tables, true, true)?;
    }
    Ok(())
}
