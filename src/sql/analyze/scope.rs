//! The names a query level can refer to, as PostgreSQL's parse state keeps them: FROM items
//! (tables, subqueries, joins) with their columns, CTEs, and the enclosing query's level. Column
//! and table references are resolved here, and the errors PostgreSQL gives for those that do not
//! resolve are built here, hints included.

use crate::error::PgError;
use crate::sql::ColumnDef;
use crate::types::SqlType;

/// The columns of a FROM item.
#[derive(Clone, Debug)]
pub enum Columns<'a> {
    Table(&'a [ColumnDef]),
    Named(Vec<(String, SqlType)>),
    /// Not known before running the query (table functions): any name may be there.
    Unknown,
}

impl Columns<'_> {
    /// How many columns have this name; `None` when the columns are unknown.
    fn count(&self, name: &str) -> Option<usize> {
        Some(self.names()?.filter(|n| *n == name).count())
    }

    pub fn names(&self) -> Option<Box<dyn Iterator<Item = &str> + '_>> {
        match self {
            Columns::Table(defs) => Some(Box::new(defs.iter().map(|c| c.name.as_str()))),
            Columns::Named(cols) => Some(Box::new(cols.iter().map(|(n, _)| n.as_str()))),
            Columns::Unknown => None,
        }
    }

    /// Names with types; `None` when the columns are unknown.
    fn typed(&self) -> Option<Box<dyn Iterator<Item = (&str, &SqlType)> + '_>> {
        match self {
            Columns::Table(defs) => Some(Box::new(defs.iter().map(|c| (c.name.as_str(), &c.ty)))),
            Columns::Named(cols) => Some(Box::new(cols.iter().map(|(n, t)| (n.as_str(), t)))),
            Columns::Unknown => None,
        }
    }

    /// The columns as an owned list, for a join's or subquery's output.
    pub fn to_named(&self) -> Option<Vec<(String, SqlType)>> {
        match self {
            Columns::Table(defs) => Some(
                defs.iter()
                    .map(|c| (c.name.clone(), c.ty.clone()))
                    .collect(),
            ),
            Columns::Named(cols) => Some(cols.clone()),
            Columns::Unknown => None,
        }
    }
}

/// A FROM item as name resolution sees it (PostgreSQL's range table entry with its namespace
/// visibility).
#[derive(Clone, Debug)]
pub struct Item<'a> {
    /// The name it is referred to by: its alias, or the relation's own name. `None` for a join
    /// without an alias.
    pub refname: Option<String>,
    /// The stored relation behind it, when it is one.
    pub table: Option<String>,
    pub aliased: bool,
    pub columns: Columns<'a>,
    /// Whether `refname.column` reaches it.
    pub rel_visible: bool,
    /// Whether a bare column name reaches it (not for the members of a join: the join's own
    /// item carries their columns).
    pub cols_visible: bool,
    /// An earlier FROM item while a later one is read: visible to LATERAL only.
    pub lateral_only: bool,
    /// A join's item (not offered in hints).
    pub join: bool,
}

impl<'a> Item<'a> {
    pub fn relation(
        refname: String,
        table: Option<String>,
        aliased: bool,
        columns: Columns<'a>,
    ) -> Self {
        Item {
            refname: Some(refname),
            table,
            aliased,
            columns,
            rel_visible: true,
            cols_visible: true,
            lateral_only: false,
            join: false,
        }
    }

    fn reachable(&self) -> bool {
        !self.lateral_only
    }

    /// How many columns of this name the item has, counting the system column `tableoid`
    /// every stored relation has; `None` when its columns are unknown.
    fn count(&self, name: &str) -> Option<usize> {
        let system = usize::from(self.table.is_some() && !self.join && name == "tableoid");
        self.columns.count(name).map(|n| n + system)
    }
}

