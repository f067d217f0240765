//! The meta-commands of streaming replication and failover: `\standby add NODE [PORT]
//! [sync|async] [delay D]` (and `\standby` to list), `\ha on|off`, `\failover NODE`,
//! `\switchover NODE`.

use super::faults::parse_duration_us as duration_us;
use super::{Executor, Operation, Runner};
use crate::replication::SyncMode;

const STANDBY_USAGE: &str =
    "\\standby: use \\standby add NODE [PORT] [sync|async] [delay DURATION], or \\standby to list";

/// Reads `add NODE [PORT] [sync|async] [delay D]`.
fn parse_standby(args: &[String]) -> Result<Operation, String> {
    let mut words = args.iter().map(String::as_str);
    if words.next() != Some("add") {
        return Err(STANDBY_USAGE.into());
    }
    let node = words.next().ok_or(STANDBY_USAGE)?.to_string();
    let mut port = None;
    let mut mode = SyncMode::Async;
    let mut delay_us = 0;
    while let Some(word) = words.next() {
        match word.to_ascii_lowercase().as_str() {
            "sync" => mode = SyncMode::Sync,
            "async" => mode = SyncMode::Async,
            "delay" => {
                let d = words
                    .next()
                    .ok_or("\\standby: delay needs a duration (5, 500ms, 2s)")?;
                delay_us = duration_us(d).ok_or_else(|| {
                    format!("\\standby: invalid delay \"{d}\" (seconds, or a number with ms, s, min or h)")
                })?;
            }
            w if w.chars().all(|c| c.is_ascii_digit()) && port.is_none() => {
                port = Some(
                    w.parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| format!("\\standby: invalid port \"{w}\""))?,
                );
            }
            _ => return Err(format!("\\standby: unexpected \"{word}\"\n{STANDBY_USAGE}")),
        }
    }
    Ok(Operation::AddStandby {
        node,
        port,
        mode,
        delay_us,
    })
}

impl<E: Executor> Runner<E> {
    pub(super) fn replication_cmd(&mut self, name: &str, args: &[String]) {
        let op = match (name, args.first().map(String::as_str)) {
            ("standby", None) => Ok(Operation::Standbys),
            ("standby", Some(_)) => parse_standby(args),
            ("ha", Some("on")) => Ok(Operation::Ha(true)),
            ("ha", Some("off")) => Ok(Operation::Ha(false)),
            ("ha", _) => Err("\\ha: use \\ha on or \\ha off".to_string()),
            ("failover", Some(n)) => Ok(Operation::Failover(n.to_string())),
            ("switchover", Some(n)) => Ok(Operation::Switchover(n.to_string())),
            _ => Err(format!("\\{name}: missing required argument")),
        };
        let op = match op {
            Ok(op) => op,
            Err(msg) => {
                self.psql_error(&msg);
                self.error_stop();
                return;
            }
        };
        self.operate_cmd(name, op);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standby_arguments_are_read_in_any_order() {
        let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert_eq!(
            parse_standby(&args("add worker-2 9704 sync delay 3s")),
            Ok(Operation::AddStandby {
                node: "worker-2".into(),
                port: Some(9704),
                mode: SyncMode::Sync,
                delay_us: 3_000_000,
            })
        );
        assert!(parse_standby(&args("add worker-2 delay soon")).is_err());
        assert!(parse_standby(&args("add worker-2 99999")).is_err());
        assert!(parse_standby(&args("remove worker-2")).is_err());
        assert!(parse_standby(&args("add")).is_err());
    }
}
