"""The terminal websocket against the fake backend: who may connect, the
control protocol, and flow control. The real engine is in test_terminal_docker.py."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from sandbox.backends.base import ClassroomFull, SandboxError
from tutorial.testing import HOST, ORIGIN, asgi_application, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def open_terminal(user=None, path="/ws/terminal/", origin=ORIGIN):
    headers = [HOST] + ([origin] if origin else [])
    if user is not None:
        headers.append(await database_sync_to_async(session_cookie)(user))
    communicator = WebsocketCommunicator(asgi_application(), path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def until_status(communicator, state, timeout=5):
    """Read control messages until the given status arrives; return it."""
    while True:
        message = await communicator.receive_from(timeout)
        if isinstance(message, str):
            data = json.loads(message)
            if data.get("type") == "status" and data["state"] == state:
                return data


async def next_of_type(communicator, kind, timeout=5):
    """The next control message of this type, skipping others (status, ports)."""
    while True:
        message = await communicator.receive_from(timeout)
        if isinstance(message, str) and json.loads(message).get("type") == kind:
            return json.loads(message)


async def read_bytes(communicator, timeout=1):
    """The next terminal bytes, skipping status messages such as engine-ready."""
    while True:
        output = await communicator.receive_output(timeout)
        if "bytes" in output or output["type"] != "websocket.send":
            return output.get("bytes")


async def test_it_refuses_anonymous_connections(fake_backend):
    communicator, connected, _ = await open_terminal(None)
    assert not connected
    assert fake_backend.status == {}


@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.example",
        b"http://127.0.0.1:9999",  # same host, another port: any local program's page
        b"https://127.0.0.1:8000",  # same host and port, another scheme
        b"http://127.0.0.1",
        b"null",
        b"http://127.0.0.1:8000.evil.example",
    ],
)
async def test_it_refuses_any_other_origin(fake_backend, alice, origin):
    communicator, connected, _ = await open_terminal(alice, origin=(b"origin", origin))
    assert not connected


async def test_it_refuses_a_missing_or_repeated_origin(fake_backend, alice):
    communicator, connected, _ = await open_terminal(alice, origin=None)
    assert not connected
    cookie = await database_sync_to_async(session_cookie)(alice)
    communicator = WebsocketCommunicator(
        asgi_application(), "/ws/terminal/", headers=[HOST, (b"origin", b"http://evil.example"), ORIGIN, cookie]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert not connected


async def test_behind_a_tls_proxy_the_origin_is_https(fake_backend, alice, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["class.example.org"]
    cookie = await database_sync_to_async(session_cookie)(alice)
    headers = [(b"host", b"class.example.org"), (b"x-forwarded-proto", b"https"), cookie]
    ok = WebsocketCommunicator(
        asgi_application(), "/ws/terminal/", headers=[*headers, (b"origin", b"https://class.example.org")]
    )
    assert (await ok.connect(timeout=5))[0]
    # This test is about the origin: it leaves once the terminal is ready. Leaving
    # at once, on the Redis channel layer, twice left the consumer's channel-layer
    # receive task polling Redis after its cancel, and CI hung in the loop's
    # teardown (tutorial/channel_layers.py: since fixed there).
    await until_status(ok, "ready")
    await ok.disconnect()
    plain = WebsocketCommunicator(
        asgi_application(), "/ws/terminal/", headers=[*headers, (b"origin", b"http://class.example.org")]
    )
    assert not (await plain.connect(timeout=5))[0]


async def test_it_starts_the_sandbox_and_echoes_typing(fake_backend, alice):
    communicator, connected, _ = await open_terminal(alice)
    assert connected
    ready = await until_status(communicator, "ready")
    assert ready["read_only"] is False and ready["owner"] == "alice"
    await communicator.send_to(bytes_data="echo 你好\r".encode())
    assert await read_bytes(communicator) == "echo 你好\r".encode()
    assert fake_backend.status == {f"u{alice.pk}": "running"}
    await communicator.disconnect()


async def test_it_reports_start_progress(fake_backend, alice):
    communicator, _, _ = await open_terminal(alice)
    steps = []
    while True:
        data = json.loads(await communicator.receive_from(5))
        if data["state"] != "starting":
            break
        steps.append(data["step"])
    assert steps == ["sandbox", "engine", "workspace"]
    await communicator.disconnect()


async def test_another_student_cannot_attach(fake_backend, alice, bob):
    communicator, connected, _ = await open_terminal(bob, path="/ws/terminal/alice/")
    assert not connected
    communicator, connected, _ = await open_terminal(bob, path="/ws/terminal/nobody/")
    assert not connected


async def test_an_instructor_watches_read_only(fake_backend, alice, teacher):
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    watcher, connected, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    assert connected
    ready = await until_status(watcher, "ready")
    assert ready["read_only"] is True
    await until_status(watcher, "engine-ready")
    await watcher.send_to(bytes_data=b"rm -rf /\r")
    await watcher.send_to(text_data='{"type": "resize", "cols": 20, "rows": 5}')
    assert await watcher.receive_nothing(0.2)
    (shell,) = fake_backend.terminals  # one shell, shared
    assert shell.written == b"" and (20, 5) not in shell.sizes
    await student.send_to(bytes_data=b"ls\r")
    assert await read_bytes(watcher) == b"ls\r"  # the watcher sees the student's screen
    await watcher.disconnect()
    await student.disconnect()


async def test_the_sandbox_learns_the_students_page_language_with_the_shell(fake_backend, alice, teacher):
    chinese, _, _ = await open_terminal(alice, path="/ws/terminal/?lang=zh-hans")
    await until_status(chinese, "engine-ready")
    assert fake_backend.shell_languages == ["zh-hans"]  # told as the shell opened
    key = next(iter(fake_backend.status))
    assert fake_backend.languages == {key: "zh-hans"}

    english, _, _ = await open_terminal(alice, path="/ws/terminal/?lang=en")  # a second tab joins that shell
    await until_status(english, "engine-ready")
    for _ in range(50):
        if fake_backend.languages[key] == "en":
            break
        await asyncio.sleep(0.02)
    assert fake_backend.languages == {key: "en"}

    watcher, _, _ = await open_terminal(teacher, path="/ws/terminal/alice/?lang=zh-hans")
    await until_status(watcher, "engine-ready")
    await asyncio.sleep(0.1)
    assert fake_backend.languages == {key: "en"}  # a watcher's page says nothing of the student's
    assert fake_backend.shell_languages == ["zh-hans"]
    for terminal in (watcher, english, chinese):
        await terminal.disconnect()


@pytest.mark.parametrize("lang", ["zh-hans;reboot", "$(reboot)", "en%0Areboot", "x" * 300])
async def test_a_page_language_the_site_does_not_have_never_reaches_the_sandbox(fake_backend, alice, settings, lang):
    """The language goes into a shell command in the sandbox: only the site's own codes do."""
    terminal, _, _ = await open_terminal(alice, path=f"/ws/terminal/?lang={lang}")
    await until_status(terminal, "engine-ready")
    assert fake_backend.shell_languages == [settings.LANGUAGE_CODE]
    await terminal.disconnect()


