"""A failed sign-in is told to screen-reader users (WCAG 3.3.1, 1.3.1): the error is announced, and each
field it concerns is marked invalid and points at it, so focusing the field reads the error too."""

from html.parser import HTMLParser

from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.mfa import mfa_confirm
from agencies.tests.test_security import current_code


class Elements(HTMLParser):
    """Every element's attributes by its id, and the text inside each element that has an id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.by_id[attributes["id"]] = {"tag": tag, **attributes}
            self.text[attributes["id"]] = ""
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.append((tag, attributes.get("id")))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _tag, element_id in self._open:
            if element_id:
                self.text[element_id] += data


def described_by(page: Elements, field_id: str) -> str:
    """What a screen reader reads after the field's name: the text of the elements it points at."""
    ids = page.by_id[field_id].get("aria-describedby", "").split()
    assert ids, f"{field_id} points at nothing"
    assert all(i in page.by_id for i in ids), f"{field_id} points at a missing element: {ids}"
    return " ".join(" ".join(page.text[i].split()) for i in ids)


def test_a_wrong_password_is_announced_and_marks_both_fields(client, auditor):
    response = client.post(reverse("login"), {"username": "auditor.a", "password": "not it"})
    assert response.status_code == 200
    page = Elements(response.content.decode())
    box = page.by_id["login-errors"]
    assert box["role"] == "alert"
    assert "Please enter a correct username and password" in page.text["login-errors"]
    for field in ("id_username", "id_password"):
        assert page.by_id[field].get("aria-invalid") == "true", field
        assert "Please enter a correct username and password" in described_by(page, field)


def test_a_first_visit_to_the_sign_in_page_marks_nothing_invalid(client, db):
    page = Elements(client.get(reverse("login")).content.decode())
    assert "login-errors" not in page.by_id
    for field in ("id_username", "id_password"):
        assert "aria-invalid" not in page.by_id[field]
        assert "aria-describedby" not in page.by_id[field]


def test_a_missing_field_is_marked_and_points_at_its_own_error(client, db):
    page = Elements(client.post(reverse("login"), {"username": "auditor.a", "password": ""}).content.decode())
    assert "login-errors" not in page.by_id
    assert page.by_id["id_password"].get("aria-invalid") == "true"
    assert "This field is required" in described_by(page, "id_password")
    assert "aria-invalid" not in page.by_id["id_username"]


@override_settings(MFA_REQUIRED=True)
def test_a_wrong_two_factor_code_marks_the_code_field(client, auditor):
    client.force_login(auditor)
    mfa_confirm(user=auditor, device=TOTPDevice.objects.create(user=auditor, name="app", confirmed=False))
    page = Elements(client.post(reverse("mfa_verify"), {"code": "12345678"}).content.decode())
    assert page.by_id["id_code"].get("aria-invalid") == "true"
    assert "That code is not right" in described_by(page, "id_code")


@override_settings(MFA_REQUIRED=True)
def test_a_wrong_code_when_setting_up_two_factor_marks_the_code_field(client, auditor):
    client.force_login(auditor)
    client.get(reverse("mfa_setup"))  # makes the device waiting to be confirmed
    device = TOTPDevice.objects.get(user=auditor, confirmed=False)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    page = Elements(client.post(reverse("mfa_setup"), {"code": wrong}).content.decode())
    assert page.by_id["id_code"].get("aria-invalid") == "true"
    assert "That code is not right" in described_by(page, "id_code")


def test_a_wrong_password_when_confirming_marks_the_password_field(client, auditor):
    client.force_login(auditor)
    page = Elements(client.post(reverse("reauthenticate"), {"password": "nope"}).content.decode())
    assert page.by_id["id_password"].get("aria-invalid") == "true"
    assert "That is not your password" in described_by(page, "id_password")
