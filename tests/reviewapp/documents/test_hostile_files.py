"""Hostile files: pixel and decompression bombs, thousands of pages, malformed PDFs. Each is
refused at upload or stopped at a reading limit, and nothing half-read is kept."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviewapp.cases import services as case_services
from reviewapp.cases.models import Evidence
from reviewapp.documents.models import DocumentReading, PageText, ReadingStatus, Suggestion
from reviewapp.documents.reading import DocumentReader, DocumentRefused, Limits, PageStatus
from tests.factories import CaseFactory, pdf_bytes


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG of a few hundred bytes that declares 2.5 billion pixels."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 10_000, 9))
        + _chunk(b"IEND", b"")
    )


def pdf_with_stream(raw: bytes) -> bytes:
    """A one-page PDF whose content stream is ``raw``, deflated (a small file, a huge stream)."""
    stream = zlib.compress(raw, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def upload(case, by, name: str, data: bytes):
    return case_services.evidence_upload(
        case=case,
        by=by,
        files=[SimpleUploadedFile(name, data)],
        doc_type="office_note",
        document_date=None,
        source="",
    )


@pytest.fixture
def case(nurse):
    return CaseFactory(by=nurse)


def test_a_pixel_bomb_is_refused_at_upload_and_by_the_reader(case, nurse, tmp_path):
    with pytest.raises(case_services.CaseActionRefused, match="absurd dimensions"):
        upload(case, nurse, "scan.png", png_bomb())
    assert not Evidence.objects.exists()
    path = tmp_path / "scan.png"
    path.write_bytes(png_bomb())
    with pytest.raises(DocumentRefused, match="pixels"):
        DocumentReader(path, content_type="image/png").__enter__()


def test_thousands_of_pages_are_refused_at_upload_and_by_the_reader(case, nurse, tmp_path):
    data = pdf_bytes(3000)
    with pytest.raises(case_services.CaseActionRefused, match="more than 2000 pages"):
        upload(case, nurse, "records.pdf", data)
    assert not Evidence.objects.exists()
    path = tmp_path / "records.pdf"
    path.write_bytes(data)
    with pytest.raises(DocumentRefused, match="3,000 pages"):
        DocumentReader(path, content_type="application/pdf").__enter__()


def test_a_document_within_the_upload_limits_but_over_the_reading_limits_is_kept_unread(
    case, nurse, settings, django_capture_on_commit_callbacks
):
    """What may be stored (EVIDENCE_MAX_*) and what is read (DOCUMENTS_MAX_*) are separate
    limits: the document stays on the case, its reading is refused whole with the reason."""
    settings.DOCUMENTS_MAX_PAGES = 2
    with django_capture_on_commit_callbacks(execute=True):
        upload(case, nurse, "records.pdf", pdf_bytes(3))
    evidence = Evidence.objects.get(case=case)
    assert evidence.page_count == 3
    reading = DocumentReading.objects.get(evidence=evidence)
    assert reading.status == ReadingStatus.REFUSED
    assert "3 pages" in reading.message
    assert not PageText.objects.exists() and not Suggestion.objects.exists()


def test_every_frame_of_a_tiff_is_checked_at_upload(case, nurse, settings):
    """A fax whose first page is ordinary and whose second declares too many pixels."""
    from PIL import Image

    settings.EVIDENCE_MAX_IMAGE_PIXELS = 1_000_000
    frames = [Image.new("1", (100, 100), 1), Image.new("1", (2000, 1000), 1)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], compression="group4")
    with pytest.raises(case_services.CaseActionRefused, match="2000 x 1000 pixels"):
        upload(case, nurse, "fax.tif", buffer.getvalue())
    assert not Evidence.objects.exists()


def test_a_malformed_pdf_is_refused(case, nurse, tmp_path):
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer <<>>\n%%EOF"
    with pytest.raises(case_services.CaseActionRefused, match="not a readable PDF"):
        upload(case, nurse, "broken.pdf", broken)
    path = tmp_path / "broken.pdf"
    path.write_bytes(broken)
    with pytest.raises(DocumentRefused, match="not a readable PDF"):
        DocumentReader(path, content_type="application/pdf").__enter__()


def test_a_decompression_bomb_stops_at_the_memory_limit_and_reading_goes_on(tmp_path):
    """A 1 MB PDF whose page inflates to half a gigabyte of drawing: the reader's memory
    ceiling stops that page; the worker is untouched and says which page and why."""
    path = tmp_path / "bomb.pdf"
    path.write_bytes(pdf_with_stream(b"0 0 m 1 1 l S\n" * 40_000_000))
    with DocumentReader(
        path, content_type="application/pdf", limits=Limits(memory_mb=600)
    ) as reader:
        pages = list(reader.pages())
    assert [p.status for p in pages] == [PageStatus.UNREADABLE]
    assert "more memory than the reader may use" in pages[0].note


def test_a_page_over_its_time_limit_is_marked_unreadable(corpus):
    scan = corpus["baclofen-screening.png"]
    with DocumentReader(
        scan.path, content_type=scan.content_type, limits=Limits(page_seconds=0.01)
    ) as reader:
        (page,) = list(reader.pages())
    assert page.status == PageStatus.UNREADABLE
    assert page.note == "took longer than 0.01 seconds to read"


def test_an_image_too_large_for_the_reader_is_refused_whole(tmp_path):
    from PIL import Image

    path = tmp_path / "wide.png"
    Image.new("L", (4000, 3000), 255).save(path)
    with pytest.raises(DocumentRefused, match="4,000 × 3,000 pixels"):
        DocumentReader(
            path, content_type="image/png", limits=Limits(max_pixels=10_000_000)
        ).__enter__()


def test_a_document_that_stops_midway_keeps_nothing(
    case, nurse, django_capture_on_commit_callbacks, settings
):
    """Page after page over its time limit: the document is refused at the fifth, and the
    pages stored before the refusal are removed with it (nothing half-stored)."""
    settings.DOCUMENTS_PAGE_SECONDS = 0.01
    from PIL import Image

    frames = [Image.new("L", (1200, 1600), 255) for _ in range(6)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    with django_capture_on_commit_callbacks(execute=True):
        upload(case, nurse, "fax.tif", buffer.getvalue())
    reading = DocumentReading.objects.get()
    assert reading.status == ReadingStatus.REFUSED
    assert "5 pages in a row could not be read within the limits" in reading.message
    assert not PageText.objects.exists() and not Suggestion.objects.exists()
    assert reading.pages_read == 0
    assert Evidence.objects.filter(case=case).count() == 1  # the original is kept, unchanged
