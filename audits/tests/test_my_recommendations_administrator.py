"""My recommendations for an administrator (who reads no case content, no tracker and no audit's
recommendations): those naming their own address as the owner's, not an agency's as its lead. The
administrator edits every agency's lead e-mail in Administration → Agencies: giving an agency their own
address, they read on My recommendations the text and evidence of impact of the agency's recommendations
without an owner e-mail or whose owner left. An agency's person who is its lead still reads them (the
owner's rule, audits/tests/test_my_recommendations.py)."""

import pytest
from django.urls import reverse

from agencies.models import Role
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import AuditStatus
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db
PAGE = reverse("audits:my_recommendations")


def test_an_administrator_given_as_an_agencys_lead_reads_only_their_own(client):
    administrator = UserFactory(username="bea.support", role=Role.ADMINISTRATOR, agency=None, email="bea@scp.example")
    agency = AgencyFactory(name="Sussex Police", lead_email="Bea@scp.example")  # typed by the administrator
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    leaver = UserFactory(username="jo", email="jo.leaver@police.example.org", is_active=False)
    blank = RecommendationFactory(audit=audit, owner_agency=agency, owner_email="", text="Audit the minutes")
    left = RecommendationFactory(audit=audit, owner_agency=agency, owner_email=leaver.email, text="Train the team")
    named = RecommendationFactory(audit=audit, owner_agency=agency, owner_email="BEA@scp.example", text="Fix the form")
    client.force_login(administrator)
    html = client.get(PAGE).content.decode()
    assert f'data-rec="{named.pk}"' in html and "Fix the form" in html
    assert f'data-rec="{blank.pk}"' not in html and "Audit the minutes" not in html
    assert f'data-rec="{left.pk}"' not in html and "Train the team" not in html
