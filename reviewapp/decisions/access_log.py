"""The director's pages that read member data, declared to the access log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject
from reviewapp.cases.access_log import case_subject


def _case(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    return case_subject(kwargs["pk"])


def register_reads() -> None:
    registry.register("decisions:review", AccessKind.DIRECTOR_REVIEW, subject=_case)
    registry.register("decisions:queue", AccessKind.CASE_LIST)
    # The withdrawal form shows the case (its POST is a change, in the case timeline).
    registry.register("decisions:withdraw", AccessKind.CASE, subject=_case)
