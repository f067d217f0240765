//! Row-level constraint checks with PostgreSQL's messages: NOT NULL, CHECK, and the referencing
//! side of foreign keys (the referenced side lives in `referenced`).

use crate::error::{PgError, PgResult};
use crate::sql::eval::{eval, EvalCtx, Scope, ScopeColumn};
use crate::sql::schema::{ConstraintKind, TableDef};
use crate::sql::storage::{describe_key, IndexKey};
use crate::sql::{Database, Host};
use crate::types::Value;
use std::collections::HashSet;

/// `(1, null, abc)` as in `Failing row contains (...)`.
pub fn failing_row(row: &[Value]) -> String {
    let vals: Vec<String> = row
        .iter()
        .map(|v| v.to_pg_text().unwrap_or_else(|| "null".into()))
        .collect();
    format!("Failing row contains ({}).", vals.join(", "))
}

/// The columns a table's rows expose to CHECK expressions and WHERE clauses.
pub fn scope_columns(def: &TableDef, qualifier: &str) -> Vec<ScopeColumn> {
    def.columns
        .iter()
        .map(|c| ScopeColumn {
            qualifier: Some(qualifier.to_string()),
            name: c.name.clone(),
            ty: c.ty.clone(),
        })
        .collect()
}

pub fn check_not_null(def: &TableDef, row: &[Value]) -> PgResult<()> {
    for (col, v) in def.columns.iter().zip(row) {
        if col.not_null && v.is_null() {
            return Err(PgError::new(
                "23502",
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    col.name, def.name
                ),
            )
            .with_detail(failing_row(row)));
        }
    }
    Ok(())
}

/// Evaluates the table's CHECK constraints on `row` (NULL passes, as in PostgreSQL).
pub fn check_checks(
    db: &Database,
    def: &TableDef,
    cols: &[ScopeColumn],
    row: &[Value],
    host: &dyn Host,
) -> PgResult<()> {
    for c in &def.constraints {
        if let ConstraintKind::Check(expr) = &c.kind {
            if !check_passes(db, expr, cols, row, host)? {
                return Err(PgError::new(
                    "23514",
                    format!(
                        "new row for relation \"{}\" violates check constraint \"{}\"",
                        def.name, c.name
                    ),
                )
                .with_detail(failing_row(row)));
            }
        }
    }
    Ok(())
}

fn check_passes(
    db: &Database,
    expr: &sqlparser::ast::Expr,
    cols: &[ScopeColumn],
    row: &[Value],
    host: &dyn Host,
) -> PgResult<bool> {
    let ctx = EvalCtx {
        host,
        db,
        subqueries: None,
    };
    let scope = Scope {
        columns: cols,
        row,
        outer: None,
    };
    Ok(!matches!(eval(expr, &scope, &ctx)?, Value::Bool(false)))
}

/// NOT NULL and CHECK for each row, in order: the first failure is reported, with its row.
// The error is returned, not boxed: failures are rare and callers destructure the pair.
#[allow(clippy::result_large_err)]
pub fn check_rows(
    db: &Database,
    def: &TableDef,
    rows: &[Vec<Value>],
    host: &dyn Host,
) -> Result<(), (usize, PgError)> {
    let has_checks = def
        .constraints
        .iter()
        .any(|c| matches!(c.kind, ConstraintKind::Check(_)));
    let cols = if has_checks {
        scope_columns(def, &def.name)
    } else {
        Vec::new()
    };
    for (n, row) in rows.iter().enumerate() {
        check_not_null(def, row).map_err(|e| (n, e))?;
        if has_checks {
            check_checks(db, def, &cols, row, host).map_err(|e| (n, e))?;
        }
    }
    Ok(())
}

/// For each column of the referenced index, the position in `def`'s rows of the referencing
/// column that matches it (`usize::MAX`, never a column, when there is none).
pub(crate) fn referencing_positions(
    def: &TableDef,
    columns: &[String],
    ref_columns: &[String],
    index_columns: &[String],
) -> Vec<usize> {
    index_columns
        .iter()
        .map(|ic| {
            let j = ref_columns.iter().position(|r| r == ic).unwrap_or(0);
            columns
                .get(j)
                .and_then(|c| def.column_index(c))
                .unwrap_or(usize::MAX)
        })
        .collect()
}

