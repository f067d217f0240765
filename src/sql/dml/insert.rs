//! INSERT: rows from VALUES, a query or DEFAULT VALUES, completed with column defaults and
//! coerced to the column types, then checked and stored as one unit.

use super::constraints::{check_foreign_keys, check_rows};
use super::literal_insert::LiteralInsert;
use crate::error::{PgError, PgResult};
use crate::sql::cast::coerce_for_column;
use crate::sql::ddl::names::{ident, object_name};
use crate::sql::eval::{eval, EvalCtx, Scope};
use crate::sql::schema::TableDef;
use crate::sql::select::run_query;
use crate::sql::select::Executor;
use crate::sql::{Database, Host, PlainHost, ResultSet};
use crate::types::Value;
use sqlparser::ast::{Expr, Ident, Insert, OnInsert, SetExpr};

/// `DEFAULT` written in VALUES or SET.
pub fn is_default_keyword(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

/// Positions of the target columns (all columns when none are listed).
pub fn target_columns(def: &TableDef, cols: &[sqlparser::ast::Ident]) -> PgResult<Vec<usize>> {
    if cols.is_empty() {
        return Ok((0..def.columns.len()).collect());
    }
    let mut out = Vec::with_capacity(cols.len());
    for c in cols {
        let name = ident(c);
        let Some(pos) = def.column_index(&name) else {
            return Err(PgError::new(
                "42703",
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    def.name
                ),
            ));
        };
        if out.contains(&pos) {
            return Err(PgError::new(
                "42701",
                format!("column \"{name}\" specified more than once"),
            ));
        }
        out.push(pos);
    }
    Ok(out)
}

/// The value of column `pos`'s DEFAULT (NULL without one), coerced to its type.
pub fn default_value(def: &TableDef, pos: usize, ctx: &EvalCtx) -> PgResult<Value> {
    let Some(col) = def.columns.get(pos) else {
        return Ok(Value::Null);
    };
    match &col.default {
        Some(e) => coerce_for_column(eval(e, &Scope::EMPTY, ctx)?, &col.ty),
        None => Ok(Value::Null),
    }
}

/// Evaluates an INSERT's source and fills defaults: full rows in column order, coerced to the
/// column types, not stored. `nextval()` and `now()` defaults are evaluated here, once per row.
pub fn build_insert_rows(
    db: &Database,
    insert: &Insert,
    host: &dyn Host,
) -> PgResult<(String, Vec<Vec<Value>>)> {
    let table = object_name(&insert.table_name);
    let def = db
        .table(&table)
        .ok_or_else(|| PgError::undefined_table(&table))?;
    let width = def.columns.len();
    // Subqueries in expressions run through the SELECT executor.
    let executor = Executor::new(db, host);
    let ctx = executor.ctx();
    let Some(source) = &insert.source else {
        // DEFAULT VALUES: every column takes its default.
        return Ok((table.clone(), vec![default_row(def, &ctx)?]));
    };
    let values = match source.body.as_ref() {
        SetExpr::Values(v)
            if source.order_by.is_none() && source.limit.is_none() && source.with.is_none() =>
        {
            Some(v)
        }
        _ => None,
    };
    let queried = match values {
        Some(_) => None,
        None => Some(run_query(db, source, host)?),
    };
    let source_width = match (values, &queried) {
        (Some(v), _) => {
            let n = v.rows.first().map_or(0, Vec::len);
            if v.rows.iter().any(|r| r.len() != n) {
                return Err(PgError::syntax("VALUES lists must all be the same length"));
            }
            n
        }
        (None, Some(rs)) => rs.columns.len(),
        (None, None) => 0,
    };
    let layout = Layout::new(def, &insert.columns, source_width)?;
    let targets = &layout.targets;
    let complete = |row: Vec<Value>| layout.complete(def, row, &ctx);
    let mut rows = Vec::new();
    if let Some(values) = values {
        rows.reserve(values.rows.len());
        for exprs in &values.rows {
            let mut row = vec![Value::Null; width];
            for (e, &p) in exprs.iter().zip(targets) {
                let v = if is_default_keyword(e) {
                    default_value(def, p, &ctx)?
                } else {
                    let v = eval(e, &Scope::EMPTY, &ctx)?;
                    match def.columns.get(p) {
                        Some(col) => coerce_for_column(v, &col.ty)?,
                        None => v,
                    }
                };
                if let Some(slot) = row.get_mut(p) {
                    *slot = v;
                }
            }
            rows.push(complete(row)?);
        }
    } else if let Some(rs) = queried {
        rows.reserve(rs.rows.len());
        for src in rs.rows {
            let mut row = vec![Value::Null; width];
            for (v, &p) in src.into_iter().zip(targets) {
                if let (Some(slot), Some(col)) = (row.get_mut(p), def.columns.get(p)) {
                    *slot = coerce_for_column(v, &col.ty)?;
                }
            }
            rows.push(complete(row)?);
        }
    }
    Ok((table, rows))
}

