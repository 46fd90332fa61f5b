#!/usr/bin/env bash
# Install and run Dockyard on this machine: http://127.0.0.1:8000
# Needs Python 3.11+ with venv and a running Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

if ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Dockyard needs Python 3.11 or newer with venv (Debian/Ubuntu: sudo apt-get install python3-venv)." >&2
  exit 1
fi
step() { printf '\n==> %s\n' "$*"; }

step "Python environment (.venv)"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
manage() { .venv/bin/python manage.py "$@"; }

step "Docker engine"
manage check_engine
step "Database"
manage migrate --noinput
step "Lessons"
manage sync_lessons
step "Sandbox images (the first build takes a few minutes)"
manage build_images
step "Classroom caches: packages (apt-get) and images (nginx, debian, redis, busybox)"
manage seed_images
manage collectstatic --noinput --verbosity 0
step "Accounts"
manage ensure_instructor

host=${HOST:-127.0.0.1} port=${PORT:-8000}
step "Dockyard is running at http://$host:$port/  (Ctrl-C stops it)"
echo "Students sign up at http://$host:$port/accounts/signup/; the instructor logs in with the account above."
exec .venv/bin/daphne --bind "$host" --port "$port" tutorial.asgi:application
