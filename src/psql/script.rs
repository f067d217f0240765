//! psql's input splitter (a small `psqlscan.l`): fed one line at a time, it keeps quote,
//! comment and parenthesis state across lines and hands back the statements and
//! backslash meta-commands that complete on each line, with `:var` interpolation applied.

/// Something to run, completed on the line just fed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// SQL text of one statement (with its `;` when it had one). `expanded`: sent with `\gx`;
    /// `gset`: sent with `\gset PREFIX`, its one row stored in variables named with the prefix.
    Statement {
        sql: String,
        expanded: bool,
        gset: Option<String>,
    },
    /// A meta-command: its name without the backslash, and its parsed arguments.
    Meta { name: String, args: Vec<String> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Normal,
    /// Inside '...'; `true` when backslash escapes apply (E'...').
    Single(bool),
    Double,
    /// Inside /* */ with its nesting depth.
    Block(usize),
}

/// Incremental splitter state; one per input stream.
#[derive(Clone, Debug)]
pub struct Scanner {
    buf: String,
    state: State,
    /// Open dollar quote tag (`$$` or `$tag$`).
    dollar: Option<String>,
    parens: usize,
    /// The last statement sent, for `\g` with an empty buffer.
    last: String,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            buf: String::new(),
            state: State::Normal,
            dollar: None,
            parens: 0,
            last: String::new(),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || (c as u32) >= 0x80
}

fn is_ident_char(c: char) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == '$'
}

fn is_var_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (c as u32) >= 0x80
}

