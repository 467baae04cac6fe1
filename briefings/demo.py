"""The demo's published briefing: Dudley's practitioners' learning briefing, as its seed was.

`manage.py load_demo` calls `publish_demo_briefings()` after `audits.demo.demo_load()`, so that the demo
manager and practitioner find a briefing in the library at their first sign-in. It goes through the
same services as the QA manager's pages (drafted from the Part B findings, then published); its PDF
is rendered like any other, by the Celery task queued on commit (run in-process by the demo).

Dudley's managers' briefing is left undrafted: publishing it is the QA manager's part of the demo.
Safe to run again: an edition that has a published version is left alone.
"""

from __future__ import annotations

from django.db import transaction

from agencies.models import User
from audits.demo import DUDLEY_SLUG
from audits.models import Audit

from .models import BriefingVersion, Edition
from .services import briefing_create, briefing_publish

DEMO_PUBLISHED = [(DUDLEY_SLUG, Edition.PRACTITIONERS)]
DEMO_PUBLISHER = "qa.manager"


def publish_demo_briefings() -> list[BriefingVersion]:
    """Publish each demo edition that has no published version yet; returns the versions published."""
    publisher = User.objects.get(username=DEMO_PUBLISHER)
    published = []
    with transaction.atomic():
        for slug, edition in DEMO_PUBLISHED:
            audit = Audit.objects.get(slug=slug)
            if BriefingVersion.objects.filter(briefing__audit=audit, briefing__edition=edition).exists():
                continue
            briefing = briefing_create(audit=audit, edition=edition, user=publisher)
            published.append(briefing_publish(briefing=briefing, user=publisher))
    return published
