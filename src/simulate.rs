//! The seeded fault simulator: random transfers from several sessions, with random crashes,
//! cut links and faults armed at each step of two-phase commit. After the cluster is brought
//! back and recovery has run, it checks what two-phase commit promises:
//! - atomicity: every transaction's writes (on several shards and nodes) are all there or none;
//! - durability: every COMMIT the client saw succeed is visible;
//! - nothing is left behind: no prepared branch, open transaction, row lock or commit record;
//! - the cluster still works: a fresh distributed transaction commits.
//!
//! The same seed gives the same run, message for message, so a failing seed can be replayed.

mod replication;

use crate::cluster::{Cluster, COORDINATOR};
use crate::network::{FaultStep, SimRng};
use crate::session::{Completion, Reply, SessionId};
use crate::sql::Outcome;
use crate::trace::MessageKind;
use crate::types::Value;
use replication::Replication;
use std::collections::{BTreeMap, BTreeSet};

/// Accounts the transfers move money between (ids 1..=ACCOUNTS).
const ACCOUNTS: i64 = 8;
const START_BALANCE: i64 = 1000;
const SESSIONS: SessionId = 3;
const STEPS: usize = 150;

/// Where a session's transfer stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    Idle,
    /// BEGIN sent; the next statements move `amount` from `from` to `to` as transfer `id`.
    Open {
        id: i64,
        from: i64,
        to: i64,
        amount: i64,
        done: usize,
    },
}

/// What became of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// COMMIT answered COMMIT.
    Committed,
    /// ROLLBACK, an error, or COMMIT answered ROLLBACK or an error before the decision.
    RolledBack,
    /// The coordinator went away during COMMIT: recovery decides.
    Unknown,
}

struct Run {
    cluster: Cluster,
    rng: SimRng,
    stages: BTreeMap<SessionId, Stage>,
    /// Statements in flight (waiting for a lock), per session: what was sent.
    waiting: BTreeMap<SessionId, String>,
    fates: BTreeMap<i64, Fate>,
    next_transfer: i64,
    workers: Vec<String>,
    log: Vec<String>,
    replication: Replication,
    /// A promotion lost transactions (asynchronous replication): transfers may be split.
    lossy: bool,
    losses_seen: usize,
    /// Nodes with a commit waiting for their synchronous standbys when the step began: a
    /// failover of one of them may lose that commit, whose client was never told it committed.
    sync_waits: std::collections::BTreeSet<String>,
    /// A client was told its commit's outcome is unknown because a server went away while
    /// the commit waited for its synchronous standbys: a failover may lose that commit.
    unconfirmed_commit: bool,
    /// Violations found along the way (a failover's report).
    failures: Vec<String>,
}

fn ok(reply: &Reply) -> bool {
    matches!(reply.completion, Completion::Done(Ok(_)))
}

fn tag(reply: &Reply) -> Option<String> {
    match &reply.completion {
        Completion::Done(Ok(out)) => match &out.outcome {
            Outcome::Command(t) => Some(t.clone()),
            Outcome::Rows(_) => Some("rows".into()),
        },
        _ => None,
    }
}

fn lost(reply: &Reply) -> bool {
    matches!(&reply.completion, Completion::Done(Err(e)) if e.sqlstate == crate::transaction::LOST_SQLSTATE)
}

/// A COMMIT whose outcome the client cannot know: its connection was lost, or its server went
/// away while the commit waited for synchronous standbys.
fn in_doubt(reply: &Reply) -> bool {
    lost(reply)
        || matches!(&reply.completion, Completion::Done(Err(e))
            if e.sqlstate == crate::replication::commit_wait::COMPLETION_UNKNOWN)
}

