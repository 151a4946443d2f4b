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
