"""A whole class at once (issue 16): N students (50; smoke: 2) arrive within
10 s, each with a sandbox of their own, and walk the first lessons in the real
app, as lessons/tests/lesson_walk.py walks one in Chromium: every runnable
block of the lesson's text in order (not the solutions'), taken from the
lesson page the server serves (GET /lessons/<slug>/ with the student's
cookie), one command at a time. Each student opens the lesson's terminal
(`/ws/terminal/?lesson=<slug>&lang=en`), types a command, waits for the shell's
prompt (the `prompt` message: the command ended, with its status) and for
that command's round of checks (the server checks every step not passed yet
after each command, the first of them alone, then the others together, and
sends their `check` messages: a student watching the badges sees them), pauses as a person would (1-5 s from
the prompt; smoke 0.2-0.5 s), and types the next.

Measured:
- check latency: from the `prompt` message that ended a command to the
  `check` message of the round it started saying a step passed, p50/p99.
  Because the student waits for each round before the next command, no
  round is running when a command ends (but for one a new shell's first
  prompt may start), and the round after a prompt is that command's: a pass
  is never attributed to a later command;
- checks that did not pass after their step's last command (waited for up
  to 120 s: a check cut off is retried with longer deadlines), and commands
  that ended with a non-zero status where the lesson expects success
  (EXPECTED_FAILURES lists the commands the text runs to show an error), or
  never ended (180 s);
- sandbox start under that load: the first terminal of each student (no
  sandbox yet), websocket opened -> `ready`, and -> `engine-ready`, p50/p99;
- host CPU (psutil, system-wide, mean of 1 s samples from the first arrival
  to the last student done; peak sample) and memory (MemAvailable before the
  first arrival against its lowest sample);
- the sandbox's own disk (SANDBOX_DISK_LIMIT: an ext4 image per sandbox, whose
  use is what the host's disk loses) at the end, per student; and right after
  its engine answered (statvfs; noisy by a few MiB while the engine settles).

Blocks left out:
- a line that opens an interactive program (`docker run -it ... sh`, `docker
  exec -it ...`, `docker attach`), the lines after it meant for that program
  and its `exit`: the browser's Run button types those once the program's
  output has been quiet; a program has no prompt marker to wait for, so they
  measure nothing here (lessons 02, 05, 07: the steps do not depend on them);
- the solutions (`.step-solution`), as lesson_walk.py.
The default lessons are the first three; install-docker, pull-and-run,
list-images, understanding-images-with-commit and customize-with-dockerfile
also ran without a failure (3 students, `--lessons`), pulling debian and
nginx from the classroom's image cache: 119 commands a student instead of 44,
and 370 MiB of disk instead of a few.

Students are users 9800 + i (sandbox keys u9800...). Their sandboxes are
removed first, so every student starts cold, as a class arriving does (under
bench/run_all.py the benchmarks before this one have used them).

    .venv/bin/python bench/class_at_once.py [--smoke] [--students N] [--lessons a,b,c]
"""

from __future__ import annotations

import asyncio
import contextlib
import html.parser
import io
import json
import os
import random
import re
import sys
import time
import urllib.request

import harness
import psutil
from clients import INTERRUPT, READLINE_READY, DockyardTerminal
from harness import FIRST_USER, LAST_USER, Result, log, mib, percentile

