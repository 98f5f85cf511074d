"""The host product's own table."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String


class Member(Model):
    __tablename__ = "acme_member"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    email = Column(String(255))

    def __repr__(self) -> str:
        return self.name
