"""Every benchmark in one run (one Daphne, one terminado server, shared
sandboxes), one combined table, also written to bench/results/latest.md.
A benchmark that fails is reported as such; the others still run, and the
exit status is 1.

    .venv/bin/python bench/run_all.py [--smoke]
"""

import asyncio
import sys
import time
import traceback

import check_containers
import check_rounds
import class_at_once
import concurrency
import density
import first_pull
import flood_memory
import harness
import held_shell
import many_terminals
import single_terminal
import start_times
from harness import RESULTS_DIR, Result, format_table, log, machine_description

# Cold starts first (least disturbed), the many sandboxes of `concurrency`, `class_at_once` and `density` last.
BENCHMARKS = [
    start_times,
    first_pull,
    check_rounds,
    check_containers,
    single_terminal,
    held_shell,
    flood_memory,
    many_terminals,
    concurrency,
    class_at_once,
    density,
]


async def run_all(bench: harness.Bench) -> tuple[list[Result], list[str]]:
    results, failures = [], []
    for module in BENCHMARKS:
        name = module.__name__
        log(f"== {name}")
        started = time.perf_counter()
        try:
            results += await module.run(bench)
        except Exception:
            failures.append(name)
            log(f"{name} failed:\n{traceback.format_exc()}")
            results.append(Result(name, "FAILED", {}, ""))
        log(f"{name} took {time.perf_counter() - started:.0f} s")
    return results, failures


def main() -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("--only", help="comma-separated benchmark names, e.g. many_terminals,concurrency")
    args = parser.parse_args()
    smoke = args.smoke
    if args.only:
        wanted = args.only.split(",")
        BENCHMARKS[:] = [m for m in BENCHMARKS if m.__name__ in wanted]
    machine = machine_description()
    started = time.strftime("%Y-%m-%d %H:%M")
    with harness.Bench(smoke) as bench:
        results, failures = asyncio.run(run_all(bench))
    report = (
        f"# Dockyard benchmarks{' (smoke mode)' if smoke else ''}\n\n"
        f"Run {started} on {machine}.\n\n{format_table(results)}\n"
    )
    if failures:
        report += f"\nFailed: {', '.join(failures)}\n"
    print(report, flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / ("smoke.md" if smoke else "latest.md")).write_text(report)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
