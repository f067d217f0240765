//! PREPARE, EXECUTE and DEALLOCATE: a session's prepared statements. EXECUTE binds its
//! arguments (cast to the declared parameter types) in place of `$1`, `$2`, ... and the
//! statement then runs (and is planned, routed and EXPLAINed) like one the client typed, as
//! PostgreSQL's custom plans with constant parameters are.

use super::Cluster;
use crate::error::{PgError, PgResult};
use crate::session::{PreparedStatement, Session};
use crate::sql::ExecOutput;
use crate::types::Value;
use sqlparser::ast::{DataType, Expr, Ident, ObjectName, Statement, Value as AstValue};
use std::ops::ControlFlow;

/// What a prepared-statement command comes to.
pub(super) enum PreparedStep {
    /// PREPARE or DEALLOCATE, done.
    Done(PgResult<ExecOutput>),
    /// EXECUTE (or EXPLAIN EXECUTE): the statement to run, with its arguments bound.
    Run(Box<Statement>),
}

fn missing(name: &str) -> PgError {
    PgError::new(
        "26000",
        format!("prepared statement \"{name}\" does not exist"),
    )
}

fn statement_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(crate::planner::relations::normalize_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// The highest `$n` in a statement.
fn max_parameter(stmt: &Statement) -> usize {
    let mut max = 0;
    let _ = crate::sql::visit::expressions(stmt, |e| {
        if let Expr::Value(AstValue::Placeholder(p)) = e {
            if let Some(n) = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
                max = max.max(n);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    max
}

/// A bound argument as a constant of the statement (`4`, `'lamp'`, `'2024-01-05'::date`).
fn literal(v: &Value, ty: Option<&DataType>) -> Expr {
    let text = v.to_pg_text().unwrap_or_default();
    match v {
        Value::Null => Expr::Value(AstValue::Null),
        Value::Bool(b) => Expr::Value(AstValue::Boolean(*b)),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => {
            Expr::Value(AstValue::Number(text.parse().unwrap_or_default(), false))
        }
        Value::Text(_) => Expr::Value(AstValue::SingleQuotedString(text)),
        _ => match ty {
            Some(dt) => Expr::Cast {
                kind: sqlparser::ast::CastKind::DoubleColon,
                expr: Box::new(Expr::Value(AstValue::SingleQuotedString(text))),
                data_type: dt.clone(),
                format: None,
            },
            None => Expr::Value(AstValue::SingleQuotedString(text)),
        },
    }
}

impl Cluster {
    /// Handles PREPARE, EXECUTE, DEALLOCATE and EXPLAIN EXECUTE; `None` for other statements.
    pub(super) fn prepared_step(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
    ) -> Option<PreparedStep> {
        match stmt {
            Statement::Prepare {
                name,
                data_types,
                statement,
            } => Some(PreparedStep::Done(
                self.prepare(s, name, data_types, statement),
            )),
            Statement::Deallocate { name, .. } => {
                let key = crate::planner::relations::normalize_ident(name);
                let result = if name.quote_style.is_none() && key == "all" {
                    s.prepared_statements.clear();
                    Ok(ExecOutput::command("DEALLOCATE ALL"))
                } else if s.prepared_statements.remove(&key).is_some() {
                    Ok(ExecOutput::command("DEALLOCATE"))
                } else {
                    Err(missing(&key))
                };
                Some(PreparedStep::Done(result))
            }
            Statement::Execute {
                name, parameters, ..
            } => Some(match self.bind(s, name, parameters) {
                Ok(bound) => PreparedStep::Run(Box::new(bound)),
                Err(e) => PreparedStep::Done(Err(e)),
            }),
            Statement::Explain {
                statement: inner,
                describe_alias,
                analyze,
                verbose,
                query_plan,
                format,
                options,
            } => {
                let Statement::Execute {
                    name, parameters, ..
                } = inner.as_ref()
                else {
                    return None;
                };
                Some(match self.bind(s, name, parameters) {
                    Ok(bound) => PreparedStep::Run(Box::new(Statement::Explain {
                        statement: Box::new(bound),
                        describe_alias: *describe_alias,
                        analyze: *analyze,
                        verbose: *verbose,
                        query_plan: *query_plan,
                        format: *format,
                        options: options.clone(),
                    })),
                    Err(e) => PreparedStep::Done(Err(e)),
                })
            }
            _ => None,
        }
    }

    fn prepare(
        &mut self,
        s: &mut Session,
        name: &Ident,
        data_types: &[DataType],
        statement: &Statement,
    ) -> PgResult<ExecOutput> {
        let key = crate::planner::relations::normalize_ident(name);
        if s.prepared_statements.contains_key(&key) {
            return Err(PgError::new(
                "42P05",
                format!("prepared statement \"{key}\" already exists"),
            ));
        }
        for dt in data_types {
            crate::sql::cast::sqltype_from_ast(dt)?;
        }
        if !matches!(
            statement,
            Statement::Query(_)
                | Statement::Insert(_)
                | Statement::Update { .. }
                | Statement::Delete(_)
        ) {
            return Err(PgError::syntax(format!(
                "syntax error at or near \"{}\"",
                statement
                    .to_string()
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
            )));
        }
        // Names are resolved when the statement is prepared, as PostgreSQL does.
        if let Err(f) = self.analyze(&s.node, statement) {
            return Err(*f.error);
        }
        let count = data_types.len().max(max_parameter(statement));
        s.prepared_statements.insert(
            key,
            PreparedStatement {
                param_types: data_types.to_vec(),
                param_count: count,
                statement: statement.clone(),
            },
        );
        Ok(ExecOutput::command("PREPARE"))
    }

    /// The prepared statement `name` with `args` bound to its parameters.
    fn bind(&self, s: &Session, name: &ObjectName, args: &[Expr]) -> PgResult<Statement> {
        let key = statement_name(name);
        let prepared = s
            .prepared_statements
            .get(&key)
            .ok_or_else(|| missing(&key))?;
        if args.len() != prepared.param_count {
            return Err(PgError::new(
                "42601",
                format!("wrong number of parameters for prepared statement \"{key}\""),
            )
            .with_detail(format!(
                "Expected {} parameters but got {}.",
                prepared.param_count,
                args.len()
            )));
        }
        let mut values = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            let ty = prepared.param_types.get(i);
            let v = self.eval_expr(arg)?;
            let v = match ty {
                Some(dt) => crate::sql::cast::cast(v, &crate::sql::cast::sqltype_from_ast(dt)?)?,
                None => v,
            };
            values.push(literal(&v, ty));
        }
        let mut bound = prepared.statement.clone();
        let _ = crate::sql::visit::expressions_mut(&mut bound, |e| {
            if let Expr::Value(AstValue::Placeholder(p)) = e {
                let n = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok());
                if let Some(v) = n.and_then(|n| n.checked_sub(1)).and_then(|i| values.get(i)) {
                    *e = v.clone();
                }
            }
            ControlFlow::<()>::Continue(())
        });
        Ok(bound)
    }
}
