//! EXPLAIN in Citus's shape: the coordinator's plan over `remote_scan`, the Custom Scan with its
//! task count, and the worker plan of the tasks shown.

use super::relations::{normalize_ident, object_name};
use super::SelectPlan;
use crate::cluster::{Cluster, Session};
use crate::error::{PgError, PgResult};
use crate::executor::select::shard_group_task;
use crate::sql::{Column, ExecOutput, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{
    Expr, JoinConstraint, JoinOperator, Query, SetExpr, Statement, TableFactor, UtilityOption,
};

/// A plan node: a title, its property lines, and its children.
#[derive(Clone, Debug, Default)]
pub struct PlanNode {
    pub title: String,
    pub props: Vec<String>,
    pub children: Vec<PlanNode>,
}

impl PlanNode {
    fn new(title: impl Into<String>) -> Self {
        PlanNode {
            title: title.into(),
            ..Default::default()
        }
    }

    fn prop(mut self, p: impl Into<String>) -> Self {
        self.props.push(p.into());
        self
    }

    fn child(mut self, c: PlanNode) -> Self {
        self.children.push(c);
        self
    }

    /// PostgreSQL's text layout: children are `->  ` six columns deeper.
    pub fn render(&self, depth: usize, out: &mut Vec<String>) {
        let content = 6 * depth;
        if depth == 0 {
            out.push(self.title.clone());
        } else {
            out.push(format!("{}->  {}", " ".repeat(content - 4), self.title));
        }
        for p in &self.props {
            out.push(format!("{}{p}", " ".repeat(content + 2)));
        }
        for c in &self.children {
            c.render(depth + 1, out);
        }
    }
}

fn option_on(options: Option<&[UtilityOption]>, name: &str) -> Option<bool> {
    options?.iter().find_map(|o| {
        if !o.name.value.eq_ignore_ascii_case(name) {
            return None;
        }
        Some(match &o.arg {
            None => true,
            Some(e) => {
                let t = e.to_string().to_lowercase();
                !matches!(t.as_str(), "off" | "false" | "0")
            }
        })
    })
}

/// The worker-side plan of a task's query.
fn scan_node(factor: &TableFactor) -> PlanNode {
    match factor {
        TableFactor::Table { name, alias, .. } => {
            let mut t = format!("Seq Scan on {}", object_name(name));
            if let Some(a) = alias {
                t.push_str(&format!(" {}", normalize_ident(&a.name)));
            }
            PlanNode::new(t)
        }
        TableFactor::Derived { .. } => PlanNode::new("Subquery Scan"),
        _ => PlanNode::new("Function Scan"),
    }
}

fn where_filter(node: PlanNode, selection: Option<&Expr>) -> PlanNode {
    match selection {
        Some(w) => node.prop(format!("Filter: ({w})")),
        None => node,
    }
}

fn worker_plan(
    query: &Query,
    aggregates: bool,
    group_keys: &[String],
    sort_keys: &[String],
    limit: bool,
) -> PlanNode {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return PlanNode::new("Result");
    };
    let mut node = match select.from.first() {
        None => PlanNode::new("Result"),
        Some(twj) => {
            let mut left = scan_node(&twj.relation);
            if twj.joins.is_empty() {
                left = where_filter(left, select.selection.as_ref());
            }
            for j in &twj.joins {
                let (kind, cond) = match &j.join_operator {
                    JoinOperator::Inner(c) => ("Hash Join", Some(c)),
                    JoinOperator::LeftOuter(c) => ("Hash Left Join", Some(c)),
                    JoinOperator::RightOuter(c) => ("Hash Right Join", Some(c)),
                    JoinOperator::FullOuter(c) => ("Hash Full Join", Some(c)),
                    _ => ("Nested Loop", None),
                };
                let mut join = PlanNode::new(kind);
                if let Some(JoinConstraint::On(on)) = cond {
                    join = join.prop(format!("Hash Cond: ({on})"));
                }
                join = join
                    .child(left)
                    .child(PlanNode::new("Hash").child(scan_node(&j.relation)));
                left = where_filter(join, None);
            }
            if !twj.joins.is_empty() {
                if let Some(w) = &select.selection {
                    left = left.prop(format!("Join Filter: ({w})"));
                }
            }
            left
        }
    };
    if aggregates {
        node = if group_keys.is_empty() {
            PlanNode::new("Aggregate").child(node)
        } else {
            PlanNode::new("HashAggregate")
                .prop(format!("Group Key: {}", group_keys.join(", ")))
                .child(node)
        };
    }
    if !sort_keys.is_empty() {
        node = PlanNode::new("Sort")
            .prop(format!("Sort Key: {}", sort_keys.join(", ")))
            .child(node);
    }
    if limit {
        node = PlanNode::new("Limit").child(node);
    }
    node
}

