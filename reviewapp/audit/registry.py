"""Which pages and endpoints read member data, and what each one read.

Domain apps register their reads at start-up (``AppConfig.ready``), by URL name::

    registry.register("cases:detail", AccessKind.CASE, subject=case_subject)

``subject(request, url_kwargs)`` returns what was read (case, member, document); it runs after
the response, whatever its status, so a refused attempt is logged with what it aimed at.
``AccessLogMiddleware`` then records every GET/HEAD of a registered URL by a signed-in user;
views change nothing, except to add what only they know (a search's result count) with
``services.access_note``.

The API (FHIR) registers its read endpoints the same way with ``AccessKind.API``; an endpoint
whose client is not a signed-in user passes the client's name with ``access_note(request,
actor_name=...)``, or calls ``services.access_record`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Subject:
    """What one request read."""

    case_pk: int | None = None
    case_reference: str = ""
    member_id: str = ""
    object_type: str = ""
    object_pk: int | None = None
    detail: str = ""


SubjectFinder = Callable[[HttpRequest, dict[str, Any]], Subject | None]


@dataclass(frozen=True)
class Read:
    kind: str
    subject: SubjectFinder | None = None
    # Query-string parameters that are search terms (recorded with the read).
    terms: tuple[str, ...] = ()
    # A read that is a search when this parameter is given (e.g. the queue with ``q``).
    search_when: str = ""
    search_kind: str = ""
    # Most reads are GET (and HEAD); a form that answers with member data (verifying a letter)
    # is a POST read.
    methods: tuple[str, ...] = ("GET", "HEAD")


_READS: dict[str, Read] = {}


def register(
    view_name: str,
    kind: str,
    *,
    subject: SubjectFinder | None = None,
    terms: tuple[str, ...] = (),
    search_when: str = "",
    search_kind: str = "",
    methods: tuple[str, ...] = ("GET", "HEAD"),
) -> None:
    """Declare that these methods (GET and HEAD unless said) on this URL name read member data."""
    _READS[view_name] = Read(kind, subject, terms, search_when, search_kind, methods)


def read_for(view_name: str) -> Read | None:
    return _READS.get(view_name)


def registered() -> dict[str, Read]:
    return dict(_READS)
