//! psql's output formats, byte for byte: the aligned table (`print_aligned_text`), the expanded
//! `\x` form (`print_aligned_vertical`), command tags, errors and notices.

use super::width::{format_lines, Line};
use crate::error::{Notice, PgError};
use crate::sql::ResultSet;
use crate::types::{SqlType, Value};

/// A table as psql's printer sees it: text cells (NULL already turned into the null display).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub title: Option<String>,
    pub headers: Vec<String>,
    /// Per column: right-aligned (numbers) or left-aligned.
    pub right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// Lines printed under the table; `None` means psql's default `(N rows)`.
    pub footers: Option<Vec<String>>,
}

/// A value as the server sends it in text form (`None` for NULL).
pub fn cell_text(v: &Value, ty: &SqlType) -> Option<String> {
    let text = v.to_pg_text()?;
    Some(match (ty, v) {
        // The cluster's time zone is UTC: timestamptz prints `+00`.
        (SqlType::TimestampTz, Value::Timestamp(_)) => format!("{text}+00"),
        _ => text,
    })
}

impl Table {
    /// A query result, with NULL shown as `null_display` (psql's `\pset null`, empty by default).
    pub fn from_result(rs: &ResultSet, null_display: &str) -> Self {
        Table {
            title: None,
            headers: rs.columns.iter().map(|c| c.name.clone()).collect(),
            right: rs.columns.iter().map(|c| c.ty.right_aligned()).collect(),
            rows: rs
                .rows
                .iter()
                .map(|row| {
                    rs.columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            row.get(i)
                                .and_then(|v| cell_text(v, &c.ty))
                                .unwrap_or_else(|| null_display.to_string())
                        })
                        .collect()
                })
                .collect(),
            footers: None,
        }
    }

    fn default_footer(&self) -> String {
        let n = self.rows.len();
        if n == 1 {
            "(1 row)".to_string()
        } else {
            format!("({n} rows)")
        }
    }

    fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map(String::as_str)
            .unwrap_or("")
    }

    fn is_right(&self, col: usize) -> bool {
        self.right.get(col).copied().unwrap_or(false)
    }
}

fn spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn dashes(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n('-', n));
}

/// The default aligned format with border 1.
pub fn aligned(t: &Table) -> String {
    let ncols = t.headers.len();
    let headers: Vec<Vec<Line>> = t.headers.iter().map(|h| format_lines(h)).collect();
    let cells: Vec<Vec<Vec<Line>>> = (0..t.rows.len())
        .map(|r| (0..ncols).map(|c| format_lines(t.cell(r, c))).collect())
        .collect();
    let max_w = |lines: &[Line]| lines.iter().map(|l| l.width).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncols)
        .map(|c| {
            let h = headers.get(c).map(|l| max_w(l)).unwrap_or(0);
            cells
                .iter()
                .filter_map(|row| row.get(c))
                .map(|l| max_w(l))
                .fold(h, usize::max)
        })
        .collect();

    let mut out = String::new();
    if let Some(title) = &t.title {
        let total = ncols * 3 - usize::from(ncols > 0) + widths.iter().sum::<usize>();
        let tw = super::width::display_width(title);
        if tw < total {
            spaces(&mut out, (total - tw) / 2);
        }
        out.push_str(title);
        out.push('\n');
    }
    header_lines(&mut out, &headers, &widths);
    out.push('-');
    for (i, w) in widths.iter().enumerate() {
        dashes(&mut out, *w);
        if i + 1 < ncols {
            out.push_str("-+-");
        }
    }
    out.push_str("-\n");
    if ncols > 0 {
        for row in &cells {
            data_lines(&mut out, row, &widths, t);
        }
    }
    let footers = t
        .footers
        .clone()
        .unwrap_or_else(|| vec![t.default_footer()]);
    for f in footers {
        out.push_str(&f);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Header cells centred (the odd space goes right), `+` marking a header that continues.
fn header_lines(out: &mut String, headers: &[Vec<Line>], widths: &[usize]) {
    let ncols = headers.len();
    let height = headers.iter().map(Vec::len).max().unwrap_or(0);
    for line in 0..height {
        for (i, h) in headers.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            out.push(' ');
            let more = match h.get(line) {
                Some(l) => {
                    let nb = w.saturating_sub(l.width);
                    spaces(out, nb / 2);
                    out.push_str(&l.text);
                    spaces(out, nb.div_ceil(2));
                    line + 1 < h.len()
                }
                None => {
                    spaces(out, w);
                    false
                }
            };
            out.push(if more { '+' } else { ' ' });
            if i + 1 < ncols {
                out.push('|');
            }
        }
        out.push('\n');
    }
}

