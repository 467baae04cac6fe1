"""The e-mails of beat's runs that the mail relay refuses for good are listed for the administrator under
"E-mails not sent" (kind, when, to whom masked), as the other e-mails of the outbox are: each Part A reminder is
queued through the outbox, one message per auditor, as the reviewers' and the recommendation owners' digests
were. "Try them again" sends the reminders to those who did not get theirs, and to nobody twice; a later run's
reminder to the auditor takes the place of their failed one on the list."""

import datetime as dt
import socketserver
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.services import masked_email
from audits.models import AuditStatus, ReminderKind, ReminderLog
from audits.tasks import send_part_a_reminders, send_recommendation_reminders, send_review_digests
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in
from audits.tests.test_mails_not_sent import section

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
FRIDAY, MONDAY = dt.date(2026, 11, 27), dt.date(2026, 11, 30)
TASK = "audits.tasks.send_part_a_reminder"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def clock(monkeypatch):
    """Sets the time the portal reads (timezone.now, and so localdate)."""

    def set_to(moment: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))
        return moment

    return set_to


class _Relay(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Session)
        self.refused: set[str] = set()  # addresses whose RCPT TO it answers 550
        self.delivered: list[str] = []  # the recipients of each message it took


class _Session(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's SMTP backend: one message at a time, no extensions."""

    def say(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        relay: _Relay = self.server
        self.say("220 relay.test ready")
        recipients: list[str] = []
        in_data = False
        for raw in self.rfile:
            line = raw.decode(errors="replace").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    relay.delivered.extend(recipients)
                    self.say("250 queued")
                continue
            verb = line[:4].upper()
            if verb == "RCPT":
                address = line.split(":", 1)[1].strip().split(">")[0].lstrip("<")
                if address.lower() in relay.refused:
                    self.say("550 5.1.1 mailbox unavailable")
                else:
                    recipients.append(address)
                    self.say("250 ok")
            elif verb == "DATA":
                in_data = True
                self.say("354 end with .")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RSET, NOOP
                if verb in ("MAIL", "RSET"):
                    recipients = []
                self.say("250 ok")


@pytest.fixture
def relay(settings):
    """A real SMTP relay on a local port, which refuses the addresses put in its `refused`."""
    server = _Relay()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.server_address[1], 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def overdue(audit):
    audit.part_a_due = dt.date(2026, 11, 20)  # overdue: both auditors reminded every working day
    audit.save()
    return audit


def beat_run(clock, moment, capture) -> list[int]:
    """Beat's run of the Part A reminders at `moment`, its e-mails delivered at once (retries included)."""
    clock(moment)
    with capture(execute=True):
        return send_part_a_reminders.apply(kwargs={"scheduled": True}).get()


def try_again(client, capture) -> str:
    with capture(execute=True):
        return client.post(reverse("mail_retry"), follow=True).content.decode()


def test_a_reminder_the_relay_refuses_is_listed_and_tried_again_without_a_second_to_the_auditor_who_had_theirs(
    relay, clock, client, administrator, auditor, other_auditor, overdue, django_capture_on_commit_callbacks
):
    relay.refused = {other_auditor.email.lower()}
    sent = beat_run(clock, at(FRIDAY, 8), django_capture_on_commit_callbacks)
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])
    assert relay.delivered == [auditor.email]

    [failed] = OutboxMessage.objects.filter(failed_at__isnull=False, done_at__isnull=True)
    assert failed.task == TASK and failed.args[0] == other_auditor.pk
    assert failed.failed_to == masked_email(other_auditor.email)
    clock(at(FRIDAY, 8, 40))  # its retries ran out
    client.force_login(administrator)
    shown = section(client)
    assert "E-mails not sent" in shown and ">1<" in shown.replace(" ", "")
    assert "Part A reminder" in shown and "SMTPRecipientsRefused" in shown
    assert masked_email(other_auditor.email) in shown and other_auditor.email not in shown
    assert overdue.title not in shown

    relay.refused = set()  # the relay mended
    assert "1 e-mail is being tried again" in try_again(client, django_capture_on_commit_callbacks)
    assert relay.delivered == [auditor.email, other_auditor.email]
    assert section(client) == ""
    assert sorted(ReminderLog.objects.filter(kind=ReminderKind.AUTOMATIC).values_list("auditor_id", "sent_on")) == (
        sorted([(auditor.pk, FRIDAY), (other_auditor.pk, FRIDAY)])
    )
    assert "no e-mails to try again" in try_again(client, django_capture_on_commit_callbacks)

    beat_run(clock, at(FRIDAY, 13), django_capture_on_commit_callbacks)  # once a day
    assert relay.delivered == [auditor.email, other_auditor.email]
    assert mail.outbox == []  # all of it through the relay


