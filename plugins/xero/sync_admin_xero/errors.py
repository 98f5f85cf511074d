"""Reading Xero's error bodies, whatever their shape.

Xero answers errors in several shapes (provider_facts.md 3.2): an ApiException
(``ErrorNumber``, ``Type``, ``Elements[].ValidationErrors[]``) in JSON or XML;
RFC 7807-style problem objects with PascalCase keys for 401/403/500; per-element
``ValidationErrors`` inside a 200 when ``summarizeErrors=false``; plain text for
404 and 503; HTML pages for some 500s; form-encoded or JSON OAuth errors from
the identity server; empty and truncated bodies. ``parse_error`` turns each into
an ``ErrorInfo`` (codes and messages) for the catalog to match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs
from xml.etree.ElementTree import Element

from sync_admin.providers import ErrorInfo

__all__ = ["parse_error", "validation_messages"]

_MAX_MESSAGES = 20
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def parse_error(
    status: int, text: str, kind: str, parsed: Any, headers: Mapping[str, str]
) -> ErrorInfo:
    info = ErrorInfo(status=status, kind=kind)
    problem = headers.get("x-rate-limit-problem")
    if problem:
        info.codes.append(f"rate:{problem.strip().lower()}")
    if kind == "json":
        _from_json(info, parsed)
    elif kind == "xml" and parsed is not None:
        _from_xml(info, parsed)
    elif kind == "html":
        title = _TITLE.search(text)
        info.messages.append(" ".join((title.group(1) if title else text[:200]).split()))
    elif kind == "text":
        _from_text(info, text.strip())
    elif kind == "truncated":
        info.messages.append(text.strip()[:200])
    info.messages = _unique(info.messages)[:_MAX_MESSAGES]
    return info


def validation_messages(node: Any) -> list[str]:
    """Every ``ValidationErrors[].Message`` in an element, nested included; the
    ``Warnings`` only when there is no error (a warning never outranks an error)."""
    errors = _unique(list(_walk_messages(node, "ValidationErrors")))
    return errors or _unique(list(_walk_messages(node, "Warnings")))


def _from_json(info: ErrorInfo, body: Any) -> None:
    if isinstance(body, list):
        info.messages.extend(validation_messages(body))
        return
    if not isinstance(body, dict):
        info.messages.append(str(body)[:200])
        return
    keys = {k.lower(): k for k in body}
    if "errornumber" in keys or ("type" in keys and "elements" in keys):
        # ApiException: ValidationException, PostDataInvalidException, ...
        number = body.get(keys.get("errornumber", ""), None)
        if number is not None:
            info.codes.append(str(number))
        kind = body.get(keys.get("type", ""))
        if kind:
            info.codes.append(str(kind))
            info.fault_type = str(kind)
        nested = validation_messages(body.get(keys.get("elements", ""), []))
        info.messages.extend(nested)
        message = body.get(keys.get("message", ""))
        if message and (not nested or kind != "ValidationException"):
            info.messages.append(str(message))
        return
    if "error" in keys and isinstance(body.get(keys["error"]), str):
        # OAuth error from the identity server.
        info.codes.append(str(body[keys["error"]]))
        info.messages.append(str(body[keys["error"]]))
        description = body.get(keys.get("error_description", ""))
        if description:
            info.messages.append(str(description))
        return
    if "title" in keys or "detail" in keys:
        # Problem object: {"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: ..."}
        detail = str(body.get(keys.get("detail", ""), "") or "")
        title = str(body.get(keys.get("title", ""), "") or "")
        word = detail.split(":", 1)[0].strip()
        if word and " " not in word:
            info.codes.append(word)
        info.messages.extend(m for m in (detail, title) if m)
        return
    # A collection answered with summarizeErrors=false, or a single element.
    info.messages.extend(validation_messages(body))
    if not info.messages:
        for key in ("Message", "message", "Detail", "detail"):
            if body.get(key):
                info.messages.append(str(body[key]))


def _from_xml(info: ErrorInfo, root: Element) -> None:
    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    for element in root.iter():
        name = local(element.tag)
        value = (element.text or "").strip()
        if name == "ErrorNumber" and value:
            info.codes.append(value)
        elif name == "Type" and value and element in list(root):
            info.codes.append(value)
            info.fault_type = value
    nested = [
        (m.text or "").strip()
        for v in root.iter()
        if local(v.tag) == "ValidationError"
        for m in v
        if local(m.tag) == "Message"
    ]
    info.messages.extend(n for n in nested if n)
    if not nested:
        for child in root:
            if local(child.tag) == "Message" and child.text:
                info.messages.append(child.text.strip())


def _from_text(info: ErrorInfo, text: str) -> None:
    if "=" in text and "\n" not in text and " " not in text.split("=", 1)[0]:
        fields = parse_qs(text, keep_blank_values=True)
        if fields:
            for key in ("error", "oauth_problem"):
                for value in fields.get(key, []):
                    info.codes.append(value)
            # Decoded "key=value" pairs: catalog patterns read "oauth_problem=..." from them.
            info.messages.extend(
                f"{key}={value}" for key, values in fields.items() for value in values
            )
            return
    info.messages.append(text[:500])


def _walk_messages(node: Any, key: str) -> Iterator[str]:
    if isinstance(node, dict):
        items = node.get(key)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and item.get("Message"):
                    yield str(item["Message"])
        for name, value in node.items():
            if name != key and isinstance(value, dict | list):
                yield from _walk_messages(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_messages(item, key)


def _unique(messages: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for message in messages:
        if message and message not in seen:
            seen.add(message)
            out.append(message)
    return out
