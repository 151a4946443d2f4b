"""``manage.py evidence suggest [--json] FILE...``: the facts clinical documents suggest, read
outside any case by the same code the case page uses (checked like an upload, read page by page
with OCR where needed, within the same limits).

With ``--json`` it prints ``{"documents": [{"file", "pages", "ocr", "suggestions": [{"fact",
"value", "page", "quote"}]}]}``, values typed as the fact dictionary types them. A file that
cannot be read gets one line on standard error saying why; the others are still reported, and
the command then exits with status 1.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviewapp.documents import services
from reviewapp.documents.reading import DocumentRefused, ReaderUnavailable


def _typed(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Command(BaseCommand):
    help = "Read clinical documents and print the facts they suggest."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        suggest = sub.add_parser("suggest", help="Suggested facts, with page and sentence.")
        suggest.add_argument("files", nargs="+", type=Path, metavar="FILE")
        suggest.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, action: str, **options: Any) -> None:
        getattr(self, f"do_{action}")(**options)

    def do_suggest(self, files: list[Path], json: bool = False, **_: Any) -> None:
        documents, failed = [], 0
        for path in files:
            try:
                result = services.document_suggest(path=path)
            except DocumentRefused as exc:
                failed += 1
                reason = str(exc).removeprefix(f"{path.name} ").removeprefix(f"{path.name}: ")
                self.stderr.write(f"{path.name}: not read: {reason}")
                continue
            except ReaderUnavailable as exc:
                raise CommandError(str(exc)) from None
            for page in result.unreadable:
                self.stderr.write(f"{path.name}: page {page.number} could not be read: {page.note}")
            documents.append(
                {
                    "file": result.name,
                    "pages": result.pages,
                    "ocr": result.ocr,
                    "suggestions": [
                        {
                            "fact": f.fact,
                            "value": _typed(f.value),
                            "page": f.page,
                            "quote": f.quote,
                        }
                        for f in result.findings
                    ],
                }
            )
        if json:
            self.stdout.write(_dumps({"documents": documents}))
        else:
            for document in documents:
                self.stdout.write(
                    f"{document['file']}: {document['pages']} page(s)"
                    f"{', OCR' if document['ocr'] else ''}"
                )
                for s in document["suggestions"]:
                    self.stdout.write(
                        f"  p. {s['page']}  {s['fact']} = {s['value']}  “{s['quote']}”"
                    )
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be read")


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
