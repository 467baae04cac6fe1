"""A date typed with a mistyped year (2062 for 2026) is refused by its field, what was typed kept: a
recommendation's due date, Part A's due date and the Part B session's, in Planning and Part B. Up to five years
from today will do; past dates are left to each field's own rule (and its warnings). One validator for all:
audits.models.not_far_ahead."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, AuditStatus, PartBSession, Recommendation, RecommendationStatus, far_ahead_problem
from audits.services.partb import recommendation_add
from audits.tests.factories import AuditFactory, RecommendationFactory
from audits.tests.test_planning_admin import audit_form

pytestmark = pytest.mark.django_db


def five_years_on() -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year + 5, day=min(today.day, 28))


def too_far() -> dt.date:
    return five_years_on() + dt.timedelta(days=30)


def said(day: dt.date) -> str:
    return f"{day:%-d %B %Y} is more than 5 years from today: check the year."


def error_of(page: str, field: str) -> str:
    return page.split(f'id="id_{field}_error"')[1].split("</div>")[0]


def test_the_rule():
    assert far_ahead_problem(None) == ""
    assert far_ahead_problem(five_years_on()) == ""
    assert far_ahead_problem(timezone.localdate() - dt.timedelta(days=4000)) == ""  # past: the field's own rule
    assert far_ahead_problem(too_far()) == said(too_far())


def test_a_recommendations_due_date_mistyped_is_refused_by_the_field(client, qa_manager):
    today = timezone.localdate()
    audit = AuditFactory(status=AuditStatus.PART_B, part_b_date=today)
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[audit.slug])
    typed = {"text": "Share the plan with school nurses.", "owner": "CSE group", "due_date": too_far().isoformat()}

    response = client.post(url, typed)

    page = response.content.decode()
    assert response.status_code == 400
    assert said(too_far()) in error_of(page, "due_date")
    assert f'value="{too_far().isoformat()}"' in page and "Share the plan with school nurses." in page
    assert not Recommendation.objects.exists()
    assert client.post(url, {**typed, "due_date": five_years_on().isoformat()}).status_code == 302

    # The service refuses it too, whoever calls it.
    with pytest.raises(ValidationError) as refused:
        recommendation_add(user=qa_manager, audit=audit, text="Again.", owner="CSE group", due_date=too_far())
    assert refused.value.messages == [said(too_far())]


def test_more_time_given_after_the_audit_closes_is_checked_too(client, qa_manager):
    today = timezone.localdate()
    audit = AuditFactory(status=AuditStatus.CLOSED, part_b_date=today - dt.timedelta(days=200))
    rec = RecommendationFactory(audit=audit, status=RecommendationStatus.IN_PROGRESS, due_date=today)
    client.force_login(qa_manager)
    edit = reverse("audits:recommendation_edit", args=[audit.slug, rec.pk])

    response = client.post(edit, {"owner_email": "owner@example.org", "due_date": too_far().isoformat()})

    page = response.content.decode()
    assert response.status_code == 400 and said(too_far()) in error_of(page, "due_date")
    assert f'value="{too_far().isoformat()}"' in page and 'value="owner@example.org"' in page
    rec.refresh_from_db()
    assert (rec.due_date, rec.owner_email) == (today, "")


def test_the_part_b_sessions_date_mistyped_is_refused_by_the_field(client, qa_manager, part_b):
    client.force_login(qa_manager)
    url = reverse("audits:session", args=[part_b.slug])

    response = client.post(url, {"date": too_far().isoformat(), "venue": "Room 1"})

    page = response.content.decode()
    assert response.status_code == 400
    assert said(too_far()) in error_of(page, "date")
    assert f'value="{too_far().isoformat()}"' in page and 'value="Room 1"' in page
    assert not PartBSession.objects.filter(audit=part_b, date=too_far()).exists()


def test_planning_refuses_part_as_due_date_or_the_sessions_mistyped(client, qa_manager):
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_add")
    for field in ("part_a_due", "part_b_date"):
        data = audit_form("dates-far", **{field: too_far().isoformat()})

        response = client.post(url, data)

        page = response.content.decode()
        assert response.status_code == 200
        row = page.split(f"field-{field}")[1].split('<div class="form-row')[0]
        assert said(too_far()) in row and "errorlist" in row
        assert f'value="{too_far().isoformat()}"' in row
        assert not Audit.objects.filter(slug="dates-far").exists()
    near = five_years_on().isoformat()
    assert client.post(url, audit_form("dates-far", part_a_due=near, part_b_date=near)).status_code == 302
