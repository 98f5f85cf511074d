"""Inbound provider webhooks: ``POST /sync-admin/webhooks/<provider>``.

A plain blueprint, not a FAB API: providers authenticate by signature, not
by a staff login, so it has no session, no JWT and no CSRF token (exempt).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue

from ..db import session
from ..errors import NotFound
from ..services.webhooks import MAX_BODY, InvalidSignature, receive

log = logging.getLogger(__name__)

__all__ = ["register_webhooks"]


def _receive(provider: str) -> ResponseReturnValue:
    if (request.content_length or 0) > MAX_BODY:
        return jsonify(message="payload too large"), 413
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return jsonify(message="payload too large"), 413
    try:
        delivery = receive(provider, request.headers, raw)
    except NotFound as exc:
        return jsonify(message=exc.message), 404
    except InvalidSignature:
        return jsonify(message="invalid signature"), 401
    except Exception:
        session.rollback()
        log.exception("%s webhook failed", provider)
        # 500 makes the provider deliver again; the replay guard keeps it idempotent.
        return jsonify(message="internal error"), 500
    return jsonify(delivery.to_dict()), 200


def register_webhooks(app: Flask) -> None:
    bp = Blueprint("sync_admin_webhooks", __name__, url_prefix="/sync-admin/webhooks")
    bp.add_url_rule("/<provider>", "receive", _receive, methods=["POST"])
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
