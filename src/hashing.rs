//! PostgreSQL's hash functions and Citus's shard ranges.
