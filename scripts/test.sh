#!/usr/bin/env bash
# Run every test: the layers and lint, unit tests, the real Docker engine, real
# websockets, real Chromium. Needs a running Docker engine and /usr/bin/chromium
# (.ci/run installs both).
#   ./scripts/test.sh --fast   the layers, lint and the tests that need neither Docker nor a browser
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
fast=false
if [ "${1:-}" = "--fast" ]; then fast=true; shift; fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "== layers (.importlinter) and lint (ruff.toml)"
.venv/bin/lint-imports
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
if $fast; then
  exec .venv/bin/pytest -m "not docker and not browser" "$@"
fi
.venv/bin/python manage.py check_engine
.venv/bin/python manage.py build_images
.venv/bin/python manage.py seed_images
exec .venv/bin/pytest "$@"