/// A CTE in scope: its name and output columns.
#[derive(Clone, Debug)]
pub struct Cte {
    pub name: String,
    pub columns: Option<Vec<(String, SqlType)>>,
}

/// One query level: its FROM items and CTEs, and the level it is nested in.
#[derive(Debug, Default)]
pub struct Level<'a, 'p> {
    pub items: Vec<Item<'a>>,
    pub ctes: Vec<Cte>,
    pub parent: Option<&'p Level<'a, 'p>>,
}

/// What resolving a column reference found.
pub enum Resolved {
    /// A column, or something that may be one (unknown columns).
    Column,
    /// No such column; the error PostgreSQL gives.
    Missing(PgError),
}

impl<'a, 'p> Level<'a, 'p> {
    pub fn new(parent: Option<&'p Level<'a, 'p>>) -> Self {
        Level {
            items: Vec::new(),
            ctes: Vec::new(),
            parent,
        }
    }

    fn levels(&self) -> impl Iterator<Item = &Level<'a, 'p>> {
        std::iter::successors(Some(self), |l| l.parent)
    }

    /// A CTE visible here by name.
    pub fn cte(&self, name: &str) -> Option<&Cte> {
        self.levels()
            .flat_map(|l| l.ctes.iter().rev())
            .find(|c| c.name == name)
    }

    /// Resolves `[qualifier.]name`, searching enclosing levels as PostgreSQL does.
    pub fn column(&self, qualifier: Option<&str>, name: &str) -> Resolved {
        match qualifier {
            None => self.unqualified(name),
            Some(q) => self.qualified(q, name),
        }
    }

    /// The type of a column reference that resolves (see `column`), when it is known.
    pub fn column_type(&self, qualifier: Option<&str>, name: &str) -> Option<SqlType> {
        for level in self.levels() {
            let mut candidates = level.items.iter().filter(|i| {
                i.reachable()
                    && match qualifier {
                        None => i.cols_visible,
                        Some(q) => i.rel_visible && i.refname.as_deref() == Some(q),
                    }
            });
            let mut found = None;
            let mut any = false;
            for item in candidates.by_ref() {
                any = true;
                for (n, ty) in item.columns.typed()? {
                    if n == name {
                        if found.is_some() {
                            return None;
                        }
                        found = Some(ty);
                    }
                }
            }
            if found.is_some() || (qualifier.is_some() && any) {
                return found.cloned();
            }
        }
        None
    }

    fn unqualified(&self, name: &str) -> Resolved {
        for level in self.levels() {
            let mut hits = 0;
            let mut unknown = false;
            for item in level
                .items
                .iter()
                .filter(|i| i.cols_visible && i.reachable())
            {
                match item.count(name) {
                    Some(n) => hits += n,
                    None => unknown = true,
                }
            }
            if hits > 1 {
                return Resolved::Missing(ambiguous(name));
            }
            if hits == 1 || unknown {
                return Resolved::Column;
            }
        }
        // a bare relation name is a whole-row reference, which this engine leaves to run time
        if self.item_named(name).is_some() {
            return Resolved::Column;
        }
        Resolved::Missing(self.missing_column(None, name))
    }

