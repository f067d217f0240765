//! The psql session: runs a script or a chunk of interactive input against an executor (the
//! cluster), handling meta-commands and printing everything exactly as psql would.

use super::format::{self, Table, Verbosity};
use super::script::{Piece, Scanner};
use crate::cluster::{Cluster, NodeInfo, RelationInfo};
use crate::error::PgResult;
use crate::session::{BlockState, Completion, Finished, Reply, SessionId};
use crate::sql::{Outcome, TableDef};
use std::collections::{BTreeMap, VecDeque};

/// Something done to the cluster from outside (`\crash`, `\tick`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    Crash(String),
    Restart(String),
    Disconnect(String),
    Reconnect(String),
    /// `\fail NODE at STEP`; `None` disarms.
    Fail(String, Option<String>),
    /// Moves the logical clock on, in microseconds.
    Tick(i64),
    /// Replaces the cluster with a fresh coordinator and its workers.
    Reset,
    /// `\standby add NODE [PORT] [sync|async] [delay D]`.
    AddStandby {
        node: String,
        port: Option<u16>,
        mode: crate::replication::SyncMode,
        delay_us: i64,
    },
    /// `\standby`: lists the standbys.
    Standbys,
    /// `\ha on|off`.
    Ha(bool),
    Failover(String),
    Switchover(String),
}

/// What the runner needs from a cluster; a trait so tests can drive it with a fake.
pub trait Executor {
    fn execute(&mut self, session: SessionId, sql: &str) -> Reply;
    /// Opens session `id` (connected to the coordinator) if it is not open.
    fn open_session(&mut self, id: SessionId);
    fn nodes(&self) -> Vec<NodeInfo>;
    /// Every server a client can connect to: the nodes, then standbys and old primaries.
    fn servers(&self) -> Vec<NodeInfo> {
        self.nodes()
    }
    fn session_node(&self, session: SessionId) -> Option<String>;
    fn block_state(&self, session: SessionId) -> BlockState;
    fn connect(&mut self, session: SessionId, node: &str) -> PgResult<()>;
    fn connect_host_port(&mut self, session: SessionId, host: &str, port: u16) -> PgResult<()>;
    fn list_relations(&self, session: SessionId) -> Vec<RelationInfo>;
    fn describe_table(&self, session: SessionId, name: &str) -> PgResult<Option<TableDef>>;
    /// Statements that finished in sessions that had been waiting.
    fn take_finished(&mut self) -> Vec<Finished>;
    /// Cancels a session's waiting statement (psql's Ctrl-C); `false` when it was not waiting.
    fn cancel(&mut self, session: SessionId) -> bool;
    fn operate(&mut self, op: Operation) -> PgResult<String>;
    /// The session's `search_path` schemas (for what `\dt` lists without a schema).
    fn search_path(&self, _session: SessionId) -> Vec<String> {
        vec![crate::sql::namespace::PUBLIC.to_string()]
    }
    /// The schemas created on the session's node besides `public`.
    fn schemas(&self, _session: SessionId) -> Vec<String> {
        Vec::new()
    }
    /// The functions created on the session's node (`\df` lists them with the built-in ones).
    fn user_functions(&self, _session: SessionId) -> Vec<&'static crate::sql::catalog::Proc> {
        Vec::new()
    }
}

