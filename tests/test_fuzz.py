"""Bad input: generated data posted to every form and JSON endpoint of the app (issue 6, "Bad input").

For each URL that accepts a POST (the POST rows of docs/permissions.md that let somebody in), a member
of the cast who IS allowed posts hypothesis-generated data, so that the request reaches the form and
the service behind it. The data is built from the real forms' field names (the form classes are
instantiated against the world, so prefixes and per-audit field names are right), with values that are
sometimes plausible and sometimes hostile: unicode, text far over the limits, NUL bytes, HTML and
script, SQL-ish strings, numbers out of range, lists where one value is expected, missing and unknown
fields, forged ids and versions. The Part A autosave endpoint gets arbitrary JSON (nested, wrong
types, huge numbers) and bodies that are not JSON at all.

Every example checks:
- never a 5xx (the test client re-raises an unhandled exception, so hypothesis shrinks it to the
  smallest post that breaks the view);
- a redirect never leaves the site (`next` is attacker-controlled);
- a rejected post — 4xx, a redirect with an error message or to the password prompt, or the form
  shown again with errors and no success — leaves the stored data exactly as it was: every row of
  every audits and briefings table (many-to-many and history tables included), the users and their
  authenticator devices, and the outbox. Fields the database sets by itself (auto_now timestamps,
  last_login, OTP throttling counters) are left out; the access log is left out because a refusal is
  meant to be recorded.

Each example runs in its own rolled-back transaction (like the permission matrix), so examples never
meet each other's writes. The world is the permission matrix's (tests/permission_world.py); Part A
endpoints get it with the audit moved back to Part A and the auditor's return a saved draft.

Profiles (HYPOTHESIS_PROFILE): `fuzz` (default, CI: 20 examples per endpoint, derandomized so a CI
run is reproducible) and `thorough` (500 per endpoint, random; `make fuzz`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import models, transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from agencies.forms import LoginForm, ProfileForm, TokenForm
from agencies.models import AccessAction, AccessRecord
from agencies.passwords import ResetRequestForm
from audits.forms import PartAReturnForm, ReviewForm
from audits.forms_cancel import AuditCancelForm
from audits.forms_insights import ThemeFilterForm
from audits.forms_partb import (
    AttendanceForm,
    AuditTransitionForm,
    ConsensusForm,
    FindingForm,
    ParticipantAuditorForm,
    PromoteForm,
    RecommendationForm,
    RecommendationTransitionForm,
    SessionForm,
)
from audits.models import (
    Audit,
    AuditAgency,
    AuditStatus,
    PartAReturn,
    Recommendation,
    RecommendationStatus,
    ReturnStatus,
    RiskFactor,
)
from audits.selectors.parta import tool_layout
from audits.selectors.partb import session_with_attendance
from audits.services.parta import return_autosave
from briefings.forms import BriefingDetailsForm, FeedbackForm, SectionForm, WithdrawForm
from tests.permission_world import KWARGS, World, build_world
from tests.test_permission_matrix import read_table

# --- Hypothesis profiles -----------------------------------------------------------------------

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    "database": None,  # nothing written into the work tree; a failure prints its reproduction blob instead
    "print_blob": True,
}
hypothesis_settings.register_profile("fuzz", max_examples=20, derandomize=True, **_COMMON)
hypothesis_settings.register_profile("thorough", max_examples=500, **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "fuzz")
# Applied per test, not loaded globally: other test files keep hypothesis' own defaults.
FUZZ = hypothesis_settings(hypothesis_settings.get_profile(PROFILE if PROFILE in ("fuzz", "thorough") else "fuzz"))

PASSWORD = "correct horse battery staple"  # agencies/tests/factories.py sets it for every user

# --- Values ------------------------------------------------------------------------------------

HUGE_BODY = "x" * 2_700_000  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ request.user }}{% debug %}",
    "' OR '1'='1' --",
    "1; DROP TABLE audits_finding; --",
    "%(time)s %s {0} %n",
    "../../../etc/passwd",
    "//evil.example/",
    "https://evil.example/x",
    "/\\evil.example",
    "javascript:alert(1)",
    "\r\nSet-Cookie: x=1",
    "-1",
    "0",
    "1",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    str(10**40),
    "1e309",
    "NaN",
    "-inf",
    "1.5",
    "0x1F",
    " 7 ",
    "true",
    "null",
    "[]",
    '{"a": 1}',
    "2024-02-30",
    "99999-01-01",
    "0000-00-00",
    "\u202etxt.exe",
    "\ufeff",
    "🙂" * 5,
    "Zürich — “quoted” ½",
]
no_nul_text = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)))
long_text = st.builds(lambda chunk, n: chunk * n, st.text(min_size=1, max_size=4), st.integers(2_500, 30_000))
nasty_value = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=40),
    long_text,
    st.integers().map(str),
    st.integers(min_value=2**31).map(str),
)
OMIT = object()


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an optgroup
            values += [str(v) for v, _label in label]
        else:
            values.append(str(value))
    return values


def plausible(form_field: forms.Field) -> st.SearchStrategy:
    """Values a browser could post for this field: most of them valid, some not (a required one empty)."""
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        pks = [str(pk) for pk in form_field.queryset.values_list("pk", flat=True)]
        return st.lists(st.sampled_from(pks), unique=True, max_size=4) if pks else st.just([])
    if isinstance(form_field, forms.ModelChoiceField):
        return st.sampled_from(["", *(str(pk) for pk in form_field.queryset.values_list("pk", flat=True))])
    if isinstance(form_field, forms.MultipleChoiceField):
        values = _choice_values(form_field)
        return st.lists(st.sampled_from(values), unique=True, max_size=4) if values else st.just([])
    if isinstance(form_field, forms.ChoiceField):
        return st.sampled_from(_choice_values(form_field) or [""])
    if isinstance(form_field, forms.BooleanField):
        return st.sampled_from(["on", "", "false", "yes"])
    if isinstance(form_field, forms.IntegerField):
        return st.integers(-3, 5).map(str)
    if isinstance(form_field, forms.DateField):
        return st.dates().map(lambda d: d.isoformat())
    if isinstance(form_field, forms.EmailField):
        return st.emails().filter(lambda e: len(e) <= (form_field.max_length or 254))
    if isinstance(form_field, forms.CharField):
        limit = form_field.max_length or 400
        return st.one_of(no_nul_text.map(lambda s: s[:limit]), st.just("x" * limit))
    return st.text(max_size=20)


@st.composite
def form_data(draw, fields: dict[str, st.SearchStrategy]) -> dict[str, Any]:
    """A POST body: every known field plausible, hostile, repeated or missing; maybe unknown fields."""
    hostile = draw(st.booleans())
    data: dict[str, Any] = {}
    for name, good in fields.items():
        if hostile:
            value = draw(
                st.one_of(
                    st.just(OMIT),
                    good,
                    nasty_value,
                    st.lists(st.one_of(good, nasty_value), min_size=2, max_size=3),
                )
            )
        else:
            value = draw(st.one_of(good, st.just(OMIT))) if draw(st.integers(0, 4)) == 0 else draw(good)
        if value is not OMIT:
            data[name] = value
    if hostile:
        unknown_names = st.one_of(st.text(max_size=12), st.sampled_from(["id", "pk", "audit", "user", "status"]))
        for name, value in draw(st.dictionaries(unknown_names, nasty_value, max_size=2)).items():
            data.setdefault(name, value)
        if draw(st.integers(0, 15)) == 15:
            data.setdefault("padding", HUGE_BODY)  # a body over the upload limit, now and then
    return data


def fields_of(form: forms.BaseForm) -> dict[str, st.SearchStrategy]:
    """Each field's posted name, with plausible values: its current value (as the page shows it) among them."""
    fields = {}
    for name, form_field in form.fields.items():
        good = plausible(form_field)
        initial = form.get_initial_for_field(form_field, name)
        if isinstance(initial, str | int) and not isinstance(initial, bool):
            good = st.one_of(st.just(str(initial)), good)
        fields[form.add_prefix(name)] = good
    return fields


