"""An e-mail whose subject is built from text holding a line break (the partnership's name, an audit's title
or a name typed before one-line fields took breaks as spaces, or imported) goes, the break made a space: the
mail library refuses a subject of two lines (BadHeaderError) and the e-mail never went."""

import pytest

from agencies.mail import portal_mail_send
from agencies.models import Partnership


@pytest.mark.django_db
def test_a_subject_with_line_breaks_goes_on_one_line(mailoutbox):
    Partnership.objects.update_or_create(pk=1, defaults={"name": "West Sussex\r\nSafeguarding"})
    Partnership.clear_cache()
    portal_mail_send(subject="Audit\nof neglect\rcases changed", body="Body.", to=["someone@example.org"])
    (sent,) = mailoutbox
    assert sent.message()["Subject"] == "West Sussex Safeguarding: Audit of neglect cases changed"
