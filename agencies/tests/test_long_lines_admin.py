"""Names and titles typed in Administration (audit planning, the partnership settings): no maxlength
in the page (a long paste would be cut off without a word) but a counter (app.js, loaded on the admin's
pages too), and a limit the server keeps, with the message next to the field and the text kept."""

from html import escape

import pytest
from django.urls import reverse

from agencies.models import Partnership, PartnershipLink
from audits.models import Audit
from audits.tests.long_text_support import line_counted_not_cut as counted_not_cut
from audits.tests.long_text_support import line_message, text_input
from audits.tests.test_planning_admin import audit_form

pytestmark = pytest.mark.django_db

LONG_LINE = ("Cases chosen from the MASH log, as agreed at the steering group in March. " * 5).strip()


def message(limit: int) -> str:
    return line_message(limit, LONG_LINE)


def test_a_long_audit_title_or_cohort_source_is_refused_and_kept_whole(client, qa_manager):
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_add")
    page = client.get(url).content.decode()
    assert counted_not_cut(page, "title", 250) and counted_not_cut(page, "cohort_source", 300)
    assert "js/app.js" in page  # the counter

    response = client.post(url, audit_form("long-lines", title=LONG_LINE, cohort_source=LONG_LINE))
    page = response.content.decode()
    assert response.status_code == 200  # the form again, with its errors
    assert message(250) in page.split('id="id_title_error"')[1].split("</ul>")[0]
    assert message(300) in page.split('id="id_cohort_source_error"')[1].split("</ul>")[0]
    assert f'value="{escape(LONG_LINE)}"' in text_input(page, "title")
    assert f'value="{escape(LONG_LINE)}"' in text_input(page, "cohort_source")
    assert not Audit.objects.filter(slug="long-lines").exists()


def test_a_long_link_title_in_the_partnership_settings_is_refused_and_kept_whole(client, it_admin):
    partnership = Partnership.load()
    client.force_login(it_admin)
    url = reverse("admin:agencies_partnership_change", args=[partnership.pk])
    page = client.get(url).content.decode()
    assert counted_not_cut(page, "name", 200)

    response = client.post(
        url,
        {
            "name": partnership.name,
            "short_name": partnership.short_name,
            "contact_email": "",
            "feedback_invitation": partnership.feedback_invitation,
            "training": "",
            "retention_months": "24",
            "support_contacts-TOTAL_FORMS": "1",
            "support_contacts-INITIAL_FORMS": "0",
            "support_contacts-0-partnership": partnership.pk,
            "support_contacts-0-name": LONG_LINE,
            "support_contacts-0-order": "0",
            "links-TOTAL_FORMS": "1",
            "links-INITIAL_FORMS": "0",
            "links-0-partnership": partnership.pk,
            "links-0-kind": "reading",
            "links-0-title": LONG_LINE,
            "links-0-url": "https://example.org/neglect",
            "links-0-order": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200  # the form again, with its errors
    assert message(200) in page.split('id="id_support_contacts-0-name_error"')[1].split("</ul>")[0]
    assert message(300) in page.split('id="id_links-0-title_error"')[1].split("</ul>")[0]
    assert counted_not_cut(page, "links-0-title", 300)
    # Only plain lines: an address is still checked as one (and keeps its type).
    assert 'type="url" name="links-0-url"' in page and 'type="email" name="contact_email"' in page
    assert f'value="{escape(LONG_LINE)}"' in text_input(page, "links-0-title")
    assert f'value="{escape(LONG_LINE)}"' in text_input(page, "support_contacts-0-name")
    assert not PartnershipLink.objects.exists() and not partnership.support_contacts.exists()
