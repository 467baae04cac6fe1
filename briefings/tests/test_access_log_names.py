"""A briefing's title and audience are free text its editors type, and may carry an identifier: the
access log (append-only, never purged) names a briefing and its versions by edition, audit and version
number instead, in the records the services write and the pages' records alike."""

import pytest
from django.urls import reverse

from agencies.models import AccessRecord
from briefings import services

pytestmark = pytest.mark.django_db

TITLE = "Learning from the case of 943 476 5919"
AUDIENCE = "Managers, and Ms Jones on 07700 900123"


def test_no_access_record_about_a_briefing_holds_its_title_or_audience(
    make_briefing, publish_rendered, qa_manager, client
):
    briefing = make_briefing()
    briefing = services.briefing_update_details(briefing=briefing, title=TITLE, audience=AUDIENCE, user=qa_manager)
    version = publish_rendered(briefing)
    client.force_login(qa_manager)
    slug = briefing.audit.slug
    assert client.get(reverse("briefings:composer", args=[slug, briefing.edition])).status_code == 200
    services.briefing_version_withdraw(version=version, user=qa_manager, reason="Published by mistake.")

    summaries = list(
        AccessRecord.objects.filter(object_type__startswith="briefings.").values_list("summary", flat=True)
    )
    assert len(summaries) >= 5  # started, details, published, rendered, composer viewed, withdrawn
    for summary in summaries:
        assert "943 476" not in summary and "07700" not in summary and "Learning from" not in summary, summary
        assert "Managers' briefing" in summary or "Details changed" in summary, summary
    assert f"Published Managers' briefing, {slug} version 1" in summaries
    assert f"Withdrawn: Managers' briefing, {slug} version 1" in summaries
    assert f"Composer: Managers' briefing, {slug}" in summaries
