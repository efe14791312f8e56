#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently: the wasm32 target, the
# wasm-bindgen CLI pinned to Cargo.lock's wasm-bindgen, npm packages, and Debian's
# chromium (when missing and we are root). Safe to run on every `npm start`/`npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must equal the wasm-bindgen crate version in Cargo.lock.
# Only when missing: generate-lockfile re-resolves every version (to the newest in the local
# cache with --offline), which rewrote the tracked lock on each run.
[ -f Cargo.lock ] || cargo generate-lockfile --offline >/dev/null 2>&1 || cargo generate-lockfile
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  echo "setup: installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes"
  # Not --locked: a crate pinned in its lock file is missing from the registry here.
  # --force: cargo's install records may list it although the binary is gone.
  cargo install wasm-bindgen-cli --version "$want" --force
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$want" != "$have" ]; then
    echo "setup: wasm-bindgen $want is still not on PATH (found: ${have:-none}); is ~/.cargo/bin on PATH?" >&2
    exit 1
  fi
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
   || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is missing and we are not root; browser tests will fail" >&2
  fi
fi

# The Python package (pkg-template/python): a virtualenv in target/venv with maturin, pytest
# and the engines the tests drive (pyarrow, DuckDB, PySpark), and the leadscore wheel
# built by maturin and installed into it. Rebuilt only when the crate or the package changed.
py=target/venv/bin/python
if [ ! -x "$py" ]; then
  echo "setup: creating the Python virtualenv target/venv"
  python3 -m venv target/venv
fi
if ! "$py" -c 'import maturin, pytest, pyarrow, duckdb, pyspark, pandas, polars' >/dev/null 2>&1; then
  echo "setup: installing maturin, pytest, pyarrow, duckdb, pyspark (with pandas, which its Arrow functions import), polars into target/venv"
  "$py" -m pip install -q --disable-pip-version-check maturin pytest pyarrow duckdb pyspark 'pandas<3' polars
fi
stamp=target/wheels/.built
if [ ! -f "$stamp" ] || [ -n "$(find src Cargo.toml Cargo.lock pkg-template/python -newer "$stamp" -print -quit)" ] \
   || ! "$py" -c 'import leadscore._native' >/dev/null 2>&1; then
  echo "setup: building the leadscore wheel (maturin, crate src/python)"
  rm -f target/wheels/leadscore-*.whl
  # maturin reads pyproject.toml from the directory it runs in.
  (cd pkg-template/python && CARGO_TARGET_DIR="$OLDPWD/target/python" PYO3_PYTHON="$OLDPWD/$py" \
    "$OLDPWD/target/venv/bin/maturin" build --quiet --release -o "$OLDPWD/target/wheels")
  "$py" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/leadscore-*.whl
  touch "$stamp"
fi
