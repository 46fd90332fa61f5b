"""The deploy (compose.yaml, deploy/): nothing pulled from a registry, and the
app's environment names only settings that exist and are documented."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
# Read by deploy/app/entrypoint.sh, not by the settings: where PostgreSQL and Redis listen.
ENTRYPOINT_VARIABLES = {"POSTGRES_PORT", "REDIS_PORT", "PORT"}


def settings_read() -> set[str]:
    source = (ROOT / "tutorial" / "settings.py").read_text()
    return set(re.findall(r'env(?:str|bool|int|float|list|size)\(\s*"([A-Z][A-Z_0-9]+)"', source))


def test_every_service_builds_its_image_here():
    for name, service in COMPOSE["services"].items():
        assert "build" in service, f"{name} would be pulled from a registry"
        assert service["build"]["args"]["BASE"].endswith("/base:bookworm"), name


def test_every_dockerfile_starts_from_the_debian_base():
    dockerfiles = [*(ROOT / "deploy").glob("*/Dockerfile"), ROOT / "sandbox/images/registry/Dockerfile"]
    assert len(dockerfiles) == 5
    for dockerfile in dockerfiles:
        froms = re.findall(r"^FROM (.+)$", dockerfile.read_text(), re.MULTILINE)
        assert froms == ["${BASE}"], dockerfile


def test_the_app_environment_names_real_settings():
    environment = COMPOSE["services"]["app-1"]["environment"]
    unknown = set(environment) - settings_read() - ENTRYPOINT_VARIABLES
    assert unknown == set()


def test_the_deploy_documents_what_it_passes_through():
    deploy_md = (ROOT / "docs" / "deploy.md").read_text()
    passed = set(COMPOSE["services"]["app-1"]["environment"]) - {"HTTPS", "ALLOWED_HOSTS"} - ENTRYPOINT_VARIABLES
    assert sorted(name for name in passed if f"`{name}`" not in deploy_md) == []


def test_every_app_process_gets_the_same_settings_and_a_port_of_its_own():
    apps = {name: service for name, service in COMPOSE["services"].items() if name.startswith("app-")}
    assert len(apps) >= 2
    ports = {service["environment"]["PORT"] for service in apps.values()}
    assert len(ports) == len(apps)
    without_port = [{k: v for k, v in s["environment"].items() if k != "PORT"} for s in apps.values()]
    assert all(env == without_port[0] for env in without_port)
    proxy_ports = COMPOSE["services"]["proxy"]["environment"]["APP_PORTS"].split(",")
    assert sorted(proxy_ports) == sorted(ports)


def test_no_secret_is_in_the_repository():
    for secret in COMPOSE["secrets"].values():
        assert secret["file"].startswith("${SECRETS_DIR:-./.secrets}/")
    assert "/.secrets/" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".secrets" in (ROOT / ".dockerignore").read_text().splitlines()


def test_no_deploy_image_takes_the_name_of_an_image_the_app_builds():
    # The app builds <prefix>/<role> for its own images and the cache's stand-ins
    # (nginx, redis, python, ...); a deploy image of the same name would be
    # overwritten by the next build_images or seed_images, and overwrite it.
    from sandbox.backends.docker import image_cache

    app_roles = {"base", "busybox", "engine", "workspace", "registry", "package-cache"}
    app_roles |= set(image_cache.LOCAL_STAND_INS.values()) | set(image_cache.LOCAL_STAND_INS)
    for name, service in COMPOSE["services"].items():
        role = service["image"].split("/", 1)[1].split(":")[0]
        assert role.startswith("deploy-") and role not in app_roles, name
