//! A stopgap for the console until the psql `Runner` lands: statement splitting, `\c`, and
//! psql's aligned table format. Deliberately small; the psql module is the reference.

use crate::cluster::{Cluster, Session};
use crate::error::{Notice, PgError};
use crate::sql::{ExecOutput, Outcome, ResultSet};

/// One piece of console input: SQL to send, or a backslash meta-command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Sql(String),
    Meta(String),
}

/// Splits input at `;` outside quotes and comments; a line starting with `\` between
/// statements is a meta-command. A trailing statement without `;` is still run.
pub fn split(input: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = input.chars().peekable();
    let mut at_line_start = true;
    while let Some(c) = chars.next() {
        if c == '\\' && at_line_start && current.trim().is_empty() {
            let mut line = String::from('\\');
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
                line.push(c);
            }
            out.push(Piece::Meta(line.trim().to_string()));
            current.clear();
            at_line_start = true;
            continue;
        }
        at_line_start = c == '\n' || (at_line_start && c.is_whitespace());
        match c {
            '\'' | '"' => {
                current.push(c);
                for q in chars.by_ref() {
                    current.push(q);
                    if q == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for q in chars.by_ref() {
                    if q == '\n' {
                        current.push('\n');
                        at_line_start = true;
                        break;
                    }
                }
            }
            ';' => {
                if !current.trim().is_empty() {
                    out.push(Piece::Sql(current.trim().to_string()));
                }
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        out.push(Piece::Sql(current.trim().to_string()));
    }
    out
}

/// psql's default aligned format with the `(N rows)` footer.
pub fn format_rows(rs: &ResultSet) -> String {
    let cells: Vec<Vec<String>> = rs
        .rows
        .iter()
        .map(|row| {
            (0..rs.columns.len())
                .map(|i| row.get(i).and_then(|v| v.to_pg_text()).unwrap_or_default())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = rs
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| width(&r[i]))
                .chain([width(&c.name)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let last = rs.columns.len().saturating_sub(1);
    let mut out = String::new();
    let header: Vec<String> = rs
        .columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| {
            let space = w - width(&c.name);
            let left = space / 2;
            format!("{}{}{}", " ".repeat(left), c.name, " ".repeat(space - left))
        })
        .collect();
    out.push_str(&format!(" {} \n", header.join(" | ")));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    out.push_str(&rule.join("+"));
    out.push('\n');
    for row in &cells {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w - width(cell));
            line.push_str(if i == 0 { " " } else { " | " });
            if rs.columns[i].ty.right_aligned() {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if i != last {
                    line.push_str(&pad);
                }
            }
        }
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    let n = rs.rows.len();
    out.push_str(&format!("({n} {})\n", if n == 1 { "row" } else { "rows" }));
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

pub fn format_notice(n: &Notice) -> String {
    let mut s = format!("NOTICE:  {}\n", n.message);
    if let Some(d) = &n.detail {
        s.push_str(&format!("DETAIL:  {d}\n"));
    }
    if let Some(h) = &n.hint {
        s.push_str(&format!("HINT:  {h}\n"));
    }
    s
}

pub fn format_output(out: &ExecOutput) -> String {
    let mut s: String = out.notices.iter().map(format_notice).collect();
    match &out.outcome {
        Outcome::Rows(rs) => s.push_str(&format_rows(rs)),
        Outcome::Command(tag) => {
            s.push_str(tag);
            s.push('\n');
        }
    }
    s
}

pub fn format_error(e: &PgError) -> String {
    format!("{e}\n")
}

/// One echoed input with what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    pub prompt: String,
    pub input: String,
    pub output: String,
    pub is_error: bool,
}

/// Runs console input against the cluster, statement by statement, as psql would.
pub fn run(cluster: &mut Cluster, session: &mut Session, input: &str) -> Vec<Transcript> {
    let mut out = Vec::new();
    for piece in split(input) {
        let prompt = format!("{}=#", session.node);
        let (input, output, is_error) = match piece {
            Piece::Meta(line) => {
                let (text, err) = meta(cluster, session, &line);
                (line, text, err)
            }
            Piece::Sql(sql) => match cluster.execute(session, &sql) {
                Ok(o) => (format!("{sql};"), format_output(&o), false),
                Err(e) => (format!("{sql};"), format_error(&e), true),
            },
        };
        out.push(Transcript {
            prompt,
            input,
            output,
            is_error,
        });
    }
    out
}

fn meta(cluster: &Cluster, session: &mut Session, line: &str) -> (String, bool) {
    let mut words = line.split_whitespace();
    let cmd = words.next().unwrap_or("");
    match cmd {
        "\\c" | "\\connect" => {
            // `\c [dbname] node` — the node is the last word; a lone word is the node.
            let args: Vec<&str> = words.collect();
            let Some(target) = args.last() else {
                return (
                    format!("You are connected to node \"{}\".\n", session.node),
                    false,
                );
            };
            match cluster.connect(target) {
                Ok(s) => {
                    *session = s;
                    (
                        format!("You are now connected to node \"{}\".\n", session.node),
                        false,
                    )
                }
                Err(e) => (format_error(&e), true),
            }
        }
        _ => (format!("invalid command {cmd}\n"), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::Column;
    use crate::types::{SqlType, Value};

    #[test]
    fn splits_statements_and_meta_commands() {
        let pieces = split("SELECT ';' AS x; -- a; comment\n\\c worker-1\nSELECT 2");
        assert_eq!(
            pieces,
            vec![
                Piece::Sql("SELECT ';' AS x".into()),
                Piece::Meta("\\c worker-1".into()),
                Piece::Sql("SELECT 2".into()),
            ]
        );
        assert!(split(" ;; ").is_empty());
    }

    #[test]
    fn aligned_format() {
        let rs = ResultSet {
            columns: vec![
                Column::new("id", SqlType::Int4),
                Column::new("name", SqlType::Text),
            ],
            rows: vec![
                vec![Value::Int4(1), Value::Text("alice".into())],
                vec![Value::Int4(22), Value::Null],
            ],
        };
        assert_eq!(
            format_rows(&rs),
            " id | name  \n----+-------\n  1 | alice\n 22 |\n(2 rows)\n"
        );
    }

    #[test]
    fn errors_carry_detail_and_hint() {
        let e = PgError::new("0A000", "cannot do that")
            .with_detail("because")
            .with_hint("try this");
        assert_eq!(
            format_error(&e),
            "ERROR:  cannot do that\nDETAIL:  because\nHINT:  try this\n"
        );
    }
}
