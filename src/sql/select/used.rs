//! Which stored columns a SELECT block can read, so its scans convert only those (a
//! `count(*)` converts none). Conservative: a name counts as read wherever it appears as an
//! identifier, in the block or any subquery of it; `*`, `t.*`, NATURAL joins and whole-row
//! references read every column.

use crate::sql::eval::resolve::ident_name;
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, JoinConstraint, JoinOperator,
    OrderByExpr, Select, SelectItem, TableFactor, TableWithJoins, Visit, Visitor,
};
use std::collections::HashSet;
use std::ops::ControlFlow;

/// The identifiers a block names (`None` when it may read every column of its inputs), and
/// whether it names the system column `tableoid`.
pub struct UsedNames(Option<HashSet<String>>, bool);

impl UsedNames {
    /// Everything may be read.
    pub const ALL: UsedNames = UsedNames(None, false);

    /// Whether the block reads `tableoid` (scans then add it as a hidden column).
    pub fn tableoid(&self) -> bool {
        self.1
    }

    /// Which of `columns` (named after any alias) a relation called `qualifier` must supply;
    /// `None`: all of them.
    pub fn needed(&self, qualifier: &str, columns: &[String]) -> Option<Vec<bool>> {
        let names = self.0.as_ref()?;
        if names.contains(qualifier) {
            return None; // a whole-row reference such as `row_to_json(t)`
        }
        Some(columns.iter().map(|c| names.contains(c)).collect())
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
    let _ = sel.visit(&mut system);
    for o in order {
        let _ = o.visit(&mut system);
    }
    if star {
        return UsedNames(None, system.0);
    }
    let mut c = Collector::default();
    joins(&sel.from, &mut c);
    let _ = sel.visit(&mut c);
    for o in order {
        let _ = o.visit(&mut c);
    }
    if c.everything {
        UsedNames(None, system.0)
    } else {
        UsedNames(Some(c.names), system.0)
    }
}

/// Finds a reference to `tableoid`.
struct SystemColumn(bool);

impl Visitor for SystemColumn {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        let named = match e {
            Expr::Identifier(id) => ident_name(id) == "tableoid",
            Expr::CompoundIdentifier(ids) => ids.last().is_some_and(|id| ident_name(id) == "tableoid"),
            _ => false,
        };
        if named {
            self.0 = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}
