//! EXPLAIN in Citus's shape: the coordinator's plan over `remote_scan`, the Custom Scan with its
//! task count, and the worker plan of the tasks shown.

use super::relations::{normalize_ident, object_name};
use super::SelectPlan;
use crate::cluster::{Cluster, Session};
use crate::error::{PgError, PgResult};
use crate::executor::select::shard_group_task;
use crate::sql::{Column, ExecOutput, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::visit_expressions_mut;
use sqlparser::ast::{
    BinaryOperator, Expr, JoinConstraint, JoinOperator, Query, SetExpr, Statement, TableFactor,
    UtilityOption,
};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// A plan node: a title, its property lines, and its children.
#[derive(Clone, Debug, Default, PartialEq)]
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

/// Unique indexes by table on the node a plan runs on: (index name, key columns).
type NodeIndexes = BTreeMap<String, Vec<(String, Vec<String>)>>;

/// The unique indexes of the relations `query` reads, as stored on `node`.
fn node_indexes(cluster: &Cluster, node: &str, query: &Query) -> NodeIndexes {
    let Ok(db) = cluster.node_db(node) else {
        return NodeIndexes::new();
    };
    super::relations::query_relations(query)
        .into_iter()
        .map(|rel| {
            let ixs = db
                .storage
                .unique_indexes(&rel.name)
                .iter()
                .map(|ix| (ix.name.clone(), ix.column_names.clone()))
                .collect();
            (rel.name, ixs)
        })
        .collect()
}

/// `expr` with every `alias.column` written as `column`.
fn unqualified(expr: &Expr) -> Expr {
    let mut e = expr.clone();
    let _ = visit_expressions_mut(&mut e, |e| {
        if let Expr::CompoundIdentifier(ids) = e {
            if let Some(last) = ids.last().cloned() {
                *e = Expr::Identifier(last);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    e
}

/// The column a `column = literal` condition fixes.
fn fixed_column(e: &Expr) -> Option<String> {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = e
    else {
        return None;
    };
    let column = |e: &Expr| match e {
        Expr::Identifier(id) => Some(normalize_ident(id)),
        Expr::CompoundIdentifier(ids) => ids.last().map(normalize_ident),
        _ => None,
    };
    match (left.as_ref(), right.as_ref()) {
        (c, Expr::Value(_)) | (Expr::Value(_), c) => column(c),
        _ => None,
    }
}

/// A scan of one relation: an index scan when WHERE fixes every key column of a unique index
/// (the node reads that one row through it), a sequential scan otherwise.
fn scan_node(factor: &TableFactor, selection: Option<&Expr>, indexes: &NodeIndexes) -> PlanNode {
    let TableFactor::Table { name, alias, .. } = factor else {
        let node = match factor {
            TableFactor::Derived { .. } => PlanNode::new("Subquery Scan"),
            _ => PlanNode::new("Function Scan"),
        };
        return where_filter(node, selection);
    };
    let table = object_name(name);
    let target = match alias {
        Some(a) => format!("{table} {}", normalize_ident(&a.name)),
        None => table.clone(),
    };
    // A scan of one relation prints its columns unqualified, as PostgreSQL does.
    let selection = selection.map(unqualified);
    let selection = selection.as_ref();
    let parts = selection.map(super::prune::conjuncts).unwrap_or_default();
    let fixed: Vec<Option<String>> = parts.iter().map(|p| fixed_column(p)).collect();
    let index = indexes.get(&table).and_then(|ixs| {
        ixs.iter().find(|(_, cols)| {
            cols.iter()
                .all(|c| fixed.iter().any(|f| f.as_deref() == Some(c.as_str())))
        })
    });
    let Some((ix_name, cols)) = index else {
        return where_filter(PlanNode::new(format!("Seq Scan on {target}")), selection);
    };
    let (mut conds, rest): (Vec<(&Expr, _)>, Vec<_>) = parts
        .iter()
        .copied()
        .zip(fixed)
        .partition(|(_, f)| f.as_ref().is_some_and(|c| cols.contains(c)));
    // Index conditions print in the index's column order.
    conds.sort_by_key(|(_, f)| {
        f.as_ref()
            .and_then(|c| cols.iter().position(|k| k == c))
            .unwrap_or(usize::MAX)
    });
    let conds: Vec<String> = conds.iter().map(|(e, _)| format!("({e})")).collect();
    let rest: Vec<String> = rest.iter().map(|(e, _)| format!("({e})")).collect();
    let cond = match conds.as_slice() {
        [one] => one.clone(),
        many => format!("({})", many.join(" AND ")),
    };
    let mut node = PlanNode::new(format!("Index Scan using {ix_name} on {target}"))
        .prop(format!("Index Cond: {cond}"));
    if !rest.is_empty() {
        let filter = match rest.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(" AND ")),
        };
        node = node.prop(format!("Filter: {filter}"));
    }
    node
}

fn where_filter(node: PlanNode, selection: Option<&Expr>) -> PlanNode {
    match selection {
        Some(w) => node.prop(format!("Filter: ({w})")),
        None => node,
    }
}

fn worker_plan(
    query: &Query,
    indexes: &NodeIndexes,
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
            let single = twj.joins.is_empty();
            let where_clause = select.selection.as_ref().filter(|_| single);
            let mut left = scan_node(&twj.relation, where_clause, indexes);
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
                    .child(PlanNode::new("Hash").child(scan_node(&j.relation, None, indexes)));
                left = join;
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

/// What a router query's worker plan does above its scan: aggregation (with its group keys),
/// sorting and a limit, as the worker runs the whole query.
fn router_shape(query: &Query) -> (bool, Vec<String>, Vec<String>, bool) {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return (false, Vec::new(), Vec::new(), false);
    };
    let group_keys: Vec<String> = match &select.group_by {
        sqlparser::ast::GroupByExpr::Expressions(exprs, _) => {
            exprs.iter().map(|e| unqualified(e).to_string()).collect()
        }
        _ => Vec::new(),
    };
    let aggregates = !group_keys.is_empty()
        || select.projection.iter().any(|item| match item {
            sqlparser::ast::SelectItem::UnnamedExpr(e)
            | sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                super::split::contains_aggregate(e)
            }
            _ => false,
        });
    let sort_keys = query
        .order_by
        .as_ref()
        .map(|o| {
            o.exprs
                .iter()
                .map(|e| unqualified(&e.expr).to_string())
                .collect()
        })
        .unwrap_or_default();
    (aggregates, group_keys, sort_keys, query.limit.is_some())
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
    cluster: &Cluster,
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
        SelectPlan::Local => {
            let indexes = node_indexes(cluster, crate::cluster::COORDINATOR, &query);
            worker_plan(&query, &indexes, false, &[], &[], false)
        }
        SelectPlan::Router { index } => {
            let (node, _, map) = shard_group_task(cluster, &query, index)?;
            let mut q = query.clone();
            super::relations::rename_relations(&mut q, &map);
            let indexes = node_indexes(cluster, &node, &q);
            let (aggregates, group_keys, sort_keys, limit) = router_shape(&q);
            let plan = worker_plan(&q, &indexes, aggregates, &group_keys, &sort_keys, limit);
            let task = task_node(cluster, &node, plan);
            custom_scan(costs, vec![task], all, true)
        }
        SelectPlan::MultiShard { indexes, split } => {
            let mut tasks = Vec::new();
            for i in indexes {
                let (node, _, map) = shard_group_task(cluster, &split.worker, Some(i))?;
                let mut q = split.worker.clone();
                super::relations::rename_relations(&mut q, &map);
                let indexes = node_indexes(cluster, &node, &q);
                let wp = worker_plan(
                    &q,
                    &indexes,
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

fn modify_plan(cluster: &Cluster, stmt: &Statement, costs: bool, all: bool) -> PgResult<PlanNode> {
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
                let host = crate::executor::host::ClusterHost::new(
                    &cluster.catalog,
                    cluster.now(),
                    &relations,
                );
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

/// The plan EXPLAIN prints for `statement`, built without running it.
pub fn plan(
    cluster: &Cluster,
    session: &Session,
    statement: &Statement,
    options: Option<&[UtilityOption]>,
) -> PgResult<PlanNode> {
    let costs = option_on(options, "costs").unwrap_or(true);
    let all = crate::executor::settings::is_on(session, "citus.explain_all_tasks");
    Ok(match statement {
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
    })
}

/// The plan of one SQL statement: of its inner statement when it is `EXPLAIN ...`, with the
/// EXPLAIN options applied, else of the statement itself with the default options.
pub fn plan_sql(cluster: &Cluster, session: &Session, sql: &str) -> PgResult<PlanNode> {
    let statements = crate::sql::parse_sql(sql)?;
    let Some(statement) = statements.last() else {
        return Err(PgError::unsupported("EXPLAIN needs a statement"));
    };
    match statement {
        Statement::Explain {
            statement, options, ..
        } => plan(cluster, session, statement, options.as_deref()),
        other => plan(cluster, session, other, None),
    }
}

/// EXPLAIN's result: one `QUERY PLAN` row per line of the plan's text layout.
pub fn plan_rows(plan: &PlanNode) -> ResultSet {
    let mut lines = Vec::new();
    plan.render(0, &mut lines);
    ResultSet {
        columns: vec![Column::new("QUERY PLAN", SqlType::Text)],
        rows: lines.into_iter().map(|l| vec![Value::Text(l)]).collect(),
    }
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
    let plan = plan(cluster, session, statement, options)?;
    Ok(ExecOutput::rows(plan_rows(&plan)))
}
