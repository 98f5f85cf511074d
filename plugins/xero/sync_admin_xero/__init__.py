"""sync-admin's Xero provider plugin.

The entry point ``sync_admin.providers: xero`` loads ``provider``. Importing this
package imports neither the HTTP client nor the sandbox: ``build_client`` and
``sandbox_app`` import them when called.
"""

from __future__ import annotations

from .catalog import CATALOG
from .provider import XeroProvider

__all__ = ["CATALOG", "XeroProvider", "provider"]

provider = XeroProvider()
