"""A recommendation's first due date is its own field (Recommendation.first_due_date), set when it is created and
kept when its due date is moved: the retention purge, which deletes the earlier versions of an audit's
recommendations from their history, no longer takes it with them. Migration 0013 gives the recommendations
recorded before it theirs from their history (the oldest due date there, else the one they have)."""

import datetime as dt
import importlib
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import Audit, AuditStatus, Recommendation
from audits.selectors.insights import board_report_items, my_recommendations
from audits.services.partb import recommendation_contact_update, recommendation_update
from audits.services.retention import audit_purge_case_detail
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

migration = importlib.import_module("audits.migrations.0013_recommendation_first_due_date")

BEFORE = ("audits", "0012_returnnotice")
AFTER = ("audits", "0013_recommendation_first_due_date")


def _moved(rec, user, due: dt.date):
    return recommendation_update(
        user=user, recommendation=rec, text=rec.text, owner=rec.owner, owner_agency=None, due_date=due
    )


@pytest.mark.django_db
def test_the_first_due_date_is_kept_when_the_due_date_is_moved_and_after_the_purge(client, qa_manager, settings):
    today = timezone.localdate()
    audit = audit_in(today.year - 1, status=AuditStatus.REPORTING, title="CSE audit")
    first, later, latest = (today + dt.timedelta(days=d) for d in (10, 70, 100))
    rec = RecommendationFactory(audit=audit, text="Moved", due_date=first, owner_email=qa_manager.email)
    assert Recommendation.objects.get(pk=rec.pk).first_due_date == first
    _moved(rec, qa_manager, later)
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.CLOSED, closed_at=timezone.now())
    recommendation_contact_update(
        user=qa_manager,
        recommendation=Recommendation.objects.get(pk=rec.pk),
        owner_email=rec.owner_email,
        due_date=latest,
    )
    assert Recommendation.objects.get(pk=rec.pk).first_due_date == first

    audit_purge_case_detail(audit=audit)
    assert list(Recommendation.history.filter(id=rec.pk).values_list("due_date", flat=True)) == [latest]

    client.force_login(qa_manager)
    said = f"moved: first due {first:%-d %b %Y}"
    assert said in client.get(reverse("audits:insights_tracker") + "?status=all").content.decode()
    assert said in client.get(reverse("audits:recommendations", args=[audit.slug])).content.decode()
    assert [item.first_due for item in my_recommendations(qa_manager)] == [first]
    _, still_open, _ = board_report_items(qa_manager, today=today)
    assert [item.first_due for item in still_open] == [first]
    response = client.get(reverse("audits:export_xlsx", args=[audit.slug]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Recommendations"]
    row = list(sheet.iter_rows(values_only=True))[1]
    assert (row[3].date(), row[-1].date()) == (latest, first)


@pytest.mark.django_db
def test_one_recorded_without_a_due_date_gets_the_first_it_is_given(qa_manager):
    today = timezone.localdate()
    audit = audit_in(today.year, status=AuditStatus.PART_B)
    Audit.objects.filter(pk=audit.pk).update(part_b_date=today)
    rec = RecommendationFactory(audit=audit, due_date=None)
    assert rec.first_due_date is None
    given, moved = today + dt.timedelta(days=30), today + dt.timedelta(days=60)
    _moved(Recommendation.objects.get(pk=rec.pk), qa_manager, given)
    _moved(Recommendation.objects.get(pk=rec.pk), qa_manager, moved)
    assert Recommendation.objects.values_list("due_date", "first_due_date").get(pk=rec.pk) == (moved, given)


# --- Migration 0013 -------------------------------------------------------------------------------


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection).loader.project_state(target).apps if target else None


@pytest.fixture
def recorded_before_it(db):
    """Recommendations and their history as a deployment has them before the migration (its column dropped, then
    added again by migrating forward); every migration applied again afterwards."""
    today = timezone.localdate()
    audit = audit_in(today.year - 1, status=AuditStatus.REPORTING)
    d = [today + dt.timedelta(days=n) for n in (10, 20, 30, 40)]
    History = Recommendation.history.model

    def rec(text, *dues):
        made = RecommendationFactory(audit=audit, text=text, due_date=dues[0])
        for due in dues[1:]:
            made.due_date = due
            made.save()
        return made

    made = {
        "moved": rec("moved", d[0], d[1], d[2]),
        "purged": rec("purged", d[0], d[1], d[2]),  # its earlier versions deleted by the purge
        "no history": rec("no history", d[3]),
        "given one later": rec("given one later", None, d[1], d[2]),
        "never given one": rec("never given one", None),
        "kept": rec("kept", d[0]),
    }
    History.objects.filter(id=made["purged"].pk).exclude(due_date=d[2]).delete()
    History.objects.filter(id=made["no history"].pk).delete()
    migrate(BEFORE)
    yield made, d
    migrate(None)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_its_first_due_date_from_its_history(recorded_before_it):
    made, d = recorded_before_it
    migrate(AFTER)
    first = dict(Recommendation.objects.values_list("text", "first_due_date"))
    assert first == {
        "moved": d[0],
        "purged": d[2],  # the oldest its history still holds: the one it has
        "no history": d[3],
        "given one later": d[1],
        "never given one": None,
        "kept": d[0],
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_writes_in_one_query_however_many(recorded_before_it):
    apps = migrate(AFTER)
    Recommendation.objects.update(first_due_date=None)
    with CaptureQueriesContext(connection) as queries:
        migration.first_due_dates(apps, None)
    assert len(queries) == 1
    assert (
        Recommendation.objects.filter(text="moved").values_list("first_due_date", flat=True).get()
        == (recorded_before_it[1][0])
    )
