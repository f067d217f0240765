//! DROP TABLE / INDEX / SEQUENCE, with PostgreSQL's dependency errors and CASCADE notices.

use super::names::object_name;
use super::nextval_sequence;
use crate::error::{Notice, PgError, PgResult};
use crate::sql::schema::ConstraintKind;
use crate::sql::{Database, ExecOutput};
use sqlparser::ast::ObjectName;

/// (constraint, table) pairs of foreign keys on other tables than `except` referencing `target`.
pub fn referencing_fks(db: &Database, target: &str, except: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in db.storage.tables.values() {
        if except.contains(&t.name) {
            continue;
        }
        for c in &t.constraints {
            if let ConstraintKind::ForeignKey { ref_table, .. } = &c.kind {
                if ref_table == target {
                    out.push((c.name.clone(), t.name.clone()));
                }
            }
        }
    }
    out
}

/// PostgreSQL's `drop cascades to ...` notice for dropped dependent objects.
pub fn cascade_notice(objects: &[String]) -> Option<Notice> {
    match objects {
        [] => None,
        [one] => Some(Notice::new(format!("drop cascades to {one}"))),
        many => {
            let mut n = Notice::new(format!("drop cascades to {} other objects", many.len()));
            n.detail = Some(
                many.iter()
                    .map(|o| format!("drop cascades to {o}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            Some(n)
        }
    }
}

/// The error for dropping `what` (e.g. `table users`) that `deps` depend on.
pub fn dependency_error(what: &str, deps: &[String]) -> PgError {
    PgError::new(
        "2BP01",
        format!("cannot drop {what} because other objects depend on it"),
    )
    .with_detail(deps.join("\n"))
    .with_hint("Use DROP ... CASCADE to drop the dependent objects too.")
}

/// Removes a constraint from a table's definition.
pub fn remove_constraint(db: &mut Database, table: &str, name: &str) -> PgResult<()> {
    let Some(mut def) = db.table(table).cloned() else {
        return Ok(());
    };
    def.constraints.retain(|c| c.name != name);
    db.storage.set_def(def)
}

pub fn drop_tables(
    db: &mut Database,
    names: &[ObjectName],
    if_exists: bool,
    cascade: bool,
) -> PgResult<ExecOutput> {
    let mut out = ExecOutput::command("DROP TABLE");
    let mut targets: Vec<String> = Vec::new();
    for n in names {
        let name = object_name(n);
        if db.table(&name).is_some() {
            if !targets.contains(&name) {
                targets.push(name);
            }
        } else if if_exists {
            out.notices.push(Notice::new(format!(
                "table \"{name}\" does not exist, skipping"
            )));
        } else {
            return Err(PgError::new(
                "42P01",
                format!("table \"{name}\" does not exist"),
            ));
        }
    }
    // A partitioned table's partitions go with it.
    let mut i = 0;
    while let Some(t) = targets.get(i).cloned() {
        i += 1;
        for p in crate::sql::partition::partitions(db, &t) {
            if !targets.contains(&p.name) {
                targets.push(p.name.clone());
            }
        }
    }
    let mut deps = Vec::new();
    for t in &targets {
        for (con, on) in referencing_fks(db, t, &targets) {
            deps.push((con, on, t.clone()));
        }
    }
    if !deps.is_empty() {
        if !cascade {
            let lines: Vec<String> = deps
                .iter()
                .map(|(c, on, t)| format!("constraint {c} on table {on} depends on table {t}"))
                .collect();
            let first = deps.first().map(|d| d.2.clone()).unwrap_or_default();
            return Err(dependency_error(&format!("table {first}"), &lines));
        }
        let objects: Vec<String> = deps
            .iter()
            .map(|(c, on, _)| format!("constraint {c} on table {on}"))
            .collect();
        out.notices.extend(cascade_notice(&objects));
        for (c, on, _) in &deps {
            remove_constraint(db, on, c)?;
        }
    }
    for t in &targets {
        let def = db.storage.drop_table(t)?;
        // Sequences of serial columns are owned by the table and go with it.
        for col in &def.columns {
            if let Some(seq) = col.default.as_ref().and_then(nextval_sequence) {
                if seq.starts_with(&format!("{}_{}_seq", def.name, col.name)) {
                    db.put_sequence(&seq, None);
                }
            }
        }
    }
    Ok(out)
}

pub fn drop_indexes(
    db: &mut Database,
    names: &[ObjectName],
    if_exists: bool,
) -> PgResult<ExecOutput> {
    let mut out = ExecOutput::command("DROP INDEX");
    for n in names {
        let name = object_name(n);
        let owner = db
            .storage
            .tables
            .values()
            .find(|t| t.indexes.iter().any(|i| i.name == name))
            .map(|t| t.name.clone());
        if let Some(table) = owner {
            if let Some(mut def) = db.table(&table).cloned() {
                def.indexes.retain(|i| i.name != name);
                db.storage.set_def(def)?;
            }
            continue;
        }
        let constraint_owner = db.storage.tables.values().find(|t| {
            t.constraints.iter().any(|c| {
                c.name == name
                    && matches!(
                        c.kind,
                        ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
                    )
            })
        });
        if let Some(t) = constraint_owner {
            return Err(PgError::new(
                "2BP01",
                format!(
                    "cannot drop index {name} because constraint {name} on table {} requires it",
                    t.name
                ),
            )
            .with_hint(format!(
                "You can drop constraint {name} on table {} instead.",
                t.name
            )));
        }
        if if_exists {
            out.notices.push(Notice::new(format!(
                "index \"{name}\" does not exist, skipping"
            )));
        } else {
            return Err(PgError::new(
                "42704",
                format!("index \"{name}\" does not exist"),
            ));
        }
    }
    Ok(out)
}

pub fn drop_sequences(
    db: &mut Database,
    names: &[ObjectName],
    if_exists: bool,
) -> PgResult<ExecOutput> {
    let mut out = ExecOutput::command("DROP SEQUENCE");
    let names: Vec<String> = names.iter().map(object_name).collect();
    for name in &names {
        if !db.sequences.borrow().contains_key(name) {
            if if_exists {
                out.notices.push(Notice::new(format!(
                    "sequence \"{name}\" does not exist, skipping"
                )));
            } else {
                return Err(PgError::new(
                    "42P01",
                    format!("sequence \"{name}\" does not exist"),
                ));
            }
        }
    }
    for name in &names {
        db.put_sequence(name, None);
    }
    Ok(out)
}
