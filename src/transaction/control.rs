//! Transaction-control statements as PostgreSQL reads them (BEGIN, COMMIT, SAVEPOINT, PREPARE
//! TRANSACTION, COMMIT PREPARED, ...). The SQL parser does not know all of them, so they are
//! recognised here, on the statement text, before anything else runs it.

use crate::error::{PgError, PgResult};

/// One transaction-control statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnControl {
    /// `BEGIN` or `START TRANSACTION` (the tag psql shows differs).
    Begin {
        start: bool,
    },
    /// `COMMIT` or `END`.
    Commit,
    /// `ROLLBACK` or `ABORT`.
    Rollback,
    Savepoint(String),
    Release(String),
    RollbackTo(String),
    PrepareTransaction(String),
    CommitPrepared(String),
    RollbackPrepared(String),
}

impl TxnControl {
    /// The command tag of a successful run.
    pub fn tag(&self) -> &'static str {
        match self {
            TxnControl::Begin { start: false } => "BEGIN",
            TxnControl::Begin { start: true } => "START TRANSACTION",
            TxnControl::Commit => "COMMIT",
            TxnControl::Rollback | TxnControl::RollbackTo(_) => "ROLLBACK",
            TxnControl::Savepoint(_) => "SAVEPOINT",
            TxnControl::Release(_) => "RELEASE",
            TxnControl::PrepareTransaction(_) => "PREPARE TRANSACTION",
            TxnControl::CommitPrepared(_) => "COMMIT PREPARED",
            TxnControl::RollbackPrepared(_) => "ROLLBACK PREPARED",
        }
    }

    /// The statement as PostgreSQL would print it back (and as it is sent to a node).
    pub fn sql(&self) -> String {
        match self {
            TxnControl::Begin { start: false } => "BEGIN".into(),
            TxnControl::Begin { start: true } => "START TRANSACTION".into(),
            TxnControl::Commit => "COMMIT".into(),
            TxnControl::Rollback => "ROLLBACK".into(),
            TxnControl::Savepoint(n) => format!("SAVEPOINT {n}"),
            TxnControl::Release(n) => format!("RELEASE SAVEPOINT {n}"),
            TxnControl::RollbackTo(n) => format!("ROLLBACK TO SAVEPOINT {n}"),
            TxnControl::PrepareTransaction(g) => format!("PREPARE TRANSACTION {}", literal(g)),
            TxnControl::CommitPrepared(g) => format!("COMMIT PREPARED {}", literal(g)),
            TxnControl::RollbackPrepared(g) => format!("ROLLBACK PREPARED {}", literal(g)),
        }
    }
}

/// `'text'` with quotes doubled.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Literal(String),
    Semicolon,
    Other(char),
}

/// Words (lower-cased), "quoted identifiers", 'literals'; `None` for an unterminated quote.
fn tokens(sql: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '-' if chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' | '"' => {
                let mut text = String::new();
                let mut closed = false;
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            text.push(c);
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        text.push(d);
                    }
                }
                if !closed {
                    return None;
                }
                out.push(if c == '\'' {
                    Token::Literal(text)
                } else {
                    Token::Quoted(text)
                });
            }
            ';' => out.push(Token::Semicolon),
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = c.to_lowercase().to_string();
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '$' {
                        word.extend(d.to_lowercase());
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Word(word));
            }
            other => out.push(Token::Other(other)),
        }
    }
    while out.last() == Some(&Token::Semicolon) {
        out.pop();
    }
    Some(out)
}

fn word(t: Option<&Token>) -> Option<&str> {
    match t {
        Some(Token::Word(w)) => Some(w),
        _ => None,
    }
}

/// A savepoint name: an identifier (lower-cased) or a quoted one (kept as written).
fn name(t: Option<&Token>) -> PgResult<String> {
    match t {
        Some(Token::Word(w)) => Ok(w.clone()),
        Some(Token::Quoted(q)) => Ok(q.clone()),
        Some(Token::Literal(l)) => Err(syntax_near(&format!("'{l}'"))),
        Some(Token::Other(c)) => Err(syntax_near(&c.to_string())),
        Some(Token::Semicolon) => Err(syntax_near(";")),
        None => Err(PgError::syntax("syntax error at end of input")),
    }
}

