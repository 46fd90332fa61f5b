"""A cookie naming the logged-in student, for a proxy that routes by student.

A student's shell lives in the server process that opened it (sandbox/shells.py).
With several processes behind one proxy (compose.yaml, docs/deploy.md), every
websocket of one student, and an instructor watching them at
/ws/terminal/<username>/, must reach the same process. The proxy hashes on this
cookie, or on the username in a watch URL, so both name the student the same way:
percent-encoded as a browser encodes that path (non-ASCII as UTF-8 %XX, `@` and
`+` as they are). The cookie grants nothing: the app authenticates by session,
and a forged value only sends its sender's own connections elsewhere.
"""

from urllib.parse import quote

from django.conf import settings

ROUTE_COOKIE = "dockyard_route"


def route_key(username: str) -> str:
    return quote(username, safe="@+")


class RouteCookieMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            key = route_key(user.get_username())
            if request.COOKIES.get(ROUTE_COOKIE) != key:
                response.set_cookie(
                    ROUTE_COOKIE, key, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
                )
        return response
