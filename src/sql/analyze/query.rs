//! Name resolution in queries, in PostgreSQL's order: WITH, FROM, the select list, WHERE,
//! HAVING, ORDER BY, GROUP BY. Anything this does not understand is passed over rather than
//! judged: the engine still reports it when the query runs.

use super::scope::{Columns, Cte, Item, Level, Resolved};
use super::{Analyzer, Checked, Failure};
use crate::planner::relations::normalize_ident;
use crate::sql::cast::{parse_text_as, sqltype_from_ast};
use crate::sql::eval::is_comparison;
use crate::sql::locate::Site;
use crate::sql::select::output_name;
use crate::types::SqlType;
use sqlparser::ast::{
    CastKind, Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, OrderBy, Query, Select,
    SelectItem, SetExpr, TableAlias, TableFactor, TableWithJoins, Value as AstValue,
};

/// Output columns of a query, when they are known.
pub type Output = Option<Vec<(String, SqlType)>>;

/// Names PostgreSQL reads as SQL value functions, not columns, when unquoted.
const VALUE_FUNCTIONS: &[&str] = &[
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "localtime",
    "localtimestamp",
    "session_user",
    "user",
];

impl<'a> Analyzer<'a> {
    pub fn query(&self, q: &Query, parent: Option<&Level<'a, '_>>) -> Checked<Output> {
        let mut level = Level::new(parent);
        if let Some(with) = &q.with {
            if with.recursive {
                return Ok(None);
            }
            for cte in &with.cte_tables {
                let columns = self.query(&cte.query, Some(&level))?;
                let columns = rename(columns, &cte.alias.columns);
                level.ctes.push(Cte {
                    name: normalize_ident(&cte.alias.name),
                    columns,
                });
            }
        }
        match q.body.as_ref() {
            SetExpr::Select(s) => self.select(s, q.order_by.as_ref(), &level),
            other => self.set_expr(other, &mut level),
        }
    }

