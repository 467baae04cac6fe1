"""What a briefing holds, edition by edition, and the first draft of each section.

The sections follow the two published briefings the product was modelled on (Brighton & Hove
LSCB's 2015 managers' briefing and Dudley SCB's 2017 CSE learning briefing). Each section's text
is written in the plain-text format of briefings/markup.py; see that module for how structure
(titled strength blocks, numbered recommendations with their owner) is carried by the text, so
that it survives a person's edits and "refresh from findings" writes it again from Part B. A
finding's own text is read in that format too (_points): a list pasted into one finding prints as
its points, and its further paragraphs as notes under its point, not as one run-on bullet.

Two sections also carry data that is not text: `heatmap` (the Part B grade distribution, an SVG
from audits.charts) and `case_judgements` (the consensus per case, by case reference only, full
report only). Their text is an introduction; the figure and the table are taken from the audit
when the briefing is previewed or published, and frozen into the published version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import apnumber
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import LinkKind
from agencies.selectors import deactivated_addresses
from audits.models import Audit, Finding, FindingKind

from . import markup
from .models import Edition
from .selectors import AuditBriefingData

M, P, F = Edition.MANAGERS, Edition.PRACTITIONERS, Edition.FULL_REPORT


@dataclass(frozen=True)
class SectionSpec:
    key: str
    heading: str
    # The editions that show this section by default; the others get it hidden (it can be shown).
    shown_in: tuple[str, ...]
    # Sections that exist only in these editions (restricted content never reaches another edition).
    only_in: tuple[str, ...] = (M, P, F)
    data: bool = False  # carries a figure or a table besides its text


CATALOGUE: tuple[SectionSpec, ...] = (
    SectionSpec("introduction", gettext_lazy("About this briefing"), (M, P, F)),
    SectionSpec("why", gettext_lazy("Why we did this audit"), (M, P, F)),
    SectionSpec("methodology", gettext_lazy("Methodology"), (M, P, F)),
    SectionSpec("audit_team", gettext_lazy("The audit team"), (M, F)),
    SectionSpec("strengths", gettext_lazy("Overall strengths"), (M, P, F)),
    SectionSpec("themes", gettext_lazy("Emerging themes and risk factors"), (M, P, F)),
    SectionSpec("key_messages", gettext_lazy("Key messages for inter-agency learning"), (M, P, F)),
    SectionSpec("manager_points", gettext_lazy("Key points for managers"), (M, F)),
    SectionSpec("learning_points", gettext_lazy("Learning points"), (M, P, F)),
    SectionSpec("practitioner_points", gettext_lazy("Key learning points for practitioners"), (P, F)),
    SectionSpec("recommendations", gettext_lazy("Recommendations"), (M, F)),
    SectionSpec("agency_findings", gettext_lazy("Strengths and areas for improvement by agency"), (F,), only_in=(F,)),
    SectionSpec("case_judgements", gettext_lazy("Case-level consensus judgements"), (F,), only_in=(F,), data=True),
    SectionSpec("what_next", gettext_lazy("What next?"), (M, F)),
    SectionSpec("local_support", gettext_lazy("Local support"), (M, P, F)),
    SectionSpec("useful_links", gettext_lazy("Useful links"), (M, P, F)),
    SectionSpec("further_reading", gettext_lazy("Further reading"), (M, P, F)),
    SectionSpec("training", gettext_lazy("Training"), (M, P, F)),
    SectionSpec("feedback", gettext_lazy("Feedback"), (M, P, F)),
    # An annex: the chart is wide and gets a landscape page of its own in the PDF.
    SectionSpec("heatmap", gettext_lazy("Annex: grades across standards and agencies"), (M, F), data=True),
)
SPECS = {spec.key: spec for spec in CATALOGUE}
DATA_SECTIONS = frozenset(spec.key for spec in CATALOGUE if spec.data)


def specs_for(edition: str) -> list[SectionSpec]:
    return [spec for spec in CATALOGUE if edition in spec.only_in]


def allowed_in(key: str, edition: str) -> bool:
    spec = SPECS.get(key)
    return spec is not None and edition in spec.only_in


# --- Titles and audiences ---------------------------------------------------------------------


def _in_sentence(name: str) -> str:
    """ "Child sexual exploitation" → "child sexual exploitation"; "CSE" stays as it is."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def default_title(data: AuditBriefingData, edition: str) -> str:
    return audit_default_title(data.audit, edition)


