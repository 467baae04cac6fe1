"""A partnership's support contacts and links may name the audit themes they are for: none named, every
audit's briefings show them; some named, only the briefings of audits of those themes."""

import pytest

from agencies.models import LinkKind, Partnership, PartnershipLink, SupportContact
from audits.consistency import IDENTIFIER, consistency_issues
from audits.models import AuditStatus, FindingKind
from audits.tests.factories import AuditFactory, AuditThemeFactory, FindingFactory
from briefings import services
from briefings.models import Edition
from briefings.selectors import audit_briefing_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def themes():
    return {
        "cse": AuditThemeFactory(name="Child sexual exploitation", slug="cse"),
        "neglect": AuditThemeFactory(name="Neglect", slug="neglect"),
    }


@pytest.fixture
def resources(themes):
    """One contact and one link of each kind for CSE only, and the same for every audit."""
    partnership = Partnership.load()
    made = {"everyone": [], "cse": []}
    for who in made:
        contact = SupportContact.objects.create(
            partnership=partnership, name=f"Helpline {who}", description="Call us.", phone="0800 123 456"
        )
        made[who].append(contact)
        for kind in LinkKind.values:
            made[who].append(
                PartnershipLink.objects.create(
                    partnership=partnership, kind=kind, title=f"{kind} for {who}", url=f"https://example.org/{who}"
                )
            )
    for record in made["cse"]:
        record.themes.set([themes["cse"]])
    return made


def drafted(audit, qa_manager) -> str:
    briefing = services.briefing_create(audit=audit, edition=Edition.FULL_REPORT, user=qa_manager)
    bodies = {s.key: s.body for s in briefing.sections.all()}
    return "\n".join(bodies[key] for key in ("local_support", "training", "useful_links", "further_reading"))


def test_a_cse_only_contact_and_link_are_in_a_cse_briefing_and_not_a_neglect_one(
    resources, themes, lead_officer, qa_manager
):
    cse = AuditFactory(theme=themes["cse"], lead_officer=lead_officer, status=AuditStatus.REPORTING)
    neglect = AuditFactory(theme=themes["neglect"], lead_officer=lead_officer, status=AuditStatus.REPORTING)

    in_cse, in_neglect = drafted(cse, qa_manager), drafted(neglect, qa_manager)

    for kind in LinkKind.values:
        assert f"[{kind} for everyone]" in in_cse and f"[{kind} for everyone]" in in_neglect, kind
        assert f"[{kind} for cse]" in in_cse and f"[{kind} for cse]" not in in_neglect, kind
    assert "**Helpline everyone**" in in_cse and "**Helpline everyone**" in in_neglect
    assert "**Helpline cse**" in in_cse and "**Helpline cse**" not in in_neglect


def test_a_record_for_several_themes_is_listed_once_in_each(resources, themes, lead_officer):
    missing = AuditThemeFactory(name="Missing children", slug="missing")
    for record in resources["cse"]:
        record.themes.add(themes["neglect"], missing)

    data = audit_briefing_data(AuditFactory(theme=themes["neglect"], lead_officer=lead_officer))

    assert [c.name for c in data.support_contacts] == ["Helpline everyone", "Helpline cse"]
    assert {kind: [link.title for link in links] for kind, links in data.links.items()} == {
        kind: [f"{kind} for everyone", f"{kind} for cse"] for kind in LinkKind.values
    }


def test_the_briefings_data_costs_the_same_queries_however_many_themes_and_records(
    themes, lead_officer, django_assert_num_queries
):
    audit = AuditFactory(theme=themes["cse"], lead_officer=lead_officer)
    partnership = Partnership.load()

    def grow(n: int) -> None:
        for i in range(n):
            theme = AuditThemeFactory(name=f"Theme {i} of {n}", slug=f"theme-{i}-{n}")
            contact = SupportContact.objects.create(partnership=partnership, name=f"Line {i} of {n}")
            link = PartnershipLink.objects.create(
                partnership=partnership, title=f"Link {i} of {n}", url="https://x.org"
            )
            for record in (contact, link):
                record.themes.set([theme, themes["cse"]] if i % 2 else [theme])

    # The Part B session, the agencies, the findings and their risk factors (prefetch), the links
    # and the support contacts (one query each, filtered by theme with a join), the stages, the
    # number of cases, the recommendations. The partnership settings come from the cache.
    Partnership.load()  # warm the settings' cache
    grow(1)
    with django_assert_num_queries(QUERIES):
        audit_briefing_data(audit)
    grow(6)
    with django_assert_num_queries(QUERIES):
        data = audit_briefing_data(audit)
    assert len(data.support_contacts) == 3  # the odd ones of the second lot and the first lot's none


# Counted once and written down: any change to the cost should be a conscious one.
QUERIES = 8


def test_a_support_line_for_another_theme_is_still_a_published_number(themes, lead_officer):
    """The consistency checks do not flag the partnership's own numbers, whichever audits they are for."""
    neglect = AuditFactory(theme=themes["neglect"], lead_officer=lead_officer)
    contact = SupportContact.objects.create(partnership=Partnership.load(), name="CSE line", phone="01273 290400")
    contact.themes.set([themes["cse"]])
    FindingFactory(
        audit=neglect, kind=FindingKind.LEARNING_POINT, body="Call the CSE line (01273-290400), not 07700 900123."
    )

    flagged = [issue.message for issue in consistency_issues(neglect) if issue.kind == IDENTIFIER]
    assert len(flagged) == 1 and "07700 900123" in flagged[0] and "290400" not in flagged[0]
