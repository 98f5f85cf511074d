"""The QuickBooks Online HTTP client the engine drives (``ProviderClient``).

Every call: the shared pacer first (``batch`` calls count against QBO's 40
batches a minute too), the current access token, ``minorversion``, JSON. Every
write carries a ``requestid`` so that a retried write is replayed by QBO, not
done twice. Pulls page with ``STARTPOSITION``/``MAXRESULTS`` (1000) or, for an
incremental pull within 30 days, use Change Data Capture. Pushes of several
records go through the batch endpoint (30 operations a request) and come back
one outcome per record, each fault classified by the catalog. The client never
refreshes tokens or sleeps itself: it raises ``ProviderError`` and the engine's
call policy decides.
"""

from __future__ import annotations

import hashlib
import json
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

from .faults import fault_errors
from .mapping import QBO_ENTITY, from_qbo, to_qbo

__all__ = ["CDC_WINDOW", "PAGE_SIZE", "QuickBooksClient"]

PAGE_SIZE = 1000  # MAXRESULTS ceiling
CDC_WINDOW = timedelta(days=30)
CDC_SAFETY = timedelta(hours=1)
CDC_MAX_OBJECTS = 1000  # stay clear of the edge of the window
# CDC does not cover TaxCode (reference/provider_facts.md 5.1).
NO_CDC = {"TaxCode"}
PULLED = {Entity.ACCOUNT, Entity.ITEM, Entity.TAX_RATE}


class QuickBooksClient:
    def __init__(self, provider: Any, context: ClientContext) -> None:
        self.provider = provider
        self.context = context
        base = provider.endpoint(context.config, "API_BASE")
        self.base = f"{base}/v3/company/{context.provider_company_id}"
        self.minor = provider.config(context.config, "MINOR_VERSION")
        self.http = requests.Session()
        self.calls = 0

    # --- transport -------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        kind: str = "call",
    ) -> dict[str, Any]:
        self.context.pacer.acquire(kind)
        token = self.context.tokens.access_token()
        self.calls += 1
        response = self.http.request(
            method,
            self.base + path,
            params={"minorversion": self.minor, **(params or {})},
            data=json.dumps(body) if body is not None else None,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
            timeout=self.context.timeout,
        )
        self.context.pacer.observe(response.status_code, response.headers)
        parsed: Any = None
        if response.status_code < 400:
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
        # A Fault inside a 200 is an error too (except per-item faults of a batch).
        if (
            response.status_code >= 400
            or not isinstance(parsed, dict)
            or "Fault" in parsed
            or "fault" in parsed
        ):
            raise ProviderError(
                self.provider.diagnose(response.status_code, response.content, response.headers),
                body=response.text[:4000],
            )
        return parsed

    def _query_pages(self, statement: str) -> Iterator[list[dict[str, Any]]]:
        entity = statement.split(" FROM ", 1)[1].split()[0]
        start = 1
        while True:
            answer = self._call(
                "GET",
                "/query",
                params={"query": f"{statement} STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"},
            )
            rows = answer.get("QueryResponse", {}).get(entity, [])
            if rows:
                yield rows
            if len(rows) < PAGE_SIZE:
                return
            start += PAGE_SIZE

    # --- pulls ---------------------------------------------------------------------------

    def pull(self, entity: Entity, since: datetime | None) -> Iterator[list[Any]]:
        """Reference data in pages: CDC when ``since`` is within 30 days, else every row."""
        name = QBO_ENTITY[Entity(entity)]
        if since is not None and name not in NO_CDC and self._cdc_usable(since):
            changes, _ = self.changed([entity], since)
            # CDC answers at most 1,000 objects: more changes than that need the full pull.
            if Entity(entity) in changes:
                records = [c.record for c in changes[Entity(entity)] if c.record is not None]
                if records:
                    yield records
                return
        # Active and inactive: an inactive item must reach the mapping screens as inactive.
        statement = f"SELECT * FROM {name} WHERE Active IN (true, false)"  # noqa: S608
        for rows in self._query_pages(statement):
            yield [from_qbo(Entity(entity), r) for r in rows]

    def _cdc_usable(self, since: datetime) -> bool:
        aware = since if since.tzinfo else since.replace(tzinfo=UTC)
        return datetime.now(UTC) - aware < CDC_WINDOW - CDC_SAFETY

    def changed(
        self, entities: Sequence[Entity], since: datetime
    ) -> tuple[dict[Entity, list[ProviderChange]], datetime]:
        """One CDC call for every entity; a cursor past 30 days raises with ``stale_cursor``.

        Entities CDC does not cover (TaxCode) are left out of the answer, and so is every
        entity when the answer reached CDC's 1,000-object cap (some changes are missing):
        the engine then pulls the reference entities whole.
        """
        started = datetime.now(UTC)
        aware = since if since.tzinfo else since.replace(tzinfo=UTC)
        names: dict[str, list[Entity]] = {}
        for e in entities:
            name = QBO_ENTITY[Entity(e)]
            if name not in NO_CDC:
                names.setdefault(name, []).append(Entity(e))
        if not names:
            return {}, started
        answer = self._call(
            "GET",
            "/cdc",
            params={"entities": ",".join(names), "changedSince": aware.isoformat()},
        )
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for block in answer.get("CDCResponse") or []:
            for response in block.get("QueryResponse") or []:
                for name, found in response.items():
                    if name in rows and isinstance(found, list):
                        rows[name].extend(r for r in found if isinstance(r, dict))
        if sum(map(len, rows.values())) >= CDC_MAX_OBJECTS:
            return {}, started
        changes: dict[Entity, list[ProviderChange]] = {}
        for name, wanted in names.items():
            for entity in wanted:
                changes[entity] = [_change(entity, row) for row in rows[name]]
        return changes, started

    # --- reads ---------------------------------------------------------------------------------

    def get(self, entity: Entity, external_id: str) -> dict[str, Any] | None:
        name = QBO_ENTITY[Entity(entity)]
        try:
            answer = self._call("GET", f"/{name.lower()}/{external_id}")
        except ProviderError as exc:
            if exc.diagnosis.category == "not_found" or exc.diagnosis.provider_code in (
                "610",
                "2030",
            ):
                return None
            raise
        return answer.get(name)

    def find(self, entity: Entity, text: str) -> list[dict[str, Any]]:
        """Records whose name (contacts) or number (transactions) matches ``text``."""
        name = QBO_ENTITY[Entity(entity)]
        if name == "Customer":
            statement = _select(name, "DisplayName", "LIKE", f"%{text}%")
        elif name in ("Account", "Item", "TaxCode"):
            statement = _select(name, "Name", "LIKE", f"%{text}%")
        elif name == "Payment":
            statement = _select(name, "PaymentRefNum", "=", text)
        else:
            statement = _select(name, "DocNumber", "=", text)
        answer = self._call("GET", "/query", params={"query": statement + " MAXRESULTS 100"})
        return list(answer.get("QueryResponse", {}).get(name, []))

    # --- pushes --------------------------------------------------------------------------------

    def push(self, entity: Entity, items: Sequence[PushItem]) -> list[PushOutcome]:
        name = QBO_ENTITY[Entity(entity)]
        if not items:
            return []
        payloads = [self._payload(item) for item in items]
        if len(items) == 1:
            return [self._push_one(name, items[0], payloads[0])]
        requests_ = [
            {
                "bId": str(index),
                "operation": "update" if item.external_id else "create",
                name: payload,
            }
            for index, (item, payload) in enumerate(zip(items, payloads, strict=True))
        ]
        answer = self._call(
            "POST",
            "/batch",
            params={"requestid": _batch_request_id(items)},
            body={"BatchItemRequest": requests_},
            kind="batch",
        )
        by_bid = {str(r.get("bId")): r for r in answer.get("BatchItemResponse") or []}
        outcomes = []
        for index, item in enumerate(items):
            reply = by_bid.get(str(index))
            if reply is None:
                diagnosis = self.provider.diagnose(200, b"")
                outcomes.append(PushOutcome(item.local_id, False, diagnosis=diagnosis, body=""))
            else:
                outcomes.append(self._outcome(name, item, reply))
        return outcomes

    def _payload(self, item: PushItem) -> dict[str, Any]:
        payload = to_qbo(item.record, item.refs)
        if item.external_id:
            version = item.external_version
            if version is None:
                current = self.get(item.record.entity, item.external_id)
                version = str(current["SyncToken"]) if current else "0"
            payload.update({"Id": item.external_id, "SyncToken": version, "sparse": True})
        return payload

    def _push_one(self, name: str, item: PushItem, payload: dict[str, Any]) -> PushOutcome:
        try:
            answer = self._call(
                "POST",
                f"/{name.lower()}",
                params={"requestid": item.idempotency_key[:50]},
                body=payload,
            )
        except ProviderError as exc:
            if exc.diagnosis.status == 400:  # the record's own error: an outcome, not a failure
                return PushOutcome(item.local_id, False, diagnosis=exc.diagnosis, body=exc.body)
            raise
        return self._outcome(name, item, answer)

    def _outcome(self, name: str, item: PushItem, reply: dict[str, Any]) -> PushOutcome:
        saved = reply.get(name)
        if isinstance(saved, dict) and saved.get("Id"):
            return PushOutcome(
                item.local_id,
                True,
                external_id=str(saved["Id"]),
                external_version=str(saved.get("SyncToken", "")) or None,
            )
        body = json.dumps({k: v for k, v in reply.items() if k != "bId"})
        diagnosis = self.provider.diagnose(400 if list(fault_errors(reply)) else 200, body)
        return PushOutcome(item.local_id, False, diagnosis=diagnosis, body=body[:4000])


