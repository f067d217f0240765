//! The meta-commands that act on the cluster rather than on psql: `\session N` opens or
//! switches client sessions; `\crash`, `\restart`, `\disconnect`, `\reconnect`, `\fail` and
//! `\tick` cause the faults a learner studies; `\reset` starts over with a fresh cluster.

use super::{node_of, Executor, Operation, Runner};
use crate::session::SessionId;

/// The highest session number `\session` opens.
const MAX_SESSIONS: SessionId = 9;

/// `\tick` takes seconds, or a number with a unit: `500ms`, `30s`, `2min`, `1h`.
pub(super) fn parse_duration_us(text: &str) -> Option<i64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().ok()?;
    let factor: i64 = match unit {
        "" | "s" => 1_000_000,
        "ms" => 1_000,
        "min" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

impl<E: Executor> Runner<E> {
    /// `\session` lists where each session stands; `\session N` makes N current (opening it,
    /// connected to the coordinator, if it is new).
    pub(super) fn session_cmd(&mut self, args: &[String]) {
        let Some(arg) = args.first() else {
            let here = self.session.unwrap_or(self.current);
            let node = self
                .exec
                .session_node(here)
                .unwrap_or_else(|| "nothing".into());
            self.out.push_str(&format!(
                "Session {here} is current, connected to {node}.\n"
            ));
            return;
        };
        let Some(n) = arg
            .parse::<SessionId>()
            .ok()
            .filter(|n| (1..=MAX_SESSIONS).contains(n))
        else {
            self.psql_error(&format!(
                "\\session: invalid session number \"{arg}\" (use 1 to {MAX_SESSIONS})"
            ));
            self.error_stop();
            return;
        };
        self.exec.open_session(n);
        self.session = Some(n);
        self.current = n;
        if let Some(node) = node_of(&self.exec, n) {
            self.host = node.host;
        }
        self.sync_conn_vars();
        let node = self.exec.session_node(n).unwrap_or_default();
        self.info(&format!("You are now in session {n}, connected to {node}."));
        self.finished();
    }

    /// `\cancel N`: what Ctrl-C in session N's psql does to the statement it waits on.
    pub(super) fn cancel_cmd(&mut self, args: &[String]) {
        let Some(n) = args.first().and_then(|a| a.parse::<SessionId>().ok()) else {
            self.psql_error("\\cancel: name the waiting session, as in \\cancel 2");
            self.error_stop();
            return;
        };
        if !self.exec.cancel(n) {
            self.info(&format!("Session {n} has no statement waiting."));
            return;
        }
        self.finished();
    }

    /// `\reset`: a fresh cluster (a coordinator and its workers, nothing created), with psql
    /// in session 1 on the coordinator, as when the page opened.
    pub(super) fn reset_cmd(&mut self, args: &[String]) {
        if let Some(extra) = args.first() {
            self.psql_warning(&format!("\\reset: extra argument \"{extra}\" ignored"));
        }
        match self.exec.operate(Operation::Reset) {
            Ok(text) => {
                self.exec.open_session(1);
                self.session = Some(1);
                self.current = 1;
                if let Some(node) = node_of(&self.exec, 1) {
                    self.host = node.host;
                }
                self.sync_conn_vars();
                self.info(&text);
                self.finished();
            }
            Err(e) => {
                self.psql_error(&e.message);
                self.error_stop();
            }
        }
    }

    /// `\crash NODE`, `\restart NODE`, `\disconnect NODE`, `\reconnect NODE`,
    /// `\fail NODE at STEP` (or `\fail NODE off`), `\tick DURATION`.
    pub(super) fn fault_cmd(&mut self, name: &str, args: &[String]) {
        let Some(first) = args.first() else {
            self.psql_error(&format!("\\{name}: missing required argument"));
            self.error_stop();
            return;
        };
        let op = match name {
            "crash" => Operation::Crash(first.clone()),
            "restart" => Operation::Restart(first.clone()),
            "disconnect" => Operation::Disconnect(first.clone()),
            "reconnect" => Operation::Reconnect(first.clone()),
            "tick" => match parse_duration_us(first) {
                Some(us) => Operation::Tick(us),
                None => {
                    self.psql_error(&format!(
                        "\\tick: invalid duration \"{first}\" (seconds, or a number with ms, s, min or h)"
                    ));
                    self.error_stop();
                    return;
                }
            },
            _ => match (args.get(1).map(String::as_str), args.get(2)) {
                (Some("at"), Some(step)) => Operation::Fail(first.clone(), Some(step.clone())),
                (Some("off"), None) => Operation::Fail(first.clone(), None),
                _ => {
                    self.psql_error(
                        "\\fail: use \\fail NODE at STEP (before-prepare, after-prepare, after-commit-record, during-commit-prepared) or \\fail NODE off",
                    );
                    self.error_stop();
                    return;
                }
            },
        };
        self.operate_cmd(name, op);
    }

    /// Runs a meta-command's operation on the cluster and prints its answer, or its error
    /// (with the hint) as psql prints a meta-command's failure.
    pub(super) fn operate_cmd(&mut self, name: &str, op: Operation) {
        match self.exec.operate(op) {
            Ok(msg) => self.info(&msg),
            Err(e) => {
                let mut msg = e.message.clone();
                if let Some(h) = &e.hint {
                    msg.push_str(&format!("\nHINT:  {h}"));
                }
                self.psql_error(&format!("\\{name}: {msg}"));
                self.error_stop();
            }
        }
        self.finished();
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration_us;

    #[test]
    fn durations_read_as_seconds_or_with_a_unit() {
        assert_eq!(parse_duration_us("60"), Some(60_000_000));
        assert_eq!(parse_duration_us("1min"), Some(60_000_000));
        assert_eq!(parse_duration_us("500ms"), Some(500_000));
        assert_eq!(parse_duration_us("2h"), Some(7_200_000_000));
        assert_eq!(parse_duration_us("-1"), None);
        assert_eq!(parse_duration_us("soon"), None);
    }
}
