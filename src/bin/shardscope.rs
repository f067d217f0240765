//! `shardscope FILE.sql` (or SQL on stdin): runs the script against a fresh default cluster and
//! prints what `psql -a` would print. Exit code 0 even after SQL errors, as psql.

use shardscope::psql::Runner;
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("bench") {
        return bench();
    }
    let (text, name) = match arg.as_deref() {
        None | Some("-") => {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("shardscope: could not read standard input: {e}");
                return ExitCode::FAILURE;
            }
            (text, "<stdin>".to_string())
        }
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => (text, path.to_string()),
            Err(e) => {
                eprintln!("shardscope: could not read file \"{path}\": {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let mut runner = Runner::with_default_cluster();
    emit(&runner.run_script(&text, &name))
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
