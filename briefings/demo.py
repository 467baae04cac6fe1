"""The demo's published briefing: Dudley's practitioners' learning briefing, as its seed was.

`manage.py load_demo` calls `publish_demo_briefings()` after `audits.demo.demo_load()`, so that the demo
manager and practitioner find a briefing in the library at their first sign-in. It goes through the
same services as the QA manager's pages (drafted from the Part B findings, then published); its PDF
is rendered like any other, by the Celery task queued on commit (run in-process by the demo).

Before publishing, the demo's QA manager edits the draft as Dudley's did, so that the published PDF has
the seed's sections in the seed's order: the key points for managers shown, and the partnership-wide
resources (which in the demo are both seeds' contacts and links) replaced by Dudley's own two
sections, "Remember to use the resources available…" and "Reminder to practitioners".

Dudley's managers' briefing is left undrafted: publishing it is the QA manager's part of the demo.
Safe to run again: an edition that has a published version is left alone.
"""

from __future__ import annotations

from django.db import transaction

from agencies.models import User
from audits.demo import DEMO_EMAIL_DOMAIN, DUDLEY_SLUG
from audits.models import Audit

from .models import Briefing, BriefingSection, BriefingVersion, Edition
from .services import briefing_create, briefing_publish, briefing_section_update

DEMO_PUBLISHED = [(DUDLEY_SLUG, Edition.PRACTITIONERS)]
DEMO_PUBLISHER = "qa.manager"

# The seed's own resource sections (its real addresses replaced: a demo never points at a real mailbox).
DUDLEY_RESOURCES = (
    "Remember to use the resources available…",
    "- **Seek advice and support from the CSE team/ other agencies** – If you have any queries or questions you "
    "can contact other agencies for advice and information, or reassurance on concerns.",
)
DUDLEY_REMINDER = (
    "Reminder to practitioners",
    "- **DSCB child sexual exploitation training** – DSCB offer free face to face training on Child Sexual "
    "Exploitation and related themes. These are available via the DSCB website, by clicking on "
    "[Booking Training](http://safeguarding.dudley.gov.uk/child/work-with-children-young-people/training/).\n"
    "- **Multi-Agency Safeguarding Procedures** – DSCB operate in partnership with the West Midlands LSCB network "
    "for its multi-agency procedures, this cover a wide variety of situations you may encounter. You can access "
    "them at: [West Midlands procedures](http://westmidlands.procedures.org.uk/)\n"
    "- **Dudley's Child Sexual Exploitation Strategy and Screening Tool** – The CSE Strategy and its associated "
    "tools has been designed in line with the West Midlands Regional Framework, to assist practitioners to "
    "recognise and respond effectively for possible child sexual exploitation: [CSE risk assessment]"
    "(http://westmidlands.procedures.org.uk/local-content/4cjN/child-sexual-exploitation-risk-assessment)\n"
    "- **Dudley CSE Team** – The CSE team identifies and ensure system and processes exist to provide support to "
    "victims and those at risk of sexual exploitation. You can contact the team on: "
    f"cse.team@{DEMO_EMAIL_DOMAIN}; or tele: 01384 817777 if you have any concerns or for advice.",
)
# The seed's order; every other section of the draft is hidden.
DUDLEY_ORDER = (
    "introduction",
    "why",
    "methodology",
    "themes",
    "key_messages",
    "manager_points",
    "local_support",
    "learning_points",
    "practitioner_points",
    "training",
    "feedback",
)


def publish_demo_briefings() -> list[BriefingVersion]:
    """Publish each demo edition that has no published version yet; returns the versions published."""
    publisher = User.objects.get(username=DEMO_PUBLISHER)
    published = []
    with transaction.atomic():
        for slug, edition in DEMO_PUBLISHED:
            audit = Audit.objects.get(slug=slug)
            if BriefingVersion.objects.filter(briefing__audit=audit, briefing__edition=edition).exists():
                continue
            briefing = briefing_create(audit=audit, edition=edition, user=publisher)
            if (slug, edition) == (DUDLEY_SLUG, Edition.PRACTITIONERS):
                edit_as_dudley(briefing, publisher)
            published.append(briefing_publish(briefing=briefing, user=publisher))
    return published


def edit_as_dudley(briefing: Briefing, user: User) -> None:
    """What Dudley's QA manager would do in the composer before publishing (see the module's docstring)."""
    replaced = {"local_support": DUDLEY_RESOURCES, "training": DUDLEY_REMINDER}
    for section in briefing.sections.all():
        heading, body = replaced.get(section.key, (section.heading, section.body))
        briefing_section_update(
            section=section, heading=heading, body=body, hidden=section.key not in DUDLEY_ORDER, user=user
        )
    # The composer's "move up / down" buttons one step at a time would end in the same order.
    for order, key in enumerate(DUDLEY_ORDER, start=1):
        BriefingSection.objects.filter(briefing=briefing, key=key).update(order=order * 10)
