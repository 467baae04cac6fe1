"""Redundant entry (WCAG 3.3.7): when a sensitive action stops to ask for the password, what the person
had typed is kept for the page they acted from and offered there again, once, within ten minutes. Nothing
secret is kept, and the action is never carried out for them: they check it and press the button again."""

import html
import re
import time

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path, reverse

from agencies.decorators import KEEP_SECONDS, KEPT_FIELDS, recent_login_required, recent_login_restored
from agencies.middleware import AUTH_AT
from agencies.tests.test_security import PASSWORD
from auditportal.urls import urlpatterns as portal_urls

KEPT = "What you typed before confirming your password has been kept: check it, then press the button again."
REPEAT = "Thank you. Please repeat what you were doing."
done: list[dict] = []


class ReasonForm(forms.Form):
    reason = forms.CharField()
    tags = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B"), ("c", "C")], required=False)


@login_required
@recent_login_required
def sensitive(request: HttpRequest) -> HttpResponse:
    """A page with a form whose POST needs a recent sign-in, offering what was kept when shown."""
    if request.method == "POST":
        done.append(request.POST.dict())
        return HttpResponse("done")
    form = ReasonForm(initial=recent_login_restored(request))
    shown = "".join(f"<p class=message>{m}</p>" for m in get_messages(request))
    return HttpResponse(shown + form.as_div())


urlpatterns = [path("sensitive/", sensitive), *portal_urls]


def stale_sign_in(client, settings) -> None:
    session = client.session
    session[AUTH_AT] = time.time() - settings.RECENT_LOGIN_SECONDS - 1
    session.save()


def said(response) -> list[str]:
    """The messages shown on the page (the test page's own), or waiting to be shown (after a redirect)."""
    if response.status_code == 302:
        return [str(m) for m in get_messages(response.wsgi_request)]
    return [html.unescape(m) for m in re.findall(r"<p class=message>(.*?)</p>", response.content.decode())]


@override_settings(ROOT_URLCONF=__name__)
def test_what_was_typed_is_offered_again_once_after_confirming_the_password(client, auditor, settings):
    done.clear()
    client.force_login(auditor)
    stale_sign_in(client, settings)
    typed = {
        "reason": "The auditor asked to add the strategy meeting's date.",
        "tags": ["a", "c"],
        "csrfmiddlewaretoken": "not kept",
        "password": "not kept",
        "otp_code": "123456",
        "reset_token": "not kept",
    }
    refused = client.post("/sensitive/", typed, HTTP_REFERER="http://testserver/sensitive/?from=list")
    assert refused.status_code == 302 and refused.url.startswith(reverse("reauthenticate"))
    assert done == []
    kept = client.session[KEPT_FIELDS]["/sensitive/"]["fields"]
    assert kept == {"reason": [typed["reason"]], "tags": ["a", "c"]}  # nothing secret

    confirmed = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": "/sensitive/?from=list"})
    assert confirmed.status_code == 302 and confirmed.url == "/sensitive/?from=list"
    page = client.get(confirmed.url)
    form_html = page.content.decode()
    assert 'value="The auditor asked to add the strategy meeting&#x27;s date."' in form_html
    assert '<option value="a" selected>' in form_html and '<option value="c" selected>' in form_html
    assert '<option value="b">' in form_html
    assert said(page) == ["For your security, please confirm your password to continue.", "Thank you.", KEPT]
    assert done == []  # not replayed: the person presses the button again
    assert KEPT_FIELDS not in client.session

    # Once only: the next visit shows the blank form.
    again = client.get("/sensitive/")
    assert "strategy meeting" not in again.content.decode() and said(again) == []


@override_settings(ROOT_URLCONF=__name__)
def test_what_was_kept_lasts_ten_minutes(client, auditor, settings):
    client.force_login(auditor)
    stale_sign_in(client, settings)
    client.post("/sensitive/", {"reason": "Typed long ago"}, HTTP_REFERER="http://testserver/sensitive/")
    session = client.session
    session[KEPT_FIELDS]["/sensitive/"]["at"] -= KEEP_SECONDS + 1
    session.save()
    confirmed = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": "/sensitive/"})
    page = client.get(confirmed.url)
    assert "Typed long ago" not in page.content.decode()
    assert REPEAT in said(page) and KEPT not in said(page)


@override_settings(ROOT_URLCONF=__name__)
def test_without_the_page_acted_from_nothing_is_kept(client, auditor, settings):
    client.force_login(auditor)
    stale_sign_in(client, settings)
    refused = client.post("/sensitive/", {"reason": "No referer"})
    assert "next=%2F" in refused.url  # sent home afterwards, where there is no form to fill in again
    assert KEPT_FIELDS not in client.session
    confirmed = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": reverse("home")})
    assert REPEAT in said(confirmed)


def test_an_unlock_reason_is_kept_for_the_review_page(client, qa_manager, audit, settings, rf):
    """The review page asks for the password itself (accepting or unlocking only): the reason is kept for it."""
    from audits.models import PartAReturn

    ret = PartAReturn.objects.filter(audit=audit).first()
    client.force_login(qa_manager)
    stale_sign_in(client, settings)
    url = reverse("audits:return_review", args=[ret.pk])
    reason = "The auditor found a missing chronology entry."
    response = client.post(url, {"action": "unlock", "version": ret.version, "comment": reason})
    assert response.status_code == 302 and response.url.startswith(reverse("reauthenticate"))
    confirmed = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": url})
    assert confirmed.url == url and said(confirmed)[-1] == "Thank you."

    # What the review page's view gets when it offers the form again (recent_login_restored).
    request = rf.get(url)
    request.session = client.session
    request._messages = FallbackStorage(request)
    assert recent_login_restored(request) == {"action": "unlock", "version": str(ret.version), "comment": reason}


def test_the_review_page_shows_the_kept_unlock_reason_again(client, qa_manager, audit, settings):
    """End to end: after confirming the password the review page shows the reason typed, ready to send."""
    from audits.models import PartAReturn

    ret = PartAReturn.objects.filter(audit=audit).first()
    client.force_login(qa_manager)
    stale_sign_in(client, settings)
    url = reverse("audits:return_review", args=[ret.pk])
    reason = "Unlocked: the chronology's strategy meeting is missing."
    client.post(url, {"action": "unlock", "version": ret.version, "comment": reason})
    client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": url})
    page = client.get(url)
    assert html.escape(reason) in page.content.decode()
    assert KEPT in [str(m) for m in page.context["messages"]]
    assert html.escape(reason) not in client.get(url).content.decode()  # offered once


def test_the_auditor_change_page_chooses_the_kept_auditor_again(client, qa_manager, audit, agency_a, settings):
    from agencies.models import Role
    from agencies.tests.factories import UserFactory

    colleague = UserFactory(agency=agency_a, role=Role.PRACTITIONER, first_name="Kept", last_name="Choice")
    client.force_login(qa_manager)
    stale_sign_in(client, settings)
    url = reverse("audits:participant_auditor", args=[audit.slug, agency_a.pk])
    refused = client.post(url, {"auditor": colleague.pk})
    assert refused.url.startswith(reverse("reauthenticate"))
    client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": url})
    page = client.get(url).content.decode()
    assert f'<option value="{colleague.pk}" selected>' in page