def audit_default_title(audit: Audit, edition: str) -> str:
    """The title an edition's draft starts with: made from the audit's theme or title, never from a case."""
    theme = audit.theme.name
    if edition == M:
        return _("Learning together: managers' briefing on %(theme)s") % {"theme": _in_sentence(theme)}
    if edition == P:
        return _("%(theme)s: learning briefing for practitioners") % {"theme": theme}
    return _("%(title)s: full report") % {"title": audit.title}


def default_audience(edition: str) -> str:
    if edition == M:
        return _("Managers and designated safeguarding leads who work with children and families")
    if edition == P:
        return _("Practitioners across the children's workforce")
    return _("The partnership board, the QA manager and the audit's lead officer (restricted)")


# --- Small text helpers -----------------------------------------------------------------------


def _long_date(value) -> str:
    return date_format(value, "j F Y") if value else ""


def _count(n: int, singular: str, plural: str) -> str:
    return f"{apnumber(n)} {singular if n == 1 else plural}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _lead_in(heading: str, body: str) -> str:
    """ "**Supervision:** Ensure…" or "**Promote** the guide…", as the seeds write them."""
    heading, body = heading.strip(), " ".join(body.split())
    if not heading:
        return body
    if not body:
        return f"**{heading}**"
    # "– the less time…": the writer chose the dash; "of sexual exploitation…": the heading runs on.
    if body[:1].islower() or body[:2] in ("– ", "- ", "— ") or heading[-1:] in ":.?!–-":
        return f"**{heading}** {body}"
    return f"**{heading}:** {body}"


# The indent of the lines under a point: a note to it, or (with a mark) a point within it.
_UNDER = "  "


def _list_labels(block: markup.Block) -> list[str]:
    """The marks a list's points are written with: "- ", or their number or letter ("2. ", "b. ")."""
    if block.kind == "bullets":
        return ["- "] * len(block.items)
    return [f"{label}. " for label in block.labels()]


def _item_lines(item: list, mark: str, indent: str) -> list[str]:
    """A list item of a finding's text, written at `indent` with `mark`, its notes and the points within
    it one indent further down. The format has two levels: below a point within, a point is a note."""
    if item and isinstance(item[0], markup.Block):  # "- " with nothing after it, then points within
        return [line for sub in item[0].items if sub for line in _item_lines(sub, mark, indent)]
    lines: list[str] = []
    for part in item:
        if not isinstance(part, markup.Block):
            lines.append(f"{indent}{mark}{part}" if not lines else f"{indent}{_UNDER}{part}")
            continue
        for sub_mark, sub in zip(_list_labels(part), part.items, strict=True):
            if sub and indent:
                lines.extend(f"{indent}{_UNDER}{text}" for text in sub if isinstance(text, str))
            elif sub:
                lines.extend(_item_lines(sub, sub_mark, _UNDER))
    return lines


def _points(heading: str, body: str) -> list[str]:
    """A finding as points of a bulleted section, in the format of briefings/markup.py. Text of one
    paragraph is one point ("**Heading:** text", as _lead_in writes it). A list in the text keeps its
    points: within the heading's point (or the paragraph before it), or, in a finding that has neither,
    as points of their own. Further paragraphs are notes under the point above them."""
    blocks = [b for b in markup.parse(body) if b.kind != "end"]
    lines: list[str] = []
    lead = bool(heading.strip()) or bool(blocks and blocks[0].kind not in ("bullets", "numbered"))
    if lead:
        first = blocks.pop(0) if blocks and blocks[0].kind not in ("bullets", "numbered") else None
        text = _lead_in(heading, " ".join(first.lines) if first else "")
        if text:
            lines.append(f"- {text}")
    for block in blocks:
        if block.kind in ("bullets", "numbered"):
            items = [(mark, item) for mark, item in zip(_list_labels(block), block.items, strict=True) if item]
            for mark, item in items:
                if lead:
                    lines.extend(_item_lines(item, mark, _UNDER))
                else:
                    lines.extend(_item_lines(item, "- ", ""))
        elif lines:
            lines.append(f"{_UNDER}{' '.join(block.lines)}")
        else:
            lines.append(f"- {' '.join(block.lines)}")
    return lines