/// One row, possibly several lines high when a value contains newlines: continued cells end
/// with `+`; the last column is not padded unless it continues.
fn data_lines(out: &mut String, row: &[Vec<Line>], widths: &[usize], t: &Table) {
    let ncols = row.len();
    let height = row.iter().map(Vec::len).max().unwrap_or(1);
    for line in 0..height {
        for (j, cell) in row.iter().enumerate() {
            let w = widths.get(j).copied().unwrap_or(0);
            let last = j + 1 == ncols;
            let continues = line + 1 < cell.len();
            out.push(' ');
            match cell.get(line) {
                None => {
                    if !last {
                        spaces(out, w);
                    }
                }
                Some(l) => {
                    let pad = w.saturating_sub(l.width);
                    if t.is_right(j) {
                        spaces(out, pad);
                        out.push_str(&l.text);
                    } else {
                        out.push_str(&l.text);
                        if !last || continues {
                            spaces(out, pad);
                        }
                    }
                }
            }
            if continues {
                out.push('+');
            } else if !last {
                out.push(' ');
            }
            if !last {
                out.push('|');
            }
        }
        out.push('\n');
    }
}

/// `\x` expanded display: one `-[ RECORD n ]-` block per row; no `(N rows)` footer.
pub fn expanded(t: &Table) -> String {
    let mut out = String::new();
    let ncols = t.headers.len();
    if t.rows.is_empty() || ncols == 0 {
        let footers = t
            .footers
            .clone()
            .unwrap_or_else(|| vec![t.default_footer()]);
        for f in footers {
            out.push_str(&f);
            out.push('\n');
        }
        out.push('\n');
        return out;
    }
    if let Some(title) = &t.title {
        out.push_str(title);
        out.push('\n');
    }
    let headers: Vec<Vec<Line>> = t.headers.iter().map(|h| format_lines(h)).collect();
    let hwidth = headers.iter().flatten().map(|l| l.width).max().unwrap_or(0);
    let dcells: Vec<Vec<Vec<Line>>> = (0..t.rows.len())
        .map(|r| (0..ncols).map(|c| format_lines(t.cell(r, c))).collect())
        .collect();
    let dwidth = dcells
        .iter()
        .flatten()
        .flatten()
        .map(|l| l.width)
        .max()
        .unwrap_or(0);
    let dmultiline = dcells.iter().flatten().any(|c| c.len() > 1);
    for (r, row) in dcells.iter().enumerate() {
        record_line(&mut out, r + 1, hwidth, dwidth);
        for (c, data) in row.iter().enumerate() {
            let head = headers.get(c).map(Vec::as_slice).unwrap_or(&[]);
            let height = head.len().max(data.len());
            for i in 0..height {
                match head.get(i) {
                    Some(h) => {
                        out.push_str(&h.text);
                        spaces(&mut out, hwidth.saturating_sub(h.width));
                        out.push(if i + 1 < head.len() { '+' } else { ' ' });
                    }
                    None => spaces(&mut out, hwidth + 1),
                }
                out.push('|');
                if let Some(d) = data.get(i) {
                    out.push(' ');
                    out.push_str(&d.text);
                    if i + 1 < data.len() && dmultiline {
                        spaces(&mut out, dwidth.saturating_sub(d.width));
                        out.push('+');
                    }
                }
                out.push('\n');
            }
        }
    }
    out.push('\n');
    out
}

