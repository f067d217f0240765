//! EXPLAIN in Citus's shape: the coordinator's plan over `remote_scan`, the Custom Scan with its
//! task count, and the worker plan of the tasks shown.

use super::coordinator_plan::{combine_plan, remote_names, remote_output, remote_scan_cost};
use super::cost::Cost;
use super::node_plan::NodePlanner;
use super::relations::{normalize_ident, object_name};
use super::worker_sql::task_query;
use super::SelectPlan;
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::executor::select::{multi_shard_task, shard_group_task};
use crate::session::Session;
use crate::sql::eval::EvalCtx;
use crate::sql::{Column, ExecOutput, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{
    BinaryOperator, Expr, JoinConstraint, JoinOperator, Query, SetExpr, Statement, TableFactor,
    UtilityOption,
};
use std::collections::BTreeMap;

/// A plan node: a title, its estimate, its property lines, and its children.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanNode {
    pub title: String,
    /// PostgreSQL's estimate, printed after the title unless EXPLAIN has COSTS OFF.
    pub cost: Option<Cost>,
    pub props: Vec<String>,
    pub children: Vec<PlanNode>,
    /// Citus's `Distributed Subplan` nodes, printed before the node's properties.
    pub subplans: Vec<PlanNode>,
}

impl PlanNode {
    pub fn new(title: impl Into<String>) -> Self {
        PlanNode {
            title: title.into(),
            ..Default::default()
        }
    }

    pub fn prop(mut self, p: impl Into<String>) -> Self {
        self.props.push(p.into());
        self
    }

    pub fn child(mut self, c: PlanNode) -> Self {
        self.children.push(c);
        self
    }

    pub fn with_cost(mut self, cost: Cost) -> Self {
        self.cost = Some(cost);
        self
    }

    /// Drops the estimates of the node and its descendants (EXPLAIN (COSTS OFF)).
    pub fn clear_costs(&mut self) {
        self.cost = None;
        for c in self.subplans.iter_mut().chain(&mut self.children) {
            c.clear_costs();
        }
    }

    /// The first Custom Scan in the tree (the one Citus hangs its subplans on).
    fn custom_scan_mut(&mut self) -> Option<&mut PlanNode> {
        if self.title.starts_with("Custom Scan") {
            return Some(self);
        }
        self.children.iter_mut().find_map(PlanNode::custom_scan_mut)
    }

