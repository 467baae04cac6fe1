"""The password journeys for everybody, not only the QA manager and the administrator: "Forgotten your
password?" on the sign-in page (a link by e-mail, the same answer whatever the address, rate-limited,
nothing for an inactive account), and a signed-in person's change of their own password. Through the
real outbox and Django's test mail outbox."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.client_ip import client_ip
from agencies.models import AccessRecord, OutboxMessage, Partnership
from agencies.passwords import RATE_PER_EMAIL, rate_keys
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "correct horse battery staple"  # agencies/tests/factories.py
NEW = "a brand new long passphrase 7"
LINK = re.compile(r"https?://\S+/accounts/password/set/\S+/")


@pytest.fixture(autouse=True)
def _no_earlier_requests(rf):
    """The rate limits live in the shared cache: this test's client address and addresses start afresh."""
    ip = client_ip(rf.get("/"))
    for address in ("pat@example.org", "nobody@example.org", "gone@example.org", "invited@example.org"):
        cache.delete_many(rate_keys(email=address, ip=ip))
    yield


@pytest.fixture
def pat(agency_a):
    return UserFactory(username="pat.auditor", email="pat@example.org", agency=agency_a, first_name="Pat")


def ask_for_link(client, address: str, capture):
    with capture(execute=True):
        return client.post(reverse("password_reset"), {"email": address})


def link_in(message) -> str:
    [link] = LINK.findall(message.body)
    return link


def test_the_sign_in_page_links_to_forgotten_password(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page and "Forgotten your password?" in page


def test_a_forgotten_password_is_reset_with_the_emailed_link(client, pat, django_capture_on_commit_callbacks):
    response = ask_for_link(client, "PAT@example.org", django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert message.subject == f"{Partnership.load().name}: Reset your password for the audit portal"
    assert "Your username is pat.auditor." in message.body and "for 3 days" in message.body

    page = client.get(link_in(message), follow=True)
    assert page.redirect_chain[-1][0].endswith("/set-password/")  # the token leaves the address bar
    assert "Choose a new password" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    refused = client.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert (
        refused.status_code == 200 and "This password is too short" in refused.content.decode()
    )  # Django's validators

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})

    assert done.status_code == 302 and done.url == reverse("login")
    assert SESSION_KEY not in client.session  # not signed in by the link: the sign-in (and its second step) follows
    pat.refresh_from_db()
    assert pat.check_password(NEW)
    record = AccessRecord.objects.get(object_type="agencies.user", object_id=str(pat.pk))
    assert (
        record.username == "pat.auditor"
        and record.summary == "Sign-in of pat.auditor changed: password reset by e-mail"
    )
    notice = mail.outbox[-1]
    assert notice.to == ["pat@example.org"] and "was reset with a link e-mailed to you" in notice.body
    # The link worked once.
    assert "This link does not work" in client.get(link_in(message), follow=True).content.decode()


def test_signing_in_after_a_reset_still_asks_for_the_second_factor(
    client, pat, settings, django_capture_on_commit_callbacks
):
    settings.MFA_REQUIRED = True
    TOTPDevice.objects.create(user=pat, name="Authenticator app", confirmed=True)
    ask_for_link(client, "pat@example.org", django_capture_on_commit_callbacks)
    set_url = client.get(link_in(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW, "new_password2": NEW})

    signed_in = client.post(reverse("login"), {"username": "pat.auditor", "password": NEW}, follow=True)

    assert signed_in.redirect_chain[-1][0].startswith(reverse("mfa_verify"))


