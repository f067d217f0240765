//! A block reading one plain stored table (a shard, on a worker) streams its rows instead of
//! building them all first: each stored row is converted into one reused buffer, WHERE is
//! tested there, and only rows that are kept are copied out. Grouping folds the buffer
//! straight into its groups, `LIMIT` stops the scan early, and `ORDER BY ... LIMIT n` keeps
//! only the rows that can still be among the first n.

use super::from::relation_name;
use super::used::UsedNames;
use super::{Executor, Rel};
use crate::error::PgResult;
use crate::sql::eval::compiled::Compiled;
use crate::sql::eval::lane::{cmp_int_keys, IntExpr, IntPred};
use crate::sql::eval::{is_true, EvalCtx, Scope, ScopeColumn};
use crate::sql::storage::{from_glue, StoredRowIter};
use crate::types::Value;
use gluesql::core::data::Value as GValue;
use sqlparser::ast::{Expr, OrderByExpr, Select, TableFactor};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The rows of the block's one stored table, read on demand, with the WHERE clause.
pub(super) struct StoredScan<'s> {
    rows: Rows<'s>,
    needed: Vec<bool>,
    filter: Option<&'s Expr>,
}

/// A row handed over by `StoredScan::for_each_stored`.
pub(super) enum ScanRow<'r> {
    /// A stored row that passed WHERE in the integer lane (or there is no WHERE); nothing of
    /// it converted yet.
    Stored(&'r [GValue]),
    /// A row with the block's columns converted, and the stored row it came from (empty for
    /// a scan that reads no column).
    Converted(&'r [Value], &'r [GValue]),
}

enum Rows<'s> {
    Stored(StoredRowIter<'s>),
    /// A block that reads no column and has no WHERE (`count(*)`) needs only how many rows
    /// the transaction sees.
    Count(usize),
}

/// The block's relation shape (columns, no rows) and its scan, when FROM is one stored table
/// that this transaction sees as stored (no CTE of that name, not partitioned, no
/// `tableoid`, no whole-row reference).
pub(super) fn stored_scan<'s>(
    exec: &Executor<'s>,
    sel: &'s Select,
    used: &UsedNames,
) -> PgResult<Option<(Rel, StoredScan<'s>)>> {
    let [twj] = sel.from.as_slice() else {
        return Ok(None);
    };
    let TableFactor::Table {
        name,
        alias,
        args: None,
        ..
    } = &twj.relation
    else {
        return Ok(None);
    };
    if !twj.joins.is_empty() {
        return Ok(None);
    }
    let name = relation_name(name);
    if super::partitioned::special(exec.db, &name, used.tableoid()) {
        return Ok(None);
    }
    let Some(rel) = super::from::stored_shape(exec, &name, alias.as_ref()).transpose()? else {
        return Ok(None);
    };
    let Some(needed) = super::from::needed_columns(&rel, &name, used) else {
        return Ok(None);
    };
    let filter = sel.selection.as_ref();
    let rows = if filter.is_none() && !needed.contains(&true) {
        Rows::Count(exec.db.storage.row_count(&name)?)
    } else {
        match exec.db.storage.stored_row_iter(&name)? {
            Some(rows) => Rows::Stored(rows),
            None => return Ok(None),
        }
    };
    Ok(Some((
        rel,
        StoredScan {
            rows,
            needed,
            filter,
        },
    )))
}

