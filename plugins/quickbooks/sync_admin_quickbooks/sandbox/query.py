"""QBO's query language, as far as integrations use it.

``SELECT * | COUNT(*) FROM <Entity> [WHERE a op v [AND ...]] [ORDERBY f [ASC|DESC]]
[STARTPOSITION n] [MAXRESULTS m]``; ``op`` is =, <, >, <=, >=, LIKE (``%`` only) or
IN (...). No OR, no joins, no projections (reference/provider_facts.md 5.1).
STARTPOSITION is 1-based, MAXRESULTS at most 1000 (4001 otherwise). Name-list
entities return only active records unless the query filters on ``Active``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .faults import QboFault

__all__ = ["Query", "parse", "run"]

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op><=|>=|!=|=|<|>|\(|\)|,|\*)|(?P<word>[A-Za-z_][\w.]*(?:\(\*\))?))",
)
ACTIVE_FILTERED = ("Customer", "Vendor", "Employee", "Account", "Item", "TaxCode")


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[tuple[str, str, Any]] = field(default_factory=list)
    order: tuple[str, bool] | None = None
    start: int = 1
    max_results: int = 100


def _invalid(detail: str) -> QboFault:
    return QboFault("4001", "Invalid query", f"QueryValidationError: {detail}")


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise QboFault(
                "4000",
                "Error parsing query",
                f'QueryParserError: Encountered "{text[pos : pos + 10]}"',
            )
        pos = found.end()
        kind = found.lastgroup or ""
        value: Any = found.group(kind)
        if kind == "string":
            value = value[1:-1].replace("\\'", "'").replace("''", "'")
        out.append((kind, value))
    return out


def parse(text: str, known: tuple[str, ...]) -> Query:
    if not text or not text.strip():
        raise QboFault(
            "4000", "Error parsing query", "QueryParserError: The query provided was empty"
        )
    tokens = _tokens(text)
    pos = 0

    def take() -> tuple[str, Any]:
        nonlocal pos
        if pos >= len(tokens):
            raise QboFault(
                "4000", "Error parsing query", "QueryParserError: Encountered end of query"
            )
        pos += 1
        return tokens[pos - 1]

    def peek_word() -> str:
        return str(tokens[pos][1]).upper() if pos < len(tokens) and tokens[pos][0] == "word" else ""

    if str(take()[1]).upper() != "SELECT":
        raise QboFault(
            "4000", "Error parsing query", 'QueryParserError: Encountered "" Expected SELECT'
        )
    kind, value = take()
    count = kind == "word" and str(value).upper() == "COUNT(*)"
    if not count and value != "*":
        raise QboFault(
            "4000", "Error parsing query", "QueryParserError: projections are not supported"
        )
    if str(take()[1]).upper() != "FROM":
        raise QboFault("4000", "Error parsing query", "QueryParserError: Expected FROM")
    entity = str(take()[1])
    canonical = next((k for k in known if k.lower() == entity.lower()), None)
    if canonical is None:
        raise _invalid(f"invalid context declaration: {entity}")
    query = Query(entity=canonical, count=count)
    while pos < len(tokens):
        word = peek_word()
        take()
        if word in ("WHERE", "AND"):
            query.where.append(_condition(take))
        elif word == "OR":
            raise QboFault("4000", "Error parsing query", "QueryParserError: OR is not supported")
        elif word == "ORDERBY" or word == "ORDER":
            if word == "ORDER" and str(take()[1]).upper() != "BY":
                raise QboFault("4000", "Error parsing query", "QueryParserError: Expected BY")
            name = str(take()[1])
            descending = peek_word() == "DESC"
            if peek_word() in ("ASC", "DESC"):
                take()
            query.order = (name, descending)
        elif word in ("STARTPOSITION", "MAXRESULTS"):
            kind, value = take()
            if kind != "number":
                raise QboFault(
                    "4000", "Error parsing query", f"QueryParserError: {word} needs a number"
                )
            number = int(value)
            if number < 1:
                raise _invalid(f"value {number} is too small. Min allowed value is 1")
            if word == "MAXRESULTS" and number > 1000:
                raise _invalid(f"value {number} is too large. Max allowed value is 1000")
            if word == "STARTPOSITION":
                query.start = number
            else:
                query.max_results = number
        else:
            raise QboFault("4000", "Error parsing query", f'QueryParserError: Encountered "{word}"')
    return query


def _condition(take: Any) -> tuple[str, str, Any]:
    kind, name = take()
    if kind != "word":
        raise QboFault("4000", "Error parsing query", "QueryParserError: Expected a field")
    kind, op = take()
    op = str(op).upper()
    if op == "IN":
        if take()[1] != "(":
            raise QboFault("4000", "Error parsing query", "QueryParserError: Expected (")
        values = []
        while True:
            kind, value = take()
            if value == ")":
                break
            if value == ",":
                continue
            values.append(_literal(kind, value))
        return str(name), "IN", values
    if op not in ("=", "<", ">", "<=", ">=", "!=", "LIKE"):
        raise QboFault("4000", "Error parsing query", f'QueryParserError: Encountered "{op}"')
    kind, value = take()
    return str(name), op, _literal(kind, value)


def _literal(kind: str, value: Any) -> Any:
    if kind == "word" and str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    if kind == "number":
        return float(value)
    return value


def _field(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict) and "value" in value:  # CustomerRef = '1'
        value = value["value"]
    return value


def _comparable(value: Any, other: Any) -> tuple[Any, Any]:
    if isinstance(other, bool) or isinstance(value, bool):
        return bool(value), bool(other)
    try:  # numbers, also when quoted ("TotalAmt > '300.00'")
        return float(value), float(other)
    except (TypeError, ValueError):
        pass
    text_a, text_b = str(value if value is not None else ""), str(other)
    try:
        return datetime.fromisoformat(text_a), datetime.fromisoformat(text_b)
    except ValueError:
        return text_a.casefold(), text_b.casefold()


def _matches(record: dict[str, Any], name: str, op: str, expected: Any) -> bool:
    value = _field(record, name)
    if op == "IN":
        return any(_equal(value, option) for option in expected)
    if op == "LIKE":
        pattern = "^" + ".*".join(re.escape(p) for p in str(expected).split("%")) + "$"
        return re.match(pattern, str(value or ""), re.IGNORECASE) is not None
    if value is None:
        return False
    try:
        a, b = _comparable(value, expected)
        return {"=": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    except TypeError:
        return False


def _equal(value: Any, option: Any) -> bool:
    a, b = _comparable(value, option)
    return a == b


def run(query: Query, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``QueryResponse`` object for a parsed query."""
    rows = records
    if query.entity in ACTIVE_FILTERED and not any(n == "Active" for n, _, _ in query.where):
        rows = [r for r in rows if r.get("Active", True)]
    for name, op, expected in query.where:
        rows = [r for r in rows if _matches(r, name, op, expected)]
    if query.count:
        return {"totalCount": len(rows)}
    if query.order:
        name, descending = query.order
        rows = sorted(rows, key=lambda r: str(_field(r, name) or ""), reverse=descending)
    elif query.entity in ACTIVE_FILTERED:
        # Name lists come in FullyQualifiedName order, case-sensitive (as recorded: "PG&E"
        # before "Pam Seitz", a sub-customer right after its parent).
        rows = sorted(rows, key=lambda r: (_name(r), _id_key(r)))
    else:
        rows = sorted(rows, key=_id_key)
    page = rows[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def _name(record: dict[str, Any]) -> str:
    return str(
        record.get("FullyQualifiedName") or record.get("DisplayName") or record.get("Name") or ""
    )


def _id_key(record: dict[str, Any]) -> tuple[int, str]:
    text = str(record.get("Id", ""))
    return (int(text), text) if text.isdigit() else (10**18, text)
