"""Each table's scrolling region is the one landmark named after its heading: a <section> named by the
same heading around it made two regions of one name, one inside the other, for a screen reader (axe's
landmark-unique). And every region that scrolls is labelled and reachable by keyboard."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from agencies.models import User
from briefings.models import Briefing
from briefings.services import feedback_add

BH, DUDLEY = "bh-cse-2015", "dudley-cse-2017"


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    with override_settings(DEMO=True):
        call_command("load_demo", stdout=StringIO())
    briefing = Briefing.objects.get(audit__slug=DUDLEY, edition="practitioners")
    feedback_add(briefing=briefing, version=None, user=User.objects.get(username="practitioner"), rating=4, comment="")


def _pages() -> list[tuple[str, str]]:
    return [
        ("qa.manager", reverse("audits:audit_list")),
        ("qa.manager", reverse("audits:dashboard", args=[BH])),
        ("qa.manager", reverse("audits:audit_returns", args=[BH])),
        ("qa.manager", reverse("briefings:feedback_list", args=[DUDLEY, "practitioners"])),
        ("auditor.police", reverse("audits:my_returns")),
    ]


def test_one_landmark_per_name_and_every_scrolling_table_a_labelled_region(client, demo):
    for username, url in _pages():
        client.force_login(User.objects.get(username=username))
        html = client.get(url).content.decode()
        names = re.findall(r'<(?:section|div)[^>]*\baria-labelledby="([^"]+)"', html)
        assert len(names) == len(set(names)), (url, sorted(n for n in names if names.count(n) > 1))
        for wrapper in re.findall(r'<div class="table-responsive"[^>]*>', html):
            assert 'role="region"' in wrapper and 'tabindex="0"' in wrapper, (url, wrapper)
            assert "aria-labelledby=" in wrapper or "aria-label=" in wrapper, (url, wrapper)
