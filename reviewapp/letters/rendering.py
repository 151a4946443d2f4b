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

import atexit
import hashlib
import logging
import subprocess  # nosec B404: fc-match, with fixed arguments, to find a font file
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings
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
FC_MATCH = "/usr/bin/fc-match"
SUBSET_FORMAT = "v2"  # part of the subset files' names: bump when the subsetting changes

logger = logging.getLogger(__name__)


def font_cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "letter-fonts"


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
    extra_font_faces: str = "",
) -> bytes:
    """The letter body (HTML) as an archival PDF, not yet signed.

    ``identifier`` names what the file is about (e.g. "UM-2025-000012/determination-7"): the PDF's
    /ID is derived from it, so the same letter always carries the same identifier.
    ``extra_font_faces``: @font-face rules for fonts beyond the letter's own (``subset_font_face``).
    """
    import weasyprint  # about a second to import: only where letters are rendered

    document = document_html(
        body=body, title=title, description=description, author=author, options=options
    )
    fetcher = _local_fetcher(weasyprint)
    fonts, stylesheets = _stylesheets(options.language, options.large_print, extra_font_faces)
    return weasyprint.HTML(
        string=document, base_url=str(STATIC_DIR), url_fetcher=fetcher
    ).write_pdf(
        stylesheets=stylesheets,
        font_config=fonts,
        pdf_variant="pdf/a-3b",
        pdf_tags=True,
        pdf_identifier=hashlib.md5(identifier.encode(), usedforsecurity=False).hexdigest().encode(),
    )


@lru_cache(maxsize=16)
def _stylesheets(language: str, large_print: bool, extra_font_faces: str):
    """The parsed stylesheets and the fonts they load, once per process and variant.

    The @font-face rules only take effect through a FontConfiguration shared by the stylesheets
    and the rendering; loading the faces and parsing the CSS for every letter cost a tenth of a
    second, so both are kept (the files are ours and do not change while the process runs).
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _local_fetcher(weasyprint)
    fonts = FontConfiguration()
    stylesheets = [
        weasyprint.CSS(
            string=_font_faces() + "\n" + extra_font_faces, font_config=fonts, url_fetcher=fetcher
        ),
        weasyprint.CSS(filename=str(STATIC_DIR / "letter.css"), font_config=fonts),
        weasyprint.CSS(filename=str(STATIC_DIR / "letter-print.css"), font_config=fonts),
        weasyprint.CSS(string=_running_footer(language), font_config=fonts),
    ]
    if large_print:
        stylesheets.append(
            weasyprint.CSS(filename=str(STATIC_DIR / "letter-large.css"), font_config=fonts)
        )
    # Released before the interpreter tears its modules down (FontConfiguration.__del__ needs
    # them).
    atexit.register(_stylesheets.cache_clear)
    return fonts, stylesheets


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


def _running_footer(language: str) -> str:
    """The footer's words in the letter's language: "Case reference ..." and "Page X of Y"."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        reference, page, of = gettext("Case reference"), gettext("Page"), gettext("of")
    of = of.replace('"', "")
    return (
        f'@page {{ @bottom-left {{ content: {_css_string(reference)} " " string(reference); }}'
        f' @bottom-right {{ content: {_css_string(page)} " " counter(page) " {of} " counter(pages); }} }}'
    )


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "").replace('"', "") + '"'


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


@cache
def _font_file(family: str) -> tuple[Path, int] | None:
    """Where fontconfig keeps a family's regular face: (file, index in a collection)."""
    try:
        # A fixed program with our own family name as its argument.
        found = subprocess.run(  # noqa: S603
            [FC_MATCH, "--format=%{file}\n%{index}\n%{family}", f"{family}:style=Regular"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    path, index, families = [*found, "", "", ""][:3]
    if family not in families.split(","):
        return None  # fontconfig offered a substitute: the family is not installed
    return Path(path), int(index or 0)


def subset_font_face(*, css_family: str, family: str, text: str) -> str:
    """An @font-face rule for ``family`` cut down (with HarfBuzz) to the characters of ``text``.

    A full CJK collection is 20 MB: WeasyPrint would read it and subset it on every letter. The
    taglines are fixed text, so each script's font is subset once, kept under var/letter-fonts/
    (named by what it holds), and every letter embeds from that small file. Layout features are
    all kept, so Arabic joining and Lao, Thai and Indic marks shape as in the full font. "" when
    the family is not installed (the text then falls back to fontconfig's choice).
    """
    located = _font_file(family)
    if located is None:
        logger.warning("Letters: the font %s is not installed (bin/setup installs it)", family)
        return ""
    path, index = located
    chars = "".join(sorted(set(text)))
    stat = path.stat()
    key = hashlib.sha256(
        f"{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{chars}".encode()
    ).hexdigest()[:24]
    target = font_cache_dir() / f"{css_family.replace(' ', '-')}-{SUBSET_FORMAT}-{key}.otf"
    if not target.exists():
        import uharfbuzz as hb

        face = hb.Face(hb.Blob.from_file_path(str(path)), index)
        plan = hb.SubsetInput()
        plan.unicode_set.update(ord(ch) for ch in chars)
        features = plan.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG)
        features.clear()
        features.invert()  # the empty set inverted: every layout feature is kept
        subset = hb.subset(face, plan)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(subset.blob.data)
        tmp.replace(target)  # atomic: another worker never reads half a font
    return f'@font-face {{ font-family: "{css_family}"; src: url("{target.as_uri()}"); }}'


def _local_fetcher(weasyprint):
    """Letters load nothing from the network: only our stylesheets and the font files."""
    allowed = (STATIC_DIR.as_uri(), FONT_DIR.as_uri(), font_cache_dir().as_uri())

    class LocalOnly(weasyprint.urls.URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(allowed) or ".." in url:
                raise ValueError(f"Letters may not load {url}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file",))
