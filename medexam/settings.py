"""Settings come from the environment; the defaults run a demo on SQLite and local disk.

With MEDEXAM_DEBUG off (the default outside the demo command) the secure defaults apply:
a real secret key is required, cookies are secure, HSTS is on. Secrets (the secret key,
database and Redis URLs, S3 keys) can also come from files: `NAME_FILE=/run/secrets/name`
(medexam.env.env_secret).

One block per concern: the application, database, files, cache and sessions, background
tasks, accounts and security, messaging (SMS), logging, the domain. A new setting goes into
the block of its concern, not at the end.
"""

from pathlib import Path

import dj_database_url
from botocore.config import Config as BotoConfig
from django.core.exceptions import ImproperlyConfigured

from medexam.env import (
    DEV_ID_HMAC_KEY,
    DEV_ID_KEYS,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
)
from medexam.files.private import private_dir

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MEDEXAM_VAR_DIR", str(BASE_DIR / "var")))
DEBUG = env_bool("MEDEXAM_DEBUG", False)

# --- The application ----------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "medexam.accounts",
    "medexam.audit",
    "medexam.rules",
    "medexam.candidates",
    "medexam.materials",
    "medexam.messaging",
    "medexam.review",
    "medexam.demo",
    "medexam.files",
    "medexam.ops",
    "medexam.precheck",
    "django_tasks",
    "django_tasks_db",
    "medexam.jobs",
    "rest_framework",
    "drf_spectacular",
    "medexam.api",
]

