#!/usr/bin/env bash
# The API documentation builds without a warning (broken intra-doc links, missing docs in
# the crates that deny them, bad HTML): `cargo doc` of every workspace crate, warnings as
# errors (issue #18). About a minute on 2 cores after the test build.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -D warnings" cargo doc --workspace --no-deps --quiet
