"""Retention: case-level detail of closed audits is removed once the partnership's retention period ends.
A cancelled audit is purged on the same clock, counted from its cancellation (retention_date).

What goes: every free text written about a case (Part A evidence, strengths, areas for improvement, reasons,
comments, consensus reasons, the Part B session's notes), the risk-factor flags of cases and of returns, the
change history holding earlier copies of those texts (with simple-history's tables of the risk factors each
history row held), the earlier versions of the findings and recommendations in their change history (an
identifier edited out of a finding stayed there; their current versions stay, and the history of one deleted
goes), the consensus reasons printed in published full reports (their PDFs are made again without them), and
the text of the audit's briefing drafts that was never published (a draft's sections are taken back to its
newest standing version's, headings and text; a section that version does not print, and every section of a
draft never published, loses its text: briefings.services.drafts_remove_unpublished_text), and so is a
draft's title and audience (those of its newest standing version, or those it was started with:
drafts_reset_unpublished_details). What stays: the audit, its cases as bare references, grades (so aggregates
and charts still add up), findings, recommendations and the published briefings, every version as published.

Lowering the retention period on the partnership's settings page asks before saving when it would bring
audits into the purge's next run (audits_brought_into_purge, read by the purge's own rule, audits_expired).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.models import AccessAction, Partnership
from agencies.services import access_record
from audits.models import (
    Answer,
    Audit,
    AuditStatus,
    Case,
    CaseJudgement,
    Finding,
    PartAReturn,
    PartBSession,
    Recommendation,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeResult:
    audit: Audit
    returns: int
    answers: int
    judgements: int
    briefing_versions: int = 0
    session_notes: int = 0
    risk_factors: int = 0
    earlier_versions: int = 0  # of findings and recommendations, in their change history
    draft_sections: int = 0  # of briefing drafts, holding text never published
    draft_details: int = 0  # briefing drafts whose title or audience was never published


# How much later than "now less the retention period" an audit's retention date can fall: a month end
# (31 January + 1 month is 28 February, while 3 March less 1 month is 3 February) and the clock change.
_CUTOFF_MARGIN = timedelta(days=4)


def _retention_end(ended, months: int):
    """The retention period counted on the local calendar: closed on 31 January, one month later is 28
    (or 29) February, and closed on 30 June at 00:30 BST, six months later is 30 December at 00:30 GMT
    (in UTC the period ended on 29 December)."""
    return timezone.localtime(ended) + relativedelta(months=months)


def retention_date(audit: Audit):
    """When the audit's case-level detail is due to be removed: the partnership's retention period after
    it was closed, or cancelled (a cancelled audit is kept no longer than a closed one: its drafts stay
    read-only until then), on the local calendar. None for an audit still running."""
    ended = audit.cancelled_at if audit.status == AuditStatus.CANCELLED else audit.closed_at
    if ended is None:
        return None
    return _retention_end(ended, Partnership.load().retention_months)


def audits_expired(*, now=None, months: int | None = None) -> list[Audit]:
    """Closed or cancelled audits whose retention date (retention_date, the one the cancellation e-mail
    gives) has come and that still hold case-level detail. One query: those that may have, read with a
    few days' margin, kept when theirs has come. `months`: the retention period to count with, if not the
    partnership's (audits_brought_into_purge)."""
    now = now or timezone.now()
    if months is None:
        months = Partnership.load().retention_months
    cutoff = now - relativedelta(months=months) + _CUTOFF_MARGIN
    ended = Q(status=AuditStatus.CLOSED, closed_at__lte=cutoff) | Q(
        status=AuditStatus.CANCELLED, cancelled_at__lte=cutoff
    )
    candidates = Audit.objects.filter(ended, purged_at__isnull=True).order_by(
        Coalesce("closed_at", "cancelled_at"), "pk"
    )
    return [
        audit
        for audit in candidates
        if _retention_end(audit.cancelled_at if audit.status == AuditStatus.CANCELLED else audit.closed_at, months)
        <= now
    ]


def next_purge_run(now=None) -> datetime:
    """When the purge runs next after `now`, in local time: by Celery beat's purge-expired crontab (every
    night at settings.PURGE_HOUR), worked out by the crontab itself."""
    now = now or timezone.now()
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired"]["schedule"]
    last, delta, _now = schedule.remaining_delta(now, tz=settings.TIME_ZONE)
    return timezone.localtime(last + delta)


