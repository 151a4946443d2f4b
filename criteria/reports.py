"""The documented JSON shapes: the library export and an evaluation report (``criteria`` command)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from . import selectors
from .engine import Criterion, Group, Include, Node, Result
from .models import Checklist


def library_export() -> dict[str, Any]:
    """The whole library in the documented export format (see README, Criteria library)."""
    policies = []
    for policy in selectors.policies_with_versions():
        versions = []
        for version in sorted(policy.versions.all(), key=lambda v: v.effective_from):
            checklists = [checklist_export(c) for c in version.checklists.all()]
            versions.append(
                {
                    "version": version.label,
                    "effective_from": version.effective_from.isoformat(),
                    "effective_to": version.effective_to.isoformat()
                    if version.effective_to
                    else None,
                    "next_review": version.next_review,
                    "source_document": version.source_document,
                    "checklists": checklists,
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


def evaluation_report(result: Result, *, policy_key: str, version: str) -> dict[str, Any]:
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
            }
            for c in result.criteria
        ],
        "failed": result.failed,
        "unknown": result.unknown,
    }


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
