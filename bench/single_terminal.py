"""One terminal, side by side on the same sandbox's workspace container:
keystroke echo latency and output throughput for
- the PTY floor: `docker exec -it <workspace> bash` on a local PTY, no websocket;
- the same through tmux (how Dockyard's shell ran until sandbox/shells.py; kept for comparison);
- terminado serving `docker exec -it <workspace> bash` over a websocket;
- Dockyard: the real app under Daphne, the student's websocket terminal;
- Dockyard, recorded: the same for a student whose class records terminals
  (docs/recordings.md), with RECORDING_MAX_BYTES large enough to keep the whole
  flood (the bench sets 1g): every byte is written to the recording.

    .venv/bin/python bench/single_terminal.py [--smoke] [--recording off|on|both]

`--recording` (or BENCH_RECORDING) picks the Dockyard columns: not recorded,
recorded, or both (the default; then each twice, in the order A B B A).
"""

import asyncio
import os
import sys
from pathlib import Path

import harness
from clients import DockyardTerminal, PtyTerminal, TerminadoTerminal, echo_latencies, flood, wait_prompt
from harness import Result, log, mb_per_s, ms, percentile

TITLE = "Single terminal: keystroke echo and output throughput"
USER = 9800
RECORDED_USER = 9801  # in a class that records its students' terminals
RECORDING = os.environ.get("BENCH_RECORDING", "both")  # "off", "on" or "both"


def _record(user_id: int) -> None:
    """Put the student in a class that records (in the benchmark's database)."""
    from django.db import close_old_connections

    from classroom.models import Classroom, Membership

    classroom, _ = Classroom.objects.get_or_create(name="bench recorded", defaults={"recording": "on"})
    Membership.objects.get_or_create(classroom=classroom, user_id=user_id)
    close_old_connections()


def _recorded_bytes(data_dir: Path, user_id: int) -> int:
    return sum(path.stat().st_size for path in (data_dir / "recordings" / f"u{user_id}").glob("*.cast"))


async def measure(terminal, keystrokes: int, flood_bytes: int) -> dict:
    await wait_prompt(terminal)
    latencies = await echo_latencies(terminal, keystrokes)
    seconds, wire = await flood(terminal, flood_bytes)
    log(f"{terminal.name}: echo p50 {ms(percentile(latencies, 50))}, flood {mb_per_s(flood_bytes, seconds)}")
    return {"latencies": latencies, "seconds": seconds, "wire": wire}


async def run(bench: harness.Bench) -> list[Result]:
    keystrokes = 20 if bench.smoke else 300
    flood_bytes = 2_000_000 if bench.smoke else 200_000_000
    key, recorded_key = f"u{USER}", f"u{RECORDED_USER}"
    await bench.start_sandboxes([key, recorded_key] if RECORDING != "off" else [key])
    await bench.backend().wait_engine_ready(key, 60)  # its start-up work would skew the first numbers
    workspace = bench.workspace(key)
    server = bench.dockyard()
    terminado = bench.terminado([workspace])
    cookie = await bench.cookie(USER)

    openers = {
        "PTY floor": lambda: PtyTerminal.open(workspace),
        "PTY + tmux": lambda: PtyTerminal.open(workspace, "tmux new-session -A -s h8-bench"),
        "terminado": lambda: TerminadoTerminal.open(terminado.url(0)),
    }
    if RECORDING != "on":
        openers["Dockyard"] = lambda: DockyardTerminal.open(server.ws_url, cookie)
    if RECORDING != "off":
        recorded_cookie = await bench.cookie(RECORDED_USER)
        await asyncio.to_thread(_record, RECORDED_USER)
        await bench.backend().wait_engine_ready(recorded_key, 60)
        openers["Dockyard, recorded"] = lambda: DockyardTerminal.open(server.ws_url, recorded_cookie)
    # With both Dockyard columns, each is measured twice in the order A B B A
    # (not recorded, recorded, recorded, not recorded): a busy machine's drift
    # then weighs on both alike. Latencies are pooled, flood times summed.
    order = list(openers)
    if RECORDING == "both" and not bench.smoke:
        order += ["Dockyard, recorded", "Dockyard"]
    measured = {}
    for system in order:
        terminal = await openers[system]()
        terminal.name = system
        try:
            result = await measure(terminal, keystrokes, flood_bytes)
        finally:
            await terminal.close()
        if system in measured:
            result = {key: measured[system][key] + result[key] for key in result}
            result["rounds"] = measured[system].get("rounds", 1) + 1
        measured[system] = result
    for result in measured.values():  # per round, as the other columns
        rounds = result.pop("rounds", 1)
        result["seconds"] /= rounds
        result["wire"] /= rounds
    await bench.backend().exec(key, ["tmux", "kill-session", "-t", "h8-bench"])
    recorded = None
    if RECORDING != "off":
        await asyncio.sleep(2)  # the last flush (once a second)
        recorded = _recorded_bytes(bench.data_dir, RECORDED_USER) / order.count("Dockyard, recorded")
        log(f"recorded {recorded / 1e6:.1f} MB")

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
        *(
            [
                Result(
                    name,
                    "recording size / bytes printed (each flood)",
                    {"Dockyard, recorded": f"{recorded / flood_bytes:.2f}"},
                    "",
                )
            ]
            if recorded is not None
            else []
        ),
    ]


if __name__ == "__main__":
    parser = harness.parser(__doc__)
    parser.add_argument("--recording", choices=["off", "on", "both"], default=RECORDING)
    args = parser.parse_args()
    RECORDING = args.recording
    harness.run_benchmark(sys.modules[__name__], args.smoke)
