//! The estimates PostgreSQL makes from a query's expressions when its tables have no
//! statistics (selfuncs.c, clausesel.c): column widths, distinct values, selectivities, the
//! number of groups, and what evaluating expressions costs.

use super::cost::{clamp_row_est, QualCost, CPU_OPERATOR_COST};
use super::relations::normalize_ident;
use crate::types::SqlType;
use sqlparser::ast::{BinaryOperator, Expr, Query, UnaryOperator, Value as AstValue, Visitor};
use std::collections::BTreeSet;
use std::ops::{Add, ControlFlow};

const DEFAULT_INEQ_SEL: f64 = 0.3333333333333333;
const DEFAULT_RANGE_INEQ_SEL: f64 = 0.005;
const DEFAULT_MATCH_SEL: f64 = 0.005;
const DEFAULT_UNK_SEL: f64 = 0.005;
const DEFAULT_NUM_DISTINCT: f64 = 200.0;
/// A boolean function's selectivity when its function gives no estimate.
const DEFAULT_FUNCTION_SEL: f64 = 0.3333333;
/// IN lists this long are probed through a hash table.
const MIN_ARRAY_SIZE_FOR_HASHED_SAOP: usize = 9;

/// The width PostgreSQL assumes for a value of `ty` without statistics (get_typavgwidth, with
/// UTF-8's four bytes a character for length limits).
pub fn type_width(ty: &SqlType) -> i64 {
    fn varlena(max: i64) -> i64 {
        if max <= 32 {
            max
        } else if max < 1000 {
            32 + (max - 32) / 2
        } else {
            32 + (1000 - 32) / 2
        }
    }
    match ty {
        SqlType::Bool => 1,
        SqlType::Int2 => 2,
        SqlType::Int4 | SqlType::Float4 | SqlType::Date | SqlType::Regclass => 4,
        SqlType::Int8 | SqlType::Float8 | SqlType::Timestamp | SqlType::TimestampTz => 8,
        SqlType::Interval => 16,
        SqlType::Char(n) => i64::from(*n) * 4 + 4,
        SqlType::Varchar(Some(n)) => varlena(i64::from(*n) * 4 + 4),
        SqlType::Numeric {
            precision: Some(p), ..
        } if (1..=1000).contains(p) => varlena(8 + ((i64::from(*p) + 6) / 4) * 2),
        _ => 32,
    }
}

/// A column of a relation.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
}

/// A unique btree index.
#[derive(Clone, Debug, PartialEq)]
pub struct UniqueIndex {
    pub name: String,
    pub columns: Vec<String>,
}

/// A relation in a query's FROM list, sized as the planner sizes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rel {
    /// The relation's name on the node that scans it.
    pub name: String,
    /// How the query refers to it: its alias, else its name.
    pub reference: String,
    pub columns: Vec<Column>,
    pub pages: f64,
    pub tuples: f64,
    /// Rows left after the relation's own filters.
    pub rows: f64,
    pub unique_indexes: Vec<UniqueIndex>,
    pub primary_key: Vec<String>,
    /// Pages of each of its indexes, and levels above their leaves.
    pub index_pages: f64,
    pub index_height: f64,
}

impl Rel {
    /// A relation of `tuples` rows and unknown columns (a function or subquery in FROM).
    pub fn opaque(reference: &str, tuples: f64) -> Self {
        Rel {
            name: reference.to_string(),
            reference: reference.to_string(),
            columns: Vec::new(),
            pages: 0.0,
            tuples,
            rows: tuples,
            unique_indexes: Vec::new(),
            primary_key: Vec::new(),
            index_pages: 0.0,
            index_height: 0.0,
        }
    }

    /// The sum of the widths of its columns (get_rel_data_width).
    pub fn data_width(&self) -> i64 {
        self.columns.iter().map(|c| type_width(&c.ty)).sum()
    }
}

/// A column reference resolved to its relation and column position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Var {
    pub rel: usize,
    pub col: usize,
}

/// Collects the expressions a predicate picks, outside subqueries.
struct Collector<'p> {
    depth: usize,
    keep: &'p dyn Fn(&Expr) -> bool,
    out: Vec<Expr>,
}

impl Visitor for Collector<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.depth == 0 && (self.keep)(e) {
            self.out.push(e.clone());
        }
        ControlFlow::Continue(())
    }
}

