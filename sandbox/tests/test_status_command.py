"""`manage.py status`: every sandbox with its owner, status and whether the student is online."""

import asyncio
import io

import pytest
from django.core.management import call_command

from sandbox.backends import get_backend, reset_backend_cache
from sandbox.models import Sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(settings):
    settings.SANDBOX_BACKEND = "sandbox.backends.fake.FakeBackend"
    reset_backend_cache()
    yield get_backend()
    reset_backend_cache()


def test_it_lists_each_sandbox_with_its_student(fake, django_user_model):
    ann = django_user_model.objects.create_user("ann", password="x")
    bob = django_user_model.objects.create_user("bob", password="x")
    asyncio.run(fake.start("u-ann"))
    asyncio.run(fake.start("u-bob"))
    asyncio.run(fake.stop("u-bob"))
    Sandbox.objects.create(user=ann, key="u-ann", status="running")
    old = Sandbox.objects.create(user=bob, key="u-bob", status="stopped")
    Sandbox.objects.filter(pk=old.pk).update(last_activity=old.last_activity.replace(year=2020))
    out = io.StringIO()
    call_command("status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["student", "sandbox", "status", "disk", "memory", "last", "active"]
    ann_line = next(line for line in lines if line.startswith("ann"))
    bob_line = next(line for line in lines if line.startswith("bob"))
    assert "u-ann" in ann_line and "running" in ann_line and "online" in ann_line
    assert "u-bob" in bob_line and "stopped" in bob_line and "online" not in bob_line
    assert lines[-1] == "2 sandboxes, 1 running, 1 students online, 0\xa0bytes of memory"
