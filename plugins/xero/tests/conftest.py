"""Fixtures for the Xero plugin's tests: core's fixtures, the spec, a running sandbox.

Core's fixtures (``app``, ``client``, ``live_app``, ``page``, ...) live in the
repository's ``tests/conftest.py``; pytest only reads conftest files on the
path to a test, so they are imported here.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = Path(__file__).resolve().parent / "reference"

if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from conftest import *  # noqa: E402, F403
from conftest import LiveServer  # noqa: E402, F401
