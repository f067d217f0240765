//! psql as the learner drives it: the statement splitter, the meta-commands, and output that is
//! byte for byte what psql prints.

mod connect;
pub mod cursor;
pub mod describe;
pub mod format;
mod help;
pub mod runner;
pub mod script;
pub mod width;

pub use runner::{run_chunk, Executor, Expanded, Mode, Runner};
