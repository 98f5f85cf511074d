"""Fixtures of the QuickBooks plugin's tests: reference files, cassettes, a live sandbox."""

from __future__ import annotations

import copy
import functools
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from werkzeug.serving import make_server

REFERENCE = Path(__file__).parent / "reference"
CASSETTES = REFERENCE / "cassettes"


def cassette(name: str) -> list[dict[str, Any]]:
    """The recorded interactions of one cassette (``error/401`` for cassettes/error/401.yml)."""
    return copy.deepcopy(_cassette(name))


@functools.cache
def _cassette(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((CASSETTES / f"{name}.yml").read_text())
    return data["http_interactions"]


@pytest.fixture(scope="session")
def qbo() -> Any:
    from sync_admin import providers

    return providers.installed()["quickbooks"]


class Served:
    """A WSGI app on a real 127.0.0.1 port, served from a thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
