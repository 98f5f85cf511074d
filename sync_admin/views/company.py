"""The company page: connection and token state, mapping completeness, the
last runs as a timeline and 30 days of records synced and failed (an SVG drawn
on the server from ``sync_daily_stats``: no chart library, no CDN)."""

from __future__ import annotations

from typing import Any

from flask_appbuilder import expose, has_access

from ..db import session
from ..models import Connection
from ..queries.companies import daily_counts, mapping_completeness, token_state
from ..queries.runs import flag_of, recent_runs, run_flag
from ..services.runs import active_run
from .base import SyncView
from .common import company_or_404, provider_label


class CompanyView(SyncView):
    route_base = "/sync-admin/companies"
    default_view = "show"

    @expose("/<int:company_id>")
    @has_access
    def show(self, company_id: int) -> Any:
        company = company_or_404(company_id)
        connection = (
            session.get(Connection, company.connection_id) if company.connection_id else None
        )
        days = daily_counts(company.id)
        flag, latest = run_flag(company.id)
        return self.render(
            "sync_admin/company.html",
            company=company,
            connection=connection,
            token=token_state(connection),
            label=provider_label(company.provider),
            mappings=mapping_completeness(company),
            runs=recent_runs(company.id, 10),
            flag_of=flag_of,
            flag=flag,
            flag_run=latest,
            active=active_run(company.id),
            chart=_chart(days),
        )


def _chart(days: list) -> dict[str, Any]:
    """Bar geometry for the 30-day chart: synced and failed side by side per day."""
    width, height, pad = 720, 160, 20
    top = max([max(d.synced, d.failed) for d in days] + [1])
    slot = (width - pad) / len(days)
    bar = max(slot / 2 - 1, 1)
    bars = []
    for i, d in enumerate(days):
        x = pad + i * slot
        for offset, value, kind in ((0, d.synced, "synced"), (bar, d.failed, "failed")):
            h = (height - pad) * value / top
            bars.append(
                {
                    "x": round(x + offset, 1),
                    "y": round(height - pad - h, 1),
                    "w": round(bar, 1),
                    "h": round(h, 1),
                    "kind": kind,
                    "title": f"{d.day.isoformat()}: {value} {kind}",
                }
            )
    labels = [
        {"x": round(pad + i * slot, 1), "text": d.day.strftime("%d %b")}
        for i, d in enumerate(days)
        if i % 5 == 0
    ]
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "bars": bars,
        "labels": labels,
        "top": top,
        "days": days,
        "synced": sum(d.synced for d in days),
        "failed": sum(d.failed for d in days),
    }
