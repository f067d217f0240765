//! The SQL engine every node runs: PostgreSQL semantics over sqlparser's AST, with tables kept
//! in the node's GlueSQL storage (see `storage`). Workers run task SQL with it, the coordinator
//! runs catalog queries and combine queries over `remote_scan` with it.

pub mod analyze;
pub mod cast;
pub mod catalog;
pub mod ddl;
pub mod deadline;
pub mod dml;
pub mod eval;
pub mod functions;
pub mod information_schema;
pub mod locate;
pub mod merge_syntax;
mod modify_syntax;
pub mod namespace;
pub mod partition;
pub mod schema;
pub mod select;
pub mod storage;
pub mod syntax;
pub mod visit;

use crate::error::{Notice, PgResult};
use crate::types::{SqlType, Value};
use chrono::NaiveDateTime;
use sqlparser::ast::{Query, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithLocation, Tokenizer};
use std::cell::RefCell;
use std::collections::BTreeMap;

pub use schema::{ColumnDef, Constraint, ConstraintKind, TableDef};
pub use storage::NodeStorage;

/// A result column: its name as psql prints it and its type.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        Column {
            name: name.into(),
            ty,
        }
    }
}

/// Rows with their columns: what a SELECT returns, what a worker sends back for a task, and what
/// the coordinator combines as `remote_scan`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

/// What a statement produced: rows, or a command tag such as `INSERT 0 3`.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Rows(ResultSet),
    Command(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExecOutput {
    pub outcome: Outcome,
    pub notices: Vec<Notice>,
    /// Rows an INSERT, UPDATE or DELETE changed (the number its tag ends in).
    pub affected: Option<u64>,
    /// The rows a modification's RETURNING list produced (psql prints them before the tag).
    pub returned: Option<ResultSet>,
}

impl ExecOutput {
    pub fn rows(rs: ResultSet) -> Self {
        ExecOutput {
            outcome: Outcome::Rows(rs),
            notices: Vec::new(),
            affected: None,
            returned: None,
        }
    }

    pub fn command(tag: impl Into<String>) -> Self {
        ExecOutput {
            outcome: Outcome::Command(tag.into()),
            notices: Vec::new(),
            affected: None,
            returned: None,
        }
    }

    /// A modification's result: `verb` is the tag before the count (`INSERT 0`, `UPDATE`).
    pub fn modified(verb: &str, n: u64) -> Self {
        ExecOutput {
            affected: Some(n),
            ..ExecOutput::command(format!("{verb} {n}"))
        }
    }

    /// A modification's result with the rows of its RETURNING list, if it has one.
    pub fn modified_returning(verb: &str, n: u64, returned: Option<ResultSet>) -> Self {
        ExecOutput {
            returned,
            ..ExecOutput::modified(verb, n)
        }
    }

    /// Rows returned, or rows changed.
    pub fn row_count(&self) -> usize {
        match &self.outcome {
            Outcome::Rows(rs) => rs.rows.len(),
            Outcome::Command(_) => self.affected.unwrap_or(0) as usize,
        }
    }
}

/// What the node or cluster around the engine provides: the (logical) clock, functions only
/// Citus knows, and relations that are not stored tables (`remote_scan`, catalog views).
pub trait Host {
    /// `now()`: the simulation's deterministic clock.
    fn now(&self) -> NaiveDateTime;

    /// A scalar function the engine does not know itself (e.g.
    /// `get_shard_id_for_distribution_column`). `None`: not the host's either.
    fn call_scalar(&self, _name: &str, _args: &[Value]) -> Option<PgResult<Value>> {
        None
    }

    /// A set-returning function in FROM (e.g. `citus_get_active_worker_nodes()`).
    fn call_table(&self, _name: &str, _args: &[Value]) -> Option<PgResult<ResultSet>> {
        None
    }

    /// A relation that is not a stored table (`remote_scan`, `citus_shards`, `citus_tables`).
    fn virtual_table(&self, _name: &str) -> Option<ResultSet> {
        None
    }

    /// Whether a relation name exists for `::regclass` casts (stored tables are checked by the
    /// engine itself).
    fn relation_exists(&self, _name: &str) -> bool {
        false
    }

    /// The OID of a relation for `'t'::regclass::oid` (each node numbers its relations itself).
    fn relation_oid(&self, _name: &str) -> Option<u32> {
        None
    }

    /// Whether a relation is a Citus table (its rows live in shards, not in the node's table).
    fn is_citus_table(&self, _name: &str) -> bool {
        false
    }

    /// Whether `name` is a shard that the catalog views hide here: Citus hides shards from
    /// `pg_class` for clients, not for the connections it opens between nodes.
    fn hides_shard(&self, _name: &str) -> bool {
        false
    }

    /// The session's `enable_hashjoin`, `enable_mergejoin`, `enable_nestloop` and
    /// `enable_sort` (a node's own planning uses the defaults: Citus does not pass SET on).
    fn plan_methods(&self) -> PlanMethods {
        PlanMethods::default()
    }
}

/// Which join methods and sorts the planner may use without penalty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanMethods {
    pub hashjoin: bool,
    pub mergejoin: bool,
    pub nestloop: bool,
    pub sort: bool,
}

impl Default for PlanMethods {
    fn default() -> Self {
        PlanMethods {
            hashjoin: true,
            mergejoin: true,
            nestloop: true,
            sort: true,
        }
    }
}

/// A host with nothing to add: a plain node.
pub struct PlainHost {
    pub now: NaiveDateTime,
}

impl Host for PlainHost {
    fn now(&self) -> NaiveDateTime {
        self.now
    }
}

