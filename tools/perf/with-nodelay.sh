#!/usr/bin/env bash
# Runs a command with TCP_NODELAY forced on the server side of every accepted connection
# (what `HttpServer::tcp_nodelay(true)` in crates/scratchcomm-server would do), e.g.
#   bash tools/perf/with-nodelay.sh target/release/scratchcomm bench --clients 10
# Child processes inherit it (LD_PRELOAD). Set ND_BOTH=1 to set it on client sockets too.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SO="$ROOT/target/perf/nodelay_shim.so"
if [ ! -f "$SO" ] || [ "$ROOT/tools/perf/nodelay_shim.c" -nt "$SO" ]; then
  mkdir -p "$(dirname "$SO")"
  cc -shared -fPIC -O2 -o "$SO" "$ROOT/tools/perf/nodelay_shim.c" -ldl
fi
if [ "${ND_BOTH:-0}" != 1 ]; then export ND_SERVER_ONLY=1; fi
LD_PRELOAD="$SO${LD_PRELOAD:+:$LD_PRELOAD}" exec "$@"
