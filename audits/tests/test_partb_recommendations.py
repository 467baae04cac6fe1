"""Recommendations: owner, due date, status through to closure with evidence of impact, RAG, lists."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, Recommendation, RecommendationStatus
from audits.selectors.partb import recommendations_across
from audits.services.partb import recommendation_add, recommendation_transition, recommendation_update
from audits.tests.factories import AuditFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SOON, LATER = TODAY + datetime.timedelta(days=120), TODAY + datetime.timedelta(days=200)


def test_add_with_owner_group_or_agency_and_due_date(client, lead_officer, part_b, agency_a):
    client.force_login(lead_officer)
    url = reverse("audits:recommendations", args=[part_b.slug])
    response = client.post(
        url, {"text": "Review CIN plans", "owner": "Vulnerable Children's Monitoring Group", "due_date": SOON}
    )
    assert response.status_code == 302
    response = client.post(url, {"text": "Screen at A&E", "owner_agency": agency_a.pk, "due_date": LATER})
    assert response.status_code == 302
    first, second = Recommendation.objects.filter(audit=part_b).order_by("order")
    assert (first.owner_name, first.due_date, first.order) == (
        "Vulnerable Children's Monitoring Group",
        SOON,
        0,
    )
    assert (second.owner_name, second.order) == ("Sussex Police", 1)
    assert (
        AccessRecord.objects.filter(action=AccessAction.CHANGE, summary__startswith="Recommendation added").count() == 2
    )


def _field_error(html: str, field: str) -> str:
    """The error printed under a field (crispy: <… id="error_1_id_<field>" …><strong>…</strong>)."""
    marker = f'id="error_1_id_{field}"'
    if marker not in html:
        return ""
    return html.split(marker)[1].split("<strong>")[1].split("</strong>")[0]


def test_add_needs_an_owner_named_next_to_the_field(client, qa_manager, part_b):
    client.force_login(qa_manager)
    response = client.post(
        reverse("audits:recommendations", args=[part_b.slug]), {"text": "Ownerless", "due_date": SOON}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert _field_error(html, "owner") == "Name the group or agency that takes this forward."
    assert "Constraint" not in html and "recommendation_has_owner" not in html
    assert not Recommendation.objects.exists()


def test_one_owner_not_both(client, qa_manager, part_b, agency_a):
    client.force_login(qa_manager)
    data = {"text": "Both", "owner": "CSE group", "owner_agency": agency_a.pk, "due_date": SOON}
    response = client.post(reverse("audits:recommendations", args=[part_b.slug]), data)
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "owner_agency").startswith("Name a group or an agency, not both")
    assert not Recommendation.objects.exists()
    with pytest.raises(ValidationError, match="not both"):
        recommendation_add(user=qa_manager, audit=part_b, text="Both", owner="G", owner_agency=agency_a, due_date=TODAY)


def test_a_new_recommendation_needs_a_due_date_not_in_the_past(client, qa_manager, part_b):
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[part_b.slug])
    response = client.post(url, {"text": "Undated", "owner": "Group"})
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "due_date") == "Give the date it is due."
    yesterday = TODAY - datetime.timedelta(days=1)
    response = client.post(url, {"text": "Late already", "owner": "Group", "due_date": yesterday.isoformat()})
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "due_date") == "The due date cannot be in the past."
    assert not Recommendation.objects.exists()
    for due in (None, yesterday):
        with pytest.raises(ValidationError):
            recommendation_add(user=qa_manager, audit=part_b, text="X", owner="Group", due_date=due)
    assert client.post(url, {"text": "Today", "owner": "Group", "due_date": TODAY.isoformat()}).status_code == 302


def test_an_overdue_recommendation_keeps_its_past_date_but_cannot_be_moved_into_the_past(client, qa_manager, part_b):
    overdue = TODAY - datetime.timedelta(days=10)
    rec = RecommendationFactory(audit=part_b, due_date=overdue)
    client.force_login(qa_manager)
    url = reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk])
    data = {"text": "Reworded", "owner": "Group", "due_date": overdue.isoformat()}
    assert client.post(url, data).status_code == 302
    rec.refresh_from_db()
    assert (rec.text, rec.due_date) == ("Reworded", overdue)
    data["due_date"] = (overdue - datetime.timedelta(days=1)).isoformat()
    response = client.post(url, data)
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "due_date") == "The due date cannot be in the past."
    # Nor can its due date be taken away.
    data["due_date"] = ""
    assert client.post(url, data).status_code == 400
    rec.refresh_from_db()
    assert rec.due_date == overdue
    with pytest.raises(ValidationError):
        recommendation_update(user=qa_manager, recommendation=rec, text="X", owner="Group", due_date=None)


def test_status_goes_through_to_closure_which_needs_evidence_of_impact(client, qa_manager, part_b):
    rec = RecommendationFactory(audit=part_b)
    client.force_login(qa_manager)
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    prefix = f"rec-{rec.pk}"
    for status in (RecommendationStatus.IN_PROGRESS, RecommendationStatus.COMPLETE):
        client.post(url, {f"{prefix}-to_status": status})
        rec.refresh_from_db()
        assert rec.status == status
    # Closing without evidence of impact is refused, with a message.
    response = client.post(url, {f"{prefix}-to_status": RecommendationStatus.CLOSED}, follow=True)
    assert "evidence of its impact" in response.content.decode()
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.COMPLETE
    client.post(
        url,
        {
            f"{prefix}-to_status": RecommendationStatus.CLOSED,
            f"{prefix}-impact_evidence": "Re-audit in 2016 showed plans recorded.",
        },
    )
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None
    assert rec.impact_evidence == "Re-audit in 2016 showed plans recorded."


def test_service_refuses_skipping_and_closing_without_evidence(qa_manager, part_b):
    rec = RecommendationFactory(audit=part_b)
    with pytest.raises(ValidationError):
        recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.CLOSED)
    rec = recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.COMPLETE)
    with pytest.raises(ValidationError):
        recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.CLOSED)
    rec = recommendation_transition(
        user=qa_manager, recommendation=rec, to_status=RecommendationStatus.CLOSED, impact_evidence="Audit repeated."
    )
    with pytest.raises(ValidationError):
        recommendation_update(user=qa_manager, recommendation=rec, text="Changed", owner="Group")


def test_recommendations_are_tracked_after_the_audit_closes(qa_manager):
    closed = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(audit=closed)
    rec = recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.IN_PROGRESS)
    assert rec.status == RecommendationStatus.IN_PROGRESS
    with pytest.raises(ValidationError):  # but no new ones on a closed audit
        recommendation_add(user=qa_manager, audit=closed, text="New", owner="Group")


def test_after_the_audit_closes_a_recommendation_is_tracked_but_not_rewritten(client, lead_officer, agency_b):
    closed = AuditFactory(status=AuditStatus.CLOSED, lead_officer=lead_officer)
    rec = RecommendationFactory(audit=closed, text="As agreed", due_date=TODAY + datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match="Once the audit is closed, only its status and evidence of impact"):
        recommendation_update(user=lead_officer, recommendation=rec, text="Rewritten", owner="Group")
    client.force_login(lead_officer)
    edit = reverse("audits:recommendation_edit", args=[closed.slug, rec.pk])
    page = client.get(edit).content.decode()
    assert "text, owner and findings no longer change" in page
    assert 'name="owner_email"' in page and 'name="text"' not in page and 'name="due_date"' in page
    # A page opened before it closed is refused, not saved in part (test_partb_moved_on.py).
    assert client.post(edit, {"text": "Rewritten", "owner": "", "owner_agency": agency_b.pk}).status_code == 409
    rec.refresh_from_db()
    assert (rec.text, rec.owner, rec.owner_agency) == ("As agreed", "CSE Steering Group", None)
    # The page says why, and offers the owner's e-mail (reminders) and the status, not an edit.
    html = client.get(reverse("audits:recommendations", args=[closed.slug])).content.decode()
    assert "The audit is closed" in html and ">Due date and owner's e-mail<" in html and ">Edit<" not in html
    assert "Change status" in html
    # Where the reminders go is part of the tracking: it can change.
    response = client.post(edit, {"owner_email": "owner@example.org", "due_date": rec.due_date.isoformat()})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert (rec.owner_email, rec.text) == ("owner@example.org", "As agreed")
    rec = recommendation_transition(
        user=lead_officer, recommendation=rec, to_status=RecommendationStatus.IN_PROGRESS, impact_evidence="Begun."
    )
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.IN_PROGRESS, "Begun.")


def test_edit(client, qa_manager, part_b, agency_b):
    rec = RecommendationFactory(audit=part_b)
    client.force_login(qa_manager)
    url = reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"text": "Sharper", "owner": "", "owner_agency": agency_b.pk, "due_date": LATER})
    rec.refresh_from_db()
    assert (rec.text, rec.owner_name, rec.due_date) == ("Sharper", agency_b.name, LATER)


@pytest.mark.parametrize(
    ("status", "due_in", "rag"),
    [
        (RecommendationStatus.OPEN, -1, "red"),
        (RecommendationStatus.IN_PROGRESS, 10, "amber"),
        (RecommendationStatus.OPEN, None, "amber"),
        (RecommendationStatus.OPEN, 90, "green"),
        (RecommendationStatus.COMPLETE, -30, "green"),
    ],
)
def test_rag_is_shown_in_words(client, qa_manager, part_b, status, due_in, rag):
    due = TODAY + datetime.timedelta(days=due_in) if due_in is not None else None
    RecommendationFactory(audit=part_b, status=status, due_date=due)
    client.force_login(qa_manager)
    html = client.get(reverse("audits:recommendations", args=[part_b.slug])).content.decode()
    assert f'<span class="badge rag rag-{rag}">{rag.title()}</span>' in html
    assert ("Overdue" in html) == (rag == "red")


def test_across_audits_overdue_first_then_by_due_date(qa_manager, lead_officer, part_b, other_audit):
    later = RecommendationFactory(audit=part_b, text="later", due_date=TODAY + datetime.timedelta(days=60))
    undated = RecommendationFactory(audit=part_b, text="undated", due_date=None)
    overdue = RecommendationFactory(audit=other_audit, text="overdue", due_date=TODAY - datetime.timedelta(days=5))
    sooner = RecommendationFactory(audit=part_b, text="sooner", due_date=TODAY + datetime.timedelta(days=5))
    done_late = RecommendationFactory(
        audit=part_b,
        text="complete",
        status=RecommendationStatus.COMPLETE,
        due_date=TODAY - datetime.timedelta(days=50),
    )
    assert recommendations_across(qa_manager) == [overdue, done_late, sooner, later, undated]
    # A lead officer sees their own audits' only.
    assert recommendations_across(lead_officer) == [done_late, sooner, later, undated]
    assert recommendations_across(qa_manager, status=RecommendationStatus.COMPLETE) == [done_late]


def test_across_audits_page_query_count_is_constant(client, qa_manager, part_b, django_assert_num_queries):
    client.force_login(qa_manager)
    RecommendationFactory(audit=part_b)
    client.get(reverse("audits:recommendations_all"))
    # user, "runs any audit?", how many match (the pages), the page's recommendations with audit and
    # owner agency: 4. The session and the partnership settings come from the cache.
    with django_assert_num_queries(4) as first:
        client.get(reverse("audits:recommendations_all"))
    for n in range(30):
        RecommendationFactory(audit=AuditFactory(), text=f"R{n}")
    # Two pages now: each costs the same.
    with django_assert_num_queries(len(first)):
        client.get(reverse("audits:recommendations_all"))
    with django_assert_num_queries(len(first)):
        assert "Page 2 of 2" in client.get(reverse("audits:recommendations_all"), {"page": 2}).content.decode()


def test_a_past_audit_takes_its_real_due_dates_from_the_part_b_session_on(client, qa_manager, part_b):
    """An audit recorded after the event (its Part B session in 2014) takes the due dates it set then: not
    before the session, with a message that says so."""
    part_b.part_b_date = datetime.date(2014, 12, 3)
    part_b.save(update_fields=["part_b_date"])
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[part_b.slug])
    data = {"text": "Review CIN plans", "owner": "Group", "due_date": "2015-03-31"}
    assert client.post(url, data).status_code == 302
    rec = Recommendation.objects.get(audit=part_b)
    assert rec.due_date == datetime.date(2015, 3, 31)
    # The session's own day will do; the day before will not.
    recommendation_add(
        user=qa_manager, audit=part_b, text="On the day", owner="Group", due_date=datetime.date(2014, 12, 3)
    )
    response = client.post(url, {**data, "due_date": "2014-12-02"})
    assert response.status_code == 400
    assert (
        _field_error(response.content.decode(), "due_date")
        == "The due date cannot be before the Part B session on 3 December 2014."
    )
    with pytest.raises(ValidationError, match="before the Part B session on 3 December 2014"):
        recommendation_add(user=qa_manager, audit=part_b, text="X", owner="Group", due_date=datetime.date(2014, 11, 1))

    # Changed, to another past date after the session; and closed, its due date long past.
    edit = reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk])
    assert client.post(edit, {**data, "due_date": "2015-06-30"}).status_code == 302
    rec.refresh_from_db()
    assert rec.due_date == datetime.date(2015, 6, 30)
    response = client.post(edit, {**data, "due_date": "2014-01-01"})
    assert response.status_code == 400
    assert "before the Part B session on 3 December 2014" in _field_error(response.content.decode(), "due_date")
    status_url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    prefix = f"rec-{rec.pk}"
    for status in (RecommendationStatus.IN_PROGRESS, RecommendationStatus.COMPLETE):
        client.post(status_url, {f"{prefix}-to_status": status})
    client.post(
        status_url,
        {f"{prefix}-to_status": RecommendationStatus.CLOSED, f"{prefix}-impact_evidence": "Re-audit in 2016."},
    )
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.due_date == datetime.date(2015, 6, 30)


def test_a_part_b_session_still_to_come_leaves_today_the_limit(qa_manager, part_b):
    part_b.part_b_date = TODAY + datetime.timedelta(days=30)
    part_b.save(update_fields=["part_b_date"])
    with pytest.raises(ValidationError, match="cannot be in the past"):
        recommendation_add(
            user=qa_manager, audit=part_b, text="X", owner="Group", due_date=TODAY - datetime.timedelta(days=1)
        )
    rec = recommendation_add(user=qa_manager, audit=part_b, text="X", owner="Group", due_date=TODAY)
    assert rec.due_date == TODAY
