"""Appealable denials and appeals made through the real services, for the appeal tests, the
permission matrix and the browser journey.

A Molina MCP-160 (2025) non-malignant trial whose pain score (2.a) is not met and whose
mental-health support (2.c.vi) is not documented, referred and denied by a medical director
through ``case_decide``. Its letter is marked signed directly unless told otherwise (rendering a
PDF is the letters' tests' business; the appeal letter tests render their own), so an appeal
can be filed at once.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from criteria import selectors as library
from reviewapp.appeals import selectors, services
from reviewapp.cases import services as cases
from reviewapp.cases.models import Case
from reviewapp.decisions import selectors as decision_selectors
from reviewapp.decisions import services as decisions
from reviewapp.decisions.models import Determination
from reviewapp.letters.specimens import MEETS
from tests.factories import answered_case, pdf_bytes, upload

DENIED_FACTS = {
    **{k: v for k, v in MEETS.items() if k != "psych_favourable_candidate"},
    "pain_nrs": 5,
}
OPEN_LABELS = ("2.a", "2.c.vi")  # not met, not documented


def denied(
    nurse, director, *, line_of_business="commercial", codes=(("62322", 1),), signed=True, **kwargs
) -> Determination:
    case = answered_case(
        by=nurse,
        facts=DENIED_FACTS,
        line_of_business=line_of_business,
        codes=codes,
        **kwargs,
    )
    cases.case_refer_to_director(case=case, by=nurse, summary="Pain score 5; no psych support.")
    drafts = decision_selectors.reason_drafts(case=case)
    determination = decisions.case_decide(
        case=case,
        by=director,
        code_decisions={code: "deny" for code, _ in codes},
        reasons={d.label: d.text for d in drafts},
        explanation="",
        rationale="Internal: the notes do not support the request.",
        peer_to_peer=decisions.PeerToPeer(
            offered_to="Dr. Test Provider", offered_at=timezone.now()
        ),
    )
    # Decided two days ago (so an appeal received in the last day is after it).
    Determination.objects.filter(pk=determination.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=2)
    )
    if signed:
        mark_signed(determination, on=timezone.now() - dt.timedelta(days=1))
    determination.refresh_from_db()
    return determination


def mark_signed(determination: Determination, *, on: dt.datetime | None = None) -> None:
    """As if its letter were signed (a stand-in hash; the letters' tests sign real PDFs)."""
    Determination.objects.filter(pk=determination.pk).update(
        signed_at=on or timezone.now(), letter_sha256="0" * 64
    )


def filing(**overrides) -> services.AppealFiling:
    values = {
        "requester": "member",
        "requester_name": "Test Member",
        "received_via": "phone",
        "received_at": timezone.now() - dt.timedelta(minutes=10),
        "request_summary": "Please approve the trial: my new notes show more pain.",
    }
    values.update(overrides)
    return services.AppealFiling(**values)


def file_appeal(determination: Determination, by, *, documents=True, **overrides):
    case = Case.objects.get(pk=determination.case_id)
    return services.appeal_file(
        case=case,
        by=by,
        filing=filing(**overrides),
        documents=services.AppealDocuments(
            files=[upload("new-office-note.pdf", pdf_bytes(2, text="new office note"))],
            doc_type="office_note",
            document_date=timezone.localdate(),
            source="Test clinic",
        )
        if documents
        else None,
    )


def node(case, label):
    return library.checklist_nodes(case.checklist)[label]


def answer_open_criteria_met(appeal, by, *, labels=OPEN_LABELS):
    """The appeal reviewer answers the denial's open criteria again as met, citing the appeal's
    new document."""
    document = appeal.documents.first().evidence
    for label in labels:
        services.appeal_answer_record(
            appeal=appeal,
            criterion=node(appeal.case, label),
            by=by,
            status="met",
            note=f"The new office note shows {label} is met.",
            evidence=document,
            pages="1",
            expected_revision=0,
        )


def workspace(appeal):
    return selectors.appeal_workspace(appeal)


def decide_upheld(appeal, by):
    drafts = selectors.appeal_reason_drafts(selectors.appeal_workspace(appeal))
    return services.appeal_decide(
        appeal=appeal,
        by=by,
        code_decisions={c.code: "deny" for c in selectors.appeal_workspace(appeal).denied_codes},
        reasons={d.label: d.text for d in drafts},
        rationale="Internal: nothing new in the notes.",
    )


def decide_overturned(appeal, by):
    answer_open_criteria_met(appeal, by)
    return services.appeal_decide(
        appeal=appeal,
        by=by,
        code_decisions={c.code: "approve" for c in selectors.appeal_workspace(appeal).denied_codes},
        reasons={},
    )


def sign_appeal_letter(appeal, by):
    html = services.appeal_letter_content(appeal=appeal).html()
    from reviewapp.letters.services import letter_digest

    return services.appeal_letter_sign(appeal=appeal, by=by, preview_digest=letter_digest(html))


def denied_permanent_pending_trial(nurse, director, *, line_of_business="medicaid"):
    """A Molina MCP-160 (2025) non-malignant permanent pump whose every trial criterion is met but
    whose trial result (2.f) is not documented: referred and denied (letter not signed)."""
    case = answered_case(
        by=nurse,
        facts=MEETS,
        line_of_business=line_of_business,
        stage="permanent",
        codes=(("62362", 1),),
    )
    cases.case_refer_to_director(case=case, by=nurse, summary="No trial report.")
    drafts = decision_selectors.reason_drafts(case=case)
    assert [d.label for d in drafts] == ["2.f"], drafts
    determination = decisions.case_decide(
        case=case,
        by=director,
        code_decisions={"62362": "deny"},
        reasons={d.label: d.text for d in drafts},
        rationale="No trial report in the records.",
        peer_to_peer=decisions.PeerToPeer(
            offered_to="Dr. Test Provider", offered_at=timezone.now()
        ),
    )
    Determination.objects.filter(pk=determination.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=2)
    )
    determination.refresh_from_db()
    return determination
