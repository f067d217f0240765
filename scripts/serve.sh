#!/usr/bin/env bash
# Sets up the pinned toolchain (once) and serves the app at http://127.0.0.1:8080/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
exec trunk serve "$@"
