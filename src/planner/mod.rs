//! The distributed planner: decides how a statement on Citus tables runs — on one shard
//! (router), on every shard with a combine step (multi-shard), or by pulling rows to the
//! coordinator (the fallback Citus reaches through recursive planning and repartitioning).

pub mod coordinator_plan;
pub mod cost;
pub mod cte_inline;
pub mod deparse;
pub mod estimate;
pub mod explain;
pub mod naming;
pub mod node_plan;
pub mod prune;
pub mod recursive;
pub mod relations;
pub mod split;
pub mod views;
pub mod window;
pub mod worker_sql;

use crate::error::{PgError, PgResult};
use crate::metadata::{Catalog, TableKind};
use crate::sql::Database;
use crate::types::Value;
use relations::{normalize_ident, query_relations, RelationRef};
use split::SplitQuery;
use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, Query, SelectItem,
    SetExpr, TableFactor,
};
use std::collections::BTreeSet;

/// How a SELECT runs.
#[derive(Clone, Debug)]
pub enum SelectPlan {
    /// Only coordinator relations (catalog, local tables, functions).
    Local,
    /// One task: the whole query on the shard group at `index` (or the reference shard when
    /// `index` is `None`).
    Router { index: Option<usize> },
    /// One task per shard group, then the combine query on the coordinator.
    MultiShard {
        indexes: Vec<usize>,
        split: Box<SplitQuery>,
    },
    /// Rows of every Citus table the query reads are fetched to the coordinator, which runs the
    /// query itself. `repartition` marks a join Citus would repartition.
    PullUp { repartition: bool },
}

/// Settings the planner reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlannerSettings {
    pub enable_repartition_joins: bool,
}

pub fn repartition_error() -> PgError {
    PgError::new(
        "XX000",
        "the query contains a join that requires repartitioning",
    )
    .with_hint("Set citus.enable_repartition_joins to on to enable repartitioning")
}

/// Relations of the query that are Citus tables.
pub fn citus_relations(query: &Query, catalog: &Catalog) -> Vec<RelationRef> {
    query_relations(query)
        .into_iter()
        .filter(|r| catalog.table(&r.name).is_some())
        .collect()
}

/// Relations named directly in a SELECT's FROM list (not inside subqueries), in order.
pub(crate) fn from_relations(select: &sqlparser::ast::Select) -> Vec<(RelationRef, bool)> {
    let mut out = Vec::new();
    fn factor(f: &TableFactor, out: &mut Vec<(RelationRef, bool)>) -> bool {
        match f {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let table = relations::object_name(name);
                let reference = alias
                    .as_ref()
                    .map(|a| normalize_ident(&a.name))
                    .unwrap_or_else(|| table.clone());
                out.push((
                    RelationRef {
                        name: table,
                        reference,
                    },
                    true,
                ));
                true
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                let mut ok = factor(&table_with_joins.relation, out);
                for j in &table_with_joins.joins {
                    ok &= factor(&j.relation, out);
                }
                ok
            }
            TableFactor::Table { .. } => true, // table functions
            other => {
                // A derived table or function: no relation of its own, but not plain either.
                let reference = match other {
                    TableFactor::Derived { alias: Some(a), .. } => normalize_ident(&a.name),
                    _ => String::new(),
                };
                out.push((
                    RelationRef {
                        name: String::new(),
                        reference,
                    },
                    false,
                ));
                false
            }
        }
    }
    for twj in &select.from {
        factor(&twj.relation, &mut out);
        for j in &twj.joins {
            factor(&j.relation, &mut out);
        }
    }
    out
}

/// Whether every subquery in a SELECT's expressions runs inside the shard tasks (recursive
/// planning already replaced the others by intermediate results).
fn subqueries_pushable(
    select: &sqlparser::ast::Select,
    direct: &[RelationRef],
    catalog: &Catalog,
) -> bool {
    let no_columns = |_: &str| None;
    let outer = recursive::Outer {
        catalog,
        relations: direct.to_vec(),
        columns: &no_columns,
    };
    let mut select = select.clone();
    let mut pushable = true;
    let _ = recursive::for_each_subquery::<_, ()>(&mut select, false, &mut |found| {
        pushable &= outer.classify(found.query, found.in_left.as_ref())
            == recursive::SubqueryPlan::Pushdown;
        Ok(())
    });
    pushable
}

