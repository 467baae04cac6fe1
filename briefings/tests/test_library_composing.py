"""The library's "Compose briefings" for the QA manager and lead officers: the audits whose briefings
are being composed, every one of them (none dropped after a count), with a link to all their audits."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditStatus
from audits.tests.factories import AuditFactory
from briefings import services
from briefings.models import BriefingVersion, Edition

from .test_views import done_version

pytestmark = pytest.mark.django_db

URL = reverse("briefings:library")


def _composing(html: str) -> str:
    return html.split('data-testid="composing"')[1].split("</ul>")[0]


def test_compose_lists_the_audits_composing_and_links_to_all(client_for, qa_manager, lead_officer, audit):
    tool = audit.tool_version
    part_b = AuditFactory(title="In Part B", lead_officer=lead_officer, tool_version=tool, status=AuditStatus.PART_B)
    reporting = AuditFactory(title="In Reporting", tool_version=tool, status=AuditStatus.REPORTING)
    drafted = AuditFactory(title="Closed, draft not published", tool_version=tool, status=AuditStatus.PART_B)
    published = AuditFactory(title="Closed, published", tool_version=tool, status=AuditStatus.REPORTING)
    withdrawn = AuditFactory(title="Closed, only withdrawn", tool_version=tool, status=AuditStatus.REPORTING)
    services.briefing_create(audit=drafted, edition=Edition.MANAGERS, user=qa_manager)
    done_version(services.briefing_create(audit=published, edition=Edition.MANAGERS, user=qa_manager))
    version = done_version(services.briefing_create(audit=withdrawn, edition=Edition.MANAGERS, user=qa_manager))
    BriefingVersion.objects.filter(pk=version.pk).update(file="", withdrawn_at=timezone.now())
    for closed in (drafted, published, withdrawn):
        closed.status = AuditStatus.CLOSED
        closed.save()
    # Years of closed audits with their briefings published: none of them is listed, and none of the
    # ones composing drops out for them (the list was cut at 50, newest first).
    for _n in range(55):
        AuditFactory(tool_version=tool, status=AuditStatus.CLOSED)

    html = client_for("qa_manager").get(URL).content.decode()

    listed = _composing(html)
    for shown in (part_b, reporting, drafted, withdrawn):
        assert shown.title in listed
    assert published.title not in listed and audit.title not in listed  # audit: in Part A
    assert listed.count("<li>") == 4
    assert f'href="{reverse("audits:audit_list")}"' in html

    # A lead officer: their own audits only.
    html = client_for("lead_officer").get(URL).content.decode()
    assert _composing(html).count("<li>") == 1 and part_b.title in html


def test_a_composer_with_nothing_composing_is_told_so(client_for, audit):
    html = client_for("lead_officer").get(URL).content.decode()
    assert 'data-testid="composing"' not in html
    assert "None of the audits you run is composing its briefings now." in html
    assert f'href="{reverse("audits:audit_list")}"' in html
    # A reader who runs no audit sees neither.
    html = client_for("manager").get(URL).content.decode()
    assert "Compose briefings" not in html and "composing its briefings" not in html
