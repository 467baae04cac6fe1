"""Partnership settings and an agency's page say what their less obvious fields are for (the onboarding
review): a new administrator saw 'Short name', 'Contact e-mail', 'Feedback invitation', 'Training' and
'Lead's e-mail' with nothing to say where they appear or who is told."""

import pytest
from django.urls import reverse

from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db


def test_partnership_settings_say_where_each_setting_appears(signed_in):
    page = page_text(signed_in.get(reverse("admin:agencies_partnership_changelist"), follow=True))

    assert "at the top of every page, before “Audit portal”" in page  # short name
    assert "the reply-to of every e-mail the portal sends" in page  # contact e-mail
    assert "Opens each briefing's feedback section" in page
    assert "printed in each briefing's training section" in page


def test_an_agencys_page_says_what_its_short_name_and_leads_address_are_for(signed_in):
    page = page_text(signed_in.get(reverse("admin:agencies_agency_add")))

    assert "it heads the agency's column in an audit's tables" in page
    assert "reminded about the recommendations the agency owns" in page
