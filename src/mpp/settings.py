"""Django settings, read from environment variables.

DATABASE_URL   default: SQLite file var/mpp.sqlite3 (WAL, IMMEDIATE transactions)
REDIS_URL      optional: cross-process fan-out for display boards and rate limits
MPP_ENV        "demo" (default) or "production" (mpp.core.deploy; docs/production.md)
MPP_SECRET_KEY, MPP_DEBUG, MPP_ALLOWED_HOSTS, MPP_VAR_DIR, MPP_LOG_LEVEL
MPP_CSRF_TRUSTED_ORIGINS, MPP_SSL_REDIRECT, MPP_SECURE_COOKIES, MPP_HSTS_SECONDS,
  MPP_HSTS_INCLUDE_SUBDOMAINS, MPP_HSTS_PRELOAD, MPP_PROXY_SSL_HEADER: HTTPS behind a proxy
MPP_REQUIRE_2FA: national admins and mall managers must sign in with a TOTP code
MPP_LOGIN_USER_FAILURES, MPP_LOGIN_IP_FAILURES, MPP_LOGIN_MAX_LOCK: sign-in lock-out
MPP_DB_POOL_MAX  connections pooled (PostgreSQL) or kept open (SQLite) per process (20; 0: none)
MPP_DB_CHECK, MPP_DB_RETRY_AFTER: lost connections (mpp.core.dbfaults)
MPP_MAX_BODY_BYTES, MPP_MAX_UPLOAD_BYTES, MPP_BODY_TIMEOUT, MPP_BODY_MIN_RATE: request bodies
MPP_RATE_BOOKING_IP, MPP_RATE_BOOKING_NIK, MPP_RATE_LOOKUP_IP, MPP_RATE_SURVEY_IP,
  MPP_RATE_COMPLAINT_IP, MPP_RATE_COMPLAINT_LOOKUP_IP, MPP_RATE_SEARCH_IP, MPP_RATE_CASE_IP,
  MPP_RATE_CASE_NIK, MPP_RATE_CASE_LOOKUP_IP, MPP_RATE_CASE_OPEN_NUMBER, MPP_RATE_PHONE_CODE_IP,
  MPP_RATE_PHONE_VERIFY_IP, MPP_RATE_DEVICE_TICKETS: rate limits
MPP_TRUSTED_PROXIES: proxies whose X-Forwarded-For is believed
MPP_BOOKING_MAX_INFLIGHT, MPP_BOOKING_MAX_QUEUE, MPP_BOOKING_QUEUE_SECONDS: load shedding
MPP_PII_KEY, MPP_PII_KEY_ID, MPP_PII_KEYS_OLD: keys of the NIK digests (mpp.core.pii)
MPP_PUBLIC_URL the address citizens reach this installation at, for links in messages
MPP_OUTBOX_LEASE, MPP_OUTBOX_BACKOFF: the outbox worker's lease and back-off schedule (seconds)
MPP_CASES_S3_BUCKET, MPP_CASES_S3_ENDPOINT, MPP_CASES_S3_ACCESS_KEY, MPP_CASES_S3_SECRET_KEY,
  MPP_CASES_S3_REGION: case documents in S3-compatible storage (docs/case-documents.md)
MPP_WEBHOOK_ALLOW_HTTP, MPP_WEBHOOK_BACKOFF, MPP_WEBHOOK_TIMEOUT, MPP_WEBHOOK_LEASE,
  MPP_WEBHOOK_CONCURRENCY: webhooks (docs/integration.md)
MPP_CONNECTORS, MPP_CONNECTOR_BACKOFF, MPP_CONNECTOR_LEASE, MPP_NIK_REGISTER_URL,
  MPP_NIK_REGISTER_KEY, MPP_NIK_REGISTER_TIMEOUT: agency back ends and the population
  register (docs/integration.md, docs/nik-register.md)
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from mpp.core import deploy

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MPP_VAR_DIR", Path.cwd() / "var"))

# The profile (mpp.core.deploy): "production" refuses to start without its keys and
# host names and turns on HTTPS; "demo" keeps generated keys under var/.
try:
    MPP_ENV = deploy.profile()
    _problems = deploy.production_problems() if MPP_ENV == "production" else []
    MPP_PII_KEYS_OLD = deploy.parse_old_pii_keys(os.environ.get("MPP_PII_KEYS_OLD", ""))
except deploy.DeployError as exc:
    raise ImproperlyConfigured(str(exc)) from None
if _problems:
    raise ImproperlyConfigured(deploy.refusal(_problems))
PRODUCTION = MPP_ENV == "production"

DEBUG = deploy.truthy(os.environ.get("MPP_DEBUG", "0"))
SECRET_KEY = os.environ.get("MPP_SECRET_KEY") or deploy.demo_key(VAR_DIR, "secret_key")
_hosts = [h.strip() for h in os.environ.get("MPP_ALLOWED_HOSTS", "").split(",") if h.strip()]
ALLOWED_HOSTS = _hosts or ["*"]  # "*" only in the demo profile (production requires hosts)
# Keys the HMAC of NIKs stored with bookings (mpp.core.pii): its own key, never derived
# from the secret key. The id is stored with each digest ("k1$..."); digests made with
# an old key (MPP_PII_KEYS_OLD="k1:...", oldest first) are still found, and
# `mpp pii_rekey` re-keys them under the current key (docs/production.md).
MPP_PII_KEY = os.environ.get("MPP_PII_KEY") or deploy.demo_key(VAR_DIR, "pii_key")
MPP_PII_KEY_ID = os.environ.get("MPP_PII_KEY_ID", "k1")
MPP_PUBLIC_URL = os.environ.get("MPP_PUBLIC_URL", "").rstrip("/")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("MPP_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
] or ([MPP_PUBLIC_URL] if MPP_PUBLIC_URL.startswith("https://") else [])

# HTTPS (production profile defaults; each can be turned off for a special set-up). The
# proxy in front of MPP terminates TLS; `mpp serve` believes its X-Forwarded-For and
# X-Forwarded-Proto only from MPP_TRUSTED_PROXIES (uvicorn's forwarded_allow_ips), so
# request.is_secure() is right without SECURE_PROXY_SSL_HEADER. MPP_PROXY_SSL_HEADER
# (e.g. X-Forwarded-Proto) is for other servers, and only if the proxy always sets it.
_https = PRODUCTION
SECURE_SSL_REDIRECT = deploy.truthy(os.environ.get("MPP_SSL_REDIRECT", "1" if _https else "0"))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = deploy.truthy(
    os.environ.get("MPP_SECURE_COOKIES", "1" if _https else "0")
)
SECURE_HSTS_SECONDS = int(os.environ.get("MPP_HSTS_SECONDS", "31536000" if _https else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = deploy.truthy(
    os.environ.get("MPP_HSTS_INCLUDE_SUBDOMAINS", "1" if _https else "0")
)
# Preloading is the domain owner's decision (hstspreload.org is hard to undo): off unless set.
SECURE_HSTS_PRELOAD = deploy.truthy(os.environ.get("MPP_HSTS_PRELOAD", "0"))
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if os.environ.get("MPP_PROXY_SSL_HEADER"):
    _header = "HTTP_" + os.environ["MPP_PROXY_SSL_HEADER"].upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (_header, "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every answer (django-csp): scripts only from this server's
# static files, nothing from elsewhere, no framing. Styles allow inline (a few templates
# and Swagger UI set style attributes); images allow data: (QR codes, Swagger UI icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Staff sign-in (mpp.accounts.throttle, mpp.accounts.twofactor).
AUTHENTICATION_BACKENDS = ["mpp.accounts.throttle.ThrottledModelBackend"]
MPP_LOGIN_USER_FAILURES = int(os.environ.get("MPP_LOGIN_USER_FAILURES", "5"))
MPP_LOGIN_IP_FAILURES = int(os.environ.get("MPP_LOGIN_IP_FAILURES", "20"))
MPP_LOGIN_MAX_LOCK = int(os.environ.get("MPP_LOGIN_MAX_LOCK", str(15 * 60)))  # seconds
MPP_REQUIRE_2FA = deploy.truthy(os.environ.get("MPP_REQUIRE_2FA", "0"))
OTP_TOTP_ISSUER = "MPP"

INSTALLED_APPS = [
    "mpp.web",  # first: its templates/admin/ (readable breadcrumbs, labelled inline rows) win
    "mpp.accounts.admin_apps.MppAdminConfig",  # django.contrib.admin, every change audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mpp.core",
    "mpp.accounts",
    "mpp.catalog",
    "mpp.queueing",
    "mpp.devices",
    "mpp.notifications",
    "mpp.bookings",
    "mpp.cases",
    "mpp.surveys",
    "mpp.complaints",
    "mpp.consultation",
    "mpp.search",
    "mpp.assistant",
    "mpp.outreach",  # jemput bola: demand, plans, the fleet, offline field records
    "mpp.integrations",  # agency systems: API clients, webhooks, connectors (reads the log)
    "mpp.api",
    "django_otp",
    "django_otp.plugins.otp_totp",  # optional TOTP two-factor sign-in for staff
    "csp",
    "ninja",  # serves the API docs' Swagger UI from its own static files (no CDN)
]

MIDDLEWARE = [
    "mpp.core.shedding.BookingShedMiddleware",  # first: sheds in the event loop, no thread
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "mpp.api.errors.JsonErrorsMiddleware",  # under /api/: every error answer as JSON
    "mpp.web.static_middleware.StaticFilesMiddleware",  # WhiteNoise, async-capable
    "mpp.core.dbfaults.DatabaseFaultMiddleware",  # lost connection: retry once, else 503
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mpp.web.middleware.DefaultLanguageMiddleware",  # Indonesian unless chosen otherwise
    "mpp.core.textcheck.TextCheckMiddleware",  # control characters in input: 422
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "mpp.accounts.twofactor.RequireTwoFactorMiddleware",  # MPP_REQUIRE_2FA
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mpp.urls"
ASGI_APPLICATION = "mpp.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "console"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'mpp.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=0)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["ENGINE"] = "mpp.core.sqlite_backend"  # fair turns for this process's writers
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write
        # lock at BEGIN so two kiosks never deadlock on a lock upgrade, and the
        # busy timeout makes a second writer wait instead of failing.
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # Connections kept open for the next request (core/sqlite_backend):
            # opening one costs 3-4 ms. MPP_DB_POOL_MAX=0: a new one per request.
            "pool": int(os.environ.get("MPP_DB_POOL_MAX", "20")),
        }
        # A file (not memory) so that tests can run the server and parallel worker
        # processes against the same test database; one per test run.
        db["TEST"] = {"NAME": str(VAR_DIR / f"test-mpp-{os.getpid()}.sqlite3")}
    elif db["ENGINE"] == "django.db.backends.postgresql":
        # A connection pool per server process (psycopg_pool): a request borrows a
        # connection instead of opening one (~9 ms); CONN_MAX_AGE stays 0, so Django
        # gives it back at the end of each request. MPP_DB_POOL_MAX=0: no pool.
        pool_max = int(os.environ.get("MPP_DB_POOL_MAX", "20"))
        if pool_max > 0:
            db.setdefault("OPTIONS", {})["pool"] = {
                "min_size": min(2, pool_max),
                "max_size": pool_max,
                "timeout": 10,  # seconds a request waits for a free connection
            }
            # Each borrowed connection is checked first (one empty query, ~0.1 ms): after
            # a restart or pg_terminate_backend, dead ones are dropped instead of failing
            # one request each (mpp.core.postgresql_backend; MPP_DB_CHECK=0: unchecked).
            db["ENGINE"] = "mpp.core.postgresql_backend"
            db["MPP_POOL_CHECK"] = os.environ.get("MPP_DB_CHECK", "1") != "0"
    return db


DATABASES = {"default": _database()}
# Request bodies (mpp.core.bodyguard, in mpp.asgi): larger ones are refused with 413 before
# they are read; the complaint forms (5 MB attachment) and the admin may send more. A body
# must arrive within MPP_BODY_TIMEOUT s + 1 s per MPP_BODY_MIN_RATE bytes, else 408.
MPP_MAX_BODY_BYTES = int(os.environ.get("MPP_MAX_BODY_BYTES", str(1024 * 1024)))
MPP_MAX_UPLOAD_BYTES = int(os.environ.get("MPP_MAX_UPLOAD_BYTES", str(6 * 1024 * 1024)))
MPP_UPLOAD_PATHS = [
    r"^/m/[^/]+/pengaduan/(kiosk/|petugas/)?$",
    r"^/admin/",
    # Case documents (mpp.cases.documents: at most 5 MB each unless a requirement says more).
    r"^/cases/[^/]+/documents/$",
    r"^/staff/cases/[^/]+/files/$",
    r"^/api/v1/cases/[^/]+/documents/?$",
]
MPP_BODY_TIMEOUT = float(os.environ.get("MPP_BODY_TIMEOUT", "10"))
MPP_BODY_MIN_RATE = int(os.environ.get("MPP_BODY_MIN_RATE", "50000"))  # bytes per second
# Seconds a client is told to wait (Retry-After) when the database is unavailable: a 503
# {"code": "database_unavailable"} instead of a 500 (mpp.core.dbfaults).
MPP_DB_RETRY_AFTER = int(os.environ.get("MPP_DB_RETRY_AFTER", "3"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

# A shared cache across server processes when Redis is configured (wait-estimate means);
# one process's memory otherwise. Fail-soft (mpp.core.cache): short timeouts, and while
# Redis is unreachable an in-process cache answers instead of an error.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mpp.core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mpp",
        }
    }


# Rate limits (mpp.core.ratelimit): "count/seconds" per client IP and per NIK, sliding
# window, in Redis when REDIS_URL is set (else per process). "0" turns a limit off.
def _rate(env: str, default: str) -> tuple[int, int] | None:
    count, _, seconds = os.environ.get(env, default).partition("/")
    return (int(count), int(seconds or 60)) if int(count) > 0 else None


MPP_RATE_LIMITS = {
    "booking_ip": _rate("MPP_RATE_BOOKING_IP", "30/60"),  # booking writes per IP
    "booking_nik": _rate("MPP_RATE_BOOKING_NIK", "5/600"),  # booking writes per NIK
    "lookup_ip": _rate("MPP_RATE_LOOKUP_IP", "60/60"),  # booking look-ups (code + NIK)
    "survey_ip": _rate("MPP_RATE_SURVEY_IP", "30/600"),  # SKM answers sent per IP
    "complaint_ip": _rate("MPP_RATE_COMPLAINT_IP", "10/600"),  # complaints filed per IP
    "complaint_lookup_ip": _rate("MPP_RATE_COMPLAINT_LOOKUP_IP", "30/60"),  # tracking
    "search_ip": _rate("MPP_RATE_SEARCH_IP", "120/60"),  # service searches per IP
    "assistant_ip": _rate("MPP_RATE_ASSISTANT_IP", "30/60"),  # assistant messages per IP
    "assistant_sender": _rate("MPP_RATE_ASSISTANT_SENDER", "20/60"),  # per WhatsApp/SMS sender
    "consultation_comment_ip": _rate("MPP_RATE_CONSULTATION_COMMENT_IP", "20/600"),
    "consultation_comment_voter": _rate("MPP_RATE_CONSULTATION_COMMENT_VOTER", "5/600"),
    "consultation_vote_ip": _rate("MPP_RATE_CONSULTATION_VOTE_IP", "120/600"),
    "consultation_vote_voter": _rate("MPP_RATE_CONSULTATION_VOTE_VOTER", "30/600"),
    "device_tickets": _rate("MPP_RATE_DEVICE_TICKETS", "30/60"),  # per kiosk or staff member
    "case_ip": _rate("MPP_RATE_CASE_IP", "20/600"),  # applications started per IP
    "case_nik": _rate("MPP_RATE_CASE_NIK", "5/600"),  # applications started per NIK
    "case_lookup_ip": _rate("MPP_RATE_CASE_LOOKUP_IP", "20/300"),  # number + NIK digits
    "case_open_number": _rate("MPP_RATE_CASE_OPEN_NUMBER", "10/3600"),  # tries per case number
    "phone_code_ip": _rate("MPP_RATE_PHONE_CODE_IP", "10/3600"),  # sign-in codes asked for
    "phone_verify_ip": _rate("MPP_RATE_PHONE_VERIFY_IP", "30/600"),  # sign-in codes typed
}
# The counters' key prefix (tests and benchmarks isolate themselves with it).
MPP_RATELIMIT_PREFIX = os.environ.get("MPP_RATELIMIT_PREFIX", "rl")
# Proxies in front of MPP whose X-Forwarded-For is believed (IPs or networks, comma-separated).
MPP_TRUSTED_PROXIES = [p for p in os.environ.get("MPP_TRUSTED_PROXIES", "").split(",") if p]

# Load shedding of booking writes (mpp.core.shedding), per server process: at most this
# many in flight, this many more waiting at most this long; beyond that 503 + Retry-After.
# 8 in flight per process measured best on 2 cores (bench/booking_rush.py: 4-8 about the
# same throughput, 16 slower and 32 much slower, from threads fighting over the GIL).
MPP_BOOKING_MAX_INFLIGHT = int(os.environ.get("MPP_BOOKING_MAX_INFLIGHT", "8"))
MPP_BOOKING_MAX_QUEUE = int(os.environ.get("MPP_BOOKING_MAX_QUEUE", "64"))
MPP_BOOKING_QUEUE_SECONDS = float(os.environ.get("MPP_BOOKING_QUEUE_SECONDS", "1.0"))
MPP_SHED_RETRY_AFTER = (2, 5)  # seconds, jittered
# (method, path regex) of the booking writes that are shed; pages add theirs.
MPP_SHED_PATHS = [
    ("POST", r"^/api/v1/malls/[^/]+/bookings/?$"),
    ("POST", r"^/api/v1/bookings/[^/]+/(reschedule|check-in)/?$"),
    ("DELETE", r"^/api/v1/bookings/[^/]+/?$"),
    ("POST", r"^/m/[^/]+/layanan/[^/]+/pesan/kirim/$"),  # the booking page's confirm
]

# Notifications (mpp.notifications; sent by `mpp worker`). Without a gateway URL, SMS
# and WhatsApp messages wait and are retried until it is configured or they give up.
MPP_SMS_GATEWAY_URL = os.environ.get("MPP_SMS_GATEWAY_URL", "")
# MPP_PUBLIC_URL (above): the address citizens reach this installation at (e.g.
# https://mpp.majalengkakab.go.id), for links in SMS and e-mail. Empty: no link.
MPP_SMS_GATEWAY_TOKEN = os.environ.get("MPP_SMS_GATEWAY_TOKEN", "")
# The outbox worker (mpp.notifications.worker; docs/faults.md "## outbox"). The lease: how
# long a worker holds the one message it is sending before another worker may take it
# (a killed worker's message is due again after at most this); a gateway request's
# timeout is at most a third of it. The back-off: seconds to wait after the 1st, 2nd, ...
# failed attempt (each +-10 %); a message gets one attempt more than there are waits, then
# it is given up (default: 8 attempts over about 3 h 43 min).
MPP_OUTBOX_LEASE = float(os.environ.get("MPP_OUTBOX_LEASE", "30"))
_OUTBOX_BACKOFF = os.environ.get("MPP_OUTBOX_BACKOFF", "30,120,480,1920,3600,3600,3600")
MPP_OUTBOX_BACKOFF = [float(seconds) for seconds in _OUTBOX_BACKOFF.split(",") if seconds.strip()]

# Webhooks to agency systems (mpp.integrations.webhooks, docs/integration.md).
# Plain-http subscription URLs only for 127.0.0.1/localhost, and only with this set.
MPP_WEBHOOK_ALLOW_HTTP = os.environ.get("MPP_WEBHOOK_ALLOW_HTTP", "") == "1"
# Waits after the 1st, 2nd, ... failed attempt (seconds, +-10 % jitter): 5 s, 5 min,
# 30 min, 2 h, 5 h, 10 h, 24 h, then the message is a dead letter (about 41.6 h in all).
_WEBHOOK_BACKOFF = os.environ.get("MPP_WEBHOOK_BACKOFF", "5,300,1800,7200,18000,36000,86400")
MPP_WEBHOOK_BACKOFF = [float(s) for s in _WEBHOOK_BACKOFF.split(",") if s.strip()]
MPP_WEBHOOK_TIMEOUT = float(os.environ.get("MPP_WEBHOOK_TIMEOUT", "5"))  # per request
MPP_WEBHOOK_LEASE = float(os.environ.get("MPP_WEBHOOK_LEASE", "30"))  # a claim's lease
# Requests one dispatcher sends at once (a subscription gets at most half of them).
MPP_WEBHOOK_CONCURRENCY = int(os.environ.get("MPP_WEBHOOK_CONCURRENCY", "32"))
# Connectors to agency back ends: dotted paths of Connector classes (docs/integration.md).
MPP_CONNECTORS = [c for c in os.environ.get("MPP_CONNECTORS", "").split(",") if c.strip()]
# A connector's push: waits after each failed attempt (the last repeats), and a claim's lease.
_CONNECTOR_BACKOFF = os.environ.get("MPP_CONNECTOR_BACKOFF", "30,120,600,1800,3600,7200,21600")
MPP_CONNECTOR_BACKOFF = [float(s) for s in _CONNECTOR_BACKOFF.split(",") if s.strip()]
MPP_CONNECTOR_LEASE = float(os.environ.get("MPP_CONNECTOR_LEASE", "60"))
# The population register's NIK check (Dukcapil's data access service); empty: off.
MPP_NIK_REGISTER_URL = os.environ.get("MPP_NIK_REGISTER_URL", "")
MPP_NIK_REGISTER_KEY = os.environ.get("MPP_NIK_REGISTER_KEY", "")
MPP_NIK_REGISTER_TIMEOUT = float(os.environ.get("MPP_NIK_REGISTER_TIMEOUT", "3"))
# The service assistant's messaging webhook (/api/v1/assistant/webhook/<channel>): the
# shared secret the inbound gateway sends (Authorization: Bearer or X-Webhook-Token).
# Empty: the webhook refuses every message (403 webhook_disabled).
MPP_ASSISTANT_WEBHOOK_TOKEN = os.environ.get("MPP_ASSISTANT_WEBHOOK_TOKEN", "")
# Meta's WhatsApp Cloud API webhook (/api/v1/assistant/whatsapp-cloud): the app secret
# that signs every POST (X-Hub-Signature-256) and the verify token typed in the App
# Dashboard (GET hub.verify_token). Empty: that webhook refuses (403 webhook_disabled).
MPP_WHATSAPP_APP_SECRET = os.environ.get("MPP_WHATSAPP_APP_SECRET", "")
MPP_WHATSAPP_VERIFY_TOKEN = os.environ.get("MPP_WHATSAPP_VERIFY_TOKEN", "")
# Outbound WhatsApp straight through the Cloud API (mpp.notifications.channels): the
# business phone number's id and a system user's access token. Both set: WhatsApp
# messages go there instead of MPP_SMS_GATEWAY_URL.
MPP_WHATSAPP_CLOUD_URL = os.environ.get(
    "MPP_WHATSAPP_CLOUD_URL", "https://graph.facebook.com/v21.0"
)
MPP_WHATSAPP_CLOUD_PHONE_ID = os.environ.get("MPP_WHATSAPP_CLOUD_PHONE_ID", "")
MPP_WHATSAPP_CLOUD_TOKEN = os.environ.get("MPP_WHATSAPP_CLOUD_TOKEN", "")
# Service search (mpp.search.index): a catalogue of at most this many services is
# refreshed and reloaded inside a search; a larger one in a background thread while the
# copy held keeps answering.
MPP_SEARCH_INLINE_MAX = int(os.environ.get("MPP_SEARCH_INLINE_MAX", "2000"))
# E-mail: SMTP as configured by MPP_EMAIL_*; in DEBUG without MPP_EMAIL_HOST, printed
# to the console instead.
EMAIL_HOST = os.environ.get("MPP_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MPP_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("MPP_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MPP_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("MPP_EMAIL_USE_TLS", "0").lower() in {"1", "true", "yes"}
EMAIL_USE_SSL = os.environ.get("MPP_EMAIL_USE_SSL", "0").lower() in {"1", "true", "yes"}
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("MPP_EMAIL_FROM", "MPP <noreply@localhost>")
EMAIL_BACKEND = os.environ.get("MPP_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and "MPP_EMAIL_HOST" not in os.environ
    else "django.core.mail.backends.smtp.EmailBackend"
)

# Staff passwords: Django's full set (similar to the username or name, at least 10
# characters, one of the 20,000 most common, all digits: refused).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a kiosk or TV keeps its language
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# Uploads (complaint attachments): private files, never served from a public path; the
# views that show them check who is asking first. No MEDIA_URL on purpose.
MEDIA_ROOT = Path(os.environ.get("MPP_MEDIA_ROOT", VAR_DIR / "media"))
# Case documents (mpp.cases.storage): under MEDIA_ROOT, or in an S3-compatible bucket
# (AWS S3, MinIO, ...) when MPP_CASES_S3_BUCKET is set; the endpoint for non-AWS services.
MPP_CASES_S3_BUCKET = os.environ.get("MPP_CASES_S3_BUCKET", "")
MPP_CASES_S3_ENDPOINT = os.environ.get("MPP_CASES_S3_ENDPOINT", "")
MPP_CASES_S3_ACCESS_KEY = os.environ.get("MPP_CASES_S3_ACCESS_KEY", "")
MPP_CASES_S3_SECRET_KEY = os.environ.get("MPP_CASES_S3_SECRET_KEY", "")
MPP_CASES_S3_REGION = os.environ.get("MPP_CASES_S3_REGION", "")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MPP_LOG_LEVEL = os.environ.get("MPP_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The level on the handler too: records of loggers with their own level (django.request
    # logs every 4xx as a warning) reach the root's handlers whatever the root's level.
    # Secret path segments (booking codes, ticket-page secrets) are hidden: core.logsafe.
    "filters": {"secret_paths": {"()": "mpp.core.logsafe.SecretPaths"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "level": MPP_LOG_LEVEL,
            "filters": ["secret_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": MPP_LOG_LEVEL},
}
