"""Reading a document page by page in a limited child process.

Why a child process: PDFium and Pillow run in-process C code that no timer can interrupt, and a
crafted file can make them allocate without bound. The child gets an address-space ceiling
(``Limits.memory_mb``, which Tesseract inherits) and the parent gives every page
``Limits.page_seconds``: a page that runs out of time or memory is reported unreadable, the child
is replaced, and reading goes on from the next page. A file that cannot even be opened, or that
has more pages or pixels than the limits allow, is refused as a whole.

The child is a fresh interpreter running this module (``python -m``), never a ``fork``: the
worker that calls this may hold database connections and threads a forked child must not
inherit. It speaks one JSON object per line on its standard output. This module imports no
Django code, so the child starts in a fraction of a second.

Tesseract runs with one OpenMP thread (``OMP_THREAD_LIMIT=1``): on a small machine its default
threads make each page three to four times slower; scale with more workers instead.
"""

from __future__ import annotations

import enum
import json
import math
import os
import select

# This module runs itself as the child, with a fixed argument list.
import subprocess  # nosec B404
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CONTENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain")
# A page with less text than this in its text layer, over an image covering much of the page,
# is a scan (often with a fax header line as its only text): it is read by OCR.
SCANNED_TEXT_CHARS = 200
SCANNED_IMAGE_SHARE = 0.3
START_SECONDS = 20.0  # a fresh child: interpreter, PDFium, Pillow, opening the file
GRACE_SECONDS = 5.0  # beyond the page limit before the parent gives up on the child
MAX_FAILED_PAGES = 5  # unreadable pages in a row that make the whole document refused


class PageMethod(enum.StrEnum):
    TEXT = "text"  # the PDF's own text layer, or a text file
    OCR = "ocr"  # Tesseract on the page image
    NONE = "none"  # nothing could be read


class PageStatus(enum.StrEnum):
    READ = "read"
    EMPTY = "empty"  # read, but there is no text on it (a blank page)
    UNREADABLE = "unreadable"  # the note says why


@dataclass(frozen=True)
class Limits:
    max_pages: int = 500
    max_pixels: int = 40_000_000  # of one page image (a letter page at 300 dpi is 8.4 million)
    page_seconds: float = 60.0
    memory_mb: int = 1536
    dpi: int = 300
    min_dpi: int = 100  # a page so large that it must be rendered coarser is not read
    max_page_chars: int = 100_000


@dataclass(frozen=True)
class Page:
    number: int
    text: str
    method: PageMethod
    status: PageStatus
    note: str = ""


class DocumentRefused(Exception):
    """The document as a whole cannot be read; the message says why, for a reviewer."""


class ReaderUnavailable(RuntimeError):
    """The machine lacks what reading needs (Tesseract): an operations problem, not the file's."""


class DocumentReader:
    """Read a file's pages: ``with DocumentReader(path, content_type=...) as reader:`` gives
    ``reader.page_count``, then ``reader.pages()`` yields every page in order."""

    def __init__(self, path: Path | str, *, content_type: str, limits: Limits | None = None):
        if content_type not in CONTENT_TYPES:
            raise DocumentRefused(f"{content_type or 'this type'} is not a document type we read.")
        self.path = str(path)
        self.content_type = content_type
        self.limits = limits or Limits()
        self.page_count = 0
        self._process: Any = None
        self._buffer = b""

    def __enter__(self) -> DocumentReader:
        self.page_count = self._start(1)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def pages(self) -> Iterator[Page]:
        """Every page in order. A page that cannot be read is reported with the reason and
        reading goes on; after ``MAX_FAILED_PAGES`` such pages in a row the document is refused
        (a file built to defeat the reader, or limits set too low for it)."""
        number, in_a_row = 1, 0
        while number <= self.page_count:
            message, why = self._receive(self.limits.page_seconds + GRACE_SECONDS)
            if message is not None and message[0] == "unavailable":
                raise ReaderUnavailable(message[1])
            if message is not None and message[0] == "page":
                page: Page = message[1]
                restart = False
            else:
                # The child ran out of time or died on this page: report it, go on without it.
                self._stop()
                page = Page(number, "", PageMethod.NONE, PageStatus.UNREADABLE, why)
                restart = True
            in_a_row = in_a_row + 1 if page.status == PageStatus.UNREADABLE else 0
            if in_a_row >= MAX_FAILED_PAGES:
                raise DocumentRefused(
                    f"Reading stopped: {in_a_row} pages in a row could not be read within the "
                    "limits."
                )
            yield page
            number = page.number + 1
            if restart and number <= self.page_count:
                self._start(number)

    # --- the child process ----------------------------------------------------------------

    def _start(self, first: int) -> int:
        arguments = json.dumps(
            {
                "path": self.path,
                "content_type": self.content_type,
                "limits": asdict(self.limits),
                "first": first,
            }
        )
        self._process = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-m", __name__, arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=PROJECT_DIR,
        )
        self._buffer = b""
        message, why = self._receive(START_SECONDS + self.limits.page_seconds)
        if message is None:
            self._stop()
            raise DocumentRefused(f"The document could not be opened: it {why}.")
        if message[0] == "refused":
            self._stop()
            raise DocumentRefused(message[1])
        if message[0] == "unavailable":
            self._stop()
            raise ReaderUnavailable(message[1])
        return int(message[1])

    def _receive(self, timeout: float) -> tuple[list | None, str]:
        """The child's next message, or None and why not (out of time, or it died)."""
        deadline = _now() + timeout
        stream = self._process.stdout
        while b"\n" not in self._buffer:
            left = deadline - _now()
            if left <= 0:
                return None, f"took longer than {self.limits.page_seconds:g} seconds to read"
            ready, _, _ = select.select([stream], [], [], left)
            if not ready:
                continue
            chunk = os.read(stream.fileno(), 1 << 16)
            if not chunk:
                self._process.wait(5)
                return None, "stopped the reader (it needed more memory than the reader may use)"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        message = json.loads(line)
        if message[0] == "page":
            raw = message[1]
            message[1] = Page(
                raw["number"],
                raw["text"],
                PageMethod(raw["method"]),
                PageStatus(raw["status"]),
                raw["note"],
            )
        return message, ""

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(5)
            self._process.stdout.close()
            self._process = None


