"""Sandboxes as two Docker containers per student (see docker_specs.py and
docs/sandbox-security.md). Only this module and docker_specs.py import the
Docker SDK; every SDK call runs in a thread, never on the event loop.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import functools
import logging
import os
import re
import shlex
import socket
import uuid
from collections import defaultdict

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from django.conf import settings

from sandbox.backends import docker_disks, docker_files, docker_firewall
from sandbox.backends.docker_exec import run_bounded
from sandbox.backends import docker_specs as specs
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

log = logging.getLogger(__name__)

NO_ENGINE = (
    "No Docker engine is reachable. Start one (for example `sudo dockerd &` or "
    "`sudo systemctl start docker`) or point DOCKER_HOST at it."
)
NO_IMAGES = "The sandbox images are not built yet: run `python manage.py build_images`."
# A login shell, as a terminal would start it; sandbox.shells keeps it open.
SHELL = "exec bash -l"
# `die` can arrive while `docker ps` still lists the container; `destroy` and
# `stop` follow once it is really gone, so the port list catches up.
CONTAINER_EVENTS = (
    "docker events --filter type=container --filter event=start --filter event=die "
    "--filter event=stop --filter event=destroy --filter event=pause --filter event=unpause "
    "--format '{{.Status}}'"
)
# One exec per sandbox lists the published ports, then lists them again after
# each event; each listing ends with an empty line. Events since just before
# the first listing are replayed (--since), so none falls between the two.
WATCH_PORTS = (
    "since=$(date +%s); "
    "ports() { docker ps --format '{{.Names}}\t{{.Ports}}' 2>/dev/null; echo; }; "
    f"ports; {CONTAINER_EVENTS} --since \"$since\" 2>/dev/null | while read -r _; do ports; done"
)
# Closing the exec's connection does not end the process inside (its tty stays
# open in the engine), so each stream notes its process's pid to hang it up.
CLIENTS_DIR = "/tmp/.dockyard-clients"
RECORD_PID = f"mkdir -p {CLIENTS_DIR} && echo $$ > {CLIENTS_DIR}/{{token}}; "
HANG_UP = f"kill -HUP $(cat {CLIENTS_DIR}/{{token}}) 2>/dev/null; rm -f {CLIENTS_DIR}/{{token}}"
TERMINAL_ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
# The engine's entrypoint says this once its socket answers and the seed images
# are loaded (sandbox/images/engine/entrypoint.sh). Reading the engine's log is
# one API call; asking the engine itself would take an exec (runc, ~40 ms of
# CPU), which a class opening its terminals at once cannot afford.
ENGINE_READY_LINE = b"dockyard-engine: ready"
ENGINE_READY_POLL = 0.1
# What the app keeps of a command's output in the sandbox (checks, port lists):
# the student chooses that output, and may make it endless.
EXEC_OUTPUT_LIMIT = 1 << 20
# A port listing longer than this is not the real `docker ps` (a few lines per container).
PORT_LISTING_LIMIT = 64 * 1024


class DockerBackend(SandboxBackend):
    def __init__(self, client: docker.DockerClient | None = None):
        self._client = client
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._capacity_lock = asyncio.Lock()
        self._firewall_ready = False
        self._disk_helper = None
        self._disk_keys_by_sandbox: dict[str, str | None] = {}
        self._languages: dict[tuple, str] = {}  # (key, workspace id) -> language written
        self._engines_seen_ready: dict[str, tuple] = {}
        self._pool_lock = asyncio.Lock()
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.SANDBOX_IO_THREADS, thread_name_prefix="docker-sdk"
        )

    # -- plumbing -----------------------------------------------------------

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            try:
                self._client = docker.from_env(timeout=120, max_pool_size=settings.SANDBOX_IO_THREADS)
                self._client.ping()
            except DockerException as exc:
                self._client = None
                raise SandboxError(NO_ENGINE) from exc
        return self._client

    async def _in_thread(self, fn, *args, **kwargs):
        """Blocking SDK calls run in the backend's own threads: asyncio's default
        pool has cpu+4 threads, too few when a class opens its terminals at once."""
        call = functools.partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def _call(self, fn, *args, **kwargs):
        """Run a blocking SDK call in a thread, turning engine trouble into SandboxError."""
        try:
            return await self._in_thread(fn, *args, **kwargs)
        except ImageNotFound as exc:
            raise SandboxError(NO_IMAGES) from exc
        except (APIError, NotFound):
            raise
        except DockerException as exc:
            raise SandboxError(NO_ENGINE) from exc

    def _get(self, name: str):
        try:
            return self.client.containers.get(name)
        except NotFound:
            return None

    # -- lifecycle ----------------------------------------------------------

    async def start(self, key: str, progress: ProgressCallback | None = None) -> SandboxInfo:
        async def report(step: str):
            if progress is not None:
                await progress(step)

        names = specs.Names(key)
        async with self._locks[key]:
            engine = await self._call(self._get, names.engine)
            workspace = await self._call(self._get, names.workspace)
            if _running(engine) and _running(workspace) and _joined(workspace, engine):
                return self._info(key, engine, workspace)
            if engine is None and workspace is None and settings.SANDBOX_POOL_SIZE > 0:
                claimed = await self._claim_from_pool(names)
                if claimed is not None:
                    await report("pool")
                    return self._info(key, *claimed)
            engine_was_down = not _running(engine)
            if engine_was_down:
                async with self._capacity_lock:
                    await self._check_capacity()
                    await report("engine")
                    engine = await self._call(self._ensure_engine, names, engine)
            await report("workspace")
            workspace = await self._call(
                self._ensure_workspace, names, engine, workspace, engine_was_down
            )
            return self._info(key, engine, workspace)

    async def _check_capacity(self):
        running = await self._call(
            lambda: self.client.containers.list(
                filters={"label": f"{specs.ROLE_LABEL}=engine", "status": "running"}, ignore_removed=True
            )
        )
        if len(running) >= settings.SANDBOX_MAX_RUNNING:
            raise ClassroomFull("The classroom is full right now. Please try again shortly.")

    def _ensure_engine(self, names: specs.Names, engine):
        self._ensure_host_firewall()  # also after a reboot of the host, before any sandbox runs
        if engine is None:
            self._ensure_network(names)
            self._ensure_disk(names)
            try:
                engine = self.client.containers.run(**specs.engine_options(names))
                engine.reload()
                return engine
            except APIError as exc:
                if exc.status_code != 409:  # 409: created meanwhile by another process
                    raise
                engine = self.client.containers.get(names.engine)
        for disk_key in self._disk_keys(engine):
            self._prepare_disk(disk_key)  # mounted again after a reboot of the host, before dockerd writes
        engine.start()
        engine.reload()
        return engine

    def _ensure_network(self, names: specs.Names):
        self._ensure_host_firewall()
        try:
            self.client.networks.get(names.network)
            return
        except NotFound:
            pass
        taken = {
            config.get("Subnet")
            for network in self.client.networks.list()
            for config in (network.attrs.get("IPAM") or {}).get("Config") or []
        }
        for subnet in specs.sandbox_subnets():
            if str(subnet) in taken:
                continue
            try:
                self.client.networks.create(**specs.network_options(names, subnet))
                return
            except APIError as exc:
                if exc.status_code == 409 or "already exists" in str(exc):
                    return  # created meanwhile by another process
                if "overlap" not in str(exc):
                    raise
                # Taken meanwhile, or by a network outside Dockyard: try the next one.
        raise SandboxError("No free network for a new sandbox: widen SANDBOX_SUBNET_POOL.")

    def _ensure_host_firewall(self):
        """Once per process: what sandboxes may reach (docker_firewall). No sandbox starts without it."""
        if self._firewall_ready:
            return
        try:
            output = self.client.containers.run(**docker_firewall.container_options())
        except DockerException as exc:
            log.error("could not set the host firewall for sandboxes: %s", exc)
            raise SandboxError(
                "The classroom's network rules could not be set on the Docker host, so no sandbox is started. "
                "The server's log says why."
            ) from exc
        log.info("%s", output.decode(errors="replace").strip())
        self._firewall_ready = True

    # -- each sandbox's disk (docker_disks) -----------------------------------------

    def _ensure_disk(self, names: specs.Names):
        """The sandbox's own disk, mounted, and its home and docker volumes made of it."""
        if not docker_disks.enabled():
            return
        self._prepare_disk(names.key)
        for folder in ("home", "docker"):
            try:
                self.client.volumes.get(names.volume(folder))
            except NotFound:
                self.client.volumes.create(
                    name=names.volume(folder), driver="local",
                    driver_opts=docker_disks.volume_options(names.key, folder),
                    labels=specs.labels(names.key, "volume"),
                )

    def _prepare_disk(self, key: str):
        self._run_in_disk_helper(docker_disks.prepare_command(key))

    def _disk_keys(self, container) -> set[str]:
        """The keys of the disks a container's volumes live on (a pool sandbox keeps its pool key)."""
        keys = set()
        for mount in container.attrs.get("Mounts", []):
            if mount.get("Type") != "volume":
                continue
            try:
                options = self.client.volumes.get(mount["Name"]).attrs.get("Options") or {}
            except NotFound:
                continue
            key = docker_disks.key_of_device(options.get("device") or "")
            if key is not None:
                keys.add(key)
        return keys

    def _run_in_disk_helper(self, command: list[str]) -> str:
        helper = self._disk_helper
        if helper is None or helper.status != "running":
            helper = self._disk_helper = self._start_disk_helper()
        result = run_bounded(self.client.api, helper.id, command, environment={},
                             max_bytes=EXEC_OUTPUT_LIMIT, timeout=120)
        if result.exit_code != 0:
            detail = result.combined.decode(errors="replace").strip()[-500:]
            log.error("disk helper failed (%s): %s", docker_disks.describe(command), detail)
            raise SandboxError("The sandbox's disk could not be prepared on the Docker host. The server's log says why.")
        return result.stdout.decode(errors="replace")

    def _start_disk_helper(self):
        options = docker_disks.helper_options()
        try:
            helper = self.client.containers.get(options["name"])
            if helper.status != "running":
                helper.start()
        except NotFound:
            try:
                helper = self.client.containers.run(**options)
            except APIError as exc:
                if exc.status_code != 409:  # 409: started meanwhile by another process
                    raise
                helper = self.client.containers.get(options["name"])
        helper.reload()
        return helper

    async def set_language(self, key: str, language: str) -> None:
        """One small exec, only when the language changed for this workspace."""
        workspace = await self._running_workspace(key)
        if self._languages.get((key, workspace.id)) == language:
            return
        script = f'printf %s "$1" > {specs.SOCKET_DIR}/language'
        await self._call(lambda: run_bounded(self.client.api, workspace.id, ["sh", "-c", script, "sh", language],
                                             environment={}, max_bytes=1024, timeout=10))
        self._languages[(key, workspace.id)] = language

    async def disk_status(self, key: str) -> tuple[int, int] | None:
        if not docker_disks.enabled():
            return None
        if key not in self._disk_keys_by_sandbox:
            engine = await self._call(self._get, specs.Names(key).engine)
            keys = await self._call(self._disk_keys, engine) if engine is not None else set()
            self._disk_keys_by_sandbox[key] = next(iter(sorted(keys)), None)
        disk_key = self._disk_keys_by_sandbox[key]
        if disk_key is None:
            return None
        return await asyncio.to_thread(_statvfs, docker_disks.mount_point(disk_key))

    async def disk_usage(self) -> dict[str, tuple[int, int]]:
        """Bytes used and in all of every sandbox disk on the host, by disk key."""
        if not docker_disks.enabled():
            return {}
        output = await self._call(self._run_in_disk_helper, docker_disks.usage_command())
        return docker_disks.parse_usage(output)

    def _ensure_workspace(self, names: specs.Names, engine, workspace, engine_restarted: bool):
        if workspace is not None and not _joined(workspace, engine):
            # It shares the network namespace of an engine that is gone.
            workspace.remove(force=True)
            workspace = None
        elif _running(workspace) and engine_restarted:
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
        if not _running(workspace):
            workspace.start()
            workspace.reload()
        return workspace

    # -- the pool of pre-started sandboxes ---------------------------------------

    async def fill_pool(self) -> int:
        """Start sandboxes until SANDBOX_POOL_SIZE wait unclaimed; returns how many wait."""
        if settings.SANDBOX_POOL_SIZE <= 0:
            return 0
        async with self._pool_lock:
            waiting = [info for info in await self.list() if specs.is_pool_key(info.key)]
            for info in waiting:
                if info.status != RUNNING:
                    await self.remove(info.key)
            ready = [info.key for info in waiting if info.status == RUNNING]
            while len(ready) < settings.SANDBOX_POOL_SIZE:
                key = specs.new_pool_key()
                try:
                    await self.start(key)
                except ClassroomFull:
                    break
                # Warm: the claiming student finds its engine answering.
                await self.wait_engine_ready(key, 60)
                ready.append(key)
            return len(ready)

    async def _claim_from_pool(self, names: specs.Names):
        """Rename a waiting pool sandbox to this student's names; None if none waits."""
        async with self._capacity_lock:
            claimed = await self._call(self._claim_sync, names)
        if claimed is not None:
            asyncio.get_running_loop().create_task(self._refill())
        return claimed

    def _claim_sync(self, names: specs.Names):
        engines = self.client.containers.list(
            filters={"label": f"{specs.ROLE_LABEL}=engine", "status": "running"}, ignore_removed=True
        )
        for engine in engines:
            pool_key = specs.key_from_name(engine.name, "engine")
            if pool_key is None or not specs.is_pool_key(pool_key):
                continue
            workspace = self._get(specs.Names(pool_key).workspace)
            if not (_running(workspace) and _joined(workspace, engine)):
                continue
            try:
                engine.rename(names.engine)
            except APIError:
                continue  # claimed meanwhile by another process
            workspace.rename(names.workspace)
            engine.reload()
            workspace.reload()
            seen = self._engines_seen_ready.pop(pool_key, None)
            if seen is not None:
                self._engines_seen_ready[names.key] = seen
            log.info("sandbox %s claimed pool sandbox %s", names.key, pool_key)
            return engine, workspace
        return None

    async def _refill(self):
        try:
            await self.fill_pool()
        except Exception:  # the pool is an optimisation: a failed refill must not hurt anyone
            log.exception("refilling the sandbox pool failed")

    async def stop(self, key: str) -> None:
        names = specs.Names(key)
        async with self._locks[key]:
            for name in (names.workspace, names.engine):
                container = await self._call(self._get, name)
                if container is not None and _running(container):
                    await self._call(container.stop, timeout=12)  # nested dockerd gives its containers 10 s

    async def remove(self, key: str) -> None:
        names = specs.Names(key)
        async with self._locks[key]:
            await self._call(self._remove_sync, names)

    def _remove_sync(self, names: specs.Names):
        # A sandbox claimed from the pool kept its volumes' and network's pool names.
        volumes = {names.volume(purpose) for purpose in ("docker", "run", "home")}
        networks = {names.network}
        disks = {names.key} if docker_disks.enabled() else set()
        for name in (names.workspace, names.engine):
            container = self._get(name)
            if container is None:
                continue
            volumes |= {m["Name"] for m in container.attrs.get("Mounts", []) if m.get("Type") == "volume"}
            networks |= set(container.attrs["NetworkSettings"].get("Networks") or {}) - {"none", "host", "bridge"}
            disks |= self._disk_keys(container)
            container.remove(force=True, v=True)
        for volume in volumes:
            try:
                self.client.volumes.get(volume).remove(force=True)
            except NotFound:
                pass
        for disk_key in disks:
            self._run_in_disk_helper(docker_disks.remove_command(disk_key))
        for network in networks:
            try:
                self.client.networks.get(network).remove()
            except NotFound:
                pass

    async def poll(self, key: str) -> SandboxInfo:
        names = specs.Names(key)
        engine = await self._call(self._get, names.engine)
        workspace = await self._call(self._get, names.workspace)
        return self._info(key, engine, workspace)

    async def list(self) -> list[SandboxInfo]:
        containers = await self._call(
            # ignore_removed: a container removed between listing and inspecting is skipped
            lambda: self.client.containers.list(all=True, filters={"label": specs.LABEL}, ignore_removed=True)
        )
        by_key: dict[str, dict] = defaultdict(dict)
        for container in containers:
            role = container.labels.get(specs.ROLE_LABEL)
            key = specs.key_from_name(container.name, role)
            if key is not None:
                by_key[key][role] = container
        return [
            self._info(key, roles.get("engine"), roles.get("workspace"))
            for key, roles in sorted(by_key.items())
        ]

    @staticmethod
    def _info(key: str, engine, workspace) -> SandboxInfo:
        if engine is None and workspace is None:
            status = MISSING
        elif _running(engine) and _running(workspace):
            status = RUNNING
        else:
            status = STOPPED
        state = {
            "engine_id": engine.id if engine is not None else None,
            "workspace_id": workspace.id if workspace is not None else None,
            "started_at": engine.attrs["State"].get("StartedAt") if engine is not None else None,
        }
        return SandboxInfo(key=key, status=status, state=state)

    # -- inside the sandbox -------------------------------------------------

    async def exec(self, key: str, command: list[str], timeout: float = 60) -> ExecResult:
        workspace = await self._running_workspace(key)
        # `timeout` ends the command inside; the deadline here holds even if the student replaced it.
        bounded = ["timeout", "-s", "KILL", str(int(max(1, timeout))), *command]
        result = await self._call(
            lambda: run_bounded(self.client.api, workspace.id, bounded, environment=TERMINAL_ENV,
                                max_bytes=EXEC_OUTPUT_LIMIT, timeout=timeout + 5)
        )
        exit_code = result.exit_code if result.exit_code is not None else -1
        return ExecResult(exit_code=exit_code, output=result.combined.decode("utf-8", "replace"))

    async def wait_engine_ready(self, key: str, timeout: float) -> bool:
        # An engine seen ready stays up until its container restarts.
        engine = await self._call(self._get, specs.Names(key).engine)
        if not _running(engine):
            return False
        started = engine.attrs["State"].get("StartedAt", "")
        run = (engine.id, started)
        if self._engines_seen_ready.get(key) == run:
            return True
        since = _timestamp(started)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        polls = 0
        while True:
            log_tail = await self._call(engine.logs, stdout=True, stderr=True, since=since if since > 0 else None)
            if ENGINE_READY_LINE in log_tail.splitlines():  # a whole line: refusals quote the student
                self._engines_seen_ready[key] = run
                return True
            polls += 1
            if loop.time() >= deadline:
                return False
            if polls % 20 == 0:  # an engine that gave up says so only by stopping
                engine = await self._call(self._get, specs.Names(key).engine)
                if not _running(engine) or engine.attrs["State"].get("StartedAt") != started:
                    return False
            await asyncio.sleep(ENGINE_READY_POLL)

    async def published_ports(self, key: str) -> list[PublishedPort]:
        # The student's own engine answers; its output is data from the student, parsed strictly.
        result = await self.exec(key, ["docker", "ps", "--format", "{{.Names}}\t{{.Ports}}"], timeout=10)
        if result.exit_code != 0:
            return []
        return parse_published_ports(result.output)

    async def address(self, key: str) -> str | None:
        engine = await self._call(self._get, specs.Names(key).engine)
        if not _running(engine):
            return None
        networks = engine.attrs["NetworkSettings"]["Networks"] or {}
        return next((n.get("IPAddress") for n in networks.values() if n.get("IPAddress")), None)

    async def _running_workspace(self, key: str):
        workspace = await self._call(self._get, specs.Names(key).workspace)
        if not _running(workspace):
            raise SandboxError("This sandbox is not running.")
        return workspace

    async def open_terminal(self, key: str, *, cols: int = 80, rows: int = 24) -> TerminalStream:
        terminal = await self._open_stream(key, SHELL)
        await terminal.resize(cols, rows)
        return terminal

    async def watch_published_ports(self, key: str):
        stream = await self._open_stream(key, WATCH_PORTS)
        listing: list[str] = []
        size = 0
        pending = b""
        try:
            while data := await stream.read(65536):
                *lines, pending = (pending + data).replace(b"\r\n", b"\n").split(b"\n")
                if len(pending) > PORT_LISTING_LIMIT:
                    pending = b""  # a line no `docker ps` prints: dropped, never kept
                for line in lines:
                    if line:
                        size += len(line)
                        if size <= PORT_LISTING_LIMIT:
                            listing.append(line.decode("utf-8", "replace"))
                    else:
                        yield parse_published_ports("\n".join(listing))
                        listing, size = [], 0
        finally:
            await stream.close()

    async def _open_stream(self, key: str, script: str) -> "DockerTerminal":
        workspace = await self._running_workspace(key)
        token = uuid.uuid4().hex
        command = ["sh", "-c", RECORD_PID.format(token=token) + script]
        exec_id, sock = await self._call(self._open_exec, workspace.id, command)
        return DockerTerminal(self, workspace, token, exec_id, sock)

    def _open_exec(self, container_id: str, command: list[str]):
        api = self.client.api
        exec_id = api.exec_create(
            container_id, command, stdin=True, tty=True, environment=TERMINAL_ENV
        )["Id"]
        response = api.exec_start(exec_id, tty=True, socket=True)
        sock = getattr(response, "_sock", response)
        sock.setblocking(False)
        return exec_id, sock

    # -- the file editor (see docker_files.py) ------------------------------

    async def _files_workspace(self, key: str):
        workspace = await self._call(self._get, specs.Names(key).workspace)
        if not _running(workspace):
            raise FileProblem("not-running")
        return workspace

    async def list_dir(self, key: str, path: str, limit: int = 1000) -> list[FileEntry]:
        workspace = await self._files_workspace(key)
        return await self._call(docker_files.list_dir, workspace, path, limit)

    async def read_file(self, key: str, path: str, max_bytes: int) -> bytes:
        workspace = await self._files_workspace(key)
        return await self._call(docker_files.read_file, workspace, path, max_bytes)

    async def write_file(self, key: str, path: str, data: bytes, expected: str | None = None) -> bool:
        workspace = await self._files_workspace(key)
        return await self._call(docker_files.write_file, workspace, path, data, expected)


