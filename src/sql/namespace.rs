//! Schemas. A relation in `public` is stored under its own name (`users`), one in any other
//! schema under `schema.name` (`sales.orders`), so every layer below name resolution keeps one
//! name per relation and shard names follow (`sales.orders_102008` is the shard
//! `orders_102008` in schema `sales`, as Citus names it). Unqualified names are looked up along
//! the session's `search_path`.

use super::Database;
use crate::error::{PgError, PgResult};
use sqlparser::ast::{
    ObjectName, ObjectType, Query, Statement, TableAlias, TableFactor, VisitorMut,
};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

pub const PUBLIC: &str = "public";

/// Schemas whose relations the engine keeps under their bare names: `public` and the
/// catalogs (`pg_catalog.pg_class`, `citus.pg_dist_shard`...).
fn is_builtin(schema: &str) -> bool {
    matches!(
        schema,
        PUBLIC | "pg_catalog" | "citus" | "citus_internal" | "pg_toast"
    )
}

/// Schemas that exist on every node. `information_schema`'s views keep their schema in their
/// stored names (`information_schema.tables`), apart from any table a user calls `tables`.
fn is_system(schema: &str) -> bool {
    is_builtin(schema) || schema == "information_schema"
}

thread_local! {
    /// The running statement's `search_path`, as its session set it.
    static SEARCH_PATH: RefCell<Vec<String>> = RefCell::new(vec![PUBLIC.to_string()]);
    /// What the session's node held as the statement began: its schemas, and the relations
    /// of the search path's schemas, for names given as text (`'orders'::regclass`).
    static VISIBLE: RefCell<Visible> = RefCell::new(Visible::default());
}

#[derive(Default)]
struct Visible {
    schemas: BTreeSet<String>,
    relations: BTreeSet<String>,
}

/// Notes what the session's node holds as a client statement begins, for names that reach
/// the engine as text.
pub fn begin_statement(db: &Database) {
    let path = existing_path(db);
    let relations = if default_path() {
        BTreeSet::new()
    } else {
        let in_path = |stored: &&String| path.iter().any(|s| s == split(stored).0);
        crate::sort::collect_set(
            db.storage
                .tables
                .keys()
                .chain(db.views.keys())
                .chain(db.storage.relations_with_oid())
                .filter(in_path)
                .cloned()
                .chain(db.sequences.borrow().keys().filter(in_path).cloned()),
        )
    };
    VISIBLE.with(|v| {
        *v.borrow_mut() = Visible {
            schemas: db.schemas.clone(),
            relations,
        }
    });
}

/// The stored name a regclass text's identifiers name (`orders`, `sales.orders`).
pub fn text_relation(parts: &[String]) -> PgResult<String> {
    match parts {
        [rel] => {
            if default_path() {
                return Ok(rel.clone());
            }
            Ok(VISIBLE.with(|v| {
                let v = v.borrow();
                search_path()
                    .iter()
                    .map(|schema| stored_name(schema, rel))
                    .find(|candidate| v.relations.contains(candidate))
                    .unwrap_or_else(|| rel.clone())
            }))
        }
        [schema, rel] => {
            let known = is_system(schema) || VISIBLE.with(|v| v.borrow().schemas.contains(schema));
            if known {
                Ok(stored_name(schema, rel))
            } else {
                Err(undefined_schema(schema))
            }
        }
        _ => Ok(String::new()),
    }
}

/// `current_schema()`: the first schema of the search path that exists.
pub fn current_schema() -> Option<String> {
    let path = search_path();
    VISIBLE.with(|v| {
        let v = v.borrow();
        path.into_iter()
            .find(|s| s == PUBLIC || v.schemas.contains(s))
    })
}

/// How `regclass` prints a stored relation: bare when the search path reaches its schema,
/// schema-qualified otherwise, each part quoted as needed.
pub fn regclass_text(stored: &str) -> String {
    let (schema, rel) = split(stored);
    let quote = super::ddl::quote_ident;
    if schema == PUBLIC || search_path().iter().any(|s| s == schema) {
        quote(rel)
    } else {
        format!("{}.{}", quote(schema), quote(rel))
    }
}

/// Takes the session's `search_path` setting for the statements that follow.
pub fn set_search_path(setting: &str) {
    let path = parse_search_path(setting);
    SEARCH_PATH.with(|p| *p.borrow_mut() = path);
}

/// The schemas of a `search_path` setting (`"$user", public` → `$user`, `public`), folded
/// as identifiers are.
pub fn parse_search_path(setting: &str) -> Vec<String> {
    setting
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => s.to_lowercase(),
            },
        )
        .collect()
}

