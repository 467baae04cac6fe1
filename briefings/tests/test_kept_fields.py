"""Redundant entry (WCAG 3.3.7): a briefing action that stops to ask for the password (withdrawing a
version, publishing) offers again, once, what the person had typed or ticked on its page; nothing is
done for them: they press the button again."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from agencies.tests.test_kept_fields import KEPT, stale_sign_in
from agencies.tests.test_security import PASSWORD
from briefings import services
from briefings.content import build_content, content_fingerprint
from briefings.models import BriefingVersion, Edition

from .support import checked_fields
from .test_views import done_version

pytestmark = pytest.mark.django_db


def confirm_password(client, url: str) -> None:
    confirmed = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": url})
    assert confirmed.status_code == 302 and confirmed.url == url


def test_the_withdrawal_page_shows_the_kept_reason_again(client, make_briefing, qa_manager, settings):
    version = done_version(make_briefing(Edition.PRACTITIONERS), user=qa_manager)
    url = reverse("briefings:version_withdraw", args=[version.pk])
    client.force_login(qa_manager)
    stale_sign_in(client, settings)
    reason = "Held a child's school in the strengths."
    refused = client.post(url, {"reason": reason}, HTTP_REFERER=f"http://testserver{url}")
    assert refused.status_code == 302 and refused.url.startswith(reverse("reauthenticate"))
    confirm_password(client, url)

    page = client.get(url)
    textarea = re.search(r'<textarea name="reason"[^>]*>(.*?)</textarea>', page.content.decode(), re.S)
    assert html.unescape(textarea.group(1)) == reason
    assert KEPT in [str(m) for m in page.context["messages"]]
    version.refresh_from_db()
    assert not version.is_withdrawn  # not done for them: they press the button again
    assert reason not in html.unescape(client.get(url).content.decode())  # offered once


def test_the_publish_page_keeps_the_ticks_and_the_preview_checked(client, make_briefing, qa_manager, settings):
    briefing = make_briefing(Edition.MANAGERS)
    url = reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])
    client.force_login(qa_manager)
    page = client.get(url).content.decode()
    assert "checked" not in re.search(r'<input[^>]*id="confirm-publish"[^>]*>', page).group(0)
    checked = checked_fields(page)
    assert checked["draft"] == content_fingerprint(build_content(briefing))

    # Signed in too long ago by the time they press Publish: asked for the password first.
    stale_sign_in(client, settings)
    post = {"confirm": "yes", "confirm_issues": "yes", **checked}
    refused = client.post(url, post, HTTP_REFERER=f"http://testserver{url}")
    assert refused.status_code == 302 and refused.url.startswith(reverse("reauthenticate"))
    # Meanwhile the draft changes: the page offers again what they had checked, not the draft as it is now.
    section = briefing.sections.get(key="why")
    services.briefing_section_update(
        section=section, heading=section.heading, body="Changed meanwhile.", hidden=False, user=qa_manager
    )
    confirm_password(client, url)

    page = client.get(url)
    text = page.content.decode()
    for box in ("confirm-publish", "confirm-issues"):
        assert " checked" in re.search(rf'<input[^>]*id="{box}"[^>]*>', text).group(0)
    assert checked_fields(text) == checked
    assert KEPT in [str(m) for m in page.context["messages"]]
    assert not BriefingVersion.objects.exists()
    # Pressing the button again checks what they had seen: the draft changed since, so nothing is published.
    assert client.post(url, {**post, **checked_fields(text)}).status_code == 409
    assert not BriefingVersion.objects.exists()
    # Offered once: the next visit has nothing ticked.
    again = client.get(url).content.decode()
    assert " checked" not in re.search(r'<input[^>]*id="confirm-publish"[^>]*>', again).group(0)
