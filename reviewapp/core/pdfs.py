"""PDFs from outside: checked by their structure, and shown only as pictures of their pages.

``pdf_check`` parses the document (pypdf) and walks every object reachable from its trailer with
names decoded (``/J#61vaScript`` is ``/JavaScript``) and strings decoded (hex or literal), so
escapes, hex strings and compressed object streams hide nothing. It refuses active content:

- script anywhere: a ``/JS`` or ``/JavaScript`` key (the ``/Names`` JavaScript tree included), or
  an action of type JavaScript, Launch, SubmitForm, ImportData, GoToE, GoToR, Rendition or
  RichMediaExecute;
- actions that run by themselves (``/OpenAction``, ``/AA``) that open a URI as well;
- embedded files and file attachments, XFA forms, rich media;
- markup or script outside the document's streams (an HTML page after the header or after
  ``%%EOF``), and the raw file's name tokens are checked too, decoded, so an object the parser
  does not reach (an unreferenced or shadowed object another reader might use) is caught;
- encryption, more pages than allowed, a page tree that loops or nests absurdly, and anything the
  PDF library cannot read, each as a clear refusal (``PdfRefused``), never an unhandled error.

``pdf_page_png`` renders one page to a PNG with PDFium (pypdfium2): a raster image, so nothing in
the document can run in the reviewer's browser. The raw PDF is offered only as a download.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Keys whose presence means script, embedded files or active forms, wherever they appear.
FORBIDDEN_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/EmbeddedFile": "an embedded file",
    "/EmbeddedFiles": "embedded files",
    "/EF": "an embedded file",
    "/XFA": "an XFA form",
    "/RichMedia": "rich media",
    "/RichMediaContent": "rich media",
}
# Action types (/S) refused wherever they appear.
FORBIDDEN_ACTIONS = {
    "/JavaScript": "a JavaScript action",
    "/Launch": "an action that launches a program",
    "/SubmitForm": "an action that submits a form",
    "/ImportData": "an action that imports data",
    "/GoToE": "an action that opens an embedded document",
    "/GoToR": "an action that opens another document",
    "/Rendition": "a media action",
    "/RichMediaExecute": "a rich-media action",
}
# ...and refused when they run by themselves (on opening, on page or field events).
FORBIDDEN_AUTOMATIC_ACTIONS = {**FORBIDDEN_ACTIONS, "/URI": "an action that opens a web address"}
FORBIDDEN_SUBTYPES = {
    "/FileAttachment": "a file attachment",
    "/RichMedia": "rich media",
    "/Movie": "a movie",
    "/Sound": "a sound",
    "/3D": "3D content",
}
# Name tokens in the raw bytes (decoded): refused even on objects the parser does not reach.
RAW_FORBIDDEN_NAMES = {
    b"JavaScript",
    b"JS",
    b"Launch",
    b"SubmitForm",
    b"ImportData",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"XFA",
    b"RichMedia",
}
MARKUP = re.compile(
    rb"<\s*(script|html|body|svg|iframe|object|embed|meta|link|form|img|a\s)|javascript:|"
    rb"<\?php|<%",
    re.IGNORECASE,
)
STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
NAME_TOKEN = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
MAX_OBJECTS = 500_000
MAX_PAGE_TREE_DEPTH = 64


class PdfRefused(ValueError):
    """The PDF cannot be accepted; the message says why in plain words."""


@dataclass(frozen=True)
class PdfFacts:
    page_count: int


def pdf_check(data: bytes, *, max_pages: int) -> PdfFacts:
    """Check a PDF by its structure; return its page count or raise ``PdfRefused``."""
    outside_streams = STREAM_BODY.sub(b"stream endstream", data)
    if MARKUP.search(outside_streams):
        raise PdfRefused("it carries HTML or script outside its pages")
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRefused("it is password-protected; upload an unlocked copy")
        trailer = reader.trailer
        _walk(trailer)
        pages = _count_pages(trailer["/Root"]["/Pages"], max_pages=max_pages)
    except PdfRefused:
        raise
    except RecursionError:
        raise PdfRefused("its structure nests too deeply to be read safely") from None
    except Exception as exc:  # any failure of the parser is a refusal, not a 500
        logger.info("PDF refused by the parser: %r", exc)
        raise PdfRefused(f"it is not a readable PDF ({exc.__class__.__name__})") from None
    if pages == 0:
        raise PdfRefused("it has no pages")
    _check_raw_names(outside_streams)
    return PdfFacts(page_count=pages)


def _check_raw_names(outside_streams: bytes) -> None:
    for match in NAME_TOKEN.finditer(outside_streams):
        name = HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in RAW_FORBIDDEN_NAMES:
            raise PdfRefused(f"it contains /{name.decode('latin-1')} (active content)")


def _walk(trailer) -> None:
    """Visit every object reachable from the trailer once (iteratively: no recursion limit)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack: list = [trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise PdfRefused("it has too many objects to be checked")
        if isinstance(obj, DictionaryObject):
            _check_dictionary(obj)
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))