    /// PostgreSQL's text layout: children are `->  ` six columns deeper.
    pub fn render(&self, depth: usize, out: &mut Vec<String>) {
        let content = 6 * depth;
        let title = match &self.cost {
            Some(c) => format!("{}  {}", self.title, c.text()),
            None => self.title.clone(),
        };
        if depth == 0 {
            out.push(title);
        } else {
            out.push(format!("{}->  {title}", " ".repeat(content - 4)));
        }
        for s in &self.subplans {
            s.render(depth + 1, out);
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

/// A task: with EXPLAIN (VERBOSE) the query it sends, then the worker it runs on and its plan.
fn task_node(cluster: &Cluster, node: &str, query: Option<String>, plan: PlanNode) -> PlanNode {
    let (host, port) = cluster
        .catalog
        .node_by_name(node)
        .map(|n| (n.host.clone(), n.port))
        .unwrap_or_default();
    let mut task = PlanNode::new("Task");
    if let Some(q) = query {
        task = task.prop(format!("Query: {q}"));
    }
    task.prop(format!("Node: host={host} port={port} dbname=postgres"))
        .child(plan)
}

/// EXPLAIN's options as the plan builders need them.
#[derive(Clone, Copy)]
struct Options {
    /// citus.explain_all_tasks
    all: bool,
    verbose: bool,
}

/// Citus's Custom Scan: no cost of its own; a router plan returns "0 rows", a plan the
/// coordinator combines 100000 of `width`.
fn custom_scan(tasks: Vec<PlanNode>, all: bool, cost: Cost) -> PlanNode {
    let count = tasks.len();
    let shown = if all || count <= 1 {
        "Tasks Shown: All".to_string()
    } else {
        format!("Tasks Shown: One of {count}")
    };
    let mut node = PlanNode::new("Custom Scan (Citus Adaptive)")
        .with_cost(cost)
        .prop(format!("Task Count: {count}"))
        .prop(shown);
    let take = if all { count } else { count.min(1) };
    for t in tasks.into_iter().take(take) {
        node = node.child(t);
    }
    node
}

/// The output column names of a query Citus routes as a whole.
fn output_names(query: &Query) -> Vec<String> {
    match query.body.as_ref() {
        SetExpr::Select(s) => s.projection.iter().map(super::naming::item_name).collect(),
        _ => Vec::new(),
    }
}

/// A router plan's Custom Scan estimate.
const ROUTER_SCAN: Cost = Cost {
    startup: 0.0,
    total: 0.0,
    rows: 0.0,
    width: 0,
};

/// Runs `f` with a planner over the tables of `node`.
fn with_planner<T>(
    cluster: &Cluster,
    node: &str,
    verbose: bool,
    f: impl FnOnce(&NodePlanner) -> T,
) -> PgResult<T> {
    let db = cluster.node_db(node)?;
    let relations = BTreeMap::new();
    let host = ClusterHost::new(&cluster.catalog, cluster.now(), &relations);
    let ctx = EvalCtx {
        host: &host,
        db,
        subqueries: None,
    };
    Ok(f(&NodePlanner::new(&ctx).verbose(verbose)))
}

/// The task running `query` on `node` after renaming its tables to the shards in `map`;
/// `names` are the output column names Citus gave a multi-shard task's query.
fn shard_task(
    cluster: &Cluster,
    node: &str,
    query: &Query,
    map: &BTreeMap<String, String>,
    names: Option<&[String]>,
    verbose: bool,
) -> PgResult<PlanNode> {
    let mut q = query.clone();
    super::relations::rename_relations(&mut q, map);
    let (text, plan) = with_planner(cluster, node, verbose, |p| {
        let text = verbose.then(|| task_query(p, &q, names, names.is_some()));
        (text, p.plan(&q))
    })?;
    Ok(task_node(cluster, node, text, plan))
}

fn select_plan(
    cluster: &Cluster,
    session: &Session,
    query: &Query,
    opts: Options,
) -> PgResult<PlanNode> {
    let mut query = super::views::inline_views(query, cluster.node_db(COORDINATOR)?);
    let mut subplans = Vec::new();
    if !super::citus_relations(&query, &cluster.catalog).is_empty() {
        super::expand_wildcards(&mut query, cluster.node_db(COORDINATOR)?)?;
        subplans = explain_subplans(cluster, session, &mut query, opts)?;
    }
    let mut node = select_plan_of(cluster, session, &query, opts)?;
    if !subplans.is_empty() {
        if let Some(scan) = node.custom_scan_mut() {
            scan.subplans = subplans;
        }
    }
    Ok(node)
}

/// The subplans recursive planning would run before `query`, which is rewritten to read
/// them; nothing runs (EXPLAIN without ANALYZE).
fn explain_subplans(
    cluster: &Cluster,
    session: &Session,
    query: &mut Query,
    opts: Options,
) -> PgResult<Vec<PlanNode>> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(Vec::new());
    };
    let outer: Vec<_> = super::from_relations(select)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let decisions = cluster.subquery_decisions(query, true, outer)?;
    let plan_id = cluster.next_plan_id;
    let mut next = decisions.into_iter();
    let mut nodes = Vec::new();
    super::recursive::for_each_subquery(query, true, &mut |found| {
        if next.next() != Some(super::recursive::SubqueryPlan::Recurse) {
            return Ok(());
        }
        let id = format!("{plan_id}_{}", nodes.len() + 1);
        let mut sub = found.query.clone();
        super::expand_wildcards(&mut sub, cluster.node_db(COORDINATOR)?)?;
        let columns: Vec<Column> = match sub.body.as_ref() {
            SetExpr::Select(s) => s
                .projection
                .iter()
                .map(|i| Column::new(super::naming::item_name(i), SqlType::Unknown))
                .collect(),
            _ => Vec::new(),
        };
        let plan = select_plan(cluster, session, &sub, opts)?;
        nodes.push(PlanNode::new(format!("Distributed Subplan {id}")).child(plan));
        *found.query = super::recursive::intermediate_result_query(&id, &columns);
        Ok::<(), PgError>(())
    })?;
    Ok(nodes)
}

fn select_plan_of(
    cluster: &Cluster,
    session: &Session,
    query: &Query,
    opts: Options,
) -> PgResult<PlanNode> {
    let Options { all, verbose } = opts;
    let query = query.clone();
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
            let db = cluster.node_db(COORDINATOR)?;
            let relations = BTreeMap::new();
            let mut host = ClusterHost::new(&cluster.catalog, cluster.now(), &relations);
            host.methods = crate::executor::settings::plan_methods(session);
            let ctx = EvalCtx {
                host: &host,
                db,
                subqueries: None,
            };
            NodePlanner::new(&ctx).verbose(verbose).plan(&query)
        }
        SelectPlan::Router { index } => {
            let g = shard_group_task(cluster, &query, index)?;
            let (node, map) = (g.node, g.map);
            let task = shard_task(cluster, &node, &query, &map, None, verbose)?;
            let scan = custom_scan(vec![task], all, ROUTER_SCAN);
            with_planner(cluster, COORDINATOR, verbose, |p| {
                remote_output(p, &output_names(&query), scan)
            })?
        }
        SelectPlan::MultiShard { indexes, split } => {
            let names = remote_names(&query, &split);
            let mut tasks = Vec::new();
            for i in indexes {
                let g = multi_shard_task(cluster, &split.worker, i)?;
                let (node, map) = (g.node, g.map);
                tasks.push(shard_task(
                    cluster,
                    &node,
                    &split.worker,
                    &map,
                    Some(&names),
                    verbose,
                )?);
            }
            with_planner(cluster, COORDINATOR, verbose, |p| {
                let scan = custom_scan(tasks, all, remote_scan_cost(p, &split));
                let scan = remote_output(p, &names, scan);
                combine_plan(p, &query, &split, scan)
            })?
        }
        SelectPlan::PullUp { repartition: true } => repartition_plan(cluster, &query, verbose)?,
        SelectPlan::PullUp { repartition: false } => {
            let tables = super::citus_relations(&query, &cluster.catalog);
            let mut node = PlanNode::new("Custom Scan (Citus Adaptive)").with_cost(ROUTER_SCAN);
            for (i, t) in tables.iter().enumerate() {
                let scan = with_planner(cluster, COORDINATOR, verbose, |p| p.table_scan(&t.name))?;
                node = node
                    .child(PlanNode::new(format!("Distributed Subplan 1_{}", i + 1)).child(scan));
            }
            node
        }
    })
}

