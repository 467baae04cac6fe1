"""Publishing a briefing asks for a second confirmation while consistency checks remain."""

import pytest
from django.urls import reverse

from audits.models import AuditStatus, FindingKind
from audits.tests.insights_support import factor, tag
from briefings.models import BriefingVersion
from briefings.services import briefing_create
from briefings.tests.support import publish_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing(audit, qa_manager):
    audit.status = AuditStatus.REPORTING
    audit.save()
    return briefing_create(audit=audit, edition="managers", user=qa_manager)


def publish(client, briefing, **data):
    url = reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])
    return publish_post(client, url, {"confirm": "yes", **data})


def test_publishing_with_no_issue_needs_one_confirmation(
    client, qa_manager, briefing, django_capture_on_commit_callbacks
):
    client.force_login(qa_manager)
    page = client.get(reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])).content.decode()
    assert 'data-testid="publish-consistency"' not in page and 'name="confirm_issues"' not in page
    with django_capture_on_commit_callbacks(execute=False):
        assert publish(client, briefing).status_code == 302
    assert BriefingVersion.objects.filter(briefing=briefing).count() == 1


def test_publishing_while_issues_remain_needs_a_second_confirmation(
    client, qa_manager, briefing, django_capture_on_commit_callbacks
):
    theme = tag(briefing.audit, FindingKind.THEME, factor("missing-episodes"), heading="Missing episodes")
    client.force_login(qa_manager)

    page = client.get(reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])).content.decode()
    assert 'data-testid="publish-consistency"' in page and 'name="confirm_issues"' in page
    assert f"{reverse('audits:findings', args=[briefing.audit.slug])}#finding-{theme.pk}" in page

    response = publish(client, briefing)
    assert response.status_code == 302 and response["Location"].endswith("/publish/")
    assert not BriefingVersion.objects.filter(briefing=briefing).exists()

    with django_capture_on_commit_callbacks(execute=False):
        assert publish(client, briefing, confirm_issues="yes").status_code == 302
    assert BriefingVersion.objects.filter(briefing=briefing).count() == 1
