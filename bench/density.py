"""Density, measured rather than extrapolated: start N sandboxes (200 by
default, as a large class would), each with its student's socket answering
and a shell opened once, leave them idle, then
- the host's memory they take (MemAvailable before and after, per sandbox),
- their containers' own memory (`docker stats`: engine and workspace), and
  the host processes that hold each container (containerd-shim, its USS),
- the first `docker version` after idling, one sandbox at a time (a lazy
  engine starts for it: SANDBOX_ENGINE_START, default lazy),
- whether every one of them answers a `docker version` from its shell,
- the time to start them all and to remove them all.

With lazy engines, each answering engine stops again after
QUIET_SECONDS, so answering them all never holds N engines at once.

With --close-shells each page's terminal is closed after its first screen, as
when the student closes the tab: the shell lives on in the workspace, held by
dockyard-shell, and the host's dockerd holds no exec for it. An open terminal
costs dockerd about 6 open files (the exec's fifos) of the about 21 a sandbox
holds; a dockerd started by hand here is limited to 20000, where Debian's
docker.service sets 1048576.

    .venv/bin/python bench/density.py [--smoke] [--count N] [--close-shells]
"""

import asyncio
import random
import subprocess
import sys
import time

import harness
import psutil
from django.conf import settings
from django.test import override_settings
from harness import Result, log, mib, percentile
from start_times import memory_of

TITLE = "Density: idle sandboxes on one machine"
PARALLEL = 4  # starts at once: dockerd and runc on this 2-core machine are the limit
SETTLE_SECONDS = 20
QUIET_SECONDS = 20  # a lazy engine started by the answering pass stops again after this
STATS_SAMPLE = 100  # sandboxes whose containers `docker stats` reads
FIRST_USE_SAMPLE = 10  # sandboxes whose first `docker version` after idling is timed alone


def count_for(bench) -> int:
    return bench.density_count or (2 if bench.smoke else 200)


async def gathered(keys, work, parallel=PARALLEL):
    """work(key) for every key, `parallel` at a time; the failures, by key."""
    gate = asyncio.Semaphore(parallel)
    failures = {}

    async def one(key):
        async with gate:
            try:
                await work(key)
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                failures[key] = f"{type(exc).__name__}: {exc}"

    await asyncio.gather(*(one(key) for key in keys))
    return failures


def shim_uss() -> int:
    """Bytes the host's containerd-shim processes hold of their own (one per container)."""
    total = 0
    for process in psutil.process_iter(["name"]):
        if (process.info["name"] or "").startswith("containerd-shim"):
            try:
                total += process.memory_full_info().uss
            except psutil.Error:
                pass
    return total


def engine_daemons_rss() -> int:
    """The host's dockerd and containerd: what grows with every container and network."""
    total = 0
    for process in psutil.process_iter(["name", "memory_info"]):
        if process.info["name"] in ("dockerd", "containerd") and process.info["memory_info"] is not None:
            total += process.info["memory_info"].rss
    return total


def firewall_rules() -> int:
    listing = subprocess.run(["iptables-save"], capture_output=True, text=True, check=False).stdout
    return sum(1 for line in listing.splitlines() if line.startswith("-A "))


async def run(bench: harness.Bench) -> list[Result]:
    with override_settings(SANDBOX_ENGINE_QUIET_SECONDS=QUIET_SECONDS):
        return await measure(bench)


