//! Joins of two inputs: a hash join on the equality conditions between them (built on the
//! right input, probed in the left input's order; NULL keys never match), a merge join where
//! the planner chooses one, a nested loop otherwise. A stored table is read in place: keys hash
//! straight from the stored values and a joined row converts only the columns the rest of the
//! query reads (none for `count(*)`).

use super::from::{column_index, conjuncts};
use super::keys::{hash_parts, KeyIndex, KeyPart};
use super::used::{column_mask, expr_names};
use super::{Executor, Rel};
use crate::error::{PgError, PgResult};
use crate::sql::eval::resolve::{find_column, ident_name};
use crate::sql::eval::{eval, is_true, Scope, ScopeColumn};
use crate::sql::storage::from_glue;
use crate::types::{SqlType, Value};
use gluesql::core::data::Value as GValue;
use sqlparser::ast::{BinaryOperator, Expr, JoinConstraint};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;

#[derive(Clone, Copy, PartialEq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

/// One side of a join: a relation's rows, or a stored table's rows as they are stored.
pub struct Input<'a> {
    pub columns: Vec<ScopeColumn>,
    pub hidden: Vec<bool>,
    rows: Rows<'a>,
}

enum Rows<'a> {
    Values(Vec<Vec<Value>>),
    Stored(Vec<&'a [GValue]>),
}

impl<'a> Input<'a> {
    pub fn from_rel(rel: Rel) -> Self {
        Input {
            columns: rel.columns,
            hidden: rel.hidden,
            rows: Rows::Values(rel.rows),
        }
    }

    /// A stored table's rows under the columns (and names) of `shape`.
    pub fn stored(shape: Rel, rows: Vec<&'a [GValue]>) -> Self {
        Input {
            columns: shape.columns,
            hidden: shape.hidden,
            rows: Rows::Stored(rows),
        }
    }

    /// The rows as a relation (stored rows converted whole).
    pub fn into_rel(self) -> Rel {
        let rows = match self.rows {
            Rows::Values(rows) => rows,
            Rows::Stored(rows) => rows
                .into_iter()
                .map(|row| row.iter().map(from_glue).collect())
                .collect(),
        };
        Rel {
            columns: self.columns,
            rows,
            hidden: self.hidden,
        }
    }

    fn len(&self) -> usize {
        match &self.rows {
            Rows::Values(rows) => rows.len(),
            Rows::Stored(rows) => rows.len(),
        }
    }

    /// Every row's values of `columns`, row after row. Reading all keys in one pass lets
    /// the reads of many stored rows overlap, instead of one row's at a time between hash
    /// table probes.
    fn key_columns(&self, columns: impl Iterator<Item = usize> + Clone) -> Vec<KeyPart<'_>> {
        let mut out = Vec::with_capacity(self.len() * columns.clone().count());
        match &self.rows {
            Rows::Values(rows) => {
                for row in rows {
                    out.extend(columns.clone().map(|c| match row.get(c) {
                        Some(v) => KeyPart::of_value(v),
                        None => KeyPart::Null,
                    }));
                }
            }
            Rows::Stored(rows) => {
                for row in rows {
                    out.extend(columns.clone().map(|c| stored_key(row.get(c))));
                }
            }
        }
        out
    }

    /// Appends row `r`'s value for each column, NULL where `mask` says it is not read
    /// (`r` past the end: a row of NULLs, the outer join's filler).
    fn push_row(&self, r: usize, mask: &[bool], out: &mut Vec<Value>) {
        match &self.rows {
            Rows::Values(rows) => {
                let row = rows.get(r).map(Vec::as_slice).unwrap_or(&[]);
                out.extend(mask.iter().enumerate().map(|(i, &m)| match row.get(i) {
                    Some(v) if m => v.clone(),
                    _ => Value::Null,
                }));
            }
            Rows::Stored(rows) => {
                let row = rows.get(r).copied().unwrap_or(&[]);
                out.extend(mask.iter().enumerate().map(|(i, &m)| match row.get(i) {
                    Some(v) if m => from_glue(v),
                    _ => Value::Null,
                }));
            }
        }
    }
}

