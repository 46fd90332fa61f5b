"""The instructor's dashboard under a class's load (issue 12): 200 simulated
students in 5 classes, each with a lesson page open (a terminal and the class's
own websocket), running a command every few seconds; some commands make a step
pass. Five instructors watch their class's dashboard.

Measured:
- event → dashboard: from the moment the server stamps an event (a command
  finished, a step passed, a page attached, the sandbox changed, a student
  came online) to its message arriving on the instructor's websocket;
- keystroke → dashboard: from a student's client sending the end of a command
  to the dashboard showing that command finished (two websockets and the shell);
- first render: a dashboard of 200 rows in Chromium, from navigation start to
  the rows drawn (performance mark "dashboard-rendered"), idle and under load.

The dashboards are watched from a process of their own (so the students'
simulation does not delay when a message is seen), and latencies are taken
in a window with no browser running; the first render under load (and the
screenshots) come after that window, with the students still at work.

The students' sandboxes are the fake backend's (bench/classroom_backend.py: a
shell that echoes, checks that take 50 ms and pass 15 % of the time): what is
measured is the app, not Docker. The students "type" the shell's prompt marker,
so a command goes the real way (websocket, shell, marker, event, listener).

    .venv/bin/python bench/classroom_dashboard.py [--smoke] [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import harness
import psutil
from harness import ROOT, DockyardServer, Result, format_table, log, percentile
from websockets.asyncio.client import connect

FULL = {"classes": 5, "students": 200, "seconds": 60, "command_every": 6.0}
SMOKE = {"classes": 2, "students": 20, "seconds": 8, "command_every": 2.0}
LESSONS_PER_CLASS = 4
ACK_EVERY = 64 * 1024
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SURNAMES = "李王张刘陈杨赵黄周吴"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰"]
ENGLISH = ["Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gus", "Hana", "Ivan", "June"]
LIVE_TYPES = ("command", "passed", "lesson", "sandbox", "presence")


def marker(status: int) -> bytes:
    """What the workspace's bash prints before a prompt; the fake shell echoes it back."""
    return f"\x1b]7771;prompt;{status}\x07".encode()