async def test_watching_a_stopped_sandbox_says_so(fake_backend, alice, teacher):
    watcher, connected, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    assert connected
    offline = await until_status(watcher, "offline")
    assert "not running" in offline["message"]
    assert fake_backend.status == {}  # watching never starts a sandbox


async def test_bad_control_messages_get_an_error_and_the_terminal_lives_on(fake_backend, alice):
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "engine-ready")
    await communicator.send_to(text_data="{nonsense")
    assert await next_of_type(communicator, "error") == {
        "type": "error",
        "message": "control message is not valid JSON",
    }
    await communicator.send_to(text_data='{"type": "resize", "cols": 99999, "rows": 0}')
    await communicator.send_to(bytes_data=b"x")
    assert await read_bytes(communicator) == b"x"
    assert fake_backend.terminals[-1].sizes[-1] == (500, 1)
    await communicator.disconnect()


async def test_a_full_classroom_is_told_so(fake_backend, alice):
    fake_backend.fail_start = ClassroomFull("The classroom is full right now. Please try again shortly.")
    communicator, connected, _ = await open_terminal(alice)
    assert connected
    full = await until_status(communicator, "full")
    assert "classroom is full" in full["message"]
    closed = await communicator.receive_output(1)
    assert closed == {"type": "websocket.close", "code": 4429}


