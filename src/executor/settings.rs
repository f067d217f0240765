//! SET, RESET and SHOW of session settings (`citus.shard_count`, `citus.explain_all_tasks`, ...).

use crate::cluster::default_setting;
use crate::error::{PgError, PgResult};
use crate::session::Session;
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
    // Asked for every message sent: read without copying the value.
    let value = match session.settings.get(name) {
        Some(v) => Some(v.as_str()),
        None => default_setting(name),
    };
    matches!(value, Some("on" | "true" | "1" | "yes"))
}

/// The join methods and sorts the session leaves on (`enable_hashjoin`, ...).
pub fn plan_methods(session: &Session) -> crate::sql::PlanMethods {
    crate::sql::PlanMethods {
        hashjoin: is_on(session, "enable_hashjoin"),
        mergejoin: is_on(session, "enable_mergejoin"),
        nestloop: is_on(session, "enable_nestloop"),
        sort: is_on(session, "enable_sort"),
    }
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

/// Milliseconds in a duration setting (`1min`, `30s`, `500ms`, `60000`); `None` if unreadable.
pub fn parse_ms(text: &str) -> Option<i64> {
    let t = text.trim().trim_matches('\'').to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// A duration setting in PostgreSQL's display form (`60000` ms shows as `1min`).
pub fn display(name: &str, value: &str) -> String {
    if name == "statement_timeout" && value == "0" {
        return value.to_string();
    }
    if name != "citus.recover_2pc_interval" && name != "statement_timeout" {
        return value.to_string();
    }
    match parse_ms(value) {
        Some(ms) if ms < 0 => ms.to_string(),
        Some(ms) if ms % 86_400_000 == 0 && ms != 0 => format!("{}d", ms / 86_400_000),
        Some(ms) if ms % 3_600_000 == 0 && ms != 0 => format!("{}h", ms / 3_600_000),
        Some(ms) if ms % 60_000 == 0 && ms != 0 => format!("{}min", ms / 60_000),
        Some(ms) if ms % 1000 == 0 && ms != 0 => format!("{}s", ms / 1000),
        Some(ms) => format!("{ms}ms"),
        None => value.to_string(),
    }
}

/// The session's `statement_timeout` in milliseconds (0: none).
pub fn statement_timeout_ms(session: &Session) -> i64 {
    match session.settings.get("statement_timeout") {
        Some(v) => v.parse().unwrap_or(0),
        None => 0,
    }
}

/// A time setting as PostgreSQL reads it (`parse_int` with the GUC's unit, here ms): a number,
/// possibly fractional, with an optional unit (`us`, `ms`, `s`, `min`, `h`, `d`).
fn timeout_ms(name: &str, value: &str) -> PgResult<String> {
    let invalid = || {
        PgError::new(
            "22023",
            format!("invalid value for parameter \"{name}\": \"{value}\""),
        )
    };
    let text = value.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return Err(invalid().with_hint(
            "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".",
        )),
    };
    let ms = (number * factor).round();
    if !ms.is_finite() || ms > i32::MAX as f64 || ms < i32::MIN as f64 {
        return Err(invalid().with_hint("Value exceeds integer range."));
    }
    if ms < 0.0 {
        return Err(PgError::new(
            "22023",
            format!("{ms} is outside the valid range for parameter \"{name}\" (0 .. 2147483647)"),
        ));
    }
    Ok((ms as i64).to_string())
}

/// Settings a session cannot change (`PGC_SIGHUP`: ALTER SYSTEM and a reload).
const SERVER_WIDE: &[&str] = &[
    "citus.recover_2pc_interval",
    "max_connections",
    "max_prepared_transactions",
    "deadlock_timeout",
    "citus.distributed_deadlock_detection_factor",
    "synchronous_standby_names",
];

pub(crate) fn normalize(name: &str, value: &str) -> PgResult<String> {
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
        "citus.explain_all_tasks"
        | "citus.enable_repartition_joins"
        | "citus.log_remote_commands"
        | "citus.log_local_commands"
        | "citus.sort_returning"
        | "citus.select_opens_transaction_block"
        | "citus.enable_ddl_propagation"
        | "citus.enable_metadata_sync"
        | "citus.enable_local_execution"
        | "citus.enable_fast_path_router_planner"
        | "citus.enable_binary_protocol"
        | "citus.enable_single_hash_repartition_joins"
        | "citus.enable_non_colocated_router_query_pushdown"
        | "citus.force_max_query_parallelization"
        | "citus.subquery_pushdown"
        | "citus.log_multi_join_order"
        | "citus.log_intermediate_results"
        | "enable_hashagg"
        | "enable_hashjoin"
        | "enable_mergejoin"
        | "enable_nestloop"
        | "enable_seqscan"
        | "enable_sort" => boolean(value),
        "extra_float_digits" => integer_in(name, value, -15, 3),
        "citus.max_adaptive_executor_pool_size" => integer_in(name, value, 1, 1_048_576),
        "citus.task_assignment_policy" => {
            one_of(name, value, &["greedy", "round-robin", "first-replica"])
        }
        "citus.coordinator_aggregation_strategy" => {
            one_of(name, value, &["disabled", "row-gather"])
        }
        "citus.recover_2pc_interval" => match parse_ms(value) {
            Some(ms) if (-1..=7 * 86_400_000).contains(&ms) => Ok(ms.to_string()),
            _ => Err(PgError::new(
                "22023",
                format!("invalid value for parameter \"{name}\": \"{value}\""),
            )),
        },
        "statement_timeout" => timeout_ms(name, value),
        "synchronous_standby_names" => {
            crate::replication::sync_rep::parse(value)?;
            Ok(value.to_string())
        }
        "synchronous_commit" => crate::replication::sync_rep::normalize_commit_level(value),
        "client_min_messages" => {
            let v = value.to_ascii_lowercase();
            if matches!(
                v.as_str(),
                "debug5" | "debug4" | "debug3" | "debug2" | "debug1" | "debug" | "log" | "notice" | "warning" | "error"
            ) {
                Ok(if v == "debug" { "debug2".into() } else { v })
            } else {
                Err(PgError::new(
                    "22023",
                    format!("invalid value for parameter \"client_min_messages\": \"{value}\""),
                )
                .with_hint("Available values: debug5, debug4, debug3, debug2, debug1, log, notice, warning, error."))
            }
        }
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
        "citus.shard_replication_factor" | "citus.next_shard_id" | "citus.next_placement_id" => value
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

/// An integer setting within PostgreSQL's bounds for it.
fn integer_in(name: &str, value: &str, min: i64, max: i64) -> PgResult<String> {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
        Ok(n) => Err(PgError::new(
            "22023",
            format!("{n} is outside the valid range for parameter \"{name}\" ({min} .. {max})"),
        )),
        Err(_) => Err(PgError::new(
            "22023",
            format!("invalid value for parameter \"{name}\": \"{value}\""),
        )),
    }
}

/// An enum setting: one of `allowed`, in any case.
fn one_of(name: &str, value: &str, allowed: &[&str]) -> PgResult<String> {
    let v = value.to_ascii_lowercase();
    if allowed.contains(&v.as_str()) {
        return Ok(v);
    }
    Err(PgError::new(
        "22023",
        format!("invalid value for parameter \"{name}\": \"{value}\""),
    )
    .with_hint(format!("Available values: {}.", allowed.join(", "))))
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

/// The setting a `RESET name` statement names (the SQL parser does not know RESET).
pub fn reset_target(sql: &str) -> Option<&str> {
    let text = sql.trim().trim_end_matches(';').trim();
    text.get(..6)
        .filter(|p| p.eq_ignore_ascii_case("reset "))
        .map(|_| text[6..].trim())
}

/// `RESET name` / `RESET ALL`.
pub fn reset(session: &mut Session, name: &str) -> PgResult<ExecOutput> {
    let name = name.to_lowercase();
    if name == "all" {
        session.settings.clear();
        return Ok(ExecOutput::command("RESET"));
    }
    known(&name)?;
    session.settings.remove(&name);
    Ok(ExecOutput::command("RESET"))
}

/// `ALTER SYSTEM SET name TO value` (`= value`) or `ALTER SYSTEM RESET name`, matched on the
/// text: the name and the value (`None` to reset).
pub fn alter_system(sql: &str) -> Option<(String, Option<String>)> {
    let text = sql.trim().trim_end_matches(';').trim();
    if !text.get(..6)?.eq_ignore_ascii_case("alter ") {
        return None;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let [alter, system, verb, rest @ ..] = words.as_slice() else {
        return None;
    };
    if !alter.eq_ignore_ascii_case("alter") || !system.eq_ignore_ascii_case("system") {
        return None;
    }
    if verb.eq_ignore_ascii_case("reset") {
        return rest.first().map(|n| (n.to_lowercase(), None));
    }
    if !verb.eq_ignore_ascii_case("set") {
        return None;
    }
    let joined = rest.join(" ");
    let (name, value) = joined
        .split_once(" TO ")
        .or_else(|| joined.split_once(" to "))
        .or_else(|| joined.split_once('='))?;
    let value = value.trim().trim_matches('\'').to_string();
    Some((name.trim().to_lowercase(), Some(value)))
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
            if SERVER_WIDE.contains(&name.as_str()) {
                return Err(PgError::new(
                    "55P02",
                    format!("parameter \"{name}\" cannot be changed now"),
                ));
            }
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
            let value = get(session, &name)
                .map(|v| display(&name, &v))
                .ok_or_else(|| {
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
        _ => Ok(None),
    }
}
