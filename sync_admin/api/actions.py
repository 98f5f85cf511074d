"""State-changing endpoints (seed 004): retry failed records, force a resync.

JWT or API key only (``SyncWriteApi``); both answer 202 with the runs they
started, or 409 when every company concerned is already syncing. The input is
checked whole before anything starts, and a bad field is a 400 naming it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response
from flask_appbuilder.api import expose, protect
from sqlalchemy import select

from ..db import session
from ..errors import ValidationError
from ..models import Company, Run, SyncResult
from ..services import records, resync
from ..services.resync import Started
from ..services.status import check_organization, check_provider
from ..vocabulary import Entity, RunKind
from .base import SyncWriteApi, api_actor, handle_errors, iso, json_body

__all__ = ["MAX_RECORD_IDS", "SyncActionsApi", "parse_sync_type"]

MAX_RECORD_IDS = 500

_PLURALS = {
    "accounts": Entity.ACCOUNT,
    "items": Entity.ITEM,
    "tax_rates": Entity.TAX_RATE,
    "currencies": Entity.CURRENCY,
    "contacts": Entity.CONTACT,
    "invoices": Entity.INVOICE,
    "payments": Entity.PAYMENT,
    "credit_notes": Entity.CREDIT_NOTE,
    "write_offs": Entity.WRITE_OFF,
    "reconciliations": Entity.RECONCILIATION,
}


def parse_sync_type(value: Any, field: str) -> Entity:
    """``contacts`` or ``contact`` -> ``Entity.CONTACT``; anything else names the field."""
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string such as 'contacts'", field=field)
    name = value.strip().lower()
    if name in _PLURALS:
        return _PLURALS[name]
    try:
        return Entity(name)
    except ValueError:
        known = ", ".join(_PLURALS)
        raise ValidationError(f"unknown sync type {value!r}; one of {known}", field=field) from None


def _record_ids(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise ValidationError("record_ids must be a non-empty list of ids", field="record_ids")
    if len(value) > MAX_RECORD_IDS:
        raise ValidationError(
            f"too many record_ids ({len(value)}); at most {MAX_RECORD_IDS} per request",
            field="record_ids",
        )
    ids = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValidationError(f"record id {item!r} is not an id", field="record_ids")
        try:
            number = int(item)
        except ValueError:
            raise ValidationError(f"record id {item!r} is not an id", field="record_ids") from None
        if number < 1 or number > 2**62:
            raise ValidationError(f"record id {item!r} does not exist", field="record_ids")
        ids.append(number)
    return list(dict.fromkeys(ids))


def _since(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError("since must be an ISO 8601 date or timestamp", field="since")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"since={value!r} is not an ISO 8601 date or timestamp", field="since"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed > datetime.now(UTC):
        raise ValidationError("since is in the future", field="since")
    return parsed


def _company_ids(provider: str, organization_id: int, value: Any) -> list[int]:
    owned = list(
        session.scalars(
            select(Company.id)
            .where(
                Company.organization_id == organization_id,
                Company.provider == provider,
                Company.linked.is_(True),
            )
            .order_by(Company.id)
        )
    )
    if value is None:
        if not owned:
            raise ValidationError(
                f"organization {organization_id} has no linked {provider} company",
                field="organization_id",
            )
        return owned
    if not isinstance(value, list) or not value or len(value) > MAX_RECORD_IDS:
        raise ValidationError(
            f"company_ids must be a list of 1 to {MAX_RECORD_IDS} ids", field="company_ids"
        )
    wanted = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item not in owned:
            raise ValidationError(
                f"company {item!r} is not a linked {provider} company of organization "
                f"{organization_id}",
                field="company_ids",
            )
        wanted.append(item)
    return list(dict.fromkeys(wanted))


def _run_dict(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "company_id": run.company_id,
        "kind": run.kind,
        "trigger": run.trigger,
        "status": run.status,
        "params": run.params or {},
        "created_at": iso(run.created_at),
    }


class SyncActionsApi(SyncWriteApi):
    route_base = "/api/v1/sync"
    openapi_spec_tag = "Sync actions"
    operate_methods = ("retry", "resync")

    def _started(self, started: Started) -> Response:
        body = {
            "runs": [_run_dict(r) for r in started.runs],
            "already_running": started.already_running,
            "skipped": [{"company_id": c, "reason": r} for c, r in started.skipped],
        }
        if started.runs:
            return self.response(202, **body)
        if started.already_running:
            return self.response(409, message="a sync is already running", **body)
        reasons = "; ".join(r for _, r in started.skipped) or "nothing to do"
        return self.response(400, message=f"no run started: {reasons}", field=None, **body)

    @expose("/<provider>/<int:organization_id>/retry", methods=["POST"])
    @protect()
    @handle_errors
    def retry(self, provider: str, organization_id: int) -> Response:
        """Retry failed records.
        ---
        post:
          summary: Retry failed sync records (seed 004); one retry run per company
          parameters:
          - {in: path, name: provider, required: true, schema: {type: string}}
          - {in: path, name: organization_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/RetryRequest'}
          responses:
            202:
              $ref: '#/components/responses/RunsStarted'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              $ref: '#/components/responses/AlreadyRunning'
        """
        check_provider(provider)
        check_organization(organization_id)
        body = json_body()
        entity = (
            parse_sync_type(body["sync_type"], "sync_type")
            if body.get("sync_type") is not None
            else None
        )
        ids = _record_ids(body.get("record_ids"))
        found = {
            r.id: r
            for r in session.execute(
                select(SyncResult.id, SyncResult.entity, Company.organization_id, Company.provider)
                .join(Company, Company.id == SyncResult.company_id)
                .where(SyncResult.id.in_(ids))
            )
        }
        foreign = [
            i
            for i in ids
            if i not in found
            or found[i].organization_id != organization_id
            or found[i].provider != provider
        ]
        if foreign:
            shown = ", ".join(str(i) for i in foreign[:10])
            raise ValidationError(
                f"record_ids not found in organization {organization_id} ({provider}): {shown}",
                field="record_ids",
            )
        if entity is not None:
            other = [i for i in ids if found[i].entity != entity.value]
            if other:
                shown = ", ".join(str(i) for i in other[:10])
                raise ValidationError(
                    f"record_ids that are not {entity.value} records: {shown}", field="record_ids"
                )
        return self._started(records.retry(ids, actor=api_actor()))

    @expose("/<provider>/<int:organization_id>/resync", methods=["POST"])
    @protect()
    @handle_errors
    def resync(self, provider: str, organization_id: int) -> Response:
        """Force a resync.
        ---
        post:
          summary: Resync the companies of an organisation (Force Full Resync, seed 004)
          parameters:
          - {in: path, name: provider, required: true, schema: {type: string}}
          - {in: path, name: organization_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ResyncRequest'}
          responses:
            202:
              $ref: '#/components/responses/RunsStarted'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              $ref: '#/components/responses/AlreadyRunning'
        """
        check_provider(provider)
        check_organization(organization_id)
        body = json_body()
        types = body.get("sync_types")
        if types is not None and (not isinstance(types, list) or len(types) > len(Entity)):
            raise ValidationError(
                "sync_types must be a list such as ['contacts', 'invoices']", field="sync_types"
            )
        entities = [parse_sync_type(t, "sync_types").value for t in types or []]
        since = _since(body.get("since"))
        companies = _company_ids(provider, organization_id, body.get("company_ids"))
        started = resync.resync_companies(
            companies,
            actor=api_actor(),
            kind=RunKind.RESYNC,
            entities=list(dict.fromkeys(entities)) or None,
            since=since,
        )
        return self._started(started)

    def add_apispec_components(self, api_spec: Any) -> None:
        super().add_apispec_components(api_spec)
        from apispec.exceptions import DuplicateComponentNameError

        for name, schema in SCHEMAS.items():
            try:
                api_spec.components.schema(name, schema)
            except DuplicateComponentNameError:
                continue
        for name, response in RESPONSES.items():
            try:
                api_spec.components.response(name, response)
            except DuplicateComponentNameError:
                continue


def _runs_started(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunsStarted"}}},
    }


# The answers retry and resync share: the runs they started, or that every company is busy.
RESPONSES: dict[str, dict[str, Any]] = {
    "RunsStarted": _runs_started("runs started"),
    "AlreadyRunning": _runs_started("every company concerned is already syncing"),
}

_SYNC_TYPE = {
    "type": "string",
    "description": "an entity, singular or plural: contacts, invoices, payments, ...",
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "RetryRequest": {
        "type": "object",
        "required": ["record_ids"],
        "properties": {
            "sync_type": _SYNC_TYPE,
            "record_ids": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_RECORD_IDS,
                "items": {"type": "integer", "minimum": 1},
                "description": "sync result ids (from the status errors or the results endpoint)",
            },
        },
    },
    "ResyncRequest": {
        "type": "object",
        "properties": {
            "sync_types": {"type": "array", "items": _SYNC_TYPE},
            "since": {"type": "string", "format": "date-time"},
            "company_ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
        },
    },
    "RunsStarted": {
        "type": "object",
        "required": ["runs", "already_running", "skipped"],
        "properties": {
            "message": {"type": "string"},
            "runs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "company_id": {"type": "integer"},
                        "kind": {"type": "string"},
                        "status": {"type": "string"},
                    },
                },
            },
            "already_running": {"type": "array", "items": {"type": "integer"}},
            "skipped": {"type": "array", "items": {"type": "object"}},
        },
    },
}
