"""The deploy's smoke test, run by scripts/deploy-smoke.sh against a running deploy:
through the proxy over TLS, sign up a student, open a lesson page, open two
terminals (two tabs) and check they share one shell in a real sandbox whose
nested engine runs a container; with DEPLOY_SMOKE_INSTRUCTOR=name:password, an
instructor watching that student through the proxy sees the same shell. Then, given the app processes' own addresses,
open a terminal straight to each: each shows that shell (the sandbox holds it),
and what is typed on one is seen on the other; measure echo and throughput on
that one shell through the proxy and straight from a process.

    python scripts/deploy_smoke.py https://localhost:18443 [http://127.0.0.1:18001 ...]
"""

import asyncio
import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import ssl
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from clients import (  # noqa: E402
    COLS,
    ROWS,
    DockyardTerminal,
    echo_latencies,
    flood,
    read_until,
    settle,
    websocket,
)

KEYS = 200
FLOOD_BYTES = 20_000_000

# The deploy's certificate is self-signed unless an operator gave one.
INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE


def log(message: str) -> None:
    print(f"[smoke] {message}", flush=True)


class Browser:
    """Cookies, CSRF tokens and Referer, as a browser sends them over HTTPS."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=INSECURE), urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read().decode()

    def post_form(self, path: str, fields: dict) -> tuple[int, str]:
        _, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.url

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)


async def open_terminal(base: str, browser: Browser, lesson: str, watch: str = "") -> DockyardTerminal:
    path = f"/ws/terminal/{watch}/" if watch else "/ws/terminal/"
    ws_url = re.sub("^http", "ws", base) + path + "?" + urllib.parse.urlencode({"lesson": lesson})
    started = time.perf_counter()
    tls = {"ssl": INSECURE} if base.startswith("https") else {}
    ws = await websocket(ws_url, origin=base, additional_headers={"Cookie": browser.cookie_header()}, **tls)
    terminal = DockyardTerminal(ws, started)
    await ws.send(json.dumps({"type": "resize", "cols": COLS, "rows": ROWS}))
    return terminal


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(name: str, terminal: DockyardTerminal) -> None:
    latencies = await echo_latencies(terminal, KEYS)
    seconds, _ = await flood(terminal, FLOOD_BYTES)
    log(
        f"{name}: echo p50 {percentile(latencies, 0.5) * 1000:.2f} ms, p99 {percentile(latencies, 0.99) * 1000:.2f} ms"
        f" ({KEYS} keys); output {FLOOD_BYTES / seconds / 1e6:.1f} MB/s ({FLOOD_BYTES // 1_000_000} MB)"
    )


async def straight(processes: list[str], browser: Browser, lesson: str) -> list[DockyardTerminal]:
    """A terminal straight to each app process: each shows the shell the tabs
    typed in (the sandbox holds it), its replay ending with holder-42."""
    found = []
    for process in processes:
        terminal = await open_terminal(process, browser, lesson)
        await terminal.wait_status("ready", 60)
        replay = b""
        deadline = time.perf_counter() + 10
        with contextlib.suppress(TimeoutError):
            while b"holder-42" not in replay:
                replay += await asyncio.wait_for(terminal.recv(), max(0.01, deadline - time.perf_counter()))
        assert b"holder-42" in replay, f"{process} shows another shell: {replay[-300:]!r}"
        log(f"{process} shows the student's shell")
        found.append(terminal)
    return found


async def terminals(base: str, browser: Browser, lesson: str, processes: list[str], watcher: Browser | None) -> None:
    first = await open_terminal(base, browser, lesson)
    await first.wait_status("ready", 120)
    log(f"terminal ready {first.status_time('ready'):.2f} s after opening the websocket")
    await read_until(first, b"7771;prompt", 60)
    second = await open_terminal(base, browser, lesson)
    await second.wait_status("ready", 60)
    # Typed in one tab, seen in the other: both reached the process holding the shell.
    await first.send(b"echo shared-$((6*7))\r")
    await read_until(second, b"shared-42", 30)
    log("two tabs share one shell (sticky routing)")
    if watcher is not None:
        # Routed by the username in its path: the process the student's cookie chose.
        watching = await open_terminal(base, watcher, lesson, watch=browser.cookie("dockyard_route"))
        await watching.wait_status("ready", 60)
        await first.send(b"echo watched-$((6*7))\r")
        await read_until(watching, b"watched-42", 30)
        await watching.close()
        log("an instructor watching through the proxy sees the same shell")
    started = time.perf_counter()
    await first.send(
        b"for i in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done;"
        b" docker run --rm busybox echo nested-$((6*7))\r"
    )
    await read_until(first, b"nested-42", 120)  # the typed line says nested-$((6*7))
    log(f"a nested container ran in the student's sandbox ({time.perf_counter() - started:.1f} s)")
    await second.close()
    await settle(first)
    if not processes:
        await first.close()
        return
    # One terminal at a time on the shell: a second one that does not read would hold up the flood.
    await measure("through the proxy (TLS)", first)
    await first.send(b"echo holder-$((6*7))\r")
    await read_until(first, b"holder-42", 30)
    await first.close()
    direct = await straight(processes, browser, lesson)
    # Typed on one process, seen on the other: one shell, whichever process shows it.
    await direct[0].send(b"echo across-$((6*7))\r")
    await read_until(direct[-1], b"across-42", 30)
    log("typed straight to one app process, seen straight from the other")
    for terminal in direct[1:]:
        await terminal.close()
    await measure("straight to one process", direct[0])
    await direct[0].close()


def main(base: str, processes: list[str]) -> None:
    browser = Browser(base)
    status, body = browser.get("/healthz")
    log(f"/healthz {status} {body}")
    username = "smoke" + secrets.token_hex(3)
    password = secrets.token_urlsafe(16)
    status, landed = browser.post_form(
        "/accounts/signup/", {"username": username, "password1": password, "password2": password}
    )
    assert browser.cookie("sessionid"), f"no session after signing up (landed on {landed})"
    assert browser.cookie("dockyard_route") == username, "the app did not set the route cookie"
    log(f"signed up {username} over TLS")
    _, index = browser.get("/lessons/")
    slug = re.search(r'href="/lessons/([\w-]+)/"', index).group(1)
    status, page = browser.get(f"/lessons/{slug}/")
    assert status == 200 and "data-ws-path" in page, "the lesson page has no terminal"
    log(f"lesson page /lessons/{slug}/ served through the proxy ({len(page)} bytes)")
    watcher = None
    if os.environ.get("DEPLOY_SMOKE_INSTRUCTOR"):
        watcher = Browser(base)
        name, _, secret = os.environ["DEPLOY_SMOKE_INSTRUCTOR"].partition(":")
        watcher.post_form("/accounts/login/", {"username": name, "password": secret})
        assert watcher.cookie("sessionid"), "the instructor could not log in"
    asyncio.run(terminals(base, browser, slug, processes, watcher))
    log("passed")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), [url.rstrip("/") for url in sys.argv[2:]])
