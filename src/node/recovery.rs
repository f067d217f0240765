//! A node's part in streaming replication. As a primary it writes its WAL (commits, prepared
//! transactions, catalog changes) and keeps a walsender per standby. As a standby (in
//! recovery) it starts from a base backup of its primary, replays the records it receives in
//! LSN order after checking each one's checksum, and refuses writes. `promote` ends recovery:
//! transactions prepared on the old primary stay prepared here.

use super::{NodeServer, PreparedXact};
use crate::error::PgError;
use crate::replication::sync_rep::{self, SyncStandbys, SyncState};
use crate::replication::wal::{record_size, Lsn, Objects, Wal, WalBody, WalRecord};
use crate::sql::storage::{Redo, Xid};
use crate::sql::Database;
use crate::transaction::DistTxnId;
use chrono::NaiveDateTime;
use sqlparser::ast::Statement;

/// The primary's end of a replication connection (`pg_stat_replication`).
#[derive(Clone, Debug, PartialEq)]
pub struct WalSender {
    pub standby: String,
    pub pid: i32,
    /// How long records take to reach the standby, in microseconds of the logical clock.
    pub delay_us: i64,
    /// The last position sent, and the one the standby reported as replayed.
    pub sent: Lsn,
    pub replayed: Lsn,
    pub started_at: NaiveDateTime,
    /// The standby is up and reachable (a walsender only exists while it is).
    pub connected: bool,
}

/// A transaction the old primary prepared, replayed on a standby as pending.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingPrepare {
    pub gid: String,
    pub xid: Xid,
    pub prepared_at: NaiveDateTime,
    pub dist: Option<DistTxnId>,
    pub redo: Vec<Redo>,
}

/// A standby's state (`pg_stat_wal_receiver`, `pg_last_wal_replay_lsn()`).
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// The primary's server name, and the address it streams from.
    pub primary: String,
    pub sender_port: u16,
    pub receiver_pid: i32,
    pub receive_start: Lsn,
    pub replayed: Lsn,
    pub last_receipt: Option<NaiveDateTime>,
    pub pending: Vec<PendingPrepare>,
}

/// What `pg_basebackup` copies: committed tables, the node's other objects, its prepared
/// transactions, and the log position the copy is consistent at.
pub struct BaseBackup {
    pub tables: Vec<Redo>,
    pub shells: Vec<(String, u32)>,
    pub objects: Objects,
    pub prepared: Vec<PendingPrepare>,
    pub lsn: Lsn,
    pub next_xid: Xid,
    /// `postgresql.auto.conf`.
    pub conf: std::collections::BTreeMap<String, String>,
}

/// The objects a database keeps outside its tables.
pub fn objects_of(db: &Database) -> Objects {
    Objects {
        sequences: db.sequences.borrow().clone(),
        views: db.views.clone(),
        schemas: db.schemas.clone(),
        functions: db.functions.all(),
    }
}

fn set_objects(db: &mut Database, objects: &Objects) {
    *db.sequences.get_mut() = objects.sequences.clone();
    db.views = objects.views.clone();
    db.schemas = objects.schemas.clone();
    db.functions.replace_all(&objects.functions);
}

/// PostgreSQL's error for a write on a hot standby.
pub fn read_only_error(tag: &str) -> PgError {
    PgError::new(
        "25006",
        format!("cannot execute {tag} in a read-only transaction"),
    )
}

fn during_recovery(tag: &str) -> PgError {
    PgError::new("25006", format!("cannot execute {tag} during recovery"))
}

/// The command name PostgreSQL reports when `stmt` may not run read-only; `None` for reads.
pub fn write_tag(stmt: &Statement) -> Option<String> {
    match stmt {
        Statement::Query(_)
        | Statement::ShowVariable { .. }
        | Statement::ShowVariables { .. }
        | Statement::SetVariable { .. }
        | Statement::SetTimeZone { .. }
        | Statement::SetNames { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. }
        | Statement::Prepare { .. }
        | Statement::Execute { .. }
        | Statement::Deallocate { .. }
        | Statement::Declare { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. }
        | Statement::Discard { .. } => None,
        Statement::Explain { statement, .. } => write_tag(statement),
        Statement::Truncate { .. } => Some("TRUNCATE TABLE".into()),
        Statement::Copy { .. } => Some("COPY FROM".into()),
        other => {
            let text = other.to_string();
            let words: Vec<String> = text
                .split_whitespace()
                .map(str::to_uppercase)
                .filter(|w| {
                    !matches!(
                        w.as_str(),
                        "OR" | "REPLACE"
                            | "UNIQUE"
                            | "TEMPORARY"
                            | "TEMP"
                            | "UNLOGGED"
                            | "IF"
                            | "NOT"
                            | "EXISTS"
                    )
                })
                .take(2)
                .collect();
            match words.first().map(String::as_str) {
                Some("CREATE" | "DROP" | "ALTER") => Some(words.join(" ")),
                Some(first) => Some(first.to_string()),
                None => None,
            }
        }
    }
}

