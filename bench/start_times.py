"""Start times and density, through the real app's websocket:
- cold: the student has no sandbox; from opening the websocket to `ready`, to
  the shell's first prompt (its prompt marker), to `engine-ready` (the
  student's socket answers), and to the answer of a first `docker version`
  run right after it (a lazy engine, the default, starts for it);
- warm: the sandbox runs; reconnecting, from opening the websocket to `ready`
  and to the first screen (the shell's replay, sandbox/shells.py);
- idle memory: K sandboxes started, each with a shell opened once, left idle;
  `docker stats` of engine and workspace; the number that fits in this
  machine's RAM is extrapolated (bench/density.py starts 200 for real).

    .venv/bin/python bench/start_times.py [--smoke]
"""

import asyncio
import re
import subprocess
import sys
import time

import harness
import psutil
from clients import READLINE_READY, DockyardTerminal, read_until
from harness import Result, log, median, mib

TITLE = "Start times and idle memory"
COLD_USER = 9870
UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "kB": 1e3, "MB": 1e6, "GB": 1e9}


async def cold_start(bench, server, cookie: str) -> dict:
    await bench.backend().remove(f"u{COLD_USER}")
    terminal = await DockyardTerminal.open(server.ws_url, cookie)
    try:
        await read_until(terminal, READLINE_READY, timeout=120)
        prompt = time.perf_counter() - terminal.opened
        engine = await terminal.wait_status("engine-ready", timeout=120)
        answer = await bench.backend().exec(f"u{COLD_USER}", ["docker", "version", "--format", "{{.Server.Version}}"])
        if answer.exit_code != 0:
            raise RuntimeError(f"the first docker command failed: {answer.output[-300:]}")
        first_docker = time.perf_counter() - terminal.opened
        steps = {m.get("step"): t for t, m in terminal.statuses if m.get("state") == "starting"}
        return {
            "ready": terminal.status_time("ready"),
            "prompt": prompt,
            "engine": engine,
            "first_docker": first_docker,
            "engine_step": steps.get("engine", float("nan")),
            "workspace_step": steps.get("workspace", float("nan")),
        }
    finally:
        await terminal.close()


async def warm_start(server, cookie: str) -> dict:
    terminal = await DockyardTerminal.open(server.ws_url, cookie)
    try:
        ready = await terminal.wait_status("ready")
        await asyncio.wait_for(terminal.recv(), 30)
        return {"ready": ready, "prompt": time.perf_counter() - terminal.opened}
    finally:
        await terminal.close()


async def pooled_start(bench, key: str) -> dict:
    """A student with no sandbox while the pool has one waiting (backend level:
    start, attach the shell, first screen; then the nested engine answering)."""
    from django.conf import settings

    backend = bench.backend()
    settings.SANDBOX_POOL_SIZE = 1
    try:
        await backend.remove(key)
        await backend.fill_pool()
        began = time.perf_counter()
        await backend.start(key)
        terminal = await backend.open_terminal(key)
        await asyncio.wait_for(terminal.read(4096), 30)
        prompt = time.perf_counter() - began
        await backend.wait_engine_ready(key, 60)
        engine = time.perf_counter() - began
        await terminal.close()
        await backend.fill_pool()  # now, not after the refill's pause: nothing starts during cleanup
    finally:
        settings.SANDBOX_POOL_SIZE = 0
        for info in await backend.list():
            if info.key.startswith("pool-") or info.key == key:
                await backend.remove(info.key)
    return {"prompt": prompt, "engine": engine}


def memory_of(containers: list[str]) -> dict[str, float]:
    listing = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", *containers],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    usage = {}
    for line in listing.splitlines():
        name, _, mem = line.partition("\t")
        amount = re.match(r"([\d.]+)\s*([A-Za-z]+)", mem.split("/")[0].strip())
        usage[name] = float(amount[1]) * UNITS[amount[2]]
    return usage


def host_engine_floor(runs: int) -> float:
    """The least the host's engine takes for any new sandbox without the pool:
    a bridge network and two containers sharing it, started (no disk, no
    nested engine, nothing inside but `sleep`); median seconds."""
    import docker as docker_sdk
    from django.conf import settings

    from sandbox.backends.docker import specs

    client = docker_sdk.from_env()
    name = f"{settings.SANDBOX_NAME_PREFIX}-bench-floor"
    options = dict(
        image=specs.image("workspace"), entrypoint=["sleep", "60"], detach=True, labels={specs.LABEL: "bench"}
    )
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        network = client.networks.create(name, driver="bridge")
        first = client.containers.run(name=f"{name}-1", network=name, **options)
        second = client.containers.run(name=f"{name}-2", network_mode=f"container:{first.id}", **options)
        times.append(time.perf_counter() - began)
        for container in (second, first):
            container.remove(force=True)
        network.remove()
    return median(times)


