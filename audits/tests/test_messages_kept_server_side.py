"""A message shown on the next page (Django's messages) can quote what a person typed: the identifier
guard's refusal quotes the detail it found ('a phone number (“07700 900123”)'). Kept in the session, on the
server, it never travels in a cookie: Django's default keeps it in a signed but readable cookie, which
sign-out does not clear, so a child's identifier would sit in the browser."""

import pytest
from django.urls import reverse

from audits.models import FindingKind, PartAReturn
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db

PHONE = "07700 900123"


def test_a_refusal_quoting_an_identifier_is_shown_but_never_put_in_a_cookie(client, part_b, qa_manager, auditor):
    ret = PartAReturn.objects.filter(audit=part_b, agency=auditor.agency).order_by("case__order").first()
    complete_return(ret, strengths=f"Quick referral; mother's mobile {PHONE} kept on file.")
    client.force_login(qa_manager)

    posted = client.post(
        reverse("audits:finding_promote", args=[part_b.slug]),
        {"part_a_return": ret.pk, "field": "strengths", "kind": FindingKind.STRENGTH},
    )

    assert posted.status_code == 302
    assert "messages" not in posted.cookies
    assert all(PHONE not in cookie.value for cookie in posted.cookies.values())
    shown = client.get(posted["Location"])
    assert "Not promoted: the text includes what looks like a phone number" in shown.content.decode()
    assert all(PHONE not in cookie.value for cookie in shown.cookies.values())
