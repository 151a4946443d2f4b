"""Checking an uploaded clinical document before it is stored.

The type comes from the content (puremagic reads the leading bytes), never from the file name;
the name must agree with the content. Markup or script disguised as a document is refused,
whatever it is called. PDFs are checked by their structure (``reviewapp.core.pdfs``: script,
automatic actions, embedded files, page-tree abuse); images by their declared dimensions.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from reviewapp.core.pdfs import PdfRefused, pdf_check

# content type -> file name extensions that may carry it
ALLOWED = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/tiff": (".tif", ".tiff"),
    "text/plain": (".txt", ".text"),
}
# What the leading bytes must be for each type (puremagic's answer is checked against these).
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
MARKUP = re.compile(
    rb"<\s*(script|html|body|svg|iframe|object|embed|meta|link|form|img|a\s)|javascript:|"
    rb"<\?php|<%|#!\s*/",
    re.IGNORECASE,
)
MAX_NAME = 150


class EvidenceRejected(ValueError):
    pass


@dataclass(frozen=True)
class Inspected:
    safe_name: str
    content_type: str
    size: int
    sha256: str
    page_count: int | None

    @property
    def extension(self) -> str:
        return ALLOWED[self.content_type][0]


def safe_file_name(name: str) -> str:
    """A display name with no path, no control characters, and only ordinary characters."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = get_valid_filename(name.strip().lstrip(".")) if name.strip(" .") else ""
    if not name or name in {".", ".."}:
        name = "document"
    stem, ext = os.path.splitext(name)
    return stem[: MAX_NAME - len(ext)] + ext.lower()[:10]


def inspect_upload(upload: UploadedFile) -> Inspected:
    original = upload.name or ""
    shown = safe_file_name(original)
    limit = settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size is None or upload.size == 0:
        raise EvidenceRejected(f"{shown} is empty.")
    if upload.size > limit:
        raise EvidenceRejected(
            f"{shown} is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{settings.EVIDENCE_MAX_UPLOAD_MB} MB."
        )
    digest = hashlib.sha256()
    upload.seek(0)
    head = b""
    for chunk in upload.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        digest.update(chunk)
    content_type = _sniff(head, shown)
    if content_type == "text/plain":
        _check_text(upload, shown)  # markup or script is refused whatever the name says
    extension = os.path.splitext(shown)[1].lower()
    if extension not in ALLOWED[content_type]:
        raise EvidenceRejected(
            f"{shown}: the content is {_describe(content_type)}, but the name says "
            f"{extension or 'no type'}; rename it to {ALLOWED[content_type][0]} or upload the "
            "right file."
        )
    page_count = None
    if content_type == "application/pdf":
        page_count = _pdf_pages(upload, shown)
    elif content_type.startswith("image/"):
        frames = _image_pages(upload, shown)
        page_count = frames if content_type == "image/tiff" else None
    upload.seek(0)
    return Inspected(shown, content_type, upload.size, digest.hexdigest(), page_count)


def _sniff(head: bytes, shown: str) -> str:
    for content_type, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            try:
                found = puremagic.from_string(head, mime=True)
            except puremagic.PureError:
                found = ""
            if found and found != content_type and not _compatible(found, content_type):
                raise EvidenceRejected(f"{shown} is not a valid {_describe(content_type)}.")
            if MARKUP.search(head[:1024]) and content_type != "application/pdf":
                raise EvidenceRejected(f"{shown} mixes an image with markup or script.")
            return content_type
    if b"\x00" in head:
        raise EvidenceRejected(f"{shown} is not a PDF, PNG, JPEG, TIFF or plain-text document.")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut at the end of the sample is fine
            raise EvidenceRejected(
                f"{shown} is not a PDF, PNG, JPEG, TIFF or plain-text (UTF-8) document."
            ) from None
    return "text/plain"


def _compatible(found: str, expected: str) -> bool:
    return {found, expected} <= {"image/jpeg", "image/jpg", "image/pjpeg"} or (
        expected == "image/tiff" and found in {"image/tiff", "image/x-tiff"}
    )


def _pdf_pages(upload: UploadedFile, shown: str) -> int:
    """The page count of a PDF checked by its structure (``reviewapp.core.pdfs``)."""
    upload.seek(0)
    try:
        return pdf_check(upload.read(), max_pages=settings.EVIDENCE_MAX_PDF_PAGES).page_count
    except PdfRefused as exc:
        raise EvidenceRejected(f"{shown} cannot be stored: {exc}.") from None


def _image_pages(upload: UploadedFile, shown: str) -> int:
    """Images are opened (headers only) to refuse absurd dimensions before anything decodes
    them: a few kilobytes can declare a picture that would need gigabytes of memory. Every frame
    of a multi-page TIFF is checked (a fax's later page can be the bomb)."""
    from PIL import Image

    limit = settings.EVIDENCE_MAX_IMAGE_PIXELS
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > settings.EVIDENCE_MAX_PDF_PAGES:
                    raise EvidenceRejected(f"{shown} has {frames} pages; that is too many.")
                sizes = [image.size]
                for index in range(1, frames):
                    image.seek(index)  # reads the frame's header, decodes nothing
                    sizes.append(image.size)
    except EvidenceRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise EvidenceRejected(
            f"{shown} declares absurd dimensions; it cannot be stored."
        ) from None
    except Exception:  # any decoder failure is a refusal, not a 500
        raise EvidenceRejected(f"{shown} is not a readable image.") from None
    for width, height in sizes:
        if width < 1 or height < 1 or width * height > limit or max(width, height) > 30_000:
            raise EvidenceRejected(
                f"{shown} is {width} x {height} pixels; images above {limit // 1_000_000} "
                "megapixels (or 30,000 pixels on a side) are refused. Scan at 300 dpi or less."
            )
    return frames


def _check_text(upload: UploadedFile, shown: str) -> None:
    upload.seek(0)
    data = upload.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EvidenceRejected(f"{shown} is not plain UTF-8 text.") from None
    if MARKUP.search(data):
        raise EvidenceRejected(
            f"{shown} contains HTML or script; clinical text documents cannot carry markup."
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f" for ch in text):
        raise EvidenceRejected(f"{shown} contains control characters; it is not plain text.")


def _describe(content_type: str) -> str:
    return {
        "application/pdf": "a PDF",
        "image/png": "a PNG image",
        "image/jpeg": "a JPEG image",
        "image/tiff": "a TIFF image",
        "text/plain": "plain text",
    }[content_type]


def storage_name(case, info: Inspected) -> str:
    """A generated name: nothing of the uploader's name reaches the file system."""
    return f"cases/{case.pk}/{uuid.uuid4().hex}{info.extension}"
