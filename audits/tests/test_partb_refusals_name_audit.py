"""An id of another audit's case, finding or recommendation tried on the pages of an audit the person runs
is refused and recorded naming the audit it belongs to, as the access log's other records name theirs: the
QA manager answering "who tried to see what of this audit" (a complaint, a subject access request) finds it
by filtering the log by that audit. An id that is nobody's names no audit: the page's address says which
audit it was tried in, and the log's filter by that audit still finds it."""

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.selectors import access_records_matching
from audits.models import FindingKind

from .factories import FindingFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def _refusal(user) -> AccessRecord:
    [record] = AccessRecord.objects.filter(action=AccessAction.REFUSED, user=user)
    return record


def test_another_audits_case_on_the_board_names_that_audit(client_for, cast, audit, other_audit):
    case = audit.cases.get(reference="Case 1")
    url = reverse("audits:evidence_board", args=[other_audit.slug, case.pk])

    assert client_for("other_lead").get(url).status_code == 404

    record = _refusal(cast["other_lead"])
    assert (record.object_type, record.object_id, record.audit_id) == ("audits.case", str(case.pk), audit.pk)
    assert record in access_records_matching(audit=audit)
    # Named by its reference too, as its board's record names it: a search of the log for the case finds it.
    assert record.summary == f"case of {other_audit}: Case 1"
    assert list(access_records_matching(audit=audit, q="Case 1")) == [record]


def test_another_audits_finding_names_that_audit(client_for, cast, audit, other_audit):
    finding = FindingFactory(audit=audit, kind=FindingKind.STRENGTH, heading="Joint visits")
    url = reverse("audits:finding_edit", args=[other_audit.slug, finding.pk])

    assert client_for("other_lead").get(url).status_code == 404

    record = _refusal(cast["other_lead"])
    assert (record.object_type, record.audit_id) == ("audits.finding", audit.pk)
    assert record in access_records_matching(audit=audit)


def test_another_audits_recommendation_names_that_audit(client_for, cast, audit, other_audit):
    recommendation = RecommendationFactory(audit=audit)
    url = reverse("audits:recommendation_edit", args=[other_audit.slug, recommendation.pk])

    assert client_for("other_lead").get(url).status_code == 404

    record = _refusal(cast["other_lead"])
    assert (record.object_type, record.audit_id) == ("audits.recommendation", audit.pk)
    assert record in access_records_matching(audit=audit)


def test_an_id_that_is_nobodys_names_no_audit_and_is_found_by_the_page(client_for, cast, other_audit):
    url = reverse("audits:evidence_board", args=[other_audit.slug, 999999])

    assert client_for("other_lead").get(url).status_code == 404

    record = _refusal(cast["other_lead"])
    assert (record.object_id, record.audit_id) == ("999999", None)
    assert record in access_records_matching(audit=other_audit)
