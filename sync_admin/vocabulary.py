"""The fixed vocabulary of DESIGN.md, as string enums.

Values are stored in the database and sent over the API as plain strings, so
every enum here is a ``StrEnum``: ``Level.ERROR == "error"``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Action",
    "Category",
    "CompanyStatus",
    "ConnectionStatus",
    "Direction",
    "Entity",
    "Level",
    "LinkStatus",
    "LogType",
    "MappingKind",
    "Outcome",
    "RunFlag",
    "RunKind",
    "RunStatus",
    "Trigger",
]


class Entity(StrEnum):
    ACCOUNT = "account"
    ITEM = "item"
    TAX_RATE = "tax_rate"
    CURRENCY = "currency"
    CONTACT = "contact"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    WRITE_OFF = "write_off"
    RECONCILIATION = "reconciliation"


class Direction(StrEnum):
    PUSH = "push"  # host to provider, "outgoing"
    PULL = "pull"  # provider to host, "incoming"


class RunKind(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"
    RETRY = "retry"
    RESYNC = "resync"
    # Reference data only (chart of accounts, items, tax rates): nothing is pushed.
    REFERENCE = "reference"


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    WEBHOOK = "webhook"
    API = "api"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @classmethod
    def active(cls) -> tuple[RunStatus, ...]:
        return (cls.QUEUED, cls.RUNNING)


class RunFlag(StrEnum):
    """Seed 001: blue finished clean, orange running with errors, red finished with errors."""

    BLUE = "blue"
    ORANGE = "orange"
    RED = "red"


class CompanyStatus(StrEnum):
    SYNCED = "synced"
    NEEDS_RESYNC = "needs_resync"
    SYNCING = "syncing"


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"


class LogType(StrEnum):
    MILESTONE = "milestone"
    EVENT = "event"


class Level(StrEnum):
    SUCCESS = "success"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class LinkStatus(StrEnum):
    LINKED = "linked"
    UNLINKED = "unlinked"


class Outcome(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"
    SKIPPED = "skipped"


class MappingKind(StrEnum):
    ACCOUNT = "account"
    FEE_ITEM = "fee_item"
    BAD_DEBT = "bad_debt"
    TAX_RATE = "tax_rate"


class Category(StrEnum):
    AUTH_EXPIRED = "auth_expired"
    AUTH_REVOKED = "auth_revoked"
    RATE_LIMITED = "rate_limited"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    VALIDATION = "validation"
    MISSING_MAPPING = "missing_mapping"
    STALE_OBJECT = "stale_object"
    TRANSIENT_SERVER = "transient_server"
    MALFORMED_RESPONSE = "malformed_response"
    PERMISSION = "permission"
    BUSINESS_RULE = "business_rule"
    UNKNOWN = "unknown"


class Action(StrEnum):
    """What the admin can offer next to an error."""

    RECONNECT = "reconnect"
    RETRY = "retry"
    MAP_FEE_ITEM = "map_fee_item"
    MAP_ACCOUNT = "map_account"
    MAP_BAD_DEBT = "map_bad_debt"
    MAP_TAX_RATE = "map_tax_rate"
    EDIT_RECORD = "edit_record"
    LINK_RECORD = "link_record"
    UNLINK = "unlink"
    EXCLUDE = "exclude"
    WAIT = "wait"
