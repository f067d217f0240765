//! How the console shows a run: the input echoed after psql's prompts, and psql's output split
//! into plain text and server messages so errors and notices can be styled (as text, not HTML).

use crate::psql::format::Table;
use std::ops::Range;

/// A long echo is shown as its start (whole lines up to this many, at most
/// `ECHO_PREVIEW_CHARS` characters) with the rest a click away: a pasted 20 KB INSERT would
/// otherwise cost the page a long layout on every run.
const ECHO_PREVIEW_LINES: usize = 12;
const ECHO_PREVIEW_CHARS: usize = 1_500;

/// The start of an echo too long to show whole, and how many characters it leaves out; `None`
/// when the echo is short enough to show as it is.
pub fn echo_preview(echo: &str) -> Option<(&str, usize)> {
    let mut end = 0;
    for (i, line) in echo.split_inclusive('\n').enumerate() {
        if i == ECHO_PREVIEW_LINES || end + line.len() > ECHO_PREVIEW_CHARS {
            if end == 0 {
                // One long first line: cut it at a character boundary.
                end = (0..=ECHO_PREVIEW_CHARS)
                    .rev()
                    .find(|&b| echo.is_char_boundary(b))
                    .unwrap_or(0);
            }
            let rest = echo.get(end..)?;
            return Some((echo.get(..end)?, rest.chars().count()));
        }
        end += line.len();
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain,
    /// ERROR and its DETAIL/HINT/CONTEXT lines.
    Error,
    /// NOTICE/WARNING/INFO and their DETAIL/HINT lines.
    Notice,
}

/// Keeps the DOM small when a query returns many rows: the transcript keeps this many lines.
const MAX_OUTPUT_LINES: usize = 2000;

/// The first `MAX_OUTPUT_LINES` lines of `output`, saying how many more there were.
pub fn clip(output: &str) -> String {
    let lines = output.lines().count();
    if lines <= MAX_OUTPUT_LINES {
        return output.to_string();
    }
    let mut kept: String = output
        .lines()
        .take(MAX_OUTPUT_LINES)
        .flat_map(|l| [l, "\n"])
        .collect();
    kept.push_str(&format!(
        "… output clipped: {} more lines\n",
        lines - MAX_OUTPUT_LINES
    ));
    kept
}

/// At most this many rows of one result are drawn as a grid; the rest are counted.
pub const MAX_GRID_ROWS: usize = 500;

/// A result drawn as a table: the psql result's columns and (the first) rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub headers: Vec<String>,
    /// Per column: right-aligned (numbers), as psql aligns them.
    pub right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// Rows the result had in all (`rows` holds at most `MAX_GRID_ROWS`).
    pub total_rows: usize,
}

/// A run's output for the table view: psql's text between results, and each result as a grid.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(Vec<(Kind, String)>),
    Grid(Grid),
}

/// Splits `output` at the results the runner printed (`tables`: each result and the byte
/// range of its text), in order. Ranges that do not fit the output are ignored.
pub fn parts(output: &str, tables: Vec<(Range<usize>, Table)>) -> Vec<Part> {
    let mut out = Vec::new();
    let mut at = 0;
    let text = |from: usize, to: usize, out: &mut Vec<Part>| {
        if let Some(t) = output.get(from..to).filter(|t| !t.is_empty()) {
            out.push(Part::Text(segments(&clip(t))));
        }
    };
    for (range, table) in tables {
        if range.start < at || output.get(range.clone()).is_none() {
            continue;
        }
        text(at, range.start, &mut out);
        let total_rows = table.rows.len();
        let mut rows = table.rows;
        rows.truncate(MAX_GRID_ROWS);
        out.push(Part::Grid(Grid {
            headers: table.headers,
            right: table.right,
            rows,
            total_rows,
        }));
        at = range.end;
    }
    text(at, output.len(), &mut out);
    out
}

/// Splits output into runs of lines of the same kind. Message lines may carry psql's
/// `psql:FILE:LINE: ` locus before the severity.
pub fn segments(output: &str) -> Vec<(Kind, String)> {
    let mut out: Vec<(Kind, String)> = Vec::new();
    let mut current_message: Option<Kind> = None;
    for line in output.split_inclusive('\n') {
        let body = strip_locus(line);
        let kind = if body.starts_with("ERROR:") || body.starts_with("FATAL:") {
            current_message = Some(Kind::Error);
            Kind::Error
        } else if ["NOTICE:", "WARNING:", "INFO:"]
            .iter()
            .any(|p| body.starts_with(p))
        {
            current_message = Some(Kind::Notice);
            Kind::Notice
        } else if ["DETAIL:", "HINT:", "CONTEXT:", "LINE ", "QUERY:"]
            .iter()
            .any(|p| body.starts_with(p))
            || (current_message.is_some() && body.starts_with(' '))
        {
            current_message.unwrap_or(Kind::Plain)
        } else {
            current_message = None;
            Kind::Plain
        };
        match out.last_mut() {
            Some((k, text)) if *k == kind => text.push_str(line),
            _ => out.push((kind, line.to_string())),
        }
    }
    out
}

fn strip_locus(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("psql:") {
        // psql:FILE:LINE: ERROR:  ...
        let mut parts = rest.splitn(3, ':');
        if let (Some(_), Some(lineno), Some(tail)) = (parts.next(), parts.next(), parts.next()) {
            if lineno.chars().all(|c| c.is_ascii_digit()) {
                return tail.trim_start();
            }
        }
    }
    line
}