# How far ahead lowering the retention period is asked about: the audits it would bring into the purge
# within this time of its next run, not only at that run (typing 2 for 24 when the newest closed audit closed
# a month and 25 days ago would purge it five days later, unasked).
PURGE_QUESTION_AHEAD = timedelta(days=31)


def audits_brought_into_purge(*, months: int, current: int, now=None) -> list[Audit]:
    """The audits whose case-level detail the purge would remove with a retention period of `months` by
    PURGE_QUESTION_AHEAD after its next run (next_purge_run after `now`), and would not remove at that run
    with the `current` one: what lowering the period brings into the purge, which the partnership's settings
    page asks about before saving it. Each has `purge_run`, the run that would remove it (the next one, or a
    later night's). Read by the purge's own rule (audits_expired, once with each period: two queries); none
    when `months` is not lower."""
    if months >= current:
        return []
    next_run = next_purge_run(now)
    due_now = {audit.pk for audit in audits_expired(now=next_run, months=current)}
    brought = [
        audit for audit in audits_expired(now=next_run + PURGE_QUESTION_AHEAD, months=months) if audit.pk not in due_now
    ]
    for audit in brought:
        ends = _retention_end(audit.cancelled_at if audit.status == AuditStatus.CANCELLED else audit.closed_at, months)
        audit.purge_run = next_run if ends <= next_run else next_purge_run(ends - timedelta(microseconds=1))
    return brought


def _m2m_history_models(history_model: type[models.Model]) -> list[type[models.Model]]:
    """simple-history's tables of the m2m values each history row held (a Finding's risk factors,
    cases and returns), tied to the history rows with no constraint (DO_NOTHING)."""
    return [
        model
        for model in apps.get_models()
        if any(f.name == "history" and f.related_model is history_model for f in model._meta.fields)
    ]


