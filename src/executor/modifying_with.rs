//! WITH queries with INSERT / UPDATE / DELETE over Citus tables, as Citus plans them: each CTE
//! runs first as its own distributed statement (a modifying one returns its RETURNING rows);
//! its rows become an intermediate result that the CTEs after it and the main statement read.

use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::executor::Task;
use crate::planner::relations::{query_relations, rename_relations, statement_relations};
use crate::session::Session;
use crate::sql::dml::with::{check_returning, modifying_body, with_column_aliases};
use crate::sql::eval::resolve::ident_name;
use crate::sql::{parse_sql, ExecOutput, ResultSet};
use crate::trace::MessageKind;
use sqlparser::ast::{Query, Statement};
use std::collections::BTreeMap;

/// Intermediate results by CTE name.
type Results = BTreeMap<String, ResultSet>;

fn reads_results(names: &[String], results: &Results) -> bool {
    names.iter().any(|n| results.contains_key(n))
}

impl Cluster {
    /// A WITH query with a modifying CTE, or a WITH in front of INSERT / UPDATE / DELETE.
    pub(crate) fn execute_modifying_with(
        &mut self,
        s: &mut Session,
        q: &Query,
        stmt: &Statement,
        text: &str,
    ) -> PgResult<ExecOutput> {
        // Every relation name counts, INSERT targets included: a write into a Citus table
        // must never land in the coordinator's shell.
        let mut touches_citus = false;
        let _ = crate::sql::visit::relations(stmt, |name| {
            let table = crate::planner::relations::object_name(name);
            touches_citus |= self.catalog.table(&table).is_some();
            std::ops::ControlFlow::<()>::Continue(())
        });
        if !touches_citus {
            // Only the coordinator's own tables: its engine runs the statement whole.
            return super::coordinator::local(self, s, stmt, text);
        }
        if let Some(merge) = merge_with_ctes_inlined(q)? {
            return match self.execute_merge(s, &merge)? {
                Some(out) => Ok(out),
                None => super::coordinator::local(self, s, stmt, text),
            };
        }
        check_returning(q)?;
        if let Some(inlined) = self.update_or_delete_with_ctes_inlined(q) {
            return super::coordinator::execute(self, s, &inlined, &inlined.to_string());
        }
        let mut results = Results::new();
        if let Some(with) = &q.with {
            if with.recursive {
                return Err(PgError::unsupported(
                    "recursive CTEs are not supported in distributed queries",
                ));
            }
            for cte in &with.cte_tables {
                let rs = match modifying_body(&cte.query) {
                    Some(m) => self
                        .run_with_results(s, m, &results)?
                        .returned
                        .unwrap_or_default(),
                    None => self.select_with_results(s, &cte.query, &results)?,
                };
                results.insert(ident_name(&cte.alias.name), with_column_aliases(cte, rs)?);
            }
        }
        match modifying_body(q) {
            Some(m) => self.run_with_results(s, m, &results),
            None => {
                let mut main = q.clone();
                main.with = None;
                self.select_with_results(s, &main, &results)
                    .map(ExecOutput::rows)
            }
        }
    }

    /// An UPDATE or DELETE of a Citus table under read-only CTEs, with the CTEs inlined as
    /// subqueries, which recursive planning runs first as intermediate results.
    fn update_or_delete_with_ctes_inlined(&self, q: &Query) -> Option<Statement> {
        let with = q.with.as_ref()?;
        let body = modifying_body(q)?;
        if !matches!(body, Statement::Update { .. } | Statement::Delete(_)) {
            return None;
        }
        if with
            .cte_tables
            .iter()
            .any(|c| modifying_body(&c.query).is_some())
        {
            return None;
        }
        let (target, _) = super::modify_join::listed_relations(body);
        self.catalog.table(&target?.name)?;
        crate::planner::cte_inline::inline_ctes(body, with)
    }

    /// Runs a modification that may read intermediate results.
    fn run_with_results(
        &mut self,
        s: &mut Session,
        m: &Statement,
        results: &Results,
    ) -> PgResult<ExecOutput> {
        let names: Vec<String> = statement_relations(m).into_iter().map(|r| r.name).collect();
        if !reads_results(&names, results) {
            return super::coordinator::execute(self, s, m, &m.to_string());
        }
        if let Statement::Insert(insert) = m {
            let table = crate::planner::relations::object_name(&insert.table_name);
            if self.catalog.table(&table).is_some() {
                return self.execute_insert_with(s, insert, results.clone());
            }
        }
        if names.iter().any(|n| self.catalog.table(n).is_some()) {
            return Err(PgError::unsupported(
                "UPDATE and DELETE on Citus tables cannot read the rows of a WITH query",
            ));
        }
        self.run_local_statement_with(s, m, results)
    }

