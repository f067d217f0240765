//! Recursive planning of subqueries, as Citus's recursive planner does it: a subquery that can
//! run inside each shard task with the query around it (co-located and joined on distribution
//! columns, or reading only reference tables) stays where it is; any other uncorrelated
//! subquery runs first as a distributed query of its own (a subplan) and the outer query reads
//! its rows as an intermediate result; a correlated one that cannot be pushed down is refused.

use super::prune::{self, conjuncts};
use super::relations::{normalize_ident, query_relations, RelationRef};
use super::{colocated_join, from_relations, join_conditions};
use crate::error::PgError;
use crate::metadata::{Catalog, TableKind};
use crate::sql::Column;
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, GroupByExpr, Ident, ObjectName, Query,
    Select, SelectItem, SetExpr, TableAlias, TableFactor, Value as AstValue, VisitMut, Visitor,
    VisitorMut,
};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// The set-returning function a worker reads a subplan's rows with.
pub const READ_INTERMEDIATE_RESULT: &str = "read_intermediate_result";

/// What happens to one subquery of a distributed statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubqueryPlan {
    /// Runs inside each shard task together with the outer query.
    Pushdown,
    /// Runs first on its own; the outer query reads its result.
    Recurse,
    /// Correlated with the outer query and not pushable: Citus refuses the statement.
    Refuse,
}

/// Citus's error for a correlated subquery or join it can neither push down nor plan apart.
pub fn complex_joins_error() -> PgError {
    PgError::new(
        "0A000",
        "complex joins are only supported when all distributed tables are co-located and joined on their distribution columns",
    )
}

/// What classification needs to know about the statement around the subqueries.
pub struct Outer<'a> {
    pub catalog: &'a Catalog,
    /// The relations the outer query names in FROM (an UPDATE/DELETE: its target first).
    pub relations: Vec<RelationRef>,
    /// The column names of a table, when the coordinator knows it.
    pub columns: &'a dyn Fn(&str) -> Option<Vec<String>>,
}

impl Outer<'_> {
    fn is_distributed(&self, r: &RelationRef) -> bool {
        self.catalog
            .table(&r.name)
            .is_some_and(|t| matches!(t.kind, TableKind::Distributed { .. }))
    }

    /// A table of the coordinator's own that is not a Citus table: workers do not have it.
    fn is_local(&self, r: &RelationRef) -> bool {
        self.catalog.table(&r.name).is_none() && (self.columns)(&r.name).is_some()
    }

    /// Decides how `sub` runs; `in_left` is the outer side of `x IN (subquery)`.
    pub fn classify(&self, sub: &Query, in_left: Option<&Expr>) -> SubqueryPlan {
        let rels = query_relations(sub);
        let local = rels.iter().any(|r| self.is_local(r));
        let distributed = rels.iter().any(|r| self.is_distributed(r));
        if !local && (!distributed || self.pushable(sub, in_left)) {
            return SubqueryPlan::Pushdown;
        }
        if self.correlated(sub) {
            SubqueryPlan::Refuse
        } else {
            SubqueryPlan::Recurse
        }
    }

    /// Whether `sub` gives the same answer run shard by shard with the outer query: every
    /// distributed table co-located, the subquery's own tables joined on their distribution
    /// columns, and the subquery tied to the outer query by distribution columns (through
    /// `IN` or a correlation) so that matching rows live in the same shard group.
    fn pushable(&self, sub: &Query, in_left: Option<&Expr>) -> bool {
        let outer_dist: Vec<&RelationRef> = self
            .relations
            .iter()
            .filter(|r| self.is_distributed(r))
            .collect();
        if outer_dist.is_empty() {
            return false;
        }
        let all = query_relations(sub);
        let groups: BTreeSet<i32> = crate::sort::collect_set(
            all.iter()
                .chain(outer_dist.iter().copied())
                .filter(|r| self.is_distributed(r))
                .filter_map(|r| self.catalog.table(&r.name).map(|t| t.colocation_id)),
        );
        if groups.len() > 1 {
            return false;
        }
        let SetExpr::Select(select) = sub.body.as_ref() else {
            return false;
        };
        if sub.limit.is_some() || sub.offset.is_some() || sub.fetch.is_some() || sub.with.is_some()
        {
            return false;
        }
        let from = from_relations(select);
        if !from.iter().all(|(_, plain)| *plain) || nested_subqueries(select) {
            return false;
        }
        let direct: Vec<RelationRef> = from.into_iter().map(|(r, _)| r).collect();
        let sub_dist: Vec<RelationRef> = direct
            .iter()
            .filter(|r| self.is_distributed(r))
            .cloned()
            .collect();
        let (_, join_conds) = join_conditions(select);
        if sub_dist.len() > 1 && !colocated_join(&sub_dist, &join_conds, &direct, self.catalog) {
            return false;
        }
        if !self.grouping_pushable(select, &sub_dist) {
            return false;
        }
        let outer_dist_refs: Vec<RelationRef> = outer_dist.into_iter().cloned().collect();
        if let Some(left) = in_left {
            let outer_side = prune::dist_column_relation(left, &outer_dist_refs, self.catalog);
            let inner_side = match select.projection.as_slice() {
                [SelectItem::UnnamedExpr(e)] | [SelectItem::ExprWithAlias { expr: e, .. }] => {
                    prune::dist_column_relation(e, &sub_dist, self.catalog)
                }
                _ => None,
            };
            if outer_side.is_some() && inner_side.is_some() {
                return true;
            }
        }
        // A correlation `inner.dist = outer.dist` ties each subquery run to one shard group.
        select.selection.as_ref().is_some_and(|w| {
            conjuncts(w).into_iter().any(|c| {
                let Expr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right,
                } = c
                else {
                    return false;
                };
                let ties = |a: &Expr, b: &Expr| {
                    prune::dist_column_relation(a, &sub_dist, self.catalog).is_some()
                        && !names_inner_relation(b, &direct)
                        && prune::dist_column_relation(b, &outer_dist_refs, self.catalog).is_some()
                };
                ties(left, right) || ties(right, left)
            })
        })
    }

    /// Grouping stays inside a shard only when it groups by a distribution column; an
    /// aggregate over the whole subquery needs every shard's rows.
    fn grouping_pushable(&self, select: &Select, sub_dist: &[RelationRef]) -> bool {
        match &select.group_by {
            GroupByExpr::Expressions(keys, _) if !keys.is_empty() => keys
                .iter()
                .any(|k| prune::dist_column_relation(k, sub_dist, self.catalog).is_some()),
            _ => !has_aggregate(select),
        }
    }

    /// Whether `sub` refers to a relation of the outer query.
    fn correlated(&self, sub: &Query) -> bool {
        let mut inner = NameCollector::default();
        let _ = crate::sql::visit::visit(sub, &mut inner);
        let inner_columns: Vec<Option<Vec<String>>> =
            inner.tables.iter().map(|t| (self.columns)(t)).collect();
        let outer_columns: Vec<String> = self
            .relations
            .iter()
            .filter_map(|r| (self.columns)(&r.name))
            .flatten()
            .collect();
        let mut refs = ColumnRefs::default();
        let _ = crate::sql::visit::visit(sub, &mut refs);
        refs.qualified.iter().any(|q| {
            !inner.references.contains(q) && self.relations.iter().any(|r| r.reference == *q)
        }) || refs.unqualified.iter().any(|c| {
            // Only a name no inner relation can supply is an outer column.
            inner_columns
                .iter()
                .all(|cols| cols.as_ref().is_some_and(|cols| !cols.contains(c)))
                && inner.opaque == 0
                && outer_columns.contains(c)
        })
    }
}