impl Executor for Cluster {
    fn execute(&mut self, session: SessionId, sql: &str) -> Reply {
        Cluster::execute_reply(self, session, sql)
    }
    fn open_session(&mut self, id: SessionId) {
        Cluster::open_session(self, id);
    }
    fn nodes(&self) -> Vec<NodeInfo> {
        Cluster::nodes(self)
    }
    fn servers(&self) -> Vec<NodeInfo> {
        Cluster::servers(self)
    }
    fn session_node(&self, session: SessionId) -> Option<String> {
        Cluster::session_node(self, session)
    }
    fn block_state(&self, session: SessionId) -> BlockState {
        Cluster::session_view(self, session)
            .map(|v| v.block)
            .unwrap_or_default()
    }
    fn connect(&mut self, session: SessionId, node: &str) -> PgResult<()> {
        Cluster::connect(self, session, node)
    }
    fn connect_host_port(&mut self, session: SessionId, host: &str, port: u16) -> PgResult<()> {
        Cluster::connect_host_port(self, session, host, port)
    }
    fn list_relations(&self, session: SessionId) -> Vec<RelationInfo> {
        Cluster::list_relations(self, session)
    }
    fn user_functions(&self, session: SessionId) -> Vec<&'static crate::sql::catalog::Proc> {
        Executor::session_node(self, session)
            .and_then(|n| self.node_db(&n).ok().map(|db| db.functions.all()))
            .unwrap_or_default()
    }
    fn describe_table(&self, session: SessionId, name: &str) -> PgResult<Option<TableDef>> {
        Cluster::describe_table(self, session, name)
    }
    fn take_finished(&mut self) -> Vec<Finished> {
        Cluster::take_finished(self)
    }
    fn cancel(&mut self, session: SessionId) -> bool {
        Cluster::cancel(self, session)
    }
    fn search_path(&self, session: SessionId) -> Vec<String> {
        let setting = self
            .sessions
            .get(&session)
            .and_then(|s| crate::executor::settings::get(s, "search_path"))
            .unwrap_or_default();
        crate::sql::namespace::parse_search_path(&setting)
    }
    fn schemas(&self, session: SessionId) -> Vec<String> {
        self.session_node(session)
            .and_then(|n| self.node_db(&n).ok())
            .map(|db| db.schemas.iter().cloned().collect())
            .unwrap_or_default()
    }
    fn operate(&mut self, op: Operation) -> PgResult<String> {
        match op {
            Operation::Crash(n) => self.crash(&n),
            Operation::Restart(n) => self.restart(&n),
            Operation::Disconnect(n) => self.disconnect(&n),
            Operation::Reconnect(n) => self.reconnect(&n),
            Operation::Fail(n, step) => self.arm_fault(&n, step.as_deref()),
            Operation::Tick(us) => Ok(self.tick(us)),
            Operation::AddStandby {
                node,
                port,
                mode,
                delay_us,
            } => self.add_standby(&node, port, mode, delay_us),
            Operation::Standbys => Ok(crate::replication::describe_standbys(&self.standbys())),
            Operation::Ha(on) => Ok(self.set_ha(on)),
            Operation::Failover(n) => self.failover(&n),
            Operation::Switchover(n) => self.switchover(&n),
            Operation::Reset => {
                *self = Cluster::new();
                let workers = self
                    .nodes()
                    .iter()
                    .filter(|n| n.name != "coordinator")
                    .count();
                Ok(format!(
                    "The cluster is new: a coordinator and {workers} workers, with no tables."
                ))
            }
        }
    }
}

/// `\x` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expanded {
    Off,
    On,
    Auto,
}

/// Where input comes from: a script (`psql -a -f FILE`, or piped stdin) or a person typing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Messages get the `psql:FILE:LINE: ` locus, a failed `\c` drops the connection.
    Script {
        file: String,
    },
    Interactive,
}

/// A psql session over an executor.
pub struct Runner<E: Executor = Cluster> {
    pub exec: E,
    /// The session psql drives; `None` after a failed `\c` in a script, as psql leaves it.
    pub session: Option<SessionId>,
    /// The session number `\session` last chose (kept when `session` is `None`).
    pub(super) current: SessionId,
    /// The host name the user connected with (`localhost` prints differently).
    pub(super) host: String,
    vars: BTreeMap<String, String>,
    pub expanded: Expanded,
    pub timing: bool,
    null_display: String,
    /// Milliseconds from some fixed point, for `\timing`.
    pub clock: fn() -> f64,
    pub(super) mode: Mode,
    lineno: usize,
    stopped: bool,
    out: String,
    /// The result tables of the current run and where their text sits in its output.
    tables: Vec<(std::ops::Range<usize>, Table)>,
}

/// A run under way, advanced by `Runner::step`: the lines not yet read and the statements
/// read but not yet run.
pub struct Steps<I> {
    lines: I,
    scanner: Scanner,
    queued: VecDeque<Piece>,
    done: bool,
    /// The lines read so far, each after the prompt psql showed when it read it.
    echo: String,
}