/// The full row one `INSERT [(columns)] VALUES (exprs)` stores, its values evaluated in
/// `scope` (a MERGE's source row), the rest completed with defaults.
pub fn row_from_exprs(
    def: &TableDef,
    columns: &[Ident],
    exprs: &[Expr],
    scope: &Scope,
    ctx: &EvalCtx,
) -> PgResult<Vec<Value>> {
    let layout = Layout::new(def, columns, exprs.len())?;
    let mut row = vec![Value::Null; layout.width];
    for (e, &p) in exprs.iter().zip(&layout.targets) {
        let v = if is_default_keyword(e) {
            default_value(def, p, ctx)?
        } else {
            let v = eval(e, scope, ctx)?;
            match def.columns.get(p) {
                Some(col) => coerce_for_column(v, &col.ty)?,
                None => v,
            }
        };
        if let Some(slot) = row.get_mut(p) {
            *slot = v;
        }
    }
    layout.complete(def, row, ctx)
}

/// Fails as PostgreSQL does when `exprs` values do not fit `columns` (all columns when empty).
pub fn check_insert_shape(def: &TableDef, columns: &[Ident], exprs: usize) -> PgResult<()> {
    Layout::new(def, columns, exprs).map(|_| ())
}

/// The row `INSERT DEFAULT VALUES` stores.
pub fn default_row(def: &TableDef, ctx: &EvalCtx) -> PgResult<Vec<Value>> {
    (0..def.columns.len())
        .map(|p| default_value(def, p, ctx))
        .collect()
}

/// Where each source value of an INSERT goes, and which columns take their defaults.
struct Layout {
    width: usize,
    targets: Vec<usize>,
    missing: Vec<usize>,
}

impl Layout {
    fn new(def: &TableDef, columns: &[Ident], source_width: usize) -> PgResult<Layout> {
        let width = def.columns.len();
        // Without a column list the values go to the first columns in order.
        let targets = if columns.is_empty() {
            if source_width > width {
                return Err(PgError::syntax(
                    "INSERT has more expressions than target columns",
                ));
            }
            (0..source_width).collect()
        } else {
            let t = target_columns(def, columns)?;
            arity(source_width, t.len())?;
            t
        };
        let missing = (0..width).filter(|p| !targets.contains(p)).collect();
        Ok(Layout {
            width,
            targets,
            missing,
        })
    }

    /// Fills the columns not listed with their defaults.
    fn complete(&self, def: &TableDef, mut row: Vec<Value>, ctx: &EvalCtx) -> PgResult<Vec<Value>> {
        for &p in &self.missing {
            if let Some(slot) = row.get_mut(p) {
                *slot = default_value(def, p, ctx)?;
            }
        }
        Ok(row)
    }
}

