"""Reading a case's documents and deciding what they suggest.

- ``reading_request`` (called by cases for every stored document, inside the upload's
  transaction) queues the reading; the upload returns at once and a worker reads it.
- ``reading_run`` (the worker's task) reads page by page, storing each page's text and its
  suggestions as it goes, so the case page shows progress and the first suggestions early. A
  document refused at a limit, or a reading that fails, keeps nothing of what it had read.
- ``suggestion_accept`` / ``suggestion_dismiss``: a person's decision. Accepting records the fact
  (origin: the document and page) and links the document at that page to every criterion that
  reads the fact, all in one transaction and in the case timeline. Nothing is applied otherwise.

Guards raise cases' ``CaseActionRefused`` with a message for the reviewer; nothing is written.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from criteria import selectors as library
from reviewapp.accounts.models import staff_display_name
from reviewapp.cases import selectors as case_selectors
from reviewapp.cases import services as case_services
from reviewapp.cases.models import CaseFact, EventKind, Evidence, EvidenceLink, FactOrigin
from reviewapp.cases.selectors import EvidenceChoice
from reviewapp.cases.services import CaseActionRefused

from .extraction import DocumentExtractor, Finding
from .models import (
    DocumentReading,
    PageText,
    ReadingStatus,
    Suggestion,
    SuggestionStatus,
)
from .reading import DocumentReader, DocumentRefused, Limits, Page, ReaderUnavailable
from .selectors import fact_definitions, value_display

logger = logging.getLogger(__name__)


def reading_limits() -> Limits:
    return Limits(
        max_pages=settings.DOCUMENTS_MAX_PAGES,
        max_pixels=settings.DOCUMENTS_MAX_PIXELS,
        page_seconds=settings.DOCUMENTS_PAGE_SECONDS,
        memory_mb=settings.DOCUMENTS_READER_MEMORY_MB,
        dpi=settings.DOCUMENTS_OCR_DPI,
    )


# --- queueing and reading ----------------------------------------------------------------------


def reading_request(*, evidence: Evidence, by: User | None = None) -> DocumentReading:
    """Queue the reading of a stored document; the queue receives it once the upload commits."""
    reading = DocumentReading.objects.create(evidence=evidence)
    transaction.on_commit(lambda: _enqueue(reading.pk))
    return reading


def _enqueue(reading_id: int) -> None:
    from .tasks import evidence_read

    try:
        evidence_read.enqueue(reading_id=reading_id)
    except Exception:
        # The queue is unreachable: the document is stored; say that it was not read.
        logger.exception("Could not queue the reading of document reading %s", reading_id)
        DocumentReading.objects.filter(pk=reading_id, status=ReadingStatus.QUEUED).update(
            status=ReadingStatus.FAILED,
            message="The reading queue could not be reached; read it again later.",
            finished_at=timezone.now(),
        )


@transaction.atomic
def reading_restart(*, reading: DocumentReading, by: User) -> DocumentReading:
    """Read a document again after a failure or a refusal (e.g. once the limits are raised)."""
    case = case_services.case_lock(reading.evidence.case)
    case_services.case_require_edit(case, by)
    case_services.case_require_worker(case, by)
    reading = DocumentReading.objects.select_for_update().get(pk=reading.pk)
    if reading.status not in (ReadingStatus.FAILED, ReadingStatus.REFUSED):
        raise CaseActionRefused(
            f"{reading.evidence.original_name} is {reading.get_status_display().lower()}; "
            "only a document that was not read can be read again."
        )
    _discard_pages(reading.evidence)
    reading.status = ReadingStatus.QUEUED
    reading.message = ""
    reading.pages_read = reading.ocr_pages = reading.unreadable_pages = 0
    reading.started_at = reading.finished_at = None
    reading.save()
    case_services.event_record(
        case=case,
        actor=by,
        kind=EventKind.DOCUMENT_READ_AGAIN,
        summary=f"Asked to read {reading.evidence.original_name} again",
        after={"evidence": reading.evidence_id},
    )
    transaction.on_commit(lambda: _enqueue(reading.pk))
    return reading


def reading_run(*, reading_id: int) -> DocumentReading | None:
    """Read a queued document (the worker's task). Safe to call twice: only a queued reading
    is claimed, so a second worker or a retried job does nothing."""
    with transaction.atomic():
        reading = (
            DocumentReading.objects.select_for_update()
            .select_related("evidence__case")
            .filter(pk=reading_id)
            .first()
        )
        if reading is None or reading.status != ReadingStatus.QUEUED:
            return reading
        reading.status = ReadingStatus.READING
        reading.started_at = timezone.now()
        reading.attempts += 1
        reading.save(update_fields=["status", "started_at", "attempts"])
    evidence = reading.evidence
    try:
        data = case_services.evidence_read_verified(evidence=evidence)
    except case_services.EvidenceCorrupt as exc:
        return _reading_abandon(reading, ReadingStatus.REFUSED, str(exc))
    suffix = Path(evidence.file.name or "").suffix or ".bin"
    # The reader works on a private temporary copy: the original is never touched, and a file
    # kept in S3 is read the same way as one on a shared disk.
    handle, path = tempfile.mkstemp(prefix="reading-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as copy:
            copy.write(data)

        def started(page_count: int) -> None:
            DocumentReading.objects.filter(pk=reading.pk).update(page_count=page_count)

        for page, findings in document_pages(
            Path(path), content_type=evidence.content_type, started=started
        ):
            _page_store(reading, page, findings)
    except DocumentRefused as exc:
        return _reading_abandon(reading, ReadingStatus.REFUSED, str(exc))
    except ReaderUnavailable as exc:
        logger.error("Document reading is unavailable: %s", exc)
        return _reading_abandon(reading, ReadingStatus.FAILED, str(exc))
    except Exception:
        logger.exception("Reading document %s failed", evidence.pk)
        return _reading_abandon(
            reading, ReadingStatus.FAILED, "An error stopped the reading; read it again."
        )
    finally:
        Path(path).unlink(missing_ok=True)
    return _reading_finish(reading)


def document_pages(
    path: Path, *, content_type: str, started: Callable[[int], None] | None = None
) -> Iterator[tuple[Page, list[Finding]]]:
    """Read a file page by page and what each page suggests: the one path shared by the case
    page's reading task and ``manage.py evidence suggest``. Raises ``DocumentRefused``."""
    # The dictionary as the library files define it: the command needs no loaded database.
    extractor = DocumentExtractor()
    with DocumentReader(path, content_type=content_type, limits=reading_limits()) as reader:
        if started is not None:
            started(reader.page_count)
        for page in reader.pages():
            yield page, extractor.page(page.number, page.text) if page.text else []


@dataclass(frozen=True)
class SuggestedDocument:
    """What ``evidence suggest`` reports for one file read outside any case."""

    name: str
    pages: int
    ocr: bool
    findings: list[Finding]
    unreadable: list[Page]


def document_suggest(*, path: Path) -> SuggestedDocument:
    """Read a file outside any case, checked like an upload (type from the content, limits).
    Raises ``DocumentRefused`` with the reason when it cannot be read."""
    from django.core.files import File

    from reviewapp.cases.evidence_files import EvidenceRejected, inspect_upload

    try:
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            info = inspect_upload(upload)  # type: ignore[arg-type]
    except FileNotFoundError:
        raise DocumentRefused("no such file") from None
    except IsADirectoryError:
        raise DocumentRefused("is a directory, not a file") from None
    except EvidenceRejected as exc:
        raise DocumentRefused(str(exc)) from None
    findings: list[Finding] = []
    unreadable: list[Page] = []
    pages, ocr = 0, False
    for page, found in document_pages(path, content_type=info.content_type):
        pages += 1
        ocr = ocr or page.method.value == "ocr"
        findings.extend(found)
        if page.status.value == "unreadable":
            unreadable.append(page)
    return SuggestedDocument(path.name, pages, ocr, findings, unreadable)


@transaction.atomic
def _page_store(reading: DocumentReading, page: Page, findings: Sequence[Finding]) -> None:
    """One page: its text, its suggestions and the progress, together."""
    evidence = reading.evidence
    PageText.objects.create(
        evidence=evidence,
        number=page.number,
        text=page.text,
        method=page.method.value,
        status=page.status.value,
        note=page.note[:200],
    )
    definitions = fact_definitions()
    suggestions = []
    for finding in findings:
        definition = definitions.get(finding.fact)
        try:
            fact = library.fact_row(finding.fact)
        except KeyError:
            continue  # a fact the loaded library does not have
        if definition is None:
            continue
        value = definition.to_json(finding.value)
        suggestions.append(
            Suggestion(
                case_id=evidence.case_id,
                evidence=evidence,
                fact=fact,
                value=value,
                value_key=str(value)[:100],
                page=finding.page,
                quote=finding.quote,
            )
        )
    # A document read again keeps the decisions already made on its suggestions.
    Suggestion.objects.bulk_create(suggestions, ignore_conflicts=True)
    DocumentReading.objects.filter(pk=reading.pk).update(
        pages_read=F("pages_read") + 1,
        ocr_pages=F("ocr_pages") + (1 if page.method.value == "ocr" else 0),
        unreadable_pages=F("unreadable_pages") + (1 if page.status.value == "unreadable" else 0),
    )


def _discard_pages(evidence: Evidence) -> None:
    PageText.objects.filter(evidence=evidence).delete()
    Suggestion.objects.filter(evidence=evidence, status=SuggestionStatus.PENDING).delete()


@transaction.atomic
def _reading_abandon(reading: DocumentReading, status: str, message: str) -> DocumentReading:
    """A refused or failed reading keeps nothing of what it read (no half-read document)."""
    _discard_pages(reading.evidence)
    DocumentReading.objects.filter(pk=reading.pk).update(
        status=status,
        message=message[:300],
        pages_read=0,
        ocr_pages=0,
        unreadable_pages=0,
        finished_at=timezone.now(),
    )
    reading.refresh_from_db()
    case_services.event_record(
        case=reading.evidence.case,
        actor=None,
        kind=EventKind.DOCUMENT_NOT_READ,
        summary=f"{reading.evidence.original_name} was not read: {message}",
        after={"evidence": reading.evidence_id, "status": status, "message": message},
    )
    return reading


@transaction.atomic
def _reading_finish(reading: DocumentReading) -> DocumentReading:
    DocumentReading.objects.filter(pk=reading.pk).update(
        status=ReadingStatus.DONE, finished_at=timezone.now()
    )
    reading.refresh_from_db()
    found = Suggestion.objects.filter(evidence=reading.evidence).count()
    case_services.event_record(
        case=reading.evidence.case,
        actor=None,
        kind=EventKind.DOCUMENT_READ,
        summary=f"Read {reading.evidence.original_name}: {reading.progress.lower()}; "
        f"{found} suggested fact{'s' if found != 1 else ''}",
        after={
            "evidence": reading.evidence_id,
            "pages": reading.page_count,
            "ocr_pages": reading.ocr_pages,
            "unreadable_pages": reading.unreadable_pages,
            "suggestions": found,
        },
    )
    return reading


# --- the nurse decides -------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    suggestion: Suggestion
    criteria: list[str]  # labels of the criteria that read the fact (now linked to the page)


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, by: User) -> Accepted:
    """Make a suggestion the case's fact.

    Guards: the case is open for changes; the suggestion is still awaiting a decision; the
    checklist uses the fact. The fact is recorded with its origin ("accepted from <document>
    p. N"), replacing a value typed earlier (the timeline keeps both); the document is linked at
    that page to every criterion that reads the fact, so a criterion that needs documentation
    can then be answered met.
    """
    case = case_services.case_lock(suggestion.case)
    case_services.case_require_edit(case, by)
    case_services.case_require_worker(case, by)
    suggestion = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("evidence", "fact", "decided_by__staff_profile")
        .get(pk=suggestion.pk)
    )
    _require_pending(suggestion)
    name = suggestion.fact.name
    if name not in case_selectors.checklist_facts(case):
        raise CaseActionRefused(
            f"{suggestion.fact.label} is not a fact this case's checklist uses; nothing to accept."
        )
    evidence = suggestion.evidence
    detail = f"{evidence.original_name} p. {suggestion.page}"
    current = CaseFact.objects.filter(case=case, fact__name=name).first()
    case_services.fact_record(
        case=case,
        by=by,
        name=name,
        raw_value=suggestion.value,
        expected_revision=current.revision if current else 0,
        # The page it was read from is the fact's document: applying the facts' proposal to a
        # criterion links it there too.
        source=EvidenceChoice(evidence, str(suggestion.page)),
        origin=FactOrigin.DOCUMENT,
        origin_detail=detail,
    )
    labels = []
    nodes = library.checklist_nodes(case.checklist)
    for criterion in library.engine_checklist(case.checklist).criteria():
        if name not in criterion.facts:
            continue
        node = nodes[criterion.label]
        link = EvidenceLink.objects.filter(case=case, criterion=node, evidence=evidence).first()
        pages = pages_with(link.pages if link else "", suggestion.page)
        case_services.evidence_link(
            case=case, by=by, evidence=evidence, criterion=node, pages=pages
        )
        labels.append(criterion.label)
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_by = by
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    definition = fact_definitions()[name]
    case_services.event_record(
        case=case,
        actor=by,
        kind=EventKind.SUGGESTION_ACCEPTED,
        summary=f"{definition.label}: {value_display(definition, suggestion.value)} accepted "
        f"from document {detail}" + (f"; linked to {', '.join(labels)}" if labels else ""),
        after={
            "suggestion": suggestion.pk,
            "fact": name,
            "value": suggestion.value,
            "evidence": evidence.pk,
            "page": suggestion.page,
            "quote": suggestion.quote,
            "criteria": labels,
        },
    )
    return Accepted(suggestion, labels)


