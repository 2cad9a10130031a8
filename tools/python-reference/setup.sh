#!/usr/bin/env bash
# Creates the venv with the original Python library (scratchcommunication 3.0.0), used by
# the key compatibility test (crates/actors-security/tests/python_reference.rs) and by
# bench_compare.py. Idempotent: does nothing when the venv already has the package.
#   bash tools/python-reference/setup.sh            -> target/pyref-venv
#   PYREF_VENV=/some/dir bash tools/python-reference/setup.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${PYREF_VENV:-$ROOT/target/pyref-venv}"
PY="${PYTHON:-python3}"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import scratchcommunication.security' 2>/dev/null; then
  echo "python reference venv ready: $VENV"
  exit 0
fi
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  'scratchcommunication==3.0.0' typing_extensions
"$VENV/bin/python" -c 'import scratchcommunication.security' # fails loudly if unusable
echo "python reference venv ready: $VENV"
