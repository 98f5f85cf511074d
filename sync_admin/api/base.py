"""The base of every sync-admin API class: one permission view, two ways in.

``SyncReadApi`` answers GETs to a JWT, an API key (FAB's ``sst_`` keys) or the
session cookie of a logged-in browser. ``SyncWriteApi`` changes state and takes
a JWT or an API key only: every ``BaseApi`` endpoint is CSRF-exempt, so a
session cookie there would let any web page trigger it cross-site. FAB OR-s
``allow_browser_login`` between class and decorator, hence two classes.

Errors become JSON: ``ValidationError`` -> 400 with ``field``, ``NotFound`` ->
404 (or 400 when it names a field of the request body), ``AlreadyRunning`` -> 409.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import current_app, request
from flask_appbuilder.api import BaseApi
from werkzeug.wrappers import Response

from ..db import session
from ..errors import AlreadyRunning, NotFound, SyncAdminError, ValidationError
from ..security import PERMISSION_VIEW, method_permissions
from ..services.audit import Actor

log = logging.getLogger(__name__)

__all__ = [
    "SyncReadApi",
    "SyncWriteApi",
    "answer_bad_tokens_with_401",
    "api_actor",
    "handle_errors",
    "iso",
    "json_body",
    "json_errors_under_api",
]


class _SyncApi(BaseApi):
    version = "v1"
    class_permission_name = PERMISSION_VIEW
    operate_methods: tuple[str, ...] = ()
    connect_methods: tuple[str, ...] = ()
    administer_methods: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.method_permission_name = method_permissions(type(self), "_urls")
        super().__init__()


class SyncReadApi(_SyncApi):
    """GET endpoints: JWT, API key or the browser's session cookie."""

    allow_browser_login = True


class SyncWriteApi(_SyncApi):
    """State-changing endpoints: JWT or API key only, never the session cookie."""

    allow_browser_login = False


def handle_errors(func: Callable[..., Response]) -> Callable[..., Response]:
    """Turn the plugin's exceptions into JSON answers; anything else is a logged 500."""

    @functools.wraps(func)
    def wrapper(self: BaseApi, *args: Any, **kwargs: Any) -> Response:
        try:
            return func(self, *args, **kwargs)
        except ValidationError as exc:
            session.rollback()
            return self.response(400, message=exc.message, field=exc.field)
        except NotFound as exc:
            session.rollback()
            # A missing object named in the request body is bad input; in the path, 404.
            code = 404 if exc.field in (request.view_args or {}) or exc.field is None else 400
            return self.response(code, message=exc.message, field=exc.field)
        except AlreadyRunning as exc:
            session.rollback()
            return self.response(
                409, message=str(exc), run_id=exc.run_id, company_id=exc.company_id
            )
        except SyncAdminError as exc:
            session.rollback()
            return self.response(400, message=str(exc))
        except Exception:
            session.rollback()
            log.exception("API %s failed", request.path)
            return self.response(500, message="internal error; see the server log")

    return wrapper


def api_actor() -> Actor:
    """The user behind the JWT, API key or session, as the audit trail's actor."""
    user = current_app.appbuilder.sm.current_user
    if user is None:
        return Actor(name="anonymous", source="api", remote_addr=request.remote_addr)
    return Actor(name=user.username, id=user.id, source="api", remote_addr=request.remote_addr)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 saying what is wrong with it."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError(
            "the body must be a JSON object (Content-Type: application/json)", field="body"
        )
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object, not a list or a value", field="body")
    return data


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def answer_bad_tokens_with_401(app: Any) -> None:
    """A malformed or forged JWT is an authentication failure: 401, not Flask-JWT's 422."""
    jwt = app.extensions.get("flask-jwt-extended")
    if jwt is None:
        return

    @jwt.invalid_token_loader
    def _invalid(reason: str) -> Response:
        return Response(
            json.dumps({"message": f"Not authorized: {reason}"}),
            status=401,
            mimetype="application/json",
        )


def json_errors_under_api(app: Any, prefix: str = "/api/v1/sync/") -> None:
    """404/405 under ``prefix`` (no route matched: a bad path segment) answer JSON too.

    Other paths keep whatever handler the host registered, or Flask's default page.
    """
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    for exc_class in (NotFound, MethodNotAllowed):
        code = exc_class.code
        previous = app.error_handler_spec.get(None, {}).get(code, {}).get(exc_class)

        def handler(exc: Any, previous: Any = previous) -> Any:
            if request.path.startswith(prefix):
                return Response(
                    json.dumps({"message": exc.description or exc.name}),
                    status=exc.code,
                    mimetype="application/json",
                )
            return previous(exc) if previous is not None else exc

        app.register_error_handler(code, handler)
