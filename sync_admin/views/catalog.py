"""Error catalog: every provider's known errors (and core's own), searchable."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder import expose, has_access

from .. import providers
from ..errors import ValidationError
from ..queries.catalog import search_entries
from ..queries.filters import parse_text
from .base import SyncView


class CatalogView(SyncView):
    route_base = "/sync-admin/catalog"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        names = ["sync_admin", *(p.name for p in providers.all())]
        try:
            q = parse_text(request.args, "q", "Search")
            provider = (request.args.get("provider") or "").strip() or None
            if provider and provider not in names:
                raise ValidationError(
                    f"Provider must be one of {', '.join(names)}, not {provider!r}.", "provider"
                )
        except ValidationError as exc:
            return self.render("sync_admin/catalog.html", entries=[], names=names, error=exc), 400
        labels = {p.name: p.label for p in providers.all()} | {
            "sync_admin": "Checks before sending"
        }
        return self.render(
            "sync_admin/catalog.html",
            entries=search_entries(q, provider),
            names=names,
            labels=labels,
            q=q or "",
            provider=provider or "",
        )