/// A join Citus repartitions: map jobs hash both sides into buckets (four per node) that
/// merge tasks join; the coordinator combines their results.
fn repartition_plan(cluster: &Cluster, query: &Query, verbose: bool) -> PgResult<PlanNode> {
    let tables = super::citus_relations(query, &cluster.catalog);
    let nodes = cluster.catalog.nodes.iter().filter(|n| n.is_active).count();
    let merge = REPARTITION_BUCKETS_PER_NODE * nodes;
    let split = super::split::split(query, repartition_group_pushdown(query))
        .ok()
        .flatten();
    with_planner(cluster, COORDINATOR, verbose, |p| {
        let cost = match &split {
            Some(s) => remote_scan_cost(p, s),
            None => ROUTER_SCAN,
        };
        let mut node = PlanNode::new("Custom Scan (Citus Adaptive)")
            .with_cost(cost)
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
        match &split {
            Some(s) => combine_plan(p, query, s, node),
            None => node,
        }
    })
}

/// citus.repartition_join_bucket_count_per_node
const REPARTITION_BUCKETS_PER_NODE: usize = 4;

/// Whether the merge tasks of a repartitioned join hold whole groups: the GROUP BY has a
/// column the join equates (the column the rows were repartitioned by).
fn repartition_group_pushdown(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    let sqlparser::ast::GroupByExpr::Expressions(groups, _) = &select.group_by else {
        return false;
    };
    let mut conds: Vec<Expr> = select
        .selection
        .iter()
        .flat_map(super::prune::conjuncts)
        .cloned()
        .collect();
    for twj in &select.from {
        for j in &twj.joins {
            if let JoinOperator::Inner(JoinConstraint::On(on))
            | JoinOperator::LeftOuter(JoinConstraint::On(on))
            | JoinOperator::RightOuter(JoinConstraint::On(on)) = &j.join_operator
            {
                conds.extend(super::prune::conjuncts(on).into_iter().cloned());
            }
        }
    }
    conds.iter().any(|c| match c {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => groups
            .iter()
            .any(|g| g == left.as_ref() || g == right.as_ref()),
        _ => false,
    })
}

