//! Reading a stored table for a FROM item: a partitioned table's rows come from its partitions
//! in bound order (PostgreSQL's Append), and when the block names `tableoid` each row carries
//! the relation it was read from as a hidden column (so `*` leaves it out).

use super::Rel;
use crate::error::PgResult;
use crate::sql::eval::ScopeColumn;
use crate::sql::partition;
use crate::sql::Database;
use crate::types::{SqlType, Value};

/// Whether reading `name` needs more than one plain scan.
pub fn special(db: &Database, name: &str, tableoid: bool) -> bool {
    tableoid || db.table(name).is_some_and(|d| d.is_partitioned())
}

/// Fills `rel` (already shaped with the table's columns) with the rows of `name`'s leaves,
/// converting only `needed` columns when given, adding `tableoid` when asked.
pub fn read(
    db: &Database,
    name: &str,
    rel: &mut Rel,
    needed: Option<&[bool]>,
    tableoid: bool,
) -> PgResult<()> {
    let mut rows = Vec::new();
    for leaf in partition::leaves(db, name) {
        let part = match needed {
            Some(n) => db.storage.scan_columns(&leaf, n)?,
            None => db.storage.scan(&leaf)?,
        };
        if tableoid {
            let width = rel.columns.len();
            rows.extend(part.into_iter().map(|mut r| {
                // A scan that converted nothing yields empty rows: pad to the table's width.
                r.resize(width, Value::Null);
                r.push(Value::Text(crate::sql::cast::regclass::regclass_text(
                    &leaf,
                )));
                r
            }));
        } else {
            rows.extend(part);
        }
    }
    if tableoid {
        let qualifier = rel.columns.first().and_then(|c| c.qualifier.clone());
        rel.columns.push(ScopeColumn {
            qualifier,
            name: "tableoid".into(),
            ty: SqlType::Regclass,
        });
        rel.hidden.push(true);
    }
    rel.rows = rows;
    Ok(())
}
