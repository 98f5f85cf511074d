"""What ``sync-admin demo`` does before serving the admin.

``prepare(app, env)`` serves every installed provider's sandbox on a localhost port
(their URLs go into the app's config and the child processes' environment);
``populate(app)`` then builds the membership host's clubs, connects one account per
provider by walking its consent page over HTTP, links each company to a club, pulls
the chart of accounts, maps most accounts and fee items, and runs the first syncs on
the demo's worker. A newcomer opens an admin full of real runs, logs, results and
every documented error. Extra steps can be appended to ``STEPS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from . import oauth, providers
from .db import get_db, session
from .models import Company, Mapping, Organization, ReferenceObject, Run, SyncResult
from .providers import Provider
from .services import mappings, records, resync
from .services.audit import Actor
from .vocabulary import Direction, RunKind, RunStatus

__all__ = [
    "CLUBS",
    "MARKUP_ITEM_NAME",
    "STEPS",
    "Consent",
    "Populated",
    "populate",
    "prepare",
    "run_steps",
    "sandbox_config",
    "second_sync",
]

log = logging.getLogger(__name__)

DEMO = Actor(name="demo", source="cli")
STEPS: list[Callable[[Flask, dict[str, Any]], None]] = []


@dataclass(frozen=True)
class Club:
    key: str
    name: str
    currency: str
    provider: str
    choose: str | None = None  # the company to pick on the consent page
    foreign_currency: str | None = None
    taken_name: str | None = "Pam Seitz"  # None: another member's name
    skip: frozenset[str] = frozenset()
    invalid_account: bool = False
    tax_rate_mismatch: bool = False
    documented_errors: bool = True  # False: ordinary records only
    disconnected: bool = False  # the provider's user disconnects it before the second sync


XERO_ALLOWS = frozenset(
    {
        "field over the provider's limit",  # Xero's limits are far longer
        "invoice number over the limit",
        "inactive fee item",  # Xero items have no inactive state
        "payment for another customer's invoice",  # a Xero payment names only the invoice
        "payment reference used twice",
        "write-off whose Bad Debt item has no income account",  # a QuickBooks item rule
    }
)


# QuickBooks' second sandbox company has a Bad Debt item without an income account
# (seed 002's "Error Adding Write-off").
CLUBS = [
    Club("riverside", "Riverside Members Club", "USD", "quickbooks", choose="9130354467721572"),
    Club(
        "harbour",
        "Harbour Sailing Club",
        "GBP",
        "xero",
        choose="Demo Company (UK)",  # the sandbox organisation that trades in GBP
        foreign_currency="EUR",
        taken_name=None,
        skip=XERO_ALLOWS,
        invalid_account=True,
        tax_rate_mismatch=True,
    ),
    Club("tinytown", "Tinytown Chess Club", "USD", "tiny"),
    # A second Xero organisation, on a connection of its own, whose user removes the app
    # in Xero before the second sync (seed 004: "Connection disconnected"); the first
    # Xero club keeps syncing.
    Club(
        "quayside",
        "Quayside Rowing Club",
        "NZD",
        "xero",
        choose="Demo Company (NZ)",
        documented_errors=False,
        disconnected=True,
    ),
    # The same for QuickBooks, in its other sandbox company: the app is disconnected in
    # QuickBooks, the refresh token dies (seed 003: "Authentication expired", reconnect).
    Club(
        "lakeside",
        "Lakeside Tennis Club",
        "USD",
        "quickbooks",
        choose="9130354467721571",
        documented_errors=False,
        disconnected=True,
    ),
]


def sandbox_config(provider: Provider, url: str) -> dict[str, str]:
    """The configuration keys that point a provider at its sandbox served at ``url``."""
    config: dict[str, str] = {}
    for setting in provider.settings:  # a sandbox accepts any app; the keys must not be empty
        if setting.key in ("CLIENT_ID", "CLIENT_SECRET") and not setting.default:
            config[provider.setting_name(setting.key)] = f"sync-admin-demo-{setting.key.lower()}"
    custom = getattr(provider, "sandbox_config", None)
    if callable(custom):
        return {**config, **{k: str(v) for k, v in custom(url).items()}}
    keys = {s.key for s in provider.settings}
    for key in ("SANDBOX_URL", "BASE_URL", "API_BASE", "API_URL"):
        if key in keys:
            return {**config, provider.setting_name(key): url}
    return config


def prepare(app: Flask, env: dict[str, Any]) -> list[Any]:
    """Serve each installed provider's sandbox in a thread; returns the servers."""
    servers = []
    for provider in providers.all():
        try:
            wsgi = provider.sandbox_app()
        except Exception as exc:  # a plugin without a working sandbox is left out
            log.warning(
                "%s has no working sandbox (%s); the demo leaves it out", provider.label, exc
            )
            continue
        server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        config = sandbox_config(provider, url)
        app.config.update(config)
        env.update(config)
        servers.append(server)
        app.config.setdefault("SYNC_ADMIN_DEMO_SANDBOXES", []).append(provider.name)
        log.info("%s sandbox at %s", provider.label, url)
    return servers


