"""The engine's allowlist (sandbox/images/engine/authz_policy.py), as a pure function.

Table-driven: every field the policy declares has an allowed example here, and
every field it restricts has refused examples; a field added to the policy
without both fails test_every_declared_field_has_examples.
"""

import base64
import json
import socket
import time

import pytest

from sandbox.tests.authz_helpers import CREATE, allowed, create_body, guard, policy, refused

# --- every field, allowed ---------------------------------------------------------------

HOST_CONFIG_ALLOWED = {
    "Binds": [["/root/site:/www", "data:/data", "/root:/home:ro", "/root/a/../b/:/b:ro,rslave"]],
    "ContainerIDFile": ["/root/cid"],
    "LogConfig": [{"Type": "json-file", "Config": {"max-size": "1m"}}, {"Type": "none"}, {"Type": "local"}],
    "NetworkMode": ["host", "none", "bridge", "container:web", "mynet"],
    "PortBindings": [{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}],
    "RestartPolicy": [{"Name": "always", "MaximumRetryCount": 0}],
    "AutoRemove": [True],
    "VolumeDriver": ["local", ""],
    "VolumesFrom": [["web:ro"]],
    "ConsoleSize": [[24, 80]],
    "Annotations": [None, {}],
    "CapAdd": [None, []],
    "CapDrop": [["ALL"], ["NET_RAW"]],
    "Capabilities": [None],
    "CgroupnsMode": ["", "private"],
    "Dns": [["1.1.1.1"]],
    "DnsOptions": [["ndots:1"]],
    "DnsSearch": [["example.com"]],
    "ExtraHosts": [["db:10.0.0.2"]],
    "GroupAdd": [["audio"]],
    "IpcMode": ["", "private", "shareable", "none", "container:web"],
    "Cgroup": ["", "container:web"],
    "Links": [["db:db"]],
    "OomScoreAdj": [500],
    "PidMode": ["", "container:web"],
    "Privileged": [False, None],
    "PublishAllPorts": [True],
    "ReadonlyRootfs": [True],
    "SecurityOpt": [None, [], ["no-new-privileges"], ["no-new-privileges:true"]],
    "StorageOpt": [None, {}],
    "Tmpfs": [{"/run": "rw,size=64m"}],
    "UTSMode": [""],
    "UsernsMode": [""],
    "ShmSize": [67108864],
    "Sysctls": [None, {}],
    "Runtime": ["", "runc", "io.containerd.runc.v2"],
    "Isolation": ["", "default"],
    "Mounts": [
        [
            {
                "Type": "bind",
                "Source": "/root/site",
                "Target": "/www",
                "ReadOnly": True,
                "BindOptions": {"Propagation": "rprivate", "CreateMountpoint": True},
            },
            {
                "Type": "volume",
                "Source": "data",
                "Target": "/data",
                "VolumeOptions": {"NoCopy": True, "Subpath": "x", "DriverConfig": {"Name": "local"}},
            },
            {
                "Type": "volume",
                "Target": "/scratch",
                "VolumeOptions": {
                    "DriverConfig": {
                        "Name": "local",
                        "Options": {"type": "tmpfs", "device": "tmpfs", "o": "size=64m,uid=1000"},
                    }
                },
            },
            {"Type": "tmpfs", "Target": "/tmp", "TmpfsOptions": {"SizeBytes": 1 << 20, "Mode": 0o1777}},
        ]
    ],
    "MaskedPaths": [None],
    "ReadonlyPaths": [None],
    "Init": [True],
    # resources
    "CpuShares": [512],
    "Memory": [64 << 20],
    "NanoCpus": [500000000],
    "CgroupParent": ["", None],
    "BlkioWeight": [300],
    "BlkioWeightDevice": [[], None],
    "BlkioDeviceReadBps": [None, []],
    "BlkioDeviceWriteBps": [None],
    "BlkioDeviceReadIOps": [None],
    "BlkioDeviceWriteIOps": [None],
    "CpuPeriod": [100000],
    "CpuQuota": [50000],
    "CpuRealtimePeriod": [0],
    "CpuRealtimeRuntime": [0],
    "CpusetCpus": ["0"],
    "CpusetMems": ["0"],
    "Devices": [[], None],
    "DeviceCgroupRules": [None, []],
    "DeviceRequests": [None, []],
    "KernelMemory": [0],
    "KernelMemoryTCP": [0],
    "MemoryReservation": [32 << 20],
    "MemorySwap": [-1],
    "MemorySwappiness": [-1, 10],
    "OomKillDisable": [False, None],
    "PidsLimit": [100, None],
    "Ulimits": [[{"Name": "nofile", "Soft": 1024, "Hard": 2048}]],
    "CpuCount": [0],
    "CpuPercent": [0],
    "IOMaximumIOps": [0],
    "IOMaximumBandwidth": [0],
}

