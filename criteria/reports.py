"""The documented JSON shapes: the library export and an evaluation report (``criteria`` command)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from . import selectors
from .engine import Criterion, Group, Include, Node, Result, Route
from .models import Checklist, PolicyVersion


def library_export() -> dict[str, Any]:
    """The whole library in the documented export format (see README, Criteria library): each
    version with the checklists of its latest edition."""
    today = timezone.localdate()
    policies = []
    for entry in selectors.library_overview(on=today):
        policy = entry.policy
        versions = []
        for row in reversed(entry.versions):
            version = row.version
            versions.append(
                {
                    "version": version.label,
                    "effective_from": version.effective_from.isoformat(),
                    "effective_to": version.effective_to.isoformat()
                    if version.effective_to
                    else None,
                    "next_review": version.next_review,
                    "source_document": version.source_document,
                    "checklists": [checklist_export(c) for c in row.checklists],
                    **version_review(version, on=today),
                    "edition": version.edition,
                    "editions": [
                        {"edition": e.number, "changes": e.changes or None} for e in row.editions
                    ],
                }
            )
        policies.append(
            {
                "key": policy.key,
                "payer": policy.payer,
                "number": policy.number,
                "title": policy.title,
                "versions": versions,
            }
        )
    return {"policies": policies}


def checklist_export(checklist: Checklist) -> dict[str, Any]:
    engine_checklist = selectors.engine_checklist(checklist)
    return {
        "key": checklist.key,
        "indication": checklist.indication,
        "stage": checklist.stage,
        "title": checklist.title,
        "external": checklist.external or None,
        "documents_to_request": list(checklist.documents_to_request),
        "root": node_export(engine_checklist.root),
        "routes": [route_export(route) for route in engine_checklist.routes],
    }


def route_export(route: Route) -> dict[str, Any]:
    return {
        "outcome": route.outcome.value,
        "external": route.external or None,
        "reason": route.reason,
        "citation": route.citation,
        "when": str(route.when) if route.when is not None else None,
    }


def version_review(version: PolicyVersion, *, on: dt.date) -> dict[str, Any]:
    """The version's stated review date and whether it has passed on ``on``."""
    return {
        "review_due": version.review_due.isoformat() if version.review_due else None,
        "review_overdue": version.review_overdue_on(on),
    }


def node_export(node: Node) -> dict[str, Any]:
    if isinstance(node, Criterion):
        return {
            "kind": "criterion",
            "label": node.label,
            "text": node.text,
            "member_reason": node.member_reason,
            "citation": node.citation,
            "facts": list(node.facts),
            "met_when": str(node.met_when),
            "applies_when": str(node.applies_when) if node.applies_when else None,
            "requires_documentation": node.requires_documentation,
            "waivable": node.waivable,
            "waiver_conditions": node.waiver_conditions or None,
            "waiver_applies_when": str(node.waiver_applies_when)
            if node.waiver_applies_when
            else None,
            "waiver_options": [{"key": k, "label": v} for k, v in node.waiver_options],
            "documentation_only": node.documentation_only,
            "children": [],
        }
    if isinstance(node, Include):
        included = node.checklist
        return {
            "kind": "include",
            "checklist": included.key,
            "indication": included.indication,
            "stage": included.stage,
            "title": included.title,
            "children": [node_export(included.root)],
        }
    assert isinstance(node, Group)
    data: dict[str, Any] = {
        "kind": node.kind,
        "label": node.label,
        "text": node.text,
        "children": [node_export(child) for child in node.children],
    }
    if node.kind == "n_of":
        data["n"] = node.n
    return data


def evaluation_report(
    result: Result, *, policy_key: str, version: str, on: dt.date | None = None
) -> dict[str, Any]:
    """The documented evaluate shape; later fields are additions (nothing renamed).

    ``on`` (the request date) decides whether the version was past its stated review date.
    """
    row = PolicyVersion.objects.filter(policy__key=policy_key, label=version).first()
    review = (
        version_review(row, on=on or timezone.localdate())
        if row
        else {"review_due": None, "review_overdue": False}
    )
    return {
        "policy": policy_key,
        "version": version,
        "checklist": result.checklist.key,
        "outcome": result.outcome.value,
        "criteria": [
            {
                "label": c.label,
                "status": c.status.value,
                "text": c.criterion.text,
                "facts": {k: _json(v) for k, v in c.facts.items()},
                "trace": c.explain(),
                "documentation_missing": c.documentation_missing,
                "waiver": {
                    "open": c.waiver_open,
                    "applies_when": str(c.criterion.waiver_applies_when)
                    if c.criterion.waiver_applies_when
                    else None,
                    "conditions": [{"key": k, "label": v} for k, v in c.criterion.waiver_options],
                }
                if c.criterion.waivable
                else None,
            }
            for c in result.criteria
        ],
        "failed": result.failed,
        "unknown": result.unknown,
        "edition": result.checklist.edition,
        "route": route_export(result.route) if result.route else None,
        "route_unknown": list(result.route_unknown),
        "not_documented": [c.label for c in result.criteria if c.documentation_missing],
        **review,
    }


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
