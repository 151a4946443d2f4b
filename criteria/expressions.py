"""The expression grammar: how a criterion's ``met_when`` / ``applies_when`` is written, read back
and evaluated over facts.

A *test* compares one fact with a constant (``pain_nrs > 6``, ``active_infection is false``,
``indication_code in [a, b]``); an *expression* is a test, a list of them (ALL), or a mapping with
``all`` or ``any`` of sub-expressions. The same written form is used in the library files, in the
database (``Node.met_when``) and in the exported JSON. Tests in ``tests/criteria/engine/``.

Three-valued like the engine: a test on a missing fact is None (unknown), and ALL / ANY combine
True, False and None the way the engine combines statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .facts import FactDef, FactType, FactValueError, parse_bool


class ExpressionError(ValueError):
    """An expression that cannot be read: ``place`` says where (e.g. ``met_when.all[1]``)."""

    def __init__(self, place: str, problem: str) -> None:
        self.place, self.problem = place, problem
        super().__init__(f"{place}: {problem}" if place else problem)


OPERATORS = (">=", "<=", "!=", "==", ">", "<", "is", "in")
_TEST_RE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s+(>=|<=|!=|==|>|<|is|in)\s+(.+?)\s*$")


@dataclass(frozen=True)
class Test:
    """One comparison of a fact with a constant, e.g. ``pain_nrs > 6``."""

    fact: str
    op: str
    value: Any

    def __str__(self) -> str:
        value = self.value
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, tuple):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        return f"{self.fact} {self.op} {value}"


@dataclass(frozen=True)
class Expr:
    """ALL / ANY of sub-expressions, or a single test."""

    op: str  # "all" | "any" | "test"
    children: tuple[Expr, ...] = ()
    test: Test | None = None

    def facts(self) -> Iterator[str]:
        if self.test is not None:
            yield self.test.fact
        for child in self.children:
            yield from child.facts()

    def __str__(self) -> str:
        if self.test is not None:
            return str(self.test)
        joiner = " and " if self.op == "all" else " or "
        return "(" + joiner.join(str(c) for c in self.children) + ")"


def parse_test(text: str, facts: Mapping[str, FactDef]) -> Test:
    """Parse ``fact op value``; the value is checked against the fact's type."""
    match = _TEST_RE.match(text)
    if not match:
        raise ValueError(f"cannot read the test {text!r} (expected: fact operator value)")
    name, op, raw = match.groups()
    fact = facts.get(name)
    if fact is None:
        raise ValueError(f"unknown fact {name!r}")
    if op == "is":
        if fact.type is not FactType.BOOLEAN:
            raise ValueError(f"'is' needs a yes/no fact; {name} is {fact.type}")
        return Test(name, op, parse_bool(fact, raw))
    if op == "in":
        items = [v.strip() for v in raw.strip("[] ").split(",") if v.strip()]
        return Test(name, op, tuple(fact.parse(item) for item in items))
    if op in {">", ">=", "<", "<="} and fact.type in {FactType.BOOLEAN, FactType.CHOICE}:
        raise ValueError(f"{op!r} needs a number or date fact; {name} is {fact.type}")
    try:
        return Test(name, op, fact.parse(raw))
    except FactValueError as exc:
        raise ValueError(str(exc)) from None


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in {"==", "is"}:
        return left == right
    if op == "!=":
        return left != right
    if op == "in":
        return left in right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    raise ValueError(f"unknown operator {op!r}")


def evaluate_expr(expr: Expr, facts: Mapping[str, Any]) -> bool | None:
    """True, False, or None when a fact it needs is missing (and the others do not decide)."""
    if expr.test is not None:
        value = facts.get(expr.test.fact)
        if value is None:
            return None
        return _compare(expr.test.op, value, expr.test.value)
    results = [evaluate_expr(child, facts) for child in expr.children]
    if expr.op == "all":
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def parse_expr(raw: Any, facts: Mapping[str, FactDef], place: str = "") -> Expr:
    """An expression as written: a test string, a list (ALL), or a mapping with all/any.

    Raises ``ExpressionError`` naming the place of the first problem.
    """
    if isinstance(raw, str):
        try:
            return Expr("test", test=parse_test(raw, facts))
        except ValueError as exc:
            raise ExpressionError(place, str(exc)) from None
    if isinstance(raw, list):
        raw = {"all": raw}
    if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in {"all", "any"}:
        op, items = next(iter(raw.items()))
        if not isinstance(items, list):
            raise ExpressionError(f"{place}.{op}", f"expected a list, got {type(items).__name__}")
        if not items:
            raise ExpressionError(place, f"'{op}' needs at least one test")
        return Expr(
            op,
            tuple(parse_expr(item, facts, f"{place}.{op}[{i}]") for i, item in enumerate(items)),
        )
    raise ExpressionError(
        place,
        "expected a test such as 'pain_nrs > 6', a list of tests, or a mapping with 'all' or 'any'",
    )


def expr_to_source(expr: Expr) -> str | dict:
    """The written form of an expression (``parse_expr`` reads it back to an equal Expr)."""
    if expr.test is not None:
        return str(expr.test)
    return {expr.op: [expr_to_source(child) for child in expr.children]}