CONFIG_ALLOWED = {
    "Hostname": ["box"],
    "Domainname": ["example.com"],
    "User": ["1000:1000"],
    "AttachStdin": [True],
    "AttachStdout": [True],
    "AttachStderr": [True],
    "ExposedPorts": [{"80/tcp": {}}],
    "Tty": [True],
    "OpenStdin": [True],
    "StdinOnce": [True],
    "Env": [["A=1"]],
    "Cmd": [["sh"]],
    "Healthcheck": [
        {
            "Test": ["CMD", "true"],
            "Interval": 1000000000,
            "Timeout": 1,
            "StartPeriod": 1,
            "StartInterval": 1,
            "Retries": 3,
        }
    ],
    "ArgsEscaped": [True],
    "Image": ["busybox"],
    "Volumes": [{"/data": {}}],
    "WorkingDir": ["/app"],
    "Entrypoint": [["sh", "-c"]],
    "NetworkDisabled": [True],
    "MacAddress": ["02:42:ac:11:00:02"],
    "OnBuild": [["RUN true"]],
    "Labels": [{"a": "b"}],
    "StopSignal": ["SIGINT"],
    "StopTimeout": [5],
    "Shell": [["/bin/sh", "-c"]],
}


def test_every_declared_field_has_examples():
    declared_host = {name for name, _ in policy.HOST_CONFIG.fields.values()}
    declared_config = set(policy.CONFIG)
    assert declared_host == set(HOST_CONFIG_ALLOWED), declared_host ^ set(HOST_CONFIG_ALLOWED)
    assert declared_config == set(CONFIG_ALLOWED), declared_config ^ set(CONFIG_ALLOWED)
    restricted = {
        name
        for name, schema in policy.HOST_CONFIG.fields.values()
        if not isinstance(schema, policy.Any)
        and name not in ("Binds", "Mounts", "LogConfig", "RestartPolicy", "Ulimits", "Tmpfs")
    }
    assert restricted <= {field for field, _, _ in HOST_CONFIG_REFUSED}, restricted - {
        field for field, _, _ in HOST_CONFIG_REFUSED
    }


@pytest.mark.parametrize(
    "field,value", [(field, value) for field, values in HOST_CONFIG_ALLOWED.items() for value in values]
)
def test_each_host_config_field_is_allowed_with_ordinary_values(field, value):
    allowed("POST", CREATE, create_body(**{field: value}))


@pytest.mark.parametrize(
    "field,value", [(field, value) for field, values in CONFIG_ALLOWED.items() for value in values]
)
def test_each_container_config_field_is_allowed(field, value):
    body = json.loads(create_body())
    body[field] = value
    allowed("POST", CREATE, json.dumps(body).encode())
    allowed("POST", "/v1.41/commit?container=web&repo=mine", json.dumps({field: value}).encode())


def test_the_newest_cli_fields_are_allowed():
    body = json.loads(create_body())
    body["NetworkingConfig"] = {
        "EndpointsConfig": {
            "app": {
                "IPAMConfig": {"IPv4Address": "172.20.0.5"},
                "Aliases": ["web"],
                "DNSNames": ["web"],
                "MacAddress": "",
                "DriverOpts": {},
                "GwPriority": 0,
                "Links": None,
                "NetworkID": "",
                "EndpointID": "",
                "Gateway": "",
                "IPAddress": "",
                "IPPrefixLen": 0,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
            }
        }
    }
    allowed("POST", CREATE, json.dumps(body).encode())


# --- every restricted field, refused ---------------------------------------------------------

