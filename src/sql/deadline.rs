//! `statement_timeout`: the client statement running now may carry a deadline, and the
//! engine's long loops (scans, joins, grouping, sorting, `generate_series`) check it
//! cooperatively. With no deadline armed (the default, and always in the simulator) a check
//! reads no clock, so runs stay deterministic.
//!
//! The deadline lives in a thread-local: the whole cluster runs one statement at a time on
//! one thread, and the worker tasks a statement sends run inside it.

use crate::error::{PgError, PgResult};
use std::cell::Cell;

thread_local! {
    /// When the running statement must stop, in `now_ms` milliseconds.
    static DEADLINE: Cell<Option<f64>> = const { Cell::new(None) };
    /// Checks since the clock was last read: reading it on every row would cost more than
    /// the work being timed.
    static TICKS: Cell<u32> = const { Cell::new(0) };
}

/// How many checks pass between two readings of the clock.
const CHECKS_PER_CLOCK_READ: u32 = 256;

/// PostgreSQL's error for a statement that ran past `statement_timeout`.
pub fn timeout_error() -> PgError {
    PgError::new("57014", "canceling statement due to statement timeout")
}

pub fn is_timeout(e: &PgError) -> bool {
    e.sqlstate == "57014"
}

/// Milliseconds on the host's monotonic clock.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// Milliseconds on the browser's clock (`performance.now()`).
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// A deadline armed for one statement; dropping it disarms it (restoring any outer one).
pub struct Armed {
    previous: Option<f64>,
}

impl Drop for Armed {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.previous));
    }
}

/// Arms a deadline `timeout_ms` from now; 0 (or less) means no timeout.
pub fn arm(timeout_ms: i64) -> Armed {
    let at = (timeout_ms > 0).then(|| now_ms() + timeout_ms as f64);
    TICKS.with(|t| t.set(0));
    Armed {
        previous: DEADLINE.with(|d| d.replace(at)),
    }
}

/// Fails once the armed deadline has passed; free when none is armed.
#[inline]
pub fn check() -> PgResult<()> {
    match DEADLINE.with(Cell::get) {
        None => Ok(()),
        Some(at) => check_clock(at),
    }
}

#[cold]
fn check_clock(at: f64) -> PgResult<()> {
    let ticks = TICKS.with(|t| {
        let n = t.get();
        t.set(n.wrapping_add(1));
        n
    });
    if ticks.is_multiple_of(CHECKS_PER_CLOCK_READ) && now_ms() >= at {
        // Every later check fails at once too, until the statement is over.
        TICKS.with(|t| t.set(0));
        return Err(timeout_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_deadline_never_fails() {
        for _ in 0..10_000 {
            assert!(check().is_ok());
        }
    }

    #[test]
    fn a_passed_deadline_fails_and_disarming_restores_the_outer_one() {
        {
            let _armed = arm(1);
            let start = now_ms();
            while now_ms() - start < 5.0 {}
            assert_eq!(check().map_err(|e| e.sqlstate), Err("57014"));
            assert!(check().is_err());
        }
        assert!(check().is_ok());
    }
}