/// A stored value as a join key value (past the row's end: NULL).
#[inline]
fn stored_key(v: Option<&GValue>) -> KeyPart<'_> {
    match v {
        None | Some(GValue::Null) => KeyPart::Null,
        Some(GValue::I16(i)) => KeyPart::Int(*i as i64),
        Some(GValue::I32(i)) => KeyPart::Int(*i as i64),
        Some(GValue::I64(i)) => KeyPart::Int(*i),
        Some(GValue::Str(s)) => KeyPart::Text(s),
        Some(other) => KeyPart::Other(Cow::Owned(from_glue(other))),
    }
}

/// Which columns a joined row carries: none at all (empty rows, as a scan reading no column
/// returns), or every position with the unread ones NULL.
enum Shape {
    Empty,
    Columns(Vec<bool>),
}

impl Shape {
    fn of(names: Option<&HashSet<String>>, columns: &[ScopeColumn]) -> Shape {
        match names {
            None => Shape::Columns(vec![true; columns.len()]),
            Some(names) => {
                let mask = column_mask(names, columns);
                if mask.contains(&true) {
                    Shape::Columns(mask)
                } else {
                    Shape::Empty
                }
            }
        }
    }

    /// This shape plus the columns `e` reads.
    fn with_expr(&self, e: &Expr, columns: &[ScopeColumn]) -> Shape {
        let extra = match expr_names(e) {
            None => vec![true; columns.len()],
            Some(names) => column_mask(&names, columns),
        };
        let mask = match self {
            Shape::Empty => extra,
            Shape::Columns(mask) => mask.iter().zip(&extra).map(|(a, b)| *a || *b).collect(),
        };
        if mask.contains(&true) {
            Shape::Columns(mask)
        } else {
            Shape::Empty
        }
    }
}

/// Key types whose `same_group` equality is PostgreSQL's `=` between them: integers and
/// numerics together, floats together, text types together, or one type with itself.
fn hash_comparable(a: &SqlType, b: &SqlType) -> bool {
    let exact = |t: &SqlType| {
        matches!(
            t,
            SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Numeric { .. }
        )
    };
    let float = |t: &SqlType| matches!(t, SqlType::Float4 | SqlType::Float8);
    (exact(a) && exact(b)) || (float(a) && float(b)) || (a.is_textual() && b.is_textual()) || a == b
}

/// The equalities of a WHERE clause that join two comma-separated FROM items, as a join
/// condition: qualified columns, one of each input, of types a hash join compares as `=`
/// does (PostgreSQL's planner hash joins them too, rather than filtering a cross product).
/// WHERE still applies to the joined rows.
pub fn where_join_condition(
    where_clause: &Expr,
    left: &[ScopeColumn],
    right: &[ScopeColumn],
) -> Option<Expr> {
    let mut parts = Vec::new();
    conjuncts(where_clause, &mut parts);
    let side = |e: &Expr| match e {
        Expr::CompoundIdentifier(_) => (column_index(e, left), column_index(e, right)),
        _ => (None, None),
    };
    parts
        .into_iter()
        .filter(|p| match p {
            Expr::BinaryOp {
                left: a,
                op: BinaryOperator::Eq,
                right: b,
            } => match (side(a), side(b)) {
                ((Some(l), None), (None, Some(r))) | ((None, Some(r)), (Some(l), None)) => {
                    hash_comparable(&left[l].ty, &right[r].ty)
                }
                _ => false,
            },
            _ => false,
        })
        .cloned()
        .reduce(|a, b| Expr::BinaryOp {
            left: Box::new(a),
            op: BinaryOperator::And,
            right: Box::new(b),
        })
}

/// Equality pairs `(left column, right column)` a hash join can use, and whether other
/// conditions remain to be checked per pair.
fn equi_keys(
    on: &Expr,
    left: &[ScopeColumn],
    right: &[ScopeColumn],
) -> (Vec<(usize, usize)>, bool) {
    let mut parts = Vec::new();
    conjuncts(on, &mut parts);
    let mut keys = Vec::new();
    let mut residual = false;
    for p in parts {
        if let Expr::BinaryOp {
            left: a,
            op: BinaryOperator::Eq,
            right: b,
        } = p
        {
            // Each side must name a column of exactly one input (not both, not the outer query).
            let (al, ar) = (column_index(a, left), column_index(a, right));
            let (bl, br) = (column_index(b, left), column_index(b, right));
            match (al, ar, bl, br) {
                (Some(l), None, None, Some(r)) | (None, Some(r), Some(l), None)
                    if hash_comparable(&left[l].ty, &right[r].ty) =>
                {
                    keys.push((l, r));
                }
                // Other pairs (int = float, or int = text, which must raise the operator
                // error) are compared by evaluating the condition.
                _ => residual = true,
            }
        } else {
            residual = true;
        }
    }
    (keys, residual)
}

