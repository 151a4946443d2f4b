"""Every checklist of every policy version as a DTR-style Questionnaire, and the answers of a
QuestionnaireResponse read back as clinical facts.

Nothing here names a fact: the items are generated from the library (the facts each checklist
reads, in the order its criteria read them, with their types, units, ranges, choices and help), so
a new fact or a changed checklist changes the Questionnaire by itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from criteria import selectors as library
from criteria.codes import catalogue
from criteria.engine import Criterion, Outcome, Route
from criteria.facts import FactDef, FactType, FactValueError
from criteria.library_files import PLAN_RECORDED_FACTS
from criteria.models import Checklist
from criteria.vocabulary import INDICATIONS, STAGES

from . import vocabulary as v
from .outcomes import Problem

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
SEPARATOR = "--"


def checklists() -> QuerySet[Checklist]:
    """The checklists of each version's current edition: what a new request is reviewed on.

    An earlier edition of a version is our own earlier encoding of the same payer document; cases
    opened on it keep it, but a new request answers the current one (same URL and version)."""
    return (
        Checklist.objects.filter(edition__number=F("version__edition"))
        .select_related("version__policy", "edition")
        .order_by("version__policy__key", "-version__effective_from", "indication", "stage")
    )


def questionnaire_id(checklist: Checklist) -> str:
    """``<policy key>--<version label>--<checklist key>``: readable and stable across databases."""
    version = checklist.version
    return SEPARATOR.join((version.policy.key, version.label, checklist.key))


def questionnaire_url(checklist: Checklist) -> str:
    """The canonical URL: one per policy and checklist; the policy version is its ``version``."""
    return v.canonical(f"Questionnaire/{checklist.version.policy.key}/{checklist.key}")


def checklist_for_id(questionnaire_id_: str) -> Checklist | None:
    parts = questionnaire_id_.split(SEPARATOR)
    if len(parts) != 3:
        return None
    policy_key, version_label, key = parts
    return (
        checklists()
        .filter(version__policy__key=policy_key, version__label=version_label, key=key)
        .first()
    )


def checklists_for_canonical(canonical: str) -> list[Checklist]:
    """Checklists a canonical reference names: ``url`` (every version) or ``url|version``."""
    url, _, version = canonical.partition("|")
    prefix = v.canonical("Questionnaire/")
    if not url.startswith(prefix):
        return []
    parts = url[len(prefix) :].split("/")
    if len(parts) != 2:
        return []
    found = checklists().filter(version__policy__key=parts[0], key=parts[1])
    if version:
        found = found.filter(version__label=version)
    return list(found)


def codes_for_stage(stage: str) -> list[str]:
    """The codes a checklist of this stage documents: the stage's own procedure and device codes,
    and the codes that accompany any stage (removal, refills, drugs, catheters)."""
    return [c.code for c in catalogue().values() if c.suggests in (stage, "none")]


def checklists_for_code(code: str) -> list[Checklist]:
    found = catalogue().get(code.strip().upper())
    if found is None:
        return []
    rows = checklists()
    if found.suggests != "none":
        rows = rows.filter(stage=found.suggests)
    return list(rows)


def coding_for_code(code: str) -> dict:
    entry = catalogue()[code]
    system = v.CPT if entry.kind == "CPT" else v.HCPCS
    return {"system": system, "code": code, "display": entry.description}


def fact_names(checklist: Checklist) -> list[str]:
    """The facts a provider can answer for this checklist, in the order its criteria read them.

    The outcomes of the plan's own reviews (external criteria, Washington's technology
    assessment, a medical director's review) are the plan's to record, never the provider's."""
    return [n for n in library.engine_checklist(checklist).facts if n not in PLAN_RECORDED_FACTS]


def _criteria_reading(checklist: Checklist) -> dict[str, list[Criterion]]:
    reading: dict[str, list[Criterion]] = {}
    for criterion in library.engine_checklist(checklist).criteria():
        for name in criterion.facts:
            reading.setdefault(name, []).append(criterion)
    return reading


def _number(value: Decimal, fact: FactDef) -> dict:
    if fact.type is FactType.INTEGER:
        return {"valueInteger": int(value)}
    return {"valueDecimal": float(value)}


