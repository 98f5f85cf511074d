"""Admin speed at 10 million log rows: the real screens beside a plain FAB ModelView.

Run (after ``sync-admin seed --companies 1000 --logs 10000000`` on the bench database):

    .venv/bin/python -m bench.screens            # writes bench/results/screens.json

Every scenario is requested ``--requests`` times (default 50) through the real
views with a test client that logged in through the login form; the time is
the whole request in process: routing, FAB's permission check, the queries,
Jinja rendering. Beside it, in the same run and interleaved request by request,
the obvious alternative: a plain Flask-AppBuilder ``ModelView`` over the same
table (exact ``COUNT(*)`` and ``OFFSET``), or for the summary cards the same
cards computed with ``GROUP BY`` over the log table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from bench.common import (
    RESULTS,
    bench_app,
    logged_in_client,
    summarize,
    timed,
    write_results,
)

GOALS_MS = {"cards": 20, "page": 50, "search": 200}
# A side whose requests take seconds stops after this much time (at least MIN_SAMPLES):
# 50 requests of 13 s would take 11 minutes to say what 10 of them say.
BUDGET_SECONDS = 120
MIN_SAMPLES = 8


@dataclass
class Scenario:
    name: str
    goal: str  # key of GOALS_MS
    ours: str  # URL of the real screen
    baseline: str | None  # URL of the plain FAB alternative
    expect: str = ""  # text the real page must contain (so an error page is never timed)


# --- the baselines, registered in the bench app only ------------------------------------


def register_baselines(appbuilder: Any) -> None:
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from sync_admin.models import Log, SyncResult

    class BaselineLogView(ModelView):
        """What FAB gives for free: exact count, OFFSET paging, ILIKE filters."""

        route_base = "/bench/baseline/logs"
        datamodel = SQLAInterface(Log)
        list_columns = [
            "created_at",
            "provider",
            "company_name",
            "external_account",
            "type",
            "level",
            "message",
        ]
        search_columns = ["company_id", "level", "created_at", "external_account", "message"]
        base_order = ("created_at", "desc")
        page_size = 25

    class BaselineResultView(ModelView):
        route_base = "/bench/baseline/results"
        datamodel = SQLAInterface(SyncResult)
        list_columns = [
            "last_attempt_at",
            "entity",
            "direction",
            "local_id",
            "label",
            "external_id",
            "link_status",
            "outcome",
            "catalog_code",
            "details",
        ]
        search_columns = ["company_id", "last_attempt_at"]
        base_order = ("last_attempt_at", "desc")
        page_size = 25

    appbuilder.add_view_no_menu(BaselineLogView)
    appbuilder.add_view_no_menu(BaselineResultView)
    cards = _baseline_cards_view()
    if cards is not None:
        appbuilder.add_view_no_menu(cards)


def _baseline_cards_view() -> Any:
    """The real summary screen, with its cards computed by GROUP BY over the logs."""
    try:
        from sync_admin.views.logs import LogsView
    except ImportError:
        return None
    from flask_appbuilder import expose, has_access

    from sync_admin.db import session
    from sync_admin.models import Company, Connection, Log
    from sync_admin.queries.logs import CompanySummary

    class BaselineCardsView(LogsView):
        route_base = "/bench/baseline/cards"

        @expose("/")
        @has_access
        def index(self) -> Any:
            counts = (
                select(
                    Log.company_id,
                    func.count().label("total"),
                    func.count().filter(Log.level == "error").label("errors"),
                    func.count().filter(Log.level == "warning").label("warnings"),
                    func.count().filter(Log.type == "milestone").label("milestones"),
                    func.max(Log.created_at).label("last"),
                )
                .group_by(Log.company_id)
                .subquery()
            )
            rows = session.execute(
                select(
                    Company.id,
                    Company.name,
                    Company.provider,
                    Company.status,
                    Connection.external_account,
                    counts.c.total,
                    counts.c.errors,
                    counts.c.warnings,
                    counts.c.milestones,
                    counts.c.last,
                )
                .outerjoin(counts, counts.c.company_id == Company.id)
                .outerjoin(Connection, Connection.id == Company.connection_id)
                .order_by(counts.c.last.desc().nulls_last(), Company.name, Company.id)
            ).all()
            cards = [
                CompanySummary(
                    company_id=r[0],
                    name=r[1],
                    provider=r[2],
                    provider_label=r[2],
                    status=r[3],
                    external_account=r[4] or "",
                    logs_total=int(r[5] or 0),
                    logs_errors=int(r[6] or 0),
                    logs_warnings=int(r[7] or 0),
                    logs_milestones=int(r[8] or 0),
                    last_activity_at=r[9],
                )
                for r in rows
            ]
            per_page = 60
            pages = max(1, -(-len(cards) // per_page))
            return self._summary(cards[:per_page], 1, pages, total=len(cards))

    return BaselineCardsView


def one_permission_query(app: Flask) -> None:
    """What FAB's menu would cost with one permission query per request.

    FAB checks every menu item with its own ``exist_permission_on_roles`` query;
    this loads the roles' (view, permission) pairs once per request into ``g``
    and answers from them. Bench only: it measures the fix point 1 of the
    README proposes, it is not installed in the product.
    """
    from flask import g
    from flask_appbuilder.security.sqla.models import (
        Permission,
        PermissionView,
        ViewMenu,
        assoc_permissionview_role,
    )

    sm = app.appbuilder.sm

    def exist_permission_on_roles(view_name: str, permission_name: str, role_ids: list) -> bool:
        key = tuple(sorted(role_ids))
        cache = g.setdefault("_bench_permissions", {})
        if key not in cache:
            rows = sm.session.execute(
                select(ViewMenu.name, Permission.name)
                .select_from(PermissionView)
                .join(Permission, Permission.id == PermissionView.permission_id)
                .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
                .join(
                    assoc_permissionview_role,
                    assoc_permissionview_role.c.permission_view_id == PermissionView.id,
                )
                .where(assoc_permissionview_role.c.role_id.in_(key))
            ).all()
            cache[key] = {(v, p) for v, p in rows}
        return (view_name, permission_name) in cache[key]

    sm.exist_permission_on_roles = exist_permission_on_roles


# --- the scenarios -----------------------------------------------------------------------


def _filter_index(app: Flask, endpoint_class: str, column: str, filter_class: str) -> int:
    """FAB's URL filter index (``_flt_<index>_<column>``) of a filter class on a column."""
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == endpoint_class:
            filters = view._filters.get_search_filters()[column]
            return [type(f).__name__ for f in filters].index(filter_class)
    raise LookupError(endpoint_class)


