"""``sync-admin seed``: fill the database with realistic data at any scale.

For screens under development and for the benchmarks in ``bench/``, e.g.
``sync-admin seed --companies 1000 --logs 10000000``.
"""

from __future__ import annotations

import click
from sqlalchemy import text

from . import sync_admin_group


@sync_admin_group.command("seed")
@click.option("--companies", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--logs", default=10_000, show_default=True, type=click.IntRange(min=0))
@click.option(
    "--results", default=None, type=click.IntRange(min=0), help="Sync results [default: logs/10]."
)
@click.option(
    "--runs",
    default=None,
    type=click.IntRange(min=1),
    help="Runs [default: logs/40, >= companies].",
)
@click.option("--random-seed", default=1, show_default=True, type=int)
@click.option(
    "--vacuum/--no-vacuum",
    default=True,
    show_default=True,
    help="VACUUM ANALYZE the seeded tables afterwards (PostgreSQL).",
)
def seed_command(
    companies: int,
    logs: int,
    results: int | None,
    runs: int | None,
    random_seed: int,
    vacuum: bool,
) -> None:
    """Add companies with years of runs, logs and sync results (and their counters)."""
    from ..db import get_db
    from ..seed import seed

    if runs is not None and runs < companies:
        raise click.BadParameter("must be at least --companies (one run each)", param_hint="--runs")
    db = get_db()
    report = seed(
        db.session,
        companies=companies,
        logs=logs,
        results=results,
        runs=runs,
        random_seed=random_seed,
        progress=click.echo,
    )
    click.echo(f"seeded {report}")
    engine = db.engine
    if engine.dialect.name == "postgresql":
        tables = (
            "sync_log, sync_result, sync_run, sync_company, sync_company_stats, sync_daily_stats,"
            " sync_failure_count"
        )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {tables}"))
        click.echo("vacuum analyze: done" if vacuum else "analyze: done")
