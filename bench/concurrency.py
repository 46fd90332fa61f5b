"""Many terminals at once, terminado and Dockyard under the same client harness:
- N clients typing (10 keystrokes a second each, starts spread over the first
  0.1 s): echo p50/p99 over all their keystrokes, for N = 20 and 50;
- 20 clients flooding their terminals at once: total output throughput.

Client i uses student 98xx+i's own sandbox in both systems (terminado's
terminal i runs `docker exec -it` in that student's workspace). One sandbox for
all would not do: Dockyard's terminals of one student share one tmux session,
so their typing would land in the same shell and every client would see
everyone's echo.

    .venv/bin/python bench/concurrency.py [--smoke]
"""
import asyncio
import random
import sys
import time

import harness
from clients import DockyardTerminal, TerminadoTerminal, echo_latencies, flood, wait_prompt
from harness import FIRST_USER, Result, log, mb_per_s, ms, percentile

TITLE = "Concurrent terminals: typing and floods"
TYPING_INTERVAL = 0.1


async def open_all(bench, system: str, count: int, server, terminado) -> list:
    async def one(index):
        if system == "terminado":
            terminal = await TerminadoTerminal.open(terminado.url(index))
        else:
            terminal = await DockyardTerminal.open(server.ws_url, await bench.cookie(FIRST_USER + index))
        await wait_prompt(terminal)
        return terminal

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def close_all(terminals) -> None:
    await asyncio.gather(*(t.close() for t in terminals), return_exceptions=True)


async def typing(terminals, keystrokes: int) -> list[float]:
    async def typist(terminal):
        await asyncio.sleep(random.uniform(0, TYPING_INTERVAL))
        return await echo_latencies(terminal, keystrokes, TYPING_INTERVAL)

    per_client = await asyncio.gather(*(typist(t) for t in terminals))
    return [latency for latencies in per_client for latency in latencies]


async def flooding(terminals, nbytes: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(flood(t, nbytes) for t in terminals))
    return time.perf_counter() - started


async def run(bench: harness.Bench) -> list[Result]:
    sizes = [3] if bench.smoke else [20, 50]
    flooders = 2 if bench.smoke else 20
    keystrokes = 10 if bench.smoke else 100
    flood_bytes = 1_000_000 if bench.smoke else 10_000_000
    keys = [f"u{FIRST_USER + i}" for i in range(max(sizes))]
    log(f"starting {len(keys)} sandboxes")
    seconds = await bench.start_sandboxes(keys)
    log(f"started in {seconds:.1f} s; waiting for their engines")
    backend = bench.backend()
    await asyncio.gather(*(backend.wait_engine_ready(key, 120) for key in keys))
    server = bench.dockyard()
    terminado = bench.terminado([bench.workspace(key) for key in keys])

    results = []
    for count in sizes:
        latencies = {}
        for system in ("terminado", "Dockyard"):
            terminals = await open_all(bench, system, count, server, terminado)
            try:
                latencies[system] = await typing(terminals, keystrokes)
            finally:
                await close_all(terminals)
            log(f"{system}, {count} typing: p50 {ms(percentile(latencies[system], 50))}, "
                f"p99 {ms(percentile(latencies[system], 99))}")
        name = f"{count} clients typing"
        results += [
            Result(name, f"echo p50 ({keystrokes} keys each)",
                   {s: ms(percentile(v, 50)) for s, v in latencies.items()}, "terminado's or better"),
            Result(name, "echo p99", {s: ms(percentile(v, 99)) for s, v in latencies.items()},
                   "terminado's or better"),
        ]

    totals = {}
    for system in ("terminado", "Dockyard"):
        terminals = await open_all(bench, system, flooders, server, terminado)
        try:
            elapsed = await flooding(terminals, flood_bytes)
        finally:
            await close_all(terminals)
        totals[system] = mb_per_s(flooders * flood_bytes, elapsed)
        log(f"{system}, {flooders} floods: {totals[system]} in total")
    results.append(Result(
        f"{flooders} concurrent floods", f"total throughput ({flood_bytes / 1e6:.0f} MB each)", totals,
        "terminado's or better",
    ))
    return results


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
