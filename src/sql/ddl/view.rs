//! CREATE [OR REPLACE] VIEW and DROP VIEW on one node. A view keeps its defining query and
//! the columns that query returns; queries read it by running the definition (and the
//! coordinator inlines it before Citus plans, see `planner::views`).

use super::names::object_name;
use crate::error::{Notice, PgError, PgResult};
use crate::sql::{Column, Database, ExecOutput, Host, ViewDef};
use sqlparser::ast::{ObjectName, Query, ViewColumnDef};

pub fn create_view(
    db: &mut Database,
    name: &ObjectName,
    or_replace: bool,
    columns: &[ViewColumnDef],
    query: &Query,
    host: &dyn Host,
) -> PgResult<ExecOutput> {
    let name = object_name(name);
    crate::sql::namespace::check_schema_exists(db, &name)?;
    let exists_as_view = db.views.contains_key(&name);
    if db.table(&name).is_some() || (exists_as_view && !or_replace) {
        return Err(PgError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    // The definition is analysed (and its columns found) by running it once.
    let rs = db.query(query, host)?;
    let mut cols: Vec<Column> = rs.columns;
    if columns.len() > cols.len() {
        return Err(PgError::new(
            "42601",
            "CREATE VIEW specifies more column names than columns",
        ));
    }
    for (c, def) in cols.iter_mut().zip(columns) {
        c.name = crate::planner::relations::normalize_ident(&def.name);
    }
    if let Some(old) = db.views.get(&name) {
        if cols.len() < old.columns.len() {
            return Err(PgError::new("42P16", "cannot drop columns from view"));
        }
        for (new, old) in cols.iter().zip(&old.columns) {
            if new.name != old.name {
                return Err(PgError::new(
                    "42P16",
                    format!(
                        "cannot change name of view column \"{}\" to \"{}\"",
                        old.name, new.name
                    ),
                )
                .with_hint(
                    "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.",
                ));
            }
        }
    }
    db.views.insert(
        name,
        ViewDef {
            query: query.clone(),
            columns: cols,
        },
    );
    Ok(ExecOutput::command("CREATE VIEW"))
}

pub fn drop_views(
    db: &mut Database,
    names: &[ObjectName],
    if_exists: bool,
) -> PgResult<ExecOutput> {
    let mut out = ExecOutput::command("DROP VIEW");
    let names: Vec<String> = names.iter().map(object_name).collect();
    for name in &names {
        if db.views.contains_key(name) {
            continue;
        }
        if db.table(name).is_some() {
            return Err(PgError::new("42809", format!("\"{name}\" is not a view"))
                .with_hint("Use DROP TABLE to remove a table."));
        }
        if !if_exists {
            return Err(PgError::new(
                "42P01",
                format!("view \"{name}\" does not exist"),
            ));
        }
        out.notices.push(Notice::new(format!(
            "view \"{name}\" does not exist, skipping"
        )));
    }
    for name in &names {
        db.views.remove(name);
    }
    Ok(out)
}
