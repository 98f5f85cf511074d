"""Integrations (seed 000): a card per provider with its connection state."""

from __future__ import annotations

from flask_appbuilder import expose, has_access
from sqlalchemy import select

from .. import providers
from ..db import session
from ..models import Company, Connection
from ..vocabulary import ConnectionStatus
from .base import SyncView


class IntegrationsView(SyncView):
    route_base = "/sync-admin/integrations"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> str:
        connections = session.scalars(
            select(Connection)
            .where(Connection.status != ConnectionStatus.DISCONNECTED.value)
            .order_by(Connection.provider, Connection.connected_at)
        ).all()
        by_provider: dict[str, list[Connection]] = {}
        for conn in connections:
            by_provider.setdefault(conn.provider, []).append(conn)
        company_counts = {
            conn.id: session.query(Company).filter(Company.connection_id == conn.id).count()
            for conn in connections
        }
        return self.render(
            "sync_admin/integrations.html",
            providers=providers.all(),
            connections=by_provider,
            company_counts=company_counts,
        )