    /// Runs a SELECT that may read intermediate results: distributed when it reads none, on
    /// the coordinator when it reads no Citus table, else with the Citus tables pulled up.
    pub(crate) fn select_with_results(
        &mut self,
        s: &mut Session,
        q: &Query,
        results: &Results,
    ) -> PgResult<ResultSet> {
        let names: Vec<String> = query_relations(q).into_iter().map(|r| r.name).collect();
        if !reads_results(&names, results) {
            return self.execute_select(s, q);
        }
        let mut relations = results.clone();
        let mut map = BTreeMap::new();
        for table in names {
            if self.catalog.table(&table).is_none() || map.contains_key(&table) {
                continue;
            }
            let rows = self.fetch_table(s, &table)?;
            let name = format!("intermediate_result_{table}");
            relations.insert(name.clone(), rows);
            map.insert(table, name);
        }
        let mut q = q.clone();
        if !map.is_empty() {
            rename_relations(&mut q, &map);
            let env = crate::trace::Envelope::new(&s.node, &s.node, q.to_string()).session(s.id);
            self.network.note(MessageKind::Combine, env);
        }
        self.run_on_coordinator(s, &q, &relations)
    }

    /// Every row of a Citus table, read shard by shard.
    pub(crate) fn fetch_table(&mut self, s: &mut Session, table: &str) -> PgResult<ResultSet> {
        let mut tasks = Vec::new();
        for shard in self.catalog.table_shards(table) {
            let node = self
                .catalog
                .task_node(shard.shard_id)
                .map(|n| n.name.clone())
                .unwrap_or_else(|| COORDINATOR.to_string());
            let scan = parse_sql(&format!("SELECT * FROM {}", shard.name()))?;
            if let Some(Statement::Query(q)) = scan.into_iter().next() {
                tasks.push(Task::read(
                    node,
                    Some(shard.shard_id),
                    vec![shard.shard_id],
                    *q,
                ));
            }
        }
        self.run_select_tasks(s, &tasks, 0, &Default::default())
    }

    /// A modification of the coordinator's own tables reading intermediate results.
    pub(crate) fn run_local_statement_with(
        &mut self,
        s: &Session,
        stmt: &Statement,
        results: &Results,
    ) -> PgResult<ExecOutput> {
        let backend = s
            .backend
            .ok_or_else(|| PgError::new("08003", "connection not open"))?;
        let now = self.now();
        let host = ClusterHost::new(&self.catalog, now, results);
        let node = self
            .network
            .node_mut(&s.node)
            .ok_or_else(|| PgError::internal("no such node"))?;
        node.in_statement(backend, |db| db.execute(stmt, &host))
    }
}

/// `WITH ... MERGE` as Citus plans it: the CTE the MERGE reads as its source becomes that
/// source's subquery (the other CTEs go with it); modifying and recursive CTEs are refused.
fn merge_with_ctes_inlined(q: &Query) -> PgResult<Option<Statement>> {
    let Some(Statement::Merge { .. }) = modifying_body(q) else {
        return Ok(None);
    };
    let Some(mut merge) = modifying_body(q).cloned() else {
        return Ok(None);
    };
    let Some(with) = &q.with else {
        return Ok(Some(merge));
    };
    if with
        .cte_tables
        .iter()
        .any(|c| modifying_body(&c.query).is_some())
    {
        return Err(PgError::new(
            "XX000",
            "CTEs with modifying actions are not yet supported in MERGE",
        ));
    }
    if with.recursive {
        return Err(PgError::new(
            "XX000",
            "Recursive CTEs are not yet supported in MERGE",
        ));
    }
    if let Statement::Merge { source, .. } = &mut merge {
        let named = crate::planner::relations::table_relation(source);
        let cte = named.as_ref().and_then(|r| {
            with.cte_tables
                .iter()
                .find(|c| ident_name(&c.alias.name) == r.name)
        });
        match (cte, named, &mut *source) {
            (Some(cte), Some(rel), _) => {
                let mut sub = (*cte.query).clone();
                let others: Vec<_> = with
                    .cte_tables
                    .iter()
                    .filter(|c| c.alias.name != cte.alias.name)
                    .cloned()
                    .collect();
                if !others.is_empty() {
                    let mut w = with.clone();
                    w.cte_tables = others;
                    sub.with = Some(w);
                }
                *source = sqlparser::ast::TableFactor::Derived {
                    lateral: false,
                    subquery: Box::new(sub),
                    alias: Some(sqlparser::ast::TableAlias {
                        name: sqlparser::ast::Ident::new(rel.reference),
                        columns: cte.alias.columns.clone(),
                    }),
                };
            }
            (None, _, sqlparser::ast::TableFactor::Derived { subquery, .. }) => {
                subquery.with = Some(with.clone());
            }
            _ => {}
        }
    }
    Ok(Some(merge))
}
