//! `\d`, `\dt`, `\ds` and `\d TABLE` in psql's layouts. psql builds these from catalog queries;
//! here the executor hands over relation lists and table definitions directly.

use super::format::{self, Table};
use super::runner::Executor;
use crate::cluster::Session;
use crate::sql::schema::ReferentialAction;
use crate::sql::{ConstraintKind, TableDef};

/// Runs a describe command; `Err` carries psql's error message (`Did not find any ...`).
pub fn run<E: Executor>(
    exec: &E,
    session: &Session,
    cmd: &str,
    args: &[String],
) -> Result<String, String> {
    let base = cmd.trim_end_matches('+');
    let pattern = args.first().map(String::as_str);
    match (base, pattern) {
        ("d", Some(name)) => describe(exec, session, name),
        _ => {
            let kinds: &[&str] = match base {
                "dt" => &["table"],
                "ds" => &["sequence"],
                _ => &["table", "view", "sequence"],
            };
            list(exec, session, kinds, pattern)
        }
    }
}

/// psql patterns: `*` and `?` wildcards, otherwise an exact (lower-cased unless quoted) name.
fn matches(pattern: &str, name: &str) -> bool {
    let pat: Vec<char> = if pattern.starts_with('"') {
        pattern.trim_matches('"').chars().collect()
    } else {
        pattern.to_lowercase().chars().collect()
    };
    let name: Vec<char> = name.chars().collect();
    glob(&pat, &name)
}

/// Wildcard match by dynamic programming (no backtracking blow-up on many `*`).
fn glob(p: &[char], s: &[char]) -> bool {
    // ok[j]: the pattern so far matches s[..j]
    let mut ok = vec![false; s.len() + 1];
    ok[0] = true;
    for &c in p {
        let mut next = vec![false; s.len() + 1];
        if c == '*' {
            let mut any = false;
            for j in 0..=s.len() {
                any = any || ok[j];
                next[j] = any;
            }
        } else {
            for j in 1..=s.len() {
                next[j] = ok[j - 1] && (c == '?' || s[j - 1] == c);
            }
        }
        ok = next;
    }
    ok[s.len()]
}

fn strip_schema(pattern: &str) -> &str {
    pattern.strip_prefix("public.").unwrap_or(pattern)
}

fn list<E: Executor>(
    exec: &E,
    session: &Session,
    kinds: &[&str],
    pattern: Option<&str>,
) -> Result<String, String> {
    let mut rels: Vec<_> = exec
        .list_relations(session)
        .into_iter()
        .filter(|r| kinds.contains(&r.kind.as_str()))
        .filter(|r| pattern.is_none_or(|p| matches(strip_schema(p), &r.name)))
        .collect();
    rels.sort_by(|a, b| a.name.cmp(&b.name));
    if rels.is_empty() {
        return Err(match pattern {
            Some(p) => format!("Did not find any relation named \"{p}\"."),
            None => "Did not find any relations.".to_string(),
        });
    }
    let table = Table {
        title: Some("List of relations".into()),
        headers: ["Schema", "Name", "Type", "Owner"]
            .map(String::from)
            .to_vec(),
        right: vec![false; 4],
        rows: rels
            .into_iter()
            .map(|r| vec!["public".into(), r.name, r.kind, "postgres".into()])
            .collect(),
        footers: None,
    };
    Ok(format::aligned(&table))
}

fn describe<E: Executor>(exec: &E, session: &Session, pattern: &str) -> Result<String, String> {
    let mut names: Vec<String> = exec
        .list_relations(session)
        .into_iter()
        .filter(|r| r.kind == "table" && matches(strip_schema(pattern), &r.name))
        .map(|r| r.name)
        .collect();
    if names.is_empty() {
        // a table the listing does not know may still be describable by name
        names.push(strip_schema(pattern).to_string());
    }
    names.sort();
    let mut out = String::new();
    for name in names {
        if let Ok(Some(def)) = exec.describe_table(session, &name) {
            let others = all_tables(exec, session);
            out.push_str(&format::aligned(&table_layout(&def, &others)));
        }
    }
    if out.is_empty() {
        return Err(format!("Did not find any relation named \"{pattern}\"."));
    }
    Ok(out)
}

fn all_tables<E: Executor>(exec: &E, session: &Session) -> Vec<TableDef> {
    exec.list_relations(session)
        .into_iter()
        .filter(|r| r.kind == "table")
        .filter_map(|r| exec.describe_table(session, &r.name).ok().flatten())
        .collect()
}