def student_name(index: int) -> str:
    if index % 2:
        return SURNAMES[index % 10] + GIVEN[(index // 10) % 10]
    return f"{ENGLISH[index % 10]} {chr(65 + (index // 10) % 26)}."


# -- the class, in a throwaway database -------------------------------------------------


def make_classes(sizes: dict) -> dict:
    """Lessons, instructors, students and classes, with a login session each."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from classroom.models import ClassItem, Classroom, Membership
    from classroom.roles import make_instructor
    from lessons.models import Lesson

    call_command("migrate", verbosity=0, interactive=False)
    call_command("sync_lessons", verbosity=0)
    users = get_user_model()
    unusable = make_password(None)

    def session(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"sessionid={store.session_key}"

    slugs = list(Lesson.objects.filter(language="en").order_by("order").values_list("slug", flat=True))
    students = users.objects.bulk_create(
        [users(username=f"s{i:03d}", first_name=student_name(i), password=unusable) for i in range(sizes["students"])]
    )
    students = list(users.objects.filter(username__startswith="s").order_by("username"))
    plan = {"classes": [], "students": [], "big": None}
    per_class = sizes["students"] // sizes["classes"]
    for number in range(sizes["classes"]):
        teacher = users.objects.create(username=f"teacher{number}", first_name=f"Teacher {number}", password=unusable)
        make_instructor(teacher)
        classroom = Classroom.objects.create(name=f"Docker 101 · group {number + 1}")
        classroom.instructors.add(teacher)
        lessons = slugs[number % 4 : number % 4 + LESSONS_PER_CLASS]
        for order, slug in enumerate(lessons):
            ClassItem.objects.create(classroom=classroom, order=order, lesson_slug=slug)
        members = students[number * per_class : (number + 1) * per_class]
        Membership.objects.bulk_create([Membership(classroom=classroom, user=user) for user in members])
        plan["classes"].append({"id": classroom.pk, "cookie": session(teacher)})
        plan["students"] += [
            {"id": user.pk, "cookie": session(user), "lessons": lessons, "class": number} for user in members
        ]
    # One class of everyone, for the first render of 200 rows.
    head = users.objects.create(username="head", first_name="Head", password=unusable)
    make_instructor(head)
    everyone = Classroom.objects.create(name="Everyone")
    everyone.instructors.add(head)
    for order, slug in enumerate(slugs[:LESSONS_PER_CLASS]):
        ClassItem.objects.create(classroom=everyone, order=order, lesson_slug=slug)
    Membership.objects.bulk_create([Membership(classroom=everyone, user=user) for user in students])
    plan["big"] = {"id": everyone.pk, "cookie": session(head)}
    return plan


# -- clients -----------------------------------------------------------------------------


class Measurements:
    """What the dashboards' process saw, and what the students sent."""

    def __init__(self):
        self.event_latency: dict[str, list[float]] = {kind: [] for kind in LIVE_TYPES}
        self.event_seen: dict[str, list[float]] = {kind: [] for kind in LIVE_TYPES}  # when each arrived
        self.screens = 0
        self.opened = 0  # students whose terminal is ready
        self.all_open = asyncio.Event()
        self.commands_seen: list[tuple[int, float]] = []  # (student id, when the dashboard got it)
        self.sent: list[tuple[int, float]] = []  # (student id, when the end of a command was sent)
        self.commands_sent = 0

    def all_events(self, since: float = 0.0, until: float = float("inf")) -> list[float]:
        """Latencies of the live messages that arrived in [since, until)."""
        return [
            latency
            for kind in LIVE_TYPES
            for latency, seen in zip(self.event_latency[kind], self.event_seen[kind], strict=True)
            if since <= seen < until
        ]

    def keystroke_to_dashboard(self) -> list[float]:
        """Each command the dashboard showed, from its student's latest send before it."""
        sends: dict[int, list[float]] = {}
        for student, at in self.sent:
            sends.setdefault(student, []).append(at)
        found = []
        for student, seen in self.commands_seen:
            before = [at for at in sends.get(student, []) if at <= seen]
            if before:
                found.append(seen - before[-1])
        return found


def websocket(url: str, cookie: str, origin: str):
    return connect(
        url,
        origin=origin,
        additional_headers={"Cookie": cookie},
        compression=None,
        proxy=None,
        ping_interval=None,
        max_size=None,
        open_timeout=60,
        close_timeout=2,
    )


async def watch_dashboard(
    url: str, origin: str, cookie: str, numbers: Measurements, ready: asyncio.Event, window: dict
):
    async with websocket(url, cookie, origin) as ws:
        snapshot = json.loads(await ws.recv())
        assert snapshot["type"] == "snapshot", snapshot
        ready.set()
        while time.time() < window["until"]:
            try:
                text = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            now = time.time()
            if now < window["from"]:
                continue
            message = json.loads(text)
            kind = message.get("type")
            if kind in numbers.event_latency:
                numbers.event_latency[kind].append(now - message["at"])
                numbers.event_seen[kind].append(now)
            elif kind == "screens":
                numbers.screens += len(message["screens"])
            if kind == "command":
                numbers.commands_seen.append((message["id"], now))


def watch_dashboards(spec_path: str) -> None:
    """The dashboards' own process: read the spec, say "ready", print what was seen."""
    spec = json.loads(Path(spec_path).read_text())
    numbers = Measurements()

    async def watch():
        window = {"from": float("inf"), "until": float("inf")}
        readies = [asyncio.Event() for _ in spec["dashboards"]]
        tasks = [
            asyncio.create_task(watch_dashboard(entry["url"], spec["origin"], entry["cookie"], numbers, ready, window))
            for entry, ready in zip(spec["dashboards"], readies, strict=True)
        ]
        await asyncio.gather(*(ready.wait() for ready in readies))
        print("ready", flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "from until"
        window["from"], window["until"] = map(float, line.split())
        await asyncio.gather(*tasks)

    asyncio.run(watch())
    print(
        json.dumps(
            {
                "events": numbers.event_latency,
                "seen": numbers.event_seen,
                "screens": numbers.screens,
                "commands": numbers.commands_seen,
            }
        ),
        flush=True,
    )


async def be_a_student(
    server, student: dict, sizes: dict, numbers: Measurements, stop: asyncio.Event, gate: asyncio.Semaphore
):
    base = server.url.replace("http://", "ws://")
    lesson = random.choice(student["lessons"])
    async with gate:
        terminal = await websocket(f"{base}/ws/terminal/?lesson={lesson}&lang=en", student["cookie"], server.url)
        page = await websocket(f"{base}/ws/classroom/", student["cookie"], server.url)
        await terminal.send(json.dumps({"type": "resize", "cols": 80, "rows": 24}))
        while True:  # up to "ready"
            message = await terminal.recv()
            if isinstance(message, str) and json.loads(message).get("state") == "ready":
                break
    numbers.opened += 1
    if numbers.opened == sizes["students"]:
        numbers.all_open.set()
    unacked = 0

    async def read():
        nonlocal unacked
        with contextlib.suppress(Exception):
            async for message in terminal:
                if isinstance(message, bytes):
                    unacked += len(message)
                    if unacked >= ACK_EVERY:
                        await terminal.send(json.dumps({"type": "ack", "bytes": unacked}))
                        unacked = 0

    reader = asyncio.create_task(read())
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), random.expovariate(1 / sizes["command_every"]))
            if stop.is_set():
                break
            status = random.choice((0, 0, 0, 1, 127))
            numbers.sent.append((student["id"], time.time()))
            await terminal.send(b"docker ps\r" + marker(status))
            numbers.commands_sent += 1
    finally:
        reader.cancel()
        await terminal.close()
        await page.close()


# -- the first render, in Chromium -------------------------------------------------------


async def first_render(server, entry: dict, screenshots: Path | None = None, label: str = "") -> float:
    """Milliseconds from navigation start to the 200 rows drawn."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1440, "height": 900})
            name, value = entry["cookie"].split("=", 1)
            await context.add_cookies([{"name": name, "value": value, "url": server.url}])
            page = await context.new_page()
            await page.goto(f"{server.url}/classroom/{entry['id']}/dashboard/")
            await page.wait_for_selector("#dashboard[data-rendered=true]", timeout=60_000)
            rendered = await page.evaluate("() => performance.getEntriesByName('dashboard-rendered')[0].startTime")
            rows = await page.evaluate("() => window.dockyardDashboard.students.size")
            assert rows == entry["rows"], (rows, entry["rows"])
            if screenshots is not None:
                await page.screenshot(path=str(screenshots / f"dashboard-200-{label}.png"))
            return rendered
        finally:
            await browser.close()


async def screenshots_of(server, entry: dict, folder: Path) -> None:
    """A busy class's dashboard in both languages, at 1440x900 and 1280x720."""
    from playwright.async_api import async_playwright

    folder.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for locale, language in (("en-US", "en"), ("zh-CN", "zh-hans")):
                for width, height in ((1440, 900), (1280, 720)):
                    context = await browser.new_context(viewport={"width": width, "height": height}, locale=locale)
                    name, value = entry["cookie"].split("=", 1)
                    await context.add_cookies([{"name": name, "value": value, "url": server.url}])
                    page = await context.new_page()
                    await page.goto(f"{server.url}/classroom/{entry['id']}/dashboard/")
                    await page.wait_for_selector("#dashboard[data-rendered=true]", timeout=60_000)
                    await page.wait_for_timeout(2500)  # a round of screens
                    await page.screenshot(path=str(folder / f"dashboard-{language}-{width}x{height}.png"))
                    await context.close()
        finally:
            await browser.close()


# -- the run -------------------------------------------------------------------------------


async def run(server, plan: dict, sizes: dict, screenshots: Path | None, data_dir: Path) -> list[Result]:
    numbers = Measurements()
    stop = asyncio.Event()
    base = server.url.replace("http://", "ws://")
    spec = {
        "origin": server.url,
        "dashboards": [
            {"url": f"{base}/ws/classroom/{entry['id']}/dashboard/", "cookie": entry["cookie"]}
            for entry in [*plan["classes"], plan["big"]]
        ],
    }
    (data_dir / "dashboards.json").write_text(json.dumps(spec))
    watcher = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--watch-dashboards",
        str(data_dir / "dashboards.json"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert (await asyncio.wait_for(watcher.stdout.readline(), 120)).strip() == b"ready"
    log(f"{len(spec['dashboards'])} dashboards open; first render of {len(plan['students'])} rows, idle")
    plan["big"]["rows"] = len(plan["students"])
    render_idle = await first_render(server, plan["big"])
    gate = asyncio.Semaphore(20)  # pages opening at once
    log(f"{len(plan['students'])} students opening their lesson pages")
    window_from = time.time()
    window_until = window_from + sizes["seconds"]
    watcher.stdin.write(f"{window_from} {window_until}\n".encode())
    await watcher.stdin.drain()
    students = [
        asyncio.create_task(be_a_student(server, student, sizes, numbers, stop, gate)) for student in plan["students"]
    ]
    process = psutil.Process(server.pid)
    process.cpu_percent()
    await asyncio.wait_for(numbers.all_open.wait(), sizes["seconds"])
    all_open = time.time()
    log(f"all open in {all_open - window_from:.1f} s")
    await asyncio.sleep(max(0.0, window_until - time.time()))
    cpu = process.cpu_percent()
    rss = process.memory_info().rss
    seen = json.loads((await watcher.stdout.read()).decode())  # what it saw, once its window is over
    await watcher.wait()
    log("latency window over; first render under load")
    render_busy = await first_render(server, plan["big"], screenshots, "busy")
    if screenshots is not None:
        await screenshots_of(server, plan["classes"][0], screenshots)
    stop.set()
    for task in students:
        with contextlib.suppress(Exception):
            await task
    numbers.event_latency, numbers.event_seen = seen["events"], seen["seen"]
    harness.RESULTS_DIR.mkdir(exist_ok=True)  # the raw numbers, for a closer look
    (harness.RESULTS_DIR / "classroom-latencies.json").write_text(json.dumps({**seen, "all_open": all_open}))
    numbers.screens = seen["screens"]
    numbers.commands_seen = [tuple(item) for item in seen["commands"]]
    numbers.sent = [item for item in numbers.sent if window_from <= item[1] <= window_until]
    events = numbers.all_events()
    log(f"{len(numbers.sent)} commands, {len(events)} live messages, {numbers.screens} screens in the window")
    name = f"classroom dashboard ({len(plan['students'])} students, {len(plan['classes'])} classes)"

    def p(values, pct):
        return f"{percentile(values, pct) * 1000:.1f} ms" if values else "n/a"

    opening, steady = numbers.all_events(until=all_open + 2), numbers.all_events(since=all_open + 2)
    results = [
        Result(
            name,
            "event → dashboard p50 / p99 (all live messages)",
            {"Dockyard": f"{p(events, 50)} / {p(events, 99)}"},
            "p99 ≤ 1 s",
        ),
        Result(
            name,
            f"… while the pages open (the first {all_open - window_from:.0f} s)",
            {"Dockyard": f"{p(opening, 50)} / {p(opening, 99)}"},
        ),
        Result(name, "… once they are open", {"Dockyard": f"{p(steady, 50)} / {p(steady, 99)}"}),
    ]
    for kind in LIVE_TYPES:
        values = numbers.event_latency[kind]
        results.append(
            Result(
                name,
                f"{kind}: event → dashboard p50 / p99 (n={len(values)})",
                {"Dockyard": f"{p(values, 50)} / {p(values, 99)}"},
            )
        )
    keys = numbers.keystroke_to_dashboard()
    results += [
        Result(
            name,
            f"keystroke → dashboard shows the command, p50 / p99 (n={len(keys)})",
            {"Dockyard": f"{p(keys, 50)} / {p(keys, 99)}"},
        ),
        Result(
            name,
            f"commands run / live messages / screens sent to dashboards, in {sizes['seconds']} s",
            {"Dockyard": f"{len(numbers.sent)} / {len(events)} / {numbers.screens}"},
        ),
        Result(
            name,
            f"first render of {len(plan['students'])} rows in Chromium, idle / under load",
            {"Dockyard": f"{render_idle:.0f} ms / {render_busy:.0f} ms"},
        ),
        Result(name, "Daphne CPU / RSS during the window", {"Dockyard": f"{cpu:.0f} % / {rss / 2**20:.0f} MiB"}),
    ]
    return results


def main() -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("--screenshots", type=Path, help="save the dashboard's screenshots here")
    parser.add_argument("--watch-dashboards", help=argparse.SUPPRESS)  # the dashboards' own process
    args = parser.parse_args()
    if args.watch_dashboards:
        watch_dashboards(args.watch_dashboards)
        return 0
    sizes = SMOKE if args.smoke else FULL
    with tempfile.TemporaryDirectory(prefix="dockyard-classbench-") as data_dir:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "tutorial.settings",
            "DATA_DIR": data_dir,
            "SANDBOX_BACKEND": "bench.classroom_backend.BenchBackend",
            "SANDBOX_REAP_INTERVAL_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        started = time.strftime("%Y-%m-%d %H:%M")
        log("making the classes")
        plan = make_classes(sizes)
        server = DockyardServer(env, Path(data_dir))
        try:
            results = asyncio.run(run(server, plan, sizes, args.screenshots, Path(data_dir)))
        finally:
            server.stop()
            harness.RESULTS_DIR.mkdir(exist_ok=True)
            (harness.RESULTS_DIR / "classroom-daphne.log").write_bytes(server.log_path.read_bytes())
    report = (
        f"# Classroom dashboard benchmark{' (smoke mode)' if args.smoke else ''}\n\n"
        f"Run {started} on {harness.machine_description()}.\n\n{format_table(results)}\n"
    )
    print(report, flush=True)
    harness.RESULTS_DIR.mkdir(exist_ok=True)
    (harness.RESULTS_DIR / ("classroom-smoke.md" if args.smoke else "classroom.md")).write_text(report)
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