fn search_path() -> Vec<String> {
    SEARCH_PATH.with(|p| p.borrow().clone())
}

/// Whether the search path reaches only `public` (names need no lookup).
pub fn default_path() -> bool {
    SEARCH_PATH.with(|p| {
        let p = p.borrow();
        p.iter().all(|s| s == PUBLIC || s == "$user")
    })
}

/// The name a relation called `rel` in `schema` is stored under.
pub fn stored_name(schema: &str, rel: &str) -> String {
    if is_builtin(schema) {
        rel.to_string()
    } else {
        format!("{schema}.{rel}")
    }
}

/// A stored name's schema and relation name.
pub fn split(stored: &str) -> (&str, &str) {
    match stored.split_once('.') {
        Some((schema, rel)) => (schema, rel),
        None => (PUBLIC, stored),
    }
}

/// The relation's own name, without its schema (what PostgreSQL's `relname` holds).
pub fn relname(stored: &str) -> &str {
    split(stored).1
}

/// The stored name a (possibly qualified) name in a statement refers to.
pub fn stored(name: &ObjectName) -> String {
    let parts: Vec<String> = name.0.iter().map(super::ddl::names::ident).collect();
    match parts.as_slice() {
        [] => String::new(),
        [rel] => rel.clone(),
        [.., schema, rel] => stored_name(schema, rel),
    }
}

/// The name a stored relation is written with in SQL sent to another node:
/// `public.users`, `sales.orders_102008`.
pub fn qualified_sql(stored: &str) -> String {
    let (schema, rel) = split(stored);
    format!(
        "{}.{}",
        super::ddl::quote_ident(schema),
        super::ddl::quote_ident(rel)
    )
}

/// A stored relation's name as SQL text: bare in `public` (`users_102008`), qualified
/// elsewhere (`sales.orders_102008`), as Citus's `shard_name` prints it.
pub fn relation_sql(stored: &str) -> String {
    let (schema, rel) = split(stored);
    if schema == PUBLIC {
        super::ddl::quote_ident(rel)
    } else {
        qualified_sql(stored)
    }
}

/// The name in a statement that refers to a stored relation.
pub fn object_name(stored: &str) -> ObjectName {
    let (schema, rel) = split(stored);
    if schema == PUBLIC {
        ObjectName(vec![super::ddl::ident(rel)])
    } else {
        ObjectName(vec![super::ddl::ident(schema), super::ddl::ident(rel)])
    }
}

/// How `regclass` prints a relation: bare when the search path finds it by that name,
/// schema-qualified otherwise.
pub fn display_name(stored: &str) -> String {
    let (schema, rel) = split(stored);
    let path = search_path();
    if schema == PUBLIC || path.iter().any(|s| s == schema) {
        rel.to_string()
    } else {
        format!("{schema}.{rel}")
    }
}

/// Whether a stored relation (a table, view, sequence, index or a Citus table's shell) exists.
fn relation_exists(db: &Database, stored: &str) -> bool {
    super::ddl::names::relation_exists(db, stored) || db.storage.relation_oid(stored).is_some()
}

/// The schemas of the search path that exist on this node, in order.
fn existing_path(db: &Database) -> Vec<String> {
    search_path()
        .into_iter()
        .filter(|s| s == PUBLIC || db.schemas.contains(s))
        .collect()
}

/// The stored name an unqualified relation name finds along the search path: the first
/// schema holding it, else the name itself (so the error names what was written).
pub fn resolve(db: &Database, rel: &str) -> String {
    if default_path() || rel.contains('.') {
        return rel.to_string();
    }
    existing_path(db)
        .iter()
        .map(|schema| stored_name(schema, rel))
        .find(|candidate| relation_exists(db, candidate))
        .unwrap_or_else(|| rel.to_string())
}

/// The schema an unqualified new relation is created in: the first existing schema of the
/// search path.
pub fn creation_schema(db: &Database) -> PgResult<String> {
    existing_path(db)
        .into_iter()
        .next()
        .ok_or_else(|| PgError::new("3F000", "no schema has been selected to create in"))
}

/// Checks that a relation created under `stored` has its schema on this node.
pub fn check_schema_exists(db: &Database, stored: &str) -> PgResult<()> {
    let (schema, _) = split(stored);
    if schema == PUBLIC || db.schemas.contains(schema) {
        Ok(())
    } else {
        Err(undefined_schema(schema))
    }
}