/// psql's `Table "public.NAME"` layout with its Indexes / Check / Foreign-key / Referenced by
/// footers.
pub fn table_layout(def: &TableDef, all: &[TableDef]) -> Table {
    let pk = def.primary_key().unwrap_or(&[]);
    let rows = def
        .columns
        .iter()
        .map(|c| {
            let not_null = c.not_null || pk.contains(&c.name);
            vec![
                c.name.clone(),
                c.ty.display_name(),
                String::new(),
                if not_null {
                    "not null".into()
                } else {
                    String::new()
                },
                c.default
                    .as_ref()
                    .map(|e| lower_casts(&e.to_string()))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut footers = Vec::new();
    let indexes = index_lines(def);
    if !indexes.is_empty() {
        footers.push("Indexes:".to_string());
        footers.extend(indexes);
    }
    let mut checks: Vec<(String, String)> = def
        .constraints
        .iter()
        .filter_map(|c| match &c.kind {
            ConstraintKind::Check(e) => Some((c.name.clone(), format!("CHECK ({e})"))),
            _ => None,
        })
        .collect();
    checks.sort();
    if !checks.is_empty() {
        footers.push("Check constraints:".to_string());
        footers.extend(checks.iter().map(|(n, d)| format!("    \"{n}\" {d}")));
    }
    let mut fks: Vec<(String, String)> = def
        .constraints
        .iter()
        .filter_map(|c| fk_def(&c.kind).map(|d| (c.name.clone(), d)))
        .collect();
    fks.sort();
    if !fks.is_empty() {
        footers.push("Foreign-key constraints:".to_string());
        footers.extend(fks.iter().map(|(n, d)| format!("    \"{n}\" {d}")));
    }
    let mut refs: Vec<(String, String, String)> = all
        .iter()
        .flat_map(|t| {
            t.constraints.iter().filter_map(move |c| match &c.kind {
                ConstraintKind::ForeignKey { ref_table, .. } if ref_table == &def.name => {
                    fk_def(&c.kind).map(|d| (t.name.clone(), c.name.clone(), d))
                }
                _ => None,
            })
        })
        .collect();
    refs.sort();
    if !refs.is_empty() {
        footers.push("Referenced by:".to_string());
        footers.extend(
            refs.iter()
                .map(|(t, n, d)| format!("    TABLE \"{t}\" CONSTRAINT \"{n}\" {d}")),
        );
    }
    Table {
        title: Some(format!("Table \"public.{}\"", def.name)),
        headers: ["Column", "Type", "Collation", "Nullable", "Default"]
            .map(String::from)
            .to_vec(),
        right: vec![false; 5],
        rows,
        footers: Some(footers),
    }
}

/// sqlparser prints cast types in upper case (`::REGCLASS`); PostgreSQL deparses them lower.
/// Text inside string literals is left alone.
fn lower_casts(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut in_quote = false;
    let mut after_cast = false;
    let mut prev = '\0';
    for c in expr.chars() {
        if c == '\'' {
            in_quote = !in_quote;
        }
        if !in_quote && prev == ':' && c == ':' {
            after_cast = true;
        } else if after_cast && !(c.is_ascii_alphanumeric() || c == '_') {
            after_cast = false;
        }
        out.push(if after_cast {
            c.to_ascii_lowercase()
        } else {
            c
        });
        prev = c;
    }
    out
}

/// Index lines, primary key first then by name, as psql orders them.
fn index_lines(def: &TableDef) -> Vec<String> {
    let mut lines: Vec<(bool, String, String)> = Vec::new();
    for c in &def.constraints {
        match &c.kind {
            ConstraintKind::PrimaryKey(cols) => lines.push((
                true,
                c.name.clone(),
                format!("PRIMARY KEY, btree ({})", cols.join(", ")),
            )),
            ConstraintKind::Unique(cols) => lines.push((
                false,
                c.name.clone(),
                format!("UNIQUE CONSTRAINT, btree ({})", cols.join(", ")),
            )),
            _ => {}
        }
    }
    for idx in &def.indexes {
        if lines.iter().any(|(_, n, _)| *n == idx.name) {
            continue;
        }
        let unique = if idx.unique { "UNIQUE, " } else { "" };
        lines.push((
            false,
            idx.name.clone(),
            format!("{unique}btree ({})", idx.columns.join(", ")),
        ));
    }
    lines.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    lines
        .into_iter()
        .map(|(_, n, d)| format!("    \"{n}\" {d}"))
        .collect()
}

/// `pg_get_constraintdef` for a foreign key.
fn fk_def(kind: &ConstraintKind) -> Option<String> {
    let ConstraintKind::ForeignKey {
        columns,
        ref_table,
        ref_columns,
        on_delete,
        on_update,
    } = kind
    else {
        return None;
    };
    let mut d = format!(
        "FOREIGN KEY ({}) REFERENCES {ref_table}({})",
        columns.join(", "),
        ref_columns.join(", ")
    );
    for (what, action) in [("UPDATE", on_update), ("DELETE", on_delete)] {
        let a = match action {
            ReferentialAction::NoAction => continue,
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        };
        d.push_str(&format!(" ON {what} {a}"));
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn patterns() {
        assert_eq!(
            super::lower_casts("nextval('a::B'::REGCLASS)"),
            "nextval('a::B'::regclass)"
        );
        assert!(super::matches("us*", "users"));
        assert!(super::matches("u?ers", "users"));
        assert!(super::matches("USERS", "users"));
        assert!(!super::matches("\"USERS\"", "users"));
        assert!(!super::matches("*a*a*a*a*a*a*a*a*a*a*b", &"a".repeat(60)));
    }
}
