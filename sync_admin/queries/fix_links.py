"""Where staff go to fix an error: the catalog entry's action, as a link.

An unmapped fee item opens the fee item mapping with that item selected; an
expired or revoked connection opens Integrations at the connection to
reconnect; a record error opens the record in the host product.
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
}


def fix_label(entry: CatalogEntry | None) -> str | None:
    return _LABELS.get(entry.action) if entry is not None and entry.action else None


def fix_link(entry: CatalogEntry | None, result: Any) -> str | None:
    """A URL that opens the screen where this error is fixed, or None.

    ``result`` is a ``SyncResult`` (or anything with ``company_id``, ``entity``,
    ``local_id`` and ``facts``). Needs a request context (it builds URLs).
    """
    try:
        return _fix_link(entry, result)
    except BuildError:  # the screen is not registered in this app
        return None


def _fix_link(entry: CatalogEntry | None, result: Any) -> str | None:
    if entry is None or entry.action is None or result is None:
        return None
    action = entry.action
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
        if not ext.has_host_adapter:
            return None
        try:
            return ext.host_adapter.record_url(result.entity, result.local_id)
        except Exception:  # a host adapter's bug must not break the page
            return None
    if action == Action.LINK_RECORD:
        return url_for(
            "ResultsView.index", company_id=result.company_id, q=result.local_id, since=""
        )
    return None
