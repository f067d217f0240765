//! PostgreSQL-style errors and notices: what psql prints as `ERROR:  ...`, `DETAIL:  ...`, `HINT:  ...`.

use std::fmt;

/// An error as the server reports it. `sqlstate` is shown only with `\set VERBOSITY verbose`.
///
/// The fields live behind one pointer: every evaluation step returns a `PgResult`, and a
/// result as small as the value it carries is moved in registers instead of through memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgError(Box<ErrorFields>);

/// What an error says; read and written through `PgError` (`e.message`, `e.hint = ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorFields {
    pub sqlstate: &'static str,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<Box<str>>,
    /// Citus adds `while executing command on HOST:PORT` for errors raised by a worker.
    pub context: Option<Box<str>>,
    /// Where in the statement text the error was found: a 1-based character offset, as
    /// PostgreSQL's cursor position (psql shows it as `LINE n:` with a caret).
    pub position: Option<u32>,
    /// Set when the statement must wait for another transaction's row lock instead of failing.
    pub wait: Option<Box<crate::sql::storage::LockWait>>,
}

pub type PgResult<T> = Result<T, PgError>;

impl std::ops::Deref for PgError {
    type Target = ErrorFields;
    fn deref(&self) -> &ErrorFields {
        &self.0
    }
}

impl std::ops::DerefMut for PgError {
    fn deref_mut(&mut self) -> &mut ErrorFields {
        &mut self.0
    }
}

impl PgError {
    pub fn new(sqlstate: &'static str, message: impl Into<String>) -> Self {
        PgError(Box::new(ErrorFields {
            sqlstate,
            message: message.into(),
            detail: None,
            hint: None,
            context: None,
            position: None,
            wait: None,
        }))
    }

    /// The fields, to move out of.
    pub fn into_fields(self) -> ErrorFields {
        *self.0
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into().into_boxed_str());
        self
    }

    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into().into_boxed_str());
        self
    }

    pub fn with_position(mut self, position: usize) -> Self {
        self.position = u32::try_from(position).ok();
        self
    }

    /// 42601
    pub fn syntax(message: impl Into<String>) -> Self {
        Self::new("42601", message)
    }

    /// 0A000
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new("0A000", message)
    }

    /// 42P01
    pub fn undefined_table(name: &str) -> Self {
        Self::new("42P01", format!("relation \"{name}\" does not exist"))
    }

    /// 42703
    pub fn undefined_column(name: &str) -> Self {
        Self::new("42703", format!("column \"{name}\" does not exist"))
    }

    /// 42883
    pub fn undefined_function(signature: &str) -> Self {
        Self::new("42883", format!("function {signature} does not exist")).with_hint(
            "No function matches the given name and argument types. You might need to add explicit type casts.",
        )
    }

    /// 22P02
    pub fn invalid_text(type_name: &str, input: &str) -> Self {
        Self::new(
            "22P02",
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    }

    /// XX000: an internal error; shown rather than panicking.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("XX000", message)
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR:  {}", self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, "\nDETAIL:  {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nHINT:  {hint}")?;
        }
        if let Some(context) = &self.context {
            write!(f, "\nCONTEXT:  {context}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PgError {}

/// How severe a message that is not an error is; `client_min_messages` filters on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Debug,
    Log,
    Notice,
    Warning,
}

impl Severity {
    /// The label psql prints (`NOTICE`, `WARNING`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Debug => "DEBUG",
            Severity::Log => "LOG",
            Severity::Notice => "NOTICE",
            Severity::Warning => "WARNING",
        }
    }

    /// The lowest severity a session's `client_min_messages` lets through.
    pub fn threshold(setting: &str) -> Severity {
        match setting.to_ascii_lowercase().as_str() {
            s if s.starts_with("debug") => Severity::Debug,
            "log" => Severity::Log,
            "warning" | "error" => Severity::Warning,
            _ => Severity::Notice,
        }
    }
}

/// A NOTICE (or WARNING, LOG) the server sends alongside a result
/// (`NOTICE:  table "x" does not exist, skipping`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub severity: Severity,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    pub context: Option<String>,
}

impl Notice {
    pub fn new(message: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Notice,
            message: message.into(),
            detail: None,
            hint: None,
            context: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Warning,
            ..Notice::new(message)
        }
    }

    pub fn debug(message: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Debug,
            ..Notice::new(message)
        }
    }

    pub fn log(message: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Log,
            ..Notice::new(message)
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}