/// psql's `:'var'`: a quoted literal; values with backslashes use the E'' form.
pub fn quote_literal(v: &str) -> String {
    let body = v.replace('\'', "''");
    if v.contains('\\') {
        format!(" E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

/// psql's `:"var"`: a quoted identifier.
pub fn quote_ident(v: &str) -> String {
    format!("\"{}\"", v.replace('"', "\"\""))
}

/// Tries `:name`, `:'name'` or `:"name"` at `chars[i]` (a colon). Returns the replacement and
/// how many chars it consumed; `None` leaves the text as it is (unknown variable, `::`).
fn interpolate(
    chars: &[char],
    i: usize,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, usize)> {
    let next = *chars.get(i + 1)?;
    if next == '\'' || next == '"' {
        let mut j = i + 2;
        let mut name = String::new();
        while let Some(&c) = chars.get(j) {
            if c == next {
                break;
            }
            if !is_var_char(c) {
                return None;
            }
            name.push(c);
            j += 1;
        }
        if chars.get(j) != Some(&next) || name.is_empty() {
            return None;
        }
        let v = vars(&name)?;
        let text = if next == '\'' {
            quote_literal(&v)
        } else {
            quote_ident(&v)
        };
        return Some((text, j + 1 - i));
    }
    let mut j = i + 1;
    let mut name = String::new();
    while let Some(&c) = chars.get(j) {
        if !is_var_char(c) {
            break;
        }
        name.push(c);
        j += 1;
    }
    if name.is_empty() {
        return None;
    }
    vars(&name).map(|v| (v, j - i))
}

impl Scanner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a statement is under way (text collected but not yet ended by `;`).
    pub fn in_statement(&self) -> bool {
        !self.buf.trim().is_empty()
    }

    /// Feeds one input line (without its newline). `vars` looks up psql variables.
    pub fn feed_line(&mut self, line: &str, vars: &dyn Fn(&str) -> Option<String>) -> Vec<Piece> {
        let chars: Vec<char> = line.chars().collect();
        let mut pieces = Vec::new();
        let mut added_newline = None;
        if !self.buf.is_empty() {
            self.buf.push('\n');
            added_newline = Some(self.buf.len());
        }
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match self.state {
                State::Single(esc) => {
                    self.buf.push(c);
                    if esc && c == '\\' {
                        if let Some(n) = next {
                            self.buf.push(n);
                            i += 1;
                        }
                    } else if c == '\'' {
                        if next == Some('\'') {
                            self.buf.push('\'');
                            i += 1;
                        } else {
                            self.state = State::Normal;
                        }
                    }
                }
                State::Double => {
                    self.buf.push(c);
                    if c == '"' {
                        if next == Some('"') {
                            self.buf.push('"');
                            i += 1;
                        } else {
                            self.state = State::Normal;
                        }
                    }
                }
                State::Block(depth) => {
                    self.buf.push(c);
                    if c == '*' && next == Some('/') {
                        self.buf.push('/');
                        i += 1;
                        self.state = if depth <= 1 {
                            State::Normal
                        } else {
                            State::Block(depth - 1)
                        };
                    } else if c == '/' && next == Some('*') {
                        self.buf.push('*');
                        i += 1;
                        self.state = State::Block(depth + 1);
                    }
                }
                State::Normal if self.dollar.is_some() => {
                    let tag = self.dollar.clone().unwrap_or_default();
                    let tag_chars: Vec<char> = tag.chars().collect();
                    if chars.get(i..i + tag_chars.len()) == Some(tag_chars.as_slice()) {
                        self.buf.push_str(&tag);
                        i += tag_chars.len();
                        self.dollar = None;
                        continue;
                    }
                    self.buf.push(c);
                }
                State::Normal => {
                    if c.is_whitespace() && self.buf.trim().is_empty() {
                        // psql drops whitespace and comments before a statement starts
                    } else if c == '-' && next == Some('-') {
                        if !self.buf.trim().is_empty() {
                            self.buf.extend(&chars[i..]);
                        }
                        break;
                    } else if c == '\\' {
                        // a line break followed by nothing but the meta-command is taken back
                        if added_newline == Some(self.buf.len()) {
                            self.buf.pop();
                        }
                        let rest: String = chars[i + 1..].iter().collect();
                        pieces.push(self.meta(&rest, vars));
                        break;
                    } else if c == ';' && self.parens == 0 {
                        self.buf.push(';');
                        let sql = std::mem::take(&mut self.buf);
                        self.last = sql.clone();
                        pieces.push(Piece::Statement {
                            sql,
                            expanded: false,
                            gset: None,
                        });
                    } else if c == ':' && next == Some(':') {
                        self.buf.push_str("::");
                        i += 1;
                    } else if c == ':' {
                        match interpolate(&chars, i, vars) {
                            Some((text, used)) => {
                                self.buf.push_str(&text);
                                i += used;
                                continue;
                            }
                            None => self.buf.push(':'),
                        }
                    } else {
                        i += self.normal_char(&chars, i);
                        continue;
                    }
                }
            }
            i += 1;
        }
        if self.buf.trim().is_empty() && self.state == State::Normal && self.dollar.is_none() {
            self.buf.clear();
        }
        pieces
    }

    /// A character in plain SQL text: opens quotes, comments and dollar quotes. Returns how
    /// many chars it consumed.
    fn normal_char(&mut self, chars: &[char], i: usize) -> usize {
        let c = chars[i];
        let prev = if i > 0 {
            chars.get(i - 1).copied()
        } else {
            None
        };
        let next = chars.get(i + 1).copied();
        match c {
            '\'' => {
                let esc = matches!(prev, Some('e' | 'E'))
                    && !(i >= 2 && chars.get(i - 2).is_some_and(|&p| is_ident_char(p)));
                self.state = State::Single(esc);
                self.buf.push(c);
                1
            }
            '"' => {
                self.state = State::Double;
                self.buf.push(c);
                1
            }
            '/' if next == Some('*') => {
                self.state = State::Block(1);
                self.buf.push_str("/*");
                2
            }
            '(' => {
                self.parens += 1;
                self.buf.push(c);
                1
            }
            ')' => {
                self.parens = self.parens.saturating_sub(1);
                self.buf.push(c);
                1
            }
            '$' if !prev.is_some_and(is_ident_char) => {
                let mut j = i + 1;
                let mut tag = String::from("$");
                while let Some(&t) = chars.get(j) {
                    if t == '$' {
                        tag.push('$');
                        self.buf.push_str(&tag);
                        let used = tag.chars().count();
                        self.dollar = Some(tag);
                        return used;
                    }
                    let ok = if j == i + 1 {
                        is_ident_start(t)
                    } else {
                        is_ident_char(t) && t != '$'
                    };
                    if !ok {
                        break;
                    }
                    tag.push(t);
                    j += 1;
                }
                self.buf.push(c);
                1
            }
            _ => {
                self.buf.push(c);
                1
            }
        }
    }
}

impl Scanner {
    /// A meta-command: `rest` is the text after the backslash up to the end of the line.
    fn meta(&mut self, rest: &str, vars: &dyn Fn(&str) -> Option<String>) -> Piece {
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '\\')
            .collect();
        let args = parse_args(&rest[name.len()..], vars);
        if name == "g" || name == "gx" || name == "gset" {
            let sql = if self.buf.trim().is_empty() {
                self.last.clone()
            } else {
                std::mem::take(&mut self.buf)
            };
            self.buf.clear();
            self.parens = 0;
            self.last = sql.clone();
            return Piece::Statement {
                sql,
                expanded: name == "gx",
                // psql's `\gset` without a prefix names the variables after the columns alone.
                gset: (name == "gset").then(|| args.into_iter().next().unwrap_or_default()),
            };
        }
        Piece::Meta { name, args }
    }

    /// Whatever is left at the end of input: psql sends an unterminated statement as it is.
    pub fn finish(&mut self) -> Option<Piece> {
        let sql = std::mem::take(&mut self.buf);
        self.state = State::Normal;
        self.dollar = None;
        self.parens = 0;
        if sql.trim().is_empty() {
            return None;
        }
        Some(Piece::Statement {
            sql,
            expanded: false,
            gset: None,
        })
    }
}

