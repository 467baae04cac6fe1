"""A one-line field (a briefing's title, a finding's heading, an audit's title in Planning…: LongLineField)
takes a line break posted in it as a space: a title with one was saved as it came, and every e-mail naming
it in its subject (a briefing published or withdrawn) then failed to go, the mail library refusing a header
of two lines."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.mail import portal_mail_send
from audits.forms_partb import LongLineField
from briefings.models import Briefing, Edition
from tests.permission_world import build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "posted", ["One\nBcc: x@example.org", "One\r\nBcc: x@example.org", "One\u2028Bcc: x@example.org"]
)
def test_a_line_break_is_a_space(posted):
    assert LongLineField(max_length=250).clean(posted) == "One Bcc: x@example.org"


def test_the_ends_are_trimmed_and_a_line_without_breaks_is_as_typed():
    field = LongLineField(max_length=250)
    assert field.clean("  Learning together\n") == "Learning together"
    assert field.clean("Learning — together") == "Learning — together"


def test_a_briefing_title_posted_with_a_line_break_is_saved_on_one_line_and_can_be_e_mailed(
    client, audit, cast, qa_manager
):
    build_world(audit=audit, cast=cast)
    briefing = Briefing.objects.get(audit=audit, edition=Edition.MANAGERS)
    client.force_login(qa_manager)
    data = {
        "title": "Line one\nBcc: x@example.org",
        "audience": briefing.audience,
        "title_shown": briefing.title,
        "audience_shown": briefing.audience,
    }

    response = client.post(reverse("briefings:details_update", args=[audit.slug, Edition.MANAGERS]), data)

    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.title == "Line one Bcc: x@example.org"
    portal_mail_send(subject=f"New learning briefing: {briefing.title}", body="", to=["reader@example.org"])
    assert mail.outbox[-1].subject.endswith("New learning briefing: Line one Bcc: x@example.org")
    assert mail.outbox[-1].bcc == []
