"""Settings come from the environment, with defaults that run on one machine."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default'], 'layer': s.CHANNEL_LAYERS['default'], "
    "'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'backend': s.SANDBOX_BACKEND, "
    "'max_running': s.SANDBOX_MAX_RUNNING, 'idle_stop': s.SANDBOX_IDLE_STOP_SECONDS, "
    "'secure_cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
    "'proxy_ssl': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), 'hsts': s.SECURE_HSTS_SECONDS, "
    "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'csrf_origins': s.CSRF_TRUSTED_ORIGINS}, default=str))"
)
VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "SANDBOX_MAX_RUNNING",
    "HTTPS",
    "SECURE_COOKIES",
    "TRUST_X_FORWARDED_PROTO",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "CSRF_TRUSTED_ORIGINS",
)


def settings_with(tmp_path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(DJANGO_SETTINGS_MODULE="tutorial.settings", DATA_DIR=str(tmp_path), **env)
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def test_the_defaults_run_on_one_machine(tmp_path):
    s = settings_with(tmp_path)
    assert s["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["db"]["NAME"] == str(tmp_path / "db.sqlite3")
    assert s["layer"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert s["debug"] is False
    assert s["hosts"] == ["127.0.0.1", "localhost"]
    assert s["backend"] == "sandbox.backends.docker.DockerBackend"
    assert s["max_running"] == 40 and s["idle_stop"] == 1800


def test_a_secret_key_is_generated_once_and_kept(tmp_path):
    settings_with(tmp_path)
    key = (tmp_path / "secret_key").read_text()
    settings_with(tmp_path)
    assert (tmp_path / "secret_key").read_text() == key and len(key) > 40
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_database_url_switches_to_postgresql(tmp_path):
    s = settings_with(tmp_path, DATABASE_URL="postgres://dock:secret@db.internal:5432/dockyard")
    assert s["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert (s["db"]["HOST"], s["db"]["NAME"], s["db"]["USER"]) == ("db.internal", "dockyard", "dock")


def test_redis_url_switches_to_the_redis_channel_layer(tmp_path):
    s = settings_with(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert s["layer"]["BACKEND"] == "tutorial.channel_layers.RedisChannelLayer"
    assert s["layer"]["CONFIG"]["hosts"] == [{"address": "redis://127.0.0.1:6379/0", "socket_timeout": 10}]


def test_variables_override_the_defaults(tmp_path):
    s = settings_with(tmp_path, DEBUG="true", ALLOWED_HOSTS="class.example.org, 127.0.0.1", SANDBOX_MAX_RUNNING="7")
    assert s["debug"] is True
    assert s["hosts"] == ["class.example.org", "127.0.0.1"]
    assert s["max_running"] == 7


def test_plain_http_on_one_machine_by_default(tmp_path):
    s = settings_with(tmp_path)
    assert s["secure_cookies"] == [False, False]
    assert s["proxy_ssl"] is None and s["hsts"] == 0 and s["ssl_redirect"] is False


def test_https_behind_a_tls_proxy_is_one_switch(tmp_path):
    s = settings_with(
        tmp_path, HTTPS="true", ALLOWED_HOSTS="class.example.org", CSRF_TRUSTED_ORIGINS="https://class.example.org"
    )
    assert s["secure_cookies"] == [True, True]
    assert s["proxy_ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["hsts"] == 31536000 and s["ssl_redirect"] is True
    assert s["csrf_origins"] == ["https://class.example.org"]


def test_each_tls_setting_can_be_set_alone(tmp_path):
    s = settings_with(tmp_path, HTTPS="true", SECURE_HSTS_SECONDS="300", SECURE_SSL_REDIRECT="false")
    assert s["hsts"] == 300 and s["ssl_redirect"] is False and s["secure_cookies"] == [True, True]


def test_every_environment_variable_is_in_the_readme_table():
    """Settings are read only in tutorial/settings.py, and each one is documented."""
    import re

    source = (ROOT / "tutorial" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    read = set(re.findall(r'env(?:str|bool|int|float|list|size)\(\s*"([A-Z][A-Z_0-9]+)"', source))
    read |= set(re.findall(r'os\.environ(?:\.get)?\(\s*"([A-Z][A-Z_0-9]+)"', source))
    assert len(read) > 40
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
    elsewhere = [
        str(path.relative_to(ROOT))
        for app in ("tutorial", "accounts", "sandbox", "lessons", "books")
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts
        and "images" not in path.parts
        and "testing" not in path.parts
        and path.name not in ("settings.py", "env.py", "asgi.py")
        and re.search(r"os\.environ|os\.getenv", path.read_text())
    ]
    assert elsewhere == []
