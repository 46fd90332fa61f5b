"""The web preview against a real sandbox: the student's published port is
shown through the app, to that student only, and to nothing else."""

import asyncio

import pytest
from django.test import AsyncClient

from sandbox.backends import reset_backend_cache
from sandbox.tests.docker_fixtures import TEST_PREFIX, sandbox_fixture

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=True)]
OWNER_ID = 9010

owner_sandbox = sandbox_fixture(f"u{OWNER_ID}")


@pytest.fixture
def served(owner_sandbox, settings):
    settings.SANDBOX_NAME_PREFIX = TEST_PREFIX
    reset_backend_cache()
    result = owner_sandbox.sh(
        "mkdir -p ~/site && echo '<h1>preview of my sandbox</h1>' > ~/site/index.html && "
        "docker rm -f web >/dev/null 2>&1; "
        "docker run -d --name web -p 8080:80 -v ~/site:/www busybox httpd -f -p 80 -h /www >/dev/null && "
        "for i in $(seq 1 50); do curl -fs localhost:8080 >/dev/null && exit 0; sleep 0.1; done; exit 1"
    )
    assert result.exit_code == 0, result.output
    return owner_sandbox


async def client_for(django_user_model, username, user_id):
    user = await django_user_model.objects.acreate(username=username, id=user_id)
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def body(response) -> str:
    return b"".join([chunk async for chunk in response.streaming_content]).decode()


async def test_the_owner_sees_the_published_port(served, django_user_model):
    client = await client_for(django_user_model, "owner", OWNER_ID)
    listing = await client.get("/sandbox/ports/")
    assert listing.json()["ports"] == [
        {"port": 8080, "container": "web", "target": 80, "url": "/sandbox/preview/8080/"}
    ]
    response = await client.get("/sandbox/preview/8080/")
    assert response.status_code == 200
    assert "preview of my sandbox" in await body(response)
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


async def test_another_student_never_reaches_it(served, django_user_model):
    other = await client_for(django_user_model, "other", OWNER_ID + 1)
    response = await other.get("/sandbox/preview/8080/")
    assert response.status_code == 503  # their own sandbox, which is not running
    assert "preview of my sandbox" not in response.content.decode()
    anonymous = await AsyncClient().get("/sandbox/preview/8080/")
    assert anonymous.status_code == 403


async def test_ports_not_published_are_refused(served, django_user_model):
    client = await client_for(django_user_model, "owner", OWNER_ID)
    for port in (22, 5000, 2375, 8000):
        response = await client.get(f"/sandbox/preview/{port}/")
        assert response.status_code == 404, port
        assert "Nothing is published on port" in response.content.decode()


async def test_the_path_cannot_point_the_proxy_elsewhere(served, django_user_model):
    client = await client_for(django_user_model, "owner", OWNER_ID)
    for trick in ("//127.0.0.1:5000/v2/_catalog", "@127.0.0.1:5000/v2/_catalog", "..%2F..%2Fv2/_catalog"):
        response = await client.get(f"/sandbox/preview/8080/{trick}")
        text = await body(response) if hasattr(response, "streaming_content") else response.content.decode()
        assert "repositories" not in text, trick  # never the image cache's catalog


async def test_changes_in_the_sandbox_show_at_once(served, django_user_model):
    client = await client_for(django_user_model, "owner", OWNER_ID)
    await served.backend.exec(served.key, ["sh", "-c", "echo '<h1>changed</h1>' > ~/site/index.html"])
    response = await client.get("/sandbox/preview/8080/")
    assert "<h1>changed</h1>" in await body(response)


async def test_published_ports_are_announced_as_containers_start_and_stop(served, sandbox_runtime):
    announced: asyncio.Queue = asyncio.Queue()

    async def announce(ports):
        await announced.put([p.port for p in ports])

    await served.backend.exec(served.key, ["docker", "rm", "-f", "second"])  # left by an interrupted run
    await sandbox_runtime.port_watchers.subscribe(served.key, announce)
    watcher = sandbox_runtime.port_watchers._tasks[served.key]

    async def next_announcement():
        getter = asyncio.ensure_future(announced.get())
        done, _ = await asyncio.wait({getter, watcher}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if watcher in done:
            getter.cancel()
            raise AssertionError(f"the watcher stopped: {watcher.exception()!r}")
        assert getter in done, "no announcement within 30 s"
        return getter.result()

    try:
        assert await next_announcement() == [8080]
        await served.backend.exec(served.key, ["docker", "run", "-d", "--name", "second", "-p", "8090:80", "nginx"])
        assert await next_announcement() == [8080, 8090]
        await served.backend.exec(served.key, ["docker", "rm", "-f", "second"])
        assert await next_announcement() == [8080]
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    await asyncio.sleep(0.5)
    clients = await served.backend.exec(served.key, ["sh", "-c", "ps -eo args | grep -c '[e]vents --filter' || true"])
    assert clients.output.strip() == "0"  # the watcher's process ended with it


async def test_headers_that_reach_the_apps_origin_are_stripped(served, django_user_model):
    script = (
        "#!/bin/sh\n"
        "printf 'Content-Type: text/plain\\r\\n'\n"
        "printf 'Clear-Site-Data: \"*\"\\r\\nRefresh: 0; url=https://evil.example/\\r\\n'\n"
        "printf 'Service-Worker-Allowed: /\\r\\nSet-Cookie: sessionid=stolen; Path=/\\r\\n'\n"
        "printf 'X-Student: kept\\r\\n\\r\\nfrom cgi\\n'\n"
    )
    import base64

    encoded = base64.b64encode(script.encode()).decode()
    result = await asyncio.to_thread(
        served.sh,
        f"mkdir -p ~/site/cgi-bin && echo {encoded} | base64 -d > ~/site/cgi-bin/h && chmod +x ~/site/cgi-bin/h",
    )
    assert result.exit_code == 0, result.output
    client = await client_for(django_user_model, "owner", OWNER_ID)
    response = await client.get("/sandbox/preview/8080/cgi-bin/h")
    assert response.status_code == 200
    assert "from cgi" in await body(response)
    assert response.headers["X-Student"] == "kept"
    for name in ("Clear-Site-Data", "Refresh", "Service-Worker-Allowed", "Set-Cookie"):
        assert name not in response.headers, name
