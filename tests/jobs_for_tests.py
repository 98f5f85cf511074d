"""Job functions the queue tests enqueue (importable by real RQ workers)."""

from __future__ import annotations

import os

from flask import current_app
from sqlalchemy import func, select


def count_organizations() -> dict[str, object]:
    from sync_admin.db import session
    from sync_admin.models import Organization

    return {
        "app": current_app.name,
        "organizations": session.scalar(select(func.count()).select_from(Organization)),
        "pid": os.getpid(),
    }
