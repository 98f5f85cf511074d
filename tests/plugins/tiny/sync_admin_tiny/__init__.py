"""Tiny Books: a third provider written only against the public contract.

It lives in the tests folder; a test puts this folder on ``sys.path`` so that
its entry point is discovered exactly as an installed package's would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sync_admin.providers import (
    Catalog,
    CatalogEntry,
    EntitySpec,
    ErrorInfo,
    ExternalAccount,
    OAuthSpec,
    Provider,
    ProviderCompanyInfo,
    ProviderSetting,
    RateLimits,
    TokenLifetimes,
)
from sync_admin.vocabulary import Action, Category, Direction, Entity

CATALOG = Catalog(
    "tiny",
    [
        CatalogEntry(
            code="tiny.token_expired",
            category=Category.AUTH_EXPIRED,
            title="Token expired",
            meaning="The access token is no longer valid.",
            fix=("Wait for the automatic refresh; if it fails, reconnect Tiny Books.",),
            action=Action.RECONNECT,
            http_statuses=(401,),
        ),
        CatalogEntry(
            code="tiny.refresh_rejected",
            category=Category.AUTH_REVOKED,
            title="Tiny Books refused the refresh token",
            meaning="The grant was revoked or its refresh token expired.",
            fix=("Open Integrations, Manage Tiny Books, Reconnect.",),
            action=Action.RECONNECT,
            patterns=(r"invalid_grant",),
        ),
        CatalogEntry(
            code="tiny.duplicate_name",
            category=Category.DUPLICATE,
            title="Name already used",
            meaning="Tiny Books already has a contact with this name.",
            fix=("Rename the contact in the host product, then retry.",),
            action=Action.EDIT_RECORD,
            provider_codes=("DUP",),
            facts=(r"name '(?P<name>[^']+)'",),
        ),
        CatalogEntry(
            code="tiny.server_error",
            category=Category.TRANSIENT_SERVER,
            title="Tiny Books is having trouble",
            meaning="A temporary error on the provider's side.",
            fix=("Nothing to do: the record is retried automatically.",),
            action=Action.WAIT,
            retryable=True,
            max_retries=10,
            http_statuses=(500, 502, 503),
        ),
        CatalogEntry(
            code="tiny.busy",
            category=Category.TRANSIENT_SERVER,
            title="Tiny Books was busy with this record",
            meaning="The record could not be saved this time; saving it again works.",
            fix=("Nothing to do: the record is retried automatically.",),
            action=Action.WAIT,
            retryable=True,
            max_retries=10,
            provider_codes=("BUSY",),
        ),
        CatalogEntry(
            code="tiny.throttled",
            category=Category.RATE_LIMITED,
            title="Too many requests",
            meaning="Tiny Books limits requests per book per minute.",
            fix=("Nothing to do: the sync waits and continues.",),
            action=Action.WAIT,
            retryable=True,
            http_statuses=(429,),
        ),
        CatalogEntry(
            code="tiny.malformed",
            category=Category.MALFORMED_RESPONSE,
            title="Tiny Books answered with an unreadable body",
            meaning="The answer was HTML, empty or cut off.",
            fix=("Nothing to do: the request is retried automatically.",),
            action=Action.WAIT,
            retryable=True,
            max_retries=10,
            http_statuses=(200,),
            body_kinds=("html", "empty", "truncated"),
        ),
        CatalogEntry(
            code="tiny.not_found",
            category=Category.NOT_FOUND,
            title="Referenced record not found",
            meaning="The record refers to a contact, invoice or item Tiny Books does not have.",
            fix=("Sync the referenced record first, then retry.",),
            action=Action.RETRY,
            provider_codes=("MISSING",),
        ),
        CatalogEntry(
            code="tiny.overpaid",
            category=Category.BUSINESS_RULE,
            title="Payment larger than the invoice balance",
            meaning="Tiny Books refuses a payment above what is still owed.",
            fix=("Correct the payment amount in the host product, then retry.",),
            action=Action.EDIT_RECORD,
            provider_codes=("OVERPAID",),
        ),
    ],
)


class TinyProvider(Provider):
    name = "tiny"
    label = "Tiny Books"
    logo = "tiny.svg"
    static_folder = Path(__file__).parent
    description = "A test provider."
    entities = (
        EntitySpec(Entity.ACCOUNT, "Account", Direction.PULL, incremental="none"),
        EntitySpec(Entity.ITEM, "Item", Direction.PULL, incremental="none"),
        EntitySpec(
            Entity.CONTACT,
            "Contact",
            Direction.PUSH,
            field_limits={"name": 40},
            required=("name",),
            batch_size=10,
        ),
        EntitySpec(
            Entity.INVOICE,
            "Invoice",
            Direction.PUSH,
            depends_on=(Entity.CONTACT,),
            field_limits={"number": 21, "lines.description": 100},
            required=("number",),
            batch_size=10,
        ),
        EntitySpec(
            Entity.PAYMENT,
            "Payment",
            Direction.PUSH,
            depends_on=(Entity.INVOICE,),
            batch_size=10,
        ),
    )
    catalog = CATALOG
    limits = RateLimits(per_minute=30, concurrency=2)
    tokens = TokenLifetimes(
        access=timedelta(hours=1), refresh_idle=timedelta(days=30), refresh_grace=timedelta(0)
    )
    settings = (
        ProviderSetting("BASE_URL", "http://127.0.0.1:5999", "Base URL of the Tiny Books API."),
        ProviderSetting("CLIENT_ID", "tiny-client", "OAuth client id."),
        ProviderSetting("CLIENT_SECRET", "tiny-secret", "OAuth client secret.", secret=True),
        ProviderSetting("TIMEOUT", 30.0, "Seconds to wait for an answer."),
    )
    webhook_signature_header = "x-tiny-signature"

    def oauth(self, config: Mapping[str, Any]) -> OAuthSpec:
        base = self.config(config, "BASE_URL")
        return OAuthSpec(
            authorize_url=f"{base}/authorize",
            token_url=f"{base}/token",
            revoke_url=f"{base}/revoke",
            userinfo_url=f"{base}/userinfo",
            scopes=("books",),
        )

    def parse_error(
        self, status: int, text: str, kind: str, parsed: Any, headers: Mapping[str, str]
    ) -> ErrorInfo:
        info = ErrorInfo(status=status, kind=kind)
        if kind == "json" and isinstance(parsed, dict):
            info.codes = [str(parsed.get("code", ""))]
            info.messages = [
                str(parsed.get(key))
                for key in ("message", "error", "error_description")
                if parsed.get(key)
            ]
        elif text:
            info.messages = [text[:200]]
        return info

    def build_client(self, context: Any) -> Any:
        from .client import TinyClient

        return TinyClient(self, context)

    def sandbox_app(self, **options: Any) -> Any:
        from .sandbox import create_sandbox

        return create_sandbox(**options)

    def external_url(self, entity: Any, external_id: str, provider_company_id: str) -> str:
        return f"https://tiny.example/{provider_company_id}/{entity}/{external_id}"

    def fetch_account(
        self, http: Any, token: Mapping[str, Any], config: Mapping[str, Any]
    ) -> ExternalAccount:
        data = http.get(self.oauth(config).userinfo_url).json()
        return ExternalAccount(label=data["email"], id=data["sub"], email=data["email"])

    def list_companies(
        self,
        http: Any,
        token: Mapping[str, Any],
        callback_args: Mapping[str, str],
        config: Mapping[str, Any],
    ) -> list[ProviderCompanyInfo]:
        return [
            ProviderCompanyInfo(
                provider_company_id=callback_args.get("book", "b1"), name="Tiny Book"
            )
        ]


provider = TinyProvider()
