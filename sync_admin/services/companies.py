"""Company and connection operations: unlink a company, change the token user."""

from __future__ import annotations

from flask import current_app

from ..db import session
from ..errors import NotFound, ValidationError
from ..models import Company, Connection
from ..vocabulary import CompanyStatus
from . import audit
from .runs import active_run

__all__ = ["unlink_company", "update_token_user"]


def unlink_company(company_id: int, *, actor: audit.Actor) -> Company:
    """Stop syncing a company; its logs and results stay for the record."""
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} does not exist", field="company_id")
    if active_run(company_id) is not None:
        raise ValidationError(
            f"{company.name} is syncing; wait for the run to finish, then unlink",
            field="company_id",
        )
    company.linked = False
    company.status = CompanyStatus.NEEDS_RESYNC.value
    audit.record(
        actor,
        "company.unlink",
        "company",
        company.id,
        organization_id=company.organization_id,
        company_id=company.id,
        details={"name": company.name, "provider": company.provider},
    )
    session.commit()
    return company


def update_token_user(connection_id: int, user_id: int, *, actor: audit.Actor) -> Connection:
    """The staff member whose grant the connection's token is (seed 000)."""
    connection = session.get(Connection, connection_id)
    if connection is None:
        raise NotFound(f"connection {connection_id} does not exist", field="connection_id")
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise ValidationError("choose a user", field="user_id") from None
    user = current_app.appbuilder.sm.get_user_by_id(user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist", field="user_id")
    previous = connection.token_user
    connection.token_user_id = user.id
    connection.token_user = user.username
    audit.record(
        actor,
        "connection.token_user",
        "connection",
        connection.id,
        organization_id=connection.organization_id,
        details={"user": user.username, "previous": previous},
    )
    session.commit()
    return connection
