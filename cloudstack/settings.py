"""Django settings for Javelin, 12-factor style.

Every knob comes from the environment with a default that runs the embedded platform
(SQLite + the server-less ``fsatomic://`` broker + libvirt's test driver) on a fresh
machine. The production stack is chosen by setting ``DATABASE_URL``,
``CELERY_BROKER_URL`` and ``CELERY_RESULT_BACKEND``.
"""
import os
from pathlib import Path

import dj_database_url

from cloudstack import secrets as platform_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(os.environ.get("JAVELIN_STATE_DIR", BASE_DIR / "var")).resolve()
STATE_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_float(name, default):
    return float(os.environ.get(name, default))


def env_list(name, default=()):
    """A list setting: entries separated by commas (or colons, for lists of directories)."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.replace(":", ",").split(",") if item.strip()]


# No secret ships with the code: SECRET_KEY and the first credentials are made on first start
# and kept in <state>/secrets.json (mode 0600), unless the environment gives them.
SECRET_KEY = platform_secrets.value(STATE_DIR, "secret_key", "SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "apps.core",
    "apps.accounts",
    "apps.fabric",
    "apps.catalog",
    "apps.compute",
    "apps.network",
    "apps.storage",
    "apps.jobs",
    "apps.events",
    "apps.tags",
    "apps.sshkeys",
    "apps.components",
    "apps.api",
    "apps.cloud",
]

MIDDLEWARE = [
    "apps.api.metrics.RequestMetrics",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "apps.api.urls"
WSGI_APPLICATION = "cloudstack.wsgi.application"
ASGI_APPLICATION = "cloudstack.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{STATE_DIR / 'javelin.sqlite3'}")
# Connections are kept (600 s) and health-checked before each reuse, so a database restart
# costs a reconnect, not a failed request; workers check theirs before each task too.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write at once (API, orchestration, chords' counters): WAL lets
    # readers go on while one writes, IMMEDIATE takes the write lock at BEGIN so two
    # transactions never deadlock upgrading a read lock ("database is locked").
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []
# Every password login (query API, Django admin, browsable API) goes through the lockout.
AUTHENTICATION_BACKENDS = ["apps.accounts.lockout.LockoutBackend"]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = STATE_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files (admin, browsable API, Swagger UI) are served by the app itself, straight
# from the installed packages: no collectstatic step, no web server in front needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
LOGIN_REDIRECT_URL = "/api/v1/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.rest.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.rest.permissions.IsCloudUser"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.rest.throttles.AccountThrottle"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.rest.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["apps.core.filtersets.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.api.rest.schema.CloudAutoSchema",
    "EXCEPTION_HANDLER": "apps.api.rest.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Javelin REST API",
    "DESCRIPTION": "The same objects, services and permissions as the CloudStack query API at /client/api.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "apps.api.rest.schema.filters_are_never_empty"],
    "ENUM_NAME_OVERRIDES": {
        "AllocationStateEnum": "apps.fabric.models.AllocationState",
        "ResourceStateEnum": "apps.fabric.models.ResourceState",
    },
}

# --- Celery -----------------------------------------------------------------------------
BROKER_DIR = STATE_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "fsatomic://")
if CELERY_BROKER_URL.startswith("fsatomic"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "data"),
        "data_folder_out": str(BROKER_DIR / "data"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processing"),
        "polling_interval": env_float("JAVELIN_BROKER_POLL", 0.05),
    }
# chords need a backend with native counters; rpc:// has no chords at all.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "django-db")
CELERY_RESULT_EXPIRES = 3600
# Celery's Django fixup closes the DB connection after every task unless told otherwise.
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "1000"))
CELERY_TASK_QUEUE_TYPE = os.environ.get("CELERY_TASK_QUEUE_TYPE", "classic")

# --- Javelin ------------------------------------------------------------------------------
JAVELIN_VERSION = "0.1.0"
# Service discovery: every component process beats this often; two missed beats and it is gone.
COMPONENT_HEARTBEAT_S = env_float("JAVELIN_HEARTBEAT", 10.0)
# Compute agents send a heartbeat per host this often. A host two beats late is Alert and a
# peer in its cluster investigates; it is Down only when the peer cannot reach it either.
HOST_HEARTBEAT_S = env_float("JAVELIN_HOST_HEARTBEAT", 10.0)
# The autoscaler (Service Framework): component=min:max worker processes, how soon a backlog
# should drain, how long to wait before shrinking again, how often to look.
AUTOSCALE = os.environ.get("JAVELIN_AUTOSCALE", "orchestration=1:4,network=1:3,storage=1:3")
AUTOSCALE_DRAIN_S = env_float("JAVELIN_AUTOSCALE_DRAIN", 10.0)
AUTOSCALE_COOLDOWN_S = env_float("JAVELIN_AUTOSCALE_COOLDOWN", 30.0)
AUTOSCALE_INTERVAL_S = env_float("JAVELIN_AUTOSCALE_INTERVAL", 5.0)
# The Networking component's data plane: "record" (no root needed) or "linux" (bridges,
# router namespaces, nftables; root).
NETWORK_DRIVER = os.environ.get("JAVELIN_NETWORK_DRIVER", "record")
# Names of the data plane's bridges, namespaces and veths start with this (<= 4 characters).
DATAPLANE_PREFIX = os.environ.get("JAVELIN_DATAPLANE_PREFIX", "jv")
# Server-sent event streams: at most this many per API process (each holds a thread), each
# ending after this long (clients reconnect with Last-Event-ID).
EVENT_STREAMS_PER_PROCESS = int(os.environ.get("JAVELIN_EVENT_STREAMS", "2"))
EVENT_STREAM_LIFETIME_S = env_float("JAVELIN_EVENT_STREAM_LIFETIME", 300.0)
# Prometheus scrapes /metrics with this bearer token (generated on first start unless set);
# JAVELIN_METRICS_OPEN=true lets anyone read it.
METRICS_TOKEN = platform_secrets.value(STATE_DIR, "metrics_token", "JAVELIN_METRICS_TOKEN")
METRICS_OPEN = env_bool("JAVELIN_METRICS_OPEN", False)
API_BIND = os.environ.get("JAVELIN_API_BIND", "127.0.0.1:8080")
# A built Apache CloudStack web UI (its dist/ directory), served at / on the API's origin:
# by WhiteNoise (its files indexed once, compressed, sent without a thread per file), with
# apps/api/site.py answering what WhiteNoise does not have.
UI_DIR = os.environ.get("JAVELIN_UI_DIR", "")
if UI_DIR and (Path(UI_DIR) / "index.html").is_file():
    WHITENOISE_ROOT = UI_DIR
    WHITENOISE_INDEX_FILE = True
FLOWER_PORT = int(os.environ.get("JAVELIN_FLOWER_PORT", "5555"))
# Over-provisioning factors applied to host capacity at placement time (CloudStack's
# cpu.overprovisioning.factor / mem.overprovisioning.factor).
# the settings of apps.core.config (updateConfiguration) are read again after this many seconds
CONFIG_REFRESH_S = env_float("JAVELIN_CONFIG_REFRESH", 2.0)
CPU_OVERPROVISIONING = env_float("JAVELIN_CPU_OVERPROVISIONING", 1.0)
MEMORY_OVERPROVISIONING = env_float("JAVELIN_MEMORY_OVERPROVISIONING", 1.0)
STORAGE_OVERPROVISIONING = env_float("JAVELIN_STORAGE_OVERPROVISIONING", 1.0)  # storage.overprovisioning.factor
# Where simulated hosts keep their libvirt node descriptions and pools keep volume files.
SIMULATOR_DIR = STATE_DIR / "simulator"
# What simulates the simulated hosts: "libvirt" (libvirt's test driver, one node file per host
# under SIMULATOR_DIR) or "memory" (an in-memory fake hypervisor, for unit tests).
SIMULATED_HOSTS = os.environ.get("JAVELIN_SIMULATED_HOSTS", "libvirt")
# Signed requests with signatureVersion=3 may not expire further out than this (seconds).
API_MAX_EXPIRES_AHEAD = int(os.environ.get("JAVELIN_API_MAX_EXPIRES_AHEAD", str(24 * 3600)))
API_DEFAULT_PAGE_SIZE = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# --- No job is ever stuck (workers/orchestration/watchdog.py) ---------------------------------
# A pending job with nothing happening for STEP_DEADLINE, or a step running longer than the
# hard deadline, or a step whose process died (once the broker had the grace to redeliver it),
# is handed on again once, then given up (compensations run, the job fails).
STEP_DEADLINE_S = env_float("JAVELIN_STEP_DEADLINE", 120.0)
STEP_HARD_DEADLINE_S = env_float("JAVELIN_STEP_HARD_DEADLINE", 3600.0)
REDELIVERY_GRACE_S = env_float("JAVELIN_REDELIVERY_GRACE", 15.0)
WATCH_INTERVAL_S = env_float("JAVELIN_WATCH_INTERVAL", 10.0)
# The capacity audit (workers/monitor/audit.py) compares each host's and pool's allocation
# with its VMs' and volumes' this often.
AUDIT_INTERVAL_S = env_float("JAVELIN_AUDIT_INTERVAL", 60.0)

# --- What callers may make the platform fetch or open (apps/core/urlpolicy.py) --------------
# file:// URLs (root admins only) must name a file below one of these directories.
IMPORT_DIRS = env_list("JAVELIN_IMPORT_DIRS", [STATE_DIR / "import"])
# Addresses (CIDR or IP, optionally :port) a fetch may reach although they are loopback,
# private or link-local: an operator's local mirror. The platform's own service ports only
# when named with their port.
FETCH_ALLOW = os.environ.get("JAVELIN_FETCH_ALLOW", "")
FETCH_MAX_BYTES = int(os.environ.get("JAVELIN_FETCH_MAX_BYTES", str(50 * 1024**3)))
FETCH_TIMEOUT_S = env_float("JAVELIN_FETCH_TIMEOUT", 3600.0)
# createStoragePool may put a pool only below these directories.
STORAGE_POOL_DIRS = env_list("JAVELIN_STORAGE_POOL_DIRS", [STATE_DIR / "primary"])

# --- Abuse ------------------------------------------------------------------------------------
# Logins (query API, Django admin, browsable API): after this many failures for one user (or
# from one address) within the window, further attempts are refused for the cool-off.
LOGIN_MAX_FAILURES = int(os.environ.get("JAVELIN_LOGIN_MAX_FAILURES", "5"))
LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("JAVELIN_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
LOGIN_FAILURE_WINDOW_S = int(os.environ.get("JAVELIN_LOGIN_FAILURE_WINDOW", "300"))
LOGIN_LOCKOUT_S = int(os.environ.get("JAVELIN_LOGIN_LOCKOUT", "300"))
# CloudStack's api.throttling.*: at most MAX calls per INTERVAL seconds per account (root
# admins exempt), off unless enabled.
API_THROTTLING_ENABLED = env_bool("JAVELIN_API_THROTTLING", False)
API_THROTTLING_INTERVAL_S = int(os.environ.get("JAVELIN_API_THROTTLING_INTERVAL", "1"))
API_THROTTLING_MAX = int(os.environ.get("JAVELIN_API_THROTTLING_MAX", "25"))
# Request bodies above this are answered with CloudStack's error envelope, not read.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("JAVELIN_MAX_BODY_BYTES", str(4 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- Cache (login and API throttling counters; shared by every API process) -------------------
CACHE_URL = os.environ.get("JAVELIN_CACHE_URL") or (
    CELERY_RESULT_BACKEND if CELERY_RESULT_BACKEND.startswith(("redis://", "rediss://")) else "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "javelin", "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(STATE_DIR / "cache"), "OPTIONS": {"MAX_ENTRIES": 100000}}}

# Secondary storage: where snapshots (and, later, templates) are kept.
SECONDARY_STORAGE_DIR = Path(os.environ.get("JAVELIN_SECONDARY_STORAGE_DIR", STATE_DIR / "secondary"))
