"""An in-memory backend for fast unit tests: no containers, a terminal that echoes.

`FakeBackend.instances` keeps every sandbox so tests can look inside.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import posixpath

from sandbox.backends.base import (
    HOME,
    MISSING,
    RUNNING,
    STOPPED,
    ExecResult,
    FileEntry,
    FileProblem,
    ProgressCallback,
    PublishedPort,
    SandboxBackend,
    SandboxError,
    SandboxInfo,
    TerminalStream,
)


class FakeTerminal(TerminalStream):
    """Echoes what is typed, like a tty with echo on; tests may push output."""

    def __init__(self):
        self.output: asyncio.Queue[bytes] = asyncio.Queue()
        self.written = bytearray()
        self.sizes: list[tuple[int, int]] = []
        self.closed = False
        self.reading = asyncio.Event()  # clear it for a shell that stops reading its input
        self.reading.set()

    async def read(self, max_bytes: int) -> bytes:
        if self.closed:
            return b""
        data = await self.output.get()
        if len(data) > max_bytes:
            self.output._queue.appendleft(data[max_bytes:])  # type: ignore[attr-defined]
            data = data[:max_bytes]
        return data

    async def write(self, data: bytes) -> None:
        await self.reading.wait()
        self.written += data
        await self.output.put(data)

    async def resize(self, cols: int, rows: int) -> None:
        self.sizes.append((cols, rows))

    async def close(self) -> None:
        self.closed = True
        await self.output.put(b"")


class FakeBackend(SandboxBackend):
    def __init__(self):
        self.status: dict[str, str] = {}
        self.terminals: list[FakeTerminal] = []
        self.fail_start: SandboxError | None = None
        self.ports: dict[str, list[PublishedPort]] = {}
        self.addresses: dict[str, str] = {}
        self.events: dict[str, FakeTerminal] = {}
        self.watches: dict[str, list[FakeTerminal]] = {}  # every watch opened, by key
        self.disks: dict[str, tuple[int, int]] = {}  # (used, size) a test sets
        self.languages: dict[str, str] = {}  # the page language each sandbox was last told
        self.shell_languages: list[str] = []  # the language each open_terminal was told

    def _info(self, key: str) -> SandboxInfo:
        return SandboxInfo(key=key, status=self.status.get(key, MISSING), state={"fake": True})

    async def start(self, key: str, progress: ProgressCallback | None = None) -> SandboxInfo:
        if self.fail_start is not None:
            raise self.fail_start
        if progress is not None:
            await progress("engine")
            await progress("workspace")
        self.status[key] = RUNNING
        return self._info(key)

    async def stop(self, key: str) -> None:
        if key in self.status:
            self.status[key] = STOPPED

    async def remove(self, key: str) -> None:
        self.status.pop(key, None)

    async def poll(self, key: str) -> SandboxInfo:
        return self._info(key)

    async def list(self) -> list[SandboxInfo]:
        return [self._info(key) for key in sorted(self.status)]

    async def disk_status(self, key: str) -> tuple[int, int] | None:
        return self.disks.get(key)

    async def wait_engine_ready(self, key: str, timeout: float) -> bool:
        return self.status.get(key) == RUNNING

    async def exec(self, key: str, command: list[str], timeout: float = 60) -> ExecResult:
        if self.status.get(key) != RUNNING:
            raise SandboxError("This sandbox is not running.", code="not-running")
        return ExecResult(exit_code=0, output="")

    async def published_ports(self, key: str) -> list[PublishedPort]:
        return list(self.ports.get(key, []))

    async def watch_published_ports(self, key: str):
        """Tests push b"start\\n" into `events[key].output` to announce a change."""
        stream = FakeTerminal()
        self.events[key] = stream
        self.watches.setdefault(key, []).append(stream)
        yield await self.published_ports(key)
        try:
            while await stream.read(4096):
                yield await self.published_ports(key)
        finally:
            await stream.close()

    async def address(self, key: str) -> str | None:
        return self.addresses.get(key) if self.status.get(key) == RUNNING else None

    async def open_terminal(self, key, *, cols=80, rows=24, language="") -> TerminalStream:
        if self.status.get(key) != RUNNING:
            raise SandboxError("This sandbox is not running.", code="not-running")
        self.shell_languages.append(language)
        if language:
            self.languages[key] = language
        terminal = FakeTerminal()
        terminal.sizes.append((cols, rows))
        self.terminals.append(terminal)
        return terminal

    async def set_language(self, key: str, language: str) -> None:
        self.languages[key] = language

    # -- files: an in-memory home folder per sandbox ------------------------
    # `files[key]` maps absolute paths to bytes, `dirs[key]` holds folders and
    # `links[key]` symlinks (path -> target), so tests can plant what they need.

    @functools.cached_property
    def files(self) -> dict[str, dict[str, bytes]]:
        return {}

    @functools.cached_property
    def dirs(self) -> dict[str, set[str]]:
        return {}

    @functools.cached_property
    def links(self) -> dict[str, dict[str, str]]:
        return {}

    def _home(self, key: str):
        if self.status.get(key) != RUNNING:
            raise FileProblem("not-running")
        files = self.files.setdefault(key, {})
        dirs = self.dirs.setdefault(key, {HOME})
        links = self.links.setdefault(key, {})
        return files, dirs, links

    def _resolve(self, key: str, path: str) -> str:
        _, _, links = self._home(key)
        resolved = "/"
        for part in path.strip("/").split("/"):
            resolved = posixpath.join(resolved, part)
            for _ in range(40):
                if resolved not in links:
                    break
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(resolved), links[resolved]))
        if resolved != HOME and not resolved.startswith(HOME + "/"):
            raise FileProblem("outside", path)
        return resolved

    async def list_dir(self, key: str, path: str, limit: int = 1000) -> list[FileEntry]:
        files, dirs, links = self._home(key)
        folder = self._resolve(key, path)
        if folder in files:
            raise FileProblem("not-dir", path)
        if folder not in dirs:
            raise FileProblem("not-found", path)
        entries = (
            [
                FileEntry(name=posixpath.basename(p), kind="dir", size=0)
                for p in dirs
                if p != folder and posixpath.dirname(p) == folder
            ]
            + [
                FileEntry(name=posixpath.basename(p), kind="file", size=len(data))
                for p, data in files.items()
                if posixpath.dirname(p) == folder
            ]
            + [
                FileEntry(name=posixpath.basename(p), kind="other", size=0, link=True)
                for p in links
                if posixpath.dirname(p) == folder
            ]
        )
        return entries[:limit]

    async def read_file(self, key: str, path: str, max_bytes: int) -> bytes:
        files, dirs, _ = self._home(key)
        real = self._resolve(key, path)
        if real in dirs:
            raise FileProblem("is-dir", path)
        if real not in files:
            raise FileProblem("not-found", path)
        if len(files[real]) > max_bytes:
            raise FileProblem("too-large", path)
        return files[real]

    async def write_file(self, key: str, path: str, data: bytes, expected: str | None = None) -> bool:
        files, dirs, _ = self._home(key)
        real = self._resolve(key, path)
        if real in dirs:
            raise FileProblem("is-dir", path)
        exists = real in files
        if exists and expected == "":
            raise FileProblem("exists", path)
        if exists and expected and hashlib.sha256(files[real]).hexdigest() != expected:
            raise FileProblem("changed", path)
        parent = posixpath.dirname(real)
        while parent not in dirs:
            if parent in files:
                raise FileProblem("not-dir", path)
            dirs.add(parent)
            parent = posixpath.dirname(parent)
        files[real] = bytes(data)
        return not exists