def _change(entity: Entity, row: dict[str, Any]) -> ProviderChange:
    """A CDC row as a change: deleted rows carry only their Id; a voided transaction keeps
    its Id with zero amounts and "Voided" in its private note."""
    external_id = str(row.get("Id", ""))
    version = str(row["SyncToken"]) if row.get("SyncToken") is not None else None
    if row.get("status") == "Deleted":
        return ProviderChange(external_id, version, removed=True, status="Deleted")
    if str(row.get("PrivateNote") or "").startswith("Voided") and not row.get("TotalAmt"):
        return ProviderChange(external_id, version, removed=True, status="Voided")
    record = from_qbo(entity, row) if entity in PULLED else None
    active = row.get("Active", True) is not False
    return ProviderChange(external_id, version, status="" if active else "Inactive", record=record)


def _select(entity: str, field: str, op: str, value: str) -> str:
    """A QBO query (not SQL): the value is quoted with QBO's backslash escape."""
    quoted = value.replace("\\", "").replace("'", "\\'")
    return f"SELECT * FROM {entity} WHERE {field} {op} '{quoted}'"  # noqa: S608


def _batch_request_id(items: Sequence[PushItem]) -> str:
    """The same records with the same keys give the same id (a lost answer is replayed);
    QBO allows 36 characters for a batch's requestid."""
    digest = hashlib.sha256("|".join(i.idempotency_key for i in items).encode()).hexdigest()
    return digest[:36]