@dataclass
class _Choice:
    """A checkbox, radio button or select option, with the text a person reads beside it."""

    name: str
    value: str
    label: str = ""
    checked: bool = False
    kind: str = "checkbox"  # checkbox, radio or option


class _Form(HTMLParser):
    """The first form of a consent page, read as a browser submits it: every field with
    its value (several for a name that repeats), the checkboxes, radio buttons and select
    options with their labels and pre-set state, and the buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.action: str | None = None
        self.method = "get"
        self.fields: list[tuple[str, str]] = []  # text and hidden inputs, in page order
        self.choices: list[_Choice] = []
        self.buttons: list[dict[str, str]] = []
        self._labelled: dict[str, _Choice] = {}  # by element id, for <label for=...>
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._in_label: list[_Choice] = []
        self._labelling = False
        self._select: str | None = None
        self._option: _Choice | None = None
        self._done = False
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if self._done:
            return
        if tag == "form" and self.action is None:
            self.action, self.method = a.get("action", ""), a.get("method", "get").lower()
            self._inside = True
            return
        if not self._inside:
            return
        if tag == "label":
            self._label_for, self._label_text, self._in_label = a.get("for"), [], []
            self._labelling = True
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image"):
                self.buttons.append(a)
            elif kind in ("checkbox", "radio"):
                choice = _Choice(a["name"], a.get("value", "on"), checked="checked" in a, kind=kind)
                self.choices.append(choice)
                if self._labelling:
                    self._in_label.append(choice)
                if a.get("id"):
                    self._labelled[a["id"]] = choice
            elif kind not in ("reset", "file"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            self._option = _Choice(
                self._select, a.get("value", ""), checked="selected" in a, kind="option"
            )
            self.choices.append(self._option)
        elif tag == "button":
            self.buttons.append({"type": "submit", **a})

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option.label += data.strip()
        if self._labelling:
            self._label_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            text = " ".join(" ".join(self._label_text).split())
            targets = list(self._in_label)
            if self._label_for and self._label_for in self._labelled:
                targets.append(self._labelled[self._label_for])
            for choice in targets:
                choice.label = choice.label or text
            self._label_for, self._label_text, self._in_label = None, [], []
            self._labelling = False
        elif tag == "option":
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._inside:
            self._done, self._inside = True, False

    def submission(self, choose: str | None, button: dict[str, str]) -> list[tuple[str, str]]:
        """The (name, value) pairs a browser sends after the person picks ``choose``.

        In each group of checkboxes, radio buttons or options where some entry's value or
        label contains ``choose``, only those entries are picked; other groups keep what
        the page pre-set (a select with nothing selected sends its first option)."""
        data = list(self.fields)
        groups: dict[str, list[_Choice]] = {}
        for choice in self.choices:
            groups.setdefault(choice.name, []).append(choice)
        for name, group in groups.items():
            wanted = [c for c in group if choose and _matches(choose, c)]
            kind = group[0].kind
            if wanted:
                picked = wanted if kind == "checkbox" else wanted[:1]
            else:
                picked = [c for c in group if c.checked]
                if kind == "option" and not picked:
                    picked = group[:1]
                elif kind != "checkbox":
                    picked = picked[-1:]
            data.extend((name, c.value) for c in picked)
        if button.get("name"):
            data.append((button["name"], button.get("value", "")))
        return data


def _matches(choose: str, choice: _Choice) -> bool:
    return choose == choice.value or choose.lower() in choice.label.lower()


_APPROVE = ("approve", "allow", "connect")


def _text(button: dict[str, str]) -> str:
    return " ".join(button.values()).lower()


class Consent:
    """Walks a sandbox's consent page as a browser would, pressing its approve button."""

    def __init__(self, choose: str | None = None) -> None:
        self.choose = choose
        self.http = requests.Session()

    def approve(self, url: str) -> dict[str, str]:
        """Follow the authorize URL to the callback; return the callback's query arguments."""
        answer = self.http.get(url, allow_redirects=False, timeout=15)
        for _ in range(5):
            if answer.is_redirect:
                target = urljoin(answer.url, answer.headers["Location"])
                query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
                if "code" in query or "error" in query:
                    return query
                answer = self.http.get(target, allow_redirects=False, timeout=15)
                continue
            answer = self._submit(answer)
        raise RuntimeError(f"the consent page at {url} never redirected to the callback")

    def _submit(self, page: requests.Response) -> requests.Response:
        form = _Form()
        form.feed(page.text)
        form.close()
        if form.action is None:
            raise RuntimeError(f"no consent form at {page.url}")
        approve = next(
            (b for b in form.buttons if any(w in _text(b) for w in _APPROVE)),
            form.buttons[0] if form.buttons else {},
        )
        data = form.submission(self.choose, approve)
        action = urljoin(page.url, form.action or page.url)
        if form.method == "post":
            return self.http.post(action, data=data, allow_redirects=False, timeout=15)
        return self.http.get(action, params=data, allow_redirects=False, timeout=15)


