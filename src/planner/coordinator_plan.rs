//! The coordinator's plan over `remote_scan` for a multi-shard query. Citus's Custom Scan
//! claims 100000 rows at no cost; the combine query above it merges them with the aggregates
//! Citus substitutes: `count` becomes a sum cast back to bigint, `avg` a sum divided by a sum,
//! `sum` of integers a sum cast back to bigint.

use super::cost::{self, AggCosts, AggStrategy, Cost, QualCost};
use super::deparse::Deparser;
use super::estimate::{type_width, Column, Rel, Rels};
use super::explain::PlanNode;
use super::naming::item_name;
use super::node_plan::{aggregate_calls, aggregate_shape, having_estimate, NodePlanner};
use super::split::{is_aggregate, SplitQuery, REMOTE_SCAN};
use crate::sql::catalog;
use crate::types::SqlType;
use sqlparser::ast::{
    Distinct, Expr, FunctionArguments, Ident, Query, SelectItem, SetExpr, Value as AstValue,
};
use std::ops::Add;

/// The rows Citus's Custom Scan claims for a multi-shard query.
const REMOTE_ROWS: f64 = 100000.0;
/// The rows PostgreSQL assumes a set-returning function returns (`remote_scan` is one).
const REMOTE_FUNCTION_ROWS: f64 = 1000.0;

/// The workers' output columns: (name, type).
fn remote_columns(planner: &NodePlanner, split: &SplitQuery) -> Vec<Column> {
    let SetExpr::Select(select) = split.worker.body.as_ref() else {
        return Vec::new();
    };
    let rels = planner.query_rels(&split.worker);
    select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } => Some(Column {
                name: alias.value.clone(),
                ty: planner.expr_type(&rels, expr),
            }),
            SelectItem::UnnamedExpr(expr) => Some(Column {
                name: expr.to_string(),
                ty: planner.expr_type(&rels, expr),
            }),
            _ => None,
        })
        .collect()
}

/// The Custom Scan's estimate: 100000 rows as wide as the workers' output, at no cost.
pub fn remote_scan_cost(planner: &NodePlanner, split: &SplitQuery) -> Cost {
    let width = remote_columns(planner, split)
        .iter()
        .map(|c| type_width(&c.ty))
        .sum();
    Cost::new(0.0, 0.0, REMOTE_ROWS, width)
}

/// How the coordinator combines one of the query's aggregates (Citus's master aggregate):
/// its transition and final function calls, the calls its result expression adds (casts,
/// the division of `avg`), transition states and their bytes.
struct Combine {
    trans: f64,
    fin: f64,
    result: f64,
    states: usize,
    space: f64,
}

fn combine_of(name: &str, arg: &SqlType, distinct: bool) -> Combine {
    // sum(bigint): numeric state with a final function.
    let sum_int8 = aggregate_shape("sum", &SqlType::Int8);
    let numeric = SqlType::Numeric {
        precision: None,
        scale: None,
    };
    let sum_numeric = aggregate_shape("sum", &numeric);
    let one = |(fin, space): (bool, f64), result: f64| Combine {
        trans: 1.0,
        fin: if fin { 1.0 } else { 0.0 },
        result,
        states: 1,
        space,
    };
    match (name, arg) {
        (_, _) if distinct => one((false, 0.0), 0.0),
        // COALESCE(sum(count)::bigint, 0): the cast goes through text (two calls).
        ("count", _) => one(sum_int8, 2.0),
        ("sum", SqlType::Int2 | SqlType::Int4) => one(sum_int8, 1.0),
        ("sum", SqlType::Int8 | SqlType::Numeric { .. }) => one(sum_numeric, 0.0),
        ("avg", SqlType::Int2 | SqlType::Int4) => Combine {
            trans: 2.0,
            fin: 2.0,
            result: 1.0,
            states: 2,
            space: sum_int8.1 * 2.0,
        },
        ("avg", SqlType::Int8 | SqlType::Numeric { .. }) => Combine {
            trans: 2.0,
            fin: 2.0,
            result: 1.0,
            states: 2,
            space: sum_numeric.1 + sum_int8.1,
        },
        ("avg", _) => Combine {
            trans: 2.0,
            fin: 1.0,
            result: 2.0,
            states: 2,
            space: sum_int8.1,
        },
        _ => one(aggregate_shape(name, arg), 0.0),
    }
}

