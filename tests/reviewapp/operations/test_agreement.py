"""Agreement and Cohen's kappa: plain Python, hand-computed values."""

from __future__ import annotations

import pytest

from reviewapp.operations.agreement import agreement, kappa_strength


def test_the_textbook_example():
    # 50 items, two raters, yes/no: 20 yes-yes, 5 yes-no, 10 no-yes, 15 no-no.
    # p_o = 35/50 = 0.7; p_e = (25*30 + 25*20)/2500 = 0.5; kappa = 0.2/0.5 = 0.4.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    result = agreement(pairs)
    assert (result.items, result.agreed, result.share) == (50, 35, 0.7)
    assert result.kappa == pytest.approx(0.4)
    assert result.strength == "fair"


def test_perfect_agreement_and_worse_than_chance():
    assert agreement([("a", "a"), ("b", "b")]).kappa == 1.0
    # Always opposite: p_o = 0, p_e = 0.5, kappa = -1.
    assert agreement([("a", "b"), ("b", "a")]).kappa == -1.0
    assert kappa_strength(-1.0) == "poor"


def test_undefined_when_everything_falls_in_one_category_or_nothing_is_rated():
    one = agreement([("met", "met")] * 3)
    assert (one.share, one.kappa, one.strength) == (1.0, None, "not defined")
    none = agreement([])
    assert (none.items, none.share, none.kappa) == (0, None, None)


@pytest.mark.parametrize(
    ("kappa", "word"),
    [
        (0.0, "slight"),
        (0.2, "slight"),
        (0.21, "fair"),
        (0.6, "moderate"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
    ],
)
def test_strength_words(kappa, word):
    assert kappa_strength(kappa) == word