impl StoredScan<'_> {
    /// Calls `f` with each row that passes WHERE, in stored order, until it answers `false`.
    pub fn for_each(
        &self,
        columns: &[ScopeColumn],
        outer: Option<&Scope>,
        ctx: &EvalCtx,
        mut f: impl FnMut(&[Value]) -> PgResult<bool>,
    ) -> PgResult<()> {
        self.walk(&self.needed, false, columns, outer, ctx, |row| match row {
            ScanRow::Converted(row, _) => f(row),
            // Not handed out when conversion is asked for.
            ScanRow::Stored(_) => Ok(true),
        })
    }

    /// Calls `f` with each row that passes WHERE until it answers `false`. A row whose WHERE
    /// the integer lane decided comes unconverted (`ScanRow::Stored`), for a caller that can
    /// read it in the lane too; others come converted.
    pub fn for_each_stored(
        &self,
        columns: &[ScopeColumn],
        outer: Option<&Scope>,
        ctx: &EvalCtx,
        f: impl FnMut(ScanRow) -> PgResult<bool>,
    ) -> PgResult<()> {
        self.walk(&self.needed, true, columns, outer, ctx, f)
    }

    /// The scan itself: converts only the columns marked in `read` (the others stay NULL), and
    /// with `lazy` hands over unconverted the rows whose WHERE the lane decided.
    fn walk(
        &self,
        read: &[bool],
        lazy: bool,
        columns: &[ScopeColumn],
        outer: Option<&Scope>,
        ctx: &EvalCtx,
        mut f: impl FnMut(ScanRow) -> PgResult<bool>,
    ) -> PgResult<()> {
        let rows = match &self.rows {
            Rows::Stored(rows) => rows.clone(),
            Rows::Count(n) => {
                // Empty rows read as NULLs, like the unread columns of any row.
                for _ in 0..*n {
                    crate::sql::deadline::check()?;
                    if !f(ScanRow::Converted(&[], &[]))? {
                        break;
                    }
                }
                return Ok(());
            }
        };
        let filter = self.filter.map(|w| Compiled::new(w, columns));
        let lane_filter = filter.as_ref().and_then(|w| IntPred::new(w, columns));
        let read: Vec<usize> = (0..read.len()).filter(|&i| read[i]).collect();
        // One buffer for every row: only the read positions are ever written.
        let mut row: Vec<Value> = vec![Value::Null; self.needed.len()];
        for stored in rows {
            crate::sql::deadline::check()?;
            let decided = match &lane_filter {
                Some(lane) => match lane.eval(stored) {
                    Some(pass) => {
                        if pass != Some(true) {
                            continue;
                        }
                        true
                    }
                    None => false,
                },
                None => filter.is_none(),
            };
            if decided && lazy {
                if !f(ScanRow::Stored(stored))? {
                    break;
                }
                continue;
            }
            for &c in &read {
                if let Some(slot) = row.get_mut(c) {
                    *slot = stored.get(c).map_or(Value::Null, from_glue);
                }
            }
            if let (false, Some(w)) = (decided, &filter) {
                let scope = Scope {
                    columns,
                    row: &row,
                    outer,
                };
                if !is_true(&w.eval(&scope, ctx)?) {
                    continue;
                }
            }
            if !f(ScanRow::Converted(&row, stored))? {
                break;
            }
        }
        Ok(())
    }

    /// A stored row with the block's columns converted.
    pub fn convert(&self, stored: &[GValue]) -> Vec<Value> {
        self.needed
            .iter()
            .enumerate()
            .map(|(c, &needed)| match stored.get(c) {
                Some(v) if needed => from_glue(v),
                _ => Value::Null,
            })
            .collect()
    }

    /// How many rows the scan yields when it reads nothing of them (`count(*)` with no WHERE),
    /// so an aggregate that only counts rows need not be fed them one by one.
    pub fn bare_count(&self) -> Option<usize> {
        match self.rows {
            Rows::Count(n) => Some(n),
            Rows::Stored(_) => None,
        }
    }

    /// The rows that pass WHERE, at most `limit` of them.
    pub fn collect(
        &self,
        columns: &[ScopeColumn],
        outer: Option<&Scope>,
        ctx: &EvalCtx,
        limit: Option<usize>,
    ) -> PgResult<Vec<Vec<Value>>> {
        let mut rows = Vec::new();
        if limit == Some(0) {
            return Ok(rows);
        }
        self.for_each(columns, outer, ctx, |row| {
            rows.push(row.to_vec());
            Ok(limit.is_none_or(|n| rows.len() < n))
        })?;
        Ok(rows)
    }

    /// The rows that pass WHERE and can be among the first `n` by `keys` under `order`, in
    /// stored order: ties go to the earlier row, as the stable sort that follows keeps them.
    pub fn first_n(
        &self,
        columns: &[ScopeColumn],
        outer: Option<&Scope>,
        ctx: &EvalCtx,
        keys: &[Compiled],
        order: &[OrderByExpr],
        n: usize,
    ) -> PgResult<Vec<Vec<Value>>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut best: BinaryHeap<Candidate> = BinaryHeap::with_capacity(n + 1);
        let mut seq = 0usize;
        let mut key = Vec::with_capacity(keys.len());
        // Only what the keys and WHERE read is converted for every row; the rest of a row
        // only when it joins the first n.
        let mut read = vec![false; self.needed.len()];
        let filter = self.filter.map(|w| Compiled::new(w, columns));
        let narrow = keys
            .iter()
            .chain(filter.iter())
            .all(|k| k.mark_columns(&mut read));
        let read: Vec<bool> = match narrow {
            true => read
                .iter()
                .zip(&self.needed)
                .map(|(r, n)| *r && *n)
                .collect(),
            false => self.needed.clone(),
        };
        // Integer keys are read straight from the stored row and compared as integers with
        // the worst of the first n (its key kept as integers until the heap changes).
        let lane: Option<Vec<IntExpr>> = keys.iter().map(|k| IntExpr::new(k, columns)).collect();
        let mut ints: Vec<Option<i64>> = Vec::with_capacity(keys.len());
        let mut worst_ints: Option<Worst> = None;
        self.walk(&read, lane.is_some(), columns, outer, ctx, |row| {
            seq += 1;
            let converted;
            let (row, stored) = match row {
                ScanRow::Converted(row, stored) => (row, stored),
                ScanRow::Stored(stored) => {
                    let lane = lane.as_deref().unwrap_or_default();
                    ints.clear();
                    ints.extend(lane.iter().map_while(|k| k.eval(stored)));
                    if ints.len() == lane.len() {
                        let worst = worst_ints.get_or_insert_with(|| match best.peek() {
                            Some(w) if best.len() >= n => match int_key(&w.key) {
                                Some(ints) => Worst::Ints(ints),
                                None => Worst::Other,
                            },
                            _ => Worst::NotFull,
                        });
                        let beats_worst = match worst {
                            Worst::NotFull => true,
                            Worst::Ints(worst) => cmp_int_keys(&ints, worst, order).is_lt(),
                            Worst::Other => {
                                let k: Vec<Value> = lane
                                    .iter()
                                    .zip(&ints)
                                    .map(|(l, v)| l.width.value(*v))
                                    .collect();
                                best.peek().is_some_and(|w| {
                                    super::order::cmp_keys(&k, &w.key, order).is_lt()
                                })
                            }
                        };
                        if beats_worst {
                            let key = lane.iter().zip(&ints).map(|(l, v)| l.width.value(*v));
                            offer(
                                &mut best,
                                n,
                                key.collect(),
                                seq,
                                self.convert(stored),
                                order,
                            );
                            worst_ints = None;
                        }
                        return Ok(true);
                    }
                    converted = self.convert(stored);
                    (converted.as_slice(), stored)
                }
            };
            key.clear();
            let scope = Scope {
                columns,
                row,
                outer,
            };
            for k in keys {
                key.push(k.eval(&scope, ctx)?);
            }
            let beats_worst = best.len() < n
                || best.peek().is_some_and(|worst| {
                    super::order::cmp_keys(&key, &worst.key, order) == Ordering::Less
                });
            if beats_worst {
                let row = match stored.is_empty() {
                    true => row.to_vec(),
                    false => self.convert(stored),
                };
                offer(&mut best, n, std::mem::take(&mut key), seq, row, order);
                worst_ints = None;
            }
            Ok(true)
        })?;
        let mut kept = best.into_vec();
        kept.sort_unstable_by_key(|c| c.seq);
        Ok(kept.into_iter().map(|c| c.row).collect())
    }
}

