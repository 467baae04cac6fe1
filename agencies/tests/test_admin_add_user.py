"""Adding a person in Administration: name, e-mail address, role and agency, no password. The person
is e-mailed a link to choose their own, so the administrator never knows or sends one."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import AccessRecord, Role, User

pytestmark = pytest.mark.django_db

ADD = reverse("admin:agencies_user_add")
NEW = "a brand new long passphrase 7"
LINK = re.compile(r"https?://\S+/accounts/password/set/\S+/")


def person(**fields) -> dict:
    return {
        "username": "sam.social",
        "first_name": "Sam",
        "last_name": "Rowe",
        "email": "sam.rowe@example.org",
        "role": Role.PRACTITIONER,
        **fields,
    }


def test_the_add_form_asks_for_name_and_address_and_no_password(signed_in):
    page = signed_in.get(ADD).content.decode()
    for name in ("username", "first_name", "last_name", "email", "role", "agency"):
        assert f'name="{name}"' in page, name
    assert 'name="password1"' not in page and 'name="usable_password"' not in page
    assert "Password-based authentication" not in page

    response = signed_in.post(ADD, person(first_name="", last_name="", email="", agency=""))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"first_name", "last_name", "email"} <= set(errors)


def test_the_default_role_without_an_agency_is_told_what_to_choose(signed_in):
    response = signed_in.post(ADD, person(agency=""))

    assert response.status_code == 200 and "Constraint" not in response.content.decode()
    assert response.context["adminform"].form.errors["agency"] == [
        "Managers, practitioners, auditors and lead officers work for an agency: choose theirs."
    ]
    assert not User.objects.filter(username="sam.social").exists()


def test_the_person_added_is_invited_to_choose_their_password(signed_in, agency_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(ADD, person(agency=agency_a.pk))

    assert response.status_code == 302, response.content.decode()[:3000]
    # The administrator is told the invitation went, and that they need not choose a password.
    told = signed_in.get(response.url).content.decode()
    assert "An e-mail is on its way to sam.rowe@example.org with a link for Sam Rowe to choose their own" in told
    assert "You need not set one for them." in told
    sam = User.objects.get(username="sam.social")
    assert not sam.has_usable_password()  # nobody knows a password for it until Sam chooses one
    assert (sam.first_name, sam.last_name, sam.email, sam.agency) == ("Sam", "Rowe", "sam.rowe@example.org", agency_a)
    [invitation] = mail.outbox
    assert invitation.to == ["sam.rowe@example.org"]
    assert "Ifor Evans has made you an account" in invitation.body and "Your username is sam.social." in invitation.body
    assert "for 3 days" in invitation.body and "authenticator app" in invitation.body
    record = AccessRecord.objects.get(object_type="agencies.user", object_id=str(sam.pk))
    assert record.summary == "Account added: sam.social, role Practitioner, invited by e-mail to choose a password"

    signed_in.logout()
    [link] = LINK.findall(invitation.body)
    page = signed_in.get(link, follow=True)
    assert "Choose your password" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = signed_in.post(page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert done.status_code == 302
    sam.refresh_from_db()
    assert sam.check_password(NEW)
    assert len(mail.outbox) == 1  # their first password, chosen by them: no "your password was changed"
    assert AccessRecord.objects.filter(summary="Sign-in of sam.social changed: first password set").exists()
    signs_in = signed_in.post(reverse("login"), {"username": "sam.social", "password": NEW})
    assert signs_in.status_code == 302 and signs_in.url != reverse("login")


def test_set_password_offers_a_new_password_only_never_turning_password_sign_in_off(signed_in, practitioner):
    """Django's "Set password" also offered "password-based authentication: disabled", for a single
    sign-on the portal does not have: it made an account nobody could sign in to, and its old password lost."""
    url = reverse("admin:auth_user_password_change", args=[practitioner.pk])
    page = signed_in.get(url).content.decode()
    assert 'name="password1"' in page and 'name="usable_password"' not in page
    # Sent as the old form sent "disabled", it sets nothing: a new password is required.
    refused = signed_in.post(url, {"usable_password": "false", "password1": "", "password2": ""})
    assert refused.status_code == 200
    practitioner.refresh_from_db()
    assert practitioner.has_usable_password()
    assert signed_in.post(url, {"password1": NEW, "password2": NEW}).status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.check_password(NEW)
