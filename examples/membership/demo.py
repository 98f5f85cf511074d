"""The demo's club: ordinary members and documents, plus one case of every error the
product documents (seeds 002-004) against the sandboxes.

``build_club(db, key, name, currency, extras)`` fills one organisation; the returned
``Cases`` names the rows that must fail (or wait), so tests can check each one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from .data import Books

__all__ = ["FEE_ITEMS", "Cases", "build_club"]

FIRST = ["Ann", "Bob", "Carla", "Dev", "Erin", "Farid", "Grace", "Hugo", "Ines", "Jon",
         "Kemi", "Luis", "Mara", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara"]  # fmt: skip
LAST = ["Adams", "Brook", "Chen", "Diaz", "Evans", "Fox", "Gill", "Hart", "Iqbal", "Jones",
        "Khan", "Lopez", "Moss", "Nagy", "Owen", "Park", "Reid", "Shah", "Tran", "Vega"]  # fmt: skip

# (host key, name, price); "merch" is never mapped, "oldstock" is mapped to an item the
# provider has made inactive.
FEE_ITEMS = [
    ("dues", "Annual dues", "150.00"),
    ("events", "Event ticket", "45.00"),
    ("sponsor", "Sponsorship", "500.00"),
    ("late", "Late fee", "25.00"),
    ("merch", "Club merchandise", "20.00"),
    ("oldstock", "Old merchandise", "10.00"),
]


@dataclass
class Cases:
    """Host rows (entity, local id) expected to end failed or skipped, by error."""

    failed: dict[str, tuple[str, str]] = field(default_factory=dict)
    skipped: dict[str, tuple[str, str]] = field(default_factory=dict)
    good_invoices: int = 0
    # Errors that need the first sync done: a provider's user changes its copy (deletes,
    # reconciles), the club changes the record, and the second sync fails on it.
    later: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Synced invoices nothing else uses, left for those cases: unpaid ones, and paid ones
    # with the payment that paid them (invoice id, payment id).
    unpaid: list[str] = field(default_factory=list)
    paid: list[tuple[str, str]] = field(default_factory=list)
    # The front desk's payment (invoice id, payment id), failed on the first sync for its
    # unmapped deposit account.
    front_desk: tuple[str, str] | None = None


def build_club(
    db: Session,
    key: str,
    name: str,
    currency: str = "USD",
    *,
    members: int = 30,
    taken_name: str | None = "Pam Seitz",
    skip: frozenset[str] = frozenset(),
    invalid_account: bool = False,
    tax_rate_mismatch: bool = False,
    foreign_currency: str | None = None,
    seed: int = 7,
    documented_errors: bool = True,
) -> Cases:
    rng = random.Random(seed)
    books = Books(db, key, name, currency)
    for host_key, label, price in FEE_ITEMS:
        books.fee_item(host_key, label, price)
    cases = Cases()
    people = []
    for i in range(members):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        people.append(books.member(first, last, email=f"{first}.{last}{i}@example.org".lower()))
    invoices = []
    for i, person in enumerate(people):
        lines = [("dues", "150.00")] + ([("events", "45.00")] if i % 3 == 0 else [])
        invoices.append(books.invoice(person, f"{key[:3].upper()}-{1000 + i}", lines))
    paid = {}
    for i, (person, invoice) in enumerate(zip(people, invoices, strict=True)):
        if i % 2 == 0:
            total = "195.00" if i % 3 == 0 else "150.00"
            paid[i] = books.payment(person, f"P-{key[:3].upper()}-{i}", [(invoice, total)],
                                    deposit_account="bank")  # fmt: skip
    cases.good_invoices = len(invoices)
    cases.paid = [(str(invoices[i].id), str(paid[i].id)) for i in sorted(paid) if i % 3 == 0]
    desk = invoices[21] if len(invoices) > 21 else None  # paid at the front desk, below
    cases.unpaid = [
        str(inv.id) for i, inv in enumerate(invoices) if i % 2 == 1 and i > 15 and inv is not desk
    ]
    if not documented_errors:  # a club with ordinary records only
        db.commit()
        return cases
    # --- one of each documented error -------------------------------------------------
    # A name the provider already has: a QuickBooks vendor, or (None) another member's.
    first, last = (taken_name or f"{people[0].first_name} {people[0].last_name}").split(" ", 1)
    vendor = books.member(first, last, email="same.name@example.org")
    cases.failed["contact whose name is taken"] = ("contact", str(vendor.id))
    vendor_invoice = books.invoice(vendor, f"{key[:3].upper()}-V1", [("dues", "150.00")])
    cases.skipped["invoice of a contact that failed"] = ("invoice", str(vendor_invoice.id))
    long_name = books.member("Maximiliana-" + "Konstantinopolitanische" * 4, "Long")
    cases.failed["field over the provider's limit"] = ("contact", str(long_name.id))
    a, b = people[1], people[2]
    unmapped = books.invoice(a, f"{key[:3].upper()}-2001", [("merch", "20.00")])
    cases.failed["unmapped fee item"] = ("invoice", str(unmapped.id))
    inactive = books.invoice(b, f"{key[:3].upper()}-2002", [("oldstock", "10.00")])
    cases.failed["inactive fee item"] = ("invoice", str(inactive.id))
    taken = books.invoice(b, invoices[1].number, [("late", "25.00")])
    cases.failed["invoice number used by another customer"] = ("invoice", str(taken.id))
    too_long = books.invoice(a, f"{key.upper()}-INVOICE-NUMBER-TOO-LONG", [("late", "25.00")])
    cases.failed["invoice number over the limit"] = ("invoice", str(too_long.id))
    orphan = books.payment(a, f"P-{key[:3].upper()}-ORPHAN", [(unmapped, "15.00")],
                           deposit_account="bank")  # fmt: skip
    cases.skipped["payment for an invoice that never synced"] = ("payment", str(orphan.id))
    credit = books.credit_note(a, f"C-{key[:3].upper()}-1", [("late", "5.00")], unmapped)
    cases.skipped["credit for a missing invoice"] = ("credit_note", str(credit.id))
    over = books.payment(people[3], f"P-{key[:3].upper()}-OVER", [(invoices[3], "250.00")],
                         amount="150.00", deposit_account="bank")  # fmt: skip
    cases.failed["over-payment"] = ("payment", str(over.id))
    other = books.payment(people[5], f"P-{key[:3].upper()}-OTHER", [(invoices[7], "150.00")],
                          deposit_account="bank")  # fmt: skip
    cases.failed["payment for another customer's invoice"] = ("payment", str(other.id))
    extra = books.invoice(people[4], f"{key[:3].upper()}-2004", [("late", "25.00")])
    twice = books.payment(people[4], f"P-{key[:3].upper()}-4", [(extra, "25.00")],
                          deposit_account="bank")  # fmt: skip
    cases.failed["payment reference used twice"] = ("payment", str(twice.id))
    unpaid = [inv for i, inv in enumerate(invoices) if i % 2 == 1]
    w1 = books.write_off(people[11], unpaid[5], "150.00", fee_item="dues")
    cases.failed["write-off whose Bad Debt item has no income account"] = ("write_off", str(w1.id))
    w2 = books.write_off(people[13], unpaid[6], "45.00", fee_item="events")
    cases.failed["write-off with no Bad Debt mapping"] = ("write_off", str(w2.id))
    # Paid into the club's cash box, an account nobody mapped (seed 004: "Bank account not
    # mapped"; QuickBooks words it as its own "No account mapped").
    cash = books.payment(people[15], f"P-{key[:3].upper()}-CASH", [(unpaid[7], "195.00")],
                         deposit_account="cash")  # fmt: skip
    cases.failed["payment into a bank account that is not mapped"] = ("payment", str(cash.id))
    if desk is not None:
        # Taken at the front desk into an account staff have not mapped yet; on the demo's
        # second day they map it and retry (cases.front_desk).
        paid_desk = books.payment(people[21], f"P-{key[:3].upper()}-DESK", [(desk, "195.00")],
                                  deposit_account="desk")  # fmt: skip
        cases.failed["payment into the front desk account, not mapped yet"] = (
            "payment",
            str(paid_desk.id),
        )
        cases.front_desk = (str(desk.id), str(paid_desk.id))
    # A member imported with an e-mail address only (seeds 003 and 004: a required field
    # is empty).
    nameless = books.member("", "", email="no.name@example.org")
    cases.failed["contact with no name"] = ("contact", str(nameless.id))
    if tax_rate_mismatch:
        # The late fee charged with the club's VAT rate, which staff mapped to the provider's
        # VAT on expenses: a rate sales lines may not use (seed 004).
        vat = books.invoice(people[9], f"{key[:3].upper()}-VAT1", [("late", "25.00")])
        vat.lines = [{**vat.lines[0], "tax_rate": "vat"}]
        cases.failed["tax rate the sales account does not allow"] = ("invoice", str(vat.id))
    if invalid_account:
        # Income booked to an account the provider refuses on sales (a bank account).
        row = books.invoice(people[8], f"{key[:3].upper()}-ACC1", [("sponsor", "500.00")])
        row.lines = [{**row.lines[0], "account": "donations"}]
        cases.failed["invalid account code"] = ("invoice", str(row.id))
    if foreign_currency:
        fx = books.invoice(people[6], f"{key[:3].upper()}-FX1", [("dues", "150.00")],
                           currency=foreign_currency)  # fmt: skip
        cases.failed["currency not enabled"] = ("invoice", str(fx.id))
    rng.shuffle(people)
    db.commit()
    for what in skip:  # errors this provider does not have (the records still sync or fail)
        cases.failed.pop(what, None)
        cases.skipped.pop(what, None)
    return cases
