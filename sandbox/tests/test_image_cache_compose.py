"""A cache that a deploy runs as a Compose service (compose.yaml) is the
deploy's: seed_images starts it if stopped and seeds it, never rebuilds or
replaces it."""

import docker.errors

from sandbox.backends.docker import image_cache


class FakeImage:
    id = "sha256:deploy-image-cache"


class FakeContainer:
    def __init__(self, labels, env, status="running"):
        self.labels, self.status, self.started = labels, status, False
        self.attrs = {"Config": {"Env": env}}
        self.image = FakeImage()

    def start(self):
        self.started, self.status = True, "running"


class FakeClient:
    def __init__(self, container):
        self.containers = self
        self._container = container

    def get(self, name):
        if self._container is None:
            raise docker.errors.NotFound(name)
        return self._container


def compose_cache(env, status="running"):
    return FakeContainer({"com.docker.compose.project": "dockyard"}, env, status)


def test_it_leaves_a_compose_cache_to_the_deploy(monkeypatch):
    monkeypatch.setattr(image_cache, "_wait_healthy", lambda url, log: None)
    container = compose_cache(["REGISTRY_MODE=serve"], status="exited")
    lines = []
    assert image_cache._run_by_compose(FakeClient(container), lines.append)
    assert container.started
    assert "run by Compose (serve mode)" in lines[0]


def test_it_runs_its_own_cache_otherwise():
    assert not image_cache._run_by_compose(FakeClient(None), print)
    assert not image_cache._run_by_compose(FakeClient(FakeContainer({}, [])), print)


def test_the_upstream_counts_only_in_proxy_mode():
    upstream = "REGISTRY_UPSTREAM=https://registry.example"
    assert image_cache.current_upstream(FakeClient(compose_cache(["REGISTRY_MODE=proxy", upstream]))) == (
        "https://registry.example"
    )
    assert image_cache.current_upstream(FakeClient(compose_cache(["REGISTRY_MODE=serve", upstream]))) == ""


def test_the_seed_writer_runs_the_image_of_a_compose_cache():
    assert image_cache._serving_image(FakeClient(compose_cache([]))) == "sha256:deploy-image-cache"
    assert image_cache._serving_image(FakeClient(FakeContainer({}, []))) == image_cache.registry_image()
    assert image_cache._serving_image(FakeClient(None)) == image_cache.registry_image()