MIDDLEWARE = [
    # Request counts and latency per view (Prometheus); first and last, so it times it all.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The client's address from X-Forwarded-For, when the request comes from our proxy.
    "medexam.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp's
    # middleware, without its device query per request while no device was removed).
    "medexam.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff pages need the second factor; staff idle/absolute timeouts; expired passwords.
    "medexam.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "medexam.middleware.SecurityHeadersMiddleware",
    # Our Chinese error pages in debug mode too (medexam.error_pages); after it, so that its
    # process_exception runs first: a failed dependency answers 503 "please retry".
    "medexam.error_pages.ProductErrorPagesMiddleware",
    # A lost database connection, Redis or storage down: 503 "please retry" (medexam.faults).
    "medexam.faults.DependencyFailureMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "medexam.urls"
WSGI_APPLICATION = "medexam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "medexam" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medexam.messaging.context_processors.inbox",
            ],
        },
    },
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "medexam" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# The JSON API for the registration system.
REST_FRAMEWORK = {
    # Tokens only: no session auth on the API, so no CSRF exposure from the pages' cookies.
    "DEFAULT_AUTHENTICATION_CLASSES": ["medexam.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["medexam.api.auth.IsProvinceOfficial"],
    # JSON only: the browsable API needs inline scripts our CSP refuses.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ?format= chooses the export file type (csv/xlsx), not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
    # A service's refusal (medexam.errors.DomainError) answers as JSON with its status.
    "EXCEPTION_HANDLER": "medexam.api.exceptions.handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "医师资格考试考生服务系统 接口",
    "DESCRIPTION": "报名数据导入、审核状态查询与审核结果导出。使用 Bearer 令牌（create_api_token 签发）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Database -----------------------------------------------------------------------------
# SQLite by default; DATABASE_URL=postgres://... for production. SQLite allows one writer:
# IMMEDIATE transactions plus a busy timeout turn "database is locked" into waiting.
DATABASES = {
    "default": dj_database_url.parse(
        env_secret("DATABASE_URL", f"sqlite:///{VAR_DIR / 'medexam.sqlite3'}"),
        conn_max_age=env_int("MEDEXAM_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Its folder 0700 when this start creates it; the file's own mode: medexam/files/private.py.
    private_dir(Path(DATABASES["default"]["NAME"]).parent)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Files --------------------------------------------------------------------------------
# Candidate images are private: they live in the "private" storage, never under a public
# URL, and are served only by a view that checks who asks (medexam.materials.views).
STORAGE_BACKEND = env_str("MEDEXAM_STORAGE", "local")
# Every object private; names are never reused (a fresh UUID each); files are served by the
# app after its access check and audit, never by a URL to the bucket (README, "Storage").
S3_OPTIONS = {
    "default_acl": "private",
    "querystring_auth": True,
    "querystring_expire": 60,
    "file_overwrite": False,
    # A dead endpoint answers "please retry" within seconds instead of holding a worker.
    "client_config": BotoConfig(
        connect_timeout=env_int("MEDEXAM_S3_CONNECT_TIMEOUT", 3),
        read_timeout=env_int("MEDEXAM_S3_READ_TIMEOUT", 10),
        retries={"mode": "standard", "max_attempts": 2},
        # "path" for MinIO or Ceph behind one host name, "virtual" for Aliyun OSS.
        s3={"addressing_style": env_str("MEDEXAM_S3_ADDRESSING_STYLE", "auto")},
    ),
}
PRIVATE_MEDIA_ROOT = Path(env_str("MEDEXAM_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
if STORAGE_BACKEND == "local":
    _private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(PRIVATE_MEDIA_ROOT),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
elif STORAGE_BACKEND == "s3":
    _private = {
        "BACKEND": "medexam.files.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("MEDEXAM_S3_BUCKET", ""),
            "endpoint_url": env_str("MEDEXAM_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("MEDEXAM_S3_REGION", "") or None,
            "access_key": env_secret("MEDEXAM_S3_ACCESS_KEY") or None,
            "secret_key": env_secret("MEDEXAM_S3_SECRET_KEY") or None,
            **S3_OPTIONS,
        },
    }
else:
    raise ImproperlyConfigured("MEDEXAM_STORAGE must be 'local' or 's3'")
STORAGES = {
    "default": _private,
    "private": _private,
    "staticfiles": {
        "BACKEND": "medexam.staticfiles.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# A deleted row's file stays this long (files.models.PendingDeletion): longer than the
# interval between backups plus one backup's duration, so that any backup restores with
# every file its rows name (README, "Backups").
FILE_DELETE_GRACE_SECONDS = env_int("MEDEXAM_FILE_DELETE_GRACE_HOURS", 48) * 3600
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "medexam" / "static"]

# Upload bodies: one image is at most 200 KB; the form refuses bigger files itself, and the
# web server in front should cap a request at ~1 MB as well.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_PERMISSIONS = 0o600

# --- Cache and sessions -------------------------------------------------------------------
# MEDEXAM_REDIS_URL (redis://host:6379/0) gives every app machine one shared cache: what
# several machines must agree on (sessions, throttle counters) lives there. Without it each
# process has its own memory cache, which is right for one machine only.
REDIS_URL = env_secret("MEDEXAM_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("MEDEXAM_CACHE_PREFIX", "medexam"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_COOKIE_AGE = env_int("MEDEXAM_SESSION_SECONDS", 4 * 3600)
# Every request reads its session. With Redis it is read from the cache, shared by every
# app machine, and written through to the database as well (`cached_db`): a Redis restart
# logs nobody out. Without Redis the database serves it, read with one SQL statement
# (medexam/accounts/sessions.py has the figures).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "medexam.accounts.sessions"
)

# --- Background tasks ---------------------------------------------------------------------
# One API (django-tasks, the backport of Django 6's django.tasks; medexam/jobs/__init__.py);
# the engine is configuration. MEDEXAM_TASKS:
#   database  (default) django-tasks-db on the project database: no extra server; run
#             `python -m medexam worker --beat` beside the web server (bin/start does);
#   celery    Celery on RabbitMQ (MEDEXAM_BROKER_URL) for many machines: the engine chosen by
#             its measured crash behaviour (README "Background work");
#   immediate runs each task inside enqueue (a shell, a one-off script); no worker.
TASKS_ENGINE = env_str("MEDEXAM_TASKS", "database")
TASK_QUEUES = ["default", "heavy"]  # heavy: exports and imports, so they never delay an SMS
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "celery": "medexam.jobs.backends.CeleryBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_ENGINE not in _TASK_BACKENDS:
    raise ImproperlyConfigured("MEDEXAM_TASKS must be 'database', 'celery' or 'immediate'")
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[TASKS_ENGINE],
        "QUEUES": TASK_QUEUES,
        "OPTIONS": (
            {"queue_prefix": env_str("MEDEXAM_TASKS_QUEUE_PREFIX", "medexam")}
            if TASKS_ENGINE == "celery"
            else {}
        ),
    }
}
# Celery (read by medexam.jobs.engine); see its docstring for why each setting.
CELERY_BROKER_URL = env_str("MEDEXAM_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publisher confirms: an enqueue returns only once RabbitMQ has the message (persistent
# messages on a durable queue are on its disk by then), so a broker crash right after a
# commit cannot lose a task that the caller believes was sent.
CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Long jobs (exports, imports) renew a lease on their row; one silent for this long belongs to
# a dead worker and is taken over (medexam/jobs/leases.py).
JOB_HEARTBEAT_SECONDS = env_int("MEDEXAM_JOB_HEARTBEAT_SECONDS", 10)
JOB_STALE_SECONDS = env_int("MEDEXAM_JOB_STALE_SECONDS", 120)
# The task engine in readiness (/health/ready) and in the Prometheus scrape (medexam.health,
# medexam.metrics): can a task be enqueued, how deep are the queues, how many jobs failed.
MEDEXAM_READINESS_CHECKS = {"tasks": "medexam.jobs.health.check_tasks"}
MEDEXAM_TASK_METRICS = "medexam.jobs.health.task_metrics"
# Export files: where they go (the private storage), how long they stay downloadable.
EXPORT_TTL_HOURS = env_int("MEDEXAM_EXPORT_TTL_HOURS", 24)
# Import files: the sandboxed reader's limits (medexam/candidates/spreadsheet.py).
IMPORT_READER_MEMORY_MB = env_int("MEDEXAM_IMPORT_READER_MEMORY_MB", 1024)
IMPORT_READER_SECONDS = env_int("MEDEXAM_IMPORT_READER_SECONDS", 120)

# --- Accounts and security ----------------------------------------------------------------
SECRET_KEY = env_secret("MEDEXAM_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "MEDEXAM_SECRET_KEY (or MEDEXAM_SECRET_KEY_FILE) is required when MEDEXAM_DEBUG "
            "is off (the demo command sets MEDEXAM_DEBUG=1 for you)."
        )
    SECRET_KEY = "insecure-demo-key-never-use-in-production"  # noqa: S105

# ID numbers at rest (medexam/candidates/idcrypto.py): AES-256-GCM keys as
# "<id>:<base64 of 32 bytes>" separated by commas, the first one current (rotation: put a new
# key first, run `python -m medexam rotate_id_keys`, then drop the old one), and the HMAC key
# of the exact lookups (at least 32 characters). Production refuses to start without them;
# the demo (DEBUG) gets fixed development keys.
ID_KEYS = env_secret("MEDEXAM_ID_KEYS")
ID_HMAC_KEY = env_secret("MEDEXAM_ID_HMAC_KEY")
if not ID_KEYS or not ID_HMAC_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "MEDEXAM_ID_KEYS and MEDEXAM_ID_HMAC_KEY (or their _FILE forms) are required when "
            "MEDEXAM_DEBUG is off: ID numbers are stored encrypted (README, 'ID numbers')."
        )
    ID_KEYS = ID_KEYS or DEV_ID_KEYS
    ID_HMAC_KEY = ID_HMAC_KEY or DEV_ID_HMAC_KEY

ALLOWED_HOSTS = env_list("MEDEXAM_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("MEDEXAM_CSRF_TRUSTED_ORIGINS", [])
# A Chinese page (or JSON for scripts) when a form is stale, instead of Django's own.
CSRF_FAILURE_VIEW = "medexam.views.csrf_failure"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "medexam.accounts.backends.IdNumberBackend",
    "medexam.accounts.backends.StaffBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Level 3 (README, "Passwords"): three of four kinds of characters, nothing like the ID
    # number, phone number or name of the account, none of its last five passwords.
    {"NAME": "medexam.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"classes": 3}},
    {"NAME": "medexam.accounts.passwords.PersonalDataValidator"},
    {"NAME": "medexam.accounts.passwords.HistoryValidator", "OPTIONS": {"keep": 5}},
]
# Staff passwords expire (a forced change page, accounts.middleware); candidates' do not.
STAFF_PASSWORD_MAX_AGE_DAYS = env_int("MEDEXAM_STAFF_PASSWORD_MAX_AGE_DAYS", 90)
# Login throttling (accounts.throttling): per name and address, per address, per account.
LOGIN_FAILURE_WINDOW_SECONDS = env_int("MEDEXAM_LOGIN_WINDOW_SECONDS", 15 * 60)
LOGIN_FAILURES_PER_NAME_AND_IP = env_int("MEDEXAM_LOGIN_FAILURES_PER_NAME_AND_IP", 5)
LOGIN_FAILURES_PER_IP = env_int("MEDEXAM_LOGIN_FAILURES_PER_IP", 50)
LOGIN_CHECKS_PER_ACCOUNT = env_int("MEDEXAM_LOGIN_CHECKS_PER_ACCOUNT", 10)
# Staff two-factor (django-otp TOTP; accounts.second_factor) and staff session timeouts.
OTP_TOTP_ISSUER = "医师资格考试考生服务系统"
STAFF_IDLE_SECONDS = env_int("MEDEXAM_STAFF_IDLE_SECONDS", 30 * 60)
STAFF_ABSOLUTE_SECONDS = env_int("MEDEXAM_STAFF_ABSOLUTE_SECONDS", 12 * 3600)
# SMS verification codes (accounts.services): lifetime, resend interval, hourly limits.
SMS_CODE_TTL_SECONDS = env_int("MEDEXAM_SMS_CODE_TTL_SECONDS", 600)
SMS_CODE_RESEND_SECONDS = env_int("MEDEXAM_SMS_CODE_RESEND_SECONDS", 60)
SMS_CODE_MAX_PER_HOUR = env_int("MEDEXAM_SMS_CODE_MAX_PER_HOUR", 5)
SMS_CODE_MAX_PER_IP_HOUR = env_int("MEDEXAM_SMS_CODE_MAX_PER_IP_HOUR", 30)
SMS_CODE_MAX_ATTEMPTS = env_int("MEDEXAM_SMS_CODE_MAX_ATTEMPTS", 5)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("MEDEXAM_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("MEDEXAM_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("MEDEXAM_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("MEDEXAM_BEHIND_TLS_PROXY", False) else None
)

# --- Messaging (SMS) ----------------------------------------------------------------------
SMS_BACKEND = env_str("MEDEXAM_SMS_BACKEND", "medexam.messaging.sms.FileSMSBackend")
SMS_FILE_PATH = Path(env_str("MEDEXAM_SMS_FILE", str(VAR_DIR / "sms.log")))
if (
    not DEBUG
    and SMS_BACKEND == "medexam.messaging.sms.FileSMSBackend"
    and not env_bool("MEDEXAM_SMS_FILE_BACKEND_ALLOWED", False)
):
    raise ImproperlyConfigured(
        "MEDEXAM_SMS_BACKEND is the file backend, which writes live codes to a file: name the "
        "SMS gateway's backend when MEDEXAM_DEBUG is off (MEDEXAM_SMS_FILE_BACKEND_ALLOWED=1 "
        "is for tests and benchmarks only)."
    )

# --- Logging: no personal data in logs (ID numbers never reach a log line) -----------------
LOG_FORMAT = env_str("MEDEXAM_LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("MEDEXAM_LOG_FORMAT must be 'plain' or 'json'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "medexam.logs.Plain",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        # One JSON object per line, extra fields (event, component, …) included.
        "json": {"()": "medexam.logs.JsonLines"},
    },
    "filters": {
        "mask_personal_data": {"()": "medexam.logs.MaskPersonalData"},
        "skip_dependency_failures": {"()": "medexam.faults.SkipDependencyFailures"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["mask_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("MEDEXAM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own loggers, the development server's request lines (the demo) included:
        # without Django's default handlers, up to the root's masking one, so that a path or
        # a message never prints a full ID or mobile number.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["skip_dependency_failures"]},
        # One line per task run (ids and task paths only); the demo turns it down.
        "django_tasks": {"level": env_str("MEDEXAM_TASK_LOG_LEVEL", "INFO")},
        "django_tasks_db": {"level": env_str("MEDEXAM_TASK_LOG_LEVEL", "INFO")},
        "apscheduler": {"level": "WARNING"},
    },
}

# --- Operations: proxies and metrics --------------------------------------------------------
# The load balancers' addresses (or networks): only their X-Forwarded-For is believed.
TRUSTED_PROXIES = env_list("MEDEXAM_TRUSTED_PROXIES", [])
# Prometheus scrapes each node at /metrics from these addresses only.
METRICS_ALLOWED_IPS = env_list("MEDEXAM_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

# --- The domain ---------------------------------------------------------------------------
MEDEXAM_DEFAULT_EXAM = env_str("MEDEXAM_DEFAULT_EXAM", "liaoning-2022")
# The review queue's claim lease, renewed by the reviewer's activity. (Deadline reminders go
# out the day before and on the deadline's morning: medexam/jobs/schedules.py.)
REVIEW_CLAIM_MINUTES = env_int("MEDEXAM_REVIEW_CLAIM_MINUTES", 30)
