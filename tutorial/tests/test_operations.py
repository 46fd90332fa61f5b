"""/healthz and /metrics as an operator's tools read them."""

import pytest

from sandbox.models import Sandbox
from tutorial.metrics import CHECK_SECONDS, SANDBOX_STARTS, TERMINALS_OPEN

pytestmark = pytest.mark.django_db


def test_healthz_says_ok_part_by_part(client, settings):
    settings.IMAGE_CACHE_ENABLED = False
    settings.SANDBOX_BACKEND = "sandbox.backends.fake.FakeBackend"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "parts": {"database": "ok", "channel_layer": "ok", "sandboxes": "ok"}}


def test_healthz_is_503_and_names_the_part_that_does_not_answer(client, settings, monkeypatch):
    from sandbox.backends.base import SandboxError
    from sandbox.backends.fake import FakeBackend

    async def down(self):
        raise SandboxError("engine gone", code="no-engine")

    monkeypatch.setattr(FakeBackend, "ping", down)
    settings.IMAGE_CACHE_ENABLED = False
    settings.SANDBOX_BACKEND = "sandbox.backends.fake.FakeBackend"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["parts"] == {"database": "ok", "channel_layer": "ok", "sandboxes": "error"}
    assert "engine gone" not in response.content.decode()  # details go to the log only


def test_metrics_do_not_exist_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_metrics_show_sandboxes_terminals_and_latencies(client, settings, django_user_model):
    settings.METRICS_TOKEN = "s3cret-token"
    for name, status in (("ann", "running"), ("bob", "running"), ("cy", "stopped")):
        user = django_user_model.objects.create_user(name, password="x")
        Sandbox.objects.create(user=user, key=f"u{user.pk}", status=status)
    SANDBOX_STARTS.labels("ok").observe(0.4)
    CHECK_SECONDS.labels("passed").observe(0.2)
    TERMINALS_OPEN.labels("student").inc()
    try:
        text = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).content.decode()
    finally:
        TERMINALS_OPEN.labels("student").dec()
    assert 'dockyard_sandboxes{status="running"} 2.0' in text
    assert 'dockyard_sandboxes{status="stopped"} 1.0' in text
    assert 'dockyard_sandbox_start_seconds_count{outcome="ok"}' in text
    assert 'dockyard_check_seconds_bucket{le="0.25",result="passed"}' in text
    assert 'dockyard_terminals_open{kind="student"} 1.0' in text


@pytest.mark.docker
def test_healthz_reaches_the_real_engine_and_image_cache(client):
    from sandbox.backends import reset_backend_cache
    from sandbox.tests.docker_fixtures import require_engine_and_images

    require_engine_and_images()
    reset_backend_cache()
    response = client.get("/healthz")
    assert response.json()["parts"] == {
        "database": "ok",
        "channel_layer": "ok",
        "sandboxes": "ok",
        "image_cache": "ok",
    }
    assert response.status_code == 200
