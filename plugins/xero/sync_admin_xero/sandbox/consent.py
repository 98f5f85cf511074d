"""Consent without a browser: a token from a running sandbox, for tests, the demo and benches.

``grant_token(url)`` does what a staff member does on the consent page (Allow,
with the chosen organisations), exchanges the code with PKCE, and returns the
token response (with ``expires_at``) and the connections it created.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

from . import DEFAULT_CLIENT

__all__ = ["grant_token"]


def grant_token(
    url: str,
    *,
    tenants: list[str] | None = None,
    client: tuple[str, str] = DEFAULT_CLIENT,
    redirect_uri: str = "http://127.0.0.1/callback",
    scope: str = "openid profile email offline_access accounting.transactions "
    "accounting.contacts accounting.settings",
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(token, connections) for the given tenants (every organisation of the user when None)."""
    base = url.rstrip("/")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    fields = {
        "response_type": "code",
        "client_id": client[0],
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
        "decision": "allow",
    }
    if tenants is None:
        listed = requests.get(f"{base}/_sandbox/organisations", timeout=10).json()
        tenants = [o["tenant_id"] for o in listed["organisations"]]
    answer = requests.post(
        f"{base}/identity/connect/authorize",
        data={**fields, "tenant": tenants},
        allow_redirects=False,
        timeout=10,
    )
    answer.raise_for_status()
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    token = requests.post(
        f"{base}/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=client,
        timeout=10,
    )
    token.raise_for_status()
    body = token.json()
    body["expires_at"] = int(time.time()) + int(body["expires_in"])
    connections = requests.get(
        f"{base}/connections",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=10,
    ).json()
    return body, connections
