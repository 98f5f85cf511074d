"""The Xero provider: what sync-admin core needs to know about Xero.

Endpoints, scopes, entities with Xero's field limits, rate limits, token
lifetimes and the error catalog are declared here; the HTTP client and the
sandbox are imported only when asked for (``build_client``, ``sandbox_app``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sync_admin.providers import (
    ClientContext,
    Diagnosis,
    EntitySpec,
    ErrorInfo,
    ExternalAccount,
    OAuthSpec,
    Provider,
    ProviderClient,
    ProviderCompanyInfo,
    ProviderSetting,
    RateLimits,
    TokenLifetimes,
    WebhookEvent,
)
from sync_admin.vocabulary import Direction, Entity

from . import errors
from .catalog import CATALOG
from .preflight import preflight

__all__ = ["ENTITIES", "SCOPES", "XeroProvider"]

SCOPES = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings",
)

# Xero's maxLength values (xero_accounting.yaml; provider_facts.md 7.1), by canonical field.
_CONTACT_LIMITS = {
    "name": 255,
    "first_name": 255,
    "last_name": 255,
    "email": 255,
    "phone": 50,
    "address_line1": 500,
    "city": 255,
    "postal_code": 50,
    "country": 50,
}
_BATCH = 50  # Xero recommends about 50 elements per request (3.5 MB cap).

ENTITIES = (
    EntitySpec(Entity.ACCOUNT, "Accounts", Direction.PULL, incremental="modified_since"),
    EntitySpec(Entity.ITEM, "Items", Direction.PULL, incremental="modified_since"),
    EntitySpec(Entity.TAX_RATE, "TaxRates", Direction.PULL),
    EntitySpec(Entity.CURRENCY, "Currencies", Direction.PULL),
    EntitySpec(
        Entity.CONTACT,
        "Contacts",
        Direction.PUSH,
        field_limits=_CONTACT_LIMITS,
        required=("name",),
        batch_size=_BATCH,
        incremental="modified_since",
    ),
    EntitySpec(
        Entity.INVOICE,
        "Invoices",
        Direction.PUSH,
        depends_on=(Entity.CONTACT,),
        field_limits={"number": 255, "memo": 255},
        required=("number", "contact_id", "currency"),
        batch_size=_BATCH,
        incremental="modified_since",
    ),
    EntitySpec(
        Entity.PAYMENT,
        "Payments",
        Direction.PUSH,
        depends_on=(Entity.INVOICE,),
        field_limits={"reference": 255},
        required=("contact_id", "amount", "currency"),
        batch_size=_BATCH,
        incremental="modified_since",
    ),
    EntitySpec(
        Entity.CREDIT_NOTE,
        "CreditNotes",
        Direction.PUSH,
        depends_on=(Entity.CONTACT, Entity.INVOICE),
        field_limits={"number": 255},
        required=("number", "contact_id", "currency"),
        batch_size=_BATCH,
        incremental="modified_since",
    ),
    EntitySpec(
        Entity.WRITE_OFF,
        "CreditNotes",
        Direction.PUSH,
        depends_on=(Entity.INVOICE,),
        required=("invoice_id", "amount"),
        batch_size=_BATCH,
    ),
    EntitySpec(
        Entity.RECONCILIATION,
        "Payments",
        Direction.PUSH,
        depends_on=(Entity.PAYMENT,),
        required=("payment_id", "amount"),
        batch_size=_BATCH,
    ),
)

# Links into Xero's web app (go.xero.com), per entity.
_WEB = "https://go.xero.com"
_LINKS = {
    Entity.CONTACT: "/Contacts/View/{id}",
    Entity.INVOICE: "/AccountsReceivable/View.aspx?InvoiceID={id}",
    Entity.CREDIT_NOTE: "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}",
    Entity.WRITE_OFF: "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}",
    Entity.PAYMENT: "/Bank/ViewTransaction.aspx?bankTransactionID={id}",
    Entity.RECONCILIATION: "/Bank/ViewTransaction.aspx?bankTransactionID={id}",
    Entity.ACCOUNT: "/GeneralLedger/ChartOfAccounts.aspx",
    Entity.ITEM: "/Accounts/Inventory/{id}",
    Entity.TAX_RATE: "/Setup/TaxRates.aspx",
    Entity.CURRENCY: "/Setup/Currencies.aspx",
}


class XeroProvider(Provider):
    name = "xero"
    label = "Xero"
    logo = "xero.svg"
    static_folder = Path(__file__).parent / "static"
    description = (
        "Xero accounting: contacts, sales invoices, payments, credit notes, reconciliation."
    )
    entities = ENTITIES
    catalog = CATALOG
    limits = RateLimits(per_minute=60, concurrency=5, per_day=5000, app_per_minute=10000)
    tokens = TokenLifetimes(
        access=timedelta(minutes=30),
        refresh_idle=timedelta(days=60),
        refresh_grace=timedelta(minutes=30),
    )
    settings = (
        ProviderSetting("CLIENT_ID", "sync-admin-sandbox", "OAuth client id of the Xero app."),
        ProviderSetting(
            "CLIENT_SECRET", "sync-admin-sandbox-secret", "OAuth client secret.", secret=True
        ),
        ProviderSetting(
            "LOGIN_URL",
            "https://login.xero.com",
            "Base URL of Xero's login server (authorize page); a sandbox URL in the demo.",
        ),
        ProviderSetting(
            "IDENTITY_URL",
            "https://identity.xero.com",
            "Base URL of Xero's identity server (token, revocation, userinfo).",
        ),
        ProviderSetting(
            "API_URL",
            "https://api.xero.com",
            "Base URL of Xero's API (/connections and /api.xro/2.0).",
        ),
        ProviderSetting("WEBHOOK_KEY", "", "Webhook signing key of the Xero app.", secret=True),
        ProviderSetting(
            "PAGE_SIZE", 100, "Records per page when pulling (Xero's default page is 100)."
        ),
    )
    webhook_signature_header = "x-xero-signature"
    choose_companies = True

    # --- configuration ------------------------------------------------------------

    def oauth(self, config: Mapping[str, Any]) -> OAuthSpec:
        login = str(self.config(config, "LOGIN_URL")).rstrip("/")
        identity = str(self.config(config, "IDENTITY_URL")).rstrip("/")
        return OAuthSpec(
            authorize_url=f"{login}/identity/connect/authorize",
            token_url=f"{identity}/connect/token",
            revoke_url=f"{identity}/connect/revocation",
            userinfo_url=f"{identity}/connect/userinfo",
            scopes=SCOPES,
        )

    def api_url(self, config: Mapping[str, Any]) -> str:
        return str(self.config(config, "API_URL")).rstrip("/")

    def accounting_url(self, config: Mapping[str, Any]) -> str:
        return f"{self.api_url(config)}/api.xro/2.0"

    def sandbox_config(self, url: str) -> dict[str, str]:
        """Configuration keys that point every Xero endpoint at one running sandbox."""
        return {
            self.setting_name("LOGIN_URL"): url,
            self.setting_name("IDENTITY_URL"): url,
            self.setting_name("API_URL"): url,
        }

    # --- errors -------------------------------------------------------------------------

    def parse_error(
        self, status: int, text: str, kind: str, parsed: Any, headers: Mapping[str, str]
    ) -> ErrorInfo:
        return errors.parse_error(status, text, kind, parsed, headers)

    # --- client, sandbox, links ----------------------------------------------------------

    def build_client(self, context: ClientContext) -> ProviderClient:
        from .client import XeroClient

        return XeroClient(self, context)

    def sandbox_app(self, **options: Any) -> Any:
        from .sandbox import create_sandbox

        return create_sandbox(**options)

    def external_url(
        self, entity: Entity | str, external_id: str, provider_company_id: str
    ) -> str | None:
        try:
            path = _LINKS[Entity(entity)]
        except (KeyError, ValueError):
            return None
        return _WEB + path.format(id=external_id)

    def preflight(self, entity: Entity, record: Any, refs: Any) -> list[Diagnosis]:
        return preflight(self, entity, record, refs)

    # --- connect ------------------------------------------------------------------------

    def fetch_account(
        self, http: Any, token: Mapping[str, Any], config: Mapping[str, Any]
    ) -> ExternalAccount:
        url = self.oauth(config).userinfo_url
        response = http.get(url, timeout=30)
        response.raise_for_status()
        data = response.json()
        name = " ".join(p for p in (data.get("given_name"), data.get("family_name")) if p)
        email = data.get("email")
        return ExternalAccount(
            label=email or name or str(data.get("sub", "Xero user")),
            id=str(data.get("xero_userid") or data.get("sub") or "") or None,
            email=email,
        )

    def list_companies(
        self,
        http: Any,
        token: Mapping[str, Any],
        callback_args: Mapping[str, str],
        config: Mapping[str, Any],
    ) -> list[ProviderCompanyInfo]:
        """The organisations of this grant (GET /connections); practices cannot sync.
        Each organisation's base currency comes from GET /Organisation (one call each)."""
        response = http.get(f"{self.api_url(config)}/connections", timeout=30)
        response.raise_for_status()
        companies = []
        for row in response.json():
            if str(row.get("tenantType", "ORGANISATION")).upper() != "ORGANISATION":
                continue
            companies.append(
                ProviderCompanyInfo(
                    provider_company_id=str(row["tenantId"]),
                    name=str(row.get("tenantName") or row["tenantId"]),
                    provider_connection_id=str(row["id"]),
                    currency=self._base_currency(http, str(row["tenantId"]), config),
                    kind="organisation",
                )
            )
        return companies

    def _base_currency(self, http: Any, tenant_id: str, config: Mapping[str, Any]) -> str | None:
        """Nice to have: an organisation Xero cannot describe right now is still offered."""
        try:
            answer = http.get(
                f"{self.accounting_url(config)}/Organisation",
                headers={"xero-tenant-id": tenant_id, "Accept": "application/json"},
                timeout=30,
            )
            if answer.status_code != 200:
                return None
            rows = answer.json().get("Organisations") or []
        except (OSError, ValueError, AttributeError):
            return None
        currency = rows[0].get("BaseCurrency") if rows and isinstance(rows[0], dict) else None
        return str(currency) if currency else None

    def disconnect(
        self, http: Any, token: Mapping[str, Any], company: Any, config: Mapping[str, Any]
    ) -> None:
        """DELETE /connections/{id}; a connection Xero no longer has counts as removed."""
        connection_id = getattr(company, "provider_connection_id", None)
        if not connection_id:
            return
        response = http.delete(f"{self.api_url(config)}/connections/{connection_id}", timeout=30)
        if response.status_code not in (200, 204, 404):
            response.raise_for_status()

    # --- webhooks -----------------------------------------------------------------------

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        """Events of a verified delivery; Xero sends ids only, the record is fetched later."""
        try:
            payload = json.loads(raw_body or b"{}")
        except ValueError:
            return []
        kinds = {"CONTACT": "contact", "INVOICE": "invoice", "CREDITNOTE": "credit_note"}
        events = []
        for event in payload.get("events", []) if isinstance(payload, dict) else []:
            entity = kinds.get(str(event.get("eventCategory", "")).upper())
            if entity is None or not event.get("tenantId"):
                continue
            events.append(
                WebhookEvent(
                    event_id=f"{event.get('resourceId')}:{event.get('eventDateUtc')}",
                    provider_company_id=str(event["tenantId"]),
                    entity=entity,
                    external_id=event.get("resourceId"),
                    operation=str(event.get("eventType", "UPDATE")).lower(),
                    occurred_at=_parse_time(event.get("eventDateUtc")),
                )
            )
        return events


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