fn has_outer_join(select: &sqlparser::ast::Select) -> bool {
    select.from.iter().flat_map(|t| &t.joins).any(|j| {
        matches!(
            j.join_operator,
            JoinOperator::LeftOuter(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
        )
    })
}

/// Join conditions usable for co-location and pruning: WHERE conjuncts and the ON clauses of
/// inner joins (outer joins only for co-location).
pub(crate) fn join_conditions(select: &sqlparser::ast::Select) -> (Vec<Expr>, Vec<Expr>) {
    let mut prune_conds = Vec::new();
    let mut join_conds = Vec::new();
    if let Some(w) = &select.selection {
        for c in prune::conjuncts(w) {
            prune_conds.push(c.clone());
            join_conds.push(c.clone());
        }
    }
    for twj in &select.from {
        for j in &twj.joins {
            let (constraint, inner) = match &j.join_operator {
                JoinOperator::Inner(c) => (Some(c), true),
                JoinOperator::LeftOuter(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c) => (Some(c), false),
                _ => (None, false),
            };
            if let Some(JoinConstraint::On(on)) = constraint {
                for c in prune::conjuncts(on) {
                    if inner {
                        prune_conds.push(c.clone());
                    }
                    join_conds.push(c.clone());
                }
            }
        }
    }
    (prune_conds, join_conds)
}

/// Whether every distributed relation is joined to the others on distribution columns
/// (equal shard indexes then hold matching rows).
pub(crate) fn colocated_join(
    distributed: &[RelationRef],
    conds: &[Expr],
    relations: &[RelationRef],
    catalog: &Catalog,
) -> bool {
    let groups: BTreeSet<i32> = crate::sort::collect_set(
        distributed
            .iter()
            .filter_map(|r| catalog.table(&r.name).map(|t| t.colocation_id)),
    );
    if groups.len() > 1 {
        return false;
    }
    // Union-find over relation references, joined by `a.dist = b.dist`.
    let mut parent: Vec<usize> = (0..distributed.len()).collect();
    fn find(p: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while p[i] != i {
            i = p[i];
        }
        i
    }
    for c in conds {
        if let Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } = c
        {
            let l = prune::dist_column_relation(left, relations, catalog);
            let r = prune::dist_column_relation(right, relations, catalog);
            if let (Some(l), Some(r)) = (l, r) {
                let li = distributed.iter().position(|d| d.reference == l.reference);
                let ri = distributed.iter().position(|d| d.reference == r.reference);
                if let (Some(a), Some(b)) = (li, ri) {
                    let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                    parent[ra] = rb;
                }
            }
        }
    }
    let roots: BTreeSet<usize> =
        crate::sort::collect_set((0..distributed.len()).map(|i| find(&mut parent, i)));
    roots.len() <= 1
}

/// Replaces `*` and `t.*` with the columns of the relations in FROM, as PostgreSQL expands them.
pub fn expand_wildcards(query: &mut Query, coordinator: &Database) -> PgResult<()> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return Ok(());
    };
    if !select.projection.iter().any(|i| {
        matches!(
            i,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    }) {
        return Ok(());
    }
    let rels = from_relations(select);
    let ctes: Vec<String> = query
        .with
        .iter()
        .flat_map(|w| w.cte_tables.iter().map(|c| normalize_ident(&c.alias.name)))
        .collect();
    if rels
        .iter()
        .any(|(r, plain)| !plain || ctes.contains(&r.name))
    {
        // Derived tables and CTEs: the engine expands `*` over them itself.
        return Ok(());
    }
    let columns_of = |r: &RelationRef| -> PgResult<Vec<SelectItem>> {
        let def = coordinator
            .table(&r.name)
            .ok_or_else(|| PgError::undefined_table(&r.name))?;
        Ok(def
            .columns
            .iter()
            .map(|c| {
                SelectItem::UnnamedExpr(Expr::CompoundIdentifier(vec![
                    crate::sql::ddl::ident(&r.reference),
                    Ident::with_quote('"', c.name.clone()),
                ]))
            })
            .collect())
    };
    let mut out = Vec::new();
    for item in select.projection.drain(..) {
        match &item {
            SelectItem::Wildcard(_) => {
                for (r, _) in &rels {
                    out.extend(columns_of(r)?);
                }
            }
            SelectItem::QualifiedWildcard(name, _) => {
                let q = relations::object_name(name);
                let r = rels.iter().find(|(r, _)| r.reference == q).ok_or_else(|| {
                    PgError::new(
                        "42P01",
                        format!("missing FROM-clause entry for table \"{q}\""),
                    )
                })?;
                out.extend(columns_of(&r.0)?);
            }
            _ => out.push(item),
        }
    }
    select.projection = out;
    Ok(())
}

