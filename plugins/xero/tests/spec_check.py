"""Every exchange with the sandbox, checked against Xero's OpenAPI documents with openapi-core.

``SpecCheck.attach(session)`` hooks a ``requests`` session (the client's, or an
Authlib ``OAuth2Session``): each request is validated against
``xero_accounting.yaml`` (``/api.xro/2.0/...``) or ``xero-identity.yaml``
(``/connections``); each response too when the spec documents its status for
that operation. Statuses the spec does not document for an operation (Xero's
401/403/404/429/5xx answers) are counted in ``undocumented`` rather than
validated, and token responses are checked against the identity document's
``AccessToken`` schema. Failures are collected and reported by the fixture.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import yaml
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_schema_validator import OAS30Validator

from .conftest import REFERENCE

__all__ = ["SpecCheck", "accounting_spec", "identity_spec"]

XERO_API = "https://api.xero.com"


@functools.cache
def _load(name: str) -> tuple[OpenAPI, dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load((REFERENCE / name).read_text(), Loader=loader)
    # Xero's documents break their own schema in two ways that openapi-core trips on while
    # unmarshalling (it fills in defaults): boolean defaults written as strings ("false"),
    # and defaults on read-only properties (then "written" into every request). Both are
    # repaired in memory; the spec document itself is therefore not re-validated.
    _repair_defaults(raw)
    return OpenAPI(SchemaPath.from_dict(raw), config=Config(spec_validator_cls=None)), raw


def _repair_defaults(node: Any) -> None:
    if isinstance(node, dict):
        if "default" in node:
            if node.get("readOnly"):
                del node["default"]
            elif node.get("type") == "boolean" and isinstance(node["default"], str):
                node["default"] = node["default"].lower() == "true"
        for value in node.values():
            _repair_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _repair_defaults(value)


def accounting_spec() -> tuple[OpenAPI, dict[str, Any]]:
    return _load("xero_accounting.yaml")


def identity_spec() -> tuple[OpenAPI, dict[str, Any]]:
    return _load("xero-identity.yaml")


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    operation: str
    response_checked: bool


@dataclass
class SpecCheck:
    exchanges: list[Exchange] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    undocumented: dict[str, int] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)
    # Bodies that are not JSON at all (an injected truncated answer): nothing to validate.
    malformed: list[str] = field(default_factory=list)

    def attach(self, session: requests.Session) -> requests.Session:
        session.hooks.setdefault("response", []).append(self._hook)
        return session

    # --- one exchange ------------------------------------------------------------------

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            self.check(response)
        except Exception as exc:  # a crash of the checker is a failure, not a skipped check
            self.failures.append(f"{response.request.method} {response.url}: checker error {exc!r}")
        return response

    def check(self, response: requests.Response) -> None:
        request = response.request
        parts = urlsplit(request.url or "")
        path = parts.path
        if path.startswith("/api.xro/2.0/") or path == "/api.xro/2.0":
            spec, raw = accounting_spec()
            spec_path = path
        elif path.lower().startswith("/connections"):
            spec, raw = identity_spec()
            spec_path = "/Connections" + path[len("/connections") :]
        elif path == "/connect/token":
            self._check_token(response)
            return
        else:
            self.unchecked.append(f"{request.method} {path}")
            return
        prepared = request.copy()
        prepared.url = urlunsplit(("https", "api.xero.com", spec_path, parts.query, ""))
        openapi_request = RequestsOpenAPIRequest(prepared)
        label = f"{request.method} {path}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openapi-core does not support the oauth2 scheme
            result = spec.unmarshal_request(openapi_request)
        errors = [e for e in result.errors if "security" not in type(e).__name__.lower()]
        if errors:
            self.failures.append(f"request {label}: {_describe(errors)}")
        operation = _operation(raw, spec_path.removeprefix("/api.xro/2.0"), request.method or "GET")
        documented = str(response.status_code) in (operation.get("responses") or {})
        if documented and response.status_code != 204 and not _json_body(response):
            self.malformed.append(f"{response.status_code} {label}")
        elif documented and response.status_code != 204:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                checked = spec.unmarshal_response(
                    openapi_request, RequestsOpenAPIResponse(response)
                )
            if checked.errors:
                self.failures.append(
                    f"response {response.status_code} to {label}: {_describe(checked.errors)}"
                )
        elif not documented:
            key = f"{response.status_code} {operation.get('operationId', label)}"
            self.undocumented[key] = self.undocumented.get(key, 0) + 1
        self.exchanges.append(
            Exchange(
                request.method or "",
                path,
                response.status_code,
                str(operation.get("operationId", "")),
                documented,
            )
        )

    def _check_token(self, response: requests.Response) -> None:
        if response.status_code != 200:
            self.undocumented[f"{response.status_code} token"] = (
                self.undocumented.get(f"{response.status_code} token", 0) + 1
            )
            return
        _, raw = identity_spec()
        schema = raw["components"]["schemas"]["AccessToken"]
        errors = [e.message for e in OAS30Validator(schema).iter_errors(response.json())]
        if errors:
            self.failures.append(f"token response: {errors}")
        self.exchanges.append(Exchange("POST", "/connect/token", 200, "token", True))

    # --- summaries ---------------------------------------------------------------------------

    def operations(self) -> set[str]:
        return {e.operation for e in self.exchanges if e.operation}

    def checked_responses(self) -> int:
        return sum(1 for e in self.exchanges if e.response_checked)

    def assert_clean(self) -> None:
        unknown = [e for e in self.exchanges if not e.operation]
        assert not unknown, f"exchanges with no operation in the spec: {unknown}"
        assert not self.failures, "exchanges that break Xero's OpenAPI documents:\n" + "\n".join(
            self.failures
        )


def _json_body(response: requests.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


def _operation(raw: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The spec's operation for a concrete path (templated segments match anything)."""
    wanted = [s for s in path.split("/") if s]
    for template, operations in raw["paths"].items():
        parts = [s for s in template.split("/") if s]
        if len(parts) != len(wanted):
            continue
        if all(p.startswith("{") or p == w for p, w in zip(parts, wanted, strict=True)):
            found = operations.get(method.lower())
            if isinstance(found, dict):
                return found
    return {}