HOST_CONFIG_REFUSED = [
    ("Privileged", True, "--privileged"),
    ("Privileged", "true", "--privileged"),
    ("CapAdd", ["SYS_ADMIN"], "--cap-add"),
    ("CapAdd", ["NET_RAW"], "--cap-add"),
    ("Capabilities", ["CAP_SYS_ADMIN"], "setting the capability set"),
    ("SecurityOpt", ["seccomp=unconfined"], "--security-opt"),
    ("SecurityOpt", ["apparmor=unconfined"], "--security-opt"),
    ("SecurityOpt", ["label=disable"], "--security-opt"),
    ("SecurityOpt", ["systempaths=unconfined"], "--security-opt"),
    ("SecurityOpt", ["writable-cgroups=true"], "--security-opt"),
    ("Devices", [{"PathOnHost": "/dev/kmsg", "PathInContainer": "/dev/kmsg", "CgroupPermissions": "rwm"}], "--device"),
    ("DeviceRequests", [{"Driver": "nvidia", "Count": -1}], "--gpus"),
    ("DeviceCgroupRules", ["a *:* rwm"], "--device-cgroup-rule"),
    ("Sysctls", {"net.ipv4.ip_forward": "1"}, "--sysctl"),
    ("MaskedPaths", [], "changing the masked /proc paths"),
    ("ReadonlyPaths", [], "changing the read-only /proc paths"),
    ("CgroupParent", "/", "--cgroup-parent"),
    ("PidMode", "host", "--pid=host"),
    ("PidMode", "HOST", "--pid=HOST"),
    ("IpcMode", "host", "--ipc=host"),
    ("UTSMode", "host", "--uts=host"),
    ("UsernsMode", "host", "--userns=host"),
    ("CgroupnsMode", "host", "--cgroupns=host"),
    ("Cgroup", "host", "--cgroup=host"),
    ("Runtime", "runsc", "--runtime=runsc"),
    ("Isolation", "hyperv", "--isolation=hyperv"),
    ("VolumeDriver", "sshfs", "volume drivers other than local"),
    ("StorageOpt", {"size": "1T"}, "--storage-opt"),
    ("Annotations", {"io.kubernetes.cri.x": "y"}, "--annotation"),
    ("OomKillDisable", True, "--oom-kill-disable"),
    ("CpuRealtimeRuntime", 950000, "real-time CPU scheduling"),
    ("CpuRealtimePeriod", 1000000, "real-time CPU scheduling"),
    ("BlkioWeightDevice", [{"Path": "/dev/vda", "Weight": 10}], "per-device I/O limits"),
    ("BlkioDeviceReadBps", [{"Path": "/dev/vda", "Rate": 1}], "per-device I/O limits"),
    ("BlkioDeviceWriteBps", [{"Path": "/dev/vda", "Rate": 1}], "per-device I/O limits"),
    ("BlkioDeviceReadIOps", [{"Path": "/dev/vda", "Rate": 1}], "per-device I/O limits"),
    ("BlkioDeviceWriteIOps", [{"Path": "/dev/vda", "Rate": 1}], "per-device I/O limits"),
    ("LogConfig", {"Type": "syslog", "Config": {"syslog-address": "udp://10.0.0.1:514"}}, "--log-driver=syslog"),
    ("LogConfig", {"Type": "json-file", "Extra": 1}, "LogConfig.Extra"),
    ("Binds", ["/:/host"], "bind mounts from outside /root"),
    ("Binds", ["/root:/h:rshared"], "the bind option 'rshared'"),
    ("Binds", ["/root:/h:shared"], "the bind option 'shared'"),
    ("Binds", ["../x:/h"], "neither a volume name nor a path"),
    ("Binds", ["/root"], "SOURCE:TARGET"),
    (
        "Mounts",
        [{"Type": "bind", "Source": "/root", "Target": "/h", "BindOptions": {"Propagation": "rshared"}}],
        "bind propagation",
    ),
    ("Mounts", [{"Type": "image", "Source": "busybox", "Target": "/h"}], "mounts of type 'image'"),
    ("Mounts", [{"Type": "npipe", "Source": "x", "Target": "/x"}], "mounts of type 'npipe'"),
    ("Mounts", [{"Type": "volume", "Source": "v", "Target": "/x", "ClusterOptions": {}}], "ClusterOptions"),
    (
        "Mounts",
        [{"Type": "tmpfs", "Target": "/x", "TmpfsOptions": {"Options": [["exec"]], "Huge": 1}}],
        "TmpfsOptions.Huge",
    ),
]


@pytest.mark.parametrize("field,value,flag", HOST_CONFIG_REFUSED)
def test_each_restricted_host_config_value_is_refused(field, value, flag):
    message = refused("POST", CREATE, create_body(**{field: value}))
    assert flag in message, message
    assert "not allowed" in message or "not SOURCE" in message, message


# --- containers dockerd already stores (checked when the engine starts) --------------------

STORED_DEFAULTS = {  # what dockerd 26 stores for `docker create busybox true` on a cgroup v1 host
    "CgroupnsMode": "host",
    "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore"],
    "ReadonlyPaths": ["/proc/bus", "/proc/sys"],
    "NetworkMode": "default",
    "LogConfig": {"Type": "json-file", "Config": {}},
}


def test_a_stored_container_with_the_defaults_dockerd_filled_in_stays():
    assert policy.stored_container_problem(STORED_DEFAULTS, cgroup_v1=True) is None


def test_a_stored_host_cgroup_namespace_is_refused_where_it_is_not_the_default():
    """On cgroup v2 dockerd's default is private: a stored "host" was asked for."""
    problem = policy.stored_container_problem(STORED_DEFAULTS, cgroup_v1=False)
    assert problem is not None and "--cgroupns=host" in problem