def test_the_answer_and_the_work_are_the_same_for_an_address_without_an_account(
    client, pat, django_capture_on_commit_callbacks
):
    known = ask_for_link(client, "pat@example.org", django_capture_on_commit_callbacks)
    unknown = ask_for_link(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    # One outbox row each: the request does not look the address up (its time says nothing either).
    assert OutboxMessage.objects.filter(task="agencies.tasks.send_password_reset").count() == 2
    assert "Check your e-mail" in client.get(known.url).content.decode()


def test_an_inactive_account_is_sent_nothing_and_its_link_does_nothing(
    client, agency_a, django_capture_on_commit_callbacks
):
    gone = UserFactory(username="gone", email="gone@example.org", agency=agency_a)
    ask_for_link(client, "gone@example.org", django_capture_on_commit_callbacks)
    [message] = mail.outbox
    gone.is_active = False
    gone.save()

    ask_for_link(client, "gone@example.org", django_capture_on_commit_callbacks)
    page = client.get(link_in(message), follow=True).content.decode()

    assert len(mail.outbox) == 1
    assert "This link does not work" in page and "new_password1" not in page
    assert "(a link works for 3 days)" in page  # how long a link lasts, not "(a link works for )"


def test_asking_again_and_again_is_rate_limited(client, pat, django_capture_on_commit_callbacks):
    answers = [ask_for_link(client, "pat@example.org", django_capture_on_commit_callbacks) for _ in range(5)]

    assert {(a.status_code, a.url) for a in answers} == {(302, reverse("password_reset_done"))}
    assert len(mail.outbox) == RATE_PER_EMAIL


def test_an_account_without_a_password_yet_can_ask_for_a_link(client, agency_a, django_capture_on_commit_callbacks):
    """Invited, with the invitation expired: "Forgotten your password?" sends a new link."""
    invited = UserFactory(username="invited", email="invited@example.org", agency=agency_a)
    invited.set_unusable_password()
    invited.save()

    ask_for_link(client, "invited@example.org", django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == ["invited@example.org"]
    assert "Choose your password" in client.get(link_in(message), follow=True).content.decode()


def test_an_account_whose_password_was_turned_off_after_use_is_sent_nothing(
    client, agency_a, django_capture_on_commit_callbacks
):
    """An account that has signed in and then had password sign-in turned off (Django's 'disabled') is
    not switched back on by whoever can read its mailbox: only a person never signed in is invited again."""
    from django.utils import timezone

    turned_off = UserFactory(username="off", email="off@example.org", agency=agency_a, last_login=timezone.now())
    turned_off.set_unusable_password()
    turned_off.save()

    ask_for_link(client, "off@example.org", django_capture_on_commit_callbacks)

    assert mail.outbox == []


# --- A signed-in person's own password ------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "practitioner", "manager", "qa_manager", "administrator"])
def test_everybody_reaches_the_change_page_from_the_menu(client, cast, who):
    client.force_login(cast[who])
    page = client.get(reverse("access_log" if who in ("qa_manager", "administrator") else "home"), follow=True)
    assert f'href="{reverse("password_change")}"' in page.content.decode()
    assert client.get(reverse("password_change")).status_code == 200


def test_a_signed_in_person_changes_their_own_password(client, pat, django_capture_on_commit_callbacks):
    client.force_login(pat)
    wrong = client.post(
        reverse("password_change"), {"old_password": "not it", "new_password1": NEW, "new_password2": NEW}
    )
    assert wrong.status_code == 200 and "Your old password was entered incorrectly" in wrong.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("password_change"), {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}
        )

    assert response.status_code == 302
    pat.refresh_from_db()
    assert pat.check_password(NEW)
    assert client.get(reverse("password_change")).status_code == 200  # this session stays signed in
    record = AccessRecord.objects.get(object_type="agencies.user", object_id=str(pat.pk))
    assert record.user == pat and record.summary == "Sign-in of pat.auditor changed: password changed"
    [notice] = mail.outbox
    assert notice.to == ["pat@example.org"] and "changed by you, signed in, with your current password" in notice.body


def test_the_change_page_asks_for_the_second_factor_first(client, pat, settings):
    """Pages under /accounts/ are open before the second step of signing in: this one is not."""
    settings.MFA_REQUIRED = True
    TOTPDevice.objects.create(user=pat, name="Authenticator app", confirmed=True)
    client.post(reverse("login"), {"username": "pat.auditor", "password": OLD})

    response = client.post(
        reverse("password_change"), {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 302 and response.url.startswith(reverse("mfa_verify"))
    pat.refresh_from_db()
    assert pat.check_password(OLD)