pub fn undefined_schema(schema: &str) -> PgError {
    PgError::new("3F000", format!("schema \"{schema}\" does not exist"))
}

/// Writes the schema a statement's unqualified relation names find along the search path
/// into the statement, so it means the same wherever it runs: `orders` becomes
/// `sales.orders` when `sales` comes first in the search path and holds it. A relation of
/// another schema without an alias gets its own name as alias, so `orders.id` still refers
/// to it (as PostgreSQL's range table names it).
pub fn qualify(db: &Database, stmt: &mut Statement) {
    let mut q = Qualifier {
        db,
        ctes: BTreeSet::new(),
        searching: !default_path(),
    };
    if q.searching {
        q.statement_names(stmt);
    }
    let _ = crate::sql::visit::visit_mut(stmt, &mut q);
}

struct Qualifier<'a> {
    db: &'a Database,
    /// CTE names: an unqualified name may mean one of them rather than a table.
    ctes: BTreeSet<String>,
    searching: bool,
}

impl Qualifier<'_> {
    fn lookup(&self, name: &mut ObjectName) {
        if let [rel] = name.0.as_slice() {
            let rel = super::ddl::names::ident(rel);
            if self.ctes.contains(&rel) {
                return;
            }
            let stored = resolve(self.db, &rel);
            if stored.contains('.') {
                *name = object_name(&stored);
            }
        }
    }

    fn create(&self, name: &mut ObjectName) {
        if let [rel] = name.0.as_slice() {
            let rel = super::ddl::names::ident(rel);
            if rel.contains('.') {
                return;
            }
            if let Ok(schema) = creation_schema(self.db) {
                let stored = stored_name(&schema, &rel);
                *name = object_name(&stored);
            }
        }
    }

    /// Relation names outside FROM: the targets of DDL.
    fn statement_names(&mut self, stmt: &mut Statement) {
        match stmt {
            Statement::CreateTable(ct) => {
                self.create(&mut ct.name);
                if let Some(like) = ct.like.as_mut() {
                    self.lookup(like);
                }
                // `LIKE source` and `PARTITION OF parent` arrive as a marked column whose
                // type names the relation.
                for col in &mut ct.columns {
                    if super::ddl::like::like_options(&col.name).is_some() {
                        if let sqlparser::ast::DataType::Custom(source, _) = &mut col.data_type {
                            self.lookup(source);
                        }
                    }
                }
                for c in &mut ct.constraints {
                    if let sqlparser::ast::TableConstraint::ForeignKey { foreign_table, .. } = c {
                        self.lookup(foreign_table);
                    }
                }
                for col in &mut ct.columns {
                    for opt in &mut col.options {
                        if let sqlparser::ast::ColumnOption::ForeignKey { foreign_table, .. } =
                            &mut opt.option
                        {
                            self.lookup(foreign_table);
                        }
                    }
                }
            }
            Statement::CreateView { name, .. } => self.create(name),
            Statement::CreateSequence { name, .. } => self.create(name),
            Statement::Drop {
                object_type: ObjectType::Table | ObjectType::View | ObjectType::Sequence,
                names,
                ..
            } => names.iter_mut().for_each(|n| self.lookup(n)),
            Statement::AlterTable {
                name, operations, ..
            } => {
                self.lookup(name);
                // `ATTACH PARTITION child` / `DETACH PARTITION child`, as rewritten.
                for op in operations {
                    if let Some(child) = super::partition::syntax::partition_child_mut(op) {
                        let mut child_name = ObjectName(std::mem::take(child));
                        self.lookup(&mut child_name);
                        *child = child_name.0;
                    }
                }
            }
            _ => {}
        }
    }
}

impl VisitorMut for Qualifier<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(super::ddl::names::ident(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, stmt: &mut Statement) -> ControlFlow<()> {
        if self.searching {
            match stmt {
                Statement::Insert(insert) => self.lookup(&mut insert.table_name),
                Statement::CreateIndex(ci) => self.lookup(&mut ci.table_name),
                Statement::Truncate { table_names, .. } => table_names
                    .iter_mut()
                    .for_each(|t| self.lookup(&mut t.name)),
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        {
            if self.searching {
                self.lookup(name);
            }
            if alias.is_none() && name.0.len() > 1 {
                let stored = stored(name);
                if stored.contains('.') {
                    *alias = Some(TableAlias {
                        name: super::ddl::ident(relname(&stored)),
                        columns: Vec::new(),
                    });
                }
            }
        }
        ControlFlow::Continue(())
    }
}
