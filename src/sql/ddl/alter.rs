//! ALTER TABLE: columns (add, drop, rename, defaults, NOT NULL), constraints (add with
//! validation of existing rows, drop with dependency checks), RENAME TO.

use super::create::{add_constraints, column_from_ast, parse_expr, table_constraint, Pending};
use super::drop::{cascade_notice, dependency_error, referencing_fks, remove_constraint};
use super::names::{columns_in_expr, ident, object_name, relation_exists};
use crate::error::{Notice, PgError, PgResult};
use crate::sql::cast::coerce_for_column;
use crate::sql::dml::constraints::{validate_existing, ExistingCheck};
use crate::sql::eval::{eval, EvalCtx, Scope};
use crate::sql::schema::{ConstraintKind, TableDef};
use crate::sql::{Database, ExecOutput, Host, Sequence};
use crate::types::Value;
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, Expr};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

pub fn alter_table(
    db: &mut Database,
    table: &str,
    if_exists: bool,
    ops: &[AlterTableOperation],
    host: &dyn Host,
) -> PgResult<ExecOutput> {
    let mut out = ExecOutput::command("ALTER TABLE");
    if db.table(table).is_none() {
        if if_exists {
            out.notices.push(Notice::new(format!(
                "relation \"{table}\" does not exist, skipping"
            )));
            return Ok(out);
        }
        return Err(PgError::undefined_table(table));
    }
    let mut table = table.to_string();
    for op in ops {
        apply(db, &mut table, op, host, &mut out.notices)?;
        recurse_to_partitions(db, &table, op, host)?;
    }
    Ok(out)
}

/// A partitioned table's columns and constraints are its partitions' too: PostgreSQL applies
/// the same change to every partition (not a rename of the table itself, nor ATTACH/DETACH).
fn recurse_to_partitions(
    db: &mut Database,
    table: &str,
    op: &AlterTableOperation,
    host: &dyn Host,
) -> PgResult<()> {
    let recurses = !matches!(op, AlterTableOperation::RenameTable { .. })
        && crate::sql::partition::syntax::partition_command(op).is_none();
    if !recurses || !db.table(table).is_some_and(|d| d.is_partitioned()) {
        return Ok(());
    }
    let children: Vec<String> = crate::sql::partition::partitions(db, table)
        .into_iter()
        .map(|p| p.name.clone())
        .collect();
    for child in children {
        let mut name = child.clone();
        let mut ignored = Vec::new();
        apply(db, &mut name, op, host, &mut ignored)?;
        recurse_to_partitions(db, &child, op, host)?;
    }
    Ok(())
}

fn no_column(col: &str, table: &str) -> PgError {
    PgError::new(
        "42703",
        format!("column \"{col}\" of relation \"{table}\" does not exist"),
    )
}

fn contains_nulls(col: &str, table: &str) -> PgError {
    PgError::new(
        "23502",
        format!("column \"{col}\" of relation \"{table}\" contains null values"),
    )
}

fn current(db: &Database, table: &str) -> PgResult<TableDef> {
    db.table(table)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(table))
}