TITLE = "A whole class at once: lessons walked by many students"
STUDENTS = 50
SMOKE_STUDENTS = 2
ARRIVALS = 10.0  # seconds over which the students arrive
SMOKE_ARRIVALS = 1.0
LESSONS = ["what-is-docker", "first-containers", "basic-concepts"]
SMOKE_LESSONS = ["what-is-docker"]
PAUSE = (1.0, 5.0)  # a person reading between commands
SMOKE_PAUSE = (0.2, 0.5)
COMMAND_TIMEOUT = 180.0  # a `docker build` on a busy host
# After a step's last command: a check cut off at its 15 s deadline is retried
# 2 s later with 30 s, then 60 s (lessons/checks.py), 109 s in all.
CHECK_TIMEOUT = 120.0
START_TIMEOUT = 180.0
CHOSEN_STUDENTS: int | None = None  # --students
CHOSEN_LESSONS: list[str] | None = None  # --lessons
CHOSEN_POOL = 0  # --pool: sandboxes started ahead of the class (SANDBOX_POOL_SIZE)
# Commands the lesson's text runs to show an error: their non-zero status is the point.
EXPECTED_FAILURES = {
    "basic-concepts": {"docker run --rm busybox cat /note.txt"},  # the container's layer is gone
    "install-docker": {"docker run --rm -v /etc:/host-etc busybox ls /host-etc"},  # the guard refuses
}
# As static/js/terminal.js's Run: a line that opens an interactive program, unless detached.
INTERACTIVE = re.compile(
    r"\bdocker\s+(?:container\s+)?(?:run|exec|start|attach)\b.*\s-(?:[a-z]*i[a-z]*t|[a-z]*t[a-z]*i)\b"
    r"|\bdocker\s+(?:container\s+)?attach\b"
)
DETACHED = re.compile(r"\s-[a-z]*d[a-z]*\b|\s--detach\b")
EXIT = re.compile(r"^\s*exit\s*$")


# -- the lesson page: its runnable blocks, with the step each belongs to --------------


