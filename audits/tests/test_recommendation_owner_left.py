"""A recommendation's owner who leaves: the administrator deactivates their account, and their address is no
longer e-mailed the owner's digests, nor that a recommendation is assigned to it or withdrawn. The owner
agency's lead is reminded in their place (if the agency has one), and the tracker names the address to change."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import OutboxMessage
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import AuditStatus, RecommendationStatus
from audits.services.insights import email_recommendation_digest, recommendation_digests_queue
from audits.services.partb import audit_cancel, recommendation_contact_update
from audits.tasks import send_recommendation_reminders
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


def deactivate(person) -> None:
    person.is_active = False
    person.save()


def rec(audit, email, **kwargs):
    return RecommendationFactory(audit=audit, due_date=TODAY - dt.timedelta(days=3), owner_email=email, **kwargs)


def test_no_digest_to_an_owner_who_left_their_agencys_lead_instead(django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    leaver = UserFactory(email="jo.leaver@police.example.org")
    UserFactory(email="still.here@example.org")
    agency = AgencyFactory(name="Sussex Police", lead_email="lead@police.example.org")
    rec(audit, "Jo.Leaver@police.example.org", owner="", owner_agency=agency)  # the address in another case
    rec(audit, "jo.leaver@police.example.org", owner="CSE group")  # no agency: nobody in their place
    rec(audit, "still.here@example.org")  # an active account's
    rec(audit, "outside@example.com")  # nobody's account: outside the partnership, reminded as before
    deactivate(leaver)

    with django_capture_on_commit_callbacks(execute=True):
        send_recommendation_reminders(TODAY.isoformat())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "lead@police.example.org",
        "outside@example.com",
        "still.here@example.org",
    ]


def test_a_digest_recorded_before_the_owner_left_is_not_sent():
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    leaver = UserFactory(email="jo.leaver@example.org")
    rec(audit, leaver.email)
    assert recommendation_digests_queue(today=TODAY) == ["jo.leaver@example.org"]  # not yet sent (no commit)
    deactivate(leaver)
    assert not email_recommendation_digest(address="jo.leaver@example.org", day=TODAY.isoformat())
    assert mail.outbox == []


def test_not_told_a_recommendation_is_assigned_to_an_address_of_somebody_who_left(qa_manager):
    audit = audit_in(2026, status=AuditStatus.CLOSED)
    item = rec(audit, "group@example.org")
    deactivate(UserFactory(email="jo.leaver@example.org"))
    recommendation_contact_update(user=qa_manager, recommendation=item, owner_email="jo.leaver@example.org")
    assert not OutboxMessage.objects.filter(task="audits.tasks.notify_recommendation_assigned").exists()


def test_not_told_of_a_cancellation_after_leaving(qa_manager):
    audit = audit_in(2026, status=AuditStatus.PART_B)
    leaver = UserFactory(email="jo.leaver@example.org")
    rec(audit, leaver.email)
    rec(audit, "group@example.org")
    deactivate(leaver)
    audit_cancel(user=qa_manager, audit=audit, reason="Overtaken by a rapid review.")
    told = OutboxMessage.objects.filter(task="audits.tasks.notify_recommendations_cancelled")
    assert [message.args[1] for message in told] == ["group@example.org"]


def test_the_tracker_names_the_address_of_who_left(client, qa_manager):
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    leaver = UserFactory(email="jo.leaver@example.org")
    item = rec(audit, leaver.email, status=RecommendationStatus.IN_PROGRESS)
    kept = rec(audit, "group@example.org")
    deactivate(leaver)

    client.force_login(qa_manager)
    html = client.get(reverse("audits:insights_tracker")).content.decode()
    row = html[html.index(f'data-rec="{item.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "jo.leaver@example.org is no longer reminded: their account was deactivated." in row
    assert reverse("audits:recommendation_edit", args=[audit.slug, item.pk]) in row
    assert "No e-mail for reminders" not in row  # said once, with whose address it was
    other = html[html.index(f'data-rec="{kept.pk}"') :]
    assert "no longer reminded" not in other[: other.index("</tr>")]


def test_the_address_of_somebody_who_left_is_refused_as_a_new_owner_email(client, qa_manager):
    """Typed as the owner's e-mail (the old owner's, by habit), it is refused with what to give instead, what
    was typed kept; an address that was already the owner's before they left does not stop other changes."""
    audit = audit_in(2026, status=AuditStatus.PART_B)
    deactivate(UserFactory(email="jo.leaver@example.org"))
    client.force_login(qa_manager)
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    posted = {"text": "Do better", "owner": "CSE group", "owner_email": "Jo.Leaver@example.org", "due_date": due}
    response = client.post(reverse("audits:recommendations", args=[audit.slug]), posted)
    assert response.status_code == 400
    page = " ".join(response.content.decode().split())
    assert (
        "Jo.Leaver@example.org is the address of an account that was deactivated (somebody who left): reminders "
        "are not sent to it. Give the address of whoever takes the recommendation forward now." in page
    )
    assert "lead to be reminded" not in page  # owned by a group: nobody's lead is reminded in its place
    assert 'id="id_text"> Do better</textarea>' in page  # what was typed, kept
    assert not audit.recommendations.exists()

    kept = rec(audit, "jo.leaver@example.org")  # given before they left
    edit = reverse("audits:recommendation_edit", args=[audit.slug, kept.pk])
    response = client.post(edit, {**posted, "owner_email": "jo.leaver@example.org", "text": "Do much better"})
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.text == "Do much better"

    audit.status = AuditStatus.CLOSED  # the contact alone, once the audit is closed
    audit.save(update_fields=["status"])
    other = rec(audit, "group@example.org")
    edit = reverse("audits:recommendation_edit", args=[audit.slug, other.pk])
    response = client.post(edit, {"owner_email": "jo.leaver@example.org"})
    assert response.status_code == 400 and "is the address of an account that was deactivated" in (
        response.content.decode()
    )
    other.refresh_from_db()
    assert other.owner_email == "group@example.org"
