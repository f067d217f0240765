//! Synchronous replication as PostgreSQL configures it: `synchronous_standby_names` names the
//! standbys (by their `application_name`) a commit waits for, either the first N by priority
//! (`FIRST n (a, b)`, or a bare list for one) or any N of them (`ANY n (a, b)`), and
//! `synchronous_commit` says whether a commit waits at all.

use crate::error::PgError;

/// How the standbys in the list are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMethod {
    /// The N with the highest priority (earliest in the list) that are connected.
    First,
    /// Any N of those listed (quorum commit).
    Any,
}

/// A parsed, non-empty `synchronous_standby_names`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStandbys {
    pub method: SyncMethod,
    pub num_sync: u32,
    /// Names as written, unquoted; `*` matches every standby.
    pub names: Vec<String>,
}

/// `pg_stat_replication.sync_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncState {
    Async,
    Potential,
    Sync,
    Quorum,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Async => "async",
            SyncState::Potential => "potential",
            SyncState::Sync => "sync",
            SyncState::Quorum => "quorum",
        }
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Name(String),
    Num(u32),
    Comma,
    Open,
    Close,
    /// Anything the scanner does not know, with its text.
    Junk(String),
}

fn scan(text: &str) -> Vec<(Token, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii();
    let ident_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let token = match c {
            ',' => Token::Comma,
            '(' => Token::Open,
            ')' => Token::Close,
            '*' => Token::Name("*".into()),
            '"' => {
                let mut name = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        Some('"') if chars.get(i + 1) == Some(&'"') => {
                            name.push('"');
                            i += 2;
                        }
                        Some('"') => break,
                        Some(ch) => {
                            name.push(*ch);
                            i += 1;
                        }
                        None => {
                            out.push((Token::Junk("\"".into()), "\"".into()));
                            return out;
                        }
                    }
                }
                Token::Name(name)
            }
            c if c.is_ascii_digit() => {
                while chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                let digits: String = chars[start..=i].iter().collect();
                Token::Num(digits.parse().unwrap_or(u32::MAX))
            }
            c if ident_start(c) => {
                while chars.get(i + 1).is_some_and(|c| ident_char(*c)) {
                    i += 1;
                }
                Token::Name(chars[start..=i].iter().collect())
            }
            other => Token::Junk(other.to_string()),
        };
        i += 1;
        let text: String = chars[start..i.min(chars.len())].iter().collect();
        out.push((token, text));
    }
    out
}

fn invalid(value: &str, detail: String) -> PgError {
    PgError::new(
        "42601",
        format!("invalid value for parameter \"synchronous_standby_names\": \"{value}\""),
    )
    .with_detail(detail)
}

/// Parses `synchronous_standby_names` as PostgreSQL's check hook does; `None` when empty.
pub fn parse(value: &str) -> Result<Option<SyncStandbys>, PgError> {
    let tokens = scan(value);
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut pos = 0;
    let syntax = |pos: usize| {
        let detail = match tokens.get(pos) {
            Some((_, text)) => format!("syntax error at or near \"{text}\""),
            None => "syntax error at end of input".to_string(),
        };
        invalid(value, detail)
    };
    let keyword = |pos: usize, word: &str| {
        matches!(&tokens.get(pos), Some((Token::Name(n), text))
            if n.eq_ignore_ascii_case(word) && !text.starts_with('"'))
    };
    let (method, num_sync, list_in_parens) = if keyword(0, "any") || keyword(0, "first") {
        let method = if keyword(0, "any") {
            SyncMethod::Any
        } else {
            SyncMethod::First
        };
        match tokens.get(1) {
            Some((Token::Num(n), _)) => {
                pos = 2;
                (method, *n, true)
            }
            _ => return Err(syntax(1)),
        }
    } else if let Some((Token::Num(n), _)) = tokens.first() {
        if matches!(tokens.get(1), Some((Token::Open, _))) {
            pos = 1;
            (SyncMethod::First, *n, true)
        } else {
            (SyncMethod::First, 1, false)
        }
    } else {
        (SyncMethod::First, 1, false)
    };
    if list_in_parens {
        if !matches!(tokens.get(pos), Some((Token::Open, _))) {
            return Err(syntax(pos));
        }
        pos += 1;
    }
    let mut names = Vec::new();
    loop {
        match tokens.get(pos) {
            _ if keyword(pos, "any") || keyword(pos, "first") => return Err(syntax(pos)),
            Some((Token::Name(n), _)) => names.push(n.clone()),
            Some((Token::Num(_), text)) => names.push(text.clone()),
            _ => return Err(syntax(pos)),
        }
        pos += 1;
        match tokens.get(pos) {
            Some((Token::Comma, _)) => pos += 1,
            _ => break,
        }
    }
    if list_in_parens {
        if !matches!(tokens.get(pos), Some((Token::Close, _))) {
            return Err(syntax(pos));
        }
        pos += 1;
    }
    if pos < tokens.len() {
        return Err(syntax(pos));
    }
    if num_sync == 0 {
        return Err(PgError::new(
            "22023",
            "number of synchronous standbys (0) must be greater than zero",
        ));
    }
    Ok(Some(SyncStandbys {
        method,
        num_sync,
        names,
    }))
}

