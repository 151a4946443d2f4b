"""The open appeals the dashboard's "appeals due" counts link to, read-only for a UM manager.

Managers watch the appeals' clocks but never work appeals: each row opens the case's audit
trail; a reviewer who is also a manager opens the appeal itself.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviewapp.accounts.roles import REVIEW_CASES
from reviewapp.audit.services import access_note
from reviewapp.core.pagination import paginate

from .. import forms, selectors

TEMPLATE = "operations/appeals_due.html"


@require_GET
def appeals_due(request: HttpRequest) -> HttpResponse:
    selectors.operations_access(user=request.user)
    form = forms.AppealsDueFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    appeals = selectors.appeals_due_list(
        due=data.get("due", ""), line_of_business=data.get("line_of_business", "")
    )
    page = paginate(appeals, request.GET.get("page"))
    access_note(request, result_count=len(page.object_list))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "querystring": params.urlencode(),
        "rows": selectors.appeal_clocks(page.object_list, now=timezone.now()),
        # A reviewer who is also a manager opens the appeal itself.
        "may_open": request.user.has_perm(REVIEW_CASES),
    }
    return render(request, f"{TEMPLATE}#appeals-due-list" if request.htmx else TEMPLATE, context)