def _check_dictionary(obj) -> None:
    for key in dict.keys(obj):
        name = str(key)
        if name in FORBIDDEN_KEYS:
            raise PdfRefused(f"it contains {FORBIDDEN_KEYS[name]}")
        if name in ("/OpenAction", "/AA"):
            _check_automatic(dict.__getitem__(obj, key), trigger=name)
    action = _name_of(obj, "/S")
    if action in FORBIDDEN_ACTIONS:
        raise PdfRefused(f"it contains {FORBIDDEN_ACTIONS[action]}")
    subtype = _name_of(obj, "/Subtype")
    if subtype in FORBIDDEN_SUBTYPES:
        raise PdfRefused(f"it contains {FORBIDDEN_SUBTYPES[subtype]}")


def _name_of(obj, key: str) -> str:
    value = obj.get(key)
    return str(value) if value is not None else ""


def _check_automatic(value, *, trigger: str) -> None:
    """Actions that run without a click: on opening (/OpenAction) or on events (/AA), with the
    actions they chain to (/Next). A plain destination (open at page 1) is fine."""
    from pypdf.generic import ArrayObject, DictionaryObject

    stack = [value]
    checked = 0
    while stack:
        item = stack.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        checked += 1
        if checked > 1000:
            raise PdfRefused("its automatic actions chain too far to be checked")
        if isinstance(item, DictionaryObject):
            action = _name_of(item, "/S")
            if action in FORBIDDEN_AUTOMATIC_ACTIONS:
                raise PdfRefused(
                    f"it runs {FORBIDDEN_AUTOMATIC_ACTIONS[action]} by itself ({trigger})"
                )
            if action:
                nxt = item.get("/Next")
                if nxt is not None:
                    stack.append(nxt)
            elif trigger == "/AA":
                # An additional-actions dictionary: each entry (page open, field change...) is an
                # action.
                stack.extend(dict.values(item))
        elif isinstance(item, ArrayObject) and (trigger == "/AA" or _action_chain(item)):
            stack.extend(list.__iter__(item))


def _action_chain(items) -> bool:
    """An array of action dictionaries (a /Next chain), rather than a destination."""
    from pypdf.generic import DictionaryObject

    resolved = [i.get_object() if hasattr(i, "get_object") else i for i in items]
    return bool(resolved) and all(isinstance(i, DictionaryObject) and "/S" in i for i in resolved)


def _count_pages(root_pages, *, max_pages: int) -> int:
    """Count the leaves of the page tree ourselves (pypdf would walk any size and recurse any
    depth): a loop, an absurd depth or more pages than allowed is a refusal."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    count = 0
    stack = [(root_pages, 0)]
    seen: set[tuple[int, int]] = set()
    while stack:
        node, depth = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                raise PdfRefused("its page tree loops back on itself")
            seen.add(key)
            node = node.get_object()
        if depth > MAX_PAGE_TREE_DEPTH:
            raise PdfRefused("its page tree nests too deeply")
        if not isinstance(node, DictionaryObject):
            raise PdfRefused("its page tree is damaged")
        kids = dict.get(node, "/Kids")
        if _name_of(node, "/Type") == "/Pages" or kids is not None:
            kids = kids.get_object() if hasattr(kids, "get_object") else kids
            if not isinstance(kids, ArrayObject):
                raise PdfRefused("its page tree is damaged")
            if len(kids) > max_pages:
                raise PdfRefused(f"it has more than {max_pages} pages")
            stack.extend((kid, depth + 1) for kid in list.__iter__(kids))
        else:
            count += 1
            if count > max_pages:
                raise PdfRefused(f"it has more than {max_pages} pages")
    return count


# --- showing pages -------------------------------------------------------------------------------

# PDFium is not thread-safe: one render at a time per process (gunicorn's sync workers are
# single-threaded anyway; the development server is not).
_PDFIUM = threading.Lock()


def pdf_page_png(data: bytes, *, page: int, dpi: int, max_side: int) -> bytes:
    """Page ``page`` (1-based) as a PNG at ``dpi``, no side longer than ``max_side`` pixels (an
    absurd page size is scaled down, not rendered at full size). Raises ``PdfRefused`` for a page
    the document does not have or a document PDFium cannot read."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except Exception as exc:  # PDFium's errors are refusals, not 500s
            raise PdfRefused(f"it cannot be displayed ({exc.__class__.__name__})") from None
        try:
            if not 1 <= page <= len(document):
                raise PdfRefused(f"it has no page {page}; it has {len(document)}")
            pdf_page = document[page - 1]
            width, height = pdf_page.get_size()
            scale = min(dpi / 72, max_side / max(width, height, 1))
            bitmap = pdf_page.render(scale=scale, may_draw_forms=False)
            image = bitmap.to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG", compress_level=3)
            return out.getvalue()
        except PdfRefused:
            raise
        except Exception as exc:
            raise PdfRefused(
                f"page {page} cannot be displayed ({exc.__class__.__name__})"
            ) from None
        finally:
            document.close()
