//! Parse analysis of a client's statement before it runs: relations, columns and their
//! ambiguity are resolved against the node's catalog, as PostgreSQL does before planning (and
//! a Citus coordinator against its shell tables, before any task is sent). Errors come with the
//! node they were found at, so they can be given PostgreSQL's cursor position.

mod functions;
mod query;
mod scope;

use crate::error::PgError;
use crate::planner::relations::normalize_ident;
use crate::sql::locate::{self, Site};
use crate::sql::{Database, Host};
use crate::types::SqlType;
use scope::{Columns, Item, Level};
use sqlparser::ast::{
    AssignmentTarget, Delete, FromTable, Insert, ObjectName, Query, SelectItem, SetExpr, Statement,
    TableWithJoins,
};

/// An analysis error and the node of the statement it is about.
#[derive(Debug)]
pub struct Failure {
    // boxed: analysis results are passed up every level of a query
    pub error: Box<PgError>,
    pub site: Option<Site>,
}

impl Failure {
    pub fn new(error: PgError, site: Option<Site>) -> Self {
        Failure {
            error: Box::new(error),
            site,
        }
    }

    /// The error, positioned in `text`, of which `stmt` is the `index`th statement.
    pub fn into_error(self, text: &str, index: usize, stmt: &Statement) -> PgError {
        let at = self
            .site
            .and_then(|site| locate::position(text, index, stmt, site));
        match at {
            Some(at) => self.error.with_position(at),
            None => *self.error,
        }
    }
}

type Checked<T = ()> = Result<T, Failure>;

/// Resolves the names of a SELECT, INSERT, UPDATE or DELETE (also under EXPLAIN); other
/// statements pass.
pub fn statement(stmt: &Statement, db: &Database, host: &dyn Host) -> Checked {
    let analyzer = Analyzer { db, host };
    match stmt {
        Statement::Query(q) => analyzer.query(q, None).map(|_| ()),
        Statement::Insert(insert) => analyzer.insert(insert),
        Statement::Update {
            table,
            assignments,
            from,
            selection,
            returning,
        } => {
            let mut level = Level::new(None);
            analyzer.target(table, &mut level)?;
            if let Some(from) = from {
                analyzer.from(std::slice::from_ref(from), &mut level)?;
            }
            if let Some(w) = selection {
                analyzer.expr(w, &level)?;
            }
            analyzer.returning(returning.as_deref(), &level)?;
            for a in assignments {
                analyzer.expr(&a.value, &level)?;
            }
            analyzer.assignment_targets(table, assignments)
        }
        Statement::Delete(delete) => analyzer.delete(delete),
        Statement::Explain { statement, .. } => self::statement(statement, db, host),
        _ => Ok(()),
    }
}

/// What analysis reads: the node's tables and the relations its host provides.
pub(crate) struct Analyzer<'a> {
    db: &'a Database,
    host: &'a dyn Host,
}

