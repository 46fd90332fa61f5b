"""The web preview's HTTP endpoints; the logic is in sandbox.preview."""

from django.http import HttpResponse, HttpResponseForbidden, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sandbox import preview, runtime
from sandbox.services import sandbox_key

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


async def _owner(request):
    user = await request.auser()
    return user if user.is_authenticated else None


async def ports(request):
    """The ports the student has published, for the lesson page's list."""
    user = await _owner(request)
    if user is None:
        return JsonResponse({"error": _("Log in first.")}, status=403)
    address, published = await runtime.current().preview.sandbox_ports(sandbox_key(user), fresh=True)
    return JsonResponse({"ports": preview.ports_json(published)})


# The preview serves the student's own pages, which post to themselves; the
# app's CSRF token must never be handed to them, and nothing here acts on the app.
@csrf_exempt
async def proxy(request, port: int, path: str = ""):
    user = await _owner(request)
    if user is None:
        return HttpResponseForbidden(_("Log in to preview your sandbox."))
    if request.method not in METHODS:
        return HttpResponse(_("Method not allowed."), status=405)
    if not 0 < port < 65536:
        return HttpResponse(_("No such port."), status=404)
    body = request.body
    if len(body) > preview.MAX_BODY:
        return HttpResponse(_("Request too large for the preview."), status=413)
    try:
        client = runtime.current().preview
        base = await client.target_for(sandbox_key(user), port)
        upstream = await client.forward(
            base, request.method, path, request.META.get("QUERY_STRING", ""), request.headers, body
        )
    except preview.PreviewError as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain; charset=utf-8")

    async def content():
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            await upstream.aclose()

    prefix = f"/sandbox/preview/{port}/"
    response = StreamingHttpResponse(content(), status=upstream.status_code)
    for name, value in preview.response_headers(upstream.headers, prefix, base):
        response.headers[name] = value
    return response
