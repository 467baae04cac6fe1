"""How the portal sends its e-mails (reminders, chasers, notices): one place for what every one of them shares."""

import re
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.formats import date_format

LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def reply_address(person) -> str:
    """The address a reply to an e-mail sent on `person`'s action goes to: theirs, when they have one and their
    account is active (not a leaver's mailbox); else "" (the partnership's contact address, as every e-mail)."""
    if person is None or not person.is_active or not person.email:
        return ""
    return person.email


def portal_mail_send(*, subject: str, body: str, to: list[str], reply_to_person=None) -> None:
    """Send one plain-text e-mail from DEFAULT_FROM_EMAIL. Its subject starts with the partnership's name
    (somebody may work with more than one partnership, and every portal sends from the same kind of
    address), and a reply goes to the partnership's contact address when it has one that is not a leaver's:
    the e-mails tell people to contact the QA manager, and DEFAULT_FROM_EMAIL is often not read.

    `reply_to_person`: the person whose action the e-mail tells of (who chased, who sent a return back), to
    whom a reply goes instead when they can read it (reply_address): "I'm off sick, can X do it?" reaches
    them, not a shared mailbox. System e-mails (reminders, digests) pass nobody."""
    from .models import Partnership

    partnership = Partnership.load()
    personal = reply_address(reply_to_person)
    if personal:
        reply_to = [personal]
    else:
        # Not a deactivated account's (Partnership.contact_address): replies about people's audits do not go
        # to a leaver's mailbox.
        reply_to = [partnership.contact_address] if partnership.contact_address else None
    # A line break in a name it is built from (a person's or an agency's from the people spreadsheet, the
    # partnership's) is a space: the mail library refuses a subject of two lines (BadHeaderError), and the
    # e-mail would never go, tried again hourly for a day.
    message = EmailMessage(
        subject=LINE_BREAK.sub(" ", f"{partnership.name}: {subject}"),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    try:
        message.send()
    except Exception as exc:
        # Whom it was for, masked, when its task fails for good (agencies.outbox.mail_failed): the
        # administrator's home page lists the e-mails not sent.
        try:
            exc.portal_mail_to = list(to)
        except AttributeError:
            pass
        raise


def mail_day(day: date) -> str:
    """A day to keep, as the e-mails give it (Part A's due date, the Part B session's, a recommendation's due
    date): with its weekday, "Friday 4 December 2026", to put in a diary at a glance, and never read as a
    month first. The pages give the same day without it, where a calendar is a click away."""
    return date_format(day, "l j F Y")
