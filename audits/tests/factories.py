import factory

from agencies.tests.factories import AgencyFactory, UserFactory
from audits import models


class AuditThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AuditTheme
        django_get_or_create = ("slug",)

    name = "Child sexual exploitation"
    slug = "cse"


class RiskFactorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RiskFactor
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Risk factor {n}")
    slug = factory.Sequence(lambda n: f"risk-factor-{n}")


GRADES = [
    ("outstanding", "Outstanding"),
    ("good", "Good"),
    ("requires-improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]


def make_scale(name: str = "Ofsted four-point scale") -> models.GradeScale:
    scale, created = models.GradeScale.objects.get_or_create(name=name)
    if created:
        for rank, (code, label) in enumerate(GRADES, start=1):
            models.Grade.objects.create(scale=scale, rank=rank, code=code, label=label)
    return scale


JOURNEY = ["Response", "Assessment", "Planning", "Intervention", "Protection", "Outcomes"]


def make_tool_version(*, standards: int = 10, sections: int = 5, name: str | None = None) -> models.ToolVersion:
    """A versioned tool whose `standards` standards are spread over `sections` journey stages."""
    tool = models.AuditTool.objects.create(name=name or f"Tool {models.AuditTool.objects.count() + 1}")
    version = models.ToolVersion.objects.create(tool=tool, number=1, scale=make_scale())
    section_objs = [
        models.Section.objects.create(
            version=version, order=i + 1, title=JOURNEY[i % len(JOURNEY)] + ("" if i < len(JOURNEY) else f" {i}")
        )
        for i in range(sections)
    ]
    for n in range(standards):
        section = section_objs[n % sections]
        models.Standard.objects.create(
            section=section,
            order=n + 1,
            code=f"{section.title[0]}{n + 1}",
            text=f"Standard {n + 1}: the agency responded to the risk in a timely way.",
            guidance="Look at the first contact and what happened next.",
        )
    return version


class AuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Audit

    title = factory.Sequence(lambda n: f"Multi-agency audit {n}")
    slug = factory.Sequence(lambda n: f"audit-{n}")
    theme = factory.SubFactory(AuditThemeFactory)
    scope_question = "Is there a robust inter-agency response that keeps children safe?"
    tool_version = factory.LazyFunction(make_tool_version)
    status = models.AuditStatus.PART_A


class AuditAgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AuditAgency

    audit = factory.SubFactory(AuditFactory)
    agency = factory.SubFactory(AgencyFactory)
    auditor = factory.LazyAttribute(lambda p: UserFactory(agency=p.agency))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Case

    audit = factory.SubFactory(AuditFactory)
    reference = factory.Sequence(lambda n: f"Case {n + 1}")
    order = factory.Sequence(lambda n: n)
    age_band = models.AgeBand.AGE_13_15
    gender = models.Gender.FEMALE


class PartAReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartAReturn

    case = factory.SubFactory(CaseFactory)
    audit = factory.LazyAttribute(lambda r: r.case.audit)
    agency = factory.SubFactory(AgencyFactory)
    tool_version = factory.LazyAttribute(lambda r: r.audit.tool_version)


def make_returns(audit: models.Audit) -> list[models.PartAReturn]:
    """One not-started return per case × participating agency, as opening Part A does."""
    existing = set(models.PartAReturn.objects.filter(audit=audit).values_list("case_id", "agency_id"))
    new = [
        models.PartAReturn(audit=audit, case=case, agency=p.agency, tool_version=audit.tool_version)
        for case in audit.cases.all()
        for p in audit.participants.all()
        if (case.pk, p.agency_id) not in existing
    ]
    models.PartAReturn.objects.bulk_create(new)
    return list(models.PartAReturn.objects.filter(audit=audit))


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Finding

    audit = factory.SubFactory(AuditFactory)
    kind = models.FindingKind.STRENGTH
    heading = factory.Sequence(lambda n: f"Strength {n}")
    body = "Information sharing across agencies is timely."


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Recommendation

    audit = factory.SubFactory(AuditFactory)
    text = "Strengthen the risk management process."
    owner = "CSE Steering Group"