/// `build_insert_rows` for a literal-only INSERT read by the bulk-load scanner.
pub fn build_literal_rows(
    db: &Database,
    insert: LiteralInsert,
    host: &dyn Host,
) -> PgResult<Vec<Vec<Value>>> {
    let def = db
        .table(&insert.table)
        .ok_or_else(|| PgError::undefined_table(&insert.table))?;
    let source_width = insert.rows.first().map_or(0, Vec::len);
    if insert.rows.iter().any(|r| r.len() != source_width) {
        return Err(PgError::syntax("VALUES lists must all be the same length"));
    }
    let columns: Vec<Ident> = insert
        .columns
        .iter()
        .map(|c| Ident::with_quote('"', c.as_str()))
        .collect();
    let layout = Layout::new(def, &columns, source_width)?;
    let executor = Executor::new(db, host);
    let ctx = executor.ctx();
    // Values given for every column in table order are coerced where they stand.
    let in_place =
        layout.missing.is_empty() && layout.targets.iter().enumerate().all(|(i, &p)| i == p);
    let mut defaults = insert.defaults.into_iter().peekable();
    let mut rows = Vec::with_capacity(insert.rows.len());
    for (n, values) in insert.rows.into_iter().enumerate() {
        let mut row = if in_place {
            values
        } else {
            let mut row = vec![Value::Null; layout.width];
            for (v, &p) in values.into_iter().zip(&layout.targets) {
                if let Some(slot) = row.get_mut(p) {
                    *slot = v;
                }
            }
            row
        };
        for &p in &layout.targets {
            if let (Some(v), Some(col)) = (row.get_mut(p), def.columns.get(p)) {
                *v = coerce_for_column(std::mem::replace(v, Value::Null), &col.ty)?;
            }
        }
        while let Some((_, i)) = defaults.next_if(|&(r, _)| r == n) {
            if let Some(&p) = layout.targets.get(i) {
                let v = default_value(def, p, &ctx)?;
                if let Some(slot) = row.get_mut(p) {
                    *slot = v;
                }
            }
        }
        rows.push(layout.complete(def, row, &ctx)?);
    }
    Ok(rows)
}

fn arity(exprs: usize, targets: usize) -> PgResult<()> {
    if exprs > targets {
        Err(PgError::syntax(
            "INSERT has more expressions than target columns",
        ))
    } else if exprs < targets {
        Err(PgError::syntax(
            "INSERT has more target columns than expressions",
        ))
    } else {
        Ok(())
    }
}

/// Fails with a lock wait if storing `rows` in `table` would have to wait for another open
/// transaction: a key it holds, or a referenced row it deleted. Nothing is changed.
pub fn insert_lock_check(db: &Database, table: &str, rows: &[Vec<Value>]) -> PgResult<()> {
    db.storage.check_key_locks(table, rows)?;
    let Some(def) = db.table(table) else {
        return Ok(());
    };
    for c in &def.constraints {
        let crate::sql::ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } = &c.kind
        else {
            continue;
        };
        let Some(index) = db.storage.unique_index_on(ref_table, ref_columns) else {
            continue;
        };
        let positions = super::constraints::referencing_positions(
            def,
            columns,
            ref_columns,
            &index.column_names,
        );
        for row in rows {
            if let Some(key) = crate::sql::storage::IndexKey::of(row, &positions) {
                db.storage.contains_key(ref_table, ref_columns, &key)?;
            }
        }
    }
    Ok(())
}

/// Checks every constraint and stores the rows atomically (the workers' fast path for rows the
/// coordinator routed to one shard). CHECK expressions see a clock at the epoch; use
/// `insert_rows_with` to supply the node's host.
pub fn insert_rows(db: &mut Database, table: &str, rows: Vec<Vec<Value>>) -> PgResult<usize> {
    let host = PlainHost {
        now: chrono::NaiveDateTime::default(),
    };
    insert_rows_with(db, table, rows, &host)
}

/// `insert_rows` with the host CHECK expressions are evaluated with.
pub fn insert_rows_with(
    db: &mut Database,
    table: &str,
    mut rows: Vec<Vec<Value>>,
    host: &dyn Host,
) -> PgResult<usize> {
    let def = db
        .table(table)
        .ok_or_else(|| PgError::undefined_table(table))?;
    for row in &mut rows {
        if row.len() != def.columns.len() {
            return Err(PgError::syntax(
                "INSERT has more expressions than target columns",
            ));
        }
        for (v, c) in row.iter_mut().zip(&def.columns) {
            *v = coerce_for_column(std::mem::replace(v, Value::Null), &c.ty)?;
        }
    }
    store_rows(db, table, rows, host)
}

/// Checks and stores rows already coerced to the column types.
fn store_rows(
    db: &mut Database,
    table: &str,
    coerced: Vec<Vec<Value>>,
    host: &dyn Host,
) -> PgResult<usize> {
    let def = db
        .table(table)
        .ok_or_else(|| PgError::undefined_table(table))?;
    if def.is_partitioned() {
        return store_routed(db, def.clone(), coerced, host);
    }
    for row in &coerced {
        crate::sql::partition::check_partition_constraint(db, def, row)?;
    }
    // On failure: the error, and the rows a duplicate key would have failed first in.
    let failed = match check_rows(db, def, &coerced, host) {
        Err((n, e)) => Some((coerced.get(..n).unwrap_or(&[]), e)),
        // Unique indexes are checked as rows are stored, foreign keys at the end.
        Ok(()) => check_foreign_keys(db, def, &coerced, None)
            .err()
            .map(|e| (&coerced[..], e)),
    };
    if let Some((before, e)) = failed {
        db.storage.check_unique(table, before)?;
        return Err(e);
    }
    db.storage.insert(table, coerced)
}