    /// The first item `refname` reaches, level by level; `Err` when a level has two.
    fn item_named(&self, refname: &str) -> Option<Result<&Item<'a>, ()>> {
        for level in self.levels() {
            let mut named = level.items.iter().filter(|i| {
                i.rel_visible && i.reachable() && i.refname.as_deref() == Some(refname)
            });
            match (named.next(), named.next()) {
                (Some(item), None) => return Some(Ok(item)),
                (Some(_), Some(_)) => return Some(Err(())),
                _ => {}
            }
        }
        None
    }

    fn qualified(&self, q: &str, name: &str) -> Resolved {
        match self.item_named(q) {
            // two FROM items of one name: left for the engine to report
            Some(Err(())) => Resolved::Column,
            Some(Ok(item)) => match item.count(name) {
                None | Some(1) => Resolved::Column,
                Some(0) => Resolved::Missing(self.missing_column(Some(q), name)),
                Some(_) => Resolved::Missing(ambiguous(name)),
            },
            None => Resolved::Missing(self.missing_relation(q)),
        }
    }

    /// Whether `q` names a FROM item here (for `q.*`); the error otherwise.
    pub fn relation_reference(&self, q: &str) -> Result<(), PgError> {
        match self.item_named(q) {
            Some(_) => Ok(()),
            None => Err(self.missing_relation(q)),
        }
    }

    /// PostgreSQL's errorMissingRTE: the table is not in scope, perhaps referred to by its
    /// name where it has an alias, or from where it cannot be seen.
    fn missing_relation(&self, q: &str) -> PgError {
        let found = self.levels().flat_map(|l| l.items.iter()).find(|i| {
            !i.join && (i.refname.as_deref() == Some(q) || i.table.as_deref() == Some(q))
        });
        let invalid = || {
            PgError::new(
                "42P01",
                format!("invalid reference to FROM-clause entry for table \"{q}\""),
            )
        };
        match found {
            Some(item) => {
                let alias = item.refname.as_deref().unwrap_or(q);
                let by_alias = self
                    .item_named(alias)
                    .and_then(Result::ok)
                    .is_some_and(|i| std::ptr::eq(i, item));
                if item.aliased && alias != q && by_alias {
                    invalid().with_hint(format!(
                        "Perhaps you meant to reference the table alias \"{alias}\"."
                    ))
                } else {
                    invalid().with_hint(format!(
                        "There is an entry for table \"{alias}\", but it cannot be referenced from this part of the query."
                    ))
                }
            }
            None => PgError::new(
                "42P01",
                format!("missing FROM-clause entry for table \"{q}\""),
            ),
        }
    }

    /// PostgreSQL's errorMissingColumn, with its hint: the column of some FROM item (visible or
    /// not, at any level) whose name, qualifier included, is closest to the one written.
    fn missing_column(&self, qualifier: Option<&str>, name: &str) -> PgError {
        let message = match qualifier {
            Some(q) => format!("column {q}.{name} does not exist"),
            None => format!("column \"{name}\" does not exist"),
        };
        let e = PgError::new("42703", message);
        let hint = match self.closest_columns(qualifier, name) {
            Closest::None => return e,
            Closest::Hidden(table) => format!(
                "There is a column named \"{name}\" in table \"{table}\", but it cannot be referenced from this part of the query."
            ),
            Closest::One(t, c) => format!("Perhaps you meant to reference the column \"{t}.{c}\"."),
            Closest::Two((t1, c1), (t2, c2)) => format!(
                "Perhaps you meant to reference the column \"{t1}.{c1}\" or the column \"{t2}.{c2}\"."
            ),
        };
        e.with_hint(hint)
    }

    fn closest_columns(&self, qualifier: Option<&str>, name: &str) -> Closest {
        let mut fuzzy = Fuzzy {
            distance: MAX_FUZZY_DISTANCE + 1,
            first: None,
            second: None,
            wanted: name,
        };
        for level in self.levels() {
            for item in level.items.iter().filter(|i| !i.join) {
                let (Some(refname), Some(names)) = (item.refname.as_deref(), item.columns.names())
                else {
                    continue;
                };
                let penalty = qualifier.map_or(0, |q| levenshtein(q, refname));
                let mut exact = false;
                for column in names {
                    exact |= column == name;
                    fuzzy.consider(penalty, refname, column);
                }
                if exact && penalty == 0 {
                    return Closest::Hidden(refname.to_string());
                }
            }
        }
        match (fuzzy.first, fuzzy.second) {
            (Some(a), Some(b)) => Closest::Two(a, b),
            (Some((t, c)), None) => Closest::One(t, c),
            _ => Closest::None,
        }
    }
}

