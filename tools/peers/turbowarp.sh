#!/usr/bin/env bash
# TurboWarp's own cloud-server (the peer in ../shared/peers/), unpacked and installed under
# target/peers/cloud-server. Idempotent and safe to run from several processes at once.
#   bash tools/peers/turbowarp.sh install      unpack + npm ci (once)
#   bash tools/peers/turbowarp.sh run PORT     install, then run it in the foreground on 127.0.0.1:PORT
#     (TW_CHECK_INTERVAL_MS=N: its 30-s connection check runs every N ms, tools/peers/fast-check-preload.js)
# The server binds to loopback only (../shared/peers/loopback-preload.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SHARED="$ROOT/../shared/peers"
ARCHIVE="$SHARED/turbowarp-cloud-server-a0b29ec.tar.gz"
DEST="$ROOT/target/peers"
DIR="$DEST/cloud-server"

install() {
  if [ ! -f "$ARCHIVE" ]; then
    echo "turbowarp.sh: $ARCHIVE is missing (../shared/peers beside the repository)" >&2
    exit 3
  fi
  mkdir -p "$DEST"
  exec 9>"$DEST/.turbowarp.lock"
  flock 9
  if [ ! -f "$DIR/.installed" ]; then
    rm -rf "$DIR"
    tar -xzf "$ARCHIVE" -C "$DEST"
    (cd "$DIR" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$DIR/.installed"
  fi
  flock -u 9
  exec 9>&-
}

case "${1:-}" in
  install) install ;;
  run)
    port=${2:?usage: turbowarp.sh run PORT}
    install
    logs=$(mktemp -d)
    cd "$DIR"
    # fast-check-preload.js only acts when TW_CHECK_INTERVAL_MS is set (tests of the
    # handshake timeout; see the file).
    exec env PORT="$port" BIND_HOST=127.0.0.1 LOGS_DIRECTORY="$logs" \
      node -r "$SHARED/loopback-preload.js" -r "$ROOT/tools/peers/fast-check-preload.js" src/index.js
    ;;
  *) echo "usage: $0 install | run PORT" >&2; exit 2 ;;
esac
