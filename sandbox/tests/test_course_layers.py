"""The seed of the course's layers (sandbox/images/engine/course_layers.py), on a
made-up data root: what a new engine's store gets, and how a new seed replaces
the last. The real engine's side is test_course_layers_docker.py."""

import hashlib
import io
import json
import os

import docker
import pytest
from django.core.management import call_command
from django.test import override_settings

from sandbox.backends.docker import course_layers as host_course_layers
from sandbox.backends.docker import specs
from sandbox.backends.docker.images import BuildError
from sandbox.tests.authz_helpers import _load

course_layers = _load("course_layers")
STORE = "image/overlay2"
# Read from a real dockerd's layerdb: the nginx stand-in's second layer.
REAL_PARENT = "sha256:b538ad9f3d6a3b156d10c62d20d1a1cafeda38a688a4d9dbd89605450f37c762"
REAL_DIFF = "sha256:864112928375075e90a80bcdcece822f5c0f959f4363771cbd288661ca8d84d3"
REAL_CHAIN = "sha256:2f9a57675b2707ee8a6abdc9a5192222c2a707f7fa5f35b961f13cd6d1ebcf06"


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def put(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_layer(data, chain_id: str, diff_id: str, cache_id: str, short: str, parent: str = "", lower: str = ""):
    layerdb = data / STORE / "layerdb/sha256" / chain_id.split(":")[1]
    put(layerdb / "cache-id", cache_id)
    put(layerdb / "diff", diff_id)
    put(layerdb / "size", "1234")
    put(layerdb / "tar-split.json.gz", "tar-split")
    if parent:
        put(layerdb / "parent", parent)
    layer = data / "overlay2" / cache_id
    put(layer / "link", short)
    put(layer / "diff" / "etc" / "hostname", cache_id)
    if lower:
        put(layer / "lower", lower)
        (layer / "work").mkdir()


def make_data_root(tmp_path):
    """Two layers of one image, and an unrelated layer the seed must leave out."""
    data = tmp_path / "layers" / "data"
    base, child, other = digest("base"), digest("child"), digest("other")
    base_chain, child_chain = course_layers.chain_ids([base, child])
    make_layer(data, base_chain, base, "c" * 64, "BASELINK")
    make_layer(data, child_chain, child, "d" * 64, "CHILDLINK", parent=base_chain, lower="l/BASELINK")
    make_layer(data, other, other, "e" * 64, "OTHERLINK")
    distribution = data / STORE / "distribution"
    for diff_id, blob in ((base, digest("blob-base")), (child, digest("blob-child")), (other, digest("blob-other"))):
        put(distribution / "diffid-by-digest/sha256" / blob.split(":")[1], diff_id)
        put(distribution / "v2metadata-by-diffid/sha256" / diff_id.split(":")[1], json.dumps([{"Digest": blob}]))
    return data, [base, child], (base_chain, child_chain, other)


def test_chain_ids_are_dockers():
    assert course_layers.chain_ids([REAL_PARENT, REAL_DIFF]) == [REAL_PARENT, REAL_CHAIN]


def test_the_seed_links_each_layer_of_the_images_and_says_which_blob_it_is(tmp_path):
    data, diff_ids, (base_chain, child_chain, other) = make_data_root(tmp_path)
    seed = tmp_path / "seed"
    assert course_layers.make_seed(str(data), str(seed), [diff_ids]) == 2

    child_entry = seed / STORE / "layerdb/sha256" / child_chain.split(":")[1]
    assert (child_entry / "parent").read_text() == base_chain
    assert (child_entry / "cache-id").read_text() == "d" * 64
    assert os.readlink(child_entry / "tar-split.json.gz") == str(
        data / STORE / "layerdb/sha256" / child_chain.split(":")[1] / "tar-split.json.gz"
    )
    child_layer = seed / "overlay2" / ("d" * 64)
    assert os.readlink(child_layer / "diff") == str(data / "overlay2" / ("d" * 64) / "diff")
    assert (child_layer / "lower").read_text() == "l/BASELINK"
    assert (child_layer / "work").is_dir()
    assert (child_layer / "committed").exists()  # dockerd then mounts it read-only to read it whole
    assert os.readlink(seed / "overlay2/l/CHILDLINK") == "../" + "d" * 64 + "/diff"
    assert (seed / "overlay2/l/BASELINK/etc/hostname").read_text() == "c" * 64  # followed into the data root
    assert not (seed / "overlay2" / ("c" * 64) / "lower").exists()

    by_digest = seed / STORE / "distribution/diffid-by-digest/sha256"
    assert sorted(p.read_text() for p in by_digest.iterdir()) == sorted(diff_ids)
    assert not (seed / STORE / "layerdb/sha256" / other.split(":")[1]).exists()
    assert not (seed / "overlay2" / ("e" * 64)).exists()
    assert not (seed / STORE / "imagedb").exists()  # no image: the student's list stays empty


def test_a_new_seed_replaces_its_caches_last_in_one_rename_and_the_one_before_goes(tmp_path, monkeypatch):
    data, diff_ids, _ = make_data_root(tmp_path)
    layers = data.parent
    names = iter(["20261202T000001", "20261202T000002", "20261202T000003", "20261202T000004"])
    monkeypatch.setattr(course_layers.time, "strftime", lambda _: next(names))
    course_layers.publish(str(layers), "15000", [diff_ids[:1]])  # another install's cache, on the same host
    for _ in range(3):
        course_layers.publish(str(layers), "5000", [diff_ids])
    pid = os.getpid()
    assert os.readlink(layers / "seed-5000") == f"seeds/5000-20261202T000004-{pid}"
    assert os.readlink(layers / "seed-15000") == f"seeds/15000-20261202T000001-{pid}"
    assert sorted(os.listdir(layers / "seeds")) == [
        f"15000-20261202T000001-{pid}",
        f"5000-20261202T000003-{pid}",
        f"5000-20261202T000004-{pid}",
    ]
    assert not (layers / "seed-5000.new").exists()


def test_only_a_rootful_engine_with_the_cache_mounts_the_shared_layers():
    def mounted() -> bool:
        options = specs.engine_options(specs.Names("k"))
        return options["volumes"].get(specs.course_layers_volume()) == {
            "bind": specs.COURSE_LAYERS_DIR,
            "mode": "ro",
        }

    with override_settings(IMAGE_CACHE_ENABLED=True, IMAGE_CACHE_SHARED_LAYERS=True, SANDBOX_ENGINE_MODE="rootful"):
        assert mounted()
    with override_settings(IMAGE_CACHE_ENABLED=True, IMAGE_CACHE_SHARED_LAYERS=True, SANDBOX_ENGINE_MODE="rootless"):
        assert not mounted()
    with override_settings(IMAGE_CACHE_ENABLED=True, IMAGE_CACHE_SHARED_LAYERS=False, SANDBOX_ENGINE_MODE="rootful"):
        assert not mounted()
    with override_settings(IMAGE_CACHE_ENABLED=False, IMAGE_CACHE_SHARED_LAYERS=True, SANDBOX_ENGINE_MODE="rootful"):
        assert not mounted()


class RefusingContainers:
    def get(self, name):
        raise docker.errors.NotFound("no such container")

    def run(self, *args, **kwargs):
        raise docker.errors.APIError("500 Server Error: no space left on device")


class RefusingEngine:
    containers = RefusingContainers()


def test_an_engine_error_while_unpacking_says_what_failed():
    with pytest.raises(BuildError, match="unpacking the course's images .* no space left on device"):
        host_course_layers.refresh(RefusingEngine(), ["nginx"], "http://127.0.0.1:5000", lambda line: None)


def test_seed_images_goes_on_without_shared_layers_and_says_so(monkeypatch):
    """The cache is what sandboxes need; without the shared layers each engine unpacks its own."""
    from sandbox.backends.docker import image_cache, package_cache
    from sandbox.backends.docker import images as image_builder

    monkeypatch.setattr(package_cache, "ensure_package_cache", lambda client, log: None)
    monkeypatch.setattr(image_builder, "client_or_error", lambda: RefusingEngine())
    monkeypatch.setattr(image_cache, "seed", lambda client, images, log: log("[cache] seeded"))
    monkeypatch.setattr(image_cache, "cached_images", lambda: [{"name": "nginx", "tags": ["latest"]}])
    out, err = io.StringIO(), io.StringIO()
    with override_settings(IMAGE_CACHE_ENABLED=True, IMAGE_CACHE_SHARED_LAYERS=True, SANDBOX_ENGINE_MODE="rootful"):
        call_command("seed_images", stdout=out, stderr=err)
    assert "cached: nginx:latest" in out.getvalue()
    assert "no space left on device" in err.getvalue()
    assert "each engine pulls and unpacks the course's images itself" in err.getvalue()