/// The `(left, right)` column pairs a USING list or NATURAL join compares.
fn using_pairs(
    constraint: Option<&JoinConstraint>,
    left: &[ScopeColumn],
    right: &[ScopeColumn],
) -> PgResult<Vec<(usize, usize)>> {
    let mut using = Vec::new();
    match constraint {
        Some(JoinConstraint::Using(cols)) => {
            for c in cols {
                let n = ident_name(c);
                let l = find_column(left, None, &n)?;
                let r = find_column(right, None, &n)?;
                match (l, r) {
                    (Some(l), Some(r)) => using.push((l, r)),
                    (None, _) => {
                        return Err(PgError::new(
                            "42703",
                            format!("column \"{n}\" specified in USING clause does not exist in left table"),
                        ))
                    }
                    (_, None) => {
                        return Err(PgError::new(
                            "42703",
                            format!("column \"{n}\" specified in USING clause does not exist in right table"),
                        ))
                    }
                }
            }
        }
        Some(JoinConstraint::Natural) => {
            for (l, c) in left.iter().enumerate() {
                if let Some(r) = right.iter().position(|rc| rc.name == c.name) {
                    using.push((l, r));
                }
            }
        }
        _ => {}
    }
    Ok(using)
}

/// Joins two inputs. `reads`: the names the rest of the query reads from the joined rows
/// (`None`: any column); the others come back NULL, or the rows empty when none is read.
/// `merge`: the planner chose a merge join (`Some(outer is the right input)`).
#[allow(clippy::too_many_arguments)]
pub fn join(
    exec: &Executor,
    left: Input,
    right: Input,
    kind: JoinKind,
    constraint: Option<&JoinConstraint>,
    outer: Option<&Scope>,
    reads: Option<&HashSet<String>>,
    merge: Option<bool>,
) -> PgResult<Rel> {
    let using = using_pairs(constraint, &left.columns, &right.columns)?;
    let on = match constraint {
        Some(JoinConstraint::On(e)) => Some(e),
        _ => None,
    };
    let lw = left.columns.len();
    let mut columns: Vec<ScopeColumn> = left.columns.clone();
    columns.extend(right.columns.iter().cloned());
    let (keys, residual) = match on {
        _ if !using.is_empty() => (using.clone(), false),
        Some(e) => equi_keys(e, &left.columns, &right.columns),
        None => (Vec::new(), false),
    };
    // USING merges its columns from the joined rows; a condition checked per pair reads its own.
    let out_shape = if using.is_empty() {
        Shape::of(reads, &columns)
    } else {
        Shape::Columns(vec![true; columns.len()])
    };
    let shape = match on {
        Some(e) if residual || keys.is_empty() => out_shape.with_expr(e, &columns),
        _ => out_shape,
    };
    let joined = Joined {
        exec,
        left: &left,
        right: &right,
        lw,
        shape: &shape,
        columns: &columns,
        on: on.filter(|_| residual || keys.is_empty()),
        outer,
    };
    // Only right and full joins look for right rows that matched nothing.
    let keeps_right = matches!(kind, JoinKind::Right | JoinKind::Full);
    let mut right_matched = vec![false; if keeps_right { right.len() } else { 0 }];
    let mut out_rows = match merge {
        _ if keys.is_empty() => joined.nested_loop(kind, &mut right_matched)?,
        Some(right_outer) => joined.merge_join(&keys, kind, right_outer)?,
        None => joined.hash_join(&keys, kind, &mut right_matched)?,
    };
    if keeps_right && (merge.is_none() || keys.is_empty()) {
        for (ri, matched) in right_matched.iter().enumerate() {
            if !matched {
                out_rows.push(joined.row(None, Some(ri)));
            }
        }
    }
    let mut hidden = left.hidden.clone();
    hidden.extend(right.hidden.iter().copied());
    if using.is_empty() {
        return Ok(Rel {
            columns,
            rows: out_rows,
            hidden,
        });
    }
    Ok(merge_using(columns, hidden, out_rows, &using, lw))
}