/// The combine aggregates' costs, and what their result expressions add per group.
fn combine_costs(planner: &NodePlanner, rels: &Rels, aggs: &[Expr]) -> (AggCosts, QualCost) {
    let mut costs = AggCosts::default();
    let mut result = 0.0;
    for a in aggs {
        let Expr::Function(f) = a else {
            continue;
        };
        let args = crate::sql::eval::function_args(&f.args);
        let arg = args
            .first()
            .map(|e| planner.expr_type(rels, e))
            .unwrap_or(SqlType::Int8);
        let c = combine_of(&function_name(f), &arg, distinct_call(f));
        costs.trans = costs.trans.add(QualCost::operators(c.trans));
        costs.fin = costs.fin.add(QualCost::operators(c.fin));
        costs.num_trans += c.states;
        costs.transition_space += c.space;
        result += c.result;
    }
    (costs, QualCost::operators(result))
}

fn number(e: &Expr) -> Option<f64> {
    match e {
        Expr::Value(AstValue::Number(n, _)) => n.to_string().parse().ok(),
        _ => None,
    }
}

fn function_name(f: &sqlparser::ast::Function) -> String {
    f.name
        .0
        .last()
        .map(|i| i.value.to_lowercase())
        .unwrap_or_default()
}

fn distinct_call(f: &sqlparser::ast::Function) -> bool {
    matches!(&f.args, FunctionArguments::List(l)
        if l.duplicate_treatment == Some(sqlparser::ast::DuplicateTreatment::Distinct))
}

/// What the workers compute for an aggregate call of the query: the call itself, `sum` and
/// `count` of an `avg`, the argument of a DISTINCT aggregate.
/// Whether Citus combines the aggregate's transition states (worker_partial_agg).
fn combines_states(name: &str) -> bool {
    catalog::aggregate(name).is_some_and(|a| a.distribute == catalog::Distribute::CombineStates)
}

/// The Citus aggregate that concatenates the workers' results of `name` (array_cat_agg).
fn concatenated_by(name: &str) -> Option<&'static str> {
    match catalog::aggregate(name)?.distribute {
        catalog::Distribute::Concatenate(concat) => Some(concat),
        _ => None,
    }
}

fn partials(call: &Expr) -> Vec<String> {
    let Expr::Function(f) = call else {
        return vec![call.to_string()];
    };
    let args = crate::sql::eval::function_args(&f.args);
    match (function_name(f).as_str(), args.first()) {
        (_, Some(arg)) if distinct_call(f) => vec![arg.to_string()],
        ("avg", Some(arg)) => vec![format!("sum({arg})"), format!("count({arg})")],
        (name, Some(arg)) if combines_states(name) => {
            vec![format!("worker_partial_agg('{name}', {arg})")]
        }
        _ => vec![call.to_string()],
    }
}

fn projection(select: &sqlparser::ast::Select) -> Vec<(Expr, String)> {
    select
        .projection
        .iter()
        .filter_map(|i| match i {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                Some((e.clone(), item_name(i)))
            }
            _ => None,
        })
        .collect()
}

/// Citus's names for the workers' output columns: each takes the name of the selected item
/// it serves (both parts of an `avg` the avg's); others are worker_column_N.
pub fn remote_names(query: &Query, split: &SplitQuery) -> Vec<String> {
    let (SetExpr::Select(select), SetExpr::Select(worker)) =
        (query.body.as_ref(), split.worker.body.as_ref())
    else {
        return Vec::new();
    };
    let items = projection(select);
    let served: Vec<(Vec<String>, String)> = items
        .iter()
        .map(|(e, name)| {
            let mut parts = vec![e.to_string()];
            for call in aggregate_calls([e]) {
                parts.extend(partials(&call));
            }
            (parts, name.clone())
        })
        .collect();
    let mut names: Vec<String> = Vec::new();
    for (i, item) in worker.projection.iter().enumerate() {
        let text = match item {
            SelectItem::ExprWithAlias { expr, .. } | SelectItem::UnnamedExpr(expr) => {
                expr.to_string()
            }
            other => other.to_string(),
        };
        let name = served
            .iter()
            .find(|(parts, _)| parts.contains(&text))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("worker_column_{}", i + 1));
        names.push(name);
    }
    names
}

/// The remote columns as EXPLAIN names them: repeated names get `_1`, `_2` suffixes.
pub fn unique_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for base in names {
        let mut name = base.clone();
        let mut n = 0;
        while out.contains(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        out.push(name);
    }
    out
}

