"""Builders for the membership product's rows (tests, the demo and the benchmark)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from . import models as m

__all__ = ["Books", "bulk_members"]


class Books:
    """Adds rows for one organisation, with steadily increasing ``updated_at``."""

    def __init__(self, db: Session, org_key: str, name: str = "", currency: str = "USD") -> None:
        self.db = db
        self.org = org_key
        self.currency = currency
        if db.get(m.Organisation, org_key) is None:
            db.add(m.Organisation(key=org_key, name=name or org_key, currency=currency))
            db.flush()
        self.clock = datetime.now(UTC) - timedelta(days=1)

    def _tick(self) -> datetime:
        self.clock += timedelta(milliseconds=1)
        return self.clock

    def fee_item(
        self, key: str, name: str, price: str, active: bool = True, tax_rate: str = ""
    ) -> m.FeeItem:
        row = m.FeeItem(
            key=key,
            org_key=self.org,
            name=name,
            price=Decimal(price),
            active=active,
            tax_rate=tax_rate,
        )
        self.db.add(row)
        return row

    def member(self, first: str, last: str, **values: Any) -> m.Member:
        row = m.Member(
            org_key=self.org, first_name=first, last_name=last, updated_at=self._tick(), **values
        )
        self.db.add(row)
        self.db.flush()
        return row

    def invoice(
        self,
        member: m.Member,
        number: str,
        lines: Iterable[tuple[str, str] | tuple[str, str, str]],
        **values: Any,
    ) -> m.Invoice:
        """lines: (fee item key, unit price[, description])."""
        row = m.Invoice(
            org_key=self.org,
            number=number,
            member_id=member.id,
            issued_on=values.pop("issued_on", date(2026, 11, 1)),
            due_on=values.pop("due_on", date(2026, 12, 1)),
            currency=values.pop("currency", self.currency),
            lines=[
                {
                    "fee_item": line[0],
                    "description": line[2] if len(line) > 2 else f"{line[0]} fee",
                    "quantity": 1,
                    "unit_price": line[1],
                }
                for line in lines
            ],
            updated_at=self._tick(),
            **values,
        )
        self.db.add(row)
        self.db.flush()
        return row

    def payment(
        self,
        member: m.Member,
        reference: str,
        applied: Iterable[tuple[m.Invoice, str]],
        **values: Any,
    ) -> m.Payment:
        applications = [{"invoice_id": inv.id, "amount": amount} for inv, amount in applied]
        row = m.Payment(
            org_key=self.org,
            reference=reference,
            member_id=member.id,
            paid_on=values.pop("paid_on", date(2026, 11, 15)),
            amount=Decimal(values.pop("amount", sum(Decimal(a["amount"]) for a in applications))),
            currency=values.pop("currency", self.currency),
            applications=applications,
            updated_at=self._tick(),
            **values,
        )
        self.db.add(row)
        self.db.flush()
        return row

    def credit_note(
        self, member: m.Member, number: str, lines: Iterable[tuple[str, str]], invoice: Any = None
    ) -> m.CreditNote:
        row = m.CreditNote(
            org_key=self.org,
            number=number,
            member_id=member.id,
            issued_on=date(2026, 11, 20),
            currency=self.currency,
            applied_invoice_id=invoice.id if invoice is not None else None,
            lines=[
                {"fee_item": k, "description": f"credit {k}", "quantity": 1, "unit_price": p}
                for k, p in lines
            ],
            updated_at=self._tick(),
        )
        self.db.add(row)
        self.db.flush()
        return row

    def write_off(
        self, member: m.Member, invoice: m.Invoice, amount: str, fee_item: str = ""
    ) -> m.WriteOff:
        row = m.WriteOff(
            org_key=self.org,
            invoice_id=invoice.id,
            member_id=member.id,
            written_off_on=date(2026, 11, 30),
            amount=Decimal(amount),
            currency=self.currency,
            fee_item=fee_item,
            reason="uncollectable",
            updated_at=self._tick(),
        )
        self.db.add(row)
        self.db.flush()
        return row

    def touch(self, row: Any, **values: Any) -> None:
        """Change a row the way the product does: fields, then ``updated_at``."""
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = datetime.now(UTC)
        self.db.flush()


def bulk_members(db: Session, org_key: str, count: int, chunk: int = 5000) -> None:
    """Many members fast (executemany), for the 100,000-record benchmark."""
    start = datetime.now(UTC) - timedelta(days=2)
    for offset in range(0, count, chunk):
        rows = [
            {
                "org_key": org_key,
                "first_name": "Member",
                "last_name": f"{i:07d}",
                "email": f"member{i}@example.org",
                "company_name": "",
                "currency": "",
                "updated_at": start + timedelta(microseconds=i),
            }
            for i in range(offset, min(count, offset + chunk))
        ]
        db.execute(insert(m.Member), rows)
    db.commit()