fn task_node(cluster: &Cluster, node: &str, plan: PlanNode) -> PlanNode {
    let (host, port) = cluster
        .catalog
        .node_by_name(node)
        .map(|n| (n.host.clone(), n.port))
        .unwrap_or_default();
    PlanNode::new("Task")
        .prop(format!("Node: host={host} port={port} dbname=postgres"))
        .child(plan)
}

fn custom_scan(costs: bool, tasks: Vec<PlanNode>, all: bool, router: bool) -> PlanNode {
    let count = tasks.len();
    let mut title = "Custom Scan (Citus Adaptive)".to_string();
    if costs {
        title.push_str(if router {
            "  (cost=0.00..0.00 rows=0 width=0)"
        } else {
            "  (cost=0.00..0.00 rows=100000 width=0)"
        });
    }
    let shown = if all || count <= 1 {
        "Tasks Shown: All".to_string()
    } else {
        format!("Tasks Shown: One of {count}")
    };
    let mut node = PlanNode::new(title)
        .prop(format!("Task Count: {count}"))
        .prop(shown);
    let take = if all { count } else { count.min(1) };
    for t in tasks.into_iter().take(take) {
        node = node.child(t);
    }
    node
}

fn select_plan(
    cluster: &mut Cluster,
    session: &Session,
    query: &Query,
    costs: bool,
    all: bool,
) -> PgResult<PlanNode> {
    let mut query = query.clone();
    if !super::citus_relations(&query, &cluster.catalog).is_empty() {
        super::expand_wildcards(&mut query, cluster.node_db(crate::cluster::COORDINATOR)?)?;
    }
    let plan = {
        let eval_const = |e: &Expr| cluster.eval_const(e);
        super::plan_select(
            &query,
            &cluster.catalog,
            Cluster::planner_settings(session),
            &eval_const,
        )?
    };
    Ok(match plan {
        SelectPlan::Local => worker_plan(&query, false, &[], &[], false),
        SelectPlan::Router { index } => {
            let (node, _, map) = shard_group_task(cluster, &query, index)?;
            let mut q = query.clone();
            super::relations::rename_relations(&mut q, &map);
            let task = task_node(cluster, &node, worker_plan(&q, false, &[], &[], false));
            custom_scan(costs, vec![task], all, true)
        }
        SelectPlan::MultiShard { indexes, split } => {
            let mut tasks = Vec::new();
            for i in indexes {
                let (node, _, map) = shard_group_task(cluster, &split.worker, Some(i))?;
                let mut q = split.worker.clone();
                super::relations::rename_relations(&mut q, &map);
                let wp = worker_plan(
                    &q,
                    split.worker_aggregates,
                    &split.worker_group_keys,
                    &split.worker_sort_keys,
                    split.worker_limit,
                );
                tasks.push(task_node(cluster, &node, wp));
            }
            let mut node = custom_scan(costs, tasks, all, false);
            if split.combine_aggregates {
                node = if split.group_keys.is_empty() {
                    PlanNode::new("Aggregate").child(node)
                } else {
                    PlanNode::new("HashAggregate")
                        .prop(format!("Group Key: {}", split.group_keys.join(", ")))
                        .child(node)
                };
            }
            if !split.sort_keys.is_empty() {
                node = PlanNode::new("Sort")
                    .prop(format!("Sort Key: {}", split.sort_keys.join(", ")))
                    .child(node);
            }
            if split.has_limit {
                node = PlanNode::new("Limit").child(node);
            }
            node
        }
        SelectPlan::PullUp { repartition } => {
            let tables = super::citus_relations(&query, &cluster.catalog);
            let mut node = PlanNode::new("Custom Scan (Citus Adaptive)");
            if repartition {
                let merge = tables
                    .iter()
                    .map(|t| cluster.catalog.table_shards(&t.name).len())
                    .max()
                    .unwrap_or(0);
                node = node
                    .prop(format!("Task Count: {merge}"))
                    .prop("Tasks Shown: None, not supported for re-partition queries");
                for t in &tables {
                    node = node.child(
                        PlanNode::new("MapMergeJob")
                            .prop(format!(
                                "Map Task Count: {}",
                                cluster.catalog.table_shards(&t.name).len()
                            ))
                            .prop(format!("Merge Task Count: {merge}")),
                    );
                }
            } else {
                for (i, t) in tables.iter().enumerate() {
                    node = node.child(
                        PlanNode::new(format!("Distributed Subplan 1_{}", i + 1))
                            .child(PlanNode::new(format!("Seq Scan on {}", t.name))),
                    );
                }
            }
            node
        }
    })
}

