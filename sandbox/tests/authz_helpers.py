"""The engine's policy and guard, imported by file path (they run in the engine
container with the standard library only), and requests shaped as the CLI sends them."""

import importlib.util
import json
import sys
from pathlib import Path

ENGINE_DIR = Path(__file__).resolve().parent.parent / "images" / "engine"
CORPUS = Path(__file__).resolve().parent / "fixtures" / "engine_requests.jsonl"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ENGINE_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the guard imports the policy by this name
    spec.loader.exec_module(module)
    return module


messages = _load("authz_messages")
policy = _load("authz_policy")
guard = _load("dockyard_guard")

CREATE = "/v1.41/containers/create?name=web"


def cli_headers(method: str, body: bytes) -> dict:
    """What the docker CLI sends: a JSON body with its length; POSTs without one say so."""
    if body:
        return {"Content-Type": "application/json", "Content-Length": str(len(body))}
    if method in ("POST", "PUT"):
        return {"Content-Type": "text/plain", "Content-Length": "0"}
    return {}


def decide(method: str, uri: str, body: bytes = b"", headers: dict | None = None):
    return policy.decide(method, uri, cli_headers(method, body) if headers is None else headers, body)


def refused(method: str, uri: str, body: bytes = b"", headers: dict | None = None) -> str:
    allow, message = decide(method, uri, body, headers)
    assert not allow, f"{method} {uri} was allowed"
    assert message.startswith("Dockyard: ")
    return message


def allowed(method: str, uri: str, body: bytes = b"", headers: dict | None = None) -> None:
    allow, message = decide(method, uri, body, headers)
    assert allow, message


def create_body(**host_config) -> bytes:
    """A body shaped like the one `docker run` sends (20.10 CLI), with host settings changed."""
    return json.dumps(
        {
            "Hostname": "",
            "Domainname": "",
            "User": "",
            "AttachStdin": False,
            "AttachStdout": True,
            "AttachStderr": True,
            "Tty": False,
            "OpenStdin": False,
            "StdinOnce": False,
            "Env": None,
            "Cmd": ["httpd", "-f", "-p", "80"],
            "Image": "busybox",
            "Volumes": {},
            "WorkingDir": "",
            "Entrypoint": None,
            "OnBuild": None,
            "Labels": {},
            "HostConfig": {
                "Binds": None,
                "ContainerIDFile": "",
                "LogConfig": {"Type": "", "Config": {}},
                "NetworkMode": "default",
                "PortBindings": {},
                "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
                "AutoRemove": False,
                "VolumeDriver": "",
                "VolumesFrom": None,
                "CapAdd": None,
                "CapDrop": None,
                "CgroupnsMode": "",
                "Dns": [],
                "DnsOptions": [],
                "DnsSearch": [],
                "ExtraHosts": None,
                "GroupAdd": None,
                "IpcMode": "",
                "Cgroup": "",
                "Links": None,
                "OomScoreAdj": 0,
                "PidMode": "",
                "Privileged": False,
                "PublishAllPorts": False,
                "ReadonlyRootfs": False,
                "SecurityOpt": None,
                "UTSMode": "",
                "UsernsMode": "",
                "ShmSize": 0,
                "ConsoleSize": [0, 0],
                "Isolation": "",
                "CpuShares": 0,
                "Memory": 0,
                "NanoCpus": 0,
                "CgroupParent": "",
                "BlkioWeight": 0,
                "BlkioWeightDevice": [],
                "BlkioDeviceReadBps": None,
                "BlkioDeviceWriteBps": None,
                "BlkioDeviceReadIOps": None,
                "BlkioDeviceWriteIOps": None,
                "CpuPeriod": 0,
                "CpuQuota": 0,
                "CpuRealtimePeriod": 0,
                "CpuRealtimeRuntime": 0,
                "CpusetCpus": "",
                "CpusetMems": "",
                "Devices": [],
                "DeviceCgroupRules": None,
                "DeviceRequests": None,
                "KernelMemory": 0,
                "KernelMemoryTCP": 0,
                "MemoryReservation": 0,
                "MemorySwap": 0,
                "MemorySwappiness": -1,
                "OomKillDisable": False,
                "PidsLimit": 0,
                "Ulimits": None,
                "CpuCount": 0,
                "CpuPercent": 0,
                "IOMaximumIOps": 0,
                "IOMaximumBandwidth": 0,
                "MaskedPaths": None,
                "ReadonlyPaths": None,
                **host_config,
            },
            "NetworkingConfig": {"EndpointsConfig": {}},
        }
    ).encode()


def recorded_requests() -> list[dict]:
    """The course's requests as recorded by `manage.py record_engine_requests`."""
    import base64

    requests = []
    for line in CORPUS.read_text().splitlines():
        record = json.loads(line)
        record["body"] = base64.b64decode(record["body"])
        requests.append(record)
    return requests