/// The sub-expressions of `exprs` that `keep` picks (not those inside subqueries), in order.
pub fn collect<'e>(
    exprs: impl IntoIterator<Item = &'e Expr>,
    keep: &dyn Fn(&Expr) -> bool,
) -> Vec<Expr> {
    let mut v = Collector {
        depth: 0,
        keep,
        out: Vec::new(),
    };
    for e in exprs {
        let _ = crate::sql::visit::visit(e, &mut v);
    }
    v.out
}

/// The column references in `expr` (not those of its subqueries).
pub fn column_refs(expr: &Expr) -> Vec<Expr> {
    collect([expr], &|e| {
        matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
    })
}

/// `x BETWEEN low AND high` as PostgreSQL's parser rewrites it: `x >= low`, `x <= high`.
pub fn between_bounds(x: &Expr, low: &Expr, high: &Expr) -> [Expr; 2] {
    let compare = |op, bound: &Expr| Expr::BinaryOp {
        left: Box::new(x.clone()),
        op,
        right: Box::new(bound.clone()),
    };
    [
        compare(BinaryOperator::GtEq, low),
        compare(BinaryOperator::LtEq, high),
    ]
}

/// `x [NOT] [I]LIKE pattern`.
pub struct LikeMatch<'e> {
    pub negated: bool,
    pub insensitive: bool,
    pub expr: &'e Expr,
    pub pattern: &'e Expr,
}

pub fn like_match(e: &Expr) -> Option<LikeMatch<'_>> {
    let (insensitive, negated, expr, pattern) = match e {
        Expr::Like {
            negated,
            expr,
            pattern,
            ..
        } => (false, negated, expr, pattern),
        Expr::ILike {
            negated,
            expr,
            pattern,
            ..
        } => (true, negated, expr, pattern),
        _ => return None,
    };
    Some(LikeMatch {
        negated: *negated,
        insensitive,
        expr,
        pattern,
    })
}

/// `a = b`: its two sides.
pub fn equality(e: &Expr) -> Option<(&Expr, &Expr)> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => Some((left, right)),
        _ => None,
    }
}

fn function_name(f: &sqlparser::ast::Function) -> String {
    f.name
        .0
        .last()
        .map(|i| i.value.to_lowercase())
        .unwrap_or_default()
}

/// Whether `expr` is a constant the planner folds (no columns, nothing that varies).
pub fn is_constant(expr: &Expr) -> bool {
    struct Unstable(bool);
    impl Visitor for Unstable {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            let varies = match e {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => true,
                // Only immutable functions fold (PostgreSQL's eval_const_expressions).
                Expr::Function(f) => crate::sql::catalog::is_unstable(&function_name(f)),
                Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => true,
                _ => false,
            };
            self.0 |= varies;
            ControlFlow::Continue(())
        }
    }
    let mut v = Unstable(false);
    let _ = crate::sql::visit::visit(expr, &mut v);
    !v.0
}

/// The relations of a query with what is known about them.
#[derive(Clone, Debug, Default)]
pub struct Rels {
    pub list: Vec<Rel>,
}

impl Rels {
    pub fn rel(&self, v: Var) -> Option<&Rel> {
        self.list.get(v.rel)
    }

    pub fn column(&self, v: Var) -> Option<&Column> {
        self.list.get(v.rel)?.columns.get(v.col)
    }

    /// The column `expr` names, if it is a column reference of one of the relations.
    pub fn var(&self, expr: &Expr) -> Option<Var> {
        let (qualifier, name) = match expr {
            Expr::Identifier(id) => (None, normalize_ident(id)),
            Expr::CompoundIdentifier(ids) if ids.len() >= 2 => (
                ids.get(ids.len() - 2).map(normalize_ident),
                ids.last().map(normalize_ident)?,
            ),
            Expr::Nested(inner) => return self.var(inner),
            _ => return None,
        };
        self.list.iter().enumerate().find_map(|(r, rel)| {
            if qualifier
                .as_ref()
                .is_some_and(|q| *q != rel.reference && *q != rel.name)
            {
                return None;
            }
            let col = rel.columns.iter().position(|c| c.name == name)?;
            Some(Var { rel: r, col })
        })
    }

