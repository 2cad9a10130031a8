#!/usr/bin/env bash
# End-to-end dashboard test in headless Chromium. Needs Debian's `chromium` package
# (apt-get install -y chromium) and Node >= 20. Usage: tests/dashboard-browser/run.sh
# Env: DASHBOARD_CHROMIUM (default /usr/bin/chromium), DASHBOARD_SCREENSHOT (default
# <target dir>/dashboard-screenshot.png).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

# 1. npm dependencies (pinned by package-lock.json; playwright-core only, no browser download).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "dashboard-browser: npm ci"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

# 2. The example the test drives.
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))' \
    || echo "$repo/target")"
echo "dashboard-browser: cargo build --example embed_actix_web"
(cd "$repo" && cargo build -q --example embed_actix_web)
export DASHBOARD_EXAMPLE_BIN="${DASHBOARD_EXAMPLE_BIN:-$target_dir/debug/examples/embed_actix_web}"
export DASHBOARD_SCREENSHOT="${DASHBOARD_SCREENSHOT:-$target_dir/dashboard-screenshot.png}"

exec node --test "${@:-test/}"
