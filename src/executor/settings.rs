//! SET, RESET and SHOW of session settings (`citus.shard_count`, `citus.explain_all_tasks`, ...),
//! and transaction commands (accepted; cross-shard transactions come with two-phase commit).

use crate::cluster::{default_setting, Session};
use crate::error::{PgError, PgResult};
use crate::sql::{Column, ExecOutput, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Statement, Value as AstValue};

/// A setting's value as `SHOW` prints it.
pub fn get(session: &Session, name: &str) -> Option<String> {
    session
        .settings
        .get(name)
        .cloned()
        .or_else(|| default_setting(name).map(str::to_string))
}

/// Whether a boolean setting is on.
pub fn is_on(session: &Session, name: &str) -> bool {
    matches!(
        get(session, name).as_deref(),
        Some("on" | "true" | "1" | "yes")
    )
}

pub fn get_i64(session: &Session, name: &str) -> Option<i64> {
    get(session, name).and_then(|v| v.parse().ok())
}

fn value_text(expr: &Expr) -> String {
    match expr {
        Expr::Value(AstValue::SingleQuotedString(s)) => s.clone(),
        Expr::Value(AstValue::Boolean(b)) => if *b { "on" } else { "off" }.into(),
        Expr::Identifier(i) => i.value.to_lowercase(),
        other => other.to_string(),
    }
}

fn normalize(name: &str, value: &str) -> PgResult<String> {
    let boolean = |v: &str| -> PgResult<String> {
        match v.to_lowercase().as_str() {
            "on" | "true" | "yes" | "1" | "t" => Ok("on".into()),
            "off" | "false" | "no" | "0" | "f" => Ok("off".into()),
            _ => Err(PgError::new(
                "22023",
                format!("parameter \"{name}\" requires a Boolean value"),
            )),
        }
    };
    match name {
        "citus.explain_all_tasks" | "citus.enable_repartition_joins" => boolean(value),
        "citus.shard_count" => match value.parse::<i64>() {
            Ok(n) if (1..=64000).contains(&n) => Ok(n.to_string()),
            Ok(n) => Err(PgError::new(
                "22023",
                format!("{n} is outside the valid range for parameter \"citus.shard_count\" (1 .. 64000)"),
            )),
            Err(_) => Err(PgError::new(
                "22023",
                format!("invalid value for parameter \"citus.shard_count\": \"{value}\""),
            )),
        },
        "citus.shard_replication_factor" | "citus.next_shard_id" => value
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| {
                PgError::new(
                    "22023",
                    format!("invalid value for parameter \"{name}\": \"{value}\""),
                )
            }),
        _ => Ok(value.to_string()),
    }
}

fn known(name: &str) -> PgResult<()> {
    if default_setting(name).is_some() {
        Ok(())
    } else {
        Err(PgError::new(
            "42704",
            format!("unrecognized configuration parameter \"{name}\""),
        ))
    }
}

/// `RESET name` (not in the SQL parser's grammar, so matched on the text).
pub fn reset(session: &mut Session, sql: &str) -> Option<PgResult<ExecOutput>> {
    let text = sql.trim().trim_end_matches(';').trim();
    let rest = text
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("reset "))
        .map(|_| text[6..].trim())?;
    let name = rest.to_lowercase();
    if name == "all" {
        session.settings.clear();
        return Some(Ok(ExecOutput::command("RESET")));
    }
    Some(known(&name).map(|_| {
        session.settings.remove(&name);
        ExecOutput::command("RESET")
    }))
}

/// Handles session-level statements; `None` for everything else.
pub fn execute(session: &mut Session, stmt: &Statement) -> PgResult<Option<ExecOutput>> {
    match stmt {
        Statement::SetVariable {
            variables, value, ..
        } => {
            let names: Vec<String> = variables
                .iter()
                .map(|n| n.to_string().to_lowercase())
                .collect();
            let Some(name) = names.first() else {
                return Ok(None);
            };
            known(name)?;
            let text = value.iter().map(value_text).collect::<Vec<_>>().join(", ");
            if text.eq_ignore_ascii_case("default") {
                session.settings.remove(name);
            } else {
                let v = normalize(name, &text)?;
                session.settings.insert(name.clone(), v);
            }
            Ok(Some(ExecOutput::command("SET")))
        }
        Statement::ShowVariable { variable } => {
            let name = variable
                .iter()
                .map(|i| i.value.to_lowercase())
                .collect::<Vec<_>>()
                .join(".");
            let value = get(session, &name).ok_or_else(|| {
                PgError::new(
                    "42704",
                    format!("unrecognized configuration parameter \"{name}\""),
                )
            })?;
            Ok(Some(ExecOutput::rows(ResultSet {
                columns: vec![Column::new(name, SqlType::Text)],
                rows: vec![vec![Value::Text(value)]],
            })))
        }
        Statement::StartTransaction { .. } => Ok(Some(ExecOutput::command("BEGIN"))),
        Statement::Commit { .. } => Ok(Some(ExecOutput::command("COMMIT"))),
        Statement::Rollback { .. } => Ok(Some(ExecOutput::command("ROLLBACK"))),
        _ => Ok(None),
    }
}
