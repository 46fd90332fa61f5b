"""First pulls: in a fresh sandbox (its engine just ready, nothing pulled yet),
the first `docker pull` of each of the course's images, and the first
`docker run -d -p 8080:80 nginx` as lesson 2 has the student type it. They go
through the classroom image cache on this host, as in a class.

Each timing runs the student's `docker` CLI in the workspace through
`docker exec` (DockerBackend.exec, as the lesson checks do); an exec alone
takes about 0.1 s of it, reported apart. The engine starts on its first use
(SANDBOX_ENGINE_START=lazy), so each first pull includes that start; a fresh
sandbox's first `docker version` shows that part alone.

With IMAGE_CACHE_SHARED_LAYERS=false in the environment, each engine downloads
and unpacks the layers itself (the way before course_layers.py).

    .venv/bin/python bench/first_pull.py [--smoke]
"""

import sys
import time

import harness
from harness import Result, log, median

TITLE = "First pulls"
KEY = "h8-first-pull"
IMAGES = ["nginx", "redis", "python:3-slim", "registry:2", "debian:bookworm", "busybox"]
RUN_NGINX = ["docker", "run", "-d", "-p", "8080:80", "nginx"]
TARGET = "≤ 1.5 s"


async def fresh_sandbox(backend) -> None:
    await backend.remove(KEY)
    await backend.start(KEY)
    if not await backend.wait_engine_ready(KEY, 120):
        raise RuntimeError("the nested engine did not answer within 120 s")


async def timed(backend, command: list[str]) -> float:
    began = time.perf_counter()
    result = await backend.exec(KEY, command, timeout=300)
    elapsed = time.perf_counter() - began
    if result.exit_code != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.exit_code}): {result.output[-500:]}")
    return elapsed


async def image_size(backend, image: str) -> str:
    result = await backend.exec(KEY, ["docker", "image", "inspect", "--format", "{{.Size}}", image])
    return f"{int(result.output.strip()) / 1e6:.0f} MB"


async def run(bench: harness.Bench) -> list[Result]:
    images = ["nginx"] if bench.smoke else IMAGES
    runs = 1 if bench.smoke else 3
    backend = bench.backend()
    results = []
    try:
        exec_alone = []
        pulls: dict[str, list[float]] = {image: [] for image in images}
        sizes = {}
        nginx_runs = []
        engine_starts = []
        for attempt in range(runs):
            for image in images:
                await fresh_sandbox(backend)
                exec_alone.append(await timed(backend, ["true"]))
                pulls[image].append(await timed(backend, ["docker", "pull", "-q", image]))
                sizes[image] = await image_size(backend, image)
                log(f"run {attempt + 1}: {image} {pulls[image][-1]:.2f} s ({sizes[image]})")
            await fresh_sandbox(backend)
            engine_starts.append(await timed(backend, ["docker", "version"]))
            await fresh_sandbox(backend)
            nginx_runs.append(await timed(backend, RUN_NGINX))
            log(f"run {attempt + 1}: docker run -d -p 8080:80 nginx {nginx_runs[-1]:.2f} s")
    finally:
        await backend.remove(KEY)
    for image in images:
        values = ", ".join(f"{seconds:.2f}" for seconds in pulls[image])
        results.append(
            Result(
                "first pull",
                f"{image} ({sizes[image]}): fresh sandbox, `docker pull`",
                {"Dockyard": f"{median(pulls[image]):.2f} s (runs: {values})"},
                TARGET,
            )
        )
    values = ", ".join(f"{seconds:.2f}" for seconds in nginx_runs)
    results.append(
        Result(
            "first pull",
            "`docker run -d -p 8080:80 nginx`, fresh sandbox",
            {"Dockyard": f"{median(nginx_runs):.2f} s (runs: {values})"},
            TARGET,
        )
    )
    results.append(Result("first pull", "of which `docker exec` alone", {"Dockyard": f"{median(exec_alone):.2f} s"}))
    values = ", ".join(f"{seconds:.2f}" for seconds in engine_starts)
    results.append(
        Result(
            "first pull",
            "of which the engine's start on first use (`docker version`)",
            {"Dockyard": f"{median(engine_starts):.2f} s (runs: {values})"},
        )
    )
    return results


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
