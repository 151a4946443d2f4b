"""Query budgets: an inquiry costs the same whatever the data behind it."""

from __future__ import annotations

import pytest

from reviewapp.fhir import examples

pytestmark = pytest.mark.django_db


def test_an_inquiry_costs_a_fixed_number_of_queries(api, django_assert_num_queries):
    bundle = examples.request_bundle(
        plan="molina-medicaid", codes=[("62324", 1)], diagnoses=["C50.911"], claim_id="Q-1"
    )
    reference = api.submit(bundle).json()["entry"][0]["resource"]["id"]
    inquiry = examples.inquiry_bundle(identifier=reference)
    # 1 the token with its client and service account, 2 the client's calls in the last minute,
    # 3 the request by case reference (with its case, policy, checklist and plan), 4 the signed
    # determination (none yet), 5 the open information requests, 6 the call log, 7 the client
    # account's roles and 8 the access-log row (a read of member data), 9 the case timeline (one
    # transaction: +2 savepoint statements).
    with django_assert_num_queries(11):
        assert api.post("/fhir/r4/Claim/$inquire", inquiry).status_code == 200