/// `-[ RECORD 1 ]-+------`: the record label, then dashes to the header and data widths.
fn record_line(out: &mut String, record: usize, hwidth: usize, dwidth: usize) {
    out.push('-');
    let label = format!("[ RECORD {record} ]");
    out.push_str(&label);
    let mut reclen = label.len() as i64 + 1;
    let h = hwidth as i64;
    if reclen < h {
        dashes(out, (h - reclen) as usize);
    }
    reclen -= h;
    for ch in ['-', '+', '-'] {
        if reclen <= 0 {
            out.push(ch);
        }
        reclen -= 1;
    }
    let start = reclen.max(0);
    let d = dwidth as i64;
    if start < d {
        dashes(out, (d - start) as usize);
    }
    out.push('\n');
}

/// How much of an error psql shows (`\set VERBOSITY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Verbosity {
    #[default]
    Default,
    Verbose,
    Terse,
    Sqlstate,
}

/// An error as psql prints it; `prefix` is the `psql:FILE:LINE: ` locus (empty interactively).
/// Without the statement's text a position can only be named (`at character 8`).
pub fn error(e: &PgError, verbosity: Verbosity, prefix: &str) -> String {
    error_on(e, None, verbosity, prefix)
}

/// An error raised by the statement `query`: a position in it is shown as psql's `LINE n:`
/// with a caret under it.
pub fn query_error(e: &PgError, query: &str, verbosity: Verbosity, prefix: &str) -> String {
    error_on(e, Some(query), verbosity, prefix)
}

fn error_on(e: &PgError, query: Option<&str>, verbosity: Verbosity, prefix: &str) -> String {
    let position = e.position.map(|pos| match query {
        Some(q) if verbosity != Verbosity::Terse => {
            Position::Cursor(super::cursor::error_cursor(q, pos as usize).unwrap_or_default())
        }
        _ => Position::Named(pos),
    });
    message(
        prefix,
        "ERROR",
        e.sqlstate,
        &e.message,
        position,
        &[
            ("DETAIL", e.detail.as_deref()),
            ("HINT", e.hint.as_deref()),
            ("CONTEXT", e.context.as_deref()),
        ],
        verbosity,
    )
}

/// A notice; psql does not show CONTEXT for notices by default.
pub fn notice(n: &Notice, verbosity: Verbosity, prefix: &str) -> String {
    message(
        prefix,
        n.severity.label(),
        match n.severity {
            crate::error::Severity::Warning => "01000",
            _ => "00000",
        },
        &n.message,
        None,
        // psql's default SHOW_CONTEXT (errors) leaves a notice's context out.
        &[("DETAIL", n.detail.as_deref()), ("HINT", n.hint.as_deref())],
        verbosity,
    )
}

/// How psql shows an error position: as the cursor lines under the message, or appended to it
/// as ` at character N` (terse verbosity, or no statement text to quote).
enum Position {
    Cursor(String),
    Named(u32),
}

fn message(
    prefix: &str,
    severity: &str,
    sqlstate: &str,
    msg: &str,
    position: Option<Position>,
    extra: &[(&str, Option<&str>)],
    verbosity: Verbosity,
) -> String {
    let mut out = format!("{prefix}{severity}:  ");
    match verbosity {
        Verbosity::Sqlstate => {
            out.push_str(sqlstate);
            out.push('\n');
            return out;
        }
        Verbosity::Verbose => {
            out.push_str(sqlstate);
            out.push_str(": ");
        }
        _ => {}
    }
    out.push_str(msg);
    if let Some(Position::Named(pos)) = position {
        out.push_str(&format!(" at character {pos}"));
    }
    out.push('\n');
    if verbosity != Verbosity::Terse {
        if let Some(Position::Cursor(lines)) = position {
            out.push_str(&lines);
        }
        for (label, text) in extra {
            if let Some(text) = text {
                out.push_str(&format!("{label}:  {text}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
