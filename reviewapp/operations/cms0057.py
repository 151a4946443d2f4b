"""The CMS-0057-F prior-authorization metrics: what each one counts, and the figures' shape.

The rule (CMS-0057-F, 89 FR 8758; 42 CFR 422.122(c) for Medicare Advantage, 438.210(f) for
Medicaid managed care, 440.230(e)(3), 457.732(c), 45 CFR 156.223(c)) has payers post, each year
by 31 March for the year before, on a public page without a login, for all items and services
other than drugs taken together: the list of what needs prior authorization; the share of
standard requests approved, denied, and approved after appeal; the share approved after a
timeframe extension; the share of expedited requests approved and denied; and the average and
median time between a request and its determination, for standard and for expedited requests.

The definitions below are ours, written in our own words beside each figure on the manager's
page, the public page and in ``manage.py metrics cms0057 --json``. Where the rule does not say
how to count (partial approvals, withdrawals, requests still open at the end of the year), the
``CHOICES`` say what we do; the plan's compliance officer confirms them (REGULATORY.md s. 7).
The figures are computed by ``selectors.cms0057_report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

METRIC_SET = "CMS-0057-F prior authorization metrics"

DEFINITIONS: dict[str, dict[str, str]] = {
    "items_requiring_prior_authorization": {
        "label": "Items and services that need prior authorization",
        "numerator": "Not a ratio: the procedure and device codes this plan reviews before "
        "an intrathecal pump trial, implant or replacement.",
        "denominator": "None.",
        "clock": "The list in force at the end of the year. Drugs are left out, as the rule asks.",
    },
    "standard_approved_pct": {
        "label": "Standard requests approved",
        "numerator": "Standard requests whose initial determination in the year approved every "
        "requested service (including approvals by a medical director's exception).",
        "denominator": "Standard requests with an initial determination in the year: approved, "
        "partially approved or denied. Withdrawn requests are left out.",
        "clock": "A request belongs to the year of its initial determination (the decision "
        "date, in the plan's time zone).",
    },
    "standard_denied_pct": {
        "label": "Standard requests denied",
        "numerator": "Standard requests whose initial determination in the year denied at "
        "least one requested service: full denials and partial approvals.",
        "denominator": "As for approvals: standard requests with an initial determination in "
        "the year.",
        "clock": "The year of the initial determination.",
    },
    "standard_approved_after_appeal_pct": {
        "label": "Standard requests approved after appeal",
        "numerator": "Appeals of standard requests decided in the year that overturned the "
        "denial, in full or in part.",
        "denominator": "Appeals of standard requests decided in the year.",
        "clock": "The year of the appeal decision, whenever the request was first decided.",
    },
    "extended_then_approved_pct": {
        "label": "Requests approved after a timeframe extension",
        "numerator": "Requests, standard and expedited, whose decision timeframe was extended "
        "(the due time moved when the plan pended the request for missing information) and "
        "whose initial determination in the year approved every requested service.",
        "denominator": "All requests, standard and expedited, with an initial determination in "
        "the year (withdrawn requests left out).",
        "clock": "The year of the initial determination.",
    },
    "expedited_approved_pct": {
        "label": "Expedited requests approved",
        "numerator": "Expedited requests whose initial determination in the year approved every "
        "requested service.",
        "denominator": "Expedited requests with an initial determination in the year "
        "(withdrawals left out).",
        "clock": "The year of the initial determination.",
    },
    "expedited_denied_pct": {
        "label": "Expedited requests denied",
        "numerator": "Expedited requests whose initial determination in the year denied at least "
        "one requested service (full denials and partial approvals).",
        "denominator": "Expedited requests with an initial determination in the year.",
        "clock": "The year of the initial determination.",
    },
    "standard_time_to_decision": {
        "label": "Time from request to determination, standard",
        "numerator": "The average (mean) and the median of the time from receipt of each "
        "standard request to its initial determination, in hours.",
        "denominator": "Standard requests with an initial determination in the year.",
        "clock": "Receipt of the request to the decision (not to the notice, which follows it). "
        "Extended requests count with their whole time.",
    },
    "expedited_time_to_decision": {
        "label": "Time from request to determination, expedited",
        "numerator": "The mean and the median of the time from receipt of each expedited "
        "request to its initial determination, in hours.",
        "denominator": "Expedited requests with an initial determination in the year.",
        "clock": "Receipt of the request to the decision.",
    },
}

CHOICES: dict[str, str] = {
    "request": "One request is one case, with all the services it asks for; it counts once, "
    "with its initial determination (the first one made on it). A later correction of that "
    "determination does not move it from one count to another, and an appeal's outcome counts "
    "only in the after-appeal metric.",
    "partial_approvals": "A partial approval (some requested services approved, others "
    "denied) counts as denied: it is an adverse determination, sent with a denial notice and "
    "appeal rights. The number of partial approvals is shown beside the denials.",
    "withdrawals": "A request withdrawn before a decision has no determination on its merits: "
    "it is left out of every numerator and denominator, and the number withdrawn in the year "
    "is shown on its own.",
    "open_at_year_end": "A request still undecided at the end of the year counts in the year "
    "of its initial determination, not in the year it was received. The number of requests "
    "open at the end of the year (received by then, not yet decided or withdrawn) is shown.",
    "extension": "A request's timeframe is extended when the plan pends it for missing "
    "information and the turnaround rule of its line of business adds time to its due date "
    "(once per request). A pend that does not move the due date is not an extension.",
    "appeals": "Appeals are counted by the priority of the request appealed; a partially "
    "overturned denial counts as approved after appeal.",
    "drugs": "Only items and services other than drugs are reviewed here, so every request "
    "counts; a drug given as part of a trial procedure belongs to that procedure's request.",
}

CHOICE_TITLES = {
    "request": "What a request is",
    "partial_approvals": "Partial approvals",
    "withdrawals": "Withdrawals",
    "open_at_year_end": "Requests open at the end of the year",
    "extension": "Timeframe extensions",
    "appeals": "Appeals",
    "drugs": "Drugs",
}

LINES_OF_BUSINESS = ("medicaid", "medicare_advantage", "commercial")


@dataclass(frozen=True)
class Timing:
    mean_hours: float | None
    median_hours: float | None

    def as_json(self) -> dict[str, Any]:
        return {"mean": self.mean_hours, "median": self.median_hours}


@dataclass(frozen=True)
class PriorityFigures:
    decided: int
    approved: int
    denied: int  # full denials and partial approvals
    partially_approved: int
    time_to_decision: Timing

    @property
    def approved_pct(self) -> float | None:
        return _pct(self.approved, self.decided)

    @property
    def denied_pct(self) -> float | None:
        return _pct(self.denied, self.decided)

    def as_json(self) -> dict[str, Any]:
        return {
            "decided": self.decided,
            "approved": self.approved,
            "denied": self.denied,
            "partially_approved": self.partially_approved,
            "approved_pct": self.approved_pct,
            "denied_pct": self.denied_pct,
            "time_to_decision_hours": self.time_to_decision.as_json(),
        }


@dataclass(frozen=True)
class AppealFigures:
    decided: int
    approved: int

    @property
    def approved_pct(self) -> float | None:
        return _pct(self.approved, self.decided)

    def as_json(self) -> dict[str, Any]:
        return {
            "appeals_decided": self.decided,
            "approved": self.approved,
            "approved_pct": self.approved_pct,
        }


@dataclass(frozen=True)
class Figures:
    standard: PriorityFigures
    expedited: PriorityFigures
    standard_appeals: AppealFigures
    extended_approved: int
    withdrawn: int
    open_at_year_end: int

    @property
    def all_decided(self) -> int:
        return self.standard.decided + self.expedited.decided

    @property
    def extended_approved_pct(self) -> float | None:
        return _pct(self.extended_approved, self.all_decided)

    def as_json(self) -> dict[str, Any]:
        standard = self.standard.as_json()
        standard["approved_after_appeal"] = self.standard_appeals.as_json()
        return {
            "standard": standard,
            "expedited": self.expedited.as_json(),
            "extended_then_approved": {
                "requests": self.extended_approved,
                "all_requests": self.all_decided,
                "pct": self.extended_approved_pct,
            },
            "withdrawn": self.withdrawn,
            "open_at_year_end": self.open_at_year_end,
        }


@dataclass(frozen=True)
class Report:
    organisation: str
    year: int
    time_zone: str
    items: list[dict[str, str]]
    overall: Figures
    by_line_of_business: dict[str, Figures]

    def as_json(self) -> dict[str, Any]:
        """The figures as the command prints them and the public page shows them."""
        return {
            "metric_set": METRIC_SET,
            "organisation": self.organisation,
            "year": self.year,
            "period": {
                "from": f"{self.year}-01-01",
                "to": f"{self.year}-12-31",
                "time_zone": self.time_zone,
            },
            "items_requiring_prior_authorization": self.items,
            "overall": self.overall.as_json(),
            "by_line_of_business": {
                lob: figures.as_json() for lob, figures in self.by_line_of_business.items()
            },
            "definitions": DEFINITIONS,
            "choices": CHOICES,
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --- the figures as people read them (the pages and the command's text output) ----------------

COLUMNS = (
    ("overall", "All lines of business"),
    ("medicaid", "Medicaid"),
    ("medicare_advantage", "Medicare Advantage"),
    ("commercial", "Commercial"),
)


@dataclass(frozen=True)
class Row:
    metric: str  # a key of DEFINITIONS, or "" for a line that is not a metric
    label: str
    cells: list[str]

    @property
    def definition(self) -> dict[str, str] | None:
        return DEFINITIONS.get(self.metric)


def _ratio(pct: float | None, part: int, whole: int, noun: str) -> str:
    if not whole:
        return f"no {noun}"
    return f"{pct:.1f}% ({part} of {whole})"


def _timing(timing: dict[str, float | None]) -> str:
    if timing["mean"] is None:
        return "no requests"
    return f"mean {timing['mean']:.1f} h, median {timing['median']:.1f} h"


def rows(report: dict[str, Any]) -> list[Row]:
    """The metrics table: one row per figure, one cell per column of ``COLUMNS``, read from
    ``Report.as_json()`` (so the pages and the command say exactly the same)."""
    columns = [
        report["overall"] if key == "overall" else report["by_line_of_business"][key]
        for key, _ in COLUMNS
    ]

    def line(metric: str, cell) -> Row:
        return Row(metric, DEFINITIONS[metric]["label"], [cell(c) for c in columns])

    def appeal(c: dict[str, Any]) -> str:
        found = c["standard"]["approved_after_appeal"]
        return _ratio(found["approved_pct"], found["approved"], found["appeals_decided"], "appeals")

    def denied(priority: str):
        def cell(c: dict[str, Any]) -> str:
            p = c[priority]
            text = _ratio(p["denied_pct"], p["denied"], p["decided"], "requests")
            if p["decided"] and p["partially_approved"]:
                text += f", of which {p['partially_approved']} partly approved"
            return text

        return cell

    return [
        line(
            "standard_approved_pct",
            lambda c: _ratio(
                c["standard"]["approved_pct"],
                c["standard"]["approved"],
                c["standard"]["decided"],
                "requests",
            ),
        ),
        line("standard_denied_pct", denied("standard")),
        line("standard_approved_after_appeal_pct", appeal),
        line(
            "extended_then_approved_pct",
            lambda c: _ratio(
                c["extended_then_approved"]["pct"],
                c["extended_then_approved"]["requests"],
                c["extended_then_approved"]["all_requests"],
                "requests",
            ),
        ),
        line(
            "expedited_approved_pct",
            lambda c: _ratio(
                c["expedited"]["approved_pct"],
                c["expedited"]["approved"],
                c["expedited"]["decided"],
                "requests",
            ),
        ),
        line("expedited_denied_pct", denied("expedited")),
        line(
            "standard_time_to_decision", lambda c: _timing(c["standard"]["time_to_decision_hours"])
        ),
        line(
            "expedited_time_to_decision",
            lambda c: _timing(c["expedited"]["time_to_decision_hours"]),
        ),
        Row(
            "",
            "Requests withdrawn in the year (not counted above)",
            [str(c["withdrawn"]) for c in columns],
        ),
        Row(
            "",
            "Requests open at the end of the year (counted in the year they are decided)",
            [str(c["open_at_year_end"]) for c in columns],
        ),
    ]