    /// A set operation's members; each SELECT among them becomes an entry `*SELECT* n` of
    /// the level, which later members cannot see (PostgreSQL still offers its columns in hints).
    fn set_expr(&self, body: &SetExpr, level: &mut Level<'a, '_>) -> Checked<Output> {
        match body {
            SetExpr::Select(s) => {
                let out = self.select(s, None, level)?;
                let name = format!("*SELECT* {}", level.items.len() + 1);
                let columns = out.clone().map_or(Columns::Unknown, Columns::Named);
                let mut item = Item::relation(name, None, true, columns);
                item.lateral_only = true;
                level.items.push(item);
                Ok(out)
            }
            SetExpr::Query(q) => self.query(q, Some(&*level)),
            SetExpr::SetOperation { left, right, .. } => {
                let out = self.set_expr(left, level)?;
                self.set_expr(right, level)?;
                Ok(out)
            }
            SetExpr::Values(values) => {
                let empty = Level::new(Some(level));
                for row in &values.rows {
                    for e in row {
                        self.expr(e, &empty)?;
                    }
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    fn select(
        &self,
        s: &Select,
        order_by: Option<&OrderBy>,
        parent: &Level<'a, '_>,
    ) -> Checked<Output> {
        let mut level = Level::new(Some(parent));
        self.from(&s.from, &mut level)?;
        let mut output: Output = Some(Vec::new());
        for item in &s.projection {
            let named = match item {
                SelectItem::UnnamedExpr(e) => {
                    self.expr(e, &level)?;
                    Some(vec![(output_name(e), SqlType::Unknown)])
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    self.expr(expr, &level)?;
                    Some(vec![(normalize_ident(alias), SqlType::Unknown)])
                }
                SelectItem::QualifiedWildcard(name, _) => {
                    let q = name.0.last().map(normalize_ident).unwrap_or_default();
                    level
                        .relation_reference(&q)
                        .map_err(|e| Failure::new(e, Some(Site::wildcard(item))))?;
                    level
                        .items
                        .iter()
                        .find(|i| i.refname.as_deref() == Some(q.as_str()))
                        .and_then(|i| i.columns.to_named())
                }
                SelectItem::Wildcard(_) => wildcard(&level),
            };
            output = match (output, named) {
                (Some(mut out), Some(more)) => {
                    out.extend(more);
                    Some(out)
                }
                _ => None,
            };
        }
        if let Some(w) = &s.selection {
            self.expr(w, &level)?;
        }
        if let Some(h) = &s.having {
            self.expr(h, &level)?;
        }
        if let Some(order) = order_by {
            for o in &order.exprs {
                if !names_output(&o.expr, output.as_deref()) {
                    self.expr(&o.expr, &level)?;
                }
            }
        }
        if let GroupByExpr::Expressions(exprs, _) = &s.group_by {
            for g in exprs {
                // an input column first, then an output column's name
                let bare_output = match g {
                    Expr::Identifier(id) => {
                        matches!(
                            level.column(None, &normalize_ident(id)),
                            Resolved::Missing(_)
                        ) && names_output(g, output.as_deref())
                    }
                    _ => false,
                };
                if !bare_output {
                    self.expr(g, &level)?;
                }
            }
        }
        Ok(output)
    }

    /// Adds the FROM items to `level`. Each item cannot see the ones before it (LATERAL aside),
    /// and a join's ON condition sees only the join's own members.
    pub fn from(&self, from: &[TableWithJoins], level: &mut Level<'a, '_>) -> Checked {
        let before = level.items.len();
        for twj in from {
            for item in level.items.iter_mut().skip(before) {
                item.lateral_only = true;
            }
            let mut tree = Vec::new();
            self.join_tree(twj, level, &mut tree)?;
            level.items.extend(tree);
        }
        for item in level.items.iter_mut().skip(before) {
            item.lateral_only = false;
        }
        Ok(())
    }

    /// The items of one FROM entry into `tree`; returns the index of the item holding the
    /// entry's columns (the last join's, or the relation's).
    fn join_tree(
        &self,
        twj: &TableWithJoins,
        level: &Level<'a, '_>,
        tree: &mut Vec<Item<'a>>,
    ) -> Checked<usize> {
        let mut left = self.factor(&twj.relation, level, tree)?;
        for join in &twj.joins {
            let outer_side = matches!(
                join.join_operator,
                JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
            );
            let right = match &join.relation {
                TableFactor::Derived {
                    lateral: true,
                    subquery,
                    alias,
                } if outer_side => self
                    .lateral(subquery, alias.as_ref(), level, tree, false)
                    .map_err(not_lateral_join)?,
                other => self.factor(other, level, tree)?,
            };
            let constraint = match &join.join_operator {
                JoinOperator::Inner(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c) => Some(c),
                _ => None,
            };
            let using = match constraint {
                Some(JoinConstraint::Using(names)) => {
                    Some(names.iter().map(normalize_ident).collect::<Vec<_>>())
                }
                Some(JoinConstraint::Natural) => None,
                _ => Some(Vec::new()),
            };
            let columns = match (
                using,
                tree[left].columns.to_named(),
                tree[right].columns.to_named(),
            ) {
                (Some(using), Some(l), Some(r)) => Columns::Named(merge(&using, l, r)),
                _ => Columns::Unknown,
            };
            for item in tree.iter_mut() {
                item.cols_visible = false;
            }
            tree.push(Item {
                refname: None,
                table: None,
                aliased: false,
                columns,
                rel_visible: false,
                cols_visible: true,
                lateral_only: false,
                join: true,
            });
            left = tree.len() - 1;
            if let Some(JoinConstraint::On(on)) = constraint {
                let mut scope = Level::new(level.parent);
                scope.ctes = level.ctes.clone();
                scope.items = level.items.clone();
                scope.items.extend(tree.iter().cloned());
                self.expr(on, &scope)?;
            }
        }
        Ok(left)
    }

    /// One relation, subquery or parenthesized join, pushed onto `tree`.
    fn factor(
        &self,
        factor: &TableFactor,
        level: &Level<'a, '_>,
        tree: &mut Vec<Item<'a>>,
    ) -> Checked<usize> {
        let item = match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let (table, columns) = self
                    .relation(name, level)
                    .map_err(|e| Failure::new(e, Some(Site::table(factor))))?;
                let refname = alias
                    .as_ref()
                    .map_or(table.clone(), |a| normalize_ident(&a.name));
                let columns = match alias {
                    Some(a) if !a.columns.is_empty() => {
                        Columns::Named(rename(columns.to_named(), &a.columns).unwrap_or_default())
                    }
                    _ => columns,
                };
                Item::relation(refname, Some(table), alias.is_some(), columns)
            }
            TableFactor::Derived {
                lateral: false,
                subquery,
                alias,
            } => {
                // a subquery in FROM sees the enclosing query, not its sibling FROM items
                let mut hidden = Level::new(level.parent);
                hidden.ctes = level.ctes.clone();
                hidden.items = level.items.clone();
                for item in hidden.items.iter_mut() {
                    item.lateral_only = true;
                }
                let out = self.query(subquery, Some(&hidden))?;
                let Some(alias) = alias else {
                    return Ok(push(tree, opaque(None)));
                };
                let columns = rename(out, &alias.columns).map_or(Columns::Unknown, Columns::Named);
                Item::relation(normalize_ident(&alias.name), None, true, columns)
            }
            TableFactor::Derived {
                lateral: true,
                subquery,
                alias,
            } => return self.lateral(subquery, alias.as_ref(), level, tree, true),
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let start = tree.len();
                let top = self.join_tree(table_with_joins, level, tree)?;
                let Some(alias) = alias else {
                    return Ok(top);
                };
                // an aliased join hides its members
                for item in tree.iter_mut().skip(start) {
                    item.rel_visible = false;
                    item.cols_visible = false;
                }
                let columns = rename(tree[top].columns.to_named(), &alias.columns)
                    .map_or(Columns::Unknown, Columns::Named);
                Item::relation(normalize_ident(&alias.name), None, true, columns)
            }
            other => opaque(alias_of(other)),
        };
        Ok(push(tree, item))
    }

    /// A LATERAL subquery, which also sees the FROM items before it (`reaches`: unless it is
    /// on the right of a RIGHT or FULL join, where referring to them is an error).
    fn lateral(
        &self,
        subquery: &Query,
        alias: Option<&TableAlias>,
        level: &Level<'a, '_>,
        tree: &mut Vec<Item<'a>>,
        reaches: bool,
    ) -> Checked<usize> {
        let mut scope = Level::new(level.parent);
        scope.ctes = level.ctes.clone();
        scope.items = level.items.iter().chain(tree.iter()).cloned().collect();
        for item in scope.items.iter_mut() {
            item.lateral_only = !reaches;
        }
        let out = self.query(subquery, Some(&scope))?;
        let Some(alias) = alias else {
            return Ok(push(tree, opaque(None)));
        };
        let columns = rename(out, &alias.columns).map_or(Columns::Unknown, Columns::Named);
        let item = Item::relation(normalize_ident(&alias.name), None, true, columns);
        Ok(push(tree, item))
    }

    pub fn expr(&self, e: &Expr, level: &Level<'a, '_>) -> Checked {
        let column = |q: Option<&Ident>, c: &Ident| -> Checked {
            let name = normalize_ident(c);
            let q = q.map(normalize_ident);
            match level.column(q.as_deref(), &name) {
                Resolved::Column => Ok(()),
                Resolved::Missing(err) => Err(Failure::new(err, Some(Site::expr(e)))),
            }
        };
        match e {
            Expr::Identifier(id) => {
                let special = id.quote_style.is_none()
                    && VALUE_FUNCTIONS.contains(&id.value.to_ascii_lowercase().as_str());
                if special {
                    Ok(())
                } else {
                    column(None, id)
                }
            }
            Expr::CompoundIdentifier(ids) => match ids.as_slice() {
                [t, c] | [_, t, c] => column(Some(t), c),
                _ => Ok(()),
            },
            Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => {
                self.query(q, Some(level)).map(|_| ())
            }
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr, level)?;
                self.query(subquery, Some(level)).map(|_| ())
            }
            Expr::Function(f) => {
                for child in crate::sql::select::children(e) {
                    self.expr(child, level)?;
                }
                super::functions::check_call(e, f, level)
            }
            // untyped literals take the type of what they are compared with
            Expr::BinaryOp { left, op, right } if is_comparison(op) => {
                self.expr(left, level)?;
                self.expr(right, level)?;
                self.compared_literal(left, right, level)?;
                self.compared_literal(right, left, level)
            }
            Expr::InList { expr, list, .. } => {
                self.expr(expr, level)?;
                for e in list {
                    self.expr(e, level)?;
                }
                for e in list {
                    self.compared_literal(e, expr, level)?;
                }
                Ok(())
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                for e in [expr, low, high] {
                    self.expr(e, level)?;
                }
                self.compared_literal(low, expr, level)?;
                self.compared_literal(high, expr, level)
            }
            Expr::Cast {
                kind: CastKind::Cast | CastKind::DoubleColon,
                expr,
                data_type,
                ..
            } => {
                self.expr(expr, level)?;
                match sqltype_from_ast(data_type) {
                    Ok(ty) => literal_as(expr, &ty),
                    Err(_) => Ok(()),
                }
            }
            _ => {
                for child in crate::sql::select::children(e) {
                    self.expr(child, level)?;
                }
                Ok(())
            }
        }
    }
}

