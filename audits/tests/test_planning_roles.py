"""Planning names as an agency's auditor only its managers and practitioners (the rule of the app's
"Change auditor"), and as an audit's lead officer anyone but an administrator, who has no access to
case content: the dropdowns offer no one else, and the models refuse them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Role
from agencies.tests.factories import UserFactory
from audits.models import Audit, AuditAgency

from .test_planning_admin import audit_form

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> str:
    select = html[html.index(f'name="{name}"') :]
    return select[: select.index("</select>")]


def test_the_dropdowns_offer_only_suitable_roles(client, qa_manager, agency_a, lead_officer, auditor):
    qa_with_agency = UserFactory(username="qa.two", role=Role.QA_MANAGER, agency=agency_a, last_name="Quayle")
    admin_with_agency = UserFactory(username="it.two", role=Role.ADMINISTRATOR, agency=agency_a, last_name="Ames")
    client.force_login(qa_manager)
    html = client.get(reverse("admin:audits_audit_add")).content.decode()

    auditors = _options(html, "participants-__prefix__-auditor")
    assert f'value="{auditor.pk}"' in auditors
    assert f'value="{qa_with_agency.pk}"' not in auditors and f'value="{admin_with_agency.pk}"' not in auditors
    leads = _options(html, "lead_officer")
    assert f'value="{lead_officer.pk}"' in leads and f'value="{qa_with_agency.pk}"' in leads
    assert f'value="{admin_with_agency.pk}"' not in leads


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.ADMINISTRATOR])
def test_an_auditor_who_is_not_agency_staff_is_refused(audit, agency_a, auditor, role):
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)
    participant.full_clean()
    auditor.role = role
    auditor.save()
    participant.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        participant.full_clean()
    assert refused.value.message_dict["auditor"] == [
        f"An auditor is one of the agency's managers or practitioners: {auditor} is not."
    ]


def test_an_administrator_is_refused_as_lead_officer(client, qa_manager, administrator, audit):
    audit.full_clean()
    audit.lead_officer = administrator
    with pytest.raises(ValidationError) as refused:
        audit.full_clean()
    assert "is an administrator, who has no access to case content" in refused.value.message_dict["lead_officer"][0]

    client.force_login(qa_manager)
    response = client.post(reverse("admin:audits_audit_add"), audit_form("audit-y", lead_officer=administrator.pk))
    assert response.status_code == 200
    assert not Audit.objects.filter(slug="audit-y").exists()