    /// The columns `expr` reads, in order of appearance, without repeats.
    pub fn vars(&self, expr: &Expr) -> Vec<Var> {
        let mut out: Vec<Var> = Vec::new();
        for e in column_refs(expr) {
            if let Some(v) = self.var(&e) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// The relations `expr` reads.
    pub fn rels_of(&self, expr: &Expr) -> BTreeSet<usize> {
        crate::sort::collect_set(self.vars(expr).into_iter().map(|v| v.rel))
    }

    pub fn width(&self, v: Var) -> i64 {
        self.column(v).map(|c| type_width(&c.ty)).unwrap_or(32)
    }

    /// Whether a single-column unique index covers `v`.
    pub fn is_unique(&self, v: Var) -> bool {
        match (self.rel(v), self.column(v)) {
            (Some(rel), Some(col)) => rel
                .unique_indexes
                .iter()
                .any(|ix| ix.columns.len() == 1 && ix.columns.first() == Some(&col.name)),
            _ => false,
        }
    }

    /// Distinct values of a column, and whether that is the default guess
    /// (get_variable_numdistinct).
    pub fn ndistinct(&self, v: Var) -> (f64, bool) {
        let Some(rel) = self.rel(v) else {
            return (DEFAULT_NUM_DISTINCT, true);
        };
        if self.is_unique(v) && rel.tuples > 0.0 {
            return (clamp_row_est(rel.tuples), false);
        }
        if matches!(self.column(v).map(|c| &c.ty), Some(SqlType::Bool)) {
            return (2.0, false);
        }
        expr_ndistinct(rel)
    }

    /// Distinct values of an expression: a column's, else one computed from one relation's
    /// columns, else the default guess.
    fn expr_ndistinct(&self, expr: &Expr) -> (f64, bool) {
        if let Some(v) = self.var(expr) {
            return self.ndistinct(v);
        }
        match self.rels_of(expr).iter().collect::<Vec<_>>().as_slice() {
            [one] => self
                .list
                .get(**one)
                .map(expr_ndistinct)
                .unwrap_or((DEFAULT_NUM_DISTINCT, true)),
            _ => (DEFAULT_NUM_DISTINCT, true),
        }
    }

    /// The fraction of rows `clauses` (AND-ed) let through (clauselist_selectivity): ranges
    /// `x > a AND x < b` on one column count together.
    pub fn selectivity(&self, clauses: &[&Expr]) -> f64 {
        let mut s = 1.0;
        // (the column text, lower bound's selectivity, upper bound's)
        let mut ranges: Vec<(String, Option<f64>, Option<f64>)> = Vec::new();
        for c in clauses {
            match self.range_bound(c) {
                Some((column, is_lower)) => {
                    let sel = self.clause_selectivity(c);
                    let entry = match ranges.iter_mut().find(|r| r.0 == column) {
                        Some(e) => e,
                        None => {
                            ranges.push((column, None, None));
                            let last = ranges.len() - 1;
                            &mut ranges[last]
                        }
                    };
                    let slot = if is_lower { &mut entry.1 } else { &mut entry.2 };
                    *slot = Some(slot.map_or(sel, |old: f64| old.min(sel)));
                }
                None => s *= self.clause_selectivity(c),
            }
        }
        for (_, lo, hi) in ranges {
            s *= match (lo, hi) {
                (Some(lo), Some(hi)) => {
                    if lo == DEFAULT_INEQ_SEL || hi == DEFAULT_INEQ_SEL {
                        DEFAULT_RANGE_INEQ_SEL
                    } else {
                        (hi + lo - 1.0).max(0.0)
                    }
                }
                (Some(one), None) | (None, Some(one)) => one,
                (None, None) => 1.0,
            };
        }
        s
    }

    /// For `column < constant` and the like on one relation: the column and whether the
    /// clause bounds it from below.
    fn range_bound(&self, clause: &Expr) -> Option<(String, bool)> {
        let Expr::BinaryOp { left, op, right } = clause else {
            return None;
        };
        let below = match op {
            BinaryOperator::Gt | BinaryOperator::GtEq => true,
            BinaryOperator::Lt | BinaryOperator::LtEq => false,
            _ => return None,
        };
        if is_constant(right) && !is_constant(left) && self.rels_of(left).len() == 1 {
            Some((left.to_string(), below))
        } else if is_constant(left) && !is_constant(right) && self.rels_of(right).len() == 1 {
            Some((right.to_string(), !below))
        } else {
            None
        }
    }

    /// The selectivity of one clause (clause_selectivity): a join clause when it reads more
    /// than one relation.
    pub fn clause_selectivity(&self, clause: &Expr) -> f64 {
        match clause {
            Expr::Nested(inner) => self.clause_selectivity(inner),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => self.selectivity(&[left.as_ref(), right.as_ref()]),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Or,
                right,
            } => {
                let s1 = self.clause_selectivity(left);
                let s2 = self.clause_selectivity(right);
                s1 + s2 - s1 * s2
            }
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => 1.0 - self.clause_selectivity(expr),
            Expr::Value(AstValue::Boolean(b)) => {
                if *b {
                    1.0
                } else {
                    0.0
                }
            }
            Expr::BinaryOp { left, op, right } => self.operator_selectivity(left, op, right),
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let [lo, hi] = between_bounds(expr, low, high);
                if *negated {
                    // `x < low OR x > high`
                    let s = DEFAULT_INEQ_SEL;
                    s + s - s * s
                } else {
                    self.selectivity(&[&lo, &hi])
                }
            }
            Expr::IsNull(_) => DEFAULT_UNK_SEL,
            Expr::IsNotNull(_) => 1.0 - DEFAULT_UNK_SEL,
            Expr::InList {
                expr,
                list,
                negated,
            } => self.in_list_selectivity(expr, list, *negated),
            Expr::Like { .. } | Expr::ILike { .. } => {
                let Some(LikeMatch {
                    negated,
                    insensitive,
                    expr,
                    pattern,
                }) = like_match(clause)
                else {
                    return 0.5;
                };
                let s = self.like_selectivity(expr, pattern, insensitive);
                if negated {
                    1.0 - s
                } else {
                    s
                }
            }
            Expr::Function(_) if !super::split::is_aggregate(clause) => DEFAULT_FUNCTION_SEL,
            // A boolean column alone, and whatever else: even odds.
            _ => 0.5,
        }
    }

