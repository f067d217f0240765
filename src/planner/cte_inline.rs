//! Inlining read-only CTEs into the statement that reads them, as PostgreSQL does before
//! Citus plans it: `WITH ids AS (SELECT ...) DELETE ... WHERE id IN (SELECT id FROM ids)`
//! becomes a DELETE whose subquery reads `(SELECT ...) ids`, which recursive planning then
//! turns into an intermediate result like any other subquery.

use crate::sql::eval::resolve::ident_name;
use sqlparser::ast::{Cte, TableAlias, TableFactor, VisitMut, VisitorMut, With};
use std::ops::ControlFlow;

struct Inliner<'a> {
    ctes: &'a [Cte],
}

impl VisitorMut for Inliner<'_> {
    type Break = ();

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        let [single] = name.0.as_slice() else {
            return ControlFlow::Continue(());
        };
        let wanted = ident_name(single);
        let Some(cte) = self
            .ctes
            .iter()
            .find(|c| ident_name(&c.alias.name) == wanted)
        else {
            return ControlFlow::Continue(());
        };
        let alias = match alias.take() {
            Some(mut a) => {
                if a.columns.is_empty() {
                    a.columns = cte.alias.columns.clone();
                }
                a
            }
            None => TableAlias {
                name: cte.alias.name.clone(),
                columns: cte.alias.columns.clone(),
            },
        };
        *factor = TableFactor::Derived {
            lateral: false,
            subquery: cte.query.clone(),
            alias: Some(alias),
        };
        ControlFlow::Continue(())
    }
}

/// `node` with every reference to one of `with`'s CTEs replaced by the CTE's query. Each CTE
/// is inlined into the ones after it first, so references through several CTEs resolve.
/// `None` for a recursive WITH, which has no inlined form.
pub fn inline_ctes<T: VisitMut + Clone>(node: &T, with: &With) -> Option<T> {
    if with.recursive {
        return None;
    }
    let mut ctes: Vec<Cte> = Vec::with_capacity(with.cte_tables.len());
    for cte in &with.cte_tables {
        let mut cte = cte.clone();
        let _ = crate::sql::visit::visit_mut(&mut cte.query, &mut Inliner { ctes: &ctes });
        ctes.push(cte);
    }
    let mut out = node.clone();
    let _ = crate::sql::visit::visit_mut(&mut out, &mut Inliner { ctes: &ctes });
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::inline_ctes;
    use crate::sql::parse_sql;
    use sqlparser::ast::Statement;

    #[test]
    fn ctes_become_subqueries_through_each_other() {
        let stmts = parse_sql(
            "WITH a AS (SELECT id FROM t WHERE x = 1), b(k) AS (SELECT id FROM a) \
             DELETE FROM t WHERE id IN (SELECT k FROM b)",
        )
        .unwrap_or_default();
        let Some(Statement::Query(q)) = stmts.first() else {
            panic!("not a query: {stmts:?}");
        };
        let with = q.with.clone().expect("with");
        let body = crate::sql::dml::with::modifying_body(q).expect("body");
        let inlined = inline_ctes(body, &with).expect("inlined");
        assert_eq!(
            inlined.to_string(),
            "DELETE FROM t WHERE id IN (SELECT k FROM (SELECT id FROM (SELECT id FROM t WHERE x = 1) AS a) AS b (k))"
        );
    }
}
