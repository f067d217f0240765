//! Finding the relations a statement reads, and rewriting them to shard names for a task.

use sqlparser::ast::{
    Ident, ObjectName, Query, Statement, TableAlias, TableFactor, VisitMut, Visitor, VisitorMut,
};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// A relation named in FROM: its (unqualified, lower-case) name and the name queries use for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationRef {
    pub name: String,
    /// The alias, or the table name when it has none.
    pub reference: String,
}

/// The stored name of a possibly schema-qualified name (`public.users` → `users`,
/// `sales.orders` → `sales.orders`).
pub fn object_name(name: &ObjectName) -> String {
    crate::sql::namespace::stored(name)
}

/// PostgreSQL folds unquoted identifiers to lower case.
pub fn normalize_ident(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

/// The relation a plain table factor names (not a table function or a derived table).
pub fn table_relation(factor: &TableFactor) -> Option<RelationRef> {
    let TableFactor::Table {
        name,
        alias,
        args: None,
        ..
    } = factor
    else {
        return None;
    };
    let table = object_name(name);
    let reference = alias
        .as_ref()
        .map(|a| normalize_ident(&a.name))
        .unwrap_or_else(|| table.clone());
    Some(RelationRef {
        name: table,
        reference,
    })
}

struct Collector {
    out: Vec<RelationRef>,
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        self.out.extend(table_relation(factor));
        ControlFlow::Continue(())
    }
}

/// Every plain relation (not a table function) in a query, subqueries included.
pub fn query_relations(query: &Query) -> Vec<RelationRef> {
    let mut c = Collector { out: Vec::new() };
    let _ = crate::sql::visit::visit(query, &mut c);
    c.out
}

/// Every plain relation a statement names in FROM clauses (and subqueries).
pub fn statement_relations(stmt: &Statement) -> Vec<RelationRef> {
    let mut c = Collector { out: Vec::new() };
    let _ = crate::sql::visit::visit(stmt, &mut c);
    c.out
}

struct Renamer<'a> {
    map: &'a BTreeMap<String, String>,
}

impl VisitorMut for Renamer<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        {
            let table = object_name(name);
            if let Some(shard) = self.map.get(&table) {
                // Citus keeps the table name as alias so `table.column` references still resolve.
                if alias.is_none() {
                    *alias = Some(TableAlias {
                        name: crate::sql::ddl::ident(crate::sql::namespace::relname(&table)),
                        columns: Vec::new(),
                    });
                }
                *name = crate::sql::namespace::object_name(shard);
            }
        }
        ControlFlow::Continue(())
    }
}

/// Replaces table names by shard names (`citus_demo` → `citus_demo_102008 citus_demo`).
pub fn rename_relations<T: VisitMut>(node: &mut T, map: &BTreeMap<String, String>) {
    let _ = crate::sql::visit::visit_mut(node, &mut Renamer { map });
}