/// Checks that every row's foreign-key values exist in the referenced tables. Rows of the same
/// statement count for a self-referencing key. `only` limits the check to some rows (UPDATE
/// checks rows whose key changed).
pub fn check_foreign_keys(
    db: &Database,
    def: &TableDef,
    rows: &[Vec<Value>],
    only: Option<&[bool]>,
) -> PgResult<()> {
    for c in &def.constraints {
        let ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } = &c.kind
        else {
            continue;
        };
        let Some(index) = db.storage.unique_index_on(ref_table, ref_columns) else {
            return Err(PgError::internal(format!(
                "no unique index on \"{ref_table}\" for foreign key \"{}\"",
                c.name
            )));
        };
        let positions = referencing_positions(def, columns, ref_columns, &index.column_names);
        let own: HashSet<IndexKey> = if *ref_table == def.name {
            let ref_pos: Vec<usize> = index
                .column_names
                .iter()
                .map(|c| def.column_index(c).unwrap_or(usize::MAX))
                .collect();
            rows.iter()
                .filter_map(|r| IndexKey::of(r, &ref_pos))
                .collect()
        } else {
            HashSet::new()
        };
        for (n, row) in rows.iter().enumerate() {
            if only.is_some_and(|o| !o.get(n).copied().unwrap_or(true)) {
                continue;
            }
            let Some(key) = IndexKey::of(row, &positions) else {
                continue;
            };
            if !own.contains(&key) && !db.storage.contains_key(ref_table, ref_columns, &key)? {
                let vals = columns
                    .iter()
                    .map(|c| def.column_index(c).and_then(|i| row.get(i)));
                return Err(PgError::new(
                    "23503",
                    format!(
                        "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                        def.name, c.name
                    ),
                )
                .with_detail(format!(
                    "{} is not present in table \"{ref_table}\".",
                    describe_key(columns, vals)
                )));
            }
        }
    }
    Ok(())
}

/// What ALTER TABLE ... ADD CONSTRAINT verifies on existing rows.
pub enum ExistingCheck {
    /// PRIMARY KEY columns must hold no NULLs.
    NotNull(Vec<String>),
    /// The named CHECK constraint of the new definition.
    Check(String),
    /// The named FOREIGN KEY constraint of the new definition.
    ForeignKey(String),
}

/// Verifies existing rows of `def.name` satisfy a constraint of the (new) definition `def`.
pub fn validate_existing(
    db: &Database,
    def: &TableDef,
    check: &ExistingCheck,
    host: &dyn Host,
) -> PgResult<()> {
    let rows = db.storage.scan(&def.name)?;
    match check {
        ExistingCheck::NotNull(cols) => {
            for c in cols {
                let pos = def.column_index(c);
                if rows
                    .iter()
                    .any(|r| pos.and_then(|p| r.get(p)).is_none_or(Value::is_null))
                {
                    return Err(PgError::new(
                        "23502",
                        format!(
                            "column \"{c}\" of relation \"{}\" contains null values",
                            def.name
                        ),
                    ));
                }
            }
            Ok(())
        }
        ExistingCheck::Check(name) => {
            let Some(ConstraintKind::Check(expr)) = def
                .constraints
                .iter()
                .find(|c| &c.name == name)
                .map(|c| &c.kind)
            else {
                return Ok(());
            };
            let cols = scope_columns(def, &def.name);
            for row in &rows {
                if !check_passes(db, expr, &cols, row, host)? {
                    return Err(PgError::new(
                        "23514",
                        format!(
                            "check constraint \"{name}\" of relation \"{}\" is violated by some row",
                            def.name
                        ),
                    ));
                }
            }
            Ok(())
        }
        ExistingCheck::ForeignKey(name) => {
            let mut only_fk = def.clone();
            only_fk.constraints.retain(|c| &c.name == name);
            check_foreign_keys(db, &only_fk, &rows, None)
        }
    }
}
