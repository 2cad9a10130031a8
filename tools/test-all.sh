#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust tests (unit, integration, doc), the check that
# our keys load in the original Python library, and the real-sprite interop suite in a headless
# Scratch VM. Installs what it needs (Debian packages, a Python venv, npm packages) when missing.
# Usage: bash tools/test-all.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- system packages -------------------------------------------------------
APT_PACKAGES=(pkg-config python3-venv chromium redis-server)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- the original Python library, for the key compatibility check ----------
if [ -x tools/python-reference/setup.sh ] || [ -f tools/python-reference/setup.sh ]; then
  step "Python reference library (venv under target/)"
  bash tools/python-reference/setup.sh
fi

# --- Rust ------------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo test (unit, integration and doc tests)"
cargo test --workspace

# --- API docs (issue #18) ----------------------------------------------------
# `cargo doc --workspace --no-deps` with warnings as errors (tools/doc-check.sh): broken
# intra-doc links and missing docs fail CI. About a minute.
step "cargo doc, warnings as errors"
bash tools/doc-check.sh
# --- end API docs ------------------------------------------------------------

# --- public API snapshots (issue #18) ------------------------------------------
# The public API of every library crate, rendered from rustdoc's JSON, must match its
# snapshot in tools/public-api/ (tools/public-api.sh; after an intended change:
# `bash tools/public-api.sh --bless`). About 3 CPU-minutes from a cold target folder.
step "public API unchanged (tools/public-api/*.txt)"
bash tools/public-api.sh
# --- end public API snapshots --------------------------------------------------

# --- fuzz smoke (issue #15) ---------------------------------------------------
# Every cargo-fuzz target of fuzz/ for a short bounded time (tools/fuzz-smoke.sh; installs
# nightly and cargo-fuzz when missing). The build is about 11 CPU-minutes (~6 min on 2 idle
# cores), then 15 targets x 10 s, two at a time: about 7 minutes in all; see fuzz/README.md.
step "fuzz smoke: every parser's fuzz target, ${FUZZ_SECONDS:-10} s each"
bash tools/fuzz-smoke.sh
# --- end fuzz smoke ---------------------------------------------------------

# --- the real client sprite in a headless Scratch VM ------------------------
if [ -f tests/interop/run.sh ]; then
  step "interop: the official client sprite and scratchattach's kits in scratch-vm against our bots (kits also through TurboWarp's server)"
  INTEROP_REQUIRE_RUST=1 bash tests/interop/run.sh
fi

# --- the dashboard in a real browser ----------------------------------------
step "dashboard: end to end in headless Chromium"
bash tests/dashboard-browser/run.sh

step "all test suites passed"
