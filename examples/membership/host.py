"""The membership product's host adapter: its rows as canonical records.

Records are streamed in keyset pages (``PAGE`` rows, one short transaction
each, ordered by ``(updated_at, id)``), so a 100,000-record full sync holds one
page in memory and never keeps a cursor open across the engine's commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync_admin import records as canon
from sync_admin.vocabulary import Entity

from . import models as m

__all__ = ["MembershipHost"]

PAGE = 500

_MODELS: dict[Entity, Any] = {
    Entity.CONTACT: m.Member,
    Entity.INVOICE: m.Invoice,
    Entity.PAYMENT: m.Payment,
    Entity.CREDIT_NOTE: m.CreditNote,
    Entity.WRITE_OFF: m.WriteOff,
}


class MembershipHost:
    """Implements ``sync_admin.host.HostAdapter`` over the ``mb_*`` tables."""

    def __init__(self, engine: Any = None, base_url: str = "/membership") -> None:
        self._engine = engine
        self.base_url = base_url

    @property
    def engine(self) -> Any:
        if self._engine is not None:
            return self._engine
        from sync_admin.db import get_db

        return get_db().engine

    def companies(self, organization_key: str) -> list[Any]:
        with Session(self.engine) as db:
            return list(db.scalars(select(m.Organisation).order_by(m.Organisation.name)))

    def records(
        self, company_key: str, entity: Entity, since: datetime | None
    ) -> Iterator[canon.PushRecord]:
        model = _MODELS.get(Entity(entity))
        if model is None:
            return
        after: tuple[datetime, int] | None = None
        while True:
            stmt = select(model).where(model.org_key == company_key)
            if since is not None:
                stmt = stmt.where(model.updated_at > since)
            if after is not None:
                stmt = stmt.where(tuple_(model.updated_at, model.id) > after)
            stmt = stmt.order_by(model.updated_at, model.id).limit(PAGE)
            with Session(self.engine) as db:
                rows = list(db.scalars(stmt))
                page = [self._canonical(db, entity, row) for row in rows]
            if not rows:
                return
            yield from page
            after = (rows[-1].updated_at, rows[-1].id)

    def record(self, company_key: str, entity: Entity, local_id: str) -> canon.PushRecord | None:
        model = _MODELS.get(Entity(entity))
        if model is None:
            return None
        with Session(self.engine) as db:
            row = db.get(model, int(local_id))
            if row is None or row.org_key != company_key:
                return None
            return self._canonical(db, entity, row)

    def receive(self, company_key: str, entity: Entity, records: list[Any]) -> None:
        if not records:
            return
        with Session(self.engine) as db:
            dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
            stmt = dialect.insert(m.PulledReference).values(
                [
                    {
                        "org_key": company_key,
                        "entity": str(entity),
                        "external_id": str(r.external_id),
                        "name": (r.name or "")[:255],
                        "active": bool(getattr(r, "active", True)),
                    }
                    for r in records
                ]
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["org_key", "entity", "external_id"],
                set_={"name": stmt.excluded.name, "active": stmt.excluded.active},
            )
            db.execute(stmt)
            db.commit()

    def record_url(self, entity: Entity, local_id: str) -> str | None:
        return f"{self.base_url}/{entity}/{local_id}"

    def blueprint(self) -> Any:
        """The product's read-only record pages at ``base_url``, where ``record_url``
        leads; the standalone admin registers them (``sync_admin.create_app``)."""
        from .pages import blueprint

        return blueprint(lambda: self.engine, self.base_url)

    def mapping_choices(self, company_key: str, kind: str) -> list[tuple[str, str]]:
        with Session(self.engine) as db:
            if kind == "fee_item":
                rows = db.scalars(
                    select(m.FeeItem)
                    .where(m.FeeItem.org_key == company_key)
                    .order_by(m.FeeItem.key)
                )
                return [(f.key, f.name) for f in rows]
            if kind == "bad_debt":
                # A write-off books to its fee item's Bad Debt mapping, else to "default".
                fees = db.scalars(
                    select(m.FeeItem)
                    .where(m.FeeItem.org_key == company_key)
                    .order_by(m.FeeItem.key)
                )
                return [("default", "Bad debt (any fee item)")] + [
                    (f.key, f"Bad debt: {f.name}") for f in fees
                ]
            if kind == "tax_rate":
                codes = db.scalars(
                    select(m.FeeItem.tax_rate).where(
                        m.FeeItem.org_key == company_key, m.FeeItem.tax_rate != ""
                    )
                )
                return [(c, c) for c in sorted(set(codes))]
        if kind == "account":
            return [("bank", "Bank deposits"), ("income", "Membership income")]

        return []

    # --- rows to canonical records ------------------------------------------------

    def _canonical(self, db: Session, entity: Entity, row: Any) -> canon.PushRecord:
        entity = Entity(entity)
        if entity == Entity.CONTACT:
            name = f"{row.first_name} {row.last_name}".strip()
            return canon.Contact(
                local_id=str(row.id),
                name=name,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                company_name=row.company_name,
                currency=row.currency,
                updated_at=row.updated_at,
            )
        if entity == Entity.INVOICE:
            return canon.Invoice(
                local_id=str(row.id),
                number=row.number,
                contact_id=str(row.member_id),
                issue_date=row.issued_on,
                due_date=row.due_on,
                currency=row.currency,
                lines=_lines(row.lines),
                memo=row.memo,
                updated_at=row.updated_at,
            )
        if entity == Entity.PAYMENT:
            return canon.Payment(
                local_id=str(row.id),
                reference=row.reference,
                contact_id=str(row.member_id),
                paid_on=row.paid_on,
                amount=Decimal(row.amount),
                currency=row.currency,
                applications=[
                    canon.PaymentApplication(str(a["invoice_id"]), Decimal(str(a["amount"])))
                    for a in row.applications
                ],
                deposit_account=row.deposit_account,
                updated_at=row.updated_at,
            )
        if entity == Entity.CREDIT_NOTE:
            return canon.CreditNote(
                local_id=str(row.id),
                number=row.number,
                contact_id=str(row.member_id),
                issued_on=row.issued_on,
                currency=row.currency,
                lines=_lines(row.lines),
                applied_invoice_id=str(row.applied_invoice_id or ""),
                updated_at=row.updated_at,
            )
        return canon.WriteOff(
            local_id=str(row.id),
            invoice_id=str(row.invoice_id),
            contact_id=str(row.member_id),
            written_off_on=row.written_off_on,
            amount=Decimal(row.amount),
            currency=row.currency,
            fee_item=row.fee_item,
            reason=row.reason,
            updated_at=row.updated_at,
        )


def _lines(raw: list[dict[str, Any]]) -> list[canon.InvoiceLine]:
    return [
        canon.InvoiceLine(
            fee_item=line["fee_item"],
            description=line.get("description", ""),
            quantity=Decimal(str(line.get("quantity", 1))),
            unit_price=Decimal(str(line["unit_price"])),
            tax_rate=line.get("tax_rate", ""),
            account=line.get("account", ""),
        )
        for line in raw
    ]
