"""Connecting a provider account: OAuth 2.0 authorization code with state and PKCE.

The flow is the same for every provider, driven by ``provider.oauth(config)``
with Authlib's requests client; the plugin only says who granted the token
(``fetch_account``) and which companies it reaches (``list_companies``). The
pending authorization lives in the Flask session, bound to one provider so that
a callback arriving at another provider's redirect URI is refused (mix-up
defence). The token is stored only encrypted, in the connection row.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from flask import session as browser_session
from sqlalchemy import select

from . import providers
from .db import session
from .errors import SyncAdminError, ValidationError
from .models import Company, Connection, Organization, utcnow
from .providers import Provider, ProviderCompanyInfo
from .services import audit
from .vocabulary import CompanyStatus, ConnectionStatus

__all__ = [
    "AuthorizationDenied",
    "ConnectResult",
    "DuplicateConnection",
    "begin",
    "client_session",
    "complete",
    "store_token",
]

_PENDING = "sync_admin_oauth"
_PENDING_TTL = 15 * 60


class AuthorizationDenied(SyncAdminError):
    """The provider answered the callback with an error (seed 000's "Authorization Denied")."""

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description


class DuplicateConnection(SyncAdminError):
    """The organization already has a live connection to this provider (seed 000)."""

    def __init__(self, connection: Connection, label: str) -> None:
        super().__init__(
            f"You already have an integration to {label} ({connection.external_account}). "
            "Manage its companies on the Data Feed page, or disconnect it from the "
            "Integrations page before connecting a different account."
        )
        self.connection_id = connection.id


@dataclass
class ConnectResult:
    connection: Connection
    companies: list[ProviderCompanyInfo] = field(default_factory=list)
    linked: list[Company] = field(default_factory=list)

    @property
    def needs_choice(self) -> bool:
        """Xero: staff pick which organisations to link before any is linked."""
        return not self.linked and bool(self.companies)


def client_session(
    provider: Provider, token: Mapping[str, Any] | None = None, **kwargs: Any
) -> OAuth2Session:
    config = current_app.config
    spec = provider.oauth(config)
    return OAuth2Session(
        client_id=provider.config(config, "CLIENT_ID"),
        client_secret=provider.config(config, "CLIENT_SECRET"),
        scope=" ".join(spec.scopes),
        token_endpoint=spec.token_url,
        token_endpoint_auth_method=spec.token_endpoint_auth_method,
        code_challenge_method="S256" if spec.pkce else None,
        token=dict(token) if token else None,
        **kwargs,
    )


def active_connection(organization_id: int, provider_name: str) -> Connection | None:
    return session.scalars(
        select(Connection).where(
            Connection.organization_id == organization_id,
            Connection.provider == provider_name,
            Connection.status != ConnectionStatus.DISCONNECTED.value,
        )
    ).first()


def begin(
    provider_name: str,
    organization_id: int,
    redirect_uri: str,
    *,
    reconnect_id: int | None = None,
) -> str:
    """The provider's consent URL; the state and PKCE verifier wait in the session."""
    provider = providers.get(provider_name)
    if session.get(Organization, organization_id) is None:
        raise ValidationError(
            f"organization {organization_id} does not exist", field="organization_id"
        )
    existing = active_connection(organization_id, provider_name)
    if existing is not None and existing.id != reconnect_id:
        raise DuplicateConnection(existing, provider.label)
    verifier = secrets.token_urlsafe(64)
    oauth = client_session(provider, redirect_uri=redirect_uri)
    url, state = oauth.create_authorization_url(
        provider.oauth(current_app.config).authorize_url, code_verifier=verifier
    )
    pending = dict(browser_session.get(_PENDING, {}))
    now = int(time.time())
    pending = {k: v for k, v in pending.items() if now - v["at"] < _PENDING_TTL}
    pending[state] = {
        "provider": provider_name,
        "organization_id": organization_id,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "reconnect_id": reconnect_id,
        "at": now,
    }
    browser_session[_PENDING] = pending
    return url


def complete(provider_name: str, args: Mapping[str, str], actor: audit.Actor) -> ConnectResult:
    """Handle the callback: check state, exchange the code, store the connection.

    Providers that reach exactly the companies of the grant (QuickBooks) are
    linked at once; providers with ``choose_companies`` (Xero) wait for staff
    to pick organisations with ``link_companies``.
    """
    provider = providers.get(provider_name)
    state = args.get("state", "")
    pending = dict(browser_session.get(_PENDING, {}))
    started = pending.pop(state, None)
    browser_session[_PENDING] = pending
    if args.get("error"):
        raise AuthorizationDenied(args["error"], args.get("error_description"))
    if not started or started["provider"] != provider_name:
        raise AuthorizationDenied(
            "invalid_state",
            "This authorization was not started here, has expired, or was answered by another "
            "provider. Start connecting again from the Integrations page.",
        )
    if not args.get("code"):
        raise AuthorizationDenied("invalid_request", "The provider sent no authorization code.")
    oauth = client_session(provider, redirect_uri=started["redirect_uri"])
    try:
        token = oauth.fetch_token(
            provider.oauth(current_app.config).token_url,
            code=args["code"],
            grant_type="authorization_code",
            code_verifier=started["verifier"],
        )
    except OAuthError as exc:
        raise AuthorizationDenied(exc.error, exc.description) from exc
    account = provider.fetch_account(oauth, token, current_app.config)
    companies = provider.list_companies(oauth, token, args, current_app.config)
    connection = store_token(
        provider,
        started["organization_id"],
        token,
        account_label=account.label,
        account_id=account.id,
        actor=actor,
        connection_id=started.get("reconnect_id"),
    )
    result = ConnectResult(connection=connection, companies=companies)
    if not provider.choose_companies:
        result.linked = link_companies(connection.id, companies, actor)
    session.commit()
    return result


def store_token(
    provider: Provider,
    organization_id: int,
    token: Mapping[str, Any],
    *,
    account_label: str,
    account_id: str | None,
    actor: audit.Actor,
    connection_id: int | None = None,
) -> Connection:
    """Create or update (reconnect) the connection row with the encrypted token."""
    cipher = current_app.extensions["sync_admin"].cipher
    connection = session.get(Connection, connection_id) if connection_id else None
    now = utcnow()
    if connection is None:
        connection = Connection(
            organization_id=organization_id,
            provider=provider.name,
            connected_by=actor.name,
            connected_by_id=actor.id,
            token_user=actor.name,
            token_user_id=actor.id,
            token_version=0,
        )
        session.add(connection)
        action = "connection.connect"
    else:
        action = "connection.reconnect"
    connection.external_account = account_label
    connection.external_account_id = account_id
    connection.status = ConnectionStatus.CONNECTED.value
    connection.token_ciphertext = cipher.encrypt(dict(token))
    connection.token_version = (connection.token_version or 0) + 1
    connection.scopes = str(token.get("scope") or "")
    connection.connected_at = connection.connected_at or now
    connection.last_refreshed_at = now
    connection.last_error = None
    connection.disconnected_at = None
    for key, value in provider.token_expiries(token, now).items():
        setattr(connection, key, value)
    session.flush()
    audit.record(
        actor,
        action,
        "connection",
        connection.id,
        organization_id=organization_id,
        details={"provider": provider.name, "external_account": account_label},
    )
    return connection


def link_companies(
    connection_id: int, chosen: list[ProviderCompanyInfo], actor: audit.Actor
) -> list[Company]:
    """Create (or re-attach) the companies of a connection; each needs a first full run."""
    connection = session.get(Connection, connection_id)
    if connection is None:
        raise ValidationError(f"connection {connection_id} does not exist", field="connection_id")
    linked: list[Company] = []
    for info in chosen:
        company = session.scalars(
            select(Company).where(
                Company.organization_id == connection.organization_id,
                Company.provider == connection.provider,
                Company.provider_company_id == info.provider_company_id,
            )
        ).first()
        if company is None:
            company = Company(
                organization_id=connection.organization_id,
                provider=connection.provider,
                provider_company_id=info.provider_company_id,
                status=CompanyStatus.NEEDS_RESYNC.value,
                cursors={},
            )
            session.add(company)
        company.connection_id = connection.id
        company.name = info.name
        company.provider_connection_id = info.provider_connection_id
        company.base_currency = info.currency or company.base_currency
        company.linked = True
        session.flush()
        audit.record(
            actor,
            "company.link",
            "company",
            company.id,
            organization_id=connection.organization_id,
            company_id=company.id,
            details={"provider_company_id": info.provider_company_id, "name": info.name},
        )
        linked.append(company)
    return linked


def disconnect(connection_id: int, actor: audit.Actor) -> Connection:
    """Disconnect provider-side (per company), revoke the grant, keep the history.

    A provider that cannot be reached does not block staff: the connection is
    marked disconnected here and the failure is kept in ``last_error``.
    """
    connection = session.get(Connection, connection_id)
    if connection is None:
        raise ValidationError(f"connection {connection_id} does not exist", field="connection_id")
    provider = providers.get(connection.provider)
    errors: list[str] = []
    if connection.token_ciphertext:
        token = current_app.extensions["sync_admin"].cipher.decrypt(connection.token_ciphertext)
        oauth = client_session(provider, token=token)
        for company in connection.companies:
            try:
                provider.disconnect(oauth, token, company, current_app.config)
            except Exception as exc:  # the provider's own failure; staff still disconnect
                errors.append(f"{company.name}: {type(exc).__name__}")
        revoke_url = provider.oauth(current_app.config).revoke_url
        if revoke_url:
            try:
                oauth.revoke_token(
                    revoke_url, token=token.get("refresh_token"), token_type_hint="refresh_token"
                )
            except Exception as exc:
                errors.append(f"revoke: {type(exc).__name__}")
    connection.status = ConnectionStatus.DISCONNECTED.value
    connection.token_ciphertext = None
    connection.disconnected_at = utcnow()
    connection.last_error = "; ".join(errors) or None
    for company in connection.companies:
        company.linked = False
        company.status = CompanyStatus.NEEDS_RESYNC.value
    audit.record(
        actor,
        "connection.disconnect",
        "connection",
        connection.id,
        organization_id=connection.organization_id,
        details={"provider": connection.provider, "errors": errors},
    )
    session.commit()
    return connection
