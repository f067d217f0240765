//! The plan PostgreSQL makes for a SELECT on one node, with its estimates: per relation a
//! sequential scan, or an index scan where WHERE fixes a unique key; joins in FROM order as hash
//! joins (the cheaper side hashed), merge joins over sorted inputs or nested loops; then
//! aggregation, DISTINCT, sorting and LIMIT.

mod window;

use super::cost::{self, AggCosts, AggStrategy, Cost, HashJoin, HashKey, IndexScan, QualCost};
use super::deparse::Deparser;
use super::estimate::{
    between_bounds, collect, equality, is_constant, type_width, Column, Rel, Rels, UniqueIndex, Var,
};
use super::explain::PlanNode;
use super::prune::conjuncts;
use super::relations::{normalize_ident, object_name};
use super::split::is_aggregate;
use crate::sql::eval::{EvalCtx, ScopeColumn};
use crate::sql::Database;
use crate::types::SqlType;
use sqlparser::ast::{
    BinaryOperator, Distinct, Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, OrderByExpr,
    Query, Select, SelectItem, SetExpr, TableFactor, Value as AstValue,
};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ops::Add;

/// Rows a set-returning function or a subquery in FROM is assumed to return.
const OPAQUE_ROWS: f64 = 1000.0;
/// A tuple identifier.
const CTID_WIDTH: i64 = 6;
/// Leaf entries of a btree page for a small key.
const INDEX_ENTRIES_PER_PAGE: f64 = 408.0;

/// A table of `db` as the planner sizes it without statistics; `reference` is the name the
/// query uses for it.
pub fn table_rel(db: &Database, name: &str, reference: &str) -> Option<Rel> {
    let def = db.storage.table(name)?;
    let live = db.storage.row_count(name).unwrap_or(0) as f64;
    let mut rel = Rel::opaque(reference, 0.0);
    rel.name = name.to_string();
    rel.columns = def
        .columns
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            ty: c.ty.clone(),
        })
        .collect();
    let (pages, tuples) = cost::table_size(rel.data_width(), live);
    rel.pages = pages;
    rel.tuples = tuples;
    rel.rows = tuples;
    rel.unique_indexes = db
        .storage
        .unique_indexes(name)
        .iter()
        .map(|ix| UniqueIndex {
            name: ix.name.clone(),
            columns: ix.column_names.clone(),
        })
        .collect();
    rel.primary_key = def
        .primary_key()
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    // An empty index is its metapage; then leaves, and a root above more than one leaf.
    let leaves = (live / INDEX_ENTRIES_PER_PAGE).ceil();
    rel.index_pages = 1.0 + leaves + if leaves > 1.0 { 1.0 } else { 0.0 };
    rel.index_height = if leaves > 1.0 { 1.0 } else { 0.0 };
    Some(rel)
}

/// The top-level conjuncts of a condition, with `x BETWEEN a AND b` as its two comparisons
/// (as PostgreSQL's parser rewrites it) and constant-true parts dropped.
pub fn restriction_parts(expr: &Expr) -> Vec<Expr> {
    let mut out = Vec::new();
    for c in conjuncts(expr) {
        match c {
            Expr::Between {
                expr,
                negated: false,
                low,
                high,
            } => out.extend(between_bounds(expr, low, high)),
            Expr::Value(AstValue::Boolean(true)) => {}
            other => out.push(other.clone()),
        }
    }
    out
}

/// A planned subtree.
struct Path {
    node: PlanNode,
    cost: Cost,
    rels: BTreeSet<usize>,
    /// The columns and expressions it returns.
    output: Vec<Expr>,
    /// A base relation's every column: what its scan returns when the node above takes the
    /// rows as they are (a "physical" target list).
    physical: Option<Vec<Expr>>,
    /// Its rows come in the query's ORDER BY order (a merge join on those keys).
    presorted: bool,
}

impl Path {
    fn new(node: PlanNode, cost: Cost, rels: BTreeSet<usize>) -> Self {
        Path {
            node: node.with_cost(cost),
            cost,
            rels,
            output: Vec::new(),
            physical: None,
            presorted: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

impl JoinKind {
    fn swapped(self) -> Self {
        match self {
            JoinKind::Left => JoinKind::Right,
            JoinKind::Right => JoinKind::Left,
            other => other,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            JoinKind::Inner => "",
            JoinKind::Left => " Left",
            JoinKind::Right => " Right",
            JoinKind::Full => " Full",
        }
    }
}

/// A merge join's estimate: its own, its two Sorts', and whether the inner one is
/// materialized.
struct MergePlan {
    cost: Cost,
    outer_sort: Cost,
    inner_sort: Cost,
    materialize: bool,
}

/// A relation joined to the ones before it.
struct Step {
    rel: usize,
    kind: JoinKind,
    /// The join's own conditions (outer joins only; inner ones join the WHERE pool).
    on: Vec<Expr>,
}

/// Plans queries against one node's tables.
pub struct NodePlanner<'a> {
    ctx: &'a EvalCtx<'a>,
    /// EXPLAIN (VERBOSE): output columns, qualified names.
    verbose: bool,
    /// Per join planned, in FROM order: `Some(outer is the right input)` for a merge join.
    merges: RefCell<Vec<Option<bool>>>,
}

/// What the upper part of a query does, resolved against its select list.
struct Upper {
    projection: Vec<Expr>,
    group: Vec<Expr>,
    having: Option<Expr>,
    order: Vec<OrderByExpr>,
    aggregates: Vec<Expr>,
    distinct: bool,
    limit: Option<f64>,
    offset: Option<f64>,
    has_limit: bool,
}

impl Upper {
    fn aggregated(&self) -> bool {
        !self.group.is_empty() || !self.aggregates.is_empty()
    }
}

/// The aggregate calls of `exprs`, each once.
pub fn aggregate_calls<'e>(exprs: impl IntoIterator<Item = &'e Expr>) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    for call in collect(exprs, &is_aggregate) {
        if !out.contains(&call) {
            out.push(call);
        }
    }
    out
}

/// The conjuncts of a HAVING clause, with their cost and selectivity.
pub fn having_estimate(rels: &Rels, having: Option<&Expr>) -> (Vec<Expr>, Option<(QualCost, f64)>) {
    let parts: Vec<Expr> = having.map(restriction_parts).unwrap_or_default();
    let estimate = (!parts.is_empty()).then(|| {
        let refs: Vec<&Expr> = parts.iter().collect();
        let cost = parts
            .iter()
            .fold(QualCost::default(), |acc, e| acc + rels.eval_cost(e));
        (cost, rels.selectivity(&refs))
    });
    (parts, estimate)
}

/// `GROUP BY 1` / `ORDER BY alias`: the select-list expression they stand for.
pub fn output_ref(e: &Expr, items: &[SelectItem]) -> Option<Expr> {
    match e {
        Expr::Value(AstValue::Number(n, _)) => {
            let pos: usize = n.to_string().parse().ok()?;
            match items.get(pos.checked_sub(1)?)? {
                SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                    Some(expr.clone())
                }
                _ => None,
            }
        }
        Expr::Identifier(id) => items.iter().find_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias }
                if normalize_ident(alias) == normalize_ident(id) =>
            {
                Some(expr.clone())
            }
            _ => None,
        }),
        _ => None,
    }
}

fn number(e: &Expr) -> Option<f64> {
    match e {
        Expr::Value(AstValue::Number(n, _)) => n.to_string().parse().ok(),
        _ => None,
    }
}

impl<'a> NodePlanner<'a> {
    pub fn new(ctx: &'a EvalCtx<'a>) -> Self {
        NodePlanner {
            ctx,
            verbose: false,
            merges: RefCell::new(Vec::new()),
        }
    }