    fn operator_selectivity(&self, left: &Expr, op: &BinaryOperator, right: &Expr) -> f64 {
        let join = self.rels_of(left).union(&self.rels_of(right)).count() > 1;
        match op {
            BinaryOperator::Eq if join => self.join_eq_selectivity(left, right),
            BinaryOperator::Eq => self.eq_selectivity(left, right),
            BinaryOperator::NotEq if join => 1.0 - self.join_eq_selectivity(left, right),
            BinaryOperator::NotEq => 1.0 - self.eq_selectivity(left, right),
            BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq => DEFAULT_INEQ_SEL,
            BinaryOperator::PGRegexMatch
            | BinaryOperator::PGRegexIMatch
            | BinaryOperator::PGLikeMatch
            | BinaryOperator::PGILikeMatch => DEFAULT_MATCH_SEL,
            BinaryOperator::PGRegexNotMatch
            | BinaryOperator::PGRegexNotIMatch
            | BinaryOperator::PGNotLikeMatch
            | BinaryOperator::PGNotILikeMatch => 1.0 - DEFAULT_MATCH_SEL,
            _ => 0.5,
        }
    }

    /// `expr = constant` (var_eq_const without statistics); both sides varying: the default.
    fn eq_selectivity(&self, left: &Expr, right: &Expr) -> f64 {
        let (var, other) = if is_constant(right) {
            (left, right)
        } else if is_constant(left) {
            (right, left)
        } else {
            return 0.005;
        };
        if matches!(other, Expr::Value(AstValue::Null)) {
            return 0.0;
        }
        if let Some(v) = self.var(var) {
            if self.is_unique(v) {
                if let Some(rel) = self.rel(v).filter(|r| r.tuples >= 1.0) {
                    return 1.0 / rel.tuples;
                }
            }
        }
        1.0 / self.expr_ndistinct(var).0
    }

    /// `a = b` across relations (eqjoinsel without statistics).
    fn join_eq_selectivity(&self, left: &Expr, right: &Expr) -> f64 {
        let (nd1, _) = self.expr_ndistinct(left);
        let (nd2, _) = self.expr_ndistinct(right);
        let mut selec = 1.0;
        if nd1 > nd2 {
            selec /= nd1;
        } else {
            selec /= nd2;
        }
        selec
    }

