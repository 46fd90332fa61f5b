"""Django system checks for the sandbox settings that can be wrong.

A bad value used to surface at the first websocket, as a traceback in a
student's terminal; now `manage.py check` (run by every management command
and at server start) names it and says what would be right.
"""

from __future__ import annotations

import ipaddress
import urllib.parse

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

ENGINE_MODES = ("rootful", "rootless")
ENGINE_STARTS = ("lazy", "eager")
EGRESS_MODES = ("cache", "internet")
MIN_DISK = 256 << 20


@register()
def sandbox_settings(app_configs=None, **kwargs):
    return [
        *_backend(),
        *_watermarks(),
        *_subnets(),
        *_ports(),
        *_image_cache(),
        *_modes(),
        *_sizes(),
    ]


def _error(id_: str, message: str, hint: str) -> Error:
    return Error(message, hint=hint, id=f"dockyard.{id_}")


def _backend():
    from sandbox.backends.base import SandboxBackend

    try:
        backend = import_string(settings.SANDBOX_BACKEND)
    except ImportError as exc:
        return [
            _error(
                "E001",
                f"SANDBOX_BACKEND {settings.SANDBOX_BACKEND!r} cannot be imported: {exc}",
                "Use a dotted path such as sandbox.backends.docker.DockerBackend.",
            )
        ]
    if not (isinstance(backend, type) and issubclass(backend, SandboxBackend)):
        return [
            _error(
                "E002",
                f"SANDBOX_BACKEND {settings.SANDBOX_BACKEND!r} is not a SandboxBackend",
                "Point it at a subclass of sandbox.backends.base.SandboxBackend.",
            )
        ]
    return []


def _watermarks():
    high, low = settings.TERMINAL_HIGH_WATERMARK, settings.TERMINAL_LOW_WATERMARK
    if not 0 <= low < high:
        return [
            _error(
                "E003",
                f"TERMINAL_LOW_WATERMARK ({low}) must be at least 0 and below TERMINAL_HIGH_WATERMARK ({high})",
                "The defaults are 131072 and 524288.",
            )
        ]
    if settings.TERMINAL_REPLAY_BYTES <= 0:
        return [_error("E004", "TERMINAL_REPLAY_BYTES must be positive", "The default is 131072.")]
    return []


def _subnets():
    try:
        pool = ipaddress.ip_network(settings.SANDBOX_SUBNET_POOL)
    except ValueError as exc:
        return [
            _error(
                "E005",
                f"SANDBOX_SUBNET_POOL {settings.SANDBOX_SUBNET_POOL!r} is not a network: {exc}",
                "Use a private range in CIDR form, such as 10.213.0.0/16.",
            )
        ]
    prefix = settings.SANDBOX_SUBNET_PREFIX
    if not pool.prefixlen < prefix <= 29:
        return [
            _error(
                "E006",
                f"SANDBOX_SUBNET_PREFIX /{prefix} must be longer than the pool's "
                f"/{pool.prefixlen} and at most /29 (a sandbox needs a few addresses)",
                "The default is 28: 4096 sandboxes in a /16.",
            )
        ]
    count = 2 ** (prefix - pool.prefixlen)
    if count < settings.SANDBOX_MAX_RUNNING + settings.SANDBOX_POOL_SIZE:
        return [
            Warning(
                f"SANDBOX_SUBNET_POOL holds {count} sandbox networks, fewer than SANDBOX_MAX_RUNNING "
                f"+ SANDBOX_POOL_SIZE ({settings.SANDBOX_MAX_RUNNING + settings.SANDBOX_POOL_SIZE})",
                hint="Widen the pool or lengthen SANDBOX_SUBNET_PREFIX.",
                id="dockyard.W001",
            )
        ]
    return []


def _ports():
    ports = {
        "IMAGE_CACHE_PORT": settings.IMAGE_CACHE_PORT,
        "IMAGE_CACHE_SEED_PORT": settings.IMAGE_CACHE_SEED_PORT,
        "PACKAGE_CACHE_PORT": settings.PACKAGE_CACHE_PORT,
    }
    problems = [
        _error("E007", f"{name} {port} is not a TCP port", "Use a port from 1 to 65535.")
        for name, port in ports.items()
        if not 0 < port < 65536
    ]
    if len(set(ports.values())) < len(ports):
        problems.append(
            _error(
                "E008",
                f"the classroom caches need three different ports: {ports}",
                "Give IMAGE_CACHE_PORT, IMAGE_CACHE_SEED_PORT and PACKAGE_CACHE_PORT different values.",
            )
        )
    return problems


def _image_cache():
    upstream = settings.IMAGE_CACHE_UPSTREAM.strip()
    if upstream.lower() in ("", "auto", "off", "offline", "none"):
        return []
    parts = urllib.parse.urlsplit(upstream)
    if parts.scheme in ("http", "https") and parts.hostname:
        return []
    return [
        _error(
            "E012",
            f"IMAGE_CACHE_UPSTREAM {upstream!r} is not auto, off or a registry's URL",
            "For example https://registry-1.docker.io, or auto (the default).",
        )
    ]


def _modes():
    problems = []
    if settings.SANDBOX_ENGINE_MODE not in ENGINE_MODES:
        problems.append(
            _error(
                "E009",
                f"SANDBOX_ENGINE_MODE {settings.SANDBOX_ENGINE_MODE!r} is not one of {', '.join(ENGINE_MODES)}",
                "The default is rootful.",
            )
        )
    if settings.SANDBOX_ENGINE_START not in ENGINE_STARTS:
        problems.append(
            _error(
                "E013",
                f"SANDBOX_ENGINE_START {settings.SANDBOX_ENGINE_START!r} is not one of {', '.join(ENGINE_STARTS)}",
                "The default is lazy.",
            )
        )
    if settings.SANDBOX_ENGINE_QUIET_SECONDS < 0:
        problems.append(_error("E014", "SANDBOX_ENGINE_QUIET_SECONDS is negative", "0 keeps engines running."))
    if settings.SANDBOX_EGRESS not in EGRESS_MODES:
        problems.append(
            _error(
                "E010",
                f"SANDBOX_EGRESS {settings.SANDBOX_EGRESS!r} is not one of {', '.join(EGRESS_MODES)}",
                "The default is cache.",
            )
        )
    return problems


def _sizes():
    problems = []
    if 0 < settings.SANDBOX_DISK_LIMIT < MIN_DISK:
        problems.append(
            _error(
                "E011",
                f"SANDBOX_DISK_LIMIT {settings.SANDBOX_DISK_LIMIT} bytes is too small for a Docker engine",
                "Use 256m or more (4g by default), or 0 for no limit.",
            )
        )
    if settings.SANDBOX_IDLE_REMOVE_SECONDS < settings.SANDBOX_IDLE_STOP_SECONDS:
        problems.append(
            Warning(
                "SANDBOX_IDLE_REMOVE_SECONDS is shorter than SANDBOX_IDLE_STOP_SECONDS: idle "
                "sandboxes are removed (with their files) before they would be stopped",
                hint="Remove after a week (604800), stop after 30 minutes (1800).",
                id="dockyard.W002",
            )
        )
    return problems