impl<'a> Analyzer<'a> {
    /// Reads `literal` as the type of `other` when that is a column of a known type.
    fn compared_literal(&self, literal: &Expr, other: &Expr, level: &Level<'a, '_>) -> Checked {
        let ty = match other {
            Expr::Identifier(c) => level.column_type(None, &normalize_ident(c)),
            Expr::CompoundIdentifier(ids) => match ids.as_slice() {
                [t, c] | [_, t, c] => {
                    level.column_type(Some(&normalize_ident(t)), &normalize_ident(c))
                }
                _ => None,
            },
            _ => None,
        };
        match ty {
            Some(ty) => literal_as(literal, &ty),
            None => Ok(()),
        }
    }
}

/// Reads an untyped string literal as `ty`, as PostgreSQL does while analysing (typmods aside,
/// which apply when the value is stored): `invalid input syntax for type integer: "abc"` at
/// the literal. Only numbers and booleans, whose input the engine reads as PostgreSQL does;
/// other types are left to the engine.
pub fn literal_as(e: &Expr, ty: &SqlType) -> Checked {
    let (
        Expr::Value(AstValue::SingleQuotedString(s) | AstValue::EscapedStringLiteral(s)),
        Some(ty),
    ) = (e, readable_type(ty))
    else {
        return Ok(());
    };
    parse_text_as(s, &ty)
        .map(|_| ())
        .map_err(|err| Failure::new(err, Some(Site::expr(e))))
}