def _earlier_history(model: type[models.Model], audit: Audit) -> models.QuerySet:
    """The history rows of an audit's findings (or recommendations) but each current one's latest:
    the earlier versions of their texts, and every version of one deleted since."""
    history = model.history.model.objects
    latest = (
        history.filter(id__in=model.objects.filter(audit=audit).values("pk"))
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    return history.filter(audit_id=audit.pk).exclude(history_id__in=latest)


def _delete_history(rows: models.QuerySet) -> int:
    """Delete these history rows, with the m2m values each held: those go first, as no constraint ties
    them to the rows (deleting the rows alone left them behind). How many rows were deleted."""
    for m2m_model in _m2m_history_models(rows.model):
        m2m_model.objects.filter(history_id__in=rows.values("history_id")).delete()
    return rows.delete()[0]


@transaction.atomic
def _holding_text(returns):
    """Of `returns`, those with anything written in their texts."""
    return returns.exclude(strengths="", improvements="", no_involvement_reason="", amendment_comment="")


def audit_purge_case_detail(*, audit: Audit, user=None) -> PurgeResult:
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    if audit.purged_at is not None:
        # Purged meanwhile by another run that listed it too (beat fired twice, the command run by
        # hand): nothing is left to remove, and a second access record would say otherwise.
        return PurgeResult(audit=audit, returns=0, answers=0, judgements=0)
    returns = PartAReturn.objects.filter(audit=audit)
    answers = Answer.objects.filter(part_a_return__audit=audit)
    judgements = CaseJudgement.objects.filter(case__audit=audit)
    return_ids = list(returns.values_list("pk", flat=True))
    answer_ids = list(answers.values_list("pk", flat=True))
    judgement_ids = list(judgements.values_list("pk", flat=True))

    # Queryset updates write no history rows; the history that exists is deleted below. Counted as the dry run
    # counts them (audit_purge_preview): the rows that held text.
    n_returns = _holding_text(returns).count()
    returns.update(
        strengths="",
        improvements="",
        no_involvement_reason="",
        amendment_comment="",
        comment_identifiers_confirmed=[],
        identifiers_confirmed=False,
    )
    n_answers = answers.exclude(evidence="").update(evidence="")
    n_judgements = judgements.exclude(reasons="").update(reasons="")
    # The session's notes are about the cases discussed; its date, venue, chair and attendance stay.
    n_session_notes = PartBSession.objects.filter(audit=audit).exclude(notes="").update(notes="")
    n_risk_factors = (
        PartAReturn.risk_factors.through.objects.filter(partareturn_id__in=return_ids).delete()[0]
        + Case.risk_factors.through.objects.filter(case__audit=audit).delete()[0]
    )

    # The returns' history with the risk factors each history row held (simple-history's own table).
    _delete_history(PartAReturn.history.model.objects.filter(id__in=return_ids))
    _delete_history(Answer.history.model.objects.filter(id__in=answer_ids))
    _delete_history(CaseJudgement.history.model.objects.filter(id__in=judgement_ids))
    n_earlier = sum(_delete_history(_earlier_history(model, audit)) for model in (Finding, Recommendation))

    # Imported here: briefings build on audits, not the other way round.
    from briefings.services import (
        drafts_remove_unpublished_text,
        drafts_reset_unpublished_details,
        versions_remove_case_detail,
    )

    n_versions = len(versions_remove_case_detail(audit=audit))
    # The sections changed are dated with the purge itself: an editor whose page was open meanwhile is told their
    # save was refused because of the purge (briefings.services.SectionConflict), not because of "someone else".
    purged_at = timezone.now()
    n_draft_sections = drafts_remove_unpublished_text(audit=audit, now=purged_at)
    n_draft_details = drafts_reset_unpublished_details(audit=audit, now=purged_at)

    audit.purged_at = purged_at
    audit.save(update_fields=["purged_at"])
    summary = (
        f"Case-level detail removed: {n_returns} returns, {n_answers} answers, {n_judgements} judgements"
        + (", the Part B session's notes" if n_session_notes else "")
        + (f", {n_earlier} earlier versions of findings and recommendations" if n_earlier else "")
        + (f", reasons in {n_versions} published full report(s)" if n_versions else "")
        + (f", the unpublished text of {n_draft_sections} briefing draft section(s)" if n_draft_sections else "")
        + (f", the unpublished title or audience of {n_draft_details} briefing draft(s)" if n_draft_details else "")
    )
    access_record(user=user, action=AccessAction.PURGE, obj=audit, summary=summary)
    # The worker's log says it too (the Celery task returns the slugs only): counts, no case content.
    logger.info("Retention purge of %s: %s", audit.slug, summary)
    return PurgeResult(
        audit=audit,
        returns=n_returns,
        answers=n_answers,
        judgements=n_judgements,
        briefing_versions=n_versions,
        session_notes=n_session_notes,
        risk_factors=n_risk_factors,
        earlier_versions=n_earlier,
        draft_sections=n_draft_sections,
        draft_details=n_draft_details,
    )


def audit_purge_preview(*, audit: Audit) -> PurgeResult:
    """What audit_purge_case_detail would remove, changing nothing: the returns holding any text, the
    answers holding evidence, the judgements holding reasons, the risk-factor flags of returns and
    cases, the session's notes, the earlier versions of findings and recommendations, the published full
    reports to be made again without reasons, and the briefing draft sections holding unpublished text."""
    # Briefings build on audits, not the other way round.
    from briefings.models import BriefingVersion
    from briefings.services import drafts_remove_unpublished_text, drafts_reset_unpublished_details

    returns = _holding_text(PartAReturn.objects.filter(audit=audit))
    versions = BriefingVersion.objects.filter(briefing__audit=audit, withdrawn_at__isnull=True).values_list(
        "content", flat=True
    )
    return PurgeResult(
        audit=audit,
        returns=returns.count(),
        answers=Answer.objects.filter(part_a_return__audit=audit).exclude(evidence="").count(),
        judgements=CaseJudgement.objects.filter(case__audit=audit).exclude(reasons="").count(),
        # As versions_remove_case_detail chooses them: those printing a consensus reason.
        briefing_versions=sum(
            any(row.get("reasons") for row in ((content or {}).get("case_judgements") or {}).get("rows") or [])
            for content in versions
        ),
        session_notes=PartBSession.objects.filter(audit=audit).exclude(notes="").count(),
        risk_factors=PartAReturn.risk_factors.through.objects.filter(partareturn__audit=audit).count()
        + Case.risk_factors.through.objects.filter(case__audit=audit).count(),
        earlier_versions=sum(_earlier_history(model, audit).count() for model in (Finding, Recommendation)),
        draft_sections=drafts_remove_unpublished_text(audit=audit, dry_run=True),
        draft_details=drafts_reset_unpublished_details(audit=audit, dry_run=True),
    )


def purge_expired(*, dry_run: bool = False, now=None) -> list[PurgeResult]:
    """Purge every expired audit; with dry_run, say what would be removed from each (audit_purge_preview)."""
    expired = audits_expired(now=now)
    if dry_run:
        return [audit_purge_preview(audit=audit) for audit in expired]
    return [audit_purge_case_detail(audit=audit) for audit in expired]
