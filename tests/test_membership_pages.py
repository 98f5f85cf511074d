"""The demo host's record pages: the local id links of Sync Results open them, they link
a record to its member and documents, and the product's text is escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import login, tiny_config
from flask import Flask
from sqlalchemy.orm import Session

from examples.membership import create_tables
from examples.membership.data import Books
from examples.membership.models import Base
from sync_admin.db import get_db
from sync_admin.vocabulary import Entity


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {**tiny_config(request), "SYNC_ADMIN_HOST_ADAPTER": "examples.membership:adapter"}


@pytest.fixture
def rows(app: Flask) -> Iterator[dict[str, int]]:
    with app.app_context():
        engine = get_db().engine
        Base.metadata.drop_all(engine)
        create_tables(engine)
        with Session(engine) as db:
            books = Books(db, "acme", "Acme <i>Club</i>")
            ann = books.member("Ann", "<script>alert(1)</script>", email="ann@example.org")
            books.fee_item("dues", "Annual dues", "150.00")
            invoice = books.invoice(ann, "INV-1", [("dues", "150.00", "Dues <b>2026</b>")])
            payment = books.payment(ann, "PAY-1", [(invoice, "100.00")])
            credit = books.credit_note(ann, "CN-1", [("dues", "10.00")], invoice)
            write_off = books.write_off(ann, invoice, "40.00", fee_item="dues")
            db.commit()
            yield {
                "contact": ann.id,
                "invoice": invoice.id,
                "payment": payment.id,
                "credit_note": credit.id,
                "write_off": write_off.id,
            }


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="(/membership/[a-z_]+/\d+)"', html))


def test_every_record_url_opens_a_page_linked_to_its_neighbours(
    app: Flask, client: Any, rows: dict[str, int]
) -> None:
    login(client, "viewer")
    host = app.extensions["sync_admin"].host_adapter
    pages = {}
    for entity, local_id in rows.items():
        url = host.record_url(Entity(entity), str(local_id))
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[entity] = response.get_data(as_text=True)
    member = f"/membership/contact/{rows['contact']}"
    invoice = f"/membership/invoice/{rows['invoice']}"
    assert _links(pages["contact"]) >= {
        invoice,
        f"/membership/payment/{rows['payment']}",
        f"/membership/credit_note/{rows['credit_note']}",
        f"/membership/write_off/{rows['write_off']}",
    }
    assert _links(pages["invoice"]) >= {
        member,
        f"/membership/payment/{rows['payment']}",
        f"/membership/credit_note/{rows['credit_note']}",
        f"/membership/write_off/{rows['write_off']}",
    }
    for entity in ("payment", "credit_note", "write_off"):
        assert _links(pages[entity]) >= {member, invoice}, entity
    assert "INV-1" in pages["invoice"] and "PAY-1" in pages["payment"]


def test_the_products_text_is_escaped(client: Any, rows: dict[str, int]) -> None:
    login(client, "viewer")
    contact = client.get(f"/membership/contact/{rows['contact']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in contact
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in contact
    assert "Acme &lt;i&gt;Club&lt;/i&gt;" in contact
    invoice = client.get(f"/membership/invoice/{rows['invoice']}").get_data(as_text=True)
    assert "Dues &lt;b&gt;2026&lt;/b&gt;" in invoice


def test_unknown_records_and_entities_are_not_found(client: Any, rows: dict[str, int]) -> None:
    login(client, "viewer")
    assert client.get("/membership/contact/999999").status_code == 404
    assert client.get(f"/membership/account/{rows['contact']}").status_code == 404
    assert client.get("/membership/contact/abc").status_code == 404
