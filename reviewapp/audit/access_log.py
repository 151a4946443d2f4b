"""The audit pages' own reads: the access log shows member IDs, so reading it is logged too."""

from __future__ import annotations

from . import registry
from .models import AccessKind


def register_reads() -> None:
    registry.register("audit:access-log", AccessKind.ACCESS_LOG)
    registry.register("audit:access-log-export", AccessKind.ACCESS_LOG)
