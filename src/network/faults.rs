//! Faults a learner arms for the next commit: `\fail NODE at STEP`.

use crate::error::{PgError, PgResult};

/// A step of a distributed commit at which a node can be made to crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultStep {
    /// Before the node receives PREPARE TRANSACTION (or, for the coordinator, before it sends
    /// any).
    BeforePrepare,
    /// Right after the node prepared its branch, before its answer arrives (the coordinator:
    /// after every participant prepared, before its commit decision).
    AfterPrepare,
    /// After the coordinator's commit decision (with its `pg_dist_transaction` records) is
    /// durable, before COMMIT PREPARED reaches the node.
    AfterCommitRecord,
    /// While COMMIT PREPARED is on its way to the node (the coordinator: after sending the
    /// first one).
    DuringCommitPrepared,
}

impl FaultStep {
    pub const ALL: [FaultStep; 4] = [
        FaultStep::BeforePrepare,
        FaultStep::AfterPrepare,
        FaultStep::AfterCommitRecord,
        FaultStep::DuringCommitPrepared,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultStep::BeforePrepare => "before-prepare",
            FaultStep::AfterPrepare => "after-prepare",
            FaultStep::AfterCommitRecord => "after-commit-record",
            FaultStep::DuringCommitPrepared => "during-commit-prepared",
        }
    }

    pub fn parse(text: &str) -> PgResult<FaultStep> {
        FaultStep::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| {
                PgError::new("22023", format!("unknown fault step \"{text}\"")).with_hint(
                    "The steps are before-prepare, after-prepare, after-commit-record and during-commit-prepared.",
                )
            })
    }
}

/// A one-shot crash of `node` at `step` of the next two-phase commit that reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArmedFault {
    pub node: String,
    pub step: FaultStep,
}
