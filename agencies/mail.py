"""How the portal sends its e-mails (reminders, chasers, notices): one place for what every one of them shares."""

from django.conf import settings
from django.core.mail import EmailMessage


def portal_mail_send(*, subject: str, body: str, to: list[str]) -> None:
    """Send one plain-text e-mail from DEFAULT_FROM_EMAIL. Its subject starts with the partnership's name
    (somebody may work with more than one partnership, and every portal sends from the same kind of
    address), and a reply goes to the partnership's contact address when it has one that is not a leaver's:
    the e-mails tell people to contact the QA manager, and DEFAULT_FROM_EMAIL is often not read."""
    from .models import Partnership

    partnership = Partnership.load()
    message = EmailMessage(
        subject=f"{partnership.name}: {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        # Not a deactivated account's (Partnership.contact_address): replies about people's audits do not go
        # to a leaver's mailbox.
        reply_to=[partnership.contact_address] if partnership.contact_address else None,
    )
    message.send()
