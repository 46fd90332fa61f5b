"""What every benchmark shares: the run's environment (a throwaway database,
the app's settings in this process, Daphne, the terminado server, sandboxes),
statistics, the result table, and cleanup that also runs on Ctrl-C.

Sandboxes live under the test name prefix `dockyard-test`; this benchmark
only ever uses users 9800-9899 (keys u9800-u9899) and keys starting `h8-`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
PREFIX = os.environ.get("DOCKYARD_TEST_PREFIX", "dockyard-test")  # as the tests: another run may share the engine
FIRST_USER = 9800
LAST_USER = 9899
MY_KEYS = re.compile(r"^(u98\d\d|h8-[a-z0-9-]+|pool-[0-9a-f]{10})$")  # pool-: class_at_once --pool
SYSTEMS = ("PTY floor", "PTY + tmux", "terminado", "Dockyard")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- numbers and the table ----------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def mb_per_s(nbytes: int, seconds: float) -> str:
    return f"{nbytes / 1e6 / seconds:.1f} MB/s" if seconds > 0 else "n/a"


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:.1f} MiB"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclasses.dataclass
class Result:
    """One row of the table: a metric, its value per system, and the target."""

    benchmark: str
    metric: str
    values: dict[str, str]
    target: str = ""


def format_table(results: list[Result]) -> str:
    systems = [s for s in SYSTEMS if any(s in r.values for r in results)]
    systems += sorted({s for r in results for s in r.values} - set(systems))
    header = ["benchmark", "metric", *systems, "target"]
    rows = [[r.benchmark, r.metric, *(r.values.get(s, "") for s in systems), r.target] for r in results]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine_description() -> str:
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 2**20:.1f} GiB RAM, Linux {platform.release()}, "
        f"Docker {docker}, Python {platform.python_version()}"
    )


def parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="small N, small floods, one run")
    return parser


def arguments(description: str) -> argparse.Namespace:
    return parser(description).parse_args()


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- processes ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class DockyardServer:
    """The real app under Daphne, one ASGI process, as sandbox/tests/live_server.py runs it."""

    def __init__(self, env: dict[str, str], data_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/terminal/"
        self.log_path = data_dir / "daphne.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "tutorial.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_path, "w"),  # noqa: SIM115 (the server's, open while it runs)
            stderr=subprocess.STDOUT,
        )
        wait_for_http(self.url + "/accounts/login/", self.process)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        stop_process(self.process)


class TerminadoServer:
    """bench/terminado_server.py in a subprocess: terminal i runs `docker exec -it <containers[i]> bash`."""

    def __init__(self, containers: list[str], data_dir: Path):
        self.containers = list(containers)
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "terminado_server.py"), "--port", str(self.port), *containers],
            cwd=ROOT,
            stdout=open(data_dir / "terminado.log", "w"),  # noqa: SIM115 (open while it runs)
            stderr=subprocess.STDOUT,
        )
        wait_for_http(f"http://127.0.0.1:{self.port}/", self.process)

    def url(self, index: int) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/{index}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        stop_process(self.process)


# -- the run's environment ------------------------------------------------------


class Bench:
    """One benchmark run. Use as a context manager around asyncio.run(...):
    on leaving (also on Ctrl-C or SIGTERM) servers stop and every sandbox this
    run may have created is removed."""

    density_count = 0  # sandboxes bench/density.py starts; 0: its default
    density_close_shells = False  # bench/density.py closes each terminal after its first screen

    def __init__(self, smoke: bool):
        self.smoke = smoke
        self._tmp = tempfile.TemporaryDirectory(prefix="dockyard-bench-")
        self.data_dir = Path(self._tmp.name)
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "tutorial.settings",
            "DATA_DIR": str(self.data_dir),
            "SANDBOX_NAME_PREFIX": PREFIX,
            "SANDBOX_REAP_INTERVAL_SECONDS": "0",
            # Other people's sandboxes on this engine count against the cap too.
            "SANDBOX_MAX_RUNNING": "1000",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            # A recorded terminal (single_terminal.py) keeps a whole flood: the worst case.
            "RECORDING_MAX_BYTES": os.environ.get("RECORDING_MAX_BYTES", "1g"),
        }
        os.environ.update(self.env)
        for name in ("DATABASE_URL", "REDIS_URL"):
            os.environ.pop(name, None)
        self._dockyard: DockyardServer | None = None
        self._terminado: TerminadoServer | None = None
        self._cookies: dict[int, str] = {}
        self._previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)

    def __enter__(self):
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        self._check_images()
        self.remove_my_sandboxes()  # leftovers of an interrupted run
        return self

    def __exit__(self, *exc_info):
        with contextlib.suppress(BaseException):
            if self._terminado is not None:
                self._terminado.stop()
            if self._dockyard is not None:
                self._dockyard.stop()
        for log_file in self.data_dir.glob("*.log"):  # the servers' logs, for a look afterwards
            RESULTS_DIR.mkdir(exist_ok=True)
            (RESULTS_DIR / log_file.name).write_bytes(log_file.read_bytes())
        try:
            self.remove_my_sandboxes()
        finally:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._tmp.cleanup()

    @staticmethod
    def _check_images():
        import docker

        from sandbox.backends.docker.specs import image

        client = docker.from_env()
        for role in ("engine", "workspace"):
            client.images.get(image(role))  # ImageNotFound: run manage.py build_images

    # -- users and sandboxes --

    async def cookie(self, user_id: int) -> str:
        """A logged-in session for user `user_id` (created on first use), as a Cookie header."""
        assert FIRST_USER <= user_id <= LAST_USER, user_id
        if user_id not in self._cookies:
            await asyncio.to_thread(self._log_in, user_id)
        return self._cookies[user_id]

    def _log_in(self, user_id: int) -> None:
        from django.contrib.auth import get_user_model
        from django.db import close_old_connections
        from django.test import Client

        user, _ = get_user_model().objects.get_or_create(id=user_id, defaults={"username": f"bench{user_id}"})
        client = Client()
        client.force_login(user)
        self._cookies[user_id] = f"sessionid={client.cookies['sessionid'].value}"
        close_old_connections()

    @staticmethod
    def workspace(key: str) -> str:
        return f"{PREFIX}-{key}-workspace"

    @staticmethod
    def backend():
        from sandbox.backends.docker import DockerBackend

        return DockerBackend()

    async def start_sandboxes(self, keys: list[str], parallel: int = 2) -> float:
        """Start (or find running) these sandboxes, `parallel` at a time; returns seconds taken."""
        backend = self.backend()
        gate = asyncio.Semaphore(parallel)
        started = time.perf_counter()

        async def one(key):
            async with gate:
                await backend.start(key)

        await asyncio.gather(*(one(key) for key in keys))
        return time.perf_counter() - started

    def remove_my_sandboxes(self) -> None:
        import docker

        from sandbox.backends.docker.specs import LABEL

        client = docker.from_env()
        from sandbox.backends.docker.specs import ROLE_LABEL, key_from_name

        containers = [
            c for c in client.containers.list(all=True, filters={"label": LABEL}) if c.name.startswith(PREFIX + "-")
        ]
        # A claimed pool sandbox keeps its pool label under the student's names.
        keys = {c.labels.get(LABEL, "") for c in containers}
        keys |= {key_from_name(c.name, c.labels.get(ROLE_LABEL, "")) or "" for c in containers}
        keys |= {
            v.attrs.get("Labels", {}).get(LABEL, "")
            for v in client.volumes.list(filters={"label": LABEL})
            if v.name.startswith(PREFIX + "-")
        }
        mine = sorted(k for k in keys if MY_KEYS.match(k))
        if mine:
            log(f"removing sandboxes {', '.join(mine)}")
            backend = self.backend()

            async def remove_all():
                gate = asyncio.Semaphore(8)  # one at a time took 40 minutes for 1000 (bench/density.py)

                async def remove(key):
                    async with gate:
                        with contextlib.suppress(Exception):
                            await backend.remove(key)

                await asyncio.gather(*(remove(key) for key in mine))

            asyncio.run(remove_all())

    # -- servers --

    def dockyard(self) -> DockyardServer:
        if self._dockyard is None:
            log("starting Daphne")
            self._dockyard = DockyardServer(dict(os.environ), self.data_dir)
        return self._dockyard

    def terminado(self, containers: list[str]) -> TerminadoServer:
        """A terminado server whose terminal i runs in containers[i] (restarted if the list grows)."""
        current = self._terminado
        if current is None or current.containers[: len(containers)] != list(containers):
            if current is not None:
                current.stop()
            log(f"starting terminado for {len(containers)} container(s)")
            self._terminado = TerminadoServer(containers, self.data_dir)
        return self._terminado


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run_benchmark(module, smoke: bool) -> list[Result]:
    """What each script's __main__ does: one benchmark in its own environment."""
    print(f"# {module.TITLE}\n\nMachine: {machine_description()}\n", flush=True)
    with Bench(smoke) as bench:
        results = asyncio.run(module.run(bench))
    print(format_table(results), flush=True)
    return results
