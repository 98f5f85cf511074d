"""Print the results tables of bench/README.md from the JSON in bench/results/.

.venv/bin/python -m bench.report
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bench.common import RESULTS


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def screens() -> list[str]:
    data = _load("screens")
    if not data:
        return ["(no screens.json yet)"]
    d = data["dataset"]
    lines = [
        f"{d['log_rows']:,} log rows; biggest company {d['biggest_company']['log_rows']:,} rows; "
        f"measured {data['machine']['measured_at']} at {data['machine'].get('git', '?')}, "
        f"load average {data['machine'].get('load_average_1_5_15', '?')} on "
        f"{data['machine']['cpus']} cores.",
        "",
        "| scenario | goal | ours p50 / p95 (n) | ours, FAB menu in one query p50 / p95 "
        "| plain FAB ModelView p50 / p95 (n) | ratio (p50) | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in data["scenarios"]:
        if "ours" not in s:
            lines.append(f"| {s['scenario']} | < {s['goal_ms']} ms | {s['missing']} | | | | |")
            continue
        o = s["ours"]
        b = s.get("baseline")
        base = f"{b['p50_ms']:.1f} / {b['p95_ms']:.1f} ms ({b['n']})" if b else "(none)"
        v = s.get("ours_one_permission_query")
        variant = f"{v['p50_ms']:.1f} / {v['p95_ms']:.1f} ms" if v else ""
        ratio = f"{s['ratio_p50']}x" if "ratio_p50" in s else ""
        lines.append(
            f"| {s['scenario']} | < {s['goal_ms']} ms | {o['p50_ms']:.1f} / {o['p95_ms']:.1f} ms "
            f"({o['n']}) | {variant} | {base} | {ratio} | {'yes' if s['met'] else 'no'} |"
        )
    return lines


def operations() -> list[str]:
    data = _load("operations")
    if not data:
        return ["(no operations.json yet)"]
    lines = [
        "| operation | goal | measured p50 / p95 (n) | met |",
        "| --- | --- | --- | --- |",
    ]
    for label, row in data.get("retry_all", {}).items():
        if not isinstance(row, dict):
            continue
        waiting = row.get("jobs_waiting_for_a_connection_slot")
        held = f"; {waiting:.0f} of the jobs held by RQ for a connection slot" if waiting else ""
        lines.append(
            f"| Retry All Errors, 10,000 failures {label} ({row['runs_per_click']} runs{held}) "
            f"| < 2 s to all jobs queued | {row['p50_ms']:.0f} / {row['p95_ms']:.0f} ms ({row['n']}) "
            f"| {'yes' if row['met'] else 'no'} |"
        )
    memory = data.get("memory")
    if memory:
        tenth, full = memory["tenth"], memory["full"]
        lines.append(
            f"| worker peak RSS, full sync of {full['records']:,} records "
            f"({full['wall_s']} s) | flat | {full['peak_rss_mb']} MB; "
            f"{tenth['peak_rss_mb']} MB for {tenth['records']:,} records | "
            f"{'yes' if memory['growth_mb_tenth_to_full'] < 50 else 'no'} |"
        )
    return lines


def sync(provider: str) -> list[str]:
    data = _load(f"sync_{provider}")
    if not data:
        return [f"(no sync_{provider}.json yet)"]
    m = data.get("machine", {})
    lines = [
        f"Last written {m.get('measured_at')} at {m.get('git')}, load average "
        f"{m.get('load_average_1_5_15')} (parts re-run with `--only` keep earlier figures; "
        "the git history of the JSON has each).",
        "",
        "| measure | goal | measured |",
        "| --- | --- | --- |",
    ]
    b = data.get("bulk_push")
    if b:
        lines.append(
            f"| calls per pushed record, bulk push of {b['pushed']:,} | <= "
            f"{data['goals']['calls_per_record']} | {b['calls_per_record']} ({b['calls']} calls) |"
        )
        c = b.get("ceiling", {})
        share = c.get("batch_share_of_ceiling", c.get("share_of_ceiling"))
        lines.append(
            f"| share of the per-window ceiling used ({c.get('window_seconds')} s window) "
            f"| >= 90% | {share} |"
        )
        lines.append(f"| share of calls answered 429 | < 0.5% | {b['share_429']} |")
    u = data.get("incremental_unchanged")
    if u:
        lines.append(
            f"| incremental, nothing changed | {data['goals']['unchanged_calls']} | {u['calls']} calls |"
        )
    i = data.get("incremental_1pct")
    if i:
        lines.append(
            f"| incremental, 1% changed ({i['changed']} records) | | {i['calls']} calls, "
            f"{i['pushed']} pushed |"
        )
    for label, row in (data.get("scaling") or {}).items():
        if label == "stuck_after_burst":
            continue
        lines.append(
            f"| records/s per worker, {label} | | {row['records_per_s_per_worker']} "
            f"({row['records_per_s']} total) |"
        )
    p = data.get("plugin_time")
    if p:
        lines.append(
            f"| plugin's own time per record | | {p['plugin_ms_per_record']} ms "
            f"(whole run {p['whole_run_ms_per_record']} ms) |"
        )
        if "sync_admin_sql_statements_per_record" in p:
            lines.append(
                f"| sync-admin's SQL statements per pushed record | | "
                f"{p['sync_admin_sql_statements_per_record']} |"
            )
        areas = p.get("time_by_area_s") or {}
        if areas:
            top = ", ".join(f"{k} {v} s" for k, v in list(areas.items())[:4])
            lines.append(f"| where a {p['pushed']:,}-record run's time goes | | {top} |")
    return lines


def write_readme() -> None:
    """Replace the tables between the ``<!-- name -->`` markers of bench/README.md."""
    import re

    readme = RESULTS.parent / "README.md"
    text = readme.read_text()
    for name, lines in (
        ("screens", screens()),
        ("operations", operations()),
        ("quickbooks", sync("quickbooks")),
        ("xero", sync("xero")),
    ):
        body = "\n".join(lines)
        text = re.sub(
            rf"<!-- {name} -->.*?<!-- /{name} -->",
            lambda _m, name=name, body=body: f"<!-- {name} -->\n{body}\n<!-- /{name} -->",
            text,
            flags=re.DOTALL,
        )
    readme.write_text(text)


def main() -> int:
    if "--write-readme" in sys.argv:
        write_readme()
        return 0
    for title, lines in (
        ("Admin screens", screens()),
        ("Operations", operations()),
        ("QuickBooks sync", sync("quickbooks")),
        ("Xero sync", sync("xero")),
    ):
        print(f"### {title}\n")
        print("\n".join(lines))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