@pytest.mark.parametrize(("field", "value", "flag"), [h for h in HOST_CONFIG_REFUSED if h[0] != "CgroupnsMode"])
def test_a_stored_container_with_a_refused_setting_is_named(field, value, flag):
    problem = policy.stored_container_problem({**STORED_DEFAULTS, field: value}, cgroup_v1=True)
    assert problem is not None and flag in problem, problem


@pytest.mark.parametrize(
    "field",
    [
        "Privileged",
        "Binds",
        "CapAdd",
        "SecurityOpt",
        "Devices",
        "PidMode",
        "MaskedPaths",
        "Mounts",
        "Capabilities",
        "BogusField",
    ],
)
def test_host_settings_at_the_top_level_are_refused(field):
    # Docker still reads host settings from the top level when HostConfig is absent.
    body = json.dumps({"Image": "busybox", field: None}).encode()
    assert f"the field {field} is not allowed" in refused("POST", CREATE, body)


def test_unknown_fields_are_refused_and_named():
    assert "HostConfig.Futuristic" in refused("POST", CREATE, create_body(Futuristic=True))
    body = json.loads(create_body())
    body["NetworkingConfig"]["EndpointsConfig"] = {"net": {"DriverOpts": {}, "Unknown": 1}}
    assert "Unknown" in refused("POST", CREATE, json.dumps(body).encode())


@pytest.mark.parametrize(
    "source",
    [
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
    ],
)
def test_binds_outside_home_are_refused(source):
    message = refused("POST", CREATE, create_body(Binds=[f"{source}:/host"]))
    assert "bind mounts from outside /root are not allowed" in message
    message = refused("POST", CREATE, create_body(Mounts=[{"Type": "bind", "Source": source, "Target": "/h"}]))
    assert "bind mounts from outside /root are not allowed" in message


def test_binds_through_symlinks_leaving_home_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(policy, "HOME", str(tmp_path))
    (tmp_path / "escape").symlink_to("/etc")
    message = refused("POST", CREATE, create_body(Binds=[f"{tmp_path}/escape:/host"]))
    assert "symlinks leading outside" in message


def test_field_names_match_as_go_matches_them():
    body = json.dumps({"Image": "busybox", "hostconfig": {"privileged": True}}).encode()
    assert "--privileged" in refused("POST", CREATE, body)
    # U+017F LATIN SMALL LETTER LONG S folds to "s" in Go's encoding/json; U+212A KELVIN SIGN to "k".
    body = json.dumps({"Image": "busybox", "HostConfig": {"\u017fecurityOpt": ["seccomp=unconfined"]}}).encode()
    assert "--security-opt" in refused("POST", CREATE, body)
    body = json.dumps({"Image": "busybox", "HostConfig": {"Devices": [], "Lin\u212as": None}}).encode()
    allowed("POST", CREATE, body)


def test_repeated_fields_are_refused():
    body = b'{"Image": "busybox", "HostConfig": {"Privileged": false}, "hostConfig": {"Privileged": true}}'
    assert "repeats the field" in refused("POST", CREATE, body)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"null",
        b"\xff\xfe",
        b'{"HostConfig": "x"}',
        b'{"Image": "a"} {"HostConfig": {"Privileged": true}}',
    ],
)
def test_create_bodies_that_cannot_be_inspected_are_refused(body):
    assert "could not be inspected" in refused("POST", CREATE, body)


def test_create_without_a_body_is_refused():
    # dockerd forwards no body when the Content-Type is not JSON, yet decodes one.
    message = refused("POST", CREATE, b"", {"Content-Length": "120", "Content-Type": "text/plain"})
    assert "could not be inspected" in message


# --- volumes, networks, exec, update, commit ----------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"Name": "data", "Driver": "local"},
        {},
        {"Name": "data", "Labels": {"a": "b"}},
        {"Name": "scratch", "DriverOpts": {"type": "tmpfs", "device": "tmpfs", "o": "size=64m,mode=1777"}},
    ],
)
def test_volume_create_with_the_local_driver_is_allowed(body):
    allowed("POST", "/v1.41/volumes/create", json.dumps(body).encode())


@pytest.mark.parametrize(
    "options",
    [
        {"type": "none", "o": "bind", "device": "/"},
        {"o": "bind", "device": "/etc"},
        {"device": "/dev/vda"},
        {"type": "ext4", "device": "/dev/vda"},
        {"type": "tmpfs", "device": "tmpfs", "o": "rbind"},
        {"type": "nfs", "o": "addr=10.0.0.1", "device": ":/x"},
    ],
)
def test_volumes_that_mount_host_paths_are_refused(options):
    body = json.dumps({"Name": "evil", "Driver": "local", "DriverOpts": options}).encode()
    assert "volumes that mount host paths" in refused("POST", "/v1.41/volumes/create", body)
    mount = {
        "Type": "volume",
        "Source": "evil",
        "Target": "/h",
        "VolumeOptions": {"DriverConfig": {"Name": "local", "Options": options}},
    }
    assert "volumes that mount host paths" in refused("POST", CREATE, create_body(Mounts=[mount]))


