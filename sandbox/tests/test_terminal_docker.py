"""The terminal end to end: real websockets, the real consumer, a real sandbox."""

import asyncio

import pytest

from sandbox import runtime
from sandbox.backends import reset_backend_cache
from sandbox.backends.docker import DockerBackend
from sandbox.tests.docker_fixtures import TEST_PREFIX, open_terminal, read_until, sandbox_fixture

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hang_up_shells")]
ALICE_ID = 9001

alice_sandbox = sandbox_fixture(f"u{ALICE_ID}")


@pytest.fixture
def alice(alice_sandbox, django_user_model, settings):
    settings.SANDBOX_NAME_PREFIX = TEST_PREFIX
    settings.SANDBOX_REAP_INTERVAL_SECONDS = 0
    reset_backend_cache()
    return django_user_model.objects.create_user("alice", password="pw-alice-123", id=ALICE_ID)


async def test_typing_a_command_shows_its_output(alice):
    terminal, connected = await open_terminal(alice)
    assert connected
    await terminal.send_to(bytes_data=b"echo $((6*7))\r")
    output = await read_until(terminal, b"42")
    assert b"42" in output
    await terminal.disconnect()


async def test_chinese_output_arrives_intact_across_chunks(alice):
    terminal, _ = await open_terminal(alice)
    # ~120 KB of three-byte characters: many 64 KiB reads, split mid-character.
    await terminal.send_to(
        bytes_data=b"clear; for i in $(seq 1 2000); do printf '%s' '\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c'; done; echo; echo DONE-$((1+1))\r"
    )
    output = await read_until(terminal, b"DONE-2", timeout=60)
    text = output.decode("utf-8")  # raises if any character was cut and lost
    assert "\ufffd" not in text
    assert "你好世界" in text
    await terminal.disconnect()


async def test_reconnecting_resumes_the_same_shell(alice):
    terminal, _ = await open_terminal(alice)
    await terminal.send_to(bytes_data=b"cd /tmp && export MARK=kept-$((3*3)) && echo set-$((1+1))\r")
    await read_until(terminal, b"set-2")
    await terminal.disconnect()

    again, _ = await open_terminal(alice)
    await again.send_to(bytes_data=b"echo $MARK in $PWD\r")
    await read_until(again, b"kept-9 in /tmp")
    await again.disconnect()


async def test_an_app_restart_reattaches_to_the_running_sandbox(alice, monkeypatch):
    before = await DockerBackend().poll(f"u{ALICE_ID}")
    terminal, _ = await open_terminal(alice)
    await terminal.send_to(bytes_data=b"echo kept-$((2*21)) > ~/restart-mark\r")
    await terminal.send_to(bytes_data=b"echo written-$((1+1))\r")
    await read_until(terminal, b"written-2")
    await terminal.disconnect()

    # A new process: a backend that has never seen the sandbox, and no shells held.
    reset_backend_cache()

    import tutorial.testing as testing

    old = runtime.replace(runtime.SandboxRuntime())
    testing._application = None
    after = await DockerBackend().poll(f"u{ALICE_ID}")
    assert after.status == "running"
    assert after.state["engine_id"] == before.state["engine_id"]
    terminal, _ = await open_terminal(alice)
    await terminal.send_to(bytes_data=b"cat ~/restart-mark\r")
    await read_until(terminal, b"kept-42")
    after_connect = await DockerBackend().poll(f"u{ALICE_ID}")
    assert after_connect.state == after.state  # nothing was recreated
    await terminal.disconnect()
    await runtime.current().close()
    await old.close()


async def test_a_docker_command_works_from_the_terminal(alice):
    terminal, _ = await open_terminal(alice)
    await terminal.send_to(bytes_data=b"docker run --rm busybox echo hello-$((40+2))-from-busybox\r")
    await read_until(terminal, b"hello-42-from-busybox", timeout=60)
    await terminal.disconnect()


async def shells_running(backend) -> int:
    result = await backend.exec(f"u{ALICE_ID}", ["pgrep", "-c", "-x", "bash"])
    return int(result.output.strip() or 0)


async def test_reloads_reuse_one_shell_and_the_replay_shows_the_screen(alice):
    backend = DockerBackend()
    before = await shells_running(backend)
    for attempt in range(3):
        terminal, _ = await open_terminal(alice)
        await terminal.send_to(bytes_data=f"echo attached-$((1+{attempt}))\r".encode())
        await read_until(terminal, f"attached-{1 + attempt}".encode())
        await terminal.disconnect()
    assert await shells_running(backend) == before + 1

    terminal, _ = await open_terminal(alice)
    # The earlier output arrives first, redrawn from the shell's replay.
    replay = await read_until(terminal, b"attached-3")
    assert b"attached-1" in replay and b"attached-2" in replay
    await terminal.disconnect()
    await runtime.current().shells.close_all()  # as the process ends: the sandbox keeps the shell
    assert await shells_running(backend) == before + 1
    terminal, _ = await open_terminal(alice)
    await read_until(terminal, b"attached-3")  # attached again, its screen replayed
    await terminal.disconnect()
    await runtime.current().shells.close_all(hang_up=True)
    assert await shells_running(backend) == before  # hung up, not left behind


