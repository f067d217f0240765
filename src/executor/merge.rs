//! MERGE on Citus tables, as Citus 13 plans it. A distributed target whose source is a
//! co-located distributed table (or a subquery over one) joined to it on the distribution
//! columns is merged shard by shard, one task per co-located shard pair (the router plan).
//! Otherwise the source runs on its own as a distributed query, its rows are repartitioned by
//! the source column the ON clause equates with the target's distribution column, and each
//! target shard merges its part of them, read as an intermediate result. Citus's refusals are
//! checked in its order: the table kinds, the actions, then each strategy's own conditions.

use super::subplans::IntermediateResults;
use super::Task;
use super::TaskBody;
use crate::cluster::Cluster;
use crate::error::{Notice, PgError, PgResult};
use crate::metadata::TableKind;
use crate::planner::prune;
use crate::planner::relations::{
    normalize_ident, query_relations, rename_relations, statement_relations, table_relation,
    RelationRef,
};
use crate::session::Session;
use crate::sql::merge_syntax::MergeAction;
use crate::sql::ExecOutput;
use sqlparser::ast::{
    BinaryOperator, Expr, Ident, MergeClause, MergeClauseKind, Query, SelectItem, Statement,
    TableAlias, TableFactor, Visit, Visitor,
};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// Functions whose value may change within a statement or between nodes.
const MUTABLE_FUNCTIONS: &[&str] = &[
    "now",
    "random",
    "nextval",
    "currval",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "gen_random_uuid",
    "setseed",
];

/// The parts of a MERGE the planner looks at.
struct Merge<'a> {
    target: RelationRef,
    source: &'a TableFactor,
    /// The name the source's columns are qualified with.
    source_ref: String,
    on: &'a Expr,
    clauses: &'a [MergeClause],
    /// The target's columns.
    target_columns: Vec<String>,
}

/// A column reference: its qualifier (if written) and its name.
fn column_ref(e: &Expr) -> Option<(Option<String>, String)> {
    match e {
        Expr::Identifier(id) => Some((None, normalize_ident(id))),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => Some((
            parts.get(parts.len() - 2).map(normalize_ident),
            parts.last().map(normalize_ident)?,
        )),
        Expr::Nested(inner) => column_ref(inner),
        Expr::Cast { expr, .. } => column_ref(expr),
        _ => None,
    }
}

impl Merge<'_> {
    /// Whether `e` names the target's column `col`.
    fn is_target_column(&self, e: &Expr, col: &str) -> bool {
        match column_ref(e) {
            Some((Some(q), c)) => q == self.target.reference && c == col,
            Some((None, c)) => c == col,
            None => false,
        }
    }

    /// The source column `e` names, if it names one.
    fn source_column(&self, e: &Expr) -> Option<String> {
        match column_ref(e)? {
            (Some(q), c) if q == self.source_ref => Some(c),
            (None, c) if !self.target_columns.contains(&c) => Some(c),
            _ => None,
        }
    }

    /// The source columns the ON clause equates with the target's column `col`.
    fn joined_source_columns(&self, col: &str) -> Vec<String> {
        prune::conjuncts(self.on)
            .into_iter()
            .filter_map(|c| match c {
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right,
                } => {
                    if self.is_target_column(left, col) {
                        self.source_column(right)
                    } else if self.is_target_column(right, col) {
                        self.source_column(left)
                    } else {
                        None
                    }
                }
                _ => None,
            })
            .collect()
    }

    /// What the first INSERT action writes into the target's distribution column `col`:
    /// Citus's checks of `FetchAndValidateInsertVarIfExists` (a DO NOTHING before any INSERT
    /// ends the search).
    fn insert_source_column(&self, col: &str) -> PgResult<Option<String>> {
        let arbitrary = "Inserting arbitrary values that don't correspond to the joined column values can lead to unpredictable outcomes where rows are incorrectly distributed among different shards";
        for clause in self.clauses {
            if clause.clause_kind == MergeClauseKind::Matched {
                continue;
            }
            let (columns, values) = match MergeAction::of(clause) {
                MergeAction::Nothing => return Ok(None),
                MergeAction::InsertDefaults => {
                    return Err(
                        PgError::new("XX000", "cannot perform MERGE INSERT with DEFAULTS")
                            .with_detail(arbitrary),
                    )
                }
                MergeAction::Insert { columns, values } => (columns, values),
                _ => continue,
            };
            let position = if columns.is_empty() {
                self.target_columns.iter().position(|c| c == col)
            } else {
                columns.iter().position(|c| normalize_ident(c) == col)
            };
            let Some(value) = position.and_then(|p| values.get(p)) else {
                return Err(PgError::new(
                    "XX000",
                    "MERGE INSERT must have distribution column as value",
                ));
            };
            let Some(source) = column_ref(value).and_then(|_| self.source_column(value)) else {
                return Err(PgError::new(
                    "XX000",
                    "MERGE INSERT is using unsupported expression type for distribution column",
                )
                .with_detail(arbitrary));
            };
            return Ok(Some(source));
        }
        Ok(None)
    }
}

