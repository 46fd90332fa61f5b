#!/usr/bin/env bash
# Run every test: unit tests, the real Docker engine, real websockets, real Chromium.
# Needs a running Docker engine and /usr/bin/chromium (.ci/run installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
.venv/bin/python manage.py check_engine
.venv/bin/python manage.py build_images
.venv/bin/python manage.py seed_images
exec .venv/bin/pytest "$@"