@transaction.atomic
def suggestion_dismiss(*, suggestion: Suggestion, by: User) -> Suggestion:
    case = case_services.case_lock(suggestion.case)
    case_services.case_require_edit(case, by)
    case_services.case_require_worker(case, by)
    suggestion = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("evidence", "fact", "decided_by__staff_profile")
        .get(pk=suggestion.pk)
    )
    _require_pending(suggestion)
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.decided_by = by
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    definition = fact_definitions()[suggestion.fact.name]
    case_services.event_record(
        case=case,
        actor=by,
        kind=EventKind.SUGGESTION_DISMISSED,
        summary=f"Dismissed {definition.label}: {value_display(definition, suggestion.value)} "
        f"read from {suggestion.evidence.original_name} p. {suggestion.page}",
        after={
            "suggestion": suggestion.pk,
            "fact": suggestion.fact.name,
            "value": suggestion.value,
        },
    )
    return suggestion


def _require_pending(suggestion: Suggestion) -> None:
    if suggestion.status != SuggestionStatus.PENDING:
        raise CaseActionRefused(
            f"This suggestion was already {suggestion.get_status_display().lower()} by "
            f"{staff_display_name(suggestion.decided_by)}."
        )


def pages_with(pages: str, page: int) -> str:
    """A page list ("2, 5-7") with one more page, in order, ranges kept compact."""
    numbers = {page}
    for part in filter(None, (p.strip() for p in pages.split(","))):
        first, _, last = part.partition("-")
        numbers.update(range(int(first), int(last or first) + 1))
    ordered = sorted(numbers)
    ranges: list[list[int]] = []
    for number in ordered:
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
