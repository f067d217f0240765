//! Functions and aggregates users create (`CREATE FUNCTION`, `CREATE AGGREGATE`): each node's
//! database keeps its own, and while a node works on a statement its functions join the
//! built-in rows, so every reader of the catalog sees one `pg_proc`.
//!
//! Catalog rows are `&'static` (the built-in table is), so a created row is interned once per
//! distinct definition: the same function created on every node, or created again after a
//! DROP, shares one row.

use super::{Aggregate, Distribute, Kind, Proc, RunsOn, Volatility};
use crate::types::SqlType;
use sqlparser::ast::{Expr, Query};
use std::cell::RefCell;
use std::rc::Rc;

/// What a created function runs.
#[derive(Debug, PartialEq)]
pub enum Body {
    /// A SQL function: the query whose first row's first column is the result.
    Sql(Box<Query>),
    /// An aggregate built from functions: `sfunc(state, args...)` per row, then `finalfunc`.
    Aggregate {
        sfunc: String,
        stype: SqlType,
        finalfunc: Option<String>,
        initcond: Option<String>,
        combinefunc: Option<String>,
    },
}

/// The facts about a created function the engine needs to call it.
#[derive(Debug, PartialEq)]
pub struct UserDef {
    /// Parameter names (`None`: only `$n` reaches it).
    pub arg_names: Vec<Option<String>>,
    pub arg_types: Vec<SqlType>,
    /// Default expressions of the trailing parameters that have one.
    pub defaults: Vec<Option<Expr>>,
    pub result: SqlType,
    pub returns_set: bool,
    pub strict: bool,
    pub body: Body,
    /// `CREATE OR REPLACE ...` text that recreates it (what Citus sends to workers).
    pub ddl: String,
}

/// One database's created functions. Cloning shares them.
#[derive(Clone, Debug, Default)]
pub struct UserProcs(Rc<RefCell<Vec<&'static Proc>>>);

thread_local! {
    static ACTIVE: RefCell<Vec<UserProcs>> = const { RefCell::new(Vec::new()) };
    static INTERNED: RefCell<Vec<&'static Proc>> = const { RefCell::new(Vec::new()) };
}

/// While alive, the catalog includes these functions (the node whose statement runs).
pub struct Active(());

impl Drop for Active {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().pop());
    }
}

impl UserProcs {
    /// Makes these the functions the catalog adds to its built-in rows until the guard drops.
    pub fn activate(&self) -> Active {
        ACTIVE.with(|a| a.borrow_mut().push(self.clone()));
        Active(())
    }

    pub fn all(&self) -> Vec<&'static Proc> {
        self.0.borrow().clone()
    }

    /// Adds a row, replacing the one with the same name and argument types.
    pub fn put(&self, proc: &'static Proc) {
        let mut procs = self.0.borrow_mut();
        procs.retain(|p| !same_signature(p, proc));
        procs.push(proc);
    }

    /// Replaces every row (a standby replaying its primary's functions); the list is this
    /// database's own, not shared with the one it came from.
    pub fn replace_all(&self, procs: &[&'static Proc]) {
        *self.0.borrow_mut() = procs.to_vec();
    }

    /// Removes a row; whether it was there.
    pub fn remove(&self, proc: &'static Proc) -> bool {
        let mut procs = self.0.borrow_mut();
        let before = procs.len();
        procs.retain(|p| !same_signature(p, proc));
        procs.len() != before
    }
}

fn same_signature(a: &Proc, b: &Proc) -> bool {
    a.name == b.name && a.arg_types().eq(b.arg_types())
}

/// The created functions named `name` on the node at work.
pub(super) fn named(name: &str) -> Vec<&'static Proc> {
    ACTIVE.with(|a| {
        a.borrow()
            .last()
            .map(|procs| {
                procs
                    .0
                    .borrow()
                    .iter()
                    .filter(|p| p.name == name)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The created functions of the node at work (for `\df`).
pub fn active() -> Vec<&'static Proc> {
    ACTIVE.with(|a| a.borrow().last().map(UserProcs::all).unwrap_or_default())
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A catalog row for a created function: `args` as `pg_get_function_arguments` prints them.
pub fn intern(
    name: &str,
    args: Vec<String>,
    volatility: Volatility,
    aggregate: bool,
    def: UserDef,
) -> &'static Proc {
    let result = match (def.returns_set, &def.body) {
        (true, _) => format!("SETOF {}", def.result.pg_name()),
        (false, _) => def.result.pg_name(),
    };
    let kind = if aggregate {
        // Without pushing transition states (worker_partial_agg), the coordinator gathers
        // the rows, which is also what Citus does for aggregates it cannot combine.
        Kind::Aggregate(Aggregate {
            distribute: Distribute::GatherRows,
            has_final: matches!(
                &def.body,
                Body::Aggregate {
                    finalfunc: Some(_),
                    ..
                }
            ),
            trans_space: 0.0,
        })
    } else {
        Kind::Function
    };
    INTERNED.with(|interned| {
        let existing = interned.borrow().iter().copied().find(|p| {
            p.name == name
                && p.args.iter().copied().eq(args.iter().map(String::as_str))
                && p.result == result
                && p.volatility == volatility
                && p.kind == kind
                && p.user == Some(&def)
        });
        if let Some(p) = existing {
            return p;
        }
        let args: Vec<&'static str> = args.into_iter().map(leak).collect();
        let proc: &'static Proc = Box::leak(Box::new(Proc {
            oid: 0,
            schema: "public",
            name: leak(name.to_string()),
            args: args.leak(),
            result: leak(result),
            volatility,
            kind,
            runs_on: RunsOn::Anywhere,
            user: Some(Box::leak(Box::new(def))),
        }));
        interned.borrow_mut().push(proc);
        proc
    })
}