impl Run {
    fn new(seed: u64) -> Result<Run, String> {
        let mut cluster = Cluster::with_seed(seed, 2 + (seed % 2) as usize);
        let workers = cluster
            .nodes()
            .into_iter()
            .filter(|n| !n.is_coordinator)
            .map(|n| n.name)
            .collect();
        let s = cluster.session();
        let setup = [
            "ALTER SYSTEM SET citus.recover_2pc_interval TO '30s'".to_string(),
            "SELECT pg_reload_conf()".into(),
            "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)".into(),
            "SELECT create_distributed_table('accounts', 'id')".into(),
            "CREATE TABLE entries (transfer int, account int, amount int)".into(),
            "SELECT create_distributed_table('entries', 'account', colocate_with => 'accounts')"
                .into(),
            "CREATE TABLE transfers (id int PRIMARY KEY, note text)".into(),
            "SELECT create_reference_table('transfers')".into(),
            format!(
                "INSERT INTO accounts SELECT g, {START_BALANCE} FROM generate_series(1, {ACCOUNTS}) g"
            ),
        ];
        for sql in setup {
            cluster
                .execute(s, &sql)
                .map_err(|e| format!("setup failed: {sql}: {e}"))?;
        }
        for id in 2..=SESSIONS {
            cluster.open_session(id);
        }
        let mut run = Run {
            cluster,
            rng: SimRng::new(seed ^ 0x5151_5151),
            stages: (1..=SESSIONS).map(|s| (s, Stage::Idle)).collect(),
            waiting: BTreeMap::new(),
            fates: BTreeMap::new(),
            next_transfer: 1,
            workers,
            log: Vec::new(),
            replication: Replication::for_seed(seed),
            lossy: false,
            sync_waits: Default::default(),
            unconfirmed_commit: false,
            losses_seen: 0,
            failures: Vec::new(),
        };
        run.add_standbys()?;
        Ok(run)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.below(items.len() as u64) as usize]
    }

    /// Sends `sql` in session `s` and applies what came back.
    fn send(&mut self, s: SessionId, sql: &str) {
        self.log.push(format!("s{s}: {sql}"));
        let reply = self.cluster.execute_reply(s, sql);
        self.settle(s, sql, reply);
        for f in self.cluster.take_finished() {
            let sql = self.waiting.remove(&f.session).unwrap_or(f.sql);
            self.settle(f.session, &sql, f.reply);
        }
    }

    /// What a statement's reply means for its session's transfer.
    fn settle(&mut self, s: SessionId, sql: &str, reply: Reply) {
        if let Completion::Waiting(w) = &reply.completion {
            self.log.push(format!("  {}", w.describe()));
            self.waiting.insert(s, sql.to_string());
            return;
        }
        self.waiting.remove(&s);
        if let Completion::Done(Err(e)) = &reply.completion {
            self.log.push(format!(
                "  error: {}",
                e.message.lines().next().unwrap_or("")
            ));
        }
        let stage = self.stages.get(&s).cloned().unwrap_or(Stage::Idle);
        let Stage::Open {
            id,
            from,
            to,
            amount,
            done,
        } = stage
        else {
            return;
        };
        // The same transfer, `done` statements in (`usize::MAX`: failed, waiting for its end).
        let open = |done| Stage::Open {
            id,
            from,
            to,
            amount,
            done,
        };
        let committing = sql == "COMMIT";
        let rolling_back = sql == "ROLLBACK";
        if committing {
            self.unconfirmed_commit |= in_doubt(&reply) && !lost(&reply);
            let fate = match tag(&reply).as_deref() {
                Some("COMMIT") => Fate::Committed,
                _ if in_doubt(&reply) => Fate::Unknown,
                _ => Fate::RolledBack,
            };
            self.fates.insert(id, fate);
            self.stages.insert(s, Stage::Idle);
        } else if rolling_back || lost(&reply) {
            self.fates.insert(
                id,
                if lost(&reply) {
                    Fate::Unknown
                } else {
                    Fate::RolledBack
                },
            );
            self.stages.insert(s, Stage::Idle);
        } else if ok(&reply) {
            // Only the transfer's own statements move it on (not BEGIN, not recovery).
            if !(sql.starts_with("UPDATE") || sql.starts_with("INSERT")) {
                return;
            }
            self.stages.insert(s, open(done + 1));
        } else if sql.starts_with("SELECT") {
            // Recovery failed (a node is down): the transfer is not affected.
        } else {
            // The block failed; the session must end it.
            self.fates.insert(id, Fate::RolledBack);
            self.stages.insert(s, open(usize::MAX));
        }
    }

    /// One random step: a session moves its transfer on, or something breaks.
    fn step(&mut self) {
        // The last step's promotions are judged against the waits before it.
        self.note_losses();
        self.sync_waits = self
            .cluster
            .sessions()
            .into_iter()
            .filter_map(|s| s.waiting.filter(|w| w.sync_lsn.is_some()).map(|w| w.node))
            .collect();
        let roll = self.rng.below(100);
        if roll < 78 || self.rng.below(3) != 0 {
            let s = 1 + self.rng.below(SESSIONS as u64) as SessionId;
            if !self.waiting.contains_key(&s) {
                self.advance(s);
            }
            return;
        }
        let workers = self.workers.clone();
        let node = self.pick(&workers).clone();
        match roll {
            78..=80 => self.op(|c| c.crash(&node).map(|_| ())),
            81..=85 => {
                let down: Vec<String> = self
                    .cluster
                    .servers()
                    .into_iter()
                    .filter(|n| !n.is_up)
                    .map(|n| n.name)
                    .collect();
                if !down.is_empty() {
                    let n = self.pick(&down).clone();
                    self.op(move |c| c.restart(&n).map(|_| ()));
                }
            }
            86 => self.op(|c| c.disconnect(&node).map(|_| ())),
            87..=89 => {
                let cut: Vec<String> = self
                    .cluster
                    .nodes()
                    .into_iter()
                    .filter(|n| n.is_cut)
                    .map(|n| n.name)
                    .collect();
                if !cut.is_empty() {
                    let n = self.pick(&cut).clone();
                    self.op(move |c| c.reconnect(&n).map(|_| ()));
                }
            }
            90..=94 => {
                let steps = FaultStep::ALL;
                let step = *self.pick(&steps);
                let target = if self.rng.below(4) == 0 {
                    "coordinator".to_string()
                } else {
                    node
                };
                self.op(move |c| c.arm_fault(&target, Some(step.name())).map(|_| ()));
            }
            95..=97 => {
                let secs = 5 + self.rng.below(40) as i64;
                self.cluster.tick(secs * 1_000_000);
                self.log.push(format!("tick {secs}s"));
                self.collect_finished();
            }
            98 if self.replication != Replication::None => self.replication_step(),
            _ => {
                let s = 1 + self.rng.below(SESSIONS as u64) as SessionId;
                if !self.waiting.contains_key(&s) {
                    self.send(s, "SELECT recover_prepared_transactions()");
                }
            }
        }
        self.note_losses();
    }

    fn op(&mut self, f: impl FnOnce(&mut Cluster) -> crate::error::PgResult<()>) {
        let _ = f(&mut self.cluster);
        if let Some(e) = self.cluster.trace_events().last() {
            self.log.push(format!("op: {}", e.sql));
        }
        self.collect_finished();
    }

    fn collect_finished(&mut self) {
        for f in self.cluster.take_finished() {
            let sql = self.waiting.remove(&f.session).unwrap_or(f.sql);
            self.settle(f.session, &sql, f.reply);
        }
    }

    /// The next statement of session `s`'s transfer.
    fn advance(&mut self, s: SessionId) {
        match self.stages.get(&s).cloned().unwrap_or(Stage::Idle) {
            Stage::Idle => {
                let from = 1 + self.rng.below(ACCOUNTS as u64) as i64;
                let mut to = 1 + self.rng.below(ACCOUNTS as u64) as i64;
                if to == from {
                    to = to % ACCOUNTS + 1;
                }
                let amount = 1 + self.rng.below(50) as i64;
                let id = self.next_transfer;
                self.next_transfer += 1;
                self.stages.insert(
                    s,
                    Stage::Open {
                        id,
                        from,
                        to,
                        amount,
                        done: 0,
                    },
                );
                self.fates.insert(id, Fate::RolledBack);
                self.send(s, "BEGIN");
            }
            Stage::Open {
                id,
                from,
                to,
                amount,
                done,
            } => {
                let sql = match done {
                    0 => format!("UPDATE accounts SET balance = balance - {amount} WHERE id = {from}"),
                    1 => format!("UPDATE accounts SET balance = balance + {amount} WHERE id = {to}"),
                    2 => format!(
                        "INSERT INTO entries VALUES ({id}, {from}, -{amount}), ({id}, {to}, {amount})"
                    ),
                    3 if self.rng.below(3) == 0 => {
                        format!("INSERT INTO transfers VALUES ({id}, 'moved {amount}')")
                    }
                    usize::MAX => "ROLLBACK".to_string(),
                    _ if self.rng.below(6) == 0 => "ROLLBACK".to_string(),
                    _ => "COMMIT".to_string(),
                };
                // A transfer that skipped the reference-table write goes straight to its end.
                if done == 3 && !sql.starts_with("INSERT") {
                    self.stages.insert(
                        s,
                        Stage::Open {
                            id,
                            from,
                            to,
                            amount,
                            done: 4,
                        },
                    );
                }
                self.send(s, &sql);
            }
        }
    }

    /// Brings everything back: sessions end their transactions, nodes restart, links heal,
    /// faults are disarmed, and recovery runs until nothing is left to recover.
    fn heal(&mut self) -> Result<(), String> {
        if std::env::var("SHARDSCOPE_SIM_LOG").is_ok() {
            for n in self.cluster.network.nodes() {
                let gids: Vec<&str> = n.prepared.iter().map(|p| p.gid.as_str()).collect();
                self.log.push(format!(
                    "state: {} up={} prepared={gids:?}",
                    n.name,
                    n.is_up()
                ));
            }
            if let Ok(db) = self.cluster.node_db("coordinator") {
                let recs = db.storage.scan("pg_dist_transaction").unwrap_or_default();
                self.log.push(format!("state: records {recs:?}"));
            }
        }
        let names: Vec<String> = self.cluster.servers().into_iter().map(|n| n.name).collect();
        for n in &names {
            let _ = self.cluster.arm_fault(n, None);
        }
        for n in &names {
            let _ = self.cluster.reconnect(n);
            let _ = self.cluster.restart(n);
        }
        self.collect_finished();
        for s in 1..=SESSIONS {
            if self.waiting.contains_key(&s) {
                self.cluster.cancel(s);
                self.collect_finished();
            }
        }
        for s in 1..=SESSIONS {
            if self.waiting.contains_key(&s) {
                return Err(format!(
                    "session {s} still waits after everything was healed"
                ));
            }
            if self.stages.get(&s) != Some(&Stage::Idle) {
                self.send(s, "ROLLBACK");
            }
        }
        for _ in 0..5 {
            let reply = self
                .cluster
                .execute_reply(1, "SELECT recover_prepared_transactions()");
            if lost(&reply) {
                // The client learns its server went away; psql reconnects on the next try.
                continue;
            }
            let n = match reply.into_result() {
                Ok(out) => match out.outcome {
                    Outcome::Rows(rs) => rs
                        .rows
                        .first()
                        .and_then(|r| r.first())
                        .and_then(Value::as_i64),
                    Outcome::Command(_) => None,
                },
                Err(e) => return Err(format!("recovery failed: {e}")),
            };
            if n == Some(0) {
                return Ok(());
            }
        }
        Err("recovery keeps finding prepared transactions".into())
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Value>>, String> {
        match self.cluster.execute(1, sql) {
            Ok(out) => match out.outcome {
                Outcome::Rows(rs) => Ok(rs.rows),
                Outcome::Command(t) => Err(format!("{sql}: expected rows, got {t}")),
            },
            Err(e) => Err(format!("{sql}: {e}")),
        }
    }

    /// The invariants, once the cluster is healed.
    fn check(&mut self) -> Result<(), String> {
        self.note_losses();
        if let Some(f) = self.failures.first() {
            return Err(f.clone());
        }
        self.check_convergence()?;
        if !self.lossy {
            self.check_transfers()?;
        }
        self.check_clean()
    }

    /// What the clients were told, against what the tables hold.
    fn check_transfers(&mut self) -> Result<(), String> {
        let ints = |rows: &[Vec<Value>], i: usize| -> Vec<i64> {
            rows.iter()
                .map(|r| r.get(i).and_then(Value::as_i64).unwrap_or(i64::MIN))
                .collect()
        };
        let entries = self.query("SELECT transfer, account, amount FROM entries")?;
        let mut per_transfer: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
        for r in &entries {
            let v: Vec<i64> = r.iter().map(|x| x.as_i64().unwrap_or(i64::MIN)).collect();
            per_transfer.entry(v[0]).or_default().push((v[1], v[2]));
        }
        // Atomicity of the entries: both legs or neither.
        for (t, legs) in &per_transfer {
            let sum: i64 = legs.iter().map(|l| l.1).sum();
            if legs.len() != 2 || sum != 0 {
                return Err(format!("transfer {t} is half there: {legs:?}"));
            }
        }
        // Atomicity across statements and shards: balances agree with the entries.
        let accounts = self.query("SELECT id, balance FROM accounts ORDER BY id")?;
        let ids = ints(&accounts, 0);
        let balances = ints(&accounts, 1);
        if ids.len() != ACCOUNTS as usize {
            return Err(format!("{} accounts instead of {ACCOUNTS}", ids.len()));
        }
        for (id, balance) in ids.iter().zip(&balances) {
            let moved: i64 = per_transfer
                .values()
                .flatten()
                .filter(|(a, _)| a == id)
                .map(|(_, amount)| amount)
                .sum();
            if *balance != START_BALANCE + moved {
                return Err(format!(
                    "account {id} holds {balance}, but its entries say {}",
                    START_BALANCE + moved
                ));
            }
        }
        // The reference table only holds transfers that happened.
        let noted = ints(&self.query("SELECT id FROM transfers")?, 0);
        for t in &noted {
            if !per_transfer.contains_key(t) {
                return Err(format!("transfer {t} is noted but moved nothing"));
            }
        }
        let shard = self
            .cluster
            .catalog
            .table_shards("transfers")
            .first()
            .map(|s| s.name())
            .unwrap_or_default();
        let reference_copies = self.query(&format!(
            "SELECT result FROM run_command_on_all_nodes($$SELECT count(*) FROM {shard}$$)"
        ));
        if let Ok(rows) = reference_copies {
            let counts: BTreeSet<String> = rows
                .iter()
                .filter_map(|r| r.first().and_then(Value::to_pg_text))
                .collect();
            if counts.len() > 1 {
                return Err(format!("reference table copies differ: {counts:?}"));
            }
        }
        // Durability and atomicity against what the clients were told.
        for (t, fate) in &self.fates {
            let there = per_transfer.contains_key(t);
            match fate {
                Fate::Committed if !there => {
                    return Err(format!("transfer {t} was committed but is gone"));
                }
                Fate::RolledBack if there => {
                    return Err(format!("transfer {t} was rolled back but is there"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Nothing left behind, and the cluster still works.
    fn check_clean(&mut self) -> Result<(), String> {
        let members: BTreeSet<String> = self.cluster.nodes().into_iter().map(|n| n.name).collect();
        for node in self.cluster.network.nodes() {
            if !members.contains(&node.name) {
                continue;
            }
            if !node.prepared.is_empty() {
                let gids: Vec<&str> = node.prepared.iter().map(|p| p.gid.as_str()).collect();
                return Err(format!("{} still holds prepared {gids:?}", node.name));
            }
            if node.db.storage.owned_rows() > 0 {
                return Err(format!("{} still has locked rows", node.name));
            }
        }
        let records = self.query("SELECT gid FROM pg_dist_transaction")?;
        if !records.is_empty() {
            return Err(format!("{} commit records left", records.len()));
        }
        // And the cluster still works.
        for sql in [
            "BEGIN",
            "UPDATE accounts SET balance = balance - 1 WHERE id = 1",
            "UPDATE accounts SET balance = balance + 1 WHERE id = 2",
            "COMMIT",
        ] {
            if let Err(e) = self.cluster.execute(1, sql) {
                return Err(format!("after recovery, {sql} failed: {e}"));
            }
        }
        Ok(())
    }
}

/// What the runs did: how much of the protocol they exercised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub committed: usize,
    pub rolled_back: usize,
    /// The coordinator went away during COMMIT; recovery decided.
    pub in_doubt: usize,
    pub lock_waits: usize,
    pub faults_fired: usize,
    /// Prepared branches that recovery committed or rolled back.
    pub recovered: usize,
    /// Promotions of a standby (failovers, switchovers, the HA manager's), and those of them
    /// that lost transactions (asynchronous replication only).
    pub promotions: usize,
    pub lossy_promotions: usize,
    /// WAL records shipped to standbys.
    pub wal_messages: usize,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.committed += o.committed;
        self.rolled_back += o.rolled_back;
        self.in_doubt += o.in_doubt;
        self.lock_waits += o.lock_waits;
        self.faults_fired += o.faults_fired;
        self.recovered += o.recovered;
        self.promotions += o.promotions;
        self.lossy_promotions += o.lossy_promotions;
        self.wal_messages += o.wal_messages;
    }

    fn of(run: &Run) -> Stats {
        let mut st = Stats::default();
        for f in run.fates.values() {
            match f {
                Fate::Committed => st.committed += 1,
                Fate::RolledBack => st.rolled_back += 1,
                Fate::Unknown => st.in_doubt += 1,
            }
        }
        st.promotions = run.cluster.losses.len();
        st.lossy_promotions = run
            .cluster
            .losses
            .iter()
            .filter(|(_, l)| !l.transactions.is_empty())
            .count();
        for e in run.cluster.trace_events() {
            match e.kind {
                MessageKind::Wal => st.wal_messages += 1,
                MessageKind::LockWait => st.lock_waits += 1,
                MessageKind::Fault if e.sql.starts_with("armed fault") => st.faults_fired += 1,
                MessageKind::CommitPrepared | MessageKind::RollbackPrepared
                    if e.phase.as_deref() == Some("recovery") && e.from == COORDINATOR =>
                {
                    st.recovered += 1
                }
                _ => {}
            }
        }
        st
    }
}

/// Runs one seed; `Err` names the violated promise, with the steps that led to it.
pub fn run_seed(seed: u64) -> Result<Stats, String> {
    let mut run = Run::new(seed)?;
    for _ in 0..STEPS {
        run.step();
    }
    let result = run.heal().and_then(|()| run.check());
    match result {
        Ok(()) => Ok(Stats::of(&run)),
        Err(e) => {
            // SHARDSCOPE_SIM_LOG=1 shows every step instead of the last few.
            let keep = if std::env::var("SHARDSCOPE_SIM_LOG").is_ok() {
                usize::MAX
            } else {
                12
            };
            let tail: Vec<&str> = run
                .log
                .iter()
                .rev()
                .take(keep)
                .rev()
                .map(String::as_str)
                .collect();
            Err(format!(
                "seed {seed}: {e}\n  last steps:\n    {}",
                tail.join("\n    ")
            ))
        }
    }
}

/// Runs seeds `first..first + count`: what they did in all, and the violations.
pub fn run_seeds(first: u64, count: u64) -> (Stats, Vec<String>) {
    let mut total = Stats::default();
    let mut violations = Vec::new();
    for seed in first..first + count {
        match run_seed(seed) {
            Ok(st) => total.add(&st),
            Err(v) => violations.push(v),
        }
    }
    (total, violations)
}
