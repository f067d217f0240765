#!/usr/bin/env bash
# Fails when a tracked file reads outside the repository: a user's clone has nothing beside it,
# so tests, scripts, the build and the app must only use what the repository holds.
set -euo pipefail
cd "$(dirname "$0")/.."

# Built from parts so that this script does not match itself.
outside='\.\./'"shared|/work/"'shared'
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-self-contained: not a git checkout, skipped"
  exit 0
fi
hits=$(git ls-files -z | xargs -0 grep -nE "$outside" -- 2>/dev/null || true)
if [[ -n "$hits" ]]; then
  echo "error: these tracked files read outside the repository (a fresh clone has no such folder):" >&2
  echo "$hits" >&2
  echo "Copy what they need into the repository (tests/fixtures/ for test data) and read it from there." >&2
  exit 1
fi
