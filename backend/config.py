"""Configuration from environment variables, each with a documented default.

With no variables set the service runs on its embedded default: a SQLite file under
``instance/``, the built-in development identity provider, every source on its mirror.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from ``os.environ``."""
    env = os.environ.get
    instance = Path(instance_path)
    mode = env("APP_ENV", "development")
    return {
        "ENV_MODE": mode,
        "SECRET_KEY": env("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env("DATABASE_URL", f"sqlite:///{instance / 'wyc.sqlite3'}")
        ),
        "IDP_MODE": env("IDP_MODE", "dev"),
        "IDP_ISSUER": env("IDP_ISSUER", "https://dev-idp.ixiamen.local"),
        "IDP_AUDIENCE": env("IDP_AUDIENCE", "xm-wyc"),
        # The real-name level (L1–L4) a citizen's sign-in must vouch for: L3, a face check.
        "IDP_MIN_RN_LEVEL": _rn_level(env("IDP_MIN_RN_LEVEL", "L3")),
        "IDP_PUBLIC_KEY_FILE": env("IDP_PUBLIC_KEY_FILE", str(instance / "dev-idp-public.pem")),
        "IDP_DEV_PRIVATE_KEY_FILE": env(
            "IDP_DEV_PRIVATE_KEY_FILE", str(instance / "dev-idp-private.pem")
        ),
        "IDP_TOKEN_TTL_SECONDS": int(env("IDP_TOKEN_TTL_SECONDS", "3600")),
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH", str(256 * 1024))),
        # (``PORT=8080 make run`` serves on 8080: the QR codes' links follow unless this is set)
        "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL",
                               f"http://127.0.0.1:{env('PORT', '5000')}").rstrip("/"),
        "SIGNING_KEYS_DIR": env("SIGNING_KEYS_DIR", str(instance / "keys")),
        # Signed checkpoints of the audit and query logs: outside the database (README: Audit log).
        "AUDIT_KEYS_DIR": env("AUDIT_KEYS_DIR", str(instance / "audit-keys")),
        "AUDIT_CHECKPOINTS_FILE": env("AUDIT_CHECKPOINTS_FILE",
                                      str(instance / "audit-checkpoints.jsonl")),
        # Demo accounts have published passwords: never in production (refused there).
        "LOAD_DEMO_DATA": _bool(env("LOAD_DEMO_DATA"), mode != "production"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Production is served over TLS: the console's cookies are never sent in clear.
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), mode == "production"),
        "REMEMBER_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), mode == "production"),
        # Failed console sign-ins (backend/staff/throttle.py); Redis in production.
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": env("RATELIMIT_KEY_PREFIX", "wyc"),
        "LOGIN_LIMIT_PER_ACCOUNT": env("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": env("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed.
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES", "0")),
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "厦门网约车政务服务 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Kiosks: device secrets are kept encrypted under this key (default: SECRET_KEY);
        # a card session lasts this long at most.
        "DEVICE_SECRETS_KEY": env("DEVICE_SECRETS_KEY"),
        "KIOSK_SESSION_MINUTES": int(env("KIOSK_SESSION_MINUTES", "10")),
        # The citizen's H5 pages: a sign-in handed over by the app lasts this long at most (and
        # never past the app's assertion).
        "H5_SESSION_MINUTES": int(env("H5_SESSION_MINUTES", "30")),
        # Sources (联网联查): a source named in SOURCE_<NAME>_URL is asked over HTTP,
        # every other one is read from its mirror tables.
        "SOURCE_URLS": _source_urls(),
        "SOURCE_BUDGET_SECONDS": float(env("SOURCE_BUDGET_SECONDS", "2.5")),
        "SOURCE_TIMEOUT_SECONDS": float(env("SOURCE_TIMEOUT_SECONDS", "1.0")),
        "SOURCE_RETRIES": int(env("SOURCE_RETRIES", "1")),
        "SOURCE_BREAKER_THRESHOLD": int(env("SOURCE_BREAKER_THRESHOLD", "3")),
        "SOURCE_BREAKER_COOLDOWN_SECONDS": float(env("SOURCE_BREAKER_COOLDOWN_SECONDS", "30")),
        # Driver rule thresholds (regulatory.md §2.2–2.4); the seed's values are the defaults.
        "DRIVER_LICENCE_CLASSES": _list(env("DRIVER_LICENCE_CLASSES", "A1,A2,A3,B1,B2,C1,C2")),
        "DRIVER_MIN_EXPERIENCE_YEARS": int(env("DRIVER_MIN_EXPERIENCE_YEARS", "3")),
        "DRIVER_POINTS_LIMIT": int(env("DRIVER_POINTS_LIMIT", "12")),
        "DRIVER_POINTS_CYCLES": int(env("DRIVER_POINTS_CYCLES", "3")),
        "DRIVER_LOCAL_REGION_PREFIX": env("DRIVER_LOCAL_REGION_PREFIX", "3502"),
        "DRIVER_MIN_AGE": int(env("DRIVER_MIN_AGE", "18")),
        "DRIVER_MAX_AGE": int(env("DRIVER_MAX_AGE", "60")),
        "DRIVER_CERT_VALID_YEARS": int(env("DRIVER_CERT_VALID_YEARS", "6")),
        # Driver and transport certificates: renewal (换发) opens this many days before the last
        # valid day; a reissue (补发) at most CERT_REISSUE_MAX times in CERT_REISSUE_PERIOD_DAYS.
        "CERT_RENEWAL_WINDOW_DAYS": int(env("CERT_RENEWAL_WINDOW_DAYS", "90")),
        "CERT_REISSUE_MAX": int(env("CERT_REISSUE_MAX", "2")),
        "CERT_REISSUE_PERIOD_DAYS": int(env("CERT_REISSUE_PERIOD_DAYS", "365")),
        "EXAM_MAX_ATTEMPTS": int(env("EXAM_MAX_ATTEMPTS", "3")),
        # The lowest passing score of each subject (out of 100): a result's pass or fail
        # follows from it, an inconsistent one is refused.
        "EXAM_PASS_MARKS": {"national": int(env("EXAM_PASS_MARK_NATIONAL", "80")),
                            "regional": int(env("EXAM_PASS_MARK_REGIONAL", "80"))},
        # An applicant awaiting the exams is booked into the first session that starts at
        # least this many hours later and has a seat (or chooses one in the app).
        "EXAM_BOOKING_LEAD_HOURS": int(env("EXAM_BOOKING_LEAD_HOURS", "24")),
        # Time limits count working days: the holiday schedule of years chinese-calendar does
        # not know yet is read from this JSON file (backend/common/workdays.py).
        "WORKDAY_OVERRIDES": env("WORKDAY_OVERRIDES"),
        # 12328: routing rules and time limits (default: backend/hotline/routing.json), and the
        # SMS gateway replies are sent through (unset: they wait in the outbox).
        "HOTLINE_ROUTING_FILE": env("HOTLINE_ROUTING_FILE"),
        # How the SMS outbox is sent (backend/notify/sms.py): "gateway" posts to
        # SMS_GATEWAY_URL; "log" (the development default) writes them to the log.
        "SMS_SENDER": env("SMS_SENDER", "gateway" if mode == "production" else "log"),
        "SMS_GATEWAY_URL": env("SMS_GATEWAY_URL"),
        "SMS_GATEWAY_TOKEN": env("SMS_GATEWAY_TOKEN"),
        # 好差评: a bad review is rectified within this many working days of the rating.
        "RATING_RECTIFY_DAYS": int(env("RATING_RECTIFY_DAYS", "5")),
        **_vehicle_thresholds(env),
        **_platform_notices(env),
        **_platform_licence(env, instance),
        **_supervision_events(env, instance),
        **_supervision_intake(env),
        **_police_alerts(env),
        **_credit(env),
        **_enforcement_cameras(env),
    }


def _police_alerts(env) -> dict:
    """Police alerts (backend/alerts, docs/police-alerts.md): the police system's public key
    (a PEM or a JWKS file) the hook verifies alerts with, how old a signed alert may be, the
    due-process deadlines in working days, and how long a revocation list is good for."""
    return {
        "POLICE_ALERT_KEY_FILE": env("POLICE_ALERT_KEY_FILE"),
        "POLICE_ALERT_MAX_AGE_SECONDS": int(env("POLICE_ALERT_MAX_AGE_SECONDS", "300")),
        "ALERT_OBJECTION_WORKDAYS": int(env("ALERT_OBJECTION_WORKDAYS", "5")),
        "ALERT_DECISION_WORKDAYS": int(env("ALERT_DECISION_WORKDAYS", "10")),
        "REVOCATION_LIST_TTL_SECONDS": int(env("REVOCATION_LIST_TTL_SECONDS", "3600")),
    }


def _credit(env) -> dict:
    """Credit management (docs/credit.md): the watch period before an uncorrected subject moves
    to the blacklist, the blacklist's term, and the data files of behaviours and grade rules
    (unset: the ones shipped in backend/credit/)."""
    return {
        "CREDIT_WATCH_MONTHS": int(env("CREDIT_WATCH_MONTHS", "6")),
        "CREDIT_BLACKLIST_MONTHS": int(env("CREDIT_BLACKLIST_MONTHS", "36")),
        "CREDIT_BEHAVIOURS_FILE": env("CREDIT_BEHAVIOURS_FILE"),
        "CREDIT_GRADES_FILE": env("CREDIT_GRADES_FILE"),
        # A platform's day below this share (vehicles reporting, complete orders) is recorded.
        "CREDIT_QUALITY_MIN_SHARE": float(env("CREDIT_QUALITY_MIN_SHARE", "0.9")),
    }


def _platform_notices(env) -> dict:
    """Notices to platforms (backend/notices, docs/platform-notices.md): how long a callback
    may take, and the backoff between tries (doubling from the base up to the maximum)."""
    return {
        "NOTICE_TIMEOUT_SECONDS": float(env("NOTICE_TIMEOUT_SECONDS", "5")),
        "NOTICE_RETRY_BASE_SECONDS": float(env("NOTICE_RETRY_BASE_SECONDS", "10")),
        "NOTICE_RETRY_MAX_SECONDS": float(env("NOTICE_RETRY_MAX_SECONDS", "3600")),
        "NOTICE_FEED_MAX": int(env("NOTICE_FEED_MAX", "500")),
        # The regular re-check (flask licensing recheck --due): a holder is due again after this.
        "RECHECK_INTERVAL_DAYS": int(env("RECHECK_INTERVAL_DAYS", "30")),
    }


def _enforcement_cameras(env) -> dict:
    """The enforcement cameras' broker and the classification (docs/cameras.md)."""
    return {
        # The MQTT broker the cameras publish to (mqtt://[user:password@]host:port).
        "ENFORCEMENT_MQTT_URL": env("ENFORCEMENT_MQTT_URL", "mqtt://127.0.0.1:1883"),
        # The worker's session on the broker: keep it stable, or reads sent while it was down
        # are left in another session's queue.
        "ENFORCEMENT_MQTT_CLIENT_ID": env("ENFORCEMENT_MQTT_CLIENT_ID", "wyc-enforcement"),
        # A plate without a certificate in force is suspected if a platform reported it within
        # this many minutes of the read.
        "ENFORCEMENT_FEED_WINDOW_MINUTES": float(env("ENFORCEMENT_FEED_WINDOW_MINUTES", "15")),
        "ENFORCEMENT_RETENTION_DAYS": int(env("ENFORCEMENT_RETENTION_DAYS", "180")),
    }


def _platform_licence(env, instance: Path) -> dict:
    """Companies' uploads and the platform licence (README, Platform company licence)."""
    return {
        "MATERIALS_DIR": env("MATERIALS_DIR", str(instance / "materials")),
        "MATERIAL_MAX_BYTES": int(env("MATERIAL_MAX_BYTES", str(10 * 1024 * 1024))),
        # The province's online-capability review: its endpoint and the secret both sides sign
        # with; unset, a provincial reviewer answers in the console.
        "PROVINCE_URL": env("PROVINCE_URL", "").rstrip("/") or None,
        "PROVINCE_SECRET": env("PROVINCE_SECRET"),
        "PROVINCE_TIMEOUT_SECONDS": float(env("PROVINCE_TIMEOUT_SECONDS", "5")),
        "PLATFORM_LICENCE_VALID_YEARS": int(env("PLATFORM_LICENCE_VALID_YEARS", "4")),
        "PLATFORM_LICENCE_NUMBER_PATTERN": env("PLATFORM_LICENCE_NUMBER_PATTERN",
                                               "厦交网约平台许字350200XXXX号"),
        "PLATFORM_SCOPE_KEYWORDS": _list(env("PLATFORM_SCOPE_KEYWORDS", "网络预约出租汽车,网约车")),
    }


def _supervision_events(env, instance: Path) -> dict:
    """The supervision event store (backend/supervision/events.py) and its scale path: with
    ``SUPERVISION_STREAM_URL`` (``nats://…``) the intake publishes to NATS JetStream and
    ``flask supervision consume`` writers fill the store."""
    return {
        "SUPERVISION_EVENTS_DIR": env("SUPERVISION_EVENTS_DIR",
                                      str(instance / "supervision" / "events")),
        # The 2022 运行管理办法 requires at least 2 years online.
        "SUPERVISION_RETENTION_DAYS": int(env("SUPERVISION_RETENTION_DAYS", "730")),
        "SUPERVISION_STREAM_URL": env("SUPERVISION_STREAM_URL"),
        "SUPERVISION_STREAM_NAME": env("SUPERVISION_STREAM_NAME", "SUPERVISION"),
        "SUPERVISION_STREAM_REPLICAS": int(env("SUPERVISION_STREAM_REPLICAS", "1")),
        # A writer's batch not acknowledged within this goes to another writer.
        "SUPERVISION_STREAM_ACK_WAIT": float(env("SUPERVISION_STREAM_ACK_WAIT", "30")),
    }


def _supervision_intake(env) -> dict:
    """How much one request to the supervision intake (backend/supervision/intake.py) may carry:
    larger bodies or batches get 413 (the app-wide MAX_CONTENT_LENGTH does not apply there)."""
    return {
        "SUPERVISION_MAX_BODY_BYTES": int(env("SUPERVISION_MAX_BODY_BYTES", str(32 * 1024 * 1024))),
        "SUPERVISION_MAX_INFLATED_BYTES": int(env("SUPERVISION_MAX_INFLATED_BYTES",
                                                  str(128 * 1024 * 1024))),
        "SUPERVISION_MAX_RECORDS": int(env("SUPERVISION_MAX_RECORDS", "100000")),
    }


def _vehicle_thresholds(env) -> dict:
    """Vehicle rule thresholds (regulatory.md §2.1 V1–V8, §2.3 X1–X7; DESIGN.md §4).

    The seed's values are the defaults. ``XXXXXX`` in the certificate number pattern is
    replaced by the zero-padded sequence number (as many digits as there are X's).
    """
    return {
        "VEHICLE_PLATE_PREFIX": env("VEHICLE_PLATE_PREFIX", "闽D"),
        "VEHICLE_MAX_AGE_FIRST_YEARS": int(env("VEHICLE_MAX_AGE_FIRST_YEARS", "3")),
        "VEHICLE_MAX_AGE_REAPPLY_YEARS": int(env("VEHICLE_MAX_AGE_REAPPLY_YEARS", "6")),
        "VEHICLE_MAX_AGE_YEARS": int(env("VEHICLE_MAX_AGE_YEARS", "8")),
        "VEHICLE_ALLOWED_POWER": _list(env("VEHICLE_ALLOWED_POWER", "BEV")),
        "VEHICLE_MAX_SEATS": int(env("VEHICLE_MAX_SEATS", "7")),
        "VEHICLE_GPS_MAX_SILENCE_MINUTES": float(env("VEHICLE_GPS_MAX_SILENCE_MINUTES", "10")),
        "TRANSPORT_CERT_NUMBER_PATTERN": env("TRANSPORT_CERT_NUMBER_PATTERN",
                                             "闽交运管许可厦字350200XXXXXX号"),
        "TRANSPORT_CERT_MAX_YEARS": int(env("TRANSPORT_CERT_MAX_YEARS", "8")),
    }


def _rn_level(value: str) -> str:
    level = value.strip().upper()
    if level not in ("L1", "L2", "L3", "L4"):
        raise ConfigurationError(f"IDP_MIN_RN_LEVEL must be L1, L2, L3 or L4, not {value!r}")
    return level


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _source_urls() -> dict[str, str]:
    prefix, suffix = "SOURCE_", "_URL"
    return {key[len(prefix):-len(suffix)].lower(): value for key, value in os.environ.items()
            if key.startswith(prefix) and key.endswith(suffix) and value}


def normalise_database_url(url: str) -> str:
    """Let operators write the usual ``postgresql://`` URL; we drive it with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class ConfigurationError(RuntimeError):
    """The service refuses to start with this configuration."""


DEMO_DATA_IN_PRODUCTION = (
    "LOAD_DEMO_DATA is not allowed in production: the demo data has staff accounts whose "
    "passwords are published (admin / demo-admin-2026). Unset LOAD_DEMO_DATA and create the "
    "first administrator with `flask --app backend staff create USERNAME --role admin` "
    "(the password is prompted, or read with --password-file).")


def check_production_safety(config: dict) -> None:
    """Production mode must never run with the built-in secret, the dev identity provider or
    the demo data."""
    if config["ENV_MODE"] != "production":
        return
    if config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY):
        raise ConfigurationError("SECRET_KEY must be set to a private value in production")
    if config["IDP_MODE"] == "dev":
        raise ConfigurationError("IDP_MODE=dev is not allowed in production")
    if config["LOAD_DEMO_DATA"]:
        raise ConfigurationError(DEMO_DATA_IN_PRODUCTION)
    if not config["SESSION_COOKIE_SECURE"]:
        raise ConfigurationError("SESSION_COOKIE_SECURE=0 is not allowed in production: the "
                                 "console's session cookie must only travel over TLS")