fn apply(
    db: &mut Database,
    table: &mut String,
    op: &AlterTableOperation,
    host: &dyn Host,
    notices: &mut Vec<Notice>,
) -> PgResult<()> {
    let t = table.clone();
    if let Some(cmd) = crate::sql::partition::syntax::partition_command(op) {
        use crate::sql::partition::syntax::PartitionCommand;
        return match cmd {
            PartitionCommand::Attach { child, bound } => {
                crate::sql::partition::ddl::attach(db, &t, &child, bound)
            }
            PartitionCommand::Detach { child } => {
                crate::sql::partition::ddl::detach(db, &t, &child)
            }
        };
    }
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def,
            ..
        } => {
            let name = ident(&column_def.name);
            if current(db, &t)?.column(&name).is_some() {
                if *if_not_exists {
                    notices.push(Notice::new(format!(
                        "column \"{name}\" of relation \"{t}\" already exists, skipping"
                    )));
                    return Ok(());
                }
                return Err(PgError::new(
                    "42701",
                    format!("column \"{name}\" of relation \"{t}\" already exists"),
                ));
            }
            let (col, pending, serial) = column_from_ast(db, &t, column_def, &[])?;
            if let Some(s) = &serial {
                db.put_sequence(&s.sequence, Some(Sequence::default()));
            }
            let n = db.storage.row_count(&t)?;
            let mut values = Vec::with_capacity(n);
            if let Some(default) = &col.default {
                let ctx = EvalCtx {
                    host,
                    db,
                    subqueries: None,
                };
                for _ in 0..n {
                    let v = eval(default, &Scope::EMPTY, &ctx)?;
                    values.push(coerce_for_column(v, &col.ty)?);
                }
            }
            if col.not_null && n > 0 && (values.len() < n || values.iter().any(Value::is_null)) {
                return Err(contains_nulls(&col.name, &t));
            }
            db.storage.add_column(&t, col, values)?;
            add_validated(db, &t, pending, host)
        }
        AlterTableOperation::AddConstraint(tc) => {
            add_validated(db, &t, vec![table_constraint(tc)?], host)
        }
        AlterTableOperation::DropColumn {
            column_name,
            if_exists,
            cascade,
        } => {
            let name = ident(column_name);
            let def = current(db, &t)?;
            if def.column(&name).is_none() {
                if *if_exists {
                    notices.push(Notice::new(format!(
                        "column \"{name}\" of relation \"{t}\" does not exist, skipping"
                    )));
                    return Ok(());
                }
                return Err(no_column(&name, &t));
            }
            let deps = referencing_column(db, &t, &name);
            if !deps.is_empty() {
                if !cascade {
                    let lines: Vec<String> = deps
                        .iter()
                        .map(|(c, on)| {
                            format!(
                                "constraint {c} on table {on} depends on column {name} of table {t}"
                            )
                        })
                        .collect();
                    return Err(dependency_error(
                        &format!("column {name} of table {t}"),
                        &lines,
                    ));
                }
                let objs: Vec<String> = deps
                    .iter()
                    .map(|(c, on)| format!("constraint {c} on table {on}"))
                    .collect();
                notices.extend(cascade_notice(&objs));
                for (c, on) in &deps {
                    remove_constraint(db, on, c)?;
                }
            }
            // CHECK constraints mentioning the column go with it.
            let mut def = current(db, &t)?;
            let cols: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
            def.constraints.retain(|c| match &c.kind {
                ConstraintKind::Check(e) => !columns_in_expr(e, &cols).contains(&name),
                _ => true,
            });
            db.storage.set_def(def)?;
            db.storage.drop_column(&t, &name)
        }
        AlterTableOperation::DropConstraint {
            if_exists,
            name,
            cascade,
        } => drop_constraint(db, &t, &ident(name), *if_exists, *cascade, notices),
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => rename_column(db, &t, &ident(old_column_name), &ident(new_column_name)),
        AlterTableOperation::RenameTable { table_name } => {
            let new = object_name(table_name);
            if relation_exists(db, &new) {
                return Err(PgError::new(
                    "42P07",
                    format!("relation \"{new}\" already exists"),
                ));
            }
            db.storage.rename_table(&t, &new)?;
            for other in db.storage.tables.values().cloned().collect::<Vec<_>>() {
                let mut def = other.clone();
                for c in def.constraints.iter_mut() {
                    if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                        if *ref_table == t {
                            *ref_table = new.clone();
                        }
                    }
                }
                if def != other {
                    db.storage.set_def(def)?;
                }
            }
            *table = new;
            Ok(())
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            alter_column(db, &t, &ident(column_name), op)
        }
        other => Err(PgError::unsupported(format!(
            "ALTER TABLE {other} is not supported"
        ))),
    }
}

/// Foreign keys of other tables referencing `column` of `table`.
fn referencing_column(db: &Database, table: &str, column: &str) -> Vec<(String, String)> {
    referencing_fks(db, table, &[table.to_string()])
        .into_iter()
        .filter(|(c, on)| {
            db.table(on).is_some_and(|d| {
                d.constraints.iter().any(|x| {
                    x.name == *c
                        && matches!(&x.kind, ConstraintKind::ForeignKey { ref_columns, .. }
                            if ref_columns.iter().any(|r| r == column))
                })
            })
        })
        .collect()
}

/// Adds constraints after checking the table's rows satisfy them; nothing changes on failure.
fn add_validated(
    db: &mut Database,
    table: &str,
    pending: Vec<Pending>,
    host: &dyn Host,
) -> PgResult<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let mut def = current(db, table)?;
    let before = def.constraints.len();
    add_constraints(db, &mut def, pending)?;
    let added: Vec<_> = def.constraints.get(before..).unwrap_or(&[]).to_vec();
    for c in &added {
        let check = match &c.kind {
            ConstraintKind::PrimaryKey(cols) => ExistingCheck::NotNull(cols.clone()),
            ConstraintKind::Check(_) => ExistingCheck::Check(c.name.clone()),
            ConstraintKind::ForeignKey { .. } => ExistingCheck::ForeignKey(c.name.clone()),
            ConstraintKind::Unique(_) => continue,
        };
        validate_existing(db, &def, &check, host)?;
    }
    db.storage.set_def(def)
}

