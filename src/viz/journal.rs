//! The session journal: every console run and cancel, in order. The engine is deterministic, so
//! replaying the journal on a fresh cluster rebuilds the session exactly; that is how a session
//! survives a reload, travels in a link, and how time travel shows an earlier state.
//!
//! The saved form is text: a header naming the format and its version, an xxHash64 checksum of
//! the body, and the body as length-prefixed records, so any damage or truncation is detected
//! before a single statement is replayed.

use crate::cluster::Cluster;
use crate::psql::Runner;
use crate::session::SessionId;
use std::hash::Hasher;
use twox_hash::XxHash64;

const MAGIC: &str = "shardscope-session";
const VERSION: u32 = 1;

/// The largest session the app saves, shares or reads back (bytes of its saved form): a
/// guard against a link or a stored value that would take minutes to replay.
pub const MAX_SAVED_BYTES: usize = 4 << 20;

/// One thing the learner did that changed the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Text run through the console (statements and meta-commands, as typed).
    Run(String),
    /// A session's waiting statement cancelled (psql's Ctrl-C).
    Cancel(SessionId),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journal {
    actions: Vec<Action>,
}

/// Why a saved session could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    NotASession,
    Version(String),
    Damaged,
    TooLarge(usize),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotASession => write!(f, "it is not a ShardScope session"),
            ReadError::Version(v) => write!(
                f,
                "it was saved in format {v}, and this ShardScope reads format {VERSION}"
            ),
            ReadError::Damaged => write!(
                f,
                "it is damaged or cut short (its checksum does not match)"
            ),
            ReadError::TooLarge(n) => write!(
                f,
                "it is too large ({} KB; the limit is {} KB)",
                n.div_ceil(1024),
                MAX_SAVED_BYTES / 1024
            ),
        }
    }
}

impl Journal {
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Records a console run; blank input changes nothing and is not kept.
    pub fn record_run(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.actions.push(Action::Run(text.to_string()));
        }
    }

    pub fn record_cancel(&mut self, session: SessionId) {
        self.actions.push(Action::Cancel(session));
    }

    /// The journal's first `n` actions.
    pub fn prefix(&self, n: usize) -> Journal {
        Journal {
            actions: self.actions[..n.min(self.actions.len())].to_vec(),
        }
    }

    /// The saved form: `shardscope-session 1`, the body's checksum, then the body.
    pub fn to_saved(&self) -> String {
        let body = self.body();
        format!("{MAGIC} {VERSION}\n{:016x}\n{body}", checksum(&body))
    }

    fn body(&self) -> String {
        let mut body = String::new();
        for action in &self.actions {
            match action {
                Action::Run(text) => {
                    body.push_str(&format!("run {}\n{text}\n", text.len()));
                }
                Action::Cancel(session) => body.push_str(&format!("cancel {session}\n")),
            }
        }
        body
    }

    /// Reads a saved form back; anything damaged, truncated, oversized or foreign is refused
    /// as a whole (a partial replay would show a session that never was).
    pub fn from_saved(saved: &str) -> Result<Journal, ReadError> {
        if saved.len() > MAX_SAVED_BYTES {
            return Err(ReadError::TooLarge(saved.len()));
        }
        let (header, rest) = saved.split_once('\n').ok_or(ReadError::NotASession)?;
        let version = header
            .strip_prefix(MAGIC)
            .and_then(|v| v.strip_prefix(' '))
            .ok_or(ReadError::NotASession)?;
        if version != VERSION.to_string() {
            return Err(ReadError::Version(version.chars().take(20).collect()));
        }
        let (sum, body) = rest.split_once('\n').ok_or(ReadError::Damaged)?;
        if u64::from_str_radix(sum, 16).ok() != Some(checksum(body)) {
            return Err(ReadError::Damaged);
        }
        parse_body(body).ok_or(ReadError::Damaged)
    }
}

/// Does to `runner` what the action did when it was recorded; returns what psql printed.
pub fn apply(runner: &mut Runner<Cluster>, action: &Action) -> String {
    match action {
        Action::Run(text) => runner.run_interactive(text),
        Action::Cancel(session) => runner.cancel(*session),
    }
}

/// A fresh cluster with the journal's first `n` actions replayed on it.
pub fn replayed(journal: &Journal, n: usize) -> Runner<Cluster> {
    let mut runner = Runner::with_default_cluster();
    for action in journal.actions().iter().take(n) {
        apply(&mut runner, action);
    }
    runner
}

