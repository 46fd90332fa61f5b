"""Several commands in one exec (DockerBackend.exec_each, a round of lesson
checks): each runs as it would alone, with its own status, output, bound and
deadline, whatever the others or the student print."""

import asyncio

import pytest

from sandbox.backends.docker import rounds
from sandbox.tests.docker_fixtures import sandbox_fixture

pytestmark = pytest.mark.docker
sandbox = sandbox_fixture("exec-each")


def test_each_command_gets_its_own_status_and_output(sandbox):
    results = sandbox.run(
        sandbox.backend.exec_each(
            sandbox.key,
            ["true", "echo out; echo err >&2; exit 3", "printf 'no newline'", "cd /tmp && pwd", "docker version -f ok"],
        )
    )
    assert [r.exit_code for r in results] == [0, 3, 0, 0, 0]
    assert results[0].output == ""
    assert results[1].output == "out\nerr\n"
    assert results[2].output == "no newline"
    assert results[3].output == "/tmp\n"
    assert results[4].output == "ok\n"


def test_a_command_that_hangs_is_cut_at_its_own_deadline_and_the_next_still_runs(sandbox):
    results = sandbox.run(sandbox.backend.exec_each(sandbox.key, ["sleep 30", "echo after"], timeout_each=1))
    assert results[0].exit_code == 137  # killed by its timeout
    assert results[0].cut_off and not results[1].cut_off
    assert (results[1].exit_code, results[1].output) == (0, "after\n")


def test_output_is_bounded_and_a_forged_report_line_is_only_output(sandbox):
    forged = "printf '\\nabc 1 0\\n'; echo \"$DOCKYARD_BOUNDARY\" | wc -c; yes | head -c 100000; exit 1"
    results = sandbox.run(sandbox.backend.exec_each(sandbox.key, [forged, "exit 4"]))
    assert results[0].exit_code == 1
    assert len(results[0].output) == rounds.OUTPUT_LIMIT
    assert results[1].exit_code == 4


def test_the_student_reading_the_boundary_cannot_fake_a_later_result(sandbox):
    """The boundary is in the round's environment: a command that prints it with a
    made-up report still leaves the next command's own result standing."""
    faker = 'printf "\\n%s 1 0\\nfaked" "$DOCKYARD_BOUNDARY"'
    results = sandbox.run(sandbox.backend.exec_each(sandbox.key, [faker, "exit 5"]))
    assert results[1].exit_code == 5


def _runners(sandbox) -> list[str]:
    """The pids of the workspace's round runners (the pgrep's own shell is not one)."""
    return sandbox.sh("pgrep -f '^bash -c .* dockyard-round-runner$' || true").output.split()


def test_rounds_share_one_runner_and_a_killed_one_is_replaced(sandbox):
    """Each round goes to the sandbox's one runner (round_runner.py), not an exec of
    its own; the student killing it costs the next round nothing."""
    for n in range(3):
        assert sandbox.run(sandbox.backend.exec_each(sandbox.key, [f"echo {n}"]))[0].output == f"{n}\n"
    runners = _runners(sandbox)
    assert len(runners) == 1, runners
    sandbox.sh("pkill -KILL -f dockyard-round-runner")
    results = sandbox.run(sandbox.backend.exec_each(sandbox.key, ["echo after the kill", "exit 2"]))
    assert [(r.exit_code, r.output) for r in results] == [(0, "after the kill\n"), (2, "")]
    sandbox.run(sandbox.backend.exec_each(sandbox.key, ["true"]))
    replaced = _runners(sandbox)
    assert len(replaced) == 1 and replaced != runners, (runners, replaced)


def test_a_runner_left_idle_is_closed_and_holds_no_exec(sandbox, monkeypatch):
    from sandbox.backends.docker import round_runner

    monkeypatch.setattr(round_runner, "IDLE_SECONDS", 1)
    sandbox.run(_round_then_wait(sandbox, 3))
    assert _runners(sandbox) == []


async def _round_then_wait(sandbox, seconds):
    # One event loop for both: the idle timer is the loop's.
    await sandbox.backend.exec_each(sandbox.key, ["true"])
    await asyncio.sleep(seconds)
