"""Parsing filter values from request arguments, with messages that name the field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from ..errors import ValidationError

__all__ = ["day_end", "day_start", "parse_choice", "parse_date", "parse_int", "parse_text"]

MAX_TEXT = 200
MAX_INT = 2**31 - 1


def parse_text(args: Mapping[str, Any], name: str, label: str, min_len: int = 1) -> str | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if len(value) > MAX_TEXT:
        raise ValidationError(f"{label}: at most {MAX_TEXT} characters.", field=name)
    if len(value) < min_len:
        raise ValidationError(f"{label}: type at least {min_len} characters.", field=name)
    return value


def parse_int(args: Mapping[str, Any], name: str, label: str) -> int | None:
    value = (args.get(name) or "").strip() if isinstance(args.get(name), str) else args.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{label} must be a whole number, not {value!r}.", field=name
        ) from None
    if number < 1:
        raise ValidationError(f"{label} must be a positive number.", field=name)
    if number > MAX_INT:
        # Past PostgreSQL's integer: no such row, and comparing would be a database error.
        raise ValidationError(f"{label} {number} does not exist.", field=name)
    return number


def parse_choice(
    args: Mapping[str, Any], name: str, label: str, choices: Iterable[str] | type[StrEnum]
) -> str | None:
    value = (args.get(name) or "").strip().lower()
    if not value or value == "all":
        return None
    allowed = [c.value for c in choices] if isinstance(choices, type) else list(choices)
    if value not in allowed:
        raise ValidationError(
            f"{label} must be one of {', '.join(allowed)}, not {value!r}.", field=name
        )
    return value


def parse_date(args: Mapping[str, Any], name: str, label: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{label} must be a date like 2026-01-31, not {value!r}.", field=name
        ) from None


def day_start(day: date) -> datetime:
    """Midnight UTC opening ``day``: dates in filters are UTC days."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_end(day: date) -> datetime:
    """Midnight UTC after ``day`` (exclusive bound)."""
    return day_start(day) + timedelta(days=1)
