"""Text per page from a clinical document: the text layer of a PDF, or OCR of scanned pages and
images. Plain Python (no ORM, no request): ``DocumentReader`` yields one ``Page`` at a time.

The file is read in a child process with a memory ceiling, and every page has a time limit, so a
hostile file (a decompression or pixel bomb, a malformed PDF, thousands of pages) can at most
fail its own reading; it never takes the worker down with it. The original file is only read.
"""

from .pages import (
    CONTENT_TYPES,
    DocumentReader,
    DocumentRefused,
    Limits,
    Page,
    PageMethod,
    PageStatus,
    ReaderUnavailable,
)

__all__ = [
    "CONTENT_TYPES",
    "DocumentReader",
    "DocumentRefused",
    "Limits",
    "Page",
    "PageMethod",
    "PageStatus",
    "ReaderUnavailable",
]
