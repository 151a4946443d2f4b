"""Who has looked at a case: for the staff who work it (the full access log is for managers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviewapp.audit.selectors import case_readers

from .. import selectors


@require_GET
def case_access(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    readers = case_readers(case_pk=case.pk)
    return render(request, "cases/case_access.html", {"case": case, "readers": readers})
