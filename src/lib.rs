//! ShardScope: a Citus cluster of GlueSQL nodes, deterministic and small enough for a browser tab.

pub mod cluster;
pub mod error;
pub mod hashing;
pub mod sql;
pub mod trace;
pub mod types;
#[cfg(target_arch = "wasm32")]
pub mod ui;
pub mod viz;