/// The pairing loops over two inputs, and how they build joined rows.
struct Joined<'j, 'a> {
    exec: &'j Executor<'j>,
    left: &'j Input<'a>,
    right: &'j Input<'a>,
    lw: usize,
    shape: &'j Shape,
    columns: &'j [ScopeColumn],
    /// The condition still to check on each candidate pair.
    on: Option<&'j Expr>,
    outer: Option<&'j Scope<'j>>,
}

impl Joined<'_, '_> {
    /// The joined row of left row `l` and right row `r` (`None`: that side's NULLs).
    fn row(&self, l: Option<usize>, r: Option<usize>) -> Vec<Value> {
        let Shape::Columns(mask) = self.shape else {
            return Vec::new();
        };
        let (lmask, rmask) = mask.split_at(self.lw.min(mask.len()));
        let mut row = Vec::with_capacity(mask.len());
        self.left.push_row(l.unwrap_or(usize::MAX), lmask, &mut row);
        self.right
            .push_row(r.unwrap_or(usize::MAX), rmask, &mut row);
        row
    }

    fn passes(&self, row: &[Value]) -> PgResult<bool> {
        let Some(e) = self.on else { return Ok(true) };
        let scope = Scope {
            columns: self.columns,
            row,
            outer: self.outer,
        };
        Ok(is_true(&eval(e, &scope, &self.exec.ctx())?))
    }

    fn same_keys(l: &[KeyPart], r: &[KeyPart]) -> bool {
        l.iter().zip(r).all(|(a, b)| a.same(b))
    }

    /// Builds on the right input and probes with the left, so rows come out in the left
    /// input's order and, for each, in the right input's order.
    fn hash_join(
        &self,
        keys: &[(usize, usize)],
        kind: JoinKind,
        right_matched: &mut [bool],
    ) -> PgResult<Vec<Vec<Value>>> {
        let width = keys.len();
        let right_keys = self.right.key_columns(keys.iter().map(|k| k.1));
        let left_keys = self.left.key_columns(keys.iter().map(|k| k.0));
        let mut table = KeyIndex::with_capacity(self.right.len());
        for (ri, key) in right_keys.chunks_exact(width).enumerate() {
            if let Some(h) = hash_parts(key) {
                table.insert(h, ri);
            }
        }
        let mut out = Vec::with_capacity(self.left.len());
        let mut candidates: Vec<usize> = Vec::new();
        for (li, key) in left_keys.chunks_exact(width).enumerate() {
            crate::sql::deadline::check()?;
            let mut matched = false;
            if let Some(h) = hash_parts(key) {
                // The chain runs newest first.
                candidates.clear();
                candidates.extend(table.candidates(h));
                for &ri in candidates.iter().rev() {
                    let right_key = right_keys.get(ri * width..(ri + 1) * width).unwrap_or(&[]);
                    if !Self::same_keys(key, right_key) {
                        continue;
                    }
                    matched |= self.try_pair(li, ri, right_matched, &mut out)?;
                }
            }
            self.keep_unmatched_left(kind, li, matched, &mut out);
        }
        Ok(out)
    }

