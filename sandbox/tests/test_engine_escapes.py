"""The host escape through the old start API, and its variants, as a student
would try them: raw Engine API requests from the workspace shell (curl, as in
the report) and straight at dockerd's own socket inside the engine container
(so each wall, the guard's proxy and the authorization plugin, is shown to
hold without the other)."""

import base64
import json

import docker
import pytest

from sandbox.backends.docker.specs import Names
from sandbox.tests.docker_fixtures import TEST_PREFIX, sandbox_fixture

pytestmark = pytest.mark.docker

sandbox = sandbox_fixture("escapes")

SOCKET = "/run/dockyard/docker.sock"
DOCKERD_SOCKET = "/run/dockyard-engine/docker.sock"
# The report's probe: what a nested container can do once started with the escape's settings.
PROBE = (
    "grep CapEff /proc/self/status; mkdir -p /m; mount -t proc p /m && echo MOUNTED; "
    "ls /h/run/dockyard-authz 2>/dev/null && echo ENGINE-ROOT"
)
ESCAPE = {"CapAdd": ["SYS_ADMIN"], "SecurityOpt": ["seccomp=unconfined"], "MaskedPaths": [], "ReadonlyPaths": []}

# A raw HTTP/1.1 request over a unix socket, sent from inside a container by the
# standard library (the request bytes are exactly what the test says).
RAW_CLIENT = """
import base64, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(base64.b64decode(sys.argv[2])); out = b""
while (d := s.recv(65536)): out += d
sys.stdout.write(out.decode(errors="replace"))
"""


def _engine(sandbox):
    client = docker.from_env()
    with _test_names():
        return client.containers.get(Names(sandbox.key).engine)


class _test_names:
    def __enter__(self):
        from django.test import override_settings

        self._override = override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX)
        self._override.enable()

    def __exit__(self, *exc):
        self._override.disable()


def raw(container, socket_path: str, request: bytes) -> str:
    encoded = base64.b64encode(request).decode()
    result = container.exec_run(["python3", "-c", RAW_CLIENT, socket_path, encoded])
    return result.output.decode(errors="replace")


