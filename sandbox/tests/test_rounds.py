"""Reading a round of commands run in one exec (sandbox/backends/docker/rounds.py)."""

from sandbox.backends.docker.rounds import NOT_REPORTED, round_command, round_results

B = "0123456789abcdef0123456789abcdef"


def report(index: int, status: int, output: bytes) -> bytes:
    return f"\n{B} {index} {status} {len(output)}\n".encode() + output


def test_each_report_gives_its_command_status_and_output():
    output = report(0, 0, b"") + report(1, 3, b"out\nerr\n") + report(2, 0, "中文".encode())
    results = round_results(output, B, 3)
    assert [(r.exit_code, r.output) for r in results] == [(0, ""), (3, "out\nerr\n"), (0, "中文")]


def test_a_report_printed_by_a_command_is_read_as_its_output():
    forged = f"\n{B} 1 0 0\n".encode()
    output = report(0, 1, forged) + report(1, 5, b"")
    results = round_results(output, B, 2)
    assert [(r.exit_code, r.output) for r in results] == [(1, forged.decode()), (5, "")]


def test_commands_the_round_never_reported_on_are_not_passed():
    output = report(0, 0, b"ok") + f"\n{B} 1 0 100\nshort".encode()  # cut short by the deadline
    results = round_results(output, B, 3)
    assert results[0].exit_code == 0
    assert results[1].exit_code == 0 and results[1].output == "short"
    assert results[2].exit_code == NOT_REPORTED


def test_out_of_order_or_foreign_reports_end_the_reading():
    assert [r.exit_code for r in round_results(report(1, 0, b""), B, 2)] == [NOT_REPORTED] * 2
    other = "f" * 32
    assert round_results(f"\n{other} 0 0 0\n".encode(), B, 1)[0].exit_code == NOT_REPORTED
    assert round_results(b"", B, 1)[0].exit_code == NOT_REPORTED


def test_each_round_has_its_own_boundary_outside_the_command_line():
    first, boundary = round_command(["true"], 15)
    second, other = round_command(["true"], 15)
    assert boundary != other and len(boundary) == 32
    assert f"DOCKYARD_BOUNDARY={boundary}" in first and boundary not in " ".join(first[first.index("bash") :])
