"""The whole app served by Daphne in a subprocess, for browser tests and tests
of several app processes: its own database in a temporary folder (or the
PostgreSQL and Redis it is given), sandboxes under the test name prefix."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sandbox.tests.docker_fixtures import TEST_PREFIX

ROOT = Path(__file__).resolve().parents[2]
# Servers now running: a failing test's report gets the end of their logs
# (tutorial.testing.fixtures), which is all CI keeps of what the server saw.
RUNNING: list["LiveServer"] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, data_dir: Path, services: dict[str, str] | None = None):
        """`services`: DATABASE_URL and REDIS_URL that processes share."""
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            **(services or {}),
            "DJANGO_SETTINGS_MODULE": "tutorial.settings",
            "DATA_DIR": str(data_dir),
            "SANDBOX_NAME_PREFIX": TEST_PREFIX,
            "SANDBOX_REAP_INTERVAL_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        self.log_path = data_dir / "server.log"
        self.log = open(self.log_path, "w+")  # noqa: SIM115 (the server writes it; stop() closes it)
        self.process = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def create_user(self, username: str, password: str, user_id: int, staff: bool = False):
        """`staff`: the server's administrator (a superuser, who watches every student)."""
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user({username!r}, password={password!r}, id={user_id}, "
            f"is_staff={staff}, is_superuser={staff})",
        )

    def start(self):
        self.manage("migrate", "--noinput")
        self.manage("sync_lessons")
        return self.serve()

    def serve(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "tutorial.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if self not in RUNNING:
            RUNNING.append(self)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(self.url + "/accounts/login/", timeout=2)
                return self
            time.sleep(0.2)
        raise AssertionError("the server did not start:\n" + self.output())

    def output(self, limit: int = 5000) -> str:
        # Read through a file of its own: seeking `self.log` would move the
        # server's write offset too (one open file, shared with the process).
        return self.log_path.read_text(errors="replace")[-limit:]

    def restart(self, crash: bool = False):
        """A new server process on the same address (after a crash: SIGKILL)."""
        self.process.kill() if crash else self.process.terminate()
        self.process.wait(30)
        self.log.write(f"\n--- restarted ({'killed' if crash else 'terminated'}) ---\n")
        self.log.flush()
        return self.serve()

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                # Daphne itself gives open connections 10 s to close: more than
                # that, on a busy CI machine, is not what a test is about.
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        with contextlib.suppress(ValueError):
            RUNNING.remove(self)
