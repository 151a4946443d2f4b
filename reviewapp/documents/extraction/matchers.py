"""The kinds of rule a fact can have (``rules.RULES`` uses them): each finds candidate values in a
unit of text, and the context around each candidate decides whether it is a finding.

- ``Says``: a phrase that states a value ("no active infection" -> active_infection: no).
- ``Amount``: a number or duration read from the phrase (pain 8/10, 6 months of therapy).
- ``Computed``: a value worked out from two numbers (pain from 8/10 to 2/10: 75% relief).
- ``Column``: a value from the latest dated row of a table whose column names the fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .language import NUMBER, Context, Unit, below_marker, context_of, number_value

# What stops a candidate, unless a rule allows it.
DEFAULT_BLOCKS = frozenset({"hedged", "family", "historical", "hypothetical"})


@dataclass
class DocumentState:
    """What the extractor knows about the document so far (its kinds, from titles and labels)."""

    kinds: set[str] = field(default_factory=set)


def _compile(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern, re.I) if pattern else None


@dataclass(frozen=True)
class Candidate:
    value: Any
    start: int
    end: int


class Rule:
    """Shared by every kind: where the rule applies, and which contexts stop it."""

    def __init__(
        self,
        *,
        needs: str | None = None,
        kinds: tuple[str, ...] = (),
        avoid: str | None = None,
        allow: tuple[str, ...] = (),
        negated: Any = None,
        window: int = 8,
        rows: bool = False,
    ) -> None:
        self.needs = _compile(needs)
        self.kinds = frozenset(kinds)
        self.avoid = _compile(avoid)
        self.blocks = DEFAULT_BLOCKS - set(allow)
        self.negated = negated
        self.window = window
        self.rows = rows  # whether the rule reads dated table rows too (Column does)

    def applies(self, unit: Unit, state: DocumentState) -> bool:
        if unit.kind == "row" and not self.rows:
            return False
        if self.avoid and self.avoid.search(unit.text):
            return False
        if self.needs is None and not self.kinds:
            return True
        return bool((self.needs and self.needs.search(unit.text)) or (self.kinds & state.kinds))

    def candidates(self, unit: Unit, state: DocumentState) -> Iterator[Candidate]:
        raise NotImplementedError

    def decide(self, candidate: Candidate, context: Context) -> Any:
        """The value this candidate gives in its context, or None when it gives none."""
        if any(getattr(context, flag) for flag in self.blocks):
            return None
        if context.negated:
            return self.negated
        return candidate.value

    def findings(self, unit: Unit, state: DocumentState) -> Iterator[Any]:
        if not self.applies(unit, state):
            return
        for candidate in self.candidates(unit, state):
            context = context_of(unit, candidate.start, candidate.end, window=self.window)
            value = self.decide(candidate, context)
            if value is not None:
                yield value


class Says(Rule):
    """A phrase that says the value. ``negated``: the value when the phrase is denied."""

    def __init__(self, pattern: str, value: Any = True, **options: Any) -> None:
        super().__init__(**options)
        self.pattern = re.compile(pattern, re.I)
        self.value = value

    def candidates(self, unit: Unit, state: DocumentState) -> Iterator[Candidate]:
        for match in self.pattern.finditer(unit.text):
            yield Candidate(self.value, match.start(), match.end())


class Amount(Rule):
    """A quantity: ``pattern`` captures ``num`` (and may capture ``num2``, ``unit``);
    ``convert(number, match)`` turns it into the fact's value, or None. A number written as an
    upper bound ("almost six months", "less than 3") gives no value. Denied amounts give none.
    """

    def __init__(
        self,
        pattern: str,
        convert: Callable[[Decimal, re.Match], Any],
        *,
        qualifier: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.pattern = re.compile(pattern, re.I)
        self.convert = convert
        # A word beside the number that makes it another measure ("worst 10/10, best 5/10").
        self.qualifier = _compile(qualifier)

    def candidates(self, unit: Unit, state: DocumentState) -> Iterator[Candidate]:
        for match in self.pattern.finditer(unit.text):
            if below_marker(unit.text[: match.start("num")]):
                continue
            if self.qualifier and self._qualified(unit.text, match.start(), match.end()):
                continue
            number = number_value(match.group("num"))
            if number is None:
                continue
            value = self.convert(number, match)
            if value is not None:
                # The context is read around the number: in "has not responded to baclofen
                # over the last 18 months" the "not" is about the response, not the duration.
                yield Candidate(value, match.start("num"), match.end())

    def _qualified(self, text: str, start: int, end: int) -> bool:
        before = re.split(r"[,;(]", text[max(0, start - 30) : start])[-1]
        after = re.split(r"[,;.)]", text[end : end + 20])[0]
        assert self.qualifier is not None
        return bool(self.qualifier.search(before) or self.qualifier.search(after))

    def decide(self, candidate: Candidate, context: Context) -> Any:
        if context.negated:
            return None
        return super().decide(candidate, context)


class Computed(Rule):
    """A value from two numbers in one phrase: ``pattern`` captures ``a`` and ``b``."""

    def __init__(
        self, pattern: str, compute: Callable[[Decimal, Decimal], Any], **options: Any
    ) -> None:
        super().__init__(**options)
        self.pattern = re.compile(pattern, re.I)
        self.compute = compute

    def candidates(self, unit: Unit, state: DocumentState) -> Iterator[Candidate]:
        for match in self.pattern.finditer(unit.text):
            a, b = number_value(match.group("a")), number_value(match.group("b"))
            if a is None or b is None:
                continue
            value = self.compute(a, b)
            if value is not None:
                yield Candidate(value, match.start(), match.end())

    def decide(self, candidate: Candidate, context: Context) -> Any:
        if context.negated:
            return None
        return super().decide(candidate, context)


class Column(Rule):
    """A table of dated rows (visits) whose header names the fact: the latest row's value.

    Only the row with the latest date in the document gives a value, so earlier visits in the
    table (historical values) never do; the extractor keeps the latest one it has seen.
    """

    def __init__(self, header: str, convert: Callable[[Decimal], Any], **options: Any) -> None:
        super().__init__(rows=True, **options)
        self.header = re.compile(rf"^(?:{header})$", re.I)
        self.convert = convert

    def applies(self, unit: Unit, state: DocumentState) -> bool:
        return unit.kind == "row" and any(self.header.match(c) for c in unit.columns)

    def candidates(self, unit: Unit, state: DocumentState) -> Iterator[Candidate]:
        index = next(i for i, c in enumerate(unit.columns) if self.header.match(c))
        cells = _row_cells(unit, len(unit.columns))
        if index >= len(cells):
            return
        match = re.fullmatch(rf"\s*({NUMBER})\s*(?:/\s*10)?\s*", cells[index])
        number = number_value(match.group(1)) if match else None
        if number is None:
            return
        value = self.convert(number)
        if value is not None:
            yield Candidate(value, 0, len(unit.text))

    def decide(self, candidate: Candidate, context: Context) -> Any:
        return candidate.value


def _row_cells(unit: Unit, expected: int) -> list[str]:
    """A dated row's cells: split on '|' or wide gaps; with single spaces, the first
    ``expected - 1`` tokens are single cells and the rest is the last (free-text) cell."""
    text = unit.text
    cells = [c.strip() for c in re.split(r"\s*\|\s*|\s{2,}", text) if c.strip()]
    if len(cells) >= expected:
        return cells
    tokens = text.split()
    return [*tokens[: expected - 1], " ".join(tokens[expected - 1 :])]


# --- value helpers used by the rules ------------------------------------------------------------


def whole(number: Decimal) -> int:
    return int(number.to_integral_value(rounding=ROUND_HALF_UP))


def one_place(number: Decimal) -> Decimal:
    """Rounded to one decimal place, without a trailing ".0" (70, 62.5)."""
    rounded = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Decimal(int(rounded)) if rounded == rounded.to_integral_value() else rounded


def within(low: float, high: float) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        return value if value is not None and low <= value <= high else None

    return check