impl<I> Steps<I> {
    /// The input as psql echoes what is typed at it: each line after the prompt in force
    /// when it was read (`node=#` at a statement's start, `node-#` within one), so a line
    /// after `\c worker-1` or `BEGIN` shows the new node or marker.
    pub fn echo(&self) -> &str {
        &self.echo
    }
}

impl<I: ExactSizeIterator> Steps<I> {
    /// Whether a further step could still run something (input is left, or a statement is read
    /// but not run, or an unterminated one waits for the end of input).
    pub fn may_run_more(&self) -> bool {
        !self.done
            && (!self.queued.is_empty() || self.lines.len() > 0 || self.scanner.in_statement())
    }
}

/// What one `Runner::step` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Read a line (and queued the statements it ended).
    Read,
    /// Ran a statement or meta-command.
    Ran,
    /// Nothing left: the input ended, or an error stopped the run.
    Done,
}

#[cfg(not(target_arch = "wasm32"))]
fn wall_clock_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// The page's monotonic clock (`performance.now()`): std::time has no clock on wasm32.
#[cfg(target_arch = "wasm32")]
fn wall_clock_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

impl Runner<Cluster> {
    /// A fresh default cluster with psql connected to the coordinator.
    pub fn with_default_cluster() -> Self {
        Runner::new(Cluster::new())
    }
}