impl<'a> Analyzer<'a> {
    /// A relation by name: a CTE, a stored table or a host relation. Names in schemas other
    /// than `public` are left to the engine.
    fn relation(
        &self,
        name: &ObjectName,
        level: &Level<'a, '_>,
    ) -> Result<(String, Columns<'a>), PgError> {
        let parts: Vec<String> = name.0.iter().map(normalize_ident).collect();
        let schema = parts.len().checked_sub(2).and_then(|i| parts.get(i));
        if schema.is_none() {
            let table = parts.last().cloned().unwrap_or_default();
            if let Some(cte) = level.cte(&table) {
                let columns = cte.columns.clone().map_or(Columns::Unknown, Columns::Named);
                return Ok((table, columns));
            }
        }
        let table = crate::sql::namespace::stored(name);
        if let Some(def) = self.db.table(&table) {
            return Ok((table, Columns::Table(&def.columns)));
        }
        if let Some(view) = self.db.views.get(&table) {
            let columns = view
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.clone()))
                .collect();
            return Ok((table, Columns::Named(columns)));
        }
        if let Some(rs) = crate::sql::system_relation(self.db, self.host, &table)
            .or_else(|| self.host.virtual_table(&table))
        {
            let columns = rs.columns.into_iter().map(|c| (c.name, c.ty)).collect();
            return Ok((table, Columns::Named(columns)));
        }
        match schema.map(String::as_str) {
            // The engine provides every relation of these schemas it has.
            None | Some("public" | "information_schema") => {
                Err(PgError::undefined_table(&parts.join(".")))
            }
            Some(_) => Ok((table, Columns::Unknown)),
        }
    }

    /// The table an UPDATE or DELETE writes, as the first FROM item.
    fn target(&self, table: &TableWithJoins, level: &mut Level<'a, '_>) -> Checked {
        self.from(std::slice::from_ref(table), level)
    }

    fn returning(&self, items: Option<&[SelectItem]>, level: &Level<'a, '_>) -> Checked {
        for item in items.unwrap_or_default() {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                self.expr(e, level)?;
                let mut aggregates = Vec::new();
                crate::sql::select::collect_aggregates(e, &mut aggregates);
                if let Some(a) = aggregates.first() {
                    return Err(Failure::new(
                        PgError::new("42803", "aggregate functions are not allowed in RETURNING"),
                        Some(Site::expr(a)),
                    ));
                }
            }
        }
        Ok(())
    }

    /// `column "c" of relation "t" does not exist` for SET targets not in the table.
    fn assignment_targets(
        &self,
        table: &TableWithJoins,
        assignments: &[sqlparser::ast::Assignment],
    ) -> Checked {
        let sqlparser::ast::TableFactor::Table { name, .. } = &table.relation else {
            return Ok(());
        };
        let relation = crate::sql::namespace::stored(name);
        let Some(def) = self.db.table(&relation) else {
            return Ok(());
        };
        for (i, a) in assignments.iter().enumerate() {
            let AssignmentTarget::ColumnName(column) = &a.target else {
                continue;
            };
            let column = column.0.last().map(normalize_ident).unwrap_or_default();
            let Some(def) = def.columns.iter().find(|c| c.name == column) else {
                return Err(Failure::new(
                    no_such_column(&column, &relation),
                    Some(Site::Assignment(i)),
                ));
            };
            query::literal_as(&a.value, &def.ty)?;
        }
        Ok(())
    }

    fn insert(&self, insert: &Insert) -> Checked {
        let relation = insert
            .table_name
            .0
            .last()
            .map(normalize_ident)
            .unwrap_or_default();
        let (_, columns) = self
            .relation(&insert.table_name, &Level::new(None))
            .map_err(|e| Failure::new(e, Some(Site::InsertTable)))?;
        if let Some(names) = columns.names() {
            let names: Vec<&str> = names.collect();
            for (i, c) in insert.columns.iter().enumerate() {
                let c = normalize_ident(c);
                if !names.contains(&c.as_str()) {
                    return Err(Failure::new(
                        no_such_column(&c, &relation),
                        Some(Site::InsertColumn(i)),
                    ));
                }
            }
        }
        if let Some(source) = &insert.source {
            self.query(source, None)?;
            self.inserted_literals(insert, source, &columns)?;
        }
        if let Some(returning) = &insert.returning {
            let mut level = Level::new(None);
            let refname = insert
                .table_alias
                .as_ref()
                .map_or(relation.clone(), normalize_ident);
            level.items.push(Item::relation(
                refname,
                Some(relation),
                insert.table_alias.is_some(),
                columns,
            ));
            self.returning(Some(returning), &level)?;
        }
        Ok(())
    }

    /// VALUES literals read as the types of the columns they go to.
    fn inserted_literals(&self, insert: &Insert, source: &Query, columns: &Columns) -> Checked {
        let (SetExpr::Values(values), Some(typed)) = (source.body.as_ref(), columns.to_named())
        else {
            return Ok(());
        };
        let targets: Vec<Option<&SqlType>> = if insert.columns.is_empty() {
            typed.iter().map(|(_, ty)| Some(ty)).collect()
        } else {
            insert
                .columns
                .iter()
                .map(|c| {
                    let c = normalize_ident(c);
                    typed.iter().find(|(n, _)| *n == c).map(|(_, ty)| ty)
                })
                .collect()
        };
        for row in &values.rows {
            for (e, ty) in row.iter().zip(&targets) {
                if let Some(ty) = ty {
                    query::literal_as(e, ty)?;
                }
            }
        }
        Ok(())
    }

    fn delete(&self, delete: &Delete) -> Checked {
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        let mut level = Level::new(None);
        self.from(from, &mut level)?;
        if let Some(using) = &delete.using {
            self.from(using, &mut level)?;
        }
        if let Some(w) = &delete.selection {
            self.expr(w, &level)?;
        }
        self.returning(delete.returning.as_deref(), &level)
    }
}

/// 42703 for a column named as a target of INSERT or UPDATE.
fn no_such_column(column: &str, relation: &str) -> PgError {
    PgError::new(
        "42703",
        format!("column \"{column}\" of relation \"{relation}\" does not exist"),
    )
}
