"""Pages of a long list without counting it."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet

PAGE_SIZE = 25


class NoCountPage(Page):
    """A page that knows whether there is a next one without counting every row."""

    def __init__(self, items: list[Any], number: int, has_next: bool) -> None:
        self.object_list, self.number, self._has_next = items, number, has_next

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def paginate(
    queryset: QuerySet,
    page_param: str | None,
    *,
    size: int = PAGE_SIZE,
    rows: QuerySet | None = None,
) -> NoCountPage:
    """One page of ``queryset``. ``rows``: the same rows in the same order with what only the
    shown ones need (counts, annotations): the keys are taken from ``queryset``, so the costly
    columns are computed for one page, not for every row before it."""
    try:
        number = max(1, int(page_param or 1))
    except ValueError:
        number = 1
    start = (number - 1) * size
    # Keys first, in the same query: the offset is walked on the index alone, and only the rows
    # shown are joined with their related rows (a deep page used to join every row before it, so
    # page 200 cost three times page 1).
    keys = queryset.values("pk")[start : start + size + 1]
    items = list((queryset if rows is None else rows).filter(pk__in=keys))
    return NoCountPage(items[:size], number, len(items) > size)