/// Splits meta-command arguments as psql does: whitespace separates them, '...' quotes (with
/// '' and backslash escapes), "..." keeps its quotes, and `:var` forms are interpolated.
pub fn parse_args(text: &str, vars: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if i >= chars.len() || (chars[i] == '\\' && chars.get(i + 1) == Some(&'\\')) {
            break;
        }
        let mut arg = String::new();
        while let Some(&c) = chars.get(i) {
            if c.is_whitespace() {
                break;
            }
            match c {
                '\'' => {
                    i += 1;
                    while let Some(&q) = chars.get(i) {
                        i += 1;
                        match q {
                            '\'' if chars.get(i) == Some(&'\'') => {
                                arg.push('\'');
                                i += 1;
                            }
                            '\'' => break,
                            '\\' => {
                                let e = chars.get(i).copied().unwrap_or('\\');
                                i += 1;
                                arg.push(match e {
                                    'n' => '\n',
                                    't' => '\t',
                                    'r' => '\r',
                                    'b' => '\u{8}',
                                    'f' => '\u{c}',
                                    other => other,
                                });
                            }
                            other => arg.push(other),
                        }
                    }
                    continue;
                }
                '"' => {
                    arg.push('"');
                    i += 1;
                    while let Some(&q) = chars.get(i) {
                        arg.push(q);
                        i += 1;
                        if q == '"' {
                            break;
                        }
                    }
                    continue;
                }
                ':' => {
                    if let Some((text, used)) = interpolate(&chars, i, vars) {
                        arg.push_str(&text);
                        i += used;
                        continue;
                    }
                    arg.push(':');
                }
                other => arg.push(other),
            }
            i += 1;
        }
        args.push(arg);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    fn stmts(text: &str) -> Vec<Piece> {
        let mut s = Scanner::new();
        let mut out = Vec::new();
        for line in text.lines() {
            out.extend(s.feed_line(line, &none));
        }
        out.extend(s.finish());
        out
    }

    fn sql(p: &Piece) -> &str {
        match p {
            Piece::Statement { sql, .. } => sql,
            Piece::Meta { name, .. } => name,
        }
    }

    #[test]
    fn splits_on_semicolons_outside_quotes() {
        let p = stmts("SELECT 'a;b', \"x;\" FROM t; SELECT $$;$$;\nSELECT $f$ ; $x$ $f$;");
        assert_eq!(p.len(), 3);
        assert_eq!(sql(&p[0]), "SELECT 'a;b', \"x;\" FROM t;");
        assert_eq!(sql(&p[1]), "SELECT $$;$$;");
        assert_eq!(sql(&p[2]), "SELECT $f$ ; $x$ $f$;");
    }

    #[test]
    fn comments_and_multiline() {
        let p = stmts("-- hello;\nINSERT INTO t VALUES\n  (1), -- one;\n  (2) /* ; */;  -- tail\n");
        assert_eq!(p.len(), 1);
        assert_eq!(
            sql(&p[0]),
            "INSERT INTO t VALUES\n  (1), -- one;\n  (2) /* ; */;"
        );
    }

    #[test]
    fn dollar_body_over_lines() {
        let p = stmts("DO $$\nBEGIN\n  PERFORM 1;\nEND $$;\nSELECT 1");
        assert_eq!(p.len(), 2);
        assert_eq!(sql(&p[0]), "DO $$\nBEGIN\n  PERFORM 1;\nEND $$;");
        assert_eq!(sql(&p[1]), "SELECT 1");
    }

    #[test]
    fn meta_commands() {
        let p = stmts("\\set x 'a b' c\n  \\echo hi   there\nSELECT 1 \\gx\n");
        assert_eq!(
            p[0],
            Piece::Meta {
                name: "set".into(),
                args: vec!["x".into(), "a b".into(), "c".into()]
            }
        );
        assert_eq!(
            p[1],
            Piece::Meta {
                name: "echo".into(),
                args: vec!["hi".into(), "there".into()]
            }
        );
        assert_eq!(
            p[2],
            Piece::Statement {
                sql: "SELECT 1 ".into(),
                expanded: true,
                gset: None
            }
        );
        // `\g` alone on a line sends the statement without the line break before it
        let p = stmts("SELECT 2\n\\g\n");
        assert_eq!(
            p[0],
            Piece::Statement {
                sql: "SELECT 2".into(),
                expanded: false,
                gset: None
            }
        );
    }

    #[test]
    fn variables() {
        let vars = |n: &str| (n == "v").then(|| "it's".to_string());
        let mut s = Scanner::new();
        let p = s.feed_line("SELECT :v, :'v', :\"v\", ':v', x::int, :w;", &vars);
        assert_eq!(
            sql(&p[0]),
            "SELECT it's, 'it''s', \"it's\", ':v', x::int, :w;"
        );
    }

    #[test]
    fn escape_strings_and_parens() {
        let p = stmts("SELECT E'\\';' ; SELECT (1;\n2);");
        assert_eq!(sql(&p[0]), "SELECT E'\\';' ;");
        assert_eq!(sql(&p[1]), "SELECT (1;\n2);");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "'", "$", "$a", "/*", "\\", ":", ":'", "E'\\", "$1$", "é$é$;",
        ] {
            let _ = stmts(text);
        }
    }
}
