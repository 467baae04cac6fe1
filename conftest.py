"""The standard cast every permission test runs against, and the audit they meet in.

- qa_manager: the partnership's QA manager (sees every audit)
- lead_officer: leads `audit`; other_lead: leads `other_audit` only
- auditor: the auditor named by agency A for `audit`; colleague: same agency, not named
- other_auditor: the auditor named by agency B for `audit`
- manager / practitioner: readers from agency C, which is not in `audit`
- administrator: IT; users and settings, no case content
- anonymous: nobody signed in
"""

import pytest

from agencies.models import Partnership, Role
from agencies.tests.factories import AdministratorFactory, AgencyFactory, QAManagerFactory, UserFactory
from audits.models import AuditStatus
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, make_returns

pytest_plugins = ["tests.fixtures_services", "tests.fixtures_browser"]

CAST = [
    "qa_manager",
    "lead_officer",
    "other_lead",
    "auditor",
    "colleague",
    "other_auditor",
    "manager",
    "practitioner",
    "administrator",
    "anonymous",
]


@pytest.fixture(autouse=True)
def _partnership_not_cached_from_an_earlier_test():
    """A test's changes to the partnership settings are rolled back, but the cached copy (Redis,
    django-solo) would outlive them: each test starts without it."""
    Partnership.clear_cache()


@pytest.fixture
def agency_a(db):
    return AgencyFactory(name="Sussex Police", short_name="Police", sector="police")


@pytest.fixture
def agency_b(db):
    return AgencyFactory(name="Children's Social Work", short_name="CSW", sector="social_care")


@pytest.fixture
def agency_c(db):
    return AgencyFactory(name="Youth Service", short_name="Youth", sector="youth")


@pytest.fixture
def qa_manager(db):
    return QAManagerFactory(username="qa")


@pytest.fixture
def administrator(db):
    return AdministratorFactory(username="it.admin")


@pytest.fixture
def lead_officer(agency_c):
    return UserFactory(username="lead", agency=agency_c, role=Role.MANAGER)


@pytest.fixture
def other_lead(agency_c):
    return UserFactory(username="other.lead", agency=agency_c, role=Role.MANAGER)


@pytest.fixture
def auditor(agency_a):
    return UserFactory(username="auditor.a", agency=agency_a)


@pytest.fixture
def colleague(agency_a):
    return UserFactory(username="colleague.a", agency=agency_a)


@pytest.fixture
def other_auditor(agency_b):
    return UserFactory(username="auditor.b", agency=agency_b)


@pytest.fixture
def manager(agency_c):
    return UserFactory(username="manager.c", agency=agency_c, role=Role.MANAGER)


@pytest.fixture
def practitioner(agency_c):
    return UserFactory(username="practitioner.c", agency=agency_c, role=Role.PRACTITIONER)


@pytest.fixture
def audit(lead_officer, agency_a, agency_b, auditor, other_auditor):
    """An audit in Part A: agencies A and B, two cases, a not-started return per case × agency."""
    audit = AuditFactory(title="CSE audit", slug="cse-audit", lead_officer=lead_officer, status=AuditStatus.PART_A)
    AuditAgencyFactory(audit=audit, agency=agency_a, auditor=auditor)
    AuditAgencyFactory(audit=audit, agency=agency_b, auditor=other_auditor)
    CaseFactory(audit=audit, reference="Case 1", order=1)
    CaseFactory(audit=audit, reference="Case 2", order=2)
    make_returns(audit)
    return audit


@pytest.fixture
def other_audit(other_lead, agency_c):
    audit = AuditFactory(title="Neglect audit", slug="neglect-audit", lead_officer=other_lead)
    AuditAgencyFactory(audit=audit, agency=agency_c)
    CaseFactory(audit=audit, reference="Case 1")
    make_returns(audit)
    return audit


@pytest.fixture
def cast(
    qa_manager, lead_officer, other_lead, auditor, colleague, other_auditor, manager, practitioner, administrator
) -> dict:
    """Every member of the cast by name; anonymous is None."""
    return {
        "qa_manager": qa_manager,
        "lead_officer": lead_officer,
        "other_lead": other_lead,
        "auditor": auditor,
        "colleague": colleague,
        "other_auditor": other_auditor,
        "manager": manager,
        "practitioner": practitioner,
        "administrator": administrator,
        "anonymous": None,
    }


@pytest.fixture
def client_for(client, cast):
    """client_for("auditor") → a test client signed in as that member of the cast (anonymous: not signed in)."""

    def make(name: str):
        user = cast[name]
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return make