/// A name as `synchronous_standby_names` must write it: quoted unless it reads as a plain
/// identifier (and not as one of the setting's keywords).
pub fn quote_name(name: &str) -> String {
    if name.eq_ignore_ascii_case("first") || name.eq_ignore_ascii_case("any") {
        return format!("\"{name}\"");
    }
    crate::sql::ddl::quote_ident(name)
}

impl SyncStandbys {
    /// The standby's priority (1 = highest); `None` when it is not listed.
    pub fn priority(&self, application_name: &str) -> Option<u32> {
        self.names
            .iter()
            .position(|n| n == "*" || n.eq_ignore_ascii_case(application_name))
            .map(|i| match self.method {
                SyncMethod::First => i as u32 + 1,
                SyncMethod::Any => 1,
            })
    }

    /// The setting with `name` added to the list (the number of standbys waited for stays).
    pub fn with(&self, name: &str) -> String {
        let mut names: Vec<String> = self
            .names
            .iter()
            .map(|n| if n == "*" { n.clone() } else { quote_name(n) })
            .collect();
        names.push(quote_name(name));
        let method = match self.method {
            SyncMethod::First => "FIRST",
            SyncMethod::Any => "ANY",
        };
        format!("{method} {} ({})", self.num_sync, names.join(", "))
    }
}

/// One walsender as synchronous replication sees it.
pub struct Candidate<'a> {
    pub application_name: &'a str,
    pub connected: bool,
    /// What it has confirmed (flushed and replayed).
    pub confirmed: u64,
}

/// Each walsender's `sync_state` and `sync_priority`, in order.
pub fn states(config: Option<&SyncStandbys>, senders: &[Candidate]) -> Vec<(SyncState, u32)> {
    let Some(config) = config else {
        return senders.iter().map(|_| (SyncState::Async, 0)).collect();
    };
    let priorities: Vec<Option<u32>> = senders
        .iter()
        .map(|s| config.priority(s.application_name).filter(|_| s.connected))
        .collect();
    if config.method == SyncMethod::Any {
        return priorities
            .iter()
            .map(|p| match p {
                Some(p) => (SyncState::Quorum, *p),
                None => (SyncState::Async, 0),
            })
            .collect();
    }
    // The num_sync connected standbys of highest priority are sync; ties go by position.
    let mut ranked: Vec<(u32, usize)> = priorities
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (p, i)))
        .collect();
    ranked.sort_unstable();
    let chosen: Vec<usize> = ranked
        .iter()
        .take(config.num_sync as usize)
        .map(|(_, i)| *i)
        .collect();
    priorities
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            Some(p) if chosen.contains(&i) => (SyncState::Sync, *p),
            Some(p) => (SyncState::Potential, *p),
            None => (SyncState::Async, 0),
        })
        .collect()
}

/// Whether enough synchronous standbys have confirmed `lsn` for a commit to return.
pub fn confirmed(config: &SyncStandbys, senders: &[Candidate], lsn: u64) -> bool {
    let states = states(Some(config), senders);
    let counted = senders
        .iter()
        .zip(&states)
        .filter(|(s, (state, _))| {
            matches!(state, SyncState::Sync | SyncState::Quorum) && s.confirmed >= lsn
        })
        .count();
    counted >= config.num_sync as usize
}

/// Whether a commit under this `synchronous_commit` waits for synchronous standbys.
pub fn commit_waits(synchronous_commit: &str) -> bool {
    matches!(synchronous_commit, "on" | "remote_write" | "remote_apply")
}

