"""QuickBooks Online provider plugin for sync-admin.

Declares QBO's OAuth endpoints, entities, limits and error catalog, and
translates payloads. The HTTP client (``client.py``) and the sandbox
(``sandbox/``) are imported only when ``build_client`` or ``sandbox_app`` is
called, so loading the plugin stays cheap. Endpoints come from configuration
(``SYNC_ADMIN_QUICKBOOKS_*``); setting ``SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL``
points all of them at a running sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync_admin.providers import (
    EntitySpec,
    ErrorInfo,
    ExternalAccount,
    OAuthSpec,
    Provider,
    ProviderCompanyInfo,
    ProviderSetting,
    RateLimits,
    TokenLifetimes,
    WebhookEvent,
)
from sync_admin.vocabulary import Direction, Entity

from .catalog import CATALOG
from .faults import parse_error as _parse_error

if TYPE_CHECKING:
    from sync_admin.providers import ClientContext, Diagnosis

__all__ = ["QuickBooksProvider", "provider"]

PROD = {
    "AUTHORIZE_URL": "https://appcenter.intuit.com/connect/oauth2",
    "TOKEN_URL": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "REVOKE_URL": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    "USERINFO_URL": "https://accounts.platform.intuit.com/v1/openid_connect/userinfo",
    "API_BASE": "https://quickbooks.api.intuit.com",
}
# Paths of each endpoint inside the local sandbox (sync_admin_quickbooks.sandbox).
SANDBOX_PATHS = {
    "AUTHORIZE_URL": "/connect/oauth2",
    "TOKEN_URL": "/oauth2/v1/tokens/bearer",
    "REVOKE_URL": "/v2/oauth2/tokens/revoke",
    "USERINFO_URL": "/v1/openid_connect/userinfo",
    "API_BASE": "",
}
SCOPES = ("com.intuit.quickbooks.accounting", "openid", "email", "profile")

# Paths of a record in QBO's own web app, by entity.
WEB_PATHS = {
    Entity.CONTACT: "customerdetail?nameId={id}",
    Entity.INVOICE: "invoice?txnId={id}",
    Entity.PAYMENT: "recvpayment?txnId={id}",
    Entity.CREDIT_NOTE: "creditmemo?txnId={id}",
    Entity.WRITE_OFF: "creditmemo?txnId={id}",
    Entity.ACCOUNT: "register?accountId={id}",
    Entity.ITEM: "items?itemId={id}",
    Entity.TAX_RATE: "salestax",
}

DEFAULT_WEB_APP = "https://app.qbo.intuit.com"
_PUSH_BATCH = 30  # QBO batch endpoint: at most 30 operations per request


class QuickBooksProvider(Provider):
    name = "quickbooks"
    label = "QuickBooks Online"
    logo = "quickbooks.svg"
    static_folder = Path(__file__).parent
    description = "Intuit QuickBooks Online: customers, invoices, payments, credits, write-offs."
    entities = (
        EntitySpec(Entity.ACCOUNT, "Account", Direction.PULL, incremental="cdc"),
        EntitySpec(
            Entity.ITEM, "Item", Direction.PULL, depends_on=(Entity.ACCOUNT,), incremental="cdc"
        ),
        # CDC does not cover TaxCode: it is always pulled whole (a few rows).
        EntitySpec(Entity.TAX_RATE, "TaxCode", Direction.PULL, incremental="none"),
        EntitySpec(
            Entity.CONTACT,
            "Customer",
            Direction.PUSH,
            field_limits={
                "name": 500,
                "first_name": 100,
                "last_name": 100,
                "company_name": 100,
                "email": 100,
                "phone": 21,
                "address_line1": 500,
                "city": 255,
                "postal_code": 30,
            },
            required=("name",),
            batch_size=_PUSH_BATCH,
            incremental="cdc",
        ),
        EntitySpec(
            Entity.INVOICE,
            "Invoice",
            Direction.PUSH,
            depends_on=(Entity.CONTACT, Entity.ITEM),
            field_limits={"number": 21, "memo": 1000},
            required=("number", "contact_id", "issue_date", "lines"),
            batch_size=_PUSH_BATCH,
            incremental="cdc",
        ),
        EntitySpec(
            Entity.PAYMENT,
            "Payment",
            Direction.PUSH,
            depends_on=(Entity.CONTACT, Entity.INVOICE),
            field_limits={"reference": 21},
            required=("reference", "contact_id", "paid_on", "amount"),
            batch_size=_PUSH_BATCH,
            incremental="cdc",
        ),
        EntitySpec(
            Entity.CREDIT_NOTE,
            "CreditMemo",
            Direction.PUSH,
            depends_on=(Entity.CONTACT, Entity.ITEM, Entity.INVOICE),
            field_limits={"number": 21},
            required=("number", "contact_id", "issued_on", "lines"),
            batch_size=_PUSH_BATCH,
            incremental="cdc",
        ),
        # A write-off is a credit memo on the mapped Bad Debt item.
        EntitySpec(
            Entity.WRITE_OFF,
            "CreditMemo",
            Direction.PUSH,
            depends_on=(Entity.INVOICE,),
            required=("invoice_id", "contact_id", "amount"),
            batch_size=_PUSH_BATCH,
            incremental="none",
        ),
    )
    catalog = CATALOG
    limits = RateLimits(per_minute=500, concurrency=10, batch_per_minute=40)
    tokens = TokenLifetimes(
        access=timedelta(hours=1),
        refresh_idle=timedelta(days=100),
        refresh_grace=timedelta(hours=24),
        refresh_hard_cap=timedelta(days=5 * 365),
    )
    settings = (
        ProviderSetting("CLIENT_ID", "", "OAuth client id of the Intuit app."),
        ProviderSetting("CLIENT_SECRET", "", "OAuth client secret.", secret=True),
        ProviderSetting(
            "SANDBOX_URL",
            "",
            "Base URL of a running local sandbox; when set, every endpoint below points at it.",
        ),
        ProviderSetting("AUTHORIZE_URL", PROD["AUTHORIZE_URL"], "OAuth authorize endpoint."),
        ProviderSetting("TOKEN_URL", PROD["TOKEN_URL"], "OAuth token endpoint."),
        ProviderSetting("REVOKE_URL", PROD["REVOKE_URL"], "OAuth revoke endpoint."),
        ProviderSetting("USERINFO_URL", PROD["USERINFO_URL"], "OpenID userinfo endpoint."),
        ProviderSetting(
            "API_BASE",
            PROD["API_BASE"],
            "API base URL (https://sandbox-quickbooks.api.intuit.com for Intuit's sandbox).",
        ),
        ProviderSetting("WEB_APP_URL", DEFAULT_WEB_APP, "QBO web app, for record links."),
        ProviderSetting("MINOR_VERSION", 75, "minorversion sent on every API call (min 75)."),
        ProviderSetting(
            "WEBHOOK_VERIFIER", "", "Verifier token of the app's webhooks.", secret=True
        ),
    )
    webhook_signature_header = "intuit-signature"

    # --- configuration -----------------------------------------------------------------

    def endpoint(self, config: Mapping[str, Any], key: str) -> str:
        sandbox = str(self.config(config, "SANDBOX_URL") or "").rstrip("/")
        if sandbox:
            return sandbox + SANDBOX_PATHS[key]
        return str(self.config(config, key)).rstrip("/")

    def oauth(self, config: Mapping[str, Any]) -> OAuthSpec:
        return OAuthSpec(
            authorize_url=self.endpoint(config, "AUTHORIZE_URL"),
            token_url=self.endpoint(config, "TOKEN_URL"),
            revoke_url=self.endpoint(config, "REVOKE_URL"),
            userinfo_url=self.endpoint(config, "USERINFO_URL"),
            scopes=SCOPES,
            pkce=True,
            token_endpoint_auth_method="client_secret_basic",
        )

    # --- errors --------------------------------------------------------------------------

    def parse_error(
        self, status: int, text: str, kind: str, parsed: Any, headers: Mapping[str, str]
    ) -> ErrorInfo:
        return _parse_error(status, text, kind, parsed, headers)

    def diagnosis(self, code: str, message: str, status: int = 0) -> Diagnosis:
        """A diagnosis for an error found without a call (preflight, host checks)."""
        from sync_admin.providers import Diagnosis

        entry = self.catalog.get(code)
        return Diagnosis(
            entry=entry,
            status=status,
            message=message,
            facts=self.catalog.extract_facts(entry, message),
            body_kind="none",
        )

    def preflight(self, entity: Entity, record: Any, refs: Any) -> list[Diagnosis]:
        from .preflight import check

        return check(self, entity, record, refs)

    # --- client, sandbox, links -------------------------------------------------------------

    def build_client(self, context: ClientContext) -> Any:
        from .client import QuickBooksClient

        return QuickBooksClient(self, context)

    def sandbox_app(self, **options: Any) -> Any:
        from .sandbox import create_sandbox

        return create_sandbox(**options)

    def external_url(
        self, entity: Entity | str, external_id: str, provider_company_id: str
    ) -> str | None:
        path = WEB_PATHS.get(Entity(entity)) if entity in Entity._value2member_map_ else None
        if path is None or not external_id:
            return None
        base, sandbox = DEFAULT_WEB_APP, ""
        try:
            from flask import current_app, has_app_context

            if has_app_context():
                base = str(self.config(current_app.config, "WEB_APP_URL")).rstrip("/")
                sandbox = str(self.config(current_app.config, "SANDBOX_URL") or "").rstrip("/")
        except (KeyError, RuntimeError):
            pass
        from urllib.parse import quote

        link = path.format(id=quote(str(external_id), safe=""))
        if sandbox and base == DEFAULT_WEB_APP:  # the local sandbox serves the record's page
            sep = "&" if "?" in link else "?"
            return f"{sandbox}/app/{link}{sep}realmId={quote(str(provider_company_id), safe='')}"
        return f"{base}/app/{link}"

    # --- connect ----------------------------------------------------------------------------

    def fetch_account(
        self, http: Any, token: Mapping[str, Any], config: Mapping[str, Any]
    ) -> ExternalAccount:
        response = http.get(self.oauth(config).userinfo_url, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
        email = data.get("email") or ""
        name = " ".join(p for p in (data.get("givenName"), data.get("familyName")) if p)
        return ExternalAccount(
            label=email or name or "QuickBooks user", id=data.get("sub"), email=email
        )

    def list_companies(
        self,
        http: Any,
        token: Mapping[str, Any],
        callback_args: Mapping[str, str],
        config: Mapping[str, Any],
    ) -> list[ProviderCompanyInfo]:
        realm = str(callback_args.get("realmId") or "")
        if not realm:
            return []
        name = f"QuickBooks company {realm}"
        base = self.endpoint(config, "API_BASE")
        minor = self.config(config, "MINOR_VERSION")
        response = http.get(
            f"{base}/v3/company/{realm}/companyinfo/{realm}",
            params={"minorversion": minor},
            headers={"Accept": "application/json"},
        )
        currency = None
        if response.status_code == 200:
            info = response.json().get("CompanyInfo", {})
            name = info.get("CompanyName") or name
            currency = info.get("Currency") or None
        return [ProviderCompanyInfo(provider_company_id=realm, name=name, currency=currency)]

    # --- webhooks ---------------------------------------------------------------------------

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        """Both payload formats: legacy ``eventNotifications`` and CloudEvents arrays."""
        try:
            payload = json.loads(raw_body)
        except ValueError:
            return []
        events: list[WebhookEvent] = []
        if isinstance(payload, dict):
            for note in payload.get("eventNotifications") or []:
                realm = str(note.get("realmId", ""))
                for change in (note.get("dataChangeEvent") or {}).get("entities") or []:
                    events.append(
                        WebhookEvent(
                            event_id=f"{realm}:{change.get('name')}:{change.get('id')}:"
                            f"{change.get('lastUpdated')}",
                            provider_company_id=realm,
                            entity=str(change.get("name", "")),
                            external_id=str(change.get("id")) if change.get("id") else None,
                            operation=str(change.get("operation", "")),
                            occurred_at=_parse_time(change.get("lastUpdated")),
                        )
                    )
        elif isinstance(payload, list):
            for event in payload:
                if not isinstance(event, dict):
                    continue
                parts = str(event.get("type", "")).split(".")  # qbo.customer.created.v1
                events.append(
                    WebhookEvent(
                        event_id=str(event.get("id", "")),
                        provider_company_id=str(event.get("intuitaccountid", "")),
                        entity=parts[1] if len(parts) > 2 else "",
                        external_id=str(event.get("intuitentityid") or "") or None,
                        operation=parts[2] if len(parts) > 2 else "",
                        occurred_at=_parse_time(event.get("time")),
                    )
                )
        return events


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text[:26] + text[-6:] if "." in text else text)
    except ValueError:
        return None


provider = QuickBooksProvider()