# --- JSON bodies (Part A autosave) ---------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63),
    st.integers(max_value=-(2**63)),
    st.floats(),
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=20),
    long_text,
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


def json_plausible(form_field: forms.Field) -> st.SearchStrategy:
    """What parta.js sends for a field: true/false for a tick box, a list of ids, text, a grade's id."""
    if isinstance(form_field, forms.BooleanField):
        return st.booleans()
    if isinstance(form_field, forms.MultipleChoiceField):
        ids = _choice_values(form_field)
        if not ids:
            return st.just([])
        return st.lists(st.sampled_from(ids) | st.sampled_from(ids).map(int), unique=True, max_size=3)
    if isinstance(form_field, forms.ChoiceField):
        return st.sampled_from(_choice_values(form_field))
    return plausible(form_field)


def autosave_bodies(world: World) -> st.SearchStrategy[tuple[bytes | str, str]]:
    ret = world.part_a_return
    ret.refresh_from_db()
    form = PartAReturnForm(layout=tool_layout(ret.tool_version))
    names = [name for name in form.fields if name != "version"]
    good_value = {name: json_plausible(form.fields[name]) for name in names}
    good_entry = st.sampled_from(names).flatmap(lambda name: st.tuples(st.just(name), good_value[name]))
    any_entry = st.sampled_from(names).flatmap(
        lambda name: st.tuples(st.just(name), st.one_of(good_value[name], plausible(form.fields[name]), json_values))
    )
    versions = st.sampled_from([ret.version, ret.version, ret.version - 1, ret.version + 1])
    # As parta.js sends it: the version the page holds and one to a few fields, well typed.
    good = st.fixed_dictionaries(
        {"version": versions, "fields": st.lists(good_entry, min_size=1, max_size=4).map(dict)}
    )
    # The right shape with wrong insides: unknown or mistyped fields, odd versions, extra keys.
    shaped = st.fixed_dictionaries(
        {
            "version": st.one_of(versions, json_values),
            "fields": st.one_of(
                st.lists(any_entry, max_size=5).map(dict),
                st.lists(st.tuples(st.text(max_size=12), json_values), max_size=3).map(dict),
                json_values,
            ),
        },
        optional={"extra": json_values, "Fields": json_values},
    )
    raw = st.one_of(
        st.binary(max_size=200),
        st.text(max_size=100),
        st.integers(1, 400_000).map(lambda depth: "[" * depth + "]" * depth),
        st.integers(1, 400_000).map(lambda depth: '{"version": 0, "fields": ' + '{"a":' * depth + "1" + "}" * depth),
        st.just(HUGE_BODY),
    )
    bodies = st.one_of(good.map(json.dumps), shaped.map(json.dumps), json_values.map(json.dumps), raw)
    content_types = st.sampled_from(
        [
            "application/json",
            "application/json",
            "application/json; charset=latin-1",
            "text/plain",
            "multipart/form-data",
        ]
    )
    return st.tuples(bodies, content_types)


