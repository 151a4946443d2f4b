"""What other parts read (the API, appeals, metrics): the authorization in force, and the decision
and notice times of a case (the clock stops at notice)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reviewapp.cases.models import Case
from reviewapp.decisions import selectors, services
from reviewapp.letters import services as letters
from reviewapp.letters.models import Letter

from .conftest import node

pytestmark = pytest.mark.django_db


def test_the_clock_runs_until_the_member_is_notified(waiver_case, director, nurse, settings):
    letters.signing_key_ensure()
    clock = selectors.case_clock(waiver_case)
    assert clock.decided_at is None and clock.notice_sent_at is None and clock.turnaround is None
    services.exception_grant(
        case=waiver_case, criterion=node(waiver_case, "II.A.1"), by=director, rationale="Advanced."
    )
    determination = services.case_decide(
        case=waiver_case,
        by=director,
        code_decisions={"62350": "approve", "62362": "approve", "E0783": "approve"},
        reasons={},
    )
    clock = selectors.case_clock(Case.objects.get(pk=waiver_case.pk))
    assert clock.decided_at == determination.decided_at and clock.notice_sent_at is None
    html = letters.letter_render_html(determination=determination)
    letters.letter_sign(
        determination=determination, by=director, preview_digest=letters.letter_digest(html)
    )
    assert selectors.case_clock(Case.objects.get(pk=waiver_case.pk)).notice_sent_at is None
    member = Letter.objects.get(determination=determination).deliveries.get(recipient="member")
    batch = letters.mail_batch_create(by=nurse)
    assert member in batch.deliveries.all()
    letters.mail_batch_mark_sent(batch=batch, by=nurse)
    case = Case.objects.get(pk=waiver_case.pk)
    clock = selectors.case_clock(case)
    assert clock.notice_sent_at == case.notice_sent_at and clock.stopped_at is not None
    assert clock.turnaround == case.notice_sent_at - case.received_at
    assert clock.on_time is (case.notice_sent_at <= case.due_at)
    # A correction reopens the case: its clock runs again until the new notice.
    services.case_reopen(case=case, by=director, reason="Wrong code.")
    assert Case.objects.get(pk=case.pk).notice_sent_at is None


def test_the_authorization_in_force_is_the_current_determinations(waiver_case, director):
    services.exception_grant(
        case=waiver_case, criterion=node(waiver_case, "II.A.1"), by=director, rationale="Advanced."
    )
    first = services.case_decide(
        case=waiver_case,
        by=director,
        code_decisions={"62350": "approve", "62362": "approve", "E0783": "approve"},
        reasons={},
    )
    authorization = selectors.case_authorization(waiver_case)
    assert authorization == selectors.authorization_for(first)
    assert authorization.valid_from == timezone.localdate(first.decided_at)
    services.case_reopen(case=waiver_case, by=director, reason="Deny the system.")
    second = services.case_decide(
        case=waiver_case,
        by=director,
        code_decisions={"62350": "approve", "62362": "deny", "E0783": "deny"},
        reasons={},
        explanation="The pump system is not approved.",
        peer_to_peer=services.PeerToPeer("Dr. P", timezone.now()),
    )
    current = selectors.case_authorization(waiver_case)
    assert current == selectors.authorization_for(second) and current != authorization
    assert [item.code for item in current.items.all()] == ["62350"]
    assert current.number != authorization.number  # both stay on record
