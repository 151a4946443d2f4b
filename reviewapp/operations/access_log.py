"""The operations pages that read member data, declared to the access log (``reviewapp.audit``).

The dashboard, productivity and the metrics show counts and staff names only; the pages of an
inter-rater reliability study list the sampled cases, the list of open appeals names their
cases, and a reviewer's blind re-review shows a case's request and documents.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reviewapp.audit import registry
from reviewapp.audit.models import AccessKind
from reviewapp.audit.registry import Subject

from .models import IrrAssignment, IrrStudyCase


def _study(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    return Subject(object_type="irr_study", object_pk=kwargs["pk"], detail="sampled cases")


def _study_case(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    row = (
        IrrStudyCase.objects.filter(pk=kwargs["case_pk"], study_id=kwargs["pk"])
        .values_list("case_id", "case__reference", "case__member_id")
        .first()
    )
    if row is None:
        return None
    return Subject(
        case_pk=row[0],
        case_reference=row[1],
        member_id=row[2],
        object_type="irr_study",
        object_pk=kwargs["pk"],
        detail="reference answers",
    )


def _review(request: HttpRequest, kwargs: dict[str, Any]) -> Subject | None:
    row = (
        IrrAssignment.objects.filter(pk=kwargs["pk"])
        .values_list(
            "study_case__case_id", "study_case__case__reference", "study_case__case__member_id"
        )
        .first()
    )
    if row is None:
        return None
    return Subject(
        case_pk=row[0],
        case_reference=row[1],
        member_id=row[2],
        object_type="irr_assignment",
        object_pk=kwargs["pk"],
        detail="blind re-review",
    )


def register_reads() -> None:
    registry.register("operations:irr-study", AccessKind.CASE_LIST, subject=_study)
    registry.register("operations:irr-report", AccessKind.CASE_LIST, subject=_study)
    registry.register("operations:irr-report-export", AccessKind.CASE_LIST, subject=_study)
    registry.register("operations:irr-reference", AccessKind.CASE, subject=_study_case)
    registry.register("operations:irr-review", AccessKind.CASE, subject=_review)
    registry.register("operations:irr-reviews", AccessKind.CASE_LIST)
    registry.register("operations:appeals-due", AccessKind.CASE_LIST)