def _describe(errors: list[Exception]) -> str:
    out = []
    for error in errors:
        out.append(f"{type(error).__name__}: {error}")
        for cause in getattr(error, "schema_errors", None) or []:
            out.append(
                f"  - {getattr(cause, 'message', cause)} at {list(getattr(cause, 'path', []))}"
            )
        inner = error.__cause__
        while inner is not None:
            for cause in getattr(inner, "schema_errors", None) or []:
                out.append(
                    f"  - {getattr(cause, 'message', cause)} at {list(getattr(cause, 'path', []))}"
                )
            inner = inner.__cause__
    return "\n".join(out)[:3000]


class RecordingMiddleware:
    """WSGI middleware around the sandbox: every exchange, whoever the client (core's
    Authlib session during connect and disconnect included), goes through ``check``."""

    def __init__(self, app: Any, check: SpecCheck) -> None:
        self.app = app
        self.check = check

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from io import BytesIO

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = BytesIO(body)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers
            return start_response(status, headers, *args)

        chunks = list(self.app(environ, capture))
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/api.xro/2.0", "/connections", "/connect/token")):
            self._check(environ, body, captured, b"".join(chunks))
        return chunks

    def _check(
        self, environ: dict[str, Any], body: bytes, captured: dict[str, Any], content: bytes
    ) -> None:
        query = environ.get("QUERY_STRING", "")
        url = f"http://sandbox{environ.get('PATH_INFO', '')}" + (f"?{query}" if query else "")
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        prepared = requests.Request(
            environ["REQUEST_METHOD"], url, headers=headers, data=body or None
        ).prepare()
        response = requests.Response()
        response.status_code = captured["status"]
        response._content = content
        response.headers.update(dict(captured["headers"]))
        response.request = prepared
        response.url = url
        self.check._hook(response)
