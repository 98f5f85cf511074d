"""The operations staff trigger: each changes what it says, refuses bad input
clearly, and leaves an audit event."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from rq import Queue
from sqlalchemy import func, select
from worlds import World, add_result, make_world

from sync_admin.db import session
from sync_admin.errors import AlreadyRunning, NotFound, ValidationError
from sync_admin.models import AuditEvent, Company, Connection, Log, Mapping, ReferenceObject, Run
from sync_admin.queue import redis_for
from sync_admin.services import companies, mappings, records, resync
from sync_admin.services.audit import Actor
from sync_admin.vocabulary import (
    CompanyStatus,
    ConnectionStatus,
    LinkStatus,
    Outcome,
    RunKind,
    RunStatus,
)

STAFF = Actor(name="admin", id=1, source="screen")
API = Actor(name="bot", id=2, source="api")


@pytest.fixture
def world(app: Flask) -> World:
    return make_world(app)


def _audits(action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_resync_company_starts_one_run_and_refuses_a_second(app: Flask, world: World) -> None:
    with app.app_context():
        run = resync.resync_company(world.company, actor=STAFF, kind=RunKind.FULL)
        assert run.status == RunStatus.QUEUED and run.kind == "full" and run.trigger == "manual"
        queue = Queue(app.config["SYNC_ADMIN_QUEUE"], connection=redis_for(app))
        assert queue.job_ids == [run.job_id]
        with pytest.raises(AlreadyRunning) as refused:
            resync.resync_company(world.company, actor=API)
        assert refused.value.run_id == run.id
        assert "sync already running" in str(refused.value)
        assert [a.details["run_id"] for a in _audits("run.full")] == [run.id]


def test_two_staff_clicking_resync_at_once_start_one_run(app: Flask, world: World) -> None:
    outcomes: list[Any] = []
    barrier = threading.Barrier(2)

    def click() -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(resync.resync_company(world.company, actor=STAFF).id)
            except AlreadyRunning as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert sum(isinstance(o, AlreadyRunning) for o in outcomes) == 1
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(Run)) == 1


def test_resync_refuses_bad_input_and_dead_connections(app: Flask, world: World) -> None:
    with app.app_context():
        with pytest.raises(NotFound):
            resync.resync_company(9999, actor=STAFF)
        with pytest.raises(ValidationError) as bad:
            resync.resync_company(world.company, actor=STAFF, kind="sideways")
        assert bad.value.field == "kind"
        with pytest.raises(ValidationError) as bad:
            resync.resync_company(world.company, actor=STAFF, entities=["unicorn"])
        assert bad.value.field == "entities"
        with pytest.raises(ValidationError) as bad:
            resync.resync_company(world.company, actor=STAFF, since="yesterday")
        assert bad.value.field == "since"
        session.get(Connection, world.connection).status = ConnectionStatus.NEEDS_RECONNECT
        session.commit()
        with pytest.raises(ValidationError, match="needs reconnecting"):
            resync.resync_company(world.company, actor=STAFF)
        assert session.scalar(select(func.count()).select_from(Run)) == 0


def test_resync_all_needing_and_selected(app: Flask, world: World) -> None:
    other = make_world(app, provider_company_id="b2", host_company_key="beta")
    with app.app_context():
        session.get(Company, other.company).status = CompanyStatus.SYNCED
        session.commit()
        started = resync.resync_all_needing(actor=STAFF)
        assert [r.company_id for r in started.runs] == [world.company]
        again = resync.resync_companies([world.company, other.company, 4242], actor=STAFF)
        assert again.already_running == [world.company]
        assert [r.company_id for r in again.runs] == [other.company]
        assert again.skipped == [(4242, "company 4242 does not exist")]


def test_retry_starts_one_run_per_company_and_leaves_excluded_out(app: Flask, world: World) -> None:
    other = make_world(app, provider_company_id="b2", host_company_key="beta")
    with app.app_context():
        a = add_result(world.company, "contact", "1")
        b = add_result(world.company, "contact", "2", excluded=True)
        c = add_result(other.company, "invoice", "9")
        add_result(other.company, "invoice", "10", outcome=Outcome.SYNCED)
        session.commit()
        started = records.retry([a.id, b.id, c.id], actor=STAFF)
        by_company = {r.company_id: r for r in started.runs}
        assert by_company[world.company].params == {"result_ids": [a.id]}
        assert by_company[other.company].params == {"result_ids": [c.id]}
        assert started.skipped == [(world.company, f"result {b.id} is excluded")]
        assert all(r.kind == RunKind.RETRY for r in started.runs)
        with pytest.raises(NotFound):
            records.retry([123456], actor=STAFF)
        with pytest.raises(ValidationError):
            records.retry(["x"], actor=STAFF)


def test_retry_all_takes_failures_of_the_scope(app: Flask, world: World) -> None:
    with app.app_context():
        a = add_result(world.company, "contact", "1", catalog_code="tiny.duplicate_name")
        add_result(world.company, "contact", "2", excluded=True)
        add_result(world.company, "contact", "3", outcome=Outcome.SYNCED)
        s = add_result(world.company, "invoice", "4", outcome=Outcome.SKIPPED)
        add_result(world.company, "invoice", "5", link_status=LinkStatus.UNLINKED.value)
        session.commit()
        started = records.retry_all(actor=STAFF, catalog_code="tiny.duplicate_name")
        assert started.runs[0].params == {"result_ids": [a.id]}
        session.get(Run, started.runs[0].id).status = RunStatus.SUCCEEDED
        session.commit()
        started = records.retry_all(actor=STAFF, company_id=world.company)
        assert started.runs[0].params == {"result_ids": [a.id, s.id]}


def test_exclude_and_include_are_audited(app: Flask, world: World) -> None:
    with app.app_context():
        a = add_result(world.company, "contact", "1")
        session.commit()
        assert records.exclude([a.id], actor=STAFF) == 1
        assert records.exclude([a.id], actor=STAFF) == 0
        assert session.get(type(a), a.id).excluded
        assert records.include([a.id], actor=STAFF) == 1
        assert [e.object_id for e in _audits("result.exclude")] == [str(a.id)]
        assert [e.details["local_id"] for e in _audits("result.include")] == ["1"]


def test_unlinking_a_contact_cascades_to_its_dependents(app: Flask, world: World) -> None:
    with app.app_context():
        contact = add_result(world.company, "contact", "7", outcome=Outcome.SYNCED)
        other = add_result(world.company, "contact", "8", outcome=Outcome.SYNCED)
        invoice = add_result(world.company, "invoice", "70", depends_on=["contact:7"])
        payment = add_result(
            world.company, "payment", "700", depends_on=["contact:7", "invoice:70"]
        )
        unrelated = add_result(world.company, "invoice", "80", depends_on=["contact:8"])
        session.commit()
        preview = records.unlink_cascade([contact.id])
        assert [r.id for r in preview.dependents] == [invoice.id, payment.id]
        assert all(r.link_status == LinkStatus.LINKED for r in preview.all), "preview only"
        done = records.unlink([contact.id], actor=STAFF)
        assert done.count == 3
        session.expire_all()
        for row, status in [
            (contact, "unlinked"),
            (invoice, "unlinked"),
            (payment, "unlinked"),
            (other, "linked"),
            (unrelated, "linked"),
        ]:
            assert session.get(type(row), row.id).link_status == status
        assert _audits("result.unlink")[0].details["cascade"] == [invoice.id, payment.id]
        assert records.link([contact.id], actor=STAFF) == 1
        assert session.get(type(contact), contact.id).link_status == LinkStatus.LINKED


def test_link_by_hand_links_a_contact_to_an_existing_customer(app: Flask, world: World) -> None:
    with app.app_context():
        failed = add_result(world.company, "contact", "7", catalog_code="tiny.duplicate_name")
        session.commit()
        row = records.link_by_hand(world.company, "contact", "7", "C-55", actor=STAFF)
        assert row.id == failed.id
        assert (row.external_id, row.outcome, row.catalog_code) == ("C-55", "synced", None)
        with pytest.raises(ValidationError) as taken:
            records.link_by_hand(world.company, "contact", "8", "C-55", actor=STAFF)
        assert taken.value.field == "external_id" and "already linked" in taken.value.message
        with pytest.raises(ValidationError):
            records.link_by_hand(world.company, "spaceship", "8", "C-1", actor=STAFF)
        assert _audits("result.link_by_hand")[0].details["external_id"] == "C-55"


def test_set_mapping_validates_and_notes_a_change_during_resync(app: Flask, world: World) -> None:
    with app.app_context():
        session.add_all(
            [
                ReferenceObject(
                    company_id=world.company, entity="item", external_id="I1", name="Dues"
                ),
                ReferenceObject(
                    company_id=world.company,
                    entity="item",
                    external_id="I2",
                    name="Old",
                    active=False,
                ),
            ]
        )
        session.commit()
        mapping = mappings.set_mapping(world.company, "fee_item", "dues", "I1", actor=STAFF)
        assert (mapping.provider_id, mapping.provider_name) == ("I1", "Dues")
        with pytest.raises(ValidationError, match="inactive"):
            mappings.set_mapping(world.company, "fee_item", "dues", "I2", actor=STAFF)
        with pytest.raises(ValidationError, match="not a item"):
            mappings.set_mapping(world.company, "fee_item", "dues", "NOPE", actor=STAFF)
        with pytest.raises(ValidationError) as bad:
            mappings.set_mapping(world.company, "colour", "dues", "I1", actor=STAFF)
        assert bad.value.field == "kind"
        assert session.scalar(select(func.count()).select_from(Log)) == 0
        run = resync.resync_company(world.company, actor=STAFF)
        mappings.set_mapping(world.company, "fee_item", "gala", "I1", actor=STAFF)
        line = session.scalars(select(Log)).one()
        assert line.message.startswith(mappings.MAPPING_CHANGED) and line.run_id == run.id
        assert session.get(Company, world.company).mapping_changed_at is not None
        assert session.scalar(select(func.count()).select_from(Mapping)) == 2
        assert len(_audits("mapping.set")) == 2


def test_unlink_company_and_update_token_user(app: Flask, world: World) -> None:
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="operator")
        connection = companies.update_token_user(world.connection, user.id, actor=STAFF)
        assert (connection.token_user_id, connection.token_user) == (user.id, "operator")
        with pytest.raises(NotFound):
            companies.update_token_user(world.connection, 99999, actor=STAFF)
        company = companies.unlink_company(world.company, actor=STAFF)
        assert company.linked is False
        with pytest.raises(ValidationError, match="unlinked"):
            resync.resync_company(world.company, actor=STAFF)
        assert _audits("company.unlink")[0].company_id == world.company
        assert _audits("connection.token_user")[0].details["user"] == "operator"


def test_retry_all_over_many_companies_starts_their_runs_in_bulk(app: Flask, world: World) -> None:
    others = [
        make_world(app, provider_company_id=f"m{i}", host_company_key=f"club{i}") for i in range(30)
    ]
    with app.app_context():
        for w in [world, *others]:
            add_result(w.company, "contact", "1")
            add_result(w.company, "invoice", "2", outcome=Outcome.SKIPPED)
        session.commit()
        busy = resync.resync_company(others[0].company, actor=STAFF)
        started = records.retry_all(actor=STAFF)
        assert started.already_running == [others[0].company]
        assert len(started.runs) == 30
        queue = Queue(app.config["SYNC_ADMIN_QUEUE"], connection=redis_for(app))
        assert set(queue.job_ids) == {busy.job_id} | {r.job_id for r in started.runs}
        session.expire_all()
        rows = session.scalars(select(Run).where(Run.kind == "retry")).all()
        assert all(r.job_id and r.attempts == 1 and len(r.params["result_ids"]) == 2 for r in rows)
        assert len(_audits("run.retry")) == 30