class DockerTerminal(TerminalStream):
    """The hijacked HTTP connection of a `docker exec -it`, read without blocking."""

    def __init__(self, backend: DockerBackend, workspace, token: str, exec_id: str, sock: socket.socket):
        self._backend = backend
        self._workspace = workspace
        self._token = token
        self._exec_id = exec_id
        self._sock = sock
        self._closed = False

    async def read(self, max_bytes: int) -> bytes:
        if self._closed:
            return b""
        try:
            return await asyncio.get_running_loop().sock_recv(self._sock, max_bytes)
        except OSError:
            return b""

    async def write(self, data: bytes) -> None:
        if not self._closed:
            await asyncio.get_running_loop().sock_sendall(self._sock, data)

    async def resize(self, cols: int, rows: int) -> None:
        try:
            await self._backend._in_thread(
                self._backend.client.api.exec_resize, self._exec_id, height=rows, width=cols
            )
        except (APIError, DockerException) as exc:
            log.debug("resize of exec %s failed: %s", self._exec_id[:12], exc)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        try:
            await self._backend._in_thread(
                self._workspace.exec_run, ["sh", "-c", HANG_UP.format(token=shlex.quote(self._token))]
            )
        except DockerException as exc:  # the sandbox may be gone already
            log.debug("could not hang up terminal %s: %s", self._token, exc)


