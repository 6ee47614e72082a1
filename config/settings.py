"""Settings, read from the environment in one place.

Every variable is optional on a developer machine: the defaults point at the private PostgreSQL
and Redis that ``make services`` starts. Malformed values stop the process at start with a
message naming the variable. The README's configuration table lists them all.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import servers as services
from config.csp import url_template_source
from config.env import env_bool, env_int, env_list, env_rate, env_secret_key, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret_key("SECRET_KEY", fallback_file=VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# Behind a TLS-terminating reverse proxy: trust its X-Forwarded-Proto and X-Forwarded-For.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- services ----------------------------------------------------------------------------------

DATABASE_URL = env_url(
    "DATABASE_URL",
    f"postgres://{services.PG_USER}@127.0.0.1:{services.PG_PORT}/{services.PG_DATABASE}",
    schemes=("postgres", "postgresql"),
)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from None
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["OPTIONS"] = {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)}

REDIS_URL = env_url("REDIS_URL", f"redis://127.0.0.1:{services.REDIS_PORT}/0", schemes=("redis", "rediss"))
JOB_TIMEOUT = env_int("JOB_TIMEOUT", 6 * 3600, minimum=1)
# One SQL statement of a publish (a COPY, an index build) may not run longer than this; lower
# than JOB_TIMEOUT so the job can still record its own error.
PUBLISH_STATEMENT_TIMEOUT = env_int("PUBLISH_STATEMENT_TIMEOUT", 3600, minimum=1)
# Every Explore API query runs under this statement timeout.
EXPLORE_STATEMENT_TIMEOUT_MS = env_int("EXPLORE_STATEMENT_TIMEOUT_MS", 10_000, minimum=100)
# A records table a swap, an unpublish or a deletion took out of service is dropped this long afterwards by the
# housekeeping pass (requests that resolved it finish on it); the DROP waits at most the lock timeout for them.
RETIRED_TABLE_GRACE_SECONDS = env_int("RETIRED_TABLE_GRACE_SECONDS", 300, minimum=0)
RETIRED_TABLE_LOCK_TIMEOUT_MS = env_int("RETIRED_TABLE_LOCK_TIMEOUT_MS", 2000, minimum=1)
# Facets one /facets request may ask for (each is a query of up to the statement timeout).
EXPLORE_MAX_FACETS = env_int("EXPLORE_MAX_FACETS", 20, minimum=1)
# Exports one process streams at once, each on a PostgreSQL connection of its own (datasets.store.export_slots);
# beyond, a 503 with Retry-After. Keep it under the threads per process so other requests are still served.
EXPLORE_MAX_EXPORTS_IN_FLIGHT = env_int("EXPLORE_MAX_EXPORTS_IN_FLIGHT", 4, minimum=1)
PUBLISH_BATCH_ROWS = env_int("PUBLISH_BATCH_ROWS", 10_000, minimum=1)
# Numeric, date and boolean fields indexed although no annotation nor visualization names them: the first N
# in schema order (datasets.store.indexes.indexed_fields).
PUBLISH_DEFAULT_INDEXES = env_int("PUBLISH_DEFAULT_INDEXES", 20, minimum=0)
MAX_RECORDS_PER_DATASET = env_int("MAX_RECORDS_PER_DATASET", 50_000_000, minimum=1)
RECORD_ERRORS_KEPT = env_int("RECORD_ERRORS_KEPT", 1000, minimum=0)
# A resource check (POST .../resources/{uid}/check) of a resource larger than this (bytes; remote
# resources as fetched) runs as a job; smaller ones answer within the request.
RESOURCE_CHECK_SYNC_MAX_BYTES = env_int("RESOURCE_CHECK_SYNC_MAX_BYTES", 20 * 1024 * 1024, minimum=0)
# A worker whose heartbeat is older than this is dead; the reconciler then fails its job.
WORKER_DEAD_AFTER = env_int("WORKER_DEAD_AFTER", 90, minimum=10)
RQ_QUEUES = {
    "default": {
        "URL": REDIS_URL,
        "DEFAULT_TIMEOUT": JOB_TIMEOUT,
        "SOCKET_TIMEOUT": env_int("REDIS_SOCKET_TIMEOUT", 5, minimum=1),
    },
}
CACHES = {
    "default": {
        "BACKEND": "config.cache.SharedClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        "OPTIONS": {"socket_timeout": env_int("REDIS_SOCKET_TIMEOUT", 5, minimum=1)},
    }
}
# Jobs are enqueued by our own transaction.on_commit hooks (jobs.services); a second deferral
# inside django-rq would make enqueue() return None inside transactions.
# Our worker classes stop within a second of SIGTERM / Ctrl-C (jobs/workers.py says why).
RQ = {"COMMIT_MODE": "auto", "WORKER_CLASS": "jobs.workers.Worker"}

# --- files and limits --------------------------------------------------------------------------

MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static"))).resolve()
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 240 * 1024 * 1024, minimum=1)
# XLSX bounds checked from the archive before any part is parsed (datasets/pipeline/readers/xlsx_bounds.py):
# a full read holds the shared-strings table in memory, and every cell of a sheet is read.
XLSX_MAX_SHARED_STRINGS_BYTES = env_int("XLSX_MAX_SHARED_STRINGS_BYTES", 100 * 1024 * 1024, minimum=1024)
XLSX_MAX_CELLS = env_int("XLSX_MAX_CELLS", 100_000_000, minimum=1)
# Remote (http/https) resources: bounded in size and time, never fetched from private addresses
# unless allowed (the platform would otherwise let users probe the internal network).
RESOURCE_FETCH_MAX_BYTES = env_int("RESOURCE_FETCH_MAX_BYTES", 240 * 1024 * 1024, minimum=1)
RESOURCE_FETCH_TIMEOUT = env_int("RESOURCE_FETCH_TIMEOUT", 30, minimum=1)
RESOURCE_FETCH_ALLOW_PRIVATE = env_bool("RESOURCE_FETCH_ALLOW_PRIVATE", False)
# Schedules: runs at least this many seconds apart; cron read in this zone unless a schedule names one.
SCHEDULE_MIN_INTERVAL = env_int("SCHEDULE_MIN_INTERVAL", 86400, minimum=60)
# The zone of date-times written without one in resources that set no `timezone` parameter.
DATA_TIME_ZONE = env_str("DATA_TIME_ZONE", "UTC")
if DATA_TIME_ZONE not in zoneinfo.available_timezones() | {"UTC"}:
    raise ImproperlyConfigured(f"DATA_TIME_ZONE={DATA_TIME_ZONE!r} is not an IANA time zone name")
SCHEDULE_TIME_ZONE = env_str("SCHEDULE_TIME_ZONE", "UTC")
if SCHEDULE_TIME_ZONE not in zoneinfo.available_timezones() | {"UTC"}:
    raise ImproperlyConfigured(f"SCHEDULE_TIME_ZONE={SCHEDULE_TIME_ZONE!r} is not an IANA time zone name")
SCHEDULES_PER_DATASET = env_int("SCHEDULES_PER_DATASET", 10, minimum=1)
# Bodies other than file uploads (JSON) stay small; uploads stream to disk past this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Django --------------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_rq",
    "datasets",
    "jobs",
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.cors.PublicReadCorsMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A path or query string PostgreSQL could not store is a 400 before any view (API decision 27); such a
    # cookie is dropped before the session middleware looks its session up.
    "config.input_guard_middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.catalog",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"
# Failed password logins (admin form, HTTP Basic) per username and per client address within the window
# (seconds from the first failure); past either limit, logins are refused until it ends (config.login_throttle).
AUTHENTICATION_BACKENDS = ["config.login_throttle.ThrottledModelBackend"]
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 5, minimum=1)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 20, minimum=1)
LOGIN_FAILURES_WINDOW = env_int("LOGIN_FAILURES_WINDOW", 15 * 60, minimum=1)
# Seconds HTTP Basic credentials a full check accepted are accepted again without hashing the password
# (config.basic_auth_cache: an HMAC bound to the stored hash and is_active, kept in the cache); 0: every time.
BASIC_AUTH_CACHE_SECONDS = env_int("BASIC_AUTH_CACHE_SECONDS", 300, minimum=0)

API_THROTTLE_ANON = env_rate("API_THROTTLE_ANON", "120/minute")
API_THROTTLE_USER = env_rate("API_THROTTLE_USER", "3000/minute")
# Who a management API request acts as (core.api.base.BaseAPIView.actor): the user and API key, with their
# dataset rights. Named here because the shared base view (core) knows nothing of datasets.
API_ACTOR = "datasets.access.caller.caller_of"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.login_throttle.ThrottledBasicAuthentication",
        "datasets.access.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser refusing NUL, lone surrogates, out-of-range numbers and deep nesting (API decision 27).
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.GuardedJSONParser"],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.params_schema.DeclaredParamsSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The client address of throttles, quotas and login throttling: REMOTE_ADDR, or behind proxies the
    # address the nearest one saw. DRF's default (None) would trust a client-sent X-Forwarded-For whole,
    # letting anyone change address at will.
    "NUM_PROXIES": env_int("NUM_PROXIES", 1 if BEHIND_PROXY else 0, minimum=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Management API",
    "DESCRIPTION": "Create, describe and publish datasets. Follows the Opendatasoft Management API v2.",
    "VERSION": "2",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two lists are named "permissions" (API keys: domain permissions; rulesets: dataset rights).
    "ENUM_NAME_OVERRIDES": {
        "DomainPermissionEnum": "datasets.access.permissions.DOMAIN_PERMISSIONS",
        "DatasetPermissionEnum": "datasets.models.security.RULESET_PERMISSIONS",
    },
    "PREPROCESSING_HOOKS": ["datasets.api.management.openapi.management_endpoints_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.openapi.add_error_responses",
    ],
}

# --- HTTPS and cookies ---------------------------------------------------------------------------

# Behind TLS in production; plain http on a developer machine (DEBUG on, or HTTPS=false).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^health/?$"]
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The map tab's basemap (static/explore/map.js): an XYZ tile URL template with {z}/{x}/{y} (and optionally {s});
# empty: no basemap, the data is drawn on a blank background. Its host is added to the CSP's img-src.
MAP_TILES_URL = env_url("MAP_TILES_URL", "", schemes=("https", "http")) if env_str("MAP_TILES_URL", "") else ""
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "")
# The catalog's name (page titles, feeds, DCAT) and who publishes it (DCAT's catalog dct:publisher).
CATALOG_TITLE = env_str("CATALOG_TITLE", "Open data catalog")
CATALOG_PUBLISHER = env_str("CATALOG_PUBLISHER", "") or CATALOG_TITLE
# data.json's contactPoint email for datasets whose ``dcat`` template sets no contact_email.
CATALOG_CONTACT_EMAIL = env_str("CATALOG_CONTACT_EMAIL", "opendata@example.org")

# Content-Security-Policy of HTML pages (config.csp): scripts from our origin only, no inline script but
# django-rq's one (by hash, /admin/rq/ action checkboxes); inline styles allowed for Swagger UI and the admin.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'sha256-1kZe1KRxelr3ptMPsod17Z6BDvbtm4WcufgsZGvsErM='"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", *([url_template_source(MAP_TILES_URL)] if MAP_TILES_URL else [])],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# --- logging ------------------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.request_id.RequestIdFilter"},
        # Credentials in URLs (query tokens, user:password@) never reach a log line.
        "redact_secrets": {"()": "jobs.redaction.RedactingFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id", "redact_secrets"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
