//! CREATE TABLE ... PARTITION BY / PARTITION OF, ALTER TABLE ... ATTACH / DETACH PARTITION on
//! one node, with PostgreSQL's checks: bounds fit the parent's key, never overlap a sibling,
//! and rows already stored (in the attached table or the DEFAULT partition) stay where their
//! bound says.

use super::bound::{marker, parse_bound};
use super::{holds, partitions, row_key, Bound, PartitionKey, PartitionOf, Strategy};
use crate::error::{PgError, PgResult};
use crate::sql::eval::resolve::ident_name;
use crate::sql::schema::TableDef;
use crate::sql::Database;
use crate::types::Value;
use sqlparser::ast::{CreateTable, DataType, Expr, FunctionArguments};
use std::cmp::Ordering;

/// Applies a CREATE TABLE's `PARTITION BY` (a key, or the bound of `PARTITION OF`) to the
/// definition being built.
pub fn apply_create(db: &Database, ct: &CreateTable, def: &mut TableDef) -> PgResult<()> {
    let Some(spec) = ct.partition_by.as_deref() else {
        return Ok(());
    };
    if marker(spec).is_some() {
        let parent_name = partition_parent(ct)
            .ok_or_else(|| PgError::syntax("syntax error at or near \"PARTITION\""))?;
        let parent = db
            .table(&parent_name)
            .ok_or_else(|| PgError::undefined_table(&parent_name))?;
        if !parent.is_partitioned() {
            return Err(PgError::new(
                "42809",
                format!("\"{parent_name}\" is not partitioned"),
            ));
        }
        let bound = parse_bound(db, parent, spec)?;
        check_new_bound(db, parent, &def.name, &bound)?;
        def.partition_of = Some(PartitionOf {
            parent: parent_name,
            bound,
        });
        return Ok(());
    }
    def.partition_key = Some(partition_key(def, spec)?);
    check_unique_keys(def)?;
    Ok(())
}

/// The parent named by the LIKE `PARTITION OF` was rewritten into.
fn partition_parent(ct: &CreateTable) -> Option<String> {
    ct.columns.iter().find_map(|c| {
        crate::sql::ddl::like::like_options(&c.name)?;
        match &c.data_type {
            DataType::Custom(n, _) => Some(crate::sql::ddl::names::object_name(n)),
            _ => None,
        }
    })
}

/// `RANGE (a, b)` / `LIST (a)` / `HASH (a)` as parsed (a call of the strategy's name).
fn partition_key(def: &TableDef, spec: &Expr) -> PgResult<PartitionKey> {
    let Expr::Function(f) = spec else {
        return Err(PgError::syntax("syntax error at or near \"PARTITION\""));
    };
    let name = f.name.0.last().map(ident_name).unwrap_or_default();
    let strategy = match name.as_str() {
        "range" => Strategy::Range,
        "list" => Strategy::List,
        "hash" => Strategy::Hash,
        other => {
            return Err(PgError::new(
                "22023",
                format!("unrecognized partitioning strategy \"{other}\""),
            ))
        }
    };
    let FunctionArguments::List(list) = &f.args else {
        return Err(PgError::syntax("syntax error at or near \")\""));
    };
    let mut columns = Vec::new();
    for e in crate::sql::eval::arg_exprs(&list.args) {
        let column = match e {
            Expr::Identifier(id) => ident_name(id),
            Expr::Nested(inner) => match inner.as_ref() {
                Expr::Identifier(id) => ident_name(id),
                _ => return Err(expression_key()),
            },
            _ => return Err(expression_key()),
        };
        if def.column(&column).is_none() {
            return Err(PgError::new(
                "42703",
                format!("column \"{column}\" named in partition key does not exist"),
            ));
        }
        columns.push(column);
    }
    if columns.is_empty() {
        return Err(PgError::syntax("syntax error at or near \")\""));
    }
    if strategy == Strategy::List && columns.len() > 1 {
        return Err(PgError::new(
            "42P17",
            "cannot use \"list\" partition strategy with more than one column",
        ));
    }
    Ok(PartitionKey { strategy, columns })
}

fn expression_key() -> PgError {
    PgError::unsupported("partition keys on expressions are not supported in ShardScope")
}

/// A partitioned table's PRIMARY KEY and UNIQUE constraints must include every key column
/// (each partition enforces them on its own rows only).
fn check_unique_keys(def: &TableDef) -> PgResult<()> {
    let Some(key) = &def.partition_key else {
        return Ok(());
    };
    for c in &def.constraints {
        let (kind, cols) = match &c.kind {
            crate::sql::ConstraintKind::PrimaryKey(cols) => ("PRIMARY KEY", cols),
            crate::sql::ConstraintKind::Unique(cols) => ("UNIQUE", cols),
            _ => continue,
        };
        if let Some(missing) = key.columns.iter().find(|k| !cols.contains(k)) {
            return Err(PgError::new(
                "0A000",
                "unique constraint on partitioned table must include all partitioning columns",
            )
            .with_detail(format!(
                "{kind} constraint on table \"{}\" lacks column \"{missing}\" which is part of the partition key.",
                def.name
            )));
        }
    }
    Ok(())
}

