#!/usr/bin/env bash
# Fuzz smoke run (issue #15): builds every cargo-fuzz target of fuzz/ and runs each one for a
# short, bounded time from its checked-in seeds (fuzz/corpus/<target>/). A crash, a failed
# invariant, a timeout or memory beyond the limit fails the step and prints the input's path
# and the command that replays it. See fuzz/README.md for longer runs.
#
# Usage: bash tools/fuzz-smoke.sh [target...]     (default: every target)
# Env:   FUZZ_SECONDS   seconds per target (default 10)
#        FUZZ_RSS_MB    memory limit per target in MB (default 512)
#        FUZZ_NICE      nice level of the runs (default 0)
#        FUZZ_JOBS      targets run at the same time (default: the number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_PER_TARGET=${FUZZ_SECONDS:-10}
RSS_MB=${FUZZ_RSS_MB:-512}
NICE=${FUZZ_NICE:-0}
TARGET_DIR="$ROOT/target/fuzz"
CORPUS_ROOT="$ROOT/target/fuzz-corpus"     # grown corpus: never checked in
ARTIFACTS="$ROOT/target/fuzz-artifacts"

say() { printf '   [fuzz] %s\n' "$*"; }

# --- toolchain -------------------------------------------------------------
if ! rustup toolchain list | grep -q '^nightly'; then
  say "installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  say "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# The fuzz crate is outside the workspace, so `cargo fmt --all` does not see it.
cargo fmt --manifest-path fuzz/Cargo.toml -- --check

# rustix 0.37 (through rookie -> zbus -> async-io) detects nightly and then uses the
# rustc_layout_scalar_valid_range_* attributes, which current nightlies removed, in its
# linux_raw backend; its libc backend has none of them. Fuzz builds only.
export RUSTFLAGS="${RUSTFLAGS:-} --cfg rustix_use_libc"
start=$(date +%s)
(cd fuzz && cargo +nightly fuzz build -s none --target-dir "$TARGET_DIR")
say "build took $(($(date +%s) - start)) s"

HOST=$(rustc +nightly -vV | sed -n 's/^host: //p')
BIN_DIR="$TARGET_DIR/$HOST/release"
if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cd fuzz && cargo +nightly fuzz list)
fi

# One target: run it, print its line, and leave a FAILED marker when it finds something.
run_one() {
  local t=$1 log rc execs input t0
  mkdir -p "$CORPUS_ROOT/$t" "$ARTIFACTS/$t"
  log="$ARTIFACTS/$t/last-run.log"
  rm -f "$ARTIFACTS/$t/FAILED"
  t0=$(date +%s)
  set +e
  nice -n "$NICE" "$BIN_DIR/$t" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$RSS_MB" \
    -malloc_limit_mb="$RSS_MB" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/$t/" "$CORPUS_ROOT/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    say "$t: ok, ${execs:-?} executions in $(($(date +%s) - t0)) s"
  else
    touch "$ARTIFACTS/$t/FAILED"
    say "$t: FAILED (exit $rc) after ${execs:-?} executions; log: $log"
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -5 | sed 's/^/      /' || true
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ -n "$input" ]; then
      say "crash input: $input"
      say "replay: $BIN_DIR/$t $input   (or: cd fuzz && cargo +nightly fuzz run -s none $t $input)"
    fi
  fi
}

# FUZZ_JOBS targets at a time (default: one per core), each single-threaded.
JOBS=${FUZZ_JOBS:-$(nproc)}
for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run_one "$t" &
done
wait
failed=()
for t in "${TARGETS[@]}"; do
  if [ -e "$ARTIFACTS/$t/FAILED" ]; then failed+=("$t"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  say "failing targets: ${failed[*]}"
  exit 1
fi
say "all ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET} s each without a finding"
