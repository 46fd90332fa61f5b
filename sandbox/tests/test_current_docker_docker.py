"""Today's Docker in every sandbox (Debian trixie: Docker 26, BuildKit by
default, the buildx and compose plugins), and the new ways it offers to ask
for privilege, refused as the old ones are."""

import re

import pytest

from sandbox.tests.docker_fixtures import sandbox_fixture

pytestmark = pytest.mark.docker

sandbox = sandbox_fixture("docker26")
REFUSED_PRIVILEGED = "authorization denied by plugin dockyard-authz: Dockyard: --privileged is not allowed"


def test_the_engine_is_docker_26_with_buildkit_compose_and_buildx(sandbox):
    info = sandbox.sh("docker info --format '{{.ServerVersion}}'")
    assert info.exit_code == 0 and re.match(r"26\.\d+\.\d+", info.output.strip()), info.output
    plugins = sandbox.sh("docker compose version && docker buildx version")
    assert plugins.exit_code == 0, plugins.output
    assert "Docker Compose version 2." in plugins.output and "github.com/docker/buildx 0." in plugins.output
    build = sandbox.sh(
        "mkdir -p ~/bk && cd ~/bk && printf 'FROM busybox\\nRUN echo layer > /x\\nCMD cat /x\\n' > Dockerfile"
        " && docker build --progress=plain -t bk . 2>&1 && docker run --rm bk"
    )
    assert build.exit_code == 0, build.output
    assert "#1 [internal] load build definition from Dockerfile" in build.output  # BuildKit, not the legacy builder
    assert "DEPRECATED: The legacy builder" not in build.output
    assert build.output.rstrip().endswith("layer")


def test_compose_runs_a_two_service_app_and_takes_it_down(sandbox):
    result = sandbox.sh(
        "mkdir -p ~/app && cd ~/app"
        " && printf 'services:\\n  web:\\n    image: nginx\\n    ports: [\"8090:80\"]\\n  cache:\\n    image: redis\\n'"
        " > compose.yaml"
        " && docker compose up -d >/dev/null 2>&1"
        " && docker compose ps --format '{{.Service}} {{.State}}' | sort"
        " && curl -s --retry 5 --retry-all-errors --retry-delay 1 localhost:8090 | grep -o 'Welcome to nginx'"
        " && docker compose exec -T cache redis-cli ping"
        " && docker compose down >/dev/null 2>&1 && docker ps -q | wc -l",
        timeout=300,
    )
    assert result.exit_code == 0, result.output
    lines = result.output.split()
    assert lines[:4] == ["cache", "running", "web", "running"], result.output
    assert "Welcome" in result.output and "PONG" in result.output and lines[-1] == "0"


def test_compose_asking_for_privilege_is_refused(sandbox):
    result = sandbox.sh(
        "mkdir -p ~/bad && cd ~/bad && printf 'services:\\n  bad:\\n    image: busybox\\n    privileged: true\\n'"
        " > compose.yaml && docker compose up -d 2>&1; docker compose down >/dev/null 2>&1"
    )
    assert REFUSED_PRIVILEGED in result.output, result.output


def test_a_buildx_builder_in_a_container_is_refused(sandbox):
    # The docker-container driver runs BuildKit in a privileged container.
    result = sandbox.sh(
        "docker buildx create --name escape --driver docker-container --driver-opt image=busybox >/dev/null"
        " && docker buildx inspect --bootstrap escape 2>&1; docker buildx rm escape >/dev/null 2>&1"
    )
    assert REFUSED_PRIVILEGED in result.output, result.output


def test_buildkit_refuses_the_insecure_entitlement(sandbox):
    result = sandbox.sh(
        "mkdir -p ~/ins && cd ~/ins && printf 'FROM busybox\\nRUN --security=insecure cat /proc/self/status\\n'"
        " > Dockerfile && docker buildx build --allow security.insecure . 2>&1"
    )
    assert result.exit_code != 0
    assert "granting entitlement security.insecure is not allowed by build daemon configuration" in result.output


def test_the_newest_api_version_answers_and_an_old_one_is_refused(sandbox):
    result = sandbox.sh(
        "curl -s --unix-socket /run/dockyard/docker.sock http://x/v1.45/version;"
        " echo; curl -s --unix-socket /run/dockyard/docker.sock http://x/v1.23/version"
    )
    newest, old = [line for line in result.output.splitlines() if line.strip()][:2]
    assert '"ApiVersion":"1.45"' in newest, result.output
    assert old == '{"message": "Dockyard: API version 1.23 is not allowed in the classroom sandbox; use 1.24 or later"}'
