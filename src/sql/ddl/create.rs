//! CREATE TABLE: columns, serial sequences, and constraints with PostgreSQL's default names and
//! validation (foreign keys need a unique key on the referenced columns).

use super::names::{choose_name, columns_in_expr, ident, object_name, relation_exists};
use crate::error::{PgError, PgResult};
use crate::sql::cast::sqltype_from_ast;
use crate::sql::namespace::relname;
use crate::sql::schema::{ColumnDef, Constraint, ConstraintKind, ReferentialAction, TableDef};
use crate::sql::Database;
use crate::types::SqlType;
use sqlparser::ast::{self, ColumnOption, CreateTable, DataType, Expr, TableConstraint};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// A constraint as written, before its default name is chosen and it is validated.
pub struct Pending {
    pub name: Option<String>,
    pub kind: ConstraintKind,
}

/// A serial column's sequence to create: (column, sequence name, integer type).
pub struct SerialSeq {
    pub column: String,
    pub sequence: String,
}

/// The definition a CREATE TABLE statement describes, validated against `db` (referenced
/// tables), plus the sequences its serial columns need.
pub fn build_table_def(db: &Database, ct: &CreateTable) -> PgResult<(TableDef, Vec<SerialSeq>)> {
    if ct.query.is_some() || ct.like.is_some() || ct.clone.is_some() {
        return Err(PgError::unsupported(
            "CREATE TABLE AS / LIKE is not supported",
        ));
    }
    let table = object_name(&ct.name);
    let mut def = TableDef::new(table.clone(), Vec::new());
    let mut pending = Vec::new();
    let mut serials = Vec::new();
    for col in &ct.columns {
        if let Some(options) = super::like::like_options(&col.name) {
            let (columns, mut cons) = super::like::expand(db, &col.data_type, &options)?;
            for column in columns {
                push_column(&mut def, column)?;
            }
            pending.append(&mut cons);
            continue;
        }
        let (column, mut cons, serial) = column_from_ast(db, &table, col, &serials)?;
        push_column(&mut def, column)?;
        pending.append(&mut cons);
        serials.extend(serial);
    }
    for tc in &ct.constraints {
        pending.push(table_constraint(tc)?);
    }
    add_constraints(db, &mut def, pending)?;
    crate::sql::partition::ddl::apply_create(db, ct, &mut def)?;
    Ok((def, serials))
}

/// Adds a column, refusing a name the table already has.
fn push_column(def: &mut TableDef, column: ColumnDef) -> PgResult<()> {
    if def.column(&column.name).is_some() {
        return Err(PgError::new(
            "42701",
            format!("column \"{}\" specified more than once", column.name),
        ));
    }
    def.columns.push(column);
    Ok(())
}

/// The definition a CREATE TABLE statement describes (serial sequences are not created).
pub fn table_def_from_create(db: &Database, ct: &CreateTable) -> PgResult<TableDef> {
    build_table_def(db, ct).map(|(def, _)| def)
}

fn serial_type(dt: &DataType) -> Option<SqlType> {
    let DataType::Custom(name, mods) = dt else {
        return None;
    };
    if !mods.is_empty() {
        return None;
    }
    match object_name(name).as_str() {
        "serial" | "serial4" => Some(SqlType::Int4),
        "bigserial" | "serial8" => Some(SqlType::Int8),
        "smallserial" | "serial2" => Some(SqlType::Int2),
        _ => None,
    }
}

pub fn parse_expr(text: &str) -> PgResult<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| PgError::syntax(format!("syntax error: {e}")))
}

fn action(a: &Option<ast::ReferentialAction>) -> ReferentialAction {
    match a {
        None | Some(ast::ReferentialAction::NoAction) => ReferentialAction::NoAction,
        Some(ast::ReferentialAction::Restrict) => ReferentialAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => ReferentialAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => ReferentialAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => ReferentialAction::SetDefault,
    }
}