async def test_output_stops_at_the_high_watermark_until_acknowledged(fake_backend, alice, settings):
    settings.TERMINAL_HIGH_WATERMARK = 256 * 1024
    settings.TERMINAL_LOW_WATERMARK = 64 * 1024
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "ready")
    terminal = fake_backend.terminals[-1]
    for _ in range(64):  # 4 MiB waiting in the sandbox
        terminal.output.put_nowait(b"y\n" * 32 * 1024)

    received = 0
    while (chunk := await read_bytes_or_none(communicator)) is not None:
        received += len(chunk)
    assert 256 * 1024 <= received < 256 * 1024 + 64 * 1024  # paused: at most one read past the mark
    assert terminal.output.qsize() > 50  # the rest stays in the sandbox, not in server memory

    await communicator.send_to(text_data=json.dumps({"type": "ack", "bytes": received}))
    more = 0
    while (chunk := await read_bytes_or_none(communicator)) is not None:
        more += len(chunk)
    assert 256 * 1024 <= more < 256 * 1024 + 64 * 1024
    await communicator.disconnect()


async def read_bytes_or_none(communicator):
    """Terminal bytes, or None once nothing more arrives (receive_nothing keeps the app alive)."""
    while not await communicator.receive_nothing(0.3):
        output = await communicator.receive_output(1)
        if "bytes" in output:
            return output["bytes"]
    return None


async def test_published_ports_are_sent_to_the_page(fake_backend, alice, sandbox_runtime):
    from sandbox.backends.base import PublishedPort

    key = f"u{alice.pk}"
    fake_backend.addresses[key] = "10.9.9.9"
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "engine-ready")
    # A new shell has published nothing: no watcher (an exec each) until its first command.
    await asyncio.sleep(0.1)
    assert key not in fake_backend.watches
    await communicator.send_to(bytes_data=b"docker run -d -p 8080:80 nginx\r")
    assert await read_bytes(communicator) == b"docker run -d -p 8080:80 nginx\r"  # the shell has it
    await fake_backend.terminals[-1].output.put(b"\r\n\x1b]7771;prompt;0\x07$ ")
    first = await next_of_type(communicator, "ports")
    assert first == {"type": "ports", "ports": []}
    fake_backend.ports[key] = [PublishedPort(port=8080, container="web", target=80)]
    await fake_backend.events[key].output.put(b"start\n")  # the engine's container event
    second = await next_of_type(communicator, "ports")
    assert second["ports"] == [{"port": 8080, "container": "web", "target": 80, "url": "/sandbox/preview/8080/"}]
    await communicator.disconnect()

    # The watcher outlives the page: a reload gets the list at once, with no new watch.
    again, _, _ = await open_terminal(alice)
    assert (await next_of_type(again, "ports"))["ports"] == second["ports"]
    assert len(fake_backend.watches[key]) == 1
    # It ends with the sandbox (its event stream ends).
    await fake_backend.events[key].close()
    await fake_backend.events[key].output.put(b"")
    for _ in range(100):
        if key not in sandbox_runtime.port_watchers._tasks:
            break
        await asyncio.sleep(0.01)
    assert key not in sandbox_runtime.port_watchers._tasks
    await again.disconnect()


async def test_a_shell_the_sandbox_kept_gets_its_ports_at_once(fake_backend, alice, monkeypatch):
    """After an app restart the sandbox's shell may have published ports long ago."""
    from sandbox.backends.base import PublishedPort
    from sandbox.backends.fake import FakeTerminal

    monkeypatch.setattr(FakeTerminal, "earlier_output", lambda self: b"$ docker run -d -p 8080:80 nginx\r\n$ ")
    key = f"u{alice.pk}"
    fake_backend.addresses[key] = "10.9.9.9"
    fake_backend.ports[key] = [PublishedPort(port=8080, container="web", target=80)]
    communicator, _, _ = await open_terminal(alice)
    ports = await next_of_type(communicator, "ports")
    assert [p["port"] for p in ports["ports"]] == [8080]
    await communicator.disconnect()


