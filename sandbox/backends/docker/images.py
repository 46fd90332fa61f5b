"""Builds the sandbox images on the local Docker engine, with no registry needed.

Order: base -> busybox (the nested engines' seed image) -> engine -> workspace.
Each built image carries a label with a hash of its build inputs (its
directory under sandbox/images/, its build arguments and the IDs of the
images it is built from), so a second run skips what is already up to date.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors
from django.conf import settings

from sandbox.backends.docker.client import EngineUnreachable, connect
from sandbox.backends.docker.specs import image

IMAGES_DIR = Path(__file__).resolve().parents[2] / "images"
INPUTS_LABEL = "dockyard.build-inputs"
# The Debian release of the sandbox images: trixie carries Docker 26 with
# BuildKit by default, buildx and the compose plugin (bookworm has 20.10).
SANDBOX_SUITE = "trixie"
# The classroom's own caches and the debian:bookworm stand-in stay on bookworm.
HOST_SUITE = "bookworm"
# The tag the seed image has inside each nested engine.
SEED_TAG = "busybox:latest"

Log = Callable[[str], None]


class BuildError(Exception):
    """An image could not be built; the message says what to do about it."""


def base_image(suite: str = SANDBOX_SUITE) -> str:
    return image("base", suite)


def busybox_image() -> str:
    return image("busybox")


def build_all(force: bool = False, log: Log = print) -> None:
    client = client_or_error()
    ensure_base(client, force, log)
    base_id = client.images.get(base_image()).id
    busybox_id = build_role(client, "busybox", busybox_image(), {"BASE": base_image()}, [base_id], force, log)
    build_role(
        client,
        "engine",
        image("engine"),
        {"BASE": base_image()},
        [base_id, busybox_id],
        force,
        log,
        extra_files={"busybox.tar": lambda: _seed_tar(client, busybox_image())},
    )
    build_role(client, "workspace", image("workspace"), {"BASE": base_image()}, [base_id], force, log)
    log("All images are up to date.")


def ensure_busybox(client: docker.DockerClient, log: Log) -> str:
    """The seed busybox image (built if missing or stale); returns its name."""
    ensure_base(client, False, log)
    base_id = client.images.get(base_image()).id
    build_role(client, "busybox", busybox_image(), {"BASE": base_image()}, [base_id], False, log)
    return busybox_image()


def client_or_error() -> docker.DockerClient:
    """A client with time for long builds; BuildError when no engine answers."""
    try:
        return connect(timeout=600)
    except EngineUnreachable as exc:
        raise BuildError(str(exc)) from exc


def _exists(client: docker.DockerClient, name: str):
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        return None


# --- base -----------------------------------------------------------------


def ensure_base(client: docker.DockerClient, force: bool, log: Log, suite: str = SANDBOX_SUITE) -> None:
    name = base_image(suite)
    if not force and _exists(client, name):
        log(f"[base] {name} exists, skipping")
        return
    upstream = f"debian:{suite}-slim"
    log(f"[base] pulling {upstream}")
    try:
        repo, tag = upstream.split(":")
        pulled = client.images.pull(repo, tag=tag)
    except docker.errors.APIError as exc:
        log(f"[base] pull failed ({exc.explanation or exc}); building it with debootstrap")
        _debootstrap_base(client, name, suite, log)
    else:
        repo, tag = name.split(":")
        pulled.tag(repo, tag)
    log(f"[base] {name} ready")


def _debootstrap_base(client: docker.DockerClient, name: str, suite: str, log: Log) -> None:
    if not shutil.which("debootstrap"):
        raise BuildError(
            "Docker Hub is not reachable and debootstrap is missing: "
            "install it (apt-get install debootstrap) and run build_images again."
        )
    if os.geteuid() != 0:
        raise BuildError("debootstrap must run as root to build the base image.")
    mirror = settings.DEBIAN_MIRROR
    rootfs = Path(tempfile.mkdtemp(prefix="dockyard-rootfs-"))
    try:
        log(f"[base] debootstrap --variant=minbase {suite} from {mirror} (about 30 s)")
        _run_logged(["debootstrap", "--variant=minbase", suite, str(rootfs), mirror], log, "[debootstrap] ")
        _write_apt_sources(rootfs, mirror, suite)
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / cache).glob("*"):
                if entry.is_file():
                    entry.unlink()
        log(f"[base] importing the root file system as {name}")
        repo, tag = name.split(":")
        with tempfile.NamedTemporaryFile(suffix=".tar") as archive:
            subprocess.run(["tar", "-C", str(rootfs), "-c", "."], stdout=archive, check=True)
            archive.flush()
            client.api.import_image_from_file(
                archive.name,
                repository=repo,
                tag=tag,
                changes=['CMD ["bash"]', "ENV LANG=C.UTF-8"],
            )
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _write_apt_sources(rootfs: Path, mirror: str, suite: str) -> None:
    """Point apt at updates and security too, as Debian's own images do."""
    security = settings.DEBIAN_SECURITY_MIRROR
    (rootfs / "etc/apt/sources.list").write_text(
        f"deb {mirror} {suite} main\ndeb {mirror} {suite}-updates main\ndeb {security} {suite}-security main\n"
    )


