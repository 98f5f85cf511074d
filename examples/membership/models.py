"""The membership-billing product's own tables (not the plugin's: no ``sync_`` prefix).

They use their own declarative base, so the plugin's migrations never see them;
``create_tables(engine)`` makes them in whatever database the host uses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "CreditNote",
    "FeeItem",
    "Invoice",
    "Member",
    "Organisation",
    "Payment",
    "PulledReference",
    "WriteOff",
    "create_tables",
]


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class Organisation(Base):
    """A customer of the membership product: one per linked accounting company."""

    __tablename__ = "mb_organisation"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3), default="USD")


class _Row:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_key: Mapped[str] = mapped_column(String(64), ForeignKey("mb_organisation.key"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Member(_Row, Base):
    __tablename__ = "mb_member"
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    company_name: Mapped[str] = mapped_column(String(255), default="")
    currency: Mapped[str] = mapped_column(String(3), default="")
    __table_args__ = (Index("ix_mb_member_org", "org_key", "updated_at", "id"),)


class FeeItem(Base):
    __tablename__ = "mb_fee_item"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_key: Mapped[str] = mapped_column(
        String(64), ForeignKey("mb_organisation.key"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(255))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    tax_rate: Mapped[str] = mapped_column(String(32), default="")


class Invoice(_Row, Base):
    __tablename__ = "mb_invoice"
    number: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[datetime] = mapped_column(Date)
    due_on: Mapped[datetime | None] = mapped_column(Date, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    memo: Mapped[str] = mapped_column(String(4000), default="")
    # [{"fee_item", "description", "quantity", "unit_price", "tax_rate"}]
    lines: Mapped[list] = mapped_column(JSON, default=list)
    __table_args__ = (Index("ix_mb_invoice_org", "org_key", "updated_at", "id"),)


class Payment(_Row, Base):
    __tablename__ = "mb_payment"
    reference: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[datetime] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    deposit_account: Mapped[str] = mapped_column(String(64), default="")
    # [{"invoice_id", "amount"}]
    applications: Mapped[list] = mapped_column(JSON, default=list)
    __table_args__ = (Index("ix_mb_payment_org", "org_key", "updated_at", "id"),)


class CreditNote(_Row, Base):
    __tablename__ = "mb_credit_note"
    number: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[datetime] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    applied_invoice_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lines: Mapped[list] = mapped_column(JSON, default=list)
    __table_args__ = (Index("ix_mb_credit_org", "org_key", "updated_at", "id"),)


class WriteOff(_Row, Base):
    __tablename__ = "mb_write_off"
    invoice_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    written_off_on: Mapped[datetime] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    fee_item: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(255), default="")
    __table_args__ = (Index("ix_mb_write_off_org", "org_key", "updated_at", "id"),)


class PulledReference(Base):
    """Accounts, items and tax rates the plugin pulled, as the host keeps them."""

    __tablename__ = "mb_pulled_reference"
    org_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def create_tables(engine: Engine) -> None:
    Base.metadata.create_all(engine)