def _bullets(findings: list[Finding]) -> str:
    return "\n".join(line for f in findings for line in _points(f.heading, f.body))


def _paragraphs(text: str) -> list[str]:
    """The text's paragraphs (split where markup.py splits them, at a blank line), each on one line."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in [*text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), ""]:
        if not markup.is_blank(line):
            lines.append(line)
        elif lines:
            paragraphs.append(" ".join(" ".join(lines).split()))
            lines = []
    return paragraphs


def _link_line(link) -> str:
    title = link.title.replace("]", ")").replace("[", "(")
    # Each paragraph after the first a line under the link's point, as a support contact's (local_support).
    description = f"\n{_UNDER}".join(_paragraphs(link.description))
    return f"- [{title}]({link.url})" + (f" – {description}" if description else "")


def _library_url() -> str:
    return settings.SITE_URL + reverse("briefings:library")


# --- One builder per section: the text a section starts with ----------------------------------


def introduction(data: AuditBriefingData, edition: str) -> str:
    theme = data.audit.theme.name
    email = data.partnership.contact_address if data.partnership else ""  # not a leaver's
    if edition == M:
        text = _(
            "This short briefing is aimed at managers and designated safeguarding leads who work with children "
            "and families. It presents the key findings and recommendations of the partnership's multi-agency "
            "case file audit on %(theme)s."
        ) % {"theme": _in_sentence(theme)}
        text += "\n\n" + _(
            "A full report is also available. It includes both the learning for multi-agency working and the "
            "strengths and areas for improvement of each agency involved in the cases audited."
        )
        if email:
            text += " " + _("If you would like a copy, please contact us at %(email)s.") % {"email": email}
        return text
    if edition == P:
        return _(
            "This briefing shares the learning from the partnership's multi-agency case file audit on %(theme)s, "
            "so that changes can be made to professional practice across the children's workforce."
        ) % {"theme": _in_sentence(theme)}
    return _(
        "This is the full report of the audit. It is restricted: besides the learning for multi-agency working, "
        "it sets out the strengths and areas for improvement of each agency involved and the Part B group's "
        "consensus judgement on each case. Cases are shown by their audit reference only."
    )


def why(data: AuditBriefingData, edition: str) -> str:
    context = data.audit.context.strip()
    parts = [context] if context else []
    question = " ".join(data.audit.scope_question.split())
    # A context that already ends on the question (as Brighton & Hove's does) is not followed by it again.
    if question and question.lower().rstrip("?") not in " ".join(context.split()).lower():
        parts.append(_("The audit set out to test: **%(question)s**") % {"question": question})
    return "\n\n".join(parts)


def methodology(data: AuditBriefingData, edition: str) -> str:
    """The audit's own methodology text when it has one; what it leaves out (the number of cases,
    the two parts, the Part B date) is written from the audit's data. A Part B session still to come
    (a briefing drafted before the day) is one the auditors will meet at, not one they met at."""
    text = data.audit.methodology.strip()
    to_come = data.part_b_date is not None and data.part_b_date > timezone.localdate()
    lowered = text.lower()
    parts = []
    if "case" not in lowered:
        cases = _sentence(_count(data.cases_count, _("case was"), _("cases were")))
        first = _("%(cases)s selected for the audit") % {"cases": cases}
        if data.audit.cohort_source:
            first += " " + _("from a cohort of %(cohort)s") % {"cohort": data.audit.cohort_source.strip().rstrip(".")}
        parts.append(first + ".")
    if text:
        parts.append(text)
    if "part a" not in lowered:
        journey = ", ".join(data.stages)
        part_a = _("members of the audit team each audited their own agency's records for every case")
        if journey:
            part_a += " " + _("against standards that follow the child's journey (%(journey)s)") % {"journey": journey}
        part_b = _("the auditors will meet") if to_come else _("the auditors met")
        if data.part_b_date:
            part_b += " " + _("on %(date)s") % {"date": _long_date(data.part_b_date)}
        if data.venue:
            part_b += " " + _("at %(venue)s") % {"venue": data.venue}
        part_b += " " + _(
            "to share their findings, agree a consensus judgement on each case and evaluate the overall "
            "effectiveness of the work together"
        )
        intro = _("The audit has two parts:") if to_come else _("The audit had two parts:")
        parts.append(intro + f"\n- **{_('Part A:')}** {part_a}.\n- **{_('Part B:')}** {part_b}.")
    elif data.part_b_date and _long_date(data.part_b_date) not in text:
        where = " " + _("at %(venue)s") % {"venue": data.venue} if data.venue else ""
        held = (
            _("The Part B session will be held on %(date)s%(where)s.")
            if to_come
            else _("The Part B session was held on %(date)s%(where)s.")
        )
        parts.append(held % {"date": _long_date(data.part_b_date), "where": where})
    return "\n\n".join(parts)


def audit_team(data: AuditBriefingData, edition: str) -> str:
    if not data.agencies:
        return ""
    return _("The audit team comprised representatives of:") + "\n\n" + "\n".join(f"- {a}" for a in data.agencies)


def strengths(data: AuditBriefingData, edition: str) -> str:
    """Titled blocks: "## heading" and the finding's text below it. A strength without a heading that
    follows a titled one is ended off from it by a "---" line, or it would print within that block."""
    blocks = []
    titled = False
    for finding in data.findings[FindingKind.STRENGTH]:
        heading, body = finding.heading.strip(), finding.body.strip()
        if heading:
            blocks.append(f"## {heading}\n{body}" if body else f"## {heading}")
            titled = True
        elif body:
            blocks.append(f"---\n{body}" if titled else body)
            titled = False
    return "\n\n".join(blocks)


def themes(data: AuditBriefingData, edition: str) -> str:
    lines = []
    for finding in data.findings[FindingKind.THEME]:
        points = _points(finding.heading, finding.body)
        factors = [rf.name for rf in finding.risk_factors.all()]
        if not points and factors:
            points = [f"- {', '.join(factors)}"]
        lines.extend(points)
    if not lines:
        return ""
    return _("Emerging themes and risk factors identified in the cases audited:") + "\n\n" + "\n".join(lines)


def key_messages(data: AuditBriefingData, edition: str) -> str:
    return _bullets(data.findings[FindingKind.KEY_MESSAGE])


def heatmap(data: AuditBriefingData, edition: str) -> str:
    return _(
        "How the agencies' Part A grades were spread across the standards of the audit tool. Each cell gives "
        "the number of grades at each level, so that patterns across agencies and stages of the child's journey "
        "can be seen at a glance."
    )


def manager_points(data: AuditBriefingData, edition: str) -> str:
    return _bullets(data.findings[FindingKind.MANAGER_POINT])


def learning_points(data: AuditBriefingData, edition: str) -> str:
    return _bullets(data.findings[FindingKind.LEARNING_POINT])


def practitioner_points(data: AuditBriefingData, edition: str) -> str:
    return _bullets(data.findings[FindingKind.PRACTITIONER_POINT])


def recommendations(data: AuditBriefingData, edition: str) -> str:
    """A numbered list; each item has an indented "**Owner:**" line (and the due date, if set)."""
    if not data.recommendations:
        return ""
    intro = _("The audit made the following recommendations. Each one names who will take it forward.")
    items = []
    for n, rec in enumerate(data.recommendations, start=1):
        item = f"{n}. {' '.join(rec.text.split())}"
        owner = rec.owner_name
        if owner or rec.due_date:
            note = f"**{_('Owner:')}** {owner}" if owner else ""
            if rec.due_date:
                due = _("due %(date)s") % {"date": _long_date(rec.due_date)}
                note = f"{note}; {due}" if note else f"**{_('Due:')}** {_long_date(rec.due_date)}"
            item += f"\n   {note}"
        items.append(item)
    return intro + "\n\n" + "\n".join(items)


def agency_findings(data: AuditBriefingData, edition: str) -> str:
    from audits.models import FindingKind as K

    blocks = []
    for agency, kinds in data.agency_findings.items():
        lines = [f"## {agency}"]
        for kind, label in ((K.AGENCY_STRENGTH, _("Strengths")), (K.AGENCY_IMPROVEMENT, _("Areas for improvement"))):
            if kinds[kind]:
                lines.append("")
                lines.append(f"**{label}**")
                lines.extend(line for f in kinds[kind] for line in _points(f.heading, f.body))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def case_judgements(data: AuditBriefingData, edition: str) -> str:
    return _(
        "The Part B group agreed a consensus judgement on each case, stage by stage of the child's journey and "
        "overall. Cases are shown by their audit reference only."
    )


def what_next(data: AuditBriefingData, edition: str) -> str:
    if data.audit.what_next.strip():
        return data.audit.what_next.strip()
    return _(
        "The recommendations will be tracked by the partnership until each one is closed with evidence of its impact."
    )


def local_support(data: AuditBriefingData, edition: str) -> str:
    """One bullet per contact: its name, when to call, and the number in bold (once, where the text has it).
    A description of several paragraphs keeps them: each after the first is a line under the contact's bullet."""
    lines = []
    # A contact's address that is a deactivated account's (somebody who left: the administrator's home page
    # lists it, to be changed) is not given to readers to write to. One query, none for no address.
    left = deactivated_addresses(contact.email for contact in data.support_contacts)
    for contact in data.support_contacts:
        description = f"\n{_UNDER}".join(_paragraphs(contact.description))
        if contact.phone and contact.phone in description:
            description = description.replace(contact.phone, f"**{contact.phone}**", 1)
        elif contact.phone:
            description = (description + " " if description else "") + _("Call **%(phone)s**.") % {
                "phone": contact.phone
            }
        if contact.email and contact.email.lower() not in left and contact.email.lower() not in description.lower():
            description += " " + _("E-mail %(email)s.") % {"email": contact.email}
        if contact.url and contact.url not in description:
            description += " " + contact.url
        lines.append(
            f"- **{contact.name}** – {description.strip()}" if description.strip() else f"- **{contact.name}**"
        )
    return "\n".join(lines)


