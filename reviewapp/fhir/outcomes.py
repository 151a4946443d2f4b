"""Problems with a request, and the OperationOutcome that lists them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: where (a FHIRPath into the request), what kind (an
    OperationOutcome issue type), and what to do about it, in words a developer can act on."""

    text: str
    expression: str = ""
    code: str = "invalid"  # invalid | required | value | code-invalid | forbidden | too-costly ...
    severity: str = "error"


class RequestRefused(Exception):
    """The request cannot be accepted; nothing was stored. Carries every problem found."""

    def __init__(self, problems: list[Problem], status: int = 422) -> None:
        self.problems = problems
        self.status = status
        super().__init__("; ".join(p.text for p in problems))


def operation_outcome(problems: list[Problem]) -> dict:
    issues = []
    for problem in problems:
        issue: dict = {
            "severity": problem.severity,
            "code": problem.code,
            "diagnostics": problem.text,
        }
        if problem.expression:
            issue["expression"] = [problem.expression]
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "issue": issues}