/// One column definition; `serials` are sequences already chosen in this statement.
pub fn column_from_ast(
    db: &Database,
    table: &str,
    col: &ast::ColumnDef,
    serials: &[SerialSeq],
) -> PgResult<(ColumnDef, Vec<Pending>, Option<SerialSeq>)> {
    let name = ident(&col.name);
    let serial = serial_type(&col.data_type);
    let ty = match &serial {
        Some(t) => t.clone(),
        None => sqltype_from_ast(&col.data_type)?,
    };
    let mut column = ColumnDef {
        name: name.clone(),
        ty,
        not_null: false,
        default: None,
    };
    let mut seq = None;
    if serial.is_some() {
        let sequence = choose_name(table, Some(&name), "seq", |n| {
            relation_exists(db, n) || serials.iter().any(|s| s.sequence == n)
        });
        column.default = Some(parse_expr(&format!("nextval('{sequence}'::regclass)"))?);
        column.not_null = true;
        seq = Some(SerialSeq {
            column: name.clone(),
            sequence,
        });
    }
    let mut cons = Vec::new();
    for opt in &col.options {
        let cname = opt.name.as_ref().map(ident);
        let kind = match &opt.option {
            ColumnOption::Null => {
                column.not_null = false;
                continue;
            }
            ColumnOption::NotNull => {
                column.not_null = true;
                continue;
            }
            ColumnOption::Default(e) => {
                if seq.is_some() {
                    return Err(PgError::syntax(format!(
                        "multiple default values specified for column \"{name}\" of table \"{table}\""
                    )));
                }
                column.default = Some(e.clone());
                continue;
            }
            ColumnOption::Comment(_) => continue,
            ColumnOption::Unique { is_primary, .. } => {
                if *is_primary {
                    ConstraintKind::PrimaryKey(vec![name.clone()])
                } else {
                    ConstraintKind::Unique(vec![name.clone()])
                }
            }
            ColumnOption::ForeignKey {
                foreign_table,
                referred_columns,
                on_delete,
                on_update,
                ..
            } => ConstraintKind::ForeignKey {
                columns: vec![name.clone()],
                ref_table: object_name(foreign_table),
                ref_columns: referred_columns.iter().map(ident).collect(),
                on_delete: action(on_delete),
                on_update: action(on_update),
            },
            ColumnOption::Check(e) => ConstraintKind::Check(e.clone()),
            other => {
                return Err(PgError::unsupported(format!(
                    "column option {other} is not supported"
                )))
            }
        };
        cons.push(Pending { name: cname, kind });
    }
    Ok((column, cons, seq))
}

pub fn table_constraint(tc: &TableConstraint) -> PgResult<Pending> {
    let idents = |cols: &[ast::Ident]| cols.iter().map(ident).collect::<Vec<_>>();
    let (name, kind) = match tc {
        TableConstraint::PrimaryKey { name, columns, .. } => {
            (name, ConstraintKind::PrimaryKey(idents(columns)))
        }
        TableConstraint::Unique { name, columns, .. } => {
            (name, ConstraintKind::Unique(idents(columns)))
        }
        TableConstraint::Check { name, expr } => (name, ConstraintKind::Check((**expr).clone())),
        TableConstraint::ForeignKey {
            name,
            columns,
            foreign_table,
            referred_columns,
            on_delete,
            on_update,
            ..
        } => (
            name,
            ConstraintKind::ForeignKey {
                columns: idents(columns),
                ref_table: object_name(foreign_table),
                ref_columns: idents(referred_columns),
                on_delete: action(on_delete),
                on_update: action(on_update),
            },
        ),
        other => {
            return Err(PgError::unsupported(format!(
                "constraint {other} is not supported"
            )))
        }
    };
    Ok(Pending {
        name: name.as_ref().map(ident),
        kind,
    })
}

/// Names, validates and adds constraints to `def`: keys first (foreign keys may reference them,
/// also on the same table), then checks and foreign keys. PRIMARY KEY columns become NOT NULL.
pub fn add_constraints(db: &Database, def: &mut TableDef, pending: Vec<Pending>) -> PgResult<()> {
    let (keys, others): (Vec<_>, Vec<_>) = pending.into_iter().partition(|p| {
        matches!(
            p.kind,
            ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
        )
    });
    for p in keys.into_iter().chain(others) {
        let c = resolve(db, def, p)?;
        if def.constraints.iter().any(|x| x.name == c.name) {
            return Err(PgError::new(
                "42710",
                format!(
                    "constraint \"{}\" for relation \"{}\" already exists",
                    c.name, def.name
                ),
            ));
        }
        if let ConstraintKind::PrimaryKey(cols) = &c.kind {
            for col in def
                .columns
                .iter_mut()
                .filter(|col| cols.contains(&col.name))
            {
                col.not_null = true;
            }
        }
        def.constraints.push(c);
    }
    Ok(())
}