fn parse_body(mut body: &str) -> Option<Journal> {
    let mut actions = Vec::new();
    while !body.is_empty() {
        let (line, rest) = body.split_once('\n')?;
        if let Some(len) = line.strip_prefix("run ") {
            let len: usize = len.parse().ok()?;
            let text = rest.get(..len)?;
            body = rest.get(len..)?.strip_prefix('\n')?;
            actions.push(Action::Run(text.to_string()));
        } else if let Some(id) = line.strip_prefix("cancel ") {
            actions.push(Action::Cancel(id.parse().ok()?));
            body = rest;
        } else {
            return None;
        }
    }
    Some(Journal { actions })
}

fn checksum(body: &str) -> u64 {
    let mut hasher = XxHash64::with_seed(0);
    hasher.write(body.as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Journal {
        let mut j = Journal::default();
        j.record_run("CREATE TABLE t (id int);\nSELECT create_distributed_table('t', 'id');");
        j.record_run("   ");
        j.record_run("INSERT INTO t VALUES (1);\n\n-- run 9\ncancel 3\n");
        j.record_cancel(2);
        j.record_run("SELECT 'ünïcode ✓';");
        j
    }

    #[test]
    fn saved_form_reads_back_unchanged() {
        let j = sample();
        assert_eq!(j.len(), 4, "blank runs are not kept");
        assert_eq!(Journal::from_saved(&j.to_saved()), Ok(j));
        let empty = Journal::default();
        assert_eq!(Journal::from_saved(&empty.to_saved()), Ok(empty));
    }

    #[test]
    fn damage_truncation_and_foreign_text_are_refused() {
        let saved = sample().to_saved();
        for cut in [saved.len() - 1, saved.len() / 2, 30] {
            assert_eq!(
                Journal::from_saved(&saved[..cut]),
                Err(ReadError::Damaged),
                "cut at {cut}"
            );
        }
        let flipped = saved.replacen("VALUES (1)", "VALUES (2)", 1);
        assert_eq!(Journal::from_saved(&flipped), Err(ReadError::Damaged));
        assert_eq!(Journal::from_saved("hello"), Err(ReadError::NotASession));
        assert_eq!(Journal::from_saved(""), Err(ReadError::NotASession));
        assert_eq!(
            Journal::from_saved(&saved.replacen("session 1", "session 7", 1)),
            Err(ReadError::Version("7".into()))
        );
        let huge = "x".repeat(MAX_SAVED_BYTES + 1);
        assert!(matches!(
            Journal::from_saved(&huge),
            Err(ReadError::TooLarge(_))
        ));
        // A body whose checksum matches but whose records do not parse.
        let body = "run 99\nshort\n";
        let forged = format!("{MAGIC} 1\n{:016x}\n{body}", checksum(body));
        assert_eq!(Journal::from_saved(&forged), Err(ReadError::Damaged));
    }

    /// Replaying the saved form on a fresh cluster gives the same cluster: placements, rows,
    /// the node psql is on, an open transaction block and what a query answers.
    #[test]
    fn replaying_a_saved_journal_rebuilds_the_session() {
        let mut live = Runner::with_default_cluster();
        let mut journal = Journal::default();
        for run in [
            "CREATE TABLE t (id int PRIMARY KEY, v text);\nSELECT create_distributed_table('t', 'id');",
            "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g;",
            "CREATE TABLE r (k int);\nSELECT create_reference_table('r');\nINSERT INTO r VALUES (1), (2);",
            "DELETE FROM t WHERE id % 7 = 0;",
            "\\session 2\nBEGIN;\nUPDATE t SET v = 'x' WHERE id = 1;",
            "\\session 1\n\\c worker-1",
        ] {
            live.run_interactive(run);
            journal.record_run(run);
        }
        let restored = Journal::from_saved(&journal.to_saved()).expect("reads back");
        let mut again = replayed(&restored, restored.len());
        assert_eq!(again.exec.shards(), live.exec.shards());
        assert_eq!(again.prompt(), live.prompt());
        assert_eq!(again.prompt(), "worker-1=#");
        let query = "\\session 2\nSELECT count(*), max(v) FROM t;";
        assert_eq!(again.run_interactive(query), live.run_interactive(query));
        assert!(again.prompt().ends_with("=*#"), "{}", again.prompt());
        // An earlier point: before the DELETE, every row is there.
        let mut before_delete = replayed(&restored, 3);
        assert!(before_delete
            .run_interactive("SELECT count(*) FROM t;")
            .contains("    50\n"));
    }

    #[test]
    fn prefix_keeps_the_first_actions() {
        let j = sample();
        assert_eq!(j.prefix(2).actions(), &j.actions()[..2]);
        assert_eq!(j.prefix(99), j);
    }
}