struct Calls {
    mutable: bool,
    subquery: bool,
}

impl Visitor for Calls {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        match e {
            Expr::Function(f) => {
                let name = crate::planner::relations::object_name(&f.name);
                self.mutable |= MUTABLE_FUNCTIONS.contains(&name.as_str());
            }
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
                self.subquery = true
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn calls<T: Visit>(node: &T) -> Calls {
    let mut c = Calls {
        mutable: false,
        subquery: false,
    };
    let _ = crate::sql::visit::visit(node, &mut c);
    c
}

fn not_distributed_target() -> PgError {
    PgError::new(
        "XX000",
        "MERGE involving repartition of rows is supported only if the target is distributed",
    )
}

impl Cluster {
    /// MERGE where a Citus table takes part; `None` when none does (the coordinator's engine
    /// runs it as PostgreSQL would).
    pub(crate) fn execute_merge(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
    ) -> PgResult<Option<ExecOutput>> {
        let Statement::Merge {
            table,
            source,
            on,
            clauses,
            ..
        } = stmt
        else {
            return Ok(None);
        };
        let rels = statement_relations(stmt);
        if !rels.iter().any(|r| self.catalog.table(&r.name).is_some()) {
            return Ok(None);
        }
        let target = table_relation(table)
            .ok_or_else(|| PgError::unsupported("MERGE target must be a table"))?;
        let source_ref = match source {
            TableFactor::Table { .. } => table_relation(source).map(|r| r.reference),
            TableFactor::Derived { alias, .. } => alias.as_ref().map(|a| normalize_ident(&a.name)),
            _ => None,
        }
        .unwrap_or_default();
        let target_columns: Vec<String> = self
            .node_db(crate::cluster::COORDINATOR)?
            .table(&target.name)
            .map(|d| d.columns.iter().map(|c| c.name.clone()).collect())
            .ok_or_else(|| PgError::undefined_table(&target.name))?;
        let merge = Merge {
            target,
            source,
            source_ref,
            on,
            clauses,
            target_columns,
        };
        let Some(dist) = self.catalog.table(&merge.target.name).cloned() else {
            // A PostgreSQL table merged from Citus tables.
            if rels.iter().any(|r| {
                self.catalog
                    .table(&r.name)
                    .is_some_and(|t| !t.is_reference())
            }) {
                return Err(not_distributed_target());
            }
            return self.merge_into_local(s, stmt, &rels).map(Some);
        };
        if dist.is_reference() {
            return Err(PgError::unsupported(
                "Reference table as target is not allowed in MERGE command",
            ));
        }
        let TableKind::Distributed { column, .. } = &dist.kind else {
            return Err(not_distributed_target());
        };
        self.check_merge_actions(&merge, column)?;
        let router = self.merge_router_refusal(&merge, &rels, column, dist.colocation_id);
        match router {
            None => {
                if let Some(inserted) = merge.insert_source_column(column)? {
                    if self.source_distribution_column(&merge).as_deref() != Some(&inserted) {
                        return Err(PgError::new(
                            "XX000",
                            "MERGE INSERT must use the source table distribution column value",
                        ));
                    }
                }
                s.emit(Notice::debug("Creating MERGE router plan"));
                let tasks = self.merge_router_tasks(stmt, &merge, &rels)?;
                self.run_modify(s, tasks, "MERGE", IntermediateResults::new())
                    .map(Some)
            }
            Some(reason) => {
                s.emit(Notice::debug(reason));
                s.emit(Notice::debug("Creating MERGE repartition plan"));
                self.merge_repartitioned(s, stmt, &merge, &rels, column)
                    .map(Some)
            }
        }
    }

