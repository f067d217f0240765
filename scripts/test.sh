#!/usr/bin/env bash
# Sets up the pinned toolchain and runs every test: formatting, lints (native and wasm32),
# unit and integration tests, the release web build, and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Before anything slow: a clone must not need files from outside the repository.
scripts/check-self-contained.sh
scripts/setup.sh --tests
export PATH="$HOME/.cargo/bin:$PATH"

# Each step says how long the run has taken so far, so a slow step is easy to spot.
step() { printf '\n=== %s (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (native)"
cargo clippy --all-targets -- -D warnings

step "cargo clippy (wasm32)"
cargo clippy --target wasm32-unknown-unknown --lib --bins --tests -- -D warnings

step "cargo test --release"
cargo test --release

step "component tests (wasm-pack, headless Chromium)"
# webdriver.json gives Chromium the flags it needs here; chromedriver comes from apt.
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=300 \
  wasm-pack test --headless --chrome -- --lib

step "trunk build --release"
trunk build --release

step "browser tests"
(cd tests/e2e && node --test --test-concurrency=1 app.test.mjs)

step "all tests passed"