/// `synchronous_commit` as PostgreSQL accepts it.
pub fn normalize_commit_level(value: &str) -> Result<String, PgError> {
    let v = value.to_ascii_lowercase();
    Ok(match v.as_str() {
        "local" | "remote_write" | "remote_apply" => v,
        "on" | "true" | "yes" | "1" => "on".into(),
        "off" | "false" | "no" | "0" => "off".into(),
        _ => {
            return Err(PgError::new(
                "22023",
                format!("invalid value for parameter \"synchronous_commit\": \"{value}\""),
            )
            .with_hint("Available values: local, remote_write, remote_apply, on, off."))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(application_name: &str, connected: bool, confirmed: u64) -> Candidate<'_> {
        Candidate {
            application_name,
            connected,
            confirmed,
        }
    }

    fn names(v: &str) -> Vec<String> {
        parse(v).ok().flatten().map(|c| c.names).unwrap_or_default()
    }

    #[test]
    fn parses_postgresql_forms() {
        assert_eq!(parse("").ok(), Some(None));
        assert_eq!(parse("  ").ok(), Some(None));
        let bare = parse("a, \"Worker-1\"").ok().flatten();
        assert_eq!(
            bare,
            Some(SyncStandbys {
                method: SyncMethod::First,
                num_sync: 1,
                names: vec!["a".into(), "Worker-1".into()],
            })
        );
        let any = parse("ANY 2 (a, b, c)").ok().flatten();
        assert_eq!(
            any.as_ref().map(|c| (c.method, c.num_sync)),
            Some((SyncMethod::Any, 2))
        );
        let first = parse("2 (a, b)").ok().flatten();
        assert_eq!(
            first.map(|c| (c.method, c.num_sync)),
            Some((SyncMethod::First, 2))
        );
        assert_eq!(names("*"), vec!["*"]);
        assert_eq!(names("\"first\""), vec!["first"]);
        assert!(parse("first").is_err());
    }

    #[test]
    fn refuses_what_postgresql_refuses() {
        let e = parse("worker-1-standby")
            .err()
            .map(|e| (e.message.clone(), e.detail.clone()));
        assert_eq!(
            e,
            Some((
                "invalid value for parameter \"synchronous_standby_names\": \"worker-1-standby\""
                    .into(),
                Some("syntax error at or near \"-\"".into())
            ))
        );
        let e = parse("FIRST 1 (a").err().and_then(|e| e.detail.clone());
        assert_eq!(e.as_deref(), Some("syntax error at end of input"));
        let e = parse("ANY 0 (a)").err().map(|e| e.message.clone());
        assert_eq!(
            e.as_deref(),
            Some("number of synchronous standbys (0) must be greater than zero")
        );
    }

    #[test]
    fn first_picks_connected_standbys_by_priority() {
        let config = parse("FIRST 1 (b, a)").ok().flatten();
        let senders = [
            candidate("a", true, 10),
            candidate("b", false, 0),
            candidate("c", true, 10),
        ];
        let got = states(config.as_ref(), &senders);
        assert_eq!(
            got,
            vec![
                (SyncState::Sync, 2),
                (SyncState::Async, 0),
                (SyncState::Async, 0)
            ]
        );
        let config = config.unwrap_or_else(|| unreachable!());
        assert!(confirmed(&config, &senders, 10));
        assert!(!confirmed(&config, &senders, 11));
    }

    #[test]
    fn any_counts_a_quorum() {
        let config = parse("ANY 2 (*)")
            .ok()
            .flatten()
            .unwrap_or_else(|| unreachable!());
        let senders = [candidate("a", true, 10), candidate("b", true, 5)];
        assert_eq!(
            states(Some(&config), &senders),
            vec![(SyncState::Quorum, 1), (SyncState::Quorum, 1)]
        );
        assert!(confirmed(&config, &senders, 5));
        assert!(!confirmed(&config, &senders, 6));
    }

    #[test]
    fn quoting_round_trips() {
        assert_eq!(quote_name("worker_1"), "worker_1");
        assert_eq!(quote_name("worker-1-standby"), "\"worker-1-standby\"");
        let config = parse("a").ok().flatten().unwrap_or_else(|| unreachable!());
        let text = config.with("worker-1-standby");
        assert_eq!(text, "FIRST 1 (a, \"worker-1-standby\")");
        assert_eq!(names(&text), vec!["a", "worker-1-standby"]);
    }
}
