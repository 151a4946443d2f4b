"""The clinical fact dictionary's types: what a fact is, and how a raw value becomes a typed one.

Plain Python, shared by the expressions (which compare facts with constants) and the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class FactType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    DATE = "date"


class FactValueError(ValueError):
    """A fact value that does not fit the fact's type, range or choices."""


@dataclass(frozen=True)
class FactDef:
    """One entry of the clinical fact dictionary, shared by every policy.

    A retired fact stays in the dictionary so that values recorded under it remain readable; no
    current criterion reads it, and ``replaced_by`` names the facts that now say what it meant.
    """

    name: str
    type: FactType
    label: str
    unit: str = ""
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    # The document that would settle the fact when it is unknown (a pend asks for it).
    document: str = ""
    retired: bool = False
    replaced_by: tuple[str, ...] = ()

    def parse(self, raw: Any) -> Any:
        """Normalise a raw value (JSON or form text) to the fact's Python type, or raise."""
        if raw is None or raw == "":
            raise FactValueError(f"{self.label}: a value is required")
        if self.type is FactType.BOOLEAN:
            return parse_bool(self, raw)
        if self.type is FactType.CHOICE:
            value = str(raw)
            allowed = [c[0] for c in self.choices]
            if value not in allowed:
                raise FactValueError(f"{self.label}: {value!r} is not one of {', '.join(allowed)}")
            return value
        if self.type is FactType.DATE:
            if isinstance(raw, dt.date):
                return raw
            try:
                return dt.date.fromisoformat(str(raw))
            except ValueError:
                raise FactValueError(f"{self.label}: {raw!r} is not a date (YYYY-MM-DD)") from None
        number = _parse_number(self, raw)
        if self.minimum is not None and number < self.minimum:
            raise FactValueError(f"{self.label}: {raw} is below the minimum {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise FactValueError(f"{self.label}: {raw} is above the maximum {self.maximum}")
        return number

    def to_json(self, value: Any) -> Any:
        """A parsed value in JSON form (decimals as strings, dates ISO)."""
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def display(self, value: Any) -> str:
        if value is None:
            return "not recorded"
        if self.type is FactType.BOOLEAN:
            return "yes" if value else "no"
        if self.type is FactType.CHOICE:
            return dict(self.choices).get(value, str(value))
        return f"{value} {self.unit}".strip()  # a date's str() is its ISO form


def parse_bool(fact: FactDef, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "yes", "1", "on"}:
        return True
    if text in {"false", "no", "0", "off"}:
        return False
    raise FactValueError(f"{fact.label}: {raw!r} is not yes or no")


def _parse_number(fact: FactDef, raw: Any) -> int | Decimal:
    if isinstance(raw, bool):
        raise FactValueError(f"{fact.label}: {raw!r} is not a number")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise FactValueError(f"{fact.label}: {raw!r} is not a number") from None
    if not number.is_finite():
        raise FactValueError(f"{fact.label}: {raw!r} is not a number")
    if fact.type is FactType.INTEGER:
        if number != number.to_integral_value():
            raise FactValueError(f"{fact.label}: {raw!r} is not a whole number")
        return int(number)
    return number
