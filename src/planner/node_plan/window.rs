//! WindowAgg nodes: one per distinct window (PARTITION BY and ORDER BY), each over a Sort of
//! its keys unless the rows already come sorted that way, as PostgreSQL plans them.

use super::{NodePlanner, Path, Rels, Upper};
use crate::planner::cost::{self, Cost, CPU_OPERATOR_COST, CPU_TUPLE_COST};
use crate::planner::explain::PlanNode;
use crate::planner::window::{distinct_windows, window_calls};
use sqlparser::ast::OrderByExpr;

impl NodePlanner<'_> {
    /// Adds the query's WindowAgg nodes above `path`; returns the sort keys the rows leave
    /// them in (empty without windows), so that an ORDER BY they satisfy needs no Sort.
    pub(super) fn window_aggs(
        &self,
        rels: &Rels,
        path: &mut Path,
        upper: &Upper,
        prefix: bool,
    ) -> Vec<String> {
        let exprs: Vec<_> = upper
            .projection
            .iter()
            .chain(upper.order.iter().map(|o| &o.expr))
            .collect();
        let calls = window_calls(exprs.iter().copied());
        if calls.is_empty() {
            return Vec::new();
        }
        // One WindowAgg per distinct window.
        let windows = distinct_windows(&calls);
        let mut sorted: Vec<String> = Vec::new();
        for (keys, functions) in windows {
            let shown: Vec<String> = keys
                .iter()
                .map(|o| self.sort_key_text(rels, o, prefix))
                .collect();
            if !shown.is_empty() && !sorted.starts_with(&shown) {
                let c = cost::sort(&path.cost, None);
                let node = PlanNode::new("Sort")
                    .prop(format!("Sort Key: {}", shown.join(", ")))
                    .child(std::mem::replace(&mut path.node, PlanNode::new("")));
                *path = Path::new(node, c, std::mem::take(&mut path.rels));
                sorted = shown;
            }
            let input = path.cost;
            let per_row = CPU_OPERATOR_COST * (functions + keys.len()) as f64 + CPU_TUPLE_COST;
            let c = Cost::new(
                input.startup,
                input.total + per_row * input.rows,
                input.rows,
                input.width,
            );
            let node = PlanNode::new("WindowAgg")
                .child(std::mem::replace(&mut path.node, PlanNode::new("")));
            let output = std::mem::take(&mut path.output);
            *path = self.returning(
                rels,
                Path::new(node, c, std::mem::take(&mut path.rels)),
                output,
            );
        }
        sorted
    }

    /// A sort key as EXPLAIN prints it (`amount DESC`).
    pub(super) fn sort_key_text(&self, rels: &Rels, o: &OrderByExpr, prefix: bool) -> String {
        let mut k = self.shown(rels, &o.expr, prefix);
        if o.asc == Some(false) {
            k.push_str(" DESC");
        }
        match o.nulls_first {
            Some(true) if o.asc != Some(false) => k.push_str(" NULLS FIRST"),
            Some(false) if o.asc == Some(false) => k.push_str(" NULLS LAST"),
            _ => {}
        }
        k
    }
}