def connect(app: Flask, organization_id: int, provider: Provider, choose: str | None) -> list[int]:
    """Connect through the provider's consent page; the ids of the linked companies."""
    redirect = f"{app.config['SYNC_ADMIN_BASE_URL'].rstrip('/')}/sync-admin/connect/{provider.name}/callback"
    with app.test_request_context():
        url = oauth.begin(provider.name, organization_id, redirect)
        result = oauth.complete(provider.name, Consent(choose).approve(url), DEMO)
        linked = list(result.linked)
        if not linked and result.companies:
            chosen = [
                c
                for c in result.companies
                if choose is None or choose in (c.provider_company_id, c.name) or choose in c.name
            ]
            linked = oauth.link_companies(
                result.connection.id, chosen[:1] or result.companies[:1], DEMO
            )
            session.commit()
        return [c.id for c in linked]


def wait_for(
    run_ids: list[int], timeout: float = 300.0, drain: Callable[[], Any] | None = None
) -> None:
    """Wait until the demo's worker has finished these runs (or the timeout passes);
    ``drain`` runs queued jobs in-process instead (tests)."""
    if drain is not None:
        drain()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.expire_all()
        runs = session.scalars(select(Run).where(Run.id.in_(run_ids))).all()
        if all(r.status not in RunStatus.active() for r in runs):
            return
        time.sleep(0.5)
    log.warning("runs %s still running after %.0f s; the admin starts anyway", run_ids, timeout)


def map_most(company_id: int, host: Any, host_key: str) -> None:
    """Map fee items and accounts by name, leaving one fee item unmapped on purpose."""
    refs = session.scalars(
        select(ReferenceObject).where(ReferenceObject.company_id == company_id)
    ).all()
    items = [r for r in refs if r.entity == "item"]
    accounts = [r for r in refs if r.entity == "account"]

    def best(pool: list[ReferenceObject], words: list[str], active: bool = True) -> Any:
        for word in words:
            for ref in pool:
                if word in (ref.name or "").lower() and ref.active == active:
                    return ref
        return None

    wanted = {
        "dues": ["dues", "membership", "subscription"],
        "events": ["event", "ticket"],
        "sponsor": ["sponsor"],
        "late": ["late", "fee", "services"],
    }
    for key, words in wanted.items():
        ref = best(items, words) or best(items, [""])
        if ref is not None:
            mappings.set_mapping(company_id, "fee_item", key, ref.external_id, actor=DEMO)
    inactive = best(items, [""], active=False)
    if inactive is not None:
        # Mapped before the provider deactivated the item: preflight reports it.
        session.add(
            Mapping(
                company_id=company_id,
                kind="fee_item",
                host_key="oldstock",
                provider_id=inactive.external_id,
                provider_name=inactive.name,
                updated_by=DEMO.name,
            )
        )
        session.commit()
    bank = best(accounts, ["checking", "bank", "business"])
    if bank is not None:
        mappings.set_mapping(company_id, "account", "bank", bank.external_id, actor=DEMO)
        # A mapping mistake staff make: donations income pointed at the bank account.
        mappings.set_mapping(company_id, "account", "donations", bank.external_id, actor=DEMO)
    expenses = best(
        [r for r in refs if r.entity == "tax_rate"], ["on expenses", "purchases", "expense"]
    )
    if expenses is not None:
        # Another mistake: the club's VAT rate mapped to the purchases rate, which sales
        # lines may not use.
        mappings.set_mapping(company_id, "tax_rate", "vat", expenses.external_id, actor=DEMO)
    bad = best(items, ["bad debt"]) or best(accounts, ["bad debt"])
    if bad is not None:
        # Mapped for dues only: a write-off of an event fee has no Bad Debt mapping.
        mappings.set_mapping(company_id, "bad_debt", "dues", bad.external_id, actor=DEMO)


