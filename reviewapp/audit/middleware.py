"""Records every read of member data in the access log, from the URL the request resolved to."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from . import registry, services

logger = logging.getLogger(__name__)


class AccessLogMiddleware:
    """After the view, if the request is a registered read (URL name and method) and a staff
    member is signed in, append the access-log row (refused and not-found attempts included, with their
    status).

    A read that cannot be recorded is not served: the response is replaced by a 503, so member
    data never leaves without a record.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        read = registry.read_for(match.view_name) if match is not None else None
        if read is None or request.method not in read.methods:
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        try:
            services.access_record(
                request=request, read=read, url_kwargs=match.kwargs, status=response.status_code
            )
        except DatabaseError:
            logger.exception("The access log could not record a read of %s", request.path)
            response.close()
            refused = HttpResponse(
                "This page could not be shown because the access log could not record it. "
                "Try again; if it persists, tell your UM administrator.",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            refused["Retry-After"] = "5"
            return refused
        return response
