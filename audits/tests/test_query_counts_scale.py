"""The benchmark's audit pages cost the same number of queries at 1 audit and at 5 (seed_scale data).

The test asserts only that the number does not grow with the data. The queries, as of writing:
- every page: the session and the signed-in user; the partnership and the two navigation checks
  (leads an audit? named auditor anywhere?) of the context processor; the session saved again
  (SAVEPOINT, UPDATE, RELEASE: SESSION_SAVE_EVERY_REQUEST);
- My returns (11): the auditor's returns of the audits in Part A with audit, case, agency and the
  two progress subqueries, in one query; the audits past Part A with their returns counted by
  status (one grouped query); the auditor's agency;
- Part A form (17): the return (visible_to, with audit, case, agency, tool version…), the
  named-auditor check, the tool's standards with sections, its grades, the risk factors, the access
  record, the answers, the return's risk factors, the agency;
- progress dashboard (13): the audit (managed_by), participants with agency and auditor, cases,
  returns, the status history (access records);
- evidence board (22): the audit, the managed_by check, the case, cases, participants with agency,
  sections, standards, returns, answers with grades, grades, judgements, finding links, the case's
  risk factors, the access record;
- findings (13): the audit, the findings with agency and their prefetched risk factors, cases and
  returns (no add form until one is asked for with ?add=<kind>: then cases, agencies and risk
  factors for it);
- autosave (28): the return, the named-auditor check (twice: view and service), the tool (standards,
  grades, risk factors), the claim (UPDATE … WHERE version = n), the return again, its answers and
  risk factors, the answers' UPDATE and history INSERT, the audit and case (lazy, after
  refresh_from_db), the return's UPDATE, its history row and its risk factors' history, the agency,
  the access record.
"""

import pytest

from audits.tests import scale_support as support


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_audit_pages_cost_the_same_queries_at_1_and_5_audits(client, media):
    support.seed(1)
    small = support.measure(client, support.audits_pages())
    support.seed(5)
    large = support.measure(client, support.audits_pages())
    grown = {name: support.explain(small[name], large[name]) for name in small if len(small[name]) != len(large[name])}
    assert not grown, "\n\n".join(f"{name}: {text}" for name, text in grown.items())


@pytest.mark.django_db
def test_autosave_costs_the_same_queries_at_1_and_5_audits(client, media):
    support.seed(1)
    draft = support.draft_of(support.AUDITOR)
    url = f"/audits/returns/{draft.pk}/autosave/"

    def autosave(n: int) -> list[str]:
        status, queries = support.run(
            client, support.Request(support.AUDITOR, "POST", url, support.autosave_body(draft, n))
        )
        assert status == 200
        return queries

    autosave(1)
    small = autosave(2)
    support.seed(5)
    large = autosave(3)
    assert len(small) == len(large), support.explain(small, large)
