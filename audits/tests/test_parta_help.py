"""An auditor reads on My returns and on the Part A form whom to ask about a case, a standard or the due date:
the partnership's contact address (the quality assurance team), or its QA manager when none is set or the
address is a leaver's. A first-time auditor had no address on any Part A page, only in the e-mails."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.tests.factories import UserFactory
from audits.models import Audit

TEAM = "lscb@scp.example.gov.uk"


def help_line(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="parta-help"')
    return html[start : html.index("</p>", start)]


@pytest.mark.parametrize("page", ["my_returns", "return_detail"])
def test_the_quality_assurance_teams_address_is_given(client_for, ret, partnership, page):
    partnership.contact_email = TEAM
    partnership.save()
    args = [ret.pk] if page == "return_detail" else []
    line = help_line(client_for("auditor").get(reverse(f"audits:{page}", args=args)))
    assert "A question about a case, a standard or the due date?" in line
    assert f'<a href="mailto:{TEAM}">{TEAM}</a>' in line


@pytest.mark.parametrize("page", ["my_returns", "return_detail"])
def test_no_address_or_a_leavers_says_the_qa_manager(client_for, ret, partnership, page):
    args = [ret.pk] if page == "return_detail" else []
    url = reverse(f"audits:{page}", args=args)
    assert "Ask your partnership's quality assurance manager." in help_line(client_for("auditor").get(url))

    qa = UserFactory(email="left.qa@scp.example.gov.uk")
    partnership.contact_email = qa.email
    partnership.save()
    assert "mailto:left.qa@" in help_line(client_for("auditor").get(url))
    qa.is_active = False
    qa.save()
    line = help_line(client_for("auditor").get(url))
    assert "left.qa" not in line
    assert "Ask your partnership's quality assurance manager." in line


def test_nothing_to_ask_about_without_returns(client_for, audit):
    assert 'data-testid="parta-help"' not in client_for("colleague").get(reverse("audits:my_returns")).content.decode()


def test_the_form_says_how_to_write_evidence_without_identifying_the_child(client_for, ret, partnership):
    """The identifier guard never flags a name: the form says so before the first standard."""
    html = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    hint = html.index('data-testid="evidence-hint"')
    assert hint < html.index('class="standard"')
    text = html[hint : html.index("</p>", hint)]
    assert "without identifying the child or their family: no names, dates of birth, addresses" in text
    assert "a name is not, so leave names out." in text


def test_a_return_past_its_due_date_says_it_can_still_be_submitted(client_for, audit, ret, partnership):
    url = reverse("audits:return_detail", args=[ret.pk])
    Audit.objects.filter(pk=audit.pk).update(part_a_due=timezone.localdate() + timedelta(days=1))
    assert 'data-testid="overdue-notice"' not in client_for("auditor").get(url).content.decode()

    Audit.objects.filter(pk=audit.pk).update(part_a_due=timezone.localdate() - timedelta(days=2))
    html = client_for("auditor").get(url).content.decode()
    notice = html[html.index('data-testid="overdue-notice"') : html.index("</div>", html.index("overdue-notice"))]
    assert "You can still complete and submit it while Part A is open" in notice