    /// What the planner evaluates with (the node's database and host).
    pub fn ctx(&self) -> &EvalCtx<'a> {
        self.ctx
    }

    pub fn verbose(mut self, on: bool) -> Self {
        self.verbose = on;
        self
    }

    pub fn is_verbose(&self) -> bool {
        self.verbose
    }

    /// A base relation's scan returning every column, as the node above takes its rows as
    /// they are.
    fn as_stored(&self, rels: &Rels, path: Path) -> Path {
        match path.physical.clone() {
            Some(all) => self.returning(rels, path, all),
            None => path,
        }
    }

    /// `path` returning `output`: with EXPLAIN (VERBOSE), its first line says so (columns
    /// qualified when the plan reads more than one relation).
    fn returning(&self, rels: &Rels, mut path: Path, output: Vec<Expr>) -> Path {
        if self.verbose {
            if path
                .node
                .props
                .first()
                .is_some_and(|p| p.starts_with("Output: "))
            {
                path.node.props.remove(0);
            }
            if !output.is_empty() {
                let prefix = rels.list.len() > 1;
                let shown: Vec<String> =
                    output.iter().map(|e| self.shown(rels, e, prefix)).collect();
                path.node
                    .props
                    .insert(0, format!("Output: {}", shown.join(", ")));
            }
        }
        path.output = output;
        path
    }

    pub(crate) fn db(&self) -> &Database {
        self.ctx.db
    }

    fn scope(rels: &Rels) -> Vec<ScopeColumn> {
        rels.list
            .iter()
            .flat_map(|r| {
                r.columns.iter().map(|c| ScopeColumn {
                    qualifier: Some(r.reference.clone()),
                    name: c.name.clone(),
                    ty: c.ty.clone(),
                })
            })
            .collect()
    }

    /// The type of `expr` over the relations' columns.
    pub fn expr_type(&self, rels: &Rels, expr: &Expr) -> SqlType {
        match rels.var(expr).and_then(|v| rels.column(v)) {
            Some(c) => c.ty.clone(),
            None => crate::sql::eval::expr_type(expr, &Self::scope(rels), self.ctx),
        }
    }

    /// The width of `expr`'s values: a column's, else its type's.
    pub fn expr_width(&self, rels: &Rels, expr: &Expr) -> i64 {
        match rels.var(expr) {
            Some(v) => rels.width(v),
            None => type_width(&self.expr_type(rels, expr)),
        }
    }

    /// The width and evaluation cost of computing `exprs` for each row.
    fn target(&self, rels: &Rels, exprs: &[Expr]) -> (i64, QualCost) {
        exprs.iter().fold((0, QualCost::default()), |(w, c), e| {
            (w + self.expr_width(rels, e), c.add(rels.eval_cost(e)))
        })
    }

    /// `expr` as a plan prints it; `prefix` qualifies columns with their relation.
    fn shown(&self, rels: &Rels, expr: &Expr, prefix: bool) -> String {
        let type_of = |e: &Expr| self.expr_type(rels, e);
        Deparser::new(rels, prefix, &type_of).expr(expr)
    }

    fn quals_text(&self, rels: &Rels, quals: &[Expr], prefix: bool) -> String {
        let type_of = |e: &Expr| self.expr_type(rels, e);
        Deparser::new(rels, prefix, &type_of).quals(quals)
    }

    /// The plan of `query` with PostgreSQL's estimates.
    pub fn plan(&self, query: &Query) -> PlanNode {
        let SetExpr::Select(select) = query.body.as_ref() else {
            let c = cost::result(QualCost::default(), 0);
            return PlanNode::new("Result").with_cost(c);
        };
        let (mut rels, steps) = self.relations_and_joins(select);
        let upper = self.upper(query, select, &rels);
        let prefix = rels.list.len() > 1 || self.verbose;
        let mut path = if rels.list.is_empty() {
            let (width, target) = self.target(&rels, &upper.projection);
            let c = cost::result(target, width);
            let path = Path::new(PlanNode::new("Result"), c, BTreeSet::new());
            self.returning(&rels, path, upper.projection.clone())
        } else {
            self.scan_join(select.selection.as_ref(), &mut rels, steps, &upper)
        };
        if upper.aggregated() {
            path = self.aggregate(&rels, path, &upper, prefix);
        } else if upper.distinct {
            path = self.distinct(&rels, path, &upper, prefix);
        }
        let window_sorted = self.window_aggs(&rels, &mut path, &upper, prefix);
        let keys: Vec<String> = upper
            .order
            .iter()
            .map(|o| self.sort_key_text(&rels, o, prefix))
            .collect();
        if !upper.order.is_empty() && !window_sorted.starts_with(&keys) && !path.presorted {
            let c = self.sort_cost(&path.cost, &upper);
            let node = PlanNode::new("Sort")
                .prop(format!("Sort Key: {}", keys.join(", ")))
                .child(path.node);
            path = self.returning(&rels, Path::new(node, c, path.rels), path.output);
        }
        if upper.has_limit {
            let c = cost::limit(&path.cost, upper.offset, upper.limit);
            let node = PlanNode::new("Limit").child(path.node);
            path = self.returning(&rels, Path::new(node, c, path.rels), path.output);
        }
        path.node
    }

    /// Which joins of `query`, in FROM order, PostgreSQL runs as merge joins: `Some(outer is
    /// the right input)` for those, `None` for the others.
    pub fn merge_joins(
        &self,
        select: &Select,
        order_by: &[OrderByExpr],
        bound: Option<usize>,
    ) -> Vec<Option<bool>> {
        let (mut rels, steps) = self.relations_and_joins(select);
        let limit = bound.map(|b| b as f64);
        let upper = self.upper_of(select, order_by, (limit, None, limit.is_some()), &rels);
        self.merges.borrow_mut().clear();
        self.scan_join(select.selection.as_ref(), &mut rels, steps, &upper);
        self.merges.take()
    }

    /// A Sort for the query's ORDER BY (bounded by its LIMIT) over `input`.
    fn sort_cost(&self, input: &Cost, upper: &Upper) -> Cost {
        let bound = match (upper.limit, upper.offset) {
            (Some(l), o) => Some(l + o.unwrap_or(0.0)),
            _ => None,
        };
        self.sorted(cost::sort(input, bound))
    }

    /// A sort's cost, penalized under `enable_sort = off`.
    fn sorted(&self, mut c: Cost) -> Cost {
        if !self.ctx.host.plan_methods().sort {
            c.startup += cost::DISABLE_COST;
            c.total += cost::DISABLE_COST;
        }
        c
    }

    /// One stored relation, `reference` being the name the statement knows it by.
    pub fn relation_rels(&self, table: &str, reference: &str) -> Rels {
        let rel = table_rel(self.db(), table, reference)
            .unwrap_or_else(|| Rel::opaque(reference, OPAQUE_ROWS));
        Rels { list: vec![rel] }
    }

    /// The relations of `query`'s FROM list.
    pub fn query_rels(&self, query: &Query) -> Rels {
        match query.body.as_ref() {
            SetExpr::Select(select) => self.relations_and_joins(select).0,
            _ => Rels::default(),
        }
    }

    /// A plan that reads one relation, filtered by `selection`, computing `outputs` per row.
    fn single_relation(
        &self,
        mut rels: Rels,
        selection: Option<&Expr>,
        outputs: Vec<Expr>,
    ) -> PlanNode {
        let upper = Upper {
            projection: outputs,
            group: Vec::new(),
            having: None,
            order: Vec::new(),
            aggregates: Vec::new(),
            distinct: false,
            limit: None,
            offset: None,
            has_limit: false,
        };
        let steps = vec![Step {
            rel: 0,
            kind: JoinKind::Inner,
            on: Vec::new(),
        }];
        self.scan_join(selection, &mut rels, steps, &upper).node
    }

    /// A sequential scan of every column of `table`.
    pub fn table_scan(&self, table: &str) -> PlanNode {
        let rel =
            table_rel(self.db(), table, table).unwrap_or_else(|| Rel::opaque(table, OPAQUE_ROWS));
        let rels = Rels { list: vec![rel] };
        let columns = Self::columns_of(&rels, None);
        self.single_relation(rels, None, columns)
    }

    /// The scan under an UPDATE (computing the new `values`) or a DELETE of `table`: it also
    /// returns each row's ctid.
    pub fn modify_scan(
        &self,
        table: &str,
        reference: &str,
        selection: Option<&Expr>,
        values: &[Expr],
    ) -> PlanNode {
        let rel = table_rel(self.db(), table, reference)
            .unwrap_or_else(|| Rel::opaque(reference, OPAQUE_ROWS));
        let mut node = self.single_relation(Rels { list: vec![rel] }, selection, values.to_vec());
        if let Some(c) = node.cost.as_mut() {
            c.width += CTID_WIDTH;
        }
        node
    }

    /// The one-row Result an INSERT ... VALUES reads: a value for every column of `table`.
    pub fn insert_values(&self, table: &str) -> Option<PlanNode> {
        let rel = table_rel(self.db(), table, table)?;
        let c = cost::result(QualCost::default(), rel.data_width());
        Some(PlanNode::new("Result").with_cost(c))
    }

    /// The relations of FROM and how each joins the ones before it.
    fn relations_and_joins(&self, select: &Select) -> (Rels, Vec<Step>) {
        let mut rels = Rels::default();
        let mut steps = Vec::new();
        for twj in &select.from {
            let rel = self.factor_rel(&twj.relation, &mut rels);
            steps.push(Step {
                rel,
                kind: JoinKind::Inner,
                on: Vec::new(),
            });
            for j in &twj.joins {
                let rel = self.factor_rel(&j.relation, &mut rels);
                let (kind, constraint) = match &j.join_operator {
                    JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
                    JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
                    JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
                    JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
                    _ => (JoinKind::Inner, None),
                };
                let on = match constraint {
                    Some(JoinConstraint::On(e)) => restriction_parts(e),
                    Some(JoinConstraint::Using(cols)) => self.using_parts(&rels, rel, cols),
                    _ => Vec::new(),
                };
                steps.push(Step { rel, kind, on });
            }
        }
        (rels, steps)
    }

    /// `JOIN r USING (c)`: `earlier.c = r.c` for each column.
    fn using_parts(&self, rels: &Rels, rel: usize, cols: &[Ident]) -> Vec<Expr> {
        let Some(right) = rels.list.get(rel) else {
            return Vec::new();
        };
        cols.iter()
            .filter_map(|c| {
                let name = normalize_ident(c);
                let left = rels
                    .list
                    .iter()
                    .take(rel)
                    .find(|r| r.columns.iter().any(|x| x.name == name))?;
                let col = |r: &Rel| {
                    Expr::CompoundIdentifier(vec![
                        crate::sql::ddl::ident(&r.reference),
                        crate::sql::ddl::ident(&name),
                    ])
                };
                Some(eq_expr(col(left), col(right)))
            })
            .collect()
    }

    fn factor_rel(&self, factor: &TableFactor, rels: &mut Rels) -> usize {
        let rel = match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let table = object_name(name);
                let reference = alias
                    .as_ref()
                    .map(|a| normalize_ident(&a.name))
                    .unwrap_or_else(|| table.clone());
                table_rel(self.db(), &table, &reference).unwrap_or_else(|| {
                    let mut r = Rel::opaque(&reference, OPAQUE_ROWS);
                    r.name = table;
                    r.pages = 10.0;
                    r
                })
            }
            TableFactor::Table { name, alias, .. } => {
                let f = object_name(name);
                let reference = alias
                    .as_ref()
                    .map(|a| normalize_ident(&a.name))
                    .unwrap_or_else(|| f.clone());
                let mut r = Rel::opaque(&reference, OPAQUE_ROWS);
                r.name = f;
                r
            }
            TableFactor::Derived { alias, .. } => {
                let reference = alias
                    .as_ref()
                    .map(|a| normalize_ident(&a.name))
                    .unwrap_or_default();
                Rel::opaque(&reference, OPAQUE_ROWS)
            }
            _ => Rel::opaque("", OPAQUE_ROWS),
        };
        rels.list.push(rel);
        rels.list.len() - 1
    }

    fn upper(&self, query: &Query, select: &Select, rels: &Rels) -> Upper {
        let order = query.order_by.as_ref().map_or(&[][..], |o| &o.exprs[..]);
        let limit = query.limit.as_ref().and_then(number);
        let offset = query.offset.as_ref().and_then(|o| number(&o.value));
        let has_limit = query.limit.is_some() || query.offset.is_some();
        self.upper_of(select, order, (limit, offset, has_limit), rels)
    }

    /// `upper` of a SELECT block with its ORDER BY and (LIMIT, OFFSET, whether either is there).
    fn upper_of(
        &self,
        select: &Select,
        order_by: &[OrderByExpr],
        (limit, offset, has_limit): (Option<f64>, Option<f64>, bool),
        rels: &Rels,
    ) -> Upper {
        let mut projection = Vec::new();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    projection.push(e.clone())
                }
                SelectItem::Wildcard(_) => projection.extend(Self::columns_of(rels, None)),
                SelectItem::QualifiedWildcard(name, _) => {
                    projection.extend(Self::columns_of(rels, Some(&object_name(name))))
                }
            }
        }
        let group: Vec<Expr> = match &select.group_by {
            GroupByExpr::Expressions(exprs, _) => exprs
                .iter()
                .map(|e| output_ref(e, &select.projection).unwrap_or_else(|| e.clone()))
                .collect(),
            GroupByExpr::All(_) => Vec::new(),
        };
        let order: Vec<OrderByExpr> = order_by
            .iter()
            .map(|ob| OrderByExpr {
                expr: output_ref(&ob.expr, &select.projection).unwrap_or_else(|| ob.expr.clone()),
                ..ob.clone()
            })
            .collect();
        let aggregates = aggregate_calls(
            projection
                .iter()
                .chain(select.having.iter())
                .chain(order.iter().map(|o| &o.expr)),
        );
        Upper {
            projection,
            group,
            having: select.having.clone(),
            order,
            aggregates,
            distinct: matches!(select.distinct, Some(Distinct::Distinct)),
            limit,
            offset,
            has_limit,
        }
    }

    fn columns_of(rels: &Rels, reference: Option<&str>) -> Vec<Expr> {
        rels.list
            .iter()
            .filter(|r| reference.is_none_or(|q| q == r.reference))
            .flat_map(|r| {
                r.columns.iter().map(|c| {
                    Expr::CompoundIdentifier(vec![
                        crate::sql::ddl::ident(&r.reference),
                        Ident::with_quote('"', c.name.clone()),
                    ])
                })
            })
            .collect()
    }

    /// Expressions whose columns the scans and joins must return for the nodes above them.
    fn needed_above(upper: &Upper) -> Vec<&Expr> {
        upper
            .projection
            .iter()
            .chain(upper.group.iter())
            .chain(upper.having.iter())
            .chain(upper.order.iter().map(|o| &o.expr))
            .collect()
    }

    /// What the top scan or join computes: the output columns, or the aggregation's input.
    fn scan_join_target(&self, rels: &Rels, upper: &Upper) -> Vec<Expr> {
        let mut out: Vec<Expr> = Vec::new();
        if upper.aggregated() {
            out.extend(upper.group.iter().cloned());
            let mut seen: Vec<Var> = upper.group.iter().filter_map(|g| rels.var(g)).collect();
            for e in Self::needed_above(upper) {
                for v in rels.vars(e) {
                    if !seen.contains(&v) {
                        seen.push(v);
                        out.push(Self::var_expr(rels, v));
                    }
                }
            }
        } else {
            out.extend(upper.projection.iter().cloned());
            for o in &upper.order {
                if !out.iter().any(|e| same_expr(rels, e, &o.expr)) {
                    out.push(o.expr.clone());
                }
            }
        }
        out
    }

    fn var_expr(rels: &Rels, v: Var) -> Expr {
        match (rels.rel(v), rels.column(v)) {
            (Some(r), Some(c)) => Expr::CompoundIdentifier(vec![
                crate::sql::ddl::ident(&r.reference),
                crate::sql::ddl::ident(&c.name),
            ]),
            _ => Expr::Value(AstValue::Null),
        }
    }

    /// Scans of each relation joined in FROM order.
    fn scan_join(
        &self,
        selection: Option<&Expr>,
        rels: &mut Rels,
        mut steps: Vec<Step>,
        upper: &Upper,
    ) -> Path {
        let mut pool: Vec<Expr> = selection.map(restriction_parts).unwrap_or_default();
        // An outer join whose nullable side a WHERE condition filters is an inner join.
        for step in steps.iter_mut().skip(1) {
            let nullable_filtered = |rel: usize| {
                pool.iter()
                    .any(|c| !matches!(c, Expr::IsNull(_)) && rels.rels_of(c).contains(&rel))
            };
            match step.kind {
                JoinKind::Left if nullable_filtered(step.rel) => step.kind = JoinKind::Inner,
                _ => {}
            }
        }
        for step in &mut steps {
            if step.kind == JoinKind::Inner {
                pool.append(&mut step.on);
            }
        }
        let derived = equivalences(rels, &mut pool);
        // Conditions on one relation filter its scan; PostgreSQL adds the equalities it derives
        // from equivalence classes after the others.
        let mut restrictions: Vec<Vec<Expr>> = vec![Vec::new(); rels.list.len()];
        let mut joins: Vec<Expr> = Vec::new();
        for c in pool.into_iter().chain(derived) {
            let of = rels.rels_of(&c);
            match of.iter().collect::<Vec<_>>().as_slice() {
                [] => {}
                [one] => {
                    if let Some(r) = restrictions.get_mut(**one) {
                        r.push(c);
                    }
                }
                _ => joins.push(c),
            }
        }
        // Conditions of an outer join on its nullable side alone filter that side's scan.
        for step in &mut steps {
            if step.kind == JoinKind::Left {
                let (own, rest): (Vec<Expr>, Vec<Expr>) = step
                    .on
                    .drain(..)
                    .partition(|c| rels.rels_of(c) == BTreeSet::from([step.rel]));
                if let Some(r) = restrictions.get_mut(step.rel) {
                    r.extend(own);
                }
                step.on = rest;
            }
        }
        for (i, quals) in restrictions.iter().enumerate() {
            let parts: Vec<&Expr> = quals.iter().collect();
            let sel = rels.selectivity(&parts);
            if let Some(rel) = rels.list.get_mut(i) {
                rel.rows = cost::clamp_row_est(rel.tuples * sel);
            }
        }
        let rels: &Rels = rels;
        let target = self.scan_join_target(rels, upper);
        let needed: Vec<&Expr> = Self::needed_above(upper)
            .into_iter()
            .chain(joins.iter())
            .chain(steps.iter().flat_map(|s| s.on.iter()))
            .collect();
        let single = steps.len() == 1;
        // Below an aggregation of plain columns a scan returns its rows as they are.
        let physical = upper.aggregated() && upper.group.iter().all(|g| rels.var(g).is_some());
        let mut paths = steps.iter().map(|s| {
            let quals = restrictions.get(s.rel).cloned().unwrap_or_default();
            let (output, target_cost) = if single {
                let (_, c) = self.target(rels, &target);
                (target.clone(), c)
            } else {
                (Self::rel_columns(rels, s.rel, &needed), QualCost::default())
            };
            let width = self.target(rels, &output).0;
            let path = self.scan(rels, s.rel, &quals, width, target_cost);
            let path = self.returning(rels, path, output);
            if single && physical {
                self.as_stored(rels, path)
            } else {
                path
            }
        });
        let Some(mut path) = paths.next() else {
            return Path::new(
                PlanNode::new("Result"),
                cost::result(QualCost::default(), 0),
                BTreeSet::new(),
            );
        };
        let rest: Vec<Path> = paths.collect();
        let count = rest.len();
        // The last join's order reaches ORDER BY when nothing in between regroups the rows.
        let takes_order = !upper.aggregated()
            && !upper.distinct
            && !upper.order.is_empty()
            && upper
                .order
                .iter()
                .all(|o| o.asc != Some(false) && o.nulls_first != Some(true))
            && crate::planner::window::window_calls(
                upper
                    .projection
                    .iter()
                    .chain(upper.order.iter().map(|o| &o.expr)),
            )
            .is_empty();
        for (i, (right, step)) in rest.into_iter().zip(steps.iter().skip(1)).enumerate() {
            let mut covered = path.rels.clone();
            covered.extend(right.rels.iter().copied());
            let mut clauses: Vec<Expr> = step.on.clone();
            let (now, later): (Vec<Expr>, Vec<Expr>) = joins
                .into_iter()
                .partition(|c| rels.rels_of(c).is_subset(&covered));
            clauses.extend(now);
            joins = later;
            let (output, target_cost) = if i + 1 == count {
                let (_, c) = self.target(rels, &target);
                (target.clone(), c)
            } else {
                let needed: Vec<&Expr> = Self::needed_above(upper)
                    .into_iter()
                    .chain(joins.iter())
                    .chain(steps.iter().skip(i + 2).flat_map(|s| s.on.iter()))
                    .collect();
                let columns = covered
                    .iter()
                    .flat_map(|r| Self::rel_columns(rels, *r, &needed))
                    .collect();
                (columns, QualCost::default())
            };
            let width = self.target(rels, &output).0;
            let joined = self.join(
                rels,
                path,
                right,
                step.kind,
                &clauses,
                width,
                target_cost,
                &restrictions,
                (i + 1 == count && takes_order).then_some(upper),
            );
            path = self.returning(rels, joined, output);
        }
        path
    }

    /// The columns of `rel` that `needed` read.
    fn rel_columns(rels: &Rels, rel: usize, needed: &[&Expr]) -> Vec<Expr> {
        let mut vars: Vec<Var> = Vec::new();
        for e in needed {
            for v in rels.vars(e) {
                if v.rel == rel && !vars.contains(&v) {
                    vars.push(v);
                }
            }
        }
        vars.into_iter().map(|v| Self::var_expr(rels, v)).collect()
    }

    /// Filter conditions in the order PostgreSQL checks them: cheapest first.
    fn ordered(rels: &Rels, quals: &[Expr]) -> Vec<Expr> {
        let mut q: Vec<(f64, Expr)> = quals
            .iter()
            .map(|e| (rels.eval_cost(e).per_tuple, e.clone()))
            .collect();
        crate::sort::sort_by(&mut q, |a, b| a.0.total_cmp(&b.0));
        q.into_iter().map(|(_, e)| e).collect()
    }

    fn qual_cost(rels: &Rels, quals: &[Expr]) -> QualCost {
        quals
            .iter()
            .fold(QualCost::default(), |acc, q| acc.add(rels.eval_cost(q)))
    }

    /// The scan of a partitioned table: its partitions that survive pruning, each read by a
    /// Seq Scan under the table's alias (numbered when there are several), below an Append.
    fn partitioned_scan(
        &self,
        rels: &Rels,
        rel: &Rel,
        rels_set: BTreeSet<usize>,
        quals: &[Expr],
        width: i64,
        target: QualCost,
    ) -> Option<Path> {
        let db = self.db();
        let def = db.table(&rel.name)?;
        if !def.is_partitioned() {
            return None;
        }
        let kept = crate::sql::partition::prune_by_quals(db, def, &rel.reference, quals);
        let selectivity = if rel.tuples > 0.0 {
            rel.rows / rel.tuples
        } else {
            1.0
        };
        let qual_cost = Self::qual_cost(rels, quals);
        let several = kept.len() > 1;
        let mut scans = Vec::new();
        for (i, part) in kept.iter().enumerate() {
            let child = table_rel(db, &part.name, &part.name)?;
            let rows = (child.tuples * selectivity).max(1.0).round();
            let c = cost::seq_scan(child.pages, child.tuples, rows, qual_cost, target, width);
            let relation = if self.verbose {
                crate::sql::namespace::qualified_sql(&part.name)
            } else {
                crate::sql::namespace::relname(&part.name).to_string()
            };
            let alias = if several {
                format!("{}_{}", rel.reference, i + 1)
            } else {
                rel.reference.clone()
            };
            let mut node = PlanNode::new(format!("Seq Scan on {relation} {alias}"));
            if !quals.is_empty() {
                node = node.prop(format!(
                    "Filter: {}",
                    self.quals_text(rels, quals, self.verbose)
                ));
            }
            scans.push((node, c));
        }
        if !several {
            let (node, c) = scans.pop()?;
            return Some(Path::new(node, c, rels_set));
        }
        let rows: f64 = scans.iter().map(|(_, c)| c.rows).sum();
        let startup = scans.first().map_or(0.0, |(_, c)| c.startup);
        // PostgreSQL charges an Append half a cpu_tuple_cost per row it passes on.
        let total: f64 =
            scans.iter().map(|(_, c)| c.total).sum::<f64>() + 0.5 * cost::CPU_TUPLE_COST * rows;
        let mut append = PlanNode::new("Append");
        for (node, c) in scans {
            append = append.child(node.with_cost(c));
        }
        Some(Path::new(
            append,
            Cost::new(startup, total, rows, width),
            rels_set,
        ))
    }

    /// The scan of one relation: through a unique index when its filters fix every key
    /// column, sequential otherwise.
    fn scan(
        &self,
        rels: &Rels,
        rel_index: usize,
        quals: &[Expr],
        width: i64,
        target: QualCost,
    ) -> Path {
        let rels_set = BTreeSet::from([rel_index]);
        let Some(rel) = rels.list.get(rel_index) else {
            return Path::new(
                PlanNode::new("Result"),
                cost::result(target, width),
                rels_set,
            );
        };
        let relation = if self.verbose {
            crate::sql::namespace::qualified_sql(&rel.name)
        } else {
            crate::sql::namespace::relname(&rel.name).to_string()
        };
        let target_name = if rel.reference == crate::sql::namespace::relname(&rel.name)
            || rel.reference.is_empty()
        {
            relation
        } else {
            format!("{relation} {}", rel.reference)
        };
        let all_columns = Self::columns_of(rels, Some(&rel.reference));
        let quals_prefix = self.verbose;
        let fixed: Vec<Option<String>> = quals
            .iter()
            .map(|q| fixed_column(rels, rel_index, q))
            .collect();
        let index = rel.unique_indexes.iter().find(|ix| {
            ix.columns
                .iter()
                .all(|c| fixed.iter().any(|f| f.as_deref() == Some(c.as_str())))
        });
        if rel.columns.is_empty() && rel.pages == 0.0 {
            // A function or subquery in FROM.
            let c = cost::seq_scan(
                0.0,
                rel.tuples,
                rel.rows,
                Self::qual_cost(rels, quals),
                target,
                width,
            );
            let title = if rel.reference.is_empty() {
                "Subquery Scan".to_string()
            } else {
                format!("Function Scan on {target_name}")
            };
            let mut node = PlanNode::new(title);
            if !quals.is_empty() {
                node = node.prop(format!(
                    "Filter: {}",
                    self.quals_text(rels, quals, quals_prefix)
                ));
            }
            return Path::new(node, c, rels_set);
        }
        let Some(ix) = index else {
            let quals = Self::ordered(rels, quals);
            if let Some(mut path) =
                self.partitioned_scan(rels, rel, rels_set.clone(), &quals, width, target)
            {
                path.physical = Some(all_columns);
                return path;
            }
            let c = cost::seq_scan(
                rel.pages,
                rel.tuples,
                rel.rows,
                Self::qual_cost(rels, &quals),
                target,
                width,
            );
            let mut node = PlanNode::new(format!("Seq Scan on {target_name}"));
            if !quals.is_empty() {
                node = node.prop(format!(
                    "Filter: {}",
                    self.quals_text(rels, &quals, quals_prefix)
                ));
            }
            let mut path = Path::new(node, c, rels_set);
            path.physical = Some(all_columns);
            return path;
        };
        let mut conds: Vec<(usize, Expr)> = Vec::new();
        let mut rest: Vec<Expr> = Vec::new();
        for (q, f) in quals.iter().zip(&fixed) {
            match f
                .as_ref()
                .and_then(|c| ix.columns.iter().position(|k| k == c))
            {
                Some(pos) if !conds.iter().any(|(p, _)| *p == pos) => conds.push((pos, q.clone())),
                _ => rest.push(q.clone()),
            }
        }
        crate::sort::sort_by_key(&mut conds, |(p, _)| *p);
        let conds: Vec<Expr> = conds.into_iter().map(|(_, e)| e).collect();
        let rest = Self::ordered(rels, &rest);
        let cond_refs: Vec<&Expr> = conds.iter().collect();
        let scan = IndexScan {
            rel_pages: rel.pages,
            rel_tuples: rel.tuples,
            index_pages: rel.index_pages,
            tree_height: rel.index_height,
            selectivity: rels.selectivity(&cond_refs),
            index_tuples: 1.0,
            index_quals: conds.len(),
        };
        let c = cost::index_scan(&scan, rel.rows, Self::qual_cost(rels, &rest), target, width);
        let mut node = PlanNode::new(format!("Index Scan using {} on {target_name}", ix.name))
            .prop(format!(
                "Index Cond: {}",
                self.quals_text(rels, &conds, quals_prefix)
            ));
        if !rest.is_empty() {
            node = node.prop(format!(
                "Filter: {}",
                self.quals_text(rels, &rest, quals_prefix)
            ));
        }
        let mut path = Path::new(node, c, rels_set);
        path.physical = Some(all_columns);
        path
    }

    /// Joins `left` (the relations so far) and `right` by the cheaper of the plans PostgreSQL
    /// considers here.
    #[allow(clippy::too_many_arguments)]
    fn join(
        &self,
        rels: &Rels,
        left: Path,
        right: Path,
        kind: JoinKind,
        clauses: &[Expr],
        width: i64,
        target: QualCost,
        restrictions: &[Vec<Expr>],
        order: Option<&Upper>,
    ) -> Path {
        let clause_refs: Vec<&Expr> = clauses.iter().collect();
        let selectivity = rels.selectivity(&clause_refs);
        let raw = left.cost.rows * right.cost.rows * selectivity;
        let rows = cost::clamp_row_est(match kind {
            JoinKind::Inner => raw,
            JoinKind::Left => raw.max(left.cost.rows),
            JoinKind::Right => raw.max(right.cost.rows),
            JoinKind::Full => raw.max(left.cost.rows).max(right.cost.rows),
        });
        let hashable: Vec<(Expr, Expr)> = clauses
            .iter()
            .filter_map(|c| equi_sides(rels, c, &left.rels, &right.rels))
            .collect();
        let others: Vec<Expr> = clauses
            .iter()
            .filter(|c| equi_sides(rels, c, &left.rels, &right.rels).is_none())
            .cloned()
            .collect();
        if hashable.is_empty() {
            self.merges.borrow_mut().push(None);
            return self.nested_loop(rels, left, right, kind, &others, rows, width, target);
        }
        let plan = |outer: &Path, inner: &Path, keys: Vec<(Expr, Expr)>| {
            let inner_keys: Vec<HashKey> =
                keys.iter().map(|(_, i)| Self::hash_key(rels, i)).collect();
            let hash_refs: Vec<Expr> = keys
                .iter()
                .map(|(o, i)| eq_expr(o.clone(), i.clone()))
                .collect();
            let hash_sel = rels.selectivity(&hash_refs.iter().collect::<Vec<_>>());
            let unique = Self::inner_unique(rels, inner, &keys, restrictions).then(|| {
                let matched = selectivity;
                let count = (selectivity * inner.cost.rows / matched).max(1.0);
                (matched, count)
            });
            let j = HashJoin {
                inner_keys,
                hash_quals: Self::qual_cost(rels, &hash_refs),
                other_quals: Self::qual_cost(rels, &others),
                hash_selectivity: hash_sel,
                inner_unique: unique,
                rows,
                target,
                width,
            };
            (
                cost::hash_join(&outer.cost, &cost::hash(&inner.cost), &j),
                hash_refs,
            )
        };
        let methods = self.ctx.host.plan_methods();
        let penalty = |on: bool, mut c: Cost| {
            if !on {
                c.startup += cost::DISABLE_COST;
                c.total += cost::DISABLE_COST;
            }
            c
        };
        let swapped_keys: Vec<(Expr, Expr)> = hashable
            .iter()
            .map(|(l, r)| (r.clone(), l.clone()))
            .collect();
        // A merge join's output is ordered on the outer keys, except when it adds inner rows
        // that matched nothing; with an ORDER BY on them above, the hash join pays a Sort.
        let wanted: Vec<&Expr> = order
            .map(|u| u.order.iter().map(|o| &o.expr).collect())
            .unwrap_or_default();
        let merge_ordered = |keys: &[(Expr, Expr)], kind: JoinKind| {
            !wanted.is_empty()
                && matches!(kind, JoinKind::Inner | JoinKind::Left)
                && wanted.len() <= keys.len()
                && wanted.iter().zip(keys).all(|(w, (o, i))| {
                    same_expr(rels, w, o) || (kind == JoinKind::Inner && same_expr(rels, w, i))
                })
        };
        let ranked = |c: &Cost, ordered: bool| match order {
            Some(u) if !ordered => {
                let sorted = self.sort_cost(c, u);
                cost::limit(&sorted, u.offset, u.limit).total
            }
            Some(u) => cost::limit(c, u.offset, u.limit).total,
            None => c.total,
        };
        let (as_is, as_is_conds) = plan(&left, &right, hashable.clone());
        let (swapped, swapped_conds) = plan(&right, &left, swapped_keys.clone());
        let (as_is, swapped) = (
            penalty(methods.hashjoin, as_is),
            penalty(methods.hashjoin, swapped),
        );
        let hash_swapped = swapped.total < as_is.total;
        let hash_cost = if hash_swapped { swapped } else { as_is };
        let mut best = ranked(&hash_cost, false);
        let mut merge: Option<(bool, MergePlan)> = None;
        // A full merge join needs every condition to be a merge clause.
        if kind != JoinKind::Full || others.is_empty() {
            for (swap, keys) in [(false, &hashable), (true, &swapped_keys)] {
                let (outer, inner) = if swap {
                    (&right, &left)
                } else {
                    (&left, &right)
                };
                let k = if swap { kind.swapped() } else { kind };
                let m = self.merge_plan(rels, outer, inner, keys, &others, rows, width, target);
                let m = MergePlan {
                    cost: penalty(methods.mergejoin, m.cost),
                    ..m
                };
                let r = ranked(&m.cost, merge_ordered(keys, k));
                if r < best {
                    best = r;
                    merge = Some((swap, m));
                }
            }
        }
        // With hash joins off, a nested loop competes too.
        if !methods.hashjoin && kind != JoinKind::Full {
            let nl = self.nested_loop(
                rels,
                Path::new(left.node.clone(), left.cost, left.rels.clone()),
                Path::new(right.node.clone(), right.cost, right.rels.clone()),
                kind,
                clauses,
                rows,
                width,
                target,
            );
            if ranked(&nl.cost, false) < best {
                self.merges.borrow_mut().push(None);
                return self.nested_loop(rels, left, right, kind, clauses, rows, width, target);
            }
        }
        if let Some((swap, m)) = merge {
            let (outer, inner, kind, keys) = if swap {
                (right, left, kind.swapped(), swapped_keys)
            } else {
                (left, right, kind, hashable)
            };
            self.merges.borrow_mut().push(Some(swap));
            let presorted = merge_ordered(&keys, kind);
            let mut path = self.merge_join(rels, outer, inner, kind, &keys, &others, m);
            path.presorted = presorted;
            return path;
        }
        self.merges.borrow_mut().push(None);
        let (outer, inner, kind, c, conds) = if hash_swapped {
            (right, left, kind.swapped(), swapped, swapped_conds)
        } else {
            (left, right, kind, as_is, as_is_conds)
        };
        let node = self.join_node(rels, "Hash", kind, &conds, &others);
        // The probing side's scan returns its rows as they are.
        let outer = self.as_stored(rels, outer);
        let hash_cost = cost::hash(&inner.cost);
        let hash = Path::new(
            PlanNode::new("Hash").child(inner.node),
            hash_cost,
            inner.rels,
        );
        let hash = self.returning(rels, hash, inner.output);
        let mut covered = outer.rels;
        covered.extend(hash.rels.iter().copied());
        Path::new(node.child(outer.node).child(hash.node), c, covered)
    }

    /// The estimate of a merge join of `outer` and `inner`, both sorted on `keys` here.
    #[allow(clippy::too_many_arguments)]
    fn merge_plan(
        &self,
        rels: &Rels,
        outer: &Path,
        inner: &Path,
        keys: &[(Expr, Expr)],
        others: &[Expr],
        rows: f64,
        width: i64,
        target: QualCost,
    ) -> MergePlan {
        let outer_sort = self.sorted(cost::sort(&outer.cost, None));
        let inner_sort = self.sorted(cost::sort(&inner.cost, None));
        let conds: Vec<Expr> = keys
            .iter()
            .map(|(o, i)| eq_expr(o.clone(), i.clone()))
            .collect();
        let sel = rels.selectivity(&conds.iter().collect::<Vec<_>>());
        // `inner_unique` needs no restrictions beyond the merge keys here: constant filters
        // only make a unique match more certain.
        let unique = Self::inner_unique(rels, inner, keys, &[]);
        let j = cost::MergeJoin {
            merge_quals: Self::qual_cost(rels, &conds),
            other_quals: Self::qual_cost(rels, others),
            merged_rows: cost::clamp_row_est(sel * outer.cost.rows * inner.cost.rows),
            skip_mark_restore: unique && others.is_empty(),
            inner_sorted: true,
            rows,
            target,
            width,
        };
        let (cost, materialize) = cost::merge_join(&outer_sort, &inner_sort, &j);
        MergePlan {
            cost,
            outer_sort,
            inner_sort,
            materialize,
        }
    }

    /// The Merge Join node over both inputs, each under a Sort on its keys.
    #[allow(clippy::too_many_arguments)]
    fn merge_join(
        &self,
        rels: &Rels,
        outer: Path,
        inner: Path,
        kind: JoinKind,
        keys: &[(Expr, Expr)],
        others: &[Expr],
        m: MergePlan,
    ) -> Path {
        let conds: Vec<Expr> = keys
            .iter()
            .map(|(o, i)| eq_expr(o.clone(), i.clone()))
            .collect();
        let node = self.join_node(rels, "Merge", kind, &conds, others);
        let sort = |p: Path, c: Cost, side: fn(&(Expr, Expr)) -> &Expr| {
            let key: Vec<String> = keys
                .iter()
                .map(|k| self.shown(rels, side(k), true))
                .collect();
            let node = PlanNode::new("Sort")
                .prop(format!("Sort Key: {}", key.join(", ")))
                .child(p.node);
            self.returning(rels, Path::new(node, c, p.rels), p.output)
        };
        let outer = sort(outer, m.outer_sort, |k| &k.0);
        let mut inner = sort(inner, m.inner_sort, |k| &k.1);
        if m.materialize {
            // The Material node costs its input plus an operator call per row.
            let mut c = m.inner_sort;
            c.total += cost::CPU_OPERATOR_COST * c.rows;
            let node = PlanNode::new("Materialize").child(inner.node);
            inner = self.returning(rels, Path::new(node, c, inner.rels), inner.output);
        }
        let mut covered = outer.rels;
        covered.extend(inner.rels.iter().copied());
        Path::new(node.child(outer.node).child(inner.node), m.cost, covered)
    }

    /// A Hash or Merge join's node: `Hash Join` / `Hash Left Join` ... with its `Hash Cond:`
    /// (or `Merge Cond:`) and any other conditions as `Join Filter:`.
    fn join_node(
        &self,
        rels: &Rels,
        method: &str,
        kind: JoinKind,
        conds: &[Expr],
        others: &[Expr],
    ) -> PlanNode {
        let node = PlanNode::new(format!("{method}{} Join", kind.suffix())).prop(format!(
            "{method} Cond: {}",
            self.quals_text(rels, conds, true)
        ));
        if others.is_empty() {
            return node;
        }
        node.prop(format!(
            "Join Filter: {}",
            self.quals_text(rels, others, true)
        ))
    }

    /// A nested loop, the inner side materialized when that is cheaper; for inner joins
    /// either side may be the outer one.
    #[allow(clippy::too_many_arguments)]
    fn nested_loop(
        &self,
        rels: &Rels,
        left: Path,
        right: Path,
        kind: JoinKind,
        quals: &[Expr],
        rows: f64,
        width: i64,
        target: QualCost,
    ) -> Path {
        let qual_cost = Self::qual_cost(rels, quals);
        let estimate = |outer: &Path, inner: &Path| {
            let plain = cost::nested_loop(
                &outer.cost,
                &inner.cost,
                &inner.cost,
                qual_cost,
                rows,
                target,
                width,
            );
            let (mat, rescan) = cost::material(&inner.cost);
            let materialized =
                cost::nested_loop(&outer.cost, &mat, &rescan, qual_cost, rows, target, width);
            let (mut c, m) = if materialized.total < plain.total {
                (materialized, Some(mat))
            } else {
                (plain, None)
            };
            if !self.ctx.host.plan_methods().nestloop {
                c.startup += cost::DISABLE_COST;
                c.total += cost::DISABLE_COST;
            }
            (c, m)
        };
        let (as_is, as_is_mat) = estimate(&left, &right);
        let swap_allowed = kind == JoinKind::Inner;
        let (swapped, swapped_mat) = estimate(&right, &left);
        let (outer, inner, kind, c, mat) = if swap_allowed && swapped.total < as_is.total {
            (right, left, kind, swapped, swapped_mat)
        } else if kind == JoinKind::Right {
            (right, left, JoinKind::Left, swapped, swapped_mat)
        } else {
            (left, right, kind, as_is, as_is_mat)
        };
        let title = match kind {
            JoinKind::Inner => "Nested Loop".to_string(),
            other => format!("Nested Loop{} Join", other.suffix()),
        };
        let mut node = PlanNode::new(title);
        if !quals.is_empty() {
            node = node.prop(format!(
                "Join Filter: {}",
                self.quals_text(rels, quals, true)
            ));
        }
        // Both sides return their rows as they are, unless materialized.
        let outer = self.as_stored(rels, outer);
        let inner = match mat {
            None => self.as_stored(rels, inner),
            Some(m) => {
                let path = Path::new(
                    PlanNode::new("Materialize").child(inner.node),
                    m,
                    inner.rels,
                );
                self.returning(rels, path, inner.output)
            }
        };
        let mut covered = outer.rels;
        covered.extend(inner.rels.iter().copied());
        Path::new(node.child(outer.node).child(inner.node), c, covered)
    }

    fn hash_key(rels: &Rels, expr: &Expr) -> HashKey {
        match rels.var(expr) {
            Some(v) => {
                let (ndistinct, is_default) = rels.ndistinct(v);
                let (rel_rows, rel_tuples) = rels
                    .rel(v)
                    .map(|r| (r.rows, r.tuples))
                    .unwrap_or((1.0, 1.0));
                HashKey {
                    ndistinct,
                    is_default,
                    rel_rows,
                    rel_tuples,
                }
            }
            None => HashKey {
                ndistinct: 200.0,
                is_default: true,
                rel_rows: 1.0,
                rel_tuples: 1.0,
            },
        }
    }

    /// Whether each outer row matches at most one inner row: the inner side is one relation
    /// with a unique index whose columns the hash keys or constant filters fix.
    fn inner_unique(
        rels: &Rels,
        inner: &Path,
        keys: &[(Expr, Expr)],
        restrictions: &[Vec<Expr>],
    ) -> bool {
        let [rel_index] = inner.rels.iter().copied().collect::<Vec<_>>()[..] else {
            return false;
        };
        let Some(rel) = rels.list.get(rel_index) else {
            return false;
        };
        let mut fixed: Vec<String> = keys
            .iter()
            .filter_map(|(_, i)| rels.var(i).filter(|v| v.rel == rel_index))
            .filter_map(|v| rels.column(v).map(|c| c.name.clone()))
            .collect();
        if let Some(quals) = restrictions.get(rel_index) {
            fixed.extend(
                quals
                    .iter()
                    .filter_map(|q| fixed_column(rels, rel_index, q)),
            );
        }
        rel.unique_indexes
            .iter()
            .any(|ix| ix.columns.iter().all(|c| fixed.contains(c)))
    }

    /// HashAggregate (with GROUP BY) or Aggregate over `input`.
    fn aggregate(&self, rels: &Rels, input: Path, upper: &Upper, prefix: bool) -> Path {
        let group = useless_groups_removed(rels, &upper.group);
        let aggs = self.agg_costs(rels, &upper.aggregates);
        let (having, having_cost) = having_estimate(rels, upper.having.as_ref());
        let output = Self::output_exprs(rels, upper);
        let (width, target) = self.target(rels, &output);
        let (title, strategy) = if group.is_empty() {
            ("Aggregate", AggStrategy::Plain)
        } else {
            let refs: Vec<&Expr> = group.iter().collect();
            let is_bool = |e: &Expr| matches!(self.expr_type(rels, e), SqlType::Bool);
            let groups = rels.num_groups(&refs, input.cost.rows, &is_bool);
            (
                "HashAggregate",
                AggStrategy::Hashed {
                    group_cols: group.len(),
                    groups,
                },
            )
        };
        let c = cost::agg(&input.cost, strategy, &aggs, having_cost, target, width);
        let mut node = PlanNode::new(title);
        if !group.is_empty() {
            let keys: Vec<String> = group.iter().map(|g| self.shown(rels, g, prefix)).collect();
            node = node.prop(format!("Group Key: {}", keys.join(", ")));
        }
        if !having.is_empty() {
            node = node.prop(format!(
                "Filter: {}",
                self.quals_text(rels, &having, prefix)
            ));
        }
        self.returning(
            rels,
            Path::new(node.child(input.node), c, input.rels),
            output,
        )
    }

    /// SELECT DISTINCT: a HashAggregate over every output column.
    fn distinct(&self, rels: &Rels, input: Path, upper: &Upper, prefix: bool) -> Path {
        let refs: Vec<&Expr> = upper.projection.iter().collect();
        let is_bool = |e: &Expr| matches!(self.expr_type(rels, e), SqlType::Bool);
        let groups = rels.num_groups(&refs, input.cost.rows, &is_bool);
        let strategy = AggStrategy::Hashed {
            group_cols: refs.len(),
            groups,
        };
        let c = cost::agg(
            &input.cost,
            strategy,
            &AggCosts::default(),
            None,
            QualCost::default(),
            input.cost.width,
        );
        let keys: Vec<String> = refs.iter().map(|g| self.shown(rels, g, prefix)).collect();
        let node = PlanNode::new("HashAggregate")
            .prop(format!("Group Key: {}", keys.join(", ")))
            .child(input.node);
        self.returning(
            rels,
            Path::new(node, c, input.rels),
            upper.projection.clone(),
        )
    }

    /// The output columns computed above the aggregation, with ORDER BY and GROUP BY items
    /// not selected.
    fn output_exprs(rels: &Rels, upper: &Upper) -> Vec<Expr> {
        let mut exprs: Vec<Expr> = upper.projection.clone();
        for e in upper
            .order
            .iter()
            .map(|o| &o.expr)
            .chain(upper.group.iter())
        {
            if !exprs.iter().any(|x| same_expr(rels, x, e)) {
                exprs.push(e.clone());
            }
        }
        exprs
    }

    /// Transition and final function costs of `aggs` on one node.
    fn agg_costs(&self, rels: &Rels, aggs: &[Expr]) -> AggCosts {
        let mut costs = AggCosts::default();
        for a in aggs {
            let Expr::Function(f) = a else {
                continue;
            };
            let args = crate::sql::eval::function_args(&f.args);
            let arg_type = args
                .first()
                .map(|e| self.expr_type(rels, e))
                .unwrap_or(SqlType::Int8);
            let name = f
                .name
                .0
                .last()
                .map(|i| i.value.to_lowercase())
                .unwrap_or_default();
            let (has_final, space) = aggregate_shape(&name, &arg_type);
            let arg_cost = args
                .iter()
                .fold(QualCost::default(), |acc, e| acc.add(rels.eval_cost(e)));
            costs.trans = costs.trans.add(QualCost::operators(1.0)).add(arg_cost);
            if has_final {
                costs.fin = costs.fin.add(QualCost::operators(1.0));
            }
            costs.transition_space += space;
            costs.num_trans += 1;
        }
        costs
    }
}