    /// Sorts both inputs on the keys (NULLs last) and merges them, as PostgreSQL's Merge Join
    /// over two Sorts: rows come out in key order; within a run of equal keys, for each row of
    /// the outer input (the right one when `right_outer`) each matching row of the other; rows
    /// that matched nothing come out where the merge passes them.
    fn merge_join(
        &self,
        keys: &[(usize, usize)],
        kind: JoinKind,
        right_outer: bool,
    ) -> PgResult<Vec<Vec<Value>>> {
        let width = keys.len().max(1);
        let lk = self.left.key_columns(keys.iter().map(|k| k.0));
        let rk = self.right.key_columns(keys.iter().map(|k| k.1));
        let left_key = |i: usize| lk.get(i * width..(i + 1) * width).unwrap_or(&[]);
        let right_key = |i: usize| rk.get(i * width..(i + 1) * width).unwrap_or(&[]);
        let lo = sorted_rows(&lk, width, self.left.len());
        let ro = sorted_rows(&rk, width, self.right.len());
        let fill_left = matches!(kind, JoinKind::Left | JoinKind::Full);
        let fill_right = matches!(kind, JoinKind::Right | JoinKind::Full);
        let mut out = Vec::with_capacity(lo.len().max(ro.len()));
        // Which rows of the current runs matched, reused from run to run.
        let (mut lm, mut rm) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < lo.len() || j < ro.len() {
            crate::sql::deadline::check()?;
            let (l, r) = (lo.get(i).copied(), ro.get(j).copied());
            let order = match (l, r) {
                (Some(l), Some(r)) => merge_order(left_key(l), right_key(r)),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match (order, l, r) {
                (Ordering::Equal, Some(l), Some(r)) => {
                    // The runs of this key on both sides.
                    let ln = run_length(lo.get(i..), left_key(l), &left_key);
                    let rn = run_length(ro.get(j..), right_key(r), &right_key);
                    let lrun = lo.get(i..i + ln).unwrap_or(&[]);
                    let rrun = ro.get(j..j + rn).unwrap_or(&[]);
                    lm.clear();
                    lm.resize(lrun.len(), false);
                    rm.clear();
                    rm.resize(rrun.len(), false);
                    let (outer_n, inner_n) = if right_outer { (rn, ln) } else { (ln, rn) };
                    for o in 0..outer_n {
                        for n in 0..inner_n {
                            let (a, b) = if right_outer { (n, o) } else { (o, n) };
                            let (Some(&li), Some(&ri)) = (lrun.get(a), rrun.get(b)) else {
                                continue;
                            };
                            let row = self.row(Some(li), Some(ri));
                            if self.passes(&row)? {
                                out.push(row);
                                for m in [lm.get_mut(a), rm.get_mut(b)].into_iter().flatten() {
                                    *m = true;
                                }
                            }
                        }
                        // An outer row that matched nothing is NULL-extended after its run.
                        let (matched, fill) = if right_outer {
                            (rm.get(o), fill_right)
                        } else {
                            (lm.get(o), fill_left)
                        };
                        if fill && matched == Some(&false) {
                            let (li, ri) = if right_outer {
                                (None, rrun.get(o).copied())
                            } else {
                                (lrun.get(o).copied(), None)
                            };
                            out.push(self.row(li, ri));
                        }
                    }
                    // Inner rows the other conditions left unmatched.
                    let (inner_run, inner_m, fill) = if right_outer {
                        (lrun, &lm, fill_left)
                    } else {
                        (rrun, &rm, fill_right)
                    };
                    if fill {
                        for (x, m) in inner_run.iter().zip(inner_m.iter()) {
                            if !m {
                                out.push(if right_outer {
                                    self.row(Some(*x), None)
                                } else {
                                    self.row(None, Some(*x))
                                });
                            }
                        }
                    }
                    i += ln;
                    j += rn;
                }
                (Ordering::Less, Some(l), _) => {
                    if fill_left {
                        out.push(self.row(Some(l), None));
                    }
                    i += 1;
                }
                (_, _, Some(r)) => {
                    if fill_right {
                        out.push(self.row(None, Some(r)));
                    }
                    j += 1;
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// Adds the joined row of `li` and `ri` when the join condition holds; whether it did.
    fn try_pair(
        &self,
        li: usize,
        ri: usize,
        right_matched: &mut [bool],
        out: &mut Vec<Vec<Value>>,
    ) -> PgResult<bool> {
        let row = self.row(Some(li), Some(ri));
        if !self.passes(&row)? {
            return Ok(false);
        }
        if let Some(m) = right_matched.get_mut(ri) {
            *m = true;
        }
        out.push(row);
        Ok(true)
    }

    /// A LEFT or FULL join keeps a left row that matched nothing, NULL-extended.
    fn keep_unmatched_left(
        &self,
        kind: JoinKind,
        li: usize,
        matched: bool,
        out: &mut Vec<Vec<Value>>,
    ) {
        if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
            out.push(self.row(Some(li), None));
        }
    }

    fn nested_loop(&self, kind: JoinKind, right_matched: &mut [bool]) -> PgResult<Vec<Vec<Value>>> {
        let mut out = Vec::new();
        for li in 0..self.left.len() {
            let mut matched = false;
            for ri in 0..self.right.len() {
                crate::sql::deadline::check()?;
                matched |= self.try_pair(li, ri, right_matched, &mut out)?;
            }
            self.keep_unmatched_left(kind, li, matched, &mut out);
        }
        Ok(out)
    }
}

/// How many of `rows` (at least one) start with the key `first`.
fn run_length<'k>(
    rows: Option<&[usize]>,
    first: &[KeyPart],
    key: &impl Fn(usize) -> &'k [KeyPart<'k>],
) -> usize {
    rows.unwrap_or(&[])
        .iter()
        .take_while(|x| Joined::same_keys(key(**x), first))
        .count()
        .max(1)
}

/// The order of a merge join's input rows by their keys (`width` parts each), NULLs last,
/// ties in input order. One integer key, the common case, sorts as plain integers.
fn sorted_rows(keys: &[KeyPart], width: usize, n: usize) -> Vec<usize> {
    if width == 1 {
        let ints: Option<Vec<(bool, i64, usize)>> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| match k {
                KeyPart::Int(v) => Some((false, *v, i)),
                KeyPart::Null => Some((true, 0, i)),
                _ => None,
            })
            .collect();
        if let Some(mut ints) = ints.filter(|ints| ints.len() == n) {
            ints.sort_unstable();
            return ints.into_iter().map(|(_, _, i)| i).collect();
        }
    }
    let key = |i: usize| keys.get(i * width..(i + 1) * width).unwrap_or(&[]);
    let mut order: Vec<usize> = (0..n).collect();
    crate::sort::sort_by(&mut order, |a, b| cmp_key(key(*a), key(*b)));
    order
}

/// Key order for sorting a merge join's input: PostgreSQL's ascending order, NULLs last.
fn cmp_key(a: &[KeyPart], b: &[KeyPart]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let c = match (x, y) {
            (KeyPart::Null, KeyPart::Null) => Ordering::Equal,
            (KeyPart::Null, _) => Ordering::Greater,
            (_, KeyPart::Null) => Ordering::Less,
            _ => x.cmp_value(y),
        };
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

/// How a merge compares an outer key with an inner one: as `cmp_key`, except that a NULL
/// never equals anything (NULL against NULL: the inner side moves on first, as in PostgreSQL).
fn merge_order(outer: &[KeyPart], inner: &[KeyPart]) -> Ordering {
    if outer.iter().chain(inner).any(KeyPart::is_null) {
        return match cmp_key(outer, inner) {
            Ordering::Equal => Ordering::Greater,
            c => c,
        };
    }
    cmp_key(outer, inner)
}

/// USING: the merged columns come first, unqualified, as COALESCE(left, right); the per-side
/// copies stay reachable by qualified name but are hidden from `*`.
fn merge_using(
    columns: Vec<ScopeColumn>,
    mut hidden: Vec<bool>,
    rows: Vec<Vec<Value>>,
    using: &[(usize, usize)],
    lw: usize,
) -> Rel {
    let mut merged_cols: Vec<ScopeColumn> = using
        .iter()
        .filter_map(|(l, _)| columns.get(*l))
        .map(|c| ScopeColumn {
            qualifier: None,
            name: c.name.clone(),
            ty: c.ty.clone(),
        })
        .collect();
    let mut merged_hidden = vec![false; merged_cols.len()];
    for (l, r) in using {
        for i in [*l, lw + *r] {
            if let Some(h) = hidden.get_mut(i) {
                *h = true;
            }
        }
    }
    merged_cols.extend(columns);
    merged_hidden.extend(hidden);
    let rows = rows
        .into_iter()
        .map(|row| {
            let mut out: Vec<Value> = using
                .iter()
                .map(|(l, r)| match row.get(*l) {
                    Some(Value::Null) | None => row.get(lw + *r).cloned().unwrap_or(Value::Null),
                    Some(v) => v.clone(),
                })
                .collect();
            out.extend(row);
            out
        })
        .collect();
    Rel {
        columns: merged_cols,
        rows,
        hidden: merged_hidden,
    }
}