async def test_typing_counts_as_activity_without_waiting_for_the_database(fake_backend, alice):
    import asyncio
    from datetime import timedelta

    from django.utils import timezone

    from sandbox.models import Sandbox

    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "ready")
    long_ago = timezone.now() - timedelta(hours=3)
    await Sandbox.objects.filter(user=alice).aupdate(last_activity=long_ago)
    await communicator.send_to(bytes_data=b"ls\r")
    assert await read_bytes(communicator) == b"ls\r"
    for _ in range(50):
        row = await Sandbox.objects.aget(user=alice)
        if row.last_activity > long_ago:
            break
        await asyncio.sleep(0.05)
    assert row.last_activity > long_ago
    await communicator.disconnect()


async def test_typed_input_is_acknowledged_once_written(fake_backend, alice):
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "ready")
    await communicator.send_to(bytes_data=b"ls\r")
    assert (await next_of_type(communicator, "input-ack"))["bytes"] == 3
    assert fake_backend.terminals[-1].written == b"ls\r"
    await communicator.disconnect()


async def test_a_client_that_ignores_the_input_window_is_cut_off(fake_backend, alice):
    """A shell that stops reading (a program ignoring stdin) must not make the server
    hold unbounded input: 100 MiB sent used to add 100 MB to Daphne."""
    from sandbox.consumers import CLOSE_INPUT_OVERFLOW, INPUT_LIMIT

    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "ready")
    terminal = fake_backend.terminals[-1]
    terminal.reading.clear()
    chunk = b"x" * (64 * 1024)
    for _ in range(INPUT_LIMIT // len(chunk) + 2):
        await communicator.send_to(bytes_data=chunk)
    while True:
        output = await communicator.receive_output(5)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == CLOSE_INPUT_OVERFLOW
    terminal.reading.set()
    await asyncio.sleep(0.1)
    assert len(terminal.written) <= INPUT_LIMIT  # what was held, never more


async def test_input_within_the_window_waits_for_a_slow_shell(fake_backend, alice):
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "ready")
    terminal = fake_backend.terminals[-1]
    terminal.reading.clear()
    for _ in range(4):
        await communicator.send_to(bytes_data=b"y" * 16384)
    await asyncio.sleep(0.2)
    assert terminal.written == b""  # held, not lost, not refused
    terminal.reading.set()
    acked = 0
    while acked < 4 * 16384:
        acked += (await next_of_type(communicator, "input-ack"))["bytes"]
    assert terminal.written == b"y" * (4 * 16384)
    await communicator.disconnect()


async def test_a_full_disk_is_announced_after_a_command_and_cleared(fake_backend, alice, monkeypatch):
    from sandbox import consumers
    from sandbox.prompt_marker import PROMPT_MARKER as MARKER

    monkeypatch.setattr(consumers, "DISK_CHECK_INTERVAL", 0)
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "ready")
    key = f"u{alice.pk}"
    fake_backend.disks[key] = (97 << 20, 100 << 20)
    await fake_backend.terminals[-1].output.put(b"fallocate: fallocate failed: No space left on device\r\n" + MARKER)
    notice = await next_of_type(communicator, "disk")
    assert notice == {"type": "disk", "used": 97 << 20, "size": 100 << 20, "full": True}
    fake_backend.disks[key] = (10 << 20, 100 << 20)
    await fake_backend.terminals[-1].output.put(b"rm -f ~/x\r\n" + MARKER)
    assert (await next_of_type(communicator, "disk"))["full"] is False
    await communicator.disconnect()


# --- issue 10: what the page needs from the shell ----------------------------------------


async def test_the_page_is_told_when_a_command_finishes_and_with_what_status(fake_backend, alice):
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "ready")
    await fake_backend.terminals[-1].output.put(b"false\r\n\x1b]7771;prompt;1\x07$ ")
    assert await next_of_type(communicator, "prompt") == {"type": "prompt", "state": "ready", "status": 1}
    await fake_backend.terminals[-1].output.put(b"cat <<EOF\r\n\x1b]7771;continue\x07> ")
    assert (await next_of_type(communicator, "prompt"))["state"] == "continue"
    await communicator.disconnect()