class LessonPage(html.parser.HTMLParser):
    """`.runnable` elements outside `.step-solution`, in order: (step id or "", commands);
    and the steps that have a check, in order."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str], dict]] = []
        self.blocks: list[tuple[str, list]] = []
        self.checked_steps: list[str] = []
        self.feed(text)
        self.close()

    def _step(self) -> str:
        return next((a.get("data-step") or "" for _, c, a in reversed(self.stack) if "step" in c), "")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        in_solution = any("step-solution" in c for _, c, _ in self.stack)
        if "runnable" in classes and "data-commands" in attributes and not in_solution:
            self.blocks.append((self._step(), json.loads(attributes["data-commands"])))
        if attributes.get("data-action") == "check":
            step = self._step()
            if step and step not in self.checked_steps:
                self.checked_steps.append(step)
        if tag not in self.VOID:
            self.stack.append((tag, classes if tag == "section" or tag == "details" else set(), attributes))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return


def commands_to_type(blocks: list[tuple[str, list]]) -> tuple[list[tuple[str, str, bool]], int]:
    """(step, command, last of its step) for every line typed, and how many lines were
    left out (interactive programs). Templates ({"enter": false}) end a block, as in the page."""
    typed, skipped, inside = [], 0, False
    for step, commands in blocks:
        for command in commands:
            if not isinstance(command, str):
                break  # a template: the student would complete it by hand
            if inside:
                skipped += 1
                inside = not EXIT.match(command)
                continue
            if INTERACTIVE.search(command) and not DETACHED.search(command):
                skipped += 1
                inside = True
                continue
            typed.append([step, command, False])
    for index, (step, _, _) in enumerate(typed):
        if step and (index + 1 == len(typed) or typed[index + 1][0] != step):
            typed[index][2] = True
    return [tuple(t) for t in typed], skipped


def fetch_page(url: str, cookie: str) -> str:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "Accept-Language": "en"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read().decode()


# -- a lesson page's terminal ------------------------------------------------------


class LessonTerminal(DockyardTerminal):
    """DockyardTerminal that also keeps the `prompt` and `check` messages, with the
    time each arrived; a pump task reads (and acknowledges) everything."""

    def __init__(self, ws, opened: float):
        super().__init__(ws, opened)
        self.prompts: list[tuple[float, dict, int]] = []  # (time, message, output frames before it)
        self.checks: list[tuple[float, dict]] = []
        self.frames = 0
        self.tail = b""
        self.last_output = opened
        self.closed = False
        self.changed = asyncio.Event()
        self.pump: asyncio.Task | None = None

    def start_pump(self) -> None:
        async def pump():
            while await self.recv():
                pass

        self.pump = asyncio.ensure_future(pump())

    async def _message(self) -> bytes | None:
        try:
            message = await self.ws.recv()
        except Exception:
            self.closed = True
            self.changed.set()
            return b""
        now = time.perf_counter()
        if isinstance(message, bytes):
            self._processed(len(message))
            self.frames += 1
            self.tail = (self.tail + message)[-4096:]
            self.last_output = now
            self.changed.set()
            return message
        parsed = json.loads(message)
        kind = parsed.get("type")
        if kind == "status":
            self.statuses.append((now - self.opened, parsed))
        elif kind == "prompt":
            self.prompts.append((now, parsed, self.frames))
        elif kind == "check":
            self.checks.append((now, parsed))
        self.changed.set()
        return None

    async def until(self, predicate, timeout: float, what: str):
        """Wait until predicate() is true (returns its value); TimeoutError names `what`."""
        deadline = time.perf_counter() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.closed:
                raise ConnectionError(f"closed while waiting for {what}; statuses {[m for _, m in self.statuses]}")
            failed = next((m for _, m in self.statuses if m.get("state") in ("error", "full")), None)
            if failed:
                raise ConnectionError(f"status {failed}")
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                statuses = [m for _, m in self.statuses]
                raise TimeoutError(f"no {what}; statuses {statuses}, last output {self.tail[-300:]!r}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.5))

    async def status(self, state: str, timeout: float) -> float:
        return await self.until(lambda: self.status_time(state), timeout, f"{state!r} status")

    async def quiet(self, seconds: float, limit: float = 10) -> None:
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline and time.perf_counter() - self.last_output < seconds:
            await asyncio.sleep(seconds / 4)

    async def close(self) -> None:
        await super().close()
        if self.pump is not None:
            self.pump.cancel()
            with contextlib.suppress(BaseException):
                await self.pump


# -- one student ---------------------------------------------------------------------


class Student:
    def __init__(self, index: int, cookie: str):
        self.index = index
        self.user = FIRST_USER + index
        self.key = f"u{self.user}"
        self.cookie = cookie
        self.start: dict[str, float] = {}
        self.disk_fresh: int | None = None
        self.latencies: list[float] = []
        self.latency_steps: list[tuple[str, str, str, float]] = []  # (lesson, step, command, latency)
        self.commands: list[tuple[str, str, int | str | None]] = []  # (lesson, command, status)
        self.unexpected: list[tuple[str, str, int | str | None]] = []
        self.not_passed: list[tuple[str, str]] = []
        self.passed: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.skipped = 0

    def passed_after(self, slug: str, step: str, command: str, latency: float) -> None:
        self.passed.append((slug, step))
        self.latencies.append(latency)
        self.latency_steps.append((slug, step, command, latency))


async def walk_lesson(student: Student, server, backend, slug: str, first: bool, pause: tuple[float, float]):
    page = await asyncio.to_thread(fetch_page, f"{server.url}/lessons/{slug}/", student.cookie)
    parsed = LessonPage(page)
    lines, skipped = commands_to_type(parsed.blocks)
    student.skipped += skipped
    terminal = await LessonTerminal.open(f"{server.ws_url}?lesson={slug}&lang=en", student.cookie)
    terminal.start_pump()
    judged = set()  # steps counted as passed or not
    try:
        ready = await terminal.status("ready", START_TIMEOUT)
        engine = await terminal.status("engine-ready", START_TIMEOUT)
        if first:
            student.start = {"ready": ready, "engine": engine}
            with contextlib.suppress(Exception):
                disk = await backend.disk_status(student.key)
                student.disk_fresh = disk[0] if disk else None
        # The page shows the prompt: bash's readline is waiting (also in a replay).
        await terminal.until(lambda: READLINE_READY in terminal.tail, 60, "first prompt")
        await terminal.quiet(0.2)

        continuation = False  # the previous line left bash at its continuation prompt (a heredoc)
        next_at = time.perf_counter() + random.uniform(*pause)  # reading, before the first Run
        for step, command, last_of_step in lines:
            if not continuation:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            waiting = PromptWait(terminal, command)
            await terminal.send((command + "\r").encode())
            try:
                at, message = await terminal.until(waiting.next, COMMAND_TIMEOUT, f"prompt after {command!r}")
            except TimeoutError as exc:
                student.commands.append((slug, command, "timeout"))
                student.unexpected.append((slug, command, "timeout"))
                log(f"{student.key} {slug}: {exc}")
                await terminal.send(INTERRUPT)
                continuation = False
                next_at = time.perf_counter() + random.uniform(*pause)
                continue
            continuation = message.get("state") == "continue"
            if continuation:
                continue  # a heredoc's next line, typed as soon as bash asks for it
            next_at = at + random.uniform(*pause)
            status = message.get("status")
            student.commands.append((slug, command, status))
            if status not in (0, None) and command not in EXPECTED_FAILURES.get(slug, ()):
                student.unexpected.append((slug, command, status))
                log(f"{student.key} {slug}: {command!r} ended with {status}; output {terminal.tail[-300:]!r}")
            # The student watches the badges: the next command waits (besides the pause) for
            # this command's round of checks, which reports every step not passed yet (the
            # first alone, then the others together), the last one last. So each round
            # after a prompt was started by that prompt (none was running when the command
            # was typed), and a step passed in it has exactly this command's check latency.
            pending = [s for s in parsed.checked_steps if s not in judged]
            if pending and await _reported_after(terminal, slug, pending[-1], at, CHECK_TIMEOUT):
                for arrived, report in terminal.checks:
                    passed = report.get("passed") and report.get("lesson") == slug and arrived > at
                    if passed and report.get("step") in pending and report["step"] not in judged:
                        judged.add(report["step"])
                        student.passed_after(slug, report["step"], command, arrived - at)
            if last_of_step and step in parsed.checked_steps and step not in judged:
                # A round already running when the command was typed (the page's first
                # round starts the lazy engine, and a pull from the shared layers is done
                # before it) reports first; the app then runs one more round, which the
                # student sees pass the step.
                arrived = await _passed_after(terminal, slug, step, at, CHECK_TIMEOUT)
                judged.add(step)
                if arrived is None:
                    student.not_passed.append((slug, step))
                    log(f"{student.key} {slug}: step {step!r} did not pass after its last command")
                else:
                    student.passed_after(slug, step, command, arrived - at)
    finally:
        # After an error too: the steps not reached count as not passed.
        for step in parsed.checked_steps:
            if step not in judged:
                passed = any(
                    m.get("lesson") == slug and m.get("step") == step and m.get("passed") for _, m in terminal.checks
                )
                (student.passed if passed else student.not_passed).append((slug, step))
        await terminal.close()


async def _passed_after(terminal: LessonTerminal, slug: str, step: str, since: float, timeout: float) -> float | None:
    """When a `check` message passing this step arrived after `since`, waiting up to `timeout` from it."""

    def arrival():
        return next(
            (
                at
                for at, m in terminal.checks
                if at > since and m.get("lesson") == slug and m.get("step") == step and m.get("passed")
            ),
            None,
        )

    with contextlib.suppress(TimeoutError):
        await terminal.until(
            lambda: arrival() is not None, max(0.0, since + timeout - time.perf_counter()), f"{step!r} passed"
        )
    return arrival()


async def _reported_after(terminal: LessonTerminal, slug: str, step: str, since: float, timeout: float) -> bool:
    """Whether a `check` message about this step arrived after `since`, waiting up to `timeout` from it."""

    def found():
        return any(at > since and m.get("lesson") == slug and m.get("step") == step for at, m in terminal.checks)

    with contextlib.suppress(TimeoutError):
        return await terminal.until(found, max(0.0, since + timeout - time.perf_counter()), f"check of {step!r}")
    return False


class PromptWait:
    """The prompt message that ends a line just typed: not one printed before the line
    was echoed (a marker already on its way), nor a continuation prompt of the
    line's own backslash-newlines. Its next() is a predicate for LessonTerminal.until."""

    def __init__(self, terminal: LessonTerminal, command: str):
        self.terminal = terminal
        self.frames = terminal.frames
        self.seen = len(terminal.prompts)
        self.own_continues = command.count("\n")

    def next(self) -> tuple[float, dict] | None:
        prompts = self.terminal.prompts
        while len(prompts) > self.seen:
            at, message, frames_before = prompts[self.seen]
            self.seen += 1
            if frames_before <= self.frames:
                continue
            if message.get("state") == "continue" and self.own_continues:
                self.own_continues -= 1
                continue
            return at, message
        return None