fn readable_type(ty: &SqlType) -> Option<SqlType> {
    match ty {
        SqlType::Int2
        | SqlType::Int4
        | SqlType::Int8
        | SqlType::Float4
        | SqlType::Float8
        | SqlType::Bool
        | SqlType::Json
        | SqlType::Jsonb => Some(ty.clone()),
        SqlType::Numeric { .. } => Some(SqlType::Numeric {
            precision: None,
            scale: None,
        }),
        _ => None,
    }
}

fn push<'a>(tree: &mut Vec<Item<'a>>, item: Item<'a>) -> usize {
    tree.push(item);
    tree.len() - 1
}

/// An item whose columns are not known here.
fn opaque<'a>(refname: Option<String>) -> Item<'a> {
    Item {
        rel_visible: refname.is_some(),
        ..Item::relation(refname.unwrap_or_default(), None, true, Columns::Unknown)
    }
}

fn alias_of(factor: &TableFactor) -> Option<String> {
    let alias = match factor {
        TableFactor::Table { alias, name, .. } | TableFactor::Function { alias, name, .. } => {
            return Some(
                alias
                    .as_ref()
                    .map(|a| normalize_ident(&a.name))
                    .unwrap_or_else(|| name.0.last().map(normalize_ident).unwrap_or_default()),
            )
        }
        TableFactor::Derived { alias, .. }
        | TableFactor::UNNEST { alias, .. }
        | TableFactor::NestedJoin { alias, .. } => alias,
        _ => &None,
    };
    alias
        .as_ref()
        .map(|a: &TableAlias| normalize_ident(&a.name))
}

/// Output columns renamed by an alias list (`AS t(a, b)`).
fn rename(columns: Output, names: &[Ident]) -> Output {
    let mut columns = columns?;
    if names.len() > columns.len() {
        return None;
    }
    for (c, n) in columns.iter_mut().zip(names) {
        c.0 = normalize_ident(n);
    }
    Some(columns)
}

/// A join's columns: the USING columns once, then the rest of each side.
fn merge(
    using: &[String],
    left: Vec<(String, SqlType)>,
    right: Vec<(String, SqlType)>,
) -> Vec<(String, SqlType)> {
    let mut out: Vec<(String, SqlType)> = using
        .iter()
        .filter_map(|u| left.iter().find(|(n, _)| n == u).cloned())
        .collect();
    out.extend(left.into_iter().filter(|(n, _)| !using.contains(n)));
    out.extend(right.into_iter().filter(|(n, _)| !using.contains(n)));
    out
}

/// The columns `*` stands for; `None` when some are unknown.
fn wildcard(level: &Level) -> Output {
    let mut out = Vec::new();
    for item in level.items.iter().filter(|i| i.cols_visible) {
        out.extend(item.columns.to_named()?);
    }
    Some(out)
}

/// Whether an ORDER BY/GROUP BY item is a bare name of an output column, or a position.
fn names_output(e: &Expr, output: Option<&[(String, SqlType)]>) -> bool {
    match e {
        Expr::Value(sqlparser::ast::Value::Number(..)) => true,
        Expr::Identifier(id) => {
            let name = normalize_ident(id);
            // unknown output columns may hold the name
            output.is_none_or(|out| out.iter().any(|(n, _)| *n == name))
        }
        _ => false,
    }
}

/// A reference from a LATERAL item on the right of a RIGHT or FULL join to the items on its
/// left: PostgreSQL's error says why it is invalid there.
fn not_lateral_join(mut f: Failure) -> Failure {
    if f.error
        .message
        .starts_with("invalid reference to FROM-clause entry")
    {
        f.error.hint = None;
        f.error.detail =
            Some("The combining JOIN type must be INNER or LEFT for a LATERAL reference.".into());
    }
    f
}
