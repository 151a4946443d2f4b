"""Per-request measurements returned in response headers, read by the benchmark driver.

- ``X-Bench-Queries``: SQL statements the request ran (every middleware and the view);
- ``X-Bench-Server-Ms``: time spent inside Django for the request;
- ``X-Bench-Maxrss-Kb``: the worker process's peak resident memory so far;
- ``X-Bench-Pid``: which worker answered.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse


class BenchMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - start) * 1000
        response["X-Bench-Queries"] = str(count)
        response["X-Bench-Server-Ms"] = f"{elapsed_ms:.2f}"
        response["X-Bench-Maxrss-Kb"] = str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        response["X-Bench-Pid"] = str(os.getpid())
        return response
