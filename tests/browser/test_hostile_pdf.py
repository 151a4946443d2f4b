"""A hostile PDF opened in the case page's document viewer raises no dialog: the viewer shows a
picture of the page rendered on the server, in a sandboxed frame without scripts, and the PDF
itself only downloads."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from reviewapp.accounts.roles import Role
from reviewapp.audit.models import AccessEvent
from reviewapp.cases.models import Evidence
from tests import hostile_pdfs
from tests.browser.conftest import sign_in
from tests.conftest import make_staff
from tests.factories import CaseFactory

pytestmark = pytest.mark.browser

# Script on opening (escaped names, hex string) and in the document-level JavaScript name tree.
HOSTILE = hostile_pdfs.with_catalog(
    b"/OpenAction << /S /J#61vaScript /J#53 " + hostile_pdfs.ALERT_HEX + b" >> "
    b"/Names << /J#61vaScript << /Names [(init) 4 0 R] >> >>",
    b"<< /S /J#61vaScript /J#53 (app.alert\\('from the name tree'\\)) >>",
)


def test_a_hostile_pdf_in_the_viewer_raises_no_dialog(page: Page, screenshot, tmp_path):
    nurse = make_staff("nina", Role.NURSE)
    case = CaseFactory(by=nurse)
    # Stored as if it had been uploaded before the structure checks (they would refuse it).
    evidence = Evidence(
        case=case,
        original_name="hostile.pdf",
        content_type="application/pdf",
        size=len(HOSTILE),
        sha256=hashlib.sha256(HOSTILE).hexdigest(),  # what the upload records
        page_count=1,
        doc_type="office_note",
        uploaded_by=nurse,
    )
    evidence.file.save(f"cases/{case.pk}/hostile.pdf", ContentFile(HOSTILE))
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, nurse, f"/cases/{case.pk}/")
    frame_element = page.locator("iframe[name=evidence-viewer]")
    sandbox = frame_element.get_attribute("sandbox")
    assert sandbox is not None and "allow-scripts" not in sandbox

    page.get_by_role("link", name="hostile.pdf").first.click()
    viewer = page.frame_locator("iframe[name=evidence-viewer]")
    picture = viewer.get_by_role("img", name="Page 1 of 1 of hostile.pdf")
    expect(picture).to_be_visible()
    # The picture loaded (the sandboxed frame still sends the session for its images).
    assert picture.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    page.wait_for_timeout(500)
    screenshot(page, "hostile-pdf", "1-viewer")
    assert dialogs == []

    # The PDF itself is a download, never opened by the browser.
    with page.expect_download() as download_info:
        viewer.get_by_role("link", name="Download").click()
    saved = tmp_path / "hostile.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == HOSTILE
    assert dialogs == []

    # And the reads are in the access log.
    kinds = set(
        AccessEvent.objects.filter(username="nina", object_pk=evidence.pk).values_list(
            "detail", flat=True
        )
    )
    assert {"hostile.pdf (viewer, page 1)", "hostile.pdf (page 1 image)"} <= kinds
    assert "hostile.pdf (download)" in kinds