@pytest.mark.parametrize(
    "body,message",
    [
        ({"Name": "v", "Driver": "rexray"}, "volume drivers other than local"),
        ({"Name": "v", "ClusterVolumeSpec": {}}, "ClusterVolumeSpec"),
        ({"Name": "v", "DriverOpts": {"weird": "1"}}, "the volume driver option 'weird'"),
    ],
)
def test_other_volume_requests_are_refused(body, message):
    assert message in refused("POST", "/v1.41/volumes/create", json.dumps(body).encode())


def test_network_create_with_a_bridge_is_allowed():
    allowed(
        "POST",
        "/v1.41/networks/create",
        json.dumps(
            {
                "Name": "app",
                "CheckDuplicate": True,
                "Driver": "bridge",
                "Scope": "",
                "EnableIPv6": False,
                "IPAM": {
                    "Driver": "default",
                    "Options": {},
                    "Config": [{"Subnet": "172.30.0.0/24", "Gateway": "172.30.0.1"}],
                },
                "Internal": True,
                "Attachable": False,
                "Ingress": False,
                "ConfigOnly": False,
                "ConfigFrom": None,
                "Options": {"com.docker.network.bridge.enable_icc": "true"},
                "Labels": {},
            }
        ).encode(),
    )


@pytest.mark.parametrize(
    "body,message",
    [
        ({"Name": "n", "Driver": "macvlan", "Options": {"parent": "eth0"}}, "network drivers other than bridge"),
        ({"Name": "n", "Driver": "ipvlan"}, "network drivers other than bridge"),
        ({"Name": "n", "Driver": "overlay"}, "network drivers other than bridge"),
        ({"Name": "n", "Scope": "swarm"}, "--scope"),
        ({"Name": "n", "Ingress": True}, "--ingress"),
        ({"Name": "n", "IPAM": {"Driver": "dhcp"}}, "--ipam-driver"),
    ],
)
def test_other_network_drivers_are_refused(body, message):
    assert message in refused("POST", "/v1.41/networks/create", json.dumps(body).encode())


def test_network_connect_and_disconnect_are_allowed():
    allowed(
        "POST",
        "/v1.41/networks/app/connect",
        json.dumps({"Container": "web", "EndpointConfig": {"Aliases": ["w"]}}).encode(),
    )
    allowed("POST", "/v1.41/networks/app/disconnect", json.dumps({"Container": "web", "Force": True}).encode())


def test_exec_is_allowed_and_privileged_exec_refused():
    body = {
        "User": "",
        "Privileged": False,
        "Tty": True,
        "ConsoleSize": [24, 80],
        "AttachStdin": True,
        "AttachStderr": True,
        "AttachStdout": True,
        "Detach": False,
        "DetachKeys": "",
        "Env": None,
        "WorkingDir": "",
        "Cmd": ["sh"],
    }
    allowed("POST", "/v1.41/containers/web/exec", json.dumps(body).encode())
    body["Privileged"] = True
    assert "docker exec --privileged" in refused("POST", "/v1.41/containers/web/exec", json.dumps(body).encode())
    allowed("POST", "/v1.41/exec/abc/start", json.dumps({"Detach": False, "Tty": True}).encode())


def test_update_of_ordinary_limits_is_allowed_and_devices_refused():
    allowed(
        "POST",
        "/v1.41/containers/web/update",
        json.dumps({"Memory": 64 << 20, "RestartPolicy": {"Name": "always"}}).encode(),
    )
    body = json.dumps({"Devices": [{"PathOnHost": "/dev/kmsg"}]}).encode()
    assert "--device" in refused("POST", "/v1.41/containers/web/update", body)
    body = json.dumps({"Privileged": True}).encode()
    assert "the field Privileged" in refused("POST", "/v1.41/containers/web/update", body)


def test_commit_takes_a_config_but_no_host_settings():
    allowed("POST", "/v1.41/commit?container=web&repo=mine", b"null\n")
    allowed("POST", "/v1.45/commit?container=web&repo=mine", b"")  # Docker 26's CLI: no body at all
    allowed("POST", "/v1.41/commit?container=web&repo=mine", json.dumps({"Cmd": ["nginx"]}).encode())
    body = json.dumps({"HostConfig": {"Privileged": True}}).encode()
    assert "the field HostConfig" in refused("POST", "/v1.41/commit?container=web", body)