/// Whether `e` is qualified by one of the subquery's own relations.
fn names_inner_relation(e: &Expr, inner: &[RelationRef]) -> bool {
    match e {
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => parts
            .get(parts.len() - 2)
            .map(normalize_ident)
            .is_some_and(|q| inner.iter().any(|r| r.reference == q)),
        Expr::Nested(inner_expr) => names_inner_relation(inner_expr, inner),
        _ => false,
    }
}

/// The names a subquery defines: its tables, and every alias (tables, derived tables, CTEs).
#[derive(Default)]
struct NameCollector {
    tables: Vec<String>,
    references: BTreeSet<String>,
    /// Derived tables and functions whose columns are not known by name here.
    opaque: usize,
}

impl Visitor for NameCollector {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                let table = super::relations::object_name(name);
                if args.is_some() {
                    self.opaque += 1;
                } else {
                    self.tables.push(table.clone());
                }
                self.references.insert(
                    alias
                        .as_ref()
                        .map(|a| normalize_ident(&a.name))
                        .unwrap_or(table),
                );
            }
            TableFactor::Derived { alias, .. } => {
                self.opaque += 1;
                if let Some(a) = alias {
                    self.references.insert(normalize_ident(&a.name));
                }
            }
            _ => self.opaque += 1,
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.references.insert(normalize_ident(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }
}

/// Column references in a subquery: `q.col` qualifiers and bare names.
#[derive(Default)]
struct ColumnRefs {
    qualified: BTreeSet<String>,
    unqualified: BTreeSet<String>,
}