    /// Citus's checks of every action and of the ON clause, whatever the strategy.
    fn check_merge_actions(&self, merge: &Merge, column: &str) -> PgResult<()> {
        let mut mutable = calls(merge.on).mutable || calls(merge.source).mutable;
        for clause in merge.clauses {
            mutable |= calls(clause).mutable;
        }
        if mutable {
            return Err(PgError::new(
                "XX000",
                "non-IMMUTABLE functions are not yet supported in MERGE sql with distributed tables",
            ));
        }
        let joined = merge.joined_source_columns(column);
        for clause in merge.clauses {
            let MergeAction::Update(assignments) = MergeAction::of(clause) else {
                continue;
            };
            for a in assignments {
                let sqlparser::ast::AssignmentTarget::ColumnName(name) = &a.target else {
                    continue;
                };
                if crate::planner::relations::object_name(name) != column {
                    continue;
                }
                // Setting the column to itself, or to the source column it is joined on,
                // changes nothing.
                let unchanged = merge.is_target_column(&a.value, column)
                    || merge
                        .source_column(&a.value)
                        .is_some_and(|c| joined.contains(&c));
                if !unchanged {
                    return Err(PgError::unsupported(
                        "updating the distribution column is not allowed in MERGE actions",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The source's output column that carries a distributed table's distribution column.
    fn source_distribution_column(&self, merge: &Merge) -> Option<String> {
        match merge.source {
            TableFactor::Table { .. } => {
                let rel = table_relation(merge.source)?;
                self.catalog
                    .table(&rel.name)?
                    .distribution_column()
                    .map(str::to_string)
            }
            TableFactor::Derived { subquery, .. } => self.query_distribution_column(subquery),
            _ => None,
        }
    }

    /// For a subquery over one distributed table that can run shard by shard, the output
    /// column carrying its distribution column.
    fn query_distribution_column(&self, q: &Query) -> Option<String> {
        let sqlparser::ast::SetExpr::Select(select) = q.body.as_ref() else {
            return None;
        };
        if q.limit.is_some() || q.offset.is_some() || select.from.len() != 1 {
            return None;
        }
        let from = select.from.first()?;
        if !from.joins.is_empty() {
            return None;
        }
        let rel = table_relation(&from.relation)?;
        let col = self
            .catalog
            .table(&rel.name)?
            .distribution_column()?
            .to_string();
        let rels = [rel];
        let is_dist = |e: &Expr| prune::dist_column_relation(e, &rels, &self.catalog).is_some();
        if let sqlparser::ast::GroupByExpr::Expressions(groups, _) = &select.group_by {
            if !groups.is_empty() && !groups.iter().any(is_dist) {
                return None;
            }
        }
        select.projection.iter().find_map(|item| match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => Some(col.clone()),
            SelectItem::UnnamedExpr(e) if is_dist(e) => column_ref(e).map(|(_, c)| c),
            SelectItem::ExprWithAlias { expr, alias } if is_dist(expr) => {
                Some(normalize_ident(alias))
            }
            _ => None,
        })
    }

    /// Why the MERGE cannot run shard by shard (Citus's deferred error), or `None`.
    fn merge_router_refusal(
        &self,
        merge: &Merge,
        rels: &[RelationRef],
        column: &str,
        colocation: i32,
    ) -> Option<String> {
        let citus: Vec<_> = rels
            .iter()
            .filter_map(|r| self.catalog.table(&r.name))
            .collect();
        if citus.iter().any(|t| t.is_reference()) {
            return Some("A mix of distributed and reference table, try repartitioning".into());
        }
        if rels.iter().any(|r| self.catalog.table(&r.name).is_none()) {
            return Some("A mix of distributed and local table, try repartitioning".into());
        }
        if citus.len() < 2 {
            return Some(
                "There is only one distributed table, merge is not pushable, try repartitioning"
                    .into(),
            );
        }
        if citus.iter().any(|t| t.colocation_id != colocation) {
            return Some("Distributed tables are not co-located, try repartitioning".into());
        }
        let joined = self
            .source_distribution_column(merge)
            .is_some_and(|c| merge.joined_source_columns(column).contains(&c));
        if !joined {
            return Some("Sub-query is not pushable, try repartitioning".into());
        }
        None
    }

    /// One task per target shard (and placement), every table renamed to its co-located shard.
    fn merge_router_tasks(
        &self,
        stmt: &Statement,
        merge: &Merge,
        rels: &[RelationRef],
    ) -> PgResult<Vec<Task>> {
        let mut tasks = Vec::new();
        for shard in self.catalog.table_shards(&merge.target.name) {
            let mut map = BTreeMap::new();
            let mut touched = vec![shard.shard_id];
            for rel in rels {
                if map.contains_key(&rel.name) {
                    continue;
                }
                if let Some(other) = self.catalog.shard_at(&rel.name, shard.index) {
                    map.insert(rel.name.clone(), other.name());
                    if other.shard_id != shard.shard_id {
                        touched.push(other.shard_id);
                    }
                }
            }
            let mut task_stmt = stmt.clone();
            rename_relations(&mut task_stmt, &map);
            let body = TaskBody::Statement(Box::new(task_stmt));
            for (k, node) in super::modify::write_nodes(self, shard.shard_id)
                .into_iter()
                .enumerate()
            {
                let mut task = Task::write(node, Some(shard.shard_id), body.clone(), k == 0);
                task.shards = touched.clone();
                tasks.push(task);
            }
        }
        Ok(tasks)
    }

    /// Citus's repartition strategy: checks, the source run as its own query, its rows
    /// split by target shard, one MERGE per shard that received rows.
    fn merge_repartitioned(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
        merge: &Merge,
        rels: &[RelationRef],
        column: &str,
    ) -> PgResult<ExecOutput> {
        if rels.iter().any(|r| self.catalog.table(&r.name).is_none()) {
            return Err(PgError::new(
                "XX000",
                "MERGE INTO an distributed table from Postgres table is not yet supported",
            ));
        }
        let source_query = self.merge_source_query(merge)?;
        if query_relations(&source_query).is_empty() {
            return Err(PgError::new(
                "XX000",
                "To MERGE into a distributed table, source must be Citus table(s)",
            ));
        }
        let hint = "Consider making the source and target colocated and joined on the distribution column to make it a routable query";
        if calls(merge.on).subquery {
            return Err(PgError::new(
                "XX000",
                "Sub-queries and CTEs are not allowed in ON clause for MERGE with repartitioning",
            )
            .with_hint(hint));
        }
        if merge.clauses.iter().any(|c| calls(c).subquery) {
            return Err(PgError::new(
                "XX000",
                "Sub-queries and CTEs are not allowed in actions for MERGE with repartitioning",
            )
            .with_hint(hint));
        }
        let joined = merge.joined_source_columns(column);
        let Some(first) = joined.first().cloned() else {
            return Err(PgError::new("XX000", "The required join operation is missing between the target's distribution column and any expression originating from the source. The issue may arise from either a non-equi-join or a mismatch in the datatypes of the columns being joined.")
                .with_detail("Without a equi-join condition on the target's distribution column, the source rows cannot be efficiently redistributed, and the NOT-MATCHED condition cannot be evaluated unambiguously. This can result in incorrect or unexpected results when attempting to merge tables in a distributed setting"));
        };
        let by = match merge.insert_source_column(column)? {
            Some(inserted) if joined.contains(&inserted) => inserted,
            Some(_) => {
                return Err(PgError::new(
                    "XX000",
                    "MERGE INSERT must use the source's joining column for target's distribution column",
                ))
            }
            None => first,
        };
        let rows = self.execute_select(s, &source_query)?;
        let Some(index) = rows.columns.iter().position(|c| c.name == by) else {
            return Err(PgError::new(
                "XX000",
                "Unexpected column index of the source list",
            ));
        };
        s.emit(Notice::debug(format!(
            "Using column - index:{index} from the source list to redistribute"
        )));
        // Each source row goes to the target shard its joining value hashes to.
        let mut parts: BTreeMap<usize, Vec<Vec<crate::types::Value>>> = BTreeMap::new();
        for row in rows.rows {
            let value = row.get(index).cloned().unwrap_or(crate::types::Value::Null);
            let shard = self
                .catalog
                .shard_for_value(&merge.target.name, &value)?
                .map_or(0, |s| s.index);
            parts.entry(shard).or_default().push(row);
        }
        let plan_id = self.next_plan_id;
        self.next_plan_id += 1;
        let mut results = IntermediateResults::new();
        let mut tasks = Vec::new();
        for (index, part) in parts {
            let Some(shard) = self.catalog.shard_at(&merge.target.name, index).cloned() else {
                continue;
            };
            let id = format!("merge_into_{plan_id}_{}", shard.shard_id);
            let read = crate::planner::recursive::intermediate_result_query(&id, &rows.columns);
            results.insert(
                id,
                crate::sql::ResultSet {
                    columns: rows.columns.clone(),
                    rows: part,
                },
            );
            let mut task_stmt = stmt.clone();
            if let Statement::Merge { table, source, .. } = &mut task_stmt {
                *source = TableFactor::Derived {
                    lateral: false,
                    subquery: Box::new(read),
                    alias: Some(TableAlias {
                        name: Ident::new(merge.source_ref.clone()),
                        columns: Vec::new(),
                    }),
                };
                let mut map = BTreeMap::new();
                map.insert(merge.target.name.clone(), shard.name());
                rename_relations(table, &map);
            }
            let body = TaskBody::Statement(Box::new(task_stmt));
            for (k, node) in super::modify::write_nodes(self, shard.shard_id)
                .into_iter()
                .enumerate()
            {
                tasks.push(Task::write(
                    node,
                    Some(shard.shard_id),
                    body.clone(),
                    k == 0,
                ));
            }
        }
        self.run_modify(s, tasks, "MERGE", results)
    }

    /// The source as a query of its own (a table becomes `SELECT * FROM` it).
    fn merge_source_query(&self, merge: &Merge) -> PgResult<Query> {
        match merge.source {
            TableFactor::Derived { subquery, .. } => Ok((**subquery).clone()),
            TableFactor::Table { name, .. } => {
                let sql = format!("SELECT * FROM {name}");
                match crate::sql::parse_sql(&sql)?.into_iter().next() {
                    Some(Statement::Query(q)) => Ok(*q),
                    _ => Err(PgError::internal("source query did not parse")),
                }
            }
            _ => Err(PgError::new(
                "XX000",
                "Currently, Citus only supports table, subquery, and CTEs as valid sources for the MERGE operation",
            )),
        }
    }

    /// A PostgreSQL table merged from reference tables: their rows are read, then the
    /// coordinator's engine merges with them as intermediate results.
    fn merge_into_local(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
        rels: &[RelationRef],
    ) -> PgResult<ExecOutput> {
        let mut results = BTreeMap::new();
        let mut map = BTreeMap::new();
        for rel in rels {
            if self.catalog.table(&rel.name).is_none() || map.contains_key(&rel.name) {
                continue;
            }
            let rows = self.fetch_table(s, &rel.name)?;
            let name = format!("intermediate_result_{}", rel.name);
            results.insert(name.clone(), rows);
            map.insert(rel.name.clone(), name);
        }
        let mut stmt = stmt.clone();
        rename_relations(&mut stmt, &map);
        self.run_local_statement_with(s, &stmt, &results)
    }
}
