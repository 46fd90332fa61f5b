#!/usr/bin/env bash
# Run every test: the layers and lint, unit tests, the real Docker engine, real
# websockets, real Chromium, then the tests without Docker again on PostgreSQL
# and Redis. Needs a running Docker engine, /usr/bin/chromium and Debian's
# postgresql and redis-server packages (.ci/run installs all of them).
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
echo "== every test"
.venv/bin/pytest "$@"
echo "== the tests without Docker, on PostgreSQL and Redis"
if ! services=$(./scripts/test-services.sh start); then
  if [ "${CI:-}" = true ]; then echo "PostgreSQL and Redis are needed in CI"; exit 1; fi
  echo "skipped: PostgreSQL or Redis is not installed (apt-get install postgresql redis-server)"
  exit 0
fi
eval "$services"
trap './scripts/test-services.sh stop' EXIT
DATABASE_URL=$TEST_DATABASE_URL REDIS_URL=$TEST_REDIS_URL .venv/bin/pytest -m "not docker and not browser" "$@"
