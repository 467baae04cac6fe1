"""The briefings library and a download cost the same number of queries at 1 audit and at 50, and
the numbers are pinned.

On seed_scale's data (see audits/tests/scale_support.py). The queries, as measured:
- every page: the signed-in user with their agency (one joined query). The session and the
  partnership settings the pages show come from the shared cache (Redis in production: cached_db
  sessions, django-solo), the session is saved at most once a minute, and the navigation's
  assignments are read then and kept in it;
- the library (6 for the manager and the QA manager alike): the themes and years that have a readable
  version (one query), the paginator's count, the audits the user may compose for, one page of
  briefings (with audit and theme) and their rendered versions (prefetch);
- a download (3): the user, the version (readable_versions, with briefing and audit) and the access record;
  no navigation queries (no template).
"""

import pytest
from django.urls import reverse

from audits.scale import QA_USERNAME, audit_slug, manager_username
from audits.tests import scale_support as support
from briefings.models import BriefingVersion, Edition


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def pages() -> dict[str, support.Request]:
    version = BriefingVersion.objects.get(
        briefing__audit__slug=audit_slug(1), briefing__edition=Edition.MANAGERS, number=1
    )
    return {
        "library (manager)": support.Request(manager_username(1), "GET", reverse("briefings:library")),
        "library (QA manager)": support.Request(QA_USERNAME, "GET", reverse("briefings:library")),
        "download (manager)": support.Request(
            manager_username(1), "GET", reverse("briefings:download", args=[version.pk])
        ),
    }


@pytest.mark.django_db
def test_briefing_pages_cost_the_same_queries_at_1_and_50_audits(client, media):
    support.seed(1)
    small = support.measure(client, pages())
    support.seed(support.MANY)
    large = support.measure(client, pages())
    grown = {name: support.explain(small[name], large[name]) for name in small if len(small[name]) != len(large[name])}
    assert not grown, "\n\n".join(f"{name}: {text}" for name, text in grown.items())
    assert {name: len(queries) for name, queries in large.items()} == {
        "library (manager)": 6,
        "library (QA manager)": 6,
        "download (manager)": 3,
    }
