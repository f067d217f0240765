//! The function catalog (PostgreSQL's `pg_proc` and `pg_aggregate`, with Citus's functions):
//! every function a statement can call, its argument and result types, volatility, whether it
//! is an aggregate and how Citus distributes it, and where it runs. The analyzer, the planner,
//! the evaluator and `\df` all read this one table.

mod procs;
pub mod user;

use crate::types::SqlType;
pub use procs::PROCS;
pub use user::{UserDef, UserProcs};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

/// Where a call may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunsOn {
    /// Built into every node's engine: runs wherever the query runs, shards included.
    Anywhere,
    /// A Citus utility the coordinator runs itself, as `SELECT f(...)` alone
    /// (`create_distributed_table`, `citus_add_node`, ...).
    Coordinator,
    /// A Citus function answered from the cluster's metadata (`citus_version`,
    /// `run_command_on_workers`, ...), or a Citus aggregate of the distributed plans.
    Citus,
}

/// How Citus computes an aggregate over shards (multi_logical_optimizer's aggregate types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribute {
    /// `count`: the coordinator sums the workers' counts.
    Count,
    /// `sum`: the coordinator sums the workers' sums.
    Sum,
    /// `avg`: the workers send sum and count, the coordinator divides.
    Avg,
    /// The same aggregate over the workers' results (`min`, `max`, `bool_and`, ...).
    Reaggregate,
    /// The workers aggregate and the coordinator concatenates their results with the named
    /// Citus aggregate (`array_agg` → `array_cat_agg`); refused with ORDER BY or DISTINCT.
    Concatenate(&'static str),
    /// An aggregate with a combine function: the workers send transition states
    /// (`worker_partial_agg`), the coordinator combines them (`coord_combine_agg`).
    CombineStates,
    /// No combine function: the coordinator gathers the rows and aggregates them.
    GatherRows,
}

/// pg_aggregate's facts about an aggregate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aggregate {
    pub distribute: Distribute,
    /// Whether it has a final function (an extra call per group).
    pub has_final: bool,
    /// Bytes its transition value takes per group (aggtransspace, or PostgreSQL's estimate).
    pub trans_space: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Function,
    Aggregate(Aggregate),
}

/// One function (one overload), as pg_proc holds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proc {
    pub oid: u32,
    pub schema: &'static str,
    pub name: &'static str,
    /// The arguments as `pg_get_function_arguments` prints them (`table_name regclass`,
    /// `colocate_with text DEFAULT 'default'::text`, `VARIADIC "any"`).
    pub args: &'static [&'static str],
    /// The result as `pg_get_function_result` prints it (`numeric`, `SETOF integer`).
    pub result: &'static str,
    pub volatility: Volatility,
    pub kind: Kind,
    pub runs_on: RunsOn,
    /// A function a user created: how to call it.
    pub user: Option<&'static UserDef>,
}

/// Calls that look like functions but are SQL syntax in PostgreSQL (no pg_proc entry):
/// the parser turns them into expressions of their own.
const SYNTAX_FORMS: &[&str] = &[
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "localtime",
    "localtimestamp",
    "session_user",
    "user",
];

/// The overloads of `name` (lower-case, unqualified): the built-in ones, then those created on
/// the node at work.
pub fn overloads(name: &str) -> impl Iterator<Item = &'static Proc> + '_ {
    BY_NAME
        .get(name)
        .into_iter()
        .flatten()
        .copied()
        .chain(user::named(name))
}

/// The built-in procs by name, in catalog order: a lookup runs for every function call of
/// every row evaluated, so it must not walk the whole catalog.
static BY_NAME: std::sync::LazyLock<std::collections::HashMap<&'static str, Vec<&'static Proc>>> =
    std::sync::LazyLock::new(|| {
        let mut by_name: std::collections::HashMap<&'static str, Vec<&'static Proc>> =
            std::collections::HashMap::new();
        for p in PROCS.iter() {
            by_name.entry(p.name).or_default().push(p);
        }
        by_name
    });

/// Whether a call of `name` can be made here at all.
pub fn exists(name: &str) -> bool {
    SYNTAX_FORMS.contains(&name) || overloads(name).next().is_some()
}

/// The aggregate facts of `name`, when it names an aggregate (any overload: PostgreSQL has no
/// name that is both an aggregate and a plain function).
pub fn aggregate(name: &str) -> Option<&'static Aggregate> {
    overloads(name).find_map(|p| match &p.kind {
        Kind::Aggregate(a) => Some(a),
        Kind::Function => None,
    })
}

pub fn is_aggregate(name: &str) -> bool {
    aggregate(name).is_some()
}

/// Whether every overload of `name` runs on `site`.
pub fn runs_on(name: &str, site: RunsOn) -> bool {
    let mut procs = overloads(name).peekable();
    procs.peek().is_some() && procs.all(|p| p.runs_on == site)
}

