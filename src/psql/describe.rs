//! `\d`, `\dt`, `\ds` and `\d NAME` in psql's layouts. psql builds these from catalog queries;
//! here the executor hands over the user's relations and table definitions, and the Citus
//! catalog relations come from their definitions in `metadata::relations`.

use super::format::{self, Table};
use super::runner::Executor;
use crate::metadata::relations::{CatalogRelation, IndexKind, RelKind, RELATIONS};
use crate::session::SessionId;
use crate::sql::namespace::split;
use crate::sql::schema::ReferentialAction;
use crate::sql::{ConstraintKind, TableDef};

/// The schema the user's relations live in.
const PUBLIC: &str = "public";

/// Runs a describe command; `Err` carries psql's error message (`Did not find any ...`).
pub fn run<E: Executor>(
    exec: &E,
    session: SessionId,
    cmd: &str,
    args: &[String],
) -> Result<String, String> {
    let base = cmd.trim_end_matches('+');
    let pattern = args.first().map(String::as_str);
    match (base, pattern) {
        ("d", Some(name)) => describe(exec, session, name, cmd.ends_with('+')),
        ("dn", _) => Ok(schemas(exec, session, pattern)),
        ("df" | "dfS", _) => Ok(functions(
            &exec.user_functions(session),
            pattern,
            base == "dfS",
        )),
        _ => {
            let kinds: &[&str] = match base {
                "dt" => &["table", "partitioned table"],
                "dv" => &["view"],
                "ds" => &["sequence"],
                _ => &["table", "partitioned table", "view", "sequence"],
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

/// A `[schema.]name` pattern; without a schema it matches in every schema on the search path
/// (`pg_catalog` and `public`).
struct Pattern<'a> {
    schema: Option<&'a str>,
    name: &'a str,
}

impl<'a> Pattern<'a> {
    fn parse(pattern: &'a str) -> Self {
        let mut quoted = false;
        for (i, c) in pattern.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '.' if !quoted => {
                    return Pattern {
                        schema: Some(&pattern[..i]),
                        name: &pattern[i + 1..],
                    }
                }
                _ => {}
            }
        }
        Pattern {
            schema: None,
            name: pattern,
        }
    }

    fn matches(&self, schema: &str, name: &str) -> bool {
        self.schema.is_none_or(|s| matches(s, schema)) && matches(self.name, name)
    }
}

fn list<E: Executor>(
    exec: &E,
    session: SessionId,
    kinds: &[&str],
    pattern: Option<&str>,
) -> Result<String, String> {
    let pat = pattern.map(Pattern::parse);
    let visible = Visibility::of(exec, session);
    let mut rels: Vec<(String, String, String)> = exec
        .list_relations(session)
        .into_iter()
        .map(|r| {
            let (schema, rel) = split(&r.name);
            (schema.to_string(), rel.to_string(), r.kind)
        })
        .filter(|(schema, _, _)| {
            // Without a schema in the pattern psql shows what the search path reaches.
            pat.as_ref().is_some_and(|p| p.schema.is_some()) || visible.reaches(schema)
        })
        .collect();
    // psql lists pg_catalog's relations only for a pattern
    if pat.is_some() {
        rels.extend(RELATIONS.iter().map(|r| {
            (
                r.schema.to_string(),
                r.name.to_string(),
                r.kind.name().to_string(),
            )
        }));
    }
    rels.retain(|(schema, name, kind)| {
        kinds.contains(&kind.as_str()) && pat.as_ref().is_none_or(|p| p.matches(schema, name))
    });
    crate::sort::sort(&mut rels);
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
            .map(|(schema, name, kind)| vec![schema, name, kind, "postgres".into()])
            .collect(),
        footers: None,
    };
    Ok(format::aligned(&table))
}