    /// `x IN (...)` is `x = ANY (array)`: the elements' equality selectivities summed, as
    /// the values are disjoint; NOT IN is `x <> ALL (array)`.
    fn in_list_selectivity(&self, expr: &Expr, list: &[Expr], negated: bool) -> f64 {
        let mut disjoint = if negated { 1.0 } else { 0.0 };
        for item in list {
            let eq = self.eq_selectivity(expr, item);
            if negated {
                let ne = 1.0 - eq;
                disjoint += ne - 1.0;
            } else {
                disjoint += eq;
            }
        }
        disjoint.clamp(0.0, 1.0)
    }

    /// LIKE without statistics: a fixed prefix selects DEFAULT_MATCH_SEL, the rest of the
    /// pattern a fifth per literal character (patternsel).
    fn like_selectivity(&self, expr: &Expr, pattern: &Expr, insensitive: bool) -> f64 {
        let Expr::Value(AstValue::SingleQuotedString(p)) = pattern else {
            return DEFAULT_MATCH_SEL;
        };
        let chars: Vec<char> = p.chars().collect();
        let mut prefix_len = 0;
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            if c == '%' || c == '_' || (insensitive && c.is_alphabetic()) {
                break;
            }
            if c == '\\' {
                i += 1;
            }
            prefix_len += 1;
            i += 1;
        }
        if i >= chars.len() && prefix_len > 0 {
            // No wildcard: an exact match.
            let literal = Expr::Value(AstValue::SingleQuotedString(p.clone()));
            return self.eq_selectivity(expr, &literal);
        }
        let prefix_sel = if prefix_len > 0 {
            DEFAULT_MATCH_SEL
        } else {
            1.0
        };
        let mut rest: f64 = 1.0;
        let mut j = i;
        while chars.get(j).is_some_and(|c| *c == '%' || *c == '_') {
            j += 1;
        }
        while let Some(&c) = chars.get(j) {
            rest *= match c {
                '%' => 5.0,
                '_' => 0.9,
                '\\' => {
                    j += 1;
                    0.2
                }
                _ => 0.2,
            };
            j += 1;
        }
        (prefix_sel * rest.min(1.0)).clamp(0.0001, 0.9999)
    }

    /// The number of groups `exprs` form among `input_rows` rows (estimate_num_groups).
    pub fn num_groups(
        &self,
        exprs: &[&Expr],
        input_rows: f64,
        is_bool: &dyn Fn(&Expr) -> bool,
    ) -> f64 {
        let input_rows = clamp_row_est(input_rows);
        if exprs.is_empty() {
            return 1.0;
        }
        let mut groups = 1.0;
        // (relation, distinct values) per grouped column, without repeats.
        let mut vars: Vec<Var> = Vec::new();
        for e in exprs {
            if is_bool(e) {
                groups *= 2.0;
                continue;
            }
            let here = match self.var(e) {
                Some(v) => vec![v],
                None => {
                    let vs = self.vars(e);
                    if vs.is_empty() && !is_constant(e) {
                        return input_rows;
                    }
                    vs
                }
            };
            for v in here {
                if !vars.contains(&v) {
                    vars.push(v);
                }
            }
        }
        let mut done: BTreeSet<usize> = BTreeSet::new();
        for first in &vars {
            if !done.insert(first.rel) {
                continue;
            }
            let Some(rel) = self.rel(*first) else {
                continue;
            };
            let mut distinct = 1.0;
            let mut max_distinct = 1.0;
            let mut count = 0;
            for v in vars.iter().filter(|v| v.rel == first.rel) {
                let (nd, _) = self.ndistinct(*v);
                distinct *= nd;
                if max_distinct < nd {
                    max_distinct = nd;
                }
                count += 1;
            }
            if rel.tuples > 0.0 {
                let mut clamp = rel.tuples;
                if count > 1 {
                    clamp *= 0.1;
                    if clamp < max_distinct {
                        clamp = max_distinct.min(rel.tuples);
                    }
                }
                if distinct > clamp {
                    distinct = clamp;
                }
                if distinct > 0.0 && rel.rows < rel.tuples {
                    distinct *=
                        1.0 - ((rel.tuples - rel.rows) / rel.tuples).powf(rel.tuples / distinct);
                }
                groups *= clamp_row_est(distinct);
            }
        }
        groups.ceil().min(input_rows).max(1.0)
    }

    /// What evaluating `expr` costs (cost_qual_eval): an operator or function call is one
    /// cpu_operator_cost; columns, constants and aggregates' results are free.
    pub fn eval_cost(&self, expr: &Expr) -> QualCost {
        if is_constant(expr) {
            return QualCost::default();
        }
        let sum = |es: &[&Expr]| {
            es.iter()
                .fold(QualCost::default(), |acc, e| acc.add(self.eval_cost(e)))
        };
        let op = QualCost::operators(1.0);
        match expr {
            Expr::Nested(e) | Expr::IsNull(e) | Expr::IsNotNull(e) => self.eval_cost(e),
            Expr::IsTrue(e) | Expr::IsFalse(e) | Expr::IsNotTrue(e) | Expr::IsNotFalse(e) => {
                self.eval_cost(e)
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And | BinaryOperator::Or,
                right,
            } => sum(&[left, right]),
            Expr::BinaryOp { left, right, .. } => op.add(sum(&[left, right])),
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => self.eval_cost(expr),
            Expr::UnaryOp { expr, .. } => op.add(self.eval_cost(expr)),
            Expr::Cast {
                expr, data_type, ..
            } => {
                let relabel = matches!(
                    crate::sql::cast::sqltype_from_ast(data_type),
                    Ok(SqlType::Text | SqlType::Varchar(_))
                );
                let own = if relabel { QualCost::default() } else { op };
                own.add(self.eval_cost(expr))
            }
            Expr::Between {
                expr, low, high, ..
            } => QualCost::operators(2.0).add(sum(&[expr, low, high])),
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                op.add(sum(&[expr, pattern]))
            }
            Expr::InList { expr, list, .. } => {
                let n = list.len();
                let lookup = if n >= MIN_ARRAY_SIZE_FOR_HASHED_SAOP {
                    QualCost {
                        startup: CPU_OPERATOR_COST * n as f64,
                        per_tuple: CPU_OPERATOR_COST + CPU_OPERATOR_COST,
                    }
                } else {
                    QualCost {
                        startup: 0.0,
                        per_tuple: CPU_OPERATOR_COST * n as f64 * 0.5,
                    }
                };
                lookup.add(self.eval_cost(expr))
            }
            Expr::Case {
                operand,
                conditions,
                results,
                else_result,
            } => {
                let parts: Vec<&Expr> = operand
                    .as_deref()
                    .into_iter()
                    .chain(conditions.iter().chain(results))
                    .chain(else_result.as_deref())
                    .collect();
                // `CASE x WHEN v` compares x = v for each WHEN.
                let compares = if operand.is_some() {
                    QualCost::operators(conditions.len() as f64)
                } else {
                    QualCost::default()
                };
                compares.add(sum(&parts))
            }
            Expr::Function(f) => {
                if super::split::is_aggregate(expr) {
                    return QualCost::default();
                }
                let args = crate::sql::eval::function_args(&f.args);
                let own = match function_name(f).as_str() {
                    "coalesce" => QualCost::default(),
                    _ => op,
                };
                own.add(sum(&args))
            }
            Expr::Extract { expr, .. } => op.add(self.eval_cost(expr)),
            _ => QualCost::default(),
        }
    }
}