/// Whether a call's value can change between rows or calls of one statement (volatile) or
/// between statements (stable): such calls are never folded to constants.
pub fn is_unstable(name: &str) -> bool {
    matches!(
        name,
        "current_timestamp" | "current_date" | "current_time" | "localtime" | "localtimestamp"
    ) || overloads(name).any(|p| p.volatility != Volatility::Immutable)
}

impl Proc {
    /// The argument types, without names and defaults.
    pub fn arg_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.args
            .iter()
            .filter(|a| !a.starts_with("OUT "))
            .map(|a| arg_type(a))
    }

    fn variadic(&self) -> bool {
        self.args.iter().any(|a| a.starts_with("VARIADIC "))
    }

    /// Arguments that may be left out (they have defaults).
    fn optional(&self) -> usize {
        self.args.iter().filter(|a| a.contains(" DEFAULT ")).count()
    }

    /// The result type for arguments of `args` types (polymorphic results resolved).
    pub fn result_type(&self, args: &[SqlType]) -> SqlType {
        let declared = self.result.strip_prefix("SETOF ").unwrap_or(self.result);
        let poly = self
            .arg_types()
            .zip(args)
            .find(|(t, _)| t.starts_with("any"))
            .map(|(_, a)| a.clone())
            .unwrap_or(SqlType::Unknown);
        let element = match &poly {
            SqlType::Array(inner) => (**inner).clone(),
            SqlType::Unknown => SqlType::Text,
            t => t.clone(),
        };
        match declared {
            "anyelement" | "anycompatible" | "anynonarray" => match self.name {
                "unnest" => element,
                _ => match poly {
                    SqlType::Unknown => SqlType::Text,
                    t => t,
                },
            },
            "anyarray" | "anycompatiblearray" => match poly {
                SqlType::Array(_) => poly,
                _ => SqlType::Array(Box::new(element)),
            },
            // The engine carries Citus's serialized transition state as the array of its
            // sums (numeric, or double precision for float input).
            "cstring" if self.name == "worker_partial_agg" => {
                let float = matches!(args.get(1), Some(SqlType::Float4 | SqlType::Float8));
                let element = if float {
                    SqlType::Float8
                } else {
                    type_named("numeric")
                };
                SqlType::Array(Box::new(element))
            }
            other => type_named(other),
        }
    }
}