/// Whether a run's output reports an error.
/// A run's text on one line (whitespace collapsed), ending in `…` when longer than `max`
/// characters.
pub fn one_line_preview(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub fn has_error(output: &str) -> bool {
    segments(output).iter().any(|(k, _)| *k == Kind::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_fit_on_one_line_and_say_when_cut() {
        assert_eq!(
            one_line_preview("SELECT 1\n  FROM t;", 40),
            "SELECT 1 FROM t;"
        );
        assert_eq!(one_line_preview("SELECT ünïcode", 8), "SELECT …");
        assert_eq!(one_line_preview("abc", 3), "abc");
    }

    #[test]
    fn results_become_grids_between_the_runs_other_output() {
        let mut r = crate::psql::Runner::with_default_cluster();
        let out = r.run_interactive(
            "CREATE TABLE g (a int, b text); INSERT INTO g VALUES (1, 'x'), (22, NULL);\n\
             SELECT * FROM g ORDER BY a;\nSELECT 1 / 0;\n\\x\nSELECT a FROM g LIMIT 1;",
        );
        let parts = parts(&out, r.take_tables());
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert_eq!(
            parts[0],
            Part::Text(vec![(Kind::Plain, "CREATE TABLE\nINSERT 0 2\n".into())])
        );
        let Part::Grid(grid) = &parts[1] else {
            panic!("a grid: {parts:?}");
        };
        assert_eq!(grid.headers, vec!["a", "b"]);
        assert_eq!(grid.right, vec![true, false]);
        assert_eq!(grid.rows, vec![vec!["1", "x"], vec!["22", ""]]);
        assert_eq!(grid.total_rows, 2);
        // The error and the expanded (\x) result stay text.
        let Part::Text(rest) = &parts[2] else {
            panic!("text: {parts:?}");
        };
        assert!(rest
            .iter()
            .any(|(k, t)| *k == Kind::Error && t.contains("division by zero")));
        assert!(rest.iter().any(|(_, t)| t.contains("-[ RECORD 1 ]")));
    }

    /// Input as the console echoes it.
    fn typed(input: &str) -> String {
        input
            .lines()
            .map(|l| format!("coordinator=# {l}\n"))
            .collect()
    }

    #[test]
    fn long_echoes_are_previewed_and_count_what_they_leave_out() {
        let short = typed("SELECT 1;");
        assert_eq!(echo_preview(&short), None);
        // One long line: cut at a character boundary (é is two bytes).
        let long = format!("INSERT INTO t VALUES {};", "('é'), ".repeat(1000));
        let one = typed(&long);
        let (shown, hidden) = echo_preview(&one).expect("clipped");
        assert!(shown.len() <= ECHO_PREVIEW_CHARS && shown.len() > ECHO_PREVIEW_CHARS - 2);
        assert_eq!(shown.chars().count() + hidden, one.chars().count());
        assert!(one.starts_with(shown));
        // Many short lines: whole lines are kept.
        let many: String = (0..30).map(|i| format!("SELECT {i};\n")).collect();
        let lines = typed(&many);
        let (shown, hidden) = echo_preview(&lines).expect("clipped");
        assert_eq!(shown.lines().count(), ECHO_PREVIEW_LINES);
        assert!(shown.ends_with('\n'));
        assert_eq!(shown.len() + hidden, lines.len());
    }

    #[test]
    fn big_results_are_capped_and_counted() {
        let mut r = crate::psql::Runner::with_default_cluster();
        let out = r.run_interactive("SELECT i FROM generate_series(1, 1200) AS i;");
        let parts = parts(&out, r.take_tables());
        let [Part::Grid(grid)] = parts.as_slice() else {
            panic!("one grid: {parts:?}");
        };
        assert_eq!(grid.rows.len(), MAX_GRID_ROWS);
        assert_eq!(grid.total_rows, 1200);
    }

    #[test]
    fn echo_shows_the_prompt_each_line_was_read_at() {
        let mut r = crate::psql::Runner::with_default_cluster();
        let mut steps = r.begin_interactive(
            "SELECT 1\nFROM generate_series(1, 2);\n\\c worker-1\nSELECT 2;\nBEGIN;\nSELECT 3;\n\n",
        );
        while r.step(&mut steps) != crate::psql::runner::Step::Done {}
        assert_eq!(
            steps.echo(),
            "coordinator=# SELECT 1\ncoordinator-# FROM generate_series(1, 2);\n\
             coordinator=# \\c worker-1\nworker-1=# SELECT 2;\nworker-1=# BEGIN;\n\
             worker-1=*# SELECT 3;\n"
        );
        let mut empty = r.begin_interactive("");
        while r.step(&mut empty) != crate::psql::runner::Step::Done {}
        assert_eq!(empty.echo(), "worker-1=*#\n");
    }

    #[test]
    fn splits_messages_from_results() {
        let out = " ?column? \n----------\n        1\n(1 row)\n\nERROR:  boom\nDETAIL:  why\nHINT:  fix\nNOTICE:  hello\nINSERT 0 1\n";
        let segs = segments(out);
        assert_eq!(
            segs,
            vec![
                (
                    Kind::Plain,
                    " ?column? \n----------\n        1\n(1 row)\n\n".to_string()
                ),
                (
                    Kind::Error,
                    "ERROR:  boom\nDETAIL:  why\nHINT:  fix\n".to_string()
                ),
                (Kind::Notice, "NOTICE:  hello\n".to_string()),
                (Kind::Plain, "INSERT 0 1\n".to_string()),
            ]
        );
        assert!(has_error(out));
        assert!(has_error("psql:x.sql:3: ERROR:  boom\n"));
        assert!(!has_error("(0 rows)\n"));
    }
}
