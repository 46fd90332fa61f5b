"""Dockyard settings.

Every setting comes from an environment variable with a default that runs
as it is on one machine: SQLite, the in-memory channel layer and the local
Docker engine. The README lists every variable.
"""

import secrets
from pathlib import Path

import dj_database_url

from tutorial.env import envbool, envfloat, envint, envlist, envsize, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "data")))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in DATA_DIR."""
    key = envstr("SECRET_KEY", "")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", "False")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Prometheus reads /metrics with `Authorization: Bearer <METRICS_TOKEN>`; unset, there is no /metrics.
METRICS_TOKEN = envstr("METRICS_TOKEN", "")

# Behind a proxy that terminates TLS (README, "Settings"): HTTPS=true is the one switch;
# each part can be set on its own.
HTTPS = envbool("HTTPS", "false")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", str(HTTPS))
if envbool("TRUST_X_FORWARDED_PROTO", str(HTTPS)):
    # Only when the proxy sets this header itself (and drops one sent by the client).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(HTTPS))
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "false")
SECURE_HSTS_PRELOAD = False
SECURE_REFERRER_POLICY = "same-origin"
SITE_NAME = envstr("SITE_NAME", "Dockyard")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "accounts",
    "lessons",
    "sandbox",
    "books",
    "recordings",
    "classroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Names the student for a proxy that routes each student to one process (docs/deploy.md).
    "accounts.middleware.RouteCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses while a login is locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair waits LOGIN_LOCKOUT_MINUTES. Username and
# address together: a class behind one NAT address is not locked out by one
# student's typos, and nobody can lock another student out from elsewhere.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "10")
AXES_COOLOFF_TIME = envfloat("LOGIN_LOCKOUT_MINUTES", "10") / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "tutorial.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tutorial.context_processors.site",
                "classroom.context_processors.classroom",
            ],
        },
    },
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "tutorial.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", "0"),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Many terminals write activity at once; wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        # Take the write lock when a write transaction starts, so a busy moment
        # waits for the lock instead of failing with "database is locked".
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )

REDIS_URL = envstr("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's, whose receives end when cancelled (tutorial/channel_layers.py).
            "BACKEND": "tutorial.channel_layers.RedisChannelLayer",
            # redis-py 8 gives every read a 5 s timeout by default, and channels_redis
            # waits up to 5 s for a message on an idle channel: a consumer with nothing
            # to receive died with "Timeout reading" (a quiet terminal, 10 s after it
            # opened). Longer than that wait, but not none: with no timeout, a read left
            # blocked by a finished event loop kept its lock (the tests' loops).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 10}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = envstr("LANGUAGE_CODE", "en")
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from the app folders too, so a checkout works before collectstatic.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per record: when, level, where, what (sandbox events name the sandbox and student).
    # The one handler is the root logger's (it replaces the one Daphne sets up), so
    # each record is written once.
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "daphne": {"level": "INFO"},  # where it listens
        "sandbox": {"level": envstr("LOG_LEVEL", "INFO")},
        "lessons": {"level": envstr("LOG_LEVEL", "INFO")},
        "classroom": {"level": envstr("LOG_LEVEL", "INFO")},
    },
}

# Lessons
LESSONS_DIR = Path(envstr("LESSONS_DIR", str(BASE_DIR / "lessons" / "content")))

# Sandboxes: one engine + one workspace container per student.
SANDBOX_BACKEND = envstr("SANDBOX_BACKEND", "sandbox.backends.docker.DockerBackend")
SANDBOX_IMAGE_PREFIX = envstr("SANDBOX_IMAGE_PREFIX", "dockyard")
SANDBOX_NAME_PREFIX = envstr("SANDBOX_NAME_PREFIX", "dockyard")
SANDBOX_MAX_RUNNING = envint("SANDBOX_MAX_RUNNING", "40")
# Sandboxes started ahead of time and claimed by the next student who has none.
SANDBOX_POOL_SIZE = envint("SANDBOX_POOL_SIZE", "0")
SANDBOX_IDLE_STOP_SECONDS = envint("SANDBOX_IDLE_STOP_SECONDS", "1800")
SANDBOX_IDLE_REMOVE_SECONDS = envint("SANDBOX_IDLE_REMOVE_SECONDS", str(7 * 24 * 3600))
SANDBOX_REAP_INTERVAL_SECONDS = envint("SANDBOX_REAP_INTERVAL_SECONDS", "60")
# Each sandbox network takes one small subnet of this pool (4096 of them by default).
SANDBOX_SUBNET_POOL = envstr("SANDBOX_SUBNET_POOL", "10.213.0.0/16")
SANDBOX_SUBNET_PREFIX = envint("SANDBOX_SUBNET_PREFIX", "28")
# Threads (and engine connections) for Docker calls: one per sandbox operation in flight.
SANDBOX_IO_THREADS = envint("SANDBOX_IO_THREADS", "64")
SANDBOX_ENGINE_MEMORY = envstr("SANDBOX_ENGINE_MEMORY", "1g")
SANDBOX_ENGINE_CPUS = envfloat("SANDBOX_ENGINE_CPUS", "1.0")
SANDBOX_ENGINE_PIDS = envint("SANDBOX_ENGINE_PIDS", "1024")
SANDBOX_WORKSPACE_MEMORY = envstr("SANDBOX_WORKSPACE_MEMORY", "256m")
SANDBOX_WORKSPACE_CPUS = envfloat("SANDBOX_WORKSPACE_CPUS", "1.0")
SANDBOX_WORKSPACE_PIDS = envint("SANDBOX_WORKSPACE_PIDS", "256")
# "rootful": the nested dockerd runs as root in the engine container (which holds
# CAP_SYS_ADMIN). "rootless": it runs as an unprivileged user under rootlesskit, so
# nested containers never hold a capability outside a user namespace of their own;
# on a cgroup v1 host nested containers then have no cgroups (`docker top` fails,
# --memory is ignored). docs/sandbox-security.md, "Defence in depth".
SANDBOX_ENGINE_MODE = envstr("SANDBOX_ENGINE_MODE", "rootful")
# "lazy": the nested engine (dockerd, containerd, the guard) starts on the
# student's first use of its socket, so a sandbox whose student only reads costs
# a shell; "eager": when the sandbox starts. After SANDBOX_ENGINE_QUIET_SECONDS
# without a request and with no nested container running it stops again until
# the next use (0: never). sandbox/images/engine/dockyard-activate.c.
SANDBOX_ENGINE_START = envstr("SANDBOX_ENGINE_START", "lazy")
SANDBOX_ENGINE_QUIET_SECONDS = envint("SANDBOX_ENGINE_QUIET_SECONDS", "600")
# Each sandbox's disk: home folder, the nested engine's images and containers,
# its logs (sandbox/backends/docker/disks.py). 0 turns it off (no limit).
SANDBOX_DISK_LIMIT = envsize("SANDBOX_DISK_LIMIT", "4g")
SANDBOX_DISK_DIR = envstr("SANDBOX_DISK_DIR", "/var/lib/dockyard/disks")

# The classroom image cache: a registry on the host that every nested engine
# uses as its Docker Hub mirror: a pull-through cache of IMAGE_CACHE_UPSTREAM
# ("auto": Docker Hub when it answers), or offline ("off") serving what
# seed_images put there. (The MIRROR_* names of earlier releases still work.)
IMAGE_CACHE_ENABLED = envbool("IMAGE_CACHE_ENABLED", envstr("MIRROR_ENABLED", "true"))
IMAGE_CACHE_PORT = envint("IMAGE_CACHE_PORT", envstr("MIRROR_PORT", "5000"))
IMAGE_CACHE_SEED_PORT = envint("IMAGE_CACHE_SEED_PORT", envstr("MIRROR_SEED_PORT", "5001"))
IMAGE_CACHE_UPSTREAM = envstr("IMAGE_CACHE_UPSTREAM", envstr("MIRROR_UPSTREAM", "auto"))
SEED_IMAGES = envlist(
    "SEED_IMAGES", "busybox:latest,debian:bookworm,nginx:latest,redis:latest,registry:2,python:3-slim"
)
# SEED_IMAGES' layers, unpacked once on the host by seed_images and shared
# read-only by every rootful engine, so a student's first `docker pull nginx`
# fetches only the manifest (sandbox/backends/docker/course_layers.py).
# "false": each engine downloads and unpacks its own.
IMAGE_CACHE_SHARED_LAYERS = envbool("IMAGE_CACHE_SHARED_LAYERS", "true")

# Debian's archive, for debootstrap (when the base image cannot be pulled) and
# for what sandboxes may fetch through the package cache.
DEBIAN_MIRROR = envstr("DEBIAN_MIRROR", "http://deb.debian.org/debian")
DEBIAN_SECURITY_MIRROR = envstr("DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security")

# Where sandboxes may connect, enforced by the host firewall (docs/sandbox-security.md):
# "cache": the host's image cache and package cache only (apt-get works, through
#          the cache; nothing else leaves the machine);
# "internet": also the internet, but never private, link-local (169.254.169.254)
#          or other reserved ranges: not the school's LAN, not a cloud's metadata.
SANDBOX_EGRESS = envstr("SANDBOX_EGRESS", "cache")
PACKAGE_CACHE_PORT = envint("PACKAGE_CACHE_PORT", "3142")
PACKAGE_CACHE_HOSTS = envlist("PACKAGE_CACHE_HOSTS", "deb.debian.org,security.debian.org")

# Terminal flow control (bytes not yet acknowledged by the browser).
TERMINAL_HIGH_WATERMARK = envint("TERMINAL_HIGH_WATERMARK", str(512 * 1024))
TERMINAL_LOW_WATERMARK = envint("TERMINAL_LOW_WATERMARK", str(128 * 1024))
# Output kept per shell and replayed to a terminal that (re)connects: its screen and recent scrollback.
TERMINAL_REPLAY_BYTES = envint("TERMINAL_REPLAY_BYTES", str(128 * 1024))

# The file editor opens and saves UTF-8 text files up to this size.
EDITOR_MAX_BYTES = envint("EDITOR_MAX_BYTES", str(1024 * 1024))

# Classes (docs/classroom.md). With OPEN_SIGNUP off, only a class's join link creates accounts.
OPEN_SIGNUP = envbool("OPEN_SIGNUP", "true")
# Wrong join codes: past this many in JOIN_CODE_WINDOW_SECONDS from one address
# (a class behind one NAT address) or one account, that address or account waits.
JOIN_CODE_FAILURES_PER_ADDRESS = envint("JOIN_CODE_FAILURES_PER_ADDRESS", "30")
JOIN_CODE_FAILURES_PER_ACCOUNT = envint("JOIN_CODE_FAILURES_PER_ACCOUNT", "10")
JOIN_CODE_WINDOW_SECONDS = envint("JOIN_CODE_WINDOW_SECONDS", "600")
# The dashboard's terminal miniatures: each is drawn again at most this often, and only after output.
CLASSROOM_SCREEN_INTERVAL = envfloat("CLASSROOM_SCREEN_INTERVAL", "2.0")

# Terminal recordings (docs/recordings.md): one asciicast file per shell session,
# a student's files together at most RECORDING_MAX_BYTES (the oldest go first).
RECORDING_DIR = Path(envstr("RECORDING_DIR", str(DATA_DIR / "recordings")))
RECORDING_MAX_BYTES = envsize("RECORDING_MAX_BYTES", "16m")
