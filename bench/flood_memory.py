"""Bounded memory: one terminal floods (`yes … | head -c 200M`) while its
client reads only 1 MB/s. The server process's resident memory (psutil) is
sampled every 0.2 s: before, the peak during the flood and in the 3 s after
the client pressed Ctrl-C and left, and at the end of those 3 s.

The server process is Daphne for Dockyard and the tornado process for
terminado (its `docker exec` children are not counted; neither are Docker's).

    .venv/bin/python bench/flood_memory.py [--smoke]
"""

import asyncio
import sys
import time

import harness
import psutil
from clients import DockyardTerminal, TerminadoTerminal, slow_read, wait_prompt
from harness import Result, log, mib

TITLE = "Bounded memory: a 200 MB flood to a client reading 1 MB/s"
USER = 9800
READ_RATE = 1_000_000
AFTER = 3.0


async def measure(terminal, pid: int, flood_bytes: int, seconds: float) -> dict:
    process = psutil.Process(pid)
    await wait_prompt(terminal)
    before = process.memory_info().rss
    samples = [before]
    received = await slow_read(
        terminal, flood_bytes, READ_RATE, seconds, lambda: samples.append(process.memory_info().rss)
    )
    await terminal.close()
    deadline = time.perf_counter() + AFTER
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
        samples.append(process.memory_info().rss)
    return {"before": before, "peak": max(samples), "after": samples[-1], "received": received}


async def run(bench: harness.Bench) -> list[Result]:
    flood_bytes = 20_000_000 if bench.smoke else 200_000_000
    seconds = 3.0 if bench.smoke else 20.0
    key = f"u{USER}"
    await bench.start_sandboxes([key])
    await bench.backend().wait_engine_ready(key, 60)
    server = bench.dockyard()
    terminado = bench.terminado([bench.workspace(key)])
    cookie = await bench.cookie(USER)

    measured = {}
    for system in ("terminado", "Dockyard"):
        if system == "terminado":
            terminal, pid = await TerminadoTerminal.open(terminado.url(0)), terminado.pid
        else:
            terminal, pid = await DockyardTerminal.open(server.ws_url, cookie), server.pid
        measured[system] = m = await measure(terminal, pid, flood_bytes, seconds)
        log(
            f"{system}: RSS {mib(m['before'])} → peak {mib(m['peak'])} → {mib(m['after'])}, "
            f"read {m['received'] / 1e6:.1f} MB"
        )

    name = f"slow reader ({flood_bytes / 1e6:.0f} MB flood, {seconds:.0f} s at 1 MB/s)"
    return [
        Result(
            name,
            "server RSS before → peak → after",
            {s: f"{mib(m['before'])} → {mib(m['peak'])} → {mib(m['after'])}" for s, m in measured.items()},
            "growth ≤ 16 MiB, returns afterwards",
        ),
        Result(
            name,
            "server RSS growth at peak",
            {s: mib(m["peak"] - m["before"]) for s, m in measured.items()},
            "≤ 16 MiB per terminal",
        ),
        Result(name, "bytes the client read", {s: f"{m['received'] / 1e6:.1f} MB" for s, m in measured.items()}, ""),
    ]


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
