"""Consistency checks before an audit's briefing is published.

`consistency_issues(audit)` lists what a careful QA manager would look for, each with a link to the
page where it is fixed. They are warnings, not locks: publishing asks for a confirmation while any
remain. The rules, precisely:

- **Graded without evidence** (`no_evidence`): a graded answer with empty evidence, in a received
  (submitted or accepted) return for a case the agency was involved in. One issue per return.
- **Good contradicted** (`contradiction`): an answer in the upper half of the scale (Outstanding or
  Good on the four-point scale) while the same return's "areas for improvement" names that
  standard's code (e.g. "R2") or its journey stage (e.g. "Assessment") as a whole word. One issue
  per return and stage.
- **Inadequate without a recommendation** (`inadequate`): a consensus judgement (for a stage or the
  case overall) at the lowest step of the scale, while no recommendation of the audit is linked to
  a finding that cites that case (directly, or through one of its Part A returns). One issue per case.
- **Theme without a learning point** (`theme`): an emerging theme / risk factor finding none of
  whose risk factors tags a learning point, a key learning point for practitioners or a key point
  for managers of the same audit (an untagged theme is reported too).
- **Divergence without reasons** (`divergence`): a consensus judgement with no reasons recorded,
  while a received return graded that case two or more steps away from it (its overall grade for
  the overall judgement; any answer in the stage for a stage judgement). One issue per judgement.
- **Possible identifier** (`identifier`): free text that audits/identifiers.py flags (an NHS
  number, a date of birth, a postcode, a phone number) in what a briefing is made from: findings,
  recommendations, consensus reasons, the audit's briefing drafts (their titles, audiences and shown
  sections); in Part A returns whose auditor has not confirmed the flags; in the comments left for
  auditors when a return was returned for amendment or unlocked (kept on the return, whatever its
  status, and not covered by the auditor's confirmation); and in the Part B session's notes and
  other attendees. The partnership's own support lines (the phone
  numbers and postcodes in its settings' local support contacts, which every practitioners'
  briefing prints) identify a service, not a child: they are not flagged, however written.

Once the audit's case-level detail is purged (audit.purged_at, audits.services.retention), the
checks that read what the purge removed (evidence, areas for improvement, consensus reasons) are
skipped: every graded answer would otherwise be "graded without evidence".

Queries: a fixed number (about ten) whatever the size of the audit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.selectors import published_identifier_keys
from audits.identifiers import age_range_from_band, find_identifiers, identifier_key
from audits.models import (
    Answer,
    Audit,
    CaseJudgement,
    Finding,
    FindingKind,
    PartAReturn,
    Recommendation,
)
from audits.selectors.partb import RECEIVED_STATUSES

NO_EVIDENCE = "no_evidence"
CONTRADICTION = "contradiction"
INADEQUATE = "inadequate"
THEME = "theme"
DIVERGENCE = "divergence"
IDENTIFIER = "identifier"

KIND_LABELS = {
    NO_EVIDENCE: gettext_lazy("Graded without evidence"),
    CONTRADICTION: gettext_lazy("Good or better, contradicted by the return's areas for improvement"),
    INADEQUATE: gettext_lazy("Inadequate judgement with no recommendation addressing it"),
    THEME: gettext_lazy("Theme with no learning point"),
    DIVERGENCE: gettext_lazy("Grade two or more steps from the consensus, no reason recorded"),
    IDENTIFIER: gettext_lazy("Possible identifier in free text"),
}
KIND_ORDER = [NO_EVIDENCE, CONTRADICTION, INADEQUATE, THEME, DIVERGENCE, IDENTIFIER]
LEARNING_KINDS = (FindingKind.LEARNING_POINT, FindingKind.PRACTITIONER_POINT, FindingKind.MANAGER_POINT)
RETURN_TEXT_FIELDS = ("strengths", "improvements", "no_involvement_reason")


@dataclass(frozen=True)
class Issue:
    kind: str
    message: str
    url: str
    # Whether the page at `url` can still fix it once the audit is closed: a briefing's text (a closed
    # audit's briefing can be corrected), a recommendation's evidence of impact (tracked until it is closed).
    # Returns, judgements, findings and what recommendations say are read-only then
    # (audits.services.partb.PART_B_EDITABLE).
    fixable_when_closed: bool = False

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _return_url(ret_id: int) -> str:
    return reverse("audits:return_detail", args=[ret_id])


def _who(ret: PartAReturn) -> str:
    return f"{ret.case.reference}, {ret.agency.short_name}"


def _mentions(text: str, word: str) -> bool:
    return bool(word) and re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text, re.IGNORECASE) is not None


@dataclass
class _Data:
    audit: Audit
    returns: dict[int, PartAReturn]
    answers: list[dict]
    judgements: list[CaseJudgement]
    findings: list[Finding]
    finding_factors: dict[int, set[int]]
    finding_cases: dict[int, set[int]]
    recommendations: list[Recommendation]
    rec_findings: dict[int, set[int]]
    steps: int
    briefings: list  # the audit's briefing drafts (every draft has its sections)
    briefing_sections: list  # their shown sections
    published_contacts: set[str]  # agencies.selectors.published_identifier_keys
    commented: list[PartAReturn]  # returns of any status holding a comment for their auditor
    session_texts: dict[str, str]  # the Part B session's notes and other attendees ("" without a session)


def _load(audit: Audit) -> _Data:
    # Every return, in one query: the received ones for the checks, any one for its review comment.
    all_returns = list(
        PartAReturn.objects.filter(audit=audit)
        .select_related("case", "agency", "overall_grade")
        .order_by("case__order", "case__reference", "agency__name")
    )
    returns = {r.pk: r for r in all_returns if r.status in RECEIVED_STATUSES}
    answers = list(
        Answer.objects.filter(part_a_return_id__in=list(returns))
        .values(
            "part_a_return_id",
            "evidence",
            "grade__rank",
            "standard__code",
            "standard__section_id",
            "standard__section__title",
        )
        .order_by("standard__section__order", "standard__order")
    )
    findings = list(Finding.objects.filter(audit=audit).order_by("kind", "order", "pk"))
    finding_factors: dict[int, set[int]] = defaultdict(set)
    for finding_id, rf_id in Finding.risk_factors.through.objects.filter(finding__audit=audit).values_list(
        "finding_id", "riskfactor_id"
    ):
        finding_factors[finding_id].add(rf_id)
    finding_cases: dict[int, set[int]] = defaultdict(set)
    for finding_id, case_id in Finding.cases.through.objects.filter(finding__audit=audit).values_list(
        "finding_id", "case_id"
    ):
        finding_cases[finding_id].add(case_id)
    for finding_id, case_id in Finding.returns.through.objects.filter(finding__audit=audit).values_list(
        "finding_id", "partareturn__case_id"
    ):
        finding_cases[finding_id].add(case_id)
    rec_findings: dict[int, set[int]] = defaultdict(set)
    for rec_id, finding_id in Recommendation.findings.through.objects.filter(recommendation__audit=audit).values_list(
        "recommendation_id", "finding_id"
    ):
        rec_findings[rec_id].add(finding_id)
    from briefings.models import BriefingSection  # briefings builds on audits, not the other way round

    # Every section (hidden ones too) with its briefing: the briefings' titles and audiences come with them.
    sections = list(
        BriefingSection.objects.filter(briefing__audit=audit)
        .select_related("briefing")
        .order_by("briefing__edition", "order")
    )
    # The scale's steps and the Part B session's texts, in one query (an audit has at most one session).
    audit_row = (
        Audit.objects.filter(pk=audit.pk)
        .values("session__notes", "session__other_attendees")
        .annotate(steps=Count("tool_version__scale__grades", distinct=True))
        .get()
    )
    return _Data(
        audit=audit,
        returns=returns,
        answers=answers,
        judgements=list(
            CaseJudgement.objects.filter(case__audit=audit)
            .select_related("case", "section", "grade")
            .order_by("case__order", "case__reference", "section__order")
        ),
        findings=findings,
        finding_factors=finding_factors,
        finding_cases=finding_cases,
        recommendations=list(audit.recommendations.order_by("order", "pk")),
        rec_findings=rec_findings,
        steps=audit_row["steps"],
        briefings=list({section.briefing_id: section.briefing for section in sections}.values()),
        briefing_sections=[section for section in sections if not section.hidden],
        published_contacts=published_identifier_keys(),
        commented=[r for r in all_returns if r.amendment_comment],
        session_texts={
            "notes": audit_row["session__notes"] or "",
            "other_attendees": audit_row["session__other_attendees"] or "",
        },
    )


def _no_evidence(data: _Data) -> list[Issue]:
    missing: dict[int, list[str]] = defaultdict(list)
    for a in data.answers:
        ret = data.returns[a["part_a_return_id"]]
        if a["grade__rank"] is not None and not ret.no_involvement and not a["evidence"].strip():
            missing[ret.pk].append(a["standard__code"])
    return [
        Issue(
            NO_EVIDENCE,
            _("%(who)s: %(codes)s graded without evidence.")
            % {"who": _who(data.returns[ret_id]), "codes": ", ".join(codes)},
            _return_url(ret_id),
        )
        for ret_id, codes in missing.items()
    ]


def _contradictions(data: _Data) -> list[Issue]:
    good_ranks = max(data.steps // 2, 1)
    found: dict[tuple[int, str], list[str]] = defaultdict(list)
    for a in data.answers:
        ret = data.returns[a["part_a_return_id"]]
        rank = a["grade__rank"]
        if rank is None or rank > good_ranks or ret.no_involvement or not ret.improvements.strip():
            continue
        stage = a["standard__section__title"]
        if _mentions(ret.improvements, a["standard__code"]) or _mentions(ret.improvements, stage):
            found[(ret.pk, stage)].append(a["standard__code"])
    return [
        Issue(
            CONTRADICTION,
            _(
                "%(who)s: %(codes)s (%(stage)s) graded Good or better, but the return's areas for improvement mention it."
            )
            % {"who": _who(data.returns[ret_id]), "codes": ", ".join(codes), "stage": stage},
            _return_url(ret_id),
        )
        for (ret_id, stage), codes in found.items()
    ]


def _inadequate(data: _Data) -> list[Issue]:
    addressed_cases: set[int] = set()
    for finding_ids in data.rec_findings.values():
        for finding_id in finding_ids:
            addressed_cases |= data.finding_cases.get(finding_id, set())
    stages: dict[int, list[str]] = defaultdict(list)
    cases = {}
    for j in data.judgements:
        if j.grade.rank == data.steps and j.case_id not in addressed_cases:
            stages[j.case_id].append(j.section.title if j.section_id else _("overall"))
            cases[j.case_id] = (j.case, j.grade.label)
    url = reverse("audits:recommendations", args=[data.audit.slug])
    return [
        Issue(
            INADEQUATE,
            _("%(case)s was judged %(grade)s (%(stages)s) and no recommendation is linked to a finding citing it.")
            % {"case": cases[case_id][0].reference, "grade": cases[case_id][1], "stages": ", ".join(names)},
            url,
        )
        for case_id, names in stages.items()
    ]


def _themes(data: _Data) -> list[Issue]:
    covered: set[int] = set()
    for f in data.findings:
        if f.kind in LEARNING_KINDS:
            covered |= data.finding_factors.get(f.pk, set())
    issues = []
    findings_url = reverse("audits:findings", args=[data.audit.slug])
    for f in data.findings:
        if f.kind != FindingKind.THEME:
            continue
        factors = data.finding_factors.get(f.pk, set())
        if factors & covered:
            continue
        if factors:
            message = _("“%(theme)s” has no learning point tagged with the same risk factor.")
        else:
            message = _("“%(theme)s” is tagged with no risk factor, so no learning point can answer it.")
        issues.append(Issue(THEME, message % {"theme": str(f)[:80]}, f"{findings_url}#finding-{f.pk}"))
    return issues


def _divergence(data: _Data) -> list[Issue]:
    stage_ranks: dict[tuple[int, int], list[tuple[int, PartAReturn]]] = defaultdict(list)
    for a in data.answers:
        ret = data.returns[a["part_a_return_id"]]
        if a["grade__rank"] is not None and not ret.no_involvement:
            stage_ranks[(ret.case_id, a["standard__section_id"])].append((a["grade__rank"], ret))
    overall: dict[int, list[tuple[int, PartAReturn]]] = defaultdict(list)
    for ret in data.returns.values():
        if ret.overall_grade_id and not ret.no_involvement:
            overall[ret.case_id].append((ret.overall_grade.rank, ret))
    issues = []
    for j in data.judgements:
        if j.reasons.strip():
            continue
        graded = stage_ranks[(j.case_id, j.section_id)] if j.section_id else overall[j.case_id]
        far = sorted({ret.agency.short_name for rank, ret in graded if abs(rank - j.grade.rank) >= 2})
        if not far:
            continue
        anchor = f"stage-{j.section_id}" if j.section_id else "overall"
        board = reverse("audits:evidence_board", args=[data.audit.slug, j.case_id])
        issues.append(
            Issue(
                DIVERGENCE,
                _(
                    "%(case)s, %(stage)s: consensus %(grade)s, but %(agencies)s graded two or more steps away; no reasons recorded."
                )
                % {
                    "case": j.case.reference,
                    "stage": j.section.title if j.section_id else _("overall"),
                    "grade": j.grade.label,
                    "agencies": ", ".join(far),
                },
                f"{board}#{anchor}",
            )
        )
    return issues


# Every identifier the guard looks for has a digit in it (NHS numbers, postcodes, phone numbers, dates,
# record numbers) or an "@" (e-mail addresses, social media names): a text with neither is skipped
# before the guard's dozen patterns run over it. At 50 audits the checks read about 6,000 answers'
# evidence per audit, most of it prose.
_MAY_HOLD_AN_IDENTIFIER_RE = re.compile(r"[\d@]")


def _flagged(text: str, published: set[str], **guard) -> list[str]:
    if not text or _MAY_HOLD_AN_IDENTIFIER_RE.search(text) is None:
        return []
    return [m.text for m in find_identifiers(text, **guard) if identifier_key(m) not in published]


def _identifiers(data: _Data) -> list[Issue]:
    audit = data.audit
    reference_date = audit.part_a_due or timezone.localdate(audit.created_at)
    issues: list[Issue] = []

    def flagged(text: str, confirmed: Collection[str] = (), **guard) -> list[str]:
        """What may identify someone in the text, but the partnership's published contacts and the
        details (identifier_key) its writer confirmed."""
        skip = data.published_contacts | set(confirmed)
        return _flagged(text, skip, **{"reference_date": reference_date, **guard})

    def add(where: str, texts: list[str], url: str, fixable_when_closed: bool = False) -> None:
        if texts:
            found = ", ".join(f"“{t}”" for t in dict.fromkeys(texts))
            issues.append(
                Issue(
                    IDENTIFIER,
                    _("%(where)s: %(found)s may identify someone.") % {"where": where, "found": found},
                    url,
                    fixable_when_closed,
                )
            )

    findings_url = reverse("audits:findings", args=[audit.slug])
    for f in data.findings:
        add(
            _("Finding “%(f)s”") % {"f": str(f)[:60]},
            flagged(f.heading) + flagged(f.body),
            f"{findings_url}#finding-{f.pk}",
        )
    recommendations_url = reverse("audits:recommendations", args=[audit.slug])
    for n, rec in enumerate(data.recommendations, start=1):
        add(
            _("Recommendation %(n)s") % {"n": n},
            flagged(rec.text),
            reverse("audits:recommendation_edit", args=[audit.slug, rec.pk]),
        )
        # Its evidence of impact is written on its status form, not its edit page, and still tracked once the
        # audit is closed; a recommendation closed itself is reopened there first, back to complete
        # (services.partb.recommendation_transition).
        add(
            _("Recommendation %(n)s, its evidence of impact") % {"n": n},
            flagged(rec.impact_evidence),
            f"{recommendations_url}#status-{rec.pk}",
            fixable_when_closed=True,
        )
    for j in data.judgements:
        guard = {"age_range": age_range_from_band(j.case.age_band)}
        anchor = f"stage-{j.section_id}" if j.section_id else "overall"
        add(
            _("Consensus reasons, %(case)s") % {"case": j.case.reference},
            flagged(j.reasons, **guard),
            f"{reverse('audits:evidence_board', args=[audit.slug, j.case_id])}#{anchor}",
        )
    evidence_by_return: dict[int, list[str]] = defaultdict(list)
    for a in data.answers:
        evidence_by_return[a["part_a_return_id"]].append(a["evidence"])
    for ret in data.returns.values():
        if ret.identifiers_confirmed:
            continue
        guard = {"age_range": age_range_from_band(ret.case.age_band)}
        texts = [getattr(ret, name) for name in RETURN_TEXT_FIELDS] + evidence_by_return[ret.pk]
        add(
            _("Part A return %(who)s (not confirmed by the auditor)") % {"who": _who(ret)},
            [t for text in texts for t in flagged(text, **guard)],
            _return_url(ret.pk),
        )
    for ret in data.commented:
        add(
            _("Comment for the auditor, Part A return %(who)s") % {"who": _who(ret)},
            flagged(
                ret.amendment_comment,
                ret.comment_identifiers_confirmed or (),
                age_range=age_range_from_band(ret.case.age_band),
            ),
            _return_url(ret.pk),
        )
    session_url = reverse("audits:session", args=[audit.slug])
    add(_("Part B session notes"), flagged(data.session_texts["notes"]), session_url)
    add(_("Part B session, other attendees"), flagged(data.session_texts["other_attendees"]), session_url)
    for briefing in data.briefings:
        url = reverse("briefings:composer", args=[audit.slug, briefing.edition])
        add(
            _("%(edition)s, title and audience") % {"edition": briefing.get_edition_display()},
            flagged(briefing.title) + flagged(briefing.audience),
            f"{url}#id_title",
            fixable_when_closed=True,
        )
    for section in data.briefing_sections:
        briefing = section.briefing
        url = reverse("briefings:composer", args=[audit.slug, briefing.edition])
        add(
            _("%(edition)s, section “%(heading)s”")
            % {"edition": briefing.get_edition_display(), "heading": section.heading},
            flagged(section.heading) + flagged(section.body),
            f"{url}#card-{section.key}",
            fixable_when_closed=True,
        )
    return issues


def consistency_issues(audit: Audit) -> list[Issue]:
    """Every issue, grouped by kind in KIND_ORDER."""
    data = _load(audit)
    # A purged audit has no evidence, areas for improvement or consensus reasons left to check.
    purged = audit.purged_at is not None
    return [
        *([] if purged else _no_evidence(data)),
        *([] if purged else _contradictions(data)),
        *_inadequate(data),
        *_themes(data),
        *([] if purged else _divergence(data)),
        *_identifiers(data),
    ]


def issues_by_kind(issues: list[Issue]) -> list[tuple[str, str, list[Issue]]]:
    grouped: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:
        grouped[issue.kind].append(issue)
    return [(kind, str(KIND_LABELS[kind]), grouped[kind]) for kind in KIND_ORDER if grouped.get(kind)]
