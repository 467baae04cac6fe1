"""The administrator has no access to case content (README), whatever their account says: an agency
set on it, or being named an audit's lead officer or auditor, gives them nothing. Nobody changes their
own agency in the admin, as nobody changes their own role or board access."""

import pytest
from django.urls import reverse

from agencies.models import Role
from agencies.selectors import user_capabilities
from audits.models import Audit, AuditAgency, PartAReturn
from audits.selectors.insights import may_see_trends, profile_agencies
from briefings.models import Briefing, Edition
from briefings.selectors import editions_readable_by, may_use_library, readable_briefings_filter

from .test_admin import change_url, user_form

pytestmark = pytest.mark.django_db


def test_nobody_changes_their_own_agency_in_the_admin(client, it_admin, agency_a):
    client.force_login(it_admin)
    assert 'name="agency"' not in client.get(change_url(it_admin)).content.decode()

    response = client.post(change_url(it_admin), user_form(it_admin, job_title="IT", agency=agency_a.pk))

    assert response.status_code == 302, response.content.decode()[:2000]
    it_admin.refresh_from_db()
    assert it_admin.job_title == "IT" and it_admin.agency_id is None


def test_another_persons_agency_is_still_changed_there(client, it_admin, auditor, agency_c):
    client.force_login(it_admin)
    assert client.post(change_url(auditor), user_form(auditor, agency=agency_c.pk)).status_code == 302
    auditor.refresh_from_db()
    assert auditor.agency == agency_c


def test_an_administrator_with_an_agency_reads_none_of_its_returns(client, administrator, audit, agency_a):
    administrator.agency = agency_a  # given by another administrator
    administrator.save()
    draft = PartAReturn.objects.filter(audit=audit, agency=agency_a).first()
    client.force_login(administrator)

    assert not PartAReturn.objects.visible_to(administrator).exists()
    assert not Audit.objects.visible_to(administrator).exists()
    assert client.get(reverse("audits:return_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("audits:insights_agency", args=[agency_a.pk])).status_code == 404
    assert editions_readable_by(administrator) == []
    assert not user_capabilities(administrator).reader


def test_an_administrator_named_lead_officer_or_auditor_gets_nothing_from_it(client, administrator, audit, agency_a):
    administrator.agency = agency_a
    administrator.save()
    Audit.objects.filter(pk=audit.pk).update(lead_officer=administrator)
    AuditAgency.objects.filter(audit=audit, agency=agency_a).update(auditor=administrator)
    client.force_login(administrator)

    assert not Audit.objects.managed_by(administrator).exists()
    for name in ("audits:dashboard", "audits:audit_returns", "audits:export_csv"):
        assert client.get(reverse(name, args=[audit.slug])).status_code == 404, name
    assert "CSE audit" not in client.get(reverse("audits:my_returns")).content.decode()
    # Nor the profiles of the agencies in the audit they were named lead officer of, its trends, or its
    # full report in the briefings library.
    assert not profile_agencies(administrator).exists()
    assert client.get(reverse("audits:insights_agency", args=[agency_a.pk])).status_code == 404
    assert not may_see_trends(administrator)
    assert client.get(reverse("audits:insights_trends")).status_code == 404
    full_report = Briefing.objects.create(audit=audit, edition=Edition.FULL_REPORT, title="Full report")
    assert not Briefing.objects.filter(readable_briefings_filter(administrator), pk=full_report.pk).exists()
    assert not may_use_library(administrator)
    assert client.get(reverse("briefings:library")).status_code == 404
    # The navigation offers none of it.
    capabilities = user_capabilities(administrator)
    assert not (capabilities.lead_officer or capabilities.auditor or capabilities.runs_audits)
    nav = client.get(reverse("access_log")).content.decode()
    assert 'href="/access-log/"' in nav  # the page with the navigation, not a redirect
    for name in ("audits:audit_list", "audits:my_returns", "audits:insights_trends"):
        assert f'href="{reverse(name)}"' not in nav, name


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.QA_MANAGER])
def test_a_named_auditor_given_another_role_can_no_longer_edit(client, auditor, audit, agency_a, role):
    participant = AuditAgency.objects.select_related("auditor", "agency").get(audit=audit, agency=agency_a)
    assert participant.auditor_unable == ""
    auditor.role = role
    auditor.save()
    participant.refresh_from_db()

    assert participant.auditor_unable == f"{auditor} is no longer one of Sussex Police's managers or practitioners"
    draft = PartAReturn.objects.filter(audit=audit, agency=agency_a).first()
    client.force_login(auditor)
    saved = client.post(
        reverse("audits:return_autosave", args=[draft.pk]),
        {"version": 0, "strengths": "Good work."},
        content_type="application/json",
    )
    # The QA manager reads it (403: read, not change); the administrator does not even see it.
    assert saved.status_code == (404 if role == Role.ADMINISTRATOR else 403)
    assert PartAReturn.objects.get(pk=draft.pk).strengths == ""
