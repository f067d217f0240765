//! Walking sqlparser's AST with one copy of its walkers.
//!
//! `Visit::visit` and `VisitMut::visit` are generic over the visitor, so every visitor type (and
//! every closure handed to `visit_expressions` and friends) gets its own copy of the walk over
//! the whole AST: about 10 KB of wasm each, for some thirty visitors. Every walk here goes
//! through a `&mut dyn Visitor<Break = ()>` (or `VisitorMut`) instead, so the walkers are
//! compiled once. Use these functions rather than calling `visit` or sqlparser's `visit_*`
//! helpers directly; `clippy.toml` forbids the latter.

#![allow(clippy::disallowed_methods)] // the one place that calls the generic walkers

use sqlparser::ast::{
    Expr, ObjectName, Query, Statement, TableFactor, Visit, VisitMut, Visitor, VisitorMut,
};
use std::ops::ControlFlow;

/// Walks `node` in sqlparser's visiting order, calling `visitor`'s hooks.
pub fn visit<N: Visit + ?Sized>(
    node: &N,
    visitor: &mut dyn Visitor<Break = ()>,
) -> ControlFlow<()> {
    node.visit(&mut Dyn(visitor))
}

/// Walks `node` in sqlparser's visiting order, calling `visitor`'s hooks, which may rewrite it.
pub fn visit_mut<N: VisitMut + ?Sized>(
    node: &mut N,
    visitor: &mut dyn VisitorMut<Break = ()>,
) -> ControlFlow<()> {
    node.visit(&mut DynMut(visitor))
}

/// Calls `f` for every relation name in `node`, before its inside: `sqlparser::ast::visit_relations`.
pub fn relations<N: Visit + ?Sized>(
    node: &N,
    mut f: impl FnMut(&ObjectName) -> ControlFlow<()>,
) -> ControlFlow<()> {
    visit(node, &mut Relations(&mut f))
}

/// Calls `f` for every expression in `node`, before its inside: `sqlparser::ast::visit_expressions`.
pub fn expressions<N: Visit + ?Sized>(
    node: &N,
    mut f: impl FnMut(&Expr) -> ControlFlow<()>,
) -> ControlFlow<()> {
    visit(node, &mut Expressions(&mut f))
}

/// Calls `f` for every expression in `node`, after its inside, letting it rewrite the
/// expression: `sqlparser::ast::visit_expressions_mut`.
pub fn expressions_mut<N: VisitMut + ?Sized>(
    node: &mut N,
    mut f: impl FnMut(&mut Expr) -> ControlFlow<()>,
) -> ControlFlow<()> {
    visit_mut(node, &mut ExpressionsMut(&mut f))
}

struct Relations<'f>(&'f mut dyn FnMut(&ObjectName) -> ControlFlow<()>);

impl Visitor for Relations<'_> {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        (self.0)(relation)
    }
}

struct Expressions<'f>(&'f mut dyn FnMut(&Expr) -> ControlFlow<()>);

impl Visitor for Expressions<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        (self.0)(expr)
    }
}

struct ExpressionsMut<'f>(&'f mut dyn FnMut(&mut Expr) -> ControlFlow<()>);

impl VisitorMut for ExpressionsMut<'_> {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        (self.0)(expr)
    }
}

/// The one visitor type sqlparser's walkers are compiled for.
struct Dyn<'v>(&'v mut dyn Visitor<Break = ()>);

impl Visitor for Dyn<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        self.0.pre_visit_query(query)
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        self.0.post_visit_query(query)
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.0.pre_visit_relation(relation)
    }

    fn post_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.0.post_visit_relation(relation)
    }

    fn pre_visit_table_factor(&mut self, table_factor: &TableFactor) -> ControlFlow<()> {
        self.0.pre_visit_table_factor(table_factor)
    }

    fn post_visit_table_factor(&mut self, table_factor: &TableFactor) -> ControlFlow<()> {
        self.0.post_visit_table_factor(table_factor)
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        self.0.pre_visit_expr(expr)
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        self.0.post_visit_expr(expr)
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        self.0.pre_visit_statement(statement)
    }

    fn post_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        self.0.post_visit_statement(statement)
    }
}

/// The one mutating visitor type sqlparser's walkers are compiled for.
struct DynMut<'v>(&'v mut dyn VisitorMut<Break = ()>);

impl VisitorMut for DynMut<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.0.pre_visit_query(query)
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.0.post_visit_query(query)
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        self.0.pre_visit_relation(relation)
    }

    fn post_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        self.0.post_visit_relation(relation)
    }

    fn pre_visit_table_factor(&mut self, table_factor: &mut TableFactor) -> ControlFlow<()> {
        self.0.pre_visit_table_factor(table_factor)
    }

    fn post_visit_table_factor(&mut self, table_factor: &mut TableFactor) -> ControlFlow<()> {
        self.0.post_visit_table_factor(table_factor)
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.0.pre_visit_expr(expr)
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.0.post_visit_expr(expr)
    }

    fn pre_visit_statement(&mut self, statement: &mut Statement) -> ControlFlow<()> {
        self.0.pre_visit_statement(statement)
    }

    fn post_visit_statement(&mut self, statement: &mut Statement) -> ControlFlow<()> {
        self.0.post_visit_statement(statement)
    }
}