fn drop_constraint(
    db: &mut Database,
    table: &str,
    name: &str,
    if_exists: bool,
    cascade: bool,
    notices: &mut Vec<Notice>,
) -> PgResult<()> {
    let def = current(db, table)?;
    let Some(con) = def.constraints.iter().find(|c| c.name == name) else {
        if if_exists {
            notices.push(Notice::new(format!(
                "constraint \"{name}\" of relation \"{table}\" does not exist, skipping"
            )));
            return Ok(());
        }
        return Err(PgError::new(
            "42704",
            format!("constraint \"{name}\" of relation \"{table}\" does not exist"),
        ));
    };
    if let ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) = &con.kind {
        // Foreign keys (also of this table) resting on this key's index depend on it.
        let deps: Vec<(String, String)> = db
            .storage
            .tables
            .values()
            .flat_map(|t| {
                t.constraints.iter().filter_map(|c| match &c.kind {
                    ConstraintKind::ForeignKey {
                        ref_table,
                        ref_columns,
                        ..
                    } if ref_table == table
                        && ref_columns.len() == cols.len()
                        && ref_columns.iter().all(|r| cols.contains(r)) =>
                    {
                        Some((c.name.clone(), t.name.clone()))
                    }
                    _ => None,
                })
            })
            .collect();
        if !deps.is_empty() {
            if !cascade {
                let lines: Vec<String> = deps
                    .iter()
                    .map(|(c, on)| format!("constraint {c} on table {on} depends on index {name}"))
                    .collect();
                return Err(dependency_error(
                    &format!("constraint {name} on table {table}"),
                    &lines,
                ));
            }
            let objs: Vec<String> = deps
                .iter()
                .map(|(c, on)| format!("constraint {c} on table {on}"))
                .collect();
            notices.extend(cascade_notice(&objs));
            for (c, on) in &deps {
                remove_constraint(db, on, c)?;
            }
        }
    }
    remove_constraint(db, table, name)
}

fn rename_in_expr(e: &Expr, from: &str, to: &str) -> PgResult<Expr> {
    let text = e.to_string();
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, &text)
        .tokenize()
        .map_err(|err| PgError::internal(err.to_string()))?;
    let renamed: String = tokens
        .into_iter()
        .map(|tok| match tok {
            Token::Word(w) if w.quote_style.is_none() && w.value.to_lowercase() == from => {
                super::quote_ident(to)
            }
            Token::Word(w) if w.quote_style.is_some() && w.value == from => super::quote_ident(to),
            other => other.to_string(),
        })
        .collect();
    parse_expr(&renamed)
}

fn rename_column(db: &mut Database, table: &str, from: &str, to: &str) -> PgResult<()> {
    let mut def = current(db, table)?;
    if def.column(to).is_some() {
        return Err(PgError::new(
            "42701",
            format!("column \"{to}\" of relation \"{table}\" already exists"),
        ));
    }
    let Some(col) = def.columns.iter_mut().find(|c| c.name == from) else {
        return Err(no_column(from, table));
    };
    col.name = to.to_string();
    let swap = |cols: &mut Vec<String>| {
        for c in cols.iter_mut().filter(|c| *c == from) {
            *c = to.to_string();
        }
    };
    for c in def.constraints.iter_mut() {
        match &mut c.kind {
            ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => swap(cols),
            ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
                ..
            } => {
                swap(columns);
                if ref_table == table {
                    swap(ref_columns);
                }
            }
            ConstraintKind::Check(e) => *e = rename_in_expr(e, from, to)?,
        }
    }
    for i in def.indexes.iter_mut() {
        swap(&mut i.columns);
    }
    db.storage.set_def(def)?;
    // Foreign keys of other tables name the referenced column too.
    let others: Vec<TableDef> = db
        .storage
        .tables
        .values()
        .filter(|d| d.name != table)
        .cloned()
        .collect();
    for mut other in others {
        let mut changed = false;
        for c in other.constraints.iter_mut() {
            if let ConstraintKind::ForeignKey {
                ref_table,
                ref_columns,
                ..
            } = &mut c.kind
            {
                if ref_table == table && ref_columns.iter().any(|r| r == from) {
                    swap(ref_columns);
                    changed = true;
                }
            }
        }
        if changed {
            db.storage.set_def(other)?;
        }
    }
    Ok(())
}

fn alter_column(
    db: &mut Database,
    table: &str,
    column: &str,
    op: &AlterColumnOperation,
) -> PgResult<()> {
    let mut def = current(db, table)?;
    let Some(pos) = def.column_index(column) else {
        return Err(no_column(column, table));
    };
    let in_pk = def
        .primary_key()
        .is_some_and(|pk| pk.iter().any(|c| c == column));
    let Some(col) = def.columns.get_mut(pos) else {
        return Err(no_column(column, table));
    };
    match op {
        AlterColumnOperation::SetNotNull => {
            let has_null = db
                .storage
                .scan(table)?
                .iter()
                .any(|r| r.get(pos).is_none_or(Value::is_null));
            if has_null {
                return Err(contains_nulls(column, table));
            }
            col.not_null = true;
        }
        AlterColumnOperation::DropNotNull => {
            if in_pk {
                return Err(PgError::new(
                    "42P16",
                    format!("column \"{column}\" is in a primary key"),
                ));
            }
            col.not_null = false;
        }
        AlterColumnOperation::SetDefault { value } => col.default = Some(value.clone()),
        AlterColumnOperation::DropDefault => col.default = None,
        other => {
            return Err(PgError::unsupported(format!(
                "ALTER COLUMN {other} is not supported"
            )))
        }
    }
    db.storage.set_def(def)
}
