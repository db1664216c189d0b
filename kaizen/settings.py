"""Kaizen settings. Everything that varies between installations comes from the environment.

See docs/configuration.md for every variable. Production is the default: without
KAIZEN_DEBUG=true, SECRET_KEY and ALLOWED_HOSTS must be given and the secure-cookie, HSTS and
SSL-redirect settings are on, so `kaizen check --deploy` is clean.
"""

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url

from kaizen.env import ConfigurationError, env_bool, env_int, env_list, env_str, parse_email_url

BASE_DIR = Path(__file__).resolve().parent
DEBUG = env_bool("KAIZEN_DEBUG", False)

DATA_DIR = Path(env_str("KAIZEN_DATA_DIR", str(Path.cwd() / "data"))).resolve()


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    if not DEBUG:
        raise ConfigurationError(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set, or KAIZEN_DEBUG=true for local "
            "development (a key is then generated under KAIZEN_DATA_DIR)"
        )
    # Local set-up: keep one generated key so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigurationError("ALLOWED_HOSTS must be set (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "kaizen.core",
    "kaizen.people",
    "kaizen.journal",
    "kaizen.audit",
    "kaizen.catalog",
    "kaizen.sla",
    "kaizen.incidents",
    "kaizen.changes",
    "kaizen.problems",
    "kaizen.availability",
    "kaizen.requests",
    "kaizen.surveys",
    "kaizen.notifications",
    "kaizen.imports",
    "kaizen.mailin",
    "kaizen.analytics",
    "kaizen.kpis",
    "kaizen.servicelevels",
    "kaizen.improvement",
    "kaizen.api",
    "kaizen.home",
    "kaizen.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (see below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kaizen.core.middleware.SessionTimeoutMiddleware",
    "kaizen.core.middleware.RequestContextMiddleware",
    "kaizen.core.middleware.UserTimeZoneMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# Failed sign-ins (the sign-in page and the admin site) are counted per account and per
# address by django-axes; at the limit, that account or address is refused for the lockout
# time, even with the right password. Each sign-in, failure and lock-out is journaled
# (kaizen/people/signins.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "kaizen.urls"
WSGI_APPLICATION = "kaizen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaizen.core.context_processors.navigation",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kaizen.sqlite3'}"),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        )
    }
except ValueError as exc:  # an unknown scheme or a malformed URL
    raise ConfigurationError(f"DATABASE_URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Choice lists iterate querysets; as server-side WITH HOLD cursors in autocommit mode each
    # one costs a round trip and a materialisation. Plain cursors are faster here, and safe
    # behind a transaction-pooling PgBouncer.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DATABASE_SERVER_SIDE_CURSORS_OFF", True
    )
    # A bounded pool of connections per process (psycopg_pool, through Django): the threaded
    # web server opens one connection per thread otherwise, and a burst of requests exhausted
    # the server's max_connections. A request that finds every connection busy waits up to
    # DATABASE_POOL_TIMEOUT seconds for one. 0 switches the pool off (one connection a thread,
    # kept DATABASE_CONN_MAX_AGE seconds), e.g. behind PgBouncer.
    pool_max_size = env_int("DATABASE_POOL_MAX_SIZE", 8)
    if pool_max_size > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections instead
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env_int("DATABASE_POOL_MIN_SIZE", 1), pool_max_size),
            "max_size": pool_max_size,
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 20),
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers go on while one writer commits; IMMEDIATE avoids lock upgrades that
    # fail with "database is locked" under concurrent writers.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # At least 12 characters (OWASP ASVS level 2, 2.1.1); length matters more than symbols.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("KAIZEN_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