fn modify_plan(
    cluster: &mut Cluster,
    stmt: &Statement,
    costs: bool,
    all: bool,
) -> PgResult<PlanNode> {
    let (table, verb) = match stmt {
        Statement::Insert(i) => (object_name(&i.table_name), "Insert"),
        Statement::Update { table, .. } => match &table.relation {
            TableFactor::Table { name, .. } => (object_name(name), "Update"),
            _ => {
                return Err(PgError::unsupported(
                    "EXPLAIN of this UPDATE is not supported",
                ))
            }
        },
        Statement::Delete(d) => {
            let from = match &d.from {
                sqlparser::ast::FromTable::WithFromKeyword(t)
                | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
            };
            match from.first().map(|t| &t.relation) {
                Some(TableFactor::Table { name, .. }) => (object_name(name), "Delete"),
                _ => {
                    return Err(PgError::unsupported(
                        "EXPLAIN of this DELETE is not supported",
                    ))
                }
            }
        }
        _ => {
            return Err(PgError::unsupported(
                "EXPLAIN of this statement is not supported",
            ))
        }
    };
    let shards: Vec<_> = cluster
        .catalog
        .table_shards(&table)
        .into_iter()
        .cloned()
        .collect();
    let selection = match stmt {
        Statement::Update { selection, .. } => selection.clone(),
        Statement::Delete(d) => d.selection.clone(),
        _ => None,
    };
    let targets: Vec<crate::metadata::Shard> = match stmt {
        Statement::Insert(insert) => {
            // The shards the VALUES rows hash to.
            let rows = {
                let relations = std::collections::BTreeMap::new();
                let host = crate::executor::host::ClusterHost {
                    catalog: &cluster.catalog,
                    now: cluster.now(),
                    relations: &relations,
                    sizes: None,
                };
                crate::sql::dml::build_insert_rows(
                    cluster.node_db(crate::cluster::COORDINATOR)?,
                    insert,
                    &host,
                )?
                .1
            };
            let attnum = match cluster.catalog.table(&table).map(|t| t.kind.clone()) {
                Some(crate::metadata::TableKind::Distributed { attnum, .. }) => attnum,
                _ => 0,
            };
            let mut out: Vec<crate::metadata::Shard> = Vec::new();
            for row in rows {
                let v = row
                    .get(attnum.wrapping_sub(1))
                    .cloned()
                    .unwrap_or(Value::Null);
                if let Some(s) = cluster.catalog.shard_for_value(&table, &v)? {
                    if !out.iter().any(|x| x.shard_id == s.shard_id) {
                        out.push(s.clone());
                    }
                }
            }
            out
        }
        _ => {
            let rels = super::relations::statement_relations(stmt);
            let conds: Vec<&Expr> = selection.iter().flat_map(super::prune::conjuncts).collect();
            let eval_const = |e: &Expr| cluster.eval_const(e);
            match super::prune::prune(&conds, &rels, &cluster.catalog, &eval_const)? {
                Some(set) => shards
                    .iter()
                    .filter(|s| set.contains(&s.index))
                    .cloned()
                    .collect(),
                None => shards.clone(),
            }
        }
    };
    let mut tasks = Vec::new();
    for s in &targets {
        let node = cluster
            .catalog
            .task_node(s.shard_id)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        let inner = if verb == "Insert" {
            PlanNode::new(format!("Insert on {}", s.name())).child(PlanNode::new("Result"))
        } else {
            let scan = where_filter(
                PlanNode::new(format!("Seq Scan on {} {table}", s.name())),
                selection.as_ref(),
            );
            PlanNode::new(format!("{verb} on {} {table}", s.name())).child(scan)
        };
        tasks.push(task_node(cluster, &node, inner));
    }
    let router = tasks.len() == 1;
    Ok(custom_scan(costs, tasks, all, router))
}

pub fn execute(
    cluster: &mut Cluster,
    session: &Session,
    statement: &Statement,
    analyze: bool,
    verbose: bool,
    options: Option<&[UtilityOption]>,
) -> PgResult<ExecOutput> {
    let _ = (analyze, verbose);
    let costs = option_on(options, "costs").unwrap_or(true);
    let all = crate::executor::settings::is_on(session, "citus.explain_all_tasks");
    let plan = match statement {
        Statement::Query(q) => select_plan(cluster, session, q, costs, all)?,
        Statement::Insert(_) | Statement::Update { .. } | Statement::Delete(_) => {
            let table = super::relations::statement_relations(statement)
                .into_iter()
                .map(|r| r.name)
                .chain(match statement {
                    Statement::Insert(i) => vec![object_name(&i.table_name)],
                    _ => vec![],
                })
                .find(|t| cluster.catalog.table(t).is_some());
            if table.is_none() {
                PlanNode::new(match statement {
                    Statement::Insert(i) => format!("Insert on {}", object_name(&i.table_name)),
                    _ => "ModifyTable".into(),
                })
            } else {
                modify_plan(cluster, statement, costs, all)?
            }
        }
        _ => {
            return Err(PgError::unsupported(
                "EXPLAIN of this statement is not supported",
            ))
        }
    };
    let mut lines = Vec::new();
    plan.render(0, &mut lines);
    Ok(ExecOutput::rows(ResultSet {
        columns: vec![Column::new("QUERY PLAN", SqlType::Text)],
        rows: lines.into_iter().map(|l| vec![Value::Text(l)]).collect(),
    }))
}
