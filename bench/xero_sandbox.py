"""How fast the Xero sandbox answers, so that sync benchmarks measure the engine, not it.

Run:

    .venv/bin/python -m bench.xero_sandbox            # writes bench/results/xero_sandbox.json

Serves the sandbox on a real 127.0.0.1 port (threaded werkzeug, as the tests and the
engine benches do), lifts its limits, and times over real HTTP from one client thread:
single reads, batches of 50 contact creates, batches of 50 invoice creates (every
Xero rule checked: unique active contact names, unique invoice numbers, accounts, tax
types, currency), and paged reads of what was created.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import requests
from werkzeug.serving import make_server

from bench.common import write_results


def _serve(app: Any) -> tuple[Any, str]:
    import threading

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _rate(count: int, seconds: float) -> dict[str, float]:
    return {"count": count, "seconds": round(seconds, 3), "per_second": round(count / seconds, 1)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10000)
    args = parser.parse_args(argv)

    from sync_admin_xero import provider
    from sync_admin_xero.sandbox.consent import grant_token

    server, url = _serve(provider.sandbox_app())
    try:
        requests.post(
            f"{url}/_sandbox/limits",
            json={"per_minute": 10**9, "per_day": 10**9, "app_per_minute": 10**9},
            timeout=10,
        )
        token, connections = grant_token(url)
        tenant = next(c["tenantId"] for c in connections if c["tenantName"].endswith("(NZ)"))
        http = requests.Session()
        http.headers.update(
            {
                "Authorization": f"Bearer {token['access_token']}",
                "xero-tenant-id": tenant,
                "Accept": "application/json",
            }
        )
        api = f"{url}/api.xro/2.0"
        results: dict[str, Any] = {"records": args.records}

        started = time.perf_counter()
        for _ in range(300):
            http.get(f"{api}/Currencies", timeout=10).raise_for_status()
        results["single_reads"] = _rate(300, time.perf_counter() - started)

        contact_ids: list[str] = []
        started = time.perf_counter()
        for first in range(0, args.records, 50):
            batch = [
                {"Name": f"Member {n:06d}"} for n in range(first, min(first + 50, args.records))
            ]
            answer = http.put(
                f"{api}/Contacts",
                params={"summarizeErrors": "false"},
                json={"Contacts": batch},
                timeout=60,
            )
            answer.raise_for_status()
            contact_ids.extend(c["ContactID"] for c in answer.json()["Contacts"])
        results["batch_contact_creates"] = _rate(args.records, time.perf_counter() - started)

        started = time.perf_counter()
        for first in range(0, args.records, 50):
            batch = [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_ids[n]},
                    "Date": "2026-03-01",
                    "DueDate": "2026-03-31",
                    "Status": "AUTHORISED",
                    "InvoiceNumber": f"INV-{n:06d}",
                    "CurrencyCode": "NZD",
                    "LineItems": [{"ItemCode": "DUES", "Quantity": 1, "TaxType": "OUTPUT2"}],
                }
                for n in range(first, min(first + 50, args.records))
            ]
            answer = http.put(
                f"{api}/Invoices",
                params={"summarizeErrors": "false"},
                json={"Invoices": batch},
                timeout=60,
            )
            answer.raise_for_status()
            assert all(i["StatusAttributeString"] == "OK" for i in answer.json()["Invoices"])
        results["batch_invoice_creates"] = _rate(args.records, time.perf_counter() - started)

        started = time.perf_counter()
        pages = 0
        while True:
            pages += 1
            rows = http.get(
                f"{api}/Invoices", params={"page": pages, "pageSize": 100}, timeout=60
            ).json()["Invoices"]
            if len(rows) < 100:
                break
        results["paged_invoice_reads"] = {
            **_rate(args.records, time.perf_counter() - started),
            "pages": pages,
        }
        return write_results("xero_sandbox", results)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
