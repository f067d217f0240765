//! Subplans: the subqueries recursive planning takes out of a statement run first, each as a
//! distributed query of its own; their rows reach the nodes as intermediate results that the
//! rewritten statement reads with `read_intermediate_result`.

use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{Notice, PgResult};
use crate::node::Command;
use crate::planner::recursive::{
    complex_joins_error, for_each_subquery, intermediate_result_query, Outer, SubqueryPlan,
};
use crate::planner::relations::RelationRef;
use crate::session::Session;
use crate::sql::ResultSet;
use sqlparser::ast::{Statement, VisitMut};
use std::collections::BTreeMap;

/// Subplan results by id (`8_1`), for the nodes running the rewritten statement.
pub type IntermediateResults = BTreeMap<String, ResultSet>;

impl Cluster {
    /// Plans the subqueries of a statement (`node`: a SELECT's query, or an UPDATE/DELETE)
    /// whose FROM names `outer`: pushable ones stay, uncorrelated ones run now and are
    /// replaced by reads of their results, a correlated one that cannot be pushed down makes
    /// the statement fail with Citus's error before anything runs.
    pub(crate) fn plan_subqueries<T: VisitMut + Clone + AsStatement>(
        &mut self,
        s: &mut Session,
        node: &mut T,
        root_is_query: bool,
        outer: Vec<RelationRef>,
    ) -> PgResult<IntermediateResults> {
        let plan_id = self.next_plan_id;
        self.next_plan_id += 1;
        let decisions = self.subquery_decisions(node, root_is_query, outer)?;
        let mut results = IntermediateResults::new();
        if !decisions.contains(&SubqueryPlan::Recurse) {
            return Ok(results);
        }
        let mut next = decisions.into_iter();
        let mut subplan = 0;
        for_each_subquery(node, root_is_query, &mut |found| {
            if next.next() != Some(SubqueryPlan::Recurse) {
                return Ok(());
            }
            subplan += 1;
            let id = format!("{plan_id}_{subplan}");
            let sub = found.query.clone();
            let text = self.debug_text(&results, sub.as_statement());
            s.emit(Notice::debug(format!(
                "generating subplan {id} for subquery {text}"
            )));
            let rows = self.execute_select(s, &sub)?;
            *found.query = intermediate_result_query(&id, &rows.columns);
            results.insert(id, rows);
            Ok(())
        })?;
        let text = self.debug_text(&results, node.as_statement());
        s.emit(Notice::debug(format!(
            "Plan {plan_id} query after replacing subqueries and CTEs: {text}"
        )));
        Ok(results)
    }

    /// How each subquery at the statement's own level runs, in the order the walk meets
    /// them; Citus's error when one is correlated and cannot be pushed down.
    pub(crate) fn subquery_decisions<T: VisitMut + Clone>(
        &self,
        node: &T,
        root_is_query: bool,
        outer: Vec<RelationRef>,
    ) -> PgResult<Vec<SubqueryPlan>> {
        let coordinator = self.node_db(COORDINATOR)?;
        let columns = |t: &str| {
            coordinator
                .table(t)
                .map(|d| d.columns.iter().map(|c| c.name.clone()).collect())
        };
        let outer = Outer {
            catalog: &self.catalog,
            relations: outer,
            columns: &columns,
        };
        let mut decisions = Vec::new();
        let mut probe = node.clone();
        for_each_subquery::<T, ()>(&mut probe, root_is_query, &mut |found| {
            decisions.push(outer.classify(found.query, found.in_left.as_ref()));
            Ok(())
        })
        .ok();
        if decisions.contains(&SubqueryPlan::Refuse) {
            return Err(complex_joins_error());
        }
        Ok(decisions)
    }

    /// A statement as Citus deparses it in its DEBUG messages.
    fn debug_text(&self, results: &IntermediateResults, statement: Statement) -> String {
        let fallback = statement.to_string();
        self.citus_text_with(
            COORDINATOR,
            &Command::Statement(Box::new(statement)),
            results,
        )
        .unwrap_or(fallback)
    }
}

/// A statement or query as the whole statement Citus deparses in its DEBUG messages.
pub trait AsStatement {
    fn as_statement(&self) -> Statement;
}

impl AsStatement for sqlparser::ast::Query {
    fn as_statement(&self) -> Statement {
        Statement::Query(Box::new(self.clone()))
    }
}

impl AsStatement for Statement {
    fn as_statement(&self) -> Statement {
        self.clone()
    }
}