fn gid(t: Option<&Token>) -> PgResult<String> {
    match t {
        Some(Token::Literal(l)) => Ok(l.clone()),
        Some(Token::Word(w)) => Err(syntax_near(w)),
        Some(Token::Quoted(q)) => Err(syntax_near(&format!("\"{q}\""))),
        Some(Token::Other(c)) => Err(syntax_near(&c.to_string())),
        Some(Token::Semicolon) => Err(syntax_near(";")),
        None => Err(PgError::syntax("syntax error at end of input")),
    }
}

fn syntax_near(token: &str) -> PgError {
    PgError::syntax(format!("syntax error at or near \"{token}\""))
}

/// Transaction modes after BEGIN / START TRANSACTION: isolation levels, READ WRITE/ONLY,
/// [NOT] DEFERRABLE, separated by commas.
fn modes_ok(rest: &[Token]) -> bool {
    let words: Vec<&str> = rest
        .iter()
        .filter(|t| **t != Token::Other(','))
        .filter_map(|t| word(Some(t)))
        .collect();
    let non_words = rest
        .iter()
        .filter(|t| **t != Token::Other(',') && !matches!(t, Token::Word(_)))
        .count();
    non_words == 0
        && words.iter().all(|w| {
            matches!(
                *w,
                "isolation"
                    | "level"
                    | "read"
                    | "committed"
                    | "uncommitted"
                    | "repeatable"
                    | "serializable"
                    | "write"
                    | "only"
                    | "not"
                    | "deferrable"
            )
        })
}

/// Recognises a transaction-control statement. `None`: the text is something else (or more
/// than one statement); `Some(Err)`: it is one, but malformed.
pub fn parse(sql: &str) -> Option<PgResult<TxnControl>> {
    // Only these words start one; anything else (a long INSERT) is not tokenized at all.
    let first: String = sql
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    if !matches!(
        first.as_str(),
        "begin"
            | "start"
            | "commit"
            | "end"
            | "rollback"
            | "abort"
            | "savepoint"
            | "release"
            | "prepare"
    ) {
        return None;
    }
    let toks = tokens(sql)?;
    if toks.contains(&Token::Semicolon) {
        return None;
    }
    let first = word(toks.first())?;
    let rest = &toks[1..];
    let opt = |w: &str| word(rest.first()) == Some(w);
    let tail_after = |n: usize| rest.get(n..).unwrap_or(&[]);
    let control = match first {
        "begin" => {
            let skip = usize::from(opt("work") || opt("transaction"));
            if !modes_ok(tail_after(skip)) {
                return None;
            }
            Ok(TxnControl::Begin { start: false })
        }
        "start" if opt("transaction") => {
            if !modes_ok(tail_after(1)) {
                return None;
            }
            Ok(TxnControl::Begin { start: true })
        }
        "commit" | "end" | "abort" | "rollback" if opt("prepared") && first != "end" => {
            if first == "abort" {
                return None;
            }
            let g = gid(rest.get(1));
            if rest.len() > 2 {
                return Some(Err(syntax_near(&token_text(&rest[2]))));
            }
            g.map(|g| {
                if first == "commit" {
                    TxnControl::CommitPrepared(g)
                } else {
                    TxnControl::RollbackPrepared(g)
                }
            })
        }
        "rollback" | "abort" if opt("to") => {
            let skip = if word(rest.get(1)) == Some("savepoint") {
                2
            } else {
                1
            };
            let n = name(rest.get(skip));
            if rest.len() > skip + 1 {
                return Some(Err(syntax_near(&token_text(&rest[skip + 1]))));
            }
            n.map(TxnControl::RollbackTo)
        }
        "commit" | "end" | "rollback" | "abort" => {
            let skip = usize::from(opt("work") || opt("transaction"));
            if let Some(extra) = rest.get(skip) {
                if word(Some(extra)) == Some("and") {
                    return None;
                }
                return Some(Err(syntax_near(&token_text(extra))));
            }
            Ok(if matches!(first, "commit" | "end") {
                TxnControl::Commit
            } else {
                TxnControl::Rollback
            })
        }
        "savepoint" => {
            let n = name(rest.first());
            if rest.len() > 1 {
                return Some(Err(syntax_near(&token_text(&rest[1]))));
            }
            n.map(TxnControl::Savepoint)
        }
        "release" => {
            let skip = usize::from(opt("savepoint"));
            let n = name(rest.get(skip));
            if rest.len() > skip + 1 {
                return Some(Err(syntax_near(&token_text(&rest[skip + 1]))));
            }
            n.map(TxnControl::Release)
        }
        "prepare" if opt("transaction") => {
            let g = gid(rest.get(1));
            if rest.len() > 2 {
                return Some(Err(syntax_near(&token_text(&rest[2]))));
            }
            g.map(TxnControl::PrepareTransaction)
        }
        _ => return None,
    };
    Some(control)
}

