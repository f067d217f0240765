//! The error cursor psql prints under an error that carries a position: the statement line
//! holding it (`LINE n: ...`), cut to about 60 screen columns around the position, and a caret
//! under the character the server pointed at.

use super::width::char_width;

/// Screen columns psql allows the quoted line.
const DISPLAY_SIZE: usize = 60;
/// How far from the right end of a cut line psql tries to keep the caret.
const MIN_RIGHT_CUT: usize = 10;

/// Columns psql counts for one character: tabs are shown as one space, and characters of no
/// or unknown width still take one column.
fn columns(c: char) -> usize {
    match char_width(c) {
        Some(w) if w > 0 => w,
        _ => 1,
    }
}

/// The `LINE n: ...` and caret lines for the 1-based character `position` of `query`, or `None`
/// when the position lies outside it (psql then prints nothing).
pub fn error_cursor(query: &str, position: usize) -> Option<String> {
    let loc = position.checked_sub(1)?;
    let chars: Vec<char> = query.chars().collect();
    if loc > chars.len() {
        return None;
    }
    // The line holding `loc`: its number and its first and past-the-end character indexes.
    let mut line = 1;
    let mut begin = 0;
    let mut end = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        if c != '\r' && c != '\n' {
            continue;
        }
        if i >= loc {
            end = i;
            break;
        }
        // `\r\n` ends one line, not two
        if c == '\r' || i == 0 || chars[i - 1] != '\r' {
            line += 1;
        }
        begin = i + 1;
    }
    // Screen column where each character of the query starts, up to the line's end.
    let mut col = Vec::with_capacity(end + 1);
    let mut at = 0;
    for &c in &chars[..end] {
        col.push(at);
        at += columns(c);
    }
    col.push(at);

    let (mut cut_left, mut cut_right) = (false, false);
    if col[end] - col[begin] > DISPLAY_SIZE {
        if col[begin] + DISPLAY_SIZE >= col[loc] + MIN_RIGHT_CUT {
            // cutting the right end is enough
            while col[end] - col[begin] > DISPLAY_SIZE {
                end -= 1;
            }
            cut_right = true;
        } else {
            while col[loc] + MIN_RIGHT_CUT < col[end] {
                end -= 1;
                cut_right = true;
            }
            while col[end] - col[begin] > DISPLAY_SIZE {
                begin += 1;
                cut_left = true;
            }
        }
    }

    let mut prefix = format!("LINE {line}: ");
    if cut_left {
        prefix.push_str("...");
    }
    let indent = prefix.chars().map(columns).sum::<usize>() + col[loc].saturating_sub(col[begin]);
    let mut out = prefix;
    out.extend(
        chars[begin..end]
            .iter()
            .map(|&c| if c == '\t' { ' ' } else { c }),
    );
    if cut_right {
        out.push_str("...");
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
    out.push_str("^\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::error_cursor;

    fn cursor(query: &str, position: usize) -> String {
        error_cursor(query, position).unwrap_or_default()
    }

    #[test]
    fn caret_under_the_position() {
        assert_eq!(
            cursor("SELECT nam FROM users;", 8),
            "LINE 1: SELECT nam FROM users;\n               ^\n"
        );
        // one past the end: `syntax error at end of input`
        assert_eq!(
            cursor("SELECT * FROM", 14),
            "LINE 1: SELECT * FROM\n                     ^\n"
        );
    }

    #[test]
    fn outside_the_query_prints_nothing() {
        assert_eq!(error_cursor("SELECT 1", 0), None);
        assert_eq!(error_cursor("SELECT 1", 10), None);
    }

    #[test]
    fn the_line_holding_the_position() {
        let q = "SELECT name\n  FROM users\n WHERE cty = 'x';";
        assert_eq!(
            cursor(q, 33),
            "LINE 3:  WHERE cty = 'x';\n               ^\n"
        );
        // `\r\n` counts as one line break, a lone `\r` as one too
        assert_eq!(cursor("SELECT\r\n x", 10), "LINE 2:  x\n         ^\n");
        assert_eq!(cursor("SELECT\r\r x", 10), "LINE 3:  x\n         ^\n");
        // a position on the line break shows the line it ends
        assert_eq!(
            cursor("SELECT *\nFROM", 9),
            "LINE 1: SELECT *\n                ^\n"
        );
    }

    #[test]
    fn tabs_and_wide_characters() {
        assert_eq!(
            cursor("SELECT\tnam\tFROM users;", 8),
            "LINE 1: SELECT nam FROM users;\n               ^\n"
        );
        assert_eq!(
            cursor("SELECT 'é東京' AS x, nam FROM users;", 20),
            "LINE 1: SELECT 'é東京' AS x, nam FROM users;\n                             ^\n"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_position() {
        // as PostgreSQL 15's psql prints them
        let q = "SELECT user_id, name, city, user_id + 1 AS a, user_id + 2 AS b, user_id + 3 AS c, nope FROM users;";
        assert_eq!(
            cursor(q, 83),
            "LINE 1: ..._id + 1 AS a, user_id + 2 AS b, user_id + 3 AS c, nope FROM ...\n                                                             ^\n"
        );
        let q = "SELECT user_id FROM users u JOIN orders o ON o.user_id = u.user_id;";
        assert_eq!(
            cursor(q, 8),
            "LINE 1: SELECT user_id FROM users u JOIN orders o ON o.user_id = u.u...\n               ^\n"
        );
    }
}