# --- endpoints --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,uri",
    [
        ("HEAD", "/_ping"),
        ("GET", "/_ping"),
        ("GET", "/version"),
        ("GET", "/v1.41/info"),
        ("GET", "/v1.41/events?filters=%7B%7D"),
        ("GET", "/v1.41/system/df"),
        ("GET", "/v1.41/containers/json?all=1"),
        ("GET", "/v1.41/containers/web/logs?stdout=1"),
        ("GET", "/v1.41/containers/web/top"),
        ("GET", "/v1.41/containers/web/changes"),
        ("GET", "/v1.41/containers/web/export"),
        ("GET", "/v1.41/containers/web/stats?stream=0"),
        ("GET", "/v1.41/containers/web/attach/ws?stream=1"),
        ("HEAD", "/v1.41/containers/web/archive?path=/x"),
        ("GET", "/v1.41/containers/web/archive?path=/x"),
        ("POST", "/v1.41/containers/web/start"),
        ("POST", "/v1.41/containers/web/stop?t=1"),
        ("POST", "/v1.41/containers/web/restart"),
        ("POST", "/v1.41/containers/web/kill?signal=HUP"),
        ("POST", "/v1.41/containers/web/pause"),
        ("POST", "/v1.41/containers/web/unpause"),
        ("POST", "/v1.41/containers/web/wait?condition=removed"),
        ("POST", "/v1.41/containers/web/resize?h=1&w=1"),
        ("POST", "/v1.41/containers/web/rename?name=x"),
        ("POST", "/v1.41/containers/web/attach?stream=1"),
        ("DELETE", "/v1.41/containers/web?force=1"),
        ("POST", "/v1.41/containers/prune"),
        ("POST", "/v1.41/images/create?fromImage=busybox&tag=latest"),
        ("POST", "/v1.41/images/busybox/push?tag=latest"),
        ("POST", "/v1.41/images/127.0.0.1:5000/library/busybox/tag?repo=me/busybox&tag=v1"),
        ("GET", "/v1.41/images/json"),
        ("GET", "/v1.41/images/registry.example.com/team/busybox:1.0/json"),
        ("GET", "/v1.41/images/busybox/history"),
        ("GET", "/v1.41/images/busybox/get"),
        ("GET", "/v1.41/images/get?names=busybox"),
        ("GET", "/v1.41/images/search?term=x"),
        ("DELETE", "/v1.41/images/busybox@sha256:abc"),
        ("POST", "/v1.41/images/prune"),
        ("GET", "/v1.41/distribution/busybox/json"),
        ("POST", "/v1.41/build/prune"),
        ("POST", "/v1.41/build/cancel?id=x"),
        ("GET", "/v1.41/networks"),
        ("GET", "/v1.41/networks/app"),
        ("DELETE", "/v1.41/networks/app"),
        ("POST", "/v1.41/networks/prune"),
        ("GET", "/v1.41/volumes"),
        ("GET", "/v1.41/volumes/data"),
        ("DELETE", "/v1.41/volumes/data"),
        ("POST", "/v1.41/volumes/prune"),
        ("GET", "/v1.41/exec/abc/json"),
        ("POST", "/v1.41/exec/abc/resize?h=1&w=1"),
        ("GET", "/v1.24/info"),
        ("GET", "/v1.45/info"),
    ],
)
def test_the_endpoints_a_student_needs_are_allowed(method, uri):
    allowed(method, uri)


@pytest.mark.parametrize(
    "uri",
    [
        "/v1.41/build?t=x",
        "/v1.41/images/load?quiet=1",
        "/v1.41/session",
        "/v1.41/grpc",
        "/v1.41/auth",
        "/v1.41/images/create?fromSrc=-&repo=x",
    ],
)
def test_streamed_bodies_are_allowed_chunked(uri):
    allowed("POST", uri, b"", {"Content-Type": "application/x-tar"})