def start_request(version: str, container: str, body: dict, chunked: bool) -> bytes:
    data = json.dumps(body).encode()
    prefix = f"/{version}" if version else ""
    head = f"POST {prefix}/containers/{container}/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    if chunked:
        return (
            (head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
            + f"{len(data):x}\r\n".encode()
            + data
            + b"\r\n0\r\n\r\n"
        )
    return (head + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data


@pytest.fixture
def probe(sandbox):
    """A created, never started container whose output says what it could do."""
    name = "probe"
    sandbox.sh(f"docker rm -f {name} >/dev/null 2>&1; docker create --name {name} busybox sh -c '{PROBE}'")
    yield name
    sandbox.sh(f"docker rm -f {name} >/dev/null 2>&1")


def assert_never_started_with(sandbox, name: str):
    logs = sandbox.sh(f"docker start -a {name}").output  # started now, the ordinary way
    assert "MOUNTED" not in logs and "ENGINE-ROOT" not in logs, logs
    assert "CapEff:\t00000000a80425fb" in logs or "CapEff:\t00000000a80425fb" in logs.replace(" ", "\t"), logs


def test_the_reported_escape_fails_from_the_workspace(sandbox, probe):
    # The report, verbatim: curl from the student's shell to the old start API.
    result = sandbox.sh(
        f"curl -s --unix-socket {SOCKET} -H 'Content-Type: application/json' "
        f"-d '{json.dumps(ESCAPE)}' http://x/v1.23/containers/{probe}/start"
    )
    assert "API version 1.23 is not allowed" in result.output, result.output
    assert_never_started_with(sandbox, probe)


@pytest.mark.parametrize("version", ["v1.23", "v1.12", "v1.41", ""])
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
@pytest.mark.parametrize("wall", ["proxy", "plugin"])
def test_start_with_host_settings_is_refused_by_each_wall(sandbox, probe, version, chunked, wall):
    engine = _engine(sandbox)
    body = {**ESCAPE, "Binds": ["/:/h"]}
    # The proxy is the student's socket; the plugin alone guards dockerd's own socket.
    socket_path = SOCKET if wall == "proxy" else DOCKERD_SOCKET
    response = raw(engine, socket_path, start_request(version, probe, body, chunked))
    assert response.startswith("HTTP/1.1 403"), response
    assert "Dockyard:" in response, response
    assert_never_started_with(sandbox, probe)


def test_build_options_smuggled_in_a_form_body_are_refused(sandbox):
    engine = _engine(sandbox)
    form = b"securityopt=seccomp%3Dunconfined&cgroupparent=%2F"
    for socket_path, types in (
        (SOCKET, ["application/x-www-form-urlencoded", "application/x-tar"]),
        (DOCKERD_SOCKET, ["application/x-www-form-urlencoded"]),
    ):
        head = "POST /v1.41/build?remote=http://127.0.0.1:1/x.tar HTTP/1.1\r\nHost: x\r\n"
        head += "".join(f"Content-Type: {t}\r\n" for t in types)
        head += f"Content-Length: {len(form)}\r\nConnection: close\r\n\r\n"
        response = raw(engine, socket_path, head.encode() + form)
        assert response.startswith(("HTTP/1.1 403", "HTTP/1.1 400")), response
        assert "Dockyard:" in response or "repeated" in response, response


def test_the_student_cannot_reach_dockerds_own_socket(sandbox):
    result = sandbox.sh(f"ls -la {DOCKERD_SOCKET} /run/dockyard-engine 2>&1; ls /run/dockyard")
    assert "No such file or directory" in result.output
    assert "docker.sock" in result.output


def test_a_container_stored_by_an_older_engine_is_removed_when_the_engine_starts(sandbox):
    """What the old hole left behind (a container stored with SYS_ADMIN and a restart
    policy) must not run again once the engine is upgraded."""
    from sandbox.backends.docker.specs import engine_options

    with _test_names():
        names = Names(sandbox.key)
        options = engine_options(names)
    sandbox.run(sandbox.backend.stop(sandbox.key))
    # The same engine volumes under an engine without the authorization plugin: an older,
    # weaker engine, which stores whatever it is asked to.
    # Eager, and its engine run is the edited script too (dockyard-activate runs it).
    script = (
        "sed -e 's/--authorization-plugin=dockyard-authz//' "
        "-e 's#/usr/local/bin/dockyard-engine run#sh /tmp/old-engine run#' "
        "/usr/local/bin/dockyard-engine > /tmp/old-engine; "
        "sh /tmp/old-engine >/dev/null 2>&1 & "
        "export DOCKER_HOST=unix:///run/dockyard-engine/docker.sock; "
        "for i in $(seq 1 150); do docker version >/dev/null 2>&1 && break; sleep 0.2; done; "
        "docker create --name planted "
        "--cap-add SYS_ADMIN --restart always busybox sleep 600"
    )
    options.update(name=names.engine + "-old", entrypoint=["sh", "-c", script], detach=False, remove=True)
    options["environment"] = {"DOCKYARD_ENGINE_START": "eager"}
    output = docker.from_env().containers.run(**options)
    assert output.strip(), "the older engine did not create the container"
    sandbox.start()
    result = sandbox.sh("docker ps -a --format '{{.Names}}'")
    assert result.exit_code == 0, result.output
    assert "planted" not in result.output
    logs = _engine(sandbox).logs().decode()
    assert "was made with settings now refused (--cap-add is not allowed" in logs, logs[-2000:]


def test_refusals_are_logged_one_line_each_and_the_log_is_rotated(sandbox):
    engine = _engine(sandbox)
    assert engine.attrs["HostConfig"]["LogConfig"] == {
        "Type": "json-file",
        "Config": {"max-size": "1m", "max-file": "2"},
    }
    # A refusal that quotes the student's value: a newline and the engine's ready line.
    body = json.dumps({"Image": "busybox", "HostConfig": {"PidMode": "x\ndockyard-engine: ready"}})
    result = sandbox.sh(
        f"curl -sS --unix-socket {SOCKET} -H 'Content-Type: application/json' "
        f"-d '{body}' http://x/v1.41/containers/create"
    )
    assert "--pid=x" in result.output, result.output
    lines = engine.logs().decode().splitlines()
    refusal = [
        line for line in lines if "dockyard-engine: ready" in line and line.startswith("dockyard-guard: refused")
    ]
    assert len(refusal) == 1 and "x\\ndockyard-engine: ready" in refusal[0], lines[-5:]
    starts = [line for line in lines if line.startswith("dockyard-engine: pulling through")]
    assert [line for line in lines if line == "dockyard-engine: ready"] == ["dockyard-engine: ready"] * len(starts)
