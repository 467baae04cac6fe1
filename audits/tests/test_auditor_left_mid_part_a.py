"""An agency's named auditor leaves in the middle of Part A, through the pages each person uses: their tab with
the Part A form still open after the administrator deactivates their account, the QA manager naming a
colleague to continue, the colleague finding the draft as autosaved and submitting it, and the person made
active again later getting back only what any colleague of the agency has.

`audit` (conftest.py, "CSE audit") is in Part A: Sussex Police named `auditor`; `colleague` also works there."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord, User
from agencies.tests.test_admin import change_url, user_form
from audits.demo import ADMIN_PERMISSIONS
from audits.models import PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field
from audits.services.parta import reminders_due
from audits.tests.parta_support import complete, load

pytestmark = [pytest.mark.usefixtures("partnership")]


@pytest.fixture
def it_admin(administrator):
    administrator.user_permissions.set(
        Permission.objects.filter(content_type__app_label="agencies", codename__in=ADMIN_PERMISSIONS)
    )
    return User.objects.get(pk=administrator.pk)


def browser(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_auditor_leaves_and_a_colleague_continues(
    audit, auditor, colleague, qa_manager, it_admin, layout, ret, django_capture_on_commit_callbacks
):
    s1 = layout.standards[0]
    autosave = reverse("audits:return_autosave", args=[ret.pk])
    form = reverse("audits:return_detail", args=[ret.pk])
    tab = browser(auditor)
    typed = {evidence_field(s1.pk): "Seen by the school nurse.", "strengths": "Quick referral."}
    saved = tab.post(autosave, json.dumps({"version": 0, "fields": typed}), content_type="application/json")
    assert saved.status_code == 200

    # The administrator deactivates the account: the lead officer and the QA manager are told, not the person.
    leaving = user_form(auditor)
    leaving.pop("is_active")
    with django_capture_on_commit_callbacks(execute=True):
        assert browser(it_admin).post(change_url(auditor), leaving).status_code == 302
    assert auditor.email not in {to for m in mail.outbox for to in m.to}
    assert reminders_due() == []  # nobody left to remind about the agency's returns

    # The tab left open: signed out, told so (the answers kept on the device), nothing saved; no 500.
    late = tab.post(autosave, json.dumps({"version": 1, "fields": {"strengths": "x"}}), content_type="application/json")
    assert late.status_code == 401 and late.json()["error"] == "signed_out"
    assert tab.post(form, {"version": "1", "strengths": "x"}).url.startswith(reverse("login"))
    assert tab.get(form).url.startswith(reverse("login"))
    assert load(ret.pk).version == 1 and load(ret.pk).strengths == "Quick referral."
    refused = Client().post(reverse("login"), {"username": auditor.username, "password": "wrong password"})
    assert refused.status_code == 200  # the wrong password learns nothing; the right one: test_account_journeys

    # The QA manager names the colleague; the change is in the access log, the new auditor e-mailed.
    qa = browser(qa_manager)
    mail.outbox.clear()
    change = reverse("audits:participant_auditor", args=[audit.slug, auditor.agency_id])
    with django_capture_on_commit_callbacks(execute=True):
        qa.post(change, {"auditor": colleague.pk, "shown": str(auditor.pk)})
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert AccessRecord.objects.filter(
        action=AccessAction.CHANGE, summary=f"Auditor for Police changed: {auditor.username} → {colleague.username}"
    ).exists()
    dashboard = qa.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()
    assert f"Chase {colleague}".replace("'", "&#x27;") in dashboard and "account is not active" not in dashboard
    assert reminders_due() == []  # none due yet (no due date); the colleague's: test_auditor_unable

    # The colleague finds the draft as it was autosaved, and submits it.
    new = browser(colleague)
    page = new.get(form).content.decode()
    assert "Seen by the school nurse." in page and "Quick referral." in page
    data = {"version": "1", **complete(layout, strengths="Quick referral.")}
    assert new.post(reverse("audits:return_submit", args=[ret.pk]), data).status_code == 302
    assert load(ret.pk).status == ReturnStatus.SUBMITTED and load(ret.pk).last_saved_by == colleague

    # Made active again later: not the auditor any more, reads the return as any colleague of the agency.
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            browser(it_admin).post(change_url(auditor), user_form(User.objects.get(pk=auditor.pk))).status_code == 302
        )
    back = browser(User.objects.get(pk=auditor.pk))
    assert "You have no Part A returns to complete." in back.get(reverse("audits:my_returns")).content.decode()
    assert "This return is read-only." in back.get(form).content.decode()
    other = PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 2")
    page = back.get(reverse("audits:return_detail", args=[other.pk])).content.decode()
    assert "only the auditor named for the agency can change it" in page and 'name="strengths"' not in page
    assert back.get(reverse("audits:return_history", args=[ret.pk])).status_code == 403
    assert (
        back.post(autosave, json.dumps({"version": 2, "fields": {"strengths": "x"}}), content_type="application/json")
    ).status_code == 403
