"""The engine's authorization policy, as a pure function: no Docker needed."""
import base64
import importlib.util
import json
import socket
import threading
import time
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parent.parent / "images" / "engine" / "dockyard_authz.py"
_spec = importlib.util.spec_from_file_location("dockyard_authz", PLUGIN)
authz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(authz)

CREATE = "/v1.41/containers/create?name=web"


def create_body(**host_config) -> bytes:
    """A body shaped like the one `docker run` sends."""
    return json.dumps({
        "Image": "busybox",
        "Cmd": ["httpd", "-f", "-p", "80"],
        "ExposedPorts": {"80/tcp": {}},
        "Volumes": {},
        "Labels": {},
        "HostConfig": {
            "Binds": None,
            "NetworkMode": "default",
            "PortBindings": {},
            "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
            "CapAdd": None,
            "CapDrop": None,
            "Privileged": False,
            "SecurityOpt": None,
            **host_config,
        },
        "NetworkingConfig": {"EndpointsConfig": {}},
    }).encode()


def refused(method, uri, body=b"") -> str:
    allow, message = authz.decide(method, uri, body)
    assert not allow, f"{method} {uri} was allowed"
    assert message.startswith("Dockyard: ")
    return message


def allowed(method, uri, body=b""):
    allow, message = authz.decide(method, uri, body)
    assert allow, message


# --- what the book's ordinary commands send --------------------------------------