/// The worst of the first n as the integer lane compares with it.
enum Worst {
    /// Fewer than n rows kept: any row is among the first n.
    NotFull,
    Ints(Vec<Option<i64>>),
    /// A key part that is not an integer: compared as values.
    Other,
}

/// Adds a row to the first n, dropping the one that no longer belongs.
fn offer<'o>(
    best: &mut BinaryHeap<Candidate<'o>>,
    n: usize,
    key: Vec<Value>,
    seq: usize,
    row: Vec<Value>,
    order: &'o [OrderByExpr],
) {
    best.push(Candidate {
        key,
        seq,
        row,
        order,
    });
    if best.len() > n {
        best.pop();
    }
}

/// A key of integers (and NULLs) as the integer lane compares it; `None` if a part is not an
/// integer.
fn int_key(key: &[Value]) -> Option<Vec<Option<i64>>> {
    key.iter()
        .map(|v| match v {
            Value::Null => Some(None),
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => v.as_i64().map(Some),
            _ => None,
        })
        .collect()
}

/// A row that may be among the first n; the heap's top is the one that would go first.
struct Candidate<'o> {
    key: Vec<Value>,
    seq: usize,
    row: Vec<Value>,
    order: &'o [OrderByExpr],
}

impl Ord for Candidate<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        super::order::cmp_keys(&self.key, &other.key, self.order).then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate<'_> {}
