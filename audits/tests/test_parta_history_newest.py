"""A return's history page shows its newest changes when it has more than it shows, each compared with
what came before it (never with an empty return), and names the reviewer's comment in words."""

from django.urls import reverse

from audits.selectors.parta import evidence_field, return_history
from audits.services.parta import return_autosave, return_send_back, return_submit
from audits.tests.parta_support import complete, load


def autosave(user, ret, layout, version, **changes):
    return return_autosave(user=user, ret=ret, layout=layout, based_on_version=version, changes=changes)


def test_a_long_history_shows_its_newest_answers_compared_with_the_one_before(auditor, ret, layout):
    early, late = layout.standards[0], layout.standards[-1]
    for n in range(6):
        autosave(auditor, load(ret.pk), layout, n, **{evidence_field(early.pk): f"Early {n}"})
    autosave(auditor, load(ret.pk), layout, 6, **{evidence_field(late.pk): "Late"})

    # Seven answer rows; with room for four (limit 2 × 2), the five newest are read, the oldest of them
    # only as the starting point of its answer.
    entries = return_history(load(ret.pk), layout, limit=2)
    answers = [(e.what, e.changes[0].before, e.changes[0].after) for e in entries if e.what.startswith("Answer")]
    assert answers == [
        (f"Answer to {late.code}", "(empty)", "Late"),  # the newest change is there: it was left out before
        (f"Answer to {early.code}", "Early 4", "Early 5"),
        (f"Answer to {early.code}", "Early 3", "Early 4"),
        (f"Answer to {early.code}", "Early 2", "Early 3"),
    ]  # "Early 2" is where the early answer's changes shown start from, not a change from nothing


def test_a_long_history_shows_the_returns_newest_changes(auditor, qa_manager, ret, layout):
    autosave(auditor, load(ret.pk), layout, 0, **complete(layout))
    for n in range(1, 4):  # return rows pile up, one per save
        autosave(auditor, load(ret.pk), layout, n, strengths=f"Strengths {n}")
    assert return_submit(user=auditor, ret=load(ret.pk), layout=layout, based_on_version=4, changes={}).submitted
    return_send_back(user=qa_manager, ret=load(ret.pk), based_on_version=5, comment="Please add the dates.")

    entries = return_history(load(ret.pk), layout, limit=3)
    returns = [e for e in entries if not e.what.startswith("Answer")]
    changes = [{c.label: (c.before, c.after) for c in e.changes} for e in returns]
    assert changes == [
        {
            "Status": ("Submitted", "Returned for amendment"),
            "Comment from the reviewer": ("(empty)", "Please add the dates."),
        },
        {"Status": ("Draft", "Submitted")},
        # The oldest shown is compared with the row before it ("Strengths 2"), not with an empty return.
        {"Strengths": ("Strengths 2", "Strengths 3")},
    ]


def test_the_history_page_names_the_reviewers_comment(client_for, qa_manager, submitted):
    return_send_back(user=qa_manager, ret=submitted, based_on_version=submitted.version, comment="Please add dates.")
    html = client_for("qa_manager").get(reverse("audits:return_history", args=[submitted.pk])).content.decode()
    assert "Comment from the reviewer" in html and "amendment_comment" not in html
