"""Fact values: raw input (JSON or form text) becomes the fact's type, or is refused."""

import datetime as dt
from decimal import Decimal

import pytest

from criteria.facts import FactValueError

from .dictionary import FACTS


@pytest.mark.parametrize(
    ("fact", "raw", "expected"),
    [
        ("pain", "7", 7),
        ("pain", 7.0, 7),
        ("relief", "49.5", Decimal("49.5")),
        ("infection", "yes", True),
        ("infection", "false", False),
        ("cause", "sci", "sci"),
        ("seen", "2025-08-13", dt.date(2025, 8, 13)),
    ],
)
def test_fact_values_are_parsed_to_their_type(fact, raw, expected):
    assert FACTS[fact].parse(raw) == expected


@pytest.mark.parametrize(
    ("fact", "raw"),
    [
        ("pain", "7.5"),
        ("pain", "11"),
        ("pain", "-1"),
        ("pain", "seven"),
        ("pain", True),
        ("relief", "nan"),
        ("infection", "maybe"),
        ("cause", "other"),
        ("seen", "13/08/2025"),
        ("pain", ""),
    ],
)
def test_bad_fact_values_are_refused(fact, raw):
    with pytest.raises(FactValueError):
        FACTS[fact].parse(raw)
