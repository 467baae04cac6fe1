"""Redis stopped (the cache: sessions' copies and the partnership settings; the broker too) while people
use the portal: pages, Part A's autosave and submission, signing in and out, and asking for a password
link all go on from the database, as on a Redis that answers, instead of a bare 500 on every page."""

from django.contrib.sessions.models import Session
from django.urls import reverse

from agencies.models import OutboxMessage, Partnership
from agencies.passwords import RATE_PER_EMAIL, RATE_PER_IP, RESET_TASK
from audits.models import AuditStatus, PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field, tool_layout
from audits.tests.parta_support import complete
from briefings.models import BriefingVersion, Edition, RenderStatus
from briefings.services import briefing_create
from briefings.tests.support import publish_post
from tests.celery_broker import publish_to
from tests.test_faults import PrivateRedis

PASSWORD = "correct horse battery staple"


def on_private_redis(settings, tmp_path) -> PrivateRedis:
    redis = PrivateRedis(tmp_path)
    redis.start()
    settings.CACHES = {
        "default": {"BACKEND": "auditportal.cache.RedisCache", "LOCATION": redis.url, "KEY_PREFIX": "redis-down"}
    }
    return redis


def sign_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def test_an_auditor_works_signs_out_and_in_again_while_redis_is_down(client, settings, tmp_path, audit, auditor):
    Partnership.objects.update_or_create(pk=1, defaults={"short_name": "WSCP"})
    ret = PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 1")
    layout = tool_layout(audit.tool_version)
    detail = reverse("audits:return_detail", args=[ret.pk])
    redis = on_private_redis(settings, tmp_path)
    try:
        sign_in(client, auditor)
        assert client.get(detail).status_code == 200  # the session and the settings now in Redis too
        redis.stop()

        # The page, with the partnership's settings read from the database.
        page = client.get(detail)
        assert page.status_code == 200
        assert "Case 1: Part A return · WSCP" in page.content.decode()

        # Autosave keeps what is typed.
        field = evidence_field(layout.standards[0].pk)
        saved = client.post(
            reverse("audits:return_autosave", args=[ret.pk]),
            {"version": 0, "fields": {field: "Seen at home twice."}},
            content_type="application/json",
        )
        assert saved.status_code == 200, saved.content
        assert ret.answers.get(standard=layout.standards[0]).evidence == "Seen at home twice."

        # Submitting the whole form submits it.
        submitted = client.post(reverse("audits:return_submit", args=[ret.pk]), {**complete(layout), "version": "1"})
        assert submitted.status_code == 302
        ret.refresh_from_db()
        assert ret.status == ReturnStatus.SUBMITTED

        # Signing out ends the session (its database row, the record), and signing in again works.
        assert client.post(reverse("logout")).status_code == 302
        assert not Session.objects.exists()
        assert client.get(detail).status_code == 302  # to the sign-in page
        sign_in(client, auditor)
        assert Session.objects.count() == 1
        assert client.get(detail).status_code == 200
    finally:
        redis.stop()


def test_the_partnership_settings_are_saved_while_redis_is_down(db, settings, tmp_path):
    redis = on_private_redis(settings, tmp_path)
    try:
        Partnership.load()  # kept in Redis
        redis.stop()
        partnership = Partnership.load()
        partnership.name = "West Sussex Safeguarding Children Partnership"
        partnership.save()
        assert Partnership.load().name == "West Sussex Safeguarding Children Partnership"
    finally:
        redis.stop()


def test_a_password_link_is_sent_while_redis_is_down_and_still_limited(client, settings, tmp_path, auditor):
    redis = on_private_redis(settings, tmp_path)
    redis.stop()
    try:
        for _ in range(RATE_PER_EMAIL + 2):
            response = client.post(reverse("password_reset"), {"email": auditor.email.upper()})
            assert (response.status_code, response.url) == (302, reverse("password_reset_done"))
        # Through the outbox (the broker is down too): sent once Redis is back, and no more than the limit.
        assert OutboxMessage.objects.filter(task=RESET_TASK).count() == RATE_PER_EMAIL
    finally:
        redis.stop()