/// The type part of one argument's text: `colocate_with text DEFAULT ...` → `text`.
fn arg_type(arg: &'static str) -> &'static str {
    let arg = arg.strip_prefix("VARIADIC ").unwrap_or(arg);
    let arg = arg.split(" DEFAULT ").next().unwrap_or(arg);
    const MULTI_WORD: &[&str] = &[
        "double precision",
        "character varying",
        "timestamp ",
        "time ",
    ];
    if MULTI_WORD.iter().any(|t| arg.starts_with(t)) || !arg.contains(' ') {
        return arg;
    }
    arg.split_once(' ').map(|(_, t)| t).unwrap_or(arg)
}

/// The name part of one argument's text: `nodename text` → `nodename`; `None` when the
/// parameter has no name (`integer`).
fn arg_name(arg: &'static str) -> Option<&'static str> {
    let plain = arg.strip_prefix("VARIADIC ").unwrap_or(arg);
    let plain = plain.split(" DEFAULT ").next().unwrap_or(plain);
    let ty = arg_type(arg);
    (plain != ty)
        .then(|| plain.strip_suffix(ty))
        .flatten()
        .map(str::trim_end)
}

/// The engine's type for a catalog type name.
pub fn type_named(name: &str) -> SqlType {
    match name {
        "boolean" => SqlType::Bool,
        "smallint" => SqlType::Int2,
        "integer" => SqlType::Int4,
        "bigint" | "oid" => SqlType::Int8,
        "numeric" => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        "real" => SqlType::Float4,
        "double precision" => SqlType::Float8,
        "text" | "name" | "regtype" | "cstring" | "character varying" | "pg_lsn" => SqlType::Text,
        "json" => SqlType::Json,
        "jsonb" => SqlType::Jsonb,
        "date" => SqlType::Date,
        "timestamp without time zone" => SqlType::Timestamp,
        "timestamp with time zone" => SqlType::TimestampTz,
        "interval" => SqlType::Interval,
        "regclass" => SqlType::Regclass,
        "record" => SqlType::Record,
        other => match other.strip_suffix("[]") {
            Some(inner) => SqlType::Array(Box::new(type_named(inner))),
            None => SqlType::Unknown,
        },
    }
}

/// How well an argument of type `actual` fits a parameter of type `declared`: `Some(2)` exactly,
/// `Some(1)` through an implicit cast or a polymorphic parameter, `None` not at all.
fn fit(declared: &str, actual: &SqlType) -> Option<u8> {
    if actual.pg_name() == declared {
        return Some(2);
    }
    if let (SqlType::Array(inner), Some(element)) = (actual, declared.strip_suffix("[]")) {
        return fit(element, inner).map(|s| s.min(1));
    }
    if matches!(actual, SqlType::Unknown) {
        // An untyped literal prefers text, PostgreSQL's preferred string type.
        return Some(if declared == "text" { 2 } else { 1 });
    }
    let rank = |t: &str| {
        [
            "smallint",
            "integer",
            "bigint",
            "numeric",
            "real",
            "double precision",
        ]
        .iter()
        .position(|n| *n == t)
    };
    let widening = match (rank(&actual.pg_name()), rank(declared)) {
        (Some(a), Some(d)) => a < d,
        _ => false,
    };
    let textual = declared == "text" && actual.is_textual();
    let timestamp =
        matches!(actual, SqlType::Date | SqlType::Timestamp) && declared.starts_with("timestamp");
    let polymorphic = match declared {
        "\"any\"" | "anyelement" | "anycompatible" => true,
        "anynonarray" => !matches!(actual, SqlType::Array(_)),
        "anyarray" | "anycompatiblearray" => matches!(actual, SqlType::Array(_)),
        "regclass" => actual.is_textual(),
        // A transition state travels as cstring; the engine keeps it as its array of sums.
        "cstring" => true,
        // Distributed plans name the aggregate of worker_partial_agg by its name.
        "oid" => {
            matches!(actual, SqlType::Int2 | SqlType::Int4 | SqlType::Int8) || actual.is_textual()
        }
        _ => false,
    };
    (widening || textual || timestamp || polymorphic).then_some(1)
}

/// The overload of `name` a call with arguments of `args` types resolves to, as PostgreSQL's
/// function resolution picks it: the most exact matches first, then the earliest listed.
pub fn resolve(name: &str, args: &[SqlType]) -> Option<&'static Proc> {
    let mut best: Option<(usize, &'static Proc)> = None;
    for p in overloads(name) {
        let declared: Vec<&str> = p.arg_types().collect();
        let count_ok = if p.variadic() {
            args.len() + 1 >= declared.len()
        } else {
            args.len() <= declared.len() && args.len() + p.optional() >= declared.len()
        };
        if !count_ok {
            continue;
        }
        let mut score = 0;
        let mut ok = true;
        for (i, a) in args.iter().enumerate() {
            let d = declared
                .get(i)
                .or_else(|| declared.last().filter(|_| p.variadic()))
                .copied()
                .unwrap_or("");
            match fit(d, a) {
                Some(s) => score += s as usize,
                None => ok = false,
            }
        }
        if ok && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, p));
        }
    }
    best.map(|(_, p)| p)
}

/// The overload a call in named notation resolves to (`f('a', 1, force => true)`): the
/// positional arguments fill the first parameters, each named one the parameter of its name,
/// and every parameter left out must have a default, as PostgreSQL matches them.
pub fn resolve_named(
    name: &str,
    positional: &[SqlType],
    named: &[(String, SqlType)],
) -> Option<&'static Proc> {
    overloads(name).find(|p| {
        let params: Vec<&'static str> = p
            .args
            .iter()
            .copied()
            .filter(|a| !a.starts_with("OUT "))
            .collect();
        if p.variadic() || positional.len() + named.len() > params.len() {
            return false;
        }
        let mut given = vec![false; params.len()];
        for (i, t) in positional.iter().enumerate() {
            if fit(arg_type(params[i]), t).is_none() {
                return false;
            }
            given[i] = true;
        }
        for (n, t) in named {
            let Some(i) = params.iter().position(|a| arg_name(a) == Some(n.as_str())) else {
                return false;
            };
            if given[i] || fit(arg_type(params[i]), t).is_none() {
                return false;
            }
            given[i] = true;
        }
        params
            .iter()
            .zip(&given)
            .all(|(a, g)| *g || a.contains(" DEFAULT "))
    })
}

/// The result type of `name(args)`, when the catalog resolves the call.
pub fn result_type(name: &str, args: &[SqlType]) -> Option<SqlType> {
    resolve(name, args).map(|p| p.result_type(args))
}

/// The aggregate `name(args)` resolves to (the overload's own facts: `sum(bigint)` keeps a
/// numeric state where `sum(integer)` keeps a bigint).
pub fn resolve_aggregate(name: &str, args: &[SqlType]) -> Option<(&'static Proc, Aggregate)> {
    let p = resolve(name, args).or_else(|| overloads(name).next())?;
    match p.kind {
        Kind::Aggregate(a) => Some((p, a)),
        Kind::Function => None,
    }
}

#[cfg(test)]
mod tests;