/// A new partition's bound must not overlap a sibling's, and rows in the DEFAULT partition
/// must not belong to it.
pub fn check_new_bound(
    db: &Database,
    parent: &TableDef,
    name: &str,
    bound: &Bound,
) -> PgResult<()> {
    let overlap = |other: &str| {
        PgError::new(
            "42P17",
            format!("partition \"{name}\" would overlap partition \"{other}\""),
        )
    };
    let siblings = partitions(db, &parent.name);
    for s in &siblings {
        let Some(of) = &s.partition_of else { continue };
        match (bound, &of.bound) {
            (Bound::Default, Bound::Default) => {
                return Err(PgError::new(
                    "42P17",
                    format!(
                        "partition \"{name}\" conflicts with existing default partition \"{}\"",
                        s.name
                    ),
                ))
            }
            (Bound::List(new), Bound::List(old)) if new.iter().any(|v| old.contains(v)) => {
                return Err(overlap(&s.name));
            }
            (Bound::Range { from, to }, Bound::Range { from: f2, to: t2 })
                if super::range_cmp(from, t2) == Ordering::Less
                    && super::range_cmp(f2, to) == Ordering::Less =>
            {
                return Err(overlap(&s.name));
            }
            (
                Bound::Hash { modulus, remainder },
                Bound::Hash {
                    modulus: m2,
                    remainder: r2,
                },
            ) => {
                let (small, large) = if modulus <= m2 {
                    (*modulus, *m2)
                } else {
                    (*m2, *modulus)
                };
                if small == 0 || large % small != 0 {
                    return Err(PgError::new(
                        "42P17",
                        "every hash partition modulus must be a factor of the next larger modulus",
                    ));
                }
                if remainder % small == r2 % small {
                    return Err(overlap(&s.name));
                }
            }
            _ => {}
        }
    }
    if let Bound::Range { from, to } = bound {
        if super::range_cmp(from, to) != Ordering::Less {
            let text = super::bound_sql(bound, &parent.partition_key_types());
            let (lo, hi) = text
                .strip_prefix("FOR VALUES FROM ")
                .and_then(|t| t.split_once(" TO "))
                .unwrap_or(("", ""));
            return Err(PgError::new(
                "42P17",
                format!("empty range bound specified for partition \"{name}\""),
            )
            .with_detail(format!(
                "Specified lower bound {lo} is greater than or equal to upper bound {hi}."
            )));
        }
    }
    if !matches!(bound, Bound::Default) {
        if let Some(default) = siblings.iter().find(|s| {
            matches!(
                s.partition_of,
                Some(PartitionOf {
                    bound: Bound::Default,
                    ..
                })
            )
        }) {
            let key = parent.partition_key.as_ref();
            for leaf in super::leaves(db, &default.name) {
                let Some(leaf_def) = db.table(&leaf) else {
                    continue;
                };
                for row in db.storage.scan(&leaf)? {
                    let fits = match key {
                        Some(k) => holds(bound, &row_key(leaf_def, k, &row))?,
                        None => false,
                    };
                    if fits {
                        return Err(PgError::new(
                            "23514",
                            format!(
                                "updated partition constraint for default partition \"{}\" would be violated by some row",
                                default.name
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `ALTER TABLE parent ATTACH PARTITION child bound`.
pub fn attach(db: &mut Database, parent_name: &str, child: &str, bound: &Expr) -> PgResult<()> {
    let parent = db
        .table(parent_name)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(parent_name))?;
    if !parent.is_partitioned() {
        return Err(PgError::new(
            "42809",
            format!("table \"{parent_name}\" is not partitioned"),
        ));
    }
    let mut def = db
        .table(child)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(child))?;
    if def.partition_of.is_some() {
        return Err(PgError::new(
            "42P17",
            format!("\"{child}\" is already a partition"),
        ));
    }
    for c in &def.columns {
        match parent.column(&c.name) {
            None => {
                return Err(PgError::new(
                    "42804",
                    format!(
                        "table \"{child}\" contains column \"{}\" not found in parent \"{parent_name}\"",
                        c.name
                    ),
                )
                .with_detail("The new partition may contain only the columns present in parent."))
            }
            Some(p) if p.ty.oid() != c.ty.oid() => {
                return Err(PgError::new(
                    "42804",
                    format!(
                        "child table \"{child}\" has different type for column \"{}\"",
                        c.name
                    ),
                ))
            }
            _ => {}
        }
    }
    if let Some(missing) = parent
        .columns
        .iter()
        .find(|p| def.column(&p.name).is_none())
    {
        return Err(PgError::new(
            "42804",
            format!("child table is missing column \"{}\"", missing.name),
        ));
    }
    let bound = parse_bound(db, &parent, bound)?;
    check_new_bound(db, &parent, child, &bound)?;
    if let Some(key) = &parent.partition_key {
        for leaf in super::leaves(db, child) {
            let Some(leaf_def) = db.table(&leaf) else {
                continue;
            };
            for row in db.storage.scan(&leaf)? {
                let values = row_key(leaf_def, key, &row);
                let fits = match &bound {
                    Bound::Default => !sibling_holds(db, &parent.name, &values)?,
                    b => holds(b, &values)?,
                };
                if !fits {
                    return Err(PgError::new(
                        "23514",
                        format!(
                            "partition constraint of relation \"{leaf}\" is violated by some row"
                        ),
                    ));
                }
            }
        }
    }
    def.partition_of = Some(PartitionOf {
        parent: parent_name.to_string(),
        bound,
    });
    db.storage.set_def(def)
}

fn sibling_holds(
    db: &Database,
    parent: &str,
    values: &[(Value, crate::types::SqlType)],
) -> PgResult<bool> {
    for p in partitions(db, parent) {
        if let Some(of) = &p.partition_of {
            if holds(&of.bound, values)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// `ALTER TABLE parent DETACH PARTITION child`: the partition becomes a table of its own.
pub fn detach(db: &mut Database, parent_name: &str, child: &str) -> PgResult<()> {
    let mut def = db
        .table(child)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(child))?;
    if def.partition_of.as_ref().map(|p| p.parent.as_str()) != Some(parent_name) {
        return Err(PgError::new(
            "42P01",
            format!("relation \"{child}\" is not a partition of relation \"{parent_name}\""),
        ));
    }
    def.partition_of = None;
    db.storage.set_def(def)
}