# --- The endpoints ---------------------------------------------------------------------------------


def _none(world: World, user) -> dict[str, st.SearchStrategy]:
    return {}


def _next(*, valid: str = "") -> dict[str, st.SearchStrategy]:
    targets = [valid, "/", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "0", "home", "a\x00b"]
    return {"next": st.sampled_from(targets)}


def _direction() -> dict[str, st.SearchStrategy]:
    return {"direction": st.sampled_from(["up", "down", "", "sideways"])}


def _part_a_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    ret = world.part_a_return
    ret.refresh_from_db()
    fields = fields_of(PartAReturnForm(layout=tool_layout(ret.tool_version)))
    fields["version"] = _versions(ret.version)
    return fields


def _versions(current: int) -> st.SearchStrategy[str]:
    # The version a save is based on: the current one (accepted), an older one (a conflict), forged ones.
    return st.sampled_from([str(current), str(current - 1), str(current + 1), "0"])


def _review_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    world.part_a_return.refresh_from_db()
    fields = fields_of(ReviewForm())
    fields["version"] = _versions(world.part_a_return.version)
    return fields


def _status_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    world.audit.refresh_from_db()
    return fields_of(AuditTransitionForm(audit=world.audit))


def _session_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    current, rows = session_with_attendance(world.audit)
    fields = {"form": st.sampled_from(["details", "attendance", "", "both"])}
    for form in (SessionForm(instance=current), AttendanceForm(rows=rows)):
        fields.update(fields_of(form))
    return fields


def _auditor_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    participant = AuditAgency.objects.select_related("agency").get(audit=world.audit, agency=world.agency)
    return fields_of(ParticipantAuditorForm(participant=participant))