def training(data: AuditBriefingData, edition: str) -> str:
    parts = []
    intro = data.partnership.training.strip() if data.partnership else ""
    if intro:
        parts.append(intro)
    links = data.links.get(LinkKind.TRAINING, [])
    if links:
        lines = []
        for link in links:
            # The partnership's own course text is printed above already: the link alone will do.
            if intro and " ".join(link.description.split()) == " ".join(intro.split()):
                lines.append(f"- [{link.title}]({link.url})")
            else:
                lines.append(_link_line(link))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def useful_links(data: AuditBriefingData, edition: str) -> str:
    links = data.links.get(LinkKind.USEFUL, []) + data.links.get(LinkKind.PROCEDURE, [])
    return "\n".join(_link_line(link) for link in links)


def further_reading(data: AuditBriefingData, edition: str) -> str:
    return "\n".join(_link_line(link) for link in data.links.get(LinkKind.READING, []))


def feedback(data: AuditBriefingData, edition: str) -> str:
    parts = []
    if data.partnership and data.partnership.feedback_invitation.strip():
        parts.append(data.partnership.feedback_invitation.strip())
    ask = _("You can rate this briefing and leave a comment in the briefings library: %(url)s") % {
        "url": _library_url()
    }
    invitation = parts[0] if parts else ""
    email = data.partnership.contact_address if data.partnership else ""  # not a leaver's
    if email and email not in invitation:
        ask += " " + _("or contact us at %(email)s to make sure your voice is heard.") % {"email": email}
    parts.append(ask)
    return "\n\n".join(parts)


BUILDERS: dict[str, Callable[[AuditBriefingData, str], str]] = {
    "introduction": introduction,
    "why": why,
    "methodology": methodology,
    "audit_team": audit_team,
    "strengths": strengths,
    "themes": themes,
    "key_messages": key_messages,
    "heatmap": heatmap,
    "manager_points": manager_points,
    "learning_points": learning_points,
    "practitioner_points": practitioner_points,
    "recommendations": recommendations,
    "agency_findings": agency_findings,
    "case_judgements": case_judgements,
    "what_next": what_next,
    "local_support": local_support,
    "training": training,
    "useful_links": useful_links,
    "further_reading": further_reading,
    "feedback": feedback,
}
assert set(BUILDERS) == set(SPECS), "every section in the catalogue has a builder"


def section_body(key: str, data: AuditBriefingData, edition: str) -> str:
    return BUILDERS[key](data, edition).strip()