/// The worker column (by the names above) holding `text`.
fn remote_column(split: &SplitQuery, names: &[String], text: &str) -> Option<String> {
    let SetExpr::Select(worker) = split.worker.body.as_ref() else {
        return None;
    };
    worker
        .projection
        .iter()
        .position(|item| match item {
            SelectItem::ExprWithAlias { expr, .. } | SelectItem::UnnamedExpr(expr) => {
                expr.to_string() == text
            }
            _ => false,
        })
        .and_then(|i| names.get(i))
        .map(|n| format!("{REMOTE_SCAN}.{n}"))
}

/// Citus's combine expression for an aggregate call of the query, over the remote columns.
fn combine_text(
    planner: &NodePlanner,
    rels: &Rels,
    split: &SplitQuery,
    names: &[String],
    call: &Expr,
) -> Option<String> {
    let Expr::Function(f) = call else {
        return None;
    };
    let name = function_name(f);
    let parts: Vec<String> = partials(call)
        .iter()
        .map(|p| remote_column(split, names, p))
        .collect::<Option<_>>()?;
    let arg = crate::sql::eval::function_args(&f.args)
        .first()
        .map(|e| planner.expr_type(rels, e));
    Some(match (name.as_str(), parts.as_slice()) {
        (_, [col]) if distinct_call(f) => format!("{name}(DISTINCT {col})"),
        ("count", [col]) => {
            format!("COALESCE((pg_catalog.sum({col}))::bigint, '0'::bigint)")
        }
        ("sum", [col]) if matches!(arg, Some(SqlType::Int2 | SqlType::Int4)) => {
            format!("(pg_catalog.sum({col}))::bigint")
        }
        ("sum", [col]) => format!("pg_catalog.sum({col})"),
        ("avg", [sum, count]) => {
            format!("(pg_catalog.sum({sum}) / pg_catalog.sum({count}))")
        }
        (name, [col]) if concatenated_by(name).is_some() => {
            format!("{}({col})", concatenated_by(name).unwrap_or(name))
        }
        (name, [col]) if combines_states(name) => {
            let arg = arg.unwrap_or(SqlType::Unknown);
            let (proc, _) = catalog::resolve_aggregate(name, std::slice::from_ref(&arg))?;
            let result = proc.result_type(&[arg]).pg_name();
            format!(
                "coord_combine_agg('{}'::oid, ({col})::cstring, NULL::{result})",
                proc.oid
            )
        }
        (_, [col]) => format!("{name}({col})"),
        _ => return None,
    })
}

/// `PlanNode` with an `Output:` line first, for EXPLAIN (VERBOSE).
fn with_output(planner: &NodePlanner, mut node: PlanNode, output: &[String]) -> PlanNode {
    if planner.is_verbose() && !output.is_empty() {
        node.props
            .insert(0, format!("Output: {}", output.join(", ")));
    }
    node
}

/// The Custom Scan's `Output:` line: every remote column.
pub fn remote_output(planner: &NodePlanner, names: &[String], scan: PlanNode) -> PlanNode {
    let columns: Vec<String> = unique_names(names)
        .iter()
        .map(|n| format!("{REMOTE_SCAN}.{n}"))
        .collect();
    with_output(planner, scan, &columns)
}

