"""My recommendations: a recommendation's owner, signed in, reads the recommendations whose reminders go to
their own account's address (compared without regard to case), across audits, read-only: not another
address's, not a cancelled audit's. Its owner agency's lead reads those with no owner e-mail, and those whose
owner left (a deactivated account's address), as they are reminded of them. The page is recorded in the access
log, costs the same queries however many there are, and is in the menu of whoever has one; the owners'
e-mails link to it."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import AuditStatus, Recommendation, RecommendationStatus
from audits.selectors.insights import departed_addresses, owned_recommendations, owner_email_of
from audits.services.insights import (
    email_recommendation_assigned,
    email_recommendation_digest,
    recommendation_digests_queue,
)
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db
PAGE = reverse("audits:my_recommendations")


def rows(html: str) -> int:
    return html.count("data-rec=")


def owner(email="sam.owner@police.example.org", **kwargs):
    return UserFactory(email=email, **kwargs)


def test_the_owner_reads_theirs_and_not_another_addresss(client):
    sam = owner()
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="Neglect audit")
    mine = RecommendationFactory(
        audit=audit,
        text="Review the strategy meeting minutes",
        owner_email="Sam.Owner@Police.Example.org",  # another case: the same address
        due_date=dt.date(2030, 1, 31),
        impact_evidence="Minutes audited in March",
        status=RecommendationStatus.IN_PROGRESS,
    )
    RecommendationFactory(audit=audit, text="Somebody else's work", owner_email="other@example.org")
    RecommendationFactory(audit=audit, text="Nobody's address", owner_email="")
    client.force_login(sam)
    html = client.get(PAGE).content.decode()
    assert rows(html) == 1
    assert f'data-rec="{mine.pk}"' in html
    assert "Review the strategy meeting minutes" in html
    assert "Minutes audited in March" in html
    assert "Neglect audit" in html and "2026" in html
    assert "31 Jan 2030" in html
    assert "In progress" in html
    assert "Somebody else&#x27;s work" not in html and "Somebody else's work" not in html
    assert "Nobody&#x27;s address" not in html


def test_a_cancelled_audits_are_left_out(client):
    sam = owner()
    cancelled = audit_in(2026, status=AuditStatus.CANCELLED)
    RecommendationFactory(audit=cancelled, text="Will not go ahead", owner_email=sam.email)
    client.force_login(sam)
    html = client.get(PAGE).content.decode()
    assert "Will not go ahead" not in html
    assert 'data-testid="my-recommendations-empty"' in html


def test_a_person_with_no_recommendations_or_no_address_is_told_so(client):
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    RecommendationFactory(audit=audit, owner_email="")  # a blank address is nobody's
    nobody = owner(email="")
    client.force_login(nobody)
    html = client.get(PAGE).content.decode()
    assert rows(html) == 0
    assert "Your account has no e-mail address" in html
    client.force_login(owner(email="has.none@example.org", username="has-none"))
    html = client.get(PAGE).content.decode()
    assert rows(html) == 0
    assert "No recommendation of an audit is assigned to your address (has.none@example.org)" in html


def test_the_agencys_lead_reads_those_they_are_reminded_of(client):
    """As owner_email_of: no owner e-mail, or the owner left, and the agency's lead is reminded instead."""
    lead = owner(email="lead@police.example.org", username="lead")
    leaver = owner(email="jo.leaver@police.example.org", username="leaver")
    stays = owner(email="still.here@police.example.org", username="stays")
    agency = AgencyFactory(name="Sussex Police", lead_email="Lead@Police.example.org")
    audit = audit_in(2026, status=AuditStatus.CLOSED)
    blank = RecommendationFactory(audit=audit, owner="", owner_agency=agency, owner_email="")
    left = RecommendationFactory(audit=audit, owner="", owner_agency=agency, owner_email="Jo.Leaver@police.example.org")
    other = RecommendationFactory(audit=audit, owner="", owner_agency=agency, owner_email=stays.email)
    leaver.is_active = False
    leaver.save()
    client.force_login(lead)
    html = client.get(PAGE).content.decode()
    assert f'data-rec="{blank.pk}"' in html and f'data-rec="{left.pk}"' in html
    assert f'data-rec="{other.pk}"' not in html  # still.here is reminded of it, not the lead
    client.force_login(stays)
    assert f'data-rec="{other.pk}"' in client.get(PAGE).content.decode()
    # The rule is owner_email_of's, as a filter.
    recs = list(Recommendation.objects.select_related("owner_agency"))
    departed = departed_addresses(recs)
    for person in (lead, stays):
        expected = {r.pk for r in recs if owner_email_of(r, departed).lower() == person.email.lower()}
        assert set(owned_recommendations(person).values_list("pk", flat=True)) == expected


