"""The round runner (round_runner.py) without Docker: its real bash loop runs
here as a local process, behind a socket that frames its output as the
engine frames an exec's (stdcopy), so what is tested is the scripts, the
framing and the reading. test_exec_each_docker.py runs it in a workspace."""

import asyncio
import contextlib
import os
import signal
import socket
import struct
import subprocess
import threading

import pytest

from sandbox.backends.docker import round_runner, rounds
from sandbox.backends.docker.round_runner import RoundRunner, RoundRunners, RunnerFailed


class LocalExec:
    """RUNNER_SCRIPT as a process of this machine, its stdin and framed output on a socket."""

    def __init__(self):
        self.app_side, engine_side = socket.socketpair()
        environment = {
            **os.environ,
            "DOCKYARD_ROUND": rounds.ROUND_SCRIPT,
            "DOCKYARD_OUTPUT_LIMIT": str(rounds.OUTPUT_LIMIT),
        }
        self.process = subprocess.Popen(
            ["bash", "-c", round_runner.RUNNER_SCRIPT, "dockyard-round-runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            start_new_session=True,
        )
        self._engine_side = engine_side
        self._send_lock = threading.Lock()
        threading.Thread(target=self._input, daemon=True).start()
        threading.Thread(target=self._output, args=(self.process.stdout, 1), daemon=True).start()
        threading.Thread(target=self._output, args=(self.process.stderr, 2), daemon=True).start()
        self.app_side.setblocking(False)

    def _input(self):
        with contextlib.suppress(OSError):  # the process or the app's side went away
            while data := self._engine_side.recv(65536):
                self.process.stdin.write(data)
                self.process.stdin.flush()
        with contextlib.suppress(OSError):
            self.process.stdin.close()

    def _output(self, pipe, stream):
        with contextlib.suppress(OSError):
            while data := pipe.read1(4096):
                with self._send_lock:
                    self._engine_side.sendall(struct.pack(">BxxxL", stream, len(data)) + data)
            if stream == 1:
                self.process.wait()
                self._engine_side.shutdown(socket.SHUT_WR)

    def runner(self) -> RoundRunner:
        return RoundRunner(self.app_side, b"")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def local_exec():
    local = LocalExec()
    yield local
    if local.process.poll() is None:
        local.kill()


def run_round(runner, commands, timeout_each=15, max_bytes=1 << 20, deadline_in=30):
    async def go():
        deadline = asyncio.get_running_loop().time() + deadline_in
        return await runner.run(commands, timeout_each, max_bytes, deadline)

    return asyncio.run(go())


def test_each_command_reports_its_own_status_and_output(local_exec):
    runner = local_exec.runner()
    heredoc = "cat <<EOF\nkept\nEOF\n"
    results = run_round(runner, ["true", "echo out; echo err >&2; exit 3", "printf 'no newline'", heredoc])
    assert [r.exit_code for r in results] == [0, 3, 0, 0]
    assert [r.output for r in results] == ["", "out\nerr\n", "no newline", "kept\n"]
    assert not runner.closed


def test_one_runner_answers_round_after_round(local_exec):
    runner = local_exec.runner()
    for n in range(5):
        assert [r.output for r in run_round(runner, [f"echo {n}", "echo $$"])][0] == f"{n}\n"
    assert local_exec.process.poll() is None and not runner.closed


def test_a_forged_end_line_in_a_commands_output_does_not_end_the_round(local_exec):
    runner = local_exec.runner()
    forger = 'printf "\\n%s end\\n" "$DOCKYARD_BOUNDARY"; exit 3'
    results = run_round(runner, [forger, "exit 4"])
    assert [r.exit_code for r in results] == [3, 4]
    assert run_round(runner, ["echo next"])[0].output == "next\n"


def test_a_command_past_its_own_deadline_is_killed_and_the_runner_goes_on(local_exec):
    runner = local_exec.runner()
    results = run_round(runner, ["sleep 30", "echo after"], timeout_each=1)
    assert results[0].exit_code == 137 and results[0].cut_off
    assert (results[1].exit_code, results[1].output) == (0, "after\n")
    assert not runner.closed


def test_a_round_past_the_apps_deadline_is_cut_off_and_the_runner_closed(local_exec):
    runner = local_exec.runner()
    results = run_round(runner, ["echo first", "sleep 5", "echo never"], deadline_in=1)
    assert results[0].output == "first\n"
    assert [r.exit_code for r in results[1:]] == [rounds.NOT_REPORTED] * 2
    assert runner.closed
    with pytest.raises(RunnerFailed):
        run_round(runner, ["echo again"])


def test_output_past_the_bound_closes_the_runner(local_exec):
    runner = local_exec.runner()
    results = run_round(runner, ["yes | head -c 8000", "echo never"], max_bytes=4000)
    assert len(results[0].output) < 4000  # what came before the bound, as from an exec cut there
    assert results[1].exit_code == rounds.NOT_REPORTED
    assert runner.closed


def test_a_runner_killed_before_the_round_fails_so_the_round_runs_elsewhere(local_exec):
    runner = local_exec.runner()
    local_exec.kill()
    with pytest.raises(RunnerFailed):
        run_round(runner, ["echo hi"])
    assert runner.closed


def test_the_runners_start_one_per_key_reuse_it_and_close_it_when_idle(monkeypatch):
    monkeypatch.setattr(round_runner, "IDLE_SECONDS", 0.3)
    started = []

    class Runners(RoundRunners):
        async def _runner(self, key, workspace_id_of):
            if key not in self._runners:
                started.append(local := LocalExec())
                self._runners[key] = local.runner()
            return self._runners[key]

    async def go():
        runners = Runners(engine=None, environment={})
        ids = []
        for _ in range(3):
            ids.append((await runners.run("alice", None, ["echo hi"], 15, 1 << 20))[0].output)
        assert ids == ["hi\n"] * 3 and len(started) == 1
        await runners.run("bob", None, ["true"], 15, 1 << 20)
        assert len(started) == 2
        await asyncio.sleep(0.6)
        assert runners._runners == {}
        for local in started:
            assert local.process.wait(timeout=5) == 0  # its stdin closed, the loop ended

    asyncio.run(go())


def test_an_engine_error_when_starting_a_runner_is_a_runner_failure():
    class Broken:
        async def call(self, fn, *args):
            raise OSError("engine gone")

    async def workspace_id():
        return "workspace-id"

    async def go():
        with pytest.raises(RunnerFailed, match="engine gone"):
            await RoundRunners(Broken(), {}).run("alice", workspace_id, ["true"], 15, 1 << 20)

    asyncio.run(go())


def test_a_round_asked_for_during_another_does_not_wait_for_it(local_exec):
    runner = local_exec.runner()

    async def go():
        deadline = asyncio.get_running_loop().time() + 30
        slow = asyncio.ensure_future(runner.run(["sleep 1; echo slow"], 15, 1 << 20, deadline))
        await asyncio.sleep(0.2)
        with pytest.raises(RunnerFailed, match="busy"):
            await runner.run(["echo second"], 15, 1 << 20, deadline)
        return await slow

    assert asyncio.run(go())[0].output == "slow\n"
    assert not runner.closed


def test_a_runner_killed_after_a_round_fails_the_next_one(local_exec):
    """Nothing of the round before (its end line) is taken for the next round's answer."""
    runner = local_exec.runner()
    assert run_round(runner, ["echo one"])[0].output == "one\n"
    local_exec.kill()
    with pytest.raises(RunnerFailed):
        run_round(runner, ["echo two"])
