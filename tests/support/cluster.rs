//! Test helpers over `Cluster`: a statement that must succeed, its rows, or its error.
#![allow(dead_code)]

use shardscope::cluster::Cluster;
use shardscope::error::PgError;
use shardscope::session::SessionId;
use shardscope::sql::{ExecOutput, Outcome, ResultSet};

pub fn run(c: &mut Cluster, s: SessionId, sql: &str) -> ExecOutput {
    match c.execute(s, sql) {
        Ok(out) => out,
        Err(e) => panic!("{sql}\n{e}"),
    }
}

pub fn rows(c: &mut Cluster, s: SessionId, sql: &str) -> ResultSet {
    match run(c, s, sql).outcome {
        Outcome::Rows(rs) => rs,
        Outcome::Command(tag) => panic!("{sql}: expected rows, got {tag}"),
    }
}

pub fn err(c: &mut Cluster, s: SessionId, sql: &str) -> PgError {
    match c.execute(s, sql) {
        Ok(out) => panic!("{sql}: expected an error, got {out:?}"),
        Err(e) => e,
    }
}
