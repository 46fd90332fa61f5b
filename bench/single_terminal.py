"""One terminal, side by side on the same sandbox's workspace container:
keystroke echo latency and output throughput for
- the PTY floor: `docker exec -it <workspace> bash` on a local PTY, no websocket;
- the same through tmux (how Dockyard's shell ran until sandbox/shells.py; kept for comparison);
- terminado serving `docker exec -it <workspace> bash` over a websocket;
- Dockyard: the real app under Daphne, the student's websocket terminal.

    .venv/bin/python bench/single_terminal.py [--smoke]
"""

import sys

import harness
from clients import DockyardTerminal, PtyTerminal, TerminadoTerminal, echo_latencies, flood, wait_prompt
from harness import Result, log, mb_per_s, ms, percentile

TITLE = "Single terminal: keystroke echo and output throughput"
USER = 9800


async def measure(terminal, keystrokes: int, flood_bytes: int) -> dict:
    await wait_prompt(terminal)
    latencies = await echo_latencies(terminal, keystrokes)
    seconds, wire = await flood(terminal, flood_bytes)
    log(f"{terminal.name}: echo p50 {ms(percentile(latencies, 50))}, flood {mb_per_s(flood_bytes, seconds)}")
    return {"latencies": latencies, "seconds": seconds, "wire": wire}


async def run(bench: harness.Bench) -> list[Result]:
    keystrokes = 20 if bench.smoke else 300
    flood_bytes = 2_000_000 if bench.smoke else 200_000_000
    key = f"u{USER}"
    await bench.start_sandboxes([key])
    await bench.backend().wait_engine_ready(key, 60)  # its start-up work would skew the first numbers
    workspace = bench.workspace(key)
    server = bench.dockyard()
    terminado = bench.terminado([workspace])
    cookie = await bench.cookie(USER)

    openers = {
        "PTY floor": lambda: PtyTerminal.open(workspace),
        "PTY + tmux": lambda: PtyTerminal.open(workspace, "tmux new-session -A -s h8-bench"),
        "terminado": lambda: TerminadoTerminal.open(terminado.url(0)),
        "Dockyard": lambda: DockyardTerminal.open(server.ws_url, cookie),
    }
    measured = {}
    for system, open_terminal in openers.items():
        terminal = await open_terminal()
        terminal.name = system
        try:
            measured[system] = await measure(terminal, keystrokes, flood_bytes)
        finally:
            await terminal.close()
    await bench.backend().exec(key, ["tmux", "kill-session", "-t", "h8-bench"])

    floor = measured["PTY floor"]["seconds"]
    name = "single terminal"
    return [
        Result(
            name,
            f"echo p50 ({keystrokes} keys)",
            {s: ms(percentile(m["latencies"], 50)) for s, m in measured.items()},
            "≤ 1 ms",
        ),
        Result(
            name,
            "echo p99",
            {s: ms(percentile(m["latencies"], 99)) for s, m in measured.items()},
            "terminado's or better",
        ),
        Result(
            name,
            f"output throughput ({flood_bytes / 1e6:.0f} MB flood)",
            {
                s: f"{mb_per_s(flood_bytes, m['seconds'])} ({floor / m['seconds']:.0%} of floor)"
                for s, m in measured.items()
            },
            "≥ 90% of the PTY floor",
        ),
        Result(
            name,
            "bytes on the wire / bytes printed",
            {s: f"{m['wire'] / flood_bytes:.2f}" for s, m in measured.items()},
            "",
        ),
    ]


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
