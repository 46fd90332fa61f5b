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
import enum
from collections.abc import AsyncIterator, Awaitable, Callable

# Called with a short machine-readable step name ("creating", "engine", ...).
ProgressCallback = Callable[[str], Awaitable[None]]


class SandboxStatus(enum.StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"  # its files kept for a later start
    MISSING = "missing"  # never started, or removed


RUNNING, STOPPED, MISSING = SandboxStatus


class SandboxError(Exception):
    """A sandbox could not be started or reached. `code` names the trouble for
    the pages, which show a translated message for it (sandbox/errors.py); the
    English message says more, for logs and for codes a page does not know."""

    code = "error"

    def __init__(self, message: str = "", code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class ClassroomFull(SandboxError):
    code = "full"


@dataclasses.dataclass(frozen=True)
class SandboxInfo:
    key: str
    status: SandboxStatus
    state: dict  # JSON-able; what load_state needs to re-attach


@dataclasses.dataclass(frozen=True)
class PublishedPort:
    """A port the student published from a nested container (`docker run -p 8080:80`)."""

    port: int  # on the sandbox's own address
    container: str  # the nested container's name
    target: int  # the port inside that container


# A command cut off at its deadline: `timeout -s KILL` leaves 128 + 9, and an
# exec the backend gave up on has no status at all (-1).
CUT_OFF_STATUSES = frozenset({137, -1})


@dataclasses.dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: str

    @property
    def cut_off(self) -> bool:
        return self.exit_code in CUT_OFF_STATUSES


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
    async def close(self) -> None:
        """Detach from the tty; a shell kept in the sandbox goes on."""

    async def hang_up(self) -> None:
        """End the shell itself (tests, a new start); by default the same as close."""
        await self.close()

    def earlier_output(self) -> bytes:
        """What the shell printed before this stream attached (a shell the sandbox
        kept across app restarts, or held for another app process): the screen."""
        return b""


class Unsupported(SandboxError):
    """The backend in use cannot do this (a capability it does not have)."""

    code = "unsupported"


# What every backend must do: a sandbox that starts, stops, is polled, and has a shell.
REQUIRED = ("start", "stop", "poll", "open_terminal")
# What a backend may do besides, by capability; the app asks `supports()` first.
CAPABILITIES = {
    "remove": ("remove",),  # reset a sandbox, remove it with its files
    "list": ("list",),  # find sandboxes again (reaper, pool, instructor pages)
    "exec": ("exec",),  # lesson checks (exec_each is built on it unless a backend has its own)
    "ports": ("published_ports", "watch_published_ports", "address"),  # the web preview
    "files": ("list_dir", "read_file", "write_file"),  # the file editor
    "engine": ("wait_engine_ready",),  # a nested Docker engine that starts after the shell
    "pool": ("fill_pool",),
    "disk": ("disk_status", "disk_usage"),
    "language": ("set_language",),
}


class SandboxBackend:
    """Subclasses implement REQUIRED (checked when the class is defined, as
    JupyterHub's Spawner does) and any CAPABILITIES they have; the others keep
    the defaults here, which do nothing or raise Unsupported."""

    capabilities: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        missing = [name for name in REQUIRED if getattr(cls, name) is getattr(SandboxBackend, name)]
        if missing:
            raise TypeError(f"{cls.__name__} must implement {', '.join(missing)} (see sandbox/backends/base.py)")
        cls.capabilities = frozenset(
            capability
            for capability, methods in CAPABILITIES.items()
            if all(getattr(cls, name) is not getattr(SandboxBackend, name) for name in methods)
        )

    def supports(self, capability: str) -> bool:
        if capability not in CAPABILITIES:
            raise ValueError(f"unknown capability {capability!r}")
        return capability in self.capabilities

    # -- required -----------------------------------------------------------

    async def start(self, key: str, progress: ProgressCallback | None = None) -> SandboxInfo:
        """Start (or find again) the sandbox named key; idempotent."""
        raise NotImplementedError

    async def stop(self, key: str) -> None:
        """Stop the sandbox, keeping its files for a later start."""
        raise NotImplementedError

    async def poll(self, key: str) -> SandboxInfo:
        raise NotImplementedError

    async def open_terminal(self, key: str, *, cols: int = 80, rows: int = 24, language: str = "") -> TerminalStream:
        """The sandbox's interactive shell: the one it keeps if there is one (started
        by an earlier app process, or another one), else a new one (sandbox.shells
        shares it among this process's terminals). A `language` is the student's
        page language, told to the sandbox on the way as set_language would."""
        raise NotImplementedError

    # -- optional capabilities ----------------------------------------------

    async def remove(self, key: str) -> None:
        """Remove the sandbox and everything in it."""
        raise Unsupported("This classroom's sandboxes cannot be removed.")

    async def list(self) -> list[SandboxInfo]:
        """Every sandbox this backend knows, found again from the engine itself."""
        return []

    async def wait_engine_ready(self, key: str, timeout: float) -> bool:
        """True once the student's nested Docker engine answers (at once, without one)."""
        return True

    async def exec(self, key: str, command: list[str], timeout: float = 60) -> ExecResult:
        """Run a command in the student's workspace (as the student would)."""
        raise Unsupported("This classroom's sandboxes cannot run checks.")

    async def exec_each(self, key: str, scripts: list[str], timeout_each: float = 15) -> list[ExecResult]:
        """Run each bash script in the workspace, one after the other, as `exec` would
        alone; a backend may do it in one go (the Docker backend does)."""
        return [await self.exec(key, ["bash", "-c", script], timeout_each) for script in scripts]

    async def published_ports(self, key: str) -> list[PublishedPort]:
        """TCP ports published by the student's nested containers, lowest first."""
        return []

    async def watch_published_ports(self, key: str) -> AsyncIterator[list[PublishedPort]]:
        """The published ports now, then again after each nested container start or stop
        (an async generator; it ends when the sandbox stops)."""
        yield []

    async def address(self, key: str) -> str | None:
        """The sandbox's IP address as the app reaches it, for the web preview."""
        return None

    async def fill_pool(self) -> int:
        """Start sandboxes ahead of time for the next students; how many wait now."""
        return 0

    async def set_language(self, key: str, language: str) -> None:
        """Tell the sandbox the student's page language (its engine words refusals in it)."""

    async def disk_status(self, key: str) -> tuple[int, int] | None:
        """(bytes used, bytes in all) of the sandbox's disk, or None if it has no limit
        or this server cannot see it."""
        return None

    async def disk_usage(self) -> dict[str, tuple[int, int]]:
        """(used, size) of every sandbox disk, by the key it was made for."""
        return {}

    async def memory_usage(self) -> dict[str, int]:
        """Bytes of memory each running sandbox uses now, by key (operators' status)."""
        return {}

    async def ping(self) -> None:
        """Raise SandboxError if what runs the sandboxes does not answer (health checks)."""

    # The file editor: files in the student's home folder (HOME) only. Paths
    # arrive normalized (sandbox/files.py); the backend resolves symlinks where
    # the files live and refuses anything that ends up outside HOME.

    async def list_dir(self, key: str, path: str, limit: int = 1000) -> list[FileEntry]:
        """Up to `limit` entries of a folder, in no particular order."""
        raise FileProblem("unsupported")

    async def read_file(self, key: str, path: str, max_bytes: int) -> bytes:
        """A regular file's exact bytes; FileProblem("too-large") past max_bytes."""
        raise FileProblem("unsupported")

    async def write_file(self, key: str, path: str, data: bytes, expected: str | None = None) -> bool:
        """Replace (or create, with missing parent folders) a file atomically,
        keeping an existing file's mode. `expected`: None overwrites whatever is
        there; "" requires that no file exists yet; a SHA-256 hex digest requires
        the file to still hold that content. True when the file was created."""
        raise FileProblem("unsupported")


HOME = "/root"


@dataclasses.dataclass(frozen=True)
class FileEntry:
    name: str
    kind: str  # "dir", "file" or "other" (what a symlink points to, for links)
    size: int
    link: bool = False


class FileReason(enum.StrEnum):
    """Why a file operation was refused; sandbox/files_views.py has one row per
    reason (HTTP status, message for the student), and the JSON carries the value."""

    INVALID = "invalid"
    OUTSIDE = "outside"  # not in HOME, also after resolving symlinks
    NOT_FOUND = "not-found"
    IS_DIR = "is-dir"
    NOT_DIR = "not-dir"
    NOT_FILE = "not-file"
    TOO_LARGE = "too-large"
    BINARY = "binary"
    CHANGED = "changed"  # `expected` no longer matches
    EXISTS = "exists"
    NOT_RUNNING = "not-running"
    UNSUPPORTED = "unsupported"  # the backend has no file editor
    FAILED = "failed"


class FileProblem(Exception):
    """A file operation was refused, for a FileReason (a ValueError for any other)."""

    def __init__(self, reason: FileReason | str, path: str = ""):
        self.reason = FileReason(reason)
        self.path = path
        super().__init__(f"{self.reason}: {path}" if path else str(self.reason))
