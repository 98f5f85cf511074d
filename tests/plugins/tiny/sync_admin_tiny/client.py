"""Tiny Books' HTTP client: imported only when a client is built."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import requests

from sync_admin.providers import ClientContext, ProviderError, PushItem, PushOutcome
from sync_admin.records import Account, Item
from sync_admin.vocabulary import Entity

PATHS = {Entity.CONTACT: "/contacts", Entity.INVOICE: "/invoices", Entity.PAYMENT: "/payments"}


class TinyClient:
    def __init__(self, provider: Any, context: ClientContext) -> None:
        self.provider = provider
        self.context = context
        self.base = (
            f"{provider.config(context.config, 'BASE_URL')}/books/{context.provider_company_id}"
        )
        self.timeout = float(provider.config(context.config, "TIMEOUT"))
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        self.context.pacer.acquire()
        token = self.context.tokens.access_token()
        response = self.http.request(
            method,
            self.base + path,
            headers={"Authorization": f"Bearer {token}"},
            timeout=self.timeout,
            **kwargs,
        )
        self.context.pacer.observe(response.status_code, response.headers)
        if response.status_code >= 400:
            raise ProviderError(
                self.provider.diagnose(response.status_code, response.content, response.headers),
                body=response.text[:2000],
            )
        try:
            return response.json()
        except ValueError:
            raise ProviderError(
                self.provider.diagnose(response.status_code, response.content, response.headers),
                body=response.text[:2000],
            ) from None

    def pull(self, entity: Entity, since: Any) -> Iterator[list[Any]]:
        if entity == Entity.ITEM:
            rows = self._call("GET", "/items")
            yield [
                Item(
                    external_id=str(r["id"]),
                    name=r["name"],
                    active=r.get("active", True),
                    raw=r,
                )
                for r in rows
            ]
            return
        rows = self._call("GET", "/accounts")
        yield [
            Account(external_id=str(r["id"]), name=r["name"], code=r.get("code", "")) for r in rows
        ]

    def push(self, entity: Entity, items: Sequence[PushItem]) -> list[PushOutcome]:
        payload = [{"key": i.idempotency_key, **_payload(entity, i)} for i in items]
        answers = self._call("POST", PATHS[entity], json=payload)
        outcomes = []
        for item, answer in zip(items, answers, strict=True):
            if "error" in answer:
                status = int(answer.get("status", 400))
                diagnosis = self.provider.diagnose(status, json.dumps(answer["error"]))
                outcomes.append(
                    PushOutcome(item.local_id, False, diagnosis=diagnosis, body=json.dumps(answer))
                )
            else:
                outcomes.append(PushOutcome(item.local_id, True, external_id=str(answer["id"])))
        return outcomes


def _payload(entity: Entity, item: PushItem) -> dict[str, Any]:
    record: Any = item.record
    if entity == Entity.CONTACT:
        return {"name": record.name}
    if entity == Entity.INVOICE:
        return {
            "number": record.number,
            "contact": item.refs.external(Entity.CONTACT, record.contact_id),
            "lines": [
                {
                    "item": item.refs.mapping("fee_item", line.fee_item),
                    "description": line.description,
                    "amount": str(line.amount),
                }
                for line in record.lines
            ],
        }
    return {
        "contact": item.refs.external(Entity.CONTACT, record.contact_id),
        "amount": str(record.amount),
        "applications": [
            {"invoice": item.refs.external(Entity.INVOICE, a.invoice_id), "amount": str(a.amount)}
            for a in record.applications
        ],
    }
