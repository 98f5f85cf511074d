"""Schemathesis against the OpenAPI document FAB publishes, over real HTTP.

Every sync-admin operation under /api/v1/sync/ gets generated requests (valid
and invalid paths, queries and bodies, and bad credentials); each answer must
not be a 5xx, must use a status and content type the document declares, match
the declared schema, and refuse bad credentials with 401.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from api_support import add, bearer, jwt_for, make_acme
from conftest import tiny_config
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sync_admin.models import Log, SyncResult, utcnow

pytestmark = pytest.mark.slow

EXAMPLES = 40


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return tiny_config(request)


def _document(app: Any, client: Any) -> tuple[dict[str, Any], str]:
    # A JWT: an API key is checked with scrypt on every request, which makes fuzzing slow.
    token = jwt_for(client, "admin")
    response = client.get("/api/v1/_openapi", headers=bearer(token))
    assert response.status_code == 200
    return response.get_json(), token


def test_published_document_is_valid_openapi(app: Any, client: Any) -> None:
    doc, _ = _document(app, client)
    validate(doc)
    ours = {p for p in doc["paths"] if p.startswith("/api/v1/sync/")}
    assert "/api/v1/sync/{provider}/{organization_id}/status" in ours
    assert "/api/v1/sync/{provider}/{organization_id}/retry" in ours
    assert len(ours) == 9


def test_schemathesis_finds_no_failure(app: Any, client: Any, live_app: Any) -> None:
    acme = make_acme(app)
    add(
        app,
        SyncResult(
            company_id=acme.company,
            entity="contact",
            direction="push",
            local_id="c1",
            outcome="failed",
            catalog_code="tiny.duplicate_name",
            last_attempt_at=utcnow(),
        ),
        Log(
            organization_id=acme.org,
            company_id=acme.company,
            provider="tiny",
            type="event",
            level="error",
            message="Duplicate name",
        ),
    )
    doc, token = _document(app, client)
    schema = schemathesis.openapi.from_dict(doc).include(path_regex=r"^/api/v1/sync/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    failures: list[str] = []
    calls: dict[str, int] = {}
    for operation in operations:
        try:
            _fuzz(operation, live_app.url, token, calls)()
        except Exception as exc:  # a failing check, or a broken test set-up: both fail below
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:1500])
    assert failures == []
    assert sorted(calls) == sorted(op.label for op in operations)
    assert all(n >= 5 for n in calls.values()), calls
    print(f"schemathesis: {sum(calls.values())} requests over {len(calls)} operations: {calls}")


def _fuzz(operation: Any, base_url: str, token: str, calls: dict[str, int]) -> Any:
    label = operation.label

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        calls[label] = calls.get(label, 0) + 1
        response = case.call(base_url=base_url, headers=bearer(token))
        # Every check but "positive data acceptance": an opaque cursor, a record id or a
        # provider name can match the schema and still not exist; that is a 400 naming
        # the field (issue 7), which that check counts as rejecting valid data.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    return check