/// The shard relation a modification task reads: its name on the worker and the name the
/// statement uses for it.
fn modify_target(stmt: &Statement) -> Option<(String, String)> {
    let factor_names = |f: &TableFactor| match f {
        TableFactor::Table { name, alias, .. } => {
            let table = object_name(name);
            let reference = alias
                .as_ref()
                .map(|a| normalize_ident(&a.name))
                .unwrap_or_else(|| table.clone());
            Some((table, reference))
        }
        _ => None,
    };
    match stmt {
        Statement::Insert(i) => {
            let t = object_name(&i.table_name);
            Some((t.clone(), t))
        }
        Statement::Update { table, .. } => factor_names(&table.relation),
        Statement::Delete(d) => {
            let from = match &d.from {
                sqlparser::ast::FromTable::WithFromKeyword(t)
                | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
            };
            from.first().and_then(|t| factor_names(&t.relation))
        }
        _ => None,
    }
}

/// A modification's plan on one shard: ModifyTable over the rows it changes.
fn shard_modify_plan(
    planner: &NodePlanner,
    stmt: &Statement,
    shard: &str,
    reference: &str,
    table: &str,
) -> PlanNode {
    let verb = match stmt {
        Statement::Insert(_) => "Insert",
        Statement::Update { .. } => "Update",
        _ => "Delete",
    };
    let target = if shard == reference || verb == "Insert" {
        shard.to_string()
    } else {
        format!("{shard} {reference}")
    };
    let (selection, values): (Option<&Expr>, Vec<Expr>) = match stmt {
        Statement::Update {
            selection,
            assignments,
            ..
        } => (
            selection.as_ref(),
            assignments.iter().map(|a| a.value.clone()).collect(),
        ),
        Statement::Delete(d) => (d.selection.as_ref(), Vec::new()),
        _ => (None, Vec::new()),
    };
    let input = if verb == "Insert" {
        planner
            .insert_values(shard)
            .or_else(|| planner.insert_values(table))
            .unwrap_or_else(|| PlanNode::new("Result"))
    } else {
        planner.modify_scan(shard, reference, selection, &values)
    };
    let cost = input.cost.map(|c| Cost::new(c.startup, c.total, 0.0, 0));
    let mut node = PlanNode::new(format!("{verb} on {target}")).child(input);
    node.cost = cost;
    node
}

fn modify_plan(cluster: &Cluster, stmt: &Statement, opts: Options) -> PgResult<PlanNode> {
    let Some((table, reference)) = modify_target(stmt) else {
        return Err(PgError::unsupported(
            "EXPLAIN of this statement is not supported",
        ));
    };
    // The executor's own tasks: one per shard (its first placement) that the statement writes.
    let tasks = match stmt {
        Statement::Insert(insert) => match cluster.insert_select_pushdown_tasks(insert)? {
            Some(tasks) => tasks,
            None => {
                let rows = {
                    let relations = std::collections::BTreeMap::new();
                    let host = ClusterHost::new(&cluster.catalog, cluster.now(), &relations);
                    crate::sql::dml::build_insert_rows(
                        cluster.node_db(COORDINATOR)?,
                        insert,
                        &host,
                    )?
                    .1
                };
                cluster.insert_tasks(&table, rows)?
            }
        },
        Statement::Update { selection, .. } => {
            cluster.modify_tasks(stmt, &table, selection.as_ref())?
        }
        Statement::Delete(d) => cluster.modify_tasks(stmt, &table, d.selection.as_ref())?,
        _ => Vec::new(),
    };
    let pushdown = match stmt {
        Statement::Insert(insert) => pushdown_source(cluster, insert),
        _ => None,
    };
    let mut nodes = Vec::new();
    for task in tasks.iter().filter(|t| t.counted) {
        let Some(shard) = task.shard_id.and_then(|id| cluster.catalog.shard(id)) else {
            continue;
        };
        let source_shard = task
            .shards
            .get(1)
            .and_then(|id| cluster.catalog.shard(*id))
            .map(|s| s.name());
        let inner = with_planner(cluster, &task.node, opts.verbose, |p| {
            match (&pushdown, &source_shard) {
                (Some((query, src)), Some(src_shard)) => {
                    let mut q = query.clone();
                    let mut map = BTreeMap::new();
                    map.insert(src.clone(), src_shard.clone());
                    super::relations::rename_relations(&mut q, &map);
                    let input = p.plan(&q);
                    let cost = input.cost.map(|c| Cost::new(c.startup, c.total, 0.0, 0));
                    let mut node =
                        PlanNode::new(format!("Insert on {} citus_table_alias", shard.name()))
                            .child(input);
                    node.cost = cost;
                    node
                }
                _ => shard_modify_plan(p, stmt, &shard.name(), &reference, &table),
            }
        })?;
        nodes.push(task_node(cluster, &task.node, None, inner));
    }
    // A modification has no combine query: the Custom Scan is a router's.
    Ok(custom_scan(nodes, opts.all, ROUTER_SCAN))
}