/// A sequence (`serial` columns own one).
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub last_value: i64,
    pub is_called: bool,
    pub increment: i64,
}

impl Default for Sequence {
    fn default() -> Self {
        Sequence {
            last_value: 1,
            is_called: false,
            increment: 1,
        }
    }
}

/// One node's database: its tables (in GlueSQL storage) and sequences.
#[derive(Default)]
pub struct Database {
    pub storage: NodeStorage,
    /// Interior mutability: `nextval()` advances a sequence while a query only reads tables.
    pub sequences: RefCell<BTreeMap<String, Sequence>>,
    /// Sequences each open transaction created or dropped, with what was there before, so a
    /// rollback takes them back (`nextval` itself is never rolled back, as in PostgreSQL).
    sequence_log: BTreeMap<storage::Xid, Vec<(String, Option<Sequence>)>>,
    /// Views: their defining query and the columns it returns.
    pub views: BTreeMap<String, ViewDef>,
    /// Schemas created on this node besides `public`.
    pub schemas: std::collections::BTreeSet<String>,
    /// Functions and aggregates created here (the catalog shows them while this node works).
    pub functions: catalog::UserProcs,
}

/// A view's definition.
#[derive(Clone, Debug)]
pub struct ViewDef {
    pub query: Query,
    pub columns: Vec<Column>,
}

/// Parses SQL text as PostgreSQL, with parser errors as PostgreSQL's syntax errors (their
/// positions count characters of `sql`).
pub fn parse_sql(sql: &str) -> PgResult<Vec<Statement>> {
    let parse = || -> Result<Vec<Statement>, ParserError> {
        let tokens = pg_tokens(sql)?;
        let (tokens, deletes) = modify_syntax::extract(tokens)?;
        let mut statements = Parser::new(&PostgreSqlDialect {})
            .with_tokens_with_locations(tokens)
            .parse_statements()?;
        modify_syntax::restore(&mut statements, deletes);
        Ok(statements)
    };
    parse().map_err(|e| syntax::syntax_error(sql, &e))
}

/// PostgreSQL's tokens for `sql`. In PostgreSQL `name := value` is the older spelling of a named
/// function argument `name => value` (`create_distributed_table('t', 'id', shard_count := 4)`),
/// and `:=` means nothing else in SQL, so it becomes `=>` for the parser.
pub fn pg_tokens(sql: &str) -> Result<Vec<TokenWithLocation>, ParserError> {
    let mut tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize_with_location()?;
    for t in &mut tokens {
        if t.token == Token::Assignment {
            t.token = Token::RArrow;
        }
    }
    let mut tokens = partition::syntax::rewrite_partition_tokens(tokens);
    ddl::like::rewrite_like_tokens(&mut tokens);
    ddl::aggregate_syntax::rewrite(&mut tokens);
    Ok(tokens)
}

/// A relation the node's catalog derives from its own tables (`pg_inherits`,
/// `information_schema.columns`, ...).
pub fn system_relation(db: &Database, host: &dyn Host, name: &str) -> Option<ResultSet> {
    partition::time::system_relation(db, name)
        .or_else(|| information_schema::relation(db, host, name))
}

impl Database {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses and runs every statement in `sql`, stopping at the first error.
    pub fn execute_sql(&mut self, sql: &str, host: &dyn Host) -> PgResult<Vec<ExecOutput>> {
        let mut out = Vec::new();
        for mut stmt in parse_sql(sql)? {
            namespace::qualify(self, &mut stmt);
            out.push(self.execute(&stmt, host)?);
        }
        Ok(out)
    }

    /// Runs one statement against this node's tables.
    pub fn execute(&mut self, stmt: &Statement, host: &dyn Host) -> PgResult<ExecOutput> {
        let _functions = self.functions.activate();
        match stmt {
            Statement::Query(q) if dml::with::is_modifying(q) => dml::with::execute(self, q, host),
            Statement::Query(q) => Ok(ExecOutput::rows(self.query(q, host)?)),
            Statement::Insert(_)
            | Statement::Update { .. }
            | Statement::Delete(_)
            | Statement::Merge { .. }
            | Statement::Truncate { .. } => dml::execute(self, stmt, host),
            _ => ddl::execute(self, stmt, host),
        }
    }

    /// Runs a read-only query.
    pub fn query(&self, q: &Query, host: &dyn Host) -> PgResult<ResultSet> {
        let _functions = self.functions.activate();
        select::run_query(self, q, host)
    }

    /// Creates (`Some`) or drops (`None`) a sequence, remembering it for a rollback.
    pub fn put_sequence(&mut self, name: &str, seq: Option<Sequence>) {
        let before = match seq {
            Some(s) => self.sequences.get_mut().insert(name.to_string(), s),
            None => self.sequences.get_mut().remove(name),
        };
        let xid = self.storage.current();
        if xid != 0 {
            self.sequence_log
                .entry(xid)
                .or_default()
                .push((name.to_string(), before));
        }
    }

    /// The sequences `xid` created or dropped stay so.
    pub fn commit_sequences(&mut self, xid: storage::Xid) {
        self.sequence_log.remove(&xid);
    }

    /// Puts back the sequences `xid` created or dropped.
    pub fn abort_sequences(&mut self, xid: storage::Xid) {
        let Some(log) = self.sequence_log.remove(&xid) else {
            return;
        };
        let seqs = self.sequences.get_mut();
        for (name, before) in log.into_iter().rev() {
            match before {
                Some(s) => seqs.insert(name, s),
                None => seqs.remove(&name),
            };
        }
    }

    /// The definition of a stored table.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.storage.table(name)
    }
}
