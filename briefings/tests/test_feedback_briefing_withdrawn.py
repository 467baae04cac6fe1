"""Feedback written on a briefing's page while its only version was withdrawn is kept with that version (as it
is when a newer version stands), not lost to a 'Not found'; the reader is told on the library both that it was
kept and that the briefing was withdrawn. Somebody who may not read the edition still gets the 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from briefings import services
from briefings.models import Edition, Feedback

from .test_views import done_version

pytestmark = pytest.mark.django_db


def withdrawn_under_the_reader(findings_audit, qa_manager, edition=Edition.PRACTITIONERS):
    briefing = services.briefing_create(audit=findings_audit, edition=edition, user=qa_manager)
    version = done_version(briefing, user=qa_manager)
    services.briefing_version_withdraw(version=version, user=qa_manager, reason="Wrong edition published.")
    return briefing, version


def test_feedback_sent_after_the_briefing_was_withdrawn_is_kept(client_for, findings_audit, qa_manager, cast):
    client = client_for("practitioner")
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    version = done_version(briefing, user=qa_manager)
    assert client.get(reverse("briefings:briefing_page", args=[briefing.pk])).status_code == 200
    # Withdrawn while the reader writes.
    services.briefing_version_withdraw(version=version, user=qa_manager, reason="Wrong edition published.")

    comment = "The key messages were clear and we used them in supervision."
    response = client.post(
        reverse("briefings:feedback_create", args=[briefing.pk]),
        {"rating": "4", "comment": comment, "version": str(version.pk)},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("briefings:library"), 302)]
    feedback = Feedback.objects.get()
    assert (feedback.briefing, feedback.version, feedback.user) == (briefing, version, cast["practitioner"])
    assert feedback.rating == 4 and feedback.comment == comment
    html = response.content.decode()
    assert "Thank you: your feedback is kept with this briefing" in html
    assert "The briefing you opened was withdrawn on" in html


def test_feedback_refused_after_the_briefing_was_withdrawn_says_it_was_not_sent(client_for, findings_audit, qa_manager):
    briefing, version = withdrawn_under_the_reader(findings_audit, qa_manager)
    response = client_for("practitioner").post(
        reverse("briefings:feedback_create", args=[briefing.pk]),
        {"comment": "Useful.", "version": str(version.pk)},
        follow=True,
    )
    assert not Feedback.objects.exists()
    assert "Your feedback was not sent: Choose how useful it was, from 5 to 1." in response.content.decode()


def test_nobody_may_send_feedback_on_an_edition_they_may_not_read(client_for, findings_audit, qa_manager):
    briefing, version = withdrawn_under_the_reader(findings_audit, qa_manager, edition=Edition.MANAGERS)
    response = client_for("practitioner").post(
        reverse("briefings:feedback_create", args=[briefing.pk]), {"rating": "4", "version": str(version.pk)}
    )
    assert response.status_code == 404 and not Feedback.objects.exists()


@pytest.mark.parametrize("posted", ["²", "١", "99999999999999999999999"])
@pytest.mark.parametrize("withdrawn", [False, True])
def test_a_version_field_that_is_no_number_is_taken_as_none_given(
    client_for, findings_audit, qa_manager, posted, withdrawn
):
    """The hidden field holds the version read; tampered with ("²" and "١" are digits to str.isdigit, which
    int() refuses; a number past any id), the feedback is kept with the newest version, or, the briefing
    withdrawn meanwhile, the reader is told so on the library, instead of a server error."""
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    version = done_version(briefing, user=qa_manager)
    if withdrawn:
        services.briefing_version_withdraw(version=version, user=qa_manager, reason="Wrong edition published.")
    response = client_for("practitioner").post(
        reverse("briefings:feedback_create", args=[briefing.pk]),
        {"rating": "4", "comment": "Useful in supervision.", "version": posted},
        follow=True,
    )
    assert response.status_code == 200
    if withdrawn:  # no version named to keep it with: taken to the library, which says why
        assert not Feedback.objects.exists()
        assert "was withdrawn on" in response.content.decode()
    else:
        assert Feedback.objects.get().version == version
