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
    provider_name = "Dr. Test Provider"
    provider_npi = "1234567893"
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