@pytest.mark.parametrize(
    "method,uri,message",
    [
        ("POST", "/v1.41/swarm/init", "swarm mode"),
        ("POST", "/v1.41/swarm/join", "swarm mode"),
        ("GET", "/v1.41/services", "swarm mode"),
        ("POST", "/v1.41/services/create", "swarm mode"),
        ("GET", "/v1.41/nodes", "swarm mode"),
        ("POST", "/v1.41/secrets/create", "swarm mode"),
        ("POST", "/v1.41/configs/create", "swarm mode"),
        ("GET", "/v1.41/tasks", "swarm mode"),
        ("POST", "/swarm/init", "swarm mode"),
        ("GET", "/v1.41/plugins", "Docker plugins are not allowed"),
        ("POST", "/v1.41/plugins/pull?remote=x", "Docker plugins are not allowed"),
        ("POST", "/v1.41/containers/web/checkpoints", "not in Dockyard's allowlist"),
        ("PUT", "/v1.41/volumes/data", "not in Dockyard's allowlist"),
        ("POST", "/v1.41/containers/web/copy", "not in Dockyard's allowlist"),
        ("GET", "/v1.41/debug/pprof/heap", "not in Dockyard's allowlist"),
        ("OPTIONS", "/v1.41/info", "not in Dockyard's allowlist"),
        ("POST", "/v1.41/info", "not in Dockyard's allowlist"),
        ("GET", "/v1.41/containers/a/b/json", "not in Dockyard's allowlist"),
    ],
)
def test_endpoints_outside_the_table_are_refused(method, uri, message):
    assert message in refused(method, uri, b"{}" if method == "POST" else b"")


# --- the escape: old API versions and bodies where none belongs -----------------------------

START_BODY = json.dumps(
    {"CapAdd": ["SYS_ADMIN"], "SecurityOpt": ["seccomp=unconfined"], "MaskedPaths": [], "ReadonlyPaths": []}
).encode()


@pytest.mark.parametrize("version", ["1.23", "1.12", "1.0", "0.99", "1", "1.2", "1.23.9", "", "1..24", "01.23x"])
def test_api_versions_older_than_1_24_are_refused(version):
    message = refused("GET", f"/v{version}/info")
    assert "is not allowed in the classroom sandbox; use 1.24 or later" in message or "not in Dockyard" in message


@pytest.mark.parametrize("version", ["v1.23", "v1.12", "v1.41", ""])
@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json", "Content-Length": str(len(START_BODY))},
        {"Content-Type": "application/json"},  # chunked: Go removes both framing headers
    ],
)
def test_start_with_a_body_is_refused(version, headers):
    prefix = f"/{version}" if version else ""
    refused("POST", f"{prefix}/containers/x/start", START_BODY, headers)
    refused("POST", f"{prefix}/containers/x/start", b"", headers)  # the body was not forwarded


def test_a_post_without_content_length_is_refused_where_no_body_belongs():
    message = refused("POST", "/v1.41/containers/x/start", b"", {"Content-Type": "application/json"})
    assert "without Content-Length" in message
    message = refused("POST", "/v1.41/containers/x/start", b"", {"Content-Length": "7"})
    assert "a request body on POST /containers/x/start" in message


def test_json_bodies_sent_in_chunks_are_refused():
    message = refused("POST", CREATE, create_body(), {"Content-Type": "application/json"})
    assert "sent in chunks" in message


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "Application/X-WWW-Form-Urlencoded; charset=utf-8",
    ],
)
def test_form_encoded_bodies_are_refused(content_type):
    message = refused("POST", "/v1.41/build?t=x", b"", {"Content-Type": content_type})
    assert "form-encoded" in message


@pytest.mark.parametrize(
    "uri",
    [
        "/v1.41//containers/create",
        "/v1.41/containers/create/",
        "/v1.41/containers/./create",
        "/v1.41/containers/x/../create",
        "/v1.41/containers/%2e%2e/create",
        "/v1.41/containers/cre%61te/../create",
    ],
)
def test_non_canonical_paths_are_refused(uri):
    assert "canonical form" in refused("POST", uri, create_body())


def test_percent_encoded_paths_are_matched_decoded():
    assert "--privileged" in refused("POST", "/v1.41/containers/cre%61te", create_body(Privileged=True))
    assert "--privileged" in refused("POST", "http://docker/v1.41/containers/create", create_body(Privileged=True))


# --- /build options -------------------------------------------------------------------------------

CLI_BUILD = (
    "/v1.41/build?buildargs=%7B%7D&cachefrom=%5B%5D&cgroupparent=&cpuperiod=0&cpuquota=0"
    "&cpusetcpus=&cpusetmems=&cpushares=0&dockerfile=Dockerfile&labels=%7B%7D&memory=0&memswap=0"
    "&networkmode=default&rm=1&shmsize=0&t=hello&target=&ulimits=null&version=1"
)


def test_the_clis_build_is_allowed():
    allowed("POST", CLI_BUILD, b"", {"Content-Type": "application/x-tar"})
    allowed(
        "POST",
        CLI_BUILD + "&networkmode=host&extrahosts=db%3A10.0.0.2&outputs=%5B%7B%22Type%22%3A%22moby%22%7D%5D",
        b"",
        {"Content-Type": "application/x-tar"},
    )


