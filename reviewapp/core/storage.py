"""The private file storage: evidence and signed letters. Never served under a public URL.

A stored file and its row must not part ways. A file is written before its row is committed
(the row records the file's name and SHA-256), so two things can leave a file with no row:

- the transaction fails (an error, a refused guard, the database gone at commit): the files the
  transaction stored are removed (``files_atomic`` with ``stored_file_save``);
- the process dies between writing the file and committing (a killed worker, a machine lost):
  nothing in that process can clean up, so ``orphans_sweep`` (``manage.py storage sweep``)
  later removes files no row names, once they are older than a grace period that an upload
  still in progress never reaches.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def private_storage() -> Storage:
    """The configured private storage (callable, so tests and settings can swap it)."""
    return storages["evidence"]


# --- a transaction's files: kept if it commits, removed if it does not ---------------------------


@dataclass
class _Stored:
    files: list[tuple[Storage, str]] = field(default_factory=list)

    def remove(self) -> None:
        for storage, name in self.files:
            try:
                storage.delete(name)
            except Exception:  # the original error matters more than the clean-up's
                logger.exception("Could not remove %s after its transaction failed", name)
        self.files.clear()


_open = threading.local()


def _stack() -> list[_Stored]:
    if not hasattr(_open, "stack"):
        _open.stack = []
    return _open.stack


@contextmanager
def files_atomic() -> Iterator[None]:
    """``transaction.atomic()`` for work that stores files: every file stored inside it with
    ``stored_file_save`` is removed when the block does not commit, whether an error is raised
    inside it or the commit itself fails (the database gone). Nested blocks hand their files
    to the enclosing one, so the outermost block's outcome decides. Usable as a decorator.

    Inside a transaction this helper did not open (a caller's ``atomic``), a rollback of that
    outer transaction is not seen here: ``manage.py storage sweep`` removes what it leaves.
    """
    stored = _Stored()
    stack = _stack()
    stack.append(stored)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        stack.pop()
        stored.remove()
        raise
    stack.pop()
    if stack:
        stack[-1].files.extend(stored.files)


def stored_file_save(*, storage: Storage, name: str, content: IO[bytes] | Any) -> str:
    """Write a file whose row the current ``files_atomic`` block records; returns the name the
    storage gave it. The file is removed if the block does not commit."""
    saved = storage.save(name, content)
    if stack := _stack():
        stack[-1].files.append((storage, saved))
    return saved


# --- the sweeper -------------------------------------------------------------------------------


@dataclass
class Sweep:
    """What a sweep found under the private storage."""

    grace: dt.timedelta
    files: int = 0  # files looked at
    orphans: list[str] = field(default_factory=list)  # no row names them; older than the grace
    recent: list[str] = field(default_factory=list)  # no row names them yet; within the grace
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _walk(storage: Storage, path: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    prefix = f"{path.rstrip('/')}/" if path else ""
    for name in files:
        yield prefix + name
    for directory in directories:
        yield from _walk(storage, prefix + directory)


def _named_files() -> set[str]:
    """Every file name a row holds, in any model's file field (evidence, signed letters ...)."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                names.update(
                    model._default_manager.exclude(**{model_field.attname: ""})
                    .values_list(model_field.attname, flat=True)
                    .iterator()
                )
    return names


def orphans_find(
    *, grace: dt.timedelta, under: Sequence[str] = ("",), storage: Storage | None = None
) -> Sweep:
    """The files under ``under`` (folders of the private storage; all of it by default) that no
    row names. The files are listed before the rows are read, so a file whose row commits
    meanwhile is seen with its row; one younger than ``grace`` is only reported."""
    storage = storage or private_storage()
    sweep = Sweep(grace=grace)
    listed = [name for path in under for name in _walk(storage, path.strip("/"))]
    named = _named_files()
    cutoff = timezone.now() - grace
    for name in listed:
        sweep.files += 1
        if name in named:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (FileNotFoundError, OSError):
            continue  # removed meanwhile
        (sweep.orphans if modified <= cutoff else sweep.recent).append(name)
    return sweep


def orphans_sweep(
    *,
    grace: dt.timedelta,
    delete: bool,
    under: Sequence[str] = ("",),
    storage: Storage | None = None,
) -> Sweep:
    """Find the orphaned files and, with ``delete``, remove them. Every removal is recorded as a
    security event (which files, how old at least), visible to managers and administrators."""
    from reviewapp.accounts.models import SecurityEventKind
    from reviewapp.accounts.services import security_event_record

    storage = storage or private_storage()
    sweep = orphans_find(grace=grace, under=under, storage=storage)
    if not delete:
        return sweep
    for name in sweep.orphans:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not remove the orphaned file %s", name)
            sweep.failed.append(name)
        else:
            sweep.removed.append(name)
    if sweep.removed or sweep.failed:
        logger.warning("Removed %d orphaned file(s): %s", len(sweep.removed), sweep.removed)
        security_event_record(
            kind=SecurityEventKind.FILES_SWEPT,
            actor=None,
            target=None,
            summary=f"Orphaned files removed from the private storage: {len(sweep.removed)}"
            + (f" ({len(sweep.failed)} could not be removed)" if sweep.failed else ""),
            after={
                "removed": sweep.removed,
                "failed": sweep.failed,
                "grace_minutes": int(grace.total_seconds() // 60),
            },
        )
    return sweep
