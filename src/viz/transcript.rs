//! How the console shows a run: the input echoed after psql's prompts, and psql's output split
//! into plain text and server messages so errors and notices can be styled (as text, not HTML).

/// psql's prompts: `node=#` on the first line, `node-#` on continuation lines.
pub fn echo(node: &str, input: &str) -> String {
    let input = input.trim_end();
    let mut out = String::new();
    for (i, line) in input.lines().enumerate() {
        let sep = if i == 0 { '=' } else { '-' };
        out.push_str(&format!("{node}{sep}# {line}\n"));
    }
    if out.is_empty() {
        out.push_str(&format!("{node}=#\n"));
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain,
    /// ERROR and its DETAIL/HINT/CONTEXT lines.
    Error,
    /// NOTICE/WARNING/INFO and their DETAIL/HINT lines.
    Notice,
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
pub fn has_error(output: &str) -> bool {
    segments(output).iter().any(|(k, _)| *k == Kind::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_uses_continuation_prompts() {
        assert_eq!(
            echo("coordinator", "SELECT 1\nFROM t;\n"),
            "coordinator=# SELECT 1\ncoordinator-# FROM t;\n"
        );
        assert_eq!(echo("worker-1", ""), "worker-1=#\n");
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
