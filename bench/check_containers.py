"""What a check that starts a container costs (issue 16): the tail of a class's
check latency is the checks that run one (`build-hello`'s `docker run --rm
hello`, `volume-survives`' `docker run --rm -v notes:/data:ro busybox ...`).
Each way below runs as a round of checks (backend.exec_each) in an idle
sandbox whose engine answers, median of 10 (smoke: 2), the ways taking turns
(so that a slow minute of the host touches each alike), measured by the wall
clock, and from the CPU time of the sandbox's containers' cgroups and of the
whole host. The host's window runs SETTLE seconds past the check, since the
kernel tears a container's namespaces down after it is gone, and the host's
idle rate, measured before, is taken off.
- `docker run --rm hello`, as build-hello's check does;
- with `--network none` (no veth pair, bridge port or firewall rules to set
  up and tear down);
- with `--log-driver none` besides (no log file);
- the same volume check, both ways;
- one `docker ps` (what any check's first `docker` command costs).

    .venv/bin/python bench/check_containers.py [--smoke]
"""

import asyncio
import sys
import time

import harness
from check_rounds import busy_seconds, cost_result
from class_at_once import _container_cpu_seconds
from harness import Result, log

TITLE = "What a check that starts a container costs"
KEY = "h8-check-containers"
SETTLE = 1.5  # seconds after a check that its host CPU window still counts
SETUP = (
    'mkdir -p ~/hello && printf \'FROM busybox\\nRUN echo "Hello from my own image" > /greeting.txt\\n'
    'CMD ["cat", "/greeting.txt"]\\n\' > ~/hello/Dockerfile && docker build -q -t hello ~/hello'
    " && docker volume create notes && docker run --rm -v notes:/data busybox sh -c 'echo kept > /data/note.txt'"
)
WAYS = {
    "docker run --rm hello": '[ "$(docker run --rm hello)" = "Hello from my own image" ]',
    "… --network none": '[ "$(docker run --rm --network none hello)" = "Hello from my own image" ]',
    "… --network none --log-driver none": (
        '[ "$(docker run --rm --network none --log-driver none hello)" = "Hello from my own image" ]'
    ),
    "a volume's file, docker run --rm -v": "docker run --rm -v notes:/data:ro busybox grep -qx kept /data/note.txt",
    "a volume's file, … --network none": (
        "docker run --rm --network none -v notes:/data:ro busybox grep -qx kept /data/note.txt"
    ),
    "docker ps": "docker ps >/dev/null",
}


async def run(bench: harness.Bench) -> list[Result]:
    runs = 2 if bench.smoke else 10
    backend = bench.backend()
    await backend.remove(KEY)
    await backend.start(KEY)
    try:
        if not await backend.wait_engine_ready(KEY, 120):
            raise RuntimeError("the nested engine did not answer within 120 s")
        (setup,) = await backend.exec_each(KEY, [SETUP], timeout_each=120)
        if setup.exit_code != 0:
            raise RuntimeError(f"setting up the image and volume failed: {setup.output[-500:]}")
        await asyncio.sleep(2 if bench.smoke else 5)
        poll = await backend.poll(KEY)
        containers = [poll.state["engine_id"], poll.state["workspace_id"]]
        await backend.exec_each(KEY, ["true"])  # the runner starts in its first round
        busy, began = busy_seconds(), time.perf_counter()
        await asyncio.sleep(SETTLE * 2)
        idle_rate = (busy_seconds() - busy) / (time.perf_counter() - began)
        host, inside, wall = ({label: [] for label in WAYS} for _ in range(3))
        for _ in range(runs):
            for label, script in WAYS.items():
                cgroups, busy, began = sum(map(_container_cpu_seconds, containers)), busy_seconds(), time.perf_counter()
                (outcome,) = await backend.exec_each(KEY, [script])
                wall[label].append(time.perf_counter() - began)
                inside[label].append(sum(map(_container_cpu_seconds, containers)) - cgroups)
                if outcome.exit_code != 0:
                    raise RuntimeError(f"{label}: the check failed: {outcome.output[-500:]}")
                await asyncio.sleep(SETTLE)
                host[label].append(busy_seconds() - busy - idle_rate * (time.perf_counter() - began))
        log(f"the host's idle rate: {idle_rate * 1000:.0f} ms of CPU per second")
        return [cost_result("a check's container", label, host[label], inside[label], wall[label]) for label in WAYS]
    finally:
        await backend.remove(KEY)


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