async def attend(student: Student, server, backend, lessons: list[str], arrival: float, pause) -> None:
    await asyncio.sleep(arrival)
    for number, slug in enumerate(lessons):
        try:
            await walk_lesson(student, server, backend, slug, number == 0, pause)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the class goes on
            student.errors.append(f"{slug}: {type(exc).__name__}: {exc}")
            log(f"{student.key} {slug} failed: {type(exc).__name__}: {exc}")


# -- the host while the class works -------------------------------------------------------


class HostSampler:
    """System-wide CPU and MemAvailable, once a second."""

    def __init__(self):
        self.cpu: list[float] = []
        self.available: list[int] = []
        self.before = psutil.virtual_memory().available
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        psutil.cpu_percent(None)

        async def sample():
            while True:
                await asyncio.sleep(1.0)
                self.cpu.append(psutil.cpu_percent(None))
                self.available.append(psutil.virtual_memory().available)

        self._task = asyncio.ensure_future(sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


class CpuSplit:
    """Where the class's CPU time went: inside the students' sandboxes (their
    containers' cgroups, nested engines included), the app server, and the
    rest (the host's dockerd, containerd, shims and runc, the caches, and this
    benchmark's own clients)."""

    def __init__(self, server_pid: int):
        self._server = psutil.Process(server_pid)
        self._busy = self._busy_seconds()
        self._app = self._app_seconds()
        self._host_daemons = _host_daemons()
        self._daemons = {name: _seconds(process) for name, process in self._host_daemons.items()}
        self._clients = _seconds(psutil.Process(), children=True)

    @staticmethod
    def _busy_seconds() -> float:
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def _app_seconds(self) -> float:
        processes = [self._server, *self._server.children(recursive=True)]
        total = 0.0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def seconds(self, container_ids: list[str]) -> dict[str, float | None]:
        """CPU seconds since this object was made; a container's cgroup counts from its creation."""
        busy = self._busy_seconds() - self._busy
        app = self._app_seconds() - self._app
        sandboxes = [_container_cpu_seconds(cid) for cid in container_ids]
        inside = None if not sandboxes or None in sandboxes else sum(sandboxes)
        rest = None if inside is None else busy - app - inside
        found = {"all": busy, "sandboxes": inside, "app": app, "rest": rest}
        # The rest, in part: the host's own daemons (long-lived, so exact) and
        # this benchmark's websocket clients; shims and runc come and go.
        for name, process in self._host_daemons.items():
            found[name] = _seconds(process) - self._daemons[name]
        found["clients"] = _seconds(psutil.Process(), children=True) - self._clients
        return found


def _seconds(process: psutil.Process, children: bool = False) -> float:
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        total = times.user + times.system
        return total + (times.children_user + times.children_system if children else 0.0)
    return 0.0


def _host_daemons() -> dict[str, psutil.Process]:
    """The host's dockerd and containerd: the oldest of each name (every nested
    engine runs a dockerd and a containerd too, started later)."""
    oldest: dict[str, psutil.Process] = {}
    for process in psutil.process_iter(["name", "create_time"]):
        name = process.info["name"]
        if name in ("dockerd", "containerd") and (
            name not in oldest or process.info["create_time"] < oldest[name].info["create_time"]
        ):
            oldest[name] = process
    return oldest


def _container_cpu_seconds(container_id: str) -> float | None:
    """A container's CPU time from its cgroup (v1 cpuacct or v2 cpu.stat); None if not found."""
    v1 = f"/sys/fs/cgroup/cpuacct/docker/{container_id}/cpuacct.usage"
    v2 = f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/cpu.stat"
    with contextlib.suppress(OSError, ValueError), open(v1) as f:
        return int(f.read()) / 1e9
    with contextlib.suppress(OSError, ValueError), open(v2) as f:
        for line in f:
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
    return None


def _sandbox_container_ids(keys: list[str]) -> list[str]:
    import docker as docker_sdk

    from sandbox.backends.docker import specs

    wanted = {getattr(specs.Names(key), role) for key in keys for role in ("engine", "workspace")}
    summaries = docker_sdk.from_env().api.containers(all=True, filters={"label": specs.LABEL})
    return [c["Id"] for c in summaries if {n.lstrip("/") for n in c["Names"]} & wanted]


def _sync_lessons() -> None:
    from django.core.management import call_command
    from django.db import close_old_connections

    call_command("sync_lessons", verbosity=0, stdout=io.StringIO())
    close_old_connections()


async def _wait_for_the_pool(backend, size: int, timeout: float = 1800) -> None:
    """Until the server's pool has `size` sandboxes running, each with its shell attached."""
    from sandbox.backends.docker import specs

    def attached(key: str) -> bool:
        try:
            workspace = backend.engine.api.inspect_container(specs.Names(key).workspace)
        except Exception:  # noqa: BLE001 - claimed or removed meanwhile
            return False
        return bool(workspace["State"]["Running"] and workspace["ExecIDs"])

    began = time.perf_counter()
    said = -1
    while True:
        keys = [info.key for info in await backend.list() if specs.is_pool_key(info.key) and info.status == "running"]
        ready = sum([await asyncio.to_thread(attached, key) for key in keys])
        if ready != said:
            log(f"the server's pool: {ready} of {size} sandboxes wait with their shell attached")
            said = ready
        if ready >= size:
            log(f"the pool was filled in {time.perf_counter() - began:.0f} s")
            return
        if time.perf_counter() - began > timeout:
            raise RuntimeError(f"the server's pool did not fill within {timeout:.0f} s")
        await asyncio.sleep(2)


async def _remove(backend, keys: list[str]) -> None:
    gate = asyncio.Semaphore(4)

    async def one(key):
        async with gate:
            with contextlib.suppress(Exception):
                await backend.remove(key)

    await asyncio.gather(*(one(key) for key in keys))


def _cpu_split_text(seconds: dict[str, float | None], count: int) -> str:
    parts = [seconds[part] for part in ("sandboxes", "app", "rest")]
    inner = " / ".join("n/a" if v is None else f"{v / count:.1f}" for v in parts)
    return f"{seconds['all'] / count:.1f} s ({inner})"


def _rest_split_text(seconds: dict[str, float | None], count: int) -> str:
    parts = [seconds.get(part) for part in ("dockerd", "containerd", "clients")]
    rest = seconds["rest"]
    other = None if rest is None or None in parts else rest - sum(parts)
    return " / ".join("n/a" if v is None else f"{v / count:.2f} s" for v in [*parts, other])


def _log_steps_by_latency(latencies: list[tuple[str, str, str, float]]) -> None:
    """Which steps make the tail: per step, how many passes, p50 / p99 / max, slowest first;
    and the commands after which the slowest passes came."""
    by_step: dict[tuple[str, str], list[float]] = {}
    for slug, step, _command, latency in latencies:
        by_step.setdefault((slug, step), []).append(latency)
    rows = sorted(by_step.items(), key=lambda item: max(item[1]), reverse=True)
    for (slug, step), values in rows:
        log(
            f"  {slug} {step}: n={len(values)} p50 {percentile(values, 50):.2f} s, "
            f"p99 {percentile(values, 99):.2f} s, max {max(values):.2f} s"
        )
    for slug, step, command, latency in sorted(latencies, key=lambda item: item[3], reverse=True)[:10]:
        log(f"  slow: {latency:.2f} s {slug} {step} after {command!r}")


def seconds_pair(values: list[float]) -> str:
    return f"{percentile(values, 50):.2f} s / {percentile(values, 99):.2f} s"


async def run(bench: harness.Bench) -> list[Result]:
    count = CHOSEN_STUDENTS or (SMOKE_STUDENTS if bench.smoke else STUDENTS)
    lessons = CHOSEN_LESSONS or (SMOKE_LESSONS if bench.smoke else LESSONS)
    arrivals = SMOKE_ARRIVALS if bench.smoke else ARRIVALS
    pause = SMOKE_PAUSE if bench.smoke else PAUSE
    assert FIRST_USER + count - 1 <= LAST_USER, count
    await asyncio.to_thread(_sync_lessons)
    backend = bench.backend()
    keys = [f"u{FIRST_USER + i}" for i in range(count)]
    log(f"removing the sandboxes of {count} students (each starts cold)")
    await _remove(backend, keys)
    if CHOSEN_POOL:
        # As a school would: the server, started before the class, fills the pool
        # from its first request (and attaches each waiting shell, warm_shells.py);
        # it claims from it and refills it while the class works. Its reaper's
        # first pass is the fill; the next would come after the class.
        os.environ["SANDBOX_POOL_SIZE"] = str(CHOSEN_POOL)
        os.environ["SANDBOX_REAP_INTERVAL_SECONDS"] = "86400"
    server = bench.dockyard()
    if CHOSEN_POOL:
        await _wait_for_the_pool(backend, CHOSEN_POOL)
    class_ = [Student(i, await bench.cookie(FIRST_USER + i)) for i in range(count)]

    host = HostSampler()
    log(f"{count} students arrive within {arrivals:.0f} s; lessons {', '.join(lessons)}")
    began = time.perf_counter()
    cpu_split = CpuSplit(server.pid)
    host.start()
    await asyncio.gather(*(attend(s, server, backend, lessons, arrivals * s.index / count, pause) for s in class_))
    elapsed = time.perf_counter() - began
    await host.stop()
    cpu_seconds = cpu_split.seconds(await asyncio.to_thread(_sandbox_container_ids, keys))
    try:
        disks = await backend.disk_usage()
    except Exception as exc:  # noqa: BLE001 - the row says n/a
        log(f"disk usage: {exc}")
        disks = {}
    log(f"the class is done in {elapsed:.0f} s")

    latencies = [v for s in class_ for v in s.latencies]
    commands = [c for s in class_ for c in s.commands]
    unexpected = [c for s in class_ for c in s.unexpected]
    expected = [c for c in commands if c[2] not in (0, None, "timeout") and c[1] in EXPECTED_FAILURES.get(c[0], ())]
    not_passed = [c for s in class_ for c in s.not_passed]
    checked = not_passed + [c for s in class_ for c in s.passed]
    started = [s.start for s in class_ if s.start]
    ready = [s["ready"] for s in started]
    engine = [s["engine"] for s in started]
    cpus = psutil.cpu_count() or 1
    cpu = sum(host.cpu) / len(host.cpu) if host.cpu else float("nan")
    lowest = min(host.available, default=host.before)
    drop = host.before - lowest
    fresh = [s.disk_fresh for s in class_ if s.disk_fresh is not None]
    final = [disks[s.key][0] for s in class_ if s.key in disks]
    for s in class_:
        if s.errors:
            log(f"{s.key}: {s.errors}")
    slowest = sorted(latencies)[-3:]
    log(
        f"check latency p50 {percentile(latencies, 50):.3f} s, p99 {percentile(latencies, 99):.3f} s, "
        f"slowest {[round(v, 2) for v in slowest]}; unexpected failures {unexpected[:5]}"
    )

    _log_steps_by_latency([v for s in class_ for v in s.latency_steps])

    def mean(values):
        return sum(values) / len(values) if values else float("nan")

    pooled = f", pool {CHOSEN_POOL}" if CHOSEN_POOL else ""
    name = (
        f"class at once ({count} students in {arrivals:.0f} s, {len(lessons)} lesson{'s' * (len(lessons) > 1)}{pooled})"
    )
    dockyard = "Dockyard"
    return [
        Result(
            name,
            f"check latency p50 / p99, command end → step passed (n={len(latencies)})",
            {dockyard: seconds_pair(latencies)},
            "p99 ≤ 1 s",
        ),
        Result(
            name,
            "checks that did not pass after their step's last command (its round waited for ≤ 120 s)",
            {dockyard: f"{len(not_passed)} of {len(checked)}"},
            "0",
        ),
        Result(
            name,
            "commands failed or unfinished (non-zero status the lesson does not expect; timeouts)",
            {dockyard: f"{len(unexpected)} of {len(commands)}"},
            "0",
        ),
        Result(
            name,
            "commands failing as the lesson expects / lines left out (interactive) / students with errors",
            {dockyard: f"{len(expected)} / {sum(s.skipped for s in class_)} / {sum(1 for s in class_ if s.errors)}"},
            "",
        ),
        Result(
            name,
            f"sandbox start, websocket → ready p50 / p99 (n={len(ready)})",
            {dockyard: seconds_pair(ready)},
            "p99 ≤ 3 s",
        ),
        Result(name, "sandbox start, websocket → engine-ready p50 / p99", {dockyard: seconds_pair(engine)}, ""),
        Result(
            name,
            "host CPU, mean of 1 s samples (peak)",
            {dockyard: f"{cpu / 100 * cpus:.2f} of {cpus} cores ({cpu:.0f} %, peak {max(host.cpu, default=0):.0f} %)"},
            "",
        ),
        Result(
            name,
            "CPU seconds per student: all (in sandboxes / app / host engine and rest)",
            {dockyard: _cpu_split_text(cpu_seconds, count)},
            "",
        ),
        Result(
            name,
            "the rest of the CPU seconds per student: host dockerd / host containerd / this benchmark's clients / "
            "other (shims, runc, caches, kernel)",
            {dockyard: _rest_split_text(cpu_seconds, count)},
            "",
        ),
        Result(
            name,
            "host memory, MemAvailable drop at its lowest (per student)",
            {dockyard: f"{mib(drop)} ({mib(drop / count)})"},
            "",
        ),
        Result(
            name,
            "sandbox disk used per student at the end, mean (max; a fresh sandbox's)",
            {
                dockyard: (
                    f"{mib(mean(final))} ({mib(max(final))}; fresh {mib(mean(fresh))})"
                    if final
                    else "n/a (no sandbox disks: SANDBOX_DISK_LIMIT=0)"
                )
            },
            "",
        ),
        Result(name, "time until every student was done", {dockyard: f"{elapsed:.0f} s"}, ""),
    ]


if __name__ == "__main__":
    parser = harness.parser(__doc__)
    parser.add_argument("--students", type=int, help=f"how many students ({STUDENTS}; smoke {SMOKE_STUDENTS})")
    parser.add_argument("--lessons", help=f"comma-separated lesson slugs ({','.join(LESSONS)})")
    parser.add_argument("--pool", type=int, default=0, help="SANDBOX_POOL_SIZE, filled before the class (0)")
    args = parser.parse_args()
    CHOSEN_POOL = args.pool
    CHOSEN_STUDENTS = args.students
    CHOSEN_LESSONS = args.lessons.split(",") if args.lessons else None
    harness.run_benchmark(sys.modules[__name__], args.smoke)
