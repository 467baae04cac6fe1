"""Change auditor: the agency's name, which an administrator types in Administration → Agencies, is shown
as text on the page, never read as HTML (the list's help text is HTML in crispy's templates)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from audits.models import AuditStatus

pytestmark = pytest.mark.django_db

NAME = 'Police <script>alert("x")</script> & <img src=x onerror=alert(1)>'


def test_the_agency_name_is_shown_as_text(client, qa_manager, audit, agency_a):
    agency_a.name = NAME
    agency_a.save(update_fields=["name"])
    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    client.force_login(qa_manager)

    response = client.get(reverse("audits:participant_auditor", args=[audit.slug, agency_a.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "<img src=x onerror" not in page
    assert f"The active managers and practitioners of {escape(NAME)}." in page
