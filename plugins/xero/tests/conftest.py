"""Fixtures for the Xero plugin's tests: core's fixtures, the spec, a running sandbox.

Core's fixtures (``app``, ``client``, ``live_app``, ``page``, ...) live in the
repository's ``tests/conftest.py``; pytest only reads conftest files on the
path to a test, so they are imported here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = Path(__file__).resolve().parent / "reference"

if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from conftest import *  # noqa: E402, F403
from conftest import SCREENSHOTS, LiveServer, _push_request_context, _schema, browser_login  # noqa: E402, F401

# --- the Xero sandbox and the specification check ------------------------------------------


@pytest.fixture
def xero_sandbox() -> Any:
    """A fresh sandbox on a real localhost port."""
    from sync_admin_xero import provider

    with LiveServer(provider.sandbox_app()) as server:
        yield server


@pytest.fixture
def spec_check() -> Any:
    """Collects every exchange of the sessions it is attached to; fails the test on a
    request or response that breaks Xero's OpenAPI documents."""
    from .spec_check import SpecCheck

    check = SpecCheck()
    yield check
    check.assert_clean()


@pytest.fixture
def xero_api(xero_sandbox: Any, spec_check: Any) -> Any:
    """A checked requests session with a token for both seed organisations."""
    return SandboxAPI(xero_sandbox.url, spec_check)


class SandboxAPI:
    """Raw calls to the sandbox's Accounting API, as a Xero client would make them."""

    def __init__(self, url: str, check: Any) -> None:
        import requests
        from sync_admin_xero.sandbox.consent import grant_token

        self.url = url
        self.token, self.connections = grant_token(url)
        by_name = {c["tenantName"]: c["tenantId"] for c in self.connections}
        # The NZ organisation first: its GST of 15% is what the tests compute with.
        self.tenant = by_name["Demo Company (NZ)"]
        self.tenants = [self.tenant] + [t for t in by_name.values() if t != self.tenant]
        self.http = check.attach(requests.Session())

    def headers(self, tenant: str | None = None, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token['access_token']}",
            "xero-tenant-id": tenant or self.tenant,
            "Accept": "application/json",
            **extra,
        }

    def call(self, method: str, path: str, *, tenant: str | None = None, **kwargs: Any) -> Any:
        headers = {**self.headers(tenant), **kwargs.pop("headers", {})}
        return self.http.request(method, f"{self.url}/api.xro/2.0{path}", headers=headers, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        response = requests.request(method, f"{self.url}/_sandbox{path}", timeout=10, **kwargs)
        assert response.status_code < 400, response.text
        return response.json()