/// The coordinator's nodes for `query` over the Custom Scan `scan`: aggregation when the
/// workers aggregate partially, then sorting and LIMIT.
pub fn combine_plan(
    planner: &NodePlanner,
    query: &Query,
    split: &SplitQuery,
    scan: PlanNode,
) -> PlanNode {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return scan;
    };
    let names = unique_names(&remote_names(query, split));
    let mut output: Vec<String> = names.iter().map(|n| format!("{REMOTE_SCAN}.{n}")).collect();
    let mut cost = scan.cost.unwrap_or(Cost::new(0.0, 0.0, REMOTE_ROWS, 0));
    let mut node = scan;
    if split.combine_aggregates {
        let rels = planner.query_rels(query);
        let items: Vec<Expr> = select
            .projection
            .iter()
            .filter_map(|i| match i {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    Some(e.clone())
                }
                _ => None,
            })
            .collect();
        let aggs = aggregate_calls(items.iter().chain(select.having.iter()));
        let (aggs_cost, results) = combine_costs(planner, &rels, &aggs);
        let width: i64 = items.iter().map(|e| planner.expr_width(&rels, e)).sum();
        let target = items
            .iter()
            .fold(results, |acc, e| acc.add(rels.eval_cost(e)));
        let (_, having_cost) = having_estimate(&rels, select.having.as_ref());
        let groups = split.group_keys.len();
        let strategy = if groups == 0 {
            AggStrategy::Plain
        } else {
            AggStrategy::Hashed {
                group_cols: groups,
                groups: remote_groups(planner, split, groups),
            }
        };
        cost = cost::agg(&cost, strategy, &aggs_cost, having_cost, target, width);
        node = if groups == 0 {
            PlanNode::new("Aggregate")
        } else {
            PlanNode::new("HashAggregate")
                .prop(format!("Group Key: {}", split.group_keys.join(", ")))
        }
        .with_cost(cost)
        .child(node);
        if planner.is_verbose() {
            let substitute = |e: &Expr| {
                if is_aggregate(e) {
                    combine_text(planner, &rels, split, &names, e)
                } else {
                    remote_column(split, &names, &e.to_string())
                }
            };
            let type_of = |e: &Expr| planner.expr_type(&rels, e);
            let mut d = Deparser::new(&rels, false, &type_of);
            d.substitute = Some(&substitute);
            output = items.iter().map(|e| d.expr(e)).collect();
            node = with_output(planner, node, &output);
        }
    }
    if !split.combine_aggregates && matches!(select.distinct, Some(Distinct::Distinct)) {
        // DISTINCT over the workers' rows: a HashAggregate on every selected column.
        let keys: Vec<String> = select
            .projection
            .iter()
            .map(|i| format!("{REMOTE_SCAN}.{}", item_name(i)))
            .collect();
        let strategy = AggStrategy::Hashed {
            group_cols: keys.len(),
            groups: remote_groups(planner, split, keys.len()),
        };
        let width = cost.width;
        cost = cost::agg(
            &cost,
            strategy,
            &AggCosts::default(),
            None,
            QualCost::default(),
            width,
        );
        node = PlanNode::new("HashAggregate")
            .with_cost(cost)
            .prop(format!("Group Key: {}", keys.join(", ")))
            .child(node);
        node = with_output(planner, node, &output);
    }
    let window_sorted = super::window::combine_windows(query, split, &mut node, &mut cost);
    let limit = query.limit.as_ref().and_then(number);
    let offset = query.offset.as_ref().and_then(|o| number(&o.value));
    if !split.sort_keys.is_empty() && !window_sorted.starts_with(&split.sort_keys) {
        let bound = limit.map(|l| l + offset.unwrap_or(0.0));
        cost = cost::sort(&cost, bound);
        node = PlanNode::new("Sort")
            .with_cost(cost)
            .prop(format!("Sort Key: {}", split.sort_keys.join(", ")))
            .child(node);
        node = with_output(planner, node, &output);
    }
    if split.has_limit {
        cost = cost::limit(&cost, offset, limit);
        node = PlanNode::new("Limit").with_cost(cost).child(node);
        node = with_output(planner, node, &output);
    }
    node
}

/// Groups among the remote rows: `remote_scan` is a function scan PostgreSQL knows nothing
/// about, so each grouped column has the default 200 distinct values.
fn remote_groups(planner: &NodePlanner, split: &SplitQuery, groups: usize) -> f64 {
    let columns = remote_columns(planner, split);
    let mut rel = Rel::opaque(REMOTE_SCAN, REMOTE_FUNCTION_ROWS);
    rel.columns = columns;
    let keys: Vec<Expr> = rel
        .columns
        .iter()
        .take(groups)
        .map(|c| {
            Expr::CompoundIdentifier(vec![Ident::new(REMOTE_SCAN), Ident::new(c.name.clone())])
        })
        .collect();
    let bools: Vec<bool> = rel
        .columns
        .iter()
        .take(groups)
        .map(|c| matches!(c.ty, SqlType::Bool))
        .collect();
    let rels = Rels { list: vec![rel] };
    let refs: Vec<&Expr> = keys.iter().collect();
    let is_bool = |e: &Expr| {
        keys.iter()
            .position(|k| k == e)
            .and_then(|i| bools.get(i).copied())
            .unwrap_or(false)
    };
    rels.num_groups(&refs, REMOTE_ROWS, &is_bool)
}
