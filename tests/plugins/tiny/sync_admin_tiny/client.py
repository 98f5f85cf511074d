"""Tiny Books' HTTP client: imported only when a client is built."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import requests

from sync_admin.providers import ClientContext, ProviderError, PushItem, PushOutcome
from sync_admin.records import Account
from sync_admin.vocabulary import Entity


class TinyClient:
    def __init__(self, provider: Any, context: ClientContext) -> None:
        self.provider = provider
        self.context = context
        self.base = (
            f"{provider.config(context.config, 'BASE_URL')}/books/{context.provider_company_id}"
        )
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        self.context.pacer.acquire()
        token = self.context.tokens.access_token()
        response = self.http.request(
            method,
            self.base + path,
            headers={"Authorization": f"Bearer {token}"},
            timeout=self.context.timeout,
            **kwargs,
        )
        self.context.pacer.observe(response.status_code, response.headers)
        if response.status_code >= 400:
            raise ProviderError(
                self.provider.diagnose(response.status_code, response.content, response.headers),
                body=response.text[:2000],
            )
        return response.json()

    def pull(self, entity: Entity, since: Any) -> Iterator[list[Account]]:
        rows = self._call("GET", "/accounts")
        yield [
            Account(external_id=str(r["id"]), name=r["name"], code=r.get("code", "")) for r in rows
        ]

    def push(self, entity: Entity, items: Sequence[PushItem]) -> list[PushOutcome]:
        payload = [{"key": i.idempotency_key, "name": i.record.name} for i in items]
        answers = self._call("POST", "/contacts", json=payload)
        outcomes = []
        for item, answer in zip(items, answers, strict=True):
            if "error" in answer:
                diagnosis = self.provider.diagnose(400, json.dumps(answer["error"]))
                outcomes.append(
                    PushOutcome(item.local_id, False, diagnosis=diagnosis, body=str(answer))
                )
            else:
                outcomes.append(PushOutcome(item.local_id, True, external_id=str(answer["id"])))
        return outcomes
