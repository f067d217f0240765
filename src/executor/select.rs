//! Running a planned SELECT: router, multi-shard with combine, or pull-up to the coordinator.

use super::subplans::IntermediateResults;
use super::Task;
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::metadata::TableKind;
use crate::planner::relations::{query_relations, rename_relations};
use crate::planner::split::REMOTE_SCAN;
use crate::planner::{self, PlannerSettings, SelectPlan};
use crate::session::Session;
use crate::sql::eval::{eval, EvalCtx, Scope};
use crate::sql::{parse_sql, ResultSet};
use crate::trace::MessageKind;
use crate::types::Value;
use sqlparser::ast::{Expr, Query, SetExpr, Statement};
use std::collections::BTreeMap;

/// Where a query runs for the shard group at `index` (`None`: reference shards only, read
/// from the coordinator's placement): the node, the anchor shard, every shard it reads, and
/// the renaming of its tables to those shards.
pub(crate) struct ShardGroupTask {
    pub node: String,
    pub anchor: Option<i64>,
    pub shards: Vec<i64>,
    pub map: BTreeMap<String, String>,
}

pub(crate) fn shard_group_task(
    cluster: &Cluster,
    query: &Query,
    index: Option<usize>,
) -> PgResult<ShardGroupTask> {
    shard_group_task_for(cluster, query, index, false)
}

/// `shard_group_task` for one of a multi-shard query's tasks: it goes to the first replica
/// of its shard (Citus's greedy assignment) rather than to the first node by address, as a
/// router query's does.
pub(crate) fn multi_shard_task(
    cluster: &Cluster,
    query: &Query,
    index: usize,
) -> PgResult<ShardGroupTask> {
    shard_group_task_for(cluster, query, Some(index), true)
}

fn shard_group_task_for(
    cluster: &Cluster,
    query: &Query,
    index: Option<usize>,
    multi_shard: bool,
) -> PgResult<ShardGroupTask> {
    let mut shards = Vec::new();
    let mut map = BTreeMap::new();
    let mut node: Option<String> = None;
    let mut anchor: Option<i64> = None;
    let mut reference_shard: Option<i64> = None;
    for rel in query_relations(query) {
        let Some(table) = cluster.catalog.table(&rel.name) else {
            continue;
        };
        let shard = match (&table.kind, index) {
            (TableKind::Distributed { .. }, Some(i)) => cluster.catalog.shard_at(&rel.name, i),
            (TableKind::Reference, _) => cluster.catalog.table_shards(&rel.name).first().copied(),
            (TableKind::Distributed { .. }, None) => None,
        };
        let Some(shard) = shard else {
            return Err(PgError::internal(format!(
                "no shard of \"{}\" for this task",
                rel.name
            )));
        };
        if matches!(table.kind, TableKind::Distributed { .. }) && node.is_none() {
            let found = if multi_shard {
                cluster.catalog.first_replica_node(shard.shard_id)
            } else {
                cluster.catalog.task_node(shard.shard_id)
            };
            node = found.map(|n| n.name.clone());
            anchor = Some(shard.shard_id);
        }
        if table.is_reference() {
            reference_shard = Some(shard.shard_id);
        }
        if !shards.contains(&shard.shard_id) {
            shards.push(shard.shard_id);
        }
        map.insert(rel.name.clone(), shard.name());
    }
    let node = node.unwrap_or_else(|| COORDINATOR.to_string());
    Ok(ShardGroupTask {
        node,
        anchor: anchor.or(reference_shard),
        shards,
        map,
    })
}

impl ShardGroupTask {
    /// The read task running `query` on this shard group.
    pub(crate) fn task(self, query: &Query) -> Task {
        let mut q = query.clone();
        rename_relations(&mut q, &self.map);
        Task::read(self.node, self.anchor, self.shards, q)
    }
}

impl Cluster {
    /// Evaluates an expression without column references on the coordinator (function
    /// arguments of utility calls, constants for pruning).
    pub(crate) fn eval_expr(&self, expr: &Expr) -> PgResult<Value> {
        let relations = BTreeMap::new();
        let host = ClusterHost::new(&self.catalog, self.now(), &relations);
        let ctx = EvalCtx {
            host: &host,
            db: self.node_db(COORDINATOR)?,
            subqueries: None,
        };
        eval(expr, &Scope::EMPTY, &ctx)
    }

    /// `eval_expr` for pruning: anything that does not evaluate simply does not prune.
    pub(crate) fn eval_const(&self, expr: &Expr) -> Option<Value> {
        self.eval_expr(expr).ok()
    }

    pub(crate) fn planner_settings(session: &Session) -> PlannerSettings {
        PlannerSettings {
            enable_repartition_joins: super::settings::is_on(
                session,
                "citus.enable_repartition_joins",
            ),
        }
    }