def _judgement_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    sections = [str(pk) for pk in world.audit.tool_version.sections.order_by("order").values_list("pk", flat=True)]
    return {"section": st.sampled_from(["", *sections[:2], "0", "abc"])} | fields_of(
        ConsensusForm(None, audit=world.audit)
    )


def _finding_add_fields(kind: str) -> Callable[[World, Any], dict[str, st.SearchStrategy]]:
    def fields(world: World, user) -> dict[str, st.SearchStrategy]:
        form = FindingForm(audit=world.audit, kind=kind, prefix=kind)
        return fields_of(form)

    return fields


def _finding_edit_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    form = FindingForm(audit=world.audit, kind=world.finding.kind, with_returns=True)
    return fields_of(form)


def _promote_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(PromoteForm(audit=world.audit, user=user))


def _recommendation_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(RecommendationForm(instance=world.recommendation, audit=world.audit))


def _recommendation_status_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    rec = world.recommendation
    form = RecommendationTransitionForm(recommendation=rec, prefix=f"rec-{rec.pk}")
    return {**fields_of(form), "next": st.sampled_from(["", "all", "x"])}


def _briefing_details_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(BriefingDetailsForm(instance=world.managers))


def _section_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    section = world.managers.sections.get(key=world.section_key)
    return fields_of(SectionForm(instance=section))


