"""Board access (full board reports) ends when the account is deactivated: a leaver's account is kept (for who
did what), and made active again — the same person back in another job, or by mistake — it would read the
board's restricted reports again unseen. The access log says it ended with the deactivation, and the page tells
the administrator to tick it again if needed. A change of role or agency of an active person keeps it (the page
warns: agencies/tests/test_board_access_kept.py), and so does a board member outside the agencies (an
administrator's account with board access) while active."""

import html

import pytest
from django.urls import reverse

from agencies.models import AccessRecord, Role, User
from agencies.tests.factories import AdministratorFactory, AgencyFactory, UserFactory
from agencies.tests.test_admin import user_form
from briefings.models import Edition
from briefings.selectors import editions_readable_by

pytestmark = pytest.mark.django_db
ENDED = (
    "Mara Quinn's board access (full board reports) ended with the account's deactivation: tick it again if the "
    "account is made active again for a job that needs it."
)


@pytest.fixture
def board_member():
    return UserFactory(
        username="mara.quinn",
        first_name="Mara",
        last_name="Quinn",
        role=Role.MANAGER,
        agency=AgencyFactory(name="Police"),
        board_access=True,
    )


def save(client, person: User, **fields) -> str:
    form = user_form(person, **fields)
    if fields.get("is_active") is False:
        form.pop("is_active")  # Active unticked
    response = client.post(reverse("admin:agencies_user_change", args=[person.pk]), form, follow=True)
    assert response.redirect_chain, "the person was not saved"
    return html.unescape(" ".join(response.content.decode().split()))


def recorded(person: User) -> list[str]:
    rows = AccessRecord.objects.filter(object_id=str(person.pk), summary__startswith=f"Access of {person.username}")
    return [summary.split(": ", 1)[1] for summary in rows.order_by("pk").values_list("summary", flat=True)]


def test_deactivating_a_person_ends_their_board_access_and_says_so(signed_in, board_member):
    page = save(signed_in, board_member, is_active=False)  # Board access left ticked on the page
    board_member.refresh_from_db()
    assert not board_member.is_active and not board_member.board_access
    assert ENDED in page
    assert recorded(board_member) == [
        "board access yes → no (ended with the account's deactivation), is active yes → no"
    ]


def test_made_active_again_the_account_does_not_read_the_full_reports(signed_in, board_member):
    save(signed_in, board_member, is_active=False)
    board_member.refresh_from_db()
    page = save(signed_in, board_member)  # Active ticked again, nothing else changed
    board_member.refresh_from_db()
    assert board_member.is_active and not board_member.board_access
    assert Edition.FULL_REPORT not in editions_readable_by(board_member)
    assert "board access" not in recorded(board_member)[-1]
    assert recorded(board_member)[-1] == "is active no → yes"
    assert ENDED not in page

    save(signed_in, board_member, board_access="on")  # given again, deliberately
    board_member.refresh_from_db()
    assert board_member.board_access
    assert recorded(board_member)[-1] == "board access no → yes"


def test_a_board_member_outside_the_agencies_keeps_it_while_active(signed_in, board_member):
    outside = AdministratorFactory(username="chair", first_name="Ida", last_name="Chair", board_access=True)
    save(signed_in, outside, job_title="Independent chair")
    outside.refresh_from_db()
    assert outside.board_access

    # A manager leaving their agency for the board: made an administrator with no agency, board access kept.
    page = save(signed_in, board_member, role=Role.ADMINISTRATOR, agency="")
    board_member.refresh_from_db()
    assert board_member.role == Role.ADMINISTRATOR and board_member.agency is None and board_member.board_access
    assert Edition.FULL_REPORT in editions_readable_by(board_member)
    assert "still has board access" in page and ENDED not in page


def test_a_deactivation_without_board_access_records_only_that(signed_in, board_member):
    colleague = UserFactory(username="colleague", role=Role.MANAGER, agency=board_member.agency)
    page = save(signed_in, colleague, is_active=False)
    assert recorded(colleague) == ["is active yes → no"]
    assert "ended with the account's deactivation" not in page
