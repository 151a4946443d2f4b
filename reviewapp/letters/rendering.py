"""Letters to PDF: WeasyPrint, the fonts it embeds, and the only files it may load.

Plain rendering, with no knowledge of what a letter says: HTML in (from ``content``), archival PDF
bytes out (PDF/A-3b, tagged, every font embedded and subset). Any letter kind renders here: a
determination, an extension notice, or later an appeal decision.

Fonts. The letter's own text is DejaVu Sans, loaded by file URL. The taglines and the Spanish
letter need other scripts (Han, Hangul, Kana, Arabic, Lao, Thai, Devanagari...): those come from
Debian's fonts-noto-core and fonts-noto-cjk through fontconfig, named per script in
``content.taglines``; WeasyPrint embeds the subset of every face a page uses (HarfBuzz's
subsetter, libharfbuzz-subset0, keeps this fast).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

STATIC_DIR = Path(__file__).resolve().parent / "static" / "letters"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = (
    ("DejaVuSans.ttf", "normal", "normal"),
    ("DejaVuSans-Bold.ttf", "bold", "normal"),
    ("DejaVuSans-Oblique.ttf", "normal", "italic"),
    ("DejaVuSans-BoldOblique.ttf", "bold", "italic"),
)
# Debian packages the fonts come from; ``bin/setup`` installs them.
FONT_PACKAGES = ("fonts-dejavu-core", "fonts-noto-core", "fonts-noto-cjk")


@dataclass(frozen=True)
class PrintOptions:
    """How a letter is printed: its language (the document's lang) and its format."""

    language: str = "en"
    large_print: bool = False


def document_html(*, body: str, title: str, description: str, author: str, options: PrintOptions):
    """The full HTML document around a letter's body, as WeasyPrint reads it."""
    return render_to_string(
        "letters/letter_document.html",
        {
            # Our own templates' output, rendered with autoescaping on.
            "body": mark_safe(body),  # nosec B308 B703
            "title": title,
            "description": description,
            "author": author,
            "options": options,
        },
    )


def pdf_render(
    *,
    body: str,
    title: str,
    description: str,
    author: str,
    identifier: str,
    options: PrintOptions = PrintOptions(),
) -> bytes:
    """The letter body (HTML) as an archival PDF, not yet signed.

    ``identifier`` names what the file is about (e.g. "UM-2025-000012/determination-7"): the PDF's
    /ID is derived from it, so the same letter always carries the same identifier.
    """
    import weasyprint  # about a second to import: only where letters are rendered

    document = document_html(
        body=body, title=title, description=description, author=author, options=options
    )
    stylesheets = [
        weasyprint.CSS(string=_font_faces()),
        weasyprint.CSS(filename=str(STATIC_DIR / "letter.css")),
        weasyprint.CSS(filename=str(STATIC_DIR / "letter-print.css")),
    ]
    if options.large_print:
        stylesheets.append(weasyprint.CSS(filename=str(STATIC_DIR / "letter-large.css")))
    return weasyprint.HTML(
        string=document, base_url=str(STATIC_DIR), url_fetcher=_local_fetcher(weasyprint)
    ).write_pdf(
        stylesheets=stylesheets,
        pdf_variant="pdf/a-3b",
        pdf_tags=True,
        pdf_identifier=hashlib.md5(identifier.encode(), usedforsecurity=False).hexdigest().encode(),
    )


def pdfs_concatenate(parts: list[bytes]) -> bytes:
    """Several PDFs as one (a mail batch): pages in order, nothing re-rendered."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _font_faces() -> str:
    rules = []
    for filename, weight, style in FONT_FILES:
        path = FONT_DIR / filename
        if path.exists():
            rules.append(
                f'@font-face {{ font-family: "Letter Sans"; src: url("{path.as_uri()}"); '
                f"font-weight: {weight}; font-style: {style}; }}"
            )
    return "\n".join(rules)


def _local_fetcher(weasyprint):
    """Letters load nothing from the network: only our stylesheets and the font files."""
    allowed = (STATIC_DIR.as_uri(), FONT_DIR.as_uri())

    class LocalOnly(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(allowed) or ".." in url:
                raise ValueError(f"Letters may not load {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file",))
