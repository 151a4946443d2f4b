"""Readability of member-facing text: the Flesch-Kincaid grade (textstat).

REGULATORY.md section 8: federal rules ask for notices a member can understand (42 CFR
422.568(e), 29 CFR 2560.503-1(g)); state contracts often cap letters at grade 6. The product's
fixed paragraphs and the library's member reasons are kept at grade 8 or lower (tested); the
preview shows each letter's grade, skipping what the grade does not measure (names, addresses,
tables, criteria statements quoted from the policy, taglines in other languages).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

TARGET_GRADE = 6.0
MAX_GRADE = 8.0
# Elements whose text is a paragraph of prose.
PROSE = {"p", "li", "dd", "h1", "h2", "h3"}


def fk_grade(text: str) -> float:
    import textstat  # pinned 0.7.3: later releases load NLTK data from the network

    return float(textstat.flesch_kincaid_grade(text))


class _Paragraphs(HTMLParser):
    """The text of each prose element outside any element whose data-readability is one of
    ``skip`` ("skip": not prose to grade; "variable": prose written per case, such as the
    director's explanation, graded in the preview but not among the fixed paragraphs)."""

    def __init__(self, skip: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_values = skip
        self.stack: list[tuple[str, bool]] = []
        self.current: list[str] | None = None
        self.depth_of_current = -1
        self.paragraphs: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "meta", "link", "input"}:
            return
        skip = dict(attrs).get("data-readability") in self.skip_values
        self.stack.append((tag, skip))
        if tag in PROSE and self.current is None and not self._skipping():
            self.current, self.depth_of_current = [], len(self.stack)

    def handle_endtag(self, tag):
        if not self.stack:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if self.current is not None and len(self.stack) < self.depth_of_current:
                text = " ".join("".join(self.current).split())
                if text:
                    self.paragraphs.append(text)
                self.current = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.current is not None and not self._skipping():
            self.current.append(data)


def prose_paragraphs(html: str, *, fixed_only: bool = False) -> list[str]:
    """The letter's prose paragraphs; ``fixed_only``: only the product's fixed wording."""
    parser = _Paragraphs(frozenset({"skip", "variable"} if fixed_only else {"skip"}))
    parser.feed(html)
    parser.close()
    return [p for p in parser.paragraphs if len(p.split()) >= 8]  # headings and labels aside


@dataclass(frozen=True)
class Readability:
    grade: float
    hardest: list[tuple[float, str]]

    @property
    def level(self) -> str:
        if self.grade <= TARGET_GRADE:
            return "good"
        return "fair" if self.grade <= MAX_GRADE else "hard"


def letter_readability(html: str) -> Readability:
    """The grade of the letter's prose as a whole, and its hardest paragraphs."""
    paragraphs = prose_paragraphs(html)
    graded = sorted(((fk_grade(p), p) for p in paragraphs), reverse=True)
    return Readability(
        grade=fk_grade(" ".join(paragraphs)) if paragraphs else 0.0, hardest=graded[:3]
    )