def test_a_later_runs_reminder_takes_the_place_of_the_failed_one_on_the_list(
    relay, clock, client, administrator, auditor, other_auditor, overdue, django_capture_on_commit_callbacks
):
    relay.refused = {auditor.email.lower(), other_auditor.email.lower()}
    beat_run(clock, at(FRIDAY, 8), django_capture_on_commit_callbacks)
    assert relay.delivered == []
    failed = OutboxMessage.objects.filter(task=TASK, failed_at__isnull=False, done_at__isnull=True)
    morning = set(failed.values_list("pk", flat=True))
    assert len(morning) == 2
    client.force_login(administrator)
    assert ">2<" in section(client).replace(" ", "")

    beat_run(clock, at(FRIDAY, 13), django_capture_on_commit_callbacks)  # the relay still refuses them
    assert relay.delivered == []
    assert len(set(failed.values_list("pk", flat=True)) - morning) == 2
    assert ">2<" in section(client).replace(" ", "")  # two auditors not reminded, not four e-mails

    relay.refused = set()
    clock(at(FRIDAY, 13, 45))
    assert "2 e-mails are being tried again" in try_again(client, django_capture_on_commit_callbacks)
    assert sorted(relay.delivered) == sorted([auditor.email, other_auditor.email])
    assert section(client) == ""


def test_a_later_run_that_reaches_them_takes_the_failed_reminders_off_the_list(
    relay, clock, client, administrator, auditor, other_auditor, overdue, django_capture_on_commit_callbacks
):
    relay.refused = {auditor.email.lower(), other_auditor.email.lower()}
    beat_run(clock, at(FRIDAY, 8), django_capture_on_commit_callbacks)
    client.force_login(administrator)
    assert ">2<" in section(client).replace(" ", "")

    relay.refused = set()
    beat_run(clock, at(FRIDAY, 13), django_capture_on_commit_callbacks)  # the second run of the day reaches them
    assert sorted(relay.delivered) == sorted([auditor.email, other_auditor.email])
    assert section(client) == ""
    assert "no e-mails to try again" in try_again(client, django_capture_on_commit_callbacks)
    assert len(relay.delivered) == 2


def test_tried_again_out_of_hours_it_is_left_to_the_next_run(
    relay, clock, client, administrator, auditor, other_auditor, overdue, django_capture_on_commit_callbacks
):
    """A reminder goes only within the hours of a scheduled run: tried again in the evening, nothing is sent that
    night, and Monday's run reminds the auditor, once."""
    relay.refused = {other_auditor.email.lower()}
    beat_run(clock, at(FRIDAY, 13), django_capture_on_commit_callbacks)
    relay.refused = set()
    clock(at(FRIDAY, 18))
    client.force_login(administrator)
    assert "1 e-mail is being tried again" in try_again(client, django_capture_on_commit_callbacks)
    assert relay.delivered == [auditor.email]
    assert section(client) == ""

    beat_run(clock, at(MONDAY, 8), django_capture_on_commit_callbacks)
    assert sorted(relay.delivered) == sorted([auditor.email, auditor.email, other_auditor.email])


def test_the_digests_of_beats_runs_the_relay_refuses_are_listed_too(
    relay, clock, client, administrator, submitted, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    """The reviewers' and the recommendation owners' digests were queued through the outbox already."""
    RecommendationFactory(
        audit=audit_in(2026, status=AuditStatus.REPORTING),
        due_date=dt.date(2026, 12, 4),
        owner_email="owner@example.org",
    )
    relay.refused = {qa_manager.email.lower(), "owner@example.org"}
    clock(at(FRIDAY, 8))
    with django_capture_on_commit_callbacks(execute=True):
        assert len(send_review_digests.apply(kwargs={"scheduled": True}).get()) == 2
        assert send_recommendation_reminders.apply(kwargs={"scheduled": True}).get() == ["owner@example.org"]
    assert relay.delivered == [lead_officer.email]
    client.force_login(administrator)
    shown = section(client)
    assert ">2<" in shown.replace(" ", "")
    assert "Reviewer&#x27;s digest" in shown and "Recommendations digest" in shown
    assert masked_email(qa_manager.email) in shown and masked_email("owner@example.org") in shown
