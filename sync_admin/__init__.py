"""sync-admin: a Flask-AppBuilder plugin to connect, watch and repair a product's
sync with accounting software.

Public surface: ``SyncAdmin`` (the extension) and ``create_app`` (the standalone
admin). Both are imported lazily so that ``import sync_admin`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["SyncAdmin", "create_app"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .app import create_app
    from .extension import SyncAdmin


def __getattr__(name: str) -> Any:
    if name == "SyncAdmin":
        from .extension import SyncAdmin

        return SyncAdmin
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
