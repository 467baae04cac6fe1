"""A briefing, a version's download or a version's status refused is recorded naming the briefing's audit,
as every other record of the access log names its audit: the QA manager answering "who tried to read what of
this audit" (a complaint, a subject access request) finds a practitioner's try at the full report's download
by filtering the log by that audit, not only the downloads that were let through. An id that is nobody's
names no audit."""

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.selectors import access_records_matching
from briefings.models import Edition

from .test_views import done_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_report(make_briefing, qa_manager):
    return done_version(make_briefing(Edition.FULL_REPORT), user=qa_manager)


def _refusals(user):
    return list(AccessRecord.objects.filter(action=AccessAction.REFUSED, user=user))


def test_a_download_refused_names_the_audit_and_is_found_by_it(client_for, cast, findings_audit, full_report):
    response = client_for("practitioner").get(reverse("briefings:download", kwargs={"pk": full_report.pk}))

    assert response.status_code == 404
    [record] = _refusals(cast["practitioner"])
    assert (record.object_type, record.object_id) == ("briefings.briefingversion", str(full_report.pk))
    assert record.audit_id == findings_audit.pk
    assert record in access_records_matching(audit=findings_audit)


def test_a_briefing_page_refused_names_the_audit(client_for, cast, findings_audit, full_report):
    url = reverse("briefings:briefing_page", kwargs={"pk": full_report.briefing_id})

    assert client_for("practitioner").get(url).status_code == 404
    [record] = _refusals(cast["practitioner"])
    assert (record.object_type, record.audit_id) == ("briefings.briefing", findings_audit.pk)


def test_a_version_status_refused_to_another_lead_names_the_audit(client_for, cast, findings_audit, full_report):
    url = reverse("briefings:version_status", kwargs={"pk": full_report.pk})

    assert client_for("other_lead").get(url).status_code == 404
    [record] = _refusals(cast["other_lead"])
    assert (record.object_type, record.audit_id) == ("briefings.briefingversion", findings_audit.pk)


def test_an_id_that_is_nobodys_names_no_audit(client_for, cast, full_report):
    url = reverse("briefings:download", kwargs={"pk": full_report.pk + 1000})

    assert client_for("practitioner").get(url).status_code == 404
    [record] = _refusals(cast["practitioner"])
    assert record.audit_id is None
