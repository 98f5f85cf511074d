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


def fix_label(entry: CatalogEntry | None) -> str | None:
    if entry is None:
        return None
    return _LABELS.get(entry.action, _STEPS_LABEL) if entry.action else _STEPS_LABEL


def fix_link(entry: CatalogEntry | None, result: Any, *, group: bool = False) -> str | None:
    """A URL that opens the screen where this error is fixed, or None.

    ``result`` is a ``SyncResult`` (or anything with ``company_id``, ``entity``,
    ``local_id`` and ``facts``); with ``group`` it stands for its whole failure
    group across companies. Needs a request context (it builds URLs).
    """
    try:
        return _fix_link(entry, result, group)
    except BuildError:  # the screen is not registered in this app
        return None


def _steps(entry: CatalogEntry) -> str:
    return url_for("CatalogView.index", q=entry.code, _anchor=entry.code)


def _record(result: Any) -> str:
    """The record's own sync result row, where Link, Unlink and Retry are."""
    return url_for("ResultsView.index", company_id=result.company_id, q=result.local_id, since="")


def _fix_link(entry: CatalogEntry | None, result: Any, group: bool) -> str | None:
    if entry is None or result is None:
        return None
    action = entry.action
    if action is None or action not in _LABELS:
        return _steps(entry)
    if action in _MAPPING_KIND:
        facts = getattr(result, "facts", None) or {}
        # Core's preflight names the kind itself ("fee_item 'Dues' is not mapped").
        named = str(facts.get("kind") or "").strip().lower()
        kind = _KIND_WORDS.get(named) or _MAPPING_KIND[action]
        args: dict[str, Any] = {"company_id": result.company_id, "kind": kind}
        selected = next((facts[k] for k in _SELECTED_FACTS if facts.get(k)), None)
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
    # LINK_RECORD and UNLINK
    return _record(result)