def _publish_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return {
        "confirm": st.sampled_from(["yes", "", "no", "YES"]),
        "confirm_issues": st.sampled_from(["yes", ""]),
        # What the preview checked showed (a content fingerprint) and when: forged, malformed, missing.
        "draft": st.one_of(st.sampled_from(["", "0" * 64, "A" * 64, "x"]), st.text(max_size=70)),
        "draft_at": st.sampled_from(["", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00", "2026-13-45T99:99", "x"]),
    }


def _cancel_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(AuditCancelForm())


def _withdraw_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(WithdrawForm())


def _feedback_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(FeedbackForm())


def _theme_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(ThemeFilterForm())


def _login_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    usernames = ["qa", "auditor.a", "nobody", "QA", "qa\x00"]
    return {
        "username": st.sampled_from(usernames),
        "password": st.sampled_from([PASSWORD, "wrong", ""]),
        **{n: good for n, good in fields_of(LoginForm()).items() if n not in ("username", "password")},
        **_next(valid="/audits/"),
    }


def _token_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    code = st.one_of(st.integers(0, 999_999).map(lambda n: f"{n:06d}"), st.sampled_from(["", "12 34 56", "abcdefgh"]))
    return {**{n: code for n in fields_of(TokenForm())}, **_next(valid="/audits/")}


def _password_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return {"password": st.sampled_from([PASSWORD, "wrong", "", PASSWORD + "\x00"]), **_next(valid="/audits/")}


def _new_password_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    secret = st.sampled_from(
        [PASSWORD, "wrong", "", PASSWORD + "\x00", "a brand new long passphrase 7", "12345678901234"]
    )
    names = (
        ("old_password", "new_password1", "new_password2") if user is not None else ("new_password1", "new_password2")
    )
    return dict.fromkeys(names, secret)


def _reset_request_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    known = st.sampled_from([world.audit.lead_officer.email, "nobody@example.org", "QA@EXAMPLE.ORG"])
    return {"email": st.one_of(known, *fields_of(ResetRequestForm()).values())}


def _profile_fields(world: World, user) -> dict[str, st.SearchStrategy]:
    return fields_of(ProfileForm())


@dataclass(frozen=True, repr=False)
class Endpoint:
    name: str  # the URL name
    who: str  # the member of the cast who is let in
    fields: Callable[[World, Any], dict[str, st.SearchStrategy]] = _none
    # part_b: the matrix world (its return received); part_a: the audit back in Part A, the return a draft;
    # review: that draft submitted; closed: the audit closed, the recommendation in progress; mfa_device:
    # the QA manager has an authenticator.
    stage: str = "part_b"
    kwargs: Callable[[World], dict] | None = None  # instead of KWARGS[name]
    json: bool = False
    htmx: bool = False
    variant: str = ""
    reaches_view: bool = True  # False where the view's own answer is the sign-in page (logout)

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name

    def __repr__(self) -> str:
        return f"Endpoint({self.id!r} as {self.who})"


ENDPOINTS = [
    # Part A: the auditor's return (a saved draft), its autosave, the QA manager's review, chasing.
    Endpoint("audits:return_detail", "auditor", _part_a_fields, stage="part_a"),
    Endpoint("audits:return_submit", "auditor", _part_a_fields, stage="part_a"),
    Endpoint("audits:return_autosave", "auditor", stage="part_a", json=True),
    Endpoint("audits:return_review", "qa_manager", _review_fields, stage="review"),
    Endpoint("audits:chase_auditor", "qa_manager", lambda w, u: _next(valid="/audits/"), stage="part_a"),
    # Part B.
    Endpoint("audits:audit_status", "qa_manager", _status_fields),
    Endpoint("audits:audit_status", "qa_manager", _status_fields, stage="part_a", variant="from part A"),
    Endpoint("audits:audit_cancel", "lead_officer", _cancel_fields),
    Endpoint("audits:session", "lead_officer", _session_fields),
    Endpoint("audits:participant_auditor", "qa_manager", _auditor_fields),
    Endpoint("audits:participant_auditor", "lead_officer", _auditor_fields, stage="part_a", variant="part A"),
    Endpoint("audits:judgement", "qa_manager", _judgement_fields),
    Endpoint("audits:finding_add", "qa_manager", _finding_add_fields("strength")),
    Endpoint(
        "audits:finding_add",
        "lead_officer",
        _finding_add_fields("agency_improvement"),
        kwargs=lambda w: {"slug": w.audit.slug, "kind": "agency_improvement"},
        variant="agency kind",
    ),
    Endpoint("audits:finding_promote", "qa_manager", _promote_fields),
    Endpoint("audits:finding_edit", "qa_manager", _finding_edit_fields),
    Endpoint("audits:finding_delete", "qa_manager"),
    Endpoint("audits:finding_move", "qa_manager", lambda w, u: _direction()),
    Endpoint("audits:recommendations", "qa_manager", _recommendation_fields),
    Endpoint("audits:recommendation_edit", "lead_officer", _recommendation_fields),
    Endpoint("audits:recommendation_status", "qa_manager", _recommendation_status_fields),
    Endpoint(
        "audits:recommendation_status",
        "qa_manager",
        _recommendation_status_fields,
        stage="closed",
        variant="audit closed",
    ),
    # Insights.
    Endpoint("audits:insights_board_report", "lead_officer", _theme_fields),
    Endpoint("audits:insights_agency_report", "auditor"),
    Endpoint("audits:insights_report_retry", "qa_manager"),
    # Briefings.
    Endpoint("briefings:start", "qa_manager"),
    Endpoint(
        "briefings:start",
        "lead_officer",
        kwargs=lambda w: {"slug": w.audit.slug, "edition": "full"},
        variant="new edition",
    ),
    Endpoint("briefings:details_update", "qa_manager", _briefing_details_fields),
    Endpoint("briefings:section_update", "lead_officer", _section_fields),
    Endpoint("briefings:section_update", "qa_manager", _section_fields, htmx=True, variant="htmx"),
    Endpoint("briefings:section_refresh", "qa_manager"),
    Endpoint("briefings:section_move", "qa_manager", lambda w, u: _direction()),
    Endpoint("briefings:publish", "qa_manager", _publish_fields),
    Endpoint("briefings:version_retry", "lead_officer"),
    Endpoint("briefings:version_withdraw", "qa_manager", _withdraw_fields),
    Endpoint("briefings:feedback_create", "practitioner", _feedback_fields),
    # Signing in and out.
    Endpoint("login", "anonymous", _login_fields),
    Endpoint("logout", "auditor", reaches_view=False),
    Endpoint("mfa_verify", "qa_manager", _token_fields, stage="mfa_device"),
    Endpoint("mfa_setup", "qa_manager", _token_fields),
    Endpoint("reauthenticate", "qa_manager", _password_fields),
    # Passwords.
    Endpoint("password_change", "practitioner", _new_password_fields),
    Endpoint("password_reset", "anonymous", _reset_request_fields),
    Endpoint("password_reset_confirm", "anonymous", _new_password_fields),
    # One's own profile.
    Endpoint("profile", "practitioner", _profile_fields),
    # The administrator's "Try them again" under "E-mails not sent".
    Endpoint("mail_retry", "administrator"),
]


# --- The world each endpoint meets ----------------------------------------------------------------


def prepare(world: World, stage: str, cast: dict) -> None:
    ret = world.part_a_return
    for name in ("Going missing", "Older boyfriend"):  # the shared taxonomy, for the risk factor boxes
        RiskFactor.objects.get_or_create(name=name, defaults={"slug": slugify(name)})
    if stage in ("part_a", "review"):
        Audit.objects.filter(pk=world.audit.pk).update(status=AuditStatus.PART_A)
        world.audit.refresh_from_db()
        layout = tool_layout(ret.tool_version)
        first = layout.standards[0]
        changes = {
            f"s{first.pk}-grade": str(layout.grades[0].pk),
            f"s{first.pk}-evidence": "Seen by the school nurse twice.",
            "strengths": "Quick referral.",
        }
        return_autosave(request=None, user=cast["auditor"], ret=ret, layout=layout, based_on_version=0, changes=changes)
        if stage == "review":
            PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED)
    elif stage == "mfa_device":
        TOTPDevice.objects.create(user=cast["qa_manager"], name="Authenticator app", confirmed=True)
    else:
        # Part B: the return was received, with text a finding can be promoted from.
        PartAReturn.objects.filter(pk=ret.pk).update(
            status=ReturnStatus.ACCEPTED, strengths="Quick referral.", improvements="Late strategy meeting."
        )
        if stage == "closed":
            Audit.objects.filter(pk=world.audit.pk).update(status=AuditStatus.CLOSED)
            Recommendation.objects.filter(pk=world.recommendation.pk).update(status=RecommendationStatus.IN_PROGRESS)
    ret.refresh_from_db()
    world.audit.refresh_from_db()
    world.recommendation.refresh_from_db()


# --- Stored data ---------------------------------------------------------------------------------

SNAPSHOT_APPS = ("audits", "briefings")
SNAPSHOT_MODELS = ("agencies.User", "agencies.OutboxMessage", "otp_static.StaticDevice", "otp_static.StaticToken")
# Written by the database or by the login machinery itself, whatever the outcome of a post.
VOLATILE = {"last_login", "last_t", "last_used_at", "throttling_failure_timestamp", "throttling_failure_count"}


def _snapshot_querysets() -> list[models.QuerySet]:
    chosen = [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in SNAPSHOT_APPS]
    chosen += [apps.get_model(label) for label in SNAPSHOT_MODELS]
    querysets = []
    for model in chosen:
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in VOLATILE and not getattr(f, "auto_now", False)
        ]
        querysets.append(model._default_manager.order_by("pk").values_list(*names))
    # A pending authenticator is made by visiting the set-up page, accepted or not: confirmed ones only.
    querysets.append(TOTPDevice.objects.filter(confirmed=True).order_by("pk").values_list("pk", "user_id", "key"))
    return querysets