impl<E: Executor> Runner<E> {
    pub fn new(mut exec: E) -> Self {
        exec.open_session(1);
        let host = node_of(&exec, 1)
            .map(|n| n.host)
            .unwrap_or_else(|| "127.0.0.1".to_string());
        let vars = crate::sort::collect_map(
            [
                ("AUTOCOMMIT", "on"),
                ("DBNAME", "postgres"),
                ("ECHO", "none"),
                ("ENCODING", "UTF8"),
                ("ON_ERROR_STOP", "off"),
                ("QUIET", "off"),
                ("SHOW_CONTEXT", "errors"),
                ("USER", "postgres"),
                ("VERBOSITY", "default"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let mut runner = Runner {
            exec,
            session: Some(1),
            current: 1,
            host,
            vars,
            expanded: Expanded::Off,
            timing: false,
            null_display: String::new(),
            clock: wall_clock_ms,
            mode: Mode::Interactive,
            lineno: 0,
            stopped: false,
            out: String::new(),
            tables: Vec::new(),
        };
        runner.sync_conn_vars();
        runner
    }

    /// Runs a whole script as `psql -a` does (every line echoed), `file` naming it in messages
    /// (`<stdin>` when piped). Returns everything psql would print, stdout and stderr merged.
    pub fn run_script(&mut self, text: &str, file: &str) -> String {
        self.start_script(file);
        self.run_lines(text.lines(), None)
    }

    /// Runs a script as `run_script` does, but hands the output to `sink` piece by piece: a
    /// statement's output as soon as it is done, before the next one runs, as psql prints.
    /// `lines` may be read lazily (standard input).
    pub fn run_script_streaming<L: AsRef<str>>(
        &mut self,
        lines: impl IntoIterator<Item = L>,
        file: &str,
        sink: &mut dyn FnMut(&str),
    ) {
        self.start_script(file);
        self.run_lines(lines, Some(sink));
    }

    fn start_script(&mut self, file: &str) {
        self.mode = Mode::Script {
            file: file.to_string(),
        };
        self.vars.insert("ECHO".into(), "all".into());
    }

    /// Runs a chunk typed by a person (the UI): nothing echoed, no locus on messages.
    pub fn run_interactive(&mut self, text: &str) -> String {
        self.mode = Mode::Interactive;
        self.run_lines(text.lines(), None)
    }

    /// Whether `\q` was given.
    pub fn quit(&self) -> bool {
        self.stopped
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The result tables the last run printed, with the byte range of each one's text in the
    /// run's output (expanded `\x` results are not included).
    pub fn take_tables(&mut self) -> Vec<(std::ops::Range<usize>, Table)> {
        std::mem::take(&mut self.tables)
    }

    /// Runs the lines; with a sink, the output so far goes to it after every piece and line
    /// (and nothing is returned), else it is all returned at the end.
    fn run_lines<L: AsRef<str>>(
        &mut self,
        lines: impl IntoIterator<Item = L>,
        mut sink: Option<&mut dyn FnMut(&str)>,
    ) -> String {
        let mut steps = self.begin(lines);
        loop {
            let step = self.step(&mut steps);
            self.flush_to(&mut sink);
            if step == Step::Done {
                break;
            }
        }
        self.take_output()
    }

    fn begin<L: AsRef<str>, I: IntoIterator<Item = L>>(&mut self, lines: I) -> Steps<I::IntoIter> {
        self.out.clear();
        self.tables.clear();
        self.lineno = 0;
        self.stopped = false;
        Steps {
            lines: lines.into_iter(),
            scanner: Scanner::new(),
            queued: VecDeque::new(),
            done: false,
            echo: String::new(),
        }
    }

    /// Starts a chunk typed by a person, to be run by `step` (a caller can pause between
    /// statements); `take_output` then gives what `run_interactive` would have returned.
    pub fn begin_interactive(&mut self, text: &str) -> Steps<std::vec::IntoIter<String>> {
        self.mode = Mode::Interactive;
        let lines: Vec<String> = text.trim_end().lines().map(str::to_string).collect();
        self.begin(lines)
    }

    /// Reads one line or runs one statement or meta-command of a run.
    pub fn step<L: AsRef<str>, I: Iterator<Item = L>>(&mut self, steps: &mut Steps<I>) -> Step {
        if steps.done {
            return Step::Done;
        }
        if !self.stopped {
            if let Some(piece) = steps.queued.pop_front() {
                self.piece(piece);
                return Step::Ran;
            }
            if let Some(line) = steps.lines.next() {
                let line = line.as_ref();
                self.lineno += 1;
                let prompt = self.line_prompt(steps.scanner.in_statement());
                steps.echo.push_str(&format!("{prompt} {line}\n"));
                if self.var("ECHO") == Some("all") {
                    self.out.push_str(line);
                    self.out.push('\n');
                }
                let vars = self.vars.clone();
                let pieces = steps.scanner.feed_line(line, &|n| vars.get(n).cloned());
                steps.queued.extend(pieces);
                return Step::Read;
            }
            // psql sends an unterminated last statement as it is.
            if let Some(piece) = steps.scanner.finish() {
                self.piece(piece);
            }
        }
        // Lines a stop left unread are still shown as typed.
        for line in steps.lines.by_ref() {
            let prompt = self.line_prompt(true);
            steps
                .echo
                .push_str(&format!("{prompt} {}\n", line.as_ref()));
        }
        if steps.echo.is_empty() {
            steps.echo = format!("{}\n", self.line_prompt(false));
        }
        steps.done = true;
        Step::Done
    }

    /// Everything the run printed so far (a finished run's whole output).
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// Hands the pending output to the sink, if there is one (table ranges then no longer
    /// point into anything, so they go too).
    fn flush_to(&mut self, sink: &mut Option<&mut dyn FnMut(&str)>) {
        if let Some(sink) = sink {
            if !self.out.is_empty() {
                sink(&self.out);
                self.out.clear();
            }
            self.tables.clear();
        }
    }

    fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Statement {
                sql,
                expanded,
                gset,
            } => self.statement(&sql, expanded, gset.as_deref()),
            Piece::Meta { name, args } => self.meta(&name, &args),
        }
    }

    fn verbosity(&self) -> Verbosity {
        match self.var("VERBOSITY") {
            Some("verbose") => Verbosity::Verbose,
            Some("terse") => Verbosity::Terse,
            Some("sqlstate") => Verbosity::Sqlstate,
            _ => Verbosity::Default,
        }
    }

    fn quiet(&self) -> bool {
        self.var("QUIET") == Some("on")
    }

    /// `psql:FILE:LINE: ` in scripts.
    fn locus(&self) -> String {
        match &self.mode {
            Mode::Script { file } => format!("psql:{file}:{}: ", self.lineno),
            Mode::Interactive => String::new(),
        }
    }

    /// psql's own errors (`pg_log_error`): `psql:FILE:LINE: error: ` in scripts, bare otherwise.
    pub(super) fn psql_error(&mut self, msg: &str) {
        self.psql_message("error", msg);
    }

    /// psql's own warnings (`pg_log_warning`), as its errors but `warning: `.
    pub(super) fn psql_warning(&mut self, msg: &str) {
        self.psql_message("warning", msg);
    }

    fn psql_message(&mut self, level: &str, msg: &str) {
        let prefix = match &self.mode {
            Mode::Script { .. } => format!("{}{level}: ", self.locus()),
            Mode::Interactive => String::new(),
        };
        self.out.push_str(&prefix);
        self.out.push_str(msg);
        self.out.push('\n');
    }

    /// Informational lines psql suppresses with QUIET.
    pub(super) fn info(&mut self, msg: &str) {
        if !self.quiet() {
            self.out.push_str(msg);
            self.out.push('\n');
        }
    }

    fn statement(&mut self, sql: &str, gx: bool, gset: Option<&str>) {
        if is_empty_query(sql) {
            // the server answers an empty query (`;`, a lone comment) with nothing to print
            return;
        }
        if self.var("ECHO") == Some("queries") {
            self.out.push_str(sql);
            self.out.push('\n');
        }
        let Some(session) = self.session else {
            self.psql_error("You are currently not connected to a database.");
            self.error_stop();
            return;
        };
        let start = (self.clock)();
        let reply = self.exec.execute(session, sql);
        let elapsed = (self.clock)() - start;
        let waiting = matches!(reply.completion, Completion::Waiting(_));
        self.reply(reply, sql, gx, gset);
        if self.timing && !waiting {
            self.out.push_str(&timing_line(elapsed));
        }
        self.finished();
    }

    /// Prints what the server sent back for one statement; with `\gset`, its rows go into
    /// variables instead.
    fn reply(&mut self, reply: Reply, sql: &str, gx: bool, gset: Option<&str>) {
        let verbosity = self.verbosity();
        let locus = self.locus();
        for n in &reply.before {
            self.out.push_str(&format::notice(n, verbosity, &locus));
        }
        match reply.completion {
            Completion::Done(Ok(output)) => {
                for n in &output.notices {
                    self.out.push_str(&format::notice(n, verbosity, &locus));
                }
                // A modification's RETURNING rows come first, then its command tag.
                let returned = output.returned.as_ref().map(|rs| Outcome::Rows(rs.clone()));
                for outcome in returned.iter().chain(std::iter::once(&output.outcome)) {
                    match outcome {
                        Outcome::Rows(rs) if gset.is_some() => {
                            self.gset(rs, gset.unwrap_or_default());
                        }
                        Outcome::Rows(rs) => {
                            let table = Table::from_result(rs, &self.null_display);
                            let x = gx || self.expanded == Expanded::On;
                            if x {
                                self.out.push_str(&format::expanded(&table));
                            } else {
                                let start = self.out.len();
                                self.out.push_str(&format::aligned(&table));
                                self.tables.push((start..self.out.len(), table));
                            }
                        }
                        Outcome::Command(tag) => self.info(tag),
                    }
                }
            }
            Completion::Done(Err(e)) if e.sqlstate == crate::transaction::LOST_SQLSTATE => {
                // psql's own report: the server went away under the connection.
                self.out.push_str(&locus);
                self.out.push_str(&e.message);
                self.out.push('\n');
                // psql reconnects at once: it succeeds when a server answers at the node's
                // name again (restarted, or a promoted standby).
                let back = node_of(&self.exec, self.current).is_some_and(|n| n.is_up);
                self.out.push_str(&format!(
                    "The connection to the server was lost. Attempting reset: {}.\n",
                    if back { "Succeeded" } else { "Failed" }
                ));
                self.error_stop();
            }
            Completion::Done(Err(e)) => {
                self.out
                    .push_str(&format::query_error(&e, sql, verbosity, &locus));
                self.error_stop();
            }
            Completion::Waiting(info) => {
                self.out.push_str(&format!("-- {}\n", info.describe()));
            }
        }
        for n in &reply.after {
            self.out.push_str(&format::notice(n, verbosity, &locus));
        }
    }

    /// `\gset PREFIX`: the one row's columns become variables `PREFIXcolumn` (a NULL unsets
    /// its variable), as psql's StoreQueryTuple does.
    fn gset(&mut self, rs: &crate::sql::ResultSet, prefix: &str) {
        let row = match rs.rows.as_slice() {
            [row] => row,
            [] => {
                self.psql_error("no rows returned for \\gset");
                self.error_stop();
                return;
            }
            _ => {
                self.psql_error("more than one row returned for \\gset");
                self.error_stop();
                return;
            }
        };
        for (column, value) in rs.columns.iter().zip(row) {
            let name = format!("{prefix}{}", column.name);
            if SPECIAL_VARIABLES.contains(&name.as_str()) {
                self.psql_warning(&format!(
                    "attempt to \\gset into specially treated variable \"{name}\" ignored"
                ));
                continue;
            }
            match format::cell_text(value, &column.ty) {
                Some(text) if valid_variable_name(&name) => {
                    self.vars.insert(name, text);
                }
                Some(_) => {
                    self.psql_error(&format!("invalid variable name: \"{name}\""));
                    self.error_stop();
                    return;
                }
                // Unsetting a variable that cannot exist is not an error.
                None => {
                    self.vars.remove(&name);
                }
            }
        }
    }

    /// Cancels session `id`'s waiting statement; returns what psql prints for it.
    pub fn cancel(&mut self, id: SessionId) -> String {
        self.out.clear();
        if self.exec.cancel(id) {
            self.finished();
        }
        std::mem::take(&mut self.out)
    }

    /// Statements of other sessions that finished after waiting for a lock.
    fn finished(&mut self) {
        for f in self.exec.take_finished() {
            self.out.push_str(&format!(
                "-- session {} finished waiting: {}\n",
                f.session,
                one_line(&f.sql)
            ));
            self.reply(f.reply, &f.sql, false, None);
        }
    }

    /// The prompt before a line read at a statement's start (`node=#`) or within one
    /// (`node-#`), with the block's marker (`*`, `!`).
    pub fn line_prompt(&self, continuation: bool) -> String {
        let sep = if continuation { '-' } else { '=' };
        match self.session {
            None => "!#".to_string(),
            Some(id) => {
                let node = self.exec.session_node(id).unwrap_or_default();
                format!("{node}{sep}{}#", self.exec.block_state(id).prompt_marker())
            }
        }
    }

    /// psql's prompt for the session: `coordinator=#`, `coordinator=*#` in a transaction
    /// block, `coordinator=!#` in a failed one (the node stands where psql shows the database).
    pub fn prompt(&self) -> String {
        self.line_prompt(false)
    }

    pub(super) fn error_stop(&mut self) {
        if matches!(self.mode, Mode::Script { .. })
            && matches!(self.var("ON_ERROR_STOP"), Some("on" | "1" | "true"))
        {
            self.stopped = true;
        }
    }

    /// Keeps `DBNAME`, `HOST`, `PORT` in step with the connection, as psql does.
    pub(super) fn sync_conn_vars(&mut self) {
        if let Some(n) = self.current_node() {
            self.vars.insert("HOST".into(), self.host.clone());
            self.vars.insert("PORT".into(), n.port.to_string());
        }
    }

    pub(super) fn current_node(&self) -> Option<NodeInfo> {
        self.session.and_then(|s| node_of(&self.exec, s))
    }

    fn meta(&mut self, name: &str, args: &[String]) {
        match name {
            "c" | "connect" => self.connect(args),
            "conninfo" => self.conninfo(),
            "echo" => self.echo(args),
            "set" => self.set(args),
            "unset" => match args.first() {
                Some(n) => {
                    self.vars.remove(n);
                }
                None => self.psql_error("\\unset: missing required argument"),
            },
            "x" => self.expanded_cmd(args.first().map(String::as_str)),
            "timing" => self.timing_cmd(args.first().map(String::as_str)),
            "pset" => self.pset(args),
            "q" | "quit" => self.stopped = true,
            "session" => self.session_cmd(args),
            "cancel" => self.cancel_cmd(args),
            "crash" | "restart" | "disconnect" | "reconnect" | "fail" | "tick" => {
                self.fault_cmd(name, args)
            }
            "reset" => self.reset_cmd(args),
            "standby" | "ha" | "failover" | "switchover" => self.replication_cmd(name, args),
            "?" => {
                let help = super::help::text(self.expanded, self.timing);
                self.out.push_str(&help);
            }
            "d" | "d+" | "dt" | "dt+" | "ds" | "di" | "df" | "df+" | "dfS" | "dfS+" | "dn"
            | "dn+" => {
                let out = match self.session {
                    Some(s) => super::describe::run(&self.exec, s, name, args),
                    None => Err("You are currently not connected to a database.".to_string()),
                };
                match out {
                    Ok(text) => self.out.push_str(&text),
                    Err(msg) => self.psql_error(&msg),
                }
            }
            _ => {
                let msg = format!("invalid command \\{name}");
                match self.mode {
                    Mode::Script { .. } => self.psql_error(&msg),
                    Mode::Interactive => {
                        self.psql_error(&format!("{msg}\nTry \\? for help."));
                    }
                }
                self.error_stop();
            }
        }
    }

    fn echo(&mut self, args: &[String]) {
        let (newline, args) = match args.first().map(String::as_str) {
            Some("-n") => (false, args.get(1..).unwrap_or(&[])),
            _ => (true, args),
        };
        self.out.push_str(&args.join(" "));
        if newline {
            self.out.push('\n');
        }
    }

    fn set(&mut self, args: &[String]) {
        let Some(name) = args.first() else {
            let list: Vec<String> = self
                .vars
                .iter()
                .map(|(k, v)| format!("{k} = '{v}'\n"))
                .collect();
            self.out.push_str(&list.concat());
            return;
        };
        if !valid_variable_name(name) {
            self.psql_error(&format!("invalid variable name: \"{name}\""));
            return;
        }
        let value = args.get(1..).unwrap_or(&[]).concat();
        let value = match name.as_str() {
            "VERBOSITY" | "ECHO" | "SHOW_CONTEXT" => value.to_ascii_lowercase(),
            "ON_ERROR_STOP" | "QUIET" | "AUTOCOMMIT" => match value.to_ascii_lowercase().as_str() {
                "" | "on" | "true" | "1" | "yes" => "on".to_string(),
                "off" | "false" | "0" | "no" => "off".to_string(),
                _ => value,
            },
            _ => value,
        };
        if name == "VERBOSITY"
            && !matches!(value.as_str(), "default" | "verbose" | "terse" | "sqlstate")
        {
            self.psql_error(&format!(
                "unrecognized value \"{value}\" for \"VERBOSITY\"\nAvailable values are: default, verbose, terse, sqlstate."
            ));
            return;
        }
        self.vars.insert(name.clone(), value);
    }

    fn expanded_cmd(&mut self, arg: Option<&str>) {
        self.expanded = match arg.map(str::to_ascii_lowercase).as_deref() {
            None => match self.expanded {
                Expanded::On => Expanded::Off,
                _ => Expanded::On,
            },
            Some("on" | "true" | "1" | "yes") => Expanded::On,
            Some("off" | "false" | "0" | "no") => Expanded::Off,
            Some("auto") => Expanded::Auto,
            Some(other) => {
                self.psql_error(&format!(
                    "\\x: unrecognized value \"{other}\" for \"expanded\": Boolean expected"
                ));
                return;
            }
        };
        let msg = match self.expanded {
            Expanded::On => "Expanded display is on.",
            Expanded::Off => "Expanded display is off.",
            Expanded::Auto => "Expanded display is used automatically.",
        };
        self.info(msg);
    }

    fn timing_cmd(&mut self, arg: Option<&str>) {
        self.timing = match arg.map(str::to_ascii_lowercase).as_deref() {
            None => !self.timing,
            Some("on" | "true" | "1" | "yes") => true,
            Some("off" | "false" | "0" | "no") => false,
            Some(other) => {
                self.psql_error(&format!(
                    "unrecognized value \"{other}\" for \"\\timing\": Boolean expected"
                ));
                return;
            }
        };
        let msg = if self.timing {
            "Timing is on."
        } else {
            "Timing is off."
        };
        self.info(msg);
    }

    fn pset(&mut self, args: &[String]) {
        match (args.first().map(String::as_str), args.get(1)) {
            (Some("null"), value) => {
                self.null_display = value.cloned().unwrap_or_default();
                let msg = format!("Null display is \"{}\".", self.null_display);
                self.info(&msg);
            }
            (Some("expanded" | "x"), value) => self.expanded_cmd(value.map(String::as_str)),
            (Some(other), _) => self.psql_error(&format!("\\pset: unknown option: {other}")),
            (None, _) => self.psql_error("\\pset: missing required argument"),
        }
    }

    fn conninfo(&mut self) {
        match self.current_node() {
            Some(n) => {
                let msg = format!(
                    "You are connected to database \"postgres\" as user \"postgres\" {} at port \"{}\".",
                    super::connect::host_phrase(&self.host, &n.host),
                    n.port
                );
                self.out.push_str(&msg);
                self.out.push('\n');
            }
            None => self
                .out
                .push_str("You are currently not connected to a database.\n"),
        }
    }
}

/// psql's variables with hooks (settings it acts on), which `\gset` leaves alone.
const SPECIAL_VARIABLES: &[&str] = &[
    "AUTOCOMMIT",
    "COMP_KEYWORD_CASE",
    "ECHO",
    "ECHO_HIDDEN",
    "FETCH_COUNT",
    "HIDE_TABLEAM",
    "HIDE_TOAST_COMPRESSION",
    "HISTCONTROL",
    "HISTFILE",
    "HISTSIZE",
    "IGNOREEOF",
    "ON_ERROR_ROLLBACK",
    "ON_ERROR_STOP",
    "PROMPT1",
    "PROMPT2",
    "PROMPT3",
    "QUIET",
    "SHOW_ALL_RESULTS",
    "SHOW_CONTEXT",
    "SINGLELINE",
    "SINGLESTEP",
    "VERBOSITY",
];

/// psql's `valid_variable_name`: ASCII letters, digits and underscores, or non-ASCII.
fn valid_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
}

/// Whether SQL text holds nothing but whitespace, comments and semicolons.
fn is_empty_query(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            // block comments nest in PostgreSQL
            let mut depth = 1usize;
            let mut it = r.char_indices().peekable();
            let mut end = r.len();
            while let Some((i, c)) = it.next() {
                let next = it.peek().map(|&(_, n)| n);
                if c == '/' && next == Some('*') {
                    depth += 1;
                    it.next();
                } else if c == '*' && next == Some('/') {
                    depth -= 1;
                    it.next();
                    if depth == 0 {
                        end = i + 2;
                        break;
                    }
                }
            }
            rest = r.get(end..).unwrap_or("");
        } else {
            return rest.is_empty();
        }
    }
}