def _item(fact: FactDef, criteria: list[Criterion], routes: tuple[Route, ...] = ()) -> dict:
    item: dict[str, Any] = {
        "linkId": fact.name,
        "text": fact.label,
        "type": {
            FactType.INTEGER: "integer",
            FactType.DECIMAL: "decimal",
            FactType.BOOLEAN: "boolean",
            FactType.CHOICE: "choice",
            FactType.DATE: "date",
        }[fact.type],
        "required": False,
    }
    extensions = []
    if fact.unit:
        extensions.append({"url": v.EXT_UNIT, "valueCoding": {"display": fact.unit}})
    if fact.type in (FactType.INTEGER, FactType.DECIMAL):
        if fact.minimum is not None:
            extensions.append({"url": v.EXT_MIN, **_number(fact.minimum, fact)})
        if fact.maximum is not None:
            extensions.append({"url": v.EXT_MAX, **_number(fact.maximum, fact)})
    if extensions:
        item["extension"] = extensions
    if fact.type is FactType.CHOICE:
        item["answerOption"] = [
            {"valueCoding": {"system": v.fact_choice_system(fact.name), "code": c, "display": d}}
            for c, d in fact.choices
        ]
    labels = ", ".join(dict.fromkeys(c.label for c in criteria))
    help_text = " ".join(fact.help.split())
    help_text = f"{help_text} Read by criteria {labels}.".strip() if labels else help_text
    if any(fact.name in route.facts for route in routes):
        # A fact only a route reads (LHCC: whether the drug is baclofen) still decides something.
        help_text = f"{help_text} Decides where this request is reviewed.".strip()
    item["item"] = [
        {
            "linkId": f"{fact.name}.help",
            "type": "display",
            "text": help_text,
            "extension": [
                {
                    "url": v.EXT_ITEM_CONTROL,
                    "valueCodeableConcept": {
                        "coding": [{"system": v.ITEM_CONTROL, "code": "help", "display": "Help"}]
                    },
                }
            ],
        }
    ]
    return item


def questionnaire(checklist: Checklist, *, today: dt.date | None = None) -> dict:
    """The Questionnaire of one checklist of one policy version."""
    today = today or timezone.localdate()
    version = checklist.version
    policy = version.policy
    engine = library.engine_checklist(checklist)
    dictionary = library.fact_dictionary()
    reading = _criteria_reading(checklist)
    in_effect = version.effective_from <= today and (
        version.effective_to is None or version.effective_to >= today
    )
    documents = engine.all_documents_to_request()
    items: list[dict] = []
    if engine.external:
        items.append(
            {
                "linkId": "external-criteria",
                "type": "display",
                "text": f"The plan reviews this request against {engine.external}; it records "
                "that review itself. Attach the documents listed below.",
            }
        )
    routes = engine.all_routes()
    if routes:
        items.append(
            {
                "linkId": "routes",
                "type": "display",
                "text": "Requests this policy does not decide on these criteria: "
                + " ".join(_route_text(route) for route in routes),
            }
        )
    if documents:
        items.append(
            {
                "linkId": "documents",
                "type": "display",
                "text": "Attach as DocumentReference resources in the request Bundle: "
                + "; ".join(documents)
                + ".",
            }
        )
    items.extend(
        _item(dictionary[name], reading.get(name, []), routes) for name in fact_names(checklist)
    )
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(checklist),
        "url": questionnaire_url(checklist),
        "version": version.label,
        "name": _computable_name(f"{policy.key} {checklist.key}"),
        "title": f"{policy.payer} {policy.number} (version {version.label}): {checklist.title}",
        "status": "active" if in_effect else "retired",
        "subjectType": ["Patient"],
        "date": (version.approved_on or version.effective_from).isoformat(),
        "publisher": settings.ORGANISATION_NAME,
        "description": " ".join(
            part
            for part in (
                f"What {policy.payer} {policy.number} needs to decide a request for "
                f"{INDICATIONS[checklist.indication].lower()}, "
                f"{STAGES[checklist.stage].lower()}.",
                checklist.guidance.strip(),
                "Answer what the records show; each answer must be supported by the documents "
                "attached to the request. Unanswered questions are reviewed from the documents.",
            )
            if part
        ),
        "effectivePeriod": {
            "start": version.effective_from.isoformat(),
            **({"end": version.effective_to.isoformat()} if version.effective_to else {}),
        },
        "code": [
            {
                "system": v.canonical("CodeSystem/indication"),
                "code": checklist.indication,
                "display": INDICATIONS[checklist.indication],
            },
            {
                "system": v.canonical("CodeSystem/stage"),
                "code": checklist.stage,
                "display": STAGES[checklist.stage],
            },
        ],
        "useContext": [
            {
                "code": {
                    "system": "http://terminology.hl7.org/CodeSystem/usage-context-type",
                    "code": "focus",
                },
                "valueCodeableConcept": {
                    "coding": [coding_for_code(c) for c in codes_for_stage(checklist.stage)],
                    "text": "Codes whose request this questionnaire documents",
                },
            }
        ],
    }
    if items:
        resource["item"] = items
    return resource


