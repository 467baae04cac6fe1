"""Remove a person's authenticator apps and recovery codes from the server's command line, for when no
administrator can do it in Administration: the only administrator lost both their app and their codes, or
nobody else is there to.

    python manage.py reset_two_factor USERNAME --reason "lost phone and recovery codes, call of 24 Nov"

It removes them as Administration's OTP device pages do (agencies.services.second_factor_remove): the
access log records it, naming the operator's OS user, the command and the reason, and the person is
told by e-mail. Their next sign-in, after their password, sets up a new authenticator app, as a first
sign-in does, and gives new recovery codes. It asks for the username again unless --yes.
"""

import getpass
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessRecord
from agencies.services import CommandLine, account_change_summary, second_factor_remove

COMMAND = "manage.py reset_two_factor"
SUMMARY_MAX = AccessRecord._meta.get_field("summary").max_length


def os_user() -> str:
    """Who runs the command, as the OS says (and whom they came from through sudo, as sudo says)."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and none for the uid
        name = f"uid {os.getuid()}"
    sudo = os.environ.get("SUDO_USER", "")
    return f"{name} (sudo from {sudo})" if sudo and sudo != name else name


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class Command(BaseCommand):
    help = (
        "Remove a person's authenticator apps and unused recovery codes, as an administrator does in "
        "Administration → OTP, for when no administrator can: their next sign-in, after their password, "
        "sets up a new authenticator app. Recorded in the access log with your OS user and --reason; the "
        "person is told by e-mail."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="The person's username, as Administration → Users lists it.")
        parser.add_argument(
            "--reason",
            default="",
            help="Why (required): kept in the access log, with your OS user. For example: "
            '--reason "lost phone and recovery codes, confirmed by phone call".',
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for the username again.")

    def handle(self, *args, username: str, reason: str = "", yes: bool = False, **options) -> None:
        reason = " ".join(reason.split())
        if not reason:
            raise CommandError(
                'Say why with --reason "..." (for example --reason "lost phone and recovery codes"): it is kept '
                "in the access log with your OS user. Nothing was changed."
            )
        person = self._active_person(username)
        command_line = CommandLine(command=COMMAND, os_user=os_user(), reason=reason)
        longest = account_change_summary(
            person=person, change="authenticator_and_recovery_codes", command_line=command_line
        )
        if len(longest) > SUMMARY_MAX:
            room = len(reason) - (len(longest) - SUMMARY_MAX)
            raise CommandError(
                f"The reason is too long for the access log: at most {max(room, 0)} characters for this account "
                f"({len(reason)} given). Nothing was changed."
            )

        apps = TOTPDevice.objects.filter(user=person).count()
        codes = StaticToken.objects.filter(device__user=person).count()
        code_lists = StaticDevice.objects.filter(user=person).count()
        name = f"{person.get_username()} ({person}, {person.get_role_display()})"
        if not apps and not code_lists:
            self.stdout.write(
                f"{name} has no authenticator app and no recovery codes: nothing to remove, nothing was "
                "changed. Their next sign-in, after their password, sets up a new authenticator app."
            )
            return
        what = f"{_plural(apps, 'authenticator app', 'authenticator apps')} and " + _plural(
            codes, "unused recovery code", "unused recovery codes"
        )
        self.stdout.write(f"This removes the {what} of {name}.")
        if not yes:
            self._confirm(person.get_username())

        with transaction.atomic():
            # Read again under its row lock: deactivated since it was read, it is refused as above.
            person = get_user_model().objects.select_for_update().get(pk=person.pk)
            if not person.is_active:
                raise CommandError(self._deactivated(person.get_username()))
            record = second_factor_remove(
                person=person,
                devices=[TOTPDevice.objects.all(), StaticDevice.objects.all()],
                command_line=command_line,
            )
        if record is None:
            self.stdout.write(f"{name} has no authenticator app or recovery codes any more: nothing was changed.")
            return
        told = "they are told by e-mail" if person.email else "they have no e-mail address, so tell them yourself"
        self.stdout.write(
            self.style.SUCCESS(f"Removed the {what} of {person.get_username()}.")
            + f" Recorded in the access log (OS user {command_line.os_user}, your reason); {told}. At their next "
            "sign-in, after their password, they set up a new authenticator app and are given new recovery codes."
        )

    def _active_person(self, username: str):
        users = get_user_model().objects
        person = users.filter(username=username).first()
        if person is None:
            near = list(users.filter(username__iexact=username).values_list("username", flat=True)[:3])
            hint = f" Did you mean {' or '.join(repr(name) for name in near)}? Usernames are exact." if near else ""
            # An e-mail address typed for the username (the person wrote from it): name the account it is of.
            owner = users.email_taken_by(username.strip()) if not near and "@" in username else None
            if owner is not None:
                hint = (
                    f" {username.strip()!r} is the e-mail address of the account {owner.get_username()!r}: give its "
                    "username (as Administration → Users lists it)."
                )
            raise CommandError(f"There is no account with the username {username!r}.{hint} Nothing was changed.")
        if not person.is_active:
            raise CommandError(self._deactivated(username))
        return person

    @staticmethod
    def _deactivated(username: str) -> str:
        return (
            f"The account {username!r} is deactivated. Reactivate it first (Administration → Users → {username}: tick Active, Save), then run this again. "
            "If no administrator can sign in to do that, make one with manage.py createsuperuser. Nothing was "
            "changed."
        )

    def _confirm(self, username: str) -> None:
        try:
            typed = input(f"Type the username ({username}) again to remove them: ")
        except EOFError:
            typed = None
        if typed is None:
            raise CommandError("No answer read: type the username when asked, or pass --yes. Nothing was changed.")
        if typed.strip() != username:
            raise CommandError(f"That is not {username!r}: nothing was changed.")