PROJECT_DIR = str(Path(__file__).resolve().parents[3])


def _now() -> float:
    import time

    return time.monotonic()


def _send(message: list) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _child(path: str, content_type: str, raw_limits: dict, first: int) -> None:
    """Runs in the child: open, send the page count, then send each page from ``first``."""
    limits = Limits(**raw_limits)
    _limit_memory(limits.memory_mb)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        source = _open(path, content_type, limits)
    except DocumentRefused as exc:
        _send(["refused", str(exc)])
        return
    except MemoryError:
        _send(["refused", "The document needs more memory than the reader may use."])
        return
    except Exception as exc:  # a malformed file: say so, whatever the library raised
        _send(["refused", f"The document could not be opened ({_name(exc)})."])
        return
    _send(["count", source.count])
    for number in range(first, source.count + 1):
        try:
            page = source.read(number)
        except ReaderUnavailable as exc:
            _send(["unavailable", str(exc)])
            return
        except MemoryError:
            page = _unreadable(number, "needs more memory than the reader may use")
        except Exception as exc:
            page = _unreadable(number, f"could not be read ({_name(exc)})")
        _send(["page", asdict(page)])
    _send(["done"])


def _limit_memory(megabytes: int) -> None:
    import resource

    ceiling = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def _name(exc: BaseException) -> str:
    return exc.__class__.__name__


def _unreadable(number: int, note: str) -> Page:
    return Page(number, "", PageMethod.NONE, PageStatus.UNREADABLE, note)


def _clean(text: str, limits: Limits) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text[: limits.max_page_chars]


def _read_text(number: int, text: str, method: PageMethod, limits: Limits) -> Page:
    text = _clean(text, limits)
    status = PageStatus.READ if text.strip() else PageStatus.EMPTY
    return Page(number, text, method, status)


MIN_SCAN_DPI = 200


def _ocr(image, number: int, limits: Limits) -> Page:
    import pytesseract

    if image.mode not in ("L", "1", "RGB"):
        image = image.convert("RGB")
    try:
        text = pytesseract.image_to_string(
            image, lang="eng", config="--psm 3", timeout=limits.page_seconds
        )
    except pytesseract.TesseractNotFoundError:
        raise ReaderUnavailable(
            "Tesseract is not installed on this machine (Debian package tesseract-ocr)."
        ) from None
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            return _unreadable(number, f"took longer than {limits.page_seconds:g} seconds to read")
        raise
    return _read_text(number, text, PageMethod.OCR, limits)


