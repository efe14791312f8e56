#!/usr/bin/env bash
# Every test: formatting and lints, Rust unit + integration + property tests, the wasm
# build (sizes printed), and the browser end-to-end tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test
node www/build.mjs
shopt -s nullglob
e2e=(tests/e2e/*.test.mjs)
if [ ${#e2e[@]} -gt 0 ]; then
  node --test --test-concurrency=1 "${e2e[@]}"
fi