/// Rows for a partitioned table go to the partitions their keys belong to (all are routed
/// before any is stored, so a row no partition takes stores nothing).
fn store_routed(
    db: &mut Database,
    parent: crate::sql::TableDef,
    rows: Vec<Vec<Value>>,
    host: &dyn Host,
) -> PgResult<usize> {
    let mut n = 0;
    for (leaf, rows) in route_rows(db, &parent, rows)? {
        n += store_rows(db, &leaf, rows, host)?;
    }
    Ok(n)
}

/// Groups a partitioned table's rows by the partition each belongs to, in the partition's
/// column order (an attached table may order the parent's columns differently).
fn route_rows(
    db: &Database,
    parent: &crate::sql::TableDef,
    rows: Vec<Vec<Value>>,
) -> PgResult<Vec<(String, Vec<Vec<Value>>)>> {
    let mut groups: Vec<(String, Vec<Vec<Value>>)> = Vec::new();
    for row in rows {
        let leaf = crate::sql::partition::route(db, parent, &row)?;
        let leaf_def = db
            .table(&leaf)
            .ok_or_else(|| PgError::undefined_table(&leaf))?;
        let same_order = leaf_def
            .columns
            .iter()
            .map(|c| &c.name)
            .eq(parent.columns.iter().map(|c| &c.name));
        let row = if same_order {
            row
        } else {
            leaf_def
                .columns
                .iter()
                .map(|c| {
                    parent
                        .column_index(&c.name)
                        .and_then(|i| row.get(i).cloned())
                        .unwrap_or(Value::Null)
                })
                .collect()
        };
        match groups.iter_mut().find(|(l, _)| *l == leaf) {
            Some((_, g)) => g.push(row),
            None => groups.push((leaf, vec![row])),
        }
    }
    Ok(groups)
}

/// Runs an INSERT: the number of rows inserted (or updated by ON CONFLICT DO UPDATE), and the
/// rows of its RETURNING list.
pub fn execute_insert(
    db: &mut Database,
    insert: &Insert,
    host: &dyn Host,
) -> PgResult<(usize, Option<ResultSet>)> {
    let (table, rows) = build_insert_rows(db, insert, host)?;
    let (count, stored) = match &insert.on {
        None => {
            // build_insert_rows already coerced every value.
            let kept = insert.returning.as_ref().map(|_| rows.clone());
            let n = store_rows(db, &table, rows, host)?;
            (n, kept.unwrap_or_default())
        }
        Some(OnInsert::OnConflict(oc)) => {
            let def = db
                .table(&table)
                .cloned()
                .ok_or_else(|| PgError::undefined_table(&table))?;
            let alias = insert.table_alias.as_ref();
            let changed = if def.is_partitioned() {
                // Each partition's own unique indexes arbitrate; its rows answer to the
                // parent's name.
                let parent_name = Ident::new(def.name.clone());
                let alias = alias.or(Some(&parent_name));
                let mut changed = Vec::new();
                for (leaf, rows) in route_rows(db, &def, rows)? {
                    let leaf_def = db
                        .table(&leaf)
                        .cloned()
                        .ok_or_else(|| PgError::undefined_table(&leaf))?;
                    changed.extend(super::upsert::upsert(db, &leaf_def, alias, oc, rows, host)?);
                }
                changed
            } else {
                super::upsert::upsert(db, &def, alias, oc, rows, host)?
            };
            (changed.len(), changed)
        }
        Some(_) => return Err(PgError::syntax("syntax error at or near \"ON\"")),
    };
    let Some(items) = &insert.returning else {
        return Ok((count, None));
    };
    let def = db
        .table(&table)
        .ok_or_else(|| PgError::undefined_table(&table))?;
    let qual = super::returning::qualifier(&table, insert.table_alias.as_ref());
    let cols = super::constraints::scope_columns(def, &qual);
    let executor = Executor::new(db, host);
    let rs = super::returning::project(&executor, items, &cols, &stored)?;
    Ok((stored.len(), Some(rs)))
}
