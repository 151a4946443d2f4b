"""Agreement between two raters: the share of items they rated alike, and Cohen's kappa.

Plain Python, no database: pairs of categories in, figures out.

Cohen's kappa corrects the observed agreement for the agreement two raters would reach by chance
if each rated independently with their own frequencies:

    p_o = items rated alike / items
    p_e = sum over categories c of (share of items rater A put in c) * (share rater B put in c)
    kappa = (p_o - p_e) / (1 - p_e)

Kappa is 1 for perfect agreement, 0 for agreement no better than chance, negative for worse. It
is undefined when p_e is 1 (both raters used one and the same category for every item): the
observed agreement is then perfect, but nothing says it is more than chance; we report None and
let the page say "not defined". Kappa is also None when there are no items.

Common reading (Landis and Koch, 1977): below 0 poor, 0-0.20 slight, 0.21-0.40 fair, 0.41-0.60
moderate, 0.61-0.80 substantial, 0.81-1 almost perfect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    items: int
    agreed: int
    kappa: float | None

    @property
    def share(self) -> float | None:
        """Observed agreement, 0 to 1 (None with no items)."""
        return self.agreed / self.items if self.items else None

    @property
    def strength(self) -> str:
        return kappa_strength(self.kappa)


def agreement(pairs: Iterable[tuple[Hashable, Hashable]]) -> Agreement:
    """Observed agreement and Cohen's kappa over (rater A's category, rater B's category)."""
    pairs = list(pairs)
    n = len(pairs)
    if not n:
        return Agreement(0, 0, None)
    agreed = sum(1 for a, b in pairs if a == b)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first.keys() & second.keys()) / (n * n)
    observed = agreed / n
    if expected >= 1.0:
        return Agreement(n, agreed, None)
    return Agreement(n, agreed, (observed - expected) / (1 - expected))


def kappa_strength(kappa: float | None) -> str:
    if kappa is None:
        return "not defined"
    if kappa < 0:
        return "poor"
    for limit, word in (
        (0.20, "slight"),
        (0.40, "fair"),
        (0.60, "moderate"),
        (0.80, "substantial"),
    ):
        if kappa <= limit:
            return word
    return "almost perfect"
