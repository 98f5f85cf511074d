"""Where staff go to fix an error: the catalog entry's action, as a link.

Every catalog entry leads somewhere useful: an unmapped fee item opens the fee
item mapping with that item selected; an expired or revoked connection opens
Integrations at the connection to reconnect; a record error opens the record in
the host product; an error to exclude opens a confirmation to exclude it; a
link problem opens the record's sync result with Link and Unlink; an error
fixed at the provider (a currency to enable) or one that passes by itself opens
the catalog entry with its fix steps.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from werkzeug.routing import BuildError

from ..providers import CatalogEntry
from ..vocabulary import Action

__all__ = ["fix_label", "fix_link"]

_MAPPING_KIND = {
    Action.MAP_FEE_ITEM: "fee_item",
    Action.MAP_ACCOUNT: "account",
    Action.MAP_BAD_DEBT: "bad_debt",
    Action.MAP_TAX_RATE: "tax_rate",
}

# How messages name a mapping kind ("No fee item mapped: fee item 'Dues'").
_KIND_WORDS = {
    "fee_item": "fee_item",
    "fee item": "fee_item",
    "account": "account",
    "bank account": "account",
    "tax_rate": "tax_rate",
    "tax rate": "tax_rate",
    "bad_debt": "bad_debt",
    "bad debt": "bad_debt",
}
# Facts that name the host key to select, in order of preference.
_SELECTED_FACTS = ("host_key", "fee_item", "account", "tax_rate", "tax_type", "item")
# A Bad Debt mapping is keyed by fee item ("default" for any): the provider's item name a
# QuickBooks write-off error quotes ("item") is not a host key, so it never selects a row.
_BAD_DEBT_FACTS = ("host_key", "fee_item")
_KIND_LABELS = {
    "fee_item": "Map the fee item",
    "account": "Map the account",
    "bad_debt": "Map the Bad Debt item",
    "tax_rate": "Map the tax rate",
}
# Actions fixed on one company's record or mapping: a group spanning companies opens its
# failure list (every company's records) instead of one arbitrary company's.
_PER_COMPANY = {Action.EDIT_RECORD, Action.LINK_RECORD, Action.UNLINK, *_MAPPING_KIND}
_GROUP_LABEL = "Open the failed records"

_LABELS = {
    Action.RECONNECT: "Reconnect",
    Action.MAP_FEE_ITEM: "Map the fee item",
    Action.MAP_ACCOUNT: "Map the account",
    Action.MAP_BAD_DEBT: "Map the Bad Debt item",
    Action.MAP_TAX_RATE: "Map the tax rate",
    Action.EDIT_RECORD: "Open the record",
    Action.LINK_RECORD: "Link by hand",
    Action.UNLINK: "Unlink the record",
    Action.EXCLUDE: "Exclude these errors",
}
# Fixed outside the admin (at the provider, or by waiting): the steps are the fix.
_STEPS_LABEL = "How to fix"


def fix_label(entry: CatalogEntry | None, result: Any = None, *, companies: int = 1) -> str | None:
    """The fix button's words, agreeing with where ``fix_link`` (same arguments) goes."""
    if entry is None:
        return None
    if not entry.action or entry.action not in _LABELS:
        return _STEPS_LABEL
    if companies > 1 and entry.action in _PER_COMPANY:
        return _GROUP_LABEL
    if entry.action in _MAPPING_KIND and result is not None:
        return _KIND_LABELS[_mapping_kind(entry, result)]
    return _LABELS[entry.action]


def fix_link(
    entry: CatalogEntry | None, result: Any, *, group: bool = False, companies: int = 1
) -> str | None:
    """A URL that opens the screen where this error is fixed, or None.

    ``result`` is a ``SyncResult`` (or anything with ``company_id``, ``entity``,
    ``local_id`` and ``facts``); with ``group`` it stands for its whole failure
    group across ``companies`` companies. Needs a request context (it builds URLs).
    """
    try:
        return _fix_link(entry, result, group, companies)
    except BuildError:  # the screen is not registered in this app
        return None


def _mapping_kind(entry: CatalogEntry, result: Any) -> str:
    """The mapping tab: the kind the message names (core's preflight), else the action's."""
    facts = getattr(result, "facts", None) or {}
    named = str(facts.get("kind") or "").strip().lower()
    return _KIND_WORDS.get(named) or _MAPPING_KIND[entry.action]


def _steps(entry: CatalogEntry) -> str:
    return url_for("CatalogView.index", q=entry.code, _anchor=entry.code)


def _record(result: Any) -> str:
    """The record's own sync result row, where Link, Unlink and Retry are."""
    return url_for("ResultsView.index", company_id=result.company_id, q=result.local_id, since="")


def _referred(result: Any, entity: str) -> list[str]:
    """Local ids of the ``entity`` records the failed one refers to (its ``depends_on``)."""
    facts = getattr(result, "facts", None) or {}
    prefix = f"{entity}:"
    return [d[len(prefix) :] for d in facts.get("depends_on") or [] if d.startswith(prefix)]


def _unlink(entry: CatalogEntry, result: Any) -> str:
    """Sync Results at the record to unlink: the failed record itself, or the one it refers
    to that the provider lost (a payment's deleted invoice)."""
    target = entry.unlink_entity
    if not target or target == result.entity:
        return _record(result)
    ids = _referred(result, target)
    args: dict[str, Any] = {"company_id": result.company_id, "entity": target, "since": ""}
    if ids:
        args["local_id"] = ",".join(ids)
    elif (getattr(result, "facts", None) or {}).get("txn_id"):
        args["q"] = result.facts["txn_id"]  # the provider's id of the one it lost
    return url_for("ResultsView.index", **args)


def _fix_link(entry: CatalogEntry | None, result: Any, group: bool, companies: int) -> str | None:
    if entry is None or result is None:
        return None
    action = entry.action
    if action is None or action not in _LABELS:
        return _steps(entry)
    if group and companies > 1 and action in _PER_COMPANY:
        return url_for("FailuresView.index", catalog_code=entry.code)
    if action in _MAPPING_KIND:
        facts = getattr(result, "facts", None) or {}
        kind = _mapping_kind(entry, result)
        args: dict[str, Any] = {"company_id": result.company_id, "kind": kind}
        names = _BAD_DEBT_FACTS if kind == "bad_debt" else _SELECTED_FACTS
        selected = next((facts[k] for k in names if facts.get(k)), None)
        if selected:
            args["selected"] = selected
        return url_for("MappingsView.index", **args)
    if action == Action.RECONNECT:
        from ..db import session
        from ..models import Company

        company = session.get(Company, result.company_id)
        if company is None:
            return None
        return url_for(
            "IntegrationsView.index", org=company.organization_id, reconnect=company.connection_id
        )
    if action == Action.EDIT_RECORD:
        ext = current_app.extensions["sync_admin"]
        url = None
        if ext.has_host_adapter:
            try:
                url = ext.host_adapter.record_url(result.entity, result.local_id)
            except Exception:  # a host adapter's bug must not break the page
                url = None
        return url or _record(result)
    if action == Action.EXCLUDE:
        scope = {} if group else {"company_id": result.company_id}
        return url_for("FailuresView.index", catalog_code=entry.code, confirm="exclude", **scope)
    if action == Action.UNLINK:
        return _unlink(entry, result)
    return _record(result)  # LINK_RECORD
