"""The provider contract: what a provider plugin declares, and what core does with it.

A plugin package ``sync_admin_<name>`` exposes one ``provider`` object, an
instance of a ``Provider`` subclass, through the entry-point group
``sync_admin.providers``. Core owns behaviour (OAuth flow, token storage and
refresh, pacing, the engine, classification rules); the plugin declares its
endpoints, entities, limits and catalog, and translates payloads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import xml.etree.ElementTree as ET
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vocabulary import Direction, Entity
from .catalog import Catalog, CatalogEntry, Diagnosis, ErrorInfo

if TYPE_CHECKING:
    from .client import ClientContext, ProviderClient

__all__ = [
    "EntitySpec",
    "ExternalAccount",
    "OAuthSpec",
    "Provider",
    "ProviderCompanyInfo",
    "ProviderSetting",
    "RateLimits",
    "TokenLifetimes",
    "WebhookEvent",
    "decode_body",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderSetting:
    """A configuration key ``SYNC_ADMIN_<PROVIDER>_<KEY>`` with its default."""

    key: str
    default: Any
    doc: str
    secret: bool = False


@dataclass(frozen=True)
class OAuthSpec:
    authorize_url: str
    token_url: str
    revoke_url: str | None
    userinfo_url: str | None
    scopes: tuple[str, ...]
    pkce: bool = True
    token_endpoint_auth_method: str = "client_secret_basic"


@dataclass(frozen=True)
class EntitySpec:
    """One record type a provider pulls or pushes, in dependency order.

    ``field_limits`` and ``required`` name canonical record fields (see
    ``sync_admin.records``) so that core's preflight can check them before any
    call. ``batch_size`` is how many records go in one provider request.
    """

    entity: Entity
    provider_name: str
    direction: Direction
    depends_on: tuple[Entity, ...] = ()
    field_limits: Mapping[str, int] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    batch_size: int = 1
    incremental: str = "none"  # "cdc", "modified_since" or "none"


@dataclass(frozen=True)
class RateLimits:
    per_minute: int
    concurrency: int
    per_day: int | None = None
    batch_per_minute: int | None = None
    app_per_minute: int | None = None


@dataclass(frozen=True)
class TokenLifetimes:
    access: timedelta
    refresh_idle: timedelta
    refresh_grace: timedelta
    refresh_hard_cap: timedelta | None = None


@dataclass
class ExternalAccount:
    """The provider-side user behind a connection (seed 000's "External Account")."""

    label: str
    id: str | None = None
    email: str | None = None


@dataclass
class ProviderCompanyInfo:
    provider_company_id: str
    name: str
    provider_connection_id: str | None = None
    currency: str | None = None
    kind: str = "company"


@dataclass
class WebhookEvent:
    event_id: str
    provider_company_id: str
    entity: str
    external_id: str | None
    operation: str
    occurred_at: datetime | None = None


def decode_body(body: bytes | str | None) -> tuple[str, str, Any]:
    """Decode any provider body without raising: (text, kind, parsed).

    kind is json, xml, html, text, empty or truncated; parsed is the JSON value
    or the XML root element when the body parsed, else None.
    """
    if body is None:
        return "", "empty", None
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            text = bytes(body).decode("cp1252", errors="replace")
    else:
        text = str(body)
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        return text, "empty", None
    head = stripped[:200].lower()
    if stripped[0] in "{[":
        try:
            return text, "json", json.loads(stripped)
        except ValueError:
            return text, "truncated", None
    if stripped[0] == "<":
        if head.startswith("<!doctype html") or "<html" in head or "<body" in head:
            return text, "html", None
        try:
            return text, "xml", ET.fromstring(stripped)  # noqa: S314 - no entities resolved
        except ET.ParseError:
            return text, "truncated" if head.startswith("<?xml") else "html", None
    return text, "text", None


class Provider(ABC):
    """Base class of provider plugins. Subclasses set the class attributes and
    implement the abstract methods; the ones marked "plugin" may be overridden."""

    name: str = ""
    label: str = ""
    logo: str = ""  # file name inside ``static_folder``
    static_folder: Path | None = None
    description: str = ""
    entities: tuple[EntitySpec, ...] = ()
    catalog: Catalog | None = None
    limits: RateLimits | None = None
    tokens: TokenLifetimes | None = None
    settings: tuple[ProviderSetting, ...] = ()
    webhook_signature_header: str | None = None
    # True when staff choose among several companies after consent (Xero tenants).
    choose_companies: bool = False

    # --- configuration -------------------------------------------------

    def setting_name(self, key: str) -> str:
        return f"SYNC_ADMIN_{self.name.upper()}_{key.upper()}"

    def config(self, config: Mapping[str, Any], key: str) -> Any:
        name = self.setting_name(key)
        if name in config:
            return config[name]
        for setting in self.settings:
            if setting.key == key:
                return setting.default
        raise KeyError(name)

    @abstractmethod
    def oauth(self, config: Mapping[str, Any]) -> OAuthSpec:
        """Endpoints and scopes, from configuration (sandbox or real)."""

    # --- entities ------------------------------------------------------

    def entity(self, entity: Entity | str) -> EntitySpec | None:
        for spec in self.entities:
            if spec.entity == entity:
                return spec
        return None

    def pull_entities(self) -> list[EntitySpec]:
        return [s for s in self.entities if s.direction == Direction.PULL]

    def push_entities(self) -> list[EntitySpec]:
        return [s for s in self.entities if s.direction == Direction.PUSH]

    # --- errors ----------------------------------------------------------

    def parse_error(
        self, status: int, text: str, kind: str, parsed: Any, headers: Mapping[str, str]
    ) -> ErrorInfo:
        """plugin: read codes and messages out of an error body of any shape."""
        return ErrorInfo(status=status, kind=kind, messages=[text[:500]] if text else [])

    def diagnose(
        self, http_status: int, body: bytes | str | None, headers: Mapping[str, str] | None = None
    ) -> Diagnosis:
        """Classify an error and pull its record-level facts; never raises."""
        catalog = self.catalog
        assert catalog is not None
        headers = _lower_headers(headers)
        try:
            text, kind, parsed = decode_body(body)
            info = self.parse_error(http_status, text, kind, parsed, headers)
        except Exception:  # a broken body must still classify
            log.debug("parse_error failed for %s", self.name, exc_info=True)
            info = ErrorInfo(status=http_status, kind="truncated", messages=[])
        try:
            entry = catalog.match(info)
            message = info.text or entry.title
            facts = catalog.extract_facts(entry, message)
        except Exception:
            log.debug("catalog match failed for %s", self.name, exc_info=True)
            entry, message, facts = catalog.unknown, info.text, {}
        if info.retry_after is None:
            info.retry_after = _retry_after(headers)
        return Diagnosis(
            entry=entry,
            status=http_status,
            message=message[:2000],
            provider_code=info.codes[0] if info.codes else None,
            facts=facts,
            retry_after=info.retry_after,
            body_kind=info.kind,
        )

    def classify(
        self, http_status: int, body: bytes | str | None, headers: Mapping[str, str] | None = None
    ) -> CatalogEntry:
        """The public contract: an error body to its catalog entry; never raises."""
        return self.diagnose(http_status, body, headers).entry

    # --- clients, sandbox, links ---------------------------------------------

    @abstractmethod
    def build_client(self, context: ClientContext) -> ProviderClient:
        """The HTTP client for one company (import it lazily here)."""

    @abstractmethod
    def sandbox_app(self, **options: Any) -> Callable[..., Any]:
        """The local WSGI imitation of the provider (import it lazily here)."""

    def external_url(
        self, entity: Entity | str, external_id: str, provider_company_id: str
    ) -> str | None:
        """plugin: a link into the provider's own web app for a record."""
        return None

    def preflight(self, entity: Entity, record: Any, refs: Any) -> list[Diagnosis]:
        """plugin: provider rules to check before a call (core checks lengths and mappings)."""
        return []

    # --- connect ---------------------------------------------------------------

    @abstractmethod
    def fetch_account(
        self, http: Any, token: Mapping[str, Any], config: Mapping[str, Any]
    ) -> ExternalAccount:
        """Who granted the token (userinfo). ``http`` is an authlib OAuth2Session."""

    @abstractmethod
    def list_companies(
        self,
        http: Any,
        token: Mapping[str, Any],
        callback_args: Mapping[str, str],
        config: Mapping[str, Any],
    ) -> list[ProviderCompanyInfo]:
        """The companies this grant reaches (QBO realmId, Xero /connections)."""

    def token_expiries(self, token: Mapping[str, Any], now: datetime) -> dict[str, datetime | None]:
        """Access, refresh and hard expiry times from a token response."""
        lifetimes = self.tokens
        access = token.get("expires_at")
        refresh_in = token.get("x_refresh_token_expires_in") or token.get(
            "refresh_token_expires_in"
        )
        refresh_idle = lifetimes.refresh_idle if lifetimes else None
        refresh_expiry = (
            now + timedelta(seconds=int(refresh_in))
            if refresh_in
            else (now + refresh_idle if refresh_idle else None)
        )
        return {
            "access_expires_at": datetime.fromtimestamp(int(access), tz=now.tzinfo)
            if access
            else None,
            "refresh_expires_at": refresh_expiry,
        }

    def disconnect(
        self, http: Any, token: Mapping[str, Any], company: Any, config: Mapping[str, Any]
    ) -> None:
        """plugin: provider-side disconnect of one company (Xero DELETE /connections/{id})."""
        return None

    # --- webhooks ----------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, secret: str) -> bool:
        """base64(HMAC-SHA256(raw body, secret)) in the signature header, constant time."""
        if not self.webhook_signature_header or not secret:
            return False
        given = _lower_headers(headers).get(self.webhook_signature_header.lower(), "")
        expected = base64.b64encode(
            hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(given.encode(), expected.encode())

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        """plugin: the events of a verified webhook delivery."""
        return []

    # --- validation (called by the registry at load) -----------------------------------

    def problems(self) -> list[str]:
        found: list[str] = []
        if not self.name or not self.name.isidentifier() or self.name != self.name.lower():
            found.append(f"name {self.name!r} must be a lower-case identifier")
        if not self.label:
            found.append("label is empty")
        if not isinstance(self.catalog, Catalog) or len(self.catalog) == 0:
            found.append("catalog is missing or empty")
        elif self.catalog.provider != self.name:
            found.append(f"catalog belongs to {self.catalog.provider!r}")
        if self.limits is None:
            found.append("limits are missing")
        if self.tokens is None:
            found.append("token lifetimes are missing")
        found.extend(_entity_problems(self.entities))
        return found


def _entity_problems(entities: Sequence[EntitySpec]) -> list[str]:
    problems: list[str] = []
    if not entities:
        return ["entity list is empty"]
    seen: set[Entity] = set()
    for spec in entities:
        if not isinstance(spec, EntitySpec):
            problems.append(f"entity {spec!r} is not an EntitySpec")
            continue
        if spec.entity in seen:
            problems.append(f"entity {spec.entity} is declared twice")
        for dep in spec.depends_on:
            if dep not in seen:
                problems.append(
                    f"entity {spec.entity} depends on {dep}, which is not declared before it"
                )
        if spec.batch_size < 1:
            problems.append(f"entity {spec.entity}: batch_size must be at least 1")
        if spec.incremental not in {"cdc", "modified_since", "none"}:
            problems.append(f"entity {spec.entity}: unknown incremental mode {spec.incremental!r}")
        seen.add(spec.entity)
    return problems


def _lower_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    if not headers:
        return {}
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        from datetime import UTC

        return max(0.0, (when - datetime.now(UTC)).total_seconds())
