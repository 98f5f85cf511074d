"""The provider contract: discovery through entry points, validation, classification."""

from __future__ import annotations

import os
import random
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import login

from sync_admin import providers
from sync_admin.errors import ProviderLoadError
from sync_admin.vocabulary import Category


def test_tiny_provider_is_discovered_and_validated(tiny_installed: None) -> None:
    found = providers.installed()
    assert "tiny" in found
    tiny = found["tiny"]
    assert tiny.label == "Tiny Books"
    assert [s.entity.value for s in tiny.entities] == [
        "account",
        "item",
        "contact",
        "invoice",
        "payment",
    ]
    assert "sync_admin_tiny.client" not in sys.modules, (
        "importing a plugin must not import its client"
    )


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict:
    if "tiny_installed" not in request.fixturenames:
        return {}
    request.getfixturevalue("tiny_installed")
    return {"SYNC_ADMIN_PROVIDERS": "tiny"}


def test_tiny_provider_appears_on_the_integrations_page(tiny_installed: None, app, client) -> None:
    from sync_admin.db import session
    from sync_admin.models import Organization

    with app.app_context():
        session.add(Organization(name="Acme", host_key="acme"))
        session.commit()
    login(client, "viewer")
    html = client.get("/sync-admin/integrations/").get_data(as_text=True)
    assert "Tiny Books" in html
    logo = client.get("/sync-admin/providers/tiny/logo")
    assert logo.status_code == 200 and b"<svg" in logo.data


def _broken_plugin(tmp_path: Path, name: str, body: str, entry: str | None = None) -> Path:
    package = tmp_path / f"sync_admin_{name}"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(body))
    dist = tmp_path / f"sync_admin_{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: sync-admin-{name}\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        f"[sync_admin.providers]\n{entry or name} = sync_admin_{name}:provider\n"
    )
    return tmp_path


BASE = """
from sync_admin_tiny import TinyProvider, CATALOG
from sync_admin.providers import Catalog, EntitySpec
from sync_admin.vocabulary import Direction, Entity
"""


@pytest.mark.parametrize(
    ("name", "body", "entry", "message"),
    [
        (
            "misnamed",
            BASE + "class P(TinyProvider):\n    name = 'other'\nprovider = P()\n",
            None,
            "declares name 'other'",
        ),
        (
            "nocatalog",
            BASE
            + "class P(TinyProvider):\n    name = 'nocatalog'\n    catalog = None\nprovider = P()\n",
            None,
            "catalog is missing",
        ),
        (
            "badentities",
            BASE
            + "class P(TinyProvider):\n    name = 'badentities'\n    catalog = Catalog('badentities', list(CATALOG))\n"
            + "    entities = (EntitySpec(Entity.PAYMENT, 'Payment', Direction.PUSH, depends_on=(Entity.INVOICE,)),)\n"
            + "provider = P()\n",
            None,
            "depends on invoice, which is not declared before it",
        ),
        (
            "notaprovider",
            "provider = object()\n",
            None,
            "must expose a sync_admin.providers.Provider",
        ),
        (
            "crashing",
            "raise RuntimeError('boom at import')\n",
            None,
            "failed to import: boom at import",
        ),
    ],
)
def test_broken_plugins_fail_loudly(
    tiny_installed: None, tmp_path: Path, name: str, body: str, entry: str | None, message: str
) -> None:
    path = str(_broken_plugin(tmp_path, name, body, entry))
    sys.path.insert(0, path)
    try:
        with pytest.raises(ProviderLoadError, match=message):
            providers.installed()
    finally:
        sys.path.remove(path)
        sys.modules.pop(f"sync_admin_{name}", None)


def test_classify_never_raises_on_any_body(tiny_installed: None) -> None:
    tiny = providers.installed()["tiny"]
    rng = random.Random(7)
    bodies: list[bytes | str | None] = [
        None,
        b"",
        b"   ",
        "<html><body>Bad gateway</body></html>",
        b'{"code": "DUP", "message": "name',
        "caf\xe9".encode("latin-1"),
        b"\xff\xfe\x00garbage",
        "<?xml version='1.0'?><Fault",
        b"[1, 2",
        b'{"code": "DUP", "message": "name \'Ann Lee\' is taken"}',
        b"plain text error",
        b"\x00" * 10,
    ]
    bodies += [os.urandom(rng.randint(0, 200)) for _ in range(200)]
    for status in (200, 400, 401, 404, 429, 500, 503):
        for body in bodies:
            entry = tiny.classify(status, body, {"Retry-After": "soon"})
            assert entry.category in Category
    diagnosis = tiny.diagnose(400, b'{"code": "DUP", "message": "name \'Ann Lee\' is taken"}')
    assert diagnosis.entry.code == "tiny.duplicate_name"
    assert diagnosis.facts == {"name": "Ann Lee"}
    assert tiny.classify(503, b"<html>down</html>").code == "tiny.server_error"
    assert tiny.classify(418, b"?").code == "tiny.unknown"