async def test_a_flood_waits_in_the_sandbox_until_the_browser_catches_up(alice, settings):
    settings.TERMINAL_HIGH_WATERMARK = 256 * 1024
    settings.TERMINAL_LOW_WATERMARK = 64 * 1024
    terminal, _ = await open_terminal(alice)
    await terminal.send_to(bytes_data=b"clear; yes flood-line | head -c 50000000; echo FLOOD-$((4*4))-DONE\r")

    async def drain_without_acks():
        """Everything the server sends until it pauses; the first chunk may take a while."""
        received = 0
        while not received:
            received = len((await terminal.receive_output(90)).get("bytes", b""))
        while not await terminal.receive_nothing(0.5):
            output = await terminal.receive_output(1)
            received += len(output.get("bytes", b""))
        return received

    first = await drain_without_acks()
    # The server paused at the high watermark (plus at most one 64 KiB read)...
    assert 0 < first <= 256 * 1024 + 64 * 1024
    # ...and resumes once the browser acknowledges.
    await terminal.send_to(text_data=f'{{"type": "ack", "bytes": {first}}}')
    second = await drain_without_acks()
    assert 0 < second <= 256 * 1024 + 64 * 1024
    # Stop the flood; acknowledging everything lets the rest through and the shell answers.
    await terminal.send_to(bytes_data=b"\x03")
    await terminal.send_to(text_data=f'{{"type": "ack", "bytes": {first + second}}}')
    await terminal.send_to(bytes_data=b"echo after-flood-$((5+5))\r")
    await read_until(terminal, b"after-flood-10", timeout=120)
    await terminal.disconnect()


async def test_an_instructor_sees_the_students_terminal_read_only(alice, django_user_model):
    teacher = await django_user_model.objects.acreate(username="teacher", is_staff=True, is_superuser=True)
    student, _ = await open_terminal(alice)
    await student.send_to(bytes_data=b"echo student-typed-$((7*6))\r")
    await read_until(student, b"student-typed-42")

    watcher, connected = await open_terminal(teacher, path="/ws/terminal/alice/")
    assert connected
    await read_until(watcher, b"student-typed-42")  # the student's screen, replayed
    await watcher.send_to(bytes_data=b"echo watcher-typed-$((1+1))\r")
    await student.send_to(bytes_data=b"echo student-again-$((2+2))\r")
    seen = await read_until(watcher, b"student-again-4")
    assert b"watcher-typed" not in seen
    await watcher.disconnect()
    await student.disconnect()


async def test_a_workspace_without_the_holder_still_gets_a_shell(alice):
    """A sandbox made from an image older than dockyard-shell (before an upgrade)."""
    from sandbox.backends.docker import specs
    from sandbox.backends.docker import terminal as terminals

    backend = DockerBackend()
    workspace = await backend.engine.call(backend.engine.get, specs.Names(f"u{ALICE_ID}").workspace)
    stream = await terminals.open_shell(
        backend.engine, workspace, 80, 24, 4096, holder="/nonexistent/dockyard-shell", language="zh-hans"
    )
    assert isinstance(stream, terminals.DockerTerminal)  # a shell of this process, as before the holder
    await stream.write(b"echo plain-$((6*7))-$(cat /run/dockyard/language)\r")
    seen = b""
    while b"plain-42-zh-hans" not in seen:
        chunk = await asyncio.wait_for(stream.read(65536), 30)
        assert chunk, f"ended: {seen[-300:]!r}"
        seen += chunk
    await stream.hang_up()


async def test_the_first_terminal_tells_the_sandbox_its_language_in_the_shells_own_exec(alice, monkeypatch):
    """A class connecting at once paid one more exec each for the language (its
    engine words refusals from the file): the shell's exec now writes it."""
    from sandbox.backends.docker import backend as docker_backend

    key = f"u{ALICE_ID}"
    await runtime.current().backend.exec(key, ["rm", "-f", "/run/dockyard/language"])
    language_execs = []
    real_run_bounded = docker_backend.run_bounded

    def counted(api, container_id, command, **kwargs):
        result = real_run_bounded(api, container_id, command, **kwargs)
        language_execs.append(command)
        return result

    monkeypatch.setattr(docker_backend, "run_bounded", counted)

    chinese, _ = await open_terminal(alice, "/ws/terminal/?lang=zh-hans")
    await chinese.send_to(bytes_data=b"echo lang-$(cat /run/dockyard/language)-$((1+1))\r")
    await read_until(chinese, b"lang-zh-hans-2")
    assert language_execs == []

    english, _ = await open_terminal(alice, "/ws/terminal/?lang=en")  # a second tab, in English
    for _ in range(100):
        if language_execs:
            break
        await asyncio.sleep(0.1)
    await english.send_to(bytes_data=b"echo lang-$(cat /run/dockyard/language)-$((1+2))\r")
    await read_until(english, b"lang-en-3")
    assert len(language_execs) == 1
    await english.disconnect()
    await chinese.disconnect()
