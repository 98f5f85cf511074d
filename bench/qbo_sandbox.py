"""How fast the QuickBooks sandbox answers, so that sync benchmarks measure the engine, not it.

Run:

    .venv/bin/python -m bench.qbo_sandbox            # writes bench/results/qbo_sandbox.json

Serves the sandbox on a real 127.0.0.1 port (threaded werkzeug, as the tests and the
engine benches do) and times, over real HTTP from one client thread: single reads,
single creates, batches of 30 creates (customers, then invoices), and paged queries
over what was created. Creates check every QBO rule (unique names across customers,
vendors and employees; unique document numbers), so their cost grows with the company.
"""

from __future__ import annotations

import argparse
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from werkzeug.serving import make_server

from bench.common import write_results


def _serve(app: Any) -> tuple[Any, str]:
    import threading

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _token(url: str, realm: str) -> str:
    consent = {"client_id": "bench", "redirect_uri": "http://127.0.0.1/cb", "state": "s"}
    answer = requests.post(
        f"{url}/connect/oauth2",
        data={**consent, "realm": realm, "decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    code = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["code"]
    token = requests.post(
        f"{url}/oauth2/v1/tokens/bearer",
        auth=("bench", "secret"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": consent["redirect_uri"],
        },
        timeout=10,
    ).json()
    return str(token["access_token"])


def _rate(count: int, seconds: float) -> dict[str, float]:
    return {"count": count, "seconds": round(seconds, 3), "per_second": round(count / seconds, 1)}


def main(records: int) -> dict[str, Any]:
    from sync_admin_quickbooks import provider

    app = provider.sandbox_app(realms=1, window=3600, per_window=10**9, batch_per_window=10**9)
    server, url = _serve(app)
    realm = next(iter(app.sandbox.realms))
    http = requests.Session()
    http.headers.update(
        {"Authorization": f"Bearer {_token(url, realm)}", "Accept": "application/json"}
    )
    base = f"{url}/v3/company/{realm}"
    out: dict[str, Any] = {"records": records}
    try:
        started = time.perf_counter()
        for _ in range(300):
            assert http.get(f"{base}/customer/1", timeout=10).status_code == 200
        out["single_reads"] = _rate(300, time.perf_counter() - started)

        started = time.perf_counter()
        for i in range(300):
            answer = http.post(f"{base}/customer", json={"DisplayName": f"Single {i}"}, timeout=10)
            assert answer.status_code == 200, answer.text
        out["single_creates"] = _rate(300, time.perf_counter() - started)

        def batches(entity: str, make: Any) -> dict[str, float]:
            started = time.perf_counter()
            for offset in range(0, records, 30):
                items = [
                    {"bId": str(i), "operation": "create", entity: make(offset + i)}
                    for i in range(min(30, records - offset))
                ]
                answer = http.post(f"{base}/batch", json={"BatchItemRequest": items}, timeout=60)
                faults = [r for r in answer.json()["BatchItemResponse"] if "Fault" in r]
                assert not faults, faults[:1]
            return _rate(records, time.perf_counter() - started)

        out["batch_customer_creates"] = batches(
            "Customer", lambda i: {"DisplayName": f"Member {i}"}
        )
        out["batch_invoice_creates"] = batches(
            "Invoice",
            lambda i: {
                "CustomerRef": {"value": "1"},
                "DocNumber": f"B-{i}",
                "Line": [
                    {
                        "Amount": 150,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": "2"}},
                    }
                ],
            },
        )
        started = time.perf_counter()
        rows, start = 0, 1
        while True:
            page = (
                http.get(
                    f"{base}/query",
                    params={
                        "query": f"SELECT * FROM Customer STARTPOSITION {start} MAXRESULTS 1000"
                    },
                    timeout=60,
                )
                .json()["QueryResponse"]
                .get("Customer", [])
            )
            rows += len(page)
            if len(page) < 1000:
                break
            start += 1000
        out["query_pages_of_1000"] = _rate(rows, time.perf_counter() - started)
        out["sandbox_stats"] = app.sandbox.stats()["realms"][realm]
    finally:
        server.shutdown()
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    args = parser.parse_args()
    result = main(args.records)
    write_results("qbo_sandbox", result)
    for key, value in result.items():
        if isinstance(value, dict) and "per_second" in value:
            print(
                f"{key:26} {value['count']:6} in {value['seconds']:7.3f}s  {value['per_second']:8.1f}/s"
            )
