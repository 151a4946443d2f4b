"""The policy browser: list, checklist tree, version comparison."""

import pytest

pytestmark = pytest.mark.django_db


def test_policy_list_shows_every_policy_with_versions_and_the_one_in_effect(nurse_client):
    html = nurse_client.get("/policies/").content.decode()
    for text in [
        "MCP-160",
        "NIA_CG_310",
        "PHARMACY 339.7",
        "LA.CP.MP.173",
        "Version 2024-08-14",
        "Version 2025-08-13",
        "Effective 2025-08-13",
    ]:
        assert text in html
    assert html.count("In effect today") == 4


def test_policy_list_query_count_does_not_grow_with_the_library(
    nurse_client, django_assert_max_num_queries
):
    # Every page: session, user (with staff profile), group names with their permissions, user
    # permissions, session update (idle clock; first request, with its savepoint pair).
    # This page: policies, versions, checklists (latest editions), editions: one query each,
    # whatever their number.
    with django_assert_max_num_queries(11):
        nurse_client.get("/policies/")


def test_checklist_page_shows_the_tree_with_labels_citations_facts_and_inclusion(director_client):
    html = director_client.get(
        "/policies/lhcc-la-cp-mp-173/2023-06-20/malignant-permanent/"
    ).content.decode()
    assert "Includes" in html and "every criterion of" in html
    for label in ["I.A.1", "I.A.4", "II.A.1", "II.A.4"]:
        assert f'<strong class="text-nowrap">{label}</strong>' in html
    assert "Medical director may waive case by case" in html
    assert "Documents to request" in html and "trial_pain_relief_percent" in html
    assert "life_expectancy_months &gt; 3" in html


def test_external_checklist_page_says_so(nurse_client):
    html = nurse_client.get(
        "/policies/uhc-pharmacy-339.7/2023-07-01/malignant-trial/"
    ).content.decode()
    assert "reviewed against external criteria" in html and "InterQual" in html


def test_unknown_checklist_is_404(nurse_client):
    assert (
        nurse_client.get("/policies/molina-mcp-160/1999-01-01/malignant-trial/").status_code == 404
    )


def test_compare_matches_relabelled_criteria_and_lists_additions(nurse_client):
    html = nurse_client.get("/policies/molina-mcp-160/compare/").content.decode()
    assert "version 2024-08-14 (edition 2) compared with 2025-08-13 (edition 2)" in html
    assert "label 1.h -&gt; 1.f" in html  # the successful-trial criterion moved
    assert "Added" in html and "2.c.v" in html  # psychological evaluation split out in 2025


def test_a_policy_with_one_version_compares_its_editions(nurse_client):
    html = nurse_client.get("/policies/nia-cg-310/compare/").content.decode()
    assert "version 2022-05 (edition 1) compared with 2022-05 (edition 2)" in html
    assert nurse_client.get("/policies/no-such-policy/compare/").status_code == 404


def test_the_administrator_and_outsider(admin_client_um, outsider_client):
    assert admin_client_um.get("/policies/").status_code == 200
    assert outsider_client.get("/policies/").status_code == 403


@pytest.fixture
def today(monkeypatch):
    """Pin the library pages' "today" (the review flags depend on it)."""
    import datetime as dt

    from criteria import views

    def pin(day: str):
        monkeypatch.setattr(views.timezone, "localdate", lambda: dt.date.fromisoformat(day))

    return pin


def test_policy_list_flags_versions_past_their_review_date(nurse_client, today):
    today("2026-11-30")
    html = nurse_client.get("/policies/").content.decode()
    molina = html[html.index("MCP-160") : html.index("NIA_CG_310")]
    assert molina.count("Past its review date") == 1  # 2025-08-13, due by August 2026
    assert "would review this version by August 31, 2026" in molina
    assert "Past its review date" not in html[html.index("NIA_CG_310") :]
    assert "the source states no next review date" in html
    today("2026-08-31")
    assert "Past its review date" not in nurse_client.get("/policies/").content.decode()


def test_policy_list_shows_routes_and_editions(nurse_client):
    html = nurse_client.get("/policies/").content.decode()
    assert "library edition 2" in html
    assert "not addressed by this policy: medical director review" in html
    assert "reviewed against external criteria when intrathecal_baclofen is true" in html
    assert "not addressed by this policy: medical director review when age_years &lt; 18" in html


def test_checklist_page_shows_the_review_flag_routes_waiver_and_documentation_items(
    director_client, today
):
    today("2026-11-30")
    html = director_client.get("/policies/molina-mcp-160/2025-08-13/replacement/").content.decode()
    assert "Past its review date." in html and "library edition 2" in html
    assert "not addressed by this policy: medical director review" in html
    assert "MDR" in html and "Readings (the clinical editor" in html
    html = director_client.get(
        "/policies/lhcc-la-cp-mp-173/2023-06-20/malignant-permanent/"
    ).content.decode()
    assert "Past its review date" not in html
    assert "only when <code>trial_performed is false</code>" in html
    for key in ("advanced_disease", "limited_survival", "high_procedural_risk"):
        assert f"<code>{key}</code>" in html
    html = director_client.get("/policies/nia-cg-310/2022-05/replacement/").content.decode()
    assert "A missing document pends it; never a reason to deny" in html
    html = director_client.get(
        "/policies/lhcc-la-cp-mp-173/2023-06-20/spasticity-trial/"
    ).content.decode()
    assert "When <code>intrathecal_baclofen is false</code>" in html and "LA.CP.MP.107" in html


def test_an_earlier_edition_stays_browsable(nurse_client):
    html = nurse_client.get(
        "/policies/molina-mcp-160/2025-08-13/non-malignant-trial/?edition=1"
    ).content.decode()
    assert "This is edition 1 of our encoding" in html
    assert "underlying_cause_treatment_exhausted" in html and "WA" not in html.split("<h2")[1]
    assert "?edition=1" in html  # sibling links stay on the same edition
    current = nurse_client.get(
        "/policies/molina-mcp-160/2025-08-13/non-malignant-trial/"
    ).content.decode()
    assert "underlying_cause_treatment_failed" in current and "This is edition 1" not in current
    for bad in ("?edition=9", "?edition=x"):
        url = f"/policies/molina-mcp-160/2025-08-13/non-malignant-trial/{bad}"
        assert nurse_client.get(url).status_code == 404


def test_compare_editions_marks_rule_changes_and_changed_words(nurse_client):
    html = nurse_client.get(
        "/policies/molina-mcp-160/compare/?old=2025-08-13@1&new=2025-08-13@2"
    ).content.decode()
    assert "version 2025-08-13 (edition 1) compared with 2025-08-13 (edition 2)" in html
    assert "Rule changed" in html and "Wording only" in html
    assert "rule underlying_cause_treatment_exhausted is true -&gt; " in html
    assert '<del class="diff-del">' in html and '<ins class="diff-ins">' in html
    assert "New checklist in 2025-08-13 (edition 2)" in html  # replacement
    # A plain version label still means that version's latest edition.
    html = nurse_client.get(
        "/policies/molina-mcp-160/compare/?old=2024-08-14&new=2025-08-13"
    ).content.decode()
    assert "version 2024-08-14 (edition 2) compared with 2025-08-13 (edition 2)" in html