def test_it_allows_run_with_published_port_and_home_bind():
    allowed("POST", CREATE, create_body(
        Binds=["/root/site:/www"],
        PortBindings={"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
    ))


def test_it_allows_named_volumes_and_the_home_itself():
    allowed("POST", CREATE, create_body(Binds=["data:/data", "/root:/home", "/root/a/../b/:/b:ro"]))


def test_it_allows_mounts_of_home_named_volume_and_tmpfs():
    allowed("POST", CREATE, create_body(Mounts=[
        {"Type": "bind", "Source": "/root/site", "Target": "/www"},
        {"Type": "volume", "Source": "data", "Target": "/data"},
        {"Type": "tmpfs", "Target": "/tmp"},
    ]))


def test_it_allows_network_modes_inside_the_engine():
    allowed("POST", CREATE, create_body(NetworkMode="host"))
    allowed("POST", CREATE, create_body(NetworkMode="container:web", PidMode="container:web"))


def test_it_allows_build_exec_pull_and_friends():
    allowed("POST", "/v1.41/build?t=hello&networkmode=host&extrahosts=%5B%5D", b"")
    allowed("POST", "/v1.41/containers/web/exec", json.dumps({"Cmd": ["sh"], "Tty": True}).encode())
    allowed("POST", "/v1.41/images/create?fromImage=busybox&tag=latest")
    allowed("POST", "/v1.41/images/busybox/push?tag=latest")
    allowed("POST", "/v1.41/images/busybox/tag?repo=me/busybox&tag=v1")
    allowed("POST", "/v1.41/commit?container=web&repo=mine")
    allowed("GET", "/v1.41/containers/json?all=1")
    allowed("GET", "/v1.41/containers/web/logs?stdout=1")
    allowed("DELETE", "/v1.41/containers/web?force=1")
    allowed("POST", "/v1.41/networks/create", json.dumps({"Name": "app", "Driver": "bridge"}).encode())
    allowed("HEAD", "/_ping")


def test_it_allows_volume_create_with_the_local_driver():
    allowed("POST", "/v1.41/volumes/create", json.dumps({"Name": "data", "Driver": "local"}).encode())
    allowed("POST", "/v1.41/volumes/create", b"{}")
    allowed("POST", "/v1.41/volumes/create", json.dumps(
        {"Name": "scratch", "DriverOpts": {"type": "tmpfs", "device": "tmpfs", "o": "size=64m"}}
    ).encode())


def test_it_allows_update_of_ordinary_limits():
    allowed("POST", "/v1.41/containers/web/update", json.dumps({"Memory": 64 << 20, "RestartPolicy": {"Name": "always"}}).encode())


# --- refusals, one per item ---------------------------------------------------------


@pytest.mark.parametrize("field,value,flag", [
    ("Privileged", True, "--privileged"),
    ("CapAdd", ["SYS_ADMIN"], "--cap-add"),
    ("CapAdd", ["NET_RAW"], "--cap-add"),
    ("Capabilities", ["CAP_SYS_ADMIN"], "setting the capability set"),
    ("SecurityOpt", ["seccomp=unconfined"], "--security-opt"),
    ("SecurityOpt", ["apparmor=unconfined"], "--security-opt"),
    ("SecurityOpt", ["systempaths=unconfined"], "--security-opt"),
    ("Devices", [{"PathOnHost": "/dev/kmsg", "PathInContainer": "/dev/kmsg", "CgroupPermissions": "rwm"}], "--device"),
    ("DeviceRequests", [{"Driver": "nvidia", "Count": -1}], "--gpus"),
    ("DeviceCgroupRules", ["a *:* rwm"], "--device-cgroup-rule"),
    ("Sysctls", {"net.ipv4.ip_forward": "1"}, "--sysctl"),
    ("MaskedPaths", [], "changing the masked /proc paths"),
    ("ReadonlyPaths", [], "changing the read-only /proc paths"),
    ("CgroupParent", "/", "--cgroup-parent"),
])
def test_it_refuses_dangerous_host_config(field, value, flag):
    message = refused("POST", CREATE, create_body(**{field: value}))
    assert flag in message
    assert "not allowed in the classroom sandbox" in message


@pytest.mark.parametrize("field,flag", [
    ("PidMode", "--pid=host"),
    ("IpcMode", "--ipc=host"),
    ("UTSMode", "--uts=host"),
    ("UsernsMode", "--userns=host"),
    ("CgroupnsMode", "--cgroupns=host"),
])
def test_it_refuses_host_namespaces(field, flag):
    assert flag in refused("POST", CREATE, create_body(**{field: "host"}))


@pytest.mark.parametrize("source", [
    "/",
    "/etc",
    "/run/docker/plugins",
    "/var/lib/docker",
    "/root/../etc",
    "/root/site/../../run",
    "//etc",
    "/rootfs",
    "/root2",
    "/proc/1/root",
])
def test_it_refuses_binds_outside_home(source):
    message = refused("POST", CREATE, create_body(Binds=[f"{source}:/host"]))
    assert "bind mounts from outside /root are not allowed" in message


def test_it_refuses_bind_mounts_outside_home():
    message = refused("POST", CREATE, create_body(Mounts=[{"Type": "bind", "Source": "/root/../", "Target": "/h"}]))
    assert "bind mounts from outside /root" in message


def test_it_refuses_binds_through_symlinks_leaving_home(tmp_path, monkeypatch):
    monkeypatch.setattr(authz, "HOME", str(tmp_path))
    (tmp_path / "escape").symlink_to("/etc")
    message = refused("POST", CREATE, create_body(Binds=[f"{tmp_path}/escape:/host"]))
    assert "symlinks leading outside" in message


def test_it_refuses_top_level_host_config_fields():
    # Docker still reads host settings from the top level when HostConfig is absent.
    body = json.dumps({"Image": "busybox", "Privileged": True}).encode()
    assert "--privileged" in refused("POST", CREATE, body)
    body = json.dumps({"Image": "busybox", "Binds": ["/:/host"]}).encode()
    assert "bind mounts from outside /root" in refused("POST", CREATE, body)


def test_it_matches_field_names_as_go_does():
    body = json.dumps({"Image": "busybox", "hostconfig": {"privileged": True}}).encode()
    assert "--privileged" in refused("POST", CREATE, body)
    # U+017F LATIN SMALL LETTER LONG S folds to "s" in Go's encoding/json.
    body = json.dumps({"Image": "busybox", "HostConfig": {"\u017fecurityOpt": ["seccomp=unconfined"]}}).encode()
    assert "--security-opt" in refused("POST", CREATE, body)


def test_it_refuses_repeated_fields():
    body = b'{"Image": "busybox", "HostConfig": {"Privileged": true}, "HostConfig": {"Memory": 1}}'
    assert "repeats the field" in refused("POST", CREATE, body)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b"null", b"\xff\xfe", b'{"HostConfig": "x"}'])
def test_it_refuses_create_bodies_it_cannot_inspect(body):
    assert "could not be inspected" in refused("POST", CREATE, body)


def test_it_refuses_volume_driver_on_create():
    assert "volume drivers other than local" in refused("POST", CREATE, create_body(VolumeDriver="sshfs"))


@pytest.mark.parametrize("options", [
    {"type": "none", "o": "bind", "device": "/"},
    {"o": "bind", "device": "/etc"},
    {"device": "/dev/vda"},
    {"type": "ext4", "device": "/dev/vda"},
    {"type": "tmpfs", "device": "tmpfs", "o": "rbind"},
])
def test_it_refuses_volumes_that_mount_host_paths(options):
    body = json.dumps({"Name": "evil", "Driver": "local", "DriverOpts": options}).encode()
    assert "volumes that mount host paths" in refused("POST", "/v1.41/volumes/create", body)


