//! Which stored columns a SELECT block can read, so its scans convert only those (a
//! `count(*)` converts none). Conservative: a name counts as read wherever it appears as an
//! identifier, in the block or any subquery of it; `*`, `t.*`, NATURAL joins and whole-row
//! references read every column. A join's output also skips the columns only its own ON
//! condition reads.

use crate::sql::eval::resolve::ident_name;
use crate::sql::eval::ScopeColumn;
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Join, JoinConstraint, JoinOperator,
    OrderByExpr, Select, SelectItem, TableFactor, TableWithJoins, Visitor,
};
use std::collections::HashSet;
use std::ops::ControlFlow;

/// The identifiers a block names (`names`), and those it names outside the ON conditions of
/// its FROM list's joins (`beyond_on`); `None` when it may read every column of its inputs.
pub struct UsedNames {
    names: Option<HashSet<String>>,
    /// For a block that reads every column through `*` or `t.*` in its select list: the
    /// names it reads elsewhere, to tell a whole-row reference (`None`: may be any).
    star_names: Option<HashSet<String>>,
    beyond_on: Option<HashSet<String>>,
    /// Whether the block names the system column `tableoid`.
    tableoid: bool,
}

impl UsedNames {
    /// Everything may be read.
    pub const ALL: UsedNames = UsedNames {
        names: None,
        star_names: None,
        beyond_on: None,
        tableoid: false,
    };

    /// Whether the block reads `tableoid` (scans then add it as a hidden column).
    pub fn tableoid(&self) -> bool {
        self.tableoid
    }

    /// Which of `columns` (named after any alias) a relation called `qualifier` must supply;
    /// `None`: all of them.
    pub fn needed(&self, qualifier: &str, columns: &[String]) -> Option<Vec<bool>> {
        let Some(names) = self.names.as_ref() else {
            // `SELECT *` reads every column, but no row as a whole unless named so.
            let star_names = self.star_names.as_ref()?;
            return (!star_names.contains(qualifier)).then(|| vec![true; columns.len()]);
        };
        if names.contains(qualifier) {
            return None; // a whole-row reference such as `row_to_json(t)`
        }
        Some(columns.iter().map(|c| names.contains(c)).collect())
    }

    /// The same names, all of them counted as read beyond the joins' ON conditions (for the
    /// joins of a parenthesised FROM item, whose output the outer ON conditions read).
    pub fn nested(&self) -> UsedNames {
        UsedNames {
            names: self.names.clone(),
            star_names: self.star_names.clone(),
            beyond_on: self.names.clone(),
            tableoid: self.tableoid,
        }
    }

    /// The names read beyond the joins' ON conditions (`None`: any).
    pub fn beyond_on(&self) -> Option<&HashSet<String>> {
        self.beyond_on.as_ref()
    }

    /// The names the output of each of `joins` (one FROM item's chain, in order) must supply:
    /// those read beyond every ON, plus those the ON conditions of the later joins read.
    pub fn join_outputs(&self, joins: &[Join]) -> Vec<Option<HashSet<String>>> {
        let mut after = self.beyond_on.clone();
        let mut out = vec![None; joins.len()];
        for (slot, j) in out.iter_mut().zip(joins).rev() {
            *slot = after.clone();
            if let (Some(set), Some(on)) = (after.as_mut(), on_condition(j)) {
                let mut c = Collector::default();
                let _ = crate::sql::visit::visit(on, &mut c);
                if c.everything {
                    after = None;
                } else {
                    set.extend(c.names);
                }
            }
        }
        out
    }
}

/// Which of `columns` the names read: by name, or all of a relation named as a whole row.
pub fn column_mask(names: &HashSet<String>, columns: &[ScopeColumn]) -> Vec<bool> {
    columns
        .iter()
        .map(|c| names.contains(&c.name) || c.qualifier.as_ref().is_some_and(|q| names.contains(q)))
        .collect()
}

/// The names an expression reads (`None`: every column, as `t.*` does).
pub fn expr_names(e: &Expr) -> Option<HashSet<String>> {
    let mut c = Collector::default();
    let _ = crate::sql::visit::visit(e, &mut c);
    (!c.everything).then_some(c.names)
}

fn on_condition(j: &Join) -> Option<&Expr> {
    match &j.join_operator {
        JoinOperator::Inner(JoinConstraint::On(e))
        | JoinOperator::LeftOuter(JoinConstraint::On(e))
        | JoinOperator::RightOuter(JoinConstraint::On(e))
        | JoinOperator::FullOuter(JoinConstraint::On(e)) => Some(e),
        _ => None,
    }
}