    /// Plans and runs a SELECT issued on the coordinator.
    pub(crate) fn execute_select(
        &mut self,
        session: &mut Session,
        query: &Query,
    ) -> PgResult<ResultSet> {
        let mut query = planner::views::inline_views(query, self.node_db(COORDINATOR)?);
        let mut results = IntermediateResults::new();
        if !planner::citus_relations(&query, &self.catalog).is_empty() {
            planner::expand_wildcards(&mut query, self.node_db(COORDINATOR)?)?;
            if let SetExpr::Select(select) = query.body.as_ref() {
                let outer = planner::from_relations(select)
                    .into_iter()
                    .map(|(r, _)| r)
                    .collect();
                results = self.plan_subqueries(session, &mut query, true, outer)?;
            }
        }
        let plan = {
            let eval_const = |e: &Expr| self.eval_const(e);
            planner::plan_select(
                &query,
                &self.catalog,
                Self::planner_settings(session),
                &eval_const,
            )?
        };
        self.execute_select_plan(session, &query, &plan, &results)
    }

    /// The tasks of a planned SELECT: what the executor runs, EXPLAIN prints and the map
    /// animates.
    pub(crate) fn select_tasks(&self, query: &Query, plan: &SelectPlan) -> PgResult<Vec<Task>> {
        Ok(match plan {
            SelectPlan::Local | SelectPlan::PullUp { .. } => Vec::new(),
            SelectPlan::Router { index } => {
                vec![shard_group_task(self, query, *index)?.task(query)]
            }
            SelectPlan::MultiShard { indexes, split } => indexes
                .iter()
                .map(|&i| Ok(multi_shard_task(self, &split.worker, i)?.task(&split.worker)))
                .collect::<PgResult<Vec<Task>>>()?,
        })
    }

    pub(crate) fn execute_select_plan(
        &mut self,
        s: &mut Session,
        query: &Query,
        plan: &SelectPlan,
        results: &IntermediateResults,
    ) -> PgResult<ResultSet> {
        match plan {
            SelectPlan::Local => {
                let mut relations = self.run_command_results(s, query)?;
                relations.extend(results.iter().map(|(k, v)| (k.clone(), v.clone())));
                self.run_on_coordinator(s, query, &relations)
            }
            SelectPlan::Router { .. } => {
                let tasks = self.select_tasks(query, plan)?;
                self.run_select_tasks(s, &tasks, 0, results)
            }
            SelectPlan::MultiShard { split, .. } => {
                let tasks = self.select_tasks(query, plan)?;
                let width = match split.worker.body.as_ref() {
                    sqlparser::ast::SetExpr::Select(s) => s.projection.len(),
                    _ => 0,
                };
                let remote = self.run_select_tasks(s, &tasks, width, results)?;
                self.combine(s, &split.combine, remote)
            }
            SelectPlan::PullUp { .. } => self.pull_up(s, query, results),
        }
    }

    /// The combine step: the coordinator runs the combine query over the workers' rows.
    pub(crate) fn combine(
        &mut self,
        s: &Session,
        combine_sql: &str,
        remote: ResultSet,
    ) -> PgResult<ResultSet> {
        let rows = remote.rows.len();
        let combine_sql = crate::planner::split::fill_types(combine_sql, &remote.columns);
        let env = crate::trace::Envelope::new(&s.node, &s.node, combine_sql.clone())
            .session(s.id)
            .rows(rows);
        self.network.note(MessageKind::Combine, env);
        let statements = parse_sql(&combine_sql)?;
        let Some(Statement::Query(q)) = statements.first() else {
            return Err(PgError::internal("combine query did not parse as a query"));
        };
        let mut relations = BTreeMap::new();
        relations.insert(REMOTE_SCAN.to_string(), remote);
        self.run_on_coordinator(s, q, &relations)
    }

    /// Fetches every Citus table the query reads into intermediate results and runs the query
    /// on the coordinator (what recursive planning and repartition joins achieve in Citus).
    pub(crate) fn pull_up(
        &mut self,
        s: &mut Session,
        query: &Query,
        results: &IntermediateResults,
    ) -> PgResult<ResultSet> {
        let mut relations = results.clone();
        let mut map = BTreeMap::new();
        let mut tables: Vec<String> = query_relations(query)
            .into_iter()
            .filter(|r| self.catalog.table(&r.name).is_some())
            .map(|r| r.name)
            .collect();
        tables.dedup();
        for table in tables {
            if map.contains_key(&table) {
                continue;
            }
            let mut tasks = Vec::new();
            let shards = self.catalog.table_shards(&table);
            for shard in shards {
                let node = self
                    .catalog
                    .task_node(shard.shard_id)
                    .map(|n| n.name.clone())
                    .unwrap_or_else(|| COORDINATOR.to_string());
                let scan = parse_sql(&format!(
                    "SELECT * FROM {}",
                    crate::sql::namespace::relation_sql(&shard.name())
                ))?;
                let Some(Statement::Query(q)) = scan.into_iter().next() else {
                    continue;
                };
                tasks.push(Task::read(
                    node,
                    Some(shard.shard_id),
                    vec![shard.shard_id],
                    *q,
                ));
            }
            let rows = self.run_select_tasks(s, &tasks, 0, results)?;
            let name = format!("intermediate_result_{table}");
            relations.insert(name.clone(), rows);
            map.insert(table, name);
        }
        let mut q = query.clone();
        rename_relations(&mut q, &map);
        let env = crate::trace::Envelope::new(&s.node, &s.node, q.to_string()).session(s.id);
        self.network.note(MessageKind::Combine, env);
        self.run_on_coordinator(s, &q, &relations)
    }
}
