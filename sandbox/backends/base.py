"""The interface every sandbox backend implements.

In the spirit of JupyterHub's Spawner: start / stop / poll, plus a plain
JSON state so a restarted app re-attaches to what is already running. A
backend is one long-lived object serving every student; each sandbox is
named by a key (for example "u42"). All methods are coroutines: a backend
that calls blocking libraries runs them in threads, never on the loop.
"""
from __future__ import annotations

import abc
import dataclasses
from collections.abc import AsyncIterator
from typing import Awaitable, Callable

# Called with a short machine-readable step name ("creating", "engine", ...).
ProgressCallback = Callable[[str], Awaitable[None]]

RUNNING = "running"
STOPPED = "stopped"
MISSING = "missing"


class SandboxError(Exception):
    """A sandbox could not be started or reached; the message is shown to the student."""


class ClassroomFull(SandboxError):
    pass


@dataclasses.dataclass(frozen=True)
class SandboxInfo:
    key: str
    status: str  # RUNNING, STOPPED or MISSING
    state: dict  # JSON-able; what load_state needs to re-attach


@dataclasses.dataclass(frozen=True)
class PublishedPort:
    """A port the student published from a nested container (`docker run -p 8080:80`)."""

    port: int  # on the sandbox's own address
    container: str  # the nested container's name
    target: int  # the port inside that container


@dataclasses.dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: str


class TerminalStream(abc.ABC):
    """A byte stream to a tty in the sandbox. Nothing is decoded here."""

    @abc.abstractmethod
    async def read(self, max_bytes: int) -> bytes:
        """Up to max_bytes of output; b"" once the terminal has ended."""

    @abc.abstractmethod
    async def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    async def resize(self, cols: int, rows: int) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...


class SandboxBackend(abc.ABC):
    @abc.abstractmethod
    async def start(self, key: str, progress: ProgressCallback | None = None) -> SandboxInfo:
        """Start (or find again) the sandbox named key; idempotent."""

    @abc.abstractmethod
    async def stop(self, key: str) -> None:
        """Stop the sandbox, keeping its files for a later start."""

    @abc.abstractmethod
    async def remove(self, key: str) -> None:
        """Remove the sandbox and everything in it."""

    @abc.abstractmethod
    async def poll(self, key: str) -> SandboxInfo: ...

    async def fill_pool(self) -> int:
        """Start sandboxes ahead of time for the next students; how many wait now.

        Backends without a pool wait for no one."""
        return 0

    async def set_language(self, key: str, language: str) -> None:
        """Tell the sandbox the student's page language (its engine words refusals in it)."""

    async def disk_status(self, key: str) -> tuple[int, int] | None:
        """(bytes used, bytes in all) of the sandbox's disk, or None if it has no limit
        or this server cannot see it. Backends without disk limits have none."""
        return None

    async def disk_usage(self) -> dict[str, tuple[int, int]]:
        """(used, size) of every sandbox disk, by the key it was made for."""
        return {}

    @abc.abstractmethod
    async def list(self) -> list[SandboxInfo]:
        """Every sandbox this backend knows, found again from the engine itself."""

    @abc.abstractmethod
    async def wait_engine_ready(self, key: str, timeout: float) -> bool:
        """True once the student's nested Docker engine answers."""

    @abc.abstractmethod
    async def exec(self, key: str, command: list[str], timeout: float = 60) -> ExecResult:
        """Run a command in the student's workspace (as the student would)."""

    @abc.abstractmethod
    async def published_ports(self, key: str) -> list[PublishedPort]:
        """TCP ports published by the student's nested containers, lowest first."""

    @abc.abstractmethod
    def watch_published_ports(self, key: str) -> AsyncIterator[list[PublishedPort]]:
        """The published ports now, then again after each nested container start or stop
        (an async generator; it ends when the sandbox stops)."""

    @abc.abstractmethod
    async def address(self, key: str) -> str | None:
        """The sandbox's IP address as the app reaches it, for the web preview."""

    @abc.abstractmethod
    async def open_terminal(self, key: str, *, cols: int = 80, rows: int = 24) -> TerminalStream:
        """Start a new interactive shell in the sandbox (sandbox.shells shares it)."""

    # The file editor: files in the student's home folder (HOME) only. Paths
    # arrive normalized (sandbox/files.py); the backend resolves symlinks where
    # the files live and refuses anything that ends up outside HOME.

    @abc.abstractmethod
    async def list_dir(self, key: str, path: str, limit: int = 1000) -> list[FileEntry]:
        """Up to `limit` entries of a folder, in no particular order."""

    @abc.abstractmethod
    async def read_file(self, key: str, path: str, max_bytes: int) -> bytes:
        """A regular file's exact bytes; FileProblem("too-large") past max_bytes."""

    @abc.abstractmethod
    async def write_file(self, key: str, path: str, data: bytes, expected: str | None = None) -> bool:
        """Replace (or create, with missing parent folders) a file atomically,
        keeping an existing file's mode. `expected`: None overwrites whatever is
        there; "" requires that no file exists yet; a SHA-256 hex digest requires
        the file to still hold that content. True when the file was created."""


HOME = "/root"


@dataclasses.dataclass(frozen=True)
class FileEntry:
    name: str
    kind: str  # "dir", "file" or "other" (what a symlink points to, for links)
    size: int
    link: bool = False


class FileProblem(Exception):
    """A file operation was refused. `reason` is a short code the views turn
    into a status and a message for the student (see sandbox/files_views.py):
    invalid, outside, not-found, is-dir, not-dir, not-file, too-large, binary,
    changed, exists, not-running, failed."""

    def __init__(self, reason: str, path: str = ""):
        super().__init__(f"{reason}: {path}" if path else reason)
        self.reason = reason
        self.path = path