async def measure(bench: harness.Bench) -> list[Result]:
    count = count_for(bench)
    keys = [f"h8-dense-{i:03d}" for i in range(count)]
    backend = bench.backend()
    available_before = psutil.virtual_memory().available
    shims_before = shim_uss()
    daemons_before, rules_before = engine_daemons_rss(), await asyncio.to_thread(firewall_rules)

    shells = []
    start_durations = []  # in the order the starts finished

    async def start(key):
        began = time.perf_counter()
        await backend.start(key)
        if not await backend.wait_engine_ready(key, 180):
            raise RuntimeError("the nested engine never answered")
        shells.append(terminal := await backend.open_terminal(key))  # as a student's first visit leaves it
        await asyncio.wait_for(terminal.read(4096), 60)
        if bench.density_close_shells:
            await terminal.close()
        start_durations.append(time.perf_counter() - began)
        if len(start_durations) % 100 == 0:
            log(f"{len(start_durations)} started; MemAvailable {mib(psutil.virtual_memory().available)}")

    log(f"starting {count} sandboxes, {PARALLEL} at a time")
    began = time.perf_counter()
    failed_start = await gathered(keys, start)
    start_seconds = time.perf_counter() - began
    log(f"started in {start_seconds:.0f} s, {len(failed_start)} failed: {list(failed_start.items())[:3]}")

    await asyncio.sleep(2 if bench.smoke else SETTLE_SECONDS)
    available_idle = psutil.virtual_memory().available
    shims_idle = shim_uss()
    daemons_idle, rules_idle = engine_daemons_rss(), await asyncio.to_thread(firewall_rules)
    running = [k for k in keys if k not in failed_start]
    # A sample: `docker stats` of 1940 containers at once ran the host's dockerd
    # out of open files (its limit here is 20000, and no higher may be set).
    sampled = running if len(running) <= STATS_SAMPLE else random.sample(running, STATS_SAMPLE)
    usage = await asyncio.to_thread(
        memory_of, [f"{harness.PREFIX}-{k}-{role}" for k in sampled for role in ("engine", "workspace")]
    )
    engine = sum(usage.get(f"{harness.PREFIX}-{k}-engine", 0) for k in sampled) / max(1, len(sampled))
    workspace = sum(usage.get(f"{harness.PREFIX}-{k}-workspace", 0) for k in sampled) / max(1, len(sampled))

    async def answers(key):
        result = await backend.exec(key, ["docker", "version", "--format", "{{.Server.Version}}"], timeout=60)
        if result.exit_code != 0:
            raise RuntimeError(result.output[-200:])

    first_use = []
    for key in running[:FIRST_USE_SAMPLE]:
        began = time.perf_counter()
        await answers(key)
        first_use.append(time.perf_counter() - began)
    log(f"first `docker version` after idling: {[round(t, 2) for t in first_use]}")
    failed_answer = await gathered(running, answers)  # 4 at a time: each starts an engine for QUIET_SECONDS
    log(f"{len(running) - len(failed_answer)} of {len(running)} answered `docker version`")

    began = time.perf_counter()
    await gathered(keys, backend.remove, parallel=8)
    remove_seconds = time.perf_counter() - began
    for terminal in shells:
        await terminal.close()
    host_per_sandbox = (available_before - available_idle) / max(1, len(running))
    total = psutil.virtual_memory().total

    name = f"{count} idle sandboxes (engine {settings.SANDBOX_ENGINE_START})"
    shims_per_sandbox = (shims_idle - shims_before) / max(1, len(running))
    # With a few small sandboxes (smoke) the MemAvailable drop is within the host's noise.
    tenth = max(1, len(start_durations) // 10)
    first_starts, last_starts = start_durations[:tenth], start_durations[-tenth:]
    per_sandbox_at_least = max(host_per_sandbox, engine + workspace + shims_per_sandbox, 1)
    return [
        Result(
            name,
            "started (engine answering, shell opened"
            + (", then its terminal closed)" if bench.density_close_shells else ")"),
            {"Dockyard": f"{len(running)} of {count} in {start_seconds:.0f} s"},
            "1000 (issue 16)",
        ),
        Result(
            name,
            f"first `docker version` after idling, p50 / max of {len(first_use)} (one at a time)",
            {"Dockyard": f"{percentile(first_use, 50):.2f} s / {max(first_use, default=0):.2f} s"},
            "≤ 1.5 s",
        ),
        Result(
            name,
            "answering `docker version` after idling",
            {"Dockyard": f"{len(running) - len(failed_answer)} of {len(running)}"},
            "all",
        ),
        Result(
            name,
            "host memory per sandbox (MemAvailable drop / N)",
            {"Dockyard": f"{mib(host_per_sandbox)} ({mib(host_per_sandbox * len(running))} in all)"},
            "≤ 8 MiB",
        ),
        Result(
            name,
            f"container memory per sandbox (`docker stats`, mean of {len(sampled)})",
            {"Dockyard": f"{mib(engine + workspace)} (engine {mib(engine)}, workspace {mib(workspace)})"},
            "",
        ),
        Result(
            name,
            "host memory of its two containerd-shim processes (USS) per sandbox",
            {"Dockyard": mib(shims_per_sandbox)},
            "",
        ),
        Result(
            name,
            f"would fit in {total / 2**30:.0f} GiB at that host memory (at least the containers' and shims')",
            {"Dockyard": f"{int(total // per_sandbox_at_least)}"},
            "≥ 1000",
        ),
        Result(
            name,
            f"one start (sandbox, socket, shell), p50 of the first {tenth} → of the last {tenth}",
            {"Dockyard": f"{percentile(first_starts, 50):.2f} s → {percentile(last_starts, 50):.2f} s"},
            "",
        ),
        Result(
            name,
            "the host's dockerd + containerd RSS, before → idle with them all",
            {"Dockyard": f"{mib(daemons_before)} → {mib(daemons_idle)}"},
            "",
        ),
        Result(
            name,
            "host firewall rules (iptables -A lines), before → idle",
            {"Dockyard": f"{rules_before} → {rules_idle}"},
            "",
        ),
        Result(name, "removing them all", {"Dockyard": f"{remove_seconds:.0f} s"}, ""),
    ]


if __name__ == "__main__":
    parser = harness.parser(__doc__)
    parser.add_argument("--count", type=int, default=0, help="sandboxes to start (default 200, smoke 2)")
    parser.add_argument(
        "--close-shells", action="store_true", help="close each terminal after its first screen (the shell stays held)"
    )
    args = parser.parse_args()
    harness.Bench.density_count = args.count
    harness.Bench.density_close_shells = args.close_shells
    harness.run_benchmark(sys.modules[__name__], args.smoke)
