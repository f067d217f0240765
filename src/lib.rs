//! ShardScope: a Citus cluster of GlueSQL nodes, deterministic and small enough for a browser tab.

pub mod cluster;
pub mod error;
pub mod executor;
pub mod hashing;
pub mod metadata;
pub mod operations;
pub mod planner;
pub mod sql;
pub mod trace;
pub mod types;