def _run_logged(command: list[str], log: Log, prefix: str) -> None:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-20:]
        log(prefix + line)
    if process.wait() != 0:
        raise BuildError(f"{command[0]} failed (exit {process.returncode}):\n" + "\n".join(tail))


# --- Dockerfile builds ------------------------------------------------------


@dataclasses.dataclass
class _Context:
    directory: Path
    extra_files: dict[str, Callable[[], bytes]]


def _inputs_hash(directory: Path, buildargs: dict, parent_ids: list[str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        digest.update(b"x" if os.access(path, os.X_OK) else b"-")
    digest.update(json.dumps([buildargs, parent_ids], sort_keys=True).encode())
    return digest.hexdigest()[:32]


def build_role(
    client: docker.DockerClient,
    role: str,
    name: str,
    buildargs: dict,
    parent_ids: list[str],
    force: bool,
    log: Log,
    extra_files: dict[str, Callable[[], bytes]] | None = None,
) -> str:
    directory = IMAGES_DIR / role
    inputs = _inputs_hash(directory, buildargs, parent_ids)
    existing = _exists(client, name)
    if not force and existing and existing.labels.get(INPUTS_LABEL) == inputs:
        log(f"[{role}] {name} is up to date, skipping")
        return existing.id
    log(f"[{role}] building {name}")
    with tempfile.TemporaryDirectory(prefix=f"dockyard-{role.replace('/', '-')}-") as tmp:
        context = Path(tmp) / "context"
        shutil.copytree(directory, context)
        for filename, produce in (extra_files or {}).items():
            log(f"[{role}] adding {filename} to the build context")
            (context / filename).write_bytes(produce())
        image_id = _stream_build(client, context, name, buildargs, {INPUTS_LABEL: inputs}, role, log)
    log(f"[{role}] built {name} ({image_id[7:19]})")
    return image_id


def _stream_build(client, context: Path, name: str, buildargs: dict, labels: dict, role: str, log: Log) -> str:
    image_id = None
    stream = client.api.build(
        path=str(context),
        tag=name,
        buildargs=buildargs,
        labels=labels,
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
    )
    try:
        for chunk in stream:
            image_id = _log_build_chunk(chunk, name, role, log) or image_id
    except docker.errors.APIError as exc:
        raise BuildError(f"building {name} failed: {exc.explanation or exc}") from exc
    if image_id is None:
        image_id = client.images.get(name).id
    return image_id


def _log_build_chunk(chunk: dict, name: str, role: str, log: Log) -> str | None:
    if "error" in chunk:
        raise BuildError(f"building {name} failed: {chunk['error'].strip()}")
    for line in chunk.get("stream", "").splitlines():
        if line.strip():
            log(f"[{role}] {line}")
    return chunk.get("aux", {}).get("ID")


def _seed_tar(client: docker.DockerClient, name: str) -> bytes:
    """`docker save` of the seed image, retagged as plain busybox:latest.

    The host keeps it as <prefix>/busybox so a user's own busybox:latest is untouched.
    """
    raw = b"".join(client.images.get(name).save(named=name))
    source = tarfile.open(fileobj=io.BytesIO(raw))  # noqa: SIM115 (read while writing the other)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.load(data)
                for entry in manifest:
                    entry["RepoTags"] = [SEED_TAG]
                data, member = _replace(member, json.dumps(manifest).encode())
            elif member.name == "repositories":
                repositories = json.load(data)
                (layer_id,) = repositories[name.rsplit(":", 1)[0]].values()
                seed_repo, seed_tag = SEED_TAG.split(":")
                data, member = _replace(member, json.dumps({seed_repo: {seed_tag: layer_id}}).encode())
            target.addfile(member, data)
    return out.getvalue()


def _replace(member: tarfile.TarInfo, content: bytes):
    member.size = len(content)
    return io.BytesIO(content), member
