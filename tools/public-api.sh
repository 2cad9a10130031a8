#!/usr/bin/env bash
# The public API of the library crates must not change by accident (issue #18).
#
# For each crate below, rustdoc writes its API as JSON, tools/public-api.py renders it as
# sorted text lines (every public item with its signature, fields, variants and trait
# implementations), and the result is compared with the snapshot in tools/public-api/.
# A difference fails with the diff.
#
# Changed the API on purpose? Update the snapshots and commit them with the change:
#     bash tools/public-api.sh --bless
#
# rustdoc's JSON output is unstable; RUSTC_BOOTSTRAP=1 lets the pinned stable toolchain
# write it, so nothing is installed and no nightly is needed. Its own target folder
# (target/public-api: check builds only) keeps that flag away from the main build. Cost on
# 2 cores: about 3 CPU-minutes from a cold folder (the dependencies), about 25 s after a
# change. The JSON format changes with the toolchain; after a toolchain update, --bless
# once and check that the diff shows no real API change.
set -euo pipefail
cd "$(dirname "$0")/.."

CRATES=(scratchcomm-wire actors-security actors-cloud actors-socket actors-requests
  actors-fleet scratchcomm-accounts scratchcomm-dashboard scratchcomm-server)
SNAPSHOTS=tools/public-api
BLESS=0
[ "${1:-}" = "--bless" ] && BLESS=1

# One rustdoc run for all of them (dependencies checked once, crates in parallel).
packages=()
for crate in "${CRATES[@]}"; do packages+=(-p "$crate"); done
RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -Z unstable-options --output-format json" \
  cargo doc --quiet --no-deps --lib "${packages[@]}" --target-dir target/public-api

changed=()
for crate in "${CRATES[@]}"; do
  actual=$(python3 tools/public-api.py "target/public-api/doc/${crate//-/_}.json")
  snapshot="$SNAPSHOTS/$crate.txt"
  if [ "$BLESS" = 1 ]; then
    mkdir -p "$SNAPSHOTS"
    printf '%s\n' "$actual" >"$snapshot"
    continue
  fi
  if ! diff -u --label "$snapshot (snapshot)" --label "$crate (this build)" \
    "$snapshot" <(printf '%s\n' "$actual"); then
    changed+=("$crate")
  fi
done

if [ ${#changed[@]} -gt 0 ]; then
  echo
  echo "The public API of ${changed[*]} differs from its snapshot in $SNAPSHOTS/ (diff above:"
  echo "'-' lines are in the snapshot, '+' lines in this build)."
  echo "If the change is intended, update the snapshots and commit them with it:"
  echo "    bash tools/public-api.sh --bless"
  exit 1
fi
[ "$BLESS" = 1 ] && echo "public API snapshots written to $SNAPSHOTS/"
exit 0
