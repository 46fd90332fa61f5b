"""`manage.py check` names each sandbox setting that is wrong (sandbox/checks.py),
instead of a traceback at the first websocket."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from sandbox.checks import sandbox_settings


def ids(settings_overrides, settings):
    for name, value in settings_overrides.items():
        setattr(settings, name, value)
    return [problem.id for problem in sandbox_settings()]


def test_the_defaults_pass(settings):
    assert sandbox_settings() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SANDBOX_BACKEND": "sandbox.backends.nowhere.Backend"}, "dockyard.E001"),
        ({"SANDBOX_BACKEND": "sandbox.backends.base.SandboxError"}, "dockyard.E002"),
        ({"TERMINAL_LOW_WATERMARK": 600_000, "TERMINAL_HIGH_WATERMARK": 524_288}, "dockyard.E003"),
        ({"TERMINAL_REPLAY_BYTES": 0}, "dockyard.E004"),
        ({"SANDBOX_SUBNET_POOL": "10.213.0.0/33"}, "dockyard.E005"),
        ({"SANDBOX_SUBNET_POOL": "10.213.0.0/16", "SANDBOX_SUBNET_PREFIX": 30}, "dockyard.E006"),
        (
            {"SANDBOX_SUBNET_POOL": "10.213.0.0/24", "SANDBOX_SUBNET_PREFIX": 28, "SANDBOX_MAX_RUNNING": 200},
            "dockyard.W001",
        ),
        ({"IMAGE_CACHE_PORT": 70000}, "dockyard.E007"),
        ({"IMAGE_CACHE_PORT": 3142, "PACKAGE_CACHE_PORT": 3142}, "dockyard.E008"),
        ({"SANDBOX_ENGINE_MODE": "privileged"}, "dockyard.E009"),
        ({"SANDBOX_ENGINE_START": "later"}, "dockyard.E013"),
        ({"SANDBOX_ENGINE_QUIET_SECONDS": -1}, "dockyard.E014"),
        ({"SANDBOX_EGRESS": "everything"}, "dockyard.E010"),
        ({"SANDBOX_DISK_LIMIT": 1 << 20}, "dockyard.E011"),
        ({"SANDBOX_IDLE_REMOVE_SECONDS": 60, "SANDBOX_IDLE_STOP_SECONDS": 1800}, "dockyard.W002"),
        ({"IMAGE_CACHE_UPSTREAM": "docker hub please"}, "dockyard.E012"),
    ],
)
def test_each_wrong_setting_is_named(settings, overrides, expected):
    assert ids(overrides, settings) == [expected]


@pytest.mark.parametrize("upstream", ["auto", "off", "", "https://registry-1.docker.io", "http://10.0.0.5:5000"])
def test_image_cache_upstreams_that_work_pass(settings, upstream):
    assert ids({"IMAGE_CACHE_UPSTREAM": upstream}, settings) == []


def test_manage_py_check_refuses_to_go_on_with_an_error(settings):
    settings.SANDBOX_EGRESS = "everything"
    with pytest.raises(SystemCheckError, match="SANDBOX_EGRESS 'everything' is not one of cache, internet"):
        call_command("check")
