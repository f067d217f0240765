//! The seeded fault simulator over many seeds: random transfers from three sessions with
//! crashes, cut links and faults armed at every step of two-phase commit, and (on most seeds)
//! streaming standbys with failovers, switchovers and the HA manager. After recovery no
//! transaction is half there, every acknowledged commit is visible, nothing is left prepared,
//! locked or recorded, no synchronous failover lost anything, every asynchronous loss was
//! reported, and every standby holds what its primary holds. A failure names its seed (`shardscope simulate --from SEED
//! --seeds 1` replays it).

use shardscope::simulate::run_seeds;

fn check(first: u64, count: u64) {
    let (stats, violations) = run_seeds(first, count);
    assert!(
        violations.is_empty(),
        "{} of {count} seeds broke a promise:\n{}",
        violations.len(),
        violations.join("\n")
    );
    // The runs did exercise what they check.
    assert!(stats.committed > 0 && stats.rolled_back > 0, "{stats:?}");
    assert!(stats.faults_fired > 0 && stats.recovered > 0, "{stats:?}");
    assert!(stats.lock_waits > 0 && stats.in_doubt > 0, "{stats:?}");
    assert!(
        stats.promotions > 0 && stats.lossy_promotions > 0,
        "{stats:?}"
    );
    assert!(stats.wal_messages > 0, "{stats:?}");
}

#[test]
fn seeds_1_to_8000_keep_commit_and_replication_promises() {
    check(1, 8000);
}

#[test]
fn seeds_8001_to_16000_keep_commit_and_replication_promises() {
    check(8001, 8000);
}

#[test]
fn the_same_seed_runs_the_same_way() {
    let a = shardscope::simulate::run_seed(42);
    let b = shardscope::simulate::run_seed(42);
    assert_eq!(a, b);
    assert!(a.is_ok());
}
