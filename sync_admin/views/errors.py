"""Not-found and forbidden pages of the admin screens, inside the admin layout.

Flask answers ``abort(404)`` with Werkzeug's bare page: no menu, no style, no
way back. Paths under the screens' prefixes (``/sync-admin/`` and the host's
record pages) render ``sync_admin/error.html`` in Flask-AppBuilder's layout
instead; every other path keeps the handler registered before (the API's JSON
answers, the host's own pages) or Flask's default.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import Forbidden, HTTPException, NotFound
from werkzeug.wrappers import Response

__all__ = ["ADMIN_PREFIX", "admin_error_pages", "admin_home", "page_prefixes"]

ADMIN_PREFIX = "/sync-admin/"
_PREFIXES_KEY = "sync_admin_page_prefixes"
_TITLES = {404: "Page not found", 403: "Access denied"}
_DEFAULT_TEXT = {
    404: "The page or record you asked for does not exist (any more).",
    403: "Your role does not allow this page. Ask an administrator for access.",
}


def page_prefixes(app: Flask) -> list[str]:
    """The path prefixes whose errors render in the admin layout (mutable: hosts add theirs)."""
    return app.extensions.setdefault(_PREFIXES_KEY, [ADMIN_PREFIX])


def admin_error_pages(app: Flask) -> None:
    """Render 403 and 404 under the admin prefixes in the admin layout, with a way back."""
    for exc_class in (NotFound, Forbidden):
        code = exc_class.code
        previous = app.error_handler_spec.get(None, {}).get(code, {}).get(exc_class)

        def handler(exc: HTTPException, previous: Any = previous) -> Any:
            path = request.path if request.path.endswith("/") else request.path + "/"
            if any(path.startswith(p) for p in page_prefixes(current_app)):
                return _page(exc)
            return previous(exc) if previous is not None else exc

        app.register_error_handler(code, handler)


def _page(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 404
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    description = exc.description
    if not description or description == type(exc).description:
        description = _DEFAULT_TEXT.get(code, exc.name)
    html = render_template(
        "sync_admin/error.html",
        base_template=appbuilder.base_template,
        appbuilder=appbuilder,
        code=code,
        title=_TITLES.get(code, exc.name),
        description=description,
        home=url_for("IntegrationsView.index"),
    )
    return html, code


def admin_home() -> Response:
    """``/sync-admin/`` itself: the Integrations screen (the first of the menu)."""
    return redirect(url_for("IntegrationsView.index"))
