"""Build the annotated corpus (corpus.yaml) into real files: text-layer PDFs with WeasyPrint, and
scans made by rendering those pages to images and degrading them like a scanner or a fax would
(a slight rotation, speckle noise, 1-bit for faxes). Deterministic: the same files every run.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SCAN_DPI = 200
SCAN_FORMATS = {"scan-pdf", "png", "jpeg", "tiff"}
CSS = """
@page { size: Letter; margin: 0.8in; }
body { font-family: "DejaVu Sans"; font-size: 11pt; line-height: 1.35; }
h1 { font-size: 15pt; margin: 0 0 10pt; } h2 { font-size: 12.5pt; margin: 12pt 0 6pt; }
p { margin: 0 0 6pt; } table { border-collapse: collapse; margin: 6pt 0; }
td, th { border: 1px solid #444; padding: 3pt 8pt; text-align: left; }
.page { page-break-after: always; } .page:last-child { page-break-after: auto; }
"""


@dataclass(frozen=True)
class Expected:
    fact: str
    value: Any
    page: int


@dataclass
class CorpusDocument:
    file: str
    format: str
    pages: list[str]
    expected: list[Expected] = field(default_factory=list)
    path: Path | None = None

    @property
    def scanned(self) -> bool:
        return self.format in SCAN_FORMATS

    @property
    def content_type(self) -> str:
        return {
            "pdf": "application/pdf",
            "scan-pdf": "application/pdf",
            "txt": "text/plain",
            "png": "image/png",
            "jpeg": "image/jpeg",
            "tiff": "image/tiff",
        }[self.format]


def load(path: Path = HERE / "corpus.yaml") -> list[CorpusDocument]:
    data = yaml.safe_load(path.read_text())
    documents = []
    for raw in data["documents"]:
        pages = [page["text"] for page in raw["pages"]]
        expected = [
            Expected(item["fact"], item["value"], number)
            for number, page in enumerate(raw["pages"], start=1)
            for item in page.get("expect") or []
        ]
        documents.append(CorpusDocument(raw["file"], raw["format"], pages, expected))
    return documents


def page_html(markup: str) -> str:
    out, table = [], []

    def close_table() -> None:
        if table:
            head, *rows = table
            cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in rows
            )
            out.append(f"<table><tr>{cells}</tr>{body}</table>")
            table.clear()

    for line in markup.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            table.append([c.strip() for c in stripped.strip("|").split("|")])
            continue
        close_table()
        if stripped.startswith("## "):
            out.append(f"<h2>{html.escape(stripped[3:])}</h2>")
        elif stripped.startswith("# "):
            out.append(f"<h1>{html.escape(stripped[2:])}</h1>")
        elif stripped:
            out.append(f"<p>{html.escape(stripped)}</p>")
    close_table()
    return "".join(out)


def plain_text(markup: str) -> str:
    lines = []
    for line in markup.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            stripped = stripped.lstrip("#").strip()
        lines.append(stripped)
    return "\n".join(lines).strip() + "\n"


def render_pdf(pages: list[str]) -> bytes:
    from weasyprint import HTML

    body = "".join(f'<div class="page">{page_html(p)}</div>' for p in pages)
    document = f"<html><head><style>{CSS}</style></head><body>{body}</body></html>"
    return HTML(string=document).write_pdf()


def scan_images(pdf: bytes, seed: str, *, fax: bool = False) -> list:
    """Each page as a scanner would give it back."""
    import pypdfium2 as pdfium
    from PIL import Image

    rng = random.Random(seed)
    images = []
    document = pdfium.PdfDocument(pdf)
    for index in range(len(document)):
        image = document[index].render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
        image = image.convert("L").rotate(
            rng.uniform(-0.8, 0.8), resample=Image.Resampling.BICUBIC, fillcolor=255
        )
        pixels = image.load()
        width, height = image.size
        for _ in range(width * height // 800):  # speckle
            pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 90, 160))
        if fax:
            image = image.point(lambda v: 255 if v > 150 else 0).convert("1")
        images.append(image)
    return images


def build(document: CorpusDocument, directory: Path) -> Path:
    path = directory / document.file
    if document.format == "txt":
        path.write_text("\f".join(plain_text(p) for p in document.pages))
    elif document.format == "pdf":
        path.write_bytes(render_pdf(document.pages))
    else:
        images = scan_images(
            render_pdf(document.pages), document.file, fax=document.format == "tiff"
        )
        if document.format == "scan-pdf":
            images[0].save(
                path, "PDF", save_all=True, append_images=images[1:], resolution=SCAN_DPI
            )
        elif document.format == "tiff":
            images[0].save(
                path,
                "TIFF",
                save_all=True,
                append_images=images[1:],
                compression="group4",
                dpi=(SCAN_DPI, SCAN_DPI),
            )
        elif document.format == "png":
            images[0].save(path, "PNG", dpi=(SCAN_DPI, SCAN_DPI))
        else:
            images[0].save(path, "JPEG", quality=80, dpi=(SCAN_DPI, SCAN_DPI))
    document.path = path
    return path


def build_all(directory: Path) -> list[CorpusDocument]:
    documents = load()
    for document in documents:
        build(document, directory)
    return documents
