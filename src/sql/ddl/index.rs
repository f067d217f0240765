//! CREATE [UNIQUE] INDEX: recorded on the table; a unique index enforces uniqueness like a
//! UNIQUE constraint.

use super::names::{choose_name, ident, object_name, relation_exists};
use crate::error::{Notice, PgError, PgResult};
use crate::sql::schema::IndexDef;
use crate::sql::{Database, ExecOutput};
use sqlparser::ast::{CreateIndex, Expr};

pub fn create_index(db: &mut Database, ci: &CreateIndex) -> PgResult<ExecOutput> {
    let table = object_name(&ci.table_name);
    let mut def = db
        .table(&table)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(&table))?;
    if ci.predicate.is_some() {
        return Err(PgError::unsupported("partial indexes are not supported"));
    }
    let mut columns = Vec::with_capacity(ci.columns.len());
    for c in &ci.columns {
        let name = match &c.expr {
            Expr::Identifier(i) => ident(i),
            Expr::CompoundIdentifier(parts) => parts.last().map(ident).unwrap_or_default(),
            other => {
                return Err(PgError::unsupported(format!(
                    "index expression {other} is not supported"
                )))
            }
        };
        if def.column(&name).is_none() {
            return Err(PgError::undefined_column(&name));
        }
        columns.push(name);
    }
    let name = match &ci.name {
        Some(n) => {
            let name = object_name(n);
            if relation_exists(db, &name) {
                if ci.if_not_exists {
                    let mut out = ExecOutput::command("CREATE INDEX");
                    out.notices.push(Notice::new(format!(
                        "relation \"{name}\" already exists, skipping"
                    )));
                    return Ok(out);
                }
                return Err(PgError::new(
                    "42P07",
                    format!("relation \"{name}\" already exists"),
                ));
            }
            name
        }
        None => choose_name(
            crate::sql::namespace::relname(&table),
            Some(&columns.join("_")),
            "idx",
            |n| relation_exists(db, n),
        ),
    };
    def.indexes.push(IndexDef {
        name,
        columns,
        unique: ci.unique,
    });
    db.storage.set_def(def)?;
    Ok(ExecOutput::command("CREATE INDEX"))
}