/// Plans a SELECT that reads Citus tables.
pub fn plan_select(
    query: &Query,
    catalog: &Catalog,
    settings: PlannerSettings,
    eval_const: &dyn Fn(&Expr) -> Option<Value>,
) -> PgResult<SelectPlan> {
    let citus = citus_relations(query, catalog);
    if citus.is_empty() {
        return Ok(SelectPlan::Local);
    }
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(SelectPlan::PullUp { repartition: false });
    };
    let from = from_relations(select);
    let direct: Vec<RelationRef> = from.iter().map(|(r, _)| r.clone()).collect();
    let all_direct = from.iter().all(|(_, plain)| *plain)
        && (citus.iter().all(|c| direct.contains(c))
            || subqueries_pushable(select, &direct, catalog))
        && query.with.is_none();
    let has_local = direct.iter().any(|r| catalog.table(&r.name).is_none());
    let distributed: Vec<RelationRef> = direct
        .iter()
        .filter(|r| {
            catalog
                .table(&r.name)
                .is_some_and(|t| matches!(t.kind, TableKind::Distributed { .. }))
        })
        .cloned()
        .collect();
    let (prune_conds, join_conds) = join_conditions(select);
    if distributed.len() > 1 && !colocated_join(&distributed, &join_conds, &direct, catalog) {
        // Repartitioning only joins inner joins: an outer join of shards that do not line up
        // has no plan.
        if has_outer_join(select) {
            return Err(recursive::complex_joins_error());
        }
        if !settings.enable_repartition_joins {
            return Err(repartition_error());
        }
        return Ok(SelectPlan::PullUp { repartition: true });
    }
    if !all_direct || (has_local && !distributed.is_empty()) {
        return Ok(SelectPlan::PullUp { repartition: false });
    }
    if distributed.is_empty() {
        return Ok(SelectPlan::Router { index: None });
    }
    let cond_refs: Vec<&Expr> = prune_conds.iter().collect();
    let allowed = prune::prune(&cond_refs, &direct, catalog, eval_const)?;
    let shard_count = distributed
        .first()
        .map(|r| catalog.table_shards(&r.name).len())
        .unwrap_or(0);
    let indexes: Vec<usize> = match allowed {
        Some(set) => set.into_iter().filter(|i| *i < shard_count).collect(),
        None => (0..shard_count).collect(),
    };
    if indexes.len() == 1 {
        return Ok(SelectPlan::Router {
            index: indexes.first().copied(),
        });
    }
    let group_pushdown = match &select.group_by {
        GroupByExpr::Expressions(exprs, _) => exprs.iter().any(|g| {
            prune::dist_column_relation(g, &direct, catalog)
                .is_some_and(|r| distributed.contains(r))
        }),
        _ => false,
    };
    if window::has_windows(query) {
        let inlined = window::inline_named_windows(query)?;
        return window_plan(&inlined, select, &direct, &distributed, catalog, indexes);
    }
    match split::split(query, group_pushdown)? {
        Some(split) => Ok(SelectPlan::MultiShard {
            indexes,
            split: Box::new(split),
        }),
        None => Ok(SelectPlan::PullUp { repartition: false }),
    }
}

/// A multi-shard SELECT with window functions: pushed down when every window is partitioned
/// by a distribution column, else computed on the coordinator over the workers' rows.
fn window_plan(
    query: &Query,
    select: &sqlparser::ast::Select,
    direct: &[RelationRef],
    distributed: &[RelationRef],
    catalog: &Catalog,
    indexes: Vec<usize>,
) -> PgResult<SelectPlan> {
    let split = if window::pushdown_safe(query, select, direct, distributed, catalog) {
        split::split(query, true)?
    } else {
        window::coordinator_split(query)?
    };
    Ok(match split {
        Some(split) => SelectPlan::MultiShard {
            indexes,
            split: Box::new(split),
        },
        None => SelectPlan::PullUp { repartition: false },
    })
}
