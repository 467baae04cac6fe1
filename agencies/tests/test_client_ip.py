"""The client's address behind the TLS proxy: one rule (agencies.client_ip) for the lockout and the
access log. X-Forwarded-For is believed only as far as the configured proxies wrote it."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from agencies.client_ip import client_ip
from agencies.models import AccessAction
from agencies.services import access_record
from agencies.tests.factories import UserFactory
from agencies.tests.test_settings import start_django

PASSWORD = "correct horse battery staple"
PROXY = "127.0.0.1"  # what REMOTE_ADDR always says behind the proxy


def sign_in(client, password: str, forwarded_for: str | None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        reverse("login"), {"username": "target", "password": password}, headers=headers, REMOTE_ADDR=PROXY
    )


@pytest.fixture
def target(db):
    return UserFactory(username="target")


def test_behind_the_proxy_the_lockout_is_for_the_address_the_proxy_saw(client, target, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker puts the QA manager's address in front: the proxy appends the real one.
    for _ in range(5):
        sign_in(client, "wrong password", "198.51.100.9, 203.0.113.66")
    assert sign_in(client, PASSWORD, "203.0.113.66").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    # The person at their own desk is not locked out by somebody else's failures.
    assert sign_in(client, PASSWORD, "198.51.100.9").status_code == 302


def test_without_a_proxy_x_forwarded_for_is_ignored(client, target, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # A different made-up address on each try does not escape the lockout.
    for n in range(5):
        sign_in(client, "wrong password", f"192.0.2.{n + 1}")
    assert sign_in(client, PASSWORD, "192.0.2.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.66", "10.0.0.2"),
        (1, None, "10.0.0.2"),  # not through the proxy
        (1, "203.0.113.66", "203.0.113.66"),
        (1, "1.2.3.4, 203.0.113.66", "203.0.113.66"),
        (1, "not an address", "10.0.0.2"),
        (1, "2001:db8::7", "2001:db8::7"),
        (2, "1.2.3.4, 203.0.113.66, 10.0.0.9", "203.0.113.66"),
        (2, "203.0.113.66", "10.0.0.2"),  # fewer entries than proxies
    ],
)
def test_client_ip(rf, settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    assert client_ip(rf.get("/", headers=headers, REMOTE_ADDR="10.0.0.2")) == expected


def test_the_access_record_has_the_address_the_proxy_saw(rf, auditor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/audits/returns/1/", headers={"X-Forwarded-For": "9.9.9.9, 203.0.113.66"}, REMOTE_ADDR=PROXY)
    request.user = auditor
    record = access_record(request=request, action=AccessAction.VIEW, object_type="audits.partareturn", object_id="1")
    assert record.ip_address == "203.0.113.66"


def test_the_access_record_ignores_x_forwarded_for_without_a_proxy(rf, auditor, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/audits/returns/1/", headers={"X-Forwarded-For": "203.0.113.66"}, REMOTE_ADDR=PROXY)
    request.user = auditor
    record = access_record(request=request, action=AccessAction.VIEW, object_type="audits.partareturn", object_id="1")
    assert record.ip_address == PROXY


def test_behind_the_tls_proxy_one_proxy_is_trusted_unless_told_otherwise():
    show = "import django; django.setup(); from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"
    assert start_django(show, DEBUG="1").stdout.split() == ["0"]
    assert start_django(show, DEBUG="1", BEHIND_TLS_PROXY="1").stdout.split() == ["1"]
    assert start_django(show, DEBUG="1", BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="2").stdout.split() == ["2"]
    refused = start_django(show, DEBUG="1", TRUSTED_PROXY_COUNT="-1")
    assert refused.returncode != 0 and "TRUSTED_PROXY_COUNT must be 0 or more" in refused.stderr
