"""An auditor finds their audit's evidence boards from My returns while it is in Part B, and only then."""

import pytest
from django.urls import reverse

from audits.models import AuditStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "stage, shown", [(AuditStatus.PART_B, True), (AuditStatus.REPORTING, False), (AuditStatus.CLOSED, False)]
)
def test_my_returns_links_the_evidence_boards_in_part_b(client_for, audit, stage, shown):
    audit.status = stage
    audit.save(update_fields=["status"])
    client = client_for("auditor")
    page = client.get(reverse("audits:my_returns")).content.decode()
    boards = reverse("audits:boards", args=[audit.slug])
    assert (boards in page) is shown
    # The link goes where the auditor may go: the boards open in Part B and are refused after it.
    assert client.get(boards).status_code == (200 if shown else 404)
