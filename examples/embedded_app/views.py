"""The host product's own admin screens."""

from __future__ import annotations

from typing import Any

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from .models import Member


class MemberView(ModelView):
    datamodel = SQLAInterface(Member)
    list_columns = ["name", "email"]


def register_views(appbuilder: Any) -> None:
    appbuilder.add_view(MemberView, "Members", icon="fa-users", category="Acme")
