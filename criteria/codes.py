"""The procedure and supply codes the pump policies use, and the stage they point to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CODES_FILE = Path(__file__).resolve().parent / "codes.yaml"


@dataclass(frozen=True)
class Code:
    code: str
    kind: str  # CPT or HCPCS
    description: str
    suggests: str  # trial, permanent, replacement or none
    max_units: int = 1  # the most units one request may ask for (per date of service)


@cache
def catalogue() -> dict[str, Code]:
    data = yaml.safe_load(CODES_FILE.read_text(encoding="utf-8"))
    return {row["code"]: Code(**row) for row in data["codes"]}


class StageConflict(ValueError):
    """Codes of a trial and codes of a permanent implant in one request."""

    def __init__(self, trial: list[str], permanent: list[str]) -> None:
        self.trial, self.permanent = trial, permanent
        super().__init__(
            f"Trial codes ({', '.join(trial)}) and permanent-implant codes "
            f"({', '.join(permanent)}) are in one request. A trial and an implant are separate "
            "requests: remove one stage's codes, and open the other as its own case."
        )


def stage_conflict(codes: list[str]) -> StageConflict | None:
    """A trial and a permanent implant asked for together: a conflict for the reviewer to
    resolve, never silently read as a permanent implant."""
    by_stage: dict[str, list[str]] = {}
    for code in codes:
        if code in catalogue():
            by_stage.setdefault(catalogue()[code].suggests, []).append(code)
    if by_stage.get("trial") and by_stage.get("permanent"):
        return StageConflict(by_stage["trial"], by_stage["permanent"])
    return None


def suggest_stage(codes: list[str]) -> str | None:
    """The stage a set of requested codes points to, or None when they do not say.

    Replacement devices win over implantation codes (a replacement pump is implanted with the
    same procedure codes); implantation wins over trial injections.
    """
    suggested = {catalogue()[c].suggests for c in codes if c in catalogue()}
    for stage in ("replacement", "permanent", "trial"):
        if stage in suggested:
            return stage
    return None


_ITEM = re.compile(r"^([A-Za-z]?\d{4,5})(?:\s*(?:x|\*|:|×)\s*(\d{1,3}))?$")


class CodeListError(ValueError):
    pass


def parse_code_list(text: str) -> list[tuple[str, int]]:
    """Parse "62350, 62362 x1, E0783" into [(code, units)]. Unknown codes are refused."""
    items = [part.strip() for part in re.split(r"[,;\n]+", text or "") if part.strip()]
    if not items:
        raise CodeListError("Enter at least one requested code.")
    result: list[tuple[str, int]] = []
    for item in items:
        match = _ITEM.match(item)
        if not match:
            raise CodeListError(
                f"{item!r} is not a code with optional units (e.g. 62350 or 62350 x2)."
            )
        code, units = match.group(1).upper(), int(match.group(2) or 1)
        if code not in catalogue():
            raise CodeListError(
                f"Unknown code {code}: the pump policies list "
                + ", ".join(sorted(catalogue()))
                + "."
            )
        if units < 1:
            raise CodeListError(f"{code}: units must be at least 1.")
        if units > catalogue()[code].max_units:
            allowed = catalogue()[code].max_units
            raise CodeListError(
                f"{code}: {units} units is more than this code allows on one date of service "
                f"({allowed} unit{'s' if allowed != 1 else ''})."
            )
        if any(existing == code for existing, _ in result):
            raise CodeListError(f"{code} is listed twice.")
        result.append((code, units))
    return result
