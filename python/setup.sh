#!/usr/bin/env bash
# Makes `.venv` for the Python package and its tests (README "From Python"): Debian's python3
# (which sees Debian's PyTorch, python3-torch, through --system-site-packages; plain python3 when
# there is no /usr/bin/python3), with pettingzoo, gymnasium and pytest from pip and the package
# itself, editable. Idempotent: a .venv that already imports them is kept. `.ci/run` and the
# Python tests (tests/python/python_test.ts, on their first run) call it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ] && .venv/bin/python -c "import vecscene, pettingzoo, gymnasium, pytest" 2>/dev/null; then
  exit 0
fi
base=/usr/bin/python3
[ -x "$base" ] || base=$(command -v python3)
"$base" -m venv --system-site-packages .venv
.venv/bin/python -m pip install --quiet --retries 1 pettingzoo gymnasium pytest -e ./python
.venv/bin/python -c "import vecscene, pettingzoo, gymnasium, pytest"
