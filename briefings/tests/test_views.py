"""Every briefing URL against the whole cast, the access records they leave, and the library's queries."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from agencies.tests.factories import UserFactory
from audits.models import AuditStatus
from audits.tests.factories import AuditFactory, AuditThemeFactory
from briefings import services
from briefings.models import Briefing, BriefingSection, BriefingVersion, Edition, Feedback, RenderStatus
from conftest import CAST

from ..views import LIBRARY_PAGE_SIZE
from .support import publish_post

pytestmark = pytest.mark.django_db

COMPOSERS = {"qa_manager", "lead_officer"}
READERS = {
    Edition.MANAGERS: {"qa_manager", "lead_officer", "other_lead", "manager"},
    Edition.PRACTITIONERS: set(CAST) - {"administrator", "anonymous"},
    Edition.FULL_REPORT: {"qa_manager", "lead_officer"},
}
LIBRARY_USERS = set(CAST) - {"administrator", "anonymous"}


def done_version(briefing: Briefing, number: int = 1, user=None) -> BriefingVersion:
    """A rendered version without running the renderer: the permission tests are about who gets the file."""
    version = BriefingVersion.objects.create(
        briefing=briefing, number=number, content={}, status=RenderStatus.QUEUED, published_by=user
    )
    name = f"briefings/{briefing.audit_id}/{briefing.edition}-v{number}.pdf"
    services.write_file_atomically(name, b"%PDF-1.7\n% test file\n")
    BriefingVersion.objects.filter(pk=version.pk).update(status=RenderStatus.DONE, file=name, pages=1, file_size=22)
    version.refresh_from_db()
    return version


@pytest.fixture
def briefings(findings_audit, qa_manager) -> dict[str, Briefing]:
    return {
        edition: services.briefing_create(audit=findings_audit, edition=edition, user=qa_manager)
        for edition in Edition.values
    }


@pytest.fixture
def versions(briefings, qa_manager) -> dict[str, BriefingVersion]:
    return {edition: done_version(briefing, user=qa_manager) for edition, briefing in briefings.items()}


def check(response, who: str, allowed: bool, ok_status: int = 200) -> None:
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif allowed:
        assert response.status_code == ok_status, (who, response.status_code)
    else:
        assert response.status_code == 404, (who, response.status_code)


def refused_recorded(who: str, cast) -> bool:
    return AccessRecord.objects.filter(action=AccessAction.REFUSED, user=cast[who]).exists()


# --- Composer pages: QA manager and the audit's lead officer only --------------------------------

COMPOSER_GETS = ["composer", "preview", "publish", "feedback_list"]


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name", COMPOSER_GETS)
def test_composer_pages(client_for, briefings, cast, who, name):
    url = reverse(f"briefings:{name}", kwargs={"slug": "cse-audit", "edition": "managers"})
    response = client_for(who).get(url)
    check(response, who, who in COMPOSERS)
    if who in COMPOSERS:
        view = AccessRecord.objects.filter(action=AccessAction.VIEW, user=cast[who], object_type="briefings.briefing")
        assert view.count() == 1
    elif who != "anonymous":
        assert refused_recorded(who, cast)


@pytest.mark.parametrize("who", CAST)
def test_audit_briefings_overview(client_for, briefings, cast, who):
    response = client_for(who).get(reverse("briefings:audit_briefings", kwargs={"slug": "cse-audit"}))
    check(response, who, who in COMPOSERS)


@pytest.mark.parametrize("who", CAST)
def test_start_a_briefing(client_for, findings_audit, cast, who):
    response = client_for(who).post(reverse("briefings:start", kwargs={"slug": "cse-audit", "edition": "full"}))
    check(response, who, who in COMPOSERS, ok_status=302)
    assert Briefing.objects.filter(audit=findings_audit, edition="full").exists() == (who in COMPOSERS)


@pytest.mark.parametrize("who", CAST)
def test_edit_refresh_and_move_sections(client_for, briefings, cast, who):
    client = client_for(who)
    kwargs = {"slug": "cse-audit", "edition": "managers", "key": "why"}
    response = client.post(
        reverse("briefings:section_update", kwargs=kwargs), {"heading": "Why", "body": "Edited by " + who}
    )
    check(response, who, who in COMPOSERS, ok_status=302)
    section = BriefingSection.objects.get(briefing=briefings["managers"], key="why")
    assert (section.body == "Edited by " + who) == (who in COMPOSERS)
    assert section.hidden is False or who not in COMPOSERS
    response = client.post(reverse("briefings:section_move", kwargs=kwargs), {"direction": "up"})
    check(response, who, who in COMPOSERS, ok_status=302)
    response = client.post(reverse("briefings:section_refresh", kwargs=kwargs))
    check(response, who, who in COMPOSERS, ok_status=302)
    response = client.post(
        reverse("briefings:details_update", kwargs={"slug": "cse-audit", "edition": "managers"}),
        {"title": "New title", "audience": "All"},
    )
    check(response, who, who in COMPOSERS, ok_status=302)


@pytest.mark.parametrize("who", CAST)
def test_publish(client_for, briefings, cast, who, django_capture_on_commit_callbacks):
    url = reverse("briefings:publish", kwargs={"slug": "cse-audit", "edition": "practitioners"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        # confirm_issues: the insights consistency checks' second confirmation (the fixture has some).
        response = publish_post(client_for(who), url, {"confirm": "yes", "confirm_issues": "yes"})
    check(response, who, who in COMPOSERS, ok_status=302)
    published = BriefingVersion.objects.filter(briefing=briefings["practitioners"])
    assert published.count() == (1 if who in COMPOSERS else 0)
    assert len(callbacks) == (1 if who in COMPOSERS else 0)


def test_publish_needs_the_confirmation(client_for, briefings):
    url = reverse("briefings:publish", kwargs={"slug": "cse-audit", "edition": "managers"})
    response = client_for("qa_manager").post(url, {})
    assert response.status_code == 302
    assert not BriefingVersion.objects.exists()


@pytest.mark.parametrize("stage", [AuditStatus.PLANNING, AuditStatus.PART_A])
def test_no_briefing_is_drafted_before_part_b(client_for, findings_audit, stage):
    findings_audit.status = stage
    findings_audit.save(update_fields=["status"])
    client = client_for("qa_manager")
    page = client.get(reverse("briefings:audit_briefings", args=["cse-audit"]))
    assert "draft them once its Part B has begun" in page.content.decode()
    assert reverse("briefings:start", args=["cse-audit", "managers"]) not in page.content.decode()
    response = client.post(reverse("briefings:start", args=["cse-audit", "managers"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("briefings:audit_briefings", args=["cse-audit"])
    assert "draft them once its Part B has begun" in response.content.decode()
    assert not Briefing.objects.exists()
    findings_audit.status = AuditStatus.PART_B
    findings_audit.save(update_fields=["status"])
    client.post(reverse("briefings:start", args=["cse-audit", "managers"]))
    assert Briefing.objects.filter(audit=findings_audit, edition="managers").exists()


def test_a_briefing_is_published_only_from_reporting(client_for, briefings, findings_audit):
    findings_audit.status = AuditStatus.PART_B
    findings_audit.save(update_fields=["status"])
    client = client_for("lead_officer")
    url = reverse("briefings:publish", kwargs={"slug": "cse-audit", "edition": "practitioners"})
    composer = client.get(reverse("briefings:composer", args=["cse-audit", "practitioners"])).content.decode()
    assert "published once the audit has moved on to Reporting" in composer and url not in composer
    confirm = client.get(url).content.decode()
    assert "published once the audit has moved on to Reporting" in confirm and 'name="confirm"' not in confirm
    response = publish_post(client, url, {"confirm": "yes", "confirm_issues": "yes"}, follow=True)
    assert "published once the audit has moved on to Reporting" in response.content.decode()
    assert not BriefingVersion.objects.exists()
    findings_audit.status = AuditStatus.CLOSED  # a closed audit's briefing can still be corrected
    findings_audit.save(update_fields=["status"])
    publish_post(client, url, {"confirm": "yes", "confirm_issues": "yes"})
    assert BriefingVersion.objects.filter(briefing=briefings["practitioners"]).count() == 1


@pytest.mark.parametrize("who", CAST)
def test_version_status_and_retry(client_for, versions, cast, who):
    version = versions["managers"]
    client = client_for(who)
    check(client.get(reverse("briefings:version_status", kwargs={"pk": version.pk})), who, who in COMPOSERS)
    check(client.post(reverse("briefings:version_retry", kwargs={"pk": version.pk})), who, who in COMPOSERS, 302)


def test_the_other_audits_lead_cannot_compose_this_one(client_for, briefings, cast):
    url = reverse("briefings:composer", kwargs={"slug": "cse-audit", "edition": "full"})
    assert client_for("other_lead").get(url).status_code == 404
    record = AccessRecord.objects.get(action=AccessAction.REFUSED, user=cast["other_lead"])
    assert record.object_type == "audits.audit" and record.object_id == str(briefings["full"].audit_id)


def test_unknown_edition_is_404(client_for, briefings):
    url = reverse("briefings:composer", kwargs={"slug": "cse-audit", "edition": "board"})
    assert client_for("qa_manager").get(url).status_code == 404


# --- Readers: library, briefing page, downloads, feedback ------------------------------------------


@pytest.mark.parametrize("who", CAST)
def test_library(client_for, versions, cast, who):
    response = client_for(who).get(reverse("briefings:library"))
    check(response, who, who in LIBRARY_USERS)
    if who in LIBRARY_USERS:
        listed = {b.edition for b in response.context["page"].object_list}
        expected = {edition for edition, readers in READERS.items() if who in readers}
        assert listed == expected


@pytest.mark.parametrize("edition", Edition.values)
@pytest.mark.parametrize("who", CAST)
def test_download(client_for, versions, cast, who, edition):
    version = versions[edition]
    response = client_for(who).get(reverse("briefings:download", kwargs={"pk": version.pk}))
    allowed = who in READERS[edition]
    check(response, who, allowed)
    if allowed:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="cse-audit-{edition}-v1.pdf"'
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        record = AccessRecord.objects.get(action=AccessAction.DOWNLOAD, user=cast[who])
        assert record.object_id == str(version.pk)
    elif who != "anonymous":
        assert refused_recorded(who, cast)
        assert not AccessRecord.objects.filter(action=AccessAction.DOWNLOAD).exists()


@pytest.mark.parametrize("edition", Edition.values)
@pytest.mark.parametrize("who", CAST)
def test_briefing_page_and_feedback(client_for, versions, cast, who, edition):
    briefing = versions[edition].briefing
    client = client_for(who)
    allowed = who in READERS[edition]
    check(client.get(reverse("briefings:briefing_page", kwargs={"pk": briefing.pk})), who, allowed)
    response = client.post(
        reverse("briefings:feedback_create", kwargs={"pk": briefing.pk}), {"rating": "4", "comment": "Clear."}
    )
    check(response, who, allowed, ok_status=302)
    assert Feedback.objects.filter(briefing=briefing).exists() == allowed


def test_board_access_reads_every_full_report(client, versions):
    board = UserFactory(username="board.member", board_access=True)
    client.force_login(board)
    assert client.get(reverse("briefings:download", kwargs={"pk": versions["full"].pk})).status_code == 200


def test_a_queued_or_failed_version_is_not_downloadable(client_for, briefings, qa_manager):
    version = BriefingVersion.objects.create(briefing=briefings["practitioners"], number=1, content={})
    url = reverse("briefings:download", kwargs={"pk": version.pk})
    # Queued: its composer is told it is being made, on the composer's versions (test_download_gone.py).
    response = client_for("qa_manager").get(url)
    assert response.status_code == 302 and response["Location"].endswith("#versions")
    BriefingVersion.objects.filter(pk=version.pk).update(status=RenderStatus.FAILED)
    assert client_for("qa_manager").get(url).status_code == 404


def test_earlier_versions_stay_downloadable(client_for, briefings, qa_manager):
    first = done_version(briefings["practitioners"], 1)
    second = done_version(briefings["practitioners"], 2)
    client = client_for("practitioner")
    for version in (first, second):
        assert client.get(reverse("briefings:download", kwargs={"pk": version.pk})).status_code == 200
    page = client.get(reverse("briefings:library")).content.decode()
    assert reverse("briefings:download", kwargs={"pk": second.pk}) in page
    assert reverse("briefings:download", kwargs={"pk": first.pk}) in page
    assert "Earlier versions" in page


def test_library_filters_by_theme_year_and_title(client_for, qa_manager, versions):
    neglect = AuditThemeFactory(name="Neglect", slug="neglect")
    other = AuditFactory(
        title="Neglect audit 2019",
        slug="neglect-2019",
        theme=neglect,
        status=AuditStatus.REPORTING,
        part_b_date=dt.date(2019, 5, 1),
    )
    briefing = services.briefing_create(audit=other, edition=Edition.PRACTITIONERS, user=qa_manager)
    done_version(briefing)
    client = client_for("practitioner")
    url = reverse("briefings:library")

    def titles(**params):
        return [b.audit.slug for b in client.get(url, params).context["page"].object_list]

    assert set(titles()) == {"cse-audit", "neglect-2019"}
    assert titles(theme="neglect") == ["neglect-2019"]
    assert titles(year="2019") == ["neglect-2019"]
    assert titles(q="neglect audit") == ["neglect-2019"]
    assert titles(q="nothing like this") == []


def test_library_costs_the_same_queries_however_many_briefings(
    client_for, qa_manager, versions, django_assert_num_queries
):
    client = client_for("manager")
    url = reverse("briefings:library")
    client.get(url)  # warm the session

    def grow(n: int) -> None:
        for _ in range(n):
            audit = AuditFactory(status=AuditStatus.REPORTING)
            for edition in (Edition.MANAGERS, Edition.PRACTITIONERS):
                briefing = services.briefing_create(audit=audit, edition=edition, user=qa_manager)
                done_version(briefing, 1)
                done_version(briefing, 2)

    # The user with their agency (the session and the partnership settings come from the cache);
    # the filter choices (themes and years, one query); the paginator's count; the audits the user
    # may compose; the page of briefings and, in one prefetch, their versions.
    grow(1)
    with django_assert_num_queries(QUERIES) as small:
        assert client.get(url).status_code == 200
    grow(5)
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 2 + 12
    assert small


# Counted once and written down: any change to the library's cost should be a conscious one.
QUERIES = 6


def test_library_pages_keep_their_filters(client_for, qa_manager, versions):
    """More briefings than a page holds: Page 1 of 2, a Next link that keeps the search, and the rest on page 2."""
    for n in range(LIBRARY_PAGE_SIZE + 1):
        audit = AuditFactory(title=f"Neglect audit {n}", status=AuditStatus.REPORTING)
        done_version(services.briefing_create(audit=audit, edition=Edition.PRACTITIONERS, user=qa_manager))
    client = client_for("practitioner")
    url = reverse("briefings:library")

    first = client.get(url, {"q": "neglect"}).content.decode()
    nav = first[first.index('data-testid="pages"') :]
    nav = nav[: nav.index("</nav>")]
    assert "Page 1 of 2" in nav and 'href="?q=neglect&amp;page=2">Next<' in nav and "Previous" not in nav
    second = client.get(url, {"q": "neglect", "page": 2})
    assert len(second.context["page"].object_list) == 1 and "cse-audit" not in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()


# --- Fragments ---------------------------------------------------------------------------------


def test_status_fragment_polls_until_done_or_failed(client_for, briefings):
    version = BriefingVersion.objects.create(briefing=briefings["managers"], number=1, content={})
    client = client_for("qa_manager")
    url = reverse("briefings:version_status", kwargs={"pk": version.pk})
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Queued" in page

    BriefingVersion.objects.filter(pk=version.pk).update(
        error="The render queue could not be reached; the render will be retried."
    )
    page = client.get(url).content.decode()
    assert "Queued, will retry" in page and "Retry now" in page and 'hx-trigger="every 2s"' in page

    BriefingVersion.objects.filter(pk=version.pk).update(status=RenderStatus.RENDERING, error="")
    assert "Rendering" in client.get(url).content.decode()

    BriefingVersion.objects.filter(pk=version.pk).update(
        status=RenderStatus.FAILED, error="The PDF could not be made: boom"
    )
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page and "boom" in page and "Retry" in page

    done = done_version(briefings["practitioners"])
    page = client.get(reverse("briefings:version_status", kwargs={"pk": done.pk})).content.decode()
    assert "hx-trigger" not in page and "Done" in page and reverse("briefings:download", kwargs={"pk": done.pk}) in page


def test_a_status_poll_is_answered_no_change_until_the_line_changes(client_for, briefings):
    """Polling replaces the line (and a focused Retry button in it) only when what it shows changes."""
    version = BriefingVersion.objects.create(
        briefing=briefings["managers"], number=1, content={}, error="The render queue could not be reached."
    )
    client = client_for("qa_manager")
    url = reverse("briefings:version_status", kwargs={"pk": version.pk})
    page = client.get(url).content.decode()
    poll = re.search(r'hx-get="([^"]+)"', page).group(1)
    assert "Retry now" in page and "?seen=" in poll
    for _ in range(2):
        unchanged = client.get(unescape(poll))
        assert unchanged.status_code == 204 and not unchanged.content

    BriefingVersion.objects.filter(pk=version.pk).update(error="The render queue could not be reached again.")
    changed = client.get(unescape(poll))
    assert changed.status_code == 200 and "reached again" in changed.content.decode()
    again = re.search(r'hx-get="([^"]+)"', changed.content.decode()).group(1)
    assert again != poll and client.get(unescape(again)).status_code == 204

    # Waiting too long offers Retry now: a change too.
    BriefingVersion.objects.filter(pk=version.pk).update(
        status=RenderStatus.RENDERING, error="", started_at=timezone.now() - dt.timedelta(minutes=1)
    )
    rendering = client.get(unescape(again)).content.decode()
    assert "Rendering" in rendering and "Retry now" not in rendering
    poll = re.search(r'hx-get="([^"]+)"', rendering).group(1)
    assert client.get(unescape(poll)).status_code == 204
    BriefingVersion.objects.filter(pk=version.pk).update(started_at=timezone.now() - dt.timedelta(minutes=5))
    stuck = client.get(unescape(poll))
    assert stuck.status_code == 200 and "Retry now" in stuck.content.decode()


def test_htmx_section_save_returns_the_card(client_for, briefings):
    url = reverse("briefings:section_update", kwargs={"slug": "cse-audit", "edition": "managers", "key": "why"})
    response = client_for("qa_manager").post(url, {"heading": "Why", "body": "<b>x</b>"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and 'id="card-why"' in html and "Saved at" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_publish_with_the_broker_down_is_not_an_error(
    client_for, briefings, dead_broker, django_capture_on_commit_callbacks
):
    url = reverse("briefings:publish", kwargs={"slug": "cse-audit", "edition": "managers"})
    client = client_for("qa_manager")
    with dead_broker(), django_capture_on_commit_callbacks(execute=True):
        response = publish_post(client, url, {"confirm": "yes", "confirm_issues": "yes"})
    assert response.status_code == 302
    version = BriefingVersion.objects.get()
    assert version.status == RenderStatus.QUEUED and "will be retried" in version.error
    page = client.get(reverse("briefings:composer", kwargs={"slug": "cse-audit", "edition": "managers"}))
    assert "Queued, will retry" in page.content.decode()


def test_preview_holds_the_pdfs_sections_in_order(client_for, briefings):
    from briefings.content import build_content, document_context

    response = client_for("lead_officer").get(
        reverse("briefings:preview", kwargs={"slug": "cse-audit", "edition": "full"})
    )
    html = response.content.decode()
    # The sections the PDF prints (the heatmap annex of an audit without Part A grades is left out).
    headings = [s["heading"] for s in document_context(build_content(briefings["full"]))["sections"]]
    positions = [html.index(f">{h}</h2>".replace("'", "&#x27;")) for h in headings]
    assert positions == sorted(positions)
    assert "Case-level consensus judgements" in headings
    assert 'style="' not in html and "<script>" not in html  # CSP: no inline styles or scripts


@pytest.mark.parametrize("htmx", [False, True])
def test_two_editors_on_one_section_never_overwrite_each_other(client, briefings, qa_manager, lead_officer, htmx):
    """The QA manager and the lead officer open the same section; the second save is refused, both texts shown."""
    section = briefings[Edition.MANAGERS].sections.order_by("order").first()
    opened_at = section.updated_at.isoformat()
    url = reverse("briefings:section_update", args=[section.briefing.audit.slug, Edition.MANAGERS, section.key])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    client.force_login(lead_officer)
    first = client.post(url, {"heading": "Lead's heading", "body": "Lead's text", "based_on": opened_at}, **headers)
    assert first.status_code in (200, 302)

    client.force_login(qa_manager)
    second = client.post(url, {"heading": "QA heading", "body": "QA's text", "based_on": opened_at}, **headers)
    assert second.status_code == 409
    page = second.content.decode()
    assert "Lead&#x27;s text" in page or "Lead's text" in page  # theirs, shown
    assert "QA&#x27;s text" in page or "QA's text" in page  # mine, kept in the form
    section.refresh_from_db()
    assert section.body == "Lead's text"

    # Having seen both, a save based on the version now shown goes through.
    third = client.post(
        url, {"heading": "QA heading", "body": "Merged text", "based_on": section.updated_at.isoformat()}, **headers
    )
    assert third.status_code in (200, 302)
    section.refresh_from_db()
    assert section.body == "Merged text"


def test_library_rows_escape_titles_and_link_every_version(client_for, briefings, qa_manager):
    briefing = briefings["practitioners"]
    briefing.title = 'Learning <script>alert("x")</script> & more'
    briefing.save(update_fields=["title"])
    first, second = done_version(briefing, 1), done_version(briefing, 2)
    BriefingVersion.objects.filter(pk=second.pk).update(pages=3)
    page = client_for("practitioner").get(reverse("briefings:library")).content.decode()
    assert "<script>alert" not in page
    escaped = "Learning &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"
    assert f'<a href="{reverse("briefings:briefing_page", args=[briefing.pk])}">{escaped}</a>' in page
    assert f'<span class="visually-hidden">: {escaped}</span>' in page
    assert f'href="{reverse("briefings:download", args=[second.pk])}" data-testid="download-latest"' in page
    assert f'<li><a href="{reverse("briefings:download", args=[first.pk])}">Version 1, ' in page
    assert "Version 2, " in page and " · 3 pages</div>" in page


def test_htmx_section_save_signed_out_is_401_and_changes_nothing(client, briefings):
    """htmx would follow a redirect to the sign-in page and swap it into the card over the text typed."""
    section = briefings[Edition.MANAGERS].sections.get(key="why")
    url = reverse("briefings:section_update", kwargs={"slug": "cse-audit", "edition": "managers", "key": "why"})
    response = client.post(url, {"heading": "Why", "body": "Typed while signed out"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 401 and "Location" not in response
    section.refresh_from_db()
    assert section.body != "Typed while signed out"


def test_htmx_section_save_with_an_error_comes_back_marked_not_saved(client_for, briefings):
    """The card with the form's errors keeps the text and marks the form, so that leaving the page asks."""
    url = reverse("briefings:section_update", kwargs={"slug": "cse-audit", "edition": "managers", "key": "why"})
    response = client_for("qa_manager").post(url, {"heading": "", "body": "Kept"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "data-kept-unsaved" in html and "Kept" in html and "Saved at" not in html
    saved = client_for("qa_manager").post(url, {"heading": "Why", "body": "Kept"}, HTTP_HX_REQUEST="true")
    assert "data-kept-unsaved" not in saved.content.decode()