/// An aggregate's final function and the bytes its transition value takes per group
/// (pg_aggregate, from the catalog): (has a final function, transition space).
pub fn aggregate_shape(name: &str, arg: &SqlType) -> (bool, f64) {
    crate::sql::catalog::resolve_aggregate(name, std::slice::from_ref(arg))
        .map(|(_, a)| (a.has_final, a.trans_space))
        .unwrap_or((true, 128.0))
}

/// `a = b`
fn eq_expr(a: Expr, b: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(a),
        op: BinaryOperator::Eq,
        right: Box::new(b),
    }
}

/// Whether two expressions are the same column or the same text.
fn same_expr(rels: &Rels, a: &Expr, b: &Expr) -> bool {
    match (rels.var(a), rels.var(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The column of `rel` that `column = constant` fixes.
fn fixed_column(rels: &Rels, rel: usize, e: &Expr) -> Option<String> {
    let (left, right) = equality(e)?;
    let (col, other) = if is_constant(right) {
        (left, right)
    } else {
        (right, left)
    };
    if !is_constant(other) {
        return None;
    }
    let v = rels.var(col).filter(|v| v.rel == rel)?;
    rels.column(v).map(|c| c.name.clone())
}

/// For `a = b` joining `left` to `right`: (the left side, the right side).
fn equi_sides(
    rels: &Rels,
    clause: &Expr,
    left: &BTreeSet<usize>,
    right: &BTreeSet<usize>,
) -> Option<(Expr, Expr)> {
    let (a, b) = equality(clause)?;
    let (ra, rb) = (rels.rels_of(a), rels.rels_of(b));
    if ra.is_empty() || rb.is_empty() {
        return None;
    }
    if ra.is_subset(left) && rb.is_subset(right) {
        Some((a.clone(), b.clone()))
    } else if rb.is_subset(left) && ra.is_subset(right) {
        Some((b.clone(), a.clone()))
    } else {
        None
    }
}

/// Merges `a = b` and `a = constant` conditions into equivalence classes; for a class with a
/// constant, its equalities leave `pool` and `member = constant` is returned for each member.
fn equivalences(rels: &Rels, pool: &mut Vec<Expr>) -> Vec<Expr> {
    // (members, constant) per class.
    let mut classes: Vec<(Vec<Var>, Option<Expr>)> = Vec::new();
    let find = |classes: &Vec<(Vec<Var>, Option<Expr>)>, v: Var| {
        classes.iter().position(|c| c.0.contains(&v))
    };
    for c in pool.iter() {
        let Some((left, right)) = equality(c) else {
            continue;
        };
        match (rels.var(left), rels.var(right)) {
            (Some(a), Some(b)) => match (find(&classes, a), find(&classes, b)) {
                (Some(x), Some(y)) if x != y => {
                    let (members, constant) = classes.remove(x.max(y));
                    let keep = x.min(y);
                    if let Some(k) = classes.get_mut(keep) {
                        k.0.extend(members);
                        if k.1.is_none() {
                            k.1 = constant;
                        }
                    }
                }
                (Some(_), Some(_)) => {}
                (Some(x), None) => {
                    if let Some(c) = classes.get_mut(x) {
                        c.0.push(b);
                    }
                }
                (None, Some(y)) => {
                    if let Some(c) = classes.get_mut(y) {
                        c.0.push(a);
                    }
                }
                (None, None) => classes.push((vec![a, b], None)),
            },
            (Some(v), None) if is_constant(right) => set_constant(&mut classes, v, right),
            (None, Some(v)) if is_constant(left) => set_constant(&mut classes, v, left),
            _ => {}
        }
    }
    let mut derived = Vec::new();
    for (members, constant) in &classes {
        let Some(constant) = constant else {
            continue;
        };
        pool.retain(|c| {
            let Some((left, right)) = equality(c) else {
                return true;
            };
            let in_class = |e: &Expr| rels.var(e).is_some_and(|v| members.contains(&v));
            !((in_class(left) || is_constant(left)) && (in_class(right) || is_constant(right)))
        });
        for m in members {
            let (Some(rel), Some(col)) = (rels.rel(*m), rels.column(*m)) else {
                continue;
            };
            let column = Expr::CompoundIdentifier(vec![
                crate::sql::ddl::ident(&rel.reference),
                crate::sql::ddl::ident(&col.name),
            ]);
            derived.push(eq_expr(column, constant.clone()));
        }
    }
    derived
}

fn set_constant(classes: &mut Vec<(Vec<Var>, Option<Expr>)>, v: Var, constant: &Expr) {
    match classes.iter_mut().find(|c| c.0.contains(&v)) {
        Some(c) => {
            if c.1.is_none() {
                c.1 = Some(constant.clone());
            }
        }
        None => classes.push((vec![v], Some(constant.clone()))),
    }
}

/// GROUP BY without the columns of a relation whose primary key it already contains (they
/// are functionally dependent on the key).
fn useless_groups_removed(rels: &Rels, group: &[Expr]) -> Vec<Expr> {
    let vars: Vec<Option<Var>> = group.iter().map(|g| rels.var(g)).collect();
    let keyed: Vec<usize> = rels
        .list
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            !r.primary_key.is_empty()
                && r.primary_key.iter().all(|k| {
                    vars.iter()
                        .flatten()
                        .any(|v| v.rel == *i && rels.column(*v).is_some_and(|c| &c.name == k))
                })
        })
        .map(|(i, _)| i)
        .collect();
    group
        .iter()
        .zip(&vars)
        .filter(|(_, v)| match v {
            Some(v) if keyed.contains(&v.rel) => rels
                .rel(*v)
                .zip(rels.column(*v))
                .is_some_and(|(r, c)| r.primary_key.contains(&c.name)),
            _ => true,
        })
        .map(|(g, _)| g.clone())
        .collect()
}
