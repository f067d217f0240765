//! View models the browser UI renders, kept free of any web dependency so they compile and are
//! unit-tested natively: the verdict over a statement's trace, the cluster-map geometry, the
//! console history and transcript.

pub mod animation;
pub mod export;
pub mod ha_story;
pub mod hashview;
pub mod history;
pub mod journal;
pub mod layout;
pub mod lessons;
mod lessons_replication;
pub mod plan;
pub mod transcript;
pub mod verdict;
