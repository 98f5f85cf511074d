"""Read endpoints for diagnostics: status (seed 004) and the support bundle."""

from __future__ import annotations

import contextlib
import json

from flask import Response
from flask_appbuilder.api import expose, protect

from ..services.status import organization_status
from ..services.support_bundle import build_bundle, bundle_filename
from .base import SyncReadApi, api_actor, handle_errors

__all__ = ["StatusApi"]


class StatusApi(SyncReadApi):
    route_base = "/api/v1/sync"
    openapi_spec_tag = "Sync status"

    @expose("/<provider>/<int:organization_id>/status", methods=["GET"])
    @protect()
    @handle_errors
    def status(self, provider: str, organization_id: int) -> Response:
        """Sync status of one organisation's integration with one provider.
        ---
        get:
          summary: Sync status of an organisation with a provider (seed 004)
          parameters:
          - in: path
            name: provider
            required: true
            schema: {type: string}
            description: provider name, e.g. quickbooks or xero
          - in: path
            name: organization_id
            required: true
            schema: {type: integer}
          responses:
            200:
              description: >-
                connected, token_expires_at, last_sync, sync_status, pending_syncs,
                failed_syncs, errors (type, message, timestamp, catalog_code), per-company detail
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SyncStatus'}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        return self.response(200, **organization_status(provider, organization_id))

    @expose("/companies/<int:company_id>/support-bundle", methods=["GET"])
    @protect()
    @handle_errors
    def support_bundle(self, company_id: int) -> Response:
        """The support bundle of one company, as a JSON download.
        ---
        get:
          summary: Support bundle of a company (no tokens, secrets or bodies)
          parameters:
          - in: path
            name: company_id
            required: true
            schema: {type: integer}
          responses:
            200:
              description: organisation, company, connection and token state, runs, errors, mappings
              content:
                application/json:
                  schema: {type: object}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        bundle = build_bundle(company_id, actor=api_actor())
        return bundle_response(bundle)

    def add_apispec_components(self, api_spec: object) -> None:
        super().add_apispec_components(api_spec)  # type: ignore[arg-type]
        from apispec.exceptions import DuplicateComponentNameError

        with contextlib.suppress(DuplicateComponentNameError):
            api_spec.components.schema("SyncStatus", STATUS_SCHEMA)  # type: ignore[attr-defined]


def bundle_response(bundle: dict) -> Response:
    """The bundle as an attachment (the screen's download button uses this too)."""
    return Response(
        json.dumps(bundle, indent=2, sort_keys=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{bundle_filename(bundle)}"'},
    )


_NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}

STATUS_SCHEMA = {
    "type": "object",
    "required": [
        "connected",
        "token_expires_at",
        "last_sync",
        "sync_status",
        "pending_syncs",
        "failed_syncs",
        "errors",
        "companies",
    ],
    "properties": {
        "provider": {"type": "string"},
        "organization_id": {"type": "integer"},
        "organization": {"type": "string"},
        "connected": {"type": "boolean"},
        "needs_reconnect": {"type": "boolean"},
        "token_expires_at": _NULLABLE_TIME,
        "refresh_token_expires_at": _NULLABLE_TIME,
        "refresh_token_hard_expires_at": _NULLABLE_TIME,
        "last_sync": _NULLABLE_TIME,
        "sync_status": {
            "type": "string",
            "enum": ["healthy", "syncing", "degraded", "needs_reconnect", "disconnected"],
        },
        "pending_syncs": {"type": "integer", "minimum": 0},
        "failed_syncs": {"type": "integer", "minimum": 0},
        "catalog_codes": {"type": "object", "additionalProperties": {"type": "integer"}},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "message", "timestamp"],
                "properties": {
                    "type": {"type": "string"},
                    "message": {"type": "string"},
                    "timestamp": _NULLABLE_TIME,
                    "catalog_code": {"type": "string", "nullable": True},
                    "category": {"type": "string", "nullable": True},
                    "record_id": {"type": "integer"},
                    "company_id": {"type": "integer"},
                },
            },
        },
        "connections": {"type": "array", "items": {"type": "object"}},
        "companies": {"type": "array", "items": {"type": "object"}},
    },
}