/// `\df [PATTERN]`: the functions of the catalog, as psql lists pg_proc. Without a pattern
/// (or `S`) psql leaves out pg_catalog's, where PostgreSQL's and Citus's functions live.
fn functions(
    user: &[&'static crate::sql::catalog::Proc],
    pattern: Option<&str>,
    system: bool,
) -> String {
    let pat = pattern.map(Pattern::parse);
    let mut rows: Vec<Vec<String>> = crate::sql::catalog::PROCS
        .iter()
        .chain(user.iter().copied())
        .filter(|p| match &pat {
            Some(pat) => pat.matches(p.schema, p.name),
            None => system || p.schema != "pg_catalog",
        })
        .map(|p| {
            let kind = match p.kind {
                crate::sql::catalog::Kind::Aggregate(_) => "agg",
                crate::sql::catalog::Kind::Function => "func",
            };
            vec![
                p.schema.to_string(),
                p.name.to_string(),
                p.result.to_string(),
                p.args.join(", "),
                kind.to_string(),
            ]
        })
        .collect();
    // psql orders by schema, name and argument list.
    crate::sort::sort_by(&mut rows, |a, b| {
        (&a[0], &a[1], &a[3]).cmp(&(&b[0], &b[1], &b[3]))
    });
    let table = Table {
        title: Some("List of functions".into()),
        headers: [
            "Schema",
            "Name",
            "Result data type",
            "Argument data types",
            "Type",
        ]
        .map(String::from)
        .to_vec(),
        right: vec![false; 5],
        rows,
        footers: None,
    };
    format::aligned(&table)
}

/// The schemas the session's search path reaches.
struct Visibility(Vec<String>);

impl Visibility {
    fn of<E: Executor>(exec: &E, session: SessionId) -> Self {
        Visibility(exec.search_path(session))
    }

    fn reaches(&self, schema: &str) -> bool {
        self.0.iter().any(|s| s == schema)
    }
}

/// `\dn`: the schemas, as psql lists pg_namespace without the system ones.
fn schemas<E: Executor>(exec: &E, session: SessionId, pattern: Option<&str>) -> String {
    let mut rows: Vec<Vec<String>> = vec![vec![PUBLIC.to_string(), "pg_database_owner".into()]];
    rows.extend(
        exec.schemas(session)
            .into_iter()
            .map(|s| vec![s, "postgres".to_string()]),
    );
    rows.retain(|r| pattern.is_none_or(|p| matches(p, &r[0])));
    crate::sort::sort(&mut rows);
    let table = Table {
        title: Some("List of schemas".into()),
        headers: ["Name", "Owner"].map(String::from).to_vec(),
        right: vec![false; 2],
        rows,
        footers: None,
    };
    format::aligned(&table)
}

/// A relation `\d` describes.
enum Described {
    User(TableDef),
    Catalog(&'static CatalogRelation),
}

fn describe<E: Executor>(
    exec: &E,
    session: SessionId,
    pattern: &str,
    verbose: bool,
) -> Result<String, String> {
    let pat = Pattern::parse(pattern);
    let visible = Visibility::of(exec, session);
    let mut names: Vec<String> = exec
        .list_relations(session)
        .into_iter()
        .filter(|r| {
            let (schema, rel) = split(&r.name);
            let schema_ok = match pat.schema {
                Some(p) => matches(p, schema),
                None => visible.reaches(schema),
            };
            is_table(&r.kind) && schema_ok && matches(pat.name, rel)
        })
        .map(|r| r.name)
        .collect();
    if names.is_empty() && pat.schema.is_none_or(|s| matches(s, PUBLIC)) {
        // a table the listing does not know may still be describable by name
        names.push(pat.name.to_string());
    }
    let mut found: Vec<(String, String, Described)> = names
        .into_iter()
        .filter_map(|name| {
            let def = exec.describe_table(session, &name).ok().flatten()?;
            let (schema, rel) = split(&name);
            Some((schema.to_string(), rel.to_string(), Described::User(def)))
        })
        .collect();
    found.extend(
        RELATIONS
            .iter()
            .filter(|r| pat.matches(r.schema, r.name))
            .map(|r| {
                (
                    r.schema.to_string(),
                    r.name.to_string(),
                    Described::Catalog(r),
                )
            }),
    );
    if found.is_empty() {
        return Err(format!("Did not find any relation named \"{pattern}\"."));
    }
    crate::sort::sort_by(&mut found, |a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut others: Option<Vec<TableDef>> = None;
    let mut out = String::new();
    for (_, _, rel) in found {
        let table = match rel {
            Described::User(def) => {
                let all = others.get_or_insert_with(|| all_tables(exec, session));
                table_layout(&def, all, verbose)
            }
            Described::Catalog(rel) => catalog_layout(rel),
        };
        out.push_str(&format::aligned(&table));
    }
    Ok(out)
}

fn all_tables<E: Executor>(exec: &E, session: SessionId) -> Vec<TableDef> {
    exec.list_relations(session)
        .into_iter()
        .filter(|r| is_table(&r.kind))
        .filter_map(|r| exec.describe_table(session, &r.name).ok().flatten())
        .collect()
}

fn is_table(kind: &str) -> bool {
    kind == "table" || kind == "partitioned table"
}

/// psql's `Table "SCHEMA.NAME"` / `View "SCHEMA.NAME"` layout: one row per column, then the
/// footers.
fn relation_table(title: String, rows: Vec<Vec<String>>, footers: Vec<String>) -> Table {
    Table {
        title: Some(title),
        headers: ["Column", "Type", "Collation", "Nullable", "Default"]
            .map(String::from)
            .to_vec(),
        right: vec![false; 5],
        rows,
        footers: Some(footers),
    }
}

/// A column's row: the collation is the type's own, so psql leaves it blank.
fn column_row(name: &str, ty: String, not_null: bool, default: String) -> Vec<String> {
    let nullable = if not_null { "not null" } else { "" };
    vec![
        name.to_string(),
        ty,
        String::new(),
        nullable.to_string(),
        default,
    ]
}

/// A footer heading with its lines, when there are any.
fn section(footers: &mut Vec<String>, heading: &str, lines: Vec<String>) {
    if !lines.is_empty() {
        footers.push(heading.to_string());
        footers.extend(lines);
    }
}

/// `    "NAME" DEFINITION` lines by name, as psql lists constraints.
fn named_lines(mut items: Vec<(String, String)>) -> Vec<String> {
    crate::sort::sort(&mut items);
    items
        .into_iter()
        .map(|(n, d)| format!("    \"{n}\" {d}"))
        .collect()
}

/// psql's `Table "public.NAME"` layout with its Indexes / Check / Foreign-key / Referenced by
/// footers.
pub fn table_layout(def: &TableDef, all: &[TableDef], verbose: bool) -> Table {
    let pk = def.primary_key().unwrap_or(&[]);
    let rows = def
        .columns
        .iter()
        .map(|c| {
            let default = c.default_sql();
            column_row(
                &c.name,
                c.ty.display_name(),
                c.not_null || pk.contains(&c.name),
                default.unwrap_or_default(),
            )
        })
        .collect();
    let mut footers = Vec::new();
    if let Some(of) = &def.partition_of {
        let types = all
            .iter()
            .find(|t| t.name == of.parent)
            .map(TableDef::partition_key_types)
            .unwrap_or_default();
        footers.push(format!(
            "Partition of: {} {}",
            crate::sql::namespace::regclass_text(&of.parent),
            crate::sql::partition::bound_sql(&of.bound, &types)
        ));
    }
    if let Some(key) = &def.partition_key {
        footers.push(format!(
            "Partition key: {}",
            crate::sql::partition::key_sql(key)
        ));
    }
    section(&mut footers, "Indexes:", index_lines(def));
    let checks = def
        .constraints
        .iter()
        .filter_map(|c| match &c.kind {
            ConstraintKind::Check(e) => Some((c.name.clone(), format!("CHECK ({e})"))),
            _ => None,
        })
        .collect();
    section(&mut footers, "Check constraints:", named_lines(checks));
    let fks = def
        .constraints
        .iter()
        .filter_map(|c| fk_def(&c.kind).map(|d| (c.name.clone(), d)))
        .collect();
    section(&mut footers, "Foreign-key constraints:", named_lines(fks));
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
    crate::sort::sort(&mut refs);
    let refs = refs
        .iter()
        .map(|(t, n, d)| format!("    TABLE \"{t}\" CONSTRAINT \"{n}\" {d}"))
        .collect();
    section(&mut footers, "Referenced by:", refs);
    let kind = if def.is_partitioned() {
        footers.extend(partition_lines(def, all, verbose));
        "Partitioned table"
    } else {
        "Table"
    };
    let (schema, rel) = split(&def.name);
    relation_table(format!("{kind} \"{schema}.{rel}\""), rows, footers)
}

/// A partitioned table's partitions: their number, or with `\d+` each with its bound (the
/// DEFAULT partition last, the others by name).
fn partition_lines(def: &TableDef, all: &[TableDef], verbose: bool) -> Vec<String> {
    let types = def.partition_key_types();
    let mut parts: Vec<(bool, String, String)> = all
        .iter()
        .filter_map(|t| {
            let of = t.partition_of.as_ref().filter(|o| o.parent == def.name)?;
            let bound = crate::sql::partition::bound_sql(&of.bound, &types);
            Some((bound == "DEFAULT", t.name.clone(), bound))
        })
        .collect();
    crate::sort::sort(&mut parts);
    if !verbose || parts.is_empty() {
        let n = parts.len();
        return vec![if n == 0 {
            "Number of partitions: 0".to_string()
        } else {
            format!("Number of partitions: {n} (Use \\d+ to list them.)")
        }];
    }
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(i, (_, name, bound))| {
            let lead = if i == 0 {
                "Partitions: "
            } else {
                "            "
            };
            let end = if i == last { "" } else { "," };
            format!(
                "{lead}{}{} {bound}{end}",
                crate::sql::namespace::regclass_text(name),
                ""
            )
        })
        .collect()
}

/// A Citus catalog relation in psql's layout, with its Indexes / Check / Triggers footers.
fn catalog_layout(rel: &CatalogRelation) -> Table {
    let rows = rel
        .columns
        .iter()
        .map(|c| {
            let default = c.default.unwrap_or_default().to_string();
            column_row(c.name, c.ty.name().to_string(), c.not_null, default)
        })
        .collect();
    let mut footers = Vec::new();
    let indexes = rel
        .indexes
        .iter()
        .map(|i| {
            let (primary, name, mut desc) = index_entry(i.name, i.kind, i.columns);
            if i.replica_identity {
                desc.push_str(" REPLICA IDENTITY");
            }
            (primary, name, desc)
        })
        .collect();
    section(&mut footers, "Indexes:", index_footer(indexes));
    let checks = rel
        .checks
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect();
    section(&mut footers, "Check constraints:", named_lines(checks));
    let triggers = rel
        .trigger_lines()
        .into_iter()
        .map(|t| format!("    {t}"))
        .collect();
    section(&mut footers, "Triggers:", triggers);
    let kind = match rel.kind {
        RelKind::Table => "Table",
        RelKind::View => "View",
    };
    relation_table(
        format!("{kind} \"{}.{}\"", rel.schema, rel.name),
        rows,
        footers,
    )
}

/// An index's place and text in the Indexes footer: whether it is the primary key, its name,
/// and what follows the name.
fn index_entry<S: AsRef<str>>(
    name: &str,
    kind: IndexKind,
    columns: &[S],
) -> (bool, String, String) {
    let label = match kind {
        IndexKind::PrimaryKey => "PRIMARY KEY, ",
        IndexKind::UniqueConstraint => "UNIQUE CONSTRAINT, ",
        IndexKind::Unique => "UNIQUE, ",
        IndexKind::Plain => "",
    };
    let columns: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    (
        kind == IndexKind::PrimaryKey,
        name.to_string(),
        format!("{label}btree ({})", columns.join(", ")),
    )
}

/// Index lines, primary key first then by name, as psql orders them.
fn index_footer(mut lines: Vec<(bool, String, String)>) -> Vec<String> {
    crate::sort::sort_by(&mut lines, |a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    lines
        .into_iter()
        .map(|(_, n, d)| format!("    \"{n}\" {d}"))
        .collect()
}

/// A user table's indexes: those of its PRIMARY KEY and UNIQUE constraints, then the others.
fn index_lines(def: &TableDef) -> Vec<String> {
    let mut lines: Vec<(bool, String, String)> = Vec::new();
    for c in &def.constraints {
        match &c.kind {
            ConstraintKind::PrimaryKey(cols) => {
                lines.push(index_entry(&c.name, IndexKind::PrimaryKey, cols))
            }
            ConstraintKind::Unique(cols) => {
                lines.push(index_entry(&c.name, IndexKind::UniqueConstraint, cols))
            }
            _ => {}
        }
    }
    for idx in &def.indexes {
        if lines.iter().any(|(_, n, _)| *n == idx.name) {
            continue;
        }
        let kind = if idx.unique {
            IndexKind::Unique
        } else {
            IndexKind::Plain
        };
        lines.push(index_entry(&idx.name, kind, &idx.columns));
    }
    index_footer(lines)
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
        assert!(super::matches("us*", "users"));
        assert!(super::matches("u?ers", "users"));
        assert!(super::matches("USERS", "users"));
        assert!(!super::matches("\"USERS\"", "users"));
        assert!(!super::matches("*a*a*a*a*a*a*a*a*a*a*b", &"a".repeat(60)));
        let p = super::Pattern::parse("pg_catalog.pg_dist*");
        assert_eq!((p.schema, p.name), (Some("pg_catalog"), "pg_dist*"));
        assert!(p.matches("pg_catalog", "pg_dist_node") && !p.matches("public", "pg_dist_node"));
        let p = super::Pattern::parse("\"a.b\".c");
        assert_eq!((p.schema, p.name), (Some("\"a.b\""), "c"));
        assert!(super::Pattern::parse("users").matches("public", "users"));
    }

    #[test]
    fn catalog_relations_only_for_a_pattern() {
        let mut cluster = crate::cluster::Cluster::new();
        let session = cluster.session();
        let dt = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            super::run(&cluster, session, "dt", &args)
        };
        assert_eq!(dt(&[]), Err("Did not find any relations.".to_string()));
        let listed = dt(&["pg_dist_*"]).unwrap_or_default();
        assert_eq!(listed.matches(" pg_catalog | pg_dist_").count(), 5);
        assert!(dt(&["public.pg_dist_*"]).is_err());
        let views = super::run(&cluster, session, "d", &["*.citus_*".to_string()]);
        let views = views.unwrap_or_default();
        assert!(views.contains("View \"pg_catalog.citus_shards\""));
        assert!(views.contains("View \"public.citus_tables\""));
    }
}