#[derive(Default)]
struct Collector {
    names: HashSet<String>,
    everything: bool,
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        match e {
            Expr::Identifier(id) => {
                self.names.insert(ident_name(id));
            }
            // `t.c`, `s.t.c`: every part after the first may name a column or a relation.
            Expr::CompoundIdentifier(ids) => {
                self.names.extend(ids.iter().skip(1).map(ident_name));
            }
            Expr::Wildcard | Expr::QualifiedWildcard(_) => self.everything = true,
            Expr::Function(f) => {
                if let FunctionArguments::List(list) = &f.args {
                    let whole_row = list.args.iter().any(|a| {
                        matches!(
                            a,
                            FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(_))
                                | FunctionArg::Named {
                                    arg: FunctionArgExpr::QualifiedWildcard(_),
                                    ..
                                }
                        )
                    });
                    self.everything |= whole_row;
                }
            }
            _ => {}
        }
        if self.everything {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// Walks the FROM items: NATURAL joins read every column; USING names the columns it reads.
fn joins(from: &[TableWithJoins], c: &mut Collector) {
    for twj in from {
        factor(&twj.relation, c);
        for j in &twj.joins {
            factor(&j.relation, c);
            let constraint = match &j.join_operator {
                JoinOperator::Inner(jc)
                | JoinOperator::LeftOuter(jc)
                | JoinOperator::RightOuter(jc)
                | JoinOperator::FullOuter(jc) => Some(jc),
                _ => None,
            };
            match constraint {
                Some(JoinConstraint::Natural) => c.everything = true,
                Some(JoinConstraint::Using(cols)) => c.names.extend(cols.iter().map(ident_name)),
                _ => {}
            }
        }
    }
}

fn factor(tf: &TableFactor, c: &mut Collector) {
    if let TableFactor::NestedJoin {
        table_with_joins, ..
    } = tf
    {
        joins(std::slice::from_ref(table_with_joins.as_ref()), c);
    }
}

/// The names `sel` (sorted by `order`) may read from its FROM items.
pub fn used_names(sel: &Select, order: &[OrderByExpr]) -> UsedNames {
    let star = sel.projection.iter().any(|p| {
        matches!(
            p,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    let mut system = SystemColumn(false);
    let _ = crate::sql::visit::visit(sel, &mut system);
    for o in order {
        let _ = crate::sql::visit::visit(o, &mut system);
    }
    let all = UsedNames {
        tableoid: system.0,
        ..UsedNames::ALL
    };
    if star {
        return UsedNames {
            star_names: collect(sel, order),
            ..all
        };
    }
    let Some(names) = collect(sel, order) else {
        return all;
    };
    let has_on = sel
        .from
        .iter()
        .flat_map(|twj| &twj.joins)
        .any(|j| on_condition(j).is_some());
    let beyond_on = if has_on {
        let mut stripped = sel.clone();
        for twj in &mut stripped.from {
            strip_on(twj);
        }
        collect(&stripped, order)
    } else {
        Some(names.clone())
    };
    UsedNames {
        names: Some(names),
        star_names: None,
        beyond_on,
        tableoid: system.0,
    }
}

/// Finds a reference to `tableoid`.
struct SystemColumn(bool);

impl Visitor for SystemColumn {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        let named = match e {
            Expr::Identifier(id) => ident_name(id) == "tableoid",
            Expr::CompoundIdentifier(ids) => {
                ids.last().is_some_and(|id| ident_name(id) == "tableoid")
            }
            _ => false,
        };
        if named {
            self.0 = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

fn collect(sel: &Select, order: &[OrderByExpr]) -> Option<HashSet<String>> {
    let mut c = Collector::default();
    joins(&sel.from, &mut c);
    let _ = crate::sql::visit::visit(sel, &mut c);
    for o in order {
        let _ = crate::sql::visit::visit(o, &mut c);
    }
    (!c.everything).then_some(c.names)
}

/// Replaces the ON conditions of a FROM item's own joins (not those of parenthesised
/// items, whose output the outer conditions read) by TRUE.
fn strip_on(twj: &mut TableWithJoins) {
    for j in &mut twj.joins {
        match &mut j.join_operator {
            JoinOperator::Inner(c)
            | JoinOperator::LeftOuter(c)
            | JoinOperator::RightOuter(c)
            | JoinOperator::FullOuter(c) => {
                if let JoinConstraint::On(e) = c {
                    *e = Expr::Value(sqlparser::ast::Value::Boolean(true));
                }
            }
            _ => {}
        }
    }
}
