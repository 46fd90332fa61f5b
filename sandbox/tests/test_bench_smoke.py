"""The benchmarks in bench/ keep working as the code changes: their smoke
mode (small N, small floods) runs against the real engine and reports a
number for every metric. Their values are not judged here (bench/README.md)."""

import importlib.util
import re
import subprocess
import sys

import docker
import pytest

from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images
from sandbox.tests.live_server import ROOT
from tutorial.testing import missing

pytestmark = pytest.mark.docker

# (benchmark, metric, systems that must report a number)
EXPECTED = [
    ("single terminal", "echo p50", ["PTY floor", "PTY + tmux", "terminado", "Dockyard", "Dockyard, recorded"]),
    ("single terminal", "echo p99", ["PTY floor", "PTY + tmux", "terminado", "Dockyard", "Dockyard, recorded"]),
    (
        "single terminal",
        "output throughput",
        ["PTY floor", "PTY + tmux", "terminado", "Dockyard", "Dockyard, recorded"],
    ),
    ("held shell", "echo p50", ["exec -it bash", "dockyard-shell", "Dockyard", "Dockyard, 2nd process"]),
    ("held shell", "output throughput", ["exec -it bash", "dockyard-shell", "Dockyard", "Dockyard, 2nd process"]),
    ("slow reader", "server RSS growth at peak", ["terminado", "Dockyard"]),
    ("clients typing", "echo p50", ["terminado", "Dockyard"]),
    ("clients typing", "echo p99", ["terminado", "Dockyard"]),
    ("concurrent floods", "total throughput", ["terminado", "Dockyard"]),
    ("terminals at once", "errors", ["Dockyard"]),
    ("terminals at once", "first screen", ["Dockyard"]),
    ("start", "cold: websocket → first prompt", ["Dockyard"]),
    ("start", "cold: websocket → `engine-ready`", ["Dockyard"]),
    ("start", "cold: websocket → first `docker version` answered", ["Dockyard"]),
    ("start", "warm: websocket → prompt on screen", ["Dockyard"]),
    ("start", "floor: the host engine makes a network and two containers", ["Dockyard"]),
    ("check rounds", "a round of first-containers' 4 checks", ["Dockyard"]),
    ("check rounds", "a round of `true`, on the runner", ["Dockyard"]),
    ("check rounds", "a round of `true`, as an exec of its own", ["Dockyard"]),
    ("a check's container", "docker run --rm hello:", ["Dockyard"]),
    ("a check's container", "… --network none:", ["Dockyard"]),
    ("first pull", "nginx", ["Dockyard"]),
    ("first pull", "`docker run -d -p 8080:80 nginx`", ["Dockyard"]),
    ("density", "idle memory per sandbox", ["Dockyard"]),
    ("density", "idle sandboxes in", ["Dockyard"]),
    ("class at once", "check latency", ["Dockyard"]),
    ("class at once", "checks that did not pass", ["Dockyard"]),
    ("class at once", "commands failed or unfinished", ["Dockyard"]),
    ("class at once", "sandbox start, websocket → ready", ["Dockyard"]),
    ("class at once", "sandbox start, websocket → engine-ready", ["Dockyard"]),
    ("class at once", "host CPU", ["Dockyard"]),
    ("class at once", "CPU seconds per student", ["Dockyard"]),
    ("class at once", "the rest of the CPU seconds per student", ["Dockyard"]),
    ("class at once", "host memory", ["Dockyard"]),
    ("idle sandboxes", "started", ["Dockyard"]),
    ("idle sandboxes", "answering `docker version`", ["Dockyard"]),
    ("idle sandboxes", "first `docker version` after idling", ["Dockyard"]),
    ("idle sandboxes", "host memory of its two containerd-shim", ["Dockyard"]),
    ("idle sandboxes", "host memory per sandbox", ["Dockyard"]),
    ("idle sandboxes", "would fit in", ["Dockyard"]),
]
NUMBER = re.compile(r"\d+(\.\d+)? (ms|s|MB/s|MiB|of \d+)|^\d+$")


def table(report: str) -> list[dict[str, str]]:
    lines = [line for line in report.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=False)) for line in lines[1:]
    ]


def my_sandbox_containers() -> list[str]:
    names = [c.name for c in docker.from_env().containers.list(all=True, filters={"label": "dockyard.sandbox"})]
    return [n for n in names if re.match(rf"^{TEST_PREFIX}-(u98\d\d|h8-)", n)]


def test_every_benchmark_runs_and_reports_numbers():
    require_engine_and_images()
    for package in ("terminado", "websockets", "psutil"):
        if importlib.util.find_spec(package) is None:
            missing(f"{package} is not installed: pip install -r requirements-bench.txt")
    run = subprocess.run(
        [sys.executable, "bench/run_all.py", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    rows = table(run.stdout)
    for benchmark, metric, systems in EXPECTED:
        row = next((r for r in rows if benchmark in r["benchmark"] and r["metric"].startswith(metric)), None)
        assert row is not None, f"no row {benchmark!r} / {metric!r} in:\n{run.stdout}"
        for system in systems:
            assert NUMBER.search(row[system]), f"{benchmark} / {metric} / {system}: {row[system]!r}"
    assert (ROOT / "bench" / "results" / "smoke.md").read_text().strip() in run.stdout
    assert my_sandbox_containers() == [], "the benchmarks left sandboxes behind"
