"""A signed determination cannot be edited through any endpoint or service."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from reviewapp.cases.models import Case
from reviewapp.decisions import services
from reviewapp.decisions.models import CodeDecision, Determination
from tests.urlwalk import endpoints

from .conftest import node

pytestmark = pytest.mark.django_db


def sign(determination):
    """Mark a determination signed as the letters service does (bytes, hash, time)."""
    Determination.objects.filter(pk=determination.pk).update(
        signed_at=timezone.now(), letter_sha256=hashlib.sha256(b"letter").hexdigest()
    )
    Case.objects.filter(pk=determination.case_id).update(status="closed", closed_at=timezone.now())
    determination.refresh_from_db()
    return determination


@pytest.fixture
def signed(waiver_case, director):
    services.exception_grant(
        case=waiver_case,
        criterion=node(waiver_case, "II.A.1"),
        by=director,
        rationale="Advanced disease.",
    )
    determination = services.case_decide(
        case=waiver_case,
        by=director,
        code_decisions={"62350": "approve", "62362": "approve", "E0783": "approve"},
        reasons={},
        rationale="Waiver.",
    )
    return sign(determination)


def state(determination):
    determination = Determination.objects.get(pk=determination.pk)
    return (
        model_to_dict(determination),
        list(CodeDecision.objects.filter(determination=determination).values()),
    )


def test_no_endpoint_changes_a_signed_determination(signed, nurse_client, director_client):
    before = state(signed)
    case = signed.case
    samples = {
        "pk": str(case.pk),
        "node_id": str(node(case, "II.A.1").pk),
        "exception_id": str(case.exceptions.get().pk),
        "name": "life_expectancy_months",
        "link_id": "1",
        "evidence_id": "1",
        "determination_id": str(signed.pk),
        "policy_key": "x",
        "version_label": "x",
        "checklist_key": "x",
    }
    data = {
        "revision": 1,
        "status": "not_met",
        "value": "1",
        "rationale": "x",
        "reasons": "x",
        "code_62350": "deny",
        "code_62362": "deny",
        "code_E0783": "deny",
        "summary": "x",
        "request_text": "x",
        "reason": "x",
        "note": "x",
        "override_reason": "x",
        "p2p_offered_to": "x",
        "p2p_result": "pending",
    }
    tried = 0
    for endpoint in endpoints(samples):
        if (
            endpoint.name.startswith(("cases:", "decisions:", "letters:"))
            and endpoint.name != "decisions:reopen"
        ):
            for client in (nurse_client, director_client):
                client.post(endpoint.path, data)
                tried += 1
    assert tried > 20
    assert state(signed) == before


def test_no_service_changes_a_signed_determination(signed, director):
    before = state(signed)
    case = signed.case
    with pytest.raises(services.CaseActionRefused):
        services.case_decide(
            case=case, by=director, code_decisions={"62350": "deny"}, reasons={}, rationale=""
        )
    with pytest.raises(services.CaseActionRefused):
        services.exception_grant(
            case=case, criterion=node(case, "II.A.3"), by=director, rationale="x"
        )
    signed.reasons = "rewritten"
    with pytest.raises(ValidationError, match="signed determination cannot change"):
        signed.save()
    with pytest.raises(ValidationError):
        signed.delete()
    assert state(signed) == before


def test_a_correction_of_a_signed_determination_supersedes_it(signed, director):
    before = state(signed)
    case = signed.case
    services.case_reopen(case=case, by=director, reason="Wrong codes.")
    services.exception_withdraw(case=case, exception=case.exceptions.get(), by=director)
    new = services.case_decide(
        case=case,
        by=director,
        code_decisions={"62350": "deny", "62362": "deny", "E0783": "deny"},
        reasons={"II.A.1": "No trial."},
        rationale="",
        peer_to_peer=services.PeerToPeer("Dr. P", timezone.now()),
    )
    assert new.supersedes_id == signed.pk and new.correction_reason == "Wrong codes."
    assert state(signed) == before
