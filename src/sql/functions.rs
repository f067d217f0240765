//! Built-in scalar functions (string, math, date/time, hash functions, sequences).

use super::eval::EvalCtx;
use crate::error::PgResult;
use crate::types::Value;

/// Calls a built-in scalar function by lower-case name; `None` when there is no such built-in.
pub fn call_builtin(name: &str, args: Vec<Value>, ctx: &EvalCtx) -> Option<PgResult<Value>> {
    let _ = (name, args, ctx);
    None
}
