#!/usr/bin/env bash
# Installs the pinned tools ShardScope needs, skipping whatever is already there.
#   scripts/setup.sh            tools to build and serve the app
#   scripts/setup.sh --tests    plus Chromium, chromedriver and the e2e node packages
# Everything comes from package registries (apt, crates.io, npm); nothing from GitHub.
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.13.1
# Must equal the wasm-bindgen version in Cargo.lock.
WASM_BINDGEN_VERSION=0.2.130
# npm's binaryen package; Trunk.toml pins its major version as wasm_opt.
BINARYEN_VERSION=132.0.0

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

with_tests=false
[[ "${1:-}" == "--tests" ]] && with_tests=true

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_updated=false
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  echo "setup: apt-get install ${missing[*]}"
  if ! $apt_updated; then
    as_root apt-get update -q
    apt_updated=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# A C toolchain for crates with native parts (trunk's compression libraries).
apt_install build-essential pkg-config ca-certificates

# wasm-opt, which `trunk build --release` runs on the app's wasm: npm's binaryen package (binaryen
# compiled to wasm, run by node), linked into ~/.cargo/bin beside trunk. Not Debian's binaryen:
# bookworm has version 108, which writes an exported table with index 0 (fixed in version 110)
# and so breaks wasm-bindgen's externref table. Trunk.toml pins the version, so that Trunk uses
# this one and never downloads its own.
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
binaryen_major=${BINARYEN_VERSION%%.*}
if [[ "$(wasm-opt --version 2>/dev/null || true)" != "wasm-opt version $binaryen_major (version_$binaryen_major)" ]]; then
  npm install --global --no-audit --no-fund --prefix "$HOME/.cargo/binaryen" "binaryen@$BINARYEN_VERSION"
  mkdir -p "$HOME/.cargo/bin"
  ln -sf "$HOME/.cargo/binaryen/bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"
fi
if ! grep -qx "wasm_opt = \"version_$binaryen_major\"" Trunk.toml; then
  echo "setup: Trunk.toml must pin wasm_opt = \"version_$binaryen_major\" (binaryen $BINARYEN_VERSION)" >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

locked=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if [[ "$locked" != "$WASM_BINDGEN_VERSION" ]]; then
  echo "setup: Cargo.lock has wasm-bindgen $locked but the pinned CLI is $WASM_BINDGEN_VERSION" >&2
  exit 1
fi

# The tools are built without link-time optimisation and with parallel code generation: the
# same pinned versions, compiled in about a fifth less time on two cores, and as fast for our use.
# Only for the tools: ShardScope's own builds keep its Cargo.toml profiles.
install_tool() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install "$@"
}

if [[ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]]; then
  install_tool --locked trunk --version "$TRUNK_VERSION"
fi
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  # Not --locked: the CLI's own lockfile pins a yanked webpki-roots that no longer resolves.
  install_tool wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if $with_tests; then
  apt_install chromium chromium-driver
  # Component tests run through wasm-pack with the wasm-bindgen-test-runner installed above.
  if [[ "$(wasm-pack --version 2>/dev/null || true)" != "wasm-pack $WASM_PACK_VERSION" ]]; then
    install_tool --locked wasm-pack --version "$WASM_PACK_VERSION"
  fi
  # npm ci only when node_modules was not installed from this very package-lock.json.
  if ! cmp -s tests/e2e/package-lock.json tests/e2e/node_modules/.installed-from-lock; then
    (cd tests/e2e && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.installed-from-lock)
  fi
fi