impl Visitor for ColumnRefs {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(id) => {
                self.unqualified.insert(normalize_ident(id));
            }
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                if let Some(q) = parts.get(parts.len() - 2) {
                    self.qualified.insert(normalize_ident(q));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Whether a SELECT has subqueries of its own in its expressions.
fn nested_subqueries(select: &Select) -> bool {
    struct Finder(bool);
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if matches!(
                e,
                Expr::Subquery(_) | Expr::InSubquery { .. } | Expr::Exists { .. }
            ) {
                self.0 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut f = Finder(false);
    let _ = crate::sql::visit::visit(select, &mut f);
    f.0
}

/// Whether the select list or HAVING of a SELECT calls an aggregate.
fn has_aggregate(select: &Select) -> bool {
    struct Finder(bool);
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if crate::planner::split::is_aggregate(e) {
                self.0 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut f = Finder(false);
    let _ = crate::sql::visit::visit(&select.projection, &mut f);
    let _ = crate::sql::visit::visit(&select.having, &mut f);
    f.0
}

/// One subquery the walk met at the top level of a statement.
pub struct Found<'q> {
    pub query: &'q mut Query,
    /// The outer expression of `x [NOT] IN (subquery)`.
    pub in_left: Option<Expr>,
}

/// Calls `f` for every subquery in the expressions of the statement's own level (WHERE, SET,
/// select list, HAVING), not for those nested in other subqueries or in FROM. `f` may
/// rewrite the subquery it is given; an error stops the walk.
pub fn for_each_subquery<T: VisitMut, E>(
    node: &mut T,
    root_is_query: bool,
    f: &mut dyn FnMut(Found<'_>) -> Result<(), E>,
) -> Result<(), E> {
    struct Walk<'f, E> {
        depth: i32,
        f: &'f mut dyn FnMut(Found<'_>) -> Result<(), E>,
        error: Option<E>,
    }
    impl<E> VisitorMut for Walk<'_, E> {
        type Break = ();

        fn pre_visit_query(&mut self, _q: &mut Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }

        fn post_visit_query(&mut self, _q: &mut Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }

        fn pre_visit_table_factor(&mut self, _t: &mut TableFactor) -> ControlFlow<()> {
            // Derived tables in FROM are not this walk's business: one level deeper.
            self.depth += 1;
            ControlFlow::Continue(())
        }

        fn post_visit_table_factor(&mut self, _t: &mut TableFactor) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }

        fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            if self.depth != 0 {
                return ControlFlow::Continue(());
            }
            let found = match e {
                Expr::InSubquery { expr, subquery, .. } => Found {
                    in_left: Some((**expr).clone()),
                    query: subquery.as_mut(),
                },
                Expr::Exists { subquery, .. } => Found {
                    in_left: None,
                    query: subquery.as_mut(),
                },
                Expr::Subquery(q) => Found {
                    in_left: None,
                    query: q.as_mut(),
                },
                _ => return ControlFlow::Continue(()),
            };
            match (self.f)(found) {
                Ok(()) => ControlFlow::Continue(()),
                Err(err) => {
                    self.error = Some(err);
                    ControlFlow::Break(())
                }
            }
        }
    }
    let mut walk = Walk {
        depth: if root_is_query { -1 } else { 0 },
        f,
        error: None,
    };
    let _ = crate::sql::visit::visit_mut(node, &mut walk);
    match walk.error {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

/// The query reading subplan `id`'s rows on any node:
/// `SELECT intermediate_result.a, ... FROM read_intermediate_result('id', 'binary') intermediate_result(a, ...)`.
pub fn intermediate_result_query(id: &str, columns: &[Column]) -> Query {
    let alias = "intermediate_result";
    let names: Vec<Ident> = columns
        .iter()
        .map(|c| Ident::with_quote('"', c.name.clone()))
        .collect();
    let string_arg = |s: &str| {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(
            AstValue::SingleQuotedString(s.to_string()),
        )))
    };
    let projection = names
        .iter()
        .map(|n| {
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(vec![Ident::new(alias), n.clone()]))
        })
        .collect();
    let from = sqlparser::ast::TableWithJoins {
        relation: TableFactor::Table {
            name: ObjectName(vec![Ident::new(READ_INTERMEDIATE_RESULT)]),
            alias: Some(TableAlias {
                name: Ident::new(alias),
                columns: names,
            }),
            args: Some(sqlparser::ast::TableFunctionArgs {
                args: vec![string_arg(id), string_arg("binary")],
                settings: None,
            }),
            with_hints: Vec::new(),
            version: None,
            with_ordinality: false,
            partitions: Vec::new(),
        },
        joins: Vec::new(),
    };
    let mut query = match crate::sql::parse_sql("SELECT 1") {
        Ok(mut stmts) => match stmts.pop() {
            Some(sqlparser::ast::Statement::Query(q)) => *q,
            _ => return empty_query(),
        },
        Err(_) => return empty_query(),
    };
    if let SetExpr::Select(select) = query.body.as_mut() {
        select.projection = projection;
        select.from = vec![from];
    }
    query
}

fn empty_query() -> Query {
    Query {
        with: None,
        body: Box::new(SetExpr::Values(sqlparser::ast::Values {
            explicit_row: false,
            rows: Vec::new(),
        })),
        order_by: None,
        limit: None,
        limit_by: Vec::new(),
        offset: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
    }
}

/// The subplan id a subquery was replaced with, when it reads an intermediate result.
pub fn intermediate_result_id(query: &Query) -> Option<String> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let [from] = select.from.as_slice() else {
        return None;
    };
    let TableFactor::Table {
        name,
        args: Some(args),
        ..
    } = &from.relation
    else {
        return None;
    };
    if super::relations::object_name(name) != READ_INTERMEDIATE_RESULT {
        return None;
    }
    match args.args.first() {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(
            AstValue::SingleQuotedString(s),
        )))) => Some(s.clone()),
        _ => None,
    }
}