def test_one_client_address_asking_for_links_for_many_addresses_is_limited_while_redis_is_down(
    client, settings, tmp_path, db
):
    """Each address asked for once, so its own limit is never reached: the client address's is, counted from
    the outbox, and the page says what it says to everybody. Another client address still has its links."""
    settings.TRUSTED_PROXY_COUNT = 0
    forgotten, done = reverse("password_reset"), reverse("password_reset_done")
    redis = on_private_redis(settings, tmp_path)
    try:
        # One asked for while Redis answered counts too, as the outbox recorded it.
        response = client.post(forgotten, {"email": "person0@example.org"}, REMOTE_ADDR="198.51.100.7")
        assert (response.status_code, response.url) == (302, done)
        redis.stop()
        for n in range(1, RATE_PER_IP):
            response = client.post(forgotten, {"email": f"person{n}@example.org"}, REMOTE_ADDR="198.51.100.7")
            assert (response.status_code, response.url) == (302, done)
        assert OutboxMessage.objects.filter(task=RESET_TASK, ip_address="198.51.100.7").count() == RATE_PER_IP

        refused = client.post(forgotten, {"email": "one-more@example.org"}, REMOTE_ADDR="198.51.100.7", follow=True)
        assert refused.redirect_chain == [(done, 302)]
        assert "If that address belongs to an account on the portal, an e-mail" in refused.content.decode()
        assert not OutboxMessage.objects.filter(args__0="one-more@example.org").exists()

        response = client.post(forgotten, {"email": "one-more@example.org"}, REMOTE_ADDR="203.0.113.9")
        assert (response.status_code, response.url) == (302, done)
        assert OutboxMessage.objects.filter(args__0="one-more@example.org", ip_address="203.0.113.9").count() == 1
    finally:
        redis.stop()


def test_a_briefing_published_while_redis_is_down_is_queued_and_says_so(
    client, settings, tmp_path, audit, qa_manager, django_capture_on_commit_callbacks
):
    """The cache and the broker both on the stopped server, as in production: the publish page answers, the
    version is queued with a note that its render will be retried (the periodic requeue does it)."""
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    briefing = briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa_manager)
    publish = reverse("briefings:publish", args=[audit.slug, briefing.edition])
    redis = on_private_redis(settings, tmp_path)
    try:
        with publish_to(redis.url):
            sign_in(client, qa_manager)
            redis.stop()
            with django_capture_on_commit_callbacks(execute=True):  # on the publish's commit, as in a request
                response = publish_post(client, publish, {"confirm": "yes"})
            assert response.status_code == 302
            page = client.get(response.url)
        assert page.status_code == 200
        version = BriefingVersion.objects.get(briefing=briefing)
        assert version.status == RenderStatus.QUEUED and "will be retried" in version.error
        assert "Version 1 published." in page.content.decode() and "Queued, will retry" in page.content.decode()
    finally:
        redis.stop()


def test_password_links_asked_for_at_the_same_moment_while_redis_is_down_keep_to_the_limits(
    settings, tmp_path, transactional_db
):
    """Asked for by many requests at once (several web workers), the limits counted from the outbox hold as they do
    one request after another: each request counts and writes its link in turn, not all counting before any wrote."""
    import threading

    from django.db import connection
    from django.test import Client

    settings.TRUSTED_PROXY_COUNT = 0
    forgotten = reverse("password_reset")
    redis = on_private_redis(settings, tmp_path)
    redis.stop()
    asking = 12
    barrier = threading.Barrier(asking)
    answers: list[int] = []

    def ask(n: int) -> None:
        try:
            client = Client()
            barrier.wait()
            answers.append(
                client.post(forgotten, {"email": "person@example.org"}, REMOTE_ADDR=f"198.51.100.{n}").status_code
            )
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=ask, args=(n,)) for n in range(asking)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert answers == [302] * asking
        assert OutboxMessage.objects.filter(task=RESET_TASK).count() == RATE_PER_EMAIL
    finally:
        redis.stop()
