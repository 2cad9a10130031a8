#!/usr/bin/env bash
# Interop suite: the real client sprite (headless scratch-vm) against our cloud server and
# request bot. Usage: tests/interop/run.sh [node --test args...]
#
# Chooses what to test against (override with the env vars, see README.md):
#   INTEROP_SERVER_CMD  default: the built `scratchcomm serve --port 0`; `dev` = Node relay
#   INTEROP_BOT_CMD     default: the built `examples/request_bot`; `python` = reference bot
# When a Rust part is missing or not yet working, the dev stand-in is used with a loud
# notice, unless INTEROP_REQUIRE_RUST=1 (then that is a failure).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

need_rust="${INTEROP_REQUIRE_RUST:-0}"
fail() { echo "interop: $*" >&2; exit 1; }

# 1. npm dependencies (pinned by package-lock.json).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "interop: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi

# 2. The fixture: fail loudly in CI, skip with a reason elsewhere (the tests do the same).
fixture="${INTEROP_FIXTURE:-$repo/../shared/fixtures/advanced-cloudrequests-2.0.sb3}"
if [ ! -f "$fixture" ]; then
    [ -n "${CI:-}" ] && fail "client sprite fixture missing at $fixture (CI: failure)"
    echo "interop: SKIP all: client sprite fixture missing at $fixture"
    exit 0
fi
export INTEROP_FIXTURE="$fixture"

# 3. Rust binaries.
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))' \
    || echo "$repo/target")"
rust_server="" ; rust_bot=""
if [ -z "${INTEROP_SERVER_CMD:-}" ] || [ -z "${INTEROP_BOT_CMD:-}" ]; then
    echo "interop: cargo build --bin scratchcomm"
    if (cd "$repo" && cargo build -q --bin scratchcomm); then
        rust_server="$target_dir/debug/scratchcomm serve --port 0"
    elif [ "$need_rust" = 1 ]; then
        fail "cargo build of scratchcomm failed"
    else
        echo "interop: NOTICE: scratchcomm does not build"
    fi
    if [ -f "$repo/examples/request_bot.rs" ]; then
        echo "interop: cargo build --example request_bot"
        if (cd "$repo" && cargo build -q --example request_bot); then
            rust_bot="$target_dir/debug/examples/request_bot"
        elif [ "$need_rust" = 1 ]; then
            fail "cargo build --example request_bot failed"
        else
            echo "interop: NOTICE: examples/request_bot does not build"
        fi
    fi
fi

# The scratchattach kits' bot (test/sa_*.test.js) and TurboWarp's own server for them.
if [ -z "${INTEROP_SA_BOT_CMD:-}" ]; then
    echo "interop: cargo build --example sa_bot"
    if (cd "$repo" && cargo build -q --example sa_bot); then
        export INTEROP_SA_BOT_CMD="$target_dir/debug/examples/sa_bot"
    else
        fail "cargo build --example sa_bot failed"
    fi
fi
if [ -z "${INTEROP_SA_TURBOWARP:-}" ] && [ ! -d "$repo/../shared/peers" ]; then
    [ -n "${CI:-}" ] && fail "TurboWarp's server (../shared/peers) missing (CI: failure)"
    echo "interop: NOTICE: ../shared/peers missing; the scratchattach kits run against our server only"
    export INTEROP_SA_TURBOWARP=0
fi

if [ -z "${INTEROP_SERVER_CMD:-}" ]; then
    if [ -n "$rust_server" ] && INTEROP_START_TIMEOUT_MS=20000 node lib/probe_server.js $rust_server; then
        export INTEROP_SERVER_CMD="$rust_server"
    elif [ "$need_rust" = 1 ]; then
        fail "the Rust cloud server is required (INTEROP_REQUIRE_RUST=1) but does not start"
    else
        echo "interop: NOTICE: Rust server not usable yet; using the DEV-ONLY Node relay"
        export INTEROP_SERVER_CMD=dev
    fi
fi

if [ -z "${INTEROP_BOT_CMD:-}" ]; then
    if [ -n "$rust_bot" ]; then
        export INTEROP_BOT_CMD="$rust_bot"
    elif [ "$need_rust" = 1 ]; then
        fail "examples/request_bot is required (INTEROP_REQUIRE_RUST=1) but missing"
    else
        echo "interop: NOTICE: no examples/request_bot yet; using the DEV-ONLY reference Python bot"
        export INTEROP_BOT_CMD=python
    fi
fi

# 4. The reference bot needs its venv (dev only).
if [ "$INTEROP_BOT_CMD" = python ] && [ -z "${INTEROP_PYTHON:-}" ]; then
    venv="$target_dir/interop-venv"
    # Reuse the reference venv of tools/python-reference/setup.sh when it is there.
    if "$target_dir/pyref-venv/bin/python" -c 'import scratchcommunication, websocket' 2>/dev/null; then
        venv="$target_dir/pyref-venv"
    fi
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import scratchcommunication' 2>/dev/null; then
        echo "interop: creating $venv (scratchcommunication 3.0.0)"
        python3 -m venv "$venv" || fail "python3 -m venv failed (apt-get install python3-venv)"
        "$venv/bin/pip" install -q -r dev/requirements.txt || fail "pip install of the reference failed"
    fi
    export INTEROP_PYTHON="$venv/bin/python"
fi

echo "interop: server = $INTEROP_SERVER_CMD"
echo "interop: bot    = $INTEROP_BOT_CMD"
# One file at a time: each runs VMs at 30 fps and the protocol has wall-clock windows.
exec node --test --test-concurrency=1 "${@:-test/}"
