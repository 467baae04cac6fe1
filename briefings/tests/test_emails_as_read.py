"""The briefings' e-mails as their recipients read them. Rendered through the real service functions into
Django's locmem outbox."""

import pytest
from django.core import mail
from django.urls import reverse

from briefings import services
from briefings.models import Edition

from .test_views import done_version

pytestmark = pytest.mark.django_db


def test_a_withdrawn_versions_title_is_quoted_where_it_holds_a_colon(
    client, findings_audit, qa_manager, manager, django_capture_on_commit_callbacks
):
    """The subject read "…: Version 1 of Child sexual exploitation: learning briefing for practitioners was
    withdrawn: please delete your copy", the title's colon read as one of the subject's own."""
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    briefing.title = "Child sexual exploitation: learning briefing for practitioners"
    briefing.save(update_fields=["title"])
    version = done_version(briefing, user=qa_manager)
    client.force_login(manager)
    assert client.get(reverse("briefings:download", args=[version.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.briefing_version_withdraw(version=version, user=qa_manager, reason="The wrong edition.")

    [message] = [m for m in mail.outbox if m.to == [manager.email]]
    title = "“Child sexual exploitation: learning briefing for practitioners”"
    assert message.subject.endswith(f": Version 1 of {title} was withdrawn: please delete your copy")
    assert f"Version 1 of {title} was withdrawn on " in " ".join(message.body.split())