PORT_MAPPING = re.compile(r"^(?:0\.0\.0\.0|\[?::\]?):(\d{1,5})->(\d{1,5})/tcp$")


def parse_published_ports(listing: str) -> list[PublishedPort]:
    """Lines of `NAME<TAB>0.0.0.0:8080->80/tcp, :::8080->80/tcp` into ports, deduplicated."""
    found: dict[int, PublishedPort] = {}
    for line in listing.splitlines():
        name, _, ports = line.partition("\t")
        for mapping in ports.split(","):
            match = PORT_MAPPING.match(mapping.strip())
            if match and 0 < int(match[1]) < 65536:
                port = int(match[1])
                found.setdefault(port, PublishedPort(port=port, container=name.strip()[:128], target=int(match[2])))
    return [found[port] for port in sorted(found)]


def _timestamp(started_at: str) -> float:
    """Docker's StartedAt (RFC 3339, nanoseconds) as seconds since the epoch, rounded
    down to the microsecond: logs of this run, none of an earlier one. 0 if unreadable."""
    try:
        return datetime.datetime.fromisoformat(started_at).timestamp()
    except ValueError:
        return 0.0


def _statvfs(path: str) -> tuple[int, int] | None:
    """Used and total bytes of a mounted disk, when this process sees the host's mounts."""
    if not os.path.ismount(path):
        return None
    stats = os.statvfs(path)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize, stats.f_blocks * stats.f_frsize


def _running(container) -> bool:
    return container is not None and container.status == "running"


def _joined(workspace, engine) -> bool:
    """Whether the workspace shares this engine's network namespace."""
    if workspace is None or engine is None:
        return False
    return workspace.attrs["HostConfig"].get("NetworkMode") == f"container:{engine.id}"
