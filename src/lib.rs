//! ShardScope: a Citus cluster of GlueSQL nodes, deterministic and small enough for a browser tab.

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod cluster;
pub mod connection;
pub mod error;
pub mod executor;
pub mod hashing;
pub mod metadata;
pub mod network;
pub mod node;
pub mod operations;
pub mod planner;
pub mod psql;
pub mod replication;
pub mod session;
pub mod simulate;
pub mod sort;
pub mod sql;
pub mod trace;
pub mod transaction;
pub mod types;
#[cfg(target_arch = "wasm32")]
pub mod ui;
pub mod viz;
