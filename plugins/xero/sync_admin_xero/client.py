"""The Xero HTTP client the engine drives (``ProviderClient``).

Every call: the shared pacer first, the current access token, the organisation
in ``xero-tenant-id``, JSON; every answer's rate headers go back to the pacer
(``pacer.observe``). Pulls page through ``page``/``pageSize`` where Xero pages
and send ``If-Modified-Since`` for incremental pulls. Pushes go in batches:
creates with PUT, updates with POST, ``summarizeErrors=false`` so that each
element answers with its own ``StatusAttributeString`` and ``ValidationErrors``,
and an ``Idempotency-Key`` derived from the records' keys, so that a retried
request is replayed by Xero, never done twice. Xero cannot edit a payment: an
edited one is deleted and created again (``_replace_payment``). The client never refreshes
tokens or sleeps: it raises ``ProviderError`` and the engine's call policy
decides (429 included: the diagnosis carries ``Retry-After``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from sync_admin.providers import (
    ClientContext,
    ProviderChange,
    ProviderError,
    PushItem,
    PushOutcome,
)
from sync_admin.vocabulary import Entity

from .mapping import COLLECTION, ID_FIELD, allocation_target, from_xero, to_xero

__all__ = ["XeroClient"]

# Xero pages these collections (100 a page by default); the others answer in one list.
PAGED = {"Contacts", "Invoices", "Payments", "CreditNotes"}
MODIFIED_SINCE = {"Accounts", "Items", "Contacts", "Invoices", "Payments", "CreditNotes"}
_KEY_MAX = 128  # Idempotency-Key: "128 character max"


class XeroClient:
    def __init__(self, provider: Any, context: ClientContext) -> None:
        self.provider = provider
        self.context = context
        self.base = provider.accounting_url(context.config)
        self.page_size = int(provider.config(context.config, "PAGE_SIZE"))
        self.http = requests.Session()
        self.calls = 0
        self._item_codes: dict[str, str] | None = None

    # --- transport -----------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        allow: tuple[int, ...] = (),
    ) -> tuple[int, Any]:
        """(status, parsed JSON); raises ``ProviderError`` unless the status is fine or allowed."""
        self.context.pacer.acquire("call")
        token = self.context.tokens.access_token()
        sent = {
            "Authorization": f"Bearer {token}",
            "xero-tenant-id": self.context.provider_company_id,
            "Accept": "application/json",
            **(headers or {}),
        }
        if body is not None:
            sent["Content-Type"] = "application/json"
        if idempotency_key:
            sent["Idempotency-Key"] = idempotency_key
        self.calls += 1
        response = self.http.request(
            method,
            self.base + path,
            params=params,
            data=json.dumps(body) if body is not None else None,
            headers=sent,
            timeout=self.context.timeout,
        )
        self.context.pacer.observe(response.status_code, response.headers)
        parsed: Any = None
        if response.status_code < 300 or response.status_code in allow:
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
        allowed = response.status_code in allow and (
            isinstance(parsed, dict) or response.status_code == 404
        )
        if not allowed and (response.status_code >= 300 or not isinstance(parsed, dict)):
            raise ProviderError(
                self.provider.diagnose(response.status_code, response.content, response.headers),
                body=response.text[:4000],
            )
        if not isinstance(parsed, dict):
            parsed = {}
        return response.status_code, parsed

    # --- pulls -------------------------------------------------------------------------------

    def pull(self, entity: Entity, since: datetime | None) -> Iterator[list[Any]]:
        """Reference data (accounts, items, tax rates, currencies) in pages."""
        name = COLLECTION[Entity(entity)]
        for rows in self._pages(name, since):
            yield [from_xero(Entity(entity), row) for row in rows]

    def _pages(
        self, name: str, since: datetime | None, extra: dict[str, str] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        headers = {}
        if since is not None and name in MODIFIED_SINCE:
            aware = since if since.tzinfo else since.replace(tzinfo=UTC)
            headers["If-Modified-Since"] = aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if name not in PAGED:
            _, answer = self._call("GET", f"/{name}", params=extra, headers=headers)
            rows = answer.get(name) or []
            if rows:
                yield rows
            return
        page = 1
        while True:
            _, answer = self._call(
                "GET",
                f"/{name}",
                params={"page": page, "pageSize": self.page_size, **(extra or {})},
                headers=headers,
            )
            rows = answer.get(name) or []
            if rows:
                yield rows
            pagination = answer.get("pagination") or {}
            if len(rows) < self.page_size or page >= int(pagination.get("pageCount", page)):
                return
            page += 1

    def changed(
        self, entities: Sequence[Entity], since: datetime
    ) -> tuple[dict[Entity, list[ProviderChange]], datetime]:
        """Records changed in Xero since the cursor: one If-Modified-Since listing per entity
        (archived contacts included, so that archiving one is seen).

        If-Modified-Since counts whole seconds: the next cursor is the next whole second, and
        the listings start once it has come, so the next read neither misses a change nor
        reads back the writes of the second before (a burst of a run's own pushes)."""
        now = datetime.now(UTC)
        started = now.replace(microsecond=0) + timedelta(seconds=1)
        time.sleep((started - now).total_seconds())
        found: dict[Entity, list[ProviderChange]] = {}
        listed: dict[str, list[dict[str, Any]]] = {}
        for entity in entities:
            name = COLLECTION[Entity(entity)]
            if name not in listed:
                extra = {"includeArchived": "true"} if name == "Contacts" else None
                listed[name] = [row for rows in self._pages(name, since, extra) for row in rows]
            found[Entity(entity)] = [_change(Entity(entity), name, r) for r in listed[name]]
        return found, started

    # --- reads ---------------------------------------------------------------------------------

    def get(self, entity: Entity, external_id: str) -> dict[str, Any] | None:
        name = COLLECTION[Entity(entity)]
        if name in ("TaxRates", "Currencies", "Accounts", "Items") and name not in PAGED:
            for rows in self._pages(name, None):
                for row in rows:
                    if str(row.get(ID_FIELD[name])) == external_id:
                        return row
            return None
        status, answer = self._call("GET", f"/{name}/{external_id}", allow=(404,))
        if status == 404:
            return None
        rows = answer.get(name) or []
        return rows[0] if rows else None

    def find(self, entity: Entity, text: str) -> list[dict[str, Any]]:
        """Contacts by name or email (searchTerm); documents by number; reference data by name."""
        name = COLLECTION[Entity(entity)]
        if name == "Contacts":
            _, answer = self._call("GET", "/Contacts", params={"searchTerm": text, "page": 1})
            return list(answer.get(name) or [])
        if name == "Invoices":
            _, answer = self._call("GET", "/Invoices", params={"InvoiceNumbers": text, "page": 1})
            return list(answer.get(name) or [])
        wanted = text.lower()
        return [
            row
            for rows in self._pages(name, None)
            for row in rows
            if wanted
            in json.dumps(
                [
                    row.get("Name"),
                    row.get("Code"),
                    row.get("CreditNoteNumber"),
                    row.get("Reference"),
                ]
            ).lower()
        ]

    def item_codes(self) -> dict[str, str]:
        """ItemID to Code: lines name items by code, mappings hold ids (one call per client)."""
        if self._item_codes is None:
            self._item_codes = {
                str(row["ItemID"]): str(row.get("Code", ""))
                for rows in self._pages("Items", None)
                for row in rows
            }
        return self._item_codes

    # --- pushes --------------------------------------------------------------------------------

    def push(self, entity: Entity, items: Sequence[PushItem]) -> list[PushOutcome]:
        entity = Entity(entity)
        if not items:
            return []
        if entity == Entity.RECONCILIATION:
            return [self._reconcile(item) for item in items]
        codes = self.item_codes() if entity in _WITH_LINES else {}
        creates = [i for i in items if not i.external_id]
        updates = [i for i in items if i.external_id]
        outcomes: dict[str, PushOutcome] = {}
        if entity == Entity.PAYMENT:
            for item in updates:
                outcomes[item.local_id] = self._replace_payment(item)
            updates = []
        for method, group in (("PUT", creates), ("POST", updates)):
            if group:
                for outcome in self._batch(entity, method, group, codes):
                    outcomes[outcome.local_id] = outcome
        return [outcomes[item.local_id] for item in items]

    def _batch(
        self, entity: Entity, method: str, items: list[PushItem], codes: dict[str, str]
    ) -> list[PushOutcome]:
        name = COLLECTION[entity]
        id_field = ID_FIELD[name]
        elements = []
        for item in items:
            element = to_xero(entity, item, codes)
            if item.external_id:
                element[id_field] = item.external_id
            elements.append(element)
        _, answer = self._call(
            method,
            f"/{name}",
            params={"summarizeErrors": "false"},
            body={name: elements},
            idempotency_key=batch_key(method, name, items),
        )
        answered = answer.get(name) or []
        outcomes = []
        for index, item in enumerate(items):
            element = answered[index] if index < len(answered) else None
            outcome = self._outcome(entity, item, element, id_field)
            if entity == Entity.PAYMENT and outcome.ok:
                outcome.sent = _digest(elements[index])
            outcomes.append(outcome)
        return outcomes

    def _replace_payment(self, item: PushItem) -> PushOutcome:
        """An edited payment: Xero has no payment update (PUT and POST /Payments create,
        POST /Payments/{id} only deletes), so the old payment is deleted and the new version
        created. Nothing Xero holds changed: no call. Both calls' Idempotency-Keys derive
        from the record's key, which the ledger stored before the first call, so a retry
        after a crash between them replays the delete and finishes the create, once."""
        old = str(item.external_id)
        element = to_xero(Entity.PAYMENT, item, {})
        digest = _digest(element)
        unchanged = PushOutcome(
            item.local_id,
            True,
            external_id=old,
            external_version=item.external_version,
            sent=digest,
        )
        if item.sent == digest:
            return unchanged
        if item.sent is None:
            # A ledger row from before the digest was kept: compare with Xero's copy.
            current = self.get(Entity.PAYMENT, old)
            if current is not None and _same_payment(current, element):
                return unchanged
        refused = self._delete_payment(item, old)
        if refused is not None:
            return refused
        _, answer = self._call(
            "PUT",
            "/Payments",
            params={"summarizeErrors": "false"},
            body={"Payments": [element]},
            idempotency_key=_limit(f"{item.idempotency_key}:create"),
        )
        answered = answer.get("Payments") or [None]
        outcome = self._outcome(Entity.PAYMENT, item, answered[0], "PaymentID")
        outcome.replaced = old
        if outcome.ok:
            outcome.sent = digest
        return outcome

    def _delete_payment(self, item: PushItem, payment_id: str) -> PushOutcome | None:
        """Delete the old payment (None once it is deleted); Xero's refusal (reconciled:
        xero.already_reconciled) as the record's failed outcome."""
        status, answer = self._call(
            "POST",
            f"/Payments/{payment_id}",
            body={"Status": "DELETED"},
            idempotency_key=_limit(f"{item.idempotency_key}:delete"),
            allow=(400,),
        )
        if status != 400:
            return None
        current = self.get(Entity.PAYMENT, payment_id)
        if current is not None and current.get("Status") == "DELETED":
            return None  # an earlier attempt deleted it and its answer was lost
        body = json.dumps(answer)
        return PushOutcome(
            item.local_id, False, diagnosis=self.provider.diagnose(400, body), body=body[:4000]
        )

    def _outcome(self, entity: Entity, item: PushItem, element: Any, id_field: str) -> PushOutcome:
        if not isinstance(element, dict):
            return PushOutcome(
                item.local_id,
                False,
                diagnosis=self.provider.diagnose(502, b""),
                body="Xero's answer had no element for this record",
            )
        if element.get("StatusAttributeString", "OK") == "ERROR" or element.get("ValidationErrors"):
            return self._failed(item, element)
        external_id = str(element.get(id_field) or "")
        target = allocation_target(entity, item)
        if target is not None and not item.external_id:
            failed = self._allocate(item, external_id, *target)
            if failed is not None:
                return failed
            # The allocation changed the credit note again: its version is unknown.
            return PushOutcome(item.local_id, True, external_id=external_id)
        # UpdatedDateUTC of our own write: a later one is a change made in Xero.
        version = str(element.get("UpdatedDateUTC") or "") or None
        return PushOutcome(item.local_id, True, external_id=external_id, external_version=version)

    def _failed(self, item: PushItem, element: dict[str, Any]) -> PushOutcome:
        wrapped = {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [element],
        }
        body = json.dumps(wrapped)
        return PushOutcome(
            item.local_id, False, diagnosis=self.provider.diagnose(400, body), body=body[:4000]
        )

    def _allocate(
        self, item: PushItem, credit_id: str, invoice_id: str, amount: float
    ) -> PushOutcome | None:
        """Allocate a new credit note to its invoice; if Xero refuses, void the credit note
        so that a retry starts clean (a fresh credit note, never a second live one)."""
        _, answer = self._call(
            "PUT",
            f"/CreditNotes/{credit_id}/Allocations",
            params={"summarizeErrors": "false"},
            body={
                "Allocations": [
                    {
                        "Invoice": {"InvoiceID": invoice_id},
                        "Amount": amount,
                        "Date": datetime.now(UTC).date().isoformat(),
                    }
                ]
            },
            idempotency_key=_limit(f"{item.idempotency_key}:allocate"),
        )
        [allocation] = answer.get("Allocations") or [{}]
        if allocation.get("StatusAttributeString") != "ERROR" and not allocation.get(
            "ValidationErrors"
        ):
            return None
        outcome = self._failed(item, allocation)
        self._call(
            "POST",
            f"/CreditNotes/{credit_id}",
            body={"CreditNotes": [{"CreditNoteID": credit_id, "Status": "VOIDED"}]},
            idempotency_key=_limit(f"{item.idempotency_key}:void"),
        )
        return outcome

    def _reconcile(self, item: PushItem) -> PushOutcome:
        record: Any = item.record
        payment = item.refs.external(Entity.PAYMENT, record.payment_id) or ""
        status, answer = self._call(
            "POST",
            f"/Payments/{payment}",
            body=to_xero(Entity.RECONCILIATION, item, {}),
            idempotency_key=_limit(item.idempotency_key),
            allow=(400,),
        )
        if status == 400:
            body = json.dumps(answer)
            return PushOutcome(
                item.local_id, False, diagnosis=self.provider.diagnose(400, body), body=body[:4000]
            )
        return PushOutcome(item.local_id, True, external_id=payment)


_WITH_LINES = {Entity.INVOICE, Entity.CREDIT_NOTE, Entity.WRITE_OFF}
_PULLED = {Entity.ACCOUNT, Entity.ITEM, Entity.TAX_RATE, Entity.CURRENCY}
# Statuses that take a pushed record out of the books: Xero keeps the row but it no longer counts.
_REMOVED = {"DELETED", "VOIDED", "ARCHIVED"}


def _change(entity: Entity, name: str, row: dict[str, Any]) -> ProviderChange:
    """A listed row as a change; ``UpdatedDateUTC`` is its version."""
    external_id = str(row.get(ID_FIELD[name]) or "")
    version = str(row.get("UpdatedDateUTC") or "") or None
    if entity in _PULLED:
        return ProviderChange(external_id, version, record=from_xero(entity, row))
    status = str(row.get("ContactStatus") or row.get("Status") or "")
    return ProviderChange(external_id, version, removed=status in _REMOVED, status=status)


def _digest(element: dict[str, Any]) -> str:
    """What Xero holds of a pushed payment (invoice, account, date, amount, reference)."""
    return hashlib.sha256(json.dumps(element, sort_keys=True, default=str).encode()).hexdigest()


def _same_payment(current: dict[str, Any], element: dict[str, Any]) -> bool:
    """Xero's copy of a payment against the element that would be sent now."""
    raw = str(current.get("Date") or "")
    day = raw
    if raw.startswith("/Date("):
        millis = int(raw[6:].split("+")[0].split("-")[0].split(")")[0])
        day = datetime.fromtimestamp(millis / 1000, UTC).date().isoformat()
    return (
        current.get("Status") != "DELETED"
        and (current.get("Invoice") or {}).get("InvoiceID") == element["Invoice"]["InvoiceID"]
        and (current.get("Account") or {}).get("AccountID") == element["Account"]["AccountID"]
        and day[:10] == str(element["Date"])[:10]
        and round(float(current.get("Amount") or 0), 2) == round(float(element["Amount"]), 2)
        and (current.get("Reference") or "") == (element.get("Reference") or "")
    )


def batch_key(method: str, name: str, items: Sequence[PushItem]) -> str:
    """One Idempotency-Key for a batch: the same records with the same keys give the same key."""
    digest = hashlib.sha256(
        "\n".join([method, name, *sorted(i.idempotency_key for i in items)]).encode()
    ).hexdigest()
    return f"sync-admin-{digest}"


def _limit(key: str) -> str:
    if len(key) <= _KEY_MAX:
        return key
    return "sync-admin-" + hashlib.sha256(key.encode()).hexdigest()
