//! `shardscope FILE.sql` (or SQL on stdin): runs the script against a fresh default cluster and
//! prints what `psql -a` would print, each statement's output as soon as it is done. Exit code
//! 0 even after SQL errors, as psql.

use shardscope::psql::Runner;
use std::io::{BufRead, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("bench") {
        return bench();
    }
    if arg.as_deref() == Some("simulate") {
        return simulate(std::env::args().skip(2).collect());
    }
    let mut runner = Runner::with_default_cluster();
    match arg.as_deref() {
        // Read as psql reads a pipe: line by line, each statement run as soon as it is complete.
        None | Some("-") => {
            let mut failed = None;
            let lines = std::io::stdin()
                .lock()
                .lines()
                .map_while(|line| line.map_err(|e| failed = Some(e)).ok());
            runner.run_script_streaming(lines, "<stdin>", &mut print_now);
            if let Some(e) = failed {
                eprintln!("shardscope: could not read standard input: {e}");
                return ExitCode::FAILURE;
            }
        }
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => runner.run_script_streaming(text.lines(), path, &mut print_now),
            Err(e) => {
                eprintln!("shardscope: could not read file \"{path}\": {e}");
                return ExitCode::FAILURE;
            }
        },
    }
    ExitCode::SUCCESS
}

/// Writes one statement's output at once; a reader that stops early (`| head`) ends the run
/// quietly, as it ends psql.
fn print_now(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("shardscope: could not write output: {e}");
        }
        std::process::exit(if e.kind() == std::io::ErrorKind::BrokenPipe {
            0
        } else {
            1
        });
    }
}

/// `shardscope simulate --seeds N [--from S]`: the fault simulator over N seeds.
fn simulate(args: Vec<String>) -> ExitCode {
    let mut seeds = 100u64;
    let mut first = 1u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--seeds", Some(n)) => seeds = n,
            ("--from", Some(n)) => first = n,
            _ => {
                eprintln!("usage: shardscope simulate [--seeds N] [--from FIRST_SEED]");
                return ExitCode::FAILURE;
            }
        }
    }
    let (stats, violations) = shardscope::simulate::run_seeds(first, seeds);
    let mut report = String::new();
    for v in &violations {
        report.push_str(v);
        report.push('\n');
    }
    report.push_str(&format!(
        "simulate: transfers committed {}, rolled back {}, in doubt {}; lock waits {}, armed faults fired {}, prepared branches recovered {}\n",
        stats.committed,
        stats.rolled_back,
        stats.in_doubt,
        stats.lock_waits,
        stats.faults_fired,
        stats.recovered
    ));
    report.push_str(&format!(
        "simulate: standby promotions {} ({} lost asynchronous transactions, all reported), WAL messages {}\n",
        stats.promotions, stats.lossy_promotions, stats.wal_messages
    ));
    report.push_str(&format!(
        "simulate: {seeds} seeds, {} violations",
        violations.len()
    ));
    let code = emit(&format!("{report}\n"));
    if violations.is_empty() {
        code
    } else {
        ExitCode::FAILURE
    }
}

/// Writes the output; a reader that stops early (`| head`) is not an error, as for psql.
fn emit(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shardscope: could not write output: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn bench() -> ExitCode {
    match shardscope::bench::run() {
        Ok(report) => emit(&format!("{report}\n")),
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn bench() -> ExitCode {
    eprintln!("bench: runs natively only");
    ExitCode::FAILURE
}
