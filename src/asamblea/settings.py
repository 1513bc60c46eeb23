"""The one settings module of Asamblea.

Every setting an operator may change is declared once in SETTINGS below, read
from the environment, with its default and a line of help; `asamblea settings`
prints them and docs/settings.md documents them. Defaults run everything on a
laptop with SQLite; production sets DATABASE_URL (PostgreSQL) and a secret key.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import django.conf.locale
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ASAMBLEA_DATA_DIR",
        "./var",
        "Folder for the SQLite database, the record signing key and uploads.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "Database URL, e.g. postgres://user@host:5432/asamblea. Empty: SQLite in the data dir.",
    ),
    Setting(
        "ASAMBLEA_DB_POOLER",
        "",
        "transaction when DATABASE_URL points at PgBouncer in transaction mode (no "
        "server-side cursors, no prepared statements). Empty: a plain PostgreSQL, or a "
        "pooler in session mode.",
    ),
    Setting(
        "SECRET_KEY", "", "Django secret key. Empty: one is generated and kept in the data dir."
    ),
    Setting("DEBUG", "false", "Show debug pages (never in production)."),
    Setting(
        "ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names the site answers to."
    ),
    Setting(
        "CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins (https://example.org) behind a proxy."
    ),
    Setting(
        "SECURE_COOKIES",
        "auto",
        "Serve over HTTPS only: secure session and CSRF cookies, HSTS, and plain HTTP "
        "redirected to HTTPS. auto: on unless every ALLOWED_HOSTS entry is this machine "
        "(the demo on 127.0.0.1); true or false to choose.",
    ),
    Setting(
        "HSTS_SECONDS",
        "31536000",
        "How long browsers must use HTTPS for this site once they saw it (HSTS), when "
        "SECURE_COOKIES is on. 0: no HSTS header.",
    ),
    Setting(
        "SESSION_DAYS",
        "14",
        'Days a login lasts when "keep me logged in" was ticked; unticked, it ends when '
        "the browser closes.",
    ),
    Setting(
        "SESSION_IDLE_MINUTES",
        "120",
        "Minutes without a request after which a login ends. 0: no idle limit.",
    ),
    Setting("LANGUAGE_CODE", "es", "Default language of the site (es, en, qu, ay)."),
    Setting("TIME_ZONE", "America/Lima", "Time zone in which dates are shown."),
    Setting(
        "LOGIN_FAILURE_LIMIT", "5", "Failed logins (per user name and address) before a lock-out."
    ),
    Setting("LOGIN_COOLOFF_MINUTES", "15", "Minutes a locked-out login waits before trying again."),
    Setting(
        "OFFICER_TRAIL_DAYS",
        "365",
        "Days the officers' trail (who saw members' contact details, who decided what) is "
        "kept before the worker deletes it.",
    ),
    Setting(
        "PROXY_COUNT",
        "0",
        "Reverse proxies in front of the app that add the client's address to X-Forwarded-For "
        "(1 for one nginx or Caddy). 0: the connection's address is the client's. Login "
        "lock-outs and rate limits count per client address.",
    ),
    Setting(
        "RATE_JOIN",
        "60/h",
        "Join forms one client address may send: a count per s, m, h or d (60/h: sixty an "
        "hour; mobile carriers put many phones behind one address). Empty: no limit.",
    ),
    Setting(
        "RATE_API",
        "300/m",
        "API requests per token, else per client address: a count per s, m, h or d. "
        "Empty: no limit.",
    ),
    Setting(
        "ACTIVATION_DAYS",
        "14",
        "Days an activation code (given by an officer to a member, to make their login) "
        "can be used.",
    ),
    Setting(
        "RATE_ACTIVATE",
        "30/h",
        "Activation and password-reset forms one client address may send: a count per s, "
        "m, h or d. Empty: no limit.",
    ),
    Setting(
        "RATE_ACTIVATE_CODE",
        "10/h",
        "Tries with one activation code (a wrong login name or password counts): a count "
        "per s, m, h or d. Empty: no limit.",
    ),
    Setting(
        "CACHE_URL",
        "",
        "Where the rate limits count. Empty: in each process's memory (one app server). "
        "Shared by several app servers: redis://host:6379/0, or db (a table in the database, "
        "made by asamblea migrate).",
    ),
    Setting("LOG_LEVEL", "INFO", "Level of the application log written to standard error."),
    Setting(
        "ELECTION_TICK_SECONDS",
        "30",
        "Seconds between the worker's ticks that open and close elections on time.",
    ),
    Setting(
        "RETENTION_DAYS",
        "30",
        "Days after which a rejected application's or an ended membership's reason, and the "
        "name and contacts of a person with no other membership and no login, are erased.",
    ),
    Setting(
        "WORKER_GIVE_UP_SECONDS",
        "300",
        "Seconds `asamblea worker` keeps retrying an unreachable database before it exits "
        "with status 1, for its supervisor to restart it. 0: retry for ever.",
    ),
    Setting(
        "ELECTION_MIN_VOTERS_FOR_BREAKDOWN",
        "5",
        "Below this many ballots an election publishes only who was elected, not the ballots.",
    ),
    Setting(
        "ELECTION_KEY_MODE",
        "trustees",
        "Who holds the key of a new election's sealed ballots: server (a key file, deleted "
        "at the count) or trustees (k of n officers' phones; used when the body has at "
        "least 3 officers with logins and the vote opens after the election is announced, "
        "else server mode; secret motion votes always use server mode). An officer may "
        "choose either mode for one election before its vote opens.",
    ),
    Setting(
        "BALLOT_RESEND_MINUTES",
        "60",
        "Minutes during which a voter who sends the same ballot form again (its answer was "
        "lost) is shown the same ballot code and tracker instead of 'already sent'.",
    ),
    Setting(
        "DATA_KEY",
        "",
        "Key that encrypts members' names, phones, e-mails and decision reasons in the "
        "database (base64, from `asamblea keys new`; while rotating, new,old). Empty: the "
        "key file. Give it from outside the server to keep it off the server's disk.",
    ),
    Setting(
        "DATA_KEY_FILE",
        "",
        "File holding that key when DATA_KEY is empty (mode 0600, made on first use). Keep "
        "a copy apart from the database's backups. Empty: data_key in the data dir.",
    ),
    Setting(
        "RECORD_KEY_FILE",
        "",
        "Ed25519 key that signs the public record (PEM, mode 0600, made on first use). "
        "Empty: record_signing_key.pem in the data dir.",
    ),
    Setting(
        "ASAMBLEA_BALLOT_KEY_DIR",
        "",
        "Folder of the keys that open sealed ballots in server mode (one file per vote, "
        "mode 0600, deleted when the count is published; the worker's tick deletes those "
        "a killed close left behind, see `asamblea secrecy sweep`). Keep it out of every "
        "backup, and give each installation its own. "
        "Empty: a folder beside the data dir, named after it with -ballot-keys.",
    ),
    Setting(
        "MEETING_SPEAKER_SECONDS",
        "180",
        "Seconds each speaker has on a meeting's speakers' list (a meeting may set its own).",
    ),
    Setting(
        "MEETING_SCREEN_REFRESH_SECONDS",
        "5",
        "Seconds between the updates of a meeting's projector page and room page.",
    ),
    Setting(
        "SITE_URL",
        "http://127.0.0.1:8000",
        "The site's address as members reach it (https://asamblea.example.org): links in "
        "e-mails start with it.",
    ),
    Setting(
        "EMAIL_HOST",
        "",
        "SMTP server that sends notices by e-mail (the worker sends them). Empty: no e-mail; "
        "notices stay in the app.",
    ),
    Setting("EMAIL_PORT", "587", "Port of the SMTP server."),
    Setting("EMAIL_HOST_USER", "", "User name on the SMTP server (empty: none)."),
    Setting("EMAIL_HOST_PASSWORD", "", "Password on the SMTP server (empty: none)."),
    Setting(
        "EMAIL_SECURITY",
        "starttls",
        "How the connection to the SMTP server is protected: starttls, tls (port 465) or "
        "none (a server on this machine only).",
    ),
    Setting(
        "DEFAULT_FROM_EMAIL",
        "asamblea@localhost",
        "Sender address of notice e-mails, e.g. Asamblea <avisos@example.org>.",
    ),
    Setting(
        "NOTICE_DIGEST_HOUR",
        "19",
        "Hour of the day (0-23, in TIME_ZONE) at which daily digests of notices are sent.",
    ),
    Setting(
        "NOTICE_ATTEMPTS",
        "8",
        "Times the worker tries to send a notice outside the app before giving up.",
    ),
    Setting(
        "NOTICE_RETRY_SECONDS",
        "60",
        "Wait before the first retry of a notice that could not be sent; doubled at each "
        "further failure (at most a day).",
    ),
)


def env(name: str) -> str:
    for setting in SETTINGS:
        if setting.name == name:
            return os.environ.get(name, setting.default)
    raise KeyError(name)


def env_bool(name: str) -> bool:
    return env(name).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


def env_int(name: str) -> int:
    try:
        return int(env(name))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={env(name)!r}: write a whole number.") from None


def env_rate(name: str) -> str:
    """A rate limit as django-ratelimit reads it ("10/h"), or "" for none."""
    rate = env(name).strip()
    if rate and not re.fullmatch(r"[0-9]+/[0-9]*[smhd]", rate):
        raise ImproperlyConfigured(
            f"{name}={rate!r}: write a count per period, such as 10/h or 300/m "
            "(s, m, h or d; 5/10m is five every ten minutes), or leave it empty for no limit."
        )
    return rate


def cache_settings(url: str) -> dict[str, dict[str, Any]]:
    """Django's CACHES for a CACHE_URL: empty (local memory), db, or redis://..."""
    # Culling at Django's default of 300 entries would forget counts under a wide flood.
    many = {"MAX_ENTRIES": 100_000}
    if not url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "OPTIONS": many,
            }
        }
    if url == "db":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "asamblea_cache",
                "OPTIONS": many,
            }
        }
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "asamblea",
            }
        }
    raise ImproperlyConfigured(
        f"CACHE_URL={url!r}: leave it empty, or write db or redis://host:6379/0."
    )


