//! `ALTER SEQUENCE name RESTART [WITH] n`: Citus's own id sequences (regression tests restart
//! `pg_dist_colocationid_seq` and friends to pin ids) and the user's sequences.

use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::session::Session;
use crate::sql::ExecOutput;

/// The sequence and value of `ALTER SEQUENCE name RESTART [WITH] n`.
pub fn parse_restart(sql: &str) -> Option<(String, i64)> {
    let text = sql.trim().trim_end_matches(';').trim();
    let words: Vec<&str> = text.split_whitespace().collect();
    let (name, rest) = match words.as_slice() {
        [alter, sequence, name, rest @ ..]
            if alter.eq_ignore_ascii_case("alter") && sequence.eq_ignore_ascii_case("sequence") =>
        {
            (name, rest)
        }
        _ => return None,
    };
    let value = match rest {
        [restart, with, n]
            if restart.eq_ignore_ascii_case("restart") && with.eq_ignore_ascii_case("with") =>
        {
            n
        }
        [restart, n] if restart.eq_ignore_ascii_case("restart") => n,
        _ => return None,
    };
    let name = crate::sql::cast::regclass::relation_name(name).ok()?;
    Some((name, value.parse().ok()?))
}

/// Restarts a sequence: the next value it hands out is `value`.
pub fn restart(cluster: &mut Cluster, s: &Session, name: &str, value: i64) -> PgResult<ExecOutput> {
    let catalog = &mut cluster.catalog;
    let narrow = |v: i64| {
        i32::try_from(v).map_err(|_| {
            PgError::new(
                "22003",
                format!("RESTART value ({v}) cannot be greater than MAXVALUE (2147483647)"),
            )
        })
    };
    match name {
        "pg_dist_shardid_seq" if s.node == COORDINATOR => catalog.next_shard_id = value,
        "pg_dist_placement_placementid_seq" if s.node == COORDINATOR => {
            catalog.next_placement_id = value
        }
        "pg_dist_colocationid_seq" if s.node == COORDINATOR => {
            catalog.next_colocation_id = narrow(value)?
        }
        "pg_dist_node_nodeid_seq" if s.node == COORDINATOR => catalog.next_node_id = narrow(value)?,
        "pg_dist_groupid_seq" if s.node == COORDINATOR => catalog.next_group_id = narrow(value)?,
        _ => {
            let db = cluster.node_db(&s.node)?;
            let mut seqs = db.sequences.borrow_mut();
            let seq = seqs.get_mut(name).ok_or_else(|| {
                PgError::new("42P01", format!("relation \"{name}\" does not exist"))
            })?;
            seq.last_value = value;
            seq.is_called = false;
        }
    }
    Ok(ExecOutput::command("ALTER SEQUENCE"))
}