class _PdfSource:
    def __init__(self, path: str, limits: Limits) -> None:
        import pypdfium2 as pdfium

        self.limits = limits
        try:
            self.pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            message = str(exc).lower()
            if "password" in message:
                raise DocumentRefused("The PDF is password-protected.") from None
            raise DocumentRefused(f"The file is not a readable PDF ({exc}).") from None
        self.count = len(self.pdf)
        if self.count == 0:
            raise DocumentRefused("The PDF has no pages.")
        if self.count > limits.max_pages:
            raise DocumentRefused(
                f"The PDF has {self.count:,} pages; documents of more than "
                f"{limits.max_pages:,} pages are not read."
            )

    def read(self, number: int) -> Page:
        import pypdfium2.raw as pdfium_c

        page = self.pdf[number - 1]
        text = page.get_textpage().get_text_bounded()
        if len(text.strip()) >= SCANNED_TEXT_CHARS:
            return _read_text(number, text, PageMethod.TEXT, self.limits)
        width, height = page.get_size()
        covered = 0.0
        native_dpi = 0.0  # the finest scan on the page, in pixels per inch as drawn
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            pixels_wide, pixels_high = obj.get_px_size()
            if pixels_wide * pixels_high > 4 * self.limits.max_pixels:
                # Decoding it would be a pixel bomb, whatever size it is drawn at.
                return _unreadable(
                    number,
                    f"holds an image of {pixels_wide:,} × {pixels_high:,} pixels: "
                    "too large to read",
                )
            left, bottom, right, top = obj.get_bounds()
            covered += max(0.0, right - left) * max(0.0, top - bottom)
            if right - left > 0:
                native_dpi = max(native_dpi, pixels_wide * 72 / (right - left))
        if covered < SCANNED_IMAGE_SHARE * width * height:
            return _read_text(number, text, PageMethod.TEXT, self.limits)
        # A scan: render it within the pixel limit, coarser if it must be, then OCR. A scan made
        # coarser than the OCR resolution (a 200 dpi scan, a 204 x 196 fax) is read at its own
        # resolution (no finer than MIN_SCAN_DPI): drawing it finer adds no detail, only pixels
        # for Tesseract to read (a third of its time at 300 dpi).
        dpi = self.limits.dpi
        if native_dpi:
            dpi = min(dpi, max(native_dpi, MIN_SCAN_DPI))
        scale = dpi / 72
        if width * height * scale * scale > self.limits.max_pixels:
            scale = math.sqrt(self.limits.max_pixels / (width * height))
        if scale * 72 < self.limits.min_dpi:
            return _unreadable(
                number,
                f"is {width / 72:.0f} × {height / 72:.0f} inches: too large to read within "
                f"{self.limits.max_pixels:,} pixels",
            )
        image = page.render(scale=scale, grayscale=True).to_pil()
        return _ocr(image, number, self.limits)


class _ImageSource:
    def __init__(self, path: str, limits: Limits) -> None:
        from PIL import Image

        self.limits = limits
        Image.MAX_IMAGE_PIXELS = limits.max_pixels
        try:
            self.image = Image.open(path)
        except Image.DecompressionBombError:
            raise DocumentRefused(
                f"The image has more than {limits.max_pixels:,} pixels; it is not read."
            ) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise DocumentRefused(f"The file is not a readable image ({_name(exc)}).") from None
        self.count = getattr(self.image, "n_frames", 1)
        if self.count > limits.max_pages:
            raise DocumentRefused(
                f"The image has {self.count:,} pages; documents of more than "
                f"{limits.max_pages:,} pages are not read."
            )
        self._check_size(self.image.size)

    def _check_size(self, size: tuple[int, int]) -> None:
        if size[0] * size[1] > self.limits.max_pixels:
            raise DocumentRefused(
                f"The image is {size[0]:,} × {size[1]:,} pixels; images of more than "
                f"{self.limits.max_pixels:,} pixels are not read."
            )

    def read(self, number: int) -> Page:
        from PIL import ImageOps

        self.image.seek(number - 1)
        width, height = self.image.size
        if width * height > self.limits.max_pixels:
            return _unreadable(number, f"is {width:,} × {height:,} pixels: too large to read")
        frame = ImageOps.exif_transpose(self.image.copy())
        if frame.mode not in ("L", "1"):
            frame = frame.convert("L")
        return _ocr(frame, number, self.limits)


class _TextSource:
    """Plain text: one page, or one per form feed."""

    def __init__(self, path: str, limits: Limits) -> None:
        self.limits = limits
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8", errors="replace")
        self.texts = text.split("\f") if "\f" in text else [text]
        self.count = len(self.texts)
        if self.count > limits.max_pages:
            raise DocumentRefused(
                f"The text has {self.count:,} pages; documents of more than "
                f"{limits.max_pages:,} pages are not read."
            )

    def read(self, number: int) -> Page:
        return _read_text(number, self.texts[number - 1], PageMethod.TEXT, self.limits)


def _open(path: str, content_type: str, limits: Limits):
    if content_type == "application/pdf":
        return _PdfSource(path, limits)
    if content_type == "text/plain":
        return _TextSource(path, limits)
    return _ImageSource(path, limits)


if __name__ == "__main__":
    _arguments = json.loads(sys.argv[1])
    _child(
        _arguments["path"], _arguments["content_type"], _arguments["limits"], _arguments["first"]
    )
