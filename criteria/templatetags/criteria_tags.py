"""Template filters for the policy library's words: indications, stages, fact values."""

from django import template

from criteria.facts import FactDef
from criteria.vocabulary import INDICATIONS, STAGES

register = template.Library()


@register.filter
def indication_label(value: str) -> str:
    return INDICATIONS.get(value, value)


@register.filter
def stage_label(value: str) -> str:
    return STAGES.get(value, value)


@register.filter
def fact_display(fact: FactDef, value: object) -> str:
    return fact.display(value)