/// The node a session is connected to.
pub(super) fn node_of<E: Executor>(exec: &E, session: SessionId) -> Option<NodeInfo> {
    let node = exec.session_node(session)?;
    exec.servers().into_iter().find(|n| n.name == node)
}

/// A statement on one line, for the line announcing it finished.
fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Time: 0.123 ms`, with psql's `(mm:ss.fff)` suffix from one second on.
pub fn timing_line(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
    if ms < 1000.0 {
        return format!("Time: {ms:.3} ms\n");
    }
    let total_s = ms / 1000.0;
    let minutes = (total_s / 60.0).floor();
    let seconds = total_s - minutes * 60.0;
    if minutes < 60.0 {
        return format!(
            "Time: {ms:.3} ms ({:02}:{:06.3})\n",
            minutes as u64, seconds
        );
    }
    let hours = (minutes / 60.0).floor();
    let minutes = minutes - hours * 60.0;
    format!(
        "Time: {ms:.3} ms ({:02}:{:02}:{:06.3})\n",
        hours as u64, minutes as u64, seconds
    )
}

/// Runs one chunk of input typed in the UI and returns what psql would print.
pub fn run_chunk(runner: &mut Runner<Cluster>, input: &str) -> String {
    runner.run_interactive(input)
}

mod faults;
mod replication;
#[cfg(test)]
mod tests;