def test_it_refuses_volume_mounts_whose_driver_options_bind_host_paths():
    mount = {"Type": "volume", "Source": "evil", "Target": "/h", "VolumeOptions": {
        "DriverConfig": {"Name": "local", "Options": {"type": "none", "o": "bind", "device": "/"}}}}
    assert "volumes that mount host paths" in refused("POST", CREATE, create_body(Mounts=[mount]))


def test_it_refuses_other_volume_drivers():
    body = json.dumps({"Name": "v", "Driver": "rexray"}).encode()
    assert "volume drivers other than local" in refused("POST", "/v1.41/volumes/create", body)


def test_it_refuses_unknown_mount_types():
    assert "mounts of type 'npipe'" in refused("POST", CREATE, create_body(Mounts=[{"Type": "npipe", "Source": "x", "Target": "/x"}]))


def test_it_refuses_privileged_exec():
    body = json.dumps({"Cmd": ["sh"], "Privileged": True}).encode()
    assert "docker exec --privileged" in refused("POST", "/v1.41/containers/web/exec", body)


def test_it_refuses_exec_it_cannot_inspect():
    assert "could not be inspected" in refused("POST", "/v1.41/containers/web/exec", b"")


def test_it_refuses_update_adding_devices():
    body = json.dumps({"Devices": [{"PathOnHost": "/dev/kmsg"}]}).encode()
    assert "--device" in refused("POST", "/v1.41/containers/web/update", body)


@pytest.mark.parametrize("method,uri", [
    ("POST", "/v1.41/swarm/init"),
    ("POST", "/v1.41/swarm/join"),
    ("GET", "/v1.41/services"),
    ("POST", "/v1.41/services/create"),
    ("GET", "/v1.41/nodes"),
    ("POST", "/v1.41/secrets/create"),
    ("POST", "/v1.41/configs/create"),
    ("GET", "/v1.41/tasks"),
    ("POST", "/swarm/init"),
])
def test_it_refuses_swarm(method, uri):
    assert "swarm mode" in refused(method, uri, b"{}")


@pytest.mark.parametrize("uri", ["/v1.41/plugins", "/v1.41/plugins/pull?remote=x", "/v1.41/plugins/x/enable"])
def test_it_refuses_plugins(uri):
    assert "Docker plugins are not allowed" in refused("POST", uri)


@pytest.mark.parametrize("uri", [
    "/v1.41//containers/create",
    "/v1.41/containers/create/",
    "/v1.41/containers/./create",
    "/v1.41/containers/cre%61te",
    "/containers/create",
    "/v1.24/containers/create",
])
def test_it_normalizes_the_path_before_matching(uri):
    assert "--privileged" in refused("POST", uri, create_body(Privileged=True))


def test_it_refuses_build_cgroup_parent():
    assert "--cgroup-parent" in refused("POST", "/v1.41/build?cgroupparent=%2F")


def _post(path: str, endpoint: str, payload: dict) -> dict:
    """One HTTP/1.1 request over the plugin's unix socket, as dockerd sends it."""
    for _ in range(50):
        try:
            conn = socket.socket(socket.AF_UNIX)
            conn.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    data = json.dumps(payload).encode()
    conn.sendall(f"POST {endpoint} HTTP/1.1\r\nHost: plugin\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
    response = b""
    while not (b"\r\n\r\n" in response and response.endswith(b"}")):
        response += conn.recv(4096)
    conn.close()
    return json.loads(response.split(b"\r\n\r\n", 1)[1])


def test_the_plugin_speaks_dockers_authz_protocol(tmp_path):
    path = str(tmp_path / "authz.sock")
    threading.Thread(target=authz.serve, args=(path,), daemon=True).start()

    def post(endpoint: str, payload: dict) -> dict:
        return _post(path, endpoint, payload)

    assert post("/Plugin.Activate", {}) == {"Implements": ["authz"]}
    denied = post("/AuthZPlugin.AuthZReq", {
        "RequestMethod": "POST", "RequestUri": CREATE,
        "RequestBody": base64.b64encode(create_body(Privileged=True)).decode(),
    })
    assert denied["Allow"] is False and "--privileged" in denied["Msg"]
    assert post("/AuthZPlugin.AuthZReq", {"RequestMethod": "GET", "RequestUri": "/v1.41/info"})["Allow"] is True
    assert post("/AuthZPlugin.AuthZRes", {"RequestMethod": "GET", "RequestUri": "/v1.41/info"})["Allow"] is True