async def idle_sandboxes(bench, count: int, settle_seconds: float) -> dict:
    keys = [f"h8-idle-{i}" for i in range(count)]
    backend = bench.backend()
    await bench.start_sandboxes(keys)
    await asyncio.gather(*(backend.wait_engine_ready(key, 120) for key in keys))
    for key in keys:  # a shell that had a terminal once, as a student's has
        terminal = await backend.open_terminal(key)
        await asyncio.wait_for(terminal.read(4096), 30)
        await terminal.close()
    await asyncio.sleep(settle_seconds)
    names = {key: (f"{harness.PREFIX}-{key}-engine", f"{harness.PREFIX}-{key}-workspace") for key in keys}
    usage = await asyncio.to_thread(memory_of, [n for pair in names.values() for n in pair])
    engines = [usage[engine] for engine, _ in names.values()]
    workspaces = [usage[workspace] for _, workspace in names.values()]
    for key in keys:
        await backend.remove(key)
    return {"engine": sum(engines) / count, "workspace": sum(workspaces) / count}


async def run(bench: harness.Bench) -> list[Result]:
    cold_runs = 1 if bench.smoke else 3
    warm_runs = 2 if bench.smoke else 5
    idle_count = 1 if bench.smoke else 10
    server = bench.dockyard()
    cookie = await bench.cookie(COLD_USER)

    cold = []
    for _ in range(cold_runs):
        cold.append(await cold_start(bench, server, cookie))
        log(f"cold: {cold[-1]}")
    warm = []
    for _ in range(warm_runs):
        warm.append(await warm_start(server, cookie))
    log(f"warm: {warm}")
    await bench.backend().remove(f"u{COLD_USER}")
    floor = await asyncio.to_thread(host_engine_floor, cold_runs)
    log(f"host engine floor: {floor:.2f} s")
    pooled = [await pooled_start(bench, "h8-pooled") for _ in range(cold_runs)]
    log(f"pooled: {pooled}")

    idle = await idle_sandboxes(bench, idle_count, 2.0 if bench.smoke else 10.0)
    per_sandbox = idle["engine"] + idle["workspace"]
    total = psutil.virtual_memory().total
    log(f"idle: {idle}")

    def p50(runs, field):
        return f"{median([r[field] for r in runs]):.2f} s"

    return [
        Result("start", f"cold: websocket → ready (p50 of {cold_runs})", {"Dockyard": p50(cold, "ready")}, ""),
        Result(
            "start",
            "cold: websocket → `starting` engine / workspace step",
            {"Dockyard": f"{p50(cold, 'engine_step')} / {p50(cold, 'workspace_step')}"},
            "",
        ),
        Result("start", "cold: websocket → first prompt", {"Dockyard": p50(cold, "prompt")}, "≤ 0.3 s"),
        Result(
            "start",
            "floor: the host engine makes a network and two containers (no app, disk or nested engine)",
            {"Dockyard": f"{floor:.2f} s"},
            "",
        ),
        Result(
            "start",
            "cold: websocket → `engine-ready` (the socket answers)",
            {"Dockyard": p50(cold, "engine")},
            "≤ 0.8 s",
        ),
        Result(
            "start",
            "cold: websocket → first `docker version` answered (the engine starts for it)",
            {"Dockyard": p50(cold, "first_docker")},
            "",
        ),
        Result(
            "start",
            f"pool (SANDBOX_POOL_SIZE=1): claim → first screen (p50 of {cold_runs})",
            {"Dockyard": p50(pooled, "prompt")},
            "≤ 0.3 s",
        ),
        Result("start", "pool: claim → nested engine answering", {"Dockyard": p50(pooled, "engine")}, ""),
        Result("start", f"warm: websocket → ready (p50 of {warm_runs})", {"Dockyard": p50(warm, "ready")}, ""),
        Result("start", "warm: websocket → prompt on screen", {"Dockyard": p50(warm, "prompt")}, "≤ 0.3 s"),
        Result(
            "density",
            f"idle memory per sandbox (mean of {idle_count})",
            {"Dockyard": f"{mib(per_sandbox)} (engine {mib(idle['engine'])}, workspace {mib(idle['workspace'])})"},
            "",
        ),
        Result(
            "density",
            f"idle sandboxes in {total / 2**30:.0f} GiB (extrapolated)",
            {"Dockyard": f"{int(total // per_sandbox)}"},
            "≥ 200",
        ),
    ]


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