def _quickbooks_item_deactivated(app: Flask, company: Company) -> None:
    """A QuickBooks user makes 'Old Merchandise' inactive (the sandbox's records endpoint)."""
    base = app.config.get("SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL")
    if base:
        requests.post(
            f"{base}/_sandbox/records/{company.provider_company_id}/Item",
            json={"Id": "8", "Active": False},
            timeout=15,
        )


# What a QuickBooks user typed into the Bad Debt item's name: QuickBooks echoes it in the
# write-off error, so the admin shows provider text with markup (as text, never as HTML).
MARKUP_ITEM_NAME = "Bad Debt <b>(old)</b> <img src=x onerror=alert(1)>"


def _quickbooks_item_renamed(app: Flask, company: Company) -> None:
    """A QuickBooks user renames the Bad Debt item with markup in the name."""
    base = app.config.get("SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL")
    if base:
        requests.post(
            f"{base}/_sandbox/records/{company.provider_company_id}/Item",
            json={"Id": "7", "Name": MARKUP_ITEM_NAME},
            timeout=15,
        ).raise_for_status()


def _quickbooks_user_edits(app: Flask, company: Company) -> None:
    _quickbooks_item_deactivated(app, company)
    _quickbooks_item_renamed(app, company)


# Changes a provider's user makes before the first sync, per provider.
BEFORE_FIRST_SYNC: dict[str, Callable[[Flask, Company], None]] = {
    "quickbooks": _quickbooks_user_edits,
}


@dataclass
class Populated:
    club: Club
    company_id: int
    run_id: int
    cases: Any


def populate(
    app: Flask,
    env: dict[str, Any],
    clubs: list[Club] | None = None,
    drain: Callable[[], Any] | None = None,
) -> list[Populated]:
    """Clubs, connections, mappings and first syncs (waited for)."""
    from sqlalchemy.orm import Session

    from examples.membership import create_tables
    from examples.membership.demo import build_club

    served = set(app.config.get("SYNC_ADMIN_DEMO_SANDBOXES", ()))
    enabled = {p.name: p for p in providers.all() if not served or p.name in served}
    engine = get_db().engine
    create_tables(engine)
    host = app.extensions["sync_admin"].host_adapter
    started: list[Populated] = []
    for club in clubs or CLUBS:
        provider = enabled.get(club.provider)
        if provider is None:
            continue
        with Session(engine) as db:
            cases = build_club(
                db,
                club.key,
                club.name,
                club.currency,
                foreign_currency=club.foreign_currency,
                taken_name=club.taken_name,
                skip=club.skip,
                invalid_account=club.invalid_account,
                tax_rate_mismatch=club.tax_rate_mismatch,
                documented_errors=club.documented_errors,
                members=30 if club.documented_errors else 8,
            )
        org = session.scalars(select(Organization).where(Organization.host_key == club.key)).first()
        if org is None:
            org = Organization(name=club.name, host_key=club.key)
            session.add(org)
            session.commit()
        try:
            company_ids = connect(app, org.id, provider, club.choose)
        except Exception:
            log.exception("could not connect %s; the demo leaves it out", provider.label)
            session.rollback()
            continue
        for company_id in company_ids:
            company = session.get(Company, company_id)
            company.host_company_key = club.key
            session.commit()
            hook = BEFORE_FIRST_SYNC.get(provider.name)
            if hook is not None:
                hook(app, company)
            pull = [s.entity.value for s in provider.pull_entities()]
            first = resync.resync_company(
                company_id, actor=DEMO, kind=RunKind.REFERENCE, entities=pull
            )
            wait_for([first.id], drain=drain)
            map_most(company_id, host, club.key)
            run = resync.resync_company(company_id, actor=DEMO, kind=RunKind.FULL)
            started.append(Populated(club, company_id, run.id, cases))
    wait_for([p.run_id for p in started], drain=drain)
    return started