async def test_every_terminal_learns_the_shells_size_and_its_changes(fake_backend, alice, teacher):
    student, _, _ = await open_terminal(alice)
    await student.send_to(text_data=json.dumps({"type": "resize", "cols": 83, "rows": 48}))
    await until_status(student, "ready")
    watcher, ok, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    assert ok
    assert await next_of_type(watcher, "size") == {"type": "size", "cols": 83, "rows": 48}
    await watcher.send_to(text_data=json.dumps({"type": "resize", "cols": 169, "rows": 24}))  # ignored
    await student.send_to(text_data=json.dumps({"type": "resize", "cols": 100, "rows": 30}))
    assert await next_of_type(watcher, "size") == {"type": "size", "cols": 100, "rows": 30}
    assert fake_backend.terminals[-1].sizes[-1] == (100, 30)
    await watcher.disconnect()
    await student.disconnect()


async def test_only_the_tab_in_use_answers_a_programs_query(fake_backend, alice, teacher):
    first, _, _ = await open_terminal(alice)
    await until_status(first, "ready")
    second, _, _ = await open_terminal(alice)
    await until_status(second, "ready")
    watcher, _, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    await until_status(watcher, "ready")
    shell = fake_backend.terminals[-1]
    reply = json.dumps({"type": "reply", "data": "\x1b[5;1R"})
    # The second tab opened last: it is the one in use. The others' answers are dropped.
    for communicator in (first, watcher, second):
        await communicator.send_to(text_data=reply)
    await asyncio.sleep(0.2)
    assert bytes(shell.written) == b"\x1b[5;1R"
    # Typing in the first tab makes it the one that answers.
    await first.send_to(bytes_data=b"x")
    await next_of_type(first, "input-ack")
    for communicator in (second, first):
        await communicator.send_to(text_data=reply)
    await asyncio.sleep(0.2)
    assert bytes(shell.written) == b"\x1b[5;1Rx\x1b[5;1R"
    for communicator in (first, second, watcher):
        await communicator.disconnect()


async def test_a_watcher_waits_for_a_student_who_is_not_there_yet(fake_backend, alice, teacher, monkeypatch):
    from sandbox import consumers

    monkeypatch.setattr(consumers, "WATCH_POLL", 0.2)
    watcher, ok, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    assert ok
    offline = await until_status(watcher, "offline")
    assert "not running" in offline["message"]
    assert await watcher.receive_nothing(0.5)  # still open, not closed
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    assert (await until_status(watcher, "ready"))["read_only"] is True
    await student.send_to(bytes_data=b"hello\r")
    assert b"hello" in (await read_bytes(watcher, timeout=3) or b"")
    await watcher.disconnect()
    await student.disconnect()


async def test_logging_out_closes_every_terminal_of_that_browser(fake_backend, alice):
    from asgiref.sync import sync_to_async
    from django.test import Client

    browser = Client()
    await sync_to_async(browser.force_login)(alice)
    cookie = (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())
    tabs = []
    for _ in range(2):
        tab = WebsocketCommunicator(asgi_application(), "/ws/terminal/", headers=[HOST, ORIGIN, cookie])
        assert (await tab.connect(timeout=5))[0]
        await until_status(tab, "ready")
        tabs.append(tab)
    other_browser, _, _ = await open_terminal(alice)  # alice on another computer stays
    await until_status(other_browser, "ready")
    await sync_to_async(browser.post)("/accounts/logout/")
    for tab in tabs:
        while True:
            output = await tab.receive_output(5)
            if output["type"] == "websocket.close":
                break
        assert output["code"] == 4401
    while not await other_browser.receive_nothing(0.3):  # whatever it says, it is not a close
        assert (await other_browser.receive_output(1))["type"] != "websocket.close"
    await other_browser.disconnect()


async def test_an_engine_error_while_asking_if_it_is_ready_is_tried_again(fake_backend, alice, monkeypatch):
    monkeypatch.setattr("sandbox.consumers.ENGINE_READY_RETRY", 0.05)
    answered = fake_backend.wait_engine_ready
    failures = []

    async def busy_then_ready(key, timeout):
        if len(failures) < 2:  # a host too busy to answer twice, then the engine answers
            failures.append(key)
            raise SandboxError("The Docker engine did not answer in time.", code="no-engine")
        return await answered(key, timeout)

    monkeypatch.setattr(fake_backend, "wait_engine_ready", busy_then_ready)
    communicator, _, _ = await open_terminal(alice)
    await until_status(communicator, "engine-ready")
    assert len(failures) == 2
    await communicator.disconnect()