def snapshot(querysets: list[models.QuerySet]) -> list[list[tuple]]:
    return [list(qs.all()) for qs in querysets]


# --- Outcomes ------------------------------------------------------------------------------------


def _forms_in(value: Any, depth: int = 0):
    if isinstance(value, forms.BaseForm):
        yield value
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _forms_in(item, depth + 1)
    elif depth < 3 and isinstance(value, list | tuple):
        for item in value:
            yield from _forms_in(item, depth + 1)


def form_has_errors(response) -> bool:
    contexts = response.context
    if contexts is None:
        return False
    contexts = contexts if isinstance(contexts, list) else [contexts]
    for context in contexts:
        for value in context.flatten().values():
            if any(form.is_bound and form.errors for form in _forms_in(value)):
                return True
    return False


def is_rejected(response) -> bool:
    """Whether the post was refused: then nothing stored may have changed."""
    if response.status_code >= 400:
        return True
    if response.status_code in (301, 302, 303) and urlsplit(response["Location"]).path == reverse("reauthenticate"):
        return True
    levels = {m.level for m in get_messages(response.wsgi_request)}
    if message_levels.ERROR in levels:
        return True
    # Shown again with errors, and nothing said to have been saved (a Part A submission that fails its
    # checks saves the draft and says so with a warning: not a rejection).
    return form_has_errors(response) and not levels & {message_levels.SUCCESS, message_levels.WARNING}