# The analytics store (DuckDB): facts synced from the journal, read by the KPI engine.
KAIZEN_ANALYTICS_PATH = Path(
    env_str("KAIZEN_ANALYTICS_PATH", str(DATA_DIR / "analytics.duckdb"))
).resolve()
# Business calendar (its slug) for business-hour durations of incidents that have no resolution
# SLA clock; empty: such incidents get no business-hour durations.
KAIZEN_REPORTING_CALENDAR = env_str("KAIZEN_REPORTING_CALENDAR", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

KAIZEN_MAX_ATTACHMENT_MB = env_int("KAIZEN_MAX_ATTACHMENT_MB", 10)
# Largest file accepted by the web import (a whole ServiceNow log zipped is a few MB; a
# decade of another desk's history as plain CSV can be hundreds).
KAIZEN_MAX_IMPORT_MB = env_int("KAIZEN_MAX_IMPORT_MB", 500)
if KAIZEN_MAX_IMPORT_MB < 1:
    raise ConfigurationError("KAIZEN_MAX_IMPORT_MB must be at least 1 (megabytes)")
KAIZEN_REOPEN_WINDOW_DAYS = env_int("KAIZEN_REOPEN_WINDOW_DAYS", 7)
# Resolved incidents nobody reopens are closed by the system this many days after resolution
# (0: never). Not shorter than the reopen window by default: a closed incident is final.
KAIZEN_AUTO_CLOSE_DAYS = env_int("KAIZEN_AUTO_CLOSE_DAYS", 7)
if KAIZEN_AUTO_CLOSE_DAYS < 0:
    raise ConfigurationError("KAIZEN_AUTO_CLOSE_DAYS must be 0 (never) or a number of days")
# Change enablement: the incidents opened on a changed service or CI from the change's start
# until this many hours after its end are proposed as "caused by this change".
KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS = env_int("KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS", 72)
if KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS < 1:
    raise ConfigurationError("KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS must be at least 1 (hours)")
# How many known errors an incident's page and form suggest (docs/known-errors.md).
KAIZEN_KNOWN_ERROR_SUGGESTIONS = env_int("KAIZEN_KNOWN_ERROR_SUGGESTIONS", 5)
if not 1 <= KAIZEN_KNOWN_ERROR_SUGGESTIONS <= 50:
    raise ConfigurationError("KAIZEN_KNOWN_ERROR_SUGGESTIONS must be between 1 and 50")
# Change enablement, CAB: the meetings of each weekly CAB schedule are planned this many weeks
# ahead (nightly task; docs/change-cab.md).
KAIZEN_CAB_PLAN_WEEKS = env_int("KAIZEN_CAB_PLAN_WEEKS", 2)
if not 1 <= KAIZEN_CAB_PLAN_WEEKS <= 26:
    raise ConfigurationError("KAIZEN_CAB_PLAN_WEEKS must be between 1 and 26 (weeks)")
# The change calendar: the longest planned window a scheduled change may have. The conflict
# check looks this far back for changes still running, so it reads a bounded slice of the
# calendar however many changes are booked (docs/change-calendar.md).
KAIZEN_CHANGE_LONGEST_WINDOW_HOURS = env_int("KAIZEN_CHANGE_LONGEST_WINDOW_HOURS", 168)
if KAIZEN_CHANGE_LONGEST_WINDOW_HOURS < 1:
    raise ConfigurationError("KAIZEN_CHANGE_LONGEST_WINDOW_HOURS must be at least 1 (hours)")
# Problem candidates found from the incident data (docs/problem-candidates.md): the nightly
# scan's hour, the recent window and the history its rate is compared with, the smallest count
# and the false discovery rate of the rate tests, and the text clusters' window, size and
# similarity (percent, cosine of TF-IDF vectors).
KAIZEN_PROBLEM_SCAN_HOUR = env_int("KAIZEN_PROBLEM_SCAN_HOUR", 3)
KAIZEN_PROBLEM_SCAN_WINDOW_DAYS = env_int("KAIZEN_PROBLEM_SCAN_WINDOW_DAYS", 7)
KAIZEN_PROBLEM_SCAN_HISTORY_DAYS = env_int("KAIZEN_PROBLEM_SCAN_HISTORY_DAYS", 84)
KAIZEN_PROBLEM_SCAN_MIN_INCIDENTS = env_int("KAIZEN_PROBLEM_SCAN_MIN_INCIDENTS", 5)
KAIZEN_PROBLEM_SCAN_FALSE_DISCOVERY_PCT = env_int("KAIZEN_PROBLEM_SCAN_FALSE_DISCOVERY_PCT", 1)
KAIZEN_PROBLEM_SCAN_CLUSTER_DAYS = env_int("KAIZEN_PROBLEM_SCAN_CLUSTER_DAYS", 90)
KAIZEN_PROBLEM_SCAN_CLUSTER_MIN_SIZE = env_int("KAIZEN_PROBLEM_SCAN_CLUSTER_MIN_SIZE", 5)
KAIZEN_PROBLEM_SCAN_SIMILARITY_PCT = env_int("KAIZEN_PROBLEM_SCAN_SIMILARITY_PCT", 75)
for _name, _low, _high in (
    ("KAIZEN_PROBLEM_SCAN_HOUR", 0, 23),
    ("KAIZEN_PROBLEM_SCAN_WINDOW_DAYS", 1, 90),
    ("KAIZEN_PROBLEM_SCAN_HISTORY_DAYS", 7, 730),
    ("KAIZEN_PROBLEM_SCAN_MIN_INCIDENTS", 2, 10000),
    ("KAIZEN_PROBLEM_SCAN_FALSE_DISCOVERY_PCT", 1, 20),
    ("KAIZEN_PROBLEM_SCAN_CLUSTER_DAYS", 1, 365),
    ("KAIZEN_PROBLEM_SCAN_CLUSTER_MIN_SIZE", 2, 10000),
    ("KAIZEN_PROBLEM_SCAN_SIMILARITY_PCT", 10, 99),
):
    if not _low <= globals()[_name] <= _high:
        raise ConfigurationError(f"{_name} must be between {_low} and {_high}")
# Service level management: a service review is due this many days after the end of the period
# it reviews (docs/service-levels.md, "Service reviews").
KAIZEN_SERVICE_REVIEW_DUE_DAYS = env_int("KAIZEN_SERVICE_REVIEW_DUE_DAYS", 10)
if not 0 <= KAIZEN_SERVICE_REVIEW_DUE_DAYS <= 90:
    raise ConfigurationError("KAIZEN_SERVICE_REVIEW_DUE_DAYS must be between 0 and 90 (days)")
# Continual improvement: "strict" gates let a step pass only with its outputs; "advisory" ones
# let it pass with outputs missing when a reason is given (journaled). Per initiative too.
KAIZEN_IMPROVEMENT_GATE_MODE = env_str("KAIZEN_IMPROVEMENT_GATE_MODE", "strict")
if KAIZEN_IMPROVEMENT_GATE_MODE not in ("strict", "advisory"):
    raise ConfigurationError(
        "KAIZEN_IMPROVEMENT_GATE_MODE must be strict or advisory, "
        f"not {KAIZEN_IMPROVEMENT_GATE_MODE!r}"
    )
# A shared report link (step 6) expires after KAIZEN_SHARE_LINK_DAYS unless the person making
# it chooses otherwise, never more than KAIZEN_SHARE_LINK_MAX_DAYS ahead.
KAIZEN_SHARE_LINK_DAYS = env_int("KAIZEN_SHARE_LINK_DAYS", 30)
KAIZEN_SHARE_LINK_MAX_DAYS = env_int("KAIZEN_SHARE_LINK_MAX_DAYS", 365)
if not 1 <= KAIZEN_SHARE_LINK_MAX_DAYS <= 3660:
    raise ConfigurationError("KAIZEN_SHARE_LINK_MAX_DAYS must be between 1 and 3660")
if not 1 <= KAIZEN_SHARE_LINK_DAYS <= KAIZEN_SHARE_LINK_MAX_DAYS:
    raise ConfigurationError(
        "KAIZEN_SHARE_LINK_DAYS must be between 1 and KAIZEN_SHARE_LINK_MAX_DAYS "
        f"({KAIZEN_SHARE_LINK_MAX_DAYS})"
    )
# An approver's one-time e-mail link to decide a service request (kaizen/requests).
KAIZEN_REQUEST_APPROVAL_LINK_DAYS = env_int("KAIZEN_REQUEST_APPROVAL_LINK_DAYS", 7)
if KAIZEN_REQUEST_APPROVAL_LINK_DAYS < 1:
    raise ConfigurationError("KAIZEN_REQUEST_APPROVAL_LINK_DAYS must be at least 1")

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

for _name, _value in parse_email_url(env_str("EMAIL_URL", "console://")).items():
    globals()[_name] = _value
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kaizen <kaizen@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (Huey). sqlite: the queue is a file next to the database, no extra server;
# redis: workers on several machines share REDIS_URL; immediate: each task runs in the caller's
# process when it is enqueued (tests, debugging; no periodic tasks). Workers: `kaizen run_huey`.
TASK_QUEUE = env_str("KAIZEN_TASK_QUEUE", "sqlite")
if TASK_QUEUE == "redis":
    if not REDIS_URL:
        raise ConfigurationError("KAIZEN_TASK_QUEUE=redis needs REDIS_URL (redis://host:6379/0)")
    if urlparse(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigurationError(
            f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL!r}"
        )
    _huey_storage: dict[str, object] = {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
elif TASK_QUEUE in {"sqlite", "immediate"}:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _huey_storage = {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")}
else:
    raise ConfigurationError(
        f"KAIZEN_TASK_QUEUE must be sqlite, redis or immediate, not {TASK_QUEUE!r}"
    )
HUEY = {
    "name": "kaizen",
    **_huey_storage,
    # Huey would otherwise follow DEBUG, and `make run` must queue like production does.
    "immediate": TASK_QUEUE == "immediate",
    "results": False,  # no task's return value is read; stored results would only pile up
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}

# Notifications: links in mail point at KAIZEN_SITE_URL; unsent mail is retried with backoff
# up to KAIZEN_NOTIFICATION_MAX_ATTEMPTS times; a claim older than the timeout is taken over.
KAIZEN_SITE_URL = str(env_str("KAIZEN_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
_site = urlparse(KAIZEN_SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.netloc:
    raise ConfigurationError(
        f"KAIZEN_SITE_URL must be like https://itsm.example.com, not {KAIZEN_SITE_URL!r}"
    )
KAIZEN_NOTIFICATION_MAX_ATTEMPTS = env_int("KAIZEN_NOTIFICATION_MAX_ATTEMPTS", 10)
KAIZEN_NOTIFICATION_CLAIM_TIMEOUT = env_int("KAIZEN_NOTIFICATION_CLAIM_TIMEOUT", 600)
if KAIZEN_NOTIFICATION_MAX_ATTEMPTS < 1:
    raise ConfigurationError("KAIZEN_NOTIFICATION_MAX_ATTEMPTS must be at least 1")
if KAIZEN_NOTIFICATION_CLAIM_TIMEOUT < 60:
    raise ConfigurationError(
        "KAIZEN_NOTIFICATION_CLAIM_TIMEOUT must be at least 60 (seconds; longer than one send)"
    )

# Inbound mail (kaizen.mailin, docs/mail.md): a message larger than KAIZEN_MAIL_MAX_MESSAGE_MB
# is set aside; one sender opens or updates at most KAIZEN_MAIL_RATE_LIMIT tickets per
# KAIZEN_MAIL_RATE_WINDOW_MINUTES (the rest is held, then processed); the LMTP receiver of
# `kaizen mail lmtp` listens on KAIZEN_MAIL_LMTP_HOST:KAIZEN_MAIL_LMTP_PORT.
KAIZEN_MAIL_MAX_MESSAGE_MB = env_int("KAIZEN_MAIL_MAX_MESSAGE_MB", 25)
KAIZEN_MAIL_RATE_LIMIT = env_int("KAIZEN_MAIL_RATE_LIMIT", 30)
KAIZEN_MAIL_RATE_WINDOW_MINUTES = env_int("KAIZEN_MAIL_RATE_WINDOW_MINUTES", 60)
KAIZEN_MAIL_LMTP_HOST = env_str("KAIZEN_MAIL_LMTP_HOST", "127.0.0.1")
KAIZEN_MAIL_LMTP_PORT = env_int("KAIZEN_MAIL_LMTP_PORT", 8024)

# Production hardening: on unless KAIZEN_DEBUG, each can be switched off for a TLS-terminating
# proxy set-up that does not pass X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("KAIZEN_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("KAIZEN_SECURE_COOKIES", not DEBUG)
# Sign-in lasts at most this long, and ends sooner after this long without a request
# (kaizen.core.middleware.SessionTimeoutMiddleware); the cookie itself lasts as long.
KAIZEN_SESSION_MAX_HOURS = env_int("KAIZEN_SESSION_MAX_HOURS", 12)
KAIZEN_SESSION_IDLE_MINUTES = env_int("KAIZEN_SESSION_IDLE_MINUTES", 30)
if KAIZEN_SESSION_MAX_HOURS < 1 or KAIZEN_SESSION_IDLE_MINUTES < 1:
    raise ConfigurationError(
        "KAIZEN_SESSION_MAX_HOURS and KAIZEN_SESSION_IDLE_MINUTES must be at least 1"
    )
SESSION_COOKIE_AGE = KAIZEN_SESSION_MAX_HOURS * 3600

AXES_ENABLED = env_bool("KAIZEN_SIGNIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = env_int("KAIZEN_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KAIZEN_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: an account, an address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kaizen.people.signins.locked_out"
AXES_VERBOSE = False  # the journal and the log say it already
if env_bool("KAIZEN_BEHIND_PROXY", False):
    AXES_IPWARE_PROXY_COUNT = 1  # the address the reverse proxy saw, not the proxy's own
if AXES_FAILURE_LIMIT < 1:
    raise ConfigurationError("KAIZEN_SIGNIN_FAILURE_LIMIT must be at least 1")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("KAIZEN_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("KAIZEN_HSTS_PRELOAD", False)
if env_bool("KAIZEN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): pages load scripts, styles, fonts and images from
# Kaizen itself only; no inline script, no inline style, no eval, no plugin, no framing.
# Data for scripts travels in json_script blocks and data-* attributes. Images may also be
# data: URLs (Bootstrap's icons in its CSS). A site that adds its own assets (a logo on
# another host, an analytics script) lists their sources in KAIZEN_CSP_<DIRECTIVE>
# (comma-separated); they are added to 'self' (docs/configuration.md#security-headers).
_CSP_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_CSP_SELF],
        "script-src": [_CSP_SELF, *env_list("KAIZEN_CSP_SCRIPT_SRC", [])],
        "style-src": [_CSP_SELF, *env_list("KAIZEN_CSP_STYLE_SRC", [])],
        "img-src": [_CSP_SELF, "data:", *env_list("KAIZEN_CSP_IMG_SRC", [])],
        "font-src": [_CSP_SELF, *env_list("KAIZEN_CSP_FONT_SRC", [])],
        "connect-src": [_CSP_SELF, *env_list("KAIZEN_CSP_CONNECT_SRC", [])],
        "object-src": ["'none'"],
        "base-uri": [_CSP_SELF],
        "form-action": [_CSP_SELF],
        "frame-ancestors": ["'none'"],
    },
}
if _csp_report_uri := env_str("KAIZEN_CSP_REPORT_URI", ""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [_csp_report_uri]

# Permissions-Policy (django-permissions-policy): the browser features Kaizen never uses are
# switched off for its pages and anything they might embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
SILENCED_SYSTEM_CHECKS = ["security.W021"] if not SECURE_HSTS_PRELOAD else []

# A filter bar's unset choice reads "Any", not django-filter's "---------".
FILTERS_EMPTY_CHOICE_LABEL = "Any"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns "not logged in" into 401, not 403.
        "kaizen.people.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        # DRF's own, allowing its pages' inline styles (kaizen/api/renderers.py).
        "kaizen.api.renderers.KaizenBrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kaizen.core.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "kaizen.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kaizen API",
    "DESCRIPTION": "IT service management with continual service improvement. "
    "Authenticate with `Authorization: Bearer <token>` (create tokens under your profile).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `kind` or `state`; name each choice set after what it is.
    "ENUM_NAME_OVERRIDES": {
        "SlaClockStateEnum": "kaizen.sla.models.ClockState",
        "SlaTargetKindEnum": "kaizen.sla.models.TargetKind",
        "IncidentStateEnum": "kaizen.incidents.models.State",
        "ChangeStateEnum": "kaizen.changes.models.State",
        "ChangeRiskEnum": "kaizen.changes.models.Risk",
        "ChangeClosureCodeEnum": "kaizen.changes.models.ClosureCode",
        "ChangeVoteDecisionEnum": "kaizen.changes.models.Decision",
        "ChangeFallbackEnum": "kaizen.changes.models.Fallback",
        "ProblemStateEnum": "kaizen.problems.models.State",
        "ProblemClosureCodeEnum": "kaizen.problems.models.ClosureCode",
        "ChangeTemplateDecisionEnum": "kaizen.changes.api.serializers.TemplateDecision",
        "UserKindEnum": "kaizen.people.models.UserKind",
        # Named after their model, so the next app with a "level" or "priority" choice set
        # does not collide with the improvement register's.
        "GoalLevelEnum": "kaizen.improvement.models.GoalLevel",
        "InitiativePriorityEnum": "kaizen.improvement.models.Priority",
        "InitiativeOriginEnum": "kaizen.improvement.models.Origin",
        "CollectionScheduleEnum": "kaizen.improvement.models.CollectionSchedule",
        "DecisionKindEnum": "kaizen.improvement.models.DecisionKind",
        "OutageStatusEnum": "kaizen.availability.models.OutageStatus",
        "OutageKindEnum": "kaizen.availability.models.OutageKind",
        "OutageOriginEnum": "kaizen.availability.models.OutageOrigin",
        "OutageCauseKindEnum": "kaizen.availability.models.CauseKind",
        "AgreementKindEnum": "kaizen.servicelevels.models.AgreementKind",
        "AgreementStatusEnum": "kaizen.servicelevels.models.AgreementStatus",
        "CustomerKindEnum": "kaizen.servicelevels.models.CustomerKind",
        "SurveyInvitationStateEnum": "kaizen.surveys.models.InvitationState",
        "SurveyFollowUpStateEnum": "kaizen.surveys.models.FollowUpState",
        "SurveyFollowUpOutcomeEnum": "kaizen.surveys.models.FollowUpOutcome",
        "SurveyQuestionKindEnum": "kaizen.surveys.models.QuestionKind",
        "SurveyTriggerOutcomeEnum": "kaizen.surveys.models.TriggerOutcome",
        "RequestStateEnum": "kaizen.requests.models.State",
        "RequestTaskStateEnum": "kaizen.requests.models.TaskState",
        "RequestApprovalStateEnum": "kaizen.requests.models.StepState",
        "RequestVoteDecisionEnum": "kaizen.requests.models.Decision",
        # approve / reject: a step's default action when due, and an approver's decision.
        "ApproveOrRejectEnum": "kaizen.requests.models.DueAction",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KAIZEN_LOG_LEVEL", "INFO")},
    # With a handler here, `kaizen run_huey` does not add its own, which printed lines twice.
    "loggers": {"huey": {"handlers": ["console"], "propagate": False}},
}
