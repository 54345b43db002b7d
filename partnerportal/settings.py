"""Settings for the partner portal, read from the environment.

The defaults make a development run work with nothing configured (SQLite, Celery's filesystem
broker, e-mail written to files). Production (DEBUG off) refuses to start without SECRET_KEY.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",  # `clearsessions` (clears SESSION_ENGINE's store); its table: see partners 0006
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "csp",
    "simple_history",
    "partnerportal",
    "partnerportal.notifications",
    "partners",
    "kpis",
    "agreements",
    "meetings",
    "relations",
    # Accounts (issue 17): sign-in flows, two-factor (TOTP, recovery codes, passkeys), the
    # sessions page and OpenID Connect single sign-on for the host's staff. After
    # the portal's apps: where both translate the same words, the portal's own catalogues win.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    # First, so it is the last to see a view's exception: /api/ errors answer JSON (partnerportal/api.py).
    "partnerportal.api.ApiErrorMiddleware",
    "partnerportal.logs.RequestContextMiddleware",  # request id for logs and the X-Request-ID header
    "partnerportal.metrics.MetricsMiddleware",  # only when METRICS_ENABLED (see the Metrics block below)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "partnerportal.middleware.PrivateNoStoreMiddleware",  # below WhiteNoise: static files stay cacheable
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "partnerportal.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnerportal.urls"
WSGI_APPLICATION = "partnerportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnerportal.context_processors.portal",
            ],
        },
    }
]

# --- Data stores ---------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A reused connection is checked before a request uses it: after a database restart the first
# request on each worker reconnects instead of failing on the dead connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Web requests give up on an unreachable or stuck database instead of waiting for it; workers and
# management commands (migrate, the KPI loader) switch to the longer task limit
# (partnerportal.db.use_task_statement_timeout, called from celery.py and manage.py).
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=5)
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)
DB_TASK_STATEMENT_TIMEOUT_MS = env.int("DB_TASK_STATEMENT_TIMEOUT_MS", default=600_000)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    _db_options["options"] = f"{_db_options.get('options', '')} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The dashboard panels' figures are kept this many seconds in the cache and renewed as soon as
# their inputs change (partnerportal/dashboard_cache.py); 0 computes them on every view. Only with
# Redis by default: a process-local cache would not hear of changes made by the worker or by
# another web process.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300 if REDIS_URL else 0)

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "partnerportal.backends.PortalBackend",  # Django's ModelBackend, user and organization in one query
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
# Django's database sessions with the signed-in person's id in an indexed column, so that deactivating
# someone ends their sessions without reading anyone else's (partners/sessions.py).
SESSION_ENGINE = "partners.sessions"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("da", _("Danish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Copenhagen")
USE_I18N = True
USE_TZ = True
# One date, short-date and date-time style per language (partnerportal/formats/<lang>/formats.py) and
# numbers grouped by thousands ("14.327.548" in Danish). Values a machine reads are never localised:
# widgets render plain numbers and ISO dates, exports and the API write their own, and templates put
# ids and numbers into attributes with `|unlocalize` (see partnerportal.formats).
FORMAT_MODULE_PATH = ["partnerportal.formats"]
USE_THOUSAND_SEPARATOR = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    # Django's file system storage that removes a partly written file when a save fails (full disk).
    "default": {"BACKEND": "partnerportal.uploads.UploadStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("MANIFEST_STATIC", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# With S3_BUCKET, uploads (case evidence, engagement files, KPI import previews) go to S3-compatible
# object storage that every web process and worker shares, so the portal can run on several machines
# (partnerportal/object_storage.py). Private objects: downloads go through the portal's views only.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _s3_endpoint = env.str("S3_ENDPOINT_URL", default="") or None
    STORAGES["default"] = {
        "BACKEND": "partnerportal.object_storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": env.str("S3_REGION", default="") or None,
            # Empty: boto3's own credential chain (environment, instance or pod role).
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            # Empty for a bucket that refuses ACLs (object ownership "bucket owner enforced").
            "default_acl": env.str("S3_DEFAULT_ACL", default="private") or None,
            # Path-style (endpoint/bucket/key) by default on a custom endpoint (MinIO and most others).
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path" if _s3_endpoint else "") or None,
        },
    }

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(EMAIL_CONFIG.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(EMAIL_CONFIG.get("EMAIL_USE_SSL"))
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    # filemail:///srv/portal/mail writes there (django-environ drops the leading "/" of the path);
    # plain filemail:// writes to $VAR_DIR/mail.
    _mail_dir = EMAIL_CONFIG["EMAIL_FILE_PATH"].strip("/")
    EMAIL_FILE_PATH = "/" + _mail_dir if _mail_dir else str(VAR_DIR / "mail")
# Date headers with the real offset of TIME_ZONE (not "-0000", "zone unknown").
EMAIL_USE_LOCALTIME = True
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Partner portal <portal@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Notifications outbox: how often the dispatcher runs and how persistent it is.
NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS = env.int("NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS", default=30)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS = env.int("NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS", default=300)
# Agreements: a side that has not signed is reminded this many days after the version was sent; the
# owners are told this many weeks ahead that an agreement is due for review.
AGREEMENT_SIGNATURE_REMINDER_DAYS = env.int("AGREEMENT_SIGNATURE_REMINDER_DAYS", default=3)
AGREEMENT_REVIEW_REMINDER_WEEKS = env.int("AGREEMENT_REVIEW_REMINDER_WEEKS", default=4)
# People: an invitation link works this many days (resending starts the count again).
INVITATION_EXPIRY_DAYS = env.int("INVITATION_EXPIRY_DAYS", default=7)
# KPIs: days a partner has to accept or dispute a closed month's proposed scorecard (kpis.reviews).
SCORECARD_REVIEW_DAYS = env.int("SCORECARD_REVIEW_DAYS", default=10)

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnerportal.authentication.PortalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "partnerportal.filters.ScopedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "partnerportal.api.PortalAutoSchema",
    "EXCEPTION_HANDLER": "partnerportal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner portal API",
    "DESCRIPTION": "Organisations, KPIs, agreements, meetings and relationship practices. "
    "Authenticate with a session or with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the API's error format (400, 401, 403, 404, 413, 503).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partnerportal.api.add_error_responses",
    ],
    # Choice sets that share a field name across apps get explicit, readable schema names.
    "ENUM_NAME_OVERRIDES": {
        "PartyEnum": "agreements.models.Party",
        "CaseStatusEnum": "relations.models.CaseStatus",
        # meetings and engagements share planned / held / cancelled
        "EventStatusEnum": "relations.models.EngagementStatus",
        "RoadmapStatusEnum": "relations.models.RoadmapStatus",
        "ActionStatusEnum": "meetings.models.ActionStatus",
        "VersionStatusEnum": "agreements.models.VersionStatus",
        "NotificationStatusEnum": "partnerportal.notifications.models.NotificationStatus",
        # the scorecard review's and its disputes' states
        "ReviewStateEnum": "kpis.models.ReviewState",
        "DisputeStateEnum": "kpis.models.DisputeState",
    },
}

# --- Logging ------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request_id, user_id,
# task_id; partnerportal/logs.py), for a log collector. The default is plain console lines.
LOG_FORMAT = env.str("LOG_FORMAT", default="console").lower()
if LOG_FORMAT not in {"console", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be console or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "partnerportal.logs.RequestContextFilter"}},
    "formatters": {"json": {"()": "partnerportal.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
if LOG_FORMAT == "json":
    # Django's own console handlers (DEBUG only: "django", and runserver's "django.server") would
    # write plain lines beside the JSON ones: their records go to the JSON handler instead.
    LOGGING["loggers"]["django"] = {"handlers": [], "level": "INFO"}
    LOGGING["loggers"]["django.server"] = {"handlers": ["console"], "level": "INFO", "propagate": False}
# Celery's worker keeps the root logger configured above (and its JSON lines) instead of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# --- Metrics ------------------------------------------------------------------------------
# Prometheus metrics at /metrics (partnerportal/metrics.py), off by default. Readable with
# `Authorization: Bearer $METRICS_TOKEN`, from an address in METRICS_ALLOWED_IPS (addresses or
# networks, e.g. 10.0.0.0/8), or by a signed-in host admin. A Celery worker serves its own on
# METRICS_WORKER_PORT (0: none). Several processes of one machine add up their counters through
# PROMETHEUS_MULTIPROC_DIR (read by prometheus_client from the environment, not here).
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_error}") from None
METRICS_WORKER_PORT = env.int("METRICS_WORKER_PORT", default=0)

# --- Single sign-on -----------------------------------------------------------------------
# OpenID Connect for the host's staff (Microsoft Entra ID, Google Workspace, Keycloak, …), through
# django-allauth's openid_connect provider; on when OIDC_ISSUER is set. The issuer's redirect URI is
# <SITE_URL>/accounts/oidc/host/login/callback/. Who is signed in as whom: partners/sso.py; the README
# section "Single sign-on (OpenID Connect)" has examples. OIDC_ALLOWED_DOMAINS (comma list): an unknown
# but verified address of these domains gets a new host account with OIDC_DEFAULT_ROLE (admin or
# manager); without it, only existing users sign in. OIDC_TRUST_EMAIL: take the e-mail claim as
# verified when the issuer sends no `email_verified` (Entra ID; only for an issuer of your own
# tenant). OIDC_SATISFIES_MFA: a single sign-on counts as the second factor (the issuer asks for its
# own). OIDC_PARTNER_ISSUERS (JSON, organisation id → {"issuer", "client_id", "client_secret",
# "name"}): a partner organisation's own issuer, for that organisation's people only; redirect URI
# <SITE_URL>/accounts/oidc/partner-<id>/login/callback/.
from partnerportal import sso as _sso  # noqa: E402 - no models: settings-safe

OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="")
OIDC_ALLOWED_DOMAINS = env.list("OIDC_ALLOWED_DOMAINS", default=[])
OIDC_DEFAULT_ROLE = env.str("OIDC_DEFAULT_ROLE", default="manager")
OIDC_TRUST_EMAIL = env.bool("OIDC_TRUST_EMAIL", default=False)
OIDC_SATISFIES_MFA = env.bool("OIDC_SATISFIES_MFA", default=True)
if OIDC_DEFAULT_ROLE not in ("admin", "manager"):
    raise ImproperlyConfigured(f"OIDC_DEFAULT_ROLE must be admin or manager, not {OIDC_DEFAULT_ROLE!r}.")
try:
    _sso_issuers = [
        _sso.host_issuer(
            issuer=OIDC_ISSUER,
            client_id=OIDC_CLIENT_ID,
            client_secret=OIDC_CLIENT_SECRET,
            name=OIDC_PROVIDER_NAME,
            allowed_domains=OIDC_ALLOWED_DOMAINS,
            trust_email=OIDC_TRUST_EMAIL,
        ),
        *_sso.partner_issuers(env.str("OIDC_PARTNER_ISSUERS", default="")),
    ]
except _sso.SsoConfigError as _error:
    raise ImproperlyConfigured(str(_error)) from None
SOCIALACCOUNT_PROVIDERS = _sso.socialaccount_providers(_sso_issuers)
SOCIALACCOUNT_ADAPTER = "partners.sso.PortalSocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False  # the adapter connects a known person or refuses: never a sign-up form
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # by `sub` once connected; the first time by the adapter's rules
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the issuer verified the address (email_verified)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # the button POSTs; a GET shows a confirmation page (CSRF)
# The button's form is answered by a redirect to the issuer: the browser checks it against form-action.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += _sso.form_action_origins(_sso_issuers)

# --- Accounts: sign-in, two-factor, sessions (issue 17, django-allauth) ----------------------
# Sign-in runs through allauth's account flow (partnerportal/accounts.py): by user name, no open
# sign-up (people come by invitation), django-axes still counts failures and locks out, the
# deactivated-account rule and the one generic message for a wrong user name or password stay.
# allauth's apps are listed after the portal's (INSTALLED_APPS above): the portal's Danish words win.
ACCOUNT_ADAPTER = "partnerportal.accounts.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True  # as before: the session lasts SESSION_COOKIE_AGE, no "remember me" box
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # the other sessions end; this one stays (accounts.py)
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Two-factor (allauth.mfa): an authenticator app (TOTP) with recovery codes, and passkeys (WebAuthn;
# browsers allow them on HTTPS or on localhost). A passkey also signs in on its own.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Partner portal")
# A code of the 30-second step before or after is accepted too (RFC 6238, section 5.2: the delay between
# reading the code off the app and the server checking it, and small clock drift); each code is used once.
MFA_TOTP_TOLERANCE = 1
MFA_ALLOW_UNVERIFIED_EMAIL = True  # addresses are set by the host or an invitation, not verified by allauth
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
# Who must have a second factor (partnerportal.policy.mfa_required): host staff (admins and warehouse
# managers) unless this is off, and the people of an organisation whose `require_mfa` is on.
MFA_REQUIRED_FOR_HOST_STAFF = env.bool("MFA_REQUIRED_FOR_HOST_STAFF", default=True)
# "Your sessions" on the profile: where the person is signed in, with the last request seen. The last
# request is written at most every USERSESSIONS_SEEN_EVERY seconds (partnerportal.accounts
# .UserSessionsMiddleware replaces allauth's, which writes on every request).
USERSESSIONS_TRACK_ACTIVITY = True
USERSESSIONS_SEEN_EVERY = env.int("USERSESSIONS_SEEN_EVERY", default=300)
MIDDLEWARE[MIDDLEWARE.index("allauth.usersessions.middleware.UserSessionsMiddleware")] = (
    "partnerportal.accounts.UserSessionsMiddleware"
)
# A person who must have a second factor and has none is sent to set one up first.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "partnerportal.accounts.SecondFactorRequiredMiddleware",
)
