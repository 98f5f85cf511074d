"""The sandbox's stand-in for QBO's web app: the pages the admin's external-id links open.

``external_url()`` points at ``/app/<page>?<id param>=<id>&realmId=<realm>`` when the plugin
talks to a local sandbox, so a clickable external id in the demo shows the record as the
sandbox holds it. Values are escaped by Jinja's autoescaping.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template_string, request

from .state import SandboxState

__all__ = ["PAGES", "webapp_blueprint"]

# page -> (entity, query parameter holding the id); the paths of QBO's own web app.
PAGES = {
    "customerdetail": ("Customer", "nameId"),
    "invoice": ("Invoice", "txnId"),
    "recvpayment": ("Payment", "txnId"),
    "creditmemo": ("CreditMemo", "txnId"),
    "register": ("Account", "accountId"),
    "items": ("Item", "itemId"),
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ entity }} {{ label }} - QuickBooks sandbox</title>
<style>body{font-family:sans-serif;margin:2rem}td,th{padding:.2rem .6rem;text-align:left;vertical-align:top}</style>
</head><body>
<p>QuickBooks sandbox &middot; {{ realm }}</p>
<h1>{{ entity }} {{ label }}</h1>
<table>{% for key, value in fields %}<tr><th>{{ key }}</th><td>{{ value }}</td></tr>{% endfor %}</table>
</body></html>"""


def webapp_blueprint(state: SandboxState) -> Blueprint:
    bp = Blueprint("qbo_sandbox_webapp", __name__)

    @bp.get("/app/<page>")
    def record_page(page: str) -> Any:
        if page not in PAGES:
            abort(404)
        entity, param = PAGES[page]
        realm = state.realm(request.args.get("realmId", ""))
        record_id = request.args.get(param, "")
        record = realm.table(entity).get(record_id) if realm is not None else None
        if record is None:
            abort(404)
        label = record.get("DocNumber") or record.get("DisplayName") or record.get("Name") or ""
        fields = [
            (key, value.get("name") or value.get("value") if isinstance(value, dict) else value)
            for key, value in record.items()
            if not isinstance(value, list)
        ]
        return render_template_string(
            PAGE, entity=entity, label=label, fields=fields, realm=realm.name
        )

    return bp