fn ambiguous(name: &str) -> PgError {
    PgError::new("42702", format!("column reference \"{name}\" is ambiguous"))
}

/// How far a hint may stray from what was written.
const MAX_FUZZY_DISTANCE: usize = 3;

enum Closest {
    None,
    /// The column exists, in a table this part of the query cannot see.
    Hidden(String),
    One(String, String),
    Two((String, String), (String, String)),
}

/// The best approximate matches so far (PostgreSQL's FuzzyAttrMatchState).
struct Fuzzy<'w> {
    distance: usize,
    first: Option<(String, String)>,
    second: Option<(String, String)>,
    wanted: &'w str,
}

impl Fuzzy<'_> {
    fn consider(&mut self, penalty: usize, table: &str, column: &str) {
        if penalty > self.distance {
            return;
        }
        let d = levenshtein(column, self.wanted);
        // more than half the characters different is no suggestion
        if d > self.wanted.len() / 2 {
            return;
        }
        let d = d + penalty;
        let here = (table.to_string(), column.to_string());
        if d < self.distance {
            self.distance = d;
            self.first = Some(here);
            self.second = None;
        } else if d == self.distance {
            if self.second.is_some() {
                // three at the same distance: none is worth suggesting
                self.first = None;
                self.second = None;
            } else if self.first.is_some() {
                self.second = Some(here);
            }
        }
    }
}

/// Edit distance with unit costs, by characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(refname: &str, columns: &[&str]) -> Item<'static> {
        Item::relation(
            refname.to_string(),
            Some(refname.to_string()),
            false,
            Columns::Named(
                columns
                    .iter()
                    .map(|c| (c.to_string(), SqlType::Unknown))
                    .collect(),
            ),
        )
    }

    fn error(r: Resolved) -> (String, Option<String>) {
        match r {
            Resolved::Missing(e) => {
                let e = e.into_fields();
                (e.message, e.hint.map(String::from).or(e.detail))
            }
            Resolved::Column => (String::new(), None),
        }
    }

    #[test]
    fn distances() {
        assert_eq!(levenshtein("nam", "name"), 1);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }

    #[test]
    fn hints_name_the_closest_column() {
        let mut level = Level::new(None);
        level
            .items
            .push(table("users", &["user_id", "name", "city"]));
        assert_eq!(
            error(level.column(None, "nam")),
            (
                "column \"nam\" does not exist".into(),
                Some("Perhaps you meant to reference the column \"users.name\".".into())
            )
        );
        assert_eq!(
            error(level.column(Some("users"), "nme")).1,
            Some("Perhaps you meant to reference the column \"users.name\".".into())
        );
        // nothing close enough
        assert_eq!(
            error(level.column(None, "zzzz")),
            ("column \"zzzz\" does not exist".into(), None)
        );
        level.items.push(table("orders", &["user_id", "item"]));
        assert_eq!(
            error(level.column(None, "user_id")).0,
            "column reference \"user_id\" is ambiguous"
        );
        assert_eq!(
            error(level.column(None, "user_i")).1,
            Some("Perhaps you meant to reference the column \"users.user_id\" or the column \"orders.user_id\".".into())
        );
        assert_eq!(
            error(level.column(Some("x"), "name")).0,
            "missing FROM-clause entry for table \"x\""
        );
    }

    #[test]
    fn aliases_and_outer_levels() {
        let mut outer = Level::new(None);
        let mut u = table("u", &["user_id", "name"]);
        u.table = Some("users".into());
        u.aliased = true;
        outer.items.push(u);
        let inner = Level::new(Some(&outer));
        assert!(matches!(inner.column(Some("u"), "name"), Resolved::Column));
        assert_eq!(
            error(inner.column(Some("users"), "name")),
            (
                "invalid reference to FROM-clause entry for table \"users\"".into(),
                Some("Perhaps you meant to reference the table alias \"u\".".into())
            )
        );
    }
}
