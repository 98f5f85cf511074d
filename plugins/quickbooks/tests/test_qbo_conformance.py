"""Faithfulness: replay the requests recorded against Intuit's sandbox, compare the answers.

Every interaction in ``reference/cassettes`` (qbo_api's VCR cassettes, recorded
against the real QBO sandbox) that the local sandbox supports is replayed over
real HTTP, and the status, the content type and the structure of the body (keys
and value types, not values) must match the recording.

Before each request the sandbox company is put in the state the recorded company
was in: every object the cassettes read back (query results, single reads, batch
and CDC answers) that already existed at the recorded time is loaded into a realm
(objects created later are left out, so the recorded creates do not collide).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from sync_admin_quickbooks.sandbox.seed import seed

from .conftest import CASSETTES, Served, cassette
from .test_qbo_sandbox import connect

REALM = "9130354467721571"

# Recorded interactions the sandbox does not imitate, and why (also in docs/providers/quickbooks.md).
UNSUPPORTED = {
    "attachment/create_for_invoice": "attachments (multipart upload) are not part of the sync",
    "attachment/delete_attachment": "attachments are not part of the sync",
    "attachment/error_estimate": "attachments are not part of the sync",
    "attachment/read_attachment": "attachments are not part of the sync",
    "reports/gl": "reports are not part of the sync",
    "reports/profit_and_loss": "reports are not part of the sync",
}

# Keys the real QBO adds that the sandbox leaves out on purpose: the sample company's
# custom field definitions and geocoding of addresses (nothing the plugin reads).
IGNORED_KEYS = {"CustomField", "Lat", "Long"}

ENTITY_KEYS = (
    "Customer", "Vendor", "Employee", "Account", "Item", "TaxCode", "Invoice", "Payment",
    "CreditMemo", "SalesReceipt", "Estimate",
)  # fmt: skip


def interactions() -> Iterator[tuple[str, int]]:
    for path in sorted(CASSETTES.rglob("*.yml")):
        name = str(path.relative_to(CASSETTES).with_suffix(""))
        for index, _ in enumerate(cassette(name)):
            yield name, index


SUPPORTED = [(n, i) for n, i in interactions() if n not in UNSUPPORTED]


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def differences(recorded: Any, replayed: Any, path: str = "$") -> list[str]:
    """Where two bodies differ in structure: keys, value types, and which rows a list holds."""
    if kind(recorded) != kind(replayed):
        return [f"{path}: {kind(recorded)} recorded, {kind(replayed)} replayed"]
    if isinstance(recorded, dict):
        found = []
        for key in sorted((set(recorded) | set(replayed)) - IGNORED_KEYS):
            if key not in replayed:
                found.append(f"{path}.{key}: missing")
            elif key not in recorded:
                found.append(f"{path}.{key}: not in the recording")
            else:
                found.extend(differences(recorded[key], replayed[key], f"{path}.{key}"))
        return found
    if isinstance(recorded, list):
        if len(recorded) != len(replayed):
            return [f"{path}: {len(recorded)} elements recorded, {len(replayed)} replayed"]
        rows = [r.get("Id") if isinstance(r, dict) else None for r in recorded]
        if all(rows):  # records: the same rows, compared row by row
            by_id = {r.get("Id"): r for r in replayed if isinstance(r, dict)}
            if set(by_id) != set(rows):
                return [f"{path}: rows {rows} recorded, {list(by_id)} replayed"]
            return [
                d for r in recorded for d in differences(r, by_id[r["Id"]], f"{path}[{r['Id']}]")
            ]
        return [
            d
            for a, b in zip(recorded, replayed, strict=True)
            for d in differences(a, b, f"{path}[]")
        ]
    return []


def _when(interaction: dict[str, Any]) -> datetime:
    return parsedate_to_datetime(interaction["recorded_at"])


def _objects(body: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every QBO object in a recorded answer."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ENTITY_KEYS:
                for obj in value if isinstance(value, list) else [value]:
                    if isinstance(obj, dict) and obj.get("Id") and obj.get("status") != "Deleted":
                        yield key, obj
            elif isinstance(value, dict | list):
                yield from _objects(value)
    elif isinstance(body, list):
        for value in body:
            yield from _objects(value)


Snapshot = tuple[datetime, str, int, dict[str, Any]]  # recorded at, cassette, index, object


def recorded_company() -> dict[tuple[str, str], list[Snapshot]]:
    """Every object the recordings answered with: its snapshots, by the time they were recorded."""
    found: dict[tuple[str, str], list[Snapshot]] = {}
    for name, index in interactions():
        interaction = cassette(name)[index]
        try:
            body = json.loads(interaction["response"]["body"]["string"])
        except ValueError:
            continue
        for entity, obj in _objects(body):
            found.setdefault((entity, obj["Id"]), []).append((_when(interaction), name, index, obj))
    return {key: sorted(snapshots, key=lambda s: s[:3]) for key, snapshots in found.items()}


def _as_of(snapshots: list[Snapshot], name: str, index: int, at: datetime) -> dict[str, Any] | None:
    """The object as it was just before interaction ``index`` of cassette ``name``: the last
    snapshot recorded earlier (a read's own answer counts: the recordings come from more than
    one reset of Intuit's sample company, so it is the only exact picture of its moment), else
    the first one after, if the object already existed then."""
    reading = cassette(name)[index]["request"]["method"] == "get"

    def earlier(s: Snapshot) -> bool:
        if s[1] == name:
            return s[2] < index or (s[2] == index and reading)
        return s[0] < at - timedelta(seconds=1)

    before = [s[3] for s in snapshots if earlier(s)]
    if before:
        return before[-1]
    first = snapshots[0][3]
    created = datetime.fromisoformat(first["MetaData"]["CreateTime"])
    return first if created < at - timedelta(seconds=2) else None


COMPANY = recorded_company()


@pytest.fixture(scope="module")
def served(qbo: Any) -> Iterator[Served]:
    with Served(qbo.sandbox_app(realms=[REALM])) as server:
        yield server


def _prepare(served: Served, name: str, index: int) -> dict[str, Any]:
    """Reset the realm to the recorded company as it was at the request's time."""
    interaction = cassette(name)[index]
    at = _when(interaction)
    state = served.app.sandbox
    seed(state, [REALM])  # Intuit's sample company as the sandbox seeds it, then the recordings
    with state.lock:
        state.clock_offset = 0.0
        realm = state.realm(REALM)
        realm.next_id = 300
        for (entity, _), snapshots in COMPANY.items():
            obj = _as_of(snapshots, name, index, at)
            if obj is not None:
                realm.table(entity)[obj["Id"]] = copy.deepcopy(obj)
        _stand_in(realm, interaction)
        since = dict(parse_qsl(urlsplit(interaction["request"]["uri"]).query)).get("changedSince")
        if since:
            # The recording's CDC cursor is years old, which Intuit's sandbox accepted in 2020;
            # the local sandbox enforces the documented 30 days, so its clock is set just after.
            cursor = datetime.fromisoformat(since)
            state.clock_offset = (cursor + timedelta(hours=1)).timestamp() - state.now()
            for entity, obj in _objects(json.loads(interaction["response"]["body"]["string"])):
                realm.table(entity)[obj["Id"]] = copy.deepcopy(obj)
                state.touch(realm, entity, obj["Id"])
    return interaction


def _stand_in(realm: Any, interaction: dict[str, Any]) -> None:
    """A record the recording reads but no cassette ever showed (invoice 130's PDF): a copy of
    another recorded record of the same entity under that id."""
    parts = urlsplit(interaction["request"]["uri"]).path.split("/")
    if interaction["response"]["status"]["code"] != 200 or len(parts) < 3:
        return
    for entity in ENTITY_KEYS:
        if entity.lower() in parts:
            at = parts.index(entity.lower())
            if at + 1 < len(parts) and parts[at + 1].isdigit():
                table = realm.table(entity)
                record_id = parts[at + 1]
                if record_id not in table:
                    model = next(snaps[0][3] for (e, _), snaps in COMPANY.items() if e == entity)
                    table[record_id] = {**copy.deepcopy(model), "Id": record_id}


def _request(served: Served, interaction: dict[str, Any], token: str) -> requests.Response:
    recorded = interaction["request"]
    url = urlsplit(recorded["uri"])
    path = url.path.replace("-COMPANY_ID-", REALM)
    if "/company/" not in path:  # some cassettes were recorded with the realm stripped out
        path = path.replace("/v3/", f"/v3/company/{REALM}/", 1)
    body = recorded["body"].get("string") or None
    return requests.request(
        recorded["method"].upper(),
        served.url + path,
        params=parse_qsl(url.query, keep_blank_values=True),
        data=body.encode() if body else None,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        timeout=10,
    )


@pytest.mark.parametrize(("name", "index"), SUPPORTED, ids=[f"{n}#{i}" for n, i in SUPPORTED])
def test_recorded_request_conforms(served: Served, name: str, index: int) -> None:
    interaction = _prepare(served, name, index)
    token = connect(served, REALM)["access_token"]
    if name == "error/401":
        served.app.sandbox.inject(REALM, "expire_token")
    replayed = _request(served, interaction, token)
    recorded = interaction["response"]
    assert replayed.status_code == recorded["status"]["code"], replayed.text[:500]
    recorded_type = recorded["headers"]["Content-Type"][0].lower().replace(" ", "")
    assert replayed.headers["Content-Type"].lower().replace(" ", "") == recorded_type
    if recorded_type.startswith("application/json"):
        diff = differences(json.loads(recorded["body"]["string"]), replayed.json())
        assert diff == [], "\n".join(diff)
    else:
        assert replayed.content[:5] == recorded["body"]["string"].encode()[:5]
    if name == "error/401":
        assert replayed.headers["Www-Authenticate"] == recorded["headers"]["Www-Authenticate"][0]


def test_the_unsupported_list_names_real_cassettes() -> None:
    names = {n for n, _ in interactions()}
    assert set(UNSUPPORTED) <= names
    assert len(SUPPORTED) >= 40
    assert Path(CASSETTES / "LICENSE-qbo_api.txt").exists()
