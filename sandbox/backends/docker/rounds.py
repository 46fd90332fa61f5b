"""Several short commands in one `docker exec` (DockerBackend.exec_each).

Under a class's load an exec costs the host's engine (dockerd, containerd,
runc) far more than a lesson check's own work, and a round of checks used to
take one exec per step. ROUND_SCRIPT runs each command as it ran alone: its
own bash, deadline and output, one after the other. After each it prints a
report line (a boundary random per round, the command's index, exit status
and output length), then that many bytes of the command's output, bounded:
the reader skips each output by its length, so nothing a command prints is
read as a report. (Not a wall against the student, who is root where checks
run and can make any check pass by making its condition true.)
"""

from __future__ import annotations

import re
import secrets

from sandbox.backends.base import ExecResult

# What is kept of each command's output (the exec's own bound holds the total).
OUTPUT_LIMIT = 8192
ROUND_SCRIPT = r"""
exec 2>/dev/null  # bash's own notes ("Killed") would land between reports
out=$(mktemp) || exit 99
trap 'rm -f "$out"' EXIT
i=0
for command in "$@"; do
    timeout -s KILL "$DOCKYARD_EACH_TIMEOUT" bash -c "$command" >"$out" 2>&1 </dev/null
    status=$?
    size=$(wc -c <"$out")
    [ "$size" -gt "$DOCKYARD_OUTPUT_LIMIT" ] && size=$DOCKYARD_OUTPUT_LIMIT
    printf '\n%s %d %d %d\n' "$DOCKYARD_BOUNDARY" "$i" "$status" "$size"
    head -c "$size" "$out"
    i=$((i + 1))
done
"""
# A command the round never reported on (its deadline struck first).
NOT_REPORTED = -1


def round_command(commands: list[str], timeout_each: float) -> tuple[list[str], str]:
    """The exec's command line, and the boundary to read its output with."""
    boundary = secrets.token_hex(16)
    environment = {
        "DOCKYARD_BOUNDARY": boundary,
        "DOCKYARD_EACH_TIMEOUT": str(max(1, int(timeout_each))),
        "DOCKYARD_OUTPUT_LIMIT": str(OUTPUT_LIMIT),
    }
    line = ["env", *(f"{name}={value}" for name, value in environment.items())]
    return [*line, "bash", "-c", ROUND_SCRIPT, "dockyard-round", *commands], boundary


def _report_line(boundary: str) -> re.Pattern:
    return re.compile(rb"\n" + boundary.encode() + rb" (\d+) (-?\d+) (\d+)\n")


def reports_in_full(output: bytes, boundary: str, count: int) -> tuple[int, int]:
    """How many commands' reports, with all of their output, ROUND_SCRIPT's output
    holds so far (a stream still coming in), and where the last of them ends."""
    report = _report_line(boundary)
    reported, position = 0, 0
    match = report.search(output)
    while match is not None and reported < count and int(match[1]) == reported:
        end = match.end() + int(match[3])
        if end > len(output):
            break
        reported, position = reported + 1, end
        match = report.match(output, end)
    return reported, position


def round_results(output: bytes, boundary: str, count: int) -> list[ExecResult]:
    """Each command's result, in order, from ROUND_SCRIPT's output; one the round
    never reported on (the exec's deadline struck first) gets NOT_REPORTED."""
    report = _report_line(boundary)
    results = []
    match = report.search(output)  # anything before the first report is not a command's
    while match is not None and len(results) < count and int(match[1]) == len(results):
        end = match.end() + int(match[3])
        results.append(ExecResult(exit_code=int(match[2]), output=output[match.end() : end].decode("utf-8", "replace")))
        match = report.match(output, end)
    return results + [ExecResult(exit_code=NOT_REPORTED, output="")] * (count - len(results))