@pytest.mark.parametrize(
    "query,message",
    [
        ("cgroupparent=%2F", "--cgroup-parent"),
        ("cgroupparent=&cgroupparent=%2F", "--cgroup-parent"),
        ("securityopt=seccomp%3Dunconfined", "docker build --security-opt"),
        ("networkmode=container%3Aweb", "docker build --network"),
        ("isolation=hyperv", "--isolation"),
        ("CgroupParent=%2F", "the build option 'CgroupParent'"),
        ("entitlements=security.insecure", "the build option 'entitlements'"),
        ("outputs=%5B%7B%22Type%22%3A%22registry%22%7D%5D", "docker build --output type=registry"),
        ("ulimits=notjson", "could not be inspected"),
    ],
)
def test_dangerous_build_options_are_refused(query, message):
    assert message in refused("POST", f"/v1.41/build?{query}", b"", {"Content-Type": "application/x-tar"})


# --- the plugin speaks Docker's AuthZ protocol -----------------------------------------------------


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
    server = guard.serve_plugin(path)
    try:
        assert _post(path, "/Plugin.Activate", {}) == {"Implements": ["authz"]}
        body = create_body(Privileged=True)
        denied = _post(
            path,
            "/AuthZPlugin.AuthZReq",
            {
                "RequestMethod": "POST",
                "RequestUri": CREATE,
                "RequestHeaders": {"Content-Type": "application/json", "Content-Length": str(len(body))},
                "RequestBody": base64.b64encode(body).decode(),
            },
        )
        assert denied["Allow"] is False and "--privileged" in denied["Msg"]
        ok = _post(path, "/AuthZPlugin.AuthZReq", {"RequestMethod": "GET", "RequestUri": "/v1.41/info"})
        assert ok["Allow"] is True
        assert _post(path, "/AuthZPlugin.AuthZRes", {"RequestMethod": "GET", "RequestUri": "/v1.41/info"})["Allow"]
        broken = _post(
            path,
            "/AuthZPlugin.AuthZReq",
            {"RequestMethod": "POST", "RequestUri": CREATE, "RequestBody": "%%% not base64"},
        )
        assert broken["Allow"] is False  # fails closed
    finally:
        server.shutdown()


def test_the_documented_table_lists_every_endpoint():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "sandbox-security.md").read_text()
    for method, pattern, _ in policy.ROUTES:
        path = pattern.replace(policy._ID, "{id}").replace(policy._IMAGE, "{name}")
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{path}` |")), None)
        assert row is not None and method in row, f"{method} {path} is not in docs/sandbox-security.md"


@pytest.mark.parametrize(
    "method,uri,body,english,chinese",
    [
        ("POST", CREATE, create_body(Privileged=True), "--privileged is not allowed", "教室沙箱不允许 --privileged"),
        (
            "POST",
            CREATE,
            create_body(Binds=["/etc:/h"]),
            "bind mounts from outside /root",
            "不允许绑定挂载 /root 之外的路径（/etc）",
        ),
        ("GET", "/v1.23/info", b"", "API version 1.23", "教室沙箱不允许 API 版本 1.23"),
        ("GET", "/v1.41/swarm", b"", "swarm mode", "Swarm 模式"),
        ("POST", CREATE, create_body(Futuristic=1), "the field HostConfig.Futuristic", "不在 Dockyard 的允许清单里"),
    ],
)
def test_refusals_speak_the_students_language(method, uri, body, english, chinese):
    from sandbox.tests.authz_helpers import cli_headers

    allow, message = policy.decide(method, uri, cli_headers(method, body), body, "zh-hans")
    assert not allow and chinese in message and message.startswith("Dockyard: ")
    allow, message = policy.decide(method, uri, cli_headers(method, body), body, "en")
    assert english in message


def test_every_refusal_of_the_tests_has_a_chinese_wording():
    """No refusal stays English for a Chinese page: every pattern is covered."""
    for field, value, _ in HOST_CONFIG_REFUSED:
        allow, message = policy.decide(
            "POST",
            CREATE,
            {"Content-Type": "application/json", "Content-Length": "1"},
            create_body(**{field: value}),
            "zh-hans",
        )
        assert not allow
        assert any("\u4e00" <= c <= "\u9fff" for c in message), message


def test_an_empty_body_stands_for_nothing_only_where_dockerd_reads_it_so():
    """Content-Length: 0 is `no configuration` for a commit; for anything that
    creates a container it is still refused (CVE-2024-41110 was this bypass)."""
    assert "request body could not be inspected" in refused("POST", "/v1.45/containers/create?name=x", b"")
    assert "request body could not be inspected" in refused("POST", "/v1.45/containers/x/update", b"")
    chunked = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    assert "without Content-Length" in refused("POST", "/v1.45/commit?container=web", b"", headers=chunked)
