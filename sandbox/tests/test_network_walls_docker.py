"""What a sandbox can reach on the network, enforced by the host firewall
(sandbox/backends/docker/firewall.py), tried from the student's shell and from
a nested container. Only the project's own containers and the package archive
are ever contacted."""

import docker
import pytest
from django.test import override_settings

from sandbox.backends.docker import firewall as docker_firewall
from sandbox.tests.docker_fixtures import TEST_PREFIX, RunningSandbox, require_engine_and_images

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def lan_host():
    """A web server on the host's default Docker bridge: a machine of the school's LAN."""
    require_engine_and_images()
    client = docker.from_env()
    name = f"{TEST_PREFIX}-lan-host"
    try:
        client.containers.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass
    container = client.containers.run(
        "dockyard/busybox:latest",
        ["sh", "-c", "echo lan-secret > /www; httpd -f -p 8000 -h /"],
        name=name,
        detach=True,
        network="bridge",
    )
    container.reload()
    address = container.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
    gateway = container.attrs["NetworkSettings"]["Networks"]["bridge"]["Gateway"]
    yield container, address, gateway
    container.remove(force=True)


def sandbox_with(egress: str, key: str):
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, SANDBOX_EGRESS=egress):
        sandbox = RunningSandbox(key)
        sandbox.remove()
        sandbox.start()  # applies the firewall for this egress mode
    return sandbox


@pytest.fixture(scope="module")
def cache_only():
    sandbox = sandbox_with("cache", "net-cache")
    yield sandbox
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        sandbox.remove()


@pytest.fixture(scope="module")
def internet(cache_only):
    sandbox = sandbox_with("internet", "net-internet")
    try:
        yield sandbox
    finally:
        with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
            sandbox.remove()
        # Back to the default for every later test.
        docker.from_env().containers.run(**docker_firewall.container_options())


def sh(sandbox, script: str, nested: bool = False):
    if nested:
        script = f"docker run --rm busybox sh -c {_quote(script)}"
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        return sandbox.sh(script, timeout=120)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# --- the default: the caches only ----------------------------------------------------------


@pytest.mark.parametrize("nested", [False, True], ids=["workspace", "nested"])
def test_the_lan_is_out_of_reach(cache_only, lan_host, nested):
    _, address, _ = lan_host
    result = sh(cache_only, f"wget -q -T 5 -O- http://{address}:8000/www && echo REACHED", nested)
    assert "REACHED" not in result.output and "lan-secret" not in result.output, result.output


@pytest.mark.parametrize("nested", [False, True], ids=["workspace", "nested"])
def test_cloud_metadata_is_out_of_reach(cache_only, nested):
    result = sh(cache_only, "wget -q -T 5 -O- http://169.254.169.254:8080/latest/meta-data/ && echo REACHED", nested)
    assert "REACHED" not in result.output, result.output
    # Plain HTTP goes to the package cache, which fetches only from the archives.
    result = sh(cache_only, "wget -q -T 5 -O- http://169.254.169.254/latest/meta-data/ 2>&1; echo", nested)
    assert "REACHED" not in result.output
    result = sh(cache_only, "curl -sS -m 5 -H 'Host: metadata.google.internal' http://169.254.169.254/")
    assert "only the package archives" in result.output, result.output


def test_the_workspace_has_no_ipv6_to_go_around_the_ipv4_firewall(cache_only):
    """The host firewall is iptables (IPv4) only; link-local IPv6 to the host's
    bridge would pass it by. The workspace's network has no IPv6 at all, and
    root in the workspace cannot turn it on."""
    result = sh(cache_only, "cat /proc/net/if_inet6; cat /proc/sys/net/ipv6/conf/all/disable_ipv6")
    assert result.output.split() == ["1"], result.output  # no IPv6 address, not even ::1
    result = sh(
        cache_only,
        "{ echo 0 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6; echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6; } 2>/dev/null;"
        " cat /proc/net/if_inet6; ping -6 -c 1 -w 2 ff02::1%eth0 >/dev/null 2>&1 && echo ANSWERED",
    )
    assert "ANSWERED" not in result.output and "eth0" not in result.output, result.output


def test_apt_get_works_through_the_package_cache(cache_only):
    result = sh(
        cache_only,
        "docker run --rm debian:bookworm sh -c 'apt-get update -q >/dev/null && apt-get install -y -q hello >/dev/null && hello'",
    )
    assert result.exit_code == 0, result.output
    assert "Hello, world!" in result.output


def test_the_caches_answer_sandboxes_and_the_host_but_not_the_lan(cache_only, lan_host):
    from django.conf import settings

    gateway = sh(cache_only, "ip route | awk '/default/ { print $3 }'").output.strip()
    result = sh(
        cache_only, f"curl -sS -m 5 -o /dev/null -w '%{{http_code}}' http://{gateway}:{settings.IMAGE_CACHE_PORT}/v2/"
    )
    assert result.output.strip() == "200", result.output
    lan, _, docker0 = lan_host
    for port in (settings.IMAGE_CACHE_PORT, settings.PACKAGE_CACHE_PORT):
        probe = lan.exec_run(["sh", "-c", f"wget -q -T 3 -O- http://{docker0}:{port}/v2/ && echo REACHED"])
        assert b"REACHED" not in probe.output, probe.output


# --- "internet": out, but never to private or link-local ranges ----------------------------


@pytest.mark.parametrize("nested", [False, True], ids=["workspace", "nested"])
def test_with_internet_the_lan_and_metadata_stay_out_of_reach(internet, lan_host, nested):
    _, address, _ = lan_host
    for url in (
        f"http://{address}:8000/www",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:8000/",
        "http://192.168.0.1/",
    ):
        result = sh(internet, f"wget -q -T 5 -O- {url} && echo REACHED", nested)
        assert "REACHED" not in result.output, (url, result.output)


def test_with_internet_the_archive_is_reached_directly(internet):
    result = sh(internet, "docker run --rm debian:bookworm apt-get update -q 2>&1 | tail -1")
    assert result.exit_code == 0, result.output
    # No redirect to the cache: a request for another host gets no Dockyard refusal.
    result = sh(internet, "curl -s -m 5 -H 'Host: not-an-archive.invalid' http://deb.debian.org/ ; echo")
    assert "only the package archives" not in result.output
