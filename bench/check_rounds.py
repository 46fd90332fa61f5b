"""What a round of lesson checks costs the host: after every command in a
lesson's terminal the app checks each step not passed yet, all in one `docker
round (lessons/checks.py, sandbox/backends/docker/rounds.py), sent to the
sandbox's round runner (round_runner.py), or run as an exec of its own when
the runner fails (as every round did before the runner). Measured on an
idle sandbox whose engine answers, median of 10 (smoke: 2), from the CPU time
of the sandbox's containers' cgroups and of the whole host, each way:
- a round of first-containers' four checks, none passed (each runs its first
  `docker` command and stops there, as for a student who has just begun);
- a round running `true` (the round's own cost: for an exec, host dockerd,
  containerd, runc);
- a round running one `docker ps` (the student's CLI, the guard, the engine).

    .venv/bin/python bench/check_rounds.py [--smoke]
"""

import asyncio
import itertools
import sys
import time
from pathlib import Path
from unittest import mock

import harness
import psutil
import yaml
from class_at_once import _container_cpu_seconds
from harness import Result, log, median

from sandbox.backends.docker.round_runner import RunnerFailed

TITLE = "What a round of checks costs"
KEY = "h8-check-rounds"
LESSON = Path(__file__).resolve().parent.parent / "lessons" / "content" / "en" / "02-first-containers.md"


def first_containers_checks() -> list[str]:
    front_matter = LESSON.read_text().split("---")[1]
    return [step["check"]["run"] for step in yaml.safe_load(front_matter)["steps"] if "check" in step]


def busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def cost_result(benchmark: str, label: str, host: list[float], inside: list[float], wall: list[float]) -> Result:
    """The row of one way measured: medians of the host's CPU, the sandbox's, the wall clock (logged in full)."""
    log(f"{label}: wall {wall}, host {host}, inside {inside}")
    return Result(
        benchmark,
        f"{label}: host CPU (in the sandbox), wall",
        {"Dockyard": f"{median(host) * 1000:.0f} ms ({median(inside) * 1000:.0f} ms), {median(wall) * 1000:.0f} ms"},
        "",
    )


def as_an_exec(backend):
    """exec_each as when the sandbox's runner fails: the round in an exec of its own."""

    async def round_in_an_exec(key, scripts):
        runners = backend.round_runners
        runners.close(key)
        with mock.patch.object(runners, "run", side_effect=RunnerFailed("measured without the runner")):
            return await backend.exec_each(key, scripts)

    return round_in_an_exec


async def run(bench: harness.Bench) -> list[Result]:
    runs = 2 if bench.smoke else 10
    backend = bench.backend()
    await backend.remove(KEY)
    await backend.start(KEY)
    try:
        if not await backend.wait_engine_ready(KEY, 120):
            raise RuntimeError("the nested engine did not answer within 120 s")
        await backend.exec(KEY, ["docker", "version"])  # a lazy engine starts for it
        await asyncio.sleep(2 if bench.smoke else 5)
        poll = await backend.poll(KEY)
        containers = [poll.state["engine_id"], poll.state["workspace_id"]]
        cases = {
            "first-containers' 4 checks, none passed": first_containers_checks(),
            "`true`": ["true"],
            "one `docker ps`": ["docker ps >/dev/null"],
        }
        results = []
        for (label, scripts), (way, run_round) in itertools.product(
            cases.items(), [("on the runner", backend.exec_each), ("as an exec of its own", as_an_exec(backend))]
        ):
            label = f"a round of {label}, {way}"
            inside, host, wall = [], [], []
            await run_round(KEY, scripts)  # the runner starts in its first round
            for _ in range(runs):
                cgroups, busy, began = sum(map(_container_cpu_seconds, containers)), busy_seconds(), time.perf_counter()
                await run_round(KEY, scripts)
                wall.append(time.perf_counter() - began)
                host.append(busy_seconds() - busy)
                inside.append(sum(map(_container_cpu_seconds, containers)) - cgroups)
                await asyncio.sleep(0.3)
            results.append(cost_result("check rounds", label, host, inside, wall))
        return results
    finally:
        await backend.remove(KEY)


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
