"""One ASGI process (Daphne), many websocket terminals opened at once:
200 terminals spread over 4 students' running sandboxes (50 websockets on
each one's shell). Counted as an error: a refused or failed handshake, an `error`/`full`
status, a close, or no screen within 60 s. Reported: errors, the time to the
websocket handshake and to the first screen (p50/p99), Daphne's memory.

    .venv/bin/python bench/many_terminals.py [--smoke]
"""

import asyncio
import sys
import time

import harness
import psutil
from clients import DockyardTerminal
from harness import FIRST_USER, Result, log, mib, percentile

TITLE = "Many terminals on one ASGI process"


async def open_one(server, cookie: str) -> tuple[DockyardTerminal | None, dict]:
    started = time.perf_counter()
    try:
        terminal = await DockyardTerminal.open(server.ws_url, cookie)
    except Exception as exc:
        return None, {"error": f"handshake: {exc!r}"[:200]}
    handshake = time.perf_counter() - started
    try:
        await terminal.wait_status("ready", 60)
        await asyncio.wait_for(terminal.recv(), 60)
    except Exception as exc:
        return terminal, {"error": f"{exc!r}"[:200]}
    return terminal, {"handshake": handshake, "screen": time.perf_counter() - started}


async def run(bench: harness.Bench) -> list[Result]:
    count, students = (8, 2) if bench.smoke else (200, 4)
    keys = [f"u{FIRST_USER + i}" for i in range(students)]
    await bench.start_sandboxes(keys)
    server = bench.dockyard()
    cookies = [await bench.cookie(FIRST_USER + i) for i in range(students)]
    daphne = psutil.Process(server.pid)
    before = daphne.memory_info().rss

    opened = await asyncio.gather(*(open_one(server, cookies[i % students]) for i in range(count)))
    await asyncio.sleep(2)
    held = daphne.memory_info().rss
    terminals = [t for t, _ in opened if t is not None]
    await asyncio.gather(*(t.close() for t in terminals), return_exceptions=True)
    outcomes = [o for _, o in opened]
    errors = [o["error"] for o in outcomes if "error" in o]
    for error in sorted(set(errors))[:5]:
        log(f"error: {error}")
    handshakes = [o["handshake"] for o in outcomes if "handshake" in o]
    screens = [o["screen"] for o in outcomes if "screen" in o]
    log(f"{count} terminals: {len(errors)} errors, Daphne {mib(before)} → {mib(held)}")

    def p50_p99(values):
        return f"{percentile(values, 50):.2f} s / {percentile(values, 99):.2f} s"

    name = f"{count} terminals at once ({students} sandboxes, 1 ASGI process)"
    return [
        Result(name, "errors", {"Dockyard": f"{len(errors)} of {count}"}, "0"),
        Result(name, "websocket handshake p50 / p99", {"Dockyard": p50_p99(handshakes)}, ""),
        Result(name, "first screen p50 / p99", {"Dockyard": p50_p99(screens)}, ""),
        Result(name, "Daphne RSS before → with all open", {"Dockyard": f"{mib(before)} → {mib(held)}"}, ""),
    ]


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
