//! Merge joins against a reference: random keys with NULLs and duplicates, each join kind run
//! as the planner's merge join (plain equality on never-analyzed tables) and as a nested loop
//! over the same condition written so no join key can be taken from it.

mod common;
use common::*;
use shardscope::sql::Database;
use shardscope::types::{SqlType, Value};

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn table(db: &mut Database, name: &str, rng: &mut Rng, n: usize) {
    let rows = (0..n)
        .map(|i| {
            let k = match rng.next(6) {
                0 => Value::Null,
                _ => Value::Int4(rng.next(8) as i32),
            };
            vec![k, Value::Int4(i as i32)]
        })
        .collect();
    add_table(
        db,
        name,
        &[("k", SqlType::Int4), ("n", SqlType::Int4)],
        rows,
    );
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn merge_joins_return_what_nested_loops_return() {
    for seed in 1..40u64 {
        let mut rng = Rng(seed * 0x9E37_79B9_7F4A_7C15);
        let mut db = Database::default();
        let (na, nb) = (rng.next(12) as usize, rng.next(12) as usize);
        table(&mut db, "a", &mut rng, na);
        table(&mut db, "b", &mut rng, nb);
        for kind in ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"] {
            let cols = "a.k, a.n, b.k, b.n";
            let merged = rows(&db, &format!("SELECT {cols} FROM a {kind} b ON a.k = b.k"));
            let reference = rows(
                &db,
                &format!("SELECT {cols} FROM a {kind} b ON a.k = b.k + 0"),
            );
            assert_eq!(
                sorted(merged.clone()),
                sorted(reference),
                "seed {seed}, {kind}"
            );
            // A merge join returns its matched rows in key order.
            if kind == "JOIN" {
                let keys: Vec<i64> = merged
                    .iter()
                    .filter_map(|r| r.split('|').next()?.parse().ok())
                    .collect();
                assert!(
                    keys.windows(2).all(|w| w[0] <= w[1]),
                    "seed {seed}: {merged:?}"
                );
            }
        }
    }
}
