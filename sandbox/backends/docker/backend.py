"""Sandboxes as two Docker containers per student: a Docker engine and the
workspace that shares its network (see specs.py and docs/sandbox-security.md).

This is the lifecycle and what runs inside; the parts live beside it:
client.py (the engine connection and its threads), network.py, disks.py,
pool.py, terminal.py, files.py. Every SDK call runs in a thread, never on the
event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import docker
from django.conf import settings
from docker.errors import APIError

from sandbox.backends.base import (
    MISSING,
    RUNNING,
    STOPPED,
    ClassroomFull,
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
from sandbox.backends.docker import disks, files, rounds, specs
from sandbox.backends.docker import terminal as terminals
from sandbox.backends.docker.client import Engine
from sandbox.backends.docker.containers import (
    joined,
    running,
    running_engine_names,
    sandbox_summaries,
    summary_running,
    timestamp,
)
from sandbox.backends.docker.exec import run_bounded
from sandbox.backends.docker.network import SandboxNetworks
from sandbox.backends.docker.pool import SandboxPool
from sandbox.backends.docker.round_runner import RoundRunners, RunnerFailed
from sandbox.backends.docker.warm_shells import WarmShell, WarmShells

log = logging.getLogger(__name__)

# The engine's entrypoint says this once its socket answers and the seed images
# are loaded (sandbox/images/engine/entrypoint.sh). Reading the engine's log is
# one API call; asking the engine itself would take an exec (runc, ~40 ms of
# CPU), which a class opening its terminals at once cannot afford.
ENGINE_READY_LINE = b"dockyard-engine: ready"
ENGINE_READY_POLL = 0.1
# What the app keeps of a command's output in the sandbox (checks, port lists):
# the student chooses that output, and may make it endless.
EXEC_OUTPUT_LIMIT = 1 << 20


class DockerBackend(SandboxBackend):
    def __init__(self, client: docker.DockerClient | None = None):
        self.engine = Engine(client)
        self.networks = SandboxNetworks(self.engine)
        self.disks = disks.SandboxDisks(self.engine)
        self.pool = SandboxPool(self)
        self.engines_seen_ready: dict[str, tuple] = {}  # key -> (engine id, StartedAt)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._capacity_lock = asyncio.Lock()
        self._engines_starting: set[str] = set()  # engine names counted against the cap, not created yet
        self._disk_keys_by_sandbox: dict[str, str | None] = {}
        self._languages: dict[str, tuple[str, str]] = {}  # key -> (workspace id, language written)
        self.warm_shells = WarmShells()  # pool sandboxes' shells, attached ahead
        self.round_runners = RoundRunners(self.engine, terminals.TERMINAL_ENV)

    @property
    def client(self) -> docker.DockerClient:
        return self.engine.client

    # -- lifecycle ----------------------------------------------------------

    async def start(self, key: str, progress: ProgressCallback | None = None) -> SandboxInfo:
        # A start goes on when the page that asked for it goes away (a reload, a
        # language switch): cancelled halfway, its engine calls went on in their
        # threads while the next page's start ran the same steps beside them
        # (two networks for one sandbox: "networks have same bridge name").
        starting = asyncio.ensure_future(self._start(key, progress))
        starting.add_done_callback(_retrieve_error)
        return await asyncio.shield(starting)

    async def _start(self, key: str, progress: ProgressCallback | None) -> SandboxInfo:
        async def report(step: str):
            if progress is not None:
                try:
                    await progress(step)
                except Exception as exc:  # the page that asked is gone; the start is not
                    log.debug("start progress of %s not shown: %s", key, exc)

        names = specs.Names(key)
        call, get = self.engine.call, self.engine.get
        async with self._locks[key]:
            engine = await call(get, names.engine)
            workspace = await call(get, names.workspace)
            if running(engine) and running(workspace) and joined(workspace, engine):
                return self._info(key, engine, workspace)
            # A pool sandbox being started is new, not a claim of one already waiting.
            if engine is None and workspace is None and settings.SANDBOX_POOL_SIZE > 0 and not specs.is_pool_key(key):
                claimed = await self._claim_from_pool(names)
                if claimed is not None:
                    await report("pool")
                    return self._info(key, *claimed)
            engine_was_down = not running(engine)
            if engine_was_down:
                await self._reserve_capacity(names)
                try:
                    await report("engine")
                    if engine is None:
                        # Two independent host steps side by side: the network and the
                        # disk took 0.12 s and 0.18 s one after the other (of a 0.96 s start).
                        await asyncio.gather(call(self.networks.ensure_network, names), call(self.disks.ensure, names))
                    engine = await call(self._ensure_engine, names, engine)
                finally:
                    self._engines_starting.discard(names.engine)
            await report("workspace")
            workspace = await call(self._ensure_workspace, names, engine, workspace, engine_was_down)
            return self._info(key, engine, workspace)

    async def _reserve_capacity(self, names: specs.Names):
        """Count this engine against SANDBOX_MAX_RUNNING before it exists.

        Only the count is under the lock: creating a sandbox takes seconds on a
        busy host, and a class arriving at once waited for every start before
        its own (bench/class_at_once.py). The caller discards the reservation.
        """
        async with self._capacity_lock:
            # One list call (bench/density.py: inspecting each made a start 0.84 s at
            # 100 sandboxes, 1.27 s at 200).
            counted = await self.engine.call(running_engine_names, self.client.api)
            counted |= self._engines_starting
            if len(counted - {names.engine}) >= settings.SANDBOX_MAX_RUNNING:
                raise ClassroomFull("The classroom is full right now. Please try again shortly.")
            self._engines_starting.add(names.engine)

    def _ensure_engine(self, names: specs.Names, engine):
        """The engine container running; a new one after its network and disk exist."""
        self.networks.ensure_host_firewall()  # also after a reboot of the host, before any sandbox runs
        if engine is None:
            try:
                engine = self.client.containers.run(**specs.engine_options(names))
                engine.reload()
                return engine
            except APIError as exc:
                if exc.status_code != 409:  # 409: created meanwhile by another process
                    raise
                engine = self.client.containers.get(names.engine)
        for disk_key in self.disks.keys_of(engine):
            self.disks.prepare(disk_key)  # mounted again after a reboot of the host, before dockerd writes
        engine.start()
        engine.reload()
        return engine

    def _ensure_workspace(self, names: specs.Names, engine, workspace, engine_restarted: bool):
        if workspace is not None and not joined(workspace, engine):
            # It shares the network namespace of an engine that is gone.
            workspace.remove(force=True)
            workspace = None
        elif running(workspace) and engine_restarted:
            # A restarted engine has a new network namespace; rejoin it.
            workspace.stop(timeout=1)
            workspace.reload()
        if workspace is None:
            try:
                workspace = self.client.containers.run(**specs.workspace_options(names, engine.id))
                workspace.reload()
                return workspace
            except APIError as exc:
                if exc.status_code != 409:
                    raise
                workspace = self.client.containers.get(names.workspace)
        if not running(workspace):
            workspace.start()
            workspace.reload()
        return workspace

    async def fill_pool(self) -> int:
        return await self.pool.fill()

    async def _claim_from_pool(self, names: specs.Names):
        """This student's names on a waiting pool sandbox; None if none waits."""
        # Not under the capacity lock: a claim changes no count (the engine runs already).
        claimed = await self.engine.call(self.pool.claim, names)
        if claimed is not None:
            self.pool.refill_soon()
        return claimed

    async def stop(self, key: str) -> None:
        names = specs.Names(key)
        self.round_runners.close(key)
        await self.warm_shells.discard(key)
        async with self._locks[key]:
            for name in (names.workspace, names.engine):
                container = await self.engine.call(self.engine.get, name)
                if container is not None and running(container):
                    await self.engine.call(container.stop, timeout=12)  # nested dockerd gives its containers 10 s

    async def remove(self, key: str) -> None:
        names = specs.Names(key)
        self.round_runners.close(key)
        await self.warm_shells.discard(key)
        async with self._locks[key]:
            await self.engine.call(self._remove_sync, names)
        self._disk_keys_by_sandbox.pop(key, None)
        self._languages.pop(key, None)

    def _remove_sync(self, names: specs.Names):
        # A sandbox claimed from the pool kept its volumes' and network's pool names.
        volumes = {names.volume(purpose) for purpose in ("docker", "run", "home")}
        networks = {names.network}
        disk_keys = {names.key} if disks.enabled() else set()
        for name in (names.workspace, names.engine):
            container = self.engine.get(name)
            if container is None:
                continue
            volumes |= {m["Name"] for m in container.attrs.get("Mounts", []) if m.get("Type") == "volume"}
            networks |= set(container.attrs["NetworkSettings"].get("Networks") or {}) - {"none", "host", "bridge"}
            disk_keys |= self.disks.keys_of(container)
            container.remove(force=True, v=True)
        # The course's layers are every sandbox's, never one sandbox's to remove.
        for volume in volumes - {specs.course_layers_volume()}:
            try:
                self.client.volumes.get(volume).remove(force=True)
            except docker.errors.NotFound:
                pass
        for disk_key in disk_keys:
            self.disks.remove(disk_key)
        for network in networks:
            try:
                self.client.networks.get(network).remove()
            except docker.errors.NotFound:
                pass

    async def poll(self, key: str) -> SandboxInfo:
        names = specs.Names(key)
        engine = await self.engine.call(self.engine.get, names.engine)
        workspace = await self.engine.call(self.engine.get, names.workspace)
        return self._info(key, engine, workspace)

    async def list(self) -> list[SandboxInfo]:
        """Every sandbox, from one list call: inspecting each container took the
        host engine one call per container, and the pool lists on every refill.
        Its state holds the ids only (StartedAt is the inspect's)."""
        found = await self.engine.call(sandbox_summaries, self.client.api)
        infos = []
        for key, roles in sorted(found.items()):
            engine, workspace = roles.get("engine"), roles.get("workspace")
            status = RUNNING if summary_running(engine) and summary_running(workspace) else STOPPED
            state = {
                "engine_id": engine["Id"] if engine is not None else None,
                "workspace_id": workspace["Id"] if workspace is not None else None,
            }
            infos.append(SandboxInfo(key=key, status=status, state=state))
        return infos

    @staticmethod
    def _info(key: str, engine, workspace) -> SandboxInfo:
        if engine is None and workspace is None:
            status = MISSING
        elif running(engine) and running(workspace):
            status = RUNNING
        else:
            status = STOPPED
        state = {
            "engine_id": engine.id if engine is not None else None,
            "workspace_id": workspace.id if workspace is not None else None,
            "started_at": engine.attrs["State"].get("StartedAt") if engine is not None else None,
        }
        return SandboxInfo(key=key, status=status, state=state)

    async def ping(self) -> None:
        await self.engine.call(lambda: self.client.ping())

    async def memory_usage(self) -> dict[str, int]:
        """What the kernel charges each sandbox's two containers (page cache included)."""
        found = await self.engine.call(sandbox_summaries, self.client.api, running_only=True)
        containers = [(key, summary["Id"]) for key, roles in found.items() for summary in roles.values()]

        def usage(container_id: str) -> int:
            stats = self.engine.api.stats(container_id, stream=False, one_shot=True)
            return int((stats.get("memory_stats") or {}).get("usage") or 0)

        totals: dict[str, int] = defaultdict(int)
        readings = await asyncio.gather(*(self.engine.call(usage, c) for _, c in containers), return_exceptions=True)
        for (key, _), reading in zip(containers, readings, strict=True):
            if isinstance(reading, int):
                totals[key] += reading
        return dict(totals)

    # -- each sandbox's disk (disks.py) ---------------------------------------

    async def disk_status(self, key: str) -> tuple[int, int] | None:
        if not disks.enabled():
            return None
        if key not in self._disk_keys_by_sandbox:
            engine = await self.engine.call(self.engine.get, specs.Names(key).engine)
            keys = await self.engine.call(self.disks.keys_of, engine) if engine is not None else set()
            self._disk_keys_by_sandbox[key] = next(iter(sorted(keys)), None)
        disk_key = self._disk_keys_by_sandbox[key]
        if disk_key is None:
            return None
        return await asyncio.to_thread(disks.statvfs, disks.mount_point(disk_key))

    async def disk_usage(self) -> dict[str, tuple[int, int]]:
        """Bytes used and in all of every sandbox disk on the host, by disk key."""
        if not disks.enabled():
            return {}
        return await self.engine.call(self.disks.usage)

    # -- inside the sandbox -------------------------------------------------

    async def set_language(self, key: str, language: str) -> None:
        """Nothing when this process wrote the same language for the sandbox's shell
        (open_terminal does, in its own exec); else one small exec."""
        if self._languages.get(key, ("", ""))[1] == language:
            return
        workspace = await self._running_workspace(key)
        await self.engine.call(
            lambda: run_bounded(
                self.engine.api,
                workspace.id,
                ["sh", "-c", terminals.write_language(language)],
                environment={},
                max_bytes=1024,
                timeout=10,
            )
        )
        self._languages[key] = (workspace.id, language)

    async def exec(self, key: str, command: list[str], timeout: float = 60) -> ExecResult:
        result = await self._exec_bounded(key, command, timeout)
        exit_code = result.exit_code if result.exit_code is not None else -1
        return ExecResult(exit_code=exit_code, output=result.combined.decode("utf-8", "replace"))

    async def exec_each(self, key: str, scripts: list[str], timeout_each: float = 15) -> list[ExecResult]:
        """One round for them all (rounds.py), on the sandbox's round runner
        (round_runner.py), or as one exec when the runner fails: a round of lesson
        checks costs the host's engine no exec, or one, instead of one per step."""
        if not scripts:
            return []
        try:
            return await self.round_runners.run(
                key, lambda: self._running_workspace_id(key), scripts, timeout_each, EXEC_OUTPUT_LIMIT
            )
        except RunnerFailed as exc:
            log.debug("round in %s as an exec of its own: %s", key, exc)
        command, boundary = rounds.round_command(scripts, timeout_each)
        result = await self._exec_bounded(key, command, timeout_each * len(scripts) + 5)
        return rounds.round_results(result.combined, boundary, len(scripts))

    async def _exec_bounded(self, key: str, command: list[str], timeout: float):
        workspace = await self._running_workspace(key)
        # `timeout` ends the command inside; the deadline here holds even if the student replaced it.
        bounded = ["timeout", "-s", "KILL", str(int(max(1, timeout))), *command]
        return await self.engine.call(
            lambda: run_bounded(
                self.engine.api,
                workspace.id,
                bounded,
                environment=terminals.TERMINAL_ENV,
                max_bytes=EXEC_OUTPUT_LIMIT,
                timeout=timeout + 5,
            )
        )

    async def wait_engine_ready(self, key: str, timeout: float) -> bool:
        # An engine seen ready stays up until its container restarts.
        call, get = self.engine.call, self.engine.get
        engine = await call(get, specs.Names(key).engine)
        if not running(engine):
            return False
        started = engine.attrs["State"].get("StartedAt", "")
        run = (engine.id, started)
        if self.engines_seen_ready.get(key) == run:
            return True
        # This run's lines are those after the last run ended. Not "since StartedAt":
        # dockerd records that after the process starts, and a lazy engine says
        # `ready` within milliseconds, before it on a busy host (seen: 67 ms
        # earlier, and the page never heard engine-ready).
        finished = timestamp(engine.attrs["State"].get("FinishedAt", ""))
        since = finished if 0 < finished < timestamp(started) else None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        polls = 0
        while True:
            log_tail = await call(engine.logs, stdout=True, stderr=True, since=since)
            if ENGINE_READY_LINE in log_tail.splitlines():  # a whole line: refusals quote the student
                self.engines_seen_ready[key] = run
                return True
            polls += 1
            if loop.time() >= deadline:
                return False
            if polls % 20 == 0:  # an engine that gave up says so only by stopping
                engine = await call(get, specs.Names(key).engine)
                if not running(engine) or engine.attrs["State"].get("StartedAt") != started:
                    return False
            await asyncio.sleep(ENGINE_READY_POLL)

    async def published_ports(self, key: str) -> list[PublishedPort]:
        # The student's own engine answers; its output is data from the student, parsed strictly.
        result = await self.exec(key, ["docker", "ps", "--format", "{{.Names}}\t{{.Ports}}"], timeout=10)
        if result.exit_code != 0:
            return []
        return terminals.parse_published_ports(result.output)

    async def address(self, key: str) -> str | None:
        engine = await self.engine.call(self.engine.get, specs.Names(key).engine)
        if not running(engine):
            return None
        networks = engine.attrs["NetworkSettings"]["Networks"] or {}
        return next((n.get("IPAddress") for n in networks.values() if n.get("IPAddress")), None)

    async def _running_workspace_id(self, key: str) -> str:
        return (await self._running_workspace(key)).id

    async def _running_workspace(self, key: str):
        workspace = await self.engine.call(self.engine.get, specs.Names(key).workspace)
        if not running(workspace):
            raise SandboxError("This sandbox is not running.", code="not-running")
        return workspace

    async def open_terminal(self, key: str, *, cols: int = 80, rows: int = 24, language: str = "") -> TerminalStream:
        warm = await self.warm_shells.take(key)
        if warm is not None:  # attached when the pool filled; the page's language follows (set_language)
            self._languages[key] = (warm.workspace_id, warm.language)
            if (cols, rows) != warm.size:
                await warm.shell.resize(cols, rows)
            return warm.shell
        workspace = await self._running_workspace(key)
        if self._languages.get(key, ("", ""))[0] != workspace.id:
            self._languages.pop(key, None)  # a new workspace (reset, or started elsewhere) knows no language yet
        stream = await terminals.open_shell(
            self.engine, workspace, cols, rows, settings.TERMINAL_REPLAY_BYTES, language=language
        )
        if language:
            self._languages[key] = (workspace.id, language)
        return stream

    async def attach_ahead(self, key: str) -> None:
        """Attach a pool sandbox's shell now, for the student who claims it (warm_shells),
        writing the site's language for the engine's guard on the way."""
        workspace = await self._running_workspace(key)
        cols, rows, language = 80, 24, settings.LANGUAGE_CODE
        shell = await terminals.open_held_shell(
            self.engine, workspace, cols, rows, settings.TERMINAL_REPLAY_BYTES, language=language
        )
        self.warm_shells.keep(key, WarmShell(shell, workspace.id, cols, rows, language))

    async def watch_published_ports(self, key: str):
        workspace = await self._running_workspace(key)
        stream = await terminals.open_stream(self.engine, workspace, terminals.WATCH_PORTS)
        try:
            async for ports in terminals.port_listings(stream):
                yield ports
        finally:
            await stream.close()

    # -- the file editor (files.py) -----------------------------------------

    async def _files_workspace(self, key: str):
        workspace = await self.engine.call(self.engine.get, specs.Names(key).workspace)
        if not running(workspace):
            raise FileProblem("not-running")
        return workspace

    async def list_dir(self, key: str, path: str, limit: int = 1000) -> list[FileEntry]:
        workspace = await self._files_workspace(key)
        return await self.engine.call(files.list_dir, workspace, path, limit)

    async def read_file(self, key: str, path: str, max_bytes: int) -> bytes:
        workspace = await self._files_workspace(key)
        return await self.engine.call(files.read_file, workspace, path, max_bytes)

    async def write_file(self, key: str, path: str, data: bytes, expected: str | None = None) -> bool:
        workspace = await self._files_workspace(key)
        return await self.engine.call(files.write_file, workspace, path, data, expected)


def _retrieve_error(task: asyncio.Task) -> None:
    """Marks a start's failure as seen: its caller, if still there, got it."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("a sandbox start failed: %s", task.exception())