fn token_text(t: &Token) -> String {
    match t {
        Token::Word(w) => w.clone(),
        Token::Quoted(q) => format!("\"{q}\""),
        Token::Literal(l) => format!("'{l}'"),
        Token::Semicolon => ";".into(),
        Token::Other(c) => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(sql: &str) -> TxnControl {
        match parse(sql) {
            Some(Ok(c)) => c,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn recognises_every_form() {
        assert_eq!(ok("BEGIN"), TxnControl::Begin { start: false });
        assert_eq!(ok("begin work;"), TxnControl::Begin { start: false });
        assert_eq!(
            ok("BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED"),
            TxnControl::Begin { start: false }
        );
        assert_eq!(ok("start transaction"), TxnControl::Begin { start: true });
        assert_eq!(ok("END"), TxnControl::Commit);
        assert_eq!(ok("commit work"), TxnControl::Commit);
        assert_eq!(ok("ABORT"), TxnControl::Rollback);
        assert_eq!(ok("SAVEPOINT a"), TxnControl::Savepoint("a".into()));
        assert_eq!(ok("savepoint \"A b\""), TxnControl::Savepoint("A b".into()));
        assert_eq!(ok("ROLLBACK TO a"), TxnControl::RollbackTo("a".into()));
        assert_eq!(
            ok("rollback to savepoint A"),
            TxnControl::RollbackTo("a".into())
        );
        assert_eq!(ok("RELEASE SAVEPOINT a"), TxnControl::Release("a".into()));
        assert_eq!(ok("release a"), TxnControl::Release("a".into()));
        assert_eq!(
            ok("PREPARE TRANSACTION 'citus_0_1_2_3'"),
            TxnControl::PrepareTransaction("citus_0_1_2_3".into())
        );
        assert_eq!(
            ok("COMMIT PREPARED 'it''s'"),
            TxnControl::CommitPrepared("it's".into())
        );
        assert_eq!(
            ok("rollback prepared 'g'"),
            TxnControl::RollbackPrepared("g".into())
        );
    }

    #[test]
    fn leaves_other_statements_alone() {
        for sql in [
            "SELECT 1",
            "BEGIN; SELECT 1",
            "PREPARE p AS SELECT 1",
            "COMMIT AND CHAIN",
            "begin isolation level x'",
            "",
        ] {
            assert!(parse(sql).is_none(), "{sql}");
        }
    }

    #[test]
    fn malformed_forms_are_syntax_errors() {
        for sql in [
            "SAVEPOINT",
            "PREPARE TRANSACTION foo",
            "COMMIT PREPARED",
            "COMMIT x",
        ] {
            match parse(sql) {
                Some(Err(e)) => assert_eq!(e.sqlstate, "42601", "{sql}"),
                other => panic!("{sql}: {other:?}"),
            }
        }
    }

    #[test]
    fn printed_back_as_postgres_does() {
        assert_eq!(
            TxnControl::PrepareTransaction("a'b".into()).sql(),
            "PREPARE TRANSACTION 'a''b'"
        );
        assert_eq!(TxnControl::RollbackTo("s".into()).tag(), "ROLLBACK");
    }
}
