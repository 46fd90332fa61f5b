"""Where the shell is held: what keeping it in the sandbox (dockyard-shell, so
it survives an app restart and every app process shows the same one) costs,
and what a terminal on a second app process costs. On one sandbox's workspace:

- exec -it bash: the shell as Dockyard held it before, a `docker exec -it`
  read by the app's own stream class (DockerTerminal), no Django, no websocket;
- dockyard-shell: the same through the holder (HeldShell), no Django, no
  websocket (a holder of the bench's own, not the student's);
- Dockyard: the real app, one Daphne process, the student's websocket;
- Dockyard, 2nd process: a terminal on a second Daphne process while the
  first one shows the same shell to a terminal that reads all along.

    .venv/bin/python bench/held_shell.py [--smoke]
"""

import asyncio
import contextlib
import sys

import harness
from clients import DockyardTerminal, Terminal, echo_latencies, flood, wait_prompt
from harness import DockyardServer, Result, log, mb_per_s, ms, percentile

TITLE = "Where the shell is held: the restart-safe shell and a second app process"
USER = 9800
BENCH_SOCKET = "/tmp/.dockyard-shell-bench/socket"
ENGINE = None  # the backend's client and threads (sandbox.backends.docker.client.Engine)


class StreamTerminal(Terminal):
    """A backend TerminalStream, driven as the app drives it."""

    def __init__(self, stream, name: str):
        self.stream = stream
        self.name = name

    async def send(self, data: bytes) -> None:
        await self.stream.write(data)

    async def recv(self) -> bytes:
        return await self.stream.read(65536)

    async def close(self) -> None:
        await self.stream.hang_up()


async def old_exec(workspace) -> StreamTerminal:
    from sandbox.backends.docker import terminal as terminals

    stream = await terminals.open_stream(ENGINE, workspace, terminals.PLAIN_SHELL)
    await stream.resize(80, 24)
    return StreamTerminal(stream, "exec -it bash")


async def held(workspace) -> StreamTerminal:
    from sandbox.backends.docker import terminal as terminals

    stream = await terminals.open_held_shell(ENGINE, workspace, 80, 24, 128 * 1024, socket_path=BENCH_SOCKET)
    return StreamTerminal(stream, "dockyard-shell")


async def drain(terminal: DockyardTerminal) -> None:
    """A terminal that reads (and acknowledges) everything, as an open page does."""
    with contextlib.suppress(Exception):
        while await terminal.recv():
            pass


async def run(bench: harness.Bench) -> list[Result]:
    keystrokes = 20 if bench.smoke else 300
    flood_bytes = 2_000_000 if bench.smoke else 100_000_000
    key = f"u{USER}"
    await bench.start_sandboxes([key])
    await bench.backend().wait_engine_ready(key, 60)
    global ENGINE
    from sandbox.backends.docker.client import Engine

    ENGINE = Engine()
    workspace = await ENGINE.call(ENGINE.get, bench.workspace(key))
    first = bench.dockyard()
    (bench.data_dir / "second").mkdir(exist_ok=True)
    second = DockyardServer(dict(bench.env), bench.data_dir / "second")
    cookie = await bench.cookie(USER)

    async def on_second_process():
        shown = await DockyardTerminal.open(first.ws_url, cookie)
        await wait_prompt(shown)
        reader = asyncio.create_task(drain(shown))
        terminal = await DockyardTerminal.open(second.ws_url, cookie)
        terminal.companion = (shown, reader)
        return terminal

    openers = {
        "exec -it bash": lambda: old_exec(workspace),
        "dockyard-shell": lambda: held(workspace),
        "Dockyard": lambda: DockyardTerminal.open(first.ws_url, cookie),
        "Dockyard, 2nd process": on_second_process,
    }
    # Each system twice, in the order A B C D D C B A: a 2-core machine's drift
    # weighs on all alike. Latencies are pooled, flood times averaged.
    order = list(openers) if bench.smoke else [*openers, *reversed(openers)]
    measured = {system: {"latencies": [], "seconds": []} for system in openers}
    try:
        for system in order:
            terminal = await openers[system]()
            terminal.name = system
            try:
                await wait_prompt(terminal)
                latencies = await echo_latencies(terminal, keystrokes)
                seconds, _ = await flood(terminal, flood_bytes)
            finally:
                await terminal.close()
                if hasattr(terminal, "companion"):
                    shown, reader = terminal.companion
                    reader.cancel()
                    await shown.close()
            log(f"{system}: echo p50 {ms(percentile(latencies, 50))}, flood {mb_per_s(flood_bytes, seconds)}")
            measured[system]["latencies"] += latencies
            measured[system]["seconds"].append(seconds)
    finally:
        second.stop()
    for result in measured.values():
        result["seconds"] = sum(result["seconds"]) / len(result["seconds"])
    base = measured["exec -it bash"]["seconds"]
    name = "held shell"
    return [
        Result(
            name,
            f"echo p50 ({keystrokes} keys)",
            {s: ms(percentile(m["latencies"], 50)) for s, m in measured.items()},
            "",
        ),
        Result(name, "echo p99", {s: ms(percentile(m["latencies"], 99)) for s, m in measured.items()}, ""),
        Result(
            name,
            f"output throughput ({flood_bytes / 1e6:.0f} MB flood)",
            {
                s: f"{mb_per_s(flood_bytes, m['seconds'])} ({base / m['seconds']:.0%} of exec -it)"
                for s, m in measured.items()
            },
            "",
        ),
    ]


if __name__ == "__main__":
    harness.run_benchmark(sys.modules[__name__], harness.arguments(__doc__).smoke)
