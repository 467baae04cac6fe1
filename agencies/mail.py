"""How the portal sends its e-mails (reminders, chasers, notices): one place for what every one of them shares."""

from django.conf import settings
from django.core.mail import EmailMessage


def portal_mail_send(*, subject: str, body: str, to: list[str]) -> None:
    """Send one plain-text e-mail from DEFAULT_FROM_EMAIL. Its subject starts with the partnership's name
    (somebody may work with more than one partnership, and every portal sends from the same kind of
    address), and a reply goes to the partnership's contact address when it has one: the e-mails tell
    people to contact the QA manager, and DEFAULT_FROM_EMAIL is often not read."""
    from .models import Partnership

    partnership = Partnership.load()
    message = EmailMessage(
        subject=f"{partnership.name}: {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=_reply_to(partnership.contact_email),
    )
    message.send()


def _reply_to(contact_email: str) -> list[str] | None:
    """The partnership's contact address, unless it is a deactivated account's: a QA manager's own address
    given as the contact, who has left. Replies about people's audits do not go to a leaver's mailbox; the
    administrator's home page lists the address to change (agencies.selectors.leavers_addresses)."""
    from .selectors import deactivated_addresses

    if not contact_email or deactivated_addresses([contact_email]):
        return None
    return [contact_email]
