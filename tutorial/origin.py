"""Websockets are accepted only from this site's own pages.

Channels' AllowedHostsOriginValidator compares the Origin's host name with
ALLOWED_HOSTS and ignores its scheme and port, so a page on
http://127.0.0.1:9999 (any local program) could open a student's terminal with
the student's cookies. Here the Origin must be exactly the scheme, host and
port the browser connected to, as for Django's CSRF check: the Host header
(one of ALLOWED_HOSTS) with the connection's scheme, or one of
CSRF_TRUSTED_ORIGINS.
"""

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


class SameOriginValidator:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def same_origin(scope) -> bool:
    headers: dict[bytes, list[bytes]] = {}
    for name, value in scope.get("headers") or []:
        headers.setdefault(name.lower(), []).append(value)
    origins, hosts = headers.get(b"origin", []), headers.get(b"host", [])
    if len(origins) != 1 or len(hosts) != 1:
        return False
    origin = origins[0].decode("latin-1").strip().lower()
    host = hosts[0].decode("latin-1").strip().lower()
    if origin in {trusted.lower() for trusted in settings.CSRF_TRUSTED_ORIGINS}:
        return True
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    return origin == f"{_scheme(scope, headers)}://{host}"


def _scheme(scope, headers) -> str:
    if scope.get("scheme") in ("wss", "https"):
        return "https"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, expected = proxy_header
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        if [value.decode("latin-1").strip() for value in headers.get(header, [])] == [expected]:
            return "https"
    return "http"