def test_what_it_shows_whom_to_tell_and_the_first_due_date(client):
    sam = owner()
    lead_officer = UserFactory(
        username="lo", first_name="Pat", last_name="Lead", email="pat.lead@example.org", role="manager"
    )
    audit = audit_in(2026, status=AuditStatus.REPORTING, lead_officer=lead_officer)
    rec = RecommendationFactory(audit=audit, owner_email=sam.email, due_date=dt.date(2030, 3, 1))
    rec.due_date = dt.date(2030, 6, 30)
    rec.save()
    client.force_login(sam)
    html = client.get(PAGE).content.decode()
    assert "moved: first due 1 Mar 2030" in html
    assert "30 Jun 2030" in html
    assert "pat.lead@example.org" in html
    lead_officer.is_active = False  # left: not given out
    lead_officer.save()
    html = client.get(PAGE).content.decode()
    assert "pat.lead@example.org" not in html
    assert "The partnership's quality assurance manager" in html


def test_the_page_is_recorded_in_the_access_log(client):
    sam = owner()
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    RecommendationFactory(audit=audit, owner_email=sam.email)
    client.force_login(sam)
    client.get(PAGE)
    record = AccessRecord.objects.get(user=sam)
    assert record.action == AccessAction.VIEW
    assert record.object_type == "audits.recommendation"
    assert record.summary == "My recommendations (1)"
    assert record.path == PAGE


def test_the_menu_offers_it_to_an_owner_only(client):
    sam = owner()
    other = owner(email="no.recs@example.org", username="norecs")
    RecommendationFactory(audit=audit_in(2026, status=AuditStatus.REPORTING), owner_email=sam.email.upper())
    client.force_login(sam)
    assert f'href="{PAGE}"' in client.get(reverse("profile")).content.decode()
    client.force_login(other)
    assert f'href="{PAGE}"' not in client.get(reverse("profile")).content.decode()


def test_the_page_costs_the_same_queries_for_1_and_many(client):
    sam = owner()
    lead_officer = UserFactory(username="lo", email="lo@example.org", role="manager")
    agency = AgencyFactory(lead_email=sam.email)
    RecommendationFactory(audit=audit_in(2026, status=AuditStatus.REPORTING), owner_email=sam.email)
    client.force_login(sam)
    client.get(PAGE)  # the session's first renewal
    with CaptureQueriesContext(connection) as one:
        assert rows(client.get(PAGE).content.decode()) == 1
    for year in range(2015, 2025):
        audit = audit_in(year, status=AuditStatus.CLOSED, theme_slug=f"t{year}", lead_officer=lead_officer)
        RecommendationFactory(audit=audit, owner_email=sam.email, due_date=dt.date(year, 5, 1))
        rec = RecommendationFactory(audit=audit, owner="", owner_agency=agency, due_date=dt.date(year, 5, 1))
        rec.due_date = dt.date(year, 9, 1)
        rec.save()
    with CaptureQueriesContext(connection) as many:
        assert rows(client.get(PAGE).content.decode()) == 21
    assert len(many) == len(one), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_owners_emails_link_to_the_page(settings):
    settings.SITE_URL = "https://audit.example.org"
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    today = timezone.localdate()
    rec = RecommendationFactory(audit=audit, owner_email="owner@example.org", due_date=today)
    assert email_recommendation_assigned(recommendation_id=rec.pk, to="owner@example.org")
    assert recommendation_digests_queue(today=today) == ["owner@example.org"]
    assert email_recommendation_digest(address="owner@example.org", day=today.isoformat())
    for message in mail.outbox:
        assert f"https://audit.example.org{PAGE}" in message.body
        assert "My recommendations" in message.body