def scenarios(app: Flask) -> tuple[list[Scenario], dict[str, Any]]:
    from sync_admin.db import session
    from sync_admin.models import CompanyStats, Log
    from sync_admin.queries.paging import encode_cursor

    with app.app_context():
        big_id, big_total = session.execute(
            select(CompanyStats.company_id, CompanyStats.logs_total)
            .order_by(CompanyStats.logs_total.desc())
            .limit(1)
        ).one()
        total = session.scalar(select(func.sum(CompanyStats.logs_total)))
        median_id = session.execute(
            select(CompanyStats.company_id)
            .order_by(CompanyStats.logs_total)
            .offset(session.scalar(select(func.count()).select_from(CompanyStats)) // 2)
            .limit(1)
        ).scalar_one()
        depth = 10_000
        # The last row of page 10,000: its key is the cursor the "next" link of that page
        # carries; reaching it by clicking would take 10,000 requests.
        deep = session.execute(
            select(Log.created_at, Log.id)
            .where(Log.company_id == big_id)
            .order_by(Log.created_at.desc(), Log.id.desc())
            .offset(25 * depth - 1)
            .limit(1)
        ).one()
        deep_all = session.execute(
            select(Log.created_at, Log.id)
            .order_by(Log.created_at.desc(), Log.id.desc())
            .offset(25 * depth - 1)
            .limit(1)
        ).one()
        newest = session.scalar(select(func.max(Log.created_at)))
        account = session.scalar(
            select(Log.external_account).where(Log.company_id == median_id).limit(1)
        )
        account_text = account.split("@")[0]
        invoice = session.scalar(
            select(Log.message)
            .where(Log.company_id == median_id, Log.entity == "invoice", Log.level == "error")
            .limit(1)
        )
        invoice_number = invoice.split()[1].rstrip(":") if invoice else "INV-004213"
        since = session.scalar(
            text("SELECT last_successful_sync_at FROM sync_company WHERE id = :id"),
            {"id": big_id},
        )
    week_to = (newest - timedelta(days=180)).date()
    week_from = week_to - timedelta(days=6)
    ours_logs = "/sync-admin/logs/detail?"
    base = "/bench/baseline/logs/list/?"
    flt = {
        "eq": _filter_index(app, "BaselineLogView", "company_id", "FilterEqual"),
        "level": _filter_index(app, "BaselineLogView", "level", "FilterEqual"),
        "gt": _filter_index(app, "BaselineLogView", "created_at", "FilterGreater"),
        "lt": _filter_index(app, "BaselineLogView", "created_at", "FilterSmaller"),
        "acct": _filter_index(app, "BaselineLogView", "external_account", "FilterContains"),
        "msg": _filter_index(app, "BaselineLogView", "message", "FilterContains"),
        "res_eq": _filter_index(app, "BaselineResultView", "company_id", "FilterEqual"),
        "res_gt": _filter_index(app, "BaselineResultView", "last_attempt_at", "FilterGreater"),
    }

    def q(**args: Any) -> str:
        return urlencode(args)

    deep_cursor = encode_cursor("after", deep[0], deep[1])
    deep_all_cursor = encode_cursor("after", deep_all[0], deep_all[1])
    day_after = (week_to + timedelta(days=1)).isoformat()
    result: list[Scenario] = [
        Scenario(
            "summary cards",
            "cards",
            "/sync-admin/logs/",
            "/bench/baseline/cards/" if _baseline_cards_view() else None,
        ),
        Scenario(
            "first log page of the biggest company",
            "page",
            ours_logs + q(company_id=big_id),
            base + q(**{f"_flt_{flt['eq']}_company_id": big_id}),
        ),
        Scenario(
            "biggest company, 10,000 pages deep",
            "page",
            ours_logs + q(company_id=big_id, cursor=deep_cursor),
            base + q(**{f"_flt_{flt['eq']}_company_id": big_id, "page_": depth}),
        ),
        Scenario(
            "all companies, 10,000 pages deep",
            "page",
            ours_logs + q(cursor=deep_all_cursor),
            base + q(page_=depth),
        ),
        Scenario(
            "errors only (all companies)",
            "page",
            ours_logs + q(level="error"),
            base + q(**{f"_flt_{flt['level']}_level": "error"}),
        ),
        Scenario(
            "one company (median size)",
            "page",
            ours_logs + q(company_id=median_id),
            base + q(**{f"_flt_{flt['eq']}_company_id": median_id}),
        ),
        Scenario(
            f"a date range ({week_from} to {week_to})",
            "page",
            ours_logs + q(date_from=week_from.isoformat(), date_to=week_to.isoformat()),
            base
            + q(
                **{
                    f"_flt_{flt['gt']}_created_at": f"{week_from.isoformat()} 00:00:00",
                    f"_flt_{flt['lt']}_created_at": f"{day_after} 00:00:00",
                }
            ),
        ),
        Scenario(
            f"external account text ({account_text!r})",
            "page",
            ours_logs + q(external_account=account_text),
            base + q(**{f"_flt_{flt['acct']}_external_account": account_text}),
        ),
        Scenario(
            f"message search, rare ({invoice_number!r})",
            "search",
            ours_logs + q(message=invoice_number),
            base + q(**{f"_flt_{flt['msg']}_message": invoice_number}),
        ),
        Scenario(
            "message search, common ('Stale Object')",
            "search",
            ours_logs + q(message="Stale Object"),
            base + q(**{f"_flt_{flt['msg']}_message": "Stale Object"}),
        ),
        Scenario(
            "message search in one company ('Duplicate')",
            "search",
            ours_logs + q(company_id=big_id, message="Duplicate"),
            base
            + q(
                **{
                    f"_flt_{flt['eq']}_company_id": big_id,
                    f"_flt_{flt['msg']}_message": "Duplicate",
                }
            ),
        ),
        Scenario(
            "sync results, default date filter (biggest company)",
            "page",
            _results_url(app, big_id),
            "/bench/baseline/results/list/?"
            + q(
                **{
                    f"_flt_{flt['res_eq']}_company_id": big_id,
                    f"_flt_{flt['res_gt']}_last_attempt_at": (
                        f"{since.date().isoformat()} 00:00:00" if since else "2000-01-01 00:00:00"
                    ),
                }
            ),
        ),
        Scenario("data feed (1,000 companies)", "page", "/sync-admin/data-feed/", None),
        Scenario("failure groups (all companies)", "page", "/sync-admin/failures/", None),
    ]
    dataset = {
        "log_rows": int(total or 0),
        "biggest_company": {"id": big_id, "log_rows": int(big_total)},
        "median_company_id": median_id,
        "deep_page": depth,
    }
    return result, dataset


def _results_url(app: Flask, company_id: int) -> str | None:
    """The real results screen, wherever the ui registered it."""
    for rule in app.url_map.iter_rules():
        if rule.rule == "/sync-admin/results/" and "GET" in (rule.methods or ()):
            return f"{rule.rule}?company_id={company_id}"
        if rule.rule.startswith("/sync-admin/companies/<int:company_id>/results"):
            return rule.rule.replace("<int:company_id>", str(company_id))
    return None


# --- measuring ---------------------------------------------------------------------------


def measure(
    client: FlaskClient, url: str, requests: int, expect: str = ""
) -> tuple[dict[str, Any], Callable[[], None]]:
    samples: list[float] = []

    def once() -> None:
        elapsed, response = timed(lambda: client.get(url))
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        if expect and expect not in response.get_data(as_text=True):
            raise RuntimeError(f"{url}: page does not contain {expect!r}")
        samples.append(elapsed)

    return {"samples": samples}, once


def run(
    requests: int, only: str | None, budget_ms: float, permission_variant: bool
) -> dict[str, Any]:
    app = bench_app(register=register_baselines)
    client = logged_in_client(app)
    variant_client = None
    if permission_variant:
        variant_app = bench_app(register=register_baselines)
        one_permission_query(variant_app)
        variant_client = logged_in_client(variant_app)
    found, dataset = scenarios(app)
    out: list[dict[str, Any]] = []
    for s in found:
        if only and only.lower() not in s.name.lower():
            continue
        row: dict[str, Any] = {
            "scenario": s.name,
            "goal_ms": GOALS_MS[s.goal],
            "url": s.ours,
            "baseline_url": s.baseline,
        }
        status = client.get(s.ours).status_code if s.ours else 404
        if status != 200:
            row["missing"] = f"the screen is not on main yet (HTTP {status})"
            out.append(row)
            print(f"{s.name}: screen not available (HTTP {status})", flush=True)
            continue
        ours, ours_once = measure(client, s.ours, requests, s.expect)
        variant, variant_once = (
            measure(variant_client, s.ours, requests, s.expect)
            if variant_client
            else ({"samples": []}, None)
        )
        theirs, theirs_once = (
            measure(client, s.baseline, requests) if s.baseline else ({"samples": []}, None)
        )
        for _ in range(3):  # warm-up, not counted
            ours_once()
            if variant_once:
                variant_once()
            if theirs_once:
                theirs_once()
        ours["samples"].clear()
        variant["samples"].clear()
        theirs["samples"].clear()
        spent = {"ours": 0.0, "theirs": 0.0}
        for _ in range(requests):  # interleaved, so both see the same cache state
            if spent["ours"] < budget_ms or len(ours["samples"]) < MIN_SAMPLES:
                ours_once()
                spent["ours"] = sum(ours["samples"])
                if variant_once:
                    variant_once()
            if theirs_once and (
                spent["theirs"] < budget_ms or len(theirs["samples"]) < MIN_SAMPLES
            ):
                theirs_once()
                spent["theirs"] = sum(theirs["samples"])
        row["ours"] = summarize(ours["samples"])
        if variant["samples"]:
            row["ours_one_permission_query"] = summarize(variant["samples"])
        if theirs["samples"]:
            row["baseline"] = summarize(theirs["samples"])
            row["ratio_p50"] = round(row["baseline"]["p50_ms"] / row["ours"]["p50_ms"], 1)
        row["met"] = row["ours"]["p95_ms"] < row["goal_ms"]
        out.append(row)
        base_txt = (
            f" | baseline p50 {row['baseline']['p50_ms']:.1f} p95 {row['baseline']['p95_ms']:.1f}"
            f" x{row['ratio_p50']}"
            if "baseline" in row
            else ""
        )
        variant_txt = (
            f" | one permission query p50 {row['ours_one_permission_query']['p50_ms']:.1f}"
            if "ours_one_permission_query" in row
            else ""
        )
        print(
            f"{s.name}: p50 {row['ours']['p50_ms']:.1f} ms p95 {row['ours']['p95_ms']:.1f} ms "
            f"(goal {row['goal_ms']}){variant_txt}{base_txt}",
            flush=True,
        )
    return {
        "dataset": dataset,
        "requests_per_scenario": requests,
        "budget_seconds_per_side": budget_ms / 1000,
        "scenarios": out,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--only", help="run only scenarios whose name contains this text")
    parser.add_argument("--output", default="screens", help="results file name (no .json)")
    parser.add_argument("--budget-seconds", type=float, default=BUDGET_SECONDS)
    parser.add_argument(
        "--no-permission-variant",
        action="store_true",
        help="skip the variant with FAB's menu checks answered by one query",
    )
    args = parser.parse_args(argv)
    data = run(args.requests, args.only, args.budget_seconds * 1000, not args.no_permission_variant)
    previous = RESULTS / f"{args.output}.json"
    if args.only and previous.exists():
        # A partial run replaces its scenarios and keeps the others' figures.
        kept = json.loads(previous.read_text())
        fresh = {s["scenario"]: s for s in data["scenarios"]}
        data["scenarios"] = [fresh.pop(s["scenario"], s) for s in kept["scenarios"]]
        data["scenarios"].extend(fresh.values())
        data["partial_rerun"] = args.only
    path = write_results(args.output, data)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
