from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from reviewapp.accounts.roles import DECIDE_ADVERSE, REVIEW_CASES, VIEW_OPERATIONS, roles_of


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Reviewers start in their work queue, UM managers on their dashboard; administrators on a
    page of what they manage."""
    if request.user.has_perm(DECIDE_ADVERSE):
        return redirect("decisions:queue")
    if request.user.has_perm(REVIEW_CASES):
        return redirect("cases:queue")
    if request.user.has_perm(VIEW_OPERATIONS):
        return redirect("operations:dashboard")
    roles = sorted(role.value for role in roles_of(request.user))
    return render(request, "core/home.html", {"roles": roles})


@require_safe  # GET and HEAD: load balancers often probe with HEAD
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer: the process answers and the database is reachable. No data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    if request.headers.get("HX-Request"):
        # A refusal inside a page: show it in the page's message area, leave the rest alone.
        response = render(request, "_refusal.html", {"message": message}, status=403)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "403.html", {"message": message}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors that could fail again: a plain template with a static message.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
