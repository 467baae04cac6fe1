"""After Submit, the auditor is told who reviews their return: the QA manager, and the audit's lead officer
where it has one (README: the lead officer reviews returns, and may send one back for amendment), as the
form says before it is sent."""

import pytest
from django.urls import reverse

from audits.models import ReturnStatus
from audits.tests.parta_support import complete, load

pytestmark = [pytest.mark.usefixtures("partnership")]


def _submit(client, ret, layout) -> str:
    data = {**complete(layout), "version": "0"}
    response = client.post(reverse("audits:return_submit", args=[ret.pk]), data, follow=True)
    assert load(ret.pk).status == ReturnStatus.SUBMITTED
    return response.content.decode()


def test_with_a_lead_officer_the_return_is_with_both_reviewers(client_for, ret, layout, audit, lead_officer):
    audit.lead_officer = lead_officer
    audit.save()
    client = client_for("auditor")
    form = client.get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    assert "read-only unless the QA manager or the audit's lead officer returns it to you" in form

    page = _submit(client, ret, layout)

    assert "it is now with the QA manager and the audit&#x27;s lead officer for review, and read-only." in page


def test_without_one_it_is_with_the_qa_manager(client_for, ret, layout, audit):
    audit.lead_officer = None
    audit.save()
    client = client_for("auditor")
    form = client.get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    assert "read-only unless the QA manager returns it to you for amendment." in form

    page = _submit(client, ret, layout)

    assert "Return submitted. Thank you: it is now with the QA manager for review, and read-only." in page
    assert "lead officer" not in page.split("Return submitted.")[1][:200]
