"""The guard's front proxy (sandbox/images/engine/dockyard_guard.py) at the byte
level, against a stand-in for dockerd that records exactly what reaches it."""

import asyncio
import json

import pytest

from sandbox.tests.authz_helpers import guard

OK_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


class Upstream:
    """A unix-socket server standing in for dockerd: records each connection's bytes."""

    def __init__(self):
        self.received: list[bytes] = []

    async def handle(self, reader, writer):
        data = await reader.readuntil(b"\r\n\r\n")
        if b"Upgrade:" in data:
            writer.write(b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
            await writer.drain()
            while chunk := await reader.read(1024):  # echo the stream, as an attached shell would
                writer.write(chunk.upper())
                await writer.drain()
        else:
            try:
                data += await asyncio.wait_for(reader.read(65536), 0.2)
            except TimeoutError:
                pass
            writer.write(OK_RESPONSE)
        self.received.append(data)
        writer.close()


@pytest.fixture
async def proxy(tmp_path):
    upstream = Upstream()
    upstream_path, listen_path = str(tmp_path / "dockerd.sock"), str(tmp_path / "docker.sock")
    server = await asyncio.start_unix_server(upstream.handle, path=upstream_path)
    task = asyncio.create_task(guard.serve_proxy(listen_path, upstream_path))
    while not (tmp_path / "docker.sock").exists():
        await asyncio.sleep(0.01)
    yield listen_path, upstream
    task.cancel()
    server.close()


async def send(path: str, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(raw)
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return response


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


async def test_an_ordinary_request_reaches_dockerd_with_connection_close(proxy):
    path, upstream = proxy
    response = await send(path, b"GET /v1.41/info HTTP/1.1\r\nHost: docker\r\nConnection: keep-alive\r\n\r\n")
    assert response == OK_RESPONSE
    assert upstream.received == [b"GET /v1.41/info HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"]


@pytest.mark.parametrize(
    "raw,code,message",
    [
        (b"POST /v1.23/containers/x/start HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 403, "API version 1.23"),
        (
            b"POST /v1.12/containers/x/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            403,
            "API version 1.12",
        ),
        (
            b"POST /v1.41/containers/x/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            403,
            "a request body on POST /containers/x/start",
        ),
        (b"POST /containers/x/start HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 403, "a request body"),
        (
            b"POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            403,
            "chunked or too large",
        ),
        (
            b"POST /v1.41/build HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Type: application/x-tar\r\nContent-Length: 15\r\n\r\ncgroupparent=%2F",
            400,
            "Content-Type is repeated",
        ),
        (
            b"POST /v1.41/build HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 15\r\n\r\ncgroupparent=%2F",
            403,
            "form-encoded",
        ),
        (
            b"POST /v1.41/build HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
            "chunked alone",
        ),
        (b"POST /v1.41/build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400, "chunked alone"),
        (b"POST /v1.41/build HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", 400, "malformed Content-Length"),
        (b"POST /v1.41/build HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n", 400, "repeated"),
        (b"GET /v1.41/info HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n", 400, "malformed header"),
        (b"GET /v1.41/info HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400, "malformed header"),
        (b"GET http://x/v1.23/info HTTP/1.1\r\nHost: x\r\n\r\n", 400, "must be a path"),
        (b"GET /v1.41/info HTTP/2.0\r\nHost: x\r\n\r\n", 400, "malformed request line"),
        (b"GET  /v1.41/info HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed request line"),
        (b"GET /v1.41/../v1.23/info HTTP/1.1\r\nHost: x\r\n\r\n", 403, "canonical"),
        ("GET /v1.41/info HTTP/1.1\r\nHost: \u00e9\r\n\r\n".encode(), 400, "not ASCII"),
    ],
)
async def test_ambiguous_or_forbidden_requests_never_reach_dockerd(proxy, raw, code, message):
    path, upstream = proxy
    response = await send(path, raw)
    assert status(response) == code, response
    assert message in json.loads(response.split(b"\r\n\r\n", 1)[1])["message"]
    assert upstream.received == []


async def test_a_request_pipelined_behind_another_is_not_forwarded_as_a_request(proxy):
    path, upstream = proxy
    smuggled = b"POST /v1.23/containers/x/start HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    await send(path, b"GET /v1.41/info HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled)
    # It reaches dockerd only as bytes after a request marked `Connection: close`,
    # which Go's server never reads as a second request.
    assert len(upstream.received) == 1
    assert upstream.received[0].startswith(b"GET /v1.41/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


async def test_a_huge_head_is_refused(proxy):
    path, upstream = proxy
    response = await send(path, b"GET /v1.41/info HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
    assert status(response) == 431
    assert upstream.received == []


async def test_upgraded_connections_are_piped_both_ways(proxy):
    path, upstream = proxy
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(
        b"POST /v1.41/containers/web/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    writer.write(b"echo hi\n")
    assert await asyncio.wait_for(reader.readexactly(8), 5) == b"ECHO HI\n"
    writer.write_eof()  # the client closes stdin; the stream ends
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    assert b"Connection: Upgrade" in upstream.received[0]


def test_repeatable_headers_may_repeat():
    # BuildKit's session lists each of its gRPC methods in its own header line.
    head = (
        b"POST /session HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
        b"X-Docker-Expose-Session-Grpc-Method: /a\r\nX-Docker-Expose-Session-Grpc-Method: /b\r\n\r\n"
    )
    method, target, version, headers = guard.parse_head(head)
    guard.check_head(method, target, headers)
    assert [value for name, value in headers if name.startswith("X-Docker")] == ["/a", "/b"]
