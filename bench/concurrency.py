"""Many terminals at once, terminado and Dockyard under the same client harness:
- N clients typing (10 keystrokes a second each, starts spread over the first
  0.1 s): echo p50/p99 over all their keystrokes, for N = 20 and 50; the
  first 10 keystrokes right after all N connected are reported apart, the
  steady state is measured after a 3 s pause;
- 20 clients flooding their terminals at once: total output throughput.

Client i uses the sandbox of student 9800 + i in both systems (terminado's
terminal i runs `docker exec -it` in that student's workspace): one sandbox
per client, as in a classroom. (Dockyard's terminals of one student share
one shell, so clients sharing a sandbox would type into the same shell. The
smoke mode does that on purpose, 3 clients on 2 sandboxes, each
client typing its own characters, so that path keeps working too.)

    .venv/bin/python bench/concurrency.py [--smoke]
"""

import asyncio
import random
import sys
import time

import harness
from clients import CLEAR_LINE, ECHO_CHARS, DockyardTerminal, TerminadoTerminal, echo_latencies, flood, wait_prompt
from harness import FIRST_USER, Result, log, mb_per_s, ms, percentile

TITLE = "Concurrent terminals: typing and floods"
TYPING_INTERVAL = 0.1
FIRST_KEYSTROKES = 10  # typed at once after connecting, reported apart
PAUSE = 3.0  # then the steady-state round
SANDBOXES = 50


async def open_all(bench, system: str, count: int, sandboxes: int, server, terminado) -> list:
    async def one(index):
        if system == "terminado":
            terminal = await TerminadoTerminal.open(terminado.url(index))
        else:
            cookie = await bench.cookie(FIRST_USER + index % sandboxes)
            terminal = await DockyardTerminal.open(server.ws_url, cookie)
        await wait_prompt(terminal)
        return terminal

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def close_all(terminals) -> None:
    await asyncio.gather(*(t.close() for t in terminals), return_exceptions=True)


async def typing(terminals, keystrokes: int, sandboxes: int) -> list[float]:
    shared = len(terminals) > sandboxes
    if shared:  # one empty line per shell to start from
        await asyncio.gather(*(t.send(CLEAR_LINE) for t in terminals[:sandboxes]))
        await asyncio.sleep(0.5)

    async def typist(index, terminal):
        await asyncio.sleep(random.uniform(0, TYPING_INTERVAL))
        return await echo_latencies(
            terminal, keystrokes, TYPING_INTERVAL, chars=ECHO_CHARS[index // sandboxes], shared=shared
        )

    per_client = await asyncio.gather(*(typist(i, t) for i, t in enumerate(terminals)))
    return [latency for latencies in per_client for latency in latencies]


async def flooding(terminals, nbytes: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(flood(t, nbytes) for t in terminals))
    return time.perf_counter() - started


async def run(bench: harness.Bench) -> list[Result]:
    sizes = [3] if bench.smoke else [20, 50]
    sandboxes = 2 if bench.smoke else SANDBOXES
    flooders = 2 if bench.smoke else 20
    keystrokes = 10 if bench.smoke else 100
    flood_bytes = 1_000_000 if bench.smoke else 10_000_000
    assert flooders <= sandboxes and max(sizes) <= len(ECHO_CHARS) * sandboxes
    keys = [f"u{FIRST_USER + i}" for i in range(sandboxes)]
    log(f"starting {len(keys)} sandboxes")
    seconds = await bench.start_sandboxes(keys)
    log(f"started in {seconds:.1f} s; waiting for their engines")
    backend = bench.backend()
    await asyncio.gather(*(backend.wait_engine_ready(key, 120) for key in keys))
    server = bench.dockyard()
    for i in range(sandboxes):  # sessions first: the bench's own database writes would compete with Daphne's
        await bench.cookie(FIRST_USER + i)
    terminado = bench.terminado([bench.workspace(keys[i % sandboxes]) for i in range(max(sizes))])

    results = []
    for count in sizes:
        first, steady = {}, {}
        for system in ("terminado", "Dockyard"):
            terminals = await open_all(bench, system, count, sandboxes, server, terminado)
            try:
                first[system] = await typing(terminals, FIRST_KEYSTROKES, sandboxes)
                await asyncio.sleep(PAUSE)
                steady[system] = await typing(terminals, keystrokes, sandboxes)
            finally:
                await close_all(terminals)
            log(
                f"{system}, {count} typing: p50 {ms(percentile(steady[system], 50))}, "
                f"p99 {ms(percentile(steady[system], 99))}; right after connecting: "
                f"p50 {ms(percentile(first[system], 50))}, p99 {ms(percentile(first[system], 99))}"
            )
        name = f"{count} clients typing ({min(count, sandboxes)} sandboxes)"
        results += [
            Result(
                name,
                f"echo p50 ({keystrokes} keys each)",
                {s: ms(percentile(v, 50)) for s, v in steady.items()},
                "terminado's or better",
            ),
            Result(name, "echo p99", {s: ms(percentile(v, 99)) for s, v in steady.items()}, "terminado's or better"),
            Result(
                name,
                f"echo p50 / p99, first {FIRST_KEYSTROKES} keys after connecting",
                {s: f"{ms(percentile(v, 50))} / {ms(percentile(v, 99))}" for s, v in first.items()},
                "",
            ),
        ]

    totals = {}
    for system in ("terminado", "Dockyard"):
        terminals = await open_all(bench, system, flooders, sandboxes, server, terminado)
        try:
            elapsed = await flooding(terminals, flood_bytes)
        finally:
            await close_all(terminals)
        totals[system] = mb_per_s(flooders * flood_bytes, elapsed)
        log(f"{system}, {flooders} floods: {totals[system]} in total")
    results.append(
        Result(
            f"{flooders} concurrent floods",
            f"total throughput ({flood_bytes / 1e6:.0f} MB each)",
            totals,
            "terminado's or better",
        )
    )
    return results


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