def _route_text(route: Route) -> str:
    """A route in the library's own plain words: its reason, and where the request goes."""
    reason = " ".join(route.reason.split()).rstrip(".")
    if route.outcome is Outcome.EXTERNAL:
        return f"{reason} (reviewed against {route.external})."
    return f"{reason} (not addressed by this policy: a medical director reviews it)."


def _computable_name(text: str) -> str:
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)
    return name if name[:1].isalpha() else f"Q{name}"


# --- answers back in: a QuestionnaireResponse as facts ------------------------------------------


@dataclass(frozen=True)
class Answers:
    checklist: Checklist
    facts: dict[str, Any]  # fact name -> raw value (parsed and checked by the fact service)


_VALUE_KEYS = {
    FactType.INTEGER: ("valueInteger", "valueDecimal"),
    FactType.DECIMAL: ("valueDecimal", "valueInteger"),
    FactType.BOOLEAN: ("valueBoolean",),
    FactType.CHOICE: ("valueCoding", "valueString"),
    FactType.DATE: ("valueDate",),
}


def _flatten(items: list, path: str) -> list[tuple[dict, str]]:
    found = []
    for i, item in enumerate(items or []):
        if not isinstance(item, dict):
            continue
        here = f"{path}.item[{i}]"
        found.append((item, here))
        found.extend(_flatten(item.get("item"), here))
        for j, answer in enumerate(item.get("answer") or []):
            if isinstance(answer, dict):
                found.extend(_flatten(answer.get("item"), f"{here}.answer[{j}]"))
    return found


def answers_read(response: dict, path: str) -> tuple[Answers | None, list[Problem]]:
    """The checklist a QuestionnaireResponse answers and its answers as fact values, or the
    problems that stop it being read (an unknown questionnaire, an item that is not one of its
    questions, an answer of the wrong type or out of range)."""
    problems: list[Problem] = []
    reference = response.get("questionnaire") or ""
    found = checklists_for_canonical(reference)
    if len(found) != 1:
        problems.append(
            Problem(
                f"QuestionnaireResponse.questionnaire {reference!r} is not one of this plan's "
                "questionnaires with its version (url|version); find them with "
                "GET Questionnaire?context=<code>.",
                f"{path}.questionnaire",
                "not-found",
            )
        )
        return None, problems
    checklist = found[0]
    allowed = set(fact_names(checklist))
    dictionary = library.fact_dictionary()
    facts: dict[str, Any] = {}
    for item, where in _flatten(response.get("item"), path):
        link = item.get("linkId", "")
        answers = item.get("answer") or []
        if not answers:
            continue
        if link not in allowed:
            retired = dictionary.get(link)
            successors = (
                f" It was retired; answer {', '.join(retired.replaced_by)} instead."
                if retired is not None and retired.retired
                else ""
            )
            problems.append(
                Problem(
                    f"Item {link!r} is not a question of {questionnaire_id(checklist)}."
                    + successors,
                    f"{where}.linkId",
                    "not-found",
                )
            )
            continue
        if len(answers) > 1:
            problems.append(Problem(f"{link}: give one answer.", f"{where}.answer", "value"))
            continue
        fact = dictionary[link]
        raw, problem = _answer_value(fact, answers[0], f"{where}.answer[0]")
        if problem:
            problems.append(problem)
            continue
        try:
            fact.parse(raw)
        except FactValueError as exc:
            problems.append(Problem(str(exc), f"{where}.answer[0]", "value"))
            continue
        facts[link] = raw
    return Answers(checklist, facts), problems


def _answer_value(fact: FactDef, answer: dict, where: str) -> tuple[Any, Problem | None]:
    for key in _VALUE_KEYS[fact.type]:
        if key not in answer:
            continue
        value = answer[key]
        if key == "valueCoding":
            if not isinstance(value, dict) or value.get("system") not in (
                None,
                v.fact_choice_system(fact.name),
            ):
                return None, Problem(
                    f"{fact.label}: answer with a code of {v.fact_choice_system(fact.name)}.",
                    f"{where}.valueCoding",
                    "code-invalid",
                )
            return value.get("code"), None
        if key == "valueInteger" and fact.type is FactType.DECIMAL:
            return value, None
        if key == "valueDecimal" and fact.type is FactType.INTEGER:
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = Decimal("0.5")
            if number != number.to_integral_value():
                return None, Problem(f"{fact.label}: a whole number is expected.", where, "value")
            return int(number), None
        if key == "valueDecimal":
            return str(value), None
        return value, None
    expected = " or ".join(_VALUE_KEYS[fact.type])
    return None, Problem(f"{fact.label}: answer with {expected}.", where, "value")