def _quickbooks_faults(app: Flask, company: Company) -> None:
    """QuickBooks answers seed 002 and 003 list: an HTML page, an empty body, a throttle
    and an expired access token (the sandbox's fault controls)."""
    base = app.config["SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL"]
    realm = company.provider_company_id
    for kind in ("html_500", "empty", "throttle", "expire_token"):
        answer = requests.post(
            f"{base}/_sandbox/faults", json={"realm": realm, "kind": kind, "count": 1}, timeout=15
        )
        answer.raise_for_status()


def _xero_faults(app: Flask, company: Company) -> None:
    """Xero answers of seed 004: an expired token, a minute limit, a server error, and a
    plan with no room for the new member's contact."""
    base = app.config["SYNC_ADMIN_XERO_API_URL"]
    tenant = company.provider_company_id
    requests.post(
        f"{base}/_sandbox/tenants/{tenant}/settings", json={"contact_limit": 1}, timeout=15
    ).raise_for_status()
    for kind in ("expired_token", "rate_limit", "html_500"):
        answer = requests.post(
            f"{base}/_sandbox/faults", json={"kind": kind, "tenant": tenant, "count": 1}, timeout=15
        )
        answer.raise_for_status()


# A bad day at the provider during the demo's second sync, per provider.
FAULTS: dict[str, Callable[[Flask, Company], None]] = {
    "quickbooks": _quickbooks_faults,
    "xero": _xero_faults,
}


def _external_id(company_id: int, entity: str, local_id: str) -> str:
    """The provider's id of a record the first sync pushed."""
    found = session.scalar(
        select(SyncResult.external_id).where(
            SyncResult.company_id == company_id,
            SyncResult.entity == entity,
            SyncResult.direction == Direction.PUSH.value,
            SyncResult.local_id == local_id,
        )
    )
    if not found:
        raise RuntimeError(f"{entity} {local_id} did not sync; the demo's second day needs it")
    return str(found)


def _quickbooks_deletes_invoices(
    app: Flask, item: Populated, db: Any, drain: Callable[[], Any] | None
) -> None:
    """A QuickBooks user deletes three invoices the first sync created; the club, unaware,
    edits one and takes a payment for another. The second sync reads the deletions from
    QuickBooks' CDC answer: the invoice fails as deleted in QuickBooks ("Record not found",
    seed 003; a retry re-creates it) and the payment waits for it (seed 002's "payment for
    an invoice that never synced") instead of meeting QuickBooks' 610 and 2500.

    Before that sync, staff map the front desk's account and retry its payment, whose
    invoice is the third one deleted: a retry reads no change feed, so QuickBooks itself
    answers 2500 "Invoice element id .. not found" (seed 002's "Invoice not found")."""
    from examples.membership.data import Books
    from examples.membership.models import Invoice, Member

    if len(item.cases.unpaid) < 2 or item.cases.front_desk is None:
        return  # a club too small for these cases
    base = app.config["SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL"]
    company = session.get(Company, item.company_id)
    changed, paid_for = item.cases.unpaid[:2]
    desk_invoice, desk_payment = item.cases.front_desk
    for local_id in (changed, paid_for, desk_invoice):
        external = _external_id(company.id, "invoice", local_id)
        requests.delete(
            f"{base}/_sandbox/records/{company.provider_company_id}/Invoice/{external}",
            timeout=15,
        ).raise_for_status()
    books = Books(db, item.club.key)
    books.touch(db.get(Invoice, int(changed)), memo="Reissued: the member moved house")
    invoice = db.get(Invoice, int(paid_for))
    total = sum(Decimal(str(line["unit_price"])) for line in invoice.lines)
    payment = books.payment(
        db.get(Member, invoice.member_id),
        f"P-{item.club.key[:3].upper()}-LATE",
        [(invoice, str(total))],
        deposit_account="bank",
    )
    books.touch(payment)
    db.commit()  # before the retry run, which reads the club's rows
    item.cases.later["invoice deleted in QuickBooks, then changed here"] = ("invoice", changed)
    item.cases.later["payment for an invoice deleted in QuickBooks"] = ("payment", str(payment.id))
    bank = session.scalar(
        select(Mapping.provider_id).where(
            Mapping.company_id == company.id, Mapping.kind == "account", Mapping.host_key == "bank"
        )
    )
    mappings.set_mapping(company.id, "account", "desk", bank, actor=DEMO)
    result = session.scalar(
        select(SyncResult.id).where(
            SyncResult.company_id == company.id,
            SyncResult.entity == "payment",
            SyncResult.local_id == desk_payment,
        )
    )
    retried = records.retry([result], actor=DEMO)
    wait_for([r.id for r in retried.runs], drain=drain)
    item.cases.later["front desk payment retried after QuickBooks lost its invoice"] = (
        "payment",
        desk_payment,
    )