def post(client, endpoint: Endpoint, url: str, body: Any):
    headers = {"HTTP_HX_REQUEST": "true"} if endpoint.htmx else {}
    if endpoint.json:
        content, content_type = body
        # generic(), not post(): post() re-encodes bytes to the charset named, failing in the client itself.
        return client.generic("POST", url, content, content_type=content_type, **headers)
    data, encoding = body
    if encoding == "urlencoded":
        return client.post(
            url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded", **headers
        )
    return client.post(url, data, **headers)


# --- Tests ---------------------------------------------------------------------------------------


def test_every_post_endpoint_is_fuzzed():
    """A URL that lets somebody in with POST (docs/permissions.md) and has no endpoint here fails."""
    open_to_post = {
        name
        for (name, method), row in read_table().items()
        if method == "POST" and set(row.values()) - {"404", "405", "login"}
    }
    fuzzed = {endpoint.name for endpoint in ENDPOINTS}
    assert open_to_post - fuzzed == set(), f"POST endpoints without a fuzz test: {sorted(open_to_post - fuzzed)}"


def test_the_snapshot_sees_a_changed_row_or_citation_but_not_the_access_log(
    audit, other_audit, cast, settings, tmp_path
):
    """The oracle can fail: a changed row, a new citation or a new history row shows; a refusal record does not."""
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    world = build_world(audit=audit, cast=cast)
    querysets = _snapshot_querysets()
    before = snapshot(querysets)
    AccessRecord.objects.create(action=AccessAction.REFUSED, summary="ignored")
    cast["qa_manager"].save(update_fields=["last_login"])
    assert snapshot(querysets) == before
    world.finding.cases.add(world.case)  # a many-to-many row only
    assert snapshot(querysets) != before
    before = snapshot(querysets)
    world.recommendation.text = "Changed."
    world.recommendation.save()  # the row and a history row
    assert snapshot(querysets) != before


class FuzzCase:
    # Not a dataclass: hypothesis prints a dataclass field by field, querysets included, on every failure.
    def __init__(self, endpoint: Endpoint, url: str, user: Any, strategy: st.SearchStrategy, querysets: list) -> None:
        self.endpoint, self.url, self.user, self.strategy, self.querysets = endpoint, url, user, strategy, querysets

    def __repr__(self) -> str:
        return f"FuzzCase({self.endpoint!r}, {self.url!r})"


@pytest.fixture
def case(request, audit, other_audit, cast, settings, tmp_path) -> FuzzCase:
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    endpoint: Endpoint = request.param
    world = build_world(audit=audit, cast=cast)
    prepare(world, endpoint.stage, cast)
    user = cast[endpoint.who]
    kwargs = (endpoint.kwargs or KWARGS[endpoint.name])(world)
    url = reverse(endpoint.name, kwargs=kwargs)
    if endpoint.json:
        strategy = autosave_bodies(world)
    else:
        strategy = st.tuples(form_data(endpoint.fields(world, user)), st.sampled_from(["multipart", "urlencoded"]))
    return FuzzCase(endpoint=endpoint, url=url, user=user, strategy=strategy, querysets=_snapshot_querysets())


@pytest.mark.parametrize("case", ENDPOINTS, ids=lambda e: e.id, indirect=True)
@FUZZ
@given(data=st.data())
def test_generated_post(client, case: FuzzCase, data) -> None:
    body = data.draw(case.strategy, label="body")
    with transaction.atomic():
        client.logout()
        if case.user is not None:
            client.force_login(case.user)
        before = snapshot(case.querysets)
        response = post(client, case.endpoint, case.url, body)
        event(f"HTTP {response.status_code}")
        assert response.status_code < 500, response.content[:2000]
        if case.endpoint.reaches_view:
            # The person is let in: the post reached the form or the service, not the door.
            assert response.status_code not in (401, 404, 405)
            assert not (response.status_code == 302 and response["Location"].startswith(reverse("login")))
        if 300 <= response.status_code < 400:
            location = response["Location"]
            assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
        rejected = is_rejected(response)
        event("rejected" if rejected else "accepted")
        if rejected:
            assert snapshot(case.querysets) == before, f"a rejected post ({response.status_code}) changed stored data"
        transaction.set_rollback(True)
