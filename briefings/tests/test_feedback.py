"""Readers' feedback on a briefing: a comment that looks like it identifies a child is refused, with
what was found named next to the field and the typed text kept; the partnership's own published
contacts may be mentioned."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from briefings import services
from briefings.forms import FeedbackForm
from briefings.models import Edition, Feedback
from briefings.tests.test_views import done_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing(findings_audit, qa_manager):
    """A published practitioners' briefing; the partnership's settings list the MASH, 01273 290400."""
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    done_version(briefing, user=qa_manager)
    return briefing


def send(client, briefing, comment: str):
    return client.post(reverse("briefings:feedback_create", args=[briefing.pk]), {"rating": "4", "comment": comment})


def test_a_childs_details_are_refused_with_what_was_found_and_the_text_kept(client, practitioner, briefing):
    client.force_login(practitioner)
    typed = "Useful. The girl in case 3, DOB 01/02/2003, lives at B63 3PJ"

    response = send(client, briefing, typed)

    assert response.status_code == 200
    assert not Feedback.objects.exists()
    html = response.content.decode()
    assert "a date of birth (“01/02/2003”)" in html and "a postcode (“B63 3PJ”)" in html
    assert 'id="comment-error"' in html and 'aria-describedby="comment-help comment-error"' in html
    assert f">{typed}</textarea>" in html


@pytest.mark.parametrize(
    ("comment", "label"),
    [
        ("Her NHS number is 943 476 5919", "an NHS number"),
        ("Mum can be reached on 07700 900123", "a phone number"),
    ],
)
def test_other_identifiers_are_refused_too(comment, label):
    form = FeedbackForm({"rating": "3", "comment": comment})
    assert not form.is_valid()
    assert label in form.errors["comment"][0]


def test_the_partnerships_published_support_line_may_be_mentioned(client, practitioner, briefing):
    client.force_login(practitioner)

    response = send(client, briefing, "Good to see the MASH number (01273 290 400) on the front page.")

    assert response.status_code == 302
    assert Feedback.objects.get(briefing=briefing).comment.startswith("Good to see the MASH number")


def test_a_comment_without_identifiers_is_sent(client, practitioner, briefing):
    client.force_login(practitioner)
    assert send(client, briefing, "Clear, and the 2017 learning points were useful.").status_code == 302
    assert Feedback.objects.filter(briefing=briefing).count() == 1


def test_the_thank_you_says_where_the_feedback_goes_and_nobody_is_emailed(client, practitioner, briefing):
    """Nobody is e-mailed about feedback: the message says it is kept for the QA manager and the lead
    officer to read on the briefing's feedback page, not that it was sent."""
    client.force_login(practitioner)
    response = send(client, briefing, "Clear and useful.")
    assert response.status_code == 302 and mail.outbox == []
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Thank you: your feedback is kept with this briefing for the partnership's QA manager and the audit's "
        "lead officer to read."
    ]
