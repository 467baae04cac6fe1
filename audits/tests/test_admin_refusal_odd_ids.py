"""An Administration page refused with an odd id typed in its address is refused and recorded like any other
(auditportal.admin): an id longer than the access log's column (60 characters) and an audit's id of digits that
are no number to the database ("²") were a 500, 'Something went wrong', instead."""

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["agencies_user", "agencies_agency", "audits_audit"])
def test_a_long_id_refused_is_recorded_not_a_500(client, auditor, model):
    client.force_login(auditor)
    key = "9" * 40 + "x" * 60
    url = reverse(f"admin:{model}_change", args=[key])

    response = client.get(url)

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    [record] = AccessRecord.objects.filter(action=AccessAction.REFUSED, user=auditor)
    assert len(record.object_id) <= 60 and record.path == url
    assert key in record.summary


def test_an_audit_id_of_other_digits_refused_is_recorded_not_a_500(client, auditor, administrator, audit):
    for person in (auditor, administrator):  # not admitted at all; admitted, not to an audit's Planning
        client.force_login(person)
        response = client.get(reverse("admin:audits_audit_change", args=["\u00b2"]))
        assert response.status_code in (302, 403)
        [record] = AccessRecord.objects.filter(action=AccessAction.REFUSED, user=person)
        assert (record.object_type, record.object_id, record.audit_id) == ("audits.audit", "", None)