/// The SELECT a pushed-down INSERT ... SELECT runs on each shard, as Citus sends it (rows
/// with a NULL distribution column are filtered out), and the source table it reads.
fn pushdown_source(
    cluster: &Cluster,
    insert: &sqlparser::ast::Insert,
) -> Option<(sqlparser::ast::Query, String)> {
    let source = insert.source.as_ref()?;
    let SetExpr::Select(select) = source.body.as_ref() else {
        return None;
    };
    let TableFactor::Table { name, alias, .. } = &select.from.first()?.relation else {
        return None;
    };
    let src = object_name(name);
    let column = cluster
        .catalog
        .table(&src)?
        .distribution_column()?
        .to_string();
    let reference = alias
        .as_ref()
        .map(|a| normalize_ident(&a.name))
        .unwrap_or_else(|| src.clone());
    let not_null = Expr::IsNotNull(Box::new(Expr::CompoundIdentifier(vec![
        sqlparser::ast::Ident::new(reference),
        sqlparser::ast::Ident::new(column),
    ])));
    let mut q = (**source).clone();
    if let SetExpr::Select(sel) = q.body.as_mut() {
        sel.selection = Some(match sel.selection.take() {
            Some(w) => Expr::BinaryOp {
                left: Box::new(Expr::Nested(Box::new(w))),
                op: BinaryOperator::And,
                right: Box::new(not_null),
            },
            None => not_null,
        });
    }
    Some((q, src))
}

/// The plan EXPLAIN prints for `statement`, built without running it.
pub fn plan(
    cluster: &Cluster,
    session: &Session,
    statement: &Statement,
    options: Option<&[UtilityOption]>,
) -> PgResult<PlanNode> {
    plan_with(cluster, session, statement, options, false)
}

/// The plan EXPLAIN prints; `verbose` for `EXPLAIN VERBOSE` written without parentheses.
fn plan_with(
    cluster: &Cluster,
    session: &Session,
    statement: &Statement,
    options: Option<&[UtilityOption]>,
    verbose: bool,
) -> PgResult<PlanNode> {
    let costs = option_on(options, "costs").unwrap_or(true);
    let opts = Options {
        all: crate::executor::settings::is_on(session, "citus.explain_all_tasks"),
        verbose: verbose || option_on(options, "verbose").unwrap_or(false),
    };
    let mut plan = match statement {
        Statement::Query(q) => select_plan(cluster, session, q, opts)?,
        Statement::Insert(_) | Statement::Update { .. } | Statement::Delete(_) => {
            let citus = super::relations::statement_relations(statement)
                .into_iter()
                .map(|r| r.name)
                .chain(match statement {
                    Statement::Insert(i) => vec![object_name(&i.table_name)],
                    _ => vec![],
                })
                .any(|t| cluster.catalog.table(&t).is_some());
            if citus {
                modify_plan(cluster, statement, opts)?
            } else {
                let Some((table, reference)) = modify_target(statement) else {
                    return Err(PgError::unsupported(
                        "EXPLAIN of this statement is not supported",
                    ));
                };
                with_planner(cluster, COORDINATOR, opts.verbose, |p| {
                    shard_modify_plan(p, statement, &table, &reference, &table)
                })?
            }
        }
        _ => {
            return Err(PgError::unsupported(
                "EXPLAIN of this statement is not supported",
            ))
        }
    };
    if !costs {
        plan.clear_costs();
    }
    Ok(plan)
}

/// The plan of one SQL statement: of its inner statement when it is `EXPLAIN ...`, with the
/// EXPLAIN options applied, else of the statement itself with the default options.
pub fn plan_sql(cluster: &Cluster, session: &Session, sql: &str) -> PgResult<PlanNode> {
    let _functions = cluster.activate_functions(crate::cluster::COORDINATOR);
    let statements = crate::sql::parse_sql(sql)?;
    let Some(statement) = statements.last() else {
        return Err(PgError::unsupported("EXPLAIN needs a statement"));
    };
    match statement {
        Statement::Explain {
            statement,
            options,
            verbose,
            ..
        } => plan_with(cluster, session, statement, options.as_deref(), *verbose),
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
    let _ = analyze;
    let plan = plan_with(cluster, session, statement, options, verbose)?;
    Ok(ExecOutput::rows(plan_rows(&plan)))
}