/// Distinct values of a column without statistics in `rel` (neither unique nor boolean).
fn expr_ndistinct(rel: &Rel) -> (f64, bool) {
    if rel.tuples <= 0.0 {
        (DEFAULT_NUM_DISTINCT, true)
    } else if rel.tuples < DEFAULT_NUM_DISTINCT {
        (clamp_row_est(rel.tuples), false)
    } else {
        (DEFAULT_NUM_DISTINCT, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rels() -> Rels {
        let col = |n: &str, ty: SqlType| Column { name: n.into(), ty };
        let users = Rel {
            name: "users_102040".into(),
            reference: "u".into(),
            columns: vec![col("user_id", SqlType::Int4), col("name", SqlType::Text)],
            pages: 10.0,
            tuples: 1270.0,
            rows: 1270.0,
            unique_indexes: vec![UniqueIndex {
                name: "users_pkey_102040".into(),
                columns: vec!["user_id".into()],
            }],
            primary_key: vec!["user_id".into()],
            index_pages: 1.0,
            index_height: 0.0,
        };
        let orders = Rel {
            name: "orders_102072".into(),
            reference: "o".into(),
            columns: vec![
                col("order_id", SqlType::Int4),
                col("user_id", SqlType::Int4),
                col("active", SqlType::Bool),
            ],
            pages: 10.0,
            tuples: 1070.0,
            rows: 1070.0,
            unique_indexes: Vec::new(),
            primary_key: Vec::new(),
            index_pages: 1.0,
            index_height: 0.0,
        };
        Rels {
            list: vec![users, orders],
        }
    }

    fn expr(sql: &str) -> Expr {
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        sqlparser::parser::Parser::new(&dialect)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .expect("an expression")
    }

    fn sel(r: &Rels, sql: &str) -> f64 {
        let e = expr(sql);
        let parts = super::super::prune::conjuncts(&e);
        r.selectivity(&parts)
    }

    #[test]
    fn widths_follow_the_column_types() {
        assert_eq!(type_width(&SqlType::Int4), 4);
        assert_eq!(type_width(&SqlType::Text), 32);
        assert_eq!(type_width(&SqlType::Timestamp), 8);
        assert_eq!(type_width(&SqlType::Char(2)), 12);
        assert_eq!(type_width(&SqlType::Varchar(Some(5))), 24);
        assert_eq!(type_width(&SqlType::Varchar(Some(100))), 218);
        assert_eq!(type_width(&SqlType::Varchar(Some(255))), 516);
        let numeric = |p| SqlType::Numeric {
            precision: Some(p),
            scale: Some(2),
        };
        assert_eq!(type_width(&numeric(10)), 16);
        assert_eq!(type_width(&SqlType::Bool), 1);
    }

    #[test]
    fn equality_selects_one_value_of_the_distinct_ones() {
        let r = rels();
        assert_eq!(sel(&r, "o.order_id = 3"), 0.005);
        assert_eq!(sel(&r, "u.user_id = 3"), 1.0 / 1270.0);
        assert_eq!(sel(&r, "o.active = true"), 0.5);
        assert_eq!(sel(&r, "o.order_id <> 3"), 0.995);
        assert_eq!(sel(&r, "o.order_id IN (1, 2)"), 0.01);
    }

    #[test]
    fn ranges_on_one_column_count_together() {
        let r = rels();
        assert_eq!(sel(&r, "o.order_id > 3"), DEFAULT_INEQ_SEL);
        assert_eq!(sel(&r, "o.order_id > 3 AND o.order_id < 9"), 0.005);
        assert_eq!(sel(&r, "o.order_id BETWEEN 3 AND 9"), 0.005);
        let or = sel(&r, "o.order_id = 1 OR o.order_id = 2");
        assert!((or - (0.01 - 0.000025)).abs() < 1e-12);
    }

    #[test]
    fn like_patterns_weigh_their_literal_characters() {
        let r = rels();
        assert_eq!(sel(&r, "u.name LIKE 'A%'"), 0.005);
        assert!((sel(&r, "u.name LIKE '%abc%'") - 0.04).abs() < 1e-12);
        assert_eq!(sel(&r, "u.name LIKE 'abc'"), 0.005);
    }

    #[test]
    fn joins_select_by_the_larger_distinct_count() {
        let r = rels();
        assert_eq!(sel(&r, "o.user_id = u.user_id"), 1.0 / 1270.0);
    }

    #[test]
    fn groups_are_distinct_values_capped_by_the_rows() {
        let r = rels();
        let no_bool = |_: &Expr| false;
        let id = expr("u.user_id");
        assert_eq!(r.num_groups(&[&id], 1270.0, &no_bool), 1270.0);
        let o = expr("o.order_id");
        assert_eq!(r.num_groups(&[&o], 1070.0, &no_bool), 200.0);
        let u = expr("o.user_id");
        // Two default-guessed columns of one relation: 200 × 200 is capped at a tenth of its
        // rows, but never below the larger column's 200.
        assert_eq!(r.num_groups(&[&o, &u], 5000.0, &no_bool), 200.0);
    }

    #[test]
    fn operators_and_functions_cost_one_operator_call() {
        let r = rels();
        assert_eq!(
            r.eval_cost(&expr("o.order_id = 3")),
            QualCost::operators(1.0)
        );
        assert_eq!(
            r.eval_cost(&expr("o.order_id + 1 > 3")),
            QualCost::operators(2.0)
        );
        assert_eq!(r.eval_cost(&expr("1 + 2")), QualCost::default());
        assert_eq!(r.eval_cost(&expr("count(*)")), QualCost::default());
        assert_eq!(
            r.eval_cost(&expr("o.order_id IN (1, 2)")),
            QualCost::operators(1.0)
        );
    }
}
