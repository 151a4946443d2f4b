"""factory_boy factories: cases go through the intake service, evidence through the upload
service, so test data obeys the same rules as real data."""

from __future__ import annotations

import datetime as dt
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from criteria.models import Policy
from reviewapp.cases import services
from reviewapp.cases.models import Case, DocumentType, Evidence


def pdf_bytes(pages: int = 2, text: str = "") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if text:
        writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(
    name: str = "office-note.pdf",
    content: bytes | None = None,
    content_type: str = "application/pdf",
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type)


class CaseFactory(factory.Factory):
    class Meta:
        model = Case

    by = None
    member_name = factory.Sequence(lambda n: f"Test Member {n}")
    member_id = factory.Sequence(lambda n: f"TM{n:06d}")
    member_dob = dt.date(1970, 5, 17)
    member_address_line1 = factory.Sequence(lambda n: f"{n + 10} Test Lane")
    member_city = "Baton Rouge"
    member_state = "LA"
    member_zip = "70801"
    provider_name = "Dr. Test Provider"
    provider_npi = "1234567893"
    provider_address_line1 = "200 Clinic Way"
    provider_city = "Baton Rouge"
    provider_state = "LA"
    provider_zip = "70802"
    provider_fax = "2255550123"
    line_of_business = "commercial"
    priority = "standard"
    policy = "molina-mcp-160"
    indication = "non_malignant_pain"
    stage = "trial"
    received_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    clinical_summary = "Synthetic test case."
    codes = (("62322", 1),)
    assign_to_me = True

    @classmethod
    def _create(cls, model_class, *, by, policy, codes, assign_to_me, **kwargs):
        intake = services.Intake(
            policy=Policy.objects.get(key=policy), services=list(codes), **kwargs
        )
        return services.case_create(intake=intake, by=by, assign_to_me=assign_to_me)


class EvidenceFactory(factory.Factory):
    class Meta:
        model = Evidence

    case = None
    by = None
    name = factory.Sequence(lambda n: f"note-{n}.pdf")
    pages = 3
    doc_type = DocumentType.OFFICE_NOTE

    @classmethod
    def _create(cls, model_class, *, case, by, name, pages, doc_type):
        result = services.evidence_upload(
            case=case,
            by=by,
            files=[upload(name, pdf_bytes(pages, text=name))],
            doc_type=doc_type,
            document_date=timezone.localdate(),
            source="Test clinic",
        )
        return result[0].evidence


def answered_case(*, by, facts: dict, overrides=None, skip=(), **case_kwargs) -> Case:
    """A case (built by ``CaseFactory``) with ``facts`` recorded and every criterion answered
    as the facts propose (unknown: "not documented"), with a document linked wherever a
    criterion needs one to be met. ``overrides`` maps a label to (status, reason); the labels in
    ``skip`` are left unanswered."""
    from criteria import selectors as library

    overrides = overrides or {}
    case = CaseFactory(by=by, **case_kwargs)
    for name, value in facts.items():
        services.fact_record(case=case, by=by, name=name, raw_value=value, expected_revision=0)
    evidence = EvidenceFactory(case=case, by=by, name="clinical-record.pdf")
    for node in library.checklist_nodes(case.checklist).values():
        if node.label in skip:
            continue
        answer = case.answers.filter(criterion=node).first()
        proposed = answer.proposed_status if answer else "unknown"
        status, reason = overrides.get(
            node.label, ({"unknown": "not_documented"}.get(proposed, proposed), "")
        )
        if status == "met" and node.requires_documentation:
            services.evidence_link(case=case, by=by, evidence=evidence, criterion=node, pages="1")
        services.answer_record(
            case=case,
            criterion=node,
            by=by,
            status=status,
            note="",
            override_reason=reason,
            expected_revision=answer.revision if answer else 0,
        )
    return case


def meeting_case(*, by, facts: dict | None = None, skip=()) -> Case:
    """A Molina MCP-160 (2025) malignant-pain trial whose every criterion is met and documented
    (the library's own meeting facts for that checklist), but for the labels in ``skip``."""
    from tests.criteria.library.cases_molina_2025 import MALIGNANT_TRIAL

    return answered_case(
        by=by,
        facts=MALIGNANT_TRIAL if facts is None else facts,
        skip=skip,
        indication="malignant_pain",
        codes=(("62324", 1),),
    )