DATA_DIR = Path(env("ASAMBLEA_DATA_DIR")).resolve()
# The data folder holds the database and the keys: only the account that runs
# Asamblea may open it, whatever the umask.
if not DATA_DIR.exists():
    DATA_DIR.mkdir(mode=0o700, parents=True)
    DATA_DIR.chmod(0o700)


def _private_file(path: Path) -> Path:
    """`path`, created empty with mode 0600 if missing (SQLite gives its -wal and -shm
    files the database file's mode, so they are private too)."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return path


def _secret_key() -> str:
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _https_only() -> bool:
    """SECURE_COOKIES, where auto means on for any site but one served to this machine."""
    if env("SECURE_COOKIES").strip().lower() == "auto":
        return not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS
    return env_bool("SECURE_COOKIES")


HTTPS_ONLY = _https_only()
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS") if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Asking browsers to preload HSTS for the domain is the operator's call, and one that
# cannot be taken back quickly: not a default, so its deployment check is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
# The session table keeps a hash of each key, so a copied row logs nobody in.
SESSION_ENGINE = "asamblea.web.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("SESSION_DAYS") * 24 * 3600
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES")
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    # ninja: its Swagger UI assets are served from here, never from a CDN.
    "ninja",
    "asamblea.api",
    "asamblea.federation",
    "asamblea.record",
    "asamblea.web",
    "asamblea.ballots",
    "asamblea.elections",
    "django_tasks",
    "django_tasks_db",
    "asamblea.recall",
    "asamblea.deliberation",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "asamblea.accounts",
    "asamblea.notices",
    "asamblea.meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed on their way out, last to touch them; not those that hold a
    # secret (BREACH: asamblea.web.compression says which and why).
    "asamblea.web.compression.PageGZipMiddleware",
    # Django's, but a session save that fails after a committed action keeps its answer.
    "asamblea.web.sessions.SessionMiddleware",
    "asamblea.web.language.PageLanguageMiddleware",
    # Any refusal under /api/ that Django or ninja answered otherwise: the API's error shape.
    "asamblea.api.guard.ApiErrorShapeMiddleware",
    # After the language is chosen: the 429 answer speaks it.
    "asamblea.api.ratelimit.ApiRateLimitMiddleware",
    # A NUL character in an API request's path or query: 400, not a database error.
    "asamblea.api.guard.ApiInputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session gave its second factor.
    "django_otp.middleware.OTPMiddleware",
    "asamblea.web.sessions.IdleTimeoutMiddleware",
    # A NUL character in a page's path or query (the API's own guard answered first): 400.
    "asamblea.web.guard.PageInputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a session ended by "log out everywhere" is logged out, and told so.
    "asamblea.accounts.middleware.SessionGenerationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "asamblea.web.errors.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "asamblea.urls"
WSGI_APPLICATION = "asamblea.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "asamblea.notices.context_processors.unread_notices",
            ],
        },
    }
]


def postgres_database(url: str, pooler: str) -> dict[str, Any]:
    """The database settings for `url` (PostgreSQL), behind `pooler` ("" or "transaction")."""
    # Health checks: a connection left over from before a database restart is replaced,
    # not handed to the next request to fail with a 500.
    database: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    pooler = pooler.strip().lower()
    if pooler not in {"", "transaction"}:
        raise ImproperlyConfigured(
            f"ASAMBLEA_DB_POOLER={pooler!r}: write transaction, or leave it empty."
        )
    if pooler == "transaction":
        # Behind PgBouncer in transaction mode each transaction may run on another server
        # connection: nothing may outlive one. A server-side cursor (a queryset's
        # iterator() outside a transaction) would, and so would a prepared statement;
        # Django prepares none with psycopg 3 (prepare_threshold None), kept so here.
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        database["OPTIONS"] = {**database.get("OPTIONS", {}), "prepare_threshold": None}
    return database


if env("DATABASE_URL"):
    DATABASES = {"default": postgres_database(env("DATABASE_URL"), env("ASAMBLEA_DB_POOLER"))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_private_file(DATA_DIR / "asamblea.sqlite3")),
            # A write lock is waited for, not failed on, when two requests write at once.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
# A member lands on "Mis asambleas": their bodies and what awaits them.
LOGIN_REDIRECT_URL = "my_assemblies"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): lock a user name from one address after repeated failures.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT"))
AXES_COOLOFF_TIME = int(env("LOGIN_COOLOFF_MINUTES")) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Keep no log of successful logins (who logged in from where is nobody's business);
# failed attempts are kept only as long as the lock-out needs them.
AXES_DISABLE_ACCESS_LOG = True
# The client's address, as the rate limits see it too (PROXY_COUNT).
PROXY_COUNT = env_int("PROXY_COUNT")
if PROXY_COUNT:
    # Behind a TLS-terminating proxy the request reaches us over HTTP: the proxy says
    # in X-Forwarded-Proto whether the client used HTTPS (it must set, not pass, it).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "asamblea.web.ratelimit.client_address"

# Second factor (django-otp, asamblea.accounts): the name authenticator apps show, and
# wrong codes slowed down per device (1, 2, 4, 8... seconds between tries).
OTP_TOTP_ISSUER = "Asamblea"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OFFICER_TRAIL_DAYS = env_int("OFFICER_TRAIL_DAYS")

# Rate limits (django-ratelimit, asamblea.web.ratelimit): counted in the default cache.
# django_ratelimit is not in INSTALLED_APPS: it has no models or templates, and its
# system check refuses the local-memory and database caches, which are fine here (one
# process; a count a request or two off when two servers add at once).
CACHES = cache_settings(env("CACHE_URL").strip())
RATE_JOIN = env_rate("RATE_JOIN")
RATE_API = env_rate("RATE_API")
RATE_ACTIVATE = env_rate("RATE_ACTIVATE")
RATE_ACTIVATE_CODE = env_rate("RATE_ACTIVATE_CODE")
# Activation codes (asamblea.accounts.services.activation): how long one can be used.
ACTIVATION_DAYS = env_int("ACTIVATION_DAYS")
# A cache that cannot count lets requests through rather than refusing everyone.
RATELIMIT_FAIL_OPEN = True

# Content-Security-Policy (django-csp): pages load scripts, styles, images and
# connections from this site only; no inline script, no framing, forms post here.
# Inline style attributes stay allowed (the map's legend, htmx's indicator style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, "'unsafe-inline'"],
        "img-src": [CSP_SELF, "data:"],
        "connect-src": [CSP_SELF],
        "font-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
    }
}

LANGUAGE_CODE = env("LANGUAGE_CODE")
LANGUAGES = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("qu", _("Southern Quechua")),
    ("ay", _("Aymara")),
]
# Django has no locale data for Quechua and Aymara: their names, and "draft", which
# the switcher shows until a speaker has reviewed the catalog (docs/translating.md).
# "qu" is one Southern Quechua catalog (Chanka and Collao read the same written
# standard for the strings we need); plural rules are CLDR's (one form) in the
# catalogs' Plural-Forms header.
EXTRA_LANG_INFO = {
    "qu": {"bidi": False, "code": "qu", "name": "Southern Quechua", "name_local": "Runasimi"},
    "ay": {"bidi": False, "code": "ay", "name": "Aymara", "name_local": "Aymar aru"},
}
DRAFT_LANGUAGES = frozenset({"qu", "ay"})
django.conf.locale.LANG_INFO.update(
    {code: {**info, "draft": code in DRAFT_LANGUAGES} for code, info in EXTRA_LANG_INFO.items()}
)
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Dates as each language writes them ("5 dic 2026"): see asamblea/formats.
FORMAT_MODULE_PATH = "asamblea.formats"
TIME_ZONE = env("TIME_ZONE")

STATIC_URL = "/static/"
# The project's own CSS and htmx sit beside its templates, in no app: name the folder,
# or the finders (and so WhiteNoise) never see them and every page loads unstyled.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# collectstatic fills it (`asamblea serve` runs it); WhiteNoise warns (an error in the
# tests) when it is missing.
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cached for ten years by WhiteNoise), gzip and Brotli copies made once.
    "staticfiles": {"BACKEND": "asamblea.web.staticfiles.StaticStorage"},
}
# Before collectstatic ran, the plain names are served from the source folders.
WHITENOISE_USE_FINDERS = True

# Outside the database, so that a dump or a backup of it never holds the key.
RECORD_KEY_FILE = (
    Path(env("RECORD_KEY_FILE")).resolve()
    if env("RECORD_KEY_FILE")
    else DATA_DIR / "record_signing_key.pem"
)

# Members' personal data is encrypted under this key (asamblea.federation.crypto),
# which is never in the database: a copy of the database alone cannot be read.
DATA_KEY = env("DATA_KEY").strip()
DATA_KEY_FILE = (
    Path(env("DATA_KEY_FILE")).resolve() if env("DATA_KEY_FILE") else DATA_DIR / "data_key"
)

# The keys that open sealed ballots (asamblea.ballots.sealing): beside the data dir,
# never inside it, since the data dir goes into backups and a key in a backup would
# open the ballots of the database beside it.
BALLOT_KEY_DIR = (
    Path(env("ASAMBLEA_BALLOT_KEY_DIR")).resolve()
    if env("ASAMBLEA_BALLOT_KEY_DIR")
    else DATA_DIR.parent / f"{DATA_DIR.name}-ballot-keys"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A database that is down logs one line, not a traceback (asamblea.logfilters).
    "filters": {"database_down": {"()": "asamblea.logfilters.DatabaseDownOneLine"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["database_down"],
        }
    },
    "root": {"handlers": ["stderr"], "level": env("LOG_LEVEL")},
    "loggers": {
        # Request lines name paths only; nothing here logs form data or contact details.
        "django.request": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
CSRF_FAILURE_VIEW = "asamblea.web.errors.csrf_failure"

# Background work (elections opening and closing on time): django-tasks, the
# backport of Django 6's tasks framework, with its database queue; `asamblea
# worker` (and `asamblea up`) runs the worker and the periodic tick.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
ELECTION_TICK_SECONDS = float(env("ELECTION_TICK_SECONDS"))
WORKER_GIVE_UP_SECONDS = float(env("WORKER_GIVE_UP_SECONDS"))
BALLOT_RESEND_MINUTES = int(env("BALLOT_RESEND_MINUTES"))
RETENTION_DAYS = env_int("RETENTION_DAYS")
ELECTION_MIN_VOTERS_FOR_BREAKDOWN = int(env("ELECTION_MIN_VOTERS_FOR_BREAKDOWN"))
ELECTION_KEY_MODE = env("ELECTION_KEY_MODE").strip().lower() or "trustees"
if ELECTION_KEY_MODE not in {"server", "trustees"}:
    raise ImproperlyConfigured(
        f"ELECTION_KEY_MODE={ELECTION_KEY_MODE!r}: write server or trustees (docs/elections.md)."
    )

# Notices by e-mail (asamblea.notices): sent by the worker, never by a page's request.
SITE_URL = env("SITE_URL")
EMAIL_HOST = env("EMAIL_HOST").strip()
EMAIL_PORT = env_int("EMAIL_PORT")
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_SECURITY = env("EMAIL_SECURITY").strip().lower()
if EMAIL_SECURITY not in {"starttls", "tls", "none"}:
    raise ImproperlyConfigured(f"EMAIL_SECURITY={EMAIL_SECURITY!r}: write starttls, tls or none.")
EMAIL_USE_TLS = EMAIL_SECURITY == "starttls"
EMAIL_USE_SSL = EMAIL_SECURITY == "tls"
# A server that does not answer must not hold the worker for long.
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
NOTICE_DIGEST_HOUR = env_int("NOTICE_DIGEST_HOUR")
if not 0 <= NOTICE_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(f"NOTICE_DIGEST_HOUR={NOTICE_DIGEST_HOUR}: write an hour, 0 to 23.")
NOTICE_ATTEMPTS = env_int("NOTICE_ATTEMPTS")
NOTICE_RETRY_SECONDS = env_int("NOTICE_RETRY_SECONDS")

MEETING_SPEAKER_SECONDS = env_int("MEETING_SPEAKER_SECONDS")
MEETING_SCREEN_REFRESH_SECONDS = env_int("MEETING_SCREEN_REFRESH_SECONDS")