impl NodeServer {
    /// A walsender for `standby`, which has everything up to `at`.
    pub fn add_sender(&mut self, standby: &str, delay_us: i64, at: Lsn, now: NaiveDateTime) {
        let pid = self.next_process_id();
        self.senders.push(WalSender {
            standby: standby.to_string(),
            pid,
            delay_us,
            sent: at,
            replayed: at,
            started_at: now,
            connected: true,
        });
    }

    pub fn in_recovery(&self) -> bool {
        self.recovery.is_some()
    }

    /// The standbys its commits wait for (`synchronous_standby_names` in effect).
    pub fn sync_standbys(&self) -> Option<SyncStandbys> {
        sync_rep::parse(self.conf.get("synchronous_standby_names"))
            .ok()
            .flatten()
    }

    fn candidates(&self) -> Vec<sync_rep::Candidate<'_>> {
        self.senders
            .iter()
            .map(|s| sync_rep::Candidate {
                application_name: &s.standby,
                connected: s.connected,
                confirmed: s.replayed.0,
            })
            .collect()
    }

    /// Each walsender's `sync_state` and `sync_priority`.
    pub fn sync_states(&self) -> Vec<(SyncState, u32)> {
        sync_rep::states(self.sync_standbys().as_ref(), &self.candidates())
    }

    /// Whether a commit at `lsn` may return: no synchronous standby is configured, or enough
    /// of them have it.
    pub fn sync_confirmed(&self, lsn: Lsn) -> bool {
        self.sync_standbys()
            .is_none_or(|c| sync_rep::confirmed(&c, &self.candidates(), lsn.0))
    }

    /// Refuses a write while the node is a standby.
    pub(super) fn check_writable(&self, stmt: &Statement) -> Result<(), PgError> {
        match (&self.recovery, write_tag(stmt)) {
            (Some(_), Some(tag)) => Err(read_only_error(&tag)),
            _ => Ok(()),
        }
    }

    /// Two-phase commit commands a standby cannot run.
    pub(super) fn check_control(
        &self,
        c: &crate::transaction::control::TxnControl,
    ) -> Result<(), PgError> {
        use crate::transaction::control::TxnControl;
        if self.recovery.is_none() {
            return Ok(());
        }
        match c {
            TxnControl::PrepareTransaction(_) => Err(during_recovery("PREPARE TRANSACTION")),
            TxnControl::CommitPrepared(_) => Err(during_recovery("COMMIT PREPARED")),
            TxnControl::RollbackPrepared(_) => Err(during_recovery("ROLLBACK PREPARED")),
            _ => Ok(()),
        }
    }

    /// The node's objects when they changed since the last record that carried them.
    fn changed_objects(&mut self) -> Option<Box<Objects>> {
        let now = objects_of(&self.db);
        if self.objects_logged.as_ref() == Some(&now) {
            return None;
        }
        self.objects_logged = Some(now.clone());
        Some(Box::new(now))
    }

    /// Logs `xid`'s commit, while its change log still exists. A transaction that changed
    /// nothing writes no record.
    pub(super) fn log_commit(&mut self, xid: Xid) {
        let (rows, tables) = self.db.storage.xact_extent(xid);
        let size = record_size(rows, tables);
        if self.senders.is_empty() {
            if rows + tables > 0 {
                self.wal.advance(size);
            }
            return;
        }
        let objects = self.changed_objects();
        if rows + tables == 0 && objects.is_none() {
            return;
        }
        let redo = self.db.storage.redo_of(xid);
        let at = self.clock;
        self.wal
            .append(size, xid, at, WalBody::Commit { redo, objects });
    }

    pub(super) fn log_prepare(
        &mut self,
        xid: Xid,
        gid: &str,
        prepared_at: NaiveDateTime,
        dist: Option<DistTxnId>,
    ) {
        let (rows, tables) = self.db.storage.xact_extent(xid);
        let size = record_size(rows, tables);
        if self.senders.is_empty() {
            self.wal.advance(size);
            return;
        }
        let redo = self.db.storage.redo_of(xid);
        let at = self.clock;
        let body = WalBody::Prepare {
            gid: gid.to_string(),
            prepared_at,
            dist,
            redo,
        };
        self.wal.append(size, xid, at, body);
    }

    /// Logs a record with no rows (COMMIT/ROLLBACK PREPARED, a shell).
    pub(super) fn log_small(&mut self, xid: Xid, body: WalBody) {
        let size = record_size(0, 0);
        if self.senders.is_empty() {
            self.wal.advance(size);
        } else {
            let at = self.clock;
            self.wal.append(size, xid, at, body);
        }
    }

    /// A consistent copy for a new standby; from now on the node logs for it.
    pub fn base_backup(&mut self) -> BaseBackup {
        let prepared = self
            .prepared
            .clone()
            .into_iter()
            .map(|p| PendingPrepare {
                redo: self.db.storage.redo_of(p.xid),
                gid: p.gid,
                xid: p.xid,
                prepared_at: p.prepared_at,
                dist: p.dist,
            })
            .collect();
        let objects = objects_of(&self.db);
        self.objects_logged = Some(objects.clone());
        BaseBackup {
            tables: self.db.storage.base_images(),
            shells: self.db.storage.shell_oids(),
            objects,
            prepared,
            lsn: self.wal.insert,
            next_xid: self.next_xid,
            conf: self.conf.written.clone(),
        }
    }

    /// A stopped server's data directory emptied for a new base backup (an old primary that
    /// rejoins as a standby); it starts again. Its backend numbering goes on.
    pub fn wipe_for_base_backup(&mut self) {
        let ids: Vec<_> = self.backends.keys().copied().collect();
        for id in ids {
            self.close_backend(id);
        }
        self.db = Database::new();
        self.prepared.clear();
        self.senders.clear();
        self.recovery = None;
        self.objects_logged = None;
        self.state = super::NodeState::Up;
    }

    /// Becomes a standby of `primary` from its base backup.
    pub fn start_standby(&mut self, backup: BaseBackup, primary: &str, sender_port: u16) {
        for image in &backup.tables {
            let _ = self.db.storage.apply_redo(image);
        }
        for (name, oid) in &backup.shells {
            self.db.storage.set_shell_oid(name, *oid);
        }
        set_objects(&mut self.db, &backup.objects);
        self.next_xid = self.next_xid.max(backup.next_xid);
        self.conf = super::conf::ServerConf::started_from(backup.conf);
        self.wal = Wal {
            insert: backup.lsn,
            records: Default::default(),
        };
        let receiver_pid = self.next_pid;
        self.next_pid += 3;
        self.recovery = Some(Recovery {
            primary: primary.to_string(),
            sender_port,
            receiver_pid,
            receive_start: backup.lsn,
            replayed: backup.lsn,
            last_receipt: None,
            pending: backup.prepared,
        });
    }

    /// Replays one record received from the primary. A record already replayed is skipped;
    /// one whose checksum does not match stops replay (the standby waits for a good copy).
    pub fn replay(&mut self, record: &WalRecord, now: NaiveDateTime) -> Result<(), String> {
        let Some(recovery) = self.recovery.as_mut() else {
            return Err("not in recovery".into());
        };
        if record.end <= recovery.replayed {
            return Ok(());
        }
        if !record.is_intact() {
            return Err(format!(
                "incorrect resource manager data checksum in record at {}",
                record.start
            ));
        }
        recovery.last_receipt = Some(now);
        match &record.body {
            WalBody::Commit { redo, objects } => {
                for r in redo {
                    let _ = self.db.storage.apply_redo(r);
                }
                if let Some(objects) = objects {
                    set_objects(&mut self.db, objects);
                }
            }
            WalBody::Prepare {
                gid,
                prepared_at,
                dist,
                redo,
            } => recovery.pending.push(PendingPrepare {
                gid: gid.clone(),
                xid: record.xid,
                prepared_at: *prepared_at,
                dist: *dist,
                redo: redo.clone(),
            }),
            WalBody::CommitPrepared { gid } | WalBody::RollbackPrepared { gid } => {
                let commit = matches!(record.body, WalBody::CommitPrepared { .. });
                if let Some(pos) = recovery.pending.iter().position(|p| &p.gid == gid) {
                    let p = recovery.pending.remove(pos);
                    if commit {
                        for r in &p.redo {
                            let _ = self.db.storage.apply_redo(r);
                        }
                    }
                }
            }
            WalBody::Shell(change) => match change {
                super::MetadataChange::AddShell(def) => self.db.storage.register_shell(def),
                super::MetadataChange::RemoveShell(name) => self.db.storage.forget_shell(name),
            },
        }
        if let Some(r) = self.recovery.as_mut() {
            r.replayed = record.end;
        }
        self.next_xid = self.next_xid.max(record.xid + 1);
        self.wal.insert = self.wal.insert.max(record.end);
        Ok(())
    }

    /// `pg_promote()`: recovery ends and the node takes writes. Transactions the old primary
    /// had prepared are prepared here, waiting for their coordinator's decision.
    pub fn promote(&mut self) -> bool {
        let Some(recovery) = self.recovery.take() else {
            return false;
        };
        for p in recovery.pending {
            let _ = self.db.storage.apply_redo_as(p.xid, &p.redo);
            self.next_xid = self.next_xid.max(p.xid + 1);
            self.prepared.push(PreparedXact {
                gid: p.gid,
                xid: p.xid,
                prepared_at: p.prepared_at,
                dist: p.dist,
            });
        }
        self.db.storage.set_current(0);
        true
    }

    /// Prepared transactions as `pg_prepared_xacts` shows them (a standby lists those it
    /// replayed).
    pub fn prepared_view(&self) -> Vec<PreparedXact> {
        match &self.recovery {
            None => self.prepared.clone(),
            Some(r) => r
                .pending
                .iter()
                .map(|p| PreparedXact {
                    gid: p.gid.clone(),
                    xid: p.xid,
                    prepared_at: p.prepared_at,
                    dist: p.dist,
                })
                .collect(),
        }
    }
}
