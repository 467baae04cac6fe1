"""The partnership's settings page asks before saving a shorter retention period that would bring audits into the
retention purge at its next run or within a month of it (2 typed for 24): nothing is saved, the page says how many audits and which (titles and
years, no case reference) would lose their case-level detail and when, and keeps what was typed; ticking "Yes, purge
these" and saving again saves it, recorded in the access log. A period raised, or lowered without
bringing any audit in, saves at once, as before."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from agencies.models import AccessRecord, Partnership, SupportContact
from audits.models import AuditStatus
from audits.services.retention import audits_expired, next_purge_run
from audits.tests.admin_support import admin_form_data, page_text, row_of
from audits.tests.factories import AuditFactory, CaseFactory

pytestmark = pytest.mark.django_db


def ended(*, months: int, title: str, status=AuditStatus.CLOSED, slug=""):
    """An audit closed (or cancelled) `months` and a week ago, with a case whose reference no page may name."""
    at = timezone.now() - relativedelta(months=months) - timedelta(days=7)
    audit = AuditFactory(
        title=title,
        slug=slug or title.lower().replace(" ", "-"),
        status=status,
        closed_at=at if status == AuditStatus.CLOSED else None,
        cancelled_at=at if status == AuditStatus.CANCELLED else None,
    )
    CaseFactory(audit=audit, reference=f"Child {audit.pk} Ref 9Z", order=1)
    return audit


def named(audit, done: str = "closed") -> str:
    when = audit.closed_at if done == "closed" else audit.cancelled_at
    return f"“{audit.title}” ({audit.year}, {done} on {date_format(timezone.localtime(when), 'j F Y')})"


def shown_again(response) -> dict:
    """What the page the response shows would post back, as a browser does: the settings form and every row of
    its inlines, with what was typed (the question's checkbox unticked unless it is ticked on the page)."""
    context = response.context
    data: dict = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = getattr(value, "pk", value)

    add(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


@pytest.fixture
def url():
    return f"/admin/agencies/partnership/{Partnership.load().pk}/change/"


@pytest.fixture
def settings_page(signed_in, url):
    """The settings page as opened, with a support contact, and the retention period at 24 months."""
    Partnership.objects.filter(pk=Partnership.load().pk).update(retention_months=24)
    Partnership.clear_cache()
    SupportContact.objects.create(partnership=Partnership.load(), name="MASH", phone="01234 567890")
    return admin_form_data(signed_in, url)


def test_a_lower_period_that_brings_audits_in_asks_first_keeps_what_was_typed_and_saves_once_confirmed(
    signed_in, url, settings_page, it_admin
):
    brought_in = ended(months=10, title="CSE audit")
    cancelled = ended(months=5, title="Neglect audit", status=AuditStatus.CANCELLED)
    due_anyway = ended(months=30, title="Older audit")  # past 24 months already: the purge takes it anyway
    recent = ended(months=0, title="Recent audit")  # closed a week ago: not past 2 months either
    contact = SupportContact.objects.get()
    typed = settings_page | {
        "retention_months": "2",
        "training": "Safeguarding level 3, each year.",
        f"{row_of(settings_page, contact.pk, 'support_contacts')}-phone": "01234 000000",
    }

    asked = signed_in.post(url, typed)

    assert asked.status_code == 200
    page = page_text(asked)
    at_next = f"at the purge's next run, at 02:00 on {date_format(next_purge_run(), 'l j F Y')}"
    assert (
        "Nothing was saved yet. Lowering the retention period from 24 to 2 months brings 2 audits that are kept now "
        f"into the retention purge: {named(brought_in)}, {at_next}; {named(cancelled, 'cancelled')}, {at_next}. "
        "Their case-level detail"
    ) in page
    assert "would be removed then and cannot be brought back" in page
    assert "Yes, purge these" in page
    assert 'type="checkbox" name="confirm_purge"' in page
    for other in (due_anyway, recent):
        assert other.title not in page
    assert "Ref 9Z" not in page  # no case reference
    # Nothing saved, and everything typed kept.
    settings = Partnership.objects.get()
    contact.refresh_from_db()
    assert (settings.retention_months, settings.training, contact.phone) == (24, "", "01234 567890")
    again = shown_again(asked)
    assert again["retention_months"] == "2"
    assert again["training"] == "Safeguarding level 3, each year."
    assert again[f"{row_of(again, contact.pk, 'support_contacts')}-phone"] == "01234 000000"
    assert "confirm_purge" not in again

    # Saved again without the tick: asked again, still nothing saved.
    assert signed_in.post(url, again).status_code == 200
    assert Partnership.objects.get().retention_months == 24

    saved = signed_in.post(url, again | {"confirm_purge": "on"})

    assert saved.status_code == 302
    settings = Partnership.objects.get()
    contact.refresh_from_db()
    assert (settings.retention_months, settings.training, contact.phone) == (
        2,
        "Safeguarding level 3, each year.",
        "01234 000000",
    )
    [record] = AccessRecord.objects.filter(object_type="agencies.partnership")
    assert record.username == it_admin.username
    assert record.summary.startswith(
        f"Administration: changed partnership settings {settings.name}: retention (months) 24 → 2, "
        "confirmed: 2 audits brought into the retention purge."
    )
    told = page_text(signed_in.get(saved.url, follow=True))
    assert (
        "The case-level detail of 2 audits is removed by the retention purge: "
        f"{named(brought_in)}, {at_next}; {named(cancelled, 'cancelled')}, {at_next}." in told
    )
    # What the page named is what the purge now takes.
    assert set(audits_expired()) == {brought_in, cancelled, due_anyway}


def test_a_lower_period_that_brings_no_audit_in_is_saved_at_once_as_is_a_longer_one(signed_in, url, settings_page):
    ended(months=30, title="Older audit")  # due under 24 months already
    ended(months=0, title="Recent audit")
    ended(months=3, title="Still running", status=AuditStatus.PART_A)

    lowered = signed_in.post(url, settings_page | {"retention_months": "2", "training": "Level 3."})

    assert lowered.status_code == 302
    assert (Partnership.objects.get().retention_months, Partnership.objects.get().training) == (2, "Level 3.")
    assert "retention purge" not in page_text(signed_in.get(lowered.url, follow=True))
    raised = signed_in.post(url, admin_form_data(signed_in, url) | {"retention_months": "36"})
    assert raised.status_code == 302
    assert Partnership.objects.get().retention_months == 36
    summaries = list(
        AccessRecord.objects.filter(object_type="agencies.partnership").order_by("pk").values_list("summary", flat=True)
    )
    assert [summary.split("Partnership: ", 1)[1][:30] for summary in summaries] == [
        "retention (months) 24 → 2. Cha",
        "retention (months) 2 → 36. Cha",
    ]


def test_a_tick_given_for_other_audits_does_not_save_a_period_that_brings_in_more(signed_in, url, settings_page):
    first = ended(months=14, title="CSE audit")
    second = ended(months=5, title="Neglect audit")

    asked = signed_in.post(url, settings_page | {"retention_months": "12"})
    at_next = f"at the purge's next run, at 02:00 on {date_format(next_purge_run(), 'l j F Y')}"
    assert f"brings 1 audit that is kept now into the retention purge: {named(first)}, {at_next}." in page_text(asked)
    # The administrator ticks, then makes the period shorter still before saving: the tick was for one audit.
    ticked = shown_again(asked) | {"confirm_purge": "on", "retention_months": "2"}

    asked_again = signed_in.post(url, ticked)

    assert asked_again.status_code == 200
    assert (
        f"brings 2 audits that are kept now into the retention purge: {named(first)}, {at_next}; "
        f"{named(second)}, {at_next}."
    ) in page_text(asked_again)
    assert Partnership.objects.get().retention_months == 24
    assert "confirm_purge" not in shown_again(asked_again)  # unticked: asked about these two
    assert signed_in.post(url, shown_again(asked_again) | {"confirm_purge": "on"}).status_code == 302
    assert Partnership.objects.get().retention_months == 2


def test_the_question_is_not_on_the_page_until_asked(signed_in, url, settings_page):
    form = signed_in.get(url).context["adminform"].form
    assert isinstance(form.fields["confirm_purge"].widget, forms.HiddenInput)
    assert 'type="checkbox" name="confirm_purge"' not in page_text(signed_in.get(url))


def test_an_audit_the_shorter_period_would_purge_within_the_month_is_asked_about_with_its_night(
    signed_in, url, settings_page
):
    """Typing 2 for 24 when an audit closed 1 month and 25 days ago: its shorter period ends in about five days,
    not by the next run. It was saved unasked and the audit purged five days later."""
    soon = AuditFactory(
        title="Soon audit",
        slug="soon-audit",
        status=AuditStatus.CLOSED,
        closed_at=timezone.now() - relativedelta(months=2) + timedelta(days=5),
    )
    later = ended(months=0, title="Recent audit")  # its shorter period ends in about seven weeks: not asked

    asked = signed_in.post(url, settings_page | {"retention_months": "2"})

    assert asked.status_code == 200
    page = page_text(asked)
    ends = timezone.localtime(soon.closed_at) + relativedelta(months=2)
    night = next_purge_run(ends - timedelta(microseconds=1))
    assert night.date() > next_purge_run().date()
    assert (
        "Lowering the retention period from 24 to 2 months brings 1 audit that is kept now into the retention "
        f"purge: {named(soon)}, at the purge's run at 02:00 on {date_format(night, 'l j F Y')}."
    ) in page
    assert later.title not in page
    assert Partnership.objects.get().retention_months == 24
