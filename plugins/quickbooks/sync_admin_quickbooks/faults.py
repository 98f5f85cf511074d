"""Reading QuickBooks error bodies of every shape into codes and messages.

QuickBooks answers errors in several envelopes (reference/provider_facts.md 3.1):
the standard JSON ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}]}}``,
the gateway's lower-case ``{"fault": {"error": [{"message", "detail", "code"}]}}``
(401, 403), XML ``<IntuitResponse><Fault><Error code=..>`` (throttling and auth,
even when JSON was asked for), a Fault inside an HTTP 200 (batch items), OAuth
``{"error": "invalid_grant"}``, HTML pages and empty bodies. Nothing here raises.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import Any

from sync_admin.providers import ErrorInfo

__all__ = ["fault_errors", "parse_error"]

_ERROR_CODE = re.compile(r"errorCode=0*(\d+)")
_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def parse_error(
    status: int, text: str, kind: str, parsed: Any, headers: Mapping[str, str]
) -> ErrorInfo:
    info = ErrorInfo(status=status, kind=kind)
    if kind == "json":
        _read_json(info, parsed)
    elif kind == "xml":
        _read_xml(info, parsed)
    elif kind == "html":
        info.messages = ["'<' is an invalid start of a value: " + _html_summary(text)]
    elif kind == "empty":
        info.messages = [
            "The input does not contain any JSON tokens. Expected the input to start with "
            "a valid JSON token, when isFinalBlock is true."
        ]
    elif kind == "truncated":
        info.messages = ["The answer was cut off: " + text.strip()[:200]]
    else:
        info.messages = [text.strip()[:500]]
    for message in list(info.messages):
        for code in _ERROR_CODE.findall(message):
            if code not in info.codes:
                info.codes.append(code)
    return info


def fault_errors(parsed: Any) -> Iterator[tuple[str, str, str, str]]:
    """(code, message, detail, element) of every error in a JSON Fault, either case."""
    if not isinstance(parsed, Mapping):
        return
    fault = parsed.get("Fault") or parsed.get("fault")
    if not isinstance(fault, Mapping):
        return
    errors = fault.get("Error") or fault.get("error") or []
    if isinstance(errors, Mapping):
        errors = [errors]
    if not isinstance(errors, list):
        return
    for error in errors:
        if not isinstance(error, Mapping):
            continue
        yield (
            _text(error.get("code")),
            _text(error.get("Message", error.get("message"))),
            _text(error.get("Detail", error.get("detail"))),
            _text(error.get("element")),
        )


def _read_json(info: ErrorInfo, parsed: Any) -> None:
    if isinstance(parsed, Mapping):
        fault = parsed.get("Fault") or parsed.get("fault")
        if isinstance(fault, Mapping):
            info.fault_type = _text(fault.get("type")) or None
            for code, message, detail, element in fault_errors(parsed):
                _add(info, code, message, detail, element)
            return
        # A Fault inside an HTTP 200: batch items, attachable uploads. Read the first.
        for value in parsed.values():
            if not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, Mapping) and isinstance(
                    item.get("Fault") or item.get("fault"), Mapping
                ):
                    _read_json(info, item)
                    return
        if "error" in parsed and not isinstance(parsed.get("error"), Mapping | list):
            error = _text(parsed.get("error"))
            description = _text(parsed.get("error_description"))
            info.codes.append(error)
            info.messages.append(f"{error}: {description}" if description else error)
            return
    info.messages.append(_text(parsed)[:500])


def _read_xml(info: ErrorInfo, root: Any) -> None:
    fault = None
    for element in root.iter():
        if _local(element.tag) == "Fault":
            fault = element
            break
    if fault is None:
        info.messages.append(_text(ET.tostring(root, encoding="unicode"))[:500])
        return
    info.fault_type = fault.get("type")
    for error in fault:
        if _local(error.tag) != "Error":
            continue
        message = detail = ""
        for child in error:
            if _local(child.tag) == "Message":
                message = (child.text or "").strip()
            elif _local(child.tag) == "Detail":
                detail = (child.text or "").strip()
        _add(info, error.get("code", ""), message, detail, error.get("element", ""))


def _add(info: ErrorInfo, code: str, message: str, detail: str, element: str) -> None:
    if code:
        info.codes.append(code)
    text = message
    if detail and detail != message:
        text = f"{message}: {detail}" if message else detail
    if element:
        text = f"{text} [element={element}]"
    if text:
        info.messages.append(text)


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _html_summary(text: str) -> str:
    found = _TITLE.search(text)
    summary = found.group(1) if found else _TAGS.sub(" ", text)
    return " ".join(html.unescape(summary).split())[:200]
