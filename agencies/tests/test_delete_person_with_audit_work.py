"""Deleting a person who did, or was named for, audit work is refused, on the person's delete page and by
"delete selected" in the list of people: it would leave an audit without its lead officer or an agency
without its named auditor, blank "last saved by" and the history's authors, and delete the reminders that
chased them and the reports they asked for. The page says what they did and to deactivate them instead.
Somebody with no such record (added by mistake) is still deleted. `audit` (conftest.py) is in Part A, led by
`lead_officer`, with `auditor` named for agency A."""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from agencies.selectors import AUDIT_WORK, NOT_AUDIT_WORK
from agencies.tests.factories import UserFactory
from audits.models import Audit, AuditAgency, InsightReport, InsightReportKind, ReminderKind, ReminderLog

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:agencies_user_changelist"


def text(response) -> str:
    return " ".join(response.content.decode().split())


def bulk(client, *people, confirmed=False):
    form = {"action": "delete_selected", "_selected_action": [person.pk for person in people]}
    return client.post(reverse(CHANGELIST), {**form, "post": "yes"} if confirmed else form)


def test_a_lead_officer_and_an_auditor_are_not_deleted_but_told_to_be_deactivated(
    signed_in, audit, lead_officer, auditor, qa_manager
):
    ReminderLog.objects.create(
        auditor=auditor, audit=audit, kind=ReminderKind.CHASE, sent_on=timezone.localdate(), sent_by=qa_manager
    )
    InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=auditor)

    for person in (lead_officer, auditor):
        url = reverse("admin:agencies_user_delete", args=[person.pk])
        page = text(signed_in.get(url))
        assert "cannot be deleted: they did, or were named for, audit work" in page
        assert "deactivate the account instead: untick <strong>Active</strong> on their page" in page
        assert "Yes, I’m sure" not in page and "Users: 1" not in page
        assert signed_in.post(url, {"post": "yes"}).status_code == 200  # refused: nothing deleted
    lead_page = text(signed_in.get(reverse("admin:agencies_user_delete", args=[lead_officer.pk])))
    assert f"(username {lead_officer.username}): lead officer of 1 audit" in lead_page
    auditor_page = text(signed_in.get(reverse("admin:agencies_user_delete", args=[auditor.pk])))
    assert (
        f"(username {auditor.username}): named auditor of 1 agency in an audit; "
        "1 reminder sent to them (the chase log); asked for 1 report"
    ) in auditor_page
    assert "Case 1" not in auditor_page  # what they did is counted, not named

    assert User.objects.filter(pk__in=[lead_officer.pk, auditor.pk]).count() == 2
    assert Audit.objects.get(pk=audit.pk).lead_officer_id == lead_officer.pk
    assert AuditAgency.objects.filter(audit=audit, auditor=auditor).exists()
    assert ReminderLog.objects.filter(auditor=auditor).exists() and InsightReport.objects.exists()


def test_delete_selected_refuses_them_all_while_one_did_audit_work(signed_in, audit, auditor, qa_manager):
    ReminderLog.objects.create(
        auditor=auditor, audit=audit, kind=ReminderKind.CHASE, sent_on=timezone.localdate(), sent_by=qa_manager
    )
    added_by_mistake = UserFactory(username="added.twice")

    page = text(bulk(signed_in, added_by_mistake, qa_manager))
    assert "Nothing was deleted: some of the selected people did, or were named for, audit work" in page
    assert f"(username {qa_manager.username}): sent 1 reminder" in page
    assert "added.twice" not in page  # not what prevents it
    assert bulk(signed_in, added_by_mistake, qa_manager, confirmed=True).status_code == 200
    assert User.objects.filter(pk__in=[added_by_mistake.pk, qa_manager.pk]).count() == 2

    # Selected alone, the person with no audit work is deleted, as before.
    assert "Yes, I’m sure" in text(bulk(signed_in, added_by_mistake))
    assert bulk(signed_in, added_by_mistake, confirmed=True).status_code == 302
    assert not User.objects.filter(pk=added_by_mistake.pk).exists()


def test_somebody_added_by_mistake_is_still_deleted_on_their_page(signed_in, audit):
    mistake = UserFactory(username="added.twice")
    url = reverse("admin:agencies_user_delete", args=[mistake.pk])
    assert "Yes, I’m sure" in text(signed_in.get(url))
    assert signed_in.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=mistake.pk).exists()


def test_the_check_is_one_query_a_kind_of_record_however_many_people(signed_in, audit, lead_officer, auditor):
    def queries(*people) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert bulk(signed_in, *people).status_code == 200
        return len(captured)

    few = queries(auditor)
    many = queries(auditor, lead_officer, *UserFactory.create_batch(4))
    assert many == few


def test_every_record_of_audits_and_briefings_naming_a_person_is_weighed():
    """A new link from audits or briefings to a person is either audit work (not deleted with a person) or
    said not to be: it cannot be added and forgotten here."""
    weighed = {(label, field) for label, field, *_ in AUDIT_WORK} | set(NOT_AUDIT_WORK)
    links = {
        (model._meta.label, field.name)
        for app in ("audits", "briefings")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is not None
        and field.related_model._meta.label == settings.AUTH_USER_MODEL
    }
    # The history's copy of "last saved by" is the history_user of the same row.
    assert links - weighed == {
        ("audits.HistoricalPartAReturn", "last_saved_by"),
        ("audits.HistoricalCaseJudgement", "recorded_by"),
    }
    assert weighed <= links