fn resolve(db: &Database, def: &TableDef, p: Pending) -> PgResult<Constraint> {
    let table = def.name.clone();
    let used = |n: &str| def.constraints.iter().any(|c| c.name == n);
    let col_names: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
    let kind = p.kind;
    let name = match &kind {
        ConstraintKind::PrimaryKey(cols) => {
            if def.primary_key().is_some() {
                return Err(PgError::new(
                    "42P16",
                    format!("multiple primary keys for table \"{table}\" are not allowed"),
                ));
            }
            key_columns_exist(def, cols)?;
            p.name.unwrap_or_else(|| {
                choose_name(relname(&table), None, "pkey", |n| {
                    used(n) || relation_exists(db, n)
                })
            })
        }
        ConstraintKind::Unique(cols) => {
            key_columns_exist(def, cols)?;
            p.name.unwrap_or_else(|| {
                choose_name(relname(&table), Some(&cols.join("_")), "key", |n| {
                    used(n) || relation_exists(db, n)
                })
            })
        }
        ConstraintKind::Check(e) => p.name.unwrap_or_else(|| {
            let mentioned = columns_in_expr(e, &col_names);
            let col = match mentioned.as_slice() {
                [one] => Some(one.as_str()),
                _ => None,
            };
            choose_name(relname(&table), col, "check", used)
        }),
        ConstraintKind::ForeignKey { columns, .. } => p.name.unwrap_or_else(|| {
            choose_name(relname(&table), Some(&columns.join("_")), "fkey", used)
        }),
    };
    let kind = match kind {
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
        } => {
            let ref_columns = resolve_fk(db, def, &name, &columns, &ref_table, ref_columns)?;
            ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
            }
        }
        other => other,
    };
    Ok(Constraint { name, kind })
}

fn key_columns_exist(def: &TableDef, cols: &[String]) -> PgResult<()> {
    match cols.iter().find(|c| def.column(c).is_none()) {
        Some(c) => Err(PgError::new(
            "42703",
            format!("column \"{c}\" named in key does not exist"),
        )),
        None => Ok(()),
    }
}

/// Checks a foreign key's columns and returns the referenced columns (the primary key when none
/// are given), which must carry a PRIMARY KEY or UNIQUE constraint or unique index.
fn resolve_fk(
    db: &Database,
    def: &TableDef,
    name: &str,
    columns: &[String],
    ref_table: &str,
    ref_columns: Vec<String>,
) -> PgResult<Vec<String>> {
    let missing = |c: &str| {
        PgError::new(
            "42703",
            format!("column \"{c}\" referenced in foreign key constraint does not exist"),
        )
    };
    if let Some(c) = columns.iter().find(|c| def.column(c).is_none()) {
        return Err(missing(c));
    }
    let target = if ref_table == def.name {
        def
    } else {
        db.table(ref_table)
            .ok_or_else(|| PgError::undefined_table(ref_table))?
    };
    let ref_columns = if ref_columns.is_empty() {
        match target.primary_key() {
            Some(pk) => pk.to_vec(),
            None => {
                return Err(PgError::new(
                    "42830",
                    format!("there is no primary key for referenced table \"{ref_table}\""),
                ))
            }
        }
    } else {
        if let Some(c) = ref_columns.iter().find(|c| target.column(c).is_none()) {
            return Err(missing(c));
        }
        ref_columns
    };
    if ref_columns.len() != columns.len() {
        return Err(PgError::new(
            "42830",
            "number of referencing and referenced columns for foreign key disagree",
        ));
    }
    let same_set = |cols: &[String]| {
        cols.len() == ref_columns.len() && ref_columns.iter().all(|c| cols.contains(c))
    };
    let has_key = target.unique_keys().any(|(_, cols)| same_set(cols))
        || target
            .indexes
            .iter()
            .any(|i| i.unique && same_set(&i.columns));
    if !has_key {
        return Err(PgError::new(
            "42830",
            format!(
                "there is no unique constraint matching given keys for referenced table \"{ref_table}\""
            ),
        ));
    }
    for (c, r) in columns.iter().zip(&ref_columns) {
        let (Some(a), Some(b)) = (def.column(c), target.column(r)) else {
            continue;
        };
        let compatible = a.ty == b.ty
            || (a.ty.is_numeric() && b.ty.is_numeric())
            || (a.ty.is_textual() && b.ty.is_textual());
        if !compatible {
            return Err(PgError::new(
                "42804",
                format!("foreign key constraint \"{name}\" cannot be implemented"),
            )
            .with_detail(format!(
                "Key columns \"{c}\" and \"{r}\" are of incompatible types: {} and {}.",
                a.ty.pg_name(),
                b.ty.pg_name()
            )));
        }
    }
    Ok(ref_columns)
}
