"""Background tasks (Django's tasks API, django-tasks): which backend runs them is settings'
``TASKS_BACKEND`` (the database queue, RQ on Redis, or inline)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task(queue_name="documents")
def evidence_read(*, reading_id: int) -> None:
    """Read one uploaded document: text per page, OCR where needed, suggested facts."""
    services.reading_run(reading_id=reading_id)
