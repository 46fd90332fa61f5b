"""The terminal websocket: authenticate, start the sandbox, join its shell.

Protocol: docs/terminal-protocol.md. The shell itself is held by
sandbox.shells (one per sandbox, shared by all its websockets); this consumer
is one subscriber to it, with its own flow control. It is given the process's
SandboxRuntime (`TerminalConsumer.as_asgi(runtime=...)`), and reports what
happens as sandbox events (sandbox.events): a page attached (with the page's
context, e.g. which lesson it shows), a page left. Whatever other apps want
to show in the page comes back through the "terminal.<key>" group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation

from sandbox import preview, protocol, shells
from sandbox.backends.base import RUNNING, ClassroomFull, SandboxError
from sandbox.errors import student_message
from sandbox.events import terminal_group
from sandbox.flow import FlowControl
from sandbox.services import ActivityRecorder, access, find_user, sandbox_key, start_sandbox
from sandbox.signals import login_session_group

log = logging.getLogger(__name__)

# Keystrokes received and not yet written to the shell (also while the sandbox
# starts). The page sends no more than its window (64 KiB) before the server
# acknowledges what it wrote (`input-ack`); a client that does is cut off, so a
# shell that stops reading never makes the server hold more than this.
INPUT_LIMIT = 256 * 1024
ENGINE_READY_TIMEOUT = 60
ENGINE_READY_RETRY = 1.0  # seconds between two tries after an engine error
CLOSE_LOGGED_OUT = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_INPUT_OVERFLOW = 4413
CLOSE_FULL = 4429
# After a command, the student is told when their sandbox's disk is this full
# (checked at most every DISK_CHECK_INTERVAL seconds: a statvfs on the host).
DISK_WARNING_FRACTION = 0.95
DISK_CHECK_INTERVAL = 5.0
WATCH_POLL = 5.0  # seconds between looks at an offline student's sandbox
CLOSE_ERROR = 4500
# What a page may say about itself in its query (?lesson=…&lang=…), passed on
# in the "terminal.opened" event for whoever listens: short and plain only.
CONTEXT_NAME = re.compile(r"^[a-z_]{1,16}$")
CONTEXT_VALUE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_CONTEXT = 8


class TerminalConsumer(AsyncWebsocketConsumer):
    def __init__(self, *args, runtime=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.runtime = runtime  # the process's SandboxRuntime, given by as_asgi(runtime=...)

    async def connect(self):
        viewer = self.scope["user"]
        if not viewer.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        username = self.scope["url_route"]["kwargs"].get("username")
        owner = viewer if username in (None, viewer.username) else await find_user(username)
        rights = await database_sync_to_async(access)(viewer, owner)
        if not rights.allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.owner = owner
        self.read_only = read_only = viewer.pk != owner.pk  # a watcher; it types only while it took over
        self.may_take_over = read_only and rights.take_over
        self.viewer_name = viewer.get_full_name() or viewer.get_username()
        self.key = sandbox_key(owner)
        self.size = (80, 24)
        self.session: shells.ShellSession | None = None
        self.pending_input = bytearray()
        self.input_in_flight = 0  # taken from pending_input, not yet written
        self.input_refused = False  # the client ignored the input window: nothing more is taken
        self.disk_checked_at = float("-inf")
        self.disk_check: asyncio.Task | None = None
        self.disk_warned = False
        self.pending_sends: set[asyncio.Task] = set()
        self.input_waiting = asyncio.Event()
        self.flow = FlowControl(settings.TERMINAL_HIGH_WATERMARK, settings.TERMINAL_LOW_WATERMARK)
        self.activity = ActivityRecorder(owner, self.runtime.events, self.key)
        self.tasks: list[asyncio.Task] = []
        self.context = self._page_context()
        self.language = self.context.get("lang", "")
        if self.language not in dict(settings.LANGUAGES):
            self.language = settings.LANGUAGE_CODE
        self.opened = False  # "terminal.opened" was published
        self.engine_answers = False  # the student's nested engine answered (engine-ready)
        # Logging out closes every terminal of that browser session at once (shared lab PCs).
        self.session_group = login_session_group(self.scope.get("session"))
        if self.session_group:
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        if not read_only:  # what other apps have to say to the student's pages (check results …)
            await self.channel_layer.group_add(terminal_group(self.key), self.channel_name)
        await self.accept()
        self.tasks.append(asyncio.create_task(self._run()))

    async def dispatch(self, message):
        # Channels closes stale database connections before every message, a hop
        # to its one sync thread shared by all consumers: per keystroke and ack,
        # that queue was the largest cost under load. Typing touches no database
        # (what does goes through database_sync_to_async, which closes them itself).
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def session_ended(self, message):
        """The browser session logged out (sandbox.signals)."""
        await self._status("ended", reason="logged-out")
        await self.close(code=CLOSE_LOGGED_OUT)

    async def terminal_notify(self, message):
        """Another app's message for the student's pages (sandbox.events.notify_terminals)."""
        await self.send(text_data=json.dumps(message["payload"]))

    async def disconnect(self, code):
        if getattr(self, "session_group", None):
            await self.channel_layer.group_discard(self.session_group, self.channel_name)
        if hasattr(self, "key") and not self.read_only:
            await self.channel_layer.group_discard(terminal_group(self.key), self.channel_name)
            self.runtime.port_watchers.unsubscribe(self.key, self._announce_ports)
        for task in [*getattr(self, "tasks", []), getattr(self, "disk_check", None)]:
            if task is not None:
                task.cancel()
        if getattr(self, "session", None) is not None:
            self.session.unsubscribe(self)  # the shell lives on for the next connection
        if getattr(self, "opened", False):
            self.runtime.events.publish(
                "terminal.closed", self.key, terminal=self.channel_name, user_id=self.owner.pk, read_only=self.read_only
            )

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            if (self.read_only and not self._typing()) or self.input_refused:
                return
            if self.input_in_flight + len(self.pending_input) + len(bytes_data) > INPUT_LIMIT:
                self.input_refused = True
                self.pending_input.clear()
                await self._status("error", message="Too much input at once; the connection was reset.")
                await self.close(code=CLOSE_INPUT_OVERFLOW)
                return
            self.pending_input += bytes_data
            self.input_waiting.set()
            return
        try:
            message = protocol.parse_control(text_data or "")
        except protocol.ProtocolError as exc:
            await self.send(text_data=protocol.error(str(exc)))
            return
        if isinstance(message, protocol.Ack):
            self.flow.acknowledged(message.bytes)
            if self.session is not None:
                self.session.wake(self)
        elif isinstance(message, protocol.Resize):
            self.size = (message.cols, message.rows)
            if self.session is not None and not self.read_only:
                await self.session.resize(message.cols, message.rows)
        elif isinstance(message, protocol.Ping):
            await self.send(text_data='{"type":"pong"}')
        elif isinstance(message, protocol.Reply) and self.session is not None and not self.read_only:
            # The terminal answered a program's query; only the responding tab's answer counts.
            await self.session.answer(self, message.data.encode())
        elif isinstance(message, protocol.TakeOver) and self.session is not None:
            await self._take_over(message.on)

    def _typing(self) -> bool:
        """A watcher types only while it holds the take-over."""
        return self.session is not None and self.session.guest is self

    async def _take_over(self, on: bool) -> None:
        """A watcher allowed to asks to type, or ends it; the owner's pages may end it."""
        if not self.read_only:
            if not on:
                await self.session.release()
        elif on and self.may_take_over:
            await self.session.take_over(self, self.viewer_name)
        elif not on and self._typing():
            await self.session.release()

    # -- the session ----------------------------------------------------------

    async def _run(self):
        try:
            await self._status("starting", step="sandbox")
            if self.read_only:
                await self._wait_for_the_student()
            else:
                await start_sandbox(self.owner, self._progress, self.runtime.events)
            cols, rows = self.size
            # The student's language goes with the shell's own exec; _tell_language
            # then costs nothing unless this tab's language differs.
            language = "" if self.read_only else self.language
            session = await self.runtime.shells.open(self.key, cols, rows, language)
            await self._status(
                "ready", read_only=self.read_only, owner=self.owner.username, may_take_over=self.may_take_over
            )
            self.session = session
            if not self.read_only or self.may_take_over:
                self.tasks.append(asyncio.create_task(self._write_input(session)))
            await session.subscribe(self)  # the recent screen first, then live output
            self.opened = True
            self.runtime.events.publish(
                "terminal.opened",
                self.key,
                terminal=self.channel_name,
                user_id=self.owner.pk,
                read_only=self.read_only,
                context=self.context,
            )
            if not self.read_only and self.size != (cols, rows):
                await session.resize(*self.size)  # the page's size arrived while starting
            self.tasks.append(asyncio.create_task(self._announce_engine()))
            if not self.read_only:
                self.tasks.append(asyncio.create_task(self._tell_language()))
        except ClassroomFull as exc:
            self._failed("full")
            await self._status("full", message=self._student_message(exc), code=exc.code)
            await self.close(code=CLOSE_FULL)
        except SandboxError as exc:
            self._failed("error")
            await self._status("error", message=self._student_message(exc), code=exc.code)
            await self.close(code=CLOSE_ERROR)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("terminal session for %s failed", self.key)
            await self._status("error", message="The sandbox could not be reached. Try reloading the page.")
            await self.close(code=CLOSE_ERROR)

    def _failed(self, reason: str) -> None:
        if not self.read_only:
            self.runtime.events.publish("sandbox.failed", self.key, user_id=self.owner.pk, reason=reason)

    async def _wait_for_the_student(self):
        """A watcher of a student without a running sandbox stays, says so, and
        attaches as soon as the student's shell opens (in this process at once;
        a sandbox started elsewhere is seen within WATCH_POLL seconds)."""
        said = False
        while (await self.runtime.backend.poll(self.key)).status != RUNNING:
            if not said:
                await self._status("offline", message="This student's sandbox is not running.")
                said = True
            await self.runtime.shells.wait_for_shell(self.key, WATCH_POLL)

    async def _write_input(self, session: shells.ShellSession):
        """Keystrokes go to the shell one batch at a time; each batch is acknowledged
        once the shell's stream took it, so a shell that stops reading stops the page."""
        while True:
            await self.input_waiting.wait()
            self.input_waiting.clear()
            while self.pending_input:
                typed = bytes(self.pending_input)
                self.pending_input.clear()
                self.input_in_flight = len(typed)
                await session.write(typed, typed_by=self)
                self.input_in_flight = 0
                self.activity.touch()
                await self.send(text_data=protocol.input_ack(len(typed)))

    # -- a subscriber of the shell (sandbox.shells) ------------------------------

    async def output(self, data: bytes) -> None:
        await self.send(bytes_data=data)

    def mark(self, mark) -> None:
        """The shell printed a marker: tell the student's page (its Run button types
        the next line then) and, after a command, look at the disk."""
        if self.read_only:
            return
        self._send_soon(protocol.shell_mark(mark.kind, mark.status))
        if mark.kind == "prompt":
            self._check_disk_soon()
            if self.engine_answers and self.session is not None and self.session.may_have_published:
                self.runtime.port_watchers.wake(self.key)  # a command ran: it may have published a port

    async def shell_size(self, cols: int, rows: int) -> None:
        await self.send(text_data=protocol.size(cols, rows))

    async def typist(self, name: str | None) -> None:
        await self.send(text_data=protocol.typist(name, you=name is not None and self._typing()))

    def _send_soon(self, text: str) -> None:
        """Send from a sync callback without waiting (the shell's reader must not block)."""
        task = asyncio.get_running_loop().create_task(self.send(text_data=text))
        self.pending_sends.add(task)
        task.add_done_callback(self.pending_sends.discard)

    def _check_disk_soon(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self.disk_checked_at < DISK_CHECK_INTERVAL:
            return
        self.disk_checked_at = now
        if self.disk_check is None or self.disk_check.done():
            self.disk_check = asyncio.create_task(self._check_disk())

    async def _check_disk(self) -> None:
        """Say so when the sandbox's disk is (nearly) full, and again once it is not."""
        with contextlib.suppress(SandboxError):
            status = await self.runtime.backend.disk_status(self.key)
            if status is None:
                return
            used, size = status
            full = size > 0 and used >= size * DISK_WARNING_FRACTION
            if full or self.disk_warned:
                self.disk_warned = full
                await self.send(text_data=json.dumps({"type": "disk", "used": used, "size": size, "full": full}))

    async def ended(self) -> None:
        self.session = None
        await self._status("ended")
        await self.close()

    # -- the page ----------------------------------------------------------------

    def _page_context(self) -> dict[str, str]:
        """What the page says about itself in its query, kept only if short and plain."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        context = {}
        for name, values in query.items():
            if len(context) < MAX_CONTEXT and CONTEXT_NAME.match(name) and CONTEXT_VALUE.match(values[0]):
                context[name] = values[0]
        return context

    def _student_message(self, error: SandboxError) -> str:
        with translation.override(self.language):
            return student_message(error)

    async def _tell_language(self):
        with contextlib.suppress(SandboxError):
            await self.runtime.backend.set_language(self.key, self.language)

    async def _announce_engine(self):
        await self._wait_for_the_engine()
        if not self.read_only:
            # The port watcher runs the student's `docker` CLI: started before the
            # engine answers, its `docker events` could fail and end it (seen in CI
            # on a busy machine: the preview never showed the port). A new shell has
            # published nothing yet: its watcher starts after its first command
            # (mark), so a class connecting at once does not pay 50 execs at once.
            self.engine_answers = True
            start = self.session is not None and self.session.may_have_published
            await self.runtime.port_watchers.subscribe(self.key, self._announce_ports, start=start)

    async def _wait_for_the_engine(self):
        # An engine call that fails on a busy host is tried again until the
        # timeout: one failed call must not leave the page waiting for good.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ENGINE_READY_TIMEOUT
        while True:
            try:
                if await self.runtime.backend.wait_engine_ready(self.key, max(1.0, deadline - loop.time())):
                    await self._status("engine-ready")
                return
            except SandboxError as error:
                if loop.time() >= deadline:
                    return
                log.info("engine readiness of %s not known yet: %s", self.key, error)
                await asyncio.sleep(ENGINE_READY_RETRY)

    async def _announce_ports(self, ports):
        await self.send(text_data=json.dumps({"type": "ports", "ports": preview.ports_json(ports)}))

    async def _progress(self, step: str):
        await self._status("starting", step=step)

    async def _status(self, state: str, **fields):
        await self.send(text_data=protocol.status(state, **fields))