def _xero_reconciles_a_payment(
    app: Flask, item: Populated, db: Any, drain: Callable[[], Any] | None
) -> None:
    """A Xero user reconciles a payment by hand (a bank statement line matched in Xero's
    web app); the club then edits the invoice it paid. Xero refuses: the invoice has a
    reconciled payment (seed 004: "Transaction already reconciled")."""
    from examples.membership.data import Books
    from examples.membership.models import Invoice

    if not item.cases.paid:
        return  # a club too small for this case
    base = app.config["SYNC_ADMIN_XERO_API_URL"]
    company = session.get(Company, item.company_id)
    invoice_id, payment_id = item.cases.paid[0]
    external = _external_id(company.id, "payment", payment_id)
    requests.post(
        f"{base}/_sandbox/tenants/{company.provider_company_id}/records/payments/{external}",
        json={"IsReconciled": True},
        timeout=15,
    ).raise_for_status()
    Books(db, item.club.key).touch(db.get(Invoice, int(invoice_id)), memo="Paid at the desk")
    db.flush()
    item.cases.later["invoice changed here after Xero reconciled its payment"] = (
        "invoice",
        invoice_id,
    )


# What a provider's users change in their copies between the demo's two syncs, and what
# the club then does to the same records, per provider (needs the first sync's ids).
SECOND_DAY: dict[str, Callable[[Flask, Populated, Any, Callable[[], Any] | None], None]] = {
    "quickbooks": _quickbooks_deletes_invoices,
    "xero": _xero_reconciles_a_payment,
}


def _xero_disconnected(app: Flask, company: Company) -> None:
    """Someone removes the app from the organisation in Xero (Settings, Connected apps):
    Xero answers 403 for it from now on."""
    base = app.config["SYNC_ADMIN_XERO_API_URL"]
    requests.post(
        f"{base}/_sandbox/tenants/{company.provider_company_id}/disconnect", timeout=15
    ).raise_for_status()


def _quickbooks_disconnected(app: Flask, company: Company) -> None:
    """A QuickBooks admin disconnects the app (Apps, My apps): every token of the grant,
    the refresh token too, stops working, so the next sync must stop and ask to reconnect."""
    base = app.config["SYNC_ADMIN_QUICKBOOKS_SANDBOX_URL"]
    requests.post(
        f"{base}/_sandbox/faults",
        json={"realm": company.provider_company_id, "kind": "revoke_app"},
        timeout=15,
    ).raise_for_status()


# The provider's user removing the app, for clubs with ``disconnected`` set.
DISCONNECTS: dict[str, Callable[[Flask, Company], None]] = {
    "quickbooks": _quickbooks_disconnected,
    "xero": _xero_disconnected,
}


def second_sync(
    app: Flask, done: list[Populated], drain: Callable[[], Any] | None = None
) -> list[int]:
    """Members edit their e-mail addresses, one joins, the provider has a bad day
    (``FAULTS``), and an incremental sync goes through it: the engine's retries and token refresh leave their
    lines, with catalog codes, in the log. Returns the runs."""
    from sqlalchemy.orm import Session

    from examples.membership.data import Books
    from examples.membership.models import Member

    runs = []
    for item in done:
        company = session.get(Company, item.company_id)
        with Session(get_db().engine) as db:
            books = Books(db, item.club.key)
            members = db.scalars(
                select(Member).where(Member.org_key == item.club.key).order_by(Member.id).limit(3)
            ).all()
            for member in members:
                books.touch(member, email=f"new.{member.email}")
            books.touch(books.member("Nina", "Newcomer", email="nina.newcomer@example.org"))
            day = SECOND_DAY.get(company.provider)
            if day is not None and item.club.documented_errors:
                day(app, item, db, drain)
            db.commit()
        if item.club.disconnected:
            DISCONNECTS[company.provider](app, company)
            fault = None
        else:
            fault = FAULTS.get(company.provider)
        if fault is not None:
            fault(app, company)
        runs.append(resync.resync_company(item.company_id, actor=DEMO, kind=RunKind.INCREMENTAL).id)
    wait_for(runs, drain=drain)
    return runs


def run_steps(app: Flask, env: dict[str, Any]) -> None:
    for step in STEPS:
        step(app, env)
